//! A mutation that fails half-way leaves nothing behind. The failure is real:
//! a trigger in the database file aborts a journal insert, which every
//! service writes after its row.

use crate::helpers::{TestDb, code};
use leadlight_core::leads::{self, LeadPatch, NewLead};
use leadlight_core::{ErrorCode, notes};

fn break_the_journal(db: &TestDb, on: &str) {
    db.exec(&format!(
        "CREATE TRIGGER fail_journal BEFORE INSERT ON change_journal WHEN NEW.entity = '{on}'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
    ));
}

#[test]
fn a_create_that_fails_after_the_lead_row_leaves_no_lead_tag_or_journal() {
    let db = TestDb::new();
    // The lead row and its journal entry are written; the tag's journal
    // entry then fails.
    break_the_journal(&db, "lead_tag");
    let before = db.snapshot();
    let result = leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Half Done".into(),
            tags: vec!["x".into()],
            ..Default::default()
        },
    );
    let error = result.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Internal);
    assert!(
        !error.to_string().contains("injected"),
        "internal causes are not shown: {error}"
    );
    assert_eq!(db.snapshot(), before);
    assert_eq!(
        leads::list(
            &db.store,
            &db.admin,
            leads::LeadQuery {
                q: Some("half".into()),
                ..Default::default()
            }
        )
        .unwrap()
        .total,
        0
    );
}

#[test]
fn an_update_that_fails_half_way_keeps_the_old_values() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Original Name");
    break_the_journal(&db, "activity");
    let before = db.snapshot();
    let patch = LeadPatch {
        name: Some("New Name".into()),
        ..Default::default()
    };
    assert_eq!(
        code(leads::update(&db.store, &db.admin, lead.id, patch)),
        ErrorCode::Internal
    );
    assert_eq!(
        leads::get(&db.store, &db.admin, lead.id).unwrap().name,
        "Original Name"
    );
    assert_eq!(db.snapshot(), before);
    assert_eq!(
        code(notes::add(&db.store, &db.admin, lead.id, "a note")),
        ErrorCode::Internal
    );
    assert_eq!(
        code(leads::convert(&db.store, &db.admin, lead.id)),
        ErrorCode::Internal
    );
    assert_eq!(db.snapshot(), before);
    assert_eq!(
        leads::get(&db.store, &db.admin, lead.id).unwrap().status,
        leads::LeadStatus::New
    );
}

#[test]
fn errors_serialise_to_one_json_shape() {
    let db = TestDb::new();
    let error = leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "".into(),
            email: Some("x".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    let json = serde_json::to_value(&error).unwrap();
    assert_eq!(json["code"], "validation");
    assert_eq!(json["fields"][0]["field"], "name");
    assert_eq!(json["fields"][1]["field"], "email");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("name: is required")
    );
    let missing = leads::get(&db.store, &db.admin, leadlight_core::ids::LeadId::new()).unwrap_err();
    assert_eq!(
        serde_json::to_value(&missing).unwrap(),
        serde_json::json!({ "code": "not_found", "message": "lead not found", "fields": [] })
    );
}
