package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/features"
	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const (
	secretToken = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	adminToken  = "adm-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	bearerOther = "eyJhbGciOiJSUzI1NiJ9.unlistedbearertoken123"
	cookieValue = "sessionid-5d41402abc4b2a76b9719d911017c592"
	samlResp    = "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPSJ1cm46b2FzaXMi"
	secretSig   = "MIIBsignatureVALUEabcdefghijklmnop0123456789=="
	urlToken    = "qs-token-77aa88bb99cc00dd"
	password    = "1mz050nq-placeholder-password"
)

var allSecrets = []string{secretToken, adminToken, bearerOther, cookieValue, samlResp, secretSig, urlToken, password}

var testVocab = func() *features.Vocabulary {
	v, err := features.ParseVocabulary([]byte(`
level @must the source says MUST
level @should the source says SHOULD
source @keeper Keeper's documentation
source @rfc7644 RFC 7643/7644
source @saml2 SAML 2.0
area @users creating, reading and deleting users
area @deprovision Keeper's lock instead of delete
area @idp request shapes of Keeper's documented identity providers
area @saml SAML single sign-on
needs @needs-admin the provkit admin API
rule @create-user creating a user answers 201 with the resource
rule @lock-on-delete Keeper: a deleted user is locked, not removed
rule @entra-string-booleans Entra ID: "True"/"False" strings
rule @saml-signature-required SAML: a response with no signature is refused
`))
	if err != nil {
		panic(err)
	}
	return v
}()

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// exchangeText prints an exchange the way scimclient does, here with
// secrets a careless step could leave in (the reports must still hide them).
func exchangeText(method, url, status, body string) string {
	return fmt.Sprintf("> %s %s\n> Authorization: Bearer %s\n> Cookie: sid=%s\n> Content-Type: application/scim+json\n< HTTP %s (3ms)\n< Set-Cookie: sid=%s; HttpOnly\n< Content-Type: application/scim+json\n<\n< %s\n",
		method, url, secretToken, cookieValue, status, cookieValue, body)
}

