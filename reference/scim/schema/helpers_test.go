package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/provkit/provkit/reference/scim/scimerr"
)

// obj decodes a JSON object (numbers as float64).
func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// objNumber decodes a JSON object with numbers as json.Number.
func objNumber(t *testing.T, s string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// canon round-trips v through JSON so that values compare structurally.
func canon(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return out
}

func pretty(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// jsonEq asserts that got equals the JSON document want.
func jsonEq(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %s: %v", want, err)
	}
	g := canon(t, got)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("mismatch\n got: %s\nwant: %s", pretty(g), pretty(w))
	}
}

// deepCopy returns an independent copy of a JSON-like value.
func deepCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(m); err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantSCIMErr asserts err is a *scimerr.Error 400 with scimType and a detail
// containing detail.
func wantSCIMErr(t *testing.T, err error, scimType, detail string) {
	t.Helper()
	var se *scimerr.Error
	if !errors.As(err, &se) {
		t.Fatalf("want *scimerr.Error %s, got %T %v", scimType, err, err)
	}
	if se.Status != 400 || se.ScimType != scimType {
		t.Errorf("want 400 %s, got %d %s (%s)", scimType, se.Status, se.ScimType, se.Detail)
	}
	if !strings.Contains(se.Detail, detail) {
		t.Errorf("detail %q does not mention %q", se.Detail, detail)
	}
}
