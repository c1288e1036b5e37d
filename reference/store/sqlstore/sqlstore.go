// Package sqlstore is the SQL backend of the reference server's store: the
// store.Store contract on SQLite (modernc.org/sqlite, pure Go) and, through
// the same portable queries and a small dialect, on PostgreSQL.
//
// # Connections
//
// Open("path/to/db") or Open("file:...") opens SQLite in WAL mode with
// synchronous=FULL (a commit returns only after its fsync), a busy timeout
// and foreign keys on. Writes go through one dedicated connection; Store's
// Reader methods use a separate pool of read-only connections, which WAL lets
// read concurrently with the writer and with each other. An in-memory SQLite
// database is refused: the reader pool needs a file the connections share.
//
// Open("postgres://...") opens PostgreSQL through pgx's database/sql driver
// (github.com/jackc/pgx/v5/stdlib), with two pools of connections: one for
// Update transactions, one for the Store's reads.
//
// The schema is a list of embedded migrations per dialect, applied in order at
// Open and recorded in the schema_migrations table.
//
// # Group commit
//
// Update queues its function for a single writer goroutine. The writer takes
// every queued function (at most MaxBatch), opens one transaction, runs each
// function inside its own SAVEPOINT, commits once and answers every caller:
// one fsync acknowledges the whole batch. A function that fails (or panics)
// is rolled back to its savepoint alone; its caller gets its error and the
// other functions of the batch commit. If the commit fails, every function
// whose writes it held gets the commit error. AfterCommit callbacks run after
// the commit, in the order the functions ran, before any caller is answered.
//
// Functions of one batch run one after the other, each seeing the writes of
// those before it, so the batch is equivalent to committing them one by one
// in that order. Inside Update, the context given to Tx methods is checked
// before each statement but never interrupts a running statement: SQLite
// would roll back the whole batch's transaction.
//
// # Concurrent transactions (PostgreSQL)
//
// On PostgreSQL, group commit is not used: several processes (replicas of
// the reference server) share the database, so no process can be its single
// writer. Update runs its function in a SERIALIZABLE transaction of its own,
// concurrently with the other Updates of this process and of every other
// process. PostgreSQL guarantees that the committed transactions have the
// effect of some serial order, so every rule the directory service checks
// inside an Update (one SCIM endpoint per node, unique team names, the
// approval queue, token rotation, JIT on first login) holds across replicas
// as it does in one SQLite process; the unique indexes (email, team ID,
// assertion ID) hold whatever the isolation. A transaction that loses a race
// (SQLSTATE 40001 serialization_failure or 40P01 deadlock_detected, at any
// statement or at COMMIT) is rolled back and its function run again, after a
// short randomized backoff, up to MaxAttempts times: Update functions must
// therefore have no effect outside the Tx but through AfterCommit (callbacks
// of a failed attempt are dropped). AfterCommit callbacks of one Update run
// in order after its commit; callbacks of concurrent Updates are not ordered
// with each other. Each statement that writes runs under a savepoint, so a
// refused write (ErrConflict, ErrNotFound) leaves the Tx usable, as on
// SQLite; PostgreSQL aborts the whole transaction otherwise.
//
// An Update whose context is marked store.WithWriteEnforced (the service's
// CreateUser without groups) runs its first attempt at READ COMMITTED
// instead: CreateUser is then one statement that takes a seat (from a seat
// pool, seats.go) and inserts the user, without a savepoint, and each rule
// it relies on is enforced by the database whatever the isolation: the
// email by the unique index users_email, the seat limit by conditional
// updates of the seat count and pools, the enterprise and node by foreign
// keys. Any other write, or a failed one (a duplicate email, a node deleted
// meanwhile), dooms the attempt, and the function runs again at
// SERIALIZABLE, where its reads see the row that won (a same-node email then
// links to it, as it would serially). Such attempts take the shared advisory
// lock too, so a starved SERIALIZABLE transaction still runs alone.
//
// # Case-insensitivity
//
// Case-insensitive keys (email, userName, team displayName, domain) are
// compared after strings.ToLower, which is also what an index stores.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"           // registers the "sqlite" database/sql driver

	"github.com/provkit/provkit/reference/store"
)

// MaxBatch is the most Update functions the writer runs in one transaction.
const MaxBatch = 256