func sampleResult() *harness.Result {
	base := "https://scim.example.com/api/rest/scim/v2/42"
	evidence := exchangeText("GET", base+"/Users/100000000000001?access_token="+urlToken, "404 Not Found",
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","token":"`+adminToken+`"}`)
	create := exchangeText("POST", base+"/Users", "201 Created", `{"userName":"pk1-1.alice@example.com","password":"`+password+`"}`)
	del := exchangeText("DELETE", base+"/Users/100000000000001", "204 No Content", "")
	// the SAML browser's hops: the IdP's page with the auto-submitted form,
	// the POST to the ACS that sets the session cookie, the session page
	idpPage := "> GET https://idp.example.com/sso?SAMLRequest=" + samlResp + "&RelayState=%2F\n< HTTP 200 OK (2ms)\n< Content-Type: text/html\n<\n< <form method=\"post\" action=\"https://sp.example.com/acs\"><input type=\"hidden\" name=\"SAMLResponse\" value=\"" + samlResp + "\"/></form>\n"
	acs := "> POST https://sp.example.com/acs\n> Content-Type: application/x-www-form-urlencoded\n>\n> SAMLResponse=" + samlResp + "&RelayState=%2F\n< HTTP 302 Found (5ms)\n< Location: /session\n< Set-Cookie: sid=" + cookieValue + "; Path=/; HttpOnly\n<\n< <ds:SignatureValue>" + secretSig + "</ds:SignatureValue>\n"
	session := "> GET https://sp.example.com/session?token=" + urlToken + "\n> Cookie: sid=" + cookieValue + "\n< HTTP 200 OK (1ms)\n< Content-Type: application/json\n<\n< {\"email\": \"pk1-4.alice@example.com\"}\n"
	scim := func(method, url string, status int, text string, judged bool) steps.Exchange {
		return steps.Exchange{Method: method, URL: url, Status: status, Duration: 3 * time.Millisecond, Text: text, Judged: judged}
	}
	browser := func(method, url string, status int, text string) steps.Exchange {
		return steps.Exchange{Method: method, URL: url, Status: status, Duration: 2 * time.Millisecond, Via: "browser", Text: text}
	}
	return &harness.Result{
		Profile: "keeper", Tags: "~@keeper-differs", Target: base, Started: t0, Duration: 1870 * time.Millisecond,
		Scenarios: []harness.ScenarioResult{
			{Name: "An identity provider deprovisions Alice", URI: "keeper/deprovisioning.feature", Line: 13,
				Tags: []string{"@keeper", "@deprovision", "@lock-on-delete", "@must"}, Area: "deprovision", Rule: "lock-on-delete",
				Level: "must", Source: "keeper", Feature: "Deprovisioning locks instead of deleting",
				FeatureDescription: "Keeper keeps a deprovisioned user's vault.\n  Source: \"API Provisioning with SCIM\" (seed).",
				RuleName:           "A deleted user is locked, not removed", Started: t0.Add(10 * time.Millisecond), Duration: 42 * time.Millisecond,
				Outcome: steps.Outcome{Status: steps.Failed, FailedStep: `the user "alice" can still be read`, FailedKind: "Then",
					Reason:     "expected the user alice to be readable, got 404\n" + evidence,
					Transcript: create + "\n" + del + "\n" + evidence,
					What:       "status", Expected: "200 OK", Actual: "404 Not Found",
					Exchanges: []steps.Exchange{scim("POST", base+"/Users", 201, create, false), scim("DELETE", base+"/Users/100000000000001", 204, del, false),
						scim("GET", base+"/Users/100000000000001?access_token="+urlToken, 404, evidence, true)}},
				Steps: []harness.StepResult{
					{Kind: "Given", Text: `the user "alice" exists`, Status: "passed", Duration: 12 * time.Millisecond},
					{Kind: "When", Text: `the identity provider deletes the user "alice"`, Status: "passed", Duration: 8 * time.Millisecond},
					{Kind: "Then", Text: `the user "alice" can still be read`, Status: "failed", Duration: 5 * time.Millisecond,
						Error: "expected the user alice to be readable, got 404\n" + evidence},
					{Kind: "Then", Text: `the user "alice" is inactive`, Status: "skipped"},
				}},
			{Name: "An administrator sees the deprovisioned user locked", URI: "keeper/deprovisioning.feature", Line: 26,
				Tags: []string{"@keeper", "@deprovision", "@lock-on-delete", "@must", "@needs-admin"}, Area: "deprovision",
				Rule: "lock-on-delete", Level: "must", Source: "keeper", Feature: "Deprovisioning locks instead of deleting",
				FeatureDescription: "Keeper keeps a deprovisioned user's vault.\n  Source: \"API Provisioning with SCIM\" (seed).",
				RuleName:           "A deleted user is locked, not removed", Started: t0.Add(11 * time.Millisecond), Duration: time.Millisecond,
				Outcome: steps.Outcome{Status: steps.Skipped, Reason: "needs the provkit admin API, and none was given (--admin-url, --admin-token)"},
				Steps: []harness.StepResult{
					{Kind: "Given", Text: `the user "alice" has accepted the invitation`, Status: "skipped"},
					{Kind: "When", Text: `the identity provider deletes the user "alice"`, Status: "skipped"},
					{Kind: "Then", Text: `an administrator sees the user "alice" locked`, Status: "skipped"},
				}},
			{Name: "Entra ID disables a user with the string \"False\" <&>", URI: "keeper/idp-clients.feature", Line: 54,
				Tags: []string{"@keeper", "@idp", "@entra-string-booleans", "@must"}, Area: "idp", Rule: "entra-string-booleans",
				Level: "must", Source: "keeper", Feature: "The requests Keeper's documented identity providers send are understood",
				FeatureDescription: "Keeper documents provisioning from Microsoft Entra ID and Okta.",
				RuleName:           "Entra ID sends booleans as strings", Started: t0.Add(12 * time.Millisecond), Duration: 30 * time.Millisecond,
				Outcome: steps.Outcome{Status: steps.Passed},
				Steps: []harness.StepResult{
					{Kind: "Given", Text: `the user "alice" exists`, Status: "passed", Duration: 10 * time.Millisecond},
					{Kind: "When", Text: `Entra ID sends "False" for active`, Status: "passed", Duration: 10 * time.Millisecond},
					{Kind: "Then", Text: `the user "alice" is inactive`, Status: "passed", Duration: 10 * time.Millisecond},
				}},
			{Name: "A response without a signature is refused", URI: "saml/signatures.feature", Line: 20,
				Tags: []string{"@saml", "@saml2", "@saml-signature-required", "@must"}, Area: "saml", Rule: "saml-signature-required",
				Level: "must", Source: "saml2", Feature: "The service provider trusts only what the IdP signed",
				FeatureDescription: "A SAML response is proof only through an XML signature. Sources: SAML 2.0 Core §5.",
				RuleName:           "A response must be signed", Started: t0.Add(13 * time.Millisecond), Duration: 25 * time.Millisecond,
				Outcome: steps.Outcome{Status: steps.Failed, FailedStep: `the sign-in is refused`, FailedKind: "Then",
					Reason:     "the sign-in was not refused: a session exists (last page 200 https://sp.example.com/session?token=" + urlToken + ")",
					Transcript: idpPage + "\n" + acs + "\n" + session,
					What:       "the session", Expected: "none (the sign-in refused)", Actual: "a session for pk1-4.alice@example.com",
					Exchanges: []steps.Exchange{browser("GET", "https://idp.example.com/sso?SAMLRequest="+samlResp+"&RelayState=%2F", 200, idpPage),
						browser("POST", "https://sp.example.com/acs", 302, acs), browser("GET", "https://sp.example.com/session?token="+urlToken, 200, session)}},
				Steps: []harness.StepResult{
					{Kind: "Given", Text: `the IdP signs nothing`, Status: "passed"},
					{Kind: "When", Text: `"alice" signs in`, Status: "passed"},
					{Kind: "Then", Text: `the sign-in is refused`, Status: "failed", Error: "the sign-in was not refused: a session exists (last page 200 https://sp.example.com/session?token=" + urlToken + ")"},
				}},
			{Name: "Creating a user answers 201", URI: "scim/users.feature", Line: 9,
				Tags: []string{"@users", "@rfc7644", "@create-user", "@must"}, Area: "users", Rule: "create-user", Level: "must",
				Source: "rfc7644", Feature: "Users are created, read and deleted",
				FeatureDescription: "Source: RFC 7644 §3.3 (creating resources).", RuleName: "Creating a user answers 201",
				Started: t0.Add(14 * time.Millisecond), Duration: 9 * time.Millisecond,
				Outcome: steps.Outcome{Status: steps.Passed},
				Steps: []harness.StepResult{
					{Kind: "When", Text: `the identity provider provisions the user "alice"`, Status: "passed", Duration: 6 * time.Millisecond},
					{Kind: "Then", Text: `the answer is 201 Created`, Status: "passed", Duration: time.Millisecond},
					{Kind: "Then", Text: `the answer has the user "alice"`, Status: "passed"},
				}},
		},
	}
}

func sampleOptions() Options {
	return Options{Version: "v0.0.0-test", Secrets: []string{secretToken, adminToken}, Vocabulary: testVocab}
}

func TestGolden(t *testing.T) {
	dir := t.TempDir()
	paths, err := Write(dir, sampleResult(), sampleOptions())
	require.NoError(t, err)
	require.Len(t, paths, 4)
	for _, p := range paths {
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		golden := filepath.Join("testdata", filepath.Base(p)+".golden")
		if *update {
			require.NoError(t, os.WriteFile(golden, got, 0o644))
			continue
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err, "run go test ./reports -update to create the golden files")
		assert.Equal(t, string(want), string(got), "%s differs from %s (go test ./reports -update rewrites it)", p, golden)
	}
}

// TestNoSecretInAnyReport: no secret reaches a report file, base64
// attachments included.
func TestNoSecretInAnyReport(t *testing.T) {
	dir := t.TempDir()
	paths, err := Write(dir, sampleResult(), sampleOptions())
	require.NoError(t, err)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		texts := []string{string(b)}
		if strings.HasSuffix(p, ".json") {
			for _, m := range regexp.MustCompile(`"data": "([A-Za-z0-9+/=]+)"`).FindAllStringSubmatch(string(b), -1) {
				d, err := base64.StdEncoding.DecodeString(m[1])
				require.NoError(t, err)
				texts = append(texts, string(d))
			}
		}
		for _, text := range texts {
			for _, s := range allSecrets {
				assert.NotContains(t, text, s, "%s", p)
			}
		}
		assert.Contains(t, string(b), "[redacted]", "%s", p)
	}
}

