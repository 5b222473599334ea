//! Who may see and change which lead. Admins and Managers: every lead. Agents:
//! the leads they own. A lead an actor may not see is `not_found`, so its
//! existence is not revealed.

use super::LeadRow;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::LeadId;
use crate::schema::leads;
use diesel::prelude::*;

/// A live (not deleted) lead the actor may see.
pub(crate) fn visible_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: LeadId,
) -> CoreResult<LeadRow> {
    let row = visible_lead_even_deleted(conn, actor, id)?;
    if row.deleted_at.is_some() {
        return Err(CoreError::not_found("lead"));
    }
    Ok(row)
}

/// As [`visible_lead`], tombstones included (for restore).
pub(crate) fn visible_lead_even_deleted(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: LeadId,
) -> CoreResult<LeadRow> {
    let row = leads::table
        .filter(leads::id.eq(id))
        .select(LeadRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("lead"))?;
    if actor.sees_everything() || row.owner_id == Some(actor.user_id) {
        Ok(row)
    } else {
        Err(CoreError::not_found("lead"))
    }
}

/// Deleting and restoring leads is for Admins and Managers.
pub(crate) fn may_delete(actor: &Actor) -> CoreResult<()> {
    if actor.sees_everything() {
        Ok(())
    } else {
        Err(CoreError::Forbidden(
            "only a Manager or an Admin can delete or restore leads".into(),
        ))
    }
}
