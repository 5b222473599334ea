//! The raw side: the same work as each service, written directly against
//! SQLite with rusqlite and prepared statements. It returns the same rows
//! (page, total, tags, owner names) but skips validation, authorization,
//! typed mapping and JSON: the difference is what the core costs.

use rusqlite::functions::FunctionFlags;
use rusqlite::{Connection, params};

type R<T> = Result<T, String>;

fn err(e: rusqlite::Error) -> String {
    e.to_string()
}

/// A connection set up as the store sets up its own (WAL, synchronous=NORMAL,
/// foreign keys, a busy timeout), so both sides pay the same for a commit.
pub fn connect(file: &std::path::Path) -> R<Connection> {
    let conn = Connection::open(file).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(err)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;
         PRAGMA wal_autocheckpoint = {};",
        leadlight_core::store::WAL_CHECKPOINT_PAGES
    ))
    .map_err(err)?;
    // As the core: registered once (registering again would make SQLite
    // prepare every cached statement anew), the matches handed over per
    // search on this thread.
    conn.create_scalar_function(
        "raw_matched",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let seq = ctx.get::<i64>(0)?;
            Ok(MATCHED.with(|m| m.borrow().binary_search(&seq).is_ok()))
        },
    )
    .map_err(err)?;
    Ok(conn)
}

thread_local! {
    /// The search's matches, for `raw_matched(seq)`.
    static MATCHED: std::cell::RefCell<Vec<i64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A page of leads as the list shows them: the row, its owner's name, tags.
// The fields are materialised like the core's, though nothing reads them.
#[derive(Debug)]
#[allow(dead_code)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub tags: Vec<String>,
}

const COLUMNS: &str = "l.id, l.name, l.email, l.phone, l.company, l.source, l.status, \
                       l.owner_id, u.name, l.claimed_at, l.converted_at, l.lost_at, \
                       l.created_at, l.updated_at, l.created_by, l.created_via";

fn count(conn: &Connection, filter: &str, binds: &[&dyn rusqlite::ToSql]) -> R<i64> {
    number(
        conn,
        &format!("SELECT count(*) FROM leads l WHERE l.deleted_at IS NULL AND {filter}"),
        binds,
    )
}

/// The one number a statement answers.
fn number(conn: &Connection, sql: &str, binds: &[&dyn rusqlite::ToSql]) -> R<i64> {
    conn.prepare_cached(sql)
        .map_err(err)?
        .query_row(binds, |r| r.get(0))
        .map_err(err)
}

fn page(
    conn: &Connection,
    filter: &str,
    binds: &[&dyn rusqlite::ToSql],
    total: i64,
) -> R<(Vec<Row>, i64)> {
    page_by(
        conn,
        filter,
        binds,
        total,
        "l.created_at DESC, l.seq DESC",
        50,
    )
}

fn page_by(
    conn: &Connection,
    filter: &str,
    binds: &[&dyn rusqlite::ToSql],
    total: i64,
    order: &str,
    limit: u32,
) -> R<(Vec<Row>, i64)> {
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads l LEFT JOIN users u ON u.id = l.owner_id
             WHERE l.deleted_at IS NULL AND {filter}
             ORDER BY {order} LIMIT {limit}"
        ))
        .map_err(err)?;
    let mut rows: Vec<Row> = statement
        .query_map(binds, |r| {
            Ok(Row {
                id: r.get(0)?,
                name: r.get(1)?,
                owner: r.get(8)?,
                tags: Vec::new(),
            })
        })
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let mut tags = conn
        .prepare_cached(
            "SELECT tag FROM lead_tags WHERE lead_id = ?1 AND deleted_at IS NULL ORDER BY tag",
        )
        .map_err(err)?;
    for row in &mut rows {
        row.tags = tags
            .query_map([&row.id], |r| r.get(0))
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
    }
    Ok((rows, total))
}

/// Full-text search, first page of 50 with the total: the best plan by hand
/// (the total from the index alone; a common term walks the date index).
pub fn search(conn: &Connection, fts: &str) -> R<(Vec<Row>, i64)> {
    // The core's plan: the matches read once; past 1,000 the page walks the
    // date index testing each lead against them in memory (a sorted list
    // here, a bit set in the core), else it looks them up.
    let matched: Vec<i64> = conn
        .prepare_cached("SELECT rowid FROM leads_fts WHERE leads_fts MATCH ?1")
        .map_err(err)?
        .query_map([fts], |r| r.get(0))
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)?;
    let total = matched.len() as i64;
    if matched.len() > 1_000 {
        MATCHED.with(|m| *m.borrow_mut() = matched);
        page(conn, "raw_matched(l.seq)", &[], total)
    } else {
        // A few: looked up by seq from one JSON array, the page chosen
        // over seq and date before its rows are read.
        let listed: Vec<String> = matched.iter().map(i64::to_string).collect();
        let listed = format!("[{}]", listed.join(","));
        page(
            conn,
            "l.seq IN (SELECT seq FROM leads WHERE deleted_at IS NULL
                 AND seq IN (SELECT value FROM json_each(?1))
                 ORDER BY created_at DESC, seq DESC LIMIT 50)",
            &[&listed],
            total,
        )
    }
}

/// Status + source + created range, newest first, with the total.
pub fn filtered(
    conn: &Connection,
    status: &str,
    source: &str,
    from: i64,
    to: i64,
) -> R<(Vec<Row>, i64)> {
    let filter = "l.status = ?1 AND l.source = ?2 AND l.created_at >= ?3 AND l.created_at <= ?4";
    let binds: [&dyn rusqlite::ToSql; 4] = [&status, &source, &from, &to];
    let total = count(conn, filter, &binds)?;
    page(conn, filter, &binds, total)
}

