//! The purge horizon: a team server drops the journal entries that every
//! client seen lately has pulled past, and the tombstones no remaining entry
//! speaks of. A desktop whose cursor is older than the horizon (it was away
//! longer than the retention) does a full resync from a snapshot.

use crate::error::CoreResult;
use crate::schema::{change_journal, sync_clients, sync_clock};
use crate::store::Store;
use diesel::prelude::*;
use serde::Serialize;

/// How long a team server keeps its journal when `LEADLIGHT_SYNC_RETENTION_DAYS`
/// does not say.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// What one purge did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Purged {
    /// Journal entries at or below this seq are gone (the horizon).
    pub through: i64,
    pub entries: usize,
    /// Deleted notes, tags and reminders removed for good.
    pub tombstones: usize,
}

/// The journal position at or below which entries are gone (0: none are).
pub(super) fn horizon(conn: &mut SqliteConnection) -> CoreResult<i64> {
    Ok(sync_clock::table
        .select(sync_clock::purged_through)
        .first(conn)?)
}

/// Drop journal entries older than `retention` that every client seen
/// within it has pulled past (never the last entry: it carries the clock
/// and the numbering on), then the tombstones of notes, tags and reminders
/// no remaining entry names. A client that pulled with a cursor from before
/// the horizon is answered with a snapshot.
pub fn purge(store: &Store, retention: chrono::Duration) -> CoreResult<Purged> {
    let cutoff = store.now().plus(-retention);
    store.write(|conn| {
        let done = horizon(conn)?;
        let last: Option<i32> = change_journal::table
            .select(diesel::dsl::max(change_journal::seq))
            .first(conn)?;
        let old: Option<i32> = change_journal::table
            .filter(change_journal::at.lt(cutoff))
            .select(diesel::dsl::max(change_journal::seq))
            .first(conn)?;
        let lagging: Option<i64> = sync_clients::table
            .filter(sync_clients::updated_at.ge(cutoff))
            .select(diesel::dsl::min(sync_clients::pulled_seq))
            .first(conn)?;
        let (Some(last), Some(old)) = (last, old) else {
            return Ok(Purged {
                through: done,
                ..Default::default()
            });
        };
        let through = i64::from(old)
            .min(i64::from(last) - 1)
            .min(lagging.unwrap_or(i64::MAX));
        if through <= done {
            return Ok(Purged {
                through: done,
                ..Default::default()
            });
        }
        // The clock never goes back: `seen` keeps the latest purged clock.
        let newest: Option<i64> = change_journal::table
            .filter(change_journal::seq.le(through as i32))
            .select(diesel::dsl::max(change_journal::hlc))
            .first(conn)?;
        diesel::update(sync_clock::table)
            .set(sync_clock::purged_through.eq(through))
            .execute(conn)?;
        diesel::update(sync_clock::table.filter(sync_clock::seen.lt(newest.unwrap_or(0))))
            .set(sync_clock::seen.eq(newest.unwrap_or(0)))
            .execute(conn)?;
        let entries =
            diesel::delete(change_journal::table.filter(change_journal::seq.le(through as i32)))
                .execute(conn)?;
        let mut tombstones = 0;
        for (table, entity, key) in [
            ("notes", "note", "id"),
            ("reminders", "reminder", "id"),
            ("lead_tags", "lead_tag", "lead_id || '/' || lower(tag)"),
        ] {
            tombstones += diesel::sql_query(format!(
                "DELETE FROM {table} WHERE deleted_at IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM change_journal j WHERE j.entity = '{entity}' AND j.entity_id = {key})"
            ))
            .execute(conn)?;
            diesel::sql_query(format!(
                "DELETE FROM sync_field_clocks WHERE entity = '{entity}' AND NOT EXISTS \
                 (SELECT 1 FROM {table} WHERE {key} = sync_field_clocks.entity_id)"
            ))
            .execute(conn)?;
        }
        Ok(Purged {
            through,
            entries,
            tombstones,
        })
    })
}
