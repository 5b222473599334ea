//! Sync of follow-up reminders: records edited field by field like leads
//! (last writer wins per field group), on the REST API's rules: a reminder
//! is its owner's (or any Manager's and Admin's) on a lead they may see, and
//! an Agent is only reminded about a lead they own. The pull sends a
//! reminder to its owner and to Managers and Admins, with its lead.

use super::{Change, Outcome, PushOp, arbitrate_fields, take};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{LeadId, ReminderId, UserId};
use crate::journal::{self, Op};
use crate::leads::access;
use crate::schema::reminders;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A reminder as sync carries it: the whole row, tombstone included.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = reminders, treat_none_as_null = true)]
pub struct ReminderRecord {
    pub id: ReminderId,
    pub lead_id: LeadId,
    pub owner_id: UserId,
    pub due_at: Timestamp,
    pub message: String,
    pub done_at: Option<Timestamp>,
    /// When its owner was shown it (on any of their computers): shown once.
    pub notified_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// Fields that change together. A snooze moves the due time and clears
/// `notified_at` in one write, so the two win or lose as one.
const GROUPS: &[&[&str]] = &[
    &["due_at", "notified_at"],
    &["message"],
    &["done_at"],
    &["owner_id"],
    &["deleted_at"],
];

/// The columns of the winning groups, validated as the REST API would.
fn changes(
    fields: &Map<String, Value>,
    won: &[&str],
) -> CoreResult<crate::reminders::ReminderChanges> {
    let wins = |f: &str| won.contains(&f) && fields.contains_key(f);
    let mut changes = crate::reminders::ReminderChanges::default();
    if wins("owner_id") {
        changes.owner_id = take(fields, "owner_id")?;
    }
    if wins("due_at") {
        changes.due_at = take(fields, "due_at")?;
    }
    if wins("notified_at") {
        changes.notified_at = take(fields, "notified_at")?;
    }
    if wins("message") {
        let message: String = take(fields, "message")?.unwrap_or_default();
        changes.message = Some(
            crate::fields::required_body(&message, crate::reminders::MESSAGE_MAX)
                .map_err(|m| CoreError::invalid("message", m))?,
        );
    }
    if wins("done_at") {
        changes.done_at = take(fields, "done_at")?;
    }
    if wins("deleted_at") {
        changes.deleted_at = take(fields, "deleted_at")?;
    }
    Ok(changes)
}

fn load(conn: &mut SqliteConnection, id: ReminderId) -> CoreResult<Option<ReminderRecord>> {
    Ok(reminders::table
        .filter(reminders::id.eq(id))
        .select(ReminderRecord::as_select())
        .first(conn)
        .optional()?)
}

pub(super) fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = ReminderId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    let Some(current) = load(conn, id)? else {
        return if op.op == Op::Insert {
            insert(conn, actor, client, op, id, fields)
        } else {
            Err(CoreError::not_found("reminder"))
        };
    };
    // The reminder must be the actor's to change, as in the REST API.
    let lead = access::visible_lead_even_deleted(conn, actor, current.lead_id)
        .map_err(|_| CoreError::not_found("reminder"))?;
    if !actor.sees_everything() && current.owner_id != actor.user_id {
        return Err(CoreError::not_found("reminder"));
    }
    let new_owner: Option<UserId> = take(fields, "owner_id")?;
    if let Some(owner) = new_owner.filter(|o| *o != current.owner_id) {
        if !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can give a reminder to someone else".into(),
            ));
        }
        crate::reminders::check_owner(conn, &lead, owner)?;
    }
    let (won, lost) = arbitrate_fields(conn, op, client, GROUPS, fields)?;
    if won.is_empty() {
        return Ok(Outcome::Superseded { fields: lost });
    }
    let mut changes = changes(fields, &won)?;
    changes.updated_at = Some(current.updated_at.max(op.hlc.wall()));
    diesel::update(reminders::table.filter(reminders::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &changes, lost)
}

/// What a desktop's journal says of a new reminder (a restated one carries
/// the whole record).
#[derive(Deserialize)]
struct NewReminder {
    lead_id: LeadId,
    owner_id: UserId,
    due_at: Timestamp,
    message: String,
    created_at: Timestamp,
    #[serde(default)]
    done_at: Option<Timestamp>,
    #[serde(default)]
    notified_at: Option<Timestamp>,
}

