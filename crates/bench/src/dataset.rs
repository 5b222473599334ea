//! The benchmark database: N demo leads from the core's generator, cached in
//! target/bench between runs while N, the generator and the migrations stay
//! the same, and the varied inputs the operations are run with.

use leadlight_core::demo::{self, DemoSpec};
use leadlight_core::{Actor, Store};
use std::path::{Path, PathBuf};

/// The generator's source: a change to it makes a new database.
const GENERATOR: &str = include_str!("../../core/src/demo.rs");
const SEED: u64 = 42;

/// FNV-1a, enough to tell generator versions apart.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The migrations' text: a migration can change how the generated data is
/// laid out (an index, FTS5's merge settings), so it makes a new database too.
fn schema_text() -> Result<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("up.sql")))
        .collect();
    names.sort();
    let mut text = String::new();
    for name in names {
        text.push_str(
            &std::fs::read_to_string(&name).map_err(|e| format!("{}: {e}", name.display()))?,
        );
    }
    Ok(text)
}

/// The cached database for `leads` leads under `root`, made if missing.
/// Returns its path and whether it was made now.
pub fn ensure(root: &Path, leads: u64) -> Result<(PathBuf, bool), String> {
    let key = format!(
        "leads={leads} seed={SEED} generator={:016x} schema={:016x} page={}",
        fingerprint(GENERATOR),
        fingerprint(&schema_text()?),
        leadlight_core::store::PAGE_SIZE
    );
    let dir = root.join(format!("db-{leads}"));
    let file = dir.join("leadlight.sqlite3");
    let marker = dir.join("generator.key");
    if std::fs::read_to_string(&marker).is_ok_and(|k| k == key) && file.exists() {
        return Ok((file, false));
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    eprintln!(
        "building the benchmark database: {leads} demo leads (cached in {})",
        dir.display()
    );
    let store = Store::open(&file).map_err(|e| e.to_string())?;
    let mut last = std::time::Instant::now();
    demo::generate(&store, DemoSpec { leads, seed: SEED }, |done, total| {
        if last.elapsed().as_secs() >= 5 || done == total {
            last = std::time::Instant::now();
            eprintln!("  {done}/{total}");
        }
    })
    .map_err(|e| e.to_string())?;
    drop(store);
    checkpoint(&file)?;
    std::fs::write(&marker, key).map_err(|e| e.to_string())?;
    Ok((file, true))
}

/// Fold the WAL into the main file, so copies and sizes are of one file.
pub fn checkpoint(file: &Path) -> Result<(), String> {
    let conn = rusqlite::Connection::open(file).map_err(|e| e.to_string())?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .map_err(|e| e.to_string())
}

/// One sampled lead, for inputs.
#[derive(Debug, Clone)]
pub struct Sample {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone_digits: Option<String>,
}

/// `count` leads spread evenly over the table (deterministic).
pub fn samples(conn: &rusqlite::Connection, count: usize) -> Result<Vec<Sample>, String> {
    let max: i64 = conn
        .query_row("SELECT max(seq) FROM leads", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let mut statement = conn
        .prepare(
            "SELECT id, name, email, phone_digits FROM leads
             WHERE seq >= ?1 AND deleted_at IS NULL ORDER BY seq LIMIT 1",
        )
        .map_err(|e| e.to_string())?;
    (0..count)
        .map(|i| {
            let seq = (i as i64 * 7919 * 104_729) % max.max(1) + 1;
            statement
                .query_row([seq], |r| {
                    Ok(Sample {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        email: r.get(2)?,
                        phone_digits: r.get(3)?,
                    })
                })
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// What people type into search: a surname, an email fragment, phone digits.
pub fn search_terms(samples: &[Sample]) -> Vec<String> {
    samples
        .iter()
        .enumerate()
        .map(|(i, s)| match i % 3 {
            0 => s
                .name
                .split_whitespace()
                .last()
                .unwrap_or(&s.name)
                .to_owned(),
            1 => s
                .email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(|local| local.chars().take(6).collect())
                .unwrap_or_else(|| s.name.clone()),
            _ => s
                .phone_digits
                .as_deref()
                .map(|d| d[d.len().saturating_sub(7)..].to_owned())
                .unwrap_or_else(|| s.name.clone()),
        })
        .collect()
}

/// The demo Admin, who sees every lead.
pub fn admin(conn: &rusqlite::Connection) -> Result<Actor, String> {
    demo_user(conn, 0)
}

/// The demo's first Agent, who sees their own leads only.
pub fn agent(conn: &rusqlite::Connection) -> Result<Actor, String> {
    demo_user(conn, 3)
}

fn demo_user(conn: &rusqlite::Connection, index: usize) -> Result<Actor, String> {
    let (_, email, role) = demo::DEMO_USERS[index];
    let id: String = conn
        .query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
        .map_err(|e| e.to_string())?;
    let id = leadlight_core::ids::UserId::parse(&id)?;
    Ok(Actor::new(id, role))
}
