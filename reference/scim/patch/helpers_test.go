package patch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// The module's go.sum has no entries for testify's dependencies, so these
// tests use the standard library only.

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func obj(t testing.TB, s string) map[string]any {
	t.Helper()
	return decodeJSON(t, s).(map[string]any)
}

// canon re-encodes v to compare JSON documents independently of number
// representations (json.Number vs float64).
func canon(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func jsonEqual(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if w, g := canon(t, want), canon(t, got); !reflect.DeepEqual(w, g) {
		t.Fatalf("%s\nwant: %s\n got: %s", fmt.Sprint(msg...), pretty(w), pretty(g))
	}
}

func equal(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s\nwant: %#v\n got: %#v", fmt.Sprint(msg...), want, got)
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func scimErr(t testing.TB, err error, scimType string, msg ...any) *scimerr.Error {
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
