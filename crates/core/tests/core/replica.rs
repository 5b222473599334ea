//! A desktop's sync rounds (`replica`), over an in-process transport to a
//! server store: what the sync indicator and the conflict list show.

use crate::helpers::{TestDb, code};
use leadlight_core::enquiries;
use leadlight_core::leads;
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::replica::{self, SyncError, Transport, TransportError};
use leadlight_core::sync::{self, ChangesPage, PushAnswer, PushBatch};
use leadlight_core::{Actor, ErrorCode, Role, Store};

/// The server, reached as `actor`; `down` makes every call fail.
struct Direct<'a> {
    server: &'a TestDb,
    actor: Actor,
    down: bool,
}

impl Transport for Direct<'_> {
    fn push(&mut self, batch: &PushBatch) -> Result<PushAnswer, TransportError> {
        if self.down {
            return Err(TransportError::Offline("connection refused".into()));
        }
        sync::push(&self.server.store, &self.actor, batch.clone()).map_err(|e| {
            TransportError::Refused {
                code: e.code(),
                message: e.to_string(),
            }
        })
    }

    fn changes(
        &mut self,
        client_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<ChangesPage, TransportError> {
        if self.down {
            return Err(TransportError::Offline("connection refused".into()));
        }
        sync::changes_for(
            &self.server.store,
            &self.actor,
            sync::ChangesQuery {
                since,
                limit: Some(limit),
                client_id: Some(client_id.to_owned()),
            },
        )
        .map_err(|e| TransportError::Refused {
            code: e.code(),
            message: e.to_string(),
        })
    }
}

/// A new desktop for `actor`: an empty database of its own with the same
/// accounts (as a copy of the server's before any lead), set up to sync.
fn desktop(server: &TestDb, actor: &Actor) -> TestDb {
    // As the team server does from its start.
    sync::arbitrate(&server.store).unwrap();
    let db = server.replica();
    replica::connect(
        &db.store,
        "http://127.0.0.1:9/",
        &server.profile(actor),
        None,
    )
    .unwrap();
    // The copy's journal is the server's own already.
    let last = sync::outbox(&db.store, 0, 1_000_000)
        .unwrap()
        .last()
        .map_or(0, |op| op.seq);
    db.exec(&format!(
        "UPDATE sync_state SET pushed_seq = {last}, cursor = {last}"
    ));
    db
}

/// A change a tampered desktop writes into its journal by hand (the app
/// would not make it), to be pushed in the next round.
fn forge(desk: &TestDb, entity: &str, id: &str, fields: serde_json::Value, actor: &Actor) {
    desk.exec(&format!(
        "INSERT INTO change_journal (entity, entity_id, op, fields, actor_id, at, hlc) \
         SELECT '{entity}', '{id}', 'update', '{fields}', '{}', at, hlc + 1 \
         FROM change_journal ORDER BY seq DESC LIMIT 1",
        actor.user_id
    ));
}

fn round(desk: &TestDb, server: &TestDb, actor: &Actor) -> Result<replica::Round, SyncError> {
    sync_store(&desk.store, server, actor)
}

fn sync_store(store: &Store, server: &TestDb, actor: &Actor) -> Result<replica::Round, SyncError> {
    let mut transport = Direct {
        server,
        actor: *actor,
        down: false,
    };
    replica::sync_once(store, &mut transport, &mut |_| {})
}

/// A desktop used alone so far signs in to `server` as its Admin, with the
/// server's password (its same-email account becomes the server's).
fn sign_in_first_time(desk: &TestDb, server: &TestDb) -> leadlight_core::users::User {
    let ada = server.profile(&server.admin);
    replica::connect(
        &desk.store,
        "http://127.0.0.1:9",
        &ada,
        Some("the server's password"),
    )
    .unwrap();
    ada
}

/// A new desktop of `user`'s, signed in and not yet synced (its first sync
/// is a snapshot). The folder goes when the first half is dropped.
fn new_desktop(user: &leadlight_core::users::User) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("desktop.sqlite3")).unwrap();
    replica::connect(&store, "http://127.0.0.1:9", user, None).unwrap();
    (dir, store)
}

#[test]
fn the_server_address_is_checked_and_another_user_starts_over() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let desk = server.replica();
    assert_eq!(replica::status(&desk.store).unwrap(), None);
    let refused =
        replica::connect(&desk.store, "ftp://server", &server.profile(&bob), None).unwrap_err();
    assert_eq!(refused.fields()[0].field, "server_url");
    let first = replica::connect(
        &desk.store,
        "https://crm.example.com/",
        &server.profile(&bob),
        None,
    )
    .unwrap();
    assert_eq!(first.server_url, "https://crm.example.com");
    let again = replica::connect(
        &desk.store,
        "https://crm.example.com",
        &server.profile(&bob),
        None,
    )
    .unwrap();
    assert_eq!(
        again.client_id, first.client_id,
        "same server and user keep their place"
    );
    let other = replica::connect(
        &desk.store,
        "https://crm.example.com",
        &server.profile(&server.admin),
        None,
    )
    .unwrap();
    assert_ne!(other.client_id, first.client_id);
    replica::disconnect(&desk.store).unwrap();
    assert_eq!(replica::status(&desk.store).unwrap(), None);
}

