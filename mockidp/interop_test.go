package mockidp

// Interoperability with independent implementations: a response minted here
// verifies with xmlsec1 and is accepted by pysaml2 and python3-saml
// (OneLogin), and a tampered one is rejected by all three. Each test skips
// when its tool is missing, unless PROVKIT_REQUIRE_TOOLS=1 (CI), where it fails.
// Debian packages: xmlsec1, python3-pysaml2, python3-onelogin-saml2.

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	interopSPEntity = "http://127.0.0.1:8082/saml/metadata"
	interopACS      = "http://127.0.0.1:8082/saml/acs"
	interopSPMeta   = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="` + interopSPEntity + `">
 <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
  <NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</NameIDFormat>
  <AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + interopACS + `" index="1"/>
 </SPSSODescriptor></EntityDescriptor>`
)

// need returns the path of a tool, skipping (or failing under
// PROVKIT_REQUIRE_TOOLS=1) when it is missing.
func need(t *testing.T, tool string, check ...string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err == nil && len(check) > 0 {
		err = exec.Command(p, check...).Run()
	}
	if err != nil {
		if os.Getenv("PROVKIT_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (PROVKIT_REQUIRE_TOOLS=1): %v", tool, err)
		}
		t.Skipf("%s not available: %v", tool, err)
	}
	return p
}

type interopFiles struct {
	dir, idpMeta, pubKey, good, tampered string
	goodB64, tamperedB64                 string
}

func mintInterop(t *testing.T) interopFiles {
	t.Helper()
	p := newTestIdP(t, "generic")
	if _, err := p.RegisterSP([]byte(interopSPMeta)); err != nil {
		t.Fatal(err)
	}
	m, err := p.Mint(MintRequest{SP: interopSPEntity, User: "alice@acme.example", ClientAddr: "192.0.2.7:5555"})
	if err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(string(m.XML), ">alice@acme.example<", ">mallory@acme.example<", 1)
	if tampered == string(m.XML) {
		t.Fatal("could not tamper with the NameID")
	}
	dir := t.TempDir()
	f := interopFiles{dir: dir, idpMeta: filepath.Join(dir, "idp-metadata.xml"), pubKey: filepath.Join(dir, "idp-pub.pem"),
		good: filepath.Join(dir, "response.xml"), tampered: filepath.Join(dir, "tampered.xml"),
		goodB64: m.SAMLResponse(), tamperedB64: Minted{XML: []byte(tampered)}.SAMLResponse()}
	md, err := p.MetadataXML()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(p.Certificate().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range map[string][]byte{f.idpMeta: md, f.good: m.XML, f.tampered: []byte(tampered),
		f.pubKey: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestInteropXmlsec1(t *testing.T) {
	xmlsec := need(t, "xmlsec1", "--version")
	f := mintInterop(t)
	verify := func(file string, assertion bool) error {
		args := []string{"--verify", "--pubkey-pem", f.pubKey, "--enabled-key-data", "rsa"}
		if assertion {
			args = append(args, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
				"--node-xpath", "//*[local-name()='Assertion']/*[local-name()='Signature']")
		} else {
			args = append(args, "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response")
		}
		out, err := exec.Command(xmlsec, append(args, file)...).CombinedOutput()
		if err != nil {
			return &toolError{err: err, out: string(out)}
		}
		return nil
	}
	for _, assertion := range []bool{false, true} {
		if err := verify(f.good, assertion); err != nil {
			t.Errorf("xmlsec1 rejects the minted response (assertion signature %v): %v", assertion, err)
		}
		if err := verify(f.tampered, assertion); err == nil {
			t.Errorf("xmlsec1 accepts the tampered response (assertion signature %v)", assertion)
		}
	}
}

type toolError struct {
	err error
	out string
}

func (e *toolError) Error() string { return e.err.Error() + ": " + lastLines(e.out, 5) }

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}

const pysaml2Script = `
import sys, logging
logging.disable(logging.CRITICAL)
from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig
meta, b64 = sys.argv[1], open(sys.argv[2]).read()
conf = SPConfig()
conf.load({
  "entityid": "` + interopSPEntity + `",
  "xmlsec_binary": "/usr/bin/xmlsec1",
  "metadata": {"local": [meta]},
  "allow_unknown_attributes": True,
  "service": {"sp": {"endpoints": {"assertion_consumer_service": [("` + interopACS + `", BINDING_HTTP_POST)]},
     "allow_unsolicited": True, "want_response_signed": True, "want_assertions_signed": True}},
})
client = Saml2Client(config=conf)
resp = client.parse_authn_request_response(b64, BINDING_HTTP_POST, outstanding=None)
print("NAMEID", resp.name_id.text)
print("EMAIL", resp.ava.get("Email"))
`

const onelogin2Script = `
import sys, base64
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
idp = OneLogin_Saml2_IdPMetadataParser.parse(open(sys.argv[1]).read())
settings = {"strict": True, "sp": {"entityId": "` + interopSPEntity + `",
  "assertionConsumerService": {"url": "` + interopACS + `", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
  "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"},
  "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True, "rejectDeprecatedAlgorithm": True}}
settings = OneLogin_Saml2_IdPMetadataParser.merge_settings(settings, idp)
s = OneLogin_Saml2_Settings(settings, sp_validation_only=True)
r = OneLogin_Saml2_Response(s, open(sys.argv[2]).read())
req = {"http_host": "127.0.0.1", "server_port": "8082", "script_name": "/saml/acs", "https": "off"}
r.is_valid(req, None, raise_exceptions=True)
print("NAMEID", r.get_nameid())
`

func runPython(t *testing.T, module, script string, f interopFiles, b64 string) (string, error) {
	t.Helper()
	py := need(t, "/usr/bin/python3", "-c", "import "+module)
	b64File := filepath.Join(f.dir, "resp.b64")
	if err := os.WriteFile(b64File, []byte(b64), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", script, f.idpMeta, b64File).CombinedOutput()
	if err != nil {
		return string(out), &toolError{err: err, out: string(out)}
	}
	return string(out), nil
}

func TestInteropPysaml2(t *testing.T) {
	f := mintInterop(t)
	out, err := runPython(t, "saml2", pysaml2Script, f, f.goodB64)
	if err != nil || !strings.Contains(out, "NAMEID alice@acme.example") || !strings.Contains(out, "alice@acme.example") {
		t.Fatalf("pysaml2 rejects the minted response: %v\n%s", err, lastLines(out, 5))
	}
	if out, err := runPython(t, "saml2", pysaml2Script, f, f.tamperedB64); err == nil {
		t.Fatalf("pysaml2 accepts the tampered response: %s", lastLines(out, 3))
	}
}

func TestInteropOneLogin(t *testing.T) {
	f := mintInterop(t)
	out, err := runPython(t, "onelogin.saml2", onelogin2Script, f, f.goodB64)
	if err != nil || !strings.Contains(out, "NAMEID alice@acme.example") {
		t.Fatalf("python3-saml rejects the minted response: %v\n%s", err, lastLines(out, 5))
	}
	if out, err := runPython(t, "onelogin.saml2", onelogin2Script, f, f.tamperedB64); err == nil {
		t.Fatalf("python3-saml accepts the tampered response: %s", lastLines(out, 3))
	}
}
