package steps

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNameList(t *testing.T) {
	require.Equal(t, []string{"alice", "bob", "carol"}, nameList(`"alice", "bob" and "carol"`))
	require.Equal(t, []string{"alice"}, nameList(`"alice"`))
}

func TestExpand(t *testing.T) {
	w := &World{cfg: &Config{}, scope: "pkx-1", users: map[string]*user{}, groups: map[string]*group{}, domain: map[string]string{}}
	w.cfg.init()
	w.users["alice"] = &user{name: "alice", userName: "pkx-1.alice@example.com", id: "42", created: "2026-01-01T00:00:00Z"}
	w.groups["ops"] = &group{name: "ops", displayName: "pkx-1 Ops", id: "g1", externalID: "pkx-1-ops"}
	got, err := w.expand(`userName eq "{alice}" or userName eq "{ALICE}" and id eq "{alice.id}" {scope} {ops} {ops.id} {ops.externalId} {alice.created} {carol.externalId}`)
	require.NoError(t, err)
	require.Equal(t, `userName eq "pkx-1.alice@example.com" or userName eq "PKX-1.ALICE@EXAMPLE.COM" and id eq "42" pkx-1 pkx-1 Ops g1 pkx-1-ops 2026-01-01T00:00:00Z pkx-1-c3`, got)
	// JSON braces are not placeholders
	got, err = w.expand(`[{"op": "add", "value": {"active": false}}]`)
	require.NoError(t, err)
	require.Equal(t, `[{"op": "add", "value": {"active": false}}]`, got)
	_, err = w.expand(`{nobody}`)
	require.Error(t, err)
}

func TestUserBodyIsUniquePerScenario(t *testing.T) {
	a := &World{cfg: &Config{}, scope: "pkx-1", domain: map[string]string{}}
	b := &World{cfg: &Config{}, scope: "pkx-2", domain: map[string]string{}}
	a.cfg.init()
	b.cfg.init()
	require.NotEqual(t, a.userBody("alice")["userName"], b.userBody("alice")["userName"])
	require.Equal(t, "pkx-1-a1", a.userBody("alice")["externalId"])
	_, hasName := a.userBody("dave")["name"]
	require.False(t, hasName)
}