#[test]
fn offline_changes_wait_and_go_in_the_next_round() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let desk = desktop(&server, &bob);
    let lead = desk.lead(&bob, "Made On A Plane");
    leadlight_core::reminders::create(
        &desk.store,
        &bob,
        leadlight_core::reminders::NewReminder {
            lead_id: Some(lead.id),
            due_at: "2026-11-30T09:00:00Z".into(),
            message: "Follow up".into(),
            owner_id: None,
        },
    )
    .unwrap();
    let pending = replica::status(&desk.store).unwrap().unwrap().pending;
    assert_eq!(pending, 2, "the lead, the reminder");

    let mut offline = Direct {
        server: &server,
        actor: bob,
        down: true,
    };
    let failed = replica::sync_once(&desk.store, &mut offline, &mut |_| {}).unwrap_err();
    assert!(matches!(
        failed,
        SyncError::Transport(TransportError::Offline(_))
    ));
    let status = replica::status(&desk.store).unwrap().unwrap();
    assert_eq!(status.pending, 2, "a failed round loses nothing");
    assert!(status.last_error.unwrap().contains("offline"));
    assert!(leads::get(&server.store, &bob, lead.id).is_err());

    let done = round(&desk, &server, &bob).unwrap();
    assert_eq!(done.pushed, 2, "the lead, the reminder: {done:?}");
    assert_eq!(done.not_synced_yet, 0);
    assert_eq!(replica::conflicts(&desk.store, &bob, true).unwrap(), vec![]);
    let status = replica::status(&desk.store).unwrap().unwrap();
    assert_eq!(status.pending, 0);
    assert_eq!(status.last_error, None);
    assert!(status.last_success_at.is_some());
    assert_eq!(
        leads::get(&server.store, &bob, lead.id).unwrap().name,
        "Made On A Plane"
    );
    // Its timeline there opens with its creation, by Bob, in the app.
    let timeline = leadlight_core::activity::list_for_lead(
        &server.store,
        &bob,
        lead.id,
        leadlight_core::PageRequest::default(),
    )
    .unwrap();
    let created = timeline.items.last().unwrap();
    assert_eq!(created.kind.to_string(), "created");
    assert_eq!(created.actor_name.as_deref(), Some("Bob"));
    assert_eq!(created.detail["via"], "app");
    let on_server = reminders::list(&server.store, &bob, Default::default()).unwrap();
    assert_eq!(on_server.items.len(), 1);
    assert_eq!(on_server.items[0].message, "Follow up");
}

/// Two Agents claim the same enquiry on their desktops; the one whose claim
/// reaches the server second sees "already claimed by" the first in the
/// conflict list, and the lead leaves their desktop.
#[test]
fn a_lost_claim_race_is_reverted_and_listed_as_a_conflict() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let bobs = desktop(&server, &bob);
    let caras = desktop(&server, &cara);
    let walk_in = server.walk_in();
    round(&bobs, &server, &bob).unwrap();
    round(&caras, &server, &cara).unwrap();
    enquiries::claim(&bobs.store, &bob, walk_in).unwrap();
    enquiries::claim(&caras.store, &cara, walk_in).unwrap();

    round(&caras, &server, &cara).unwrap();
    let lost = round(&bobs, &server, &bob).unwrap();
    assert_eq!(lost.rejected, 1, "{lost:?}");
    let conflicts = replica::conflicts(&bobs.store, &bob, false).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].message.contains("already claimed by Cara"),
        "{}",
        conflicts[0].message
    );
    assert_eq!(conflicts[0].entity_id, walk_in.to_string());
    assert_eq!(
        code(leads::get(&bobs.store, &bob, walk_in)),
        ErrorCode::NotFound,
        "Bob's claim is reverted: the lead is Cara's and leaves his desktop"
    );
    assert_eq!(
        leads::get(&caras.store, &cara, walk_in).unwrap().owner_id,
        Some(cara.user_id)
    );
    assert_eq!(replica::status(&bobs.store).unwrap().unwrap().conflicts, 1);
    // Bob's to review: Cara signed in on his desktop may not.
    assert_eq!(
        code(replica::conflicts(&bobs.store, &cara, false)),
        ErrorCode::Forbidden
    );
    assert_eq!(
        code(replica::review(&bobs.store, &cara, conflicts[0].id)),
        ErrorCode::Forbidden
    );
    replica::review(&bobs.store, &bob, conflicts[0].id).unwrap();
    assert_eq!(replica::status(&bobs.store).unwrap().unwrap().conflicts, 0);
    assert_eq!(
        replica::conflicts(&bobs.store, &bob, true).unwrap().len(),
        1
    );
}

/// An edit a later edit on the server overrode is listed with both values.
#[test]
fn an_edit_overridden_by_a_later_one_lists_both_values() {
    let server = TestDb::new();
    let desk = desktop(&server, &server.admin);
    let lead = server.lead(&server.admin, "Ada");
    server.advance_minutes(1);
    desk.advance_minutes(1);
    round(&desk, &server, &server.admin).unwrap();
    desk.rename(&desk.admin, lead.id, "Ada (desktop)");
    server.advance_minutes(1);
    desk.advance_minutes(1);
    server.rename(&server.admin, lead.id, "Ada (server, later)");
    let done = round(&desk, &server, &server.admin).unwrap();
    assert_eq!(done.superseded, 1, "{done:?}");
    let conflicts = replica::conflicts(&desk.store, &desk.admin, false).unwrap();
    let name = conflicts
        .iter()
        .find(|c| c.field.as_deref() == Some("name"))
        .unwrap_or_else(|| panic!("{conflicts:?}"));
    assert_eq!(name.yours, "Ada (desktop)");
    assert_eq!(name.winning, "Ada (server, later)");
    assert_eq!(
        leads::get(&desk.store, &desk.admin, lead.id).unwrap().name,
        "Ada (server, later)"
    );
}

