//! Sync of tasks: records merged field by field (last writer wins per
//! group), on the REST API's rules: an Agent holds and changes the tasks
//! assigned to them; Managers and Admins all of them, and only they give a
//! task to someone else; the creator (or a Manager or Admin) deletes it. A
//! task that leaves an Agent (given to someone else) is `gone` from their
//! desktop.

use super::{Change, Outcome, PushOp, arbitrate_fields, take};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{LeadId, TaskId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::access;
use crate::schema::tasks;
use crate::tasks::TaskStatus;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A task as sync carries it: the whole row, tombstone included.
#[derive(
    Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable, AsChangeset,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = tasks, treat_none_as_null = true)]
pub struct TaskRecord {
    pub id: TaskId,
    pub title: String,
    pub description: String,
    pub due_at: Option<Timestamp>,
    pub assignee_id: UserId,
    pub lead_id: Option<LeadId>,
    pub status: TaskStatus,
    pub completed_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// Fields that change together: a task is done with the time it was done.
const GROUPS: &[&[&str]] = &[
    &["title"],
    &["description"],
    &["due_at"],
    &["assignee_id"],
    &["status", "completed_at"],
    &["deleted_at"],
];

fn title(text: &str) -> CoreResult<String> {
    crate::fields::required_text(text, crate::tasks::TITLE_MAX)
        .map_err(|m| CoreError::invalid("title", m))
}

fn description(text: &str) -> CoreResult<String> {
    let text = text.trim().to_owned();
    crate::fields::at_most(&text, crate::tasks::DESCRIPTION_MAX)
        .map_err(|message| CoreError::invalid("description", message))?;
    Ok(text)
}

/// The columns of the winning groups, validated as the REST API would.
fn changes(fields: &Map<String, Value>, won: &[&str]) -> CoreResult<crate::tasks::TaskChanges> {
    let wins = |f: &str| won.contains(&f) && fields.contains_key(f);
    let mut changes = crate::tasks::TaskChanges::default();
    if wins("title") {
        changes.title = Some(title(
            &take::<String>(fields, "title")?.unwrap_or_default(),
        )?);
    }
    if wins("description") {
        changes.description = Some(description(
            &take::<String>(fields, "description")?.unwrap_or_default(),
        )?);
    }
    if wins("due_at") {
        changes.due_at = take(fields, "due_at")?;
    }
    if wins("assignee_id") {
        changes.assignee_id = take(fields, "assignee_id")?;
    }
    if wins("status") {
        changes.status = take(fields, "status")?;
    }
    if wins("completed_at") {
        changes.completed_at = take(fields, "completed_at")?;
    }
    if wins("deleted_at") {
        changes.deleted_at = take(fields, "deleted_at")?;
    }
    Ok(changes)
}

fn load(conn: &mut SqliteConnection, id: TaskId) -> CoreResult<Option<TaskRecord>> {
    Ok(tasks::table
        .filter(tasks::id.eq(id))
        .select(TaskRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Whether `actor`'s desktops hold the task.
fn theirs(actor: &Actor, task: &TaskRecord) -> bool {
    actor.sees_everything() || task.assignee_id == actor.user_id
}

pub(super) fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = TaskId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    let Some(current) = load(conn, id)? else {
        return if op.op == Op::Insert {
            insert(conn, actor, client, op, id, fields)
        } else {
            Err(CoreError::not_found("task"))
        };
    };
    if !theirs(actor, &current) {
        return Err(CoreError::not_found("task"));
    }
    let assignee: Option<UserId> = take(fields, "assignee_id")?;
    if let Some(assignee) = assignee.filter(|a| *a != current.assignee_id) {
        if !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can assign tasks".into(),
            ));
        }
        crate::tasks::check_assignee(conn, assignee)?;
    }
    if (fields.contains_key("deleted_at") || matches!(op.op, Op::Delete | Op::Restore))
        && current.created_by != actor.user_id
        && !actor.sees_everything()
    {
        return Err(CoreError::Forbidden(
            "only the task's creator, a Manager or an Admin can delete it".into(),
        ));
    }
    let (won, lost) = arbitrate_fields(conn, op, client, GROUPS, fields)?;
    if won.is_empty() {
        return Ok(Outcome::Superseded { fields: lost });
    }
    let mut changes = changes(fields, &won)?;
    changes.updated_at = Some(current.updated_at.max(op.hlc.wall()));
    diesel::update(tasks::table.filter(tasks::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &changes, lost)
}

/// What a desktop's journal says of a new task (a restated one carries the
/// whole record).
#[derive(Deserialize)]
struct NewTask {
    title: String,
    #[serde(default)]
    description: String,
    due_at: Option<Timestamp>,
    assignee_id: UserId,
    lead_id: Option<LeadId>,
    #[serde(default)]
    status: Option<TaskStatus>,
    #[serde(default)]
    completed_at: Option<Timestamp>,
    created_by: UserId,
    created_at: Timestamp,
}

/// A task the server has never seen: checked like one made through the API.
fn insert(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    id: TaskId,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let new: NewTask = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| CoreError::invalid("fields", e.to_string()))?;
    if new.created_by != actor.user_id {
        return Err(CoreError::Forbidden(
            "a task can only be added in its creator's own name".into(),
        ));
    }
    crate::tasks::may_assign_to(actor, new.assignee_id)?;
    crate::tasks::check_assignee(conn, new.assignee_id)?;
    if let Some(lead) = new.lead_id {
        access::visible_lead(conn, actor, lead)?;
    }
    let status = new.status.unwrap_or(TaskStatus::Open);
    let row = TaskRecord {
        id,
        title: title(&new.title)?,
        description: description(&new.description)?,
        due_at: new.due_at,
        assignee_id: new.assignee_id,
        lead_id: new.lead_id,
        status,
        completed_at: new.completed_at.filter(|_| status == TaskStatus::Done),
        created_by: new.created_by,
        created_at: new.created_at,
        updated_at: new.created_at.max(op.hlc.wall()),
        deleted_at: None,
    };
    diesel::insert_into(tasks::table)
        .values(&row)
        .execute(conn)?;
    super::settle(conn, actor, client, op, &row, Vec::new())
}

