package reference

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/admin"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// Replica benchmark knobs: how many reference servers share the database
// and how many clients send creates, spread round robin over them
// (PROVKIT_BENCH_CLIENTS overrides the 24 clients).
const (
	benchReplicas = 3
	benchClients  = 24
)

// clientsFromEnv is PROVKIT_BENCH_CLIENTS, else benchClients.
func clientsFromEnv() int {
	if n, err := strconv.Atoi(os.Getenv("PROVKIT_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return benchClients
}

// BenchmarkCreateUsersReplicas is issue 15's PostgreSQL throughput figure:
// 24 clients send POST /Users (durable creates, all into one node of one
// enterprise, so every create takes a seat of the same enterprise) spread
// round robin over 3 reference servers, each opened by Open on the same
// PostgreSQL database with its own store, exactly as 3 `provkit serve
// --db postgres://…` processes run. It reports creates/s, the latency
// percentiles, the store's SERIALIZABLE retries and statements (round
// trips) per create, and the load average before and after. It needs
// PROVKIT_TEST_POSTGRES (a server where the role may CREATE DATABASE):
//
//	PROVKIT_TEST_POSTGRES=postgres://postgres@127.0.0.1:55433/postgres \
//	  go test -run '^$' -bench CreateUsersReplicas -benchtime 20000x ./reference/
func BenchmarkCreateUsersReplicas(b *testing.B) {
	server := pgtest.ServerDSN(b)
	ctx := context.Background()
	dsn, drop, err := pgtest.CreateDatabase(ctx, server)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := drop(); err != nil {
			b.Error(err)
		}
	}()

	var reps [benchReplicas]*Server
	var urls [benchReplicas]string
	for i := range reps {
		s, err := Open(ctx, Config{DB: dsn, AdminToken: "bench-admin-token-0123456789"})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		srv := httptest.NewServer(s.Handler())
		defer srv.Close()
		reps[i], urls[i] = s, srv.URL
	}
	svc := reps[0].Service()
	ent, err := svc.CreateEnterprise(ctx, "Create", b.N+10)
	if err != nil {
		b.Fatal(err)
	}
	node, err := svc.CreateNode(ctx, ent.RootNode, "Node")
	if err != nil {
		b.Fatal(err)
	}
	_, tok, err := svc.CreateEndpoint(ctx, node.ID, false)
	if err != nil {
		b.Fatal(err)
	}
	path := admin.SCIMPrefix + strconv.FormatInt(node.ID, 10) + "/Users"
	clients := clientsFromEnv()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()

	stats := func() (retries, statements uint64) {
		for _, s := range reps {
			st := s.sql.Stats()
			retries += st.Retries
			statements += st.Statements
		}
		return retries, statements
	}
	retries0, statements0 := stats()
	load0 := loadAverage()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := urls[c%benchReplicas] + path
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"r%07d@replicas.example","name":{"givenName":"R","familyName":"%d"},"emails":[{"value":"r%07d@replicas.example","type":"work","primary":true}],"externalId":"x%d"}`, i, i, i, i)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/scim+json")
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				msg, _ := io.ReadAll(res.Body)
				res.Body.Close()
				lat[i] = time.Since(t0)
				if res.StatusCode != http.StatusCreated {
					b.Errorf("POST: %d %s", res.StatusCode, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	retries1, statements1 := stats()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/el.Seconds(), "creates/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(retries1-retries0), "retries")
	b.ReportMetric(float64(statements1-statements0)/float64(b.N), "stmts/create")
	b.ReportMetric(load0, "load-before")
	b.ReportMetric(loadAverage(), "load-after")

	// Every acknowledged create is there, and took its seat.
	e, err := svc.Store().GetEnterprise(ctx, ent.ID)
	if err != nil {
		b.Fatal(err)
	}
	if e.SeatsUsed != b.N {
		b.Fatalf("seats used %d after %d creates", e.SeatsUsed, b.N)
	}
}

// loadAverage is the 1-minute load average (Linux), 0 if unknown.
func loadAverage() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	if err != nil {
		return 0
	}
	return f
}
