package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/provkit/provkit/internal/scimclient"
	idpsync "github.com/provkit/provkit/mockidp/sync"
)

// idp: the steps of features/idp. An identity provider's directory is built
// from the scenario's personas (names unique to the run), then
// mockidp/sync sends that IdP's real request shapes to the target; the
// users and groups it provisioned become the scenario's, so the common Then
// steps (and the cleanup) apply to them.

// idpNames maps the names the features use to mockidp/sync's keys.
var idpNames = map[string]string{
	"Entra ID": "entra", "Entra ID in compliant mode": "entra-compliant", "Okta": "okta",
	"JumpCloud": "jumpcloud", "CloudGate": "cloudgate", "OneLogin": "onelogin", "Google Workspace": "google",
}

const idpRe = `(Entra ID in compliant mode|Entra ID|Okta|JumpCloud|CloudGate|OneLogin|Google Workspace)`

type idpKey struct{}

// idpState is a scenario's identity providers, by key.
type idpState struct{ runs map[string]*idpRun }

// idpRun is one IdP's directory and its simulator.
type idpRun struct {
	key    string
	dir    idpsync.Directory
	users  map[string]string // persona name -> email
	groups map[string]string // group name -> display name
	sim    *idpsync.Sim
	other  bool // provisions into the other enterprise's node
}

