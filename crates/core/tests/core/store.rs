use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use leadlight_core::{OpenError, Store, stats, store};

fn register_ada(store: &Store) {
    leadlight_core::accounts::register(
        store,
        leadlight_core::accounts::Registration {
            password: "correct horse battery".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
        },
    )
    .unwrap();
}

#[test]
fn open_creates_the_file_and_its_folder_and_reopens_with_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/leadlight.sqlite3");
    let store = Store::open(&path).unwrap();
    assert!(path.exists());
    register_ada(&store);
    drop(store);
    let again = Store::open(&path).unwrap();
    assert_eq!(stats::counts(&again).unwrap().users, 1);
}

/// The integer a query returns, read on a pooled connection.
fn int(store: &Store, query: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Int {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        v: i64,
    }
    let mut conn = store.connection().unwrap();
    diesel::sql_query(format!("SELECT ({query}) AS v"))
        .get_result::<Int>(&mut conn)
        .unwrap()
        .v
}

fn pragma(store: &Store, name: &str) -> i64 {
    int(store, &format!("SELECT * FROM pragma_{name}()"))
}

#[test]
fn pragmas_are_set_on_every_connection() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db.sqlite3")).unwrap();
    #[derive(QueryableByName, Debug)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }
    let mut conn = store.connection().unwrap();
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    for (name, expected) in [
        ("foreign_keys", 1),
        ("synchronous", 1),
        ("busy_timeout", 5000),
    ] {
        assert_eq!(pragma(&store, name), expected, "{name}");
    }
    // No table-valued function for this one (setting it is a side effect).
    #[derive(QueryableByName, Debug)]
    struct Checkpoint {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wal_autocheckpoint: i64,
    }
    let checkpoint: Checkpoint = diesel::sql_query("PRAGMA wal_autocheckpoint")
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(
        checkpoint.wal_autocheckpoint,
        i64::from(store::WAL_CHECKPOINT_PAGES)
    );
    // Built with the query planner stability guarantee (.cargo/config.toml):
    // otherwise every statement with a bound LIMIT is compiled again on
    // every run.
    let qpsg = int(
        &store,
        "SELECT count(*) FROM pragma_compile_options() WHERE compile_options = 'ENABLE_QPSG'",
    );
    assert_eq!(qpsg, 1, "SQLite built without SQLITE_ENABLE_QPSG");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let content = b"these are my meeting notes, not a database\n".repeat(10);
    std::fs::write(&path, &content).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, OpenError::NotADatabase { .. }), "{error}");
    assert!(error.to_string().contains("not a SQLite database"));
    assert_eq!(std::fs::read(&path).unwrap(), content);
}

#[test]
fn another_applications_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite3");
    {
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos (path) VALUES ('a.jpg');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, OpenError::NotLeadlight { .. }), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("other.sqlite3-wal").exists());
}

#[test]
fn a_database_from_a_newer_leadlight_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadlight.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        let mut conn = store.connection().unwrap();
        conn.batch_execute(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000');
             PRAGMA wal_checkpoint(TRUNCATE);",
        )
        .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, OpenError::NewerThanBuild { .. }), "{error}");
    assert!(error.to_string().contains("newer Leadlight"));
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn an_empty_file_becomes_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadlight.sqlite3");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(stats::counts(&store).unwrap().leads, 0);
}

#[test]
fn a_new_database_gets_the_smaller_page_size_and_an_older_one_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadlight.sqlite3");
    let store = Store::open(&path).unwrap();
    assert_eq!(pragma(&store, "page_size"), i64::from(store::PAGE_SIZE));
    assert_eq!(store::PAGE_SIZE, 2048);

    // An empty file is fresh too.
    let empty = dir.path().join("empty.sqlite3");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(pragma(&Store::open(&empty).unwrap(), "page_size"), 2048);

    // A database made before, at SQLite's default 4096, opens with its data
    // and its page size as they were.
    register_ada(&store);
    drop(store);
    {
        let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
        conn.batch_execute(
            "PRAGMA journal_mode = DELETE; PRAGMA page_size = 4096; VACUUM; PRAGMA journal_mode = WAL;",
        )
        .unwrap();
    }
    let older = Store::open(&path).unwrap();
    assert_eq!(pragma(&older, "page_size"), 4096);
    assert_eq!(stats::counts(&older).unwrap().users, 1);
}

/// Migration 000016 undone on a database in use: a lead made since gets its
/// `created` activity row back (its creation was only on the lead), the
/// journal keeps every entry, and done again the lead shows its creation once.
#[test]
fn the_write_volume_migration_undoes_without_losing_a_creation() {
    use crate::helpers::MIGRATIONS;
    use diesel_migrations::MigrationHarness;
    let db = crate::helpers::TestDb::new();
    let lead = db.lead(&db.admin, "Made Since");
    let entries = db.count("change_journal");
    let created_rows = format!(
        "activities WHERE lead_id = '{}' AND kind = 'created'",
        lead.id
    );
    assert_eq!(db.count(&created_rows), 0);
    {
        let mut conn = db.store.connection().unwrap();
        // 000018 (the phone's search terms), then 000017 (the search
        // index's merging, back to FTS5's 4).
        let undone = conn.revert_last_migration(MIGRATIONS).unwrap();
        assert!(undone.to_string().ends_with("000018"), "{undone}");
        let undone = conn.revert_last_migration(MIGRATIONS).unwrap();
        assert!(undone.to_string().ends_with("000017"), "{undone}");
        assert_eq!(
            db.count("leads_fts_config WHERE k = 'automerge' AND v = 4"),
            1
        );
        let undone = conn.revert_last_migration(MIGRATIONS).unwrap();
        assert!(undone.to_string().ends_with("000016"), "{undone}");
    }
    assert_eq!(db.count(&created_rows), 1);
    assert_eq!(
        db.count(&format!(
            "activities WHERE lead_id = '{}' AND actor_id = '{}'",
            lead.id, db.admin.user_id
        )),
        1,
        "made by the Admin"
    );
    assert_eq!(db.count("change_journal"), entries);
    db.store
        .connection()
        .unwrap()
        .run_pending_migrations(MIGRATIONS)
        .unwrap();
    let timeline = leadlight_core::activity::list_for_lead(
        &db.store,
        &db.admin,
        lead.id,
        leadlight_core::PageRequest::default(),
    )
    .unwrap();
    assert_eq!(timeline.total, 1, "{:?}", timeline.items);
    assert_eq!(timeline.items[0].kind.to_string(), "created");
}
