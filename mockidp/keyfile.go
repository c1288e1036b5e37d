package mockidp

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// LoadOrCreateKeyFile returns the signing key and certificate kept in a PEM
// file (a "PRIVATE KEY" block, PKCS #8, and a "CERTIFICATE" block). When the
// file does not exist it generates a pair with NewKeyPair and writes it with
// mode 0600; created says so. A service provider that trusts the IdP's
// metadata once keeps trusting it across restarts, because the key, and so
// the certificate in the metadata, stay the same.
func LoadOrCreateKeyFile(path string, r io.Reader, now time.Time) (key *rsa.PrivateKey, cert *x509.Certificate, created bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, cert, err = NewKeyPair(r, "provkit mock IdP", now)
		if err != nil {
			return nil, nil, false, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, false, fmt.Errorf("mockidp: key file: %w", err)
		}
		out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, nil, false, fmt.Errorf("mockidp: key file: %w", err)
		}
		if _, err := f.Write(out); err != nil {
			f.Close()
			os.Remove(path)
			return nil, nil, false, fmt.Errorf("mockidp: key file: %w", err)
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return nil, nil, false, fmt.Errorf("mockidp: key file: %w", err)
		}
		return key, cert, true, nil
	}
	if err != nil {
		return nil, nil, false, fmt.Errorf("mockidp: key file: %w", err)
	}
	key, cert, err = ParseKeyPair(data)
	if err != nil {
		return nil, nil, false, fmt.Errorf("mockidp: key file %s: %w", path, err)
	}
	return key, cert, false, nil
}

// ParseKeyPair reads an RSA private key (PKCS #8 or PKCS #1) and the
// certificate of its public key from PEM data.
func ParseKeyPair(data []byte) (*rsa.PrivateKey, *x509.Certificate, error) {
	var key *rsa.PrivateKey
	var cert *x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("private key: %w", err)
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, nil, errors.New("the private key is not an RSA key")
			}
			key = rk
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("private key: %w", err)
			}
			key = k
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, fmt.Errorf("certificate: %w", err)
			}
			cert = c
		}
	}
	switch {
	case key == nil:
		return nil, nil, errors.New("no PRIVATE KEY block")
	case cert == nil:
		return nil, nil, errors.New("no CERTIFICATE block")
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("the certificate is not for the private key")
	}
	return key, cert, nil
}