/// A desktop with an empty database syncing for the first time gets the
/// team (so leads show their owners) and the leads its user may see, and
/// reports progress as it goes.
#[test]
fn a_new_desktop_gets_the_team_and_the_leads_its_user_may_see() {
    let server = TestDb::new();
    sync::arbitrate(&server.store).unwrap();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let bobs = server.lead(&bob, "Bob's lead");
    leadlight_core::notes::add(&server.store, &bob, bobs.id, "Call back on Monday").unwrap();
    server.lead(&cara, "Cara's lead");
    let walk_in = server.walk_in();

    let dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(dir.path().join("new-desktop.sqlite3")).unwrap();
    replica::connect(&fresh, "http://127.0.0.1:9", &server.profile(&bob), None).unwrap();
    let mut transport = Direct {
        server: &server,
        actor: bob,
        down: false,
    };
    let mut progress = Vec::new();
    let done = replica::sync_with(
        &fresh,
        &mut transport,
        replica::Sizes { push: 500, pull: 2 },
        &mut |p| progress.push(p),
    )
    .unwrap();
    assert!(done.pulled >= 2, "{done:?}");
    // Each lead with its timeline: its note and its activity log.
    let detail = leads::open(&fresh, &bob, bobs.id).unwrap();
    assert_eq!(detail.notes.len(), 1);
    assert_eq!(detail.notes[0].body, "Call back on Monday");
    assert_eq!(detail.notes[0].author_name.as_deref(), Some("Bob"));
    let kinds: Vec<String> = detail
        .activities
        .iter()
        .map(|a| a.kind.to_string())
        .collect();
    assert!(kinds.contains(&"created".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"note_added".to_owned()), "{kinds:?}");
    let mut held: Vec<(String, Option<String>)> =
        leads::list(&fresh, &bob, leads::LeadQuery::default())
            .unwrap()
            .items
            .into_iter()
            .map(|l| (l.name, l.owner_name))
            .collect();
    held.sort();
    assert_eq!(held, [("Bob's lead".to_owned(), Some("Bob".to_owned()))]);
    // The pool comes too, for him to claim.
    let pool = enquiries::unclaimed(&fresh, &bob, Default::default()).unwrap();
    assert_eq!(
        pool.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        [walk_in]
    );
    assert!(progress.len() > 2, "a page at a time: {progress:?}");
    // A first sync is a snapshot: the server says how many leads come
    // (Bob's and the walk-in), and the bar ends full.
    assert_eq!(
        progress.last(),
        Some(&replica::Progress::Pulling {
            records: done.pulled,
            of: Some(2)
        })
    );
    assert_eq!(done.pulled, 2);
    // Nothing pulled is pushed back.
    assert_eq!(replica::status(&fresh).unwrap().unwrap().pending, 0);
}

