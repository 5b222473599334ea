//! Sync at scale (issue #8): a desktop that made many leads offline pushes
//! them to a fresh server in batches, and another desktop pulls them all.

use crate::report::Line;
use crate::stats::reset_peak_rss;
use leadlight_core::accounts::{self, Registration};
use leadlight_core::imports::{self, ImportField, Mapping};
use leadlight_core::leads::{self, LeadQuery};
use leadlight_core::sync::{self, PushBatch};
use leadlight_core::{Actor, Store};
use std::path::Path;
use std::time::Instant;

const CLIENT: &str = "0199d000-0000-7000-8000-0000000000be";

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A copy of the server's database, as a desktop's first sync leaves it.
fn replica(server: &Store, file: &Path) -> Result<Store, String> {
    // Everything into the main file first, so a plain copy is the whole
    // database (the store's own connections hold no transaction now).
    rusqlite::Connection::open(server.path())
        .map_err(err)?
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .map_err(err)?;
    std::fs::create_dir_all(file.parent().ok_or("no folder")?).map_err(err)?;
    std::fs::copy(server.path(), file).map_err(err)?;
    Store::open(file).map_err(err)
}

fn last_seq(store: &Store) -> Result<i64, String> {
    Ok(sync::outbox(store, 0, i64::MAX)
        .map_err(err)?
        .last()
        .map_or(0, |op| op.seq))
}

fn count(store: &Store, admin: &Actor) -> Result<i64, String> {
    Ok(leads::list(store, admin, LeadQuery::default())
        .map_err(err)?
        .total)
}

pub fn measure(count_of: usize, scratch: &Path, lines: &mut Vec<Line>) -> Result<(), String> {
    let dir = scratch.join("sync");
    let server = Store::open(dir.join("server/leadlight.sqlite3")).map_err(err)?;
    let user = accounts::register(
        &server,
        Registration {
            name: "Bench Admin".into(),
            email: "bench@sync.example".into(),
            password: "a long bench password".into(),
        },
    )
    .map_err(err)?;
    let admin = Actor::new(user.id, user.role);
    // The desktops are copied before the server arbitrates: a desktop keeps
    // no field clocks.
    let offline = replica(&server, &dir.join("a/leadlight.sqlite3"))?;
    let fresh = replica(&server, &dir.join("b/leadlight.sqlite3"))?;
    sync::arbitrate(&server).map_err(err)?;
    let mut pushed = last_seq(&offline)?;
    // The new desktop starts as every new desktop does: with a snapshot.
    let mut cursor = sync::FIRST_SYNC;

    // The offline desktop's leads, made in bulk (an import) to get there fast.
    let mut csv = String::from("Name,Email\n");
    for n in 0..count_of {
        csv.push_str(&format!("Offline Person {n},offline{n}@sync.example\n"));
    }
    let mapping: Mapping = [(ImportField::Name, "Name"), (ImportField::Email, "Email")]
        .into_iter()
        .map(|(f, h)| (f, h.to_owned()))
        .collect();
    imports::import(
        &offline,
        &admin,
        csv.as_bytes(),
        "offline.csv",
        &mapping,
        &mut |_, _| {},
    )
    .map_err(err)?;

    reset_peak_rss();
    let started = Instant::now();
    loop {
        let ops = sync::outbox(&offline, pushed, sync::MAX_OPS_PER_BATCH as i64).map_err(err)?;
        if ops.is_empty() {
            break;
        }
        let answer = sync::push(
            &server,
            &admin,
            PushBatch {
                client_id: CLIENT.into(),
                ops,
            },
        )
        .map_err(err)?;
        pushed = answer.applied_through;
        sync::receive(&offline, &answer.current, answer.server_clock, pushed).map_err(err)?;
    }
    let push_s = started.elapsed().as_secs_f64();
    if count(&server, &admin)? != count_of as i64 {
        return Err("the server does not hold every pushed lead".into());
    }
    lines.push(Line::recorded(
        &format!(
            "sync: push {count_of} leads made offline (each saying who made it), 500 operations a batch"
        ),
        push_s,
    ));

    reset_peak_rss();
    let started = Instant::now();
    loop {
        let page =
            sync::changes(&server, &admin, cursor, sync::MAX_CHANGES_PER_PAGE).map_err(err)?;
        sync::receive(&fresh, &page.changes, page.server_clock, 0).map_err(err)?;
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    let pull_s = started.elapsed().as_secs_f64();
    if count(&fresh, &admin)? != count_of as i64 {
        return Err("the pulling desktop does not hold every lead".into());
    }
    lines.push(Line::recorded(
        &format!(
            "sync: first sync of those {count_of} leads to a new desktop (a snapshot, 1,000 leads a page, each with its timeline)"
        ),
        pull_s,
    ));
    Ok(())
}
