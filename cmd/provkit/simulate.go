package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/tidwall/gjson"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/internal/scimclient"
	idpsync "github.com/provkit/provkit/mockidp/sync"
	"github.com/provkit/provkit/steps"
)

type simulateFlags struct {
	targetFlags
	directory, phase string
	record           string
}

func simulateFlagSet(f *simulateFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	f.register(fs, "SCIM base `URL` to send to", "a fresh bundled reference server",
		"the target's provkit admin API `URL`, to show invited/locked users, pending teams and memberships")
	fs.StringVar(&f.directory, "directory", "", "the IdP's directory as a YAML `file` (default: the bundled sample, docs/simulate.md)")
	fs.StringVar(&f.phase, "phase", "all", "`phase` to send: connect, sync, update, deprovision or all")
	fs.StringVar(&f.record, "record", "", "write every exchange as JSON lines to `file` (for provkit simulate replay)")
	return fs
}

func simulateHelp(w io.Writer) {
	fmt.Fprintf(w, `Usage: provkit simulate <idp> [flags]
       provkit simulate replay <file> [flags]

Sends the SCIM requests an identity provider sends when it provisions a
directory into Keeper, quirks included, and prints each request and answer
(tokens redacted), then the target's resulting state: users by status,
teams by status, memberships waiting for approval.

Identity providers: %s
  (entra: Entra ID's default requests; entra-compliant: with the
  aadOptscim062020 flag)

Phases: connect (the IdP's test connection), sync (users, groups,
memberships), update (the directory's updates), deprovision, all.

Without --target it starts a fresh bundled reference server (throwaway
database, demo enterprise Acme, node Engineering) and sends there, with its
admin API for the state summary; a later phase alone first sends the earlier
ones unprinted, since the fresh server is empty. The directory is the
bundled sample (docs/simulate.md) unless --directory names a YAML file.

replay sends a --record file again. Ids differ on a fresh target: every id
the recording learned from an answer is rewritten to the id the new target
answers. userNames are sent as recorded, so replay to a target that does
not hold those people yet.

Exit status: 0 the IdP would log no provisioning error (replay: every
answer's status as recorded), 1 otherwise, 2 usage error, unreadable
directory or recording, unreachable target or refused token.

Examples:
  provkit simulate jumpcloud
  provkit simulate okta --phase sync --directory my-directory.yaml --record okta.jsonl
  provkit simulate replay okta.jsonl
  PROVKIT_TOKEN=... provkit simulate entra --target https://keepersecurity.com/api/rest/scim/v2/42

Flags:
`, strings.Join(idpsync.Names(), ", "))
	fs := simulateFlagSet(&simulateFlags{})
	printFlags(w, fs)
}

