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

/// A lead's creation is read from the lead, not stored as a row: it takes
/// its place in the timeline by time (a call logged as before it comes after
/// it, newest first), pages like any entry, and appears in the feed.
#[test]
fn a_leads_creation_opens_its_timeline_in_its_place_by_time() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Katherine Johnson");
    let log = |summary: &str, at: Option<&str>| {
        activity::log(
            &db.store,
            &db.admin,
            lead.id,
            LogActivity {
                kind: "call".into(),
                summary: summary.into(),
                at: at.map(Into::into),
                ..Default::default()
            },
        )
        .unwrap()
    };
    // The test clock starts at 09:00; a call from the day before.
    log("before she was a lead", Some("2026-11-23T15:00:00Z"));
    db.advance_minutes(1);
    log("first call", None);
    db.advance_minutes(1);
    log("second call", None);
    assert_eq!(db.count("activities"), 3, "no row for the creation");

    let mut seen = Vec::new();
    for page in 1..=3 {
        let p = activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::new(page, 2))
            .unwrap();
        assert_eq!(p.total, 4);
        seen.extend(p.items.into_iter().map(|a| match a.kind {
            ActivityKind::Created => "created".to_owned(),
            _ => a.detail["summary"].as_str().unwrap().to_owned(),
        }));
    }
    assert_eq!(
        seen,
        [
            "second call",
            "first call",
            "created",
            "before she was a lead"
        ]
    );

    // The feed merges creations with the log, and pages through both.
    let other = db.lead(&db.admin, "Dorothy Vaughan");
    let first = activity::feed(&db.store, &db.admin, PageRequest::new(1, 2)).unwrap();
    assert!(first.has_more);
    assert_eq!(first.items[0].lead_id, other.id);
    assert_eq!(first.items[0].kind, ActivityKind::Created);
    assert_eq!(first.items[0].actor_name.as_deref(), Some("Ada Admin"));
    assert_eq!(first.items[1].detail["summary"], "second call");
    let second = activity::feed(&db.store, &db.admin, PageRequest::new(2, 2)).unwrap();
    let kinds: Vec<_> = second.items.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [ActivityKind::Call, ActivityKind::Created]);
    assert!(second.has_more, "the call from the day before is left");
}

/// A lead made before creations were kept on the lead has its `created`
/// row, and shows it once; an imported lead's creation says so.
#[test]
fn older_leads_keep_their_creation_row_and_imports_say_where_they_came_from() {
    let db = TestDb::new();
    let old = db.lead(&db.admin, "Made Long Ago");
    db.exec(&format!(
        "UPDATE leads SET created_via = NULL, created_by = NULL WHERE id = '{id}';
         INSERT INTO activities (id, lead_id, actor_id, kind, detail, at, created_at, updated_at)
         SELECT '0190f000-0000-7000-8000-000000000001', id, '{admin}', 'created',
                '{{\"source\":\"other\"}}', created_at, created_at, created_at
         FROM leads WHERE id = '{id}';",
        id = old.id,
        admin = db.admin.user_id
    ));
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, old.id, PageRequest::default()).unwrap();
    assert_eq!(timeline.total, 1);
    assert_eq!(timeline.items.len(), 1);
    assert_eq!(timeline.items[0].kind, ActivityKind::Created);
    assert_eq!(timeline.items[0].detail["source"], "other");

    let report = db
        .import("Name,Email\nImported One,one@example.com\n")
        .unwrap();
    let imported = match report.outcomes[..] {
        [leadlight_core::imports::RowOutcome::Created { lead_id, .. }] => lead_id,
        _ => panic!("{:?}", report.outcomes),
    };
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, imported, PageRequest::default()).unwrap();
    assert_eq!(timeline.total, 1);
    assert_eq!(timeline.items[0].detail["via"], "import");
    assert_eq!(
        timeline.items[0].detail["batch_id"],
        report.batch_id.to_string()
    );
    assert_eq!(timeline.items[0].actor_name.as_deref(), Some("Ada Admin"));
}

/// Leads made in the same millisecond (the test clock stands still) page
/// through the feed each once, though the log and the leads are read
/// separately and merged.
#[test]
fn creations_in_the_same_millisecond_page_through_the_feed_once_each() {
    let db = TestDb::new();
    let mut made: Vec<String> = (0..7)
        .map(|i| {
            db.lead(&db.admin, &format!("Same Instant {i}"))
                .id
                .to_string()
        })
        .collect();
    // Row numbers against the ids' order, as leads pushed from several
    // desktops may come: the index reads ties by row number, the merge by id.
    db.exec("UPDATE leads SET seq = -seq");
    let mut seen = Vec::new();
    for page in 1..=4 {
        let window = activity::feed(&db.store, &db.admin, PageRequest::new(page, 2)).unwrap();
        assert_eq!(window.has_more, page < 4, "page {page}");
        seen.extend(window.items.into_iter().map(|a| a.lead_id.to_string()));
    }
    made.sort();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(sorted, made, "each lead's creation once: {seen:?}");
    // Newest first; on a tie, the larger id first.
    let mut expected = made.clone();
    expected.reverse();
    assert_eq!(seen, expected);
}
