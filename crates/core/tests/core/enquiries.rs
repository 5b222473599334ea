//! The public form, the unclaimed pool and claiming.

use crate::helpers::{TestDb, code, fields};
use leadlight_core::activity::{self, ActivityKind};
use leadlight_core::enquiries::{self, Enquiry};
use leadlight_core::ids::LeadId;
use leadlight_core::leads::{self, LeadQuery, LeadStatus};
use leadlight_core::{ErrorCode, PageRequest, Role, notes};
use std::sync::{Arc, Barrier};

fn enquiry(name: &str) -> Enquiry {
    Enquiry {
        name: name.into(),
        email: Some(format!(
            "{}@example.com",
            name.to_lowercase().replace(' ', ".")
        )),
        message: Some("Please call me about pricing.".into()),
        interest: Some("Enterprise plan".into()),
        ..Default::default()
    }
}

#[test]
fn an_enquiry_becomes_an_unclaimed_new_lead_with_its_message_as_a_note() {
    let db = TestDb::new();
    let receipt = enquiries::submit(&db.store, enquiry("Grace Hopper")).unwrap();
    let lead = leads::get(&db.store, &db.admin, receipt.lead_id).unwrap();
    assert_eq!(lead.status, LeadStatus::New);
    assert_eq!(lead.owner_id, None);
    assert_eq!(lead.source, leads::LeadSource::Website);
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead.id, PageRequest::default()).unwrap();
    assert_eq!(timeline.items[0].kind, ActivityKind::Created);
    assert_eq!(timeline.items[0].actor_id, None);
    assert_eq!(timeline.items[0].actor_name.as_deref(), Some("Web form"));
    assert_eq!(timeline.items[0].detail["via"], "web_form");
    assert_eq!(timeline.items[0].at, lead.created_at);
    assert_eq!(timeline.total, 1);
    let note = &notes::list(&db.store, &db.admin, lead.id, PageRequest::default())
        .unwrap()
        .items[0];
    assert_eq!(
        note.body,
        "Interested in Enterprise plan.\n\nPlease call me about pricing."
    );
    assert_eq!(note.author_id, None);
}

#[test]
fn enquiries_are_validated_strictly_and_a_bad_one_writes_nothing() {
    let db = TestDb::new();
    let before = db.snapshot();
    let no_contact = Enquiry {
        name: "Anon".into(),
        ..Default::default()
    };
    assert_eq!(
        fields(enquiries::submit(&db.store, no_contact)),
        vec!["email"]
    );
    let bad = Enquiry {
        name: "".into(),
        email: Some("not-an-email".into()),
        phone: Some("call me".into()),
        message: Some("x".repeat(5001)),
        source: Some("billboard".into()),
        interest: Some("y".repeat(101)),
        ..Default::default()
    };
    assert_eq!(
        fields(enquiries::submit(&db.store, bad)),
        vec!["name", "email", "phone", "message", "source", "interest"]
    );
    assert_eq!(db.snapshot(), before);
    let by_phone = Enquiry {
        name: "Phone Only".into(),
        phone: Some("+1 555 0100".into()),
        ..Default::default()
    };
    enquiries::submit(&db.store, by_phone).unwrap();
}

