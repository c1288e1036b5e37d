package provkit_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/internal/harness"
	"github.com/provkit/provkit/steps"
)

// correctVariants change the reference's answers in ways the standards allow:
// a server answering like this is still correct, so the whole suite must
// still pass against it (no false failures).
var correctVariants = map[string]func(http.Handler) http.Handler{
	// relative Location, meta.location and $ref (RFC 7231 §7.1.2, RFC 7643 §2.3.7)
	"relative-locations": relativeLocations,
}

// TestCorrectVariantsStillPass: both profiles pass against each correct
// variant of the reference.
func TestCorrectVariantsStillPass(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for name, wrap := range correctVariants {
		for _, profile := range []string{"keeper", "rfc7644"} {
			t.Run(name+"/"+profile, func(t *testing.T) {
				t.Parallel()
				tg := startReference(t, nil, wrap)
				cfg := tg.cfg
				cfg.Profile = profile
				res, err := harness.Run(context.Background(), cfg)
				require.NoError(t, err)
				require.NotEmpty(t, res.Scenarios)
				var failed []string
				for _, s := range res.Scenarios {
					if _, known := knownGaps[profile+"/"+s.Name]; s.Status == steps.Failed && !known {
						failed = append(failed, fmt.Sprintf("%s (%s:%d): %s", s.Name, s.URI, s.Line, s.Reason))
					}
				}
				require.Empty(t, failed, "a correct server (%s) fails these scenarios", name)
			})
		}
	}
}