func (r reg) idp() {
	r.sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return context.WithValue(ctx, idpKey{}, &idpState{runs: map[string]*idpRun{}}), nil
	})
	state := func(ctx context.Context) (*idpState, error) {
		st, _ := ctx.Value(idpKey{}).(*idpState)
		if st == nil {
			return nil, errors.New("provkit steps: no IdP state (was steps.Register called?)")
		}
		return st, nil
	}
	s0 := func(expr string, f func(*World, *idpState) error) {
		r.sc.Step(expr, func(ctx context.Context) error {
			st, err := state(ctx)
			if err != nil {
				return err
			}
			return run(ctx, func(w *World) error { return f(w, st) })
		})
	}
	s1 := func(expr string, f func(*World, *idpState, string) error) {
		r.sc.Step(expr, func(ctx context.Context, a string) error {
			st, err := state(ctx)
			if err != nil {
				return err
			}
			return run(ctx, func(w *World) error { return f(w, st, a) })
		})
	}
	s2 := func(expr string, f func(*World, *idpState, string, string) error) {
		r.sc.Step(expr, func(ctx context.Context, a, b string) error {
			st, err := state(ctx)
			if err != nil {
				return err
			}
			return run(ctx, func(w *World) error { return f(w, st, a, b) })
		})
	}
	s3 := func(expr string, f func(*World, *idpState, string, string, string) error) {
		r.sc.Step(expr, func(ctx context.Context, a, b, c string) error {
			st, err := state(ctx)
			if err != nil {
				return err
			}
			return run(ctx, func(w *World) error { return f(w, st, a, b, c) })
		})
	}

	// ---- Given ----
	s2(`^`+idpRe+` has the user "([^"]*)"$`, func(w *World, st *idpState, idp, name string) error {
		st.run(w, idp).addUser(w, name)
		return nil
	})
	s3(`^`+idpRe+` has the user "([^"]*)" in the group "([^"]*)"$`, func(w *World, st *idpState, idp, name, group string) error {
		run := st.run(w, idp)
		run.addUser(w, name)
		run.addMember(w, group, name)
		return nil
	})
	s2(`^`+idpRe+` has provisioned the user "([^"]*)"$`, func(w *World, st *idpState, idp, name string) error {
		run := st.run(w, idp)
		run.addUser(w, name)
		if err := run.send(w, idpsync.PhaseConnect, idpsync.PhaseSync); err != nil {
			return err
		}
		return run.noProblems(idp + " provisioning the user " + name)
	})
	s1(`^`+idpRe+` has a directory with updates and a leaver$`, func(w *World, st *idpState, idp string) error {
		run := st.run(w, idp)
		for _, n := range []string{"alice", "bob", "carol", "dave"} {
			run.addUser(w, n)
		}
		run.addMember(w, "ops", "alice")
		run.addMember(w, "ops", "bob")
		run.dir.Groups = append(run.dir.Groups, idpsync.Group{Name: w.groupDisplayName("audit"), Members: []string{}})
		run.groups["audit"] = w.groupDisplayName("audit")
		run.dir.Updates.Users = []idpsync.UserUpdate{{Email: run.users["alice"], DisplayName: "Alice Liddell"}}
		run.dir.Updates.Groups = []idpsync.GroupUpdate{{Name: w.groupDisplayName("ops"),
			Add: []string{run.users["carol"]}, Remove: []string{run.users["bob"]}}}
		run.dir.Deprovision = []string{run.users["dave"]}
		return nil
	})

	// ---- When ----
	s1(`^`+idpRe+` provisions its directory$`, func(w *World, st *idpState, idp string) error {
		return st.run(w, idp).send(w, idpsync.PhaseConnect, idpsync.PhaseSync)
	})
	s1(`^`+idpRe+` runs every provisioning phase$`, func(w *World, st *idpState, idp string) error {
		return st.run(w, idp).send(w, idpsync.Phases...)
	})
	s2(`^`+idpRe+` deprovisions the user "([^"]*)"$`, func(w *World, st *idpState, idp, name string) error {
		run := st.run(w, idp)
		email, ok := run.users[name]
		if !ok {
			return fmt.Errorf("%s's directory has no user %q (a Given step must add it)", idp, name)
		}
		run.dir.Deprovision = []string{email}
		return run.send(w, idpsync.PhaseDeprovision)
	})
	s2(`^`+idpRe+` provisions the user "([^"]*)" in another enterprise$`, func(w *World, st *idpState, idp, name string) error {
		run := &idpRun{key: idpNames[idp], users: map[string]string{}, groups: map[string]string{}, other: true}
		st.runs["other "+run.key] = run
		run.addUser(w, name)
		return run.send(w, idpsync.PhaseSync)
	})
	s0(`^JumpCloud tests the connection$`, func(w *World, st *idpState) error {
		return st.run(w, "JumpCloud").send(w, idpsync.PhaseConnect)
	})

	// ---- Then ----
	s1(`^`+idpRe+` met no provisioning error$`, func(w *World, st *idpState, idp string) error {
		return st.run(w, idp).noProblems(idp)
	})
	s2(`^`+idpRe+` was refused the user "([^"]*)" as a conflict$`, func(w *World, st *idpState, idp, name string) error {
		run := st.runs["other "+idpNames[idp]]
		if run == nil || run.sim == nil {
			return fmt.Errorf("%s did not provision in another enterprise (a When step must)", idp)
		}
		email := run.users[name]
		for _, e := range run.sim.Report().Exchanges {
			if e.Method == http.MethodPost && e.Path == "/Users" && strings.Contains(string(e.Body), email) {
				if e.Status != http.StatusConflict {
					return &Mismatch{What: "status", Expected: statusText("409"), Actual: statusText(strconv.Itoa(e.Status)),
						Message: fmt.Sprintf("expected the other enterprise's endpoint to refuse %s with 409, got %d\n%s", email, e.Status, e)}
				}
				return nil
			}
		}
		return fmt.Errorf("%s sent no create for %s: it found the user in the other enterprise's node", idp, email)
	})
}

// run returns the scenario's run of an IdP (by its feature name).
func (st *idpState) run(w *World, idp string) *idpRun {
	k := idpNames[idp]
	if run, ok := st.runs[k]; ok {
		return run
	}
	run := &idpRun{key: k, users: map[string]string{}, groups: map[string]string{}}
	run.dir.TestUser = w.userName("idp-test")
	st.runs[k] = run
	return run
}

func (run *idpRun) addUser(w *World, name string) {
	if _, ok := run.users[name]; ok {
		return
	}
	p := w.persona(name)
	email := w.userName(name)
	run.users[name] = email
	run.dir.Users = append(run.dir.Users, idpsync.User{Email: email, GivenName: p.given, FamilyName: p.family, DisplayName: p.display})
}

