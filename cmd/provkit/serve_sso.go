package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference"
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

// demoSSO starts the demo mock IdP under base+demoIDPPath, points Acme /
// Engineering's SSO at it and returns a handler serving both the reference
// server and the IdP.
func demoSSO(ctx context.Context, srv *reference.Server, base string, logger *slog.Logger) (http.Handler, *mockidp.IdP, reference.DemoSSO, error) {
	idp, err := mockidp.New(mockidp.Config{BaseURL: base + demoIDPPath, Users: mockidp.NewUsers(demoIDPUsers...), Logger: logger})
	if err != nil {
		return nil, nil, reference.DemoSSO{}, err
	}
	md, err := idp.MetadataXML()
	if err != nil {
		return nil, nil, reference.DemoSSO{}, err
	}
	d, err := srv.ConfigureDemoSSO(ctx, base, idp.EntityID(), string(md))
	if err != nil {
		return nil, nil, reference.DemoSSO{}, err
	}
	if _, err := idp.RegisterSP(d.SPMetadata); err != nil {
		return nil, nil, reference.DemoSSO{}, err
	}
	mux := http.NewServeMux()
	mux.Handle(demoIDPPath+"/", idp.Handler(demoIDPPath))
	mux.Handle("/", srv.Handler())
	return mux, idp, d, nil
}

func printDemoSSO(w io.Writer, idp *mockidp.IdP, d reference.DemoSSO) {
	fmt.Fprintf(w, "Single sign-on (SAML; Acme / Engineering, node %d, JIT on)\n", d.NodeID)
	fmt.Fprintf(w, "  Sign in:      %s   (mock IdP login page; try alice@acme.example)\n", d.SP.Login)
	fmt.Fprintf(w, "  SP metadata:  %s\n", d.SP.Metadata)
	fmt.Fprintf(w, "  Mock IdP:     %s (metadata %s)\n\n", idp.LoginURL(), idp.MetadataURL())
}
