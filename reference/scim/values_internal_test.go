package scim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/provkit/provkit/reference/scim/schema"
)

func TestDedupeMultiValued(t *testing.T) {
	m := map[string]any{
		"emails": []any{
			map[string]any{"value": "b@example.com", "type": "work"},
			map[string]any{"value": "B@Example.com", "type": "Work", "primary": true}, // same pair: merged, primary kept
			map[string]any{"value": "b@example.com", "type": "home"},                  // another type: kept
		},
		"x509Certificates": []any{ // caseExact values: a case variant is another value
			map[string]any{"value": "QUJD"},
			map[string]any{"value": "qujd"},
			map[string]any{"value": "QUJD"},
		},
	}
	dedupeMultiValued(schema.UserType, m, false)
	require.Equal(t, []any{
		map[string]any{"value": "b@example.com", "type": "work", "primary": true},
		map[string]any{"value": "b@example.com", "type": "home"},
	}, m["emails"])
	require.Equal(t, []any{map[string]any{"value": "QUJD"}, map[string]any{"value": "qujd"}}, m["x509Certificates"])
}
