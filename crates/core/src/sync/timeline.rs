//! Sync of a lead's timeline: its notes and its activities. Both are
//! append-only (a note may also be deleted, as a tombstone): nothing to
//! merge field by field. A desktop's insert applies once (a retried one is
//! already applied) if its user may add to that lead, as the REST API
//! decides, and names them as its author; the pull sends them to whoever may
//! see the lead, and all of a lead's timeline with the lead when it first
//! comes into a user's sight.

use super::{Change, Outcome, PushOp};
use crate::activity::ActivityKind;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{ActivityId, LeadId, NoteId, UserId};
use crate::journal::{Entity, Op};
use crate::leads::access;
use crate::schema::{activities, leads, notes};
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A note as sync carries it: the whole row, tombstone included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = notes)]
pub struct NoteRecord {
    pub id: NoteId,
    pub lead_id: LeadId,
    pub author_id: Option<UserId>,
    pub body: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// An activity as sync carries it (`detail` is its JSON text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = activities)]
pub struct ActivityRecord {
    pub id: ActivityId,
    pub lead_id: LeadId,
    pub actor_id: Option<UserId>,
    pub kind: ActivityKind,
    pub detail: String,
    pub at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a desktop's journal says of a new note or activity (the fields of
/// the row it wrote).
#[derive(Deserialize)]
struct NewNote {
    lead_id: LeadId,
    author_id: Option<UserId>,
    body: String,
    created_at: Timestamp,
}

#[derive(Deserialize)]
struct NewActivity {
    lead_id: LeadId,
    actor_id: Option<UserId>,
    kind: ActivityKind,
    detail: String,
    at: Timestamp,
    created_at: Timestamp,
}

fn parse<T: serde::de::DeserializeOwned>(fields: &Map<String, Value>) -> CoreResult<T> {
    serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| CoreError::invalid("fields", e.to_string()))
}

/// Nobody writes in another's name.
fn as_themselves(actor: &Actor, named: Option<UserId>, what: &str) -> CoreResult<()> {
    if named == Some(actor.user_id) {
        Ok(())
    } else {
        Err(CoreError::Forbidden(format!(
            "a {what} can only be added in its author's own name"
        )))
    }
}

pub(super) fn apply_note(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = NoteId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    let existing: Option<NoteRecord> = notes::table
        .filter(notes::id.eq(id))
        .select(NoteRecord::as_select())
        .first(conn)
        .optional()?;
    match (op.op, existing) {
        (Op::Insert, Some(_)) => Ok(Outcome::AlreadyApplied),
        (Op::Insert, None) => {
            let new: NewNote = parse(fields)?;
            access::visible_lead(conn, actor, new.lead_id)?;
            as_themselves(actor, new.author_id, "note")?;
            let body = crate::fields::required_body(&new.body, crate::notes::BODY_MAX)
                .map_err(|m| CoreError::invalid("body", m))?;
            let row = NoteRecord {
                id,
                lead_id: new.lead_id,
                author_id: new.author_id,
                body,
                created_at: new.created_at,
                updated_at: new.created_at,
                deleted_at: None,
            };
            diesel::insert_into(notes::table)
                .values(&row)
                .execute(conn)?;
            super::settle(conn, actor, client, op, &row, Vec::new())
        }
        (Op::Delete, None) => Err(CoreError::not_found("note")),
        (Op::Delete, Some(note)) if note.deleted_at.is_some() => Ok(Outcome::AlreadyApplied),
        (Op::Delete, Some(note)) => {
            access::visible_lead(conn, actor, note.lead_id)
                .map_err(|_| CoreError::not_found("note"))?;
            if note.author_id != Some(actor.user_id) && !actor.sees_everything() {
                return Err(CoreError::Forbidden(
                    "only the note's author, a Manager or an Admin can delete it".into(),
                ));
            }
            let at = op.hlc.wall();
            diesel::update(notes::table.filter(notes::id.eq(id)))
                .set((notes::deleted_at.eq(at), notes::updated_at.eq(at)))
                .execute(conn)?;
            super::settle(
                conn,
                actor,
                client,
                op,
                &serde_json::json!({ "deleted_at": at }),
                Vec::new(),
            )
        }
        _ => Err(CoreError::invalid(
            "op",
            "a note is added or deleted, never changed",
        )),
    }
}

pub(super) fn apply_activity(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = ActivityId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    if op.op != Op::Insert {
        return Err(CoreError::invalid(
            "op",
            "the activity log is only added to",
        ));
    }
    let exists: i64 = activities::table
        .filter(activities::id.eq(id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(Outcome::AlreadyApplied);
    }
    let new: NewActivity = parse(fields)?;
    access::visible_lead(conn, actor, new.lead_id)?;
    as_themselves(actor, new.actor_id, "activity")?;
    serde_json::from_str::<Value>(&new.detail)
        .map_err(|e| CoreError::invalid("detail", e.to_string()))?;
    let row = ActivityRecord {
        id,
        lead_id: new.lead_id,
        actor_id: new.actor_id,
        kind: new.kind,
        detail: new.detail,
        at: new.at,
        created_at: new.created_at,
        updated_at: new.created_at,
    };
    diesel::insert_into(activities::table)
        .values(&row)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &row, Vec::new())
}

/// Whether `actor` may hold the lead `id` on a desktop (the pull's scope:
/// theirs and the unclaimed pool; everything for Managers and Admins).
pub(super) fn in_scope(conn: &mut SqliteConnection, actor: &Actor, id: LeadId) -> CoreResult<bool> {
    let owner: Option<Option<UserId>> = leads::table
        .filter(leads::id.eq(id))
        .select(leads::owner_id)
        .first(conn)
        .optional()?;
    Ok(match owner {
        None => false,
        Some(owner) => actor.sees_everything() || owner.is_none() || owner == Some(actor.user_id),
    })
}

/// A note or activity as `actor` is to hold it now; `None` when it is not
/// theirs to see (`gone`, if `tell_anyway`: the desktop named it itself).
pub(super) fn as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entity: Entity,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    let found = match entity {
        Entity::Note => match NoteId::parse(id) {
            Ok(id) => notes::table
                .filter(notes::id.eq(id))
                .select(NoteRecord::as_select())
                .first(conn)
                .optional()?
                .map(|n| (n.lead_id, Change::Note(n))),
            Err(_) => None,
        },
        Entity::Activity => match ActivityId::parse(id) {
            Ok(id) => activities::table
                .filter(activities::id.eq(id))
                .select(ActivityRecord::as_select())
                .first(conn)
                .optional()?
                .map(|a| (a.lead_id, Change::Activity(a))),
            Err(_) => None,
        },
        _ => return Ok(None),
    };
    match found {
        Some((lead, change)) if in_scope(conn, actor, lead)? => Ok(Some(change)),
        _ => Ok(tell_anyway.then(|| Change::Gone {
            entity,
            id: id.to_owned(),
        })),
    }
}

