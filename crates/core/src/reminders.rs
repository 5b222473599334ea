//! Follow-up reminders: a date and a message on a lead, for one user. The
//! desktop notifier asks for the ones due and not yet notified, then marks
//! them, so a reminder pops up once even across restarts and sleep.

use crate::Store;
use crate::activity::{self, ActivityKind};
use crate::actor::Actor;
use crate::calendar;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, Page, PageRequest};
use crate::ids::{LeadId, ReminderId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::access;
use crate::schema::{leads, reminders};
use crate::time::Timestamp;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::{Deserialize, Serialize};
use serde_json::json;

pub(crate) const MESSAGE_MAX: usize = 1_000;

/// Where a reminder is in its life. A done reminder is never notified again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ReminderState {
    Pending { notified_at: Option<Timestamp> },
    Done { done_at: Timestamp },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminder {
    pub id: ReminderId,
    pub lead_id: LeadId,
    pub lead_name: String,
    pub owner_id: UserId,
    pub due_at: Timestamp,
    pub message: String,
    #[serde(flatten)]
    pub state: ReminderState,
    pub created_at: Timestamp,
}

impl Reminder {
    pub fn is_done(&self) -> bool {
        matches!(self.state, ReminderState::Done { .. })
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = reminders)]
struct ReminderRow {
    id: ReminderId,
    lead_id: LeadId,
    owner_id: UserId,
    due_at: Timestamp,
    message: String,
    done_at: Option<Timestamp>,
    notified_at: Option<Timestamp>,
    created_at: Timestamp,
}

#[derive(Insertable, Serialize)]
#[diesel(table_name = reminders)]
pub(crate) struct NewReminderRow<'a> {
    pub id: ReminderId,
    pub lead_id: LeadId,
    pub owner_id: UserId,
    pub due_at: Timestamp,
    pub message: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewReminder {
    pub lead_id: Option<LeadId>,
    /// When to remind: an RFC 3339 instant.
    pub due_at: String,
    pub message: String,
    /// Managers and Admins may set a reminder for someone else.
    pub owner_id: Option<UserId>,
}

/// A partial edit; a new `due_at` (a snooze) makes the reminder notify again.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReminderPatch {
    pub due_at: Option<String>,
    pub message: Option<String>,
}

type Joined = (ReminderRow, String);

fn base() -> reminders::BoxedQuery<'static, Sqlite> {
    reminders::table
        .filter(reminders::deleted_at.is_null())
        .into_boxed()
}

/// Load reminders with their lead's name. For an Agent (`lead_owner`), only
/// reminders on leads they own: a reminder never shows a lead they cannot see.
fn load_joined(
    conn: &mut SqliteConnection,
    query: reminders::BoxedQuery<'static, Sqlite>,
    lead_owner: Option<UserId>,
) -> CoreResult<Vec<Reminder>> {
    let query = match lead_owner {
        Some(owner) => query.filter(diesel::dsl::exists(
            leads::table
                .filter(leads::id.eq(reminders::lead_id))
                .filter(leads::owner_id.eq(owner)),
        )),
        None => query,
    };
    let rows: Vec<Joined> = query
        .inner_join(leads::table.on(leads::id.eq(reminders::lead_id)))
        .filter(leads::deleted_at.is_null())
        .select((ReminderRow::as_select(), leads::name))
        .load(conn)?;
    Ok(rows.into_iter().map(into_reminder).collect())
}

fn into_reminder((r, lead_name): Joined) -> Reminder {
    Reminder {
        id: r.id,
        lead_id: r.lead_id,
        lead_name,
        owner_id: r.owner_id,
        due_at: r.due_at,
        message: r.message,
        state: match r.done_at {
            Some(done_at) => ReminderState::Done { done_at },
            None => ReminderState::Pending {
                notified_at: r.notified_at,
            },
        },
        created_at: r.created_at,
    }
}

/// Whose leads an actor's reminder views are limited to (Agents: their own).
fn lead_scope(actor: &Actor) -> Option<UserId> {
    (!actor.sees_everything()).then_some(actor.user_id)
}

/// A reminder the actor may see: their own on a lead of theirs, or any for
/// Managers and Admins.
fn visible(conn: &mut SqliteConnection, actor: &Actor, id: ReminderId) -> CoreResult<Reminder> {
    let mut query = base().filter(reminders::id.eq(id));
    if !actor.sees_everything() {
        query = query.filter(reminders::owner_id.eq(actor.user_id));
    }
    load_joined(conn, query, lead_scope(actor))?
        .pop()
        .ok_or(CoreError::not_found("reminder"))
}

