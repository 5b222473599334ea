//! Tasks for the team: a title, an optional due time and lead, one assignee.
//! Agents see the tasks assigned to them; Managers and Admins assign.

use crate::Store;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, Page, PageRequest};
use crate::ids::{LeadId, TaskId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::access;
use crate::schema::tasks;
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::{Deserialize, Serialize};

pub(crate) const TITLE_MAX: usize = 200;
pub(crate) const DESCRIPTION_MAX: usize = 10_000;

text_enum!(
    TaskStatus, "task status" {
        Open => "open",
        Done => "done",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: TaskId,
    pub title: String,
    pub description: String,
    pub due_at: Option<Timestamp>,
    pub assignee_id: UserId,
    pub assignee_name: Option<String>,
    pub lead_id: Option<LeadId>,
    pub status: TaskStatus,
    pub completed_at: Option<Timestamp>,
    pub created_by: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = tasks)]
struct TaskRow {
    id: TaskId,
    title: String,
    description: String,
    due_at: Option<Timestamp>,
    assignee_id: UserId,
    lead_id: Option<LeadId>,
    status: TaskStatus,
    completed_at: Option<Timestamp>,
    created_by: UserId,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Insertable, Serialize)]
#[diesel(table_name = tasks)]
struct NewTaskRow {
    id: TaskId,
    title: String,
    description: String,
    due_at: Option<Timestamp>,
    assignee_id: UserId,
    lead_id: Option<LeadId>,
    status: TaskStatus,
    created_by: UserId,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTask {
    pub title: String,
    pub description: Option<String>,
    /// An RFC 3339 instant, or absent for no due time.
    pub due_at: Option<String>,
    /// Managers and Admins may assign to someone else; otherwise the creator.
    pub assignee_id: Option<UserId>,
    pub lead_id: Option<LeadId>,
}

/// A partial edit; `due_at: null` removes the due time.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub due_at: Option<Option<String>>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TaskQuery {
    /// "me" or a user id; Agents always see only their own.
    pub assignee: Option<String>,
    /// open or done.
    pub status: Option<String>,
    pub lead_id: Option<LeadId>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub limit: Option<u32>,
}

fn hydrate(conn: &mut SqliteConnection, rows: Vec<TaskRow>) -> CoreResult<Vec<Task>> {
    let names = crate::users::names(conn, rows.iter().map(|r| r.assignee_id))?;
    Ok(rows
        .into_iter()
        .map(|r| Task {
            assignee_name: names.get(&r.assignee_id).cloned(),
            id: r.id,
            title: r.title,
            description: r.description,
            due_at: r.due_at,
            assignee_id: r.assignee_id,
            lead_id: r.lead_id,
            status: r.status,
            completed_at: r.completed_at,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

fn scoped(actor: &Actor) -> tasks::BoxedQuery<'static, Sqlite> {
    let query = tasks::table
        .filter(tasks::deleted_at.is_null())
        .into_boxed();
    if actor.sees_everything() {
        query
    } else {
        query.filter(tasks::assignee_id.eq(actor.user_id))
    }
}

fn visible(conn: &mut SqliteConnection, actor: &Actor, id: TaskId) -> CoreResult<Task> {
    let row = scoped(actor)
        .filter(tasks::id.eq(id))
        .select(TaskRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("task"))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

pub(crate) fn may_assign_to(actor: &Actor, assignee: UserId) -> CoreResult<()> {
    if assignee == actor.user_id || actor.sees_everything() {
        Ok(())
    } else {
        Err(CoreError::Forbidden(
            "only a Manager or an Admin can assign tasks to someone else".into(),
        ))
    }
}

pub(crate) fn check_assignee(conn: &mut SqliteConnection, assignee: UserId) -> CoreResult<()> {
    let user = crate::users::load(conn, assignee)
        .map_err(|_| CoreError::invalid("assignee_id", "no user has this id"))?;
    if user.deactivated_at.is_some() {
        return Err(CoreError::invalid(
            "assignee_id",
            "this user is deactivated",
        ));
    }
    Ok(())
}

fn optional_due(problems: &mut Problems, text: Option<&str>) -> Option<Timestamp> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .and_then(|t| problems.check("due_at", Timestamp::parse(t)))
}

pub fn create(store: &Store, actor: &Actor, input: NewTask) -> CoreResult<Task> {
    let mut problems = Problems::new();
    let title = problems.check("title", fields::required_text(&input.title, TITLE_MAX));
    let description = input.description.as_deref().unwrap_or("").trim().to_owned();
    problems.check(
        "description",
        fields::at_most(&description, DESCRIPTION_MAX),
    );
    let due_at = optional_due(&mut problems, input.due_at.as_deref());
    problems.finish()?;
    let Some(title) = title else {
        return Err(CoreError::internal("validation passed without values"));
    };
    let assignee = input.assignee_id.unwrap_or(actor.user_id);
    may_assign_to(actor, assignee)?;
    let now = store.now();
    store.write(|conn| {
        check_assignee(conn, assignee)?;
        if let Some(lead_id) = input.lead_id {
            access::visible_lead(conn, actor, lead_id)?;
        }
        let row = NewTaskRow {
            id: TaskId::new(),
            title,
            description,
            due_at,
            assignee_id: assignee,
            lead_id: input.lead_id,
            status: TaskStatus::Open,
            created_by: actor.user_id,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(tasks::table)
            .values(&row)
            .execute(conn)?;
        journal::record(
            conn,
            Entity::Task,
            &row.id.to_string(),
            Op::Insert,
            &row,
            Some(actor.user_id),
            now,
        )?;
        visible(conn, actor, row.id)
    })
}

#[derive(AsChangeset, Default, Serialize)]
#[diesel(table_name = tasks)]
pub(crate) struct TaskChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) due_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) assignee_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<TaskStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) completed_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deleted_at: Option<Option<Timestamp>>,
    pub(crate) updated_at: Option<Timestamp>,
}

fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: TaskId,
    mut changes: TaskChanges,
    op: Op,
    now: Timestamp,
) -> CoreResult<()> {
    changes.updated_at = Some(now);
    diesel::update(tasks::table.filter(tasks::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Task,
        &id.to_string(),
        op,
        &changes,
        Some(actor.user_id),
        now,
    )
}

pub fn update(store: &Store, actor: &Actor, id: TaskId, patch: TaskPatch) -> CoreResult<Task> {
    let mut problems = Problems::new();
    let title = patch
        .title
        .as_deref()
        .and_then(|t| problems.check("title", fields::required_text(t, TITLE_MAX)));
    let description = patch.description.as_deref().map(|d| d.trim().to_owned());
    if let Some(d) = &description {
        problems.check("description", fields::at_most(d, DESCRIPTION_MAX));
    }
    let due_at = patch
        .due_at
        .as_ref()
        .map(|d| optional_due(&mut problems, d.as_deref()));
    problems.finish()?;
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        let changes = TaskChanges {
            title: title.filter(|t| *t != current.title),
            description: description.filter(|d| *d != current.description),
            due_at: due_at.filter(|d| *d != current.due_at),
            ..Default::default()
        };
        if changes.title.is_none() && changes.description.is_none() && changes.due_at.is_none() {
            return Ok(current);
        }
        apply(conn, actor, id, changes, Op::Update, now)?;
        visible(conn, actor, id)
    })
}

/// Give a task to someone (Managers and Admins).
pub fn assign(store: &Store, actor: &Actor, id: TaskId, assignee: UserId) -> CoreResult<Task> {
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        if !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can assign tasks".into(),
            ));
        }
        check_assignee(conn, assignee)?;
        if current.assignee_id == assignee {
            return Ok(current);
        }
        let changes = TaskChanges {
            assignee_id: Some(assignee),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Update, now)?;
        visible(conn, actor, id)
    })
}

/// Mark a task done.
pub fn complete(store: &Store, actor: &Actor, id: TaskId) -> CoreResult<Task> {
    set_status(store, actor, id, TaskStatus::Done)
}

/// Open a done task again.
pub fn reopen(store: &Store, actor: &Actor, id: TaskId) -> CoreResult<Task> {
    set_status(store, actor, id, TaskStatus::Open)
}

fn set_status(store: &Store, actor: &Actor, id: TaskId, status: TaskStatus) -> CoreResult<Task> {
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        if current.status == status {
            return Err(CoreError::Conflict(format!(
                "the task \"{}\" is already {status}",
                current.title
            )));
        }
        let changes = TaskChanges {
            status: Some(status),
            completed_at: Some((status == TaskStatus::Done).then_some(now)),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Update, now)?;
        visible(conn, actor, id)
    })
}

pub fn delete(store: &Store, actor: &Actor, id: TaskId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        if current.created_by != actor.user_id && !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only the task's creator, a Manager or an Admin can delete it".into(),
            ));
        }
        let changes = TaskChanges {
            deleted_at: Some(Some(now)),
            ..Default::default()
        };
        apply(conn, actor, id, changes, Op::Delete, now)
    })
}

pub fn get(store: &Store, actor: &Actor, id: TaskId) -> CoreResult<Task> {
    store.read(|conn| visible(conn, actor, id))
}

/// Tasks, open first, then by due time (none last), then newest.
pub fn list(store: &Store, actor: &Actor, query: TaskQuery) -> CoreResult<Page<Task>> {
    let mut problems = Problems::new();
    let page = PageRequest {
        page: query.page.unwrap_or(1),
        limit: query.limit.unwrap_or(50),
    };
    page.check(&mut problems);
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| problems.check("status", s.parse::<TaskStatus>()));
    let assignee = query
        .assignee
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|a| {
            if a.trim().eq_ignore_ascii_case("me") {
                Some(actor.user_id)
            } else {
                problems.check("assignee", UserId::parse(a))
            }
        });
    problems.finish()?;
    let build = || {
        let mut q = scoped(actor);
        if let Some(status) = status {
            q = q.filter(tasks::status.eq(status));
        }
        if let Some(assignee) = assignee {
            q = q.filter(tasks::assignee_id.eq(assignee));
        }
        if let Some(lead_id) = query.lead_id {
            q = q.filter(tasks::lead_id.eq(lead_id));
        }
        q
    };
    store.read(|conn| {
        let total = build().count().get_result(conn)?;
        let rows = build()
            .order((
                tasks::status.desc(),
                tasks::due_at.is_null().asc(),
                tasks::due_at.asc(),
                tasks::created_at.desc(),
                tasks::id.desc(),
            ))
            .limit(page.limit())
            .offset(page.offset())
            .select(TaskRow::as_select())
            .load(conn)?;
        Ok(Page::new(hydrate(conn, rows)?, page, total))
    })
}

/// Open tasks whose due time has passed, most overdue first.
pub fn overdue(store: &Store, actor: &Actor) -> CoreResult<Vec<Task>> {
    let now = store.now();
    store.read(|conn| {
        let rows = scoped(actor)
            .filter(tasks::status.eq(TaskStatus::Open))
            .filter(tasks::due_at.lt(now))
            .order((tasks::due_at.asc(), tasks::id.asc()))
            .limit(200)
            .select(TaskRow::as_select())
            .load(conn)?;
        hydrate(conn, rows)
    })
}
