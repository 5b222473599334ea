//! A fresh database per test, a clock the test controls, and row counters.

#![allow(dead_code)]

use diesel::prelude::*;
use leadlight_core::clock::ManualClock;
use leadlight_core::enquiries;
use leadlight_core::ids::LeadId;
use leadlight_core::imports::{self, ImportReport};
use leadlight_core::leads::{self, Lead, LeadPatch, NewLead};
use leadlight_core::users::{self, NewUser};
use leadlight_core::{Actor, CoreError, ErrorCode, Role, Store, Timestamp};
use std::sync::Arc;

pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub admin: Actor,
}

pub const START: &str = "2026-11-24T09:00:00Z";

/// The migrations the store runs, for tests that undo and redo the last ones.
pub const MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations");

impl TestDb {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
        let store =
            Store::open_with_clock(dir.path().join("data/leadlight.sqlite3"), clock.clone())
                .unwrap();
        let admin = leadlight_core::accounts::register(
            &store,
            leadlight_core::accounts::Registration {
                password: "correct horse battery".into(),
                name: "Ada Admin".into(),
                email: "ada@example.com".into(),
            },
        )
        .unwrap();
        let admin = Actor::new(admin.id, admin.role);
        Self {
            dir,
            store,
            clock,
            admin,
        }
    }

    /// A database of `leads` generated demo leads (and the demo team; its
    /// Admin is `admin`), as `cargo xtask seed` makes one.
    pub fn demo(leads: u64) -> Self {
        use leadlight_core::demo::{self, DemoSpec};
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(Timestamp::parse(START).unwrap()));
        let store =
            Store::open_with_clock(dir.path().join("data/leadlight.sqlite3"), clock.clone())
                .unwrap();
        demo::generate(&store, DemoSpec { leads, seed: 7 }, |_, _| {}).unwrap();
        let mut conn = store.connection().unwrap();
        let (id, role) = leadlight_core::schema::users::table
            .filter(leadlight_core::schema::users::email.eq(demo::DEMO_USERS[0].1))
            .select((
                leadlight_core::schema::users::id,
                leadlight_core::schema::users::role,
            ))
            .first(&mut conn)
            .unwrap();
        drop(conn);
        Self {
            dir,
            store,
            clock,
            admin: Actor::new(id, role),
        }
    }

    /// A copy of this database, as a desktop's first sync would leave it: the
    /// same users and records, its own file and clock (at the same time).
    pub fn replica(&self) -> TestDb {
        use diesel::connection::SimpleConnection;
        self.store
            .connection()
            .unwrap()
            .batch_execute("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let file = dir.path().join("data/leadlight.sqlite3");
        std::fs::copy(self.store.path(), &file).unwrap();
        let clock = Arc::new(ManualClock::new(self.store.now()));
        let store = Store::open_with_clock(&file, clock.clone()).unwrap();
        TestDb {
            dir,
            store,
            clock,
            admin: self.admin,
        }
    }

    /// Another account with `role` (and optionally a time zone).
    pub fn user(&self, name: &str, role: Role) -> Actor {
        self.user_in(name, role, "UTC")
    }

    pub fn user_in(&self, name: &str, role: Role, time_zone: &str) -> Actor {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        let user = users::create(
            &self.store,
            &self.admin,
            NewUser {
                name: name.into(),
                email,
                role: Some(role.as_str().into()),
                time_zone: Some(time_zone.into()),
                password: None,
            },
        )
        .unwrap();
        Actor::new(user.id, user.role)
    }

    pub fn lead(&self, actor: &Actor, name: &str) -> Lead {
        leads::create(
            &self.store,
            actor,
            NewLead {
                name: name.into(),
                ..Default::default()
            },
        )
        .unwrap()
    }

    /// A lead from the public enquiry form ("Walk In"): unclaimed, in the pool.
    pub fn walk_in(&self) -> LeadId {
        enquiries::submit(
            &self.store,
            enquiries::Enquiry {
                name: "Walk In".into(),
                email: Some("walk.in@example.com".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .lead_id
    }

    /// The user behind `actor`, as others see them.
    pub fn profile(&self, actor: &Actor) -> users::User {
        users::get(&self.store, &self.admin, actor.user_id).unwrap()
    }

    /// Rename a lead as `actor`.
    pub fn rename(&self, actor: &Actor, id: LeadId, name: &str) -> Lead {
        leads::update(
            &self.store,
            actor,
            id,
            LeadPatch {
                name: Some(name.into()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    /// Import a CSV file as the Admin, with the mapping guessed from its
    /// headers.
    pub fn import(&self, file: &str) -> Result<ImportReport, CoreError> {
        let mapping = imports::preview(file.as_bytes())?.mapping;
        imports::import(
            &self.store,
            &self.admin,
            file.as_bytes(),
            "import.csv",
            &mapping,
            &mut |_, _| {},
        )
    }

    pub fn at(&self, instant: &str) {
        self.clock.set(Timestamp::parse(instant).unwrap());
    }

    pub fn advance_minutes(&self, minutes: i64) {
        self.clock.advance(chrono::Duration::minutes(minutes));
    }

    /// Rows in `table` (tombstones included).
    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.store.connection().unwrap();
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result::<N>(&mut conn)
            .unwrap()
            .n
    }

    /// Row counts of every table a mutation may touch, to prove a rejected
    /// input wrote nothing.
    pub fn snapshot(&self) -> Vec<(String, i64)> {
        [
            "users",
            "leads",
            "lead_tags",
            "notes",
            "activities",
            "reminders",
            "tasks",
            "customers",
            "change_journal",
        ]
        .iter()
        .map(|t| (t.to_string(), self.count(t)))
        .collect()
    }

    /// Run raw SQL on the database file (test set-up only).
    pub fn exec(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        self.store.connection().unwrap().batch_execute(sql).unwrap();
    }
}

/// The error's code, for `assert_eq!`.
pub fn code<T: std::fmt::Debug>(result: Result<T, CoreError>) -> ErrorCode {
    result.unwrap_err().code()
}

/// The fields a validation error names.
pub fn fields<T: std::fmt::Debug>(result: Result<T, CoreError>) -> Vec<String> {
    let error = result.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Validation, "{error}");
    error.fields().iter().map(|f| f.field.clone()).collect()
}
