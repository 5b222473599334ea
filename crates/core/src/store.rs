//! The embedded SQLite store: opening (and refusing files that are not ours),
//! pragmas, migrations, the connection pool, and the read/write transactions
//! every service runs in.

use crate::clock::{Clock, SystemClock};
use crate::error::CoreResult;
use crate::leads::matches::RememberedMatches;
use crate::time::Timestamp;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::collections::BTreeSet;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Written into the SQLite header (`PRAGMA application_id`) of every Leadlight
/// database: "LDLT". A SQLite file without it is somebody else's.
pub const APPLICATION_ID: i32 = 0x4C44_4C54;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const BUSY_TIMEOUT_MS: u32 = 5_000;
/// The page size of a new database, half SQLite's 4096. Every commit writes
/// each page it changed whole into the WAL, and creating one lead changes
/// ~22 (its row, nine indexes, its journal entry, search index and
/// summaries) to store well under 2 KB. At 1 M leads (bench; the same
/// database copied at each size with VACUUM): creates one at a time 4,794/s
/// at 4096, 6,039/s at 2048, 6,274/s at 1024; a 100,000-row import 2.65 s,
/// 2.95 s, 3.74 s (twice the pages and WAL frames for the same bytes);
/// searches, lists and exports at 2048 within noise of 4096 (at 1024 the
/// Agent's search and the cold export were 25% and 19% slower). A file made
/// before keeps its size: changing it means rewriting the whole file
/// (VACUUM), which is not done behind the user's back.
pub const PAGE_SIZE: u32 = 2048;
/// Checkpoint the WAL into the database every 40,000 pages (~83 MB of 2 KB
/// pages) instead of SQLite's 1,000: a lead's insert touches ~22 pages,
/// many of them the same right-hand index pages as the last insert, and
/// each checkpoint writes a page once however often it changed (and syncs
/// the file once). At 1 M leads with 4 KB pages, raw inserts: 10,000 pages
/// +13% over 1,000; 40,000 another +15% over 10,000. With 2 KB pages,
/// 80,000 (the same ~165 MB) made creates on a new log 15-25% slower (a
/// longer file to grow) and the bench's import after them 0.2-0.4 s
/// faster (its frames fit the file the creates had grown). The WAL is that
/// large only while writes keep coming; the last connection to close
/// checkpoints it away. Public for the bench's raw side.
pub const WAL_CHECKPOINT_PAGES: u32 = 40_000;

/// Why a database file could not be opened. The file is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "{path} is not a SQLite database, so it cannot be a Leadlight database; it was left untouched"
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "{path} is a SQLite database of another application, not Leadlight's; it was left untouched"
    )]
    NotLeadlight { path: PathBuf },
    #[error(
        "{path} was written by a newer Leadlight (schema {newest}); this build knows schema up to {known}. Update Leadlight to open it; the file was left untouched"
    )]
    NewerThanBuild {
        path: PathBuf,
        newest: String,
        known: String,
    },
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open {path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error(
        "the configured token secret has {length} bytes; it needs at least {MIN_SECRET_BYTES} random bytes"
    )]
    WeakTokenSecret { length: usize },
}

/// HS256 keys shorter than the hash are guessable; an empty one is no key.
pub const MIN_SECRET_BYTES: usize = 32;

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;

/// How a store is opened: the clock services read, and how sign-in tokens
/// are made.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub clock: Arc<dyn Clock>,
    /// The HS256 secret that signs access tokens. `None`: this installation's
    /// own, generated on first open and kept in the database. A team server
    /// passes a configured one.
    pub token_secret: Option<Vec<u8>>,
    /// How long an access token is good for (15 minutes by default).
    pub access_ttl: chrono::Duration,
    /// How long a sign-in lasts without use (30 days by default).
    pub refresh_ttl: chrono::Duration,
    /// Keep the leads a large search matched while the search index is
    /// unchanged (on by default; off only to measure a first search).
    pub remember_searches: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            token_secret: None,
            access_ttl: chrono::Duration::minutes(15),
            refresh_ttl: chrono::Duration::days(30),
            remember_searches: true,
        }
    }
}

