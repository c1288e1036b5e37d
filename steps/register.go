package steps

import (
	"context"
	"errors"
	"regexp"

	"github.com/cucumber/godog"
)

// reg registers step definitions. Every definition first runs World.ready
// (skip decisions, own node setup), and turns a skipError into a skip.
type reg struct{ sc *godog.ScenarioContext }

func registerSteps(sc *godog.ScenarioContext) {
	r := reg{sc}
	r.auth()
	r.discovery()
	r.users()
	r.groups()
	r.patches()
	r.lists()
	r.versions()
	r.keeper()
	r.assertions()
	r.saml() // saml.go
	r.idp()  // idp.go
	r.protocol()
	r.attributes() // attributes.go
}

func run(ctx context.Context, f func(*World) error) error {
	w := world(ctx)
	if w == nil {
		return errors.New("provkit steps: no World in the context (was steps.Register called?)")
	}
	if err := w.ready(); err != nil {
		return err
	}
	err := f(w)
	var se skipError
	if errors.As(err, &se) {
		w.skip = se.reason
		return godog.ErrSkip
	}
	return err
}

func (r reg) s0(expr string, f func(*World) error) {
	r.sc.Step(expr, func(ctx context.Context) error { return run(ctx, f) })
}

func (r reg) s1(expr string, f func(*World, string) error) {
	r.sc.Step(expr, func(ctx context.Context, a string) error {
		return run(ctx, func(w *World) error { return f(w, a) })
	})
}

func (r reg) s2(expr string, f func(*World, string, string) error) {
	r.sc.Step(expr, func(ctx context.Context, a, b string) error {
		return run(ctx, func(w *World) error { return f(w, a, b) })
	})
}

func (r reg) s3(expr string, f func(*World, string, string, string) error) {
	r.sc.Step(expr, func(ctx context.Context, a, b, c string) error {
		return run(ctx, func(w *World) error { return f(w, a, b, c) })
	})
}

func (r reg) s4(expr string, f func(*World, string, string, string, string) error) {
	r.sc.Step(expr, func(ctx context.Context, a, b, c, d string) error {
		return run(ctx, func(w *World) error { return f(w, a, b, c, d) })
	})
}

func (r reg) d3(expr string, f func(*World, string, string, string, *godog.DocString) error) {
	r.sc.Step(expr, func(ctx context.Context, a, b, c string, doc *godog.DocString) error {
		return run(ctx, func(w *World) error { return f(w, a, b, c, doc) })
	})
}

// names is the regular expression of a list of quoted names:
// "alice", "bob" and "carol".
const names = `((?:"[^"]*"(?:, | and )?)+)`

var quoted = regexp.MustCompile(`"([^"]*)"`)

// nameList parses a names match.
func nameList(s string) []string {
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