fn require_pending(reminder: &Reminder) -> CoreResult<()> {
    match reminder.state {
        ReminderState::Pending { .. } => Ok(()),
        ReminderState::Done { .. } => Err(CoreError::Conflict(format!(
            "the reminder \"{}\" is already done",
            reminder.message
        ))),
    }
}

/// Whether `owner` may be reminded about `lead`: an active user, and an
/// Agent only about a lead they own.
pub(crate) fn check_owner(
    conn: &mut SqliteConnection,
    lead: &crate::leads::LeadRow,
    owner: UserId,
) -> CoreResult<()> {
    let user = crate::users::load(conn, owner)
        .map_err(|_| CoreError::invalid("owner_id", "no user has this id"))?;
    if user.deactivated_at.is_some() {
        return Err(CoreError::invalid("owner_id", "this user is deactivated"));
    }
    if user.role == crate::Role::Agent && lead.owner_id != Some(owner) {
        return Err(CoreError::invalid(
            "owner_id",
            format!(
                "{} does not own this lead, so cannot be reminded about it",
                user.name
            ),
        ));
    }
    Ok(())
}

pub fn create(store: &Store, actor: &Actor, input: NewReminder) -> CoreResult<Reminder> {
    let mut problems = Problems::new();
    if input.lead_id.is_none() {
        problems.add("lead_id", "is required");
    }
    let due_at = problems.check("due_at", Timestamp::parse(&input.due_at));
    let message = problems.check(
        "message",
        fields::required_body(&input.message, MESSAGE_MAX),
    );
    problems.finish()?;
    let (Some(lead_id), Some(due_at), Some(message)) = (input.lead_id, due_at, message) else {
        return Err(CoreError::internal("validation passed without values"));
    };
    let owner = match input.owner_id {
        Some(owner) if owner != actor.user_id && !actor.sees_everything() => {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can set a reminder for someone else".into(),
            ));
        }
        Some(owner) => owner,
        None => actor.user_id,
    };
    let now = store.now();
    store.write(|conn| {
        let lead = access::visible_lead(conn, actor, lead_id)?;
        check_owner(conn, &lead, owner)?;
        let id = ReminderId::new();
        let row = NewReminderRow {
            id,
            lead_id,
            owner_id: owner,
            due_at,
            message: &message,
            created_at: now,
            updated_at: now,
        };
        diesel::insert_into(reminders::table)
            .values(&row)
            .execute(conn)?;
        journal::record(
            conn,
            Entity::Reminder,
            &id.to_string(),
            Op::Insert,
            &row,
            Some(actor.user_id),
            now,
        )?;
        visible(conn, actor, id)
    })
}

#[derive(AsChangeset, Default, Serialize)]
#[diesel(table_name = reminders)]
pub(crate) struct ReminderChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) owner_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) due_at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) notified_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) done_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) deleted_at: Option<Option<Timestamp>>,
    pub(crate) updated_at: Option<Timestamp>,
}

fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: ReminderId,
    changes: &ReminderChanges,
    op: Op,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::update(reminders::table.filter(reminders::id.eq(id)))
        .set(changes)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Reminder,
        &id.to_string(),
        op,
        changes,
        Some(actor.user_id),
        now,
    )
}

/// Change the message or move the due time (a snooze). Done reminders are final.
pub fn update(
    store: &Store,
    actor: &Actor,
    id: ReminderId,
    patch: ReminderPatch,
) -> CoreResult<Reminder> {
    let mut problems = Problems::new();
    let due_at = patch
        .due_at
        .as_deref()
        .and_then(|d| problems.check("due_at", Timestamp::parse(d)));
    let message = patch
        .message
        .as_deref()
        .and_then(|m| problems.check("message", fields::required_body(m, MESSAGE_MAX)));
    problems.finish()?;
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        require_pending(&current)?;
        let mut changes = ReminderChanges::default();
        if let Some(due_at) = due_at.filter(|d| *d != current.due_at) {
            changes.due_at = Some(due_at);
            changes.notified_at = Some(None);
        }
        if let Some(message) = message.filter(|m| *m != current.message) {
            changes.message = Some(message);
        }
        if changes.due_at.is_none() && changes.message.is_none() {
            return Ok(current);
        }
        changes.updated_at = Some(now);
        apply(conn, actor, id, &changes, Op::Update, now)?;
        visible(conn, actor, id)
    })
}

