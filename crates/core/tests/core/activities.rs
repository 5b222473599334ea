use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity::{self, ActivityKind, LogActivity};
use leadlight_core::{ErrorCode, PageRequest, Role};

#[test]
fn calls_meetings_and_emails_are_logged_with_their_details() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Margaret Hamilton");
    db.advance_minutes(10);
    let call = activity::log(
        &db.store,
        &db.admin,
        lead.id,
        LogActivity {
            kind: "call".into(),
            summary: "Discussed the Apollo guidance software".into(),
            at: Some("2026-11-24T08:30:00+01:00".into()),
            duration_minutes: Some(25),
        },
    )
    .unwrap();
    assert_eq!(call.kind, ActivityKind::Call);
    assert_eq!(call.at.to_string(), "2026-11-24T07:30:00.000Z");
    assert_eq!(call.detail["duration_minutes"], 25);
    activity::log(
        &db.store,
        &db.admin,
        lead.id,
        LogActivity {
            kind: "Meeting".into(),
            summary: "On site".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    let kinds: Vec<ActivityKind> = timeline.items.iter().map(|a| a.kind).collect();
    // Newest first by when it happened: the meeting (now), created (09:00), the call (07:30).
    assert_eq!(
        kinds,
        vec![
            ActivityKind::Meeting,
            ActivityKind::Created,
            ActivityKind::Call
        ]
    );
}

#[test]
fn only_calls_meetings_and_emails_can_be_logged_by_hand() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Margaret Hamilton");
    let before = db.snapshot();
    let bad = LogActivity {
        kind: "converted".into(),
        summary: "".into(),
        at: Some("soon".into()),
        duration_minutes: Some(5000),
    };
    assert_eq!(
        fields(activity::log(&db.store, &db.admin, lead.id, bad)),
        vec!["kind", "summary", "at", "duration_minutes"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn the_timeline_pages_and_the_feed_is_scoped_to_what_the_actor_sees() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let lead = db.lead(&alice, "Alice's lead");
    db.lead(&bob, "Bob's lead");
    for i in 0..5 {
        db.advance_minutes(1);
        activity::log(
            &db.store,
            &alice,
            lead.id,
            LogActivity {
                kind: "email".into(),
                summary: format!("email {i}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let page2 =
        activity::list_for_lead(&db.store, &alice, lead.id, PageRequest::new(2, 2)).unwrap();
    assert_eq!(page2.total, 6);
    assert_eq!(page2.items[0].detail["summary"], "email 2");
    assert_eq!(
        code(activity::list_for_lead(
            &db.store,
            &bob,
            lead.id,
            PageRequest::default()
        )),
        ErrorCode::NotFound
    );

    let alice_feed = activity::feed(&db.store, &alice, PageRequest::new(1, 3)).unwrap();
    assert!(alice_feed.has_more);
    assert!(alice_feed.items.iter().all(|a| a.lead_id == lead.id));
    assert_eq!(alice_feed.items[0].detail["summary"], "email 4");
    let bob_feed = activity::feed(&db.store, &bob, PageRequest::default()).unwrap();
    assert_eq!(bob_feed.items.len(), 1, "only Bob's own lead's creation");
    assert!(!bob_feed.has_more);
    let admin_feed = activity::feed(&db.store, &db.admin, PageRequest::new(1, 200)).unwrap();
    assert_eq!(admin_feed.items.len(), 7);
}
