use crate::helpers::{TestDb, code, fields};
use leadlight_core::customers::{self, CustomerPatch};
use leadlight_core::{ErrorCode, Role, leads};

#[test]
fn customers_are_listed_edited_and_scoped_to_their_owner() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let alices = leads::convert(&db.store, &alice, db.lead(&alice, "Alice's customer").id).unwrap();
    db.advance_minutes(1);
    let bobs = leads::convert(&db.store, &bob, db.lead(&bob, "Bob's customer").id).unwrap();

    let all = customers::list(&db.store, &db.admin, Default::default()).unwrap();
    assert_eq!(all.total, 2);
    assert_eq!(all.items[0].id, bobs.id, "newest first");
    assert_eq!(
        customers::list(&db.store, &alice, Default::default())
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        code(customers::get(&db.store, &alice, bobs.id)),
        ErrorCode::NotFound
    );

    let patch: CustomerPatch = serde_json::from_value(serde_json::json!({
        "name": "Alice's Big Customer", "phone": "+44 20 7946 0958", "company": "Big Co"
    }))
    .unwrap();
    let edited = customers::update(&db.store, &alice, alices.id, patch).unwrap();
    assert_eq!(edited.name, "Alice's Big Customer");
    assert_eq!(edited.phone.as_deref(), Some("+44 20 7946 0958"));
    // The lead keeps its own details.
    assert_eq!(
        leads::get(&db.store, &alice, alices.lead_id).unwrap().name,
        "Alice's customer"
    );

    let before = db.snapshot();
    let bad: CustomerPatch =
        serde_json::from_value(serde_json::json!({ "name": "", "email": "x" })).unwrap();
    assert_eq!(
        fields(customers::update(&db.store, &alice, alices.id, bad)),
        vec!["name", "email"]
    );
    assert_eq!(db.snapshot(), before);
}
