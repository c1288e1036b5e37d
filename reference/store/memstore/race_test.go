//go:build race

package memstore

// raceEnabled: the race detector slows SQLite (pure Go) down tenfold or more,
// so the SQL-backed tests scale down under it.
const raceEnabled = true