/// A desktop used alone for a while signs in to a new team server for the
/// first time: its account (same email) becomes the server's user, and its
/// leads go up, as they are now, with their owner; a second desktop then
/// gets them. The local password keeps working offline as the server's.
#[test]
fn an_existing_desktop_brings_its_leads_to_an_empty_server() {
    let server = TestDb::new();
    sync::arbitrate(&server.store).unwrap();
    // Its own database: its Ada has another id than the server's Ada.
    let desk = TestDb::new();
    assert_ne!(desk.admin.user_id, server.admin.user_id);
    let first = desk.lead(&desk.admin, "Kept For Years");
    desk.advance_minutes(5);
    server.advance_minutes(5);
    desk.rename(&desk.admin, first.id, "Kept For Years (renamed)");
    desk.lead(&desk.admin, "Second Lead");
    leadlight_core::notes::add(&desk.store, &desk.admin, first.id, "Met in 2019").unwrap();
    leads::add_tags(&desk.store, &desk.admin, first.id, vec!["Loyal".into()]).unwrap();
    reminders::create(
        &desk.store,
        &desk.admin,
        NewReminder {
            lead_id: Some(first.id),
            due_at: "2026-12-01T09:00:00Z".into(),
            message: "Renewal call".into(),
            owner_id: None,
        },
    )
    .unwrap();
    leads::delete(
        &desk.store,
        &desk.admin,
        desk.lead(&desk.admin, "Thrown Away").id,
    )
    .unwrap();

    let ada = sign_in_first_time(&desk, &server);
    // Each live lead once, as it is now (saying Ada made it), with its tag,
    // note, reminder and the activities in Ada's name (the rename, the note,
    // the tag).
    let pending = replica::status(&desk.store).unwrap().unwrap().pending;
    assert_eq!(pending, 2 + 1 + 1 + 1 + 3, "as they are now");
    let as_server_ada = Actor::new(ada.id, ada.role);
    let here = leads::get(&desk.store, &as_server_ada, first.id).unwrap();
    assert_eq!(
        here.owner_id,
        Some(ada.id),
        "the local account became the server's"
    );
    leadlight_core::accounts::login(
        &desk.store,
        leadlight_core::accounts::Credentials {
            email: ada.email.clone(),
            password: "the server's password".into(),
        },
    )
    .unwrap();

    let done = round(&desk, &server, &as_server_ada).unwrap();
    assert_eq!((done.pushed, done.rejected), (8, 0), "{done:?}");
    let on_server = leads::get(&server.store, &server.admin, first.id).unwrap();
    assert_eq!(on_server.name, "Kept For Years (renamed)");
    assert_eq!(on_server.owner_id, Some(ada.id));
    assert_eq!(on_server.created_at, first.created_at);

    // Another desktop of hers gets them; signing in again changes nothing.
    let (_dir, other) = new_desktop(&ada);
    sync_store(&other, &server, &as_server_ada).unwrap();
    let mut names: Vec<String> = leads::list(&other, &as_server_ada, Default::default())
        .unwrap()
        .items
        .into_iter()
        .map(|l| l.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Kept For Years (renamed)", "Second Lead"]);
    let page = leads::open(&other, &as_server_ada, first.id).unwrap();
    assert_eq!(page.lead.tags, ["Loyal"]);
    assert_eq!(
        page.notes
            .iter()
            .map(|n| n.body.as_str())
            .collect::<Vec<_>>(),
        ["Met in 2019"]
    );
    assert_eq!(
        page.reminders
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>(),
        ["Renewal call"]
    );
    assert_eq!(page.activities.len(), 4, "{:?}", page.activities);
}

/// Signing in again as someone else restates the leads here, clocked when
/// they last changed: a lead renamed on the server since keeps the server's
/// name, and agreeing values are not listed as conflicts.
#[test]
fn signing_in_again_does_not_undo_later_changes_on_the_server() {
    let server = TestDb::new();
    let desk = desktop(&server, &server.admin);
    let lead = server.lead(&server.admin, "Original");
    round(&desk, &server, &server.admin).unwrap();
    server.advance_minutes(10);
    server.rename(&server.admin, lead.id, "Renamed On The Server");
    // The desktop signs in a minute later: clocked "now", its stale copy
    // would win.
    server.advance_minutes(1);
    desk.advance_minutes(11);

    // A new client id for the same person (another address for the server).
    let ada = server.profile(&server.admin);
    replica::connect(&desk.store, "http://127.0.0.1:10", &ada, None).unwrap();
    let done = round(&desk, &server, &server.admin).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    assert_eq!(
        leads::get(&server.store, &server.admin, lead.id)
            .unwrap()
            .name,
        "Renamed On The Server"
    );
    assert_eq!(
        leads::get(&desk.store, &desk.admin, lead.id).unwrap().name,
        "Renamed On The Server"
    );
    let conflicts = replica::conflicts(&desk.store, &desk.admin, false).unwrap();
    assert!(
        conflicts.iter().all(|c| c.field.as_deref() == Some("name")),
        "only the name differed: {conflicts:?}"
    );
}

/// Notes (and the activity log) go both ways; a note written in someone
/// else's name on a tampered desktop is refused, listed, and leaves it.
#[test]
fn notes_sync_and_a_note_in_someone_elses_name_is_refused() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let bobs = desktop(&server, &bob);
    let admins = desktop(&server, &server.admin);
    let lead = bobs.lead(&bob, "Noted Lead");
    leadlight_core::notes::add(&bobs.store, &bob, lead.id, "Met at the fair").unwrap();
    leadlight_core::notes::add(&bobs.store, &bobs.admin, lead.id, "Forged").unwrap();

    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 1, "{done:?}");
    let bodies = |db: &TestDb, actor: &Actor| -> Vec<String> {
        leads::open(&db.store, actor, lead.id)
            .unwrap()
            .notes
            .into_iter()
            .map(|n| n.body)
            .collect()
    };
    assert_eq!(bodies(&server, &server.admin), ["Met at the fair"]);
    assert_eq!(
        bodies(&bobs, &bob),
        ["Met at the fair"],
        "the forged note left"
    );
    let conflicts = replica::conflicts(&bobs.store, &bob, false).unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert!(
        conflicts[0].message.contains("author's own name"),
        "{}",
        conflicts[0].message
    );

    round(&admins, &server, &server.admin).unwrap();
    assert_eq!(bodies(&admins, &admins.admin), ["Met at the fair"]);
    let kinds: Vec<String> = leads::open(&admins.store, &admins.admin, lead.id)
        .unwrap()
        .activities
        .iter()
        .map(|a| a.kind.to_string())
        .collect();
    assert!(kinds.contains(&"note_added".to_owned()), "{kinds:?}");
}

