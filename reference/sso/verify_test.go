package sso

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// Malformed and unsigned responses are refused, never a panic: crewjam's SP
// panics on a missing Conditions or SubjectConfirmationData.
func TestVerifyRefusesMalformedWithoutPanic(t *testing.T) {
	sp := New(nil, Options{})
	p := checkParams{entityID: "https://sp.test/e", acsURL: "https://sp.test/acs", policy: "response", attrEmail: "Email", now: time.Now()}
	for name, doc := range map[string]string{
		"not base64":       "%%%",
		"not xml":          base64.StdEncoding.EncodeToString([]byte("<<<")),
		"dtd":              base64.StdEncoding.EncodeToString([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><x/>`)),
		"not a response":   base64.StdEncoding.EncodeToString([]byte(`<a xmlns="urn:x"/>`)),
		"empty response":   b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"/>`),
		"bare assertion":   b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a"/></samlp:Response>`),
		"encrypted":        b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"><saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/></samlp:Response>`),
		"bogus signatures": b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></saml:Assertion></samlp:Response>`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := sp.verify(doc, p); err == nil || !IsRejection(err) {
				t.Fatalf("got %v, want a rejection", err)
			}
		})
	}
	// with every guard off, a bare unsigned assertion still yields an error, not a panic
	lax := New(nil, Options{Faults: []Fault{FaultAcceptUnsigned, FaultNoExpiry, FaultNoRecipient, FaultNoAudience, FaultNoIssuerCheck, FaultIgnoreStatus, FaultNoInResponseTo}})
	if _, err := lax.verify(b64(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r"><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a"><saml:Subject><saml:NameID>x@y.test</saml:NameID></saml:Subject></saml:Assertion></samlp:Response>`), p); err == nil {
		t.Log("accepted with every guard off (expected: the guards are what refuse it)")
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParseIDPMetadata(t *testing.T) {
	if _, err := ParseIDPMetadata("<x/>"); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := ParseIDPMetadata(`<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="i"><IDPSSODescriptor/></EntityDescriptor>`); err == nil ||
		!strings.Contains(err.Error(), "certificate") {
		t.Fatalf("metadata without certificate: %v", err)
	}
}
