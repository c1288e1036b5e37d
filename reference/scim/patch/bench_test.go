package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

// emailAdds is one PATCH body of n "add emails" operations, each adding
// one new address: the shape that once took seconds (every add compared the
// new element with every element already there).
func emailAdds(n int) []byte {
	b := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"op":"add","path":"emails","value":[{"value":"u%d@acme.example","type":"other"}]}`, i)
	}
	return append(b, "]}"...)
}

// decodeUncapped decodes a PATCH body like Decode, without MaxOperations:
// the engine's cost past the HTTP cap.
func decodeUncapped(tb testing.TB, body []byte) []Operation {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var msg struct{ Operations []any }
	if err := d.Decode(&msg); err != nil {
		tb.Fatal(err)
	}
	ops := make([]Operation, 0, len(msg.Operations))
	parsed := map[string]bool{}
	for i, x := range msg.Operations {
		op, err := decodeOp(i, x, parsed)
		if err != nil {
			tb.Fatal(err)
		}
		ops = append(ops, op)
	}
	return ops
}

var benchUser = map[string]any{"schemas": []any{schema.UserURN}, "id": "1", "userName": "bjensen@acme.example"}

func applyAll(tb testing.TB, ops []Operation) {
	out, err := Apply(schema.UserType, benchUser, ops)
	if err != nil {
		tb.Fatal(err)
	}
	if n := len(out["emails"].([]any)); n != len(ops) {
		tb.Fatalf("%d emails, want %d", n, len(ops))
	}
}

// BenchmarkPatch10kOps decodes and applies one PATCH of 10,000 "add emails"
// operations ("apply": the decoded operations only): the engine alone, since
// 10,000 is past MaxOperations. It must stay under 100 ms per PATCH (it took
// seconds when each add compared the new element with every element already
// there). cpu-ms/op is the process's CPU time per PATCH, which a loaded
// machine does not inflate as it does ns/op (the garbage collector's
// background work counts too).
func BenchmarkPatch10kOps(b *testing.B) {
	body := emailAdds(10000)
	b.Run("decode+apply", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		withCPU(b, func() { applyAll(b, decodeUncapped(b, body)) })
	})
	b.Run("apply", func(b *testing.B) {
		ops := decodeUncapped(b, body)
		withCPU(b, func() { applyAll(b, ops) })
	})
}

func withCPU(b *testing.B, f func()) {
	c0, ok := cpuTime()
	n := 0
	for b.Loop() {
		f()
		n++
	}
	if c1, ok1 := cpuTime(); ok && ok1 && n > 0 {
		b.ReportMetric(float64((c1-c0).Microseconds())/1000/float64(n), "cpu-ms/op")
	}
}

// BenchmarkPatchMaxOps: a PATCH of MaxOperations adds, through Decode.
func BenchmarkPatchMaxOps(b *testing.B) {
	body := emailAdds(MaxOperations)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		ops, err := Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		applyAll(b, ops)
	}
}

// Applying n adds costs O(n): 10,000 take about ten times the CPU time of
// 1,000, not a hundred times. The best of five runs each, with a wide margin
// (a ratio under 30); the quadratic engine's ratio was about 100.
func TestPatchLinearInOperations(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	if _, ok := cpuTime(); !ok {
		t.Skip("no CPU time on this platform")
	}
	best := func(n int) time.Duration {
		ops := decodeUncapped(t, emailAdds(n))
		d := time.Duration(1 << 62)
		for range 5 {
			c0, _ := cpuTime()
			applyAll(t, ops)
			c1, _ := cpuTime()
			d = min(d, c1-c0)
		}
		return max(d, 100*time.Microsecond)
	}
	small, large := best(1000), best(10000)
	if ratio := float64(large) / float64(small); ratio > 30 {
		t.Fatalf("1,000 adds %v, 10,000 adds %v of CPU: ratio %.0f, not linear", small, large, ratio)
	}
}

// More than MaxOperations operations is 400 tooMany, before any is applied.
func TestDecodeCapsOperations(t *testing.T) {
	if _, err := Decode(emailAdds(MaxOperations)); err != nil {
		t.Fatalf("%d operations: %v", MaxOperations, err)
	}
	_, err := Decode(emailAdds(MaxOperations + 1))
	se, ok := err.(*scimerr.Error)
	if !ok || se.Status != 400 || se.ScimType != scimerr.TooMany {
		t.Fatalf("%d operations: %v, want 400 tooMany", MaxOperations+1, err)
	}
}
