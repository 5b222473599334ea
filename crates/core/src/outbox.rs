//! Email waiting to be sent: due reminders and new lead assignments, for the
//! team server's mailer (optional, off unless SMTP is configured). It is the
//! server's own job rather than a user's, so it takes no actor; whoever calls
//! it sends to each item's own user only.
//!
//! Sending is at least once: an item is marked sent after the SMTP server took
//! it, so a crash in between can repeat one email but never loses one.

use crate::time::Timestamp;
use crate::{CoreResult, Store};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

/// One email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// What it is about, to mark it sent: "reminder:<id>" or "notification:<id>".
    pub subject_key: String,
    pub to_email: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
}

#[derive(QueryableByName)]
struct DueReminder {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    message: String,
    #[diesel(sql_type = BigInt)]
    due_at: i64,
    #[diesel(sql_type = Text)]
    lead_name: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    time_zone: String,
}

#[derive(QueryableByName)]
struct Assignment {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// Who may get email: an account that is neither deactivated nor deleted.
const ACTIVE: &str = "u.deactivated_at IS NULL AND u.deleted_at IS NULL";

/// Up to `limit` emails not yet sent: reminders that fell due and leads
/// assigned since `since` (so turning email on does not mail a backlog).
pub fn pending(store: &Store, since: Timestamp, limit: i64) -> CoreResult<Vec<Outgoing>> {
    let now = store.now();
    store.read(|conn| {
        let reminders: Vec<DueReminder> = diesel::sql_query(format!(
            "SELECT r.id, r.message, r.due_at, l.name AS lead_name, u.email, u.name, u.time_zone
             FROM reminders r
             JOIN leads l ON l.id = r.lead_id AND l.deleted_at IS NULL
             JOIN users u ON u.id = r.owner_id AND {ACTIVE}
             WHERE r.due_at >= ? AND r.due_at <= ? AND r.done_at IS NULL AND r.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM email_deliveries d WHERE d.subject = 'reminder:' || r.id)
             ORDER BY r.due_at, r.id LIMIT ?"
        ))
        .bind::<BigInt, _>(since.millis())
        .bind::<BigInt, _>(now.millis())
        .bind::<BigInt, _>(limit)
        .load(conn)?;
        let assignments: Vec<Assignment> = diesel::sql_query(format!(
            "SELECT n.id, n.title, n.body, u.email, u.name
             FROM notifications n
             JOIN users u ON u.id = n.user_id AND {ACTIVE}
             WHERE n.kind = 'lead_assigned' AND n.created_at >= ? AND n.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM email_deliveries d WHERE d.subject = 'notification:' || n.id)
             ORDER BY n.created_at, n.id LIMIT ?"
        ))
        .bind::<BigInt, _>(since.millis())
        .bind::<BigInt, _>(limit)
        .load(conn)?;
        let mut out: Vec<Outgoing> = reminders.into_iter().map(reminder_email).collect();
        out.extend(assignments.into_iter().map(|a| Outgoing {
            subject_key: format!("notification:{}", a.id),
            to_email: a.email,
            to_name: a.name,
            subject: a.title,
            body: format!("{}\n\nOpen Leadlight to see the lead.\n", a.body),
        }));
        Ok(out)
    })
}

fn reminder_email(r: DueReminder) -> Outgoing {
    let zone: chrono_tz::Tz = r.time_zone.parse().unwrap_or(chrono_tz::UTC);
    let due = chrono::DateTime::from_timestamp_millis(r.due_at)
        .map(|t| {
            t.with_timezone(&zone)
                .format("%e %b %Y, %H:%M %Z")
                .to_string()
        })
        .unwrap_or_default();
    Outgoing {
        subject_key: format!("reminder:{}", r.id),
        to_email: r.email,
        to_name: r.name,
        subject: format!("Follow up: {}", r.lead_name),
        body: format!(
            "{}\n\nDue {}.\nOpen Leadlight to see the lead.\n",
            r.message,
            due.trim()
        ),
    }
}

/// Remember that `subject_key`'s email went out.
pub fn mark_sent(store: &Store, subject_key: &str) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        diesel::sql_query(
            "INSERT INTO email_deliveries (subject, sent_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        )
        .bind::<Text, _>(subject_key)
        .bind::<BigInt, _>(now.millis())
        .execute(conn)?;
        Ok(())
    })
}
