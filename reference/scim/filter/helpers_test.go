package filter

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// The module's go.sum has no entries for testify's dependencies, so these
// tests use the standard library only.

func show(v any) string {
	if e, ok := v.(Expr); ok && e != nil {
		return fmt.Sprintf("%s (%#v)", Format(e), v)
	}
	return fmt.Sprintf("%#v", v)
}

func equal(t *testing.T, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s\nwant: %s\n got: %s", fmt.Sprint(msg...), show(want), show(got))
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// scimErr asserts that err is a 400 *scimerr.Error of the given scimType.
func scimErr(t *testing.T, err error, scimType string, msg ...any) *scimerr.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: expected a %s error, got none", fmt.Sprint(msg...), scimType)
	}
	var se *scimerr.Error
	if !errors.As(err, &se) {
		t.Fatalf("%s: error %v (%T) is not a *scimerr.Error", fmt.Sprint(msg...), err, err)
	}
	if se.Status != 400 || se.ScimType != scimType {
		t.Fatalf("%s: got %d %s (%s), want 400 %s", fmt.Sprint(msg...), se.Status, se.ScimType, se.Detail, scimType)
	}
	return se
}

func contains(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}
