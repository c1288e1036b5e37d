package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/provkit/provkit/reference"
	"github.com/provkit/provkit/reference/store/sqlstore"
)

// Timeouts of the reference server's http.Server and of a graceful stop.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	shutdownTimeout   = 15 * time.Second
)

const adminTokenEnv = "PROVKIT_ADMIN_TOKEN"

// dbEnv names the variable that gives --db's default, so that a PostgreSQL
// URL with a password stays out of the process list.
const dbEnv = "PROVKIT_DB"

type serveFlags struct {
	addr       string
	db         string
	infoFile   string
	adminToken string
	demoIdP    bool
	publicURL  string
}

func serveFlagSet(f *serveFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on (port 0: any free port)")
	fs.StringVar(&f.db, "db", "provkit.db", "database: a SQLite `file`, created if missing (\":memory:\": a throwaway database), or a PostgreSQL URL postgres://user@host:5432/db that several replicas share (default: $"+dbEnv+", else provkit.db)")
	fs.StringVar(&f.infoFile, "info-file", "", "write the connection details (URLs and tokens) as JSON to `path`, mode 0600")
	fs.StringVar(&f.adminToken, "admin-token", "", "admin API bearer `token` (default: $"+adminTokenEnv+", else a random token per start)")
	fs.BoolVar(&f.demoIdP, "demo-idp", false, "serve the demo mock IdP at /mockidp/ even when --addr is not a loopback address (anyone who reaches it can sign in as its users)")
	fs.StringVar(&f.publicURL, "public-url", "", "public `URL` clients reach the server at (https://scim.example.com), used in Location, meta.location and scim_url; behind a reverse proxy set it, since the Host and X-Forwarded-* headers are not trusted (default: the address each connection reached)")
	return fs
}

func serveHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: provkit serve [flags]

Runs the bundled reference server: a Keeper-like SCIM 2.0 API at
/api/rest/scim/v2/{node_id}/ and the admin API at /admin/v1 (docs/admin-api.md).

On an empty database it seeds a demo directory: enterprise Acme (domain
acme.example, node Engineering) and Globex (domain globex.example, node Sales),
each node with a SCIM endpoint. Acme / Engineering signs in through SAML
against a mock IdP served at /mockidp/ (JIT provisioning on). It prints the
admin URL and token, every SCIM endpoint's URL and token, the mock IdP's user
API token, and a curl example, and writes the same as JSON to --info-file.

The mock IdP signs anyone who reaches it in as its users, so it is served
only on a loopback --addr (127.0.0.1, ::1) unless --demo-idp is given. Its
user API (/mockidp/api/users/{email}) needs the bearer token printed at
start, a new random one every time.

SCIM tokens are stored only as hashes, so they are shown once, when issued.
On a later start the tokens still valid are carried over from the previous
--info-file; otherwise rotate one with POST /admin/v1/nodes/{id}/scim/rotate.
The admin token is not stored: give one with --admin-token or $`+adminTokenEnv+`
(preferred: a flag is visible to other local users), else a new random token is
made at every start.

--db postgres://user@host:5432/provkit (or $`+dbEnv+`) runs on PostgreSQL;
migrations run at start. Several replicas may share one PostgreSQL database
behind any load balancer (docs/replicas.md). A password may come from
$PGPASSWORD or ~/.pgpass instead of the URL; it is never printed.

SIGINT or SIGTERM stops the server gracefully: in-flight requests finish, then
the database is closed. Every acknowledged write is already durable.

