//! Who may do what, for every service: each cell runs the operation on a fresh
//! database as that actor and checks the outcome. "Nobody" is a request with
//! no access token: it stops at authentication, as every adapter does.

use crate::helpers::TestDb;
use leadlight_core::activity::{self, LogActivity};
use leadlight_core::customers::{self, CustomerPatch};
use leadlight_core::enquiries::{self, Enquiry};
use leadlight_core::ids::{CustomerId, LeadId, NoteId, ReminderId, TaskId};
use leadlight_core::leads::{self, LeadPatch, NewLead};
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::tasks::{self, NewTask};
use leadlight_core::users::{self, NewUser, UserPatch};
use leadlight_core::{Actor, CoreResult, ErrorCode, PageRequest, Role, accounts, notes};

struct Fixture {
    db: TestDb,
    manager: Actor,
    owner: Actor,
    other: Actor,
    lead: LeadId,
    deleted_lead: LeadId,
    unclaimed: LeadId,
    note: NoteId,
    reminder: ReminderId,
    task: TaskId,
    customer: CustomerId,
}

impl Fixture {
    fn new() -> Self {
        let db = TestDb::new();
        let manager = db.user("Mia Manager", Role::Manager);
        let owner = db.user("Olga Owner", Role::Agent);
        let other = db.user("Otto Other", Role::Agent);
        let lead = db.lead(&owner, "Owned Lead").id;
        let deleted_lead = db.lead(&owner, "Deleted Lead").id;
        leads::delete(&db.store, &db.admin, deleted_lead).unwrap();
        let converted = db.lead(&owner, "Converted Lead").id;
        let customer = leads::convert(&db.store, &owner, converted).unwrap().id;
        let unclaimed = enquiries::submit(
            &db.store,
            Enquiry {
                name: "Pool Lead".into(),
                email: Some("pool@example.com".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .lead_id;
        let note = notes::add(&db.store, &owner, lead, "Owner's note")
            .unwrap()
            .id;
        let reminder = reminders::create(
            &db.store,
            &owner,
            NewReminder {
                lead_id: Some(lead),
                due_at: "2026-11-24T15:00:00Z".into(),
                message: "Call".into(),
                owner_id: None,
            },
        )
        .unwrap()
        .id;
        let task = tasks::create(
            &db.store,
            &owner,
            NewTask {
                title: "Owner's task".into(),
                lead_id: Some(lead),
                ..Default::default()
            },
        )
        .unwrap()
        .id;
        Self {
            db,
            manager,
            owner,
            other,
            lead,
            deleted_lead,
            unclaimed,
            note,
            reminder,
            task,
            customer,
        }
    }

    fn actor(&self, who: Who) -> Actor {
        match who {
            Who::Admin => self.db.admin,
            Who::Manager => self.manager,
            Who::Owner => self.owner,
            Who::Other => self.other,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Who {
    Admin,
    Manager,
    Owner,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    NotFound,
    Forbidden,
    Unauthenticated,
}
use Outcome::{Allowed as A, Forbidden as F, NotFound as N, Unauthenticated as U};

fn outcome(result: CoreResult<()>) -> Result<Outcome, String> {
    match result {
        Ok(()) => Ok(A),
        Err(e) => match e.code() {
            ErrorCode::NotFound => Ok(N),
            ErrorCode::Forbidden => Ok(F),
            ErrorCode::Unauthenticated => Ok(U),
            _ => Err(format!("{}: {e}", e.code().as_str())),
        },
    }
}

type Op = fn(&Fixture, &Actor) -> CoreResult<()>;

/// (operation, [Admin, Manager, Agent owning it, Agent not owning it, nobody])
fn matrix() -> Vec<(&'static str, Op, [Outcome; 5])> {
    vec![
        (
            "leads::get",
            |f, a| leads::get(&f.db.store, a, f.lead).map(drop),
            [A, A, A, N, U],
        ),
        (
            "leads::open",
            |f, a| leads::open(&f.db.store, a, f.lead).map(drop),
            [A, A, A, N, U],
        ),
        (
            "leads::create",
            |f, a| {
                leads::create(
                    &f.db.store,
                    a,
                    NewLead {
                        name: "New".into(),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, A, A, A, U],
        ),
        (
            "leads::list",
            |f, a| leads::list(&f.db.store, a, Default::default()).map(drop),
            [A, A, A, A, U],
        ),
        (
            "leads::update",
            |f, a| {
                leads::update(
                    &f.db.store,
                    a,
                    f.lead,
                    LeadPatch {
                        name: Some("Renamed".into()),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "leads::change_status",
            |f, a| leads::change_status(&f.db.store, a, f.lead, "contacted").map(drop),
            [A, A, A, N, U],
        ),
        (
            "leads::add_tags",
            |f, a| leads::add_tags(&f.db.store, a, f.lead, vec!["vip".into()]).map(drop),
            [A, A, A, N, U],
        ),
        (
            "leads::convert",
            |f, a| leads::convert(&f.db.store, a, f.lead).map(drop),
            [A, A, A, N, U],
        ),
        (
            "leads::delete",
            |f, a| leads::delete(&f.db.store, a, f.lead),
            [A, A, F, N, U],
        ),
        (
            "leads::restore",
            |f, a| leads::restore(&f.db.store, a, f.deleted_lead).map(drop),
            [A, A, F, N, U],
        ),
        (
            "leads::assign",
            |f, a| leads::assign(&f.db.store, a, f.lead, Some(f.other.user_id)).map(drop),
            [A, A, F, N, U],
        ),
        (
            "notes::add",
            |f, a| notes::add(&f.db.store, a, f.lead, "hello").map(drop),
            [A, A, A, N, U],
        ),
        (
            "notes::list",
            |f, a| notes::list(&f.db.store, a, f.lead, PageRequest::default()).map(drop),
            [A, A, A, N, U],
        ),
        (
            "notes::delete",
            |f, a| notes::delete(&f.db.store, a, f.note),
            [A, A, A, N, U],
        ),
        (
            "activity::log",
            |f, a| {
                activity::log(
                    &f.db.store,
                    a,
                    f.lead,
                    LogActivity {
                        kind: "call".into(),
                        summary: "hi".into(),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "activity::list_for_lead",
            |f, a| {
                activity::list_for_lead(&f.db.store, a, f.lead, PageRequest::default()).map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "activity::feed",
            |f, a| activity::feed(&f.db.store, a, PageRequest::default()).map(drop),
            [A, A, A, A, U],
        ),
        (
            "reminders::create",
            |f, a| {
                reminders::create(
                    &f.db.store,
                    a,
                    NewReminder {
                        lead_id: Some(f.lead),
                        due_at: "2026-11-25T09:00:00Z".into(),
                        message: "m".into(),
                        owner_id: None,
                    },
                )
                .map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "reminders::complete",
            |f, a| reminders::complete(&f.db.store, a, f.reminder).map(drop),
            [A, A, A, N, U],
        ),
        (
            "reminders::snooze",
            |f, a| reminders::snooze(&f.db.store, a, f.reminder, "2026-11-25T09:00:00Z").map(drop),
            [A, A, A, N, U],
        ),
        (
            "reminders::today",
            |f, a| reminders::today(&f.db.store, a).map(drop),
            [A, A, A, A, U],
        ),
        (
            "tasks::create on the lead",
            |f, a| {
                tasks::create(
                    &f.db.store,
                    a,
                    NewTask {
                        title: "t".into(),
                        lead_id: Some(f.lead),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "tasks::complete",
            |f, a| tasks::complete(&f.db.store, a, f.task).map(drop),
            [A, A, A, N, U],
        ),
        (
            "tasks::assign",
            |f, a| tasks::assign(&f.db.store, a, f.task, f.other.user_id).map(drop),
            [A, A, F, N, U],
        ),
        (
            "tasks::list",
            |f, a| tasks::list(&f.db.store, a, Default::default()).map(drop),
            [A, A, A, A, U],
        ),
        (
            "customers::get",
            |f, a| customers::get(&f.db.store, a, f.customer).map(drop),
            [A, A, A, N, U],
        ),
        (
            "customers::update",
            |f, a| {
                customers::update(
                    &f.db.store,
                    a,
                    f.customer,
                    CustomerPatch {
                        name: Some("Big Co".into()),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, A, A, N, U],
        ),
        (
            "enquiries::unclaimed",
            |f, a| enquiries::unclaimed(&f.db.store, a, PageRequest::default()).map(drop),
            [A, A, A, A, U],
        ),
        (
            "enquiries::claim",
            |f, a| enquiries::claim(&f.db.store, a, f.unclaimed).map(drop),
            [A, A, A, A, U],
        ),
        (
            "users::list",
            |f, a| users::list(&f.db.store, a).map(drop),
            [A, A, F, F, U],
        ),
        (
            "users::create",
            |f, a| {
                users::create(
                    &f.db.store,
                    a,
                    NewUser {
                        name: "New".into(),
                        email: "new@example.com".into(),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, F, F, F, U],
        ),
        (
            "users::update role",
            |f, a| {
                users::update(
                    &f.db.store,
                    a,
                    f.other.user_id,
                    UserPatch {
                        role: Some("manager".into()),
                        ..Default::default()
                    },
                )
                .map(drop)
            },
            [A, F, F, F, U],
        ),
        (
            "users::deactivate",
            |f, a| users::deactivate(&f.db.store, a, f.other.user_id).map(drop),
            [A, F, F, F, U],
        ),
    ]
}

#[test]
fn every_role_gets_exactly_what_it_may() {
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (name, op, expected) in matrix() {
        for (column, who) in [Who::Admin, Who::Manager, Who::Owner, Who::Other]
            .into_iter()
            .enumerate()
        {
            let fixture = Fixture::new();
            let actor = fixture.actor(who);
            let got = outcome(op(&fixture, &actor));
            cells += 1;
            if got != Ok(expected[column]) {
                wrong.push(format!(
                    "{name} as {who:?}: expected {:?}, got {got:?}",
                    expected[column]
                ));
            }
        }
        // No access token: the request never reaches the service.
        let fixture = Fixture::new();
        let got =
            outcome(accounts::authenticate(&fixture.db.store, None).and_then(|a| op(&fixture, &a)));
        cells += 1;
        if got != Ok(expected[4]) {
            wrong.push(format!(
                "{name} with no actor: expected {:?}, got {got:?}",
                expected[4]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_public_form_needs_no_actor() {
    let fixture = Fixture::new();
    let receipt = enquiries::submit(
        &fixture.db.store,
        Enquiry {
            name: "Walk-in".into(),
            phone: Some("+1 555 0199".into()),
            ..Default::default()
        },
    );
    assert!(receipt.is_ok());
}
