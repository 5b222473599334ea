//! The server's side of sync, in process: a desktop's database (a copy of
//! the server's, as a first sync would leave it) pushes its journal.

use crate::helpers::{TestDb, code};
use leadlight_core::enquiries;
use leadlight_core::hlc::Hlc;
use leadlight_core::journal::{Entity, Op};
use leadlight_core::leads::{self, LeadPatch, LeadStatus, NewLead};
use leadlight_core::sync::{self, Outcome, PushBatch, PushOp};
use leadlight_core::{Actor, ErrorCode, Role};

const CLIENT_A: &str = "0199a000-0000-7000-8000-00000000000a";
const CLIENT_B: &str = "0199a000-0000-7000-8000-00000000000b";

/// A desktop: a copy of the server's database, and where its own changes
/// start in its journal.
struct Desktop {
    db: TestDb,
    pushed: i64,
    /// Where its next pull from the server starts.
    cursor: i64,
    client: &'static str,
}

impl Desktop {
    fn of(server: &TestDb, client: &'static str) -> Self {
        let db = server.replica();
        let pushed = sync::outbox(&db.store, 0, 1_000_000)
            .unwrap()
            .last()
            .map_or(0, |op| op.seq);
        Self {
            db,
            pushed,
            cursor: pushed,
            client,
        }
    }

    /// Pull every page of changes as `actor` and apply them.
    fn pull(&mut self, server: &TestDb, actor: &Actor) -> sync::Received {
        let mut total = sync::Received::default();
        loop {
            let page = sync::changes(&server.store, actor, self.cursor, 100).unwrap();
            let got = sync::receive(
                &self.db.store,
                &page.changes,
                page.server_clock,
                self.pushed,
            )
            .unwrap();
            total.applied += got.applied;
            total.removed += got.removed;
            total.deferred += got.deferred;
            self.cursor = page.cursor;
            if !page.more {
                return total;
            }
        }
    }

    fn batch(&self) -> PushBatch {
        PushBatch {
            client_id: self.client.into(),
            ops: sync::outbox(&self.db.store, self.pushed, 500).unwrap(),
        }
    }

    /// Push everything pending as `actor`; the answer moves `pushed`.
    fn push(&mut self, server: &TestDb, actor: &Actor) -> sync::PushAnswer {
        let answer = sync::push(&server.store, actor, self.batch()).unwrap();
        self.pushed = answer.applied_through;
        sync::receive(
            &self.db.store,
            &answer.current,
            answer.server_clock,
            self.pushed,
        )
        .unwrap();
        answer
    }
}

fn new_lead(name: &str) -> NewLead {
    NewLead {
        name: name.into(),
        email: Some(format!("{}@example.com", name.to_lowercase())),
        ..Default::default()
    }
}

#[test]
fn a_lead_made_offline_reaches_the_server_and_a_retried_batch_changes_nothing() {
    let server = TestDb::new();
    let mut desk = Desktop::of(&server, CLIENT_A);
    let lead = leads::create(&desk.db.store, &desk.db.admin, new_lead("Grace")).unwrap();
    leads::change_status(&desk.db.store, &desk.db.admin, lead.id, "qualified").unwrap();
    let batch = desk.batch();
    let answer = desk.push(&server, &server.admin);
    let lead_results: Vec<&Outcome> = answer
        .results
        .iter()
        .zip(&batch.ops)
        .filter(|(_, op)| op.entity == Entity::Lead)
        .map(|(r, _)| &r.outcome)
        .collect();
    assert_eq!(lead_results, [&Outcome::Applied, &Outcome::Applied]);
    let there = leads::get(&server.store, &server.admin, lead.id).unwrap();
    assert_eq!(
        (there.name.as_str(), there.status, there.email.as_deref()),
        ("Grace", LeadStatus::Qualified, Some("grace@example.com"))
    );
    assert_eq!(there.created_at, lead.created_at);
    // Who made a lead never changes: the server keeps no field clocks for it.
    assert!(server.count("sync_field_clocks WHERE field = 'name'") > 0);
    assert_eq!(
        server.count("sync_field_clocks WHERE field IN ('created_by', 'created_via')"),
        0
    );

    let journal_before = server.count("change_journal");
    let again = sync::push(&server.store, &server.admin, batch).unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == Outcome::AlreadyApplied),
        "{again:?}"
    );
    assert_eq!(server.count("change_journal"), journal_before);
    assert!(again.server_clock >= answer.server_clock);
}

