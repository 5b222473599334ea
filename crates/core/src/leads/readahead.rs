//! Reading the leads table ahead of an export walking all of it.
//!
//! An export reads the leads in its sort's order, one table page at a time.
//! When the file is not in the OS's cache (the app opened this morning), each
//! page is a disk read waiting on the one before: measured here, ~19,000
//! random 4 KiB reads a second one at a time, ~45,000 four at a time. The
//! kernel's own read-ahead cannot help: it follows sequential reads, and the
//! table's pages are scattered through the file by everything inserted
//! with each lead (its indexes, activity, search index): at 1 M leads 3% of
//! its leaf pages follow one another on disk. A million leads' export spent
//! 4 of its 6.8 s waiting so.
//!
//! So a few threads read the table, and the tags beside it, a chunk of
//! `seq` at a time from a shared counter, starting where the export starts:
//! several reads are in flight and the export then finds its pages in the
//! OS's cache (6.8 to 3.8-4.1 s; 2.8-3.0 s with the file already cached,
//! as before). It is only a hint: the threads read nothing the export needs from them,
//! and a failure is logged and leaves the export to read its own pages.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::thread::JoinHandle;

use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel::sqlite::SqliteConnection;

use crate::schema::{lead_tags, leads};

/// Threads reading ahead: enough reads in flight for the disk (four measured
/// ~2.3 times one), few enough that their decoding of rows stays small
/// beside the export's own work on a two-core machine.
const READERS: usize = 4;

/// Leads per chunk: a chunk is a few hundred pages, so a stop is noticed
/// within milliseconds, and the counter is touched rarely.
const CHUNK: i64 = 4_096;

/// Where in the table the export starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    Newest,
    Oldest,
}

/// The running readers; dropping it stops them and waits for each to end its
/// chunk.
pub(crate) struct Readahead {
    stop: Arc<AtomicBool>,
    rows: Arc<AtomicU64>,
    threads: Vec<JoinHandle<()>>,
    /// This one holds `RUNNING`.
    running: bool,
}

/// Whether an export in this process is reading ahead.
static RUNNING: AtomicBool = AtomicBool::new(false);

impl Readahead {
    /// Start reading the leads table of the database at `path` ahead of an
    /// export starting `from` one end (leads are created in `seq` order, so
    /// newest first by date starts at the highest `seq`).
    pub(crate) fn start(path: &Path, from: Start) -> Self {
        Self::with_chunk(path, from, CHUNK)
    }

    fn with_chunk(path: &Path, from: Start, chunk: i64) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let rows = Arc::new(AtomicU64::new(0));
        let mut readahead = Self {
            stop: stop.clone(),
            rows: rows.clone(),
            threads: Vec::new(),
            running: false,
        };
        // One export at a time reads ahead (a server may run several; each
        // more would only add readers competing for the same disk).
        if RUNNING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return readahead;
        }
        readahead.running = true;
        let (lowest, highest) = match open(path).and_then(|mut conn| bounds(&mut conn)) {
            Ok(Some(bounds)) => bounds,
            Ok(None) => return readahead,
            Err(e) => {
                tracing::debug!(error = %e, "no read-ahead for the export");
                return readahead;
            }
        };
        let cursor = Arc::new(match from {
            Start::Newest => AtomicI64::new(highest),
            Start::Oldest => AtomicI64::new(lowest),
        });
        for reader in 0..READERS {
            let job = Job {
                path: path.to_path_buf(),
                from,
                chunk,
                lowest,
                highest,
                cursor: cursor.clone(),
                stop: stop.clone(),
                rows: rows.clone(),
                // The tags are looked up per lead by its id: one reader
                // reads them first, in that order.
                tags_first: reader == 0,
            };
            let spawned = std::thread::Builder::new()
                .name("leadlight-readahead".into())
                .spawn(move || {
                    if let Err(e) = job.run() {
                        tracing::debug!(error = %e, "read-ahead stopped");
                    }
                });
            match spawned {
                Ok(handle) => readahead.threads.push(handle),
                Err(e) => tracing::debug!(error = %e, "cannot start a read-ahead thread"),
            }
        }
        readahead
    }

    /// Stop the readers and wait for them; the leads and tags they read.
    #[cfg(test)]
    fn finish(mut self) -> u64 {
        self.halt()
    }

    fn halt(&mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        for handle in self.threads.drain(..) {
            // A reader that panicked has nothing to give back.
            let _ = handle.join();
        }
        if std::mem::take(&mut self.running) {
            RUNNING.store(false, Ordering::Release);
        }
        self.rows.load(Ordering::Relaxed)
    }
}

impl Drop for Readahead {
    fn drop(&mut self) {
        let rows = self.halt();
        tracing::debug!(rows, "read ahead of an export");
    }
}

/// A connection of its own (not the pool's, which serves requests meanwhile),
/// read only, with a small page cache: what it reads is for the OS's cache.
fn open(path: &Path) -> Result<SqliteConnection, Box<dyn std::error::Error>> {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
    conn.batch_execute("PRAGMA query_only = ON; PRAGMA cache_size = 64;")?;
    Ok(conn)
}