/// A reminder the server has never seen: checked like one made through the
/// API.
fn insert(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    id: ReminderId,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let new: NewReminder = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| CoreError::invalid("fields", e.to_string()))?;
    let lead = access::visible_lead(conn, actor, new.lead_id)?;
    if new.owner_id != actor.user_id && !actor.sees_everything() {
        return Err(CoreError::Forbidden(
            "only a Manager or an Admin can set a reminder for someone else".into(),
        ));
    }
    crate::reminders::check_owner(conn, &lead, new.owner_id)?;
    let message = crate::fields::required_body(&new.message, crate::reminders::MESSAGE_MAX)
        .map_err(|m| CoreError::invalid("message", m))?;
    let row = ReminderRecord {
        id,
        lead_id: new.lead_id,
        owner_id: new.owner_id,
        due_at: new.due_at,
        message,
        done_at: new.done_at,
        notified_at: new.notified_at,
        created_at: new.created_at,
        updated_at: new.created_at.max(op.hlc.wall()),
        deleted_at: None,
    };
    diesel::insert_into(reminders::table)
        .values(&row)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &row, Vec::new())
}

/// Whether `actor`'s desktops hold `reminder`: its owner's and every
/// Manager's and Admin's, when they hold its lead.
fn for_actor(actor: &Actor, reminder: &ReminderRecord) -> bool {
    actor.sees_everything() || reminder.owner_id == actor.user_id
}

/// The reminder as `actor` is to hold it now; `gone` when it is no longer
/// theirs but its lead still is (or the desktop named it itself), so it
/// leaves their desktop; nothing when the lead is out of their sight too
/// (the lead's own `gone` takes its reminders with it).
pub(super) fn as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    let found = match ReminderId::parse(id) {
        Ok(id) => load(conn, id)?,
        Err(_) => None,
    };
    let lead_in_scope = match &found {
        Some(r) => super::timeline::in_scope(conn, actor, r.lead_id)?,
        None => false,
    };
    Ok(match found {
        Some(r) if lead_in_scope && for_actor(actor, &r) => Some(Change::Reminder(r)),
        _ if lead_in_scope || tell_anyway => Some(Change::Gone {
            entity: journal::Entity::Reminder,
            id: id.to_owned(),
        }),
        _ => None,
    })
}

/// The reminders on `lead` that `actor`'s desktops hold (tombstones too: a
/// desktop may hold one that was deleted meanwhile).
pub(super) fn of_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead: LeadId,
) -> CoreResult<Vec<Change>> {
    let mut query = reminders::table
        .filter(reminders::lead_id.eq(lead))
        .select(ReminderRecord::as_select())
        .into_boxed();
    if !actor.sees_everything() {
        query = query.filter(reminders::owner_id.eq(actor.user_id));
    }
    Ok(query
        .load(conn)?
        .into_iter()
        .map(Change::Reminder)
        .collect())
}

/// A desktop writes a reminder as the server has it (its lead is here: the
/// pull sends a lead before what hangs off it). Returns whether it was.
pub(super) fn put(conn: &mut SqliteConnection, reminder: &ReminderRecord) -> CoreResult<bool> {
    if !super::timeline::lead_here(conn, reminder.lead_id)? {
        return Ok(false);
    }
    diesel::insert_into(reminders::table)
        .values(reminder)
        .on_conflict(reminders::id)
        .do_update()
        .set(reminder)
        .execute(conn)?;
    Ok(true)
}

pub(super) fn remove(conn: &mut SqliteConnection, id: &str) -> CoreResult<usize> {
    Ok(diesel::delete(reminders::table.filter(reminders::id.eq(id))).execute(conn)?)
}

/// The live reminders on `leads` that `user` may push, as journal inserts
/// clocked when they last changed (a desktop's first sign-in: see
/// `replica::connect`).
pub(crate) fn restate(
    conn: &mut SqliteConnection,
    user: UserId,
    sees_everything: bool,
    leads: &[LeadId],
) -> CoreResult<Vec<journal::Entry>> {
    let mut entries = Vec::new();
    for chunk in leads.chunks(500) {
        let mut query = reminders::table
            .filter(reminders::lead_id.eq_any(chunk))
            .filter(reminders::deleted_at.is_null())
            .select(ReminderRecord::as_select())
            .into_boxed();
        if !sees_everything {
            query = query.filter(reminders::owner_id.eq(user));
        }
        for row in query.load(conn)? {
            entries.push(journal::Entry::restated(
                journal::Entity::Reminder,
                row.id.to_string(),
                &row,
                user,
                row.updated_at,
            )?);
        }
    }
    Ok(entries)
}
