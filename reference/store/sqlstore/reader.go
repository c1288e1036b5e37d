package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provkit/provkit/reference/directory"
	"github.com/provkit/provkit/reference/store"
)

// execer is what *sql.DB and *sql.Tx have in common that the queries use.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// errTxDone is returned by a Tx used after its Update function returned.
var errTxDone = errors.New("sqlstore: transaction used after its Update function returned")

// reader implements store.Reader, either on the read pool (Store) or inside
// the write transaction (Tx).
type reader struct {
	d    *dialect
	db   *sql.DB      // read pool; nil inside a Tx
	tx   execer       // write transaction (*sql.Tx, or pgTx); nil on the Store
	done *atomic.Bool // inside a Tx: set once the Update function returned

	// Inside a Tx on PostgreSQL: doomed is set when a statement failed with
	// a serialization failure or a deadlock (Update retries the function
	// whatever it returns); inOp is set while atomically runs, whose
	// savepoint covers its statements.
	doomed *atomic.Bool
	inOp   *atomic.Bool

	// writeEnforced (PostgreSQL) says the Tx is a READ COMMITTED attempt of
	// an Update marked store.WithWriteEnforced: CreateUser is its only
	// write (tx.go, createUserRC); any other write dooms the attempt, which
	// runs again at SERIALIZABLE.
	writeEnforced bool
}

// errNotWriteEnforced is the error of a write other than CreateUser in a
// READ COMMITTED attempt: the attempt is doomed and run again at SERIALIZABLE.
var errNotWriteEnforced = errors.New("sqlstore: a write that no constraint enforces alone: run again at SERIALIZABLE")

// conn returns where to run a statement and the context to run it with.
// Inside a Tx the caller's context is checked here and then detached: a
// cancellation interrupting SQLite mid-statement would roll back the whole
// batch's transaction.
func (r *reader) conn(ctx context.Context) (execer, context.Context, error) {
	if r.tx == nil {
		return r.db, ctx, nil
	}
	if r.done.Load() {
		return nil, nil, errTxDone
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return r.tx, context.WithoutCancel(ctx), nil
}

// stmt runs one read statement with run (see write).
func (r *reader) stmt(ctx context.Context, run func() error) error {
	err := run()
	if err != nil && r.tx != nil && r.d.retryable(err) {
		r.doomed.Store(true)
	}
	return err
}

// write runs one write statement with run. Inside a Tx on a dialect whose
// transaction an error aborts, it runs under a savepoint rolled back on
// error, so that a refused write (a unique or foreign key violation) leaves
// the Tx usable, as on SQLite. Reads need none: a read fails only when the
// transaction is lost anyway (a serialization failure), which marks the Tx
// doomed and makes Update retry it.
func (r *reader) write(ctx context.Context, run func() error) error {
	if r.writeEnforced {
		r.doomed.Store(true)
		return errNotWriteEnforced
	}
	if r.tx == nil || !r.d.abortsTx || r.inOp.Load() {
		return r.stmt(ctx, run)
	}
	bg := context.WithoutCancel(ctx)
	if _, err := r.tx.ExecContext(bg, "SAVEPOINT stmt"); err != nil {
		return err
	}
	if err := r.stmt(ctx, run); err != nil {
		if _, rbErr := r.tx.ExecContext(bg, "ROLLBACK TO SAVEPOINT stmt"); rbErr != nil {
			return errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rbErr))
		}
		_, _ = r.tx.ExecContext(bg, "RELEASE SAVEPOINT stmt")
		return err
	}
	_, err := r.tx.ExecContext(bg, "RELEASE SAVEPOINT stmt")
	return err
}

// snapshot runs fn on one consistent snapshot: the Tx itself, or a read-only
// transaction of the read pool.
func (r *reader) snapshot(ctx context.Context, fn func(ctx context.Context, ex execer) error) error {
	if r.tx != nil {
		ex, ctx, err := r.conn(ctx)
		if err != nil {
			return err
		}
		return r.stmt(ctx, func() error { return fn(ctx, ex) })
	}
	tx, err := r.db.BeginTx(ctx, r.d.readTx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	return fn(ctx, tx)
}

// fail wraps err with op and the sentinel it stands for.
func (r *reader) fail(op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlstore: %s: %w", op, store.ErrNotFound)
	}
	if sentinel := r.d.classify(err); sentinel != nil {
		return fmt.Errorf("sqlstore: %s: %w: %w", op, sentinel, err)
	}
	return fmt.Errorf("sqlstore: %s: %w", op, err)
}