/// The lowest and highest `seq`, each found at one end of the table (asked
/// together in one aggregate, SQLite would scan an index of every lead).
fn bounds(conn: &mut SqliteConnection) -> Result<Option<(i64, i64)>, Box<dyn std::error::Error>> {
    let end = |sql_text: &'static str| sql::<diesel::sql_types::Nullable<BigInt>>(sql_text);
    let (lowest, highest): (Option<i64>, Option<i64>) = diesel::select((
        end("(SELECT min(seq) FROM leads)"),
        end("(SELECT max(seq) FROM leads)"),
    ))
    .get_result(conn)?;
    Ok(lowest.zip(highest))
}

struct Job {
    path: std::path::PathBuf,
    from: Start,
    chunk: i64,
    lowest: i64,
    highest: i64,
    cursor: Arc<AtomicI64>,
    stop: Arc<AtomicBool>,
    rows: Arc<AtomicU64>,
    tags_first: bool,
}

impl Job {
    fn run(self) -> Result<(), Box<dyn std::error::Error>> {
        let mut conn = open(&self.path)?;
        if self.tags_first {
            self.read_tags(&mut conn)?;
        }
        while !self.stop.load(Ordering::Relaxed) {
            // The chunk [low, high] of seq, inclusive.
            let (low, high) = match self.from {
                Start::Newest => {
                    let high = self.cursor.fetch_sub(self.chunk, Ordering::Relaxed);
                    (high - self.chunk + 1, high)
                }
                Start::Oldest => {
                    let low = self.cursor.fetch_add(self.chunk, Ordering::Relaxed);
                    (low, low + self.chunk - 1)
                }
            };
            if high < self.lowest || low > self.highest {
                return Ok(());
            }
            // Measuring a column reads each row's record, so every page of
            // the chunk (and any overflow page) is read.
            let read: i64 = leads::table
                .filter(
                    // `seq` is a 64-bit rowid; the schema maps it as 32.
                    sql::<Bool>("leads.seq BETWEEN ")
                        .bind::<BigInt, _>(low)
                        .sql(" AND ")
                        .bind::<BigInt, _>(high),
                )
                .select(sql::<BigInt>("count(length(leads.name))"))
                .get_result(&mut conn)?;
            self.rows
                .fetch_add(u64::try_from(read).unwrap_or(0), Ordering::Relaxed);
        }
        Ok(())
    }
}

impl Job {
    /// The tags, a chunk at a time in their key's order, front to back
    /// whichever end the export starts from: read in the newest leads'
    /// order (from the back) it measured no faster, and front to back
    /// the kernel's read-ahead finds what runs of pages there are.
    fn read_tags(&self, conn: &mut SqliteConnection) -> Result<(), Box<dyn std::error::Error>> {
        let mut after: Option<(String, String)> = None;
        while !self.stop.load(Ordering::Relaxed) {
            let mut chunk = lead_tags::table
                .select((lead_tags::lead_id, lead_tags::tag))
                .order((lead_tags::lead_id, lead_tags::tag))
                .limit(self.chunk)
                .into_boxed();
            if let Some((lead, tag)) = &after {
                chunk = chunk.filter(
                    sql::<Bool>("(lead_tags.lead_id, lead_tags.tag) > (")
                        .bind::<Text, _>(lead.clone())
                        .sql(", ")
                        .bind::<Text, _>(tag.clone())
                        .sql(")"),
                );
            }
            let rows: Vec<(String, String)> = chunk.load(conn)?;
            self.rows.fetch_add(rows.len() as u64, Ordering::Relaxed);
            match rows.into_iter().last() {
                Some(last) => after = Some(last),
                None => return Ok(()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Readahead, Start};
    use crate::Store;
    use crate::accounts;
    use crate::leads::{self, NewLead};

    /// The readers cover the whole table from either end, each lead once
    /// (chunks of 10 over 103 leads: the last chunk is partial), and the
    /// tags beside it; and one export at a time reads ahead. (One test: the
    /// slot is the process's, so two tests could take it from each other.)
    #[test]
    fn every_lead_and_tag_is_read_once_by_one_export_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("r.sqlite3")).unwrap();
        let admin = accounts::first_admin(&store);
        for i in 0..103 {
            let lead = NewLead {
                name: format!("Lead {i}"),
                // Three tags a lead: chunks of 10 end between them.
                tags: if i % 3 == 0 {
                    vec!["hot".into(), "vip".into(), "warm".into()]
                } else {
                    Vec::new()
                },
                ..NewLead::default()
            };
            leads::create(&store, &admin, lead).unwrap();
        }
        for from in [Start::Newest, Start::Oldest] {
            let read = Readahead::with_chunk(store.path(), from, 10);
            while !read.threads.iter().all(|t| t.is_finished()) {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
            assert_eq!(read.finish(), 103 + 105, "{from:?}: 103 leads, 105 tags");
        }
        let start = || Readahead::with_chunk(store.path(), Start::Newest, 10);
        let first = start();
        let second = start();
        assert!(!first.threads.is_empty(), "the first export reads ahead");
        assert!(second.threads.is_empty(), "not a second meanwhile");
        drop(second);
        assert!(start().threads.is_empty(), "the second's end frees nothing");
        drop(first);
        assert!(
            !start().threads.is_empty(),
            "the first's end frees the slot"
        );
    }
}
