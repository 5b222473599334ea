use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity::{self, ActivityKind};
use leadlight_core::journal;
use leadlight_core::leads::{self, LeadPatch, LeadSource, LeadStatus, NewLead};
use leadlight_core::{ErrorCode, PageRequest, Role};

fn full_lead() -> NewLead {
    NewLead {
        name: "  Grace   Hopper ".into(),
        email: Some("grace@navy.example.com".into()),
        phone: Some("+1 (555) 010-2030".into()),
        company: Some("US Navy".into()),
        source: Some("Referral".into()),
        status: None,
        tags: vec!["vip".into(), "VIP".into(), "navy".into()],
        owner_id: None,
    }
}

#[test]
fn create_cleans_input_and_records_activity_and_journal_together() {
    let db = TestDb::new();
    let journal_before = db.count("change_journal");
    let lead = leads::create(&db.store, &db.admin, full_lead()).unwrap();
    assert_eq!(lead.name, "Grace Hopper");
    assert_eq!(lead.source, LeadSource::Referral);
    assert_eq!(lead.status, LeadStatus::New);
    assert_eq!(
        lead.tags,
        vec!["navy", "vip"],
        "duplicate tags fold by case; listed A-Z"
    );
    assert_eq!(lead.owner_id, Some(db.admin.user_id), "the creator owns it");
    assert_eq!(lead.owner_name.as_deref(), Some("Ada Admin"));
    assert_eq!(lead.created_at.to_string(), "2026-11-24T09:00:00.000Z");
    assert_eq!(
        lead,
        leads::get(&db.store, &db.admin, lead.id).unwrap(),
        "the answer is the lead as stored"
    );

    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    assert_eq!(timeline.total, 1);
    assert_eq!(timeline.items[0].kind, ActivityKind::Created);
    assert_eq!(timeline.items[0].actor_name.as_deref(), Some("Ada Admin"));
    assert_eq!(timeline.items[0].detail["via"], "app");
    assert_eq!(timeline.items[0].at, lead.created_at);
    // Its creation is read from the lead: no activity row.
    assert_eq!(db.count("activities"), 0);
    // lead + 2 tags
    assert_eq!(db.count("change_journal") - journal_before, 3);
    let entries = journal::entries_since(&db.store, 0, 100).unwrap();
    let lead_entry = entries
        .iter()
        .find(|(_, e)| e.entity == journal::Entity::Lead)
        .unwrap();
    assert_eq!(lead_entry.1.entity_id, lead.id.to_string());
    assert_eq!(lead_entry.1.fields.0["name"], "Grace Hopper");
}

#[test]
fn every_bad_field_is_named_and_nothing_is_written() {
    let db = TestDb::new();
    let before = db.snapshot();
    let cases: Vec<(NewLead, Vec<&str>)> = vec![
        (
            NewLead {
                name: "   ".into(),
                ..Default::default()
            },
            vec!["name"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                email: Some("ann-at-example".into()),
                ..Default::default()
            },
            vec!["email"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                phone: Some("call me maybe".into()),
                ..Default::default()
            },
            vec!["phone"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                source: Some("billboard".into()),
                ..Default::default()
            },
            vec!["source"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                status: Some("won".into()),
                ..Default::default()
            },
            vec!["status"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                status: Some("converted".into()),
                ..Default::default()
            },
            vec!["status"],
        ),
        (
            NewLead {
                name: "Ann".into(),
                tags: vec!["a,b".into()],
                ..Default::default()
            },
            vec!["tags"],
        ),
        (
            NewLead {
                name: "".into(),
                email: Some("x@".into()),
                source: Some("tv".into()),
                ..Default::default()
            },
            vec!["name", "email", "source"],
        ),
    ];
    for (input, expected) in cases {
        let result = leads::create(&db.store, &db.admin, input);
        assert_eq!(fields(result), expected);
    }
    let unknown_status = leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Ann".into(),
            status: Some("won".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        unknown_status
            .to_string()
            .contains("new, contacted, qualified"),
        "{unknown_status}"
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn unknown_ids_are_not_found() {
    let db = TestDb::new();
    let id = leadlight_core::ids::LeadId::new();
    assert_eq!(
        code(leads::get(&db.store, &db.admin, id)),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::update(
            &db.store,
            &db.admin,
            id,
            LeadPatch::default()
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::change_status(&db.store, &db.admin, id, "lost")),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::delete(&db.store, &db.admin, id)),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::convert(&db.store, &db.admin, id)),
        ErrorCode::NotFound
    );
}

