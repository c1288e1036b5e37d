package mockidp

import (
	"crypto/x509"
	"encoding/xml"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

const testSPMetadata = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.test/saml/metadata">
 <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.test/saml/acs" index="1"/>
 </SPSSODescriptor></EntityDescriptor>`

func newTestIdP(t *testing.T, persona string) *IdP {
	t.Helper()
	per, err := LookupPersona(persona)
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{BaseURL: "https://idp.test", Persona: &per, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Users: NewUsers(User{Email: "alice@acme.example", First: "Alice", Last: "Doe"})})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.RegisterSP([]byte(testSPMetadata)); err != nil {
		t.Fatal(err)
	}
	return p
}

// crewjamSP is crewjam's SP, used as a (non-independent) oracle.
func crewjamSP(p *IdP) *saml.ServiceProvider {
	acs, _ := url.Parse("https://sp.test/saml/acs")
	md, _ := url.Parse("https://sp.test/saml/metadata")
	return &saml.ServiceProvider{EntityID: md.String(), AcsURL: *acs, MetadataURL: *md, IDPMetadata: p.Metadata(), AllowIDPInitiated: true}
}

func TestPersonasMintAcceptedByCrewjam(t *testing.T) {
	for _, name := range PersonaNames() {
		t.Run(name, func(t *testing.T) {
			p := newTestIdP(t, name)
			m, err := p.Mint(MintRequest{User: "alice@acme.example", ClientAddr: "192.0.2.7:4444"})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(m.XML), "192.0.2.7:4444") {
				t.Fatal("Address carries the client port")
			}
			if !strings.Contains(string(m.XML), "rsa-sha256") {
				t.Fatal("not RSA-SHA256")
			}
			a, err := crewjamSP(p).ParseXMLResponse(m.XML, []string{""}, url.URL{Scheme: "https", Host: "sp.test", Path: "/saml/acs"})
			if err != nil {
				t.Fatalf("crewjam SP rejects %s: %v", name, describe(err))
			}
			if a.Subject.NameID.Value != "alice@acme.example" || a.Subject.NameID.Format != p.Persona().NameIDFormat {
				t.Fatalf("NameID %+v", a.Subject.NameID)
			}
			doc := etree.NewDocument()
			_ = doc.ReadFromBytes(m.XML)
			respSigned := child(doc.Root(), "Signature") != nil
			asSigned := child(child(doc.Root(), "Assertion"), "Signature") != nil
			want := p.Persona().Sign
			if respSigned != (want == SignBoth || want == SignResponse) || asSigned != (want == SignBoth || want == SignAssertion) {
				t.Fatalf("signed response=%v assertion=%v, persona wants %s", respSigned, asSigned, want)
			}
		})
	}
}

func describe(err error) string {
	if ire, ok := err.(*saml.InvalidResponseError); ok {
		return ire.PrivateErr.Error()
	}
	return err.Error()
}

func TestFaultsRejectedByCrewjam(t *testing.T) {
	p := newTestIdP(t, "generic")
	if _, err := p.Mint(MintRequest{User: "alice@acme.example"}); err != nil {
		t.Fatal(err)
	}
	// crewjam accepts replay, unsigned assertion in signed response and the
	// comment (with the full value): those are the reference SP's job.
	// It also accepts no AudienceRestriction and panics on no Conditions or
	// no SubjectConfirmationData (saml-facts.md §2.4), and SHA-1 signatures.
	skip := map[Fault]bool{FaultReplay: true, FaultUnsignedAssertion: true, FaultCommentNameID: true, FaultCommentAttribute: true,
		FaultNoAudience: true, FaultNoConditions: true, FaultNoSubjectConfData: true, FaultSHA1: true}
	for _, f := range Faults() {
		if skip[f] {
			continue
		}
		t.Run(string(f), func(t *testing.T) {
			m, err := p.Mint(MintRequest{User: "alice@acme.example", Faults: []Fault{f}})
			if err != nil {
				t.Fatal(err)
			}
			a, err := crewjamSP(p).ParseXMLResponse(m.XML, []string{""}, url.URL{Scheme: "https", Host: "sp.test", Path: "/saml/acs"})
			if err == nil && a.Subject.NameID.Value != "alice@acme.example" { // XSW5: crewjam reads the signed copy
				t.Fatalf("crewjam SP accepted %s as %s", f, a.Subject.NameID.Value)
			}
		})
	}
}

func TestCommentInjectionKeepsSignature(t *testing.T) {
	p := newTestIdP(t, "generic")
	m, err := p.Mint(MintRequest{User: "alice@acme.example", Faults: []Fault{FaultCommentNameID}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(m.XML), "alice@acme.example<!---->.evil.test") {
		t.Fatalf("no comment in %s", m.XML)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(m.XML); err != nil {
		t.Fatal(err)
	}
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{p.Certificate()}})
	if _, err := ctx.Validate(doc.Root()); err != nil {
		t.Fatalf("response signature: %v", err)
	}
}

func TestMetadataAndUsers(t *testing.T) {
	p := newTestIdP(t, "okta")
	buf, err := p.MetadataXML()
	if err != nil {
		t.Fatal(err)
	}
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(buf, &ed); err != nil || ed.EntityID != "http://www.okta.com/exkprovkitmock0000001" {
		t.Fatalf("metadata %v %q", err, ed.EntityID)
	}
	us, err := ParseUsers([]byte("users:\n  - email: bob@acme.example\n    first: Bob\n"))
	if err != nil || len(us) != 1 || us[0].First != "Bob" {
		t.Fatalf("yaml users %v %+v", err, us)
	}
	us, err = ParseUsers([]byte(`[{"email":"carol@acme.example","last":"C"}]`))
	if err != nil || len(us) != 1 || us[0].Last != "C" {
		t.Fatalf("json users %v %+v", err, us)
	}
	if _, err := ParseFaults("xsw1,nope"); err == nil {
		t.Fatal("unknown fault accepted")
	}
}

// TestMetadataLongLived: an SP that trusts the mock IdP's metadata once keeps
// trusting it; the metadata does not expire after days.
func TestMetadataLongLived(t *testing.T) {
	p := newTestIdP(t, "generic")
	md := p.Metadata()
	if left := md.ValidUntil.Sub(p.now()); left < 5*365*24*time.Hour {
		t.Fatalf("the metadata is valid for %s only", left)
	}
}
