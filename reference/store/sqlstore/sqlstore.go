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
// Open("postgres://...") opens PostgreSQL through pgx's database/sql driver,
// which the program must register by importing github.com/jackc/pgx/v5/stdlib.
// That path is not tested yet.
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
// # Case-insensitivity
//
// Case-insensitive keys (email, userName, team displayName, domain) are
// compared after strings.ToLower, which is also what an index stores.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/provkit/provkit/reference/store"
)

// MaxBatch is the most Update functions the writer runs in one transaction.
const MaxBatch = 256

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

	commits atomic.Uint64
	updates atomic.Uint64
}

var _ store.Store = (*Store)(nil)

// Open opens the database dsn names and brings its schema up to date. dsn is
// a SQLite file path, a SQLite "file:" URI (its query parameters are kept; the
// store adds its own pragmas), or a "postgres://" / "postgresql://" URL.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case dsn == "":
		return nil, errors.New("sqlstore: open: empty DSN")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
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

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	d := newPostgresDialect()
	if !slices.Contains(sql.Drivers(), d.driver) {
		return nil, errors.New(`sqlstore: open postgres: the "pgx" driver is not registered (import _ "github.com/jackc/pgx/v5/stdlib")`)
	}
	wdb, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	configureWriter(wdb)
	if err := migrate(ctx, wdb, d); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	rdb, err := sql.Open(d.driver, dsn)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlstore: open postgres: readers: %w", err)
	}
	configureReaders(rdb)
	return newStore(d, wdb, rdb), nil
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
	go s.writer()
	return s
}

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{Commits: s.commits.Load(), Updates: s.updates.Load()}
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