// MaxAttempts is how many times Update runs a function on PostgreSQL before
// giving up on serialization failures (ErrContention).
const MaxAttempts = 64

// ErrContention is returned (wrapped) by Update on PostgreSQL when a
// function lost MaxAttempts races in a row.
var ErrContention = errors.New("sqlstore: too much contention: transaction retried too often")

// ErrClosed is returned by Update once Close has been called.
var ErrClosed = errors.New("sqlstore: store closed")

// PanicError is the error Update returns when its function panicked. The
// function's writes are rolled back; the store keeps working.
type PanicError struct {
	Value any    // what the function passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("sqlstore: Update function panicked: %v", e.Value)
}

// Stats are counters of the writer, for tests and metrics.
type Stats struct {
	Commits uint64 // transactions committed
	Updates uint64 // Update functions committed (Updates/Commits is the mean batch size)
	// Retries (PostgreSQL) counts attempts rolled back and run again: lost
	// races (serialization failures, deadlocks) and READ COMMITTED attempts
	// that had to run at SERIALIZABLE (store.WithWriteEnforced).
	Retries uint64
	// Statements (PostgreSQL) is the number of statements sent to the
	// server on both pools, BEGIN, SAVEPOINT and COMMIT included: each is
	// one round trip.
	Statements uint64
}

// Store is a SQL store.Store. It is safe for concurrent use.
type Store struct {
	reader // Reader methods on the read pool

	d   *dialect
	wdb *sql.DB // one connection: the writer's
	rdb *sql.DB // read pool

	mu      sync.Mutex
	cond    *sync.Cond // signalled when queue grows or closed is set
	queue   []*request
	closed  bool
	stopped chan struct{} // closed when the writer goroutine has returned

	inflight  sync.WaitGroup // concurrent dialect: running Updates
	exclusive sync.Mutex     // Exclusive within this process

	commits atomic.Uint64
	updates atomic.Uint64
	retries atomic.Uint64

	statements *atomic.Uint64 // PostgreSQL: counted by the pools' tracer
}

var _ store.Store = (*Store)(nil)

// Open opens the database dsn names and brings its schema up to date. dsn is
// a SQLite file path, a SQLite "file:" URI (its query parameters are kept; the
// store adds its own pragmas), or a "postgres://" / "postgresql://" URL.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case dsn == "":
		return nil, errors.New("sqlstore: open: empty DSN")
	case isPostgres(dsn):
		return openPostgres(ctx, dsn)
	default:
		return openSQLite(ctx, dsn)
	}
}

// sqliteDSNs returns the writer's and the readers' DSNs for dsn.
func sqliteDSNs(dsn string) (write, read string, err error) {
	base, query := dsn, ""
	if strings.HasPrefix(dsn, "file:") {
		if i := strings.IndexByte(dsn, '?'); i >= 0 {
			base, query = dsn[:i], dsn[i+1:]
		}
		if strings.Contains(base, ":memory:") || strings.Contains(query, "mode=memory") {
			return "", "", fmt.Errorf("sqlstore: open %q: in-memory SQLite is not supported (use a file)", dsn)
		}
	} else {
		if dsn == ":memory:" {
			return "", "", fmt.Errorf("sqlstore: open %q: in-memory SQLite is not supported (use a file)", dsn)
		}
		if strings.ContainsAny(dsn, "?#") {
			return "", "", fmt.Errorf("sqlstore: open %q: a path holding '?' or '#' must be given as a file: URI", dsn)
		}
	}
	join := func(params string) string {
		if query == "" {
			return base + "?" + params
		}
		return base + "?" + query + "&" + params
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	write = join(common + "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	read = join(common + "&_pragma=query_only(1)&_pragma=mmap_size(1073741824)")
	return write, read, nil
}

func openSQLite(ctx context.Context, dsn string) (*Store, error) {
	wdsn, rdsn, err := sqliteDSNs(dsn)
	if err != nil {
		return nil, err
	}
	d := newSQLiteDialect()
	wdb, err := sql.Open(d.driver, wdsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %q: %w", dsn, err)
	}
	configureWriter(wdb)
	if err := checkSQLiteWriter(ctx, wdb); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open %q: %w", dsn, err)
	}
	if err := migrate(ctx, wdb, d); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open %q: %w", dsn, err)
	}
	rdb, err := sql.Open(d.driver, rdsn)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open %q: readers: %w", dsn, err)
	}
	configureReaders(rdb)
	if err := rdb.PingContext(ctx); err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open %q: readers: %w", dsn, err)
	}
	return newStore(d, wdb, rdb), nil
}

