package main

// Several reference replicas on one PostgreSQL database (issue 7): two
// `provkit serve --db postgres://…` processes behind a round-robin load
// balancer. Every rule that must hold across replicas is enforced by the
// database: global email uniqueness under a race, no lost membership
// change, a SAML response replayed to the other replica is refused, and
// pending AuthnRequests and sessions are seen by both. Skipped without
// PROVKIT_TEST_POSTGRES (failed under PROVKIT_REQUIRE_TOOLS=1).

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/store/sqlstore/pgtest"
)

// replica is one running `provkit serve` and its base URL.
type replica struct {
	p    *proc
	base string
}

// cluster is two replicas, a load balancer in front and the admin token
// they share.
type cluster struct {
	t      *testing.T
	r      [2]replica
	lb     *httptest.Server
	lbHost string
	admin  string
	info   reference.Info
	client *http.Client
}

func startCluster(t *testing.T) (*cluster, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	bin := buildBinary(t)
	// A password in the DSN must never be printed. Test servers trust
	// loopback connections, so one is added if the DSN has none.
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	secret, ok := u.User.Password()
	if !ok {
		secret = "pg-secret-must-not-leak-7c1d"
		u.User = url.UserPassword(u.User.Username(), secret)
	}
	dsn = u.String()

	c := &cluster{t: t, admin: "replica-admin-token-0123456789", client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 64},
	}}
	dir := t.TempDir()
	for i := range c.r {
		infoFile := filepath.Join(dir, fmt.Sprintf("info-%d.json", i))
		// The DSN comes from the environment, as docs/replicas.md advises.
		p := startServe(t, bin, []string{"PROVKIT_DB=" + dsn, "PROVKIT_ADMIN_TOKEN=" + c.admin},
			"--addr", "127.0.0.1:0", "--info-file", infoFile)
		info := waitInfo(t, p, infoFile, "")
		c.r[i] = replica{p: p, base: strings.TrimSuffix(info.AdminURL, "/admin/v1")}
		if i == 0 {
			c.info = info // the first replica seeded the demo: its info has the tokens
			require.Len(t, info.Endpoints, 2)
			require.NotEmpty(t, info.Endpoints[0].Token, "the first replica seeds the empty database")
		} else {
			require.Len(t, info.Endpoints, 2, "the second replica finds the first one's directory, not a second demo")
			require.Empty(t, info.Endpoints[0].Token)
		}
	}
	// Round-robin load balancer; the Host header passes through, so both
	// replicas build the same SAML URLs.
	var next atomic.Uint64
	targets := [2]*url.URL{}
	for i, r := range c.r {
		targets[i], _ = url.Parse(r.base)
	}
	c.lb = httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(targets[next.Add(1)%2])
		pr.Out.Host = pr.In.Host
	}})
	t.Cleanup(c.lb.Close)
	c.lbHost = strings.TrimPrefix(c.lb.URL, "http://")
	t.Cleanup(func() {
		for _, r := range c.r {
			out := r.p.stdout.String() + r.p.stderr.String()
			assert.NotContains(t, out, secret, "a replica printed the database password")
		}
	})
	return c, secret
}

// do sends a request to base (a replica or the load balancer) as if it came
// through the load balancer (Host header), and returns the status, headers
// and body.
func (c *cluster) do(base, method, path, token, contentType string, body []byte, hdr ...string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	req.Host = c.lbHost
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.client.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)
	return res.StatusCode, res.Header, b
}

func (c *cluster) adminJSON(method, path string, in any) map[string]any {
	c.t.Helper()
	var body []byte
	if in != nil {
		body, _ = json.Marshal(in)
	}
	st, _, b := c.do(c.lb.URL, method, "/admin/v1"+path, c.admin, "application/json", body)
	require.Less(c.t, st, 300, "%s %s: %d %s", method, path, st, b)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(c.t, json.Unmarshal(b, &out))
	}
	return out
}

