use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity::{self, ActivityKind};
use leadlight_core::{ErrorCode, PageRequest, Role, notes};

#[test]
fn adding_a_note_logs_note_added_and_lists_newest_first() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Katherine Johnson");
    let first = notes::add(
        &db.store,
        &db.admin,
        lead.id,
        "  Called about orbits.\nWill call back.  ",
    )
    .unwrap();
    assert_eq!(first.body, "Called about orbits.\nWill call back.");
    assert_eq!(first.author_name.as_deref(), Some("Ada Admin"));
    db.advance_minutes(1);
    notes::add(&db.store, &db.admin, lead.id, "Second note").unwrap();
    let listed = notes::list(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    assert_eq!(listed.total, 2);
    assert_eq!(listed.items[0].body, "Second note");
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    let added: Vec<_> = timeline
        .items
        .iter()
        .filter(|a| a.kind == ActivityKind::NoteAdded)
        .collect();
    assert_eq!(added.len(), 2);
    assert_eq!(added[1].detail["note_id"], first.id.to_string());
}

#[test]
fn an_empty_note_is_rejected_and_writes_nothing() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Katherine Johnson");
    let before = db.snapshot();
    assert_eq!(
        fields(notes::add(&db.store, &db.admin, lead.id, " \n\t ")),
        vec!["body"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn notes_are_deleted_by_their_author_or_a_manager() {
    let db = TestDb::new();
    let agent = db.user("Alice Agent", Role::Agent);
    let manager = db.user("Mia Manager", Role::Manager);
    let lead = db.lead(&agent, "Lead");
    let by_manager = notes::add(&db.store, &manager, lead.id, "Manager's note").unwrap();
    let by_agent = notes::add(&db.store, &agent, lead.id, "Agent's note").unwrap();
    assert_eq!(
        code(notes::delete(&db.store, &agent, by_manager.id)),
        ErrorCode::Forbidden
    );
    notes::delete(&db.store, &agent, by_agent.id).unwrap();
    notes::delete(&db.store, &manager, by_manager.id).unwrap();
    assert_eq!(
        notes::list(&db.store, &agent, lead.id, PageRequest::default())
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        code(notes::delete(&db.store, &manager, by_manager.id)),
        ErrorCode::NotFound
    );
    // Another agent cannot even tell the lead exists.
    let other = db.user("Bob Agent", Role::Agent);
    assert_eq!(
        code(notes::add(&db.store, &other, lead.id, "hi")),
        ErrorCode::NotFound
    );
}