/// A reminder set for an Agent on the server reaches their desktop, where
/// it falls due and is shown; shown there, it is not shown again by the
/// server (or another computer of theirs). Snoozed on the desktop, it moves
/// on the server too; an Agent's reminder on a lead taken from them is
/// refused and leaves their desktop.
#[test]
fn reminders_sync_and_are_shown_once_across_computers() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let desk = desktop(&server, &bob);
    let lead = server.lead(&server.admin, "Follow Me");
    leads::assign(&server.store, &server.admin, lead.id, Some(bob.user_id)).unwrap();
    server.at("2026-11-24T09:00:00Z");
    desk.at("2026-11-24T09:00:00Z");
    let set = reminders::create(
        &server.store,
        &server.admin,
        NewReminder {
            lead_id: Some(lead.id),
            due_at: "2026-11-24T10:00:00Z".into(),
            message: "Ask about the budget".into(),
            owner_id: Some(bob.user_id),
        },
    )
    .unwrap();

    round(&desk, &server, &bob).unwrap();
    assert_eq!(reminders::take_due(&desk.store, &bob).unwrap(), vec![]);
    desk.at("2026-11-24T10:01:00Z");
    server.at("2026-11-24T10:01:00Z");
    let shown = reminders::take_due(&desk.store, &bob).unwrap();
    assert_eq!(shown.len(), 1, "due on the desktop");
    assert_eq!(shown[0].message, "Ask about the budget");
    round(&desk, &server, &bob).unwrap();
    assert_eq!(
        reminders::take_due(&server.store, &bob).unwrap(),
        vec![],
        "shown on the desktop: not again from the server"
    );

    // Snoozed on the desktop: due again later, everywhere.
    reminders::snooze(&desk.store, &bob, set.id, "2026-11-24T15:00:00Z").unwrap();
    round(&desk, &server, &bob).unwrap();
    let on_server = reminders::get(&server.store, &bob, set.id).unwrap();
    assert_eq!(on_server.due_at.to_string(), "2026-11-24T15:00:00.000Z");
    assert!(!on_server.is_done());

    // Bob sets one offline; meanwhile the lead goes to Cara.
    let cara = server.user("Cara", Role::Agent);
    let late = reminders::create(
        &desk.store,
        &bob,
        NewReminder {
            lead_id: Some(lead.id),
            due_at: "2026-11-25T09:00:00Z".into(),
            message: "Too late".into(),
            owner_id: None,
        },
    )
    .unwrap();
    leads::assign(&server.store, &server.admin, lead.id, Some(cara.user_id)).unwrap();
    let done = round(&desk, &server, &bob).unwrap();
    assert!(done.rejected >= 1, "{done:?}");
    assert!(reminders::get(&server.store, &server.admin, late.id).is_err());
    assert_eq!(
        reminders::list(&desk.store, &bob, Default::default())
            .unwrap()
            .total,
        0,
        "the lead and its reminders left Bob's desktop"
    );
    // The pending one followed the lead to Cara.
    let carried = reminders::get(&server.store, &cara, set.id).unwrap();
    assert_eq!(carried.owner_id, cara.user_id);
}

/// Tags go both ways, and of two desktops' decisions on a tag the later one
/// stands.
#[test]
fn tags_sync_and_the_later_decision_on_a_tag_stands() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let bobs = desktop(&server, &bob);
    let admins = desktop(&server, &server.admin);
    let lead = bobs.lead(&bob, "Tagged Lead");
    leads::add_tags(
        &bobs.store,
        &bob,
        lead.id,
        vec!["VIP".into(), "Fair".into()],
    )
    .unwrap();
    round(&bobs, &server, &bob).unwrap();
    round(&admins, &server, &server.admin).unwrap();
    let tags = |db: &TestDb, actor: &Actor| leads::get(&db.store, actor, lead.id).unwrap().tags;
    assert_eq!(tags(&server, &server.admin), ["Fair", "VIP"]);
    assert_eq!(tags(&admins, &admins.admin), ["Fair", "VIP"]);

    // Both offline: Ada removes VIP; a minute later Bob removes Fair, and
    // VIP, then thinks again and tags it "vip". Bob syncs first.
    leads::remove_tag(&admins.store, &admins.admin, lead.id, "VIP").unwrap();
    bobs.advance_minutes(1);
    leads::remove_tag(&bobs.store, &bob, lead.id, "Fair").unwrap();
    leads::remove_tag(&bobs.store, &bob, lead.id, "VIP").unwrap();
    leads::add_tags(&bobs.store, &bob, lead.id, vec!["vip".into()]).unwrap();
    round(&bobs, &server, &bob).unwrap();
    round(&admins, &server, &server.admin).unwrap();
    round(&bobs, &server, &bob).unwrap();
    assert_eq!(
        tags(&server, &server.admin),
        ["vip"],
        "Bob's later re-add stands"
    );
    assert_eq!(tags(&admins, &admins.admin), ["vip"]);
    assert_eq!(tags(&bobs, &bob), ["vip"]);
    assert_eq!(
        leads::list(
            &admins.store,
            &admins.admin,
            leads::LeadQuery {
                tag: Some("VIP".into()),
                ..Default::default()
            }
        )
        .unwrap()
        .total,
        1,
        "found by tag on Ada's desktop"
    );
}