func TestReplicasPostgres(t *testing.T) {
	c, _ := startCluster(t)
	acme := c.info.Endpoints[0]
	scimPath := strings.TrimPrefix(acme.SCIMURL, c.r[0].base) // /api/rest/scim/v2/{node}
	nodeID := fmt.Sprint(acme.NodeID)
	const scimJSON = "application/scim+json"

	// RFC 7644 §3.3 on Acme / Engineering: a taken email is 409, not a link.
	c.adminJSON(http.MethodPatch, "/nodes/"+nodeID+"/settings", map[string]any{"reprovision": "conflict"})

	t.Run("email uniqueness", func(t *testing.T) {
		const creates, emails, workers = 1000, 100, 64
		var mu sync.Mutex
		statuses := map[int]int{}
		perReplica := [2]int{}
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range jobs {
					body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"race%03d@acme.example"}`, i%emails)
					st, _, _ := c.do(c.r[i%2].base, http.MethodPost, scimPath+"/Users", acme.Token, scimJSON, []byte(body))
					mu.Lock()
					statuses[st]++
					perReplica[i%2]++
					mu.Unlock()
				}
			})
		}
		for i := range creates {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		t.Logf("%d creates of %d emails over two replicas (%d and %d): statuses %v", creates, emails, perReplica[0], perReplica[1], statuses)
		assert.Equal(t, map[int]int{http.StatusCreated: emails, http.StatusConflict: creates - emails}, statuses)
		for _, r := range c.r {
			st, _, b := c.do(r.base, http.MethodGet, scimPath+"/Users?count=0", acme.Token, "", nil)
			require.Equal(t, http.StatusOK, st, "%s", b)
			var list struct{ TotalResults int }
			require.NoError(t, json.Unmarshal(b, &list))
			assert.Equal(t, emails, list.TotalResults, "users seen by replica %s", r.base)
		}
		// Exactly one seat per user: no refused create took one.
		ents := c.adminJSON(http.MethodGet, "/enterprises", nil)
		list, _ := ents["enterprises"].([]any)
		require.NotEmpty(t, list, "enterprises: %v", ents)
		assert.EqualValues(t, emails, list[0].(map[string]any)["seats_used"], "Acme's seats used")
	})

	t.Run("membership changes", func(t *testing.T) {
		st, _, b := c.do(c.lb.URL, http.MethodPost, scimPath+"/Groups", acme.Token, scimJSON,
			[]byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Replicated"}`))
		require.Equal(t, http.StatusCreated, st, "%s", b)
		var team struct{ ID string }
		require.NoError(t, json.Unmarshal(b, &team))
		st, _, b = c.do(c.lb.URL, http.MethodGet, scimPath+"/Users?count=1000", acme.Token, "", nil)
		require.Equal(t, http.StatusOK, st, "%s", b)
		var users struct{ Resources []struct{ ID string } }
		require.NoError(t, json.Unmarshal(b, &users))
		require.Len(t, users.Resources, 100)

		// Every user is added by its own PATCH, half through each replica,
		// all at once, without If-Match (as IdPs send them); then half of them
		// removed the same way. Every PATCH must succeed (an add or a removal
		// by value needs no version), and each replica must show exactly the
		// acknowledged changes.
		patch := func(op string, ids []string) {
			var wg sync.WaitGroup
			for i, id := range ids {
				wg.Go(func() {
					body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":%q,"path":"members","value":[{"value":%q}]}]}`, op, id)
					st, _, b := c.do(c.r[i%2].base, http.MethodPatch, scimPath+"/Groups/"+team.ID, acme.Token, scimJSON, []byte(body))
					if st != http.StatusNoContent {
						t.Errorf("PATCH %s %s: %d %s", op, id, st, b)
					}
				})
			}
			wg.Wait()
		}
		members := func(r replica) []string {
			st, _, b := c.do(r.base, http.MethodGet, scimPath+"/Groups/"+team.ID, acme.Token, "", nil)
			require.Equal(t, http.StatusOK, st, "%s", b)
			var g struct{ Members []struct{ Value string } }
			require.NoError(t, json.Unmarshal(b, &g))
			var out []string
			for _, m := range g.Members {
				out = append(out, m.Value)
			}
			return out
		}
		ids := make([]string, len(users.Resources))
		for i, u := range users.Resources {
			ids[i] = u.ID
		}
		want := map[string]bool{}
		check := func(what string) {
			for _, r := range c.r {
				got := map[string]bool{}
				for _, id := range members(r) {
					got[id] = true
				}
				assert.Equal(t, want, got, "members %s, seen by %s", what, r.base)
			}
		}
		patch("add", ids)
		for _, id := range ids {
			want[id] = true
		}
		check("after concurrent adds")
		ids = make([]string, 50)
		for i := range ids {
			ids[i] = users.Resources[i].ID
			delete(want, ids[i])
		}
		patch("remove", ids)
		check("after concurrent removes")
		assert.Len(t, want, 50, "half removed in the end")
	})

	t.Run("saml", func(t *testing.T) { testReplicasSAML(t, c) })
}

