//! Everything hanging off a lead follows its owner, and nothing reveals a lead
//! to someone who may not see it (regressions from a review).

use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity;
use leadlight_core::customers::{self, CustomerPatch};
use leadlight_core::enquiries::{self, Enquiry};
use leadlight_core::leads::{self, NewLead};
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::users::{self, NewUser};
use leadlight_core::{ErrorCode, PageRequest, Role, StoreOptions, accounts};

#[test]
fn a_customer_follows_its_lead_to_the_new_owner() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let lead = db.lead(&alice, "Secret Lead");
    let customer = leads::convert(&db.store, &alice, lead.id).unwrap();
    leads::assign(&db.store, &manager, lead.id, Some(bob.user_id)).unwrap();
    assert_eq!(
        code(customers::get(&db.store, &alice, customer.id)),
        ErrorCode::NotFound
    );
    let rename = CustomerPatch {
        name: Some("Hijacked".into()),
        ..Default::default()
    };
    assert_eq!(
        code(customers::update(&db.store, &alice, customer.id, rename)),
        ErrorCode::NotFound
    );
    assert_eq!(
        customers::get(&db.store, &bob, customer.id)
            .unwrap()
            .owner_id,
        Some(bob.user_id)
    );
}

#[test]
fn pending_reminders_follow_their_lead_and_never_show_someone_elses_lead() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let lead = db.lead(&alice, "Secret Lead");
    let reminder = reminders::create(
        &db.store,
        &alice,
        NewReminder {
            lead_id: Some(lead.id),
            due_at: "2026-11-24T15:00:00Z".into(),
            message: "Call".into(),
            owner_id: None,
        },
    )
    .unwrap();
    leads::assign(&db.store, &manager, lead.id, Some(bob.user_id)).unwrap();
    assert!(reminders::today(&db.store, &alice).unwrap().is_empty());
    assert_eq!(
        code(reminders::complete(&db.store, &alice, reminder.id)),
        ErrorCode::NotFound
    );
    let bobs = reminders::today(&db.store, &bob).unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].lead_name, "Secret Lead");

    // A Manager cannot point Alice's reminder at a lead she does not own.
    let for_alice = NewReminder {
        lead_id: Some(lead.id),
        due_at: "2026-11-25T09:00:00Z".into(),
        message: "peek".into(),
        owner_id: Some(alice.user_id),
    };
    assert_eq!(
        fields(reminders::create(&db.store, &manager, for_alice)),
        vec!["owner_id"]
    );
}

#[test]
fn claiming_a_lead_that_never_was_in_the_pool_is_not_found() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let private = db.lead(&alice, "Alice's own");
    assert_eq!(
        code(enquiries::claim(&db.store, &bob, private.id)),
        ErrorCode::NotFound
    );
    let pooled = enquiries::submit(
        &db.store,
        Enquiry {
            name: "Pool".into(),
            email: Some("p@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .lead_id;
    enquiries::claim(&db.store, &alice, pooled).unwrap();
    assert_eq!(
        code(enquiries::claim(&db.store, &bob, pooled)),
        ErrorCode::Conflict
    );
}

#[test]
fn a_deleted_leads_customer_and_activities_leave_every_list() {
    let db = TestDb::new();
    let lead = db.lead(&db.admin, "Gone Soon");
    let customer = leads::convert(&db.store, &db.admin, lead.id).unwrap();
    leads::delete(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(
        customers::list(&db.store, &db.admin, Default::default())
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        code(customers::get(&db.store, &db.admin, customer.id)),
        ErrorCode::NotFound
    );
    let feed = activity::feed(&db.store, &db.admin, PageRequest::default()).unwrap();
    assert!(
        feed.items.iter().all(|a| a.lead_id != lead.id),
        "{:?}",
        feed.items
    );
    leads::restore(&db.store, &db.admin, lead.id).unwrap();
    assert_eq!(
        customers::get(&db.store, &db.admin, customer.id)
            .unwrap()
            .lead_id,
        lead.id
    );
}

#[test]
fn control_characters_are_validation_errors_not_internal_ones() {
    let db = TestDb::new();
    let before = db.snapshot();
    assert_eq!(
        fields(leads::create(
            &db.store,
            &db.admin,
            NewLead {
                name: "\0".into(),
                ..Default::default()
            }
        )),
        vec!["name"]
    );
    assert_eq!(
        fields(leads::create(
            &db.store,
            &db.admin,
            NewLead {
                name: "Ok".into(),
                tags: vec!["\0".into()],
                ..Default::default()
            }
        )),
        vec!["tags"]
    );
    assert_eq!(
        fields(enquiries::submit(
            &db.store,
            Enquiry {
                name: "\0Bob".into(),
                email: Some("b@example.com".into()),
                ..Default::default()
            }
        )),
        vec!["name"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn one_mailbox_one_account_whatever_form_it_is_typed_in() {
    let db = TestDb::new();
    for typed in [
        "Bob <bob@example.com>",
        "bob@[127.0.0.1]",
        "\"bob\"@example.com",
    ] {
        let result = accounts::register(
            &db.store,
            accounts::Registration {
                name: "Bob".into(),
                email: typed.into(),
                password: "correct horse battery".into(),
            },
        );
        assert_eq!(fields(result), vec!["email"], "{typed}");
    }
}

#[test]
fn a_short_configured_token_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for secret in [Vec::new(), b"short".to_vec()] {
        let options = StoreOptions {
            token_secret: Some(secret),
            ..StoreOptions::default()
        };
        let error =
            leadlight_core::Store::open_with(dir.path().join("s.sqlite3"), options).unwrap_err();
        assert!(error.to_string().contains("at least 32"), "{error}");
    }
}

#[test]
fn admins_create_accounts_that_can_sign_in_and_reset_passwords() {
    let db = TestDb::new();
    let nina = users::create(
        &db.store,
        &db.admin,
        NewUser {
            name: "Nina".into(),
            email: "nina@example.com".into(),
            password: Some("first password".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let signed_in = accounts::login(
        &db.store,
        accounts::Credentials {
            email: "nina@example.com".into(),
            password: "first password".into(),
        },
    )
    .unwrap();
    let weak = NewUser {
        name: "Weak".into(),
        email: "weak@example.com".into(),
        password: Some("short".into()),
        ..Default::default()
    };
    assert_eq!(
        fields(users::create(&db.store, &db.admin, weak)),
        vec!["password"]
    );
    users::set_password(&db.store, &db.admin, nina.id, "second password").unwrap();
    assert_eq!(
        code(accounts::refresh(&db.store, &signed_in.refresh_token)),
        ErrorCode::Unauthenticated
    );
    accounts::login(
        &db.store,
        accounts::Credentials {
            email: "nina@example.com".into(),
            password: "second password".into(),
        },
    )
    .unwrap();
    let agent = db.user("Alice Agent", Role::Agent);
    assert_eq!(
        code(users::set_password(
            &db.store,
            &agent,
            nina.id,
            "third password"
        )),
        ErrorCode::Forbidden
    );
}
