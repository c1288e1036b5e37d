package steps

import (
	"net/http"
	"strings"

	"github.com/cucumber/godog"
)

func (r reg) patches() {
	// The operations are the subject of the PATCH features, so they are
	// written out in a DocString (with placeholders); the actor only labels
	// whose documented shape it is.
	r.d3(`^(the identity provider|Entra ID|Okta|Keeper's own client) patches the (user|group) "([^"]*)" with:$`,
		func(w *World, _, kind, name string, doc *godog.DocString) error {
			return w.patchWith(kind, name, doc.Content, nil)
		})
	r.s1(`^Entra ID disables the user "([^"]*)"$`, func(w *World, name string) error {
		return w.patchWith("user", name, `[{"op": "Replace", "path": "active", "value": "False"}]`, nil)
	})
	r.s2(`^Okta (deactivates|reactivates) the user "([^"]*)"$`, func(w *World, how, name string) error {
		v := "false"
		if how == "reactivates" {
			v = "true"
		}
		return w.patchWith("user", name, `[{"op": "replace", "value": {"active": `+v+`}}]`, nil)
	})
}

// patchWith sends a PatchOp whose Operations are the given JSON text.
func (w *World) patchWith(kind, name, operations string, header map[string]string) error {
	path, err := w.pathOf(kind, name)
	if err != nil {
		return err
	}
	ops, err := w.expand(operations)
	if err != nil {
		return err
	}
	body := []byte(`{"schemas": ["` + patchOpSchema + `"], "Operations": ` + strings.TrimSpace(ops) + `}`)
	ex, err := w.do(http.MethodPatch, path, body, headers(header))
	w.last = ex
	return err
}