/// The task as `actor` is to hold it now (remembered as held), or `gone`
/// for one they were sent before (or named themselves) and no longer hold.
pub(super) fn as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    let found = match TaskId::parse(id) {
        Ok(id) => load(conn, id)?,
        Err(_) => None,
    };
    match found {
        Some(task) if theirs(actor, &task) => {
            super::hold(conn, actor, Entity::Task, id)?;
            Ok(Some(Change::Task(task)))
        }
        _ => {
            let held = super::is_held(conn, actor, Entity::Task, id)?;
            Ok((held || tell_anyway).then(|| Change::Gone {
                entity: Entity::Task,
                id: id.to_owned(),
            }))
        }
    }
}

/// Every task `actor` holds (tombstones too), for a snapshot's first page.
pub(super) fn all_for(conn: &mut SqliteConnection, actor: &Actor) -> CoreResult<Vec<Change>> {
    let mut query = tasks::table
        .order(tasks::created_at.asc())
        .select(TaskRecord::as_select())
        .into_boxed();
    if !actor.sees_everything() {
        query = query.filter(tasks::assignee_id.eq(actor.user_id));
    }
    let tasks: Vec<TaskRecord> = query.load(conn)?;
    sent(conn, actor, tasks)
}

/// The tasks `actor` holds about `lead`: sent again with the lead, so a
/// desktop that lacked it links them now.
pub(super) fn of_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead: LeadId,
) -> CoreResult<Vec<Change>> {
    let mut query = tasks::table
        .filter(tasks::lead_id.eq(lead))
        .select(TaskRecord::as_select())
        .into_boxed();
    if !actor.sees_everything() {
        query = query.filter(tasks::assignee_id.eq(actor.user_id));
    }
    let tasks: Vec<TaskRecord> = query.load(conn)?;
    sent(conn, actor, tasks)
}

/// Tasks about to be sent to `actor`, remembered as held (so that one
/// given to someone else later is `gone` from their desktop).
fn sent(
    conn: &mut SqliteConnection,
    actor: &Actor,
    tasks: Vec<TaskRecord>,
) -> CoreResult<Vec<Change>> {
    for task in &tasks {
        super::hold(conn, actor, Entity::Task, &task.id.to_string())?;
    }
    Ok(tasks.into_iter().map(Change::Task).collect())
}

/// A desktop writes a task as the server has it; its lead link only when
/// the lead is here (a task may be about a lead its assignee does not hold).
pub(super) fn put(conn: &mut SqliteConnection, task: &TaskRecord) -> CoreResult<bool> {
    let mut task = task.clone();
    if let Some(lead) = task.lead_id
        && !super::timeline::lead_here(conn, lead)?
    {
        task.lead_id = None;
    }
    diesel::insert_into(tasks::table)
        .values(&task)
        .on_conflict(tasks::id)
        .do_update()
        .set(&task)
        .execute(conn)?;
    Ok(true)
}

pub(super) fn remove(conn: &mut SqliteConnection, id: &str) -> CoreResult<usize> {
    Ok(diesel::delete(tasks::table.filter(tasks::id.eq(id))).execute(conn)?)
}

/// The tasks `user` created that they may push, as journal inserts clocked
/// when each last changed (a desktop's first sign-in).
pub(crate) fn restate(
    conn: &mut SqliteConnection,
    user: UserId,
) -> CoreResult<Vec<journal::Entry>> {
    tasks::table
        .filter(tasks::created_by.eq(user))
        .filter(tasks::deleted_at.is_null())
        .select(TaskRecord::as_select())
        .load(conn)?
        .iter()
        .map(|task| {
            journal::Entry::restated(
                Entity::Task,
                task.id.to_string(),
                task,
                user,
                task.updated_at,
            )
        })
        .collect()
}