// one runs a query expected to return at most one row and scans it with
// scan; no row is sql.ErrNoRows.
func (r *reader) one(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	ex, ctx, err := r.conn(ctx)
	if err != nil {
		return err
	}
	return r.stmt(ctx, func() error { return queryOne(ctx, ex, r.d.q(query), args, scan) })
}

// oneWrite is one for a write statement that returns a row (INSERT ... RETURNING).
func (r *reader) oneWrite(ctx context.Context, query string, args []any, scan func(*sql.Rows) error) error {
	ex, ctx, err := r.conn(ctx)
	if err != nil {
		return err
	}
	return r.write(ctx, func() error { return queryOne(ctx, ex, r.d.q(query), args, scan) })
}

func queryOne(ctx context.Context, ex execer, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := ex.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Close()
}

// all runs a query and scans every row with scan.
func all[T any](ctx context.Context, r *reader, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	ex, ctx, err := r.conn(ctx)
	if err != nil {
		return nil, err
	}
	var out []T
	err = r.stmt(ctx, func() (err error) { out, err = queryAll(ctx, ex, r.d.q(query), args, scan); return err })
	return out, err
}

func queryAll[T any](ctx context.Context, ex execer, query string, args []any, scan func(*sql.Rows) (T, error)) ([]T, error) {
	rows, err := ex.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// fold is the case-insensitive key of s, as stored in the *_key columns.
func fold(s string) string { return strings.ToLower(s) }

// formatTime is the stored form of t: RFC 3339 in UTC with nanoseconds.
func formatTime(t time.Time) (string, error) {
	u := t.UTC()
	if y := u.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("time %s is outside years 0-9999", t)
	}
	return u.Format(time.RFC3339Nano), nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// Column lists, in the order the scan functions read them.
const (
	enterpriseCols = `id, name, seats, seats_used, root_node_id, created`
	nodeCols       = `id, enterprise_id, COALESCE(parent_id, 0), name, default_role_id, settings`
	roleCols       = `id, enterprise_id, node_id, name`
	domainCols     = `name, enterprise_id`
	endpointCols   = `node_id, enterprise_id, token_hash, status, unique_group_names, created, rotated`
	userCols       = `id, enterprise_id, node_id, role_id, email, user_name, given_name, family_name, display_name, external_id, emails, status, locked, version, created, modified, extra`
	teamCols       = `id, enterprise_id, node_id, display_name, external_id, status, version, created, modified`
)

func scanEnterprise(rows *sql.Rows) (directory.Enterprise, error) {
	var e directory.Enterprise
	var created string
	if err := rows.Scan(&e.ID, &e.Name, &e.Seats, &e.SeatsUsed, &e.RootNode, &created); err != nil {
		return e, err
	}
	var err error
	e.Created, err = parseTime(created)
	return e, err
}

func scanNode(rows *sql.Rows) (directory.Node, error) {
	var n directory.Node
	var settings string
	if err := rows.Scan(&n.ID, &n.EnterpriseID, &n.ParentID, &n.Name, &n.DefaultRoleID, &settings); err != nil {
		return n, err
	}
	if err := json.Unmarshal([]byte(settings), &n.Settings); err != nil {
		return n, fmt.Errorf("node %d settings: %w", n.ID, err)
	}
	return n, nil
}

func scanRole(rows *sql.Rows) (directory.Role, error) {
	var r directory.Role
	err := rows.Scan(&r.ID, &r.EnterpriseID, &r.NodeID, &r.Name)
	return r, err
}

func scanDomain(rows *sql.Rows) (directory.Domain, error) {
	var d directory.Domain
	err := rows.Scan(&d.Name, &d.EnterpriseID)
	return d, err
}

func scanEndpoint(rows *sql.Rows) (directory.Endpoint, error) {
	var e directory.Endpoint
	var status, created, rotated string
	if err := rows.Scan(&e.NodeID, &e.EnterpriseID, &e.TokenHash, &status, &e.UniqueGroupNames, &created, &rotated); err != nil {
		return e, err
	}
	e.Status = directory.EndpointStatus(status)
	var err error
	if e.Created, err = parseTime(created); err != nil {
		return e, err
	}
	e.Rotated, err = parseTime(rotated)
	return e, err
}

// rowScanner is *sql.Rows, or a wrapper that scans extra columns.
type rowScanner interface{ Scan(dest ...any) error }

// withTotal scans a row of a page query that ends with the total count.
type withTotal struct {
	rows  *sql.Rows
	total *int
}

func (w withTotal) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.total)...) }