// TestSAMLFailureShowsTheBrowser: a failed SAML scenario's report lists the
// browser's hops, the POST to the ACS among them, with its expected and
// actual values, and no SAMLResponse, signature value or cookie value.
func TestSAMLFailureShowsTheBrowser(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, HTML(&b, sampleResult(), sampleOptions()))
	h := b.String()
	i := strings.Index(h, "A response without a signature is refused")
	require.Positive(t, i)
	sc := h[i:]
	sc = sc[:strings.Index(sc, "</details>\n</details>")]
	assert.Contains(t, sc, `<span class="chip">browser</span>POST https://sp.example.com/acs → 302 Found (2ms)`)
	assert.Contains(t, sc, "SAMLResponse=[redacted]&amp;RelayState=%2F")
	assert.Contains(t, sc, "Set-Cookie: sid=[redacted]; Path=/; HttpOnly")
	assert.Contains(t, sc, "&lt;ds:SignatureValue&gt;[redacted]&lt;/ds:SignatureValue&gt;")
	assert.Contains(t, sc, `<th>checked</th><td class="checked">the session</td>`)
	assert.Contains(t, sc, `<td class="expected">none (the sign-in refused)</td>`)
	assert.Contains(t, sc, `<td class="actual">a session for pk1-4.alice@example.com</td>`)
	for _, secret := range []string{samlResp, secretSig, cookieValue, urlToken} {
		assert.NotContains(t, h, secret)
	}
}