// checkSQLiteWriter verifies that the writer's pragmas took effect: a
// database that cannot be in WAL mode (in memory, say) is refused.
func checkSQLiteWriter(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, want wal (in-memory databases are not supported)", mode)
	}
	var sync, fk int
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if sync < 2 || fk != 1 {
		return fmt.Errorf("synchronous=%d foreign_keys=%d, want FULL (2) and 1", sync, fk)
	}
	return nil
}

// Redact returns dsn with its password replaced by "xxxxx", for messages.
// A DSN that does not parse as a URL is replaced entirely unless it is a
// plain SQLite path.
func Redact(dsn string) string {
	if !isPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable DSN)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgPoolSize is the number of connections of each PostgreSQL pool.
func pgPoolSize() int { return min(32, max(8, 4*runtime.GOMAXPROCS(0))) }

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	d := newPostgresDialect()
	// Errors never quote dsn: it may hold a password (pgx's own errors
	// do not either).
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres %s: %w", Redact(dsn), err)
	}
	counter := new(atomic.Uint64)
	cfg.Tracer = countingTracer{counter}
	wdb := stdlib.OpenDB(*cfg)
	configurePool(wdb, pgPoolSize())
	if err := wdb.PingContext(ctx); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open postgres %s: %w", Redact(dsn), err)
	}
	if err := migrate(ctx, wdb, d); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open postgres %s: %w", Redact(dsn), err)
	}
	rdb := stdlib.OpenDB(*cfg)
	configurePool(rdb, pgPoolSize())
	s := newStore(d, wdb, rdb)
	s.statements = counter
	return s, nil
}

// countingTracer counts the statements a pool sends (Stats.Statements).
type countingTracer struct{ n *atomic.Uint64 }

func (c countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// configurePool sizes a PostgreSQL pool. Connections are recycled now and
// then so that a failover or a restarted server is picked up.
func configurePool(db *sql.DB, n int) {
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
}

// configureWriter makes db a single, long-lived connection.
func configureWriter(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// configureReaders sizes the read pool.
func configureReaders(db *sql.DB) {
	n := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

func newStore(d *dialect, wdb, rdb *sql.DB) *Store {
	s := &Store{
		reader:  reader{d: d, db: rdb},
		d:       d,
		wdb:     wdb,
		rdb:     rdb,
		stopped: make(chan struct{}),
	}
	s.cond = sync.NewCond(&s.mu)
	if d.concurrent {
		close(s.stopped) // no writer goroutine
	} else {
		go s.writer()
	}
	return s
}

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	st := Stats{Commits: s.commits.Load(), Updates: s.updates.Load(), Retries: s.retries.Load()}
	if s.statements != nil {
		st.Statements = s.statements.Load()
	}
	return st
}

// Request states: a request leaves the queue either taken by the writer or
// cancelled by its caller, whichever comes first.
const (
	reqQueued int32 = iota
	reqTaken
	reqCancelled
)

// request is one Update call.
type request struct {
	fn    func(store.Tx) error
	state atomic.Int32
	done  chan struct{} // closed when err and cbPanic are final

	err      error
	failed   bool     // fn returned an error or panicked: its writes are rolled back
	after    []func() // its AfterCommit callbacks
	cbPanic  any      // a callback panicked with this: Update re-panics with it
	panicked bool
}

// Update runs fn in one transaction, durably committed before Update returns
// nil (see the package documentation for group commit). An error returned by
// fn is returned unchanged and its writes are rolled back. A cancelled ctx
// makes Update return ctx's error if fn has not started; once fn has started,
// Update waits for the outcome, since the writes may commit.
//
// If an AfterCommit callback panics, Update panics with the same value in the
// caller's goroutine after the commit (the writes are durable).
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if fn == nil {
		return errors.New("sqlstore: update: nil function")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlstore: update: %w", err)
	}
	if s.d.concurrent {
		return s.updateConcurrent(ctx, fn)
	}
	r := &request{fn: fn, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.queue = append(s.queue, r)
	s.cond.Signal()
	s.mu.Unlock()

	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqCancelled) {
			return fmt.Errorf("sqlstore: update: %w", ctx.Err())
		}
		<-r.done // the writer has it: its outcome is the answer
	}
	if r.panicked {
		panic(r.cbPanic)
	}
	return r.err
}

