//! A snapshot: the pull's answer to a desktop that starts from nothing, or
//! from a cursor older than the purge horizon. It pages over the leads
//! themselves (each with what hangs off it), after the whole team, and then
//! hands over to the journal at the position it began from, so nothing
//! changed meanwhile is missed.

use super::{Change, ChangesPage, LeadRecord, hold, parts_of_lead};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::journal;
use crate::schema::leads;
use diesel::prelude::*;

/// Where a snapshot is: the journal position it began at and the last lead
/// (by row number) it sent. It travels as the cursor, a negative number, so
/// that a cursor stays one integer the desktop keeps as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Snapshot {
    pub start: i64,
    pub after: i64,
}

const AFTER_BITS: u32 = 32;

impl Snapshot {
    pub fn begin(start: i64) -> Self {
        Self { start, after: 0 }
    }

    pub fn cursor(self) -> CoreResult<i64> {
        if !(0..1 << 31).contains(&self.start) || !(0..1 << AFTER_BITS).contains(&self.after) {
            return Err(CoreError::internal("a snapshot position out of range"));
        }
        Ok(-((self.start << AFTER_BITS) | self.after) - 1)
    }

    /// The snapshot a negative cursor names; `None` for a journal position.
    pub fn from_cursor(cursor: i64) -> Option<Self> {
        (cursor < 0).then(|| {
            let value = -(cursor + 1);
            Self {
                start: value >> AFTER_BITS,
                after: value & ((1 << AFTER_BITS) - 1),
            }
        })
    }
}

/// One page of the snapshot for `actor`: on the first, every member of the
/// team and the tasks they hold; then up to `limit` leads they may hold, tombstones included, each
/// with its notes, activities, tags and their reminders.
pub(super) fn page(
    conn: &mut SqliteConnection,
    actor: &Actor,
    at: Snapshot,
    limit: i64,
    resync: bool,
) -> CoreResult<ChangesPage> {
    let in_scope = || {
        let mut query = leads::table.into_boxed();
        if !actor.sees_everything() {
            query = query.filter(
                leads::owner_id
                    .eq(actor.user_id)
                    .or(leads::owner_id.is_null()),
            );
        }
        query
    };
    let mut changes = Vec::new();
    let mut total = None;
    if at.after == 0 {
        total = Some(in_scope().count().get_result(conn)?);
        changes.extend(super::team(conn, None)?.into_iter().map(Change::User));
        changes.extend(super::tasks::all_for(conn, actor)?);
    }
    let rows: Vec<(Option<i32>, LeadRecord)> = in_scope()
        .filter(leads::seq.gt(at.after as i32))
        .order(leads::seq.asc())
        .limit(limit)
        .select((leads::seq, LeadRecord::as_select()))
        .load(conn)?;
    let last = rows.last().and_then(|(seq, _)| *seq).map(i64::from);
    let finished = (rows.len() as i64) < limit;
    for (_, lead) in rows {
        let id = lead.id;
        hold(conn, actor, crate::journal::Entity::Lead, &id.to_string())?;
        changes.push(Change::Lead(lead));
        changes.extend(parts_of_lead(conn, actor, id)?);
    }
    let cursor = match last {
        Some(after) if !finished => Snapshot { after, ..at }.cursor()?,
        // The journal takes over where the snapshot began.
        _ => at.start,
    };
    Ok(ChangesPage {
        changes,
        cursor,
        more: true,
        server_clock: journal::last_clock(conn)?,
        resync,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::Snapshot;

    #[test]
    fn a_snapshot_position_survives_the_cursor() {
        for (start, after) in [
            (0, 0),
            (0, 1),
            (7, 0),
            (123_456, 987_654),
            ((1 << 31) - 1, (1 << 32) - 1),
        ] {
            let at = Snapshot { start, after };
            let cursor = at.cursor().unwrap();
            assert!(cursor < 0);
            assert_eq!(Snapshot::from_cursor(cursor), Some(at));
        }
        assert_eq!(Snapshot::from_cursor(0), None);
        // A new desktop's cursor asks for a snapshot's first page.
        assert_eq!(
            Snapshot::from_cursor(super::super::FIRST_SYNC),
            Some(Snapshot { start: 0, after: 0 })
        );
        assert_eq!(Snapshot::from_cursor(42), None);
        assert!(
            Snapshot {
                start: 1 << 31,
                after: 0
            }
            .cursor()
            .is_err()
        );
    }
}