func TestRedact(t *testing.T) {
	r := newRedactor([]string{"listed-secret-value"})
	for in, want := range map[string]string{
		"> Authorization: Bearer abcdefghijklmnopqrstuvwxyz":     "> Authorization: Bearer [redacted]",
		"> Authorization: abcdefghijklmnopqrstuvwxyz":            "> Authorization: [redacted]",
		"< Set-Cookie: sid=1; HttpOnly":                          "< Set-Cookie: sid=[redacted]; HttpOnly",
		"< Set-Cookie: 1a2b3c":                                   "< Set-Cookie: [redacted]",
		"Cookie: a=b":                                            "Cookie: a=[redacted]",
		"> Cookie: a=b; sid=[redacted]":                          "> Cookie: a=[redacted]; sid=[redacted]",
		"< Set-Cookie: sid=1; Path=/; Expires=Mon, 23 Nov 2026":  "< Set-Cookie: sid=[redacted]; Path=/; Expires=Mon, 23 Nov 2026",
		`WWW-Authenticate: Bearer realm="scim"`:                  `WWW-Authenticate: Bearer realm="scim"`,
		"the token listed-secret-value leaked":                   "the token [redacted] leaked",
		"GET /x?count=1&access_token=abc&b=2":                    "GET /x?count=1&access_token=[redacted]&b=2",
		"SAMLResponse=PHNhbWw%2B&RelayState=x":                   "SAMLResponse=[redacted]&RelayState=x",
		`<input name="SAMLResponse" value="PHNh">`:               `<input name="SAMLResponse" value="[redacted]">`,
		`<input value="PHNh" type="hidden" name="SAMLResponse">`: `<input value="[redacted]" type="hidden" name="SAMLResponse">`,
		"<ds:SignatureValue>\nabc=\n</ds:SignatureValue>":        "<ds:SignatureValue>[redacted]</ds:SignatureValue>",
		`{"password": "x1", "userName": "a"}`:                    `{"password": "[redacted]", "userName": "a"}`,
		`{"admin_token":"abc"}`:                                  `{"admin_token":"[redacted]"}`,
		"curl -H 'Authorization: Bearer 0123456789abcdef0123' u": "curl -H 'Authorization: Bearer [redacted]' u",
	} {
		assert.Equal(t, want, r.redact(in), "%q", in)
	}
}

func TestJUnitParses(t *testing.T) {
	res := sampleResult()
	res.Scenarios[3].Reason += "\n< body with ]]> and a \x00 byte and \xff invalid UTF-8"
	var b bytes.Buffer
	require.NoError(t, JUnit(&b, res, sampleOptions()))
	var got junitSuites
	require.NoError(t, xml.Unmarshal(b.Bytes(), &got))
	assert.Equal(t, len(res.Scenarios), got.Tests)
	assert.Equal(t, 2, got.Failures)
	assert.Equal(t, 1, got.Skipped)
	assert.Len(t, got.Suites, 4, "one testsuite per feature")
	n := 0
	for _, s := range got.Suites {
		n += len(s.Cases)
		assert.Equal(t, s.Tests, len(s.Cases))
	}
	assert.Equal(t, len(res.Scenarios), n, "one testcase per scenario")
	assert.Equal(t, "Users are created, read and deleted", got.Suites[0].Name, "features in run order: scim, keeper, saml, jit")
	c := got.Suites[1].Cases[0]
	require.NotNil(t, c.Failure)
	assert.Equal(t, "expected the user alice to be readable, got 404", c.Failure.Message)
	assert.Contains(t, c.Failure.Text, "GET https://scim.example.com/api/rest/scim/v2/42/Users/100000000000001")
	assert.Contains(t, c.Failure.Text, `Source: "API Provisioning with SCIM"`)
}