// Close stops accepting updates, lets the writer finish every queued one,
// then closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.stopped
		return nil
	}
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	<-s.stopped
	s.inflight.Wait()
	if err := errors.Join(s.rdb.Close(), s.wdb.Close()); err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

// next blocks until requests are queued and takes up to MaxBatch of them,
// or returns nil once the store is closed and the queue drained.
func (s *Store) next() []*request {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) == 0 && !s.closed {
		s.cond.Wait()
	}
	n := min(len(s.queue), MaxBatch)
	if n == 0 {
		return nil
	}
	batch := make([]*request, n)
	copy(batch, s.queue)
	rest := copy(s.queue, s.queue[n:])
	clear(s.queue[rest:])
	s.queue = s.queue[:rest]
	return batch
}

// writer is the single goroutine that runs every Update.
func (s *Store) writer() {
	defer close(s.stopped)
	for {
		batch := s.next()
		if batch == nil {
			return
		}
		s.runBatch(batch)
	}
}

// runBatch runs the batch's functions in one transaction and answers their
// callers.
func (s *Store) runBatch(batch []*request) {
	active := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(reqQueued, reqTaken) {
			active = append(active, r)
		}
	}
	if len(active) == 0 {
		return
	}
	defer func() {
		for _, r := range active {
			close(r.done)
		}
	}()

	// The writer's statements never watch a caller's context: cancelling
	// one would interrupt SQLite and roll back everyone's transaction.
	ctx := context.Background()
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		failAll(active, fmt.Errorf("sqlstore: update: begin: %w", err))
		return
	}
	for _, r := range active {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT fn"); err != nil {
			s.abort(tx, active, fmt.Errorf("sqlstore: update: savepoint: %w", err))
			return
		}
		t := newTx(s.d, tx)
		err := runFn(r.fn, t)
		after := t.finish()
		if err == nil {
			if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT fn"); err != nil {
				s.abort(tx, active, fmt.Errorf("sqlstore: update: release savepoint: %w", err))
				return
			}
			r.after = after
			continue
		}
		r.err, r.failed = err, true
		_, rbErr := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT fn")
		if rbErr == nil {
			_, rbErr = tx.ExecContext(ctx, "RELEASE SAVEPOINT fn")
		}
		if rbErr != nil {
			// The transaction is unusable (SQLite may have rolled it
			// back itself, e.g. on SQLITE_FULL): fail the whole batch.
			s.abort(tx, active, fmt.Errorf("sqlstore: update: rollback to savepoint: %w", rbErr))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		failAll(active, fmt.Errorf("sqlstore: update: commit: %w", err))
		return
	}
	s.commits.Add(1)
	for _, r := range active {
		if r.failed {
			continue
		}
		s.updates.Add(1)
		runCallbacks(r)
	}
}

// abort rolls back tx and gives err to every request of the batch that had
// not failed on its own: nothing of theirs is committed.
func (s *Store) abort(tx *sql.Tx, batch []*request, err error) {
	_ = tx.Rollback()
	failAll(batch, err)
}

// failAll gives err to every request that has no error of its own.
func failAll(rs []*request, err error) {
	for _, r := range rs {
		if !r.failed {
			r.err, r.failed = err, true
		}
	}
}

// errGoexit is the error of an Update function that called runtime.Goexit
// (t.Fatal, say).
var errGoexit = errors.New("sqlstore: Update function called runtime.Goexit (t.Fatal inside an Update function?)")

// guarded runs f on a goroutine of its own, so that neither a panic nor a
// runtime.Goexit in f can end the writer goroutine. It reports a panic's
// value, or exited when f called runtime.Goexit.
func guarded(f func()) (panicked bool, value any, stack []byte, exited bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		normal := false
		defer func() {
			if normal {
				return
			}
			if p := recover(); p != nil {
				panicked, value, stack = true, p, debug.Stack()
				return
			}
			exited = true
		}()
		f()
		normal = true
	}()
	<-done
	return panicked, value, stack, exited
}

