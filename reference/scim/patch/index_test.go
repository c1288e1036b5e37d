package patch

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/provkit/provkit/reference/scim/schema"
)

// The list indexes change no outcome: a request applies exactly as its
// operations do one at a time through the linear algorithm the index
// replaced (oracleStep: compare with every element, then the list-scanning
// fixPrimary). Random sequences of adds (with and without primary,
// duplicates included), filtered replaces, removes and whole-list replaces
// of emails.
func TestIndexedAddsMatchOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	email := func() map[string]any {
		m := map[string]any{"value": fmt.Sprintf("u%d@acme.example", rng.IntN(6)), "type": []string{"work", "home"}[rng.IntN(2)]}
		if rng.IntN(3) == 0 {
			m["primary"] = true
		}
		return m
	}
	randOp := func() Operation {
		switch rng.IntN(8) {
		case 0:
			return Operation{Op: OpReplace, Path: `emails[type eq "home"].value`, Value: fmt.Sprintf("r%d@acme.example", rng.IntN(3))}
		case 1:
			return Operation{Op: OpRemove, Path: fmt.Sprintf(`emails[value eq "u%d@acme.example"]`, rng.IntN(6))}
		case 2:
			return Operation{Op: OpReplace, Path: "emails", Value: []any{email()}}
		case 3:
			return Operation{Op: OpAdd, Path: `emails[type eq "work"].primary`, Value: true}
		case 4:
			return Operation{Op: OpAdd, Value: map[string]any{"emails": []any{email(), email()}}}
		default:
			return Operation{Op: OpAdd, Path: "emails", Value: []any{email()}}
		}
	}
	start := map[string]any{"schemas": []any{schema.UserURN}, "id": "1", "userName": "bjensen@acme.example",
		"emails": []any{map[string]any{"value": "bjensen@acme.example", "type": "work", "primary": true}}}
	for run := range 400 {
		ops := make([]Operation, 2+rng.IntN(12))
		for i := range ops {
			ops[i] = randOp()
		}
		// one at a time; deep copies, since Apply keeps the values it is given
		want, wantErr := any(start), error(nil)
		for _, op := range ops {
			next, err := oracleStep(want.(map[string]any), Operation{Op: op.Op, Path: op.Path, Value: deepCopy(op.Value)})
			if err != nil {
				wantErr = err
				break
			}
			want = next
		}
		copied := make([]Operation, len(ops))
		for i, op := range ops {
			copied[i] = Operation{Op: op.Op, Path: op.Path, Value: deepCopy(op.Value)}
		}
		got, err := Apply(schema.UserType, start, copied)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("run %d %+v: one request %v, one by one %v", run, ops, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(canon(t, got), canon(t, want)) {
			t.Fatalf("run %d %+v:\none request %v\none by one  %v", run, ops, canon(t, got), canon(t, want))
		}
	}
}

// hashKey agrees with valueEqual on the values where they could disagree.
func TestHashKeyFollowsValueEqual(t *testing.T) {
	pairs := [][2]any{
		{map[string]any{"Value": "a", "x": nil}, map[string]any{"value": "a"}},
		{decodeJSON(t, `1`), 1.0},
		{decodeJSON(t, `1.0`), decodeJSON(t, `1`)},
		{0.0, decodeJSON(t, `-0`)},
		{[]any{"a", true}, []any{"a", true}},
	}
	for _, p := range pairs {
		if !valueEqual(p[0], p[1]) {
			t.Fatalf("test data: %v and %v are not valueEqual", p[0], p[1])
		}
		if hashKey(p[0]) != hashKey(p[1]) {
			t.Fatalf("valueEqual %v, %v but keys %q, %q", p[0], p[1], hashKey(p[0]), hashKey(p[1]))
		}
	}
}

// oracleStep applies one operation; an add or replace of the whole emails
// list goes through the former linear algorithm instead of Apply.
func oracleStep(res map[string]any, op Operation) (map[string]any, error) {
	var v any
	switch {
	case op.Path == "emails" && (op.Op == OpAdd || op.Op == OpReplace):
		v = op.Value
	case op.Path == "" && op.Op == OpAdd:
		v = op.Value.(map[string]any)["emails"]
	default:
		return Apply(schema.UserType, res, []Operation{op})
	}
	out := deepCopy(res).(map[string]any)
	ref, _ := schema.UserType.Lookup("", "emails", "")
	nv, err := prepare(ref.Attr, v)
	if err != nil {
		return nil, err
	}
	var list []any
	if op.Op == OpAdd {
		list = slices.Clone(asList(out["emails"]))
	}
	fresh := map[int]bool{}
	for _, x := range nv.([]any) {
		if i := indexOf(list, x); i >= 0 {
			fresh[i] = true
			continue
		}
		list = append(list, x)
		fresh[len(list)-1] = true
	}
	if err := fixPrimary(ref.Attr, list, fresh, "emails"); err != nil {
		return nil, err
	}
	out["emails"] = list
	return out, nil
}
