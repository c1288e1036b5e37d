package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/internal/scimclient"
	"github.com/provkit/provkit/steps"
)

func cleanHelp(w io.Writer) {
	fmt.Fprint(w, `Usage: provkit clean --target URL --token T [--admin-url URL --admin-token T] [--yes]

Finds what earlier provkit runs left on a target: users whose userName and
groups whose displayName carry a run's scope (pk<run>-<n>.alice@...,
"pk<run>-<n> Ops"), and, with --admin-url, the enterprises ("provkit
pk<run>-<n>", "provkit other <run>", ...) and nodes ("pk<run>-<n>") runs
created through the admin API. By default it only lists them (a dry run);
with --yes it removes them: enterprises and nodes with everything in them
through the admin API, groups with DELETE /Groups/{id}, users through the
admin API's permanent delete when --admin-url is given, else with
DELETE /Users/{id} (which on Keeper only locks them: the summary says so).

Exit status: 0 done (or nothing found), 1 something could not be removed,
2 usage error, unreachable target or refused token.

Flags:
`)
	var f cleanFlags
	printFlags(w, f.flagSet())
}

type cleanFlags struct {
	targetFlags
	yes bool
}

func (f *cleanFlags) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("clean", flag.ContinueOnError)
	f.register(fs, "SCIM base `URL` to clean", "required", "the target's provkit admin API `URL`, ending in /admin/v1")
	fs.BoolVar(&f.yes, "yes", false, "remove what was found (default: only list it)")
	return fs
}

// scoped matches the names provkit's steps give what they create.
var (
	scopedUser  = regexp.MustCompile(`^pk[a-z0-9]+-[0-9]+\.`)
	scopedGroup = regexp.MustCompile(`^pk[a-z0-9]+-[0-9]+ `)
)

func runClean(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) int {
	var f cleanFlags
	fs := f.flagSet()
	if status, ok := parseFlags(fs, args, cleanHelp, stdout, stderr); !ok {
		return status
	}
	if err := f.fromEnv(fs, getenv); err != nil {
		return usageError(stderr, "clean", "%v", err)
	}
	if f.target == "" {
		return usageError(stderr, "clean", "give --target URL and --token T (or $%s, $%s)", targetEnv, tokenEnv)
	}
	pre := harness.Config{Profile: "rfc7644", Target: steps.Endpoint{URL: strings.TrimRight(f.target, "/"), Token: f.token}}
	if f.adminURL != "" {
		pre.Admin = &steps.Endpoint{URL: strings.TrimRight(f.adminURL, "/"), Token: f.adminToken}
	}
	if err := harness.Preflight(ctx, pre); err != nil {
		fmt.Fprintf(stderr, "provkit clean: %v\n", scimclient.Redact(err.Error(), f.token, f.adminToken))
		return exitUsage
	}
	c := &scimclient.Client{BaseURL: pre.Target.URL, Token: f.token}
	users, err := findScoped(ctx, c, "/Users", "userName", scopedUser)
	if err != nil {
		fmt.Fprintf(stderr, "provkit clean: %v\n", scimclient.Redact(err.Error(), f.token))
		return exitFail
	}
	groups, err := findScoped(ctx, c, "/Groups", "displayName", scopedGroup)
	if err != nil {
		fmt.Fprintf(stderr, "provkit clean: %v\n", scimclient.Redact(err.Error(), f.token))
		return exitFail
	}
	var admin *scimclient.Client
	var ents, nodes []scopedResource
	if pre.Admin != nil {
		admin = &scimclient.Client{BaseURL: pre.Admin.URL, Token: pre.Admin.Token, MediaType: scimclient.MediaJSON}
		if ents, nodes, err = findScopedAdmin(ctx, admin); err != nil {
			fmt.Fprintf(stderr, "provkit clean: %v\n", scimclient.Redact(err.Error(), f.token, f.adminToken))
			return exitFail
		}
	}
	fmt.Fprintf(stdout, "Found %d users and %d groups left by provkit runs on %s", len(users), len(groups), pre.Target.URL)
	if admin != nil {
		fmt.Fprintf(stdout, ", and %d enterprises and %d nodes through the admin API", len(ents), len(nodes))
	}
	fmt.Fprintln(stdout)
	for _, r := range ents {
		fmt.Fprintf(stdout, "  enterprise %s  %s (with everything in it)\n", r.id, r.name)
	}
	for _, r := range nodes {
		fmt.Fprintf(stdout, "  node  %s  %s (with everything in it)\n", r.id, r.name)
	}
	for _, r := range groups {
		fmt.Fprintf(stdout, "  group %s  %s\n", r.id, r.name)
	}
	for _, r := range users {
		fmt.Fprintf(stdout, "  user  %s  %s\n", r.id, r.name)
	}
	if !f.yes {
		if len(users)+len(groups)+len(ents)+len(nodes) > 0 {
			fmt.Fprintln(stdout, "Dry run: nothing removed. Run again with --yes to remove them.")
		}
		return exitOK
	}
	removed, locked, failed := 0, 0, 0
	for _, r := range append(slices.Clone(nodes), ents...) {
		path := "/nodes/" + r.id
		if slices.Contains(ents, r) {
			path = "/enterprises/" + r.id
		}
		ex, err := admin.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: path})
		if err != nil || (ex.Status != http.StatusNoContent && ex.Status != http.StatusNotFound) {
			failed++
			fmt.Fprintf(stdout, "  could not remove %s through the admin API: %s\n", strings.TrimPrefix(path, "/"), answer(ex, err))
			continue
		}
		removed++
	}
	for _, r := range groups {
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/Groups/" + r.id})
		if err != nil || (!ex.OK() && ex.Status != http.StatusNotFound) {
			failed++
			fmt.Fprintf(stdout, "  could not remove group %s: %s\n", r.id, answer(ex, err))
			continue
		}
		removed++
	}
	for _, r := range users {
		if admin != nil {
			ex, err := admin.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/users/" + r.id})
			if err != nil || (ex.Status != http.StatusNoContent && ex.Status != http.StatusNotFound) {
				failed++
				fmt.Fprintf(stdout, "  could not remove user %s through the admin API: %s\n", r.id, answer(ex, err))
				continue
			}
			removed++
			continue
		}
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodDelete, Path: "/Users/" + r.id})
		if err != nil || (!ex.OK() && ex.Status != http.StatusNotFound) {
			failed++
			fmt.Fprintf(stdout, "  could not remove user %s: %s\n", r.id, answer(ex, err))
			continue
		}
		if ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: "/Users/" + r.id}); err == nil && ex.OK() {
			locked++
			continue
		}
		removed++
	}
	fmt.Fprintf(stdout, "Removed %d", removed)
	if locked > 0 {
		fmt.Fprintf(stdout, "; %d users still there after DELETE (locked, as Keeper does: give --admin-url to delete them)", locked)
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "; %d could not be removed", failed)
	}
	fmt.Fprintln(stdout)
	if failed > 0 || locked > 0 {
		return exitFail
	}
	return exitOK
}