func scanUser(rows rowScanner) (directory.User, error) {
	var u directory.User
	var emails, status, created, modified string
	if err := rows.Scan(&u.ID, &u.EnterpriseID, &u.NodeID, &u.RoleID, &u.Email, &u.UserName, &u.GivenName,
		&u.FamilyName, &u.DisplayName, &u.ExternalID, &emails, &status, &u.Locked, &u.Version, &created, &modified, &u.Extra); err != nil {
		return u, err
	}
	u.Status = directory.UserStatus(status)
	if err := json.Unmarshal([]byte(emails), &u.Emails); err != nil {
		return u, fmt.Errorf("user %d emails: %w", u.ID, err)
	}
	var err error
	if u.Created, err = parseTime(created); err != nil {
		return u, err
	}
	u.Modified, err = parseTime(modified)
	return u, err
}

func scanTeam(rows rowScanner) (directory.Team, error) {
	var t directory.Team
	var status, created, modified string
	if err := rows.Scan(&t.ID, &t.EnterpriseID, &t.NodeID, &t.DisplayName, &t.ExternalID, &status, &t.Version, &created, &modified); err != nil {
		return t, err
	}
	t.Status = directory.TeamStatus(status)
	var err error
	if t.Created, err = parseTime(created); err != nil {
		return t, err
	}
	t.Modified, err = parseTime(modified)
	return t, err
}

func scanMembership(rows *sql.Rows) (directory.Membership, error) {
	var m directory.Membership
	var status string
	err := rows.Scan(&m.TeamID, &m.UserID, &status)
	m.Status = directory.MembershipStatus(status)
	return m, err
}