/// A pipeline column: one status, last updated first, 30 with the total (from
/// the summary table, walking the update index as the core does).
pub fn pipeline_column(conn: &Connection, status: &str) -> R<(Vec<Row>, i64)> {
    let total = number(
        conn,
        "SELECT coalesce(sum(n), 0) FROM lead_totals WHERE status = ?1",
        &[&status],
    )?;
    let binds: [&dyn rusqlite::ToSql; 1] = [&status];
    page_by(
        conn,
        "l.status || '' = ?1",
        &binds,
        total,
        "l.updated_at DESC, l.seq DESC",
        30,
    )
}

/// One lead with owner, tags, notes, its latest 50 activities, reminders and
/// customer record.
pub fn open(conn: &Connection, id: &str) -> R<usize> {
    let mut found = 0;
    let mut lead = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM leads l LEFT JOIN users u ON u.id = l.owner_id
             WHERE l.id = ?1 AND l.deleted_at IS NULL"
        ))
        .map_err(err)?;
    let name: String = lead.query_row([id], |r| r.get(1)).map_err(err)?;
    found += usize::from(!name.is_empty());
    for sql in [
        "SELECT tag FROM lead_tags WHERE lead_id = ?1 AND deleted_at IS NULL ORDER BY tag",
        "SELECT n.id, n.body, n.created_at, u.name FROM notes n LEFT JOIN users u ON u.id = n.author_id
         WHERE n.lead_id = ?1 AND n.deleted_at IS NULL ORDER BY n.created_at DESC",
        "SELECT a.id, a.kind, a.detail, a.at, u.name FROM activities a LEFT JOIN users u ON u.id = a.actor_id
         WHERE a.lead_id = ?1 AND a.deleted_at IS NULL ORDER BY a.at DESC, a.id DESC LIMIT 50",
        "SELECT id, due_at, message, done_at FROM reminders WHERE lead_id = ?1 AND deleted_at IS NULL ORDER BY due_at",
        "SELECT id, name FROM customers WHERE lead_id = ?1 AND deleted_at IS NULL",
    ] {
        let mut statement = conn.prepare_cached(sql).map_err(err)?;
        let mut rows = statement.query([id]).map_err(err)?;
        while rows.next().map_err(err)?.is_some() {
            found += 1;
        }
    }
    Ok(found)
}

/// Insert one lead as the core does (the lead, saying who made it and how,
/// and its journal row), in its own transaction.
pub fn create(conn: &Connection, n: u64, owner: &str, now: i64) -> R<()> {
    let id = format!("00000000-0000-7000-8000-{n:012}");
    let tx = conn.unchecked_transaction().map_err(err)?;
    tx.prepare_cached(
        "INSERT INTO leads (id, name, email, phone, phone_digits, company, source, status, owner_id,
                            created_at, updated_at, created_by, created_via)
         VALUES (?1, ?2, ?3, ?4, ?5, 'Raw & Co', 'other', 'new', ?6, ?7, ?7, ?6, 'app')",
    )
    .map_err(err)?
    .execute(params![
        id,
        format!("Raw Lead {n}"),
        format!("raw{n}@bench.example"),
        format!("+1 555 {n:07}"),
        format!("1555{n:07}"),
        owner,
        now
    ])
    .map_err(err)?;
    tx.prepare_cached(
        "INSERT INTO change_journal (entity, entity_id, op, fields, actor_id, at, hlc)
         VALUES ('lead', ?1, 'insert', '{}', ?2, ?3,
                 max(coalesce((SELECT hlc FROM change_journal ORDER BY seq DESC LIMIT 1), 0),
                     (SELECT seen FROM sync_clock), ?3 * 65536) + 1)",
    )
    .map_err(err)?
    .execute(params![id, owner, now])
    .map_err(err)?;
    tx.commit().map_err(err)
}

/// Insert imported rows with one prepared statement in one transaction.
pub fn insert_rows(conn: &Connection, rows: &[[String; 4]], owner: &str, now: i64) -> R<()> {
    let tx = conn.unchecked_transaction().map_err(err)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO leads (id, name, email, phone, phone_digits, company, source, status,
                                    owner_id, created_at, updated_at, created_by, created_via)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'other', 'new', ?7, ?8, ?8, ?7, 'import')",
            )
            .map_err(err)?;
        for (n, [name, email, phone, company]) in rows.iter().enumerate() {
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            insert
                .execute(params![
                    format!("00000000-0000-7000-a000-{n:012}"),
                    name,
                    email,
                    phone,
                    digits,
                    company,
                    owner,
                    now
                ])
                .map_err(err)?;
        }
    }
    tx.commit().map_err(err)
}

/// Open the file and run the first query (one lead by id).
pub fn open_and_query(file: &std::path::Path, id: &str) -> R<String> {
    let conn = Connection::open(file).map_err(err)?;
    conn.query_row("SELECT name FROM leads WHERE id = ?1", [id], |r| r.get(0))
        .map_err(err)
}

/// Wait until the write-ahead log is all copied into the database (the core
/// leaves that to a thread after an import), so the raw side that runs next
/// does not share the disk with it.
pub fn wait_for_checkpoint(conn: &Connection) -> R<()> {
    loop {
        let (busy, log, copied): (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(err)?;
        if busy == 0 && log == copied {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
