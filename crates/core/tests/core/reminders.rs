use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity::{self, ActivityKind};
use leadlight_core::reminders::{self, NewReminder, ReminderPatch, ReminderState};
use leadlight_core::{ErrorCode, PageRequest, Role};

fn remind(
    db: &TestDb,
    actor: &leadlight_core::Actor,
    lead: leadlight_core::ids::LeadId,
    due: &str,
    message: &str,
) -> reminders::Reminder {
    reminders::create(
        &db.store,
        actor,
        NewReminder {
            lead_id: Some(lead),
            due_at: due.into(),
            message: message.into(),
            owner_id: None,
        },
    )
    .unwrap()
}

fn messages(list: Vec<reminders::Reminder>) -> Vec<String> {
    list.into_iter().map(|r| r.message).collect()
}

#[test]
fn today_overdue_and_upcoming_follow_the_users_time_zone() {
    let db = TestDb::new();
    // 09:00 UTC on the 24th is 22:00 on the 24th in Auckland (UTC+13).
    let kiwi = db.user_in("Kiri Agent", Role::Agent, "Pacific/Auckland");
    let lead = db.lead(&kiwi, "Lead");
    remind(
        &db,
        &kiwi,
        lead.id,
        "2026-11-23T10:00:00Z",
        "yesterday in Auckland",
    ); // 23:00 on the 23rd NZ
    remind(
        &db,
        &kiwi,
        lead.id,
        "2026-11-23T12:00:00Z",
        "early today in Auckland",
    ); // 01:00 on the 24th NZ
    remind(
        &db,
        &kiwi,
        lead.id,
        "2026-11-24T10:30:00Z",
        "late tonight in Auckland",
    ); // 23:30 on the 24th NZ
    remind(
        &db,
        &kiwi,
        lead.id,
        "2026-11-24T11:30:00Z",
        "tomorrow in Auckland",
    ); // 00:30 on the 25th NZ
    assert_eq!(
        messages(reminders::overdue(&db.store, &kiwi).unwrap()),
        vec!["yesterday in Auckland"]
    );
    assert_eq!(
        messages(reminders::today(&db.store, &kiwi).unwrap()),
        vec!["early today in Auckland", "late tonight in Auckland"]
    );
    assert_eq!(
        messages(
            reminders::upcoming(&db.store, &kiwi, PageRequest::default())
                .unwrap()
                .items
        ),
        vec!["tomorrow in Auckland"]
    );
    // The same instants for a user in UTC fall on other days.
    let utc = db.user("Uma Agent", Role::Agent);
    let lead = db.lead(&utc, "Lead");
    remind(
        &db,
        &utc,
        lead.id,
        "2026-11-23T12:00:00Z",
        "yesterday in UTC",
    );
    remind(&db, &utc, lead.id, "2026-11-24T23:30:00Z", "tonight in UTC");
    assert_eq!(
        messages(reminders::overdue(&db.store, &utc).unwrap()),
        vec!["yesterday in UTC"]
    );
    assert_eq!(
        messages(reminders::today(&db.store, &utc).unwrap()),
        vec!["tonight in UTC"]
    );
}

#[test]
fn completing_logs_reminder_done_and_a_done_reminder_is_final() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Lead");
    let reminder = remind(
        &db,
        &db.admin,
        lead.id,
        "2026-11-24T10:00:00Z",
        "Send the proposal",
    );
    let done = reminders::complete(&db.store, &db.admin, reminder.id).unwrap();
    assert!(matches!(done.state, ReminderState::Done { .. }));
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    assert_eq!(timeline.items[0].kind, ActivityKind::ReminderDone);
    assert_eq!(timeline.items[0].detail["message"], "Send the proposal");

    let before = db.snapshot();
    assert_eq!(
        code(reminders::complete(&db.store, &db.admin, reminder.id)),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(reminders::snooze(
            &db.store,
            &db.admin,
            reminder.id,
            "2026-11-25T10:00:00Z"
        )),
        ErrorCode::Conflict
    );
    assert_eq!(
        code(reminders::mark_notified(&db.store, &db.admin, reminder.id)),
        ErrorCode::Conflict
    );
    assert_eq!(db.snapshot(), before);
    assert!(reminders::today(&db.store, &db.admin).unwrap().is_empty());
}