// Reader queries. Each is an index lookup or an index range scan in the
// order asked (TestQueryPlans checks them against SQLite's planner).
const (
	qGetEnterprise   = `SELECT ` + enterpriseCols + ` FROM enterprises WHERE id = ?`
	qListEnterprises = `SELECT ` + enterpriseCols + ` FROM enterprises ORDER BY id`
	// PostgreSQL: the seats in use are the count less the pools' free seats (seats.go).
	pgEnterpriseCols   = `id, name, seats, seats_used - COALESCE((SELECT CAST(SUM(free) AS BIGINT) FROM seat_pools p WHERE p.enterprise_id = enterprises.id), 0), root_node_id, created`
	qGetEnterprisePG   = `SELECT ` + pgEnterpriseCols + ` FROM enterprises WHERE id = ?`
	qListEnterprisesPG = `SELECT ` + pgEnterpriseCols + ` FROM enterprises ORDER BY id`
	qGetNode           = `SELECT ` + nodeCols + ` FROM nodes WHERE id = ?`
	qListNodes         = `SELECT ` + nodeCols + ` FROM nodes WHERE enterprise_id = ? ORDER BY id`
	qGetRole           = `SELECT ` + roleCols + ` FROM roles WHERE id = ?`
	qListRoles         = `SELECT ` + roleCols + ` FROM roles WHERE enterprise_id = ? ORDER BY id`
	qGetDomain         = `SELECT ` + domainCols + ` FROM domains WHERE name_key = ?`
	qListDomains       = `SELECT ` + domainCols + ` FROM domains WHERE enterprise_id = ? ORDER BY name_key`
	qGetEndpoint       = `SELECT ` + endpointCols + ` FROM endpoints WHERE node_id = ?`
	qListEndpoints     = `SELECT ` + endpointCols + ` FROM endpoints WHERE enterprise_id = ? ORDER BY node_id`
	qListAllEndpoints  = `SELECT ` + endpointCols + ` FROM endpoints ORDER BY node_id`
	qGetUser           = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	qGetUserByEmail    = `SELECT ` + userCols + ` FROM users WHERE email_key = ?`
	qGetTeam           = `SELECT ` + teamCols + ` FROM teams WHERE id = ?`
	qGetMembership     = `SELECT team_id, user_id, status FROM memberships WHERE team_id = ? AND user_id = ?`
	qTeamMembers       = `SELECT m.user_id, u.email, m.status FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = ? ORDER BY m.user_id`
	qUserTeams = `SELECT m.team_id, t.display_name, t.node_id, m.status FROM memberships m JOIN teams t ON t.id = m.team_id
		WHERE m.user_id = ? ORDER BY m.team_id`
	// qTeamsMembers is qTeamMembers for a set of teams (see qUsersTeams).
	qTeamsMembersSQLite = `SELECT m.team_id, m.user_id, u.email, m.status FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.team_id IN (SELECT value FROM json_each(?)) ORDER BY m.team_id, m.user_id`
	qTeamsMembersPostgres = `SELECT m.team_id, m.user_id, u.email, m.status FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = ANY(?::text[]) ORDER BY m.team_id, m.user_id`
	// qUsersTeams is qUserTeams for a set of users: the ? is a JSON array
	// of IDs on SQLite, a bigint[] on PostgreSQL (see usersTeamsQuery).
	qUsersTeamsSQLite = `SELECT m.user_id, m.team_id, t.display_name, t.node_id, m.status FROM memberships m
		JOIN teams t ON t.id = m.team_id
		WHERE m.user_id IN (SELECT value FROM json_each(?)) ORDER BY m.user_id, m.team_id`
	qUsersTeamsPostgres = `SELECT m.user_id, m.team_id, t.display_name, t.node_id, m.status FROM memberships m
		JOIN teams t ON t.id = m.team_id
		WHERE m.user_id = ANY(?::bigint[]) ORDER BY m.user_id, m.team_id`
	// The pending status is a literal so that SQLite uses the partial indexes.
	qPendingTeams = `SELECT ` + teamCols + ` FROM teams WHERE enterprise_id = ? AND status = '` +
		string(directory.TeamPending) + `' ORDER BY id`
	qPendingMemberships = `SELECT team_id, user_id, status FROM memberships WHERE enterprise_id = ? AND status = '` +
		string(directory.MembershipPending) + `' ORDER BY team_id, user_id`
)

// GetEnterprise returns the enterprise id, or store.ErrNotFound.
func (r *reader) GetEnterprise(ctx context.Context, id int64) (directory.Enterprise, error) {
	var e directory.Enterprise
	query := qGetEnterprise
	if r.d.concurrent {
		query = qGetEnterprisePG
	}
	err := r.one(ctx, query, []any{id}, func(rows *sql.Rows) (err error) { e, err = scanEnterprise(rows); return err })
	if err != nil {
		return directory.Enterprise{}, r.fail(fmt.Sprintf("get enterprise %d", id), err)
	}
	return e, nil
}

// ListEnterprises returns every enterprise, by ID.
func (r *reader) ListEnterprises(ctx context.Context) ([]directory.Enterprise, error) {
	query := qListEnterprises
	if r.d.concurrent {
		query = qListEnterprisesPG
	}
	es, err := all(ctx, r, query, nil, scanEnterprise)
	if err != nil {
		return nil, r.fail("list enterprises", err)
	}
	return es, nil
}

// GetNode returns the node id, or store.ErrNotFound.
func (r *reader) GetNode(ctx context.Context, id int64) (directory.Node, error) {
	var n directory.Node
	err := r.one(ctx, qGetNode, []any{id}, func(rows *sql.Rows) (err error) { n, err = scanNode(rows); return err })
	if err != nil {
		return directory.Node{}, r.fail(fmt.Sprintf("get node %d", id), err)
	}
	return n, nil
}

