package mockidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/crewjam/saml"
)

// Config configures an IdP.
type Config struct {
	// BaseURL is where the IdP is served, without a trailing slash
	// ("http://127.0.0.1:8081" or "http://host:8080/mockidp").
	BaseURL string
	// Persona shapes the responses (default: Personas["generic"]).
	Persona *Persona
	// Attrs, when not empty, override the persona's attribute names.
	Attrs AttrNames
	// EntityID, when set, overrides the persona's entity ID.
	EntityID string
	// Key and Cert sign responses. Nil: a fresh RSA-2048 key and a
	// self-signed certificate valid ten years.
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	// Users signs in; nil: an empty set.
	Users *Users
	// Now is the clock (default time.Now). NewID returns unique XML IDs
	// (default: 20 random bytes in hex after the persona's prefix).
	Now   func() time.Time
	NewID func() string
	// Rand is the randomness for generated keys and default IDs (default crypto/rand).
	Rand io.Reader
	// Logger receives one line per login and per error; never keys, signatures
	// or whole responses. Nil: slog.Default().
	Logger *slog.Logger
	// APIToken is the bearer token the JSON API (/api/users, /api/sps)
	// requires, because whoever can put a user can sign in as anyone.
	// Empty: the JSON API is closed (every request answers 401); Go callers
	// change Users and call RegisterSP directly.
	APIToken string
}

// IdP is a mock identity provider. It is safe for concurrent use.
type IdP struct {
	base     string
	persona  Persona
	entityID string
	key      *rsa.PrivateKey
	cert     *x509.Certificate
	users    *Users
	now      func() time.Time
	newID    func() string
	rand     io.Reader
	log      *slog.Logger
	apiToken string

	mu    sync.Mutex
	sps   map[string]*saml.EntityDescriptor // by entity ID
	order []string                          // registration order
	last  map[string]Minted                 // last response per SP and user, for FaultReplay

	rogueOnce sync.Once
	rogueKey  *rsa.PrivateKey
	rogueCert *x509.Certificate
	rogueErr  error
}

// New returns an IdP.
func New(cfg Config) (*IdP, error) {
	p := &IdP{base: strings.TrimRight(cfg.BaseURL, "/"), users: cfg.Users, now: cfg.Now, newID: cfg.NewID,
		rand: cfg.Rand, log: cfg.Logger, apiToken: cfg.APIToken, sps: map[string]*saml.EntityDescriptor{}, last: map[string]Minted{}}
	if p.base == "" {
		return nil, errors.New("mockidp: BaseURL is required")
	}
	if cfg.Persona != nil {
		p.persona = *cfg.Persona
	} else {
		p.persona = Personas["generic"]
	}
	if cfg.Attrs != (AttrNames{}) {
		p.persona.Attrs = cfg.Attrs
	}
	p.entityID = cfg.EntityID
	if p.entityID == "" {
		p.entityID = p.persona.EntityID(p.base)
	}
	if p.users == nil {
		p.users = NewUsers()
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Reader
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.newID == nil {
		prefix := p.persona.ResponseIDPrefix
		if prefix == "" {
			prefix = "_"
		}
		r := p.rand
		p.newID = func() string {
			b := make([]byte, 20)
			if _, err := io.ReadFull(r, b); err != nil {
				panic("mockidp: random source failed: " + err.Error())
			}
			return prefix + hex.EncodeToString(b)
		}
	}
	p.key, p.cert = cfg.Key, cfg.Cert
	if p.key == nil || p.cert == nil {
		var err error
		if p.key, p.cert, err = NewKeyPair(p.rand, "provkit mock IdP", p.now()); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// NewKeyPair generates an RSA-2048 key and a self-signed certificate.
func NewKeyPair(r io.Reader, cn string, now time.Time) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(r, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: key: %w", err)
	}
	serial, err := rand.Int(r, big.NewInt(1<<62))
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: serial: %w", err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(r, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("mockidp: certificate: %w", err)
	}
	return key, cert, nil
}

// EntityID is the IdP's entity ID (the Issuer of its responses).
func (p *IdP) EntityID() string { return p.entityID }

// Persona returns the persona in use.
func (p *IdP) Persona() Persona { return p.persona }

// Users returns the IdP's users.
func (p *IdP) Users() *Users { return p.users }

// SSOURL is the SSO endpoint (both bindings).
func (p *IdP) SSOURL() string { return p.base + "/sso" }

// MetadataURL is where the metadata is served.
func (p *IdP) MetadataURL() string { return p.base + "/metadata" }

// LoginURL is the IdP-initiated login endpoint.
func (p *IdP) LoginURL() string { return p.base + "/login" }

// BaseURL is where the IdP is served (Config.BaseURL without a trailing slash).
func (p *IdP) BaseURL() string { return p.base }

// Certificate returns the signing certificate.
func (p *IdP) Certificate() *x509.Certificate { return p.cert }

// CertificatePEM returns the signing certificate as PEM.
func (p *IdP) CertificatePEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.cert.Raw})
}