/// All of a lead's timeline, for a desktop that has just been sent the lead
/// for the first time.
pub(super) fn of_lead(conn: &mut SqliteConnection, lead: LeadId) -> CoreResult<Vec<Change>> {
    let notes: Vec<NoteRecord> = notes::table
        .filter(notes::lead_id.eq(lead))
        .select(NoteRecord::as_select())
        .load(conn)?;
    let activities: Vec<ActivityRecord> = activities::table
        .filter(activities::lead_id.eq(lead))
        .filter(activities::deleted_at.is_null())
        .select(ActivityRecord::as_select())
        .load(conn)?;
    Ok(notes
        .into_iter()
        .map(Change::Note)
        .chain(activities.into_iter().map(Change::Activity))
        .collect())
}

pub(super) fn lead_here(conn: &mut SqliteConnection, id: LeadId) -> CoreResult<bool> {
    Ok(leads::table
        .filter(leads::id.eq(id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// A desktop writes a note as the server has it (its lead is here: the pull
/// sends a lead before its timeline). Returns whether it was written.
pub(super) fn put_note(conn: &mut SqliteConnection, note: &NoteRecord) -> CoreResult<bool> {
    if !lead_here(conn, note.lead_id)? {
        return Ok(false);
    }
    diesel::insert_into(notes::table)
        .values(note)
        .on_conflict(notes::id)
        .do_update()
        .set((
            notes::body.eq(&note.body),
            notes::updated_at.eq(note.updated_at),
            notes::deleted_at.eq(note.deleted_at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub(super) fn put_activity(
    conn: &mut SqliteConnection,
    activity: &ActivityRecord,
) -> CoreResult<bool> {
    if !lead_here(conn, activity.lead_id)? {
        return Ok(false);
    }
    diesel::insert_or_ignore_into(activities::table)
        .values(activity)
        .execute(conn)?;
    Ok(true)
}

/// A desktop removes a note or activity the server says it may not hold
/// (a refused insert of its own).
pub(super) fn remove(conn: &mut SqliteConnection, entity: Entity, id: &str) -> CoreResult<usize> {
    Ok(match entity {
        Entity::Note => diesel::delete(notes::table.filter(notes::id.eq(id))).execute(conn)?,
        Entity::Activity => {
            diesel::delete(activities::table.filter(activities::id.eq(id))).execute(conn)?
        }
        _ => 0,
    })
}