/// Put a reminder off until `until` (shorthand for moving its due time).
pub fn snooze(store: &Store, actor: &Actor, id: ReminderId, until: &str) -> CoreResult<Reminder> {
    update(
        store,
        actor,
        id,
        ReminderPatch {
            due_at: Some(until.to_owned()),
            message: None,
        },
    )
}

/// Mark a reminder done; the lead's timeline records it.
pub fn complete(store: &Store, actor: &Actor, id: ReminderId) -> CoreResult<Reminder> {
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        require_pending(&current)?;
        let changes = ReminderChanges {
            done_at: Some(Some(now)),
            updated_at: Some(now),
            ..Default::default()
        };
        apply(conn, actor, id, &changes, Op::Update, now)?;
        activity::record(
            conn,
            current.lead_id,
            Some(actor.user_id),
            ActivityKind::ReminderDone,
            json!({ "reminder_id": id, "message": current.message }),
            now,
            now,
        )?;
        visible(conn, actor, id)
    })
}

pub fn delete(store: &Store, actor: &Actor, id: ReminderId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        visible(conn, actor, id)?;
        let changes = ReminderChanges {
            deleted_at: Some(Some(now)),
            updated_at: Some(now),
            ..Default::default()
        };
        apply(conn, actor, id, &changes, Op::Delete, now)
    })
}

fn mine_pending(actor: &Actor) -> reminders::BoxedQuery<'static, Sqlite> {
    base()
        .filter(reminders::owner_id.eq(actor.user_id))
        .filter(reminders::done_at.is_null())
}

/// The actor's pending reminders due today (in their time zone), including
/// those whose time today has already passed.
pub fn today(store: &Store, actor: &Actor) -> CoreResult<Vec<Reminder>> {
    let now = store.now();
    store.read(|conn| {
        let tz = crate::users::time_zone_of(conn, actor.user_id)?;
        let (start, end) = calendar::day_window(tz, now);
        let query = mine_pending(actor)
            .filter(reminders::due_at.ge(start))
            .filter(reminders::due_at.lt(end))
            .order((reminders::due_at.asc(), reminders::id.asc()));
        load_joined(conn, query, lead_scope(actor))
    })
}

/// The actor's pending reminders from before today, oldest first.
pub fn overdue(store: &Store, actor: &Actor) -> CoreResult<Vec<Reminder>> {
    let now = store.now();
    store.read(|conn| {
        let tz = crate::users::time_zone_of(conn, actor.user_id)?;
        let (start, _) = calendar::day_window(tz, now);
        let query = mine_pending(actor)
            .filter(reminders::due_at.lt(start))
            .order((reminders::due_at.asc(), reminders::id.asc()));
        load_joined(conn, query, lead_scope(actor))
    })
}

/// The actor's pending reminders after today, soonest first.
pub fn upcoming(store: &Store, actor: &Actor, page: PageRequest) -> CoreResult<Page<Reminder>> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    let now = store.now();
    store.read(|conn| {
        let tz = crate::users::time_zone_of(conn, actor.user_id)?;
        let (_, end) = calendar::day_window(tz, now);
        let later = || mine_pending(actor).filter(reminders::due_at.ge(end));
        paged(conn, later, actor, page)
    })
}

/// A page of `query`'s reminders, soonest due first, with their total (an
/// Agent's counted as they are listed: on their own leads only).
fn paged(
    conn: &mut SqliteConnection,
    query: impl Fn() -> reminders::BoxedQuery<'static, Sqlite>,
    actor: &Actor,
    page: PageRequest,
) -> CoreResult<Page<Reminder>> {
    let scoped = || match lead_scope(actor) {
        Some(owner) => query().filter(diesel::dsl::exists(
            leads::table
                .filter(leads::id.eq(reminders::lead_id))
                .filter(leads::owner_id.eq(owner)),
        )),
        None => query(),
    };
    let total: i64 = scoped()
        .filter(diesel::dsl::exists(
            leads::table
                .filter(leads::id.eq(reminders::lead_id))
                .filter(leads::deleted_at.is_null()),
        ))
        .count()
        .get_result(conn)?;
    let rows = query()
        .order((reminders::due_at.asc(), reminders::id.asc()))
        .limit(page.limit())
        .offset(page.offset());
    Ok(Page::new(
        load_joined(conn, rows, lead_scope(actor))?,
        page,
        total,
    ))
}

