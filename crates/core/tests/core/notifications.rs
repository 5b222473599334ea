//! The notification centre: what causes a notification, for whom, and
//! reading them.

use crate::helpers::{TestDb, code};
use leadlight_core::enquiries::{self, Enquiry};
use leadlight_core::notifications::{self, NotificationKind};
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::{ErrorCode, PageRequest, Role, leads};

fn kinds(db: &TestDb, who: &leadlight_core::Actor) -> Vec<NotificationKind> {
    notifications::inbox(&db.store, who, PageRequest::default())
        .unwrap()
        .window
        .items
        .into_iter()
        .map(|n| n.kind)
        .collect()
}

#[test]
fn each_event_notifies_the_right_people() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);

    // An enquiry: every Manager and Admin, no Agent.
    let lead = enquiries::submit(
        &db.store,
        Enquiry {
            name: "Walk-in".into(),
            email: Some("w@example.com".into()),
            interest: Some("Pro plan".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .lead_id;
    assert_eq!(
        kinds(&db, &manager),
        vec![NotificationKind::EnquiryReceived]
    );
    assert_eq!(
        kinds(&db, &db.admin),
        vec![NotificationKind::EnquiryReceived]
    );
    assert!(kinds(&db, &alice).is_empty());
    let inbox = notifications::inbox(&db.store, &manager, PageRequest::default()).unwrap();
    assert_eq!(inbox.window.items[0].title, "New enquiry: Walk-in");
    assert_eq!(inbox.window.items[0].body, "Interested in Pro plan");
    assert_eq!(inbox.window.items[0].lead_id, Some(lead));

    // A claim that loses the race: the loser hears about it.
    enquiries::claim(&db.store, &alice, lead).unwrap();
    assert_eq!(
        code(enquiries::claim(&db.store, &bob, lead)),
        ErrorCode::Conflict
    );
    assert_eq!(kinds(&db, &bob), vec![NotificationKind::ClaimLost]);
    assert!(kinds(&db, &alice).is_empty(), "the winner is not notified");

    // An assignment: the new owner, not the Manager who did it.
    let other = db.lead(&manager, "Handed over");
    leads::assign(&db.store, &manager, other.id, Some(bob.user_id)).unwrap();
    assert_eq!(
        kinds(&db, &bob),
        vec![NotificationKind::LeadAssigned, NotificationKind::ClaimLost]
    );
    let assigned = &notifications::inbox(&db.store, &bob, PageRequest::default())
        .unwrap()
        .window
        .items[0];
    assert_eq!(assigned.title, "Handed over is yours now");
    assert_eq!(assigned.body, "Mia Manager assigned you this lead");

    // A reminder falling due (when it is shown), once.
    let reminder = reminders::create(
        &db.store,
        &bob,
        NewReminder {
            lead_id: Some(other.id),
            due_at: "2026-11-24T09:30:00Z".into(),
            message: "Call back".into(),
            owner_id: None,
        },
    )
    .unwrap();
    db.at("2026-11-24T10:00:00Z");
    reminders::mark_notified(&db.store, &bob, reminder.id).unwrap();
    reminders::mark_notified(&db.store, &bob, reminder.id).unwrap();
    let inbox = notifications::inbox(&db.store, &bob, PageRequest::default()).unwrap();
    assert_eq!(inbox.window.items[0].kind, NotificationKind::ReminderDue);
    assert_eq!(inbox.window.items[0].title, "Follow up: Handed over");
    assert_eq!(inbox.window.items.len(), 3);
}

#[test]
fn notifications_are_read_one_by_one_or_all_at_once_and_stay_private() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    for i in 0..3 {
        db.advance_minutes(1);
        enquiries::submit(
            &db.store,
            Enquiry {
                name: format!("Visitor {i}"),
                phone: Some("+1 555 0100".into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
    assert_eq!(notifications::unread_count(&db.store, &manager).unwrap(), 3);
    let inbox = notifications::inbox(&db.store, &manager, PageRequest::new(1, 2)).unwrap();
    assert!(inbox.window.has_more);
    assert_eq!(
        inbox.window.items[0].title, "New enquiry: Visitor 2",
        "newest first"
    );
    notifications::mark_read(&db.store, &manager, inbox.window.items[0].id).unwrap();
    notifications::mark_read(&db.store, &manager, inbox.window.items[0].id).unwrap();
    assert_eq!(notifications::unread_count(&db.store, &manager).unwrap(), 2);
    // Someone else's notification is not found.
    assert_eq!(
        code(notifications::mark_read(
            &db.store,
            &db.admin,
            inbox.window.items[1].id
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        notifications::mark_all_read(&db.store, &manager).unwrap(),
        2
    );
    assert_eq!(notifications::unread_count(&db.store, &manager).unwrap(), 0);
    assert_eq!(
        notifications::unread_count(&db.store, &db.admin).unwrap(),
        3
    );
}