/// The server keeps its journal for a while (90 days by default) and no
/// longer than its clients need it: a desktop away for longer resyncs from
/// a snapshot, keeping its own waiting changes, dropping what left its
/// user's sight and what was deleted meanwhile.
#[test]
fn a_desktop_away_longer_than_the_journal_is_kept_resyncs() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let bobs = desktop(&server, &bob);
    let caras = desktop(&server, &cara);
    let kept = server.lead(&server.admin, "Kept");
    let moved = server.lead(&server.admin, "Moved Away");
    for id in [kept.id, moved.id] {
        leads::assign(&server.store, &server.admin, id, Some(bob.user_id)).unwrap();
    }
    let note =
        leadlight_core::notes::add(&server.store, &server.admin, kept.id, "Old news").unwrap();
    leads::add_tags(&server.store, &server.admin, kept.id, vec!["Stale".into()]).unwrap();
    round(&bobs, &server, &bob).unwrap();
    round(&caras, &server, &cara).unwrap();
    assert_eq!(
        leads::open(&bobs.store, &bob, kept.id).unwrap().notes.len(),
        1
    );

    // Bob's computer stays shut for 100 days; Cara syncs now and then.
    // Meanwhile the note and the tag go, one lead moves to Cara, a new
    // lead comes to Bob.
    leadlight_core::notes::delete(&server.store, &server.admin, note.id).unwrap();
    leads::remove_tag(&server.store, &server.admin, kept.id, "Stale").unwrap();
    leads::assign(&server.store, &server.admin, moved.id, Some(cara.user_id)).unwrap();
    let new = server.lead(&server.admin, "New For Bob");
    leads::assign(&server.store, &server.admin, new.id, Some(bob.user_id)).unwrap();
    server.advance_minutes(100 * 24 * 60);
    caras.advance_minutes(100 * 24 * 60);
    caras.lead(&cara, "Cara's Latest");
    // Two rounds: a pull tells the server where the desktop holds from.
    round(&caras, &server, &cara).unwrap();
    round(&caras, &server, &cara).unwrap();
    let journal = server.count("change_journal");
    let purged = sync::purge(&server.store, chrono::Duration::days(90)).unwrap();
    assert!(purged.entries > 0, "{purged:?}");
    assert_eq!(purged.tombstones, 2, "the note and the tag: {purged:?}");
    assert_eq!(
        server.count("change_journal"),
        journal - purged.entries as i64
    );

    // Bob wakes his computer up with an edit of his own made before.
    bobs.advance_minutes(100 * 24 * 60);
    bobs.rename(&bob, kept.id, "Kept (renamed offline)");
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(
        (done.pushed, done.rejected),
        (2, 0),
        "the rename and its activity: {done:?}"
    );
    assert!(done.resynced, "{done:?}");
    let names = |db: &TestDb, actor: &Actor| -> Vec<String> {
        let mut names: Vec<String> = leads::list(&db.store, actor, Default::default())
            .unwrap()
            .items
            .into_iter()
            .map(|l| l.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&bobs, &bob),
        ["Kept (renamed offline)", "New For Bob"],
        "what moved away left; what came arrived; his edit stayed"
    );
    let page = leads::open(&bobs.store, &bob, kept.id).unwrap();
    assert!(
        page.notes.is_empty(),
        "the deleted note left: {:?}",
        page.notes
    );
    assert!(page.lead.tags.is_empty(), "the removed tag left");
    assert!(leads::get(&bobs.store, &bob, moved.id).is_err());
    assert_eq!(
        leads::get(&server.store, &bob, kept.id).unwrap().name,
        "Kept (renamed offline)"
    );

    // Cara's desktop, within the horizon, carries on from its cursor.
    let after = server.lead(&server.admin, "After The Purge");
    leads::assign(&server.store, &server.admin, after.id, Some(cara.user_id)).unwrap();
    let done = round(&caras, &server, &cara).unwrap();
    assert_eq!(done.removed, 0, "{done:?}");
    assert_eq!(
        names(&caras, &cara),
        ["After The Purge", "Cara's Latest", "Moved Away"]
    );
}