/// One reminder the actor may see.
pub fn get(store: &Store, actor: &Actor, id: ReminderId) -> CoreResult<Reminder> {
    store.read(|conn| visible(conn, actor, id))
}

/// The actor's own reminders, pending and done, soonest due first.
pub fn list(store: &Store, actor: &Actor, page: PageRequest) -> CoreResult<Page<Reminder>> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        let mine = || base().filter(reminders::owner_id.eq(actor.user_id));
        paged(conn, mine, actor, page)
    })
}

/// The actor's reminders that are due and have not been shown yet, oldest
/// first: everything missed while the machine slept comes back at once.
pub fn due_for_notification(store: &Store, actor: &Actor) -> CoreResult<Vec<Reminder>> {
    let now = store.now();
    store.read(|conn| {
        let query = mine_pending(actor)
            .filter(reminders::notified_at.is_null())
            .filter(reminders::due_at.le(now))
            .order((reminders::due_at.asc(), reminders::id.asc()));
        load_joined(conn, query, lead_scope(actor))
    })
}

/// Record that a reminder was shown. Shown once: marking again changes nothing;
/// The actor's reminders that fell due and were not yet shown, each marked
/// shown as it is taken: whoever shows them (the desktop's pop-up, the
/// server's live stream) shows each once, and a restart never repeats one.
pub fn take_due(store: &Store, actor: &Actor) -> CoreResult<Vec<Reminder>> {
    due_for_notification(store, actor)?
        .into_iter()
        .map(|due| mark_notified(store, actor, due.id))
        .collect()
}

/// a done reminder is never shown, so marking it is a conflict.
pub fn mark_notified(store: &Store, actor: &Actor, id: ReminderId) -> CoreResult<Reminder> {
    let now = store.now();
    store.write(|conn| {
        let current = visible(conn, actor, id)?;
        match current.state {
            ReminderState::Done { .. } => Err(CoreError::Conflict(
                "a done reminder is not notified".into(),
            )),
            ReminderState::Pending {
                notified_at: Some(_),
            } => Ok(current),
            ReminderState::Pending { notified_at: None } => {
                let changes = ReminderChanges {
                    notified_at: Some(Some(now)),
                    updated_at: Some(now),
                    ..Default::default()
                };
                apply(conn, actor, id, &changes, Op::Update, now)?;
                crate::notifications::notify(
                    conn,
                    current.owner_id,
                    crate::notifications::NotificationKind::ReminderDue,
                    &format!("Follow up: {}", current.lead_name),
                    &current.message,
                    Some(current.lead_id),
                    now,
                )?;
                visible(conn, actor, id)
            }
        }
    })
}

/// A lead's reminders (pending first by due time, then done), for the lead
/// page: all of them for Managers and Admins, an Agent's own otherwise.
pub(crate) fn for_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead_id: LeadId,
) -> CoreResult<Vec<Reminder>> {
    let mut query = base().filter(reminders::lead_id.eq(lead_id));
    if !actor.sees_everything() {
        query = query.filter(reminders::owner_id.eq(actor.user_id));
    }
    let query = query
        .order((
            reminders::done_at.is_not_null().asc(),
            reminders::due_at.asc(),
            reminders::id.asc(),
        ))
        .limit(100);
    load_joined(conn, query, None)
}

/// A lead changed hands: the previous owner's pending reminders on it go to
/// the new owner, so no follow-up is lost or left pointing at a lead its owner
/// can no longer see.
pub(crate) fn follow_lead_owner(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead_id: LeadId,
    from: Option<UserId>,
    to: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(());
    };
    let moving: Vec<ReminderId> = base()
        .filter(reminders::lead_id.eq(lead_id))
        .filter(reminders::owner_id.eq(from))
        .filter(reminders::done_at.is_null())
        .select(reminders::id)
        .load(conn)?;
    for id in moving {
        diesel::update(reminders::table.filter(reminders::id.eq(id)))
            .set((reminders::owner_id.eq(to), reminders::updated_at.eq(now)))
            .execute(conn)?;
        journal::record(
            conn,
            Entity::Reminder,
            &id.to_string(),
            Op::Update,
            &json!({ "owner_id": to, "updated_at": now }),
            Some(actor.user_id),
            now,
        )?;
    }
    Ok(())
}
