package main

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
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/provkit/provkit/mockidp"
	"github.com/provkit/provkit/reference/directory"
)

type idpFlags struct {
	addr, baseURL, users, persona, entityID string
	keyFile, apiToken                       string
	spMetadata                              multiFlag
	attrEmail, attrFirst, attrLast          string
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func idpFlagSet(f *idpFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("idp", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8081", "`host:port` to listen on")
	fs.StringVar(&f.baseURL, "base-url", "", "public `URL` of the IdP (default http://<addr>)")
	fs.StringVar(&f.users, "users", "", "users `file` (YAML or JSON); users can also be added through the JSON API")
	fs.StringVar(&f.persona, "persona", "generic", "IdP `persona`: "+strings.Join(mockidp.PersonaNames(), ", "))
	fs.StringVar(&f.entityID, "entity-id", "", "override the persona's IdP entity `ID`")
	fs.StringVar(&f.keyFile, "key-file", "", "PEM `file` with the signing key and certificate; created on first use, so an SP keeps trusting the IdP across restarts (default: a fresh key each start)")
	fs.StringVar(&f.apiToken, "api-token", "", "bearer `token` the JSON API (/api/users, /api/sps) requires (default: $"+idpTokenEnv+", else a random token per start)")
	fs.Var(&f.spMetadata, "sp-metadata", "SP metadata `URL|FILE` to trust (repeatable)")
	fs.StringVar(&f.attrEmail, "attr-email", "", "email attribute `name` (default: the persona's)")
	fs.StringVar(&f.attrFirst, "attr-first", "", "first name attribute `name` (default: the persona's)")
	fs.StringVar(&f.attrLast, "attr-last", "", "last name attribute `name` (default: the persona's)")
	return fs
}

// idpTokenEnv gives --api-token's default.
const idpTokenEnv = "PROVKIT_IDP_TOKEN"

func idpHelp(w io.Writer) {
	fmt.Fprintln(w, `Usage: provkit idp [flags]

Runs the mock SAML identity provider: metadata at /metadata, SSO (Redirect
and POST bindings) at /sso, IdP-initiated login and the HTML login page at
/login, users at /api/users/{email} (PUT JSON), SPs at /api/sps (PUT metadata).
The JSON API needs "Authorization: Bearer <token>": --api-token, else
$`+idpTokenEnv+`, else a random token printed at start.
Headless login: add user=<email> (and fault=<name>) to /sso or /login.

Flags:`)
	fs := idpFlagSet(&idpFlags{})
	printFlags(w, fs)
	fmt.Fprintf(w, "\nFaults: %v\n", mockidp.Faults())
}

func runIDP(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	var f idpFlags
	fs := idpFlagSet(&f)
	if status, ok := parseFlags(fs, args, idpHelp, stdout, stderr); !ok {
		return status
	}
	per, err := mockidp.LookupPersona(f.persona)
	if err != nil {
		return usageError(stderr, "idp", "%v", err)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "provkit idp: "+format+"\n", args...)
		return exitFail
	}
	tokenNote := "as given by --api-token"
	if !flagSet(fs, "api-token") {
		tokenNote = "from $" + idpTokenEnv
		if f.apiToken = getenv(idpTokenEnv); f.apiToken == "" {
			t, _, err := directory.NewToken(rand.Reader)
			if err != nil {
				return fail("%v", err)
			}
			f.apiToken, tokenNote = t, t+" (random, valid until this process stops)"
		}
	}
	users := mockidp.NewUsers()
	if f.users != "" {
		us, err := mockidp.LoadUsers(f.users)
		if err != nil {
			return fail("%v", err)
		}
		for _, u := range us {
			if err := users.Put(u); err != nil {
				return fail("%v", err)
			}
		}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fail("%v", err)
	}
	defer ln.Close()
	base := strings.TrimRight(f.baseURL, "/")
	if base == "" {
		base = baseURL(ln.Addr())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	cfg := mockidp.Config{BaseURL: base, Persona: &per, EntityID: f.entityID, Users: users, Logger: logger, APIToken: f.apiToken,
		Attrs: mockidp.AttrNames{Email: f.attrEmail, First: f.attrFirst, Last: f.attrLast}}
	if f.keyFile != "" {
		key, cert, created, err := mockidp.LoadOrCreateKeyFile(f.keyFile, rand.Reader, time.Now())
		if err != nil {
			return fail("%v", err)
		}
		cfg.Key, cfg.Cert = key, cert
		if created {
			fmt.Fprintf(stdout, "created the signing key file %s (keep it: the SP trusts its certificate)\n", f.keyFile)
		}
	}
	idp, err := mockidp.New(cfg)
	if err != nil {
		return fail("%v", err)
	}
	for _, src := range f.spMetadata {
		md, err := readSource(ctx, src)
		if err != nil {
			return fail("SP metadata %s: %v", src, err)
		}
		ids, err := idp.RegisterSP(md)
		if err != nil {
			return fail("SP metadata %s: %v", src, err)
		}
		fmt.Fprintf(stdout, "trusting SP %s\n", strings.Join(ids, ", "))
	}
	fmt.Fprintf(stdout, "provkit mock IdP (%s persona) at %s\n  entity ID: %s\n  metadata:  %s\n  login:     %s\n  users:     %d\n  API token: %s\n",
		per.Name, base, idp.EntityID(), idp.MetadataURL(), idp.LoginURL(), len(users.List()), tokenNote)

	hs := &http.Server{Handler: idp.Handler(""), ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout,
		WriteTimeout: writeTimeout, IdleTimeout: idleTimeout, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fail("%v", err)
	case <-ctx.Done():
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fail("shutdown: %v", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail("%v", err)
	}
	return exitOK
}

// readSource reads a file, or fetches an http(s) URL.
func readSource(ctx context.Context, src string) ([]byte, error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		return os.ReadFile(src)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET: %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}