#[test]
fn bad_reminders_name_their_fields_and_write_nothing() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Lead");
    let before = db.snapshot();
    let bad = NewReminder {
        lead_id: None,
        due_at: "next tuesday".into(),
        message: "  ".into(),
        owner_id: None,
    };
    assert_eq!(
        fields(reminders::create(&db.store, &db.admin, bad)),
        vec!["lead_id", "due_at", "message"]
    );
    let unknown_lead = NewReminder {
        lead_id: Some(leadlight_core::ids::LeadId::new()),
        due_at: "2026-11-25T10:00:00Z".into(),
        message: "Call".into(),
        owner_id: None,
    };
    assert_eq!(
        code(reminders::create(&db.store, &db.admin, unknown_lead)),
        ErrorCode::NotFound
    );
    let reminder = remind(&db, &db.admin, lead.id, "2026-11-25T10:00:00Z", "Call");
    let after_create = db.snapshot();
    let patch = ReminderPatch {
        due_at: Some("2026-13-01".into()),
        message: None,
    };
    assert_eq!(
        fields(reminders::update(&db.store, &db.admin, reminder.id, patch)),
        vec!["due_at"]
    );
    assert_eq!(db.snapshot(), after_create);
    assert_ne!(before, after_create);
}

#[test]
fn the_notifier_sees_each_due_reminder_once_and_catches_up_after_sleep() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Lead");
    let a = remind(&db, &db.admin, lead.id, "2026-11-24T09:30:00Z", "a");
    let b = remind(&db, &db.admin, lead.id, "2026-11-24T11:00:00Z", "b");
    remind(&db, &db.admin, lead.id, "2026-11-25T09:00:00Z", "c");
    assert!(
        reminders::due_for_notification(&db.store, &db.admin)
            .unwrap()
            .is_empty()
    );

    // The machine sleeps from 09:00 to 12:00: both missed reminders come at once, oldest first.
    db.at("2026-11-24T12:00:00Z");
    let due = reminders::due_for_notification(&db.store, &db.admin).unwrap();
    assert_eq!(messages(due), vec!["a", "b"]);
    reminders::mark_notified(&db.store, &db.admin, a.id).unwrap();
    let again = reminders::mark_notified(&db.store, &db.admin, a.id).unwrap();
    assert!(matches!(
        again.state,
        ReminderState::Pending {
            notified_at: Some(_)
        }
    ));
    reminders::mark_notified(&db.store, &db.admin, b.id).unwrap();
    assert!(
        reminders::due_for_notification(&db.store, &db.admin)
            .unwrap()
            .is_empty()
    );

    // Snoozing makes it notify again at the new time.
    reminders::snooze(&db.store, &db.admin, a.id, "2026-11-24T12:30:00Z").unwrap();
    assert!(
        reminders::due_for_notification(&db.store, &db.admin)
            .unwrap()
            .is_empty()
    );
    db.at("2026-11-24T12:31:00Z");
    assert_eq!(
        messages(reminders::due_for_notification(&db.store, &db.admin).unwrap()),
        vec!["a"]
    );
}

#[test]
fn reminders_belong_to_their_owner() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let manager = db.user("Mia Manager", Role::Manager);
    let lead = db.lead(&alice, "Lead");
    let reminder = remind(&db, &alice, lead.id, "2026-11-24T10:00:00Z", "mine");
    assert_eq!(
        code(reminders::complete(&db.store, &bob, reminder.id)),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(reminders::delete(&db.store, &bob, reminder.id)),
        ErrorCode::NotFound
    );
    let for_alice = NewReminder {
        lead_id: Some(lead.id),
        due_at: "2026-11-24T15:00:00Z".into(),
        message: "from the manager".into(),
        owner_id: Some(alice.user_id),
    };
    let set = reminders::create(&db.store, &manager, for_alice.clone()).unwrap();
    assert_eq!(set.owner_id, alice.user_id);
    let mut by_bob = for_alice;
    by_bob.lead_id = Some(db.lead(&bob, "Bob's").id);
    assert_eq!(
        code(reminders::create(&db.store, &bob, by_bob)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        messages(reminders::today(&db.store, &alice).unwrap()),
        vec!["mine", "from the manager"]
    );
    reminders::delete(&db.store, &manager, reminder.id).unwrap();
    assert_eq!(
        messages(reminders::today(&db.store, &alice).unwrap()),
        vec!["from the manager"]
    );
}