Flags:
`)
	fs := serveFlagSet(&serveFlags{})
	printFlags(w, fs)
}

func runServe(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	var f serveFlags
	fs := serveFlagSet(&f)
	if status, ok := parseFlags(fs, args, serveHelp, stdout, stderr); !ok {
		return status
	}
	tokenFromEnv := false
	if !flagSet(fs, "admin-token") {
		if t := getenv(adminTokenEnv); t != "" {
			f.adminToken, tokenFromEnv = t, true
		}
	}
	if !flagSet(fs, "db") {
		if d := getenv(dbEnv); d != "" {
			f.db = d
		}
	}
	if f.db == "" {
		return usageError(stderr, "serve", "--db must not be empty")
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "provkit serve: "+format+"\n", args...)
		return exitFail
	}

	srv, err := reference.Open(ctx, reference.Config{DB: f.db, AdminToken: f.adminToken, Logger: logger, PublicURL: f.publicURL})
	if err != nil {
		return fail("%v", err)
	}
	defer srv.Close() // a second Close is a no-op; the normal path checks its error below

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fail("%v", err)
	}
	base := baseURL(ln.Addr())
	if f.publicURL != "" {
		base = strings.TrimRight(f.publicURL, "/")
	}
	info, err := srv.SeedDemo(ctx, base)
	if err != nil {
		ln.Close()
		return fail("%v", err)
	}
	seeded := len(info.Endpoints) > 0 && info.Endpoints[0].Token != ""
	if !seeded && f.infoFile != "" {
		if prev, err := readInfo(f.infoFile); err == nil {
			if _, err := srv.KeepTokens(ctx, &info, prev); err != nil {
				ln.Close()
				return fail("%v", err)
			}
		}
	}
	dbName := sqlstore.Redact(f.db) // never print a password
	if reference.IsShared(f.db) {
		dbName += " (shared: replicas may serve it too)"
	} else if abs, err := filepath.Abs(f.db); err == nil && f.db != ":memory:" {
		dbName = abs
	}
	// serve_sso.go; a database without the demo's Acme / Engineering node gets no demo SSO
	handler := srv.Handler()
	if local := loopback(ln.Addr()); local || f.demoIdP {
		h, d, err := demoSSO(ctx, srv, base, logger)
		if err != nil {
			fmt.Fprintf(stderr, "provkit serve: demo single sign-on not set up: %v\n", err)
		} else {
			handler = h
			info.DemoIdP = &reference.DemoIdPInfo{URL: d.idp.BaseURL(), APIToken: d.apiToken}
			printDemoSSO(stdout, d, !local)
		}
	} else {
		printNoDemoIdP(stdout)
	}
	printInfo(stdout, info, base, dbName, seeded, f.adminToken == "", tokenFromEnv, f.infoFile)
	if f.infoFile != "" {
		if err := writeInfo(f.infoFile, info); err != nil {
			ln.Close()
			return fail("%v", err)
		}
	}

	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	select {
	case err := <-served:
		return fail("%v", err)
	case <-ctx.Done():
	}
	stop() // a second signal now kills the process the default way
	fmt.Fprintln(stderr, "provkit serve: stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	status := exitOK
	if err := hs.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "provkit serve: shutdown: %v\n", err)
		hs.Close()
		status = exitFail
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "provkit serve: %v\n", err)
		status = exitFail
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintf(stderr, "provkit serve: close database: %v\n", err)
		return exitFail
	}
	fmt.Fprintln(stderr, "provkit serve: stopped")
	return status
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// baseURL is the URL clients on this machine reach the listener at.
func baseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	switch {
	case tcp.IP.IsUnspecified() && tcp.IP.To4() != nil:
		host = "127.0.0.1"
	case tcp.IP.IsUnspecified():
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

func printInfo(w io.Writer, info reference.Info, base, db string, seeded, generated, fromEnv bool, infoFile string) {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("provkit reference server listening on %s", base)
	if seeded {
		p("Database: %s (new: seeded the demo directory)", db)
	} else {
		p("Database: %s", db)
	}
	p("")
	p("Admin API (docs/admin-api.md)")
	p("  URL:    %s", info.AdminURL)
	adminRef := info.AdminToken
	switch {
	case generated:
		p("  Token:  %s", info.AdminToken)
		p("          (random, valid until this process stops; set $%s for a fixed one)", adminTokenEnv)
	case fromEnv:
		adminRef = "$" + adminTokenEnv
		p("  Token:  from $%s", adminTokenEnv)
	default:
		adminRef = "<admin token>"
		p("  Token:  as given by --admin-token")
	}
	p("")
	p("SCIM endpoints")
	if len(info.Endpoints) == 0 {
		p("  (none; create one with POST %s/nodes/{id}/scim)", info.AdminURL)
	}
	for _, ep := range info.Endpoints {
		p("  %s / %s (node %d)", ep.Enterprise, ep.Node, ep.NodeID)
		p("    URL:    %s", ep.SCIMURL)
		if ep.Token != "" {
			p("    Token:  %s", ep.Token)
		} else {
			p("    Token:  shown only when issued; get a new one with:")
			p("            curl -X POST -H \"Authorization: Bearer %s\" %s/nodes/%d/scim/rotate", adminRef, info.AdminURL, ep.NodeID)
		}
	}
	p("")
	p("Try it")
	if len(info.Endpoints) > 0 && info.Endpoints[0].Token != "" {
		ep := info.Endpoints[0]
		p("  curl -H \"Authorization: Bearer %s\" -H \"Accept: application/scim+json\" %s/Users", ep.Token, ep.SCIMURL)
	}
	p("  curl -H \"Authorization: Bearer %s\" %s/enterprises", adminRef, info.AdminURL)
	p("")
	if infoFile != "" {
		p("Connection details written to %s (mode 0600).", infoFile)
	}
	p("Press Ctrl-C to stop.")
	_, _ = io.WriteString(w, b.String())
}

// writeInfo writes info as JSON, atomically (a reader never sees half a file)
// and readable by the owner only.
func writeInfo(path string, info reference.Info) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".provkit-info-*")
	if err != nil {
		return fmt.Errorf("info file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("info file: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("info file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("info file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("info file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("info file: %w", err)
	}
	return nil
}

func readInfo(path string) (reference.Info, error) {
	var info reference.Info
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	return info, json.Unmarshal(data, &info)
}
