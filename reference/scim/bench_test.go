package scim_test

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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/directory/service"
	"github.com/provkit/provkit/reference/scim"
	"github.com/provkit/provkit/reference/store"
)

// Benchmarks of the reference SCIM API at Keeper scale, over real HTTP on
// loopback, on a real SQLite file. Run them with, e.g.:
//
//	go test -run '^$' -bench . -benchtime 3s ./reference/scim/
//
// Each read benchmark also times a bare net/http handler that writes the
// identical response bytes in the same run (the physical limit) and reports
// ratio = bare ns/op ÷ reference ns/op (1.0 = as fast as the bare handler),
// plus the reference's median latency under the 8 clients (p50-µs) and
// alone (p50-1client-µs). Set PROVKIT_TEST_POSTGRES to run them on
// PostgreSQL (bench_store_test.go).

const (
	bigUsers   = 100_000
	smallTeams = 1_000
	teamSize   = 1_000
	workers    = 8
)

type fixture struct {
	dir     string
	svc     *service.Service
	srv     *httptest.Server
	big     directory.Node // 100,000 users, one team holding all of them
	bigTok  string
	bigTeam string
	spare   []int64        // users of big that are not in bigTeam
	many    directory.Node // 1,000 teams of 1,000 members
	manyTok string
	close   func()
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func loadFixture(b *testing.B) *fixture {
	fixOnce.Do(func() { fix, fixErr = buildFixture() })
	if fixErr != nil {
		b.Fatal(fixErr)
	}
	return fix
}

func buildFixture() (*fixture, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "provkit-bench-")
	if err != nil {
		return nil, err
	}
	mem, closeStore, err := openBenchStore(ctx, dir) // bench_store_test.go: SQLite, or PostgreSQL
	if err != nil {
		return nil, err
	}
	svc := service.New(mem)
	f := &fixture{dir: dir, svc: svc}
	ent, err := svc.CreateEnterprise(ctx, "Bench", 10*bigUsers)
	if err != nil {
		return nil, err
	}
	if f.big, err = svc.CreateNode(ctx, ent.RootNode, "Big"); err != nil {
		return nil, err
	}
	if _, f.bigTok, err = svc.CreateEndpoint(ctx, f.big.ID, false); err != nil {
		return nil, err
	}
	if f.many, err = svc.CreateNode(ctx, ent.RootNode, "Many"); err != nil {
		return nil, err
	}
	if _, f.manyTok, err = svc.CreateEndpoint(ctx, f.many.ID, false); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	// Bulk load straight through the store, in a few large transactions.
	var bigIDs []int64
	const spare = 20_000
	for start := 0; start < bigUsers+spare; start += 20_000 {
		err = mem.Update(ctx, func(tx store.Tx) error {
			for i := start; i < start+20_000; i++ {
				email := fmt.Sprintf("user%06d@big.example", i)
				u := directory.User{EnterpriseID: ent.ID, NodeID: f.big.ID, RoleID: f.big.DefaultRoleID, Email: email,
					UserName: email, GivenName: "Given", FamilyName: fmt.Sprintf("Family%d", i), DisplayName: email,
					ExternalID: fmt.Sprintf("ext-%d", i), Emails: []directory.Email{{Value: email, Type: "work", Primary: true}},
					Status: directory.UserInvited, Version: 1, Created: now, Modified: now}
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				bigIDs = append(bigIDs, u.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	f.spare = bigIDs[bigUsers:]
	bigTeam, err := svc.CreateTeam(ctx, f.big.ID, service.TeamInput{DisplayName: "Everyone"}, nil)
	if err != nil {
		return nil, err
	}
	f.bigTeam = bigTeam.ID
	for start := 0; start < bigUsers; start += 50_000 {
		err = mem.Update(ctx, func(tx store.Tx) error {
			for _, id := range bigIDs[start : start+50_000] {
				if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: bigTeam.ID, UserID: id, Status: directory.MembershipPending}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var manyIDs []int64
	err = mem.Update(ctx, func(tx store.Tx) error {
		for i := 0; i < teamSize; i++ {
			email := fmt.Sprintf("member%04d@many.example", i)
			u := directory.User{EnterpriseID: ent.ID, NodeID: f.many.ID, RoleID: f.many.DefaultRoleID, Email: email,
				UserName: email, DisplayName: email, Status: directory.UserInvited, Version: 1, Created: now, Modified: now}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			manyIDs = append(manyIDs, u.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := 0; i < smallTeams; i += 100 {
		err = mem.Update(ctx, func(tx store.Tx) error {
			for j := i; j < i+100; j++ {
				uid, err := directory.NewTeamUID(nil)
				if err != nil {
					return err
				}
				t := directory.Team{ID: uid, EnterpriseID: ent.ID, NodeID: f.many.ID, DisplayName: fmt.Sprintf("Team %04d", j),
					ExternalID: fmt.Sprintf("team-%d", j), Status: directory.TeamPending, Version: 1, Created: now, Modified: now}
				if err := tx.CreateTeam(ctx, t); err != nil {
					return err
				}
				for _, id := range manyIDs {
					if _, err := tx.PutMembership(ctx, directory.Membership{TeamID: uid, UserID: id, Status: directory.MembershipPending}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := settleBenchStore(ctx); err != nil { // bench_store_test.go: PostgreSQL's VACUUM ANALYZE
		return nil, err
	}
	f.srv = httptest.NewServer(scim.New(svc, scim.Options{}))
	f.close = func() { f.srv.Close(); closeStore(); _ = os.RemoveAll(dir) }
	return f, nil
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}

func get(url, tok string) (int, string, []byte, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := benchClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), body, err
}

// hammer sends n GETs to urlFor(i) from `workers` goroutines and returns the
// elapsed time and every request's latency.
func hammer(b *testing.B, n int, urlFor func(i int) string, tok string) (time.Duration, []time.Duration) {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				status, _, _, err := get(urlFor(i), tok)
				lat[i] = time.Since(t0)
				if err != nil || status != http.StatusOK {
					b.Errorf("GET %s: %d %v", urlFor(i), status, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), lat
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// versusBare times the reference on urls and a bare handler that writes the
// reference's response to urls[0] byte for byte.
func versusBare(b *testing.B, tok string, urls []string) {
	status, ct, body, err := get(urls[0], tok)
	if err != nil || status != http.StatusOK {
		b.Fatalf("GET %s: %d %v %s", urls[0], status, err, body)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}))
	defer bare.Close()
	n := max(b.N, 50)
	b.ResetTimer()
	refTime, lat := hammer(b, n, func(i int) string { return urls[i%len(urls)] }, tok)
	bareTime, _ := hammer(b, n, func(int) string { return bare.URL + "/x" }, tok)
	// One client alone: the latency of a request that does not queue
	// behind the others (what "under 300 ms" means for one IdP).
	serial := make([]time.Duration, 0, 10)
	for i := 0; i < 10; i++ {
		t0 := time.Now()
		if status, _, _, err := get(urls[i%len(urls)], tok); err != nil || status != http.StatusOK {
			b.Fatalf("GET %s: %d %v", urls[i%len(urls)], status, err)
		}
		serial = append(serial, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(median(serial).Microseconds()), "p50-1client-µs")
	b.ReportMetric(float64(refTime.Nanoseconds())/float64(n), "ref-ns/op")
	b.ReportMetric(float64(bareTime.Nanoseconds())/float64(n), "bare-ns/op")
	b.ReportMetric(float64(bareTime)/float64(refTime), "ratio")
	b.ReportMetric(float64(median(lat).Microseconds()), "p50-µs")
	b.ReportMetric(float64(len(body)), "bytes")
}

func (f *fixture) url(node directory.Node, path string) string {
	return f.srv.URL + scim.Prefix + strconv.FormatInt(node.ID, 10) + path
}

func BenchmarkGetUserByID(b *testing.B) {
	f := loadFixture(b)
	users, _, err := f.svc.Store().FindUsers(context.Background(), store.UserQuery{NodeID: f.big.ID, Offset: 50_000, Limit: 256})
	if err != nil {
		b.Fatal(err)
	}
	// The same user each time, so that the bare handler's bytes are identical.
	versusBare(b, f.bigTok, []string{f.url(f.big, "/Users/"+strconv.FormatInt(users[0].ID, 10))})
}

func BenchmarkFilterUserNameEq(b *testing.B) {
	f := loadFixture(b)
	versusBare(b, f.bigTok, []string{f.url(f.big, `/Users?filter=userName%20eq%20%22user054321%40big.example%22`)})
}

func BenchmarkLastPage(b *testing.B) {
	f := loadFixture(b)
	versusBare(b, f.bigTok, []string{f.url(f.big, "/Users?startIndex=99001&count=1000")})
}

func BenchmarkGroupsExcludedMembers(b *testing.B) {
	f := loadFixture(b)
	versusBare(b, f.manyTok, []string{f.url(f.many, "/Groups?excludedAttributes=members")})
}

// BenchmarkFilterNonIndexed times filters no index answers, over the
// 120,000 users of the big node (100,000 of them in one team): each is one
// scan of the node's users and one read of their memberships, never a query
// per user. p50-µs is the figure the issue asks for (under 300 ms).
func BenchmarkFilterNonIndexed(b *testing.B) {
	f := loadFixture(b)
	for _, c := range []struct{ name, query string }{
		{"displayNameCo", `filter=displayName%20co%20%22r054321%22`},
		{"userNameSw", `filter=userName%20sw%20%22user05432%22`},
		{"valuePath", `filter=emails%5Btype%20eq%20%22work%22%20and%20value%20co%20%22054321%22%5D`},
		{"sortBy", `filter=userName%20sw%20%22user0543%22&sortBy=name.familyName&sortOrder=descending`},
	} {
		b.Run(c.name, func(b *testing.B) {
			versusBare(b, f.bigTok, []string{f.url(f.big, "/Users?"+c.query)})
		})
	}
}

// BenchmarkAddMemberLargeTeam adds one member to the 100,000-member team
// per operation (PATCH /Groups/{id}, one client), reporting the median.
func BenchmarkAddMemberLargeTeam(b *testing.B) {
	f := loadFixture(b)
	url := f.url(f.big, "/Groups/"+f.bigTeam)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		uid := f.spare[i%len(f.spare)]
		kind := "add"
		if (i/len(f.spare))%2 == 1 {
			kind = "remove"
		}
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":%q,"path":"members","value":[{"value":"%d"}]}]}`, kind, uid)
		req, _ := http.NewRequest("PATCH", url, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+f.bigTok)
		req.Header.Set("Content-Type", "application/scim+json")
		t0 := time.Now()
		res, err := benchClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		lat = append(lat, time.Since(t0))
		if res.StatusCode != http.StatusNoContent {
			b.Fatalf("PATCH: %d", res.StatusCode)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(median(lat).Microseconds()), "p50-µs")
}

// BenchmarkCreateUsers creates users through POST /Users from 8 concurrent
// clients on a fresh database; every acknowledged create is durable.
// Use -benchtime 100000x for the 100,000-user figure.
func BenchmarkCreateUsers(b *testing.B) {
	ctx := context.Background()
	mem, closeStore, err := openBenchStore(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer closeStore()
	svc := service.New(mem)
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
	srv := httptest.NewServer(scim.New(svc, scim.Options{}))
	defer srv.Close()
	url := srv.URL + scim.Prefix + strconv.FormatInt(node.ID, 10) + "/Users"
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"c%07d@create.example","name":{"givenName":"C","familyName":"%d"},"emails":[{"value":"c%07d@create.example","type":"work","primary":true}],"externalId":"x%d"}`, i, i, i, i)
				req, _ := http.NewRequest("POST", url, bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/scim+json")
				res, err := benchClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("POST: %d", res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el.Seconds(), "creates/s")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		fix.close()
	}
	os.Exit(code)
}
