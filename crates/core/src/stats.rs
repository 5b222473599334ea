//! Row counts for a status line (`cargo xtask run`, diagnostics).

use crate::Store;
use crate::error::CoreResult;
use crate::schema::{customers, leads, reminders, users};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub users: i64,
    pub leads: i64,
    pub customers: i64,
    pub pending_reminders: i64,
}

/// How much is in the database (live rows only).
pub fn counts(store: &Store) -> CoreResult<Counts> {
    store.read(|conn| {
        Ok(Counts {
            users: users::table
                .filter(users::deleted_at.is_null())
                .count()
                .get_result(conn)?,
            leads: leads::table
                .filter(leads::deleted_at.is_null())
                .count()
                .get_result(conn)?,
            customers: customers::table
                .filter(customers::deleted_at.is_null())
                .count()
                .get_result(conn)?,
            pending_reminders: reminders::table
                .filter(reminders::deleted_at.is_null())
                .filter(reminders::done_at.is_null())
                .count()
                .get_result(conn)?,
        })
    })
}