// ListNodes returns the nodes of an enterprise, by ID.
func (r *reader) ListNodes(ctx context.Context, enterpriseID int64) ([]directory.Node, error) {
	ns, err := all(ctx, r, qListNodes, []any{enterpriseID}, scanNode)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("list nodes of enterprise %d", enterpriseID), err)
	}
	return ns, nil
}

// GetRole returns the role id, or store.ErrNotFound.
func (r *reader) GetRole(ctx context.Context, id int64) (directory.Role, error) {
	var ro directory.Role
	err := r.one(ctx, qGetRole, []any{id}, func(rows *sql.Rows) (err error) { ro, err = scanRole(rows); return err })
	if err != nil {
		return directory.Role{}, r.fail(fmt.Sprintf("get role %d", id), err)
	}
	return ro, nil
}

// ListRoles returns the roles of an enterprise, by ID.
func (r *reader) ListRoles(ctx context.Context, enterpriseID int64) ([]directory.Role, error) {
	rs, err := all(ctx, r, qListRoles, []any{enterpriseID}, scanRole)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("list roles of enterprise %d", enterpriseID), err)
	}
	return rs, nil
}

// GetDomain returns the reserved domain name (case-insensitive), or
// store.ErrNotFound.
func (r *reader) GetDomain(ctx context.Context, name string) (directory.Domain, error) {
	var d directory.Domain
	err := r.one(ctx, qGetDomain, []any{fold(name)}, func(rows *sql.Rows) (err error) { d, err = scanDomain(rows); return err })
	if err != nil {
		return directory.Domain{}, r.fail(fmt.Sprintf("get domain %q", name), err)
	}
	return d, nil
}

// ListDomains returns the domains an enterprise reserved, by lower-cased name.
func (r *reader) ListDomains(ctx context.Context, enterpriseID int64) ([]directory.Domain, error) {
	ds, err := all(ctx, r, qListDomains, []any{enterpriseID}, scanDomain)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("list domains of enterprise %d", enterpriseID), err)
	}
	return ds, nil
}

// GetEndpoint returns the SCIM endpoint of a node, or store.ErrNotFound.
func (r *reader) GetEndpoint(ctx context.Context, nodeID int64) (directory.Endpoint, error) {
	var e directory.Endpoint
	err := r.one(ctx, qGetEndpoint, []any{nodeID}, func(rows *sql.Rows) (err error) { e, err = scanEndpoint(rows); return err })
	if err != nil {
		return directory.Endpoint{}, r.fail(fmt.Sprintf("get endpoint of node %d", nodeID), err)
	}
	return e, nil
}

// ListEndpoints returns the endpoints of an enterprise (every endpoint when
// enterpriseID is 0), by node ID.
func (r *reader) ListEndpoints(ctx context.Context, enterpriseID int64) ([]directory.Endpoint, error) {
	query, args := qListEndpoints, []any{enterpriseID}
	if enterpriseID == 0 {
		query, args = qListAllEndpoints, nil
	}
	es, err := all(ctx, r, query, args, scanEndpoint)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("list endpoints of enterprise %d", enterpriseID), err)
	}
	return es, nil
}

// GetUser returns the user id, or store.ErrNotFound.
func (r *reader) GetUser(ctx context.Context, id int64) (directory.User, error) {
	var u directory.User
	err := r.one(ctx, qGetUser, []any{id}, func(rows *sql.Rows) (err error) { u, err = scanUser(rows); return err })
	if err != nil {
		return directory.User{}, r.fail(fmt.Sprintf("get user %d", id), err)
	}
	return u, nil
}

// GetUserByEmail returns the user whose Email is email (case-insensitive),
// or store.ErrNotFound.
func (r *reader) GetUserByEmail(ctx context.Context, email string) (directory.User, error) {
	var u directory.User
	err := r.one(ctx, qGetUserByEmail, []any{fold(email)}, func(rows *sql.Rows) (err error) { u, err = scanUser(rows); return err })
	if err != nil {
		return directory.User{}, r.fail(fmt.Sprintf("get user by email %q", email), err)
	}
	return u, nil
}