/// What signing in needs, fixed when the store opens.
#[derive(Clone)]
pub(crate) struct TokenSettings {
    pub secret: Vec<u8>,
    pub access_ttl: chrono::Duration,
    pub refresh_ttl: chrono::Duration,
}

/// A Leadlight database. Cheap to clone; clones share the pool and the clock.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    clock: Arc<dyn Clock>,
    path: Arc<PathBuf>,
    tokens: Arc<TokenSettings>,
    sessions: Arc<LiveSessions>,
    searches: Arc<RememberedMatches>,
}

/// Sessions found live by `accounts::authenticate`, so a burst of requests
/// on one access token reads the database once. Exact, not a time-based
/// cache: every write transaction through this store moves `generation`
/// after it ends, and an entry counts only for the generation it was read
/// in, so a sign-out, role change or deactivation applies to the very next
/// request. (One process owns a database file; writes from another process
/// would not be seen here until this one writes.)
#[derive(Default)]
pub(crate) struct LiveSessions {
    generation: std::sync::atomic::AtomicU64,
    live: std::sync::Mutex<
        std::collections::HashMap<
            crate::ids::SessionId,
            (u64, crate::ids::UserId, crate::actor::Role),
        >,
    >,
}

/// Enough for every signed-in session of a large team; past it the map
/// starts over rather than growing without bound.
const LIVE_SESSIONS_MAX: usize = 10_000;

