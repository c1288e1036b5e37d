// Package mytests is an example of a module of one's own that runs its own
// feature files with provkit's public step definitions (steps.Register)
// against a SCIM endpoint given by PROVKIT_TARGET and PROVKIT_TOKEN.
//
//	PROVKIT_TARGET=https://scim.example.com/scim/v2 PROVKIT_TOKEN=... go test ./...
package mytests

import (
	"os"
	"testing"

	"github.com/cucumber/godog"

	"github.com/provkit/provkit/steps"
)

func TestFeatures(t *testing.T) {
	target, token := os.Getenv("PROVKIT_TARGET"), os.Getenv("PROVKIT_TOKEN")
	if target == "" || token == "" {
		t.Fatal("set PROVKIT_TARGET (a SCIM base URL) and PROVKIT_TOKEN (its bearer token)")
	}
	cfg := &steps.Config{Target: steps.Endpoint{URL: target, Token: token}}
	suite := godog.TestSuite{
		Name:                "my-scim-tests",
		ScenarioInitializer: func(sc *godog.ScenarioContext) { steps.Register(sc, cfg) },
		Options: &godog.Options{Format: "pretty", Paths: []string{"features"}, Strict: true, NoColors: true,
			TestingT: t},
	}
	if suite.Run() != 0 {
		t.Fatal("a scenario failed")
	}
}