// userFilter is the WHERE clause and its arguments for q.
func userFilter(q store.UserQuery) (string, []any, error) {
	if q.Op != store.TextEq && q.Field != store.UserByUserName {
		return "", nil, fmt.Errorf("text comparison %q on user field %q", q.Op, q.Field)
	}
	switch q.Field {
	case store.UserAll:
		return `node_id = ?`, []any{q.NodeID}, nil
	case store.UserByUserName:
		// user_name_key is strings.ToLower(user_name): LIKE on it with a
		// pattern lower-cased the same way is the SCIM comparison exactly.
		switch q.Op {
		case store.TextEq:
			return `node_id = ? AND user_name_key = ?`, []any{q.NodeID, fold(q.Value)}, nil
		case store.TextPrefix:
			return `node_id = ? AND user_name_key LIKE ? ESCAPE '\'`, []any{q.NodeID, likeEscape(fold(q.Value)) + "%"}, nil
		case store.TextSuffix:
			return `node_id = ? AND user_name_key LIKE ? ESCAPE '\'`, []any{q.NodeID, "%" + likeEscape(fold(q.Value))}, nil
		case store.TextContains:
			return `node_id = ? AND user_name_key LIKE ? ESCAPE '\'`, []any{q.NodeID, "%" + likeEscape(fold(q.Value)) + "%"}, nil
		}
		return "", nil, fmt.Errorf("unknown text comparison %q", q.Op)
	case store.UserByEmail:
		return `node_id = ? AND email_key = ?`, []any{q.NodeID, fold(q.Value)}, nil
	case store.UserByExternal:
		return `node_id = ? AND external_id = ?`, []any{q.NodeID, q.Value}, nil
	}
	return "", nil, fmt.Errorf("unknown user field %q", q.Field)
}

// likeEscape escapes LIKE's wildcards and its escape character (\\) in s.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace

// teamFilter is the WHERE clause and its arguments for q.
func teamFilter(q store.TeamQuery) (string, []any, error) {
	switch q.Field {
	case store.TeamAll:
		return `node_id = ?`, []any{q.NodeID}, nil
	case store.TeamByDisplayName:
		return `node_id = ? AND display_name_key = ?`, []any{q.NodeID, fold(q.Value)}, nil
	case store.TeamByExternal:
		return `node_id = ? AND external_id = ?`, []any{q.NodeID, q.Value}, nil
	}
	return "", nil, fmt.Errorf("unknown team field %q", q.Field)
}

// page counts the rows of table matching where, then reads the page
// [offset, offset+limit) of them by id, both on one snapshot.
func page[T any](ctx context.Context, r *reader, table, cols, where string, args []any, offset, limit int,
	scan func(rowScanner) (T, error)) (items []T, total int, err error) {
	offset = max(offset, 0)
	var lim any = r.d.noLimit
	if limit > 0 {
		lim = limit
	}
	if r.d.concurrent && r.tx == nil {
		// PostgreSQL, outside a Tx: the count and the page in one statement
		// (one snapshot, one round trip), the offset skipped in the index
		// alone (an index-only scan of (node_id, ..., id)). An empty page
		// says nothing of the count: then the general path below.
		q := r.d.q(`WITH c AS (SELECT COUNT(*) AS n FROM ` + table + ` WHERE ` + where + `)
			SELECT ` + cols + `, c.n FROM ` + table + `, c WHERE id IN (SELECT id FROM ` + table + ` WHERE ` + where +
			` ORDER BY id LIMIT ? OFFSET ?) ORDER BY id`)
		qargs := append(append(append([]any{}, args...), args...), lim, offset)
		items, err = queryAll(ctx, r.db, q, qargs, func(rows *sql.Rows) (T, error) { return scan(withTotal{rows, &total}) })
		if err != nil || len(items) > 0 {
			return items, total, err
		}
		total = 0
	}
	err = r.snapshot(ctx, func(ctx context.Context, ex execer) error {
		countQ := r.d.q(`SELECT COUNT(*) FROM ` + table + ` WHERE ` + where)
		err := queryOne(ctx, ex, countQ, args, func(rows *sql.Rows) error { return rows.Scan(&total) })
		if err != nil || total <= offset {
			return err
		}
		pageQ := r.d.q(`SELECT ` + cols + ` FROM ` + table + ` WHERE ` + where + ` ORDER BY id LIMIT ? OFFSET ?`)
		if r.d.concurrent && offset > 0 {
			// PostgreSQL: skip the offset in the index alone (an index-only
			// scan of (node_id, ..., id)), then read the page's rows.
			pageQ = r.d.q(`SELECT ` + cols + ` FROM ` + table + ` WHERE id IN (SELECT id FROM ` + table + ` WHERE ` + where +
				` ORDER BY id LIMIT ? OFFSET ?) ORDER BY id`)
		}
		items, err = queryAll(ctx, ex, pageQ, append(args[:len(args):len(args)], lim, offset),
			func(rows *sql.Rows) (T, error) { return scan(rows) })
		return err
	})
	return items, total, err
}