#[test]
fn the_later_edit_of_a_field_wins_and_other_fields_merge() {
    let server = TestDb::new();
    let lead = server.lead(&server.admin, "Ada");
    let mut a = Desktop::of(&server, CLIENT_A);
    let mut b = Desktop::of(&server, CLIENT_B);
    let patch = |name: Option<&str>, company: Option<&str>| LeadPatch {
        name: name.map(Into::into),
        company: company.map(|c| Some(c.into())),
        ..Default::default()
    };
    // A renames first, B renames later and sets the company; A's push
    // arrives last.
    leads::update(
        &a.db.store,
        &a.db.admin,
        lead.id,
        patch(Some("Ada A"), None),
    )
    .unwrap();
    b.db.advance_minutes(1);
    leads::update(
        &b.db.store,
        &b.db.admin,
        lead.id,
        patch(Some("Ada B"), Some("Engines")),
    )
    .unwrap();
    b.push(&server, &server.admin);
    let late = a.push(&server, &server.admin);
    let lead_outcome = late
        .results
        .iter()
        .find(|r| matches!(r.outcome, Outcome::Superseded { .. }))
        .map(|r| r.outcome.clone());
    assert_eq!(
        lead_outcome,
        Some(Outcome::Superseded {
            fields: vec!["name".into()]
        })
    );
    let there = leads::get(&server.store, &server.admin, lead.id).unwrap();
    assert_eq!(there.name, "Ada B", "the later edit wins");
    assert_eq!(there.company.as_deref(), Some("Engines"));
}

#[test]
fn an_agent_cannot_push_a_change_to_someone_elses_lead_and_the_rest_applies() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let caras = server.lead(&cara, "Cara's lead");
    let mut desk = Desktop::of(&server, CLIENT_A);
    // Bob's desktop, tampered with: it edits Cara's lead, then makes its own.
    desk.db.rename(&desk.db.admin, caras.id, "Stolen");
    let mine = leads::create(&desk.db.store, &bob, new_lead("Bobsown")).unwrap();
    let batch = desk.batch();
    let answer = desk.push(&server, &bob);
    let outcome_for = |id: String| {
        batch
            .ops
            .iter()
            .zip(&answer.results)
            .find(|(op, _)| op.entity == Entity::Lead && op.entity_id == id)
            .map(|(_, r)| r.outcome.clone())
            .unwrap()
    };
    assert!(
        matches!(outcome_for(caras.id.to_string()), Outcome::Rejected(r) if r.code == ErrorCode::NotFound),
        "an Agent cannot even learn the lead exists"
    );
    assert_eq!(outcome_for(mine.id.to_string()), Outcome::Applied);
    assert_eq!(
        leads::get(&server.store, &server.admin, caras.id)
            .unwrap()
            .name,
        "Cara's lead"
    );
    assert_eq!(
        leads::get(&server.store, &bob, mine.id).unwrap().owner_id,
        Some(bob.user_id)
    );
    assert_eq!(answer.applied_through, batch.ops.last().unwrap().seq);
}