#[test]
fn the_seed_flow_two_agents_five_enquiries() {
    let db = TestDb::new();
    let agent1 = db.user("Agent One", Role::Agent);
    let agent2 = db.user("Agent Two", Role::Agent);
    let ids: Vec<LeadId> = (1..=5)
        .map(|i| {
            db.advance_minutes(1);
            enquiries::submit(&db.store, enquiry(&format!("Visitor {i}")))
                .unwrap()
                .lead_id
        })
        .collect();
    let pool = enquiries::unclaimed(&db.store, &agent1, PageRequest::default()).unwrap();
    assert_eq!(pool.total, 5);
    assert_eq!(pool.items[0].id, ids[4], "newest first");

    enquiries::claim(&db.store, &agent1, ids[0]).unwrap();
    let claimed = enquiries::claim(&db.store, &agent1, ids[1]).unwrap();
    assert_eq!(claimed.owner_id, Some(agent1.user_id));
    assert!(claimed.claimed_at.is_some());
    for agent in [&agent1, &agent2] {
        assert_eq!(
            enquiries::unclaimed(&db.store, agent, PageRequest::default())
                .unwrap()
                .total,
            3
        );
    }
    enquiries::claim(&db.store, &agent2, ids[2]).unwrap();
    assert_eq!(
        enquiries::mine(&db.store, &agent1, LeadQuery::default())
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        enquiries::mine(&db.store, &agent2, LeadQuery::default())
            .unwrap()
            .total,
        1
    );

    let taken = enquiries::claim(&db.store, &agent2, ids[0]).unwrap_err();
    assert_eq!(taken.code(), ErrorCode::Conflict);
    assert!(
        taken.to_string().contains("already claimed by Agent One"),
        "{taken}"
    );
    assert_eq!(
        code(enquiries::claim(&db.store, &agent2, LeadId::new())),
        ErrorCode::NotFound
    );
    // "My leads" takes the same filters as the main list.
    let searched = LeadQuery {
        q: Some("visitor 2".into()),
        ..Default::default()
    };
    assert_eq!(
        enquiries::mine(&db.store, &agent1, searched).unwrap().total,
        1
    );
}

#[test]
fn when_many_agents_claim_one_lead_at_once_exactly_one_wins() {
    let db = TestDb::new();
    let agents: Vec<_> = (0..8)
        .map(|i| db.user(&format!("Agent {i}"), Role::Agent))
        .collect();
    let lead = enquiries::submit(&db.store, enquiry("Contested Lead"))
        .unwrap()
        .lead_id;
    let barrier = Arc::new(Barrier::new(agents.len()));
    let outcomes: Vec<Result<(), ErrorCode>> = std::thread::scope(|scope| {
        let handles: Vec<_> = agents
            .iter()
            .map(|agent| {
                let barrier = barrier.clone();
                let store = db.store.clone();
                scope.spawn(move || {
                    barrier.wait();
                    enquiries::claim(&store, agent, lead)
                        .map(|_| ())
                        .map_err(|e| e.code())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        outcomes.iter().filter(|o| o.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .filter(|o| o.is_err())
            .all(|o| *o == Err(ErrorCode::Conflict)),
        "{outcomes:?}"
    );
    let timeline =
        activity::list_for_lead(&db.store, &db.admin, lead, PageRequest::default()).unwrap();
    let claims = timeline
        .items
        .iter()
        .filter(|a| a.kind == ActivityKind::Claimed)
        .count();
    assert_eq!(claims, 1);
    let winner = leads::get(&db.store, &db.admin, lead)
        .unwrap()
        .owner_id
        .unwrap();
    assert!(agents.iter().any(|a| a.user_id == winner));
}

#[test]
fn managers_assign_and_reassign_and_each_move_is_logged() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let lead = enquiries::submit(&db.store, enquiry("Assigned Lead"))
        .unwrap()
        .lead_id;
    leads::assign(&db.store, &manager, lead, Some(alice.user_id)).unwrap();
    leads::assign(&db.store, &manager, lead, Some(bob.user_id)).unwrap();
    assert_eq!(
        code(leads::get(&db.store, &alice, lead)),
        ErrorCode::NotFound,
        "no longer Alice's"
    );
    assert_eq!(
        code(leads::assign(&db.store, &bob, lead, Some(alice.user_id))),
        ErrorCode::Forbidden
    );
    let timeline =
        activity::list_for_lead(&db.store, &manager, lead, PageRequest::default()).unwrap();
    let moves: Vec<(Option<&str>, Option<&str>)> = timeline
        .items
        .iter()
        .filter(|a| a.kind == ActivityKind::Assigned)
        .map(|a| (a.detail["from_name"].as_str(), a.detail["to_name"].as_str()))
        .collect();
    assert_eq!(
        moves,
        vec![
            (Some("Alice Agent"), Some("Bob Agent")),
            (None, Some("Alice Agent"))
        ]
    );
    // Back to the pool.
    leads::assign(&db.store, &manager, lead, None).unwrap();
    assert_eq!(
        enquiries::unclaimed(&db.store, &alice, PageRequest::default())
            .unwrap()
            .total,
        1
    );
}
