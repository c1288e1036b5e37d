package sync_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/mockidp/sync"
	"github.com/provkit/provkit/reference"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the simulators' requests")

// target is a fresh bundled reference (Acme's Engineering endpoint) over HTTP.
type target struct {
	url, token string
	info       reference.Info
	srv        *reference.Server
}

func newTarget(t *testing.T) target {
	t.Helper()
	ctx := context.Background()
	srv, err := reference.Open(ctx, reference.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	info, err := srv.SeedDemo(ctx, hs.URL)
	require.NoError(t, err)
	return target{url: info.Endpoints[0].SCIMURL, token: info.Endpoints[0].Token, info: info, srv: srv}
}

// fixedIDs returns a NewID giving the same GUIDs on every run.
func fixedIDs() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	}
}

// TestGolden runs every IdP's four phases on the sample directory against a
// fresh reference, requires that the IdP would log no error, and compares
// its requests with testdata/<idp>.golden (go test -run TestGolden -update
// rewrites them).
func TestGolden(t *testing.T) {
	for _, idp := range sync.Names() {
		t.Run(idp, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t)
			s, err := sync.New(idp, sync.Sample(), sync.Options{BaseURL: tg.url, Token: tg.token, NewID: fixedIDs()})
			require.NoError(t, err)
			require.NoError(t, s.Run(context.Background(), sync.Phases...))
			rep := s.Report()
			require.Empty(t, rep.Problems, "the reference refused %s's requests:\n%s", idp, transcript(rep))
			got := sync.Golden(rep.Exchanges)
			path := filepath.Join("testdata", idp+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./mockidp/sync -run TestGolden -update")
			require.Equal(t, string(want), got, "%s's requests changed; if on purpose, rerun with -update", idp)
			require.NotContains(t, got, tg.token)
		})
	}
}

func transcript(rep *sync.Report) string {
	var b strings.Builder
	for _, e := range rep.Exchanges {
		if e.Problem != "" {
			b.WriteString(e.String())
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestReplay records Okta's run and replays it on a second, fresh target:
// the ids differ, every exchange answers as recorded.
func TestReplay(t *testing.T) {
	first := newTarget(t)
	s, err := sync.New("okta", sync.Sample(), sync.Options{BaseURL: first.url, Token: first.token})
	require.NoError(t, err)
	require.NoError(t, s.Run(context.Background(), sync.Phases...))
	var buf bytes.Buffer
	require.NoError(t, sync.WriteJSONL(&buf, s.Report().Exchanges))
	require.NotContains(t, buf.String(), first.token)
	rec, err := sync.ReadJSONL(&buf)
	require.NoError(t, err)
	require.Len(t, rec, len(s.Report().Exchanges))

	second := newTarget(t)
	rep, err := sync.Replay(context.Background(), rec, sync.Options{BaseURL: second.url, Token: second.token})
	require.NoError(t, err)
	require.Empty(t, rep.Problems, "%v", rep.Problems)
	require.Len(t, rep.Exchanges, len(rec))
	// the group id of the replay is the second target's, not the first's
	gid := s.GroupID("Engineering")
	for _, e := range rep.Exchanges {
		require.NotContains(t, e.Path, gid)
	}
}

// TestLaterPhaseAlone: an IdP that runs update or deprovision in a new
// process finds its objects with its own lookups.
func TestLaterPhaseAlone(t *testing.T) {
	for _, idp := range sync.Names() {
		t.Run(idp, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t)
			opts := sync.Options{BaseURL: tg.url, Token: tg.token}
			s, err := sync.New(idp, sync.Sample(), opts)
			require.NoError(t, err)
			require.NoError(t, s.Run(context.Background(), sync.PhaseConnect, sync.PhaseSync))
			again, err := sync.New(idp, sync.Sample(), opts)
			require.NoError(t, err)
			require.NoError(t, again.Run(context.Background(), sync.PhaseUpdate, sync.PhaseDeprovision))
			require.Empty(t, again.Report().Problems, "%v", again.Report().Problems)
		})
	}
}

func TestDirectoryErrors(t *testing.T) {
	for name, y := range map[string]string{
		"no users":       "groups: []",
		"unknown key":    "users: [{email: a@x.example, colour: red}]",
		"not an address": "users: [{email: nobody}]",
		"twice":          "users: [{email: a@x.example}, {email: A@x.example}]",
		"unknown member": "users: [{email: a@x.example}]\ngroups: [{name: G, members: [b@x.example]}]",
		"unknown update": "users: [{email: a@x.example}]\nupdates: {groups: [{name: G, rename: H}]}",
		"unknown leaver": "users: [{email: a@x.example}]\ndeprovision: [b@x.example]",
	} {
		_, err := sync.Parse([]byte(y))
		require.Error(t, err, name)
	}
	_, err := sync.New("nobody", sync.Sample(), sync.Options{})
	require.ErrorContains(t, err, "unknown identity provider")
	_, err = sync.ParsePhase("later")
	require.Error(t, err)
}

func TestSampleParses(t *testing.T) {
	d, err := sync.Parse(sync.SampleYAML())
	require.NoError(t, err)
	require.Len(t, d.Users, 4)
	require.Len(t, sync.Names(), 7)
}