#[test]
fn a_claim_pushed_after_someone_else_claimed_is_rejected_with_who() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let walk_in = server.walk_in();
    let mut desk = Desktop::of(&server, CLIENT_A);
    enquiries::claim(&desk.db.store, &bob, walk_in).unwrap();
    enquiries::claim(&server.store, &cara, walk_in).unwrap();
    let batch = desk.batch();
    let answer = desk.push(&server, &bob);
    let claim = batch
        .ops
        .iter()
        .zip(&answer.results)
        .find(|(op, _)| op.entity == Entity::Lead && op.op == Op::Update)
        .map(|(_, r)| r.outcome.clone())
        .unwrap();
    match claim {
        Outcome::Rejected(refusal) => {
            assert_eq!(refusal.code, ErrorCode::Conflict);
            assert!(
                refusal.message.contains("already claimed by Cara"),
                "{}",
                refusal.message
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        leads::get(&server.store, &server.admin, walk_in)
            .unwrap()
            .owner_id,
        Some(cara.user_id)
    );
}

#[test]
fn a_clock_far_ahead_is_refused_and_a_client_belongs_to_one_user() {
    let server = TestDb::new();
    let lead = server.lead(&server.admin, "Ada");
    let ahead = PushBatch {
        client_id: CLIENT_A.into(),
        ops: vec![PushOp {
            seq: 1,
            entity: Entity::Lead,
            entity_id: lead.id.to_string(),
            op: Op::Update,
            fields: serde_json::json!({ "name": "From the future" }),
            hlc: Hlc::next(
                Hlc::ZERO,
                leadlight_core::Timestamp::from_millis(server.store.now().millis() + 5 * 60_000),
            ),
        }],
    };
    let refused = sync::push(&server.store, &server.admin, ahead.clone());
    assert_eq!(crate::helpers::fields(refused), vec!["hlc"]);
    assert_eq!(
        leads::get(&server.store, &server.admin, lead.id)
            .unwrap()
            .name,
        "Ada"
    );

    let mut fine = ahead;
    fine.ops[0].hlc = Hlc::next(Hlc::ZERO, server.store.now());
    sync::push(&server.store, &server.admin, fine.clone()).unwrap();
    let manager = server.user("Mo", Role::Manager);
    assert_eq!(
        code(sync::push(&server.store, &manager, fine)),
        ErrorCode::Forbidden
    );
}

#[test]
fn server_changes_reach_a_desktop_scoped_to_its_agent_and_leave_when_reassigned() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let mut desk = Desktop::of(&server, CLIENT_A);
    let bobs = server.lead(&bob, "Bob's customer");
    let caras = server.lead(&cara, "Cara's customer");
    let walk_in = server.walk_in();

    let page = sync::changes(&server.store, &bob, desk.cursor, 100).unwrap();
    let sent: Vec<String> = page
        .changes
        .iter()
        .filter_map(|c| match c {
            sync::Change::Lead(lead) => Some(lead.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        ["Bob's customer", "Walk In"],
        "his own and the pool, not Cara's"
    );
    assert!(page.cursor > desk.cursor);
    let got = desk.pull(&server, &bob);
    assert_eq!(got.applied, 2);
    let here = leads::get(&desk.db.store, &bob, bobs.id).unwrap();
    assert_eq!(here.name, "Bob's customer");
    assert_eq!(here.created_at, bobs.created_at);
    assert_eq!(
        leads::get(&desk.db.store, &desk.db.admin, walk_in)
            .unwrap()
            .owner_id,
        None
    );
    let _ = caras;

    leads::assign(&server.store, &server.admin, bobs.id, Some(cara.user_id)).unwrap();
    let got = desk.pull(&server, &bob);
    assert_eq!(got.removed, 1, "{got:?}");
    assert_eq!(
        code(leads::get(&desk.db.store, &desk.db.admin, bobs.id)),
        ErrorCode::NotFound,
        "gone from Bob's desktop (with its activity: foreign keys are on)"
    );
    // Nobody is told to remove what they were never sent.
    leads::assign(&server.store, &server.admin, caras.id, None).unwrap();
    leads::assign(&server.store, &server.admin, caras.id, Some(cara.user_id)).unwrap();
    let page = sync::changes(&server.store, &bob, desk.cursor, 100).unwrap();
    assert_eq!(
        page.changes,
        [],
        "a lead that passed through the pool and back to Cara before Bob pulled was never his"
    );
}

#[test]
fn a_pull_leaves_unpushed_local_changes_alone_and_both_edits_meet() {
    let server = TestDb::new();
    let lead = server.lead(&server.admin, "Ada");
    let mut desk = Desktop::of(&server, CLIENT_A);
    desk.db.rename(&desk.db.admin, lead.id, "Ada Lovelace");
    leads::update(
        &server.store,
        &server.admin,
        lead.id,
        LeadPatch {
            company: Some(Some("Analytical Engines".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let got = desk.pull(&server, &desk.db.admin.clone());
    assert_eq!(got.deferred, 1);
    assert_eq!(
        leads::get(&desk.db.store, &desk.db.admin, lead.id)
            .unwrap()
            .name,
        "Ada Lovelace",
        "the local edit is not overwritten"
    );
    desk.push(&server, &server.admin);
    desk.pull(&server, &server.admin);
    let here = leads::get(&desk.db.store, &desk.db.admin, lead.id).unwrap();
    let there = leads::get(&server.store, &server.admin, lead.id).unwrap();
    assert_eq!(
        (here.name.as_str(), here.company.as_deref()),
        ("Ada Lovelace", Some("Analytical Engines"))
    );
    assert_eq!((here.name, here.company), (there.name, there.company));
}

#[test]
fn a_lead_made_on_one_desktop_is_found_on_another() {
    let server = TestDb::new();
    let mut a = Desktop::of(&server, CLIENT_A);
    let mut b = Desktop::of(&server, CLIENT_B);
    let lead = leads::create(
        &a.db.store,
        &a.db.admin,
        NewLead {
            phone: Some("+44 20 7946 0000".into()),
            ..new_lead("Grace")
        },
    )
    .unwrap();
    a.push(&server, &server.admin);
    // The journal entry carries the phone, not its digits: the server makes
    // them, and its search finds the lead by them.
    let by_digits = leads::LeadQuery {
        q: Some("7946".into()),
        ..Default::default()
    };
    assert_eq!(
        leads::list(&server.store, &server.admin, by_digits.clone())
            .unwrap()
            .total,
        1
    );
    b.pull(&server, &server.admin);
    let found = leads::list(
        &b.db.store,
        &b.db.admin,
        leads::LeadQuery {
            q: Some("7946".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        found.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        [lead.id]
    );
    assert_eq!(
        leadlight_core::analytics::check_summaries(&b.db.store).unwrap(),
        Vec::<String>::new(),
        "the dashboard's summaries count it"
    );
    assert!(
        sync::outbox(&b.db.store, b.pushed, 100).unwrap().is_empty(),
        "nothing to push back"
    );
}

/// A pushed change keeps its (older) clock in the server's journal; the
/// server's own next change still gets a clock after every one it gave out.
#[test]
fn the_server_clock_moves_on_past_older_pushed_changes() {
    let server = TestDb::new();
    let lead = server.lead(&server.admin, "Ada");
    let own = |db: &TestDb| -> Vec<Hlc> {
        leadlight_core::journal::entries_since(&db.store, 0, 10_000)
            .unwrap()
            .into_iter()
            .filter(|(_, e)| e.origin.is_none())
            .map(|(_, e)| e.hlc)
            .collect()
    };
    let before = *own(&server).last().unwrap();
    let older = leadlight_core::Timestamp::from_millis(server.store.now().millis() - 10_000);
    sync::push(
        &server.store,
        &server.admin,
        PushBatch {
            client_id: CLIENT_A.into(),
            ops: vec![PushOp {
                seq: 1,
                entity: Entity::Lead,
                entity_id: lead.id.to_string(),
                op: Op::Update,
                fields: serde_json::json!({ "company": "From the past" }),
                hlc: Hlc::next(Hlc::ZERO, older),
            }],
        },
    )
    .unwrap();
    server.rename(&server.admin, lead.id, "Ada L");
    let after = *own(&server).last().unwrap();
    assert!(after > before, "{after} after {before}");
}
