//! The mailer's outbox: due reminders and new assignments, each once, only
//! since email was turned on, only to active accounts.

use crate::helpers::TestDb;
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::{Role, Timestamp, leads, outbox, users};

fn remind(
    db: &TestDb,
    actor: &leadlight_core::Actor,
    lead: &leads::Lead,
    due: &str,
    message: &str,
) {
    reminders::create(
        &db.store,
        actor,
        NewReminder {
            lead_id: Some(lead.id),
            due_at: due.into(),
            message: message.into(),
            owner_id: None,
        },
    )
    .unwrap();
}

#[test]
fn due_reminders_and_assignments_go_out_once_to_their_own_user() {
    let db = TestDb::new();
    let alan = db.user("Alan Agent", Role::Agent);
    let grace = db.lead(&alan, "Grace Hopper");
    remind(
        &db,
        &alan,
        &grace,
        "2026-11-24T09:30:00Z",
        "Call Grace about the demo",
    );
    remind(&db, &alan, &grace, "2026-11-24T12:00:00Z", "Not yet due");
    let since = Timestamp::parse("2026-11-24T09:00:00Z").unwrap();

    db.at("2026-11-24T09:20:00Z");
    assert!(outbox::pending(&db.store, since, 50).unwrap().is_empty());

    db.at("2026-11-24T09:31:00Z");
    let dorothy = db.lead(&db.admin, "Dorothy Vaughan");
    leads::assign(&db.store, &db.admin, dorothy.id, Some(alan.user_id)).unwrap();
    let mail = outbox::pending(&db.store, since, 50).unwrap();
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let reminder = &mail[0];
    assert_eq!(reminder.to_email, "alan.agent@example.com");
    assert_eq!(reminder.subject, "Follow up: Grace Hopper");
    assert!(
        reminder.body.contains("Call Grace about the demo"),
        "{}",
        reminder.body
    );
    assert!(
        reminder.body.contains("24 Nov 2026, 09:30 UTC"),
        "{}",
        reminder.body
    );
    let assigned = &mail[1];
    assert_eq!(assigned.to_email, "alan.agent@example.com");
    assert_eq!(assigned.subject, "Dorothy Vaughan is yours now");
    assert!(
        assigned.body.contains("Ada Admin assigned you"),
        "{assigned:#?}"
    );

    for item in &mail {
        outbox::mark_sent(&db.store, &item.subject_key).unwrap();
    }
    outbox::mark_sent(&db.store, &mail[0].subject_key).unwrap(); // twice is harmless
    assert!(outbox::pending(&db.store, since, 50).unwrap().is_empty());
}

#[test]
fn nothing_from_before_email_was_on_nor_done_nor_for_inactive_accounts() {
    let db = TestDb::new();
    let alan = db.user("Alan Agent", Role::Agent);
    let bea = db.user("Bea Agent", Role::Agent);
    let lead = db.lead(&alan, "Grace Hopper");
    let beas = db.lead(&bea, "Katherine Johnson");
    remind(
        &db,
        &alan,
        &lead,
        "2026-11-24T09:10:00Z",
        "Before email was on",
    );
    remind(&db, &alan, &lead, "2026-11-24T10:10:00Z", "Done already");
    remind(
        &db,
        &bea,
        &beas,
        "2026-11-24T10:20:00Z",
        "Bea is deactivated",
    );
    db.at("2026-11-24T11:00:00Z");
    let done = reminders::today(&db.store, &alan)
        .unwrap()
        .into_iter()
        .find(|r| r.message == "Done already")
        .unwrap();
    reminders::complete(&db.store, &alan, done.id).unwrap();
    users::deactivate(&db.store, &db.admin, bea.user_id).unwrap();

    let since = Timestamp::parse("2026-11-24T10:00:00Z").unwrap();
    let mail = outbox::pending(&db.store, since, 50).unwrap();
    assert!(mail.is_empty(), "{mail:#?}");
}
