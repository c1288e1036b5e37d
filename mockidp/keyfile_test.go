package mockidp_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/mockidp"
)

// A key file is created once (0600) and then reused: the IdP's certificate,
// and so its metadata, survive a restart.
func TestKeyFileCreatedThenReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "idp.pem")
	now := time.Now()
	k1, c1, created, err := mockidp.LoadOrCreateKeyFile(path, rand.Reader, now)
	require.NoError(t, err)
	require.True(t, created)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	k2, c2, created, err := mockidp.LoadOrCreateKeyFile(path, rand.Reader, now)
	require.NoError(t, err)
	require.False(t, created)
	require.True(t, k1.Equal(k2))
	require.Equal(t, c1.Raw, c2.Raw)

	a, err := mockidp.New(mockidp.Config{BaseURL: "http://127.0.0.1:9", Key: k1, Cert: c1, Now: func() time.Time { return now }})
	require.NoError(t, err)
	b, err := mockidp.New(mockidp.Config{BaseURL: "http://127.0.0.1:9", Key: k2, Cert: c2, Now: func() time.Time { return now }})
	require.NoError(t, err)
	ma, err := a.MetadataXML()
	require.NoError(t, err)
	mb, err := b.MetadataXML()
	require.NoError(t, err)
	require.Equal(t, string(ma), string(mb), "the same key file must give the same metadata")
}

func TestKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("not pem"), 0o600))
	_, _, _, err := mockidp.LoadOrCreateKeyFile(bad, rand.Reader, time.Now())
	require.ErrorContains(t, err, "no PRIVATE KEY block")

	// a key with another key's certificate
	one := filepath.Join(dir, "one.pem")
	two := filepath.Join(dir, "two.pem")
	_, _, _, err = mockidp.LoadOrCreateKeyFile(one, rand.Reader, time.Now())
	require.NoError(t, err)
	_, _, _, err = mockidp.LoadOrCreateKeyFile(two, rand.Reader, time.Now())
	require.NoError(t, err)
	d1, _ := os.ReadFile(one)
	d2, _ := os.ReadFile(two)
	k1 := d1[:indexCert(d1)]
	c2 := d2[indexCert(d2):]
	require.NoError(t, os.WriteFile(bad, append(append([]byte{}, k1...), c2...), 0o600))
	_, _, _, err = mockidp.LoadOrCreateKeyFile(bad, rand.Reader, time.Now())
	require.ErrorContains(t, err, "not for the private key")

	_, _, _, err = mockidp.LoadOrCreateKeyFile(filepath.Join(dir, "no", "such", "dir.pem"), rand.Reader, time.Now())
	require.Error(t, err)
}

func indexCert(b []byte) int { return bytes.Index(b, []byte("-----BEGIN CERTIFICATE-----")) }