// runFn calls fn, turning a panic into a *PanicError and a Goexit into
// errGoexit.
func runFn(fn func(store.Tx) error, t *txn) error {
	var err error
	panicked, value, stack, exited := guarded(func() { err = fn(t) })
	switch {
	case panicked:
		return &PanicError{Value: value, Stack: stack}
	case exited:
		return errGoexit
	}
	return err
}

// runCallbacks runs r's AfterCommit callbacks in order; a panic stops them
// and is handed to r's caller (a Goexit just stops them).
func runCallbacks(r *request) {
	if len(r.after) == 0 {
		return
	}
	panicked, value, _, _ := guarded(func() {
		for _, f := range r.after {
			f()
		}
	})
	if panicked {
		r.cbPanic, r.panicked = value, true
	}
}

// updateConcurrent is Update on a concurrent dialect (PostgreSQL): fn runs
// in a transaction of its own, retried on serialization failures.
func (s *Store) updateConcurrent(ctx context.Context, fn func(store.Tx) error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()

	backoff := time.Millisecond
	writeEnforced := store.WriteEnforced(ctx)
	for attempt := 1; ; attempt++ {
		r := &request{fn: fn}
		// A function marked store.WithWriteEnforced runs first at READ
		// COMMITTED; if that attempt is doomed (a write other than
		// CreateUser, a failed write), the next ones run at SERIALIZABLE.
		retry := s.attempt(r, attempt > exclusiveAfter, writeEnforced && attempt == 1)
		if writeEnforced && attempt == 1 && retry {
			// Not a lost race: go on at once, at SERIALIZABLE.
			s.retries.Add(1)
			continue
		}
		if !retry {
			if r.err != nil {
				return r.err
			}
			s.commits.Add(1)
			s.updates.Add(1)
			runCallbacks(r)
			if r.panicked {
				panic(r.cbPanic)
			}
			return nil
		}
		s.retries.Add(1)
		if attempt >= MaxAttempts {
			return fmt.Errorf("sqlstore: update: %w (%d attempts): %w", ErrContention, attempt, r.err)
		}
		// Randomized exponential backoff: contenders spread out.
		sleep := backoff/2 + rand.N(backoff)
		backoff = min(2*backoff, 50*time.Millisecond)
		t := time.NewTimer(sleep)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("sqlstore: update: %w (after %d attempts lost to concurrent transactions)", ctx.Err(), attempt)
		}
	}
}

// exclusiveAfter is how many attempts of an Update may lose races before
// the next attempts run alone (see attempt).
const exclusiveAfter = 3

// updateLockKey is the PostgreSQL advisory lock every Update transaction
// holds in shared mode, and a starved one in exclusive mode.
const updateLockKey int64 = 0x70726f766b697401 // "provkit" 1

// attempt runs r.fn once in its own transaction and commits it. It reports
// whether the attempt lost a race and should be run again; otherwise r.err
// is the outcome and r.after the callbacks to run.
//
// Every transaction first takes the advisory lock updateLockKey in shared
// mode, which costs nothing while no one holds it exclusively. A function
// that keeps losing (a long transaction, creating a team of a thousand
// members say, against a stream of short ones: SSI's predicate locks make
// its reads conflict with their writes) would starve; after exclusiveAfter
// lost attempts it takes the lock exclusively, before BEGIN, on the
// connection of its transaction: it waits for the running transactions of
// every replica, keeps new ones waiting, and, alone, cannot lose.
//
// writeEnforced runs the attempt at READ COMMITTED, with CreateUser as the
// only write allowed (createUserRC): see store.WithWriteEnforced.
func (s *Store) attempt(r *request, exclusive, writeEnforced bool) (retry bool) {
	// As with the writer, statements never watch the caller's context once
	// fn has started (Tx methods check it before each statement): the
	// outcome of a started function is always waited for.
	ctx := context.Background()
	var tx txControl
	var err error
	if exclusive {
		conn, cerr := s.wdb.Conn(ctx)
		if cerr != nil {
			r.err = fmt.Errorf("sqlstore: update: %w", cerr)
			return false
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, updateLockKey); err != nil {
			r.err = fmt.Errorf("sqlstore: update: exclusive lock: %w", err)
			return false
		}
		defer func() { _, _ = conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, updateLockKey) }()
		tx, err = conn.BeginTx(ctx, s.d.updateTx)
	} else {
		level := "SERIALIZABLE"
		if writeEnforced {
			level = "READ COMMITTED"
		}
		var lerr error
		tx, lerr, err = beginShared(ctx, s.wdb, level)
		if lerr != nil {
			r.err = lerr
			return s.d.retryable(lerr)
		}
	}
	if err != nil {
		r.err = fmt.Errorf("sqlstore: update: begin: %w", err)
		return false
	}
	t := newTx(s.d, tx)
	t.writeEnforced = writeEnforced
	err = runFn(r.fn, t)
	if err == nil && !t.doomed.Load() {
		err = t.flush(ctx) // write-behind copies (writebehind.go)
	}
	after := t.finish()
	if err != nil || t.doomed.Load() {
		_ = tx.Rollback()
		if t.doomed.Load() || s.d.retryable(err) {
			r.err = err
			return true
		}
		r.err = err
		return false
	}
	if err := tx.Commit(); err != nil {
		if s.d.retryable(err) {
			r.err = err
			return true
		}
		r.err = fmt.Errorf("sqlstore: update: commit: %w", err)
		return false
	}
	r.after = after
	return false
}

