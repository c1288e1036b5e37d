package scimclient

import (
	"strings"
	"testing"
)

func TestShortenRuns(t *testing.T) {
	long := strings.Repeat("QUJD", 60) + "=="
	for in, want := range map[string]string{
		"SAMLResponse=" + long + "&RelayState=x":              "SAMLResponse=" + long[:40] + "…(+202)&RelayState=x",
		"short=" + long[:100]:                                 "short=" + long[:100],
		`value="` + strings.Repeat("ab&#43;", 100) + `&#61;"`: `value="` + strings.Repeat("ab&#43;", 5) + "ab" + "…(+668)" + `"`,
	} {
		if got := shortenRuns(in); got != want {
			t.Errorf("shortenRuns(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}
