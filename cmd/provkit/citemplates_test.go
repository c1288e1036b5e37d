package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// TestCITemplates: the documented CI jobs are valid YAML, build provkit from a
// pinned commit (the module has no release tags, so "@latest" cannot
// resolve), and pass the target as a flag, so an unset variable is refused
// (TestTestCommandMissingTargetInCI) instead of testing the bundled reference.
func TestCITemplates(t *testing.T) {
	files, err := filepath.Glob("../../docs/ci/*.yml")
	require.NoError(t, err)
	require.Len(t, files, 2)
	invocation := regexp.MustCompile(`provkit"? test\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, yaml.Unmarshal(b, &doc), f)
		text := string(b)
		require.NotContains(t, text, "@latest", f)
		require.Contains(t, text, "PROVKIT_COMMIT", f)
		require.Contains(t, text, "go build", f)
		require.NotContains(t, text, "PROVKIT_TARGET:", "%s: the target goes in --target, where an empty value is refused", f)
		n := 0
		for _, line := range strings.Split(text, "\n") {
			if invocation.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "#") {
				n++
				require.Contains(t, line, `--target "`, "%s: %s", f, line)
			}
		}
		require.Equal(t, 1, n, "%s: one provkit test run", f)
	}
}
