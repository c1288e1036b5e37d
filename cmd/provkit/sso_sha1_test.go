package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference"
)

// The admin API sets a node's allow_sha1 (default false) and reads it back;
// the stored configuration carries it to the SP.
func TestAdminAllowSHA1(t *testing.T) {
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	info, err := srv.SeedDemo(ctx, hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	idp, err := mockidp.New(mockidp.Config{BaseURL: "http://idp.invalid"})
	if err != nil {
		t.Fatal(err)
	}
	md, err := idp.MetadataXML()
	if err != nil {
		t.Fatal(err)
	}
	node := info.Endpoints[0].NodeID
	put := func(body map[string]any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPut, info.AdminURL+"/nodes/"+strconv.FormatInt(node, 10)+"/sso", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+info.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v map[string]any
		if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("PUT sso: %d %v %v", res.StatusCode, err, v)
		}
		return v
	}
	if v := put(map[string]any{"idp_metadata": string(md)}); v["allow_sha1"] != false {
		t.Fatalf("allow_sha1 by default: %v", v["allow_sha1"])
	}
	if v := put(map[string]any{"allow_sha1": true}); v["allow_sha1"] != true {
		t.Fatalf("allow_sha1 after setting it: %v", v["allow_sha1"])
	}
	c, err := srv.Service().Store().GetSSOConfig(ctx, node)
	if err != nil || !c.AllowSHA1 {
		t.Fatalf("stored: %v %+v", err, c.AllowSHA1)
	}
	if v := put(map[string]any{"jit": true}); v["allow_sha1"] != true {
		t.Fatalf("a PUT without allow_sha1 keeps it: %v", v["allow_sha1"])
	}
}