func (run *idpRun) addMember(w *World, group, name string) {
	display := w.groupDisplayName(group)
	run.groups[group] = display
	for i := range run.dir.Groups {
		if run.dir.Groups[i].Name == display {
			run.dir.Groups[i].Members = append(run.dir.Groups[i].Members, run.users[name])
			return
		}
	}
	run.dir.Groups = append(run.dir.Groups, idpsync.Group{Name: display, Members: []string{run.users[name]}})
}

// send runs phases of the IdP against the scenario's endpoint (or the other
// enterprise's) and makes what it provisioned the scenario's.
func (run *idpRun) send(w *World, phases ...idpsync.Phase) error {
	ep := w.ep
	if run.other {
		o, err := w.cfg.otherEndpoint(w.ctx)
		if err != nil {
			return err
		}
		ep = o
	}
	cl := w.cfg.client(ep, w.rec)
	if run.sim == nil {
		sim, err := idpsync.New(run.key, &run.dir, idpsync.Options{BaseURL: ep.URL, Token: ep.Token, HTTP: w.cfg.HTTP,
			Redact: w.cfg.secretList(), Recorder: w.rec})
		if err != nil {
			return err
		}
		run.sim = sim
	}
	before := len(run.sim.Report().Exchanges)
	if err := run.sim.Run(w.ctx, phases...); err != nil {
		return err
	}
	exs := run.sim.Report().Exchanges
	if len(exs) == before {
		return fmt.Errorf("%s sent nothing", run.key)
	}
	if run.other {
		for _, email := range run.users {
			if id := run.sim.UserID(email); id != "" {
				w.removeUserAtEnd(id, cl)
			}
		}
		return nil
	}
	for name, email := range run.users {
		id := run.sim.UserID(email)
		if id == "" {
			continue
		}
		if u, ok := w.users[name]; ok && u.id == id {
			continue
		}
		if _, seen := w.users[name]; !seen {
			w.order = append(w.order, name)
		}
		w.users[name] = &user{name: name, userName: email, id: id}
		w.removeUserAtEnd(id, cl)
	}
	for name, display := range run.groups {
		id := run.sim.GroupID(display)
		if id == "" {
			continue
		}
		if g, ok := w.groups[name]; ok && g.id == id {
			continue
		}
		w.groups[name] = &group{name: name, displayName: display, id: id}
		w.removeGroupAtEnd(id, cl)
	}
	if run.key == "jumpcloud" {
		run.rememberTestObjects(w, exs[before:])
	}
	return nil
}

// rememberTestObjects names JumpCloud's test user "idp-test" and its test
// group "test group", for the Then steps.
func (run *idpRun) rememberTestObjects(w *World, exs []idpsync.Exchange) {
	for _, e := range exs {
		if e.Method != http.MethodPost || (e.Status != http.StatusCreated && e.Status != http.StatusOK) {
			continue
		}
		ids := idpsync.AnswerIDs(e.Response)
		if len(ids) == 0 {
			continue
		}
		switch e.Step {
		case "test connection: create the test user":
			w.users["idp-test"] = &user{name: "idp-test", userName: run.dir.TestUser, id: ids[0]}
			w.removeUserAtEnd(ids[0], w.c)
		case "test connection: create the test group":
			w.groups["test group"] = &group{name: "test group", id: ids[0]}
			w.removeGroupAtEnd(ids[0], w.c)
		}
	}
}

// noProblems fails with the refused exchanges when the IdP would log an error.
func (run *idpRun) noProblems(what string) error {
	rep := run.sim.Report()
	if len(rep.Problems) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s would log %d provisioning errors:", what, len(rep.Problems))
	for _, p := range rep.Problems {
		b.WriteString("\n  " + p.String())
	}
	for _, e := range rep.Exchanges {
		if e.Problem != "" {
			b.WriteString("\n" + e.String())
		}
	}
	return errors.New(scimclient.Redact(b.String()))
}
