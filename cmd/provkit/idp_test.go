package main

import (
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var metadataLine = regexp.MustCompile(`metadata:\s+(\S+)`)

// idpMetadata starts `provkit idp`, reads its metadata and output, and stops it.
func idpMetadata(t *testing.T, bin string, args ...string) (string, string) {
	t.Helper()
	p := &proc{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(bin, append([]string{"idp", "--addr", "127.0.0.1:0"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait() }()
	defer func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-p.done:
			require.NoError(t, err, "stderr: %s", p.stderr)
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			t.Fatal("provkit idp did not stop on SIGTERM")
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := metadataLine.FindStringSubmatch(p.stdout.String()); m != nil {
			res, err := http.Get(m[1])
			require.NoError(t, err)
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			return string(b), p.stdout.String()
		}
		select {
		case err := <-p.done:
			t.Fatalf("provkit idp exited: %v\nstderr: %s", err, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("no metadata line\nstdout: %s", p.stdout)
	return "", ""
}

var certOf = regexp.MustCompile(`<X509Certificate[^>]*>([^<]+)<`)

// provkit idp --key-file keeps the signing certificate across restarts; without
// it every start has a new one.
func TestIdPKeyFileSubprocess(t *testing.T) {
	bin := buildBinary(t)
	keyFile := filepath.Join(t.TempDir(), "idp.pem")
	md1, out1 := idpMetadata(t, bin, "--key-file", keyFile)
	require.Contains(t, out1, "created the signing key file")
	st, err := os.Stat(keyFile)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	md2, out2 := idpMetadata(t, bin, "--key-file", keyFile)
	require.NotContains(t, out2, "created the signing key file")
	c1, c2 := certOf.FindStringSubmatch(md1), certOf.FindStringSubmatch(md2)
	require.NotNil(t, c1)
	require.NotNil(t, c2)
	require.Equal(t, c1[1], c2[1], "the same key file gives the same certificate")
	md3, _ := idpMetadata(t, bin)
	require.NotEqual(t, c1[1], certOf.FindStringSubmatch(md3)[1], "without a key file every start has a new key")
}
