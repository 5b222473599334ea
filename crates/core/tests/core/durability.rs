//! A kill at any moment loses no committed data. A child process (this same
//! test binary, re-run with an environment variable) creates leads in a loop
//! and reports each id once its transaction has committed; the parent kills
//! it with SIGKILL mid-stream, reopens the file, and finds every reported lead.

use leadlight_core::ids::LeadId;
use leadlight_core::leads::{self, NewLead};
use leadlight_core::{Actor, Store};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const CHILD_ENV: &str = "LEADLIGHT_KILL_TEST_DB";

#[test]
fn killed_writer_loses_no_committed_lead() {
    if let Ok(path) = std::env::var(CHILD_ENV) {
        return write_until_killed(&path);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.sqlite3");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability::killed_writer_loses_no_committed_lead",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut committed = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(id) = line.strip_prefix("committed ") {
            committed.push(LeadId::parse(id).unwrap());
            if committed.len() == 300 {
                child.kill().unwrap();
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(
        committed.len(),
        300,
        "the child wrote leads before it was killed"
    );

    let store = Store::open(&path).unwrap();
    let admin = admin_of(&store);
    for id in &committed {
        leads::get(&store, &admin, *id).unwrap();
    }
    // Search and the journal are consistent with what survived.
    let total = leads::list(&store, &admin, Default::default())
        .unwrap()
        .total;
    assert!(total >= 300);
    let found = leads::list(
        &store,
        &admin,
        leads::LeadQuery {
            q: Some("survivor".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .total;
    assert_eq!(found, total);
}

fn admin_of(store: &Store) -> Actor {
    use diesel::prelude::*;
    use leadlight_core::schema::users as t;
    let mut conn = store.connection().unwrap();
    let id: String = t::table.select(t::id).first(&mut conn).unwrap();
    Actor::new(
        leadlight_core::ids::UserId::parse(&id).unwrap(),
        leadlight_core::Role::Admin,
    )
}

/// The child: commit leads forever, announcing each after its commit.
fn write_until_killed(path: &str) {
    let store = Store::open(path).unwrap();
    let admin = leadlight_core::accounts::register(
        &store,
        leadlight_core::accounts::Registration {
            password: "correct horse battery".into(),
            name: "Kim".into(),
            email: "kim@example.com".into(),
        },
    )
    .unwrap();
    let actor = Actor::new(admin.id, admin.role);
    let mut out = std::io::stdout().lock();
    for i in 0.. {
        let lead = leads::create(
            &store,
            &actor,
            NewLead {
                name: format!("Survivor {i}"),
                phone: Some(format!("+1 555 {i:07}")),
                ..Default::default()
            },
        )
        .unwrap();
        writeln!(out, "committed {}", lead.id).unwrap();
        out.flush().unwrap();
    }
}
