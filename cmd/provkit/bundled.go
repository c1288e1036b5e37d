package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/provkit/provkit/reference"
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