// txControl ends a transaction: *sql.Tx, or pgTx.
type txControl interface {
	execer
	Commit() error
	Rollback() error
}

// pgTx is a PostgreSQL transaction on a connection of its own, begun by
// beginShared: BEGIN and the shared advisory lock are one round trip (one
// simple-protocol query of two statements), where sql.DB.BeginTx and the
// lock would be two.
type pgTx struct{ conn *sql.Conn }

// errCommitRolledBack: COMMIT answered ROLLBACK (the transaction had
// failed; pgx's own Tx reports the same as pgx.ErrTxCommitRollback).
var errCommitRolledBack = errors.New("sqlstore: commit: the transaction was rolled back")

// beginShared begins a transaction at level holding updateLockKey in
// shared mode. lockErr is the error of a BEGIN or lock that the server
// refused (a deadlock, say; nothing is left open), err one of the pool.
func beginShared(ctx context.Context, db *sql.DB, level string) (tx *pgTx, lockErr, err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	t := &pgTx{conn: conn}
	q := fmt.Sprintf("BEGIN ISOLATION LEVEL %s; SELECT pg_advisory_xact_lock_shared(%d)", level, updateLockKey)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		_ = t.Rollback()
		return nil, err, nil
	}
	return t, nil, nil
}

func (t *pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.conn.ExecContext(ctx, query, args...)
}

func (t *pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.conn.QueryContext(ctx, query, args...)
}

// Commit commits and gives the connection back to the pool.
func (t *pgTx) Commit() error {
	defer t.conn.Close()
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqlstore: commit: unexpected driver connection %T", dc)
		}
		tag, err := c.Conn().Exec(context.Background(), "COMMIT")
		if err != nil {
			return err
		}
		if tag.String() != "COMMIT" {
			return errCommitRolledBack
		}
		return nil
	})
}

// Rollback rolls back and gives the connection back to the pool, or
// discards it if the rollback failed (it may still be in a transaction).
func (t *pgTx) Rollback() error {
	defer t.conn.Close()
	var rbErr error
	err := t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			rbErr = fmt.Errorf("sqlstore: rollback: unexpected driver connection %T", dc)
			return driver.ErrBadConn
		}
		if _, rbErr = c.Conn().Exec(context.Background(), "ROLLBACK"); rbErr != nil {
			return driver.ErrBadConn // discarded, not pooled
		}
		return nil
	})
	if rbErr == nil && err != nil && !errors.Is(err, driver.ErrBadConn) {
		rbErr = err
	}
	return rbErr
}

// Exclusive runs fn while holding the lock called name, which excludes
// every other Exclusive of that name on the same database, in this process
// and (PostgreSQL: a session advisory lock) in every other. Replicas use it
// for start-up work that must happen once, such as seeding an empty
// database. fn's own reads and writes go through the Store as usual.
func (s *Store) Exclusive(ctx context.Context, name string, fn func() error) error {
	s.exclusive.Lock()
	defer s.exclusive.Unlock()
	if !s.d.concurrent {
		return fn() // one process owns a SQLite database
	}
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: lock %q: %w", name, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return fmt.Errorf("sqlstore: lock %q: %w", name, err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext($1))`, name)
	}()
	return fn()
}