impl LiveSessions {
    /// The generation to tag a lookup with: read it before the database.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    pub(crate) fn get(
        &self,
        session: crate::ids::SessionId,
    ) -> Option<(crate::ids::UserId, crate::actor::Role)> {
        let now = self.generation();
        let live = self
            .live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        live.get(&session)
            .filter(|(generation, _, _)| *generation == now)
            .map(|(_, user, role)| (*user, *role))
    }

    pub(crate) fn put(
        &self,
        generation: u64,
        session: crate::ids::SessionId,
        user: crate::ids::UserId,
        role: crate::actor::Role,
    ) {
        let mut live = self
            .live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if live.len() >= LIVE_SESSIONS_MAX {
            live.clear();
        }
        live.insert(session, (generation, user, role));
    }

    fn written(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Applied to every pooled connection: these pragmas are per connection.
#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(&format!(
            "PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};
             PRAGMA synchronous = NORMAL;
             PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -32000;
             PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES};"
        ))
        .map_err(diesel::r2d2::Error::QueryError)?;
        crate::leads::register_sql_functions(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// What the header (and, if needed, the schema) says a file is.
enum FileKind {
    /// Missing, empty, or a SQLite file with nothing in it: ours to set up.
    Fresh,
    Leadlight,
}

impl Store {
    /// Open (creating it and its folder if missing) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// As [`Store::open`], with the clock services read "now" from.
    pub fn open_with_clock(
        path: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, OpenError> {
        Self::open_with(
            path,
            StoreOptions {
                clock,
                ..StoreOptions::default()
            },
        )
    }

    /// As [`Store::open`], with every option.
    pub fn open_with(path: impl AsRef<Path>, options: StoreOptions) -> Result<Self, OpenError> {
        if let Some(secret) = options
            .token_secret
            .as_ref()
            .filter(|s| s.len() < MIN_SECRET_BYTES)
        {
            return Err(OpenError::WeakTokenSecret {
                length: secret.len(),
            });
        }
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| OpenError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let sqlite_err = |e: &dyn fmt::Display| OpenError::Sqlite {
            path: path.clone(),
            message: e.to_string(),
        };

        let header_kind = inspect_header(&path)?;
        let url = path.to_string_lossy().into_owned();
        // Until the file is known to be ours this connection only reads.
        let mut conn = SqliteConnection::establish(&url).map_err(|e| sqlite_err(&e))?;
        let kind = match header_kind {
            HeaderKind::Missing => FileKind::Fresh,
            HeaderKind::OtherApplication => return Err(OpenError::NotLeadlight { path }),
            HeaderKind::Leadlight => FileKind::Leadlight,
            HeaderKind::NoApplicationId => {
                if schema_object_count(&mut conn).map_err(|e| sqlite_err(&e))? == 0 {
                    FileKind::Fresh
                } else {
                    return Err(OpenError::NotLeadlight { path });
                }
            }
        };
        if let FileKind::Leadlight = kind {
            refuse_newer_schema(&mut conn, &path)?;
        }

        // From here on the file is ours to write.
        if let FileKind::Fresh = kind {
            // Only takes effect before the first table is written (and
            // before WAL mode), which is why it comes first.
            conn.batch_execute(&format!("PRAGMA page_size = {PAGE_SIZE};"))
                .map_err(|e| sqlite_err(&e))?;
        }
        conn.batch_execute(&format!(
            "PRAGMA application_id = {APPLICATION_ID};
             PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = {BUSY_TIMEOUT_MS};"
        ))
        .map_err(|e| sqlite_err(&e))?;
        conn.run_pending_migrations(MIGRATIONS)
            .map_err(|e| sqlite_err(&e))?;
        let secret = match options.token_secret {
            Some(secret) => secret,
            None => crate::settings::installation_secret(&mut conn, options.clock.now())
                .map_err(|e| sqlite_err(&e))?,
        };
        drop(conn);

        let pool = Pool::builder()
            .max_size(Self::CONNECTIONS as u32)
            .min_idle(Some(1))
            // r2d2 runs `SELECT 1` on every checkout by default to find dead
            // network connections; a SQLite file connection does not go stale,
            // and the query was a tenth of a small read.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .connection_customizer(Box::new(ConnectionSetup))
            .build(ConnectionManager::<SqliteConnection>::new(url))
            .map_err(|e| sqlite_err(&e))?;
        tracing::info!(path = %path.display(), "store opened");
        Ok(Self {
            pool,
            clock: options.clock,
            path: Arc::new(path),
            tokens: Arc::new(TokenSettings {
                secret,
                access_ttl: options.access_ttl,
                refresh_ttl: options.refresh_ttl,
            }),
            sessions: Arc::default(),
            searches: Arc::new(if options.remember_searches {
                RememberedMatches::default()
            } else {
                RememberedMatches::off()
            }),
        })
    }

    /// How many SQLite connections a store keeps: readers run side by side
    /// in WAL mode; writers take turns.
    pub const CONNECTIONS: usize = 8;

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn tokens(&self) -> &TokenSettings {
        &self.tokens
    }

    pub(crate) fn live_sessions(&self) -> &LiveSessions {
        &self.sessions
    }

    pub(crate) fn remembered_matches(&self) -> &RememberedMatches {
        &self.searches
    }

    /// Run `f` in a read transaction: one consistent snapshot (a page and its
    /// total agree).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = self.pool.get()?;
        let conn: &mut SqliteConnection = &mut conn;
        conn.transaction(f)
    }

    /// Run `f` in a write transaction, taken immediately so concurrent writers
    /// queue on the busy timeout instead of failing mid-way. Everything `f`
    /// writes (row, activity, journal) commits together or not at all.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = self.pool.get()?;
        let conn: &mut SqliteConnection = &mut conn;
        let outcome = conn.immediate_transaction(f);
        // After the commit (or rollback): a session read live before this
        // point is read again.
        self.sessions.written();
        outcome
    }

    /// As [`Store::write`], for one large transaction (an import): its
    /// commit leaves copying the log back into the database (the
    /// checkpoint, 1.8 s after a 100,000-row import at 1 M leads) to a
    /// thread instead of making the caller wait for it. The rows are
    /// committed either way; until the copy is done, reads find them in the
    /// log, and a write that ends meanwhile skips its own checkpoint
    /// (SQLite's automatic one never waits for another).
    ///
    /// It runs on a connection of its own, not a pooled one, so turning the
    /// automatic checkpoint off cannot outlive it; the thread takes that
    /// connection over and closes it when done.
    pub(crate) fn write_bulk<T>(
        &self,
        f: impl FnOnce(&mut SqliteConnection) -> CoreResult<T>,
    ) -> CoreResult<T> {
        let mut conn = SqliteConnection::establish(&self.path.to_string_lossy())
            .map_err(crate::error::CoreError::internal)?;
        ConnectionSetup
            .on_acquire(&mut conn)
            .map_err(crate::error::CoreError::internal)?;
        conn.batch_execute("PRAGMA wal_autocheckpoint = 0;")?;
        let outcome = conn.immediate_transaction(f);
        self.sessions.written();
        if outcome.is_ok() {
            let spawned = std::thread::Builder::new()
                .name("leadlight-checkpoint".into())
                .spawn(move || {
                    // PASSIVE: copy what no reader still needs, wait for nobody.
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(error = %e, "checkpoint after a bulk write");
                    }
                });
            if let Err(e) = spawned {
                // SQLite's automatic checkpoint at a later commit does it instead.
                tracing::warn!(error = %e, "cannot start the checkpoint thread");
            }
        }
        outcome
    }

    /// A pooled connection for bulk work (the demo generator) and diagnostics.
    pub fn connection(
        &self,
    ) -> CoreResult<diesel::r2d2::PooledConnection<ConnectionManager<SqliteConnection>>> {
        Ok(self.pool.get()?)
    }
}