// runSimulate is `provkit simulate`.
func runSimulate(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usageError(stderr, "simulate", "an identity provider is required (one of %s, or replay <file>)", strings.Join(idpsync.Names(), ", "))
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		simulateHelp(stdout)
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		return usageError(stderr, "simulate", "the identity provider comes first: provkit simulate <idp> [flags]")
	}
	idp, rest := args[0], args[1:]
	replayFile := ""
	if idp == "replay" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return usageError(stderr, "simulate", "replay needs the recording: provkit simulate replay <file> [flags]")
		}
		replayFile, rest = rest[0], rest[1:]
	} else if _, ok := idpsync.Lookup(idp); !ok {
		return usageError(stderr, "simulate", "unknown identity provider %q (one of %s)", idp, strings.Join(idpsync.Names(), ", "))
	}

	var f simulateFlags
	fs := simulateFlagSet(&f)
	if status, ok := parseFlags(fs, rest, simulateHelp, stdout, stderr); !ok {
		return status
	}
	if err := f.targetFlags.fromEnv(fs, getenv); err != nil {
		return usageError(stderr, "simulate", "%v", err)
	}
	if f.target != "" {
		if u, err := url.Parse(f.target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError(stderr, "simulate", "--target must be an http(s) URL, got %q", f.target)
		}
		if f.token == "" {
			return usageError(stderr, "simulate", "--target needs --token (or $%s)", tokenEnv)
		}
	}
	if f.adminURL != "" && f.adminToken == "" {
		return usageError(stderr, "simulate", "--admin-url needs --admin-token (or $%s)", targetAdminTokenEnv)
	}
	phases, err := idpsync.ParsePhase(f.phase)
	if err != nil {
		return usageError(stderr, "simulate", "%v", err)
	}
	if replayFile != "" && (flagSet(fs, "phase") || flagSet(fs, "directory")) {
		return usageError(stderr, "simulate", "replay sends the recording as it is: --phase and --directory do not apply")
	}

	// inputs first: a bad file is a usage error before anything is sent
	dir := idpsync.Sample()
	var recording []idpsync.Exchange
	if replayFile != "" {
		fh, err := os.Open(replayFile)
		if err != nil {
			return usageError(stderr, "simulate", "%v", err)
		}
		recording, err = idpsync.ReadJSONL(fh)
		fh.Close()
		if err != nil {
			return usageError(stderr, "simulate", "%s: %v", replayFile, err)
		}
		if len(recording) == 0 {
			return usageError(stderr, "simulate", "%s holds no exchanges", replayFile)
		}
	} else if f.directory != "" {
		if dir, err = idpsync.Load(f.directory); err != nil {
			return usageError(stderr, "simulate", "%v", err)
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	tg := simTarget{url: strings.TrimRight(f.target, "/"), token: f.token, adminURL: strings.TrimRight(f.adminURL, "/"), adminToken: f.adminToken}
	if f.target == "" {
		closeRef, err := startSimReference(ctx, &tg)
		if err != nil {
			fmt.Fprintf(stderr, "provkit simulate: starting the bundled reference server: %v\n", err)
			return exitFail
		}
		defer closeRef()
		fmt.Fprintf(stderr, "provkit simulate: sending to a fresh bundled reference server, %s (throwaway database)\n", tg.url)
	}
	if f.target != "" {
		// Stop before the first request when the URL is not a SCIM endpoint or
		// refuses the token, instead of sending every request of the flow.
		pre := harness.Config{Profile: "rfc7644", Target: steps.Endpoint{URL: tg.url, Token: tg.token}}
		if tg.adminURL != "" {
			pre.Admin = &steps.Endpoint{URL: tg.adminURL, Token: tg.adminToken}
		}
		if err := harness.Preflight(ctx, pre); err != nil {
			fmt.Fprintf(stderr, "provkit simulate: %v\n", scimclient.Redact(err.Error(), tg.token, tg.adminToken))
			return exitUsage
		}
	}
	secrets := []string{tg.token, tg.adminToken}
	printer := &exchangePrinter{w: stdout}
	opts := idpsync.Options{BaseURL: tg.url, Token: tg.token, Redact: secrets, HTTP: &http.Client{Timeout: scimclient.DefaultTimeout},
		OnExchange: printer.print}

	var rep *idpsync.Report
	if replayFile != "" {
		fmt.Fprintf(stdout, "Replaying %d exchanges from %s\n", len(recording), replayFile)
		rep, err = idpsync.Replay(ctx, recording, opts)
	} else {
		rep, err = simulate(ctx, idp, dir, phases, opts, f.target == "", stdout)
	}
	if err != nil {
		var ue *net.OpError
		if errors.As(err, &ue) || len(rep.Exchanges) == 0 {
			fmt.Fprintf(stderr, "provkit simulate: the target cannot be reached: %v\n", scimclient.Redact(err.Error(), secrets...))
			return exitUsage
		}
		fmt.Fprintf(stderr, "provkit simulate: %v\n", scimclient.Redact(err.Error(), secrets...))
		return exitFail
	}
	if len(rep.Exchanges) > 0 && rep.Exchanges[0].Status == http.StatusUnauthorized {
		fmt.Fprintln(stderr, "provkit simulate: the target refused the token (401)")
		return exitUsage
	}
	if f.record != "" {
		if err := writeRecording(f.record, rep.Exchanges); err != nil {
			fmt.Fprintf(stderr, "provkit simulate: --record: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "\nRecorded %d exchanges to %s\n", len(rep.Exchanges), f.record)
	}
	printState(ctx, stdout, tg, rep, secrets)
	if len(rep.Problems) > 0 {
		what := "the identity provider would log these provisioning errors"
		if replayFile != "" {
			what = "these answers differ from the recording"
		}
		fmt.Fprintf(stdout, "\nFAILED: %s:\n", what)
		for _, p := range rep.Problems {
			fmt.Fprintf(stdout, "  %s\n", scimclient.Redact(p.String(), secrets...))
		}
		return exitFail
	}
	if replayFile != "" {
		fmt.Fprintln(stdout, "\nOK: every answer as recorded")
	} else {
		fmt.Fprintln(stdout, "\nOK: the identity provider would log no provisioning error")
	}
	return exitOK
}

// simulate runs the IdP. Against the fresh bundled reference, a later
// phase alone first sends the earlier ones without printing them.
func simulate(ctx context.Context, idp string, dir *idpsync.Directory, phases []idpsync.Phase, opts idpsync.Options,
	fresh bool, stdout io.Writer) (*idpsync.Report, error) {
	s, err := idpsync.New(idp, dir, opts)
	if err != nil {
		return &idpsync.Report{}, err
	}
	p := s.Profile()
	fmt.Fprintf(stdout, "Simulating %s: phase %s\n", p.Name, phasesText(phases))
	if len(p.Undocumented) > 0 {
		fmt.Fprintln(stdout, "Not documented by the vendor, sent in the plain RFC 7644 form:")
		for _, u := range p.Undocumented {
			fmt.Fprintf(stdout, "  - %s\n", u)
		}
	}
	if fresh && len(phases) == 1 && phases[0] != idpsync.PhaseConnect {
		var before []idpsync.Phase
		for _, ph := range idpsync.Phases {
			if ph == phases[0] {
				break
			}
			before = append(before, ph)
		}
		quiet := opts
		quiet.OnExchange = nil
		q, err := idpsync.New(idp, dir, quiet)
		if err != nil {
			return &idpsync.Report{}, err
		}
		if err := q.Run(ctx, before...); err != nil {
			return q.Report(), err
		}
		fmt.Fprintf(stdout, "(the fresh reference is empty: %s sent first, not shown; %d problems)\n", phasesText(before), len(q.Report().Problems))
	}
	err = s.Run(ctx, phases...)
	return s.Report(), err
}

func phasesText(ps []idpsync.Phase) string {
	var s []string
	for _, p := range ps {
		s = append(s, string(p))
	}
	return strings.Join(s, ", ")
}

type exchangePrinter struct {
	w     io.Writer
	phase idpsync.Phase
	n     int
}

func (p *exchangePrinter) print(e idpsync.Exchange) {
	if e.Phase != p.phase {
		p.phase = e.Phase
		fmt.Fprintf(p.w, "\n=== %s ===\n", e.Phase)
	}
	p.n++
	mark := ""
	if e.Problem != "" {
		mark = "   ✗ " + e.Problem
	}
	fmt.Fprintf(p.w, "\n[%d] %s%s\n%s", p.n, e.Step, mark, e.String())
}

func writeRecording(path string, exs []idpsync.Exchange) error {
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := idpsync.WriteJSONL(fh, exs); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}

// ---- the target ----

type simTarget struct {
	url, token           string
	adminURL, adminToken string
}

// startSimReference opens a fresh reference on a throwaway database and
// points tg at Acme's Engineering endpoint and the admin API.
func startSimReference(ctx context.Context, tg *simTarget) (func(), error) {
	ref, err := startBundledReference(ctx, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), 1)
	if err != nil {
		return nil, err
	}
	tg.url, tg.token = ref.seed.Endpoints[0].SCIMURL, ref.seed.Endpoints[0].Token
	tg.adminURL, tg.adminToken = ref.seed.AdminURL, ref.seed.AdminToken
	return ref.stop, nil
}

// ---- the resulting state ----

// printState prints what the exchanges left on the target: the users and
// groups they named, read again over SCIM, and with the admin API their
// Keeper status and the node's queue.
func printState(ctx context.Context, w io.Writer, tg simTarget, rep *idpsync.Report, secrets []string) {
	userIDs, groupIDs, names := touched(rep)
	sc := &scimclient.Client{BaseURL: tg.url, Token: tg.token, Redact: secrets}
	var adm *scimclient.Client
	if tg.adminURL != "" {
		adm = &scimclient.Client{BaseURL: tg.adminURL, Token: tg.adminToken, MediaType: scimclient.MediaJSON, Redact: secrets}
	}
	fmt.Fprintf(w, "\n=== resulting state of %s ===\n", tg.url)
	byStatus := map[string][]string{}
	for _, id := range userIDs {
		ex, err := sc.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users/" + id})
		if err != nil {
			fmt.Fprintf(w, "  (cannot read the users: %v)\n", scimclient.Redact(err.Error(), secrets...))
			return
		}
		if ex.Status == http.StatusNotFound {
			byStatus["deleted"] = append(byStatus["deleted"], names[id])
			continue
		}
		name := ex.Get("userName").String()
		st := "inactive"
		if ex.Get("active").Bool() {
			st = "active"
		}
		if adm != nil {
			if ax, err := adm.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/users/" + id}); err == nil && ax.Status == http.StatusOK {
				st = ax.Get("status").String()
				if ax.Get("locked").Bool() {
					st = "locked"
				}
			}
		}
		byStatus[st] = append(byStatus[st], name)
	}
	fmt.Fprintf(w, "Users (%d):\n", len(userIDs))
	printGroups(w, byStatus)

	teams := map[string][]string{}
	var pending []string
	for _, id := range groupIDs {
		ex, err := sc.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Groups/" + id, Query: url.Values{"excludedAttributes": {"members"}}})
		if err != nil {
			return
		}
		if ex.Status == http.StatusNotFound {
			teams["deleted"] = append(teams["deleted"], names[id])
			continue
		}
		name, st := ex.Get("displayName").String(), "present"
		if adm != nil {
			if ax, err := adm.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/teams/" + id}); err == nil && ax.Status == http.StatusOK {
				st = ax.Get("status").String()
				for _, m := range ax.Get("members").Array() {
					if m.Get("status").String() == "pending" {
						pending = append(pending, m.Get("email").String()+" in "+name)
					}
				}
			}
		}
		teams[st] = append(teams[st], name)
	}
	fmt.Fprintf(w, "Teams (%d):\n", len(groupIDs))
	printGroups(w, teams)
	if adm == nil {
		fmt.Fprintln(w, "Invited/locked users, pending teams and memberships: give --admin-url and --admin-token to see them")
		return
	}
	sort.Strings(pending)
	fmt.Fprintf(w, "Memberships waiting for approval (%d):\n", len(pending))
	for _, p := range pending {
		fmt.Fprintf(w, "    %s\n", p)
	}
}