/// A task a Manager gives an Agent reaches the Agent's desktop; done there
/// offline, it is done on the server after the next round; given to
/// someone else, it leaves the Agent's desktop. An Agent cannot give a task
/// away by a forged push.
#[test]
fn tasks_sync_to_their_assignee() {
    use leadlight_core::tasks::{self, NewTask, TaskStatus};
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let bobs = desktop(&server, &bob);
    let task = tasks::create(
        &server.store,
        &server.admin,
        NewTask {
            title: "Send the price list".into(),
            assignee_id: Some(bob.user_id),
            ..Default::default()
        },
    )
    .unwrap();
    round(&bobs, &server, &bob).unwrap();
    let mine = tasks::list(&bobs.store, &bob, Default::default()).unwrap();
    assert_eq!(
        mine.items
            .iter()
            .map(|t| t.title.as_str())
            .collect::<Vec<_>>(),
        ["Send the price list"]
    );

    tasks::complete(&bobs.store, &bob, task.id).unwrap();
    let own = tasks::create(
        &bobs.store,
        &bob,
        NewTask {
            title: "Call the printer".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    assert_eq!(
        tasks::get(&server.store, &server.admin, task.id)
            .unwrap()
            .status,
        TaskStatus::Done
    );
    assert_eq!(
        tasks::get(&server.store, &server.admin, own.id)
            .unwrap()
            .assignee_id,
        bob.user_id
    );

    // A tampered desktop gives his own task to Cara: refused, and put back.
    bobs.exec(&format!(
        "UPDATE tasks SET assignee_id = '{}' WHERE id = '{}'",
        cara.user_id, own.id
    ));
    forge(
        &bobs,
        "task",
        &own.id.to_string(),
        serde_json::json!({ "assignee_id": cara.user_id }),
        &bob,
    );
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 1, "{done:?}");
    assert_eq!(
        tasks::get(&bobs.store, &bob, own.id).unwrap().assignee_id,
        bob.user_id,
        "the server's version came back"
    );

    // The Manager gives the first task to Cara: it leaves Bob's desktop.
    tasks::assign(&server.store, &server.admin, task.id, cara.user_id).unwrap();
    round(&bobs, &server, &bob).unwrap();
    assert!(tasks::get(&bobs.store, &bob, task.id).is_err());
    assert_eq!(bobs.count("tasks"), 1, "only his own task is left");
}

/// A lead converted offline on two desktops makes one customer record (it
/// has the lead's id), which reaches the server; an edit of the customer
/// on one desktop reaches the other.
#[test]
fn a_lead_converted_on_two_desktops_makes_one_customer() {
    use leadlight_core::customers::{self, CustomerPatch};
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let bobs = desktop(&server, &bob);
    let admins = desktop(&server, &server.admin);
    let lead = bobs.lead(&bob, "Signing Today");
    round(&bobs, &server, &bob).unwrap();
    round(&admins, &server, &server.admin).unwrap();

    let mine = leads::convert(&bobs.store, &bob, lead.id).unwrap();
    let theirs = leads::convert(&admins.store, &admins.admin, lead.id).unwrap();
    assert_eq!(mine.id, theirs.id, "the customer takes the lead's id");
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    let done = round(&admins, &server, &server.admin).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    assert_eq!(
        replica::conflicts(&admins.store, &admins.admin, false).unwrap(),
        vec![],
        "the same conversion twice is no conflict"
    );
    assert_eq!(server.count("customers"), 1);
    let on_server = customers::get(&server.store, &server.admin, mine.id).unwrap();
    assert_eq!(on_server.owner_id, Some(bob.user_id));

    customers::update(
        &admins.store,
        &admins.admin,
        mine.id,
        CustomerPatch {
            company: Some(Some("Signed Ltd".into())),
            ..Default::default()
        },
    )
    .unwrap();
    round(&admins, &server, &server.admin).unwrap();
    round(&bobs, &server, &bob).unwrap();
    assert_eq!(
        customers::get(&bobs.store, &bob, mine.id)
            .unwrap()
            .company
            .as_deref(),
        Some("Signed Ltd")
    );

    // Bob moves the lead back to qualified offline: the customer retires
    // everywhere.
    leads::change_status(&bobs.store, &bob, lead.id, "qualified").unwrap();
    round(&bobs, &server, &bob).unwrap();
    round(&admins, &server, &server.admin).unwrap();
    assert!(customers::get(&server.store, &server.admin, mine.id).is_err());
    assert!(customers::get(&admins.store, &admins.admin, mine.id).is_err());
}

/// A team server whose leads were written without journal entries (the
/// demo generator's, or an old database's): a new desktop's first sync is
/// a snapshot, ends, and brings them all; the next round has nothing to do.
/// (It once began the snapshot again and again: an empty journal's
/// position is 0, which was also "start over".)
#[test]
fn a_first_sync_from_a_server_without_a_journal_ends() {
    let server = TestDb::demo(40);
    sync::arbitrate(&server.store).unwrap();
    assert_eq!(
        server.count("change_journal"),
        0,
        "the generator journals nothing"
    );
    let avery = server.profile(&server.admin);
    let as_avery = server.admin;
    let dir = tempfile::tempdir().unwrap();
    let fresh = Store::open(dir.path().join("fresh.sqlite3")).unwrap();
    replica::connect(&fresh, "http://127.0.0.1:9", &avery, None).unwrap();
    let mut transport = Direct {
        server: &server,
        actor: as_avery,
        down: false,
    };
    let first = replica::sync_with(
        &fresh,
        &mut transport,
        replica::Sizes {
            push: 500,
            pull: 15,
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(first.pulled, 40, "{first:?}");
    let again = replica::sync_once(&fresh, &mut transport, &mut |_| {}).unwrap();
    assert_eq!(again.pulled, 0, "{again:?}");
    assert_eq!(
        leads::list(&fresh, &as_avery, Default::default())
            .unwrap()
            .total,
        40
    );
}

/// Found in review. A claim carries nothing but the claim: an Agent's
/// tampered desktop cannot rename or delete a pool lead by pushing the
/// change together with a claim.
#[test]
fn a_claim_cannot_carry_other_changes() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let bobs = desktop(&server, &bob);
    let walk_in = server.walk_in();
    round(&bobs, &server, &bob).unwrap();
    forge(
        &bobs,
        "lead",
        &walk_in.to_string(),
        serde_json::json!({
            "owner_id": bob.user_id,
            "claimed_at": "2026-11-24T09:00:00Z",
            "deleted_at": "2026-11-24T09:00:00Z",
        }),
        &bob,
    );
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 1, "{done:?}");
    let lead = leads::get(&server.store, &server.admin, walk_in).unwrap();
    assert_eq!(lead.owner_id, None, "still in the pool");
}

/// Found in review. An existing desktop with its own account for a
/// colleague (same email as on the server) takes the server's colleague in
/// its place; a deleted member still owning leads comes as deactivated.
#[test]
fn the_team_meets_local_accounts_and_deleted_members() {
    let server = TestDb::new();
    sync::arbitrate(&server.store).unwrap();
    let cara = server.user("Cara", Role::Agent);
    let dan = server.user("Dan", Role::Agent);
    let lead = server.lead(&server.admin, "Dan's Old Lead");
    leads::assign(&server.store, &server.admin, lead.id, Some(dan.user_id)).unwrap();
    leadlight_core::users::delete(&server.store, &server.admin, dan.user_id).unwrap();

    // The desktop was used alone, with its own account for Cara.
    let desk = TestDb::new();
    let local_cara = desk.user("Cara", Role::Agent);
    assert_ne!(local_cara.user_id, cara.user_id);
    let ada = server.profile(&server.admin);
    replica::connect(&desk.store, "http://127.0.0.1:9", &ada, None).unwrap();
    let done = round(&desk, &server, &server.admin).unwrap();
    assert!(done.pulled >= 1, "{done:?}");
    let team = leadlight_core::users::list(&desk.store, &server.admin).unwrap();
    let caras: Vec<_> = team.iter().filter(|u| u.name == "Cara").collect();
    assert_eq!(caras.len(), 1, "one Cara: {team:?}");
    assert_eq!(caras[0].id, cara.user_id);
    let dans_lead = leads::get(&desk.store, &server.admin, lead.id).unwrap();
    assert_eq!(dans_lead.owner_id, Some(dan.user_id));
    let dan_here = team.iter().find(|u| u.id == dan.user_id).unwrap();
    assert!(dan_here.deactivated_at.is_some(), "{dan_here:?}");
}

/// Found in review. A lead converted offline and its customer record then
/// edited: the edit reaches the server (the server's own conversion step
/// must not outrank it).
#[test]
fn a_customer_edited_after_an_offline_conversion_keeps_the_edit() {
    use leadlight_core::customers::{self, CustomerPatch};
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let bobs = desktop(&server, &bob);
    let lead = bobs.lead(&bob, "Converts Offline");
    round(&bobs, &server, &bob).unwrap();
    let customer = leads::convert(&bobs.store, &bob, lead.id).unwrap();
    bobs.advance_minutes(1);
    customers::update(
        &bobs.store,
        &bob,
        customer.id,
        CustomerPatch {
            phone: Some(Some("+1 555 0100".into())),
            ..Default::default()
        },
    )
    .unwrap();
    let done = round(&bobs, &server, &bob).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    let on_server = customers::get(&server.store, &server.admin, customer.id).unwrap();
    assert_eq!(on_server.phone.as_deref(), Some("+1 555 0100"));
    assert_eq!(
        customers::get(&bobs.store, &bob, customer.id)
            .unwrap()
            .phone
            .as_deref(),
        Some("+1 555 0100")
    );
}

/// Signed out of the server and in again later: what changed meanwhile
/// that the desktop missed (a pool lead claimed by someone else) is put
/// right by the first round, which resyncs.
#[test]
fn signing_in_again_after_stopping_resyncs() {
    let server = TestDb::new();
    let bob = server.user("Bob", Role::Agent);
    let cara = server.user("Cara", Role::Agent);
    let bobs = desktop(&server, &bob);
    let walk_in = server.walk_in();
    round(&bobs, &server, &bob).unwrap();
    let pool = |db: &TestDb| -> Vec<leadlight_core::ids::LeadId> {
        enquiries::unclaimed(&db.store, &bob, Default::default())
            .unwrap()
            .items
            .into_iter()
            .map(|l| l.id)
            .collect()
    };
    assert_eq!(pool(&bobs), [walk_in], "in the pool on his desktop");

    replica::disconnect(&bobs.store).unwrap();
    enquiries::claim(&server.store, &cara, walk_in).unwrap();
    replica::connect(
        &bobs.store,
        "http://127.0.0.1:9/",
        &server.profile(&bob),
        None,
    )
    .unwrap();
    let done = round(&bobs, &server, &bob).unwrap();
    assert!(done.removed >= 1, "{done:?}");
    assert!(
        pool(&bobs).is_empty(),
        "Cara's now, gone from Bob's desktop"
    );
    assert_eq!(bobs.count("leads"), 0);
}

/// Who made a lead travels with it: a desktop's lead shows its maker on the
/// server and on another desktop; an enquiry from the web form restated on a
/// first sign-in stays nobody's; a lead held from before the maker was kept
/// learns it when the server next sends the lead.
#[test]
fn who_made_a_lead_travels_with_it() {
    use leadlight_core::activity::{self, Activity};
    let creation = |store: &Store, actor: &Actor, id, what: &str| -> Activity {
        let timeline =
            activity::list_for_lead(store, actor, id, leadlight_core::PageRequest::default())
                .unwrap()
                .items;
        timeline
            .iter()
            .find(|a| a.kind.to_string() == "created")
            .cloned()
            .unwrap_or_else(|| panic!("no creation entry for {what}: {timeline:?}"))
    };
    let server = TestDb::new();
    sync::arbitrate(&server.store).unwrap();
    let desk = TestDb::new();
    let made = desk.lead(&desk.admin, "Typed In");
    let asked = desk.walk_in();

    let ada = sign_in_first_time(&desk, &server);
    let as_ada = Actor::new(ada.id, ada.role);
    let done = round(&desk, &server, &as_ada).unwrap();
    assert_eq!(done.rejected, 0, "{done:?}");
    let on_server = creation(&server.store, &server.admin, made.id, "made, on the server");
    assert_eq!(on_server.actor_id, Some(ada.id));
    assert_eq!(on_server.detail["via"], "app");
    let enquiry = creation(
        &server.store,
        &server.admin,
        asked,
        "the enquiry, on the server",
    );
    assert_eq!(enquiry.actor_id, None, "nobody made an enquiry");
    assert_eq!(enquiry.detail["via"], "web_form");

    // Another desktop of hers, new: its first sync is a snapshot.
    let (_dir, other) = new_desktop(&ada);
    sync_store(&other, &server, &as_ada).unwrap();
    let there = creation(&other, &as_ada, made.id, "made, on the other desktop");
    assert_eq!(there.actor_name.as_deref(), Some(ada.name.as_str()));
    assert_eq!(there.at, made.created_at);

    // As if held from a server that did not say: the next send of the lead
    // (here after a rename on the server) fills it in.
    {
        use diesel::connection::SimpleConnection;
        other
            .connection()
            .unwrap()
            .batch_execute(&format!(
                "UPDATE leads SET created_by = NULL, created_via = NULL WHERE id = '{}'",
                made.id
            ))
            .unwrap();
    }
    assert!(
        activity::list_for_lead(
            &other,
            &as_ada,
            made.id,
            leadlight_core::PageRequest::default()
        )
        .unwrap()
        .items
        .is_empty()
    );
    server.rename(&server.admin, made.id, "Typed In (renamed)");
    let pulled = sync_store(&other, &server, &as_ada).unwrap();
    assert_eq!(pulled.pulled, 1, "{pulled:?}");
    let there = creation(&other, &as_ada, made.id, "made, filled in");
    assert_eq!(there.actor_id, Some(ada.id));
    assert_eq!(there.detail["via"], "app");
}
