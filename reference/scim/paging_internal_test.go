package scim

import (
	"net/http/httptest"
	"testing"

	"github.com/provkit/provkit/reference/scim/schema"
	"github.com/provkit/provkit/reference/scim/scimerr"
)

func TestPagingParameters(t *testing.T) {
	a := &API{opt: Options{MaxResults: 1000}}
	cases := []struct {
		query       string
		faults      Faults
		start, cnt  int
		n           int // matches
		lo, hi      int // page bounds
		errScimType string
	}{
		{query: "", start: 1, cnt: 1000, n: 1005, lo: 0, hi: 1000},
		{query: "startIndex=1001", start: 1001, cnt: 1000, n: 1005, lo: 1000, hi: 1005},
		{query: "startIndex=0&count=3", start: 1, cnt: 3, n: 10, lo: 0, hi: 3},
		{query: "startIndex=-7&count=3", start: 1, cnt: 3, n: 10, lo: 0, hi: 3},
		{query: "count=5000", start: 1, cnt: 1000, n: 5000, lo: 0, hi: 1000},
		{query: "count=0", start: 1, cnt: 0, n: 10, lo: 0, hi: 0},
		{query: "count=-1", start: 1, cnt: 0, n: 10, lo: 0, hi: 0},
		{query: "startIndex=11", start: 11, cnt: 1000, n: 10, lo: 10, hi: 10},
		{query: "startIndex=99001&count=1000", start: 99001, cnt: 1000, n: 100000, lo: 99000, hi: 100000},
		{query: "STARTINDEX=5&Count=2", start: 5, cnt: 2, n: 10, lo: 4, hi: 6},
		{query: "startIndex=x", errScimType: scimerr.InvalidValue},
		{query: "count=1.5", errScimType: scimerr.InvalidValue},
		{query: "sortOrder=sideways", errScimType: scimerr.InvalidValue},
		{query: "sortBy=shoeSize", errScimType: scimerr.InvalidValue},
		{query: "filter=userName%20eq", errScimType: scimerr.InvalidFilter},
		// the faults bend exactly these rules
		{query: "", faults: Faults{FaultPageCap}, start: 1, cnt: 2000, n: 5000, lo: 0, hi: 2000},
		{query: "startIndex=1&count=2", faults: Faults{FaultStartIndexZeroBased}, start: 2, cnt: 2, n: 10, lo: 1, hi: 3},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/Users?"+c.query, nil)
			v, err := parseQuery(r.URL.RawQuery, false)
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.parseList(&request{r: r, query: v, faults: c.faults}, schema.UserType)
			if c.errScimType != "" {
				se, ok := err.(*scimerr.Error)
				if !ok || se.ScimType != c.errScimType || se.Status != 400 {
					t.Fatalf("error %v, want 400 %s", err, c.errScimType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.startIndex != c.start || p.count != c.cnt {
				t.Fatalf("startIndex %d count %d, want %d %d", p.startIndex, p.count, c.start, c.cnt)
			}
			if lo, hi := p.page(c.n); lo != c.lo || hi != c.hi {
				t.Fatalf("page(%d) = %d..%d, want %d..%d", c.n, lo, hi, c.lo, c.hi)
			}
		})
	}
}