#[test]
fn update_records_only_the_fields_that_changed() {
    let db = TestDb::new();
    let lead = leads::create(&db.store, &db.admin, full_lead()).unwrap();
    db.advance_minutes(5);
    let patch: LeadPatch = serde_json::from_value(serde_json::json!({
        "name": "Grace Hopper",           // unchanged
        "email": "amazing.grace@navy.example.com",
        "company": null,                  // cleared
        "source": "referral"              // unchanged
    }))
    .unwrap();
    let updated = leads::update(&db.store, &db.admin, lead.id, patch).unwrap();
    assert_eq!(
        updated.email.as_deref(),
        Some("amazing.grace@navy.example.com")
    );
    assert_eq!(updated.company, None);
    assert_eq!(updated.phone, lead.phone, "absent fields stay");
    assert!(updated.updated_at > lead.updated_at);

    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    let update = &timeline.items[0];
    assert_eq!(update.kind, ActivityKind::Updated);
    let changes = update.detail["changes"].as_object().unwrap();
    let mut changed: Vec<&String> = changes.keys().collect();
    changed.sort();
    assert_eq!(changed, vec!["company", "email"]);
    assert_eq!(changes["company"]["from"], "US Navy");
    assert!(changes["company"]["to"].is_null());

    // A patch that changes nothing writes nothing.
    let before = db.snapshot();
    let same = LeadPatch {
        name: Some("Grace Hopper".into()),
        ..Default::default()
    };
    leads::update(&db.store, &db.admin, lead.id, same).unwrap();
    assert_eq!(db.snapshot(), before);

    // A bad patch writes nothing either.
    let bad = LeadPatch {
        email: Some(Some("nope".into())),
        name: Some(" ".into()),
        ..Default::default()
    };
    assert_eq!(
        fields(leads::update(&db.store, &db.admin, lead.id, bad)),
        vec!["name", "email"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn status_changes_record_old_and_new_and_keep_dates_consistent() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Alan Turing");
    let contacted = leads::change_status(&db.store, &db.admin, lead.id, "contacted").unwrap();
    assert_eq!(contacted.status, LeadStatus::Contacted);
    let lost = leads::change_status(&db.store, &db.admin, lead.id, "lost").unwrap();
    assert!(lost.lost_at.is_some());
    let back = leads::change_status(&db.store, &db.admin, lead.id, "qualified").unwrap();
    assert_eq!(back.lost_at, None);

    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    let moves: Vec<(String, String)> = timeline
        .items
        .iter()
        .filter(|a| a.kind == ActivityKind::StatusChanged)
        .map(|a| {
            (
                a.detail["from"].as_str().unwrap().to_owned(),
                a.detail["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            ("lost".to_owned(), "qualified".to_owned()),
            ("contacted".to_owned(), "lost".to_owned()),
            ("new".to_owned(), "contacted".to_owned()),
        ]
    );
    // Same status again: nothing recorded.
    let before = db.snapshot();
    leads::change_status(&db.store, &db.admin, lead.id, "qualified").unwrap();
    assert_eq!(db.snapshot(), before);
    assert_eq!(
        fields(leads::change_status(&db.store, &db.admin, lead.id, "won")),
        vec!["status"]
    );
}

#[test]
fn converting_makes_a_customer_once() {
    let db = TestDb::new();
    let lead = leads::create(&db.store, &db.admin, full_lead()).unwrap();
    let customer = leads::convert(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(customer.lead_id, lead.id);
    assert_eq!(customer.name, "Grace Hopper");
    assert_eq!(customer.email, lead.email);
    let lead_now = leads::get(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(lead_now.status, LeadStatus::Converted);
    assert!(lead_now.converted_at.is_some());
    assert_eq!(
        code(leads::convert(&db.store, &db.admin, lead.id)),
        ErrorCode::Conflict
    );

    let detail = leads::open(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(detail.customer.as_ref().map(|c| c.id), Some(customer.id));
    assert_eq!(detail.activities[0].kind, ActivityKind::Converted);
    assert_eq!(
        detail.activities[0].detail["customer_id"],
        customer.id.to_string()
    );

    // Dragged back out of converted: the customer record is retired; converting
    // again revives the same record.
    leads::change_status(&db.store, &db.admin, lead.id, "qualified").unwrap();
    assert!(
        leads::open(&db.store, &db.admin, lead.id)
            .unwrap()
            .customer
            .is_none()
    );
    let again = leads::change_status(&db.store, &db.admin, lead.id, "converted").unwrap();
    assert_eq!(again.status, LeadStatus::Converted);
    let revived = leads::open(&db.store, &db.admin, lead.id)
        .unwrap()
        .customer
        .unwrap();
    assert_eq!(revived.id, customer.id);
    assert_eq!(db.count("customers"), 1);
}

#[test]
fn tags_add_and_remove_case_insensitively() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Ada Lovelace");
    let tagged = leads::add_tags(
        &db.store,
        &db.admin,
        lead.id,
        vec!["Math".into(), "poet".into()],
    )
    .unwrap();
    assert_eq!(tagged.tags, vec!["Math", "poet"]);
    let before = db.snapshot();
    leads::add_tags(&db.store, &db.admin, lead.id, vec!["math".into()]).unwrap();
    assert_eq!(
        db.snapshot(),
        before,
        "an existing tag in another case adds nothing"
    );
    let untagged = leads::remove_tag(&db.store, &db.admin, lead.id, "MATH").unwrap();
    assert_eq!(untagged.tags, vec!["poet"]);
    assert_eq!(
        code(leads::remove_tag(&db.store, &db.admin, lead.id, "math")),
        ErrorCode::NotFound
    );
    let retagged = leads::add_tags(&db.store, &db.admin, lead.id, vec!["math".into()]).unwrap();
    assert_eq!(retagged.tags.len(), 2);
    assert_eq!(
        fields(leads::add_tags(
            &db.store,
            &db.admin,
            lead.id,
            vec![" ".into()]
        )),
        vec!["tags", "tags"]
    );
}

#[test]
fn delete_is_a_tombstone_that_restore_undoes() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Edsger Dijkstra");
    leads::delete(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(
        code(leads::get(&db.store, &db.admin, lead.id)),
        ErrorCode::NotFound
    );
    assert_eq!(db.count("leads"), 1, "the row stays as a tombstone");
    let listed = leads::list(&db.store, &db.admin, Default::default()).unwrap();
    assert_eq!(listed.total, 0);
    let restored = leads::restore(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(restored.deleted_at, None);
    assert_eq!(
        code(leads::restore(&db.store, &db.admin, lead.id)),
        ErrorCode::Conflict
    );
    let ops: Vec<journal::Op> = journal::entries_since(&db.store, 0, 100)
        .unwrap()
        .into_iter()
        .filter(|(_, e)| e.entity == journal::Entity::Lead)
        .map(|(_, e)| e.op)
        .collect();
    assert_eq!(
        ops,
        vec![
            journal::Op::Insert,
            journal::Op::Delete,
            journal::Op::Restore
        ]
    );
}

#[test]
fn agents_see_only_their_own_leads() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let manager = db.user("Mia Manager", Role::Manager);
    let alices = db.lead(&alice, "Alice's lead");
    let bobs = db.lead(&bob, "Bob's lead");

    assert_eq!(
        leads::get(&db.store, &alice, alices.id).unwrap().name,
        "Alice's lead"
    );
    assert_eq!(
        code(leads::get(&db.store, &alice, bobs.id)),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::update(
            &db.store,
            &alice,
            bobs.id,
            LeadPatch {
                name: Some("x".into()),
                ..Default::default()
            }
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::delete(&db.store, &alice, alices.id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        leads::list(&db.store, &alice, Default::default())
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        leads::list(&db.store, &manager, Default::default())
            .unwrap()
            .total,
        2
    );
    leads::delete(&db.store, &manager, bobs.id).unwrap();

    // Only Managers and Admins create leads for someone else.
    let for_bob = NewLead {
        name: "For Bob".into(),
        owner_id: Some(bob.user_id),
        ..Default::default()
    };
    assert_eq!(
        code(leads::create(&db.store, &alice, for_bob.clone())),
        ErrorCode::Forbidden
    );
    let created = leads::create(&db.store, &manager, for_bob).unwrap();
    assert_eq!(created.owner_id, Some(bob.user_id));
}

#[test]
fn unknown_ids_are_not_found_in_every_service() {
    use leadlight_core::ids::{CustomerId, NoteId, ReminderId, TaskId};
    use leadlight_core::{customers, notes, reminders, tasks};
    let db = TestDb::new();
    let s = &db.store;
    let a = &db.admin;
    assert_eq!(
        code(notes::delete(s, a, NoteId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(notes::list(
            s,
            a,
            leadlight_core::ids::LeadId::new(),
            PageRequest::default()
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(reminders::complete(s, a, ReminderId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(reminders::mark_notified(s, a, ReminderId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(reminders::delete(s, a, ReminderId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(code(tasks::get(s, a, TaskId::new())), ErrorCode::NotFound);
    assert_eq!(
        code(tasks::complete(s, a, TaskId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(customers::get(s, a, CustomerId::new())),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(customers::update(
            s,
            a,
            CustomerId::new(),
            Default::default()
        )),
        ErrorCode::NotFound
    );
    assert_eq!(
        code(leads::restore(s, a, leadlight_core::ids::LeadId::new())),
        ErrorCode::NotFound
    );
}