enum HeaderKind {
    Missing,
    NoApplicationId,
    OtherApplication,
    Leadlight,
}

/// Read the 100-byte SQLite header without letting SQLite touch the file.
fn inspect_header(path: &Path) -> Result<HeaderKind, OpenError> {
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HeaderKind::Missing),
        Err(source) => {
            return Err(OpenError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut header = Vec::with_capacity(100);
    file.by_ref()
        .take(100)
        .read_to_end(&mut header)
        .map_err(|source| OpenError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if header.is_empty() {
        return Ok(HeaderKind::Missing);
    }
    if header.len() < 100 || &header[..16] != SQLITE_MAGIC {
        return Err(OpenError::NotADatabase {
            path: path.to_path_buf(),
        });
    }
    let application_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    Ok(match application_id {
        0 => HeaderKind::NoApplicationId,
        APPLICATION_ID => HeaderKind::Leadlight,
        _ => HeaderKind::OtherApplication,
    })
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

fn schema_object_count(conn: &mut SqliteConnection) -> QueryResult<i64> {
    diesel::sql_query("SELECT count(*) AS n FROM sqlite_master")
        .get_result::<Count>(conn)
        .map(|c| c.n)
}

/// Refuse a database that has a migration this build does not have.
fn refuse_newer_schema(conn: &mut SqliteConnection, path: &Path) -> Result<(), OpenError> {
    let sqlite_err = |e: diesel::result::Error| OpenError::Sqlite {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let has_table = diesel::sql_query(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__diesel_schema_migrations'",
    )
    .get_result::<Count>(conn)
    .map_err(sqlite_err)?
    .n > 0;
    if !has_table {
        return Ok(());
    }
    let applied: BTreeSet<String> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
            .load::<Version>(conn)
            .map_err(sqlite_err)?
            .into_iter()
            .map(|v| v.version)
            .collect();
    let known: BTreeSet<String> =
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS)
            .map_err(|e| OpenError::Sqlite {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
    if let Some(newest) = applied.difference(&known).max() {
        return Err(OpenError::NewerThanBuild {
            path: path.to_path_buf(),
            newest: newest.clone(),
            known: known.iter().max().cloned().unwrap_or_default(),
        });
    }
    Ok(())
}

use diesel::migration::MigrationSource;