func TestCucumberParses(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, Cucumber(&b, sampleResult(), sampleOptions()))
	var got []cukeFeature
	require.NoError(t, json.Unmarshal(b.Bytes(), &got))
	require.Len(t, got, 4)
	f := got[1]
	assert.Equal(t, "features/keeper/deprovisioning.feature", f.URI)
	assert.Len(t, f.Elements, 2)
	assert.Equal(t, "failed", f.Elements[0].Steps[2].Result.Status)
	assert.NotEmpty(t, f.Elements[0].Steps[2].Embeddings)
	assert.Contains(t, f.Elements[1].Steps[0].Result.Error, "needs the provkit admin API")
}

func TestHTMLIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, HTML(&b, sampleResult(), sampleOptions()))
	h := b.String()
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)<(script|img|iframe|link)[^>]+(src|href)=`),
		regexp.MustCompile(`(?i)url\(`), regexp.MustCompile(`(?i)@import`),
	} {
		assert.False(t, bad.MatchString(h), "external resource: %s", bad.FindString(h))
	}
	assert.Contains(t, h, "<style>")
	assert.Contains(t, h, "<script>")
	assert.Contains(t, h, `id="filter-failed"`)
	assert.Contains(t, h, "Microsoft Entra ID", "the matrix has a row per identity provider")
	assert.Contains(t, h, "Entra ID disables a user with the string &#34;False&#34; &lt;&amp;&gt;", "names are escaped")
}

func TestExpectation(t *testing.T) {
	for _, c := range []struct{ in, exp, act string }{
		{"expected 201 Created, got 200", "201 Created", "200"},
		{"expected the user alice to be readable, got 404", "the user alice to be readable", "404"},
		{`signed in as "a@x", want "b@x"`, `"b@x"`, `signed in as "a@x"`},
		{"expected the list to hold, of this scenario's users, exactly alice; it holds alice, bob", "the list to hold, of this scenario's users, exactly alice", "alice, bob"},
		{"expected a list with resources", "a list with resources", ""},
		{"no sign-in happened", "", ""},
	} {
		e, a := expectation(c.in)
		assert.Equal(t, c.exp, e, c.in)
		assert.Equal(t, c.act, a, c.in)
	}
}

// TestLargeRun: 1000 scenarios, 400 of them failed, write quickly, and
// summary.md still fits a GitHub comment.
func TestLargeRun(t *testing.T) {
	one := sampleResult()
	res := &harness.Result{Profile: "keeper", Target: one.Target, Started: t0, Duration: 2 * time.Second}
	for i := range 1000 {
		s := one.Scenarios[i%len(one.Scenarios)]
		s.Name = fmt.Sprintf("%s #%d", s.Name, i)
		s.Line = int64(i)
		res.Scenarios = append(res.Scenarios, s)
	}
	start := time.Now()
	paths, err := Write(t.TempDir(), res, sampleOptions())
	require.NoError(t, err)
	took := time.Since(start)
	var total int64
	for _, p := range paths {
		st, err := os.Stat(p)
		require.NoError(t, err)
		total += st.Size()
		t.Logf("%s: %d KiB", filepath.Base(p), st.Size()/1024)
	}
	t.Logf("1000 scenarios: %d KiB in %s", total/1024, took)
	if !raceEnabled { // the race detector slows the regular expressions tenfold
		assert.Less(t, took, 5*time.Second)
	}
	sum, err := os.ReadFile(filepath.Join(filepath.Dir(paths[0]), SummaryFile))
	require.NoError(t, err)
	assert.Less(t, len(sum), 65536, "summary.md fits a GitHub comment")
}

// BenchmarkWrite: building and writing the four reports of 1000 scenarios.
func BenchmarkWrite(b *testing.B) {
	one := sampleResult()
	res := *one
	res.Scenarios = nil
	for i := range 1000 {
		s := one.Scenarios[i%len(one.Scenarios)]
		s.Name, s.Line = fmt.Sprintf("%s #%d", s.Name, i), int64(i)
		res.Scenarios = append(res.Scenarios, s)
	}
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Write(dir, &res, sampleOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