// FindUsers returns one page of the users of q.NodeID matching q, by ID,
// and the number of all matches. UserByEmail matches the Keeper identity
// (User.Email), not the other addresses in User.Emails.
func (r *reader) FindUsers(ctx context.Context, q store.UserQuery) ([]directory.User, int, error) {
	op := fmt.Sprintf("find users of node %d by %q", q.NodeID, q.Field)
	where, args, err := userFilter(q)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	users, total, err := page(ctx, r, "users", userCols, where, args, q.Offset, q.Limit, scanUser)
	if err != nil {
		return nil, 0, r.fail(op, err)
	}
	return users, total, nil
}

// GetTeam returns the team id, or store.ErrNotFound.
func (r *reader) GetTeam(ctx context.Context, id string) (directory.Team, error) {
	var t directory.Team
	err := r.one(ctx, qGetTeam, []any{id}, func(rows *sql.Rows) (err error) { t, err = scanTeam(rows); return err })
	if err != nil {
		return directory.Team{}, r.fail(fmt.Sprintf("get team %q", id), err)
	}
	return t, nil
}

// FindTeams returns one page of the teams of q.NodeID matching q, by ID, and
// the number of all matches.
func (r *reader) FindTeams(ctx context.Context, q store.TeamQuery) ([]directory.Team, int, error) {
	op := fmt.Sprintf("find teams of node %d by %q", q.NodeID, q.Field)
	where, args, err := teamFilter(q)
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: %s: %w", op, err)
	}
	teams, total, err := page(ctx, r, "teams", teamCols, where, args, q.Offset, q.Limit, scanTeam)
	if err != nil {
		return nil, 0, r.fail(op, err)
	}
	return teams, total, nil
}

// GetMembership returns the membership of userID in teamID, or
// store.ErrNotFound.
func (r *reader) GetMembership(ctx context.Context, teamID string, userID int64) (directory.Membership, error) {
	var m directory.Membership
	err := r.one(ctx, qGetMembership, []any{teamID, userID}, func(rows *sql.Rows) (err error) { m, err = scanMembership(rows); return err })
	if err != nil {
		return directory.Membership{}, r.fail(fmt.Sprintf("get membership of user %d in team %q", userID, teamID), err)
	}
	return m, nil
}

// TeamMembers returns the members of a team, by user ID (none for a
// missing team).
func (r *reader) TeamMembers(ctx context.Context, teamID string) ([]store.Member, error) {
	ms, err := all(ctx, r, qTeamMembers, []any{teamID}, func(rows *sql.Rows) (store.Member, error) {
		var m store.Member
		var status string
		err := rows.Scan(&m.UserID, &m.Email, &status)
		m.Status = directory.MembershipStatus(status)
		return m, err
	})
	if err != nil {
		return nil, r.fail(fmt.Sprintf("members of team %q", teamID), err)
	}
	return ms, nil
}

