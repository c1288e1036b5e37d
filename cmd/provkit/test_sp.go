package main

// provkit test against a vendor's SAML service provider: the flags, and the
// mock IdP the vendor trusts, served at the address it trusts for the run.

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/steps"
)

type spFlags struct {
	metadata, loginURL, sessionURL string
	idpAddr, idpBaseURL, keyFile   string
	persona, entityID              string
	attrEmail, attrFirst, attrLast string
}

func addSPFlags(fs *flag.FlagSet, f *spFlags) {
	fs.StringVar(&f.metadata, "sp-metadata", "", "a vendor SAML SP's metadata `URL`: run the @saml/@jit scenarios against it (docs/sso.md)")
	fs.StringVar(&f.loginURL, "sp-login-url", "", "the vendor SP's `URL` that starts an SP-initiated login")
	fs.StringVar(&f.sessionURL, "sp-session-url", "", "a vendor SP page (`URL`) answering 200 and naming the email only to a signed-in browser")
	fs.StringVar(&f.idpAddr, "idp-addr", "127.0.0.1:8081", "`host:port` where the mock IdP the SP trusts listens during the run")
	fs.StringVar(&f.idpBaseURL, "idp-base-url", "", "public `URL` of that IdP, as in the metadata the SP trusts (default http://<idp-addr>)")
	fs.StringVar(&f.keyFile, "idp-key-file", "", "the IdP's key `file`, as given to `provkit idp --key-file` when the SP was set up")
	fs.StringVar(&f.persona, "idp-persona", "generic", "the IdP `persona` the SP trusts; without --sp-metadata, the persona of the SAML scenarios that name none")
	fs.StringVar(&f.entityID, "idp-entity-id", "", "the IdP entity `ID` the SP trusts (default: the persona's)")
	fs.StringVar(&f.attrEmail, "idp-attr-email", "", "email attribute `name` (default: the persona's)")
	fs.StringVar(&f.attrFirst, "idp-attr-first", "", "first name attribute `name` (default: the persona's)")
	fs.StringVar(&f.attrLast, "idp-attr-last", "", "last name attribute `name` (default: the persona's)")
}

// check validates the SP flags; the error is a usage message.
func (f *spFlags) check(fs *flag.FlagSet, target string) error {
	if f.metadata == "" {
		for _, n := range []string{"sp-login-url", "sp-session-url", "idp-addr", "idp-base-url", "idp-key-file",
			"idp-entity-id", "idp-attr-email", "idp-attr-first", "idp-attr-last"} {
			if flagSet(fs, n) {
				return fmt.Errorf("--%s needs --sp-metadata", n)
			}
		}
		// without a vendor SP, --idp-persona is the persona of the mock IdPs the
		// suite sets up against the provkit admin API
		_, err := mockidp.LookupPersona(f.persona)
		return err
	}
	switch {
	case target == "":
		return errors.New("--sp-metadata needs --target and --token: the SCIM endpoint of the SP's tenant, where the suite sees which accounts a sign-in created")
	case f.loginURL == "" || f.sessionURL == "":
		return errors.New("--sp-metadata needs --sp-login-url and --sp-session-url")
	case f.keyFile == "":
		return errors.New("--sp-metadata needs --idp-key-file: the key of the IdP the SP trusts (create it with `provkit idp --key-file`)")
	}
	if _, err := mockidp.LookupPersona(f.persona); err != nil {
		return err
	}
	return nil
}

// start serves the trusted mock IdP and returns the SP for the steps.
func (f *spFlags) start(ctx context.Context, stderr io.Writer) (*steps.ServiceProvider, func(), error) {
	key, cert, created, err := mockidp.LoadOrCreateKeyFile(f.keyFile, rand.Reader, time.Now())
	if err != nil {
		return nil, nil, err
	}
	if created {
		return nil, nil, fmt.Errorf("the key file %s did not exist (a new one was written): give the SP this IdP's metadata first (provkit idp --key-file %s), then run again",
			f.keyFile, f.keyFile)
	}
	per, _ := mockidp.LookupPersona(f.persona)
	ln, err := net.Listen("tcp", f.idpAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("the mock IdP cannot listen on %s: %w", f.idpAddr, err)
	}
	base := strings.TrimRight(f.idpBaseURL, "/")
	if base == "" {
		base = baseURL(ln.Addr())
	}
	idp, err := mockidp.New(mockidp.Config{BaseURL: base, Persona: &per, EntityID: f.entityID, Key: key, Cert: cert,
		Attrs:  mockidp.AttrNames{Email: f.attrEmail, First: f.attrFirst, Last: f.attrLast},
		Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	hs := &http.Server{Handler: idp.Handler(""), ReadHeaderTimeout: readHeaderTimeout}
	go func() { _ = hs.Serve(ln) }()
	fmt.Fprintf(stderr, "provkit test: mock IdP %s (%s persona) at %s for the SP %s\n", idp.EntityID(), per.Name, base, f.metadata)
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}
	return &steps.ServiceProvider{Metadata: f.metadata, LoginURL: f.loginURL, SessionURL: f.sessionURL, IdP: idp}, stop, nil
}