// testReplicasSAML: a node of Acme trusts a mock IdP of the test; a
// response accepted by one replica is refused by the other (replay cache in
// the database), and an SP-initiated login started on one replica finishes
// on the other, whose session the first one honours.
func testReplicasSAML(t *testing.T, c *cluster) {
	ents := c.adminJSON(http.MethodGet, "/enterprises", nil)
	list, _ := ents["enterprises"].([]any)
	require.NotEmpty(t, list, "enterprises: %v", ents)
	acmeID := fmt.Sprint(list[0].(map[string]any)["id"])
	node := c.adminJSON(http.MethodPost, "/enterprises/"+acmeID+"/nodes", map[string]any{"name": "Replicated SSO"})
	nodeID := fmt.Sprint(node["id"])

	idp, err := mockidp.New(mockidp.Config{BaseURL: "http://idp.invalid/mockidp",
		Users: mockidp.NewUsers(mockidp.User{Email: "replay@acme.example", First: "Re", Last: "Play"},
			mockidp.User{Email: "roam@acme.example", First: "Ro", Last: "Am"})})
	require.NoError(t, err)
	md, err := idp.MetadataXML()
	require.NoError(t, err)
	c.adminJSON(http.MethodPut, "/nodes/"+nodeID+"/sso", map[string]any{"idp_metadata": string(md)})
	st, _, spMD := c.do(c.lb.URL, http.MethodGet, "/api/rest/sso/saml/metadata/"+nodeID, "", "", nil)
	require.Equal(t, http.StatusOK, st)
	_, err = idp.RegisterSP(spMD)
	require.NoError(t, err)
	entityID := "http://" + c.lbHost + "/api/rest/sso/saml/" + nodeID
	acs := "/api/rest/sso/saml/sso/" + nodeID
	post := func(r replica, resp mockidp.Minted) (int, http.Header) {
		form := url.Values{"SAMLResponse": {resp.SAMLResponse()}, "RelayState": {resp.RelayState}}
		st, h, _ := c.do(r.base, http.MethodPost, acs, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
		return st, h
	}

	// IdP-initiated: accepted by replica 0, the same bytes refused by replica 1.
	resp, err := idp.Mint(mockidp.MintRequest{SP: entityID, User: "replay@acme.example"})
	require.NoError(t, err)
	st, _ = post(c.r[0], resp)
	require.Equal(t, http.StatusSeeOther, st, "the response is accepted by the first replica")
	st, _ = post(c.r[1], resp)
	assert.Equal(t, http.StatusForbidden, st, "the response replayed to the second replica is refused")
	st, _ = post(c.r[0], resp)
	assert.Equal(t, http.StatusForbidden, st, "and replayed to the first one too")

	// SP-initiated: the AuthnRequest is made by replica 0 ...
	st, h, b := c.do(c.r[0].base, http.MethodGet, "/api/rest/sso/saml/login/"+nodeID, "", "", nil)
	require.Equal(t, http.StatusFound, st, "%s", b)
	reqID := authnRequestID(t, h.Get("Location"))
	// ... answered at replica 1, which knows the pending request ...
	resp, err = idp.Mint(mockidp.MintRequest{SP: entityID, User: "roam@acme.example", InResponseTo: reqID})
	require.NoError(t, err)
	st, h = post(c.r[1], resp)
	require.Equal(t, http.StatusSeeOther, st, "the second replica accepts the answer to the first one's AuthnRequest")
	var cookie string
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == "provkit_sso" {
			cookie = ck.Name + "=" + ck.Value
		}
	}
	require.NotEmpty(t, cookie, "a session cookie")
	// ... and the session it opened is honoured by replica 0.
	st, _, b = c.do(c.r[0].base, http.MethodGet, "/api/rest/sso/session", "", "", nil, "Cookie", cookie, "Accept", "application/json")
	require.Equal(t, http.StatusOK, st, "%s", b)
	assert.Contains(t, string(b), "roam@acme.example")
	// The request was used once: the same InResponseTo is refused everywhere.
	resp, err = idp.Mint(mockidp.MintRequest{SP: entityID, User: "roam@acme.example", InResponseTo: reqID})
	require.NoError(t, err)
	st, _ = post(c.r[0], resp)
	assert.Equal(t, http.StatusForbidden, st, "an AuthnRequest is answered once")
	// Logging out on one replica ends the session on both.
	st, _, _ = c.do(c.r[1].base, http.MethodPost, "/api/rest/sso/session/logout", "", "", nil, "Cookie", cookie)
	require.Equal(t, http.StatusNoContent, st)
	st, _, _ = c.do(c.r[0].base, http.MethodGet, "/api/rest/sso/session", "", "", nil, "Cookie", cookie, "Accept", "application/json")
	assert.Equal(t, http.StatusUnauthorized, st)
}

var requestIDRe = regexp.MustCompile(`\sID="([^"]+)"`)

// authnRequestID reads the ID of the HTTP-Redirect AuthnRequest in loc.
func authnRequestID(t *testing.T, loc string) string {
	t.Helper()
	u, err := url.Parse(loc)
	require.NoError(t, err)
	raw, err := base64.StdEncoding.DecodeString(u.Query().Get("SAMLRequest"))
	require.NoError(t, err)
	xml, err := io.ReadAll(flate.NewReader(bytes.NewReader(raw)))
	require.NoError(t, err)
	m := requestIDRe.FindSubmatch(xml)
	require.NotNil(t, m, "no ID in %s", xml)
	return string(m[1])
}