// UserTeams returns the teams a user belongs to, by team ID (none for a
// missing user).
func (r *reader) UserTeams(ctx context.Context, userID int64) ([]store.UserTeam, error) {
	ts, err := all(ctx, r, qUserTeams, []any{userID}, func(rows *sql.Rows) (store.UserTeam, error) {
		var t store.UserTeam
		var status string
		err := rows.Scan(&t.TeamID, &t.DisplayName, &t.NodeID, &status)
		t.Status = directory.MembershipStatus(status)
		return t, err
	})
	if err != nil {
		return nil, r.fail(fmt.Sprintf("teams of user %d", userID), err)
	}
	return ts, nil
}

// TeamsMembers returns the members of each of teamIDs, each list by user
// ID, in one query whatever the number of teams.
func (r *reader) TeamsMembers(ctx context.Context, teamIDs []string) (map[string][]store.Member, error) {
	out := make(map[string][]store.Member)
	if len(teamIDs) == 0 {
		return out, nil
	}
	query, arg := qTeamsMembersPostgres, any(teamIDs)
	if r.d.name == "sqlite" {
		b, err := json.Marshal(teamIDs)
		if err != nil {
			return nil, err
		}
		query, arg = qTeamsMembersSQLite, string(b)
	}
	type row struct {
		tid string
		m   store.Member
	}
	rs, err := all(ctx, r, query, []any{arg}, func(rows *sql.Rows) (row, error) {
		var x row
		var status string
		err := rows.Scan(&x.tid, &x.m.UserID, &x.m.Email, &status)
		x.m.Status = directory.MembershipStatus(status)
		return x, err
	})
	if err != nil {
		return nil, r.fail(fmt.Sprintf("members of %d teams", len(teamIDs)), err)
	}
	for _, x := range rs {
		out[x.tid] = append(out[x.tid], x.m)
	}
	return out, nil
}

// UsersTeams returns the teams of each of userIDs, each list by team ID,
// in one query whatever the number of users.
func (r *reader) UsersTeams(ctx context.Context, userIDs []int64) (map[int64][]store.UserTeam, error) {
	out := make(map[int64][]store.UserTeam)
	if len(userIDs) == 0 {
		return out, nil
	}
	query, arg := qUsersTeamsPostgres, any(userIDs)
	if r.d.name == "sqlite" {
		b, err := json.Marshal(userIDs)
		if err != nil {
			return nil, err
		}
		query, arg = qUsersTeamsSQLite, string(b)
	}
	type row struct {
		uid int64
		t   store.UserTeam
	}
	rs, err := all(ctx, r, query, []any{arg}, func(rows *sql.Rows) (row, error) {
		var x row
		var status string
		err := rows.Scan(&x.uid, &x.t.TeamID, &x.t.DisplayName, &x.t.NodeID, &status)
		x.t.Status = directory.MembershipStatus(status)
		return x, err
	})
	if err != nil {
		return nil, r.fail(fmt.Sprintf("teams of %d users", len(userIDs)), err)
	}
	for _, x := range rs {
		out[x.uid] = append(out[x.uid], x.t)
	}
	return out, nil
}

// PendingTeams returns the pending teams of an enterprise, by ID.
func (r *reader) PendingTeams(ctx context.Context, enterpriseID int64) ([]directory.Team, error) {
	ts, err := all(ctx, r, qPendingTeams, []any{enterpriseID}, func(rows *sql.Rows) (directory.Team, error) { return scanTeam(rows) })
	if err != nil {
		return nil, r.fail(fmt.Sprintf("pending teams of enterprise %d", enterpriseID), err)
	}
	return ts, nil
}

// PendingMemberships returns the pending memberships of the teams of an
// enterprise, by team ID then user ID.
func (r *reader) PendingMemberships(ctx context.Context, enterpriseID int64) ([]directory.Membership, error) {
	ms, err := all(ctx, r, qPendingMemberships, []any{enterpriseID}, scanMembership)
	if err != nil {
		return nil, r.fail(fmt.Sprintf("pending memberships of enterprise %d", enterpriseID), err)
	}
	return ms, nil
}
