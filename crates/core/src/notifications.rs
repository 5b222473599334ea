//! The notification centre: what each user should know about (a reminder
//! fell due, a lead was assigned to them, a claim of theirs lost a race, an
//! enquiry arrived), newest first, read or unread. The services that cause
//! them write them in their own transaction; the desktop shows them and the
//! server's real-time stream can push them.

use crate::Store;
use crate::actor::{Actor, Role};
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{PageRequest, Window};
use crate::ids::{LeadId, NotificationId, UserId};
use crate::schema::{notifications, users};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::Serialize;

text_enum!(
    NotificationKind, "notification kind" {
        ReminderDue => "reminder_due",
        LeadAssigned => "lead_assigned",
        ClaimLost => "claim_lost",
        EnquiryReceived => "enquiry_received",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub title: String,
    pub body: String,
    pub lead_id: Option<LeadId>,
    pub read_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// A page of the centre and how many are unread in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inbox {
    #[serde(flatten)]
    pub window: Window<Notification>,
    pub unread: i64,
}

/// Write a notification for `user` inside the caller's transaction.
pub(crate) fn notify(
    conn: &mut SqliteConnection,
    user: UserId,
    kind: NotificationKind,
    title: &str,
    body: &str,
    lead: Option<LeadId>,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(NotificationId::new()),
            notifications::user_id.eq(user),
            notifications::kind.eq(kind),
            notifications::title.eq(title),
            notifications::body.eq(body),
            notifications::lead_id.eq(lead),
            notifications::created_at.eq(now),
            notifications::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Notify every active Manager and Admin (an enquiry came in).
pub(crate) fn notify_managers(
    conn: &mut SqliteConnection,
    kind: NotificationKind,
    title: &str,
    body: &str,
    lead: Option<LeadId>,
    now: Timestamp,
) -> CoreResult<()> {
    let managers: Vec<UserId> = users::table
        .filter(users::role.eq_any([Role::Admin, Role::Manager]))
        .filter(users::deleted_at.is_null())
        .filter(users::deactivated_at.is_null())
        .select(users::id)
        .load(conn)?;
    for user in managers {
        notify(conn, user, kind, title, body, lead, now)?;
    }
    Ok(())
}

fn mine(actor: &Actor) -> notifications::BoxedQuery<'static, diesel::sqlite::Sqlite> {
    notifications::table
        .filter(notifications::user_id.eq(actor.user_id))
        .filter(notifications::deleted_at.is_null())
        .into_boxed()
}

/// The actor's notifications, newest first, with the unread count.
pub fn inbox(store: &Store, actor: &Actor, page: PageRequest) -> CoreResult<Inbox> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        let rows = mine(actor)
            .order((notifications::created_at.desc(), notifications::id.desc()))
            .limit(page.limit() + 1)
            .offset(page.offset())
            .select(Notification::as_select())
            .load(conn)?;
        Ok(Inbox {
            window: Window::from_overfetch(rows, page),
            unread: mine(actor)
                .filter(notifications::read_at.is_null())
                .count()
                .get_result(conn)?,
        })
    })
}

/// How many of the actor's notifications are unread (the header badge).
pub fn unread_count(store: &Store, actor: &Actor) -> CoreResult<i64> {
    store.read(|conn| {
        Ok(mine(actor)
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(conn)?)
    })
}

/// Mark one of the actor's notifications read (again is harmless).
pub fn mark_read(store: &Store, actor: &Actor, id: NotificationId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        let found = mine(actor)
            .filter(notifications::id.eq(id))
            .select(notifications::read_at)
            .first::<Option<Timestamp>>(conn)
            .optional()?
            .ok_or(CoreError::not_found("notification"))?;
        if found.is_none() {
            diesel::update(notifications::table.filter(notifications::id.eq(id)))
                .set((
                    notifications::read_at.eq(now),
                    notifications::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Mark all the actor's notifications read; returns how many were unread.
pub fn mark_all_read(store: &Store, actor: &Actor) -> CoreResult<usize> {
    let now = store.now();
    store.write(|conn| {
        Ok(diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(actor.user_id))
                .filter(notifications::read_at.is_null()),
        )
        .set((
            notifications::read_at.eq(now),
            notifications::updated_at.eq(now),
        ))
        .execute(conn)?)
    })
}