#[test]
fn changing_the_time_zone_moves_today() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Lead");
    // 09:00 UTC; a reminder at 20:00 UTC is today in London, tomorrow in Tokyo (05:00).
    remind(
        &db,
        &db.admin,
        lead.id,
        "2026-11-24T20:00:00Z",
        "evening call",
    );
    assert_eq!(
        messages(reminders::today(&db.store, &db.admin).unwrap()),
        vec!["evening call"]
    );
    let user = leadlight_core::users::set_time_zone(&db.store, &db.admin, "Asia/Tokyo").unwrap();
    assert_eq!(user.time_zone, "Asia/Tokyo");
    assert!(reminders::today(&db.store, &db.admin).unwrap().is_empty());
    assert_eq!(
        fields(leadlight_core::users::set_time_zone(
            &db.store,
            &db.admin,
            "Mars/Olympus"
        )),
        vec!["time_zone"]
    );
}

#[test]
fn a_reminder_is_read_alone_and_listed_a_page_at_a_time_with_its_total() {
    let db = TestDb::new();
    let alan = db.user("Alan Agent", Role::Agent);
    let bea = db.user("Bea Agent", Role::Agent);
    let lead = db.lead(&alan, "Grace Hopper").id;
    let first = remind(&db, &alan, lead, "2026-11-25T09:00:00Z", "Call");
    remind(&db, &alan, lead, "2026-11-26T09:00:00Z", "Email the quote");
    remind(&db, &alan, lead, "2026-11-24T10:00:00Z", "Today");
    reminders::complete(&db.store, &alan, first.id).unwrap();
    let beas = db.lead(&bea, "Katherine Johnson").id;
    let hers = remind(&db, &bea, beas, "2026-11-27T09:00:00Z", "Hers");

    assert_eq!(
        reminders::get(&db.store, &alan, first.id).unwrap().message,
        "Call"
    );
    assert_eq!(
        code(reminders::get(&db.store, &alan, hers.id)),
        ErrorCode::NotFound
    );
    assert_eq!(
        reminders::get(&db.store, &db.admin, hers.id)
            .unwrap()
            .message,
        "Hers"
    );

    let all = reminders::list(&db.store, &alan, PageRequest::new(1, 2)).unwrap();
    assert_eq!(all.total, 3, "done ones too");
    assert_eq!(messages(all.items), ["Today", "Call"]);
    let upcoming = reminders::upcoming(&db.store, &alan, PageRequest::new(1, 1)).unwrap();
    assert_eq!(
        (upcoming.total, messages(upcoming.items)),
        (1, vec!["Email the quote".to_owned()])
    );
}

#[test]
fn taking_due_reminders_marks_them_so_each_is_shown_once() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Grace Hopper");
    remind(&db, &db.admin, lead.id, "2026-11-24T09:30:00Z", "a");
    remind(&db, &db.admin, lead.id, "2026-11-24T09:40:00Z", "b");
    remind(&db, &db.admin, lead.id, "2026-11-24T15:00:00Z", "later");
    db.at("2026-11-24T10:00:00Z");
    let taken = reminders::take_due(&db.store, &db.admin).unwrap();
    assert_eq!(messages(taken.clone()), vec!["a", "b"]);
    assert!(taken.iter().all(|r| matches!(
        r.state,
        ReminderState::Pending {
            notified_at: Some(_)
        }
    )));
    assert!(
        reminders::take_due(&db.store, &db.admin)
            .unwrap()
            .is_empty()
    );
}