func printGroups(w io.Writer, m map[string][]string) {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sort.Strings(m[k])
		fmt.Fprintf(w, "  %-9s %d: %s\n", k, len(m[k]), strings.Join(m[k], ", "))
	}
}

// touched lists the ids of the users and groups the exchanges created or
// found, in order of first appearance, and their names as last answered.
func touched(rep *idpsync.Report) (users, groups []string, names map[string]string) {
	seen := map[string]bool{}
	names = map[string]string{}
	for _, e := range rep.Exchanges {
		if e.Status < 200 || e.Status >= 300 || len(e.Response) == 0 {
			continue
		}
		if e.Method == http.MethodGet && strings.Contains(e.Path, "?") && !strings.Contains(e.Path, "filter=") {
			continue // a page of the whole node, not the IdP's objects
		}
		isGroup := strings.HasPrefix(e.Path, "/Groups")
		if !isGroup && !strings.HasPrefix(e.Path, "/Users") {
			continue
		}
		for _, id := range idpsync.AnswerIDs(e.Response) {
			if n := answerName(e.Response, id); n != "" {
				names[id] = n
			}
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			if isGroup {
				groups = append(groups, id)
			} else {
				users = append(users, id)
			}
		}
	}
	return users, groups, names
}

// answerName is the userName or displayName of the resource id in an answer.
func answerName(body []byte, id string) string {
	j := gjson.ParseBytes(body)
	for _, r := range append([]gjson.Result{j}, j.Get("Resources").Array()...) {
		if r.Get("id").String() == id {
			if n := r.Get("userName").String(); n != "" {
				return n
			}
			return r.Get("displayName").String()
		}
	}
	return id
}