type scopedResource struct{ id, name string }

// The names provkit's steps give the enterprises and nodes they create
// through the admin API: "provkit pk<run>-<n>[ reserver]", "provkit other
// <run>", "provkit large <run>"; nodes "pk<run>-<n>[ sso| sub]".
var (
	scopedEnterprise = regexp.MustCompile(`^provkit (pk[a-z0-9]+-[0-9]+( reserver)?|other [a-z0-9]+|large [a-z0-9]+)$`)
	scopedNode       = regexp.MustCompile(`^pk[a-z0-9]+-[0-9]+( sso| sub)?$`)
)

// findScopedAdmin lists, through the admin API, the enterprises and the
// nodes (of other enterprises) that carry a run's scope.
func findScopedAdmin(ctx context.Context, admin *scimclient.Client) (ents, nodes []scopedResource, err error) {
	get := func(path string) (*scimclient.Exchange, error) {
		ex, err := admin.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: path})
		if err == nil && ex.Status != http.StatusOK {
			err = fmt.Errorf("admin API: GET %s answered %d", path, ex.Status)
		}
		return ex, err
	}
	list, err := get("/enterprises")
	if err != nil {
		return nil, nil, err
	}
	for _, e := range list.Get("enterprises").Array() {
		id, name := e.Get("id").String(), e.Get("name").String()
		if scopedEnterprise.MatchString(name) {
			ents = append(ents, scopedResource{id, name})
			continue
		}
		full, err := get("/enterprises/" + id)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range full.Get("nodes").Array() {
			nid, nname := n.Get("id").String(), n.Get("name").String()
			if scopedNode.MatchString(nname) && n.Get("parent_id").String() != "" {
				nodes = append(nodes, scopedResource{nid, nname})
			}
		}
	}
	return ents, nodes, nil
}

// findScoped pages through resources whose attr starts with "pk" and keeps
// those whose name carries a run's scope.
func findScoped(ctx context.Context, c *scimclient.Client, path, attr string, scoped *regexp.Regexp) ([]scopedResource, error) {
	var out []scopedResource
	seen := map[string]bool{}
	for start := 1; ; {
		q := url.Values{"filter": {attr + ` sw "pk"`}, "startIndex": {strconv.Itoa(start)}, "count": {"200"},
			"attributes": {attr}}
		ex, err := c.Do(ctx, scimclient.Request{Method: http.MethodGet, Path: path, Query: q})
		if err != nil {
			return nil, err
		}
		if !ex.OK() {
			return nil, fmt.Errorf("GET %s?filter=%s sw \"pk\" answered %d", path, attr, ex.Status)
		}
		res := ex.Get("Resources").Array()
		for _, r := range res {
			id, name := r.Get("id").String(), r.Get(attr).String()
			if id != "" && scoped.MatchString(name) && !seen[id] {
				seen[id] = true
				out = append(out, scopedResource{id, name})
			}
		}
		total := int(ex.Get("totalResults").Int())
		start += len(res)
		if len(res) == 0 || start > total {
			return out, nil
		}
	}
}

func answer(ex *scimclient.Exchange, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("answered %d", ex.Status)
}