// metadataLifetime is how long the IdP's metadata says it stays valid: an
// SP that trusts the mock IdP once must not stop trusting it two days later
// (its key does not change while its key file is kept).
const metadataLifetime = 10 * 365 * 24 * time.Hour

// Metadata returns the IdP's metadata.
func (p *IdP) Metadata() *saml.EntityDescriptor {
	f := false
	certData := base64.StdEncoding.EncodeToString(p.cert.Raw)
	return &saml.EntityDescriptor{
		EntityID:   p.entityID,
		ValidUntil: p.now().Add(metadataLifetime),
		IDPSSODescriptors: []saml.IDPSSODescriptor{{
			SSODescriptor: saml.SSODescriptor{
				RoleDescriptor: saml.RoleDescriptor{
					ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
					KeyDescriptors: []saml.KeyDescriptor{{Use: "signing", KeyInfo: saml.KeyInfo{
						X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{{Data: certData}}}}}},
				},
				NameIDFormats: []saml.NameIDFormat{saml.NameIDFormat(p.persona.NameIDFormat)},
			},
			WantAuthnRequestsSigned: &f,
			SingleSignOnServices: []saml.Endpoint{
				{Binding: saml.HTTPRedirectBinding, Location: p.SSOURL()},
				{Binding: saml.HTTPPostBinding, Location: p.SSOURL()},
			},
		}},
	}
}

// MetadataXML returns the metadata document.
func (p *IdP) MetadataXML() ([]byte, error) {
	buf, err := xml.MarshalIndent(p.Metadata(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), buf...), nil
}

// RegisterSP trusts a service provider described by its metadata (an
// EntityDescriptor, or an EntitiesDescriptor whose SP entities are all
// registered). It returns the entity IDs registered.
func (p *IdP) RegisterSP(metadata []byte) ([]string, error) {
	var eds []*saml.EntityDescriptor
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(metadata, &ed); err == nil && ed.EntityID != "" {
		eds = append(eds, &ed)
	} else {
		var set saml.EntitiesDescriptor
		if err2 := xml.Unmarshal(metadata, &set); err2 != nil {
			return nil, fmt.Errorf("mockidp: SP metadata: %w", err)
		}
		for i := range set.EntityDescriptors {
			eds = append(eds, &set.EntityDescriptors[i])
		}
	}
	var ids []string
	for _, e := range eds {
		if len(e.SPSSODescriptors) == 0 {
			continue
		}
		if _, err := postACS(e, ""); err != nil {
			return nil, err
		}
		p.mu.Lock()
		if _, ok := p.sps[e.EntityID]; !ok {
			p.order = append(p.order, e.EntityID)
		}
		p.sps[e.EntityID] = e
		p.mu.Unlock()
		ids = append(ids, e.EntityID)
	}
	if len(ids) == 0 {
		return nil, errors.New("mockidp: SP metadata: no SPSSODescriptor")
	}
	return ids, nil
}

// SPs returns the registered SP entity IDs in registration order.
func (p *IdP) SPs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.order...)
}

func (p *IdP) sp(entityID string) (*saml.EntityDescriptor, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if entityID == "" && len(p.order) == 1 {
		entityID = p.order[0]
	}
	ed, ok := p.sps[entityID]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSP, entityID)
	}
	return ed, nil
}

// ErrUnknownSP: the SP is not registered.
var ErrUnknownSP = errors.New("mockidp: unknown service provider")

// postACS returns the HTTP-POST ACS of an SP: the one at want when given
// (it must be listed), else the default or the first. Only http(s) URLs are
// accepted (CVE-2023-45683: a javascript: ACS ends up in the POST form).
func postACS(ed *saml.EntityDescriptor, want string) (string, error) {
	var first, def string
	for _, d := range ed.SPSSODescriptors {
		for _, a := range d.AssertionConsumerServices {
			if a.Binding != saml.HTTPPostBinding {
				continue
			}
			if !strings.HasPrefix(a.Location, "https://") && !strings.HasPrefix(a.Location, "http://") {
				return "", fmt.Errorf("mockidp: SP %s: ACS %q is not an http(s) URL", ed.EntityID, a.Location)
			}
			if want != "" && a.Location == want {
				return want, nil
			}
			if first == "" {
				first = a.Location
			}
			if a.IsDefault != nil && *a.IsDefault && def == "" {
				def = a.Location
			}
		}
	}
	switch {
	case want != "":
		return "", fmt.Errorf("mockidp: SP %s: ACS %q is not in its metadata", ed.EntityID, want)
	case def != "":
		return def, nil
	case first != "":
		return first, nil
	}
	return "", fmt.Errorf("mockidp: SP %s has no HTTP-POST ACS", ed.EntityID)
}
