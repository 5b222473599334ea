use crate::helpers::{TestDb, code, fields};
use leadlight_core::tasks::{self, NewTask, TaskPatch, TaskQuery, TaskStatus};
use leadlight_core::{ErrorCode, Role};

fn task(title: &str, due: Option<&str>) -> NewTask {
    NewTask {
        title: title.into(),
        due_at: due.map(Into::into),
        ..Default::default()
    }
}

#[test]
fn tasks_are_created_assigned_completed_and_reopened() {
    let db = TestDb::new();
    let manager = db.user("Mia Manager", Role::Manager);
    let agent = db.user("Alice Agent", Role::Agent);
    let lead = db.lead(&agent, "Lead");
    let created = tasks::create(
        &db.store,
        &manager,
        NewTask {
            lead_id: Some(lead.id),
            assignee_id: Some(agent.user_id),
            ..task("Prepare the demo", Some("2026-11-25T09:00:00Z"))
        },
    )
    .unwrap();
    assert_eq!(created.assignee_name.as_deref(), Some("Alice Agent"));
    assert_eq!(created.status, TaskStatus::Open);
    let done = tasks::complete(&db.store, &agent, created.id).unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert!(done.completed_at.is_some());
    assert_eq!(
        code(tasks::complete(&db.store, &agent, created.id)),
        ErrorCode::Conflict
    );
    let reopened = tasks::reopen(&db.store, &agent, created.id).unwrap();
    assert_eq!(reopened.completed_at, None);
    let reassigned = tasks::assign(&db.store, &manager, created.id, manager.user_id).unwrap();
    assert_eq!(reassigned.assignee_id, manager.user_id);
    assert_eq!(
        code(tasks::get(&db.store, &agent, created.id)),
        ErrorCode::NotFound,
        "no longer hers"
    );
}

#[test]
fn agents_work_on_their_own_tasks_only() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", Role::Agent);
    let bob = db.user("Bob Agent", Role::Agent);
    let mine = tasks::create(&db.store, &alice, task("Mine", None)).unwrap();
    assert_eq!(mine.assignee_id, alice.user_id);
    let for_bob = NewTask {
        assignee_id: Some(bob.user_id),
        ..task("For Bob", None)
    };
    assert_eq!(
        code(tasks::create(&db.store, &alice, for_bob)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(tasks::assign(&db.store, &alice, mine.id, bob.user_id)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(tasks::complete(&db.store, &bob, mine.id)),
        ErrorCode::NotFound
    );
    let bobs_lead = db.lead(&bob, "Bob's lead");
    let on_bobs_lead = NewTask {
        lead_id: Some(bobs_lead.id),
        ..task("Sneaky", None)
    };
    assert_eq!(
        code(tasks::create(&db.store, &alice, on_bobs_lead)),
        ErrorCode::NotFound,
        "another agent's lead is not revealed"
    );
}

#[test]
fn bad_tasks_name_their_fields_and_write_nothing() {
    let db = TestDb::new();
    let before = db.snapshot();
    assert_eq!(
        fields(tasks::create(
            &db.store,
            &db.admin,
            task(" ", Some("tomorrow"))
        )),
        vec!["title", "due_at"]
    );
    let ghost = NewTask {
        assignee_id: Some(leadlight_core::ids::UserId::new()),
        ..task("Ghost", None)
    };
    assert_eq!(
        fields(tasks::create(&db.store, &db.admin, ghost)),
        vec!["assignee_id"]
    );
    assert_eq!(db.snapshot(), before);
}

/// A description holds 10,000 characters (not bytes): one more is refused
/// naming it, on create and on update, and nothing is written.
#[test]
fn a_description_too_long_is_refused_on_create_and_update() {
    let db = TestDb::new();
    let long = |n: usize| Some("é".repeat(n));
    let fits = tasks::create(
        &db.store,
        &db.admin,
        NewTask {
            description: long(10_000),
            ..task("Call back", None)
        },
    )
    .unwrap();
    let before = db.snapshot();
    let over = NewTask {
        description: long(10_001),
        ..task("Call back", None)
    };
    assert_eq!(
        fields(tasks::create(&db.store, &db.admin, over)),
        vec!["description"]
    );
    let patch = TaskPatch {
        description: long(10_001),
        ..TaskPatch::default()
    };
    assert_eq!(
        fields(tasks::update(&db.store, &db.admin, fits.id, patch)),
        vec!["description"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn lists_page_and_filter_and_overdue_shows_what_is_late() {
    let db = TestDb::new();
    let agent = db.user("Alice Agent", Role::Agent);
    for (i, due) in [
        "2026-11-20T09:00:00Z",
        "2026-11-23T09:00:00Z",
        "2026-11-30T09:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let new = NewTask {
            assignee_id: Some(agent.user_id),
            ..task(&format!("task {i}"), Some(due))
        };
        tasks::create(&db.store, &db.admin, new).unwrap();
    }
    let undated = tasks::create(&db.store, &agent, task("undated", None)).unwrap();
    let first_done = tasks::list(&db.store, &agent, TaskQuery::default())
        .unwrap()
        .items[0]
        .id;
    tasks::complete(&db.store, &agent, first_done).unwrap();

    let open = tasks::list(
        &db.store,
        &agent,
        TaskQuery {
            status: Some("open".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let titles: Vec<String> = open.items.iter().map(|t| t.title.clone()).collect();
    assert_eq!(
        titles,
        vec!["task 1", "task 2", "undated"],
        "by due time, undated last"
    );
    let page = tasks::list(
        &db.store,
        &agent,
        TaskQuery {
            page: Some(2),
            limit: Some(3),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(page.total, 4);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].title, "task 0", "done tasks after open ones");
    let overdue: Vec<String> = tasks::overdue(&db.store, &agent)
        .unwrap()
        .into_iter()
        .map(|t| t.title)
        .collect();
    assert_eq!(overdue, vec!["task 1"]);
    assert_eq!(
        tasks::overdue(&db.store, &db.admin).unwrap().len(),
        1,
        "a manager's view covers the team"
    );
    assert_eq!(
        fields(tasks::list(
            &db.store,
            &agent,
            TaskQuery {
                status: Some("blocked".into()),
                ..Default::default()
            }
        )),
        vec!["status"]
    );
    let edited = tasks::update(
        &db.store,
        &agent,
        undated.id,
        serde_json::from_value::<TaskPatch>(
            serde_json::json!({ "due_at": "2026-11-24T08:00:00Z", "title": "dated" }),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(edited.title, "dated");
    assert_eq!(tasks::overdue(&db.store, &agent).unwrap().len(), 2);
    tasks::delete(&db.store, &agent, undated.id).unwrap();
    assert_eq!(tasks::overdue(&db.store, &agent).unwrap().len(), 1);
}
