package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// bundled is the reference server started in this process on a throwaway
// database, listening on a loopback port, with the demo seed: what `provkit
// test` and `provkit simulate` run against when no target is given.
type bundled struct {
	addr string
	seed reference.Info
	stop func()
}

// startBundledReference opens the reference server (with the faults, logging
// to logger), serves it on 127.0.0.1 and seeds the demo data; it needs at
// least minEndpoints SCIM endpoints in the seed. stop shuts it down.
func startBundledReference(ctx context.Context, faults []string, logger *slog.Logger, minEndpoints int) (*bundled, error) {
	srv, err := reference.Open(ctx, reference.Config{Faults: faults, Logger: logger})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		return nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: readHeaderTimeout}
	go func() { _ = hs.Serve(ln) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		_ = srv.Close()
	}
	info, err := srv.SeedDemo(ctx, "http://"+ln.Addr().String())
	if err == nil && len(info.Endpoints) < minEndpoints {
		err = fmt.Errorf("the demo seed has %d endpoints, fewer than %d", len(info.Endpoints), minEndpoints)
	}
	if err != nil {
		stop()
		return nil, err
	}
	return &bundled{addr: ln.Addr().String(), seed: info, stop: stop}, nil
}

// replicaSet is one or more bundled reference servers in this process on
// one database, each on its own loopback port: what `provkit load` runs
// against when no target is given. urls are the demo node Acme /
// Engineering's SCIM base URL on each replica; token its bearer token.
type replicaSet struct {
	urls  []string
	token string
	stop  func()
}

// startReplicas opens n reference servers on db ("" a throwaway SQLite
// database; several replicas need a PostgreSQL URL, which must hold no
// enterprise yet, so that the demo seed and its token are new).
func startReplicas(ctx context.Context, db string, n int, faults []string, logger *slog.Logger) (*replicaSet, error) {
	rs := &replicaSet{}
	var stops []func()
	rs.stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	for i := 0; i < n; i++ {
		srv, err := reference.Open(ctx, reference.Config{DB: db, Faults: faults, Logger: logger})
		if err != nil {
			rs.stop()
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			srv.Close()
			rs.stop()
			return nil, err
		}
		hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: readHeaderTimeout}
		go func() { _ = hs.Serve(ln) }()
		stops = append(stops, func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
			_ = srv.Close()
		})
		info, err := srv.SeedDemo(ctx, "http://"+ln.Addr().String())
		if err == nil && len(info.Endpoints) == 0 {
			err = fmt.Errorf("the database has no SCIM endpoint")
		}
		if err != nil {
			rs.stop()
			return nil, err
		}
		ep := info.Endpoints[0]
		if i == 0 {
			if ep.Token == "" {
				rs.stop()
				return nil, fmt.Errorf("the database %s already holds a directory: give an empty database", sqlstore.Redact(db))
			}
			rs.token = ep.Token
		}
		rs.urls = append(rs.urls, ep.SCIMURL)
	}
	return rs, nil
}
