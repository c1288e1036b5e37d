package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/directory"
)

// demoIDPPath is where `provkit serve` mounts the demo mock IdP.
const demoIDPPath = "/mockidp"

// demoIDPUsers can sign in at the demo IdP: Acme's people (JIT-provisioned
// into Acme / Engineering on first sign-in) and a Globex user (refused:
// another enterprise's email).
var demoIDPUsers = []mockidp.User{
	{Email: "alice@acme.example", First: "Alice", Last: "Anderson"},
	{Email: "bob@acme.example", First: "Bob", Last: "Brown"},
	{Email: "carol@globex.example", First: "Carol", Last: "Cruz"},
}

// demoIdP is the running demo IdP.
type demoIdP struct {
	idp      *mockidp.IdP
	sso      reference.DemoSSO
	apiToken string // bearer token of the IdP's user API, new at every start
}

// loopback reports whether a listener accepts connections from this machine
// only: the demo IdP signs anyone who reaches it in as its users, so it is
// served elsewhere only when asked for (--demo-idp).
func loopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// demoSSO starts the demo mock IdP under base+demoIDPPath, with a random
// token for its user API, points Acme / Engineering's SSO at it and returns
// a handler serving both the reference server and the IdP.
func demoSSO(ctx context.Context, srv *reference.Server, base string, logger *slog.Logger) (http.Handler, demoIdP, error) {
	token, _, err := directory.NewToken(rand.Reader)
	if err != nil {
		return nil, demoIdP{}, err
	}
	idp, err := mockidp.New(mockidp.Config{BaseURL: base + demoIDPPath, Users: mockidp.NewUsers(demoIDPUsers...), Logger: logger,
		APIToken: token})
	if err != nil {
		return nil, demoIdP{}, err
	}
	md, err := idp.MetadataXML()
	if err != nil {
		return nil, demoIdP{}, err
	}
	d, err := srv.ConfigureDemoSSO(ctx, base, idp.EntityID(), string(md))
	if err != nil {
		return nil, demoIdP{}, err
	}
	if _, err := idp.RegisterSP(d.SPMetadata); err != nil {
		return nil, demoIdP{}, err
	}
	mux := http.NewServeMux()
	mux.Handle(demoIDPPath+"/", idp.Handler(demoIDPPath))
	mux.Handle("/", srv.Handler())
	return mux, demoIdP{idp: idp, sso: d, apiToken: token}, nil
}

func printDemoSSO(w io.Writer, d demoIdP, exposed bool) {
	fmt.Fprintf(w, "Single sign-on (SAML; Acme / Engineering, node %d, JIT on)\n", d.sso.NodeID)
	fmt.Fprintf(w, "  Sign in:      %s   (mock IdP login page; try alice@acme.example)\n", d.sso.SP.Login)
	fmt.Fprintf(w, "  SP metadata:  %s\n", d.sso.SP.Metadata)
	fmt.Fprintf(w, "  Mock IdP:     %s (metadata %s)\n", d.idp.LoginURL(), d.idp.MetadataURL())
	fmt.Fprintf(w, "  IdP user API: %s/api/users/{email}\n", d.idp.BaseURL())
	fmt.Fprintf(w, "    Token:      %s\n", d.apiToken)
	fmt.Fprintf(w, "                (random, valid until this process stops)\n")
	if exposed {
		fmt.Fprintf(w, "  WARNING: --demo-idp serves the mock IdP on a non-loopback address: anyone who reaches it\n")
		fmt.Fprintf(w, "  can sign in to Acme / Engineering as its users.\n")
	}
	fmt.Fprintln(w)
}

func printNoDemoIdP(w io.Writer) {
	fmt.Fprintf(w, "Single sign-on: the demo mock IdP is off, because --addr is not a loopback address\n")
	fmt.Fprintf(w, "  (it would let anyone who reaches it sign in); --demo-idp turns it on.\n\n")
}
