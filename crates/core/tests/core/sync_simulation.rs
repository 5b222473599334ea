//! The deterministic simulation of sync (docs/SYNC.md): one server and three
//! desktops (an Admin and two Agents) on real SQLite files, random work on
//! all four (leads, notes, tags, reminders, claims), and a network that partitions, loses answers, duplicates and
//! reorders batches, and drops pages. After it heals and everyone syncs,
//! every desktop holds exactly what the server lets its user see, every
//! field holds the value of the write its clock names, and replaying any
//! batch changes nothing.
//!
//! Each seed is one run; a failure names its seed. Replay one with
//! `LEADLIGHT_SYNC_SEED=<seed> cargo nextest run -p leadlight-core simulation`;
//! `LEADLIGHT_SYNC_SEEDS=<n>` runs more (`cargo xtask test --long`).

use crate::helpers::TestDb;
use diesel::prelude::*;
use leadlight_core::enquiries;
use leadlight_core::journal::Entity;
use leadlight_core::leads::{self, LeadPatch, NewLead};
use leadlight_core::replica::{self, Transport, TransportError};
use leadlight_core::schema::{change_journal, leads as leads_table, sync_field_clocks};
use leadlight_core::sync::{
    self, ChangesPage, CustomerRecord, LeadRecord, Outcome, PushAnswer, PushBatch, ReminderRecord,
    TaskRecord,
};
use leadlight_core::{Actor, Role, Timestamp};
use leadlight_core::{reminders, tasks};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const STEPS: usize = 40;

/// With LEADLIGHT_SYNC_TRACE set, a run tells what it does (to read a replay).
fn trace(what: impl FnOnce() -> String) {
    if std::env::var_os("LEADLIGHT_SYNC_TRACE").is_some() {
        eprintln!("{}", what());
    }
}

/// SplitMix64: small, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len() as u64) as usize])
    }
}

/// The accounts every run starts from (made once: hashing passwords is slow).
struct Template {
    db: TestDb,
    agents: [Actor; 2],
}

fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let db = TestDb::new();
        let agents = [db.user("Bob", Role::Agent), db.user("Cara", Role::Agent)];
        Template { db, agents }
    })
}

struct Desktop {
    db: TestDb,
    actor: Actor,
    online: bool,
}

impl Desktop {
    fn client(&self) -> String {
        replica::status(&self.db.store).unwrap().unwrap().client_id
    }
}

/// The network between one desktop and the server, in process: with
/// `faulty`, it loses, duplicates and reorders as the dice say.
struct Network<'a> {
    server: &'a TestDb,
    actor: Actor,
    rng: &'a mut Rng,
    sent: &'a mut Vec<(Actor, PushBatch)>,
    faulty: bool,
    d: usize,
}

fn lost(what: &str) -> TransportError {
    TransportError::Offline(what.into())
}

impl Transport for Network<'_> {
    fn push(&mut self, batch: &PushBatch) -> Result<PushAnswer, TransportError> {
        self.sent.push((self.actor, batch.clone()));
        let fault = if self.faulty { self.rng.below(10) } else { 9 };
        let d = self.d;
        trace(|| {
            format!(
                "push {d} fault {fault}: {:?}",
                batch
                    .ops
                    .iter()
                    .map(|o| (
                        o.seq,
                        o.entity.as_str(),
                        o.entity_id.clone(),
                        o.fields.to_string()
                    ))
                    .collect::<Vec<_>>()
            )
        });
        let server = &self.server.store;
        match fault {
            // The desktop crashed after its local commit, before sending.
            0 => return Err(lost("crashed before sending")),
            // Reordered: an older batch of anyone's arrives again first.
            1 => {
                let (who, old) = self.sent[self.rng.below(self.sent.len() as u64) as usize].clone();
                let _ = sync::push(server, &who, old);
            }
            _ => {}
        }
        let mut answer = sync::push(server, &self.actor, batch.clone()).unwrap();
        if fault == 2 {
            answer = sync::push(server, &self.actor, batch.clone()).unwrap(); // duplicated
        }
        if fault == 3 {
            return Err(lost("the server committed; its answer was lost"));
        }
        trace(|| format!("  answer {answer:?}"));
        Ok(answer)
    }

    fn changes(
        &mut self,
        client_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<ChangesPage, TransportError> {
        let page = sync::changes_for(
            &self.server.store,
            &self.actor,
            sync::ChangesQuery {
                since,
                limit: Some(limit),
                client_id: Some(client_id.to_owned()),
            },
        )
        .unwrap();
        let d = self.d;
        if self.faulty && self.rng.chance(10) {
            trace(|| format!("pull {d}: page lost"));
            return Err(lost("page lost"));
        }
        trace(|| {
            format!(
                "pull {d} from {since}{}: {:?}",
                if page.resync { " (resync)" } else { "" },
                page.changes
            )
        });
        Ok(page)
    }
}

struct Run {
    rng: Rng,
    server: TestDb,
    desks: Vec<Desktop>,
    /// Every batch sent, with who sent it, to replay.
    sent: Vec<(Actor, PushBatch)>,
    /// Whether the server has purged journal entries (their clocks can no
    /// longer be checked against the entry that set them).
    purged: bool,
}

impl Run {
    fn new(seed: u64) -> Self {
        let template = template();
        let server = template.db.replica();
        let start = last_seq(&server);
        let actors = [template.db.admin, template.agents[0], template.agents[1]];
        let desks = actors
            .iter()
            .map(|actor| {
                let db = server.replica();
                replica::connect(
                    &db.store,
                    "http://server.example",
                    &server.profile(actor),
                    None,
                )
                .unwrap();
                // A copy of the server: its journal is the server's already.
                db.exec(&format!(
                    "UPDATE sync_state SET pushed_seq = {start}, cursor = {start}"
                ));
                Desktop {
                    db,
                    actor: *actor,
                    online: true,
                }
            })
            .collect();
        Self {
            rng: Rng(seed),
            server,
            desks,
            sent: Vec::new(),
            purged: false,
        }
    }

    /// Random work on one desktop (or on the server, as its Admin).
    fn work(&mut self, step: usize) {
        let who = self.rng.below(4) as usize;
        let (db, actor) = match self.desks.get(who) {
            Some(desk) => (&desk.db, desk.actor),
            None => (&self.server, self.server.admin),
        };
        let agents = template().agents;
        let ids = live_leads(db);
        let id = self.rng.pick(&ids).copied();
        let name = format!("Lead {step}");
        // Refused work (a lead this user may not touch here) writes nothing;
        // that is the point of trying it.
        let kind = self.rng.below(17);
        let done = match kind {
            0 | 1 => {
                let owner = if actor.sees_everything() {
                    self.rng
                        .pick(&[None, Some(agents[0].user_id), Some(agents[1].user_id)])
                        .copied()
                        .flatten()
                } else {
                    None
                };
                leads::create(
                    &db.store,
                    &actor,
                    NewLead {
                        name: name.clone(),
                        owner_id: owner,
                        ..Default::default()
                    },
                )
                .map(drop)
            }
            2 if who == 3 => enquiries::submit(
                &db.store,
                enquiries::Enquiry {
                    name,
                    email: Some(format!("walk.in.{step}@example.com")),
                    ..Default::default()
                },
            )
            .map(drop),
            2 | 3 => id.map_or(Ok(()), |id| {
                let rename = self.rng.chance(50);
                leads::update(
                    &db.store,
                    &actor,
                    id,
                    LeadPatch {
                        name: rename.then(|| format!("Renamed {step}")),
                        company: (!rename).then(|| Some(format!("Company {step}"))),
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
            4 => id.map_or(Ok(()), |id| {
                let status = *self
                    .rng
                    .pick(&["new", "contacted", "qualified", "converted", "lost"])
                    .unwrap();
                leads::change_status(&db.store, &actor, id, status).map(drop)
            }),
            5 => id.map_or(Ok(()), |id| {
                if self.rng.chance(70) {
                    leads::delete(&db.store, &actor, id)
                } else {
                    leads::restore(&db.store, &actor, id).map(drop)
                }
            }),
            8 => id.map_or(Ok(()), |id| {
                leadlight_core::notes::add(&db.store, &actor, id, &format!("Note {step}")).map(drop)
            }),
            9 => self.rng.pick(&live_notes(db)).map_or(Ok(()), |note| {
                leadlight_core::notes::delete(&db.store, &actor, *note)
            }),
            6 => self.rng.pick(&pool(db)).map_or(Ok(()), |id| {
                enquiries::claim(&db.store, &actor, *id).map(drop)
            }),
            10 => id.map_or(Ok(()), |id| {
                let due = db
                    .store
                    .now()
                    .plus(chrono::Duration::minutes(self.rng.below(120) as i64 - 60));
                reminders::create(
                    &db.store,
                    &actor,
                    reminders::NewReminder {
                        lead_id: Some(id),
                        due_at: due.to_string(),
                        message: format!("Call back {step}"),
                        owner_id: None,
                    },
                )
                .map(drop)
            }),
            11 => self.rng.pick(&live_reminders(db)).map_or(Ok(()), |id| {
                let id = *id;
                match self.rng.below(4) {
                    0 => reminders::snooze(
                        &db.store,
                        &actor,
                        id,
                        &db.store.now().plus(chrono::Duration::hours(1)).to_string(),
                    )
                    .map(drop),
                    1 => reminders::complete(&db.store, &actor, id).map(drop),
                    2 => reminders::delete(&db.store, &actor, id),
                    _ => reminders::take_due(&db.store, &actor).map(drop),
                }
            }),
            12 => id.map_or(Ok(()), |id| {
                let tag = *self.rng.pick(&["VIP", "vip", "hot", "cold"]).unwrap();
                leads::add_tags(&db.store, &actor, id, vec![tag.to_owned()]).map(drop)
            }),
            13 => self.rng.pick(&live_tags(db)).map_or(Ok(()), |(id, tag)| {
                leads::remove_tag(&db.store, &actor, *id, tag).map(drop)
            }),
            14 => {
                let assignee = if actor.sees_everything() {
                    *self
                        .rng
                        .pick(&[actor.user_id, agents[0].user_id, agents[1].user_id])
                        .unwrap()
                } else {
                    actor.user_id
                };
                tasks::create(
                    &db.store,
                    &actor,
                    tasks::NewTask {
                        title: format!("Task {step}"),
                        assignee_id: Some(assignee),
                        lead_id: id.filter(|_| self.rng.chance(50)),
                        ..Default::default()
                    },
                )
                .map(drop)
            }
            16 => self.rng.pick(&live_customers(db)).map_or(Ok(()), |id| {
                leadlight_core::customers::update(
                    &db.store,
                    &actor,
                    *id,
                    leadlight_core::customers::CustomerPatch {
                        company: Some(Some(format!("Customer Co {step}"))),
                        ..Default::default()
                    },
                )
                .map(drop)
            }),
            15 => self.rng.pick(&live_tasks(db)).map_or(Ok(()), |id| {
                let id = *id;
                match self.rng.below(5) {
                    0 => tasks::complete(&db.store, &actor, id).map(drop),
                    1 => tasks::reopen(&db.store, &actor, id).map(drop),
                    2 => tasks::update(
                        &db.store,
                        &actor,
                        id,
                        tasks::TaskPatch {
                            title: Some(format!("Retitled {step}")),
                            ..Default::default()
                        },
                    )
                    .map(drop),
                    3 => tasks::delete(&db.store, &actor, id),
                    _ => {
                        let to = *self
                            .rng
                            .pick(&[agents[0].user_id, agents[1].user_id])
                            .unwrap();
                        tasks::assign(&db.store, &actor, id, to).map(drop)
                    }
                }
            }),
            _ => id.map_or(Ok(()), |id| {
                let owner = self
                    .rng
                    .pick(&[None, Some(agents[0].user_id), Some(agents[1].user_id)])
                    .copied()
                    .flatten();
                leads::assign(&db.store, &actor, id, owner).map(drop)
            }),
        };
        trace(|| {
            format!(
                "step {step}: {who} work {kind} on {id:?}: {:?}",
                done.map_err(|e| e.to_string())
            )
        });
    }

    /// Clocks move on; each desktop's drifts a little around the server's.
    fn tick(&mut self) {
        let step = 200 + self.rng.below(2_000) as i64;
        self.server
            .clock
            .advance(chrono::Duration::milliseconds(step));
        let now = self.server.store.now().millis();
        for desk in &mut self.desks {
            let drift = self.rng.below(601) as i64 - 300;
            let mine =
                (desk.db.store.now().millis() + step + drift).clamp(now - 20_000, now + 20_000);
            desk.db.clock.set(Timestamp::from_millis(mine));
        }
    }

    /// One sync round of desktop `d` (push all, then pull all), as the
    /// desktop runs it, over the in-process network.
    fn sync(&mut self, d: usize, faulty: bool) {
        let desk = &self.desks[d];
        let mut network = Network {
            server: &self.server,
            actor: desk.actor,
            rng: &mut self.rng,
            sent: &mut self.sent,
            faulty,
            d,
        };
        let sizes = replica::Sizes { push: 25, pull: 20 };
        let done = replica::sync_with(&desk.db.store, &mut network, sizes, &mut |_| {});
        trace(|| format!("sync {d}: {done:?}"));
        if !faulty {
            done.unwrap();
        }
    }

    fn network(&mut self) {
        // The server purges what every client seen in the last few seconds
        // has pulled past: a desktop away longer resyncs from a snapshot.
        if self.rng.chance(5) {
            let retention = chrono::Duration::seconds(self.rng.below(10) as i64);
            let purged = sync::purge(&self.server.store, retention).unwrap();
            trace(|| format!("purge {retention}: {purged:?}"));
            self.purged |= purged.entries > 0;
        }
        for d in 0..self.desks.len() {
            if self.rng.chance(15) {
                self.desks[d].online = !self.desks[d].online;
            }
            if self.desks[d].online && self.rng.chance(40) {
                self.sync(d, true);
            }
        }
    }

    fn heal(&mut self) {
        for _ in 0..4 {
            for d in 0..self.desks.len() {
                self.sync(d, false);
            }
        }
    }

    fn check(&mut self) {
        let server_rows = records(&self.server);
        for desk in &self.desks {
            let client = desk.client();
            assert_eq!(
                replica::status(&desk.db.store).unwrap().unwrap().pending,
                0,
                "{client} has changes it never pushed"
            );
            let visible: BTreeMap<String, LeadRecord> = server_rows
                .iter()
                .filter(|(_, r)| {
                    desk.actor.sees_everything()
                        || r.owner_id.is_none()
                        || r.owner_id == Some(desk.actor.user_id)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let held = records(&desk.db);
            for (id, theirs) in &visible {
                assert_eq!(held.get(id), Some(theirs), "{client}: lead {id}");
            }
            // Every visible lead's timeline, notes and activities alike.
            let theirs = timelines(&self.server, self.purged);
            let mine = timelines(&desk.db, self.purged);
            for id in visible.keys() {
                assert_eq!(
                    mine.get(id),
                    theirs.get(id),
                    "{client}: timeline of lead {id}"
                );
            }
            for id in held.keys() {
                assert!(
                    visible.contains_key(id),
                    "{client} holds lead {id} it may not see"
                );
            }
            // Their tasks (a task's lead only where the lead is held).
            let theirs: Vec<TaskRecord> = all_tasks(&self.server)
                .into_iter()
                .filter(|t| desk.actor.sees_everything() || t.assignee_id == desk.actor.user_id)
                .filter(|t| !(self.purged && t.deleted_at.is_some()))
                .map(|mut t| {
                    if t.lead_id
                        .is_some_and(|l| !visible.contains_key(&l.to_string()))
                    {
                        t.lead_id = None;
                    }
                    t
                })
                .collect();
            let mine: Vec<TaskRecord> = all_tasks(&desk.db)
                .into_iter()
                .filter(|t| !(self.purged && t.deleted_at.is_some()))
                .collect();
            assert_eq!(mine, theirs, "{client}: tasks");
            // The customer records of visible leads.
            let customers_of = |db: &TestDb| -> Vec<CustomerRecord> {
                all_customers(db)
                    .into_iter()
                    .filter(|c| visible.contains_key(&c.lead_id.to_string()))
                    .filter(|c| !(self.purged && c.deleted_at.is_some()))
                    .collect()
            };
            assert_eq!(
                customers_of(&desk.db),
                customers_of(&self.server),
                "{client}: customers"
            );
            // Tags, and the reminders of this user (all, for an Admin).
            let theirs = parts(&self.server, &desk.actor, self.purged);
            let mine = parts(&desk.db, &desk.actor, self.purged);
            for id in visible.keys() {
                assert_eq!(
                    mine.get(id),
                    theirs.get(id),
                    "{client}: tags and reminders of lead {id}"
                );
            }
        }

        // The dashboard's summaries and search index follow rows written by
        // sync as they follow the services (insert, update, delete triggers).
        for db in std::iter::once(&self.server).chain(self.desks.iter().map(|d| &d.db)) {
            assert_eq!(
                leadlight_core::analytics::check_summaries(&db.store).unwrap(),
                Vec::<String>::new(),
                "summaries drifted"
            );
        }

        // Every field holds the value of the write its clock names.
        let mut conn = self.server.store.connection().unwrap();
        let clocks: Vec<(String, String, i64, String)> = sync_field_clocks::table
            .filter(sync_field_clocks::entity.eq(Entity::Lead.as_str()))
            .select((
                sync_field_clocks::entity_id,
                sync_field_clocks::field,
                sync_field_clocks::hlc,
                sync_field_clocks::client_id,
            ))
            .load(&mut conn)
            .unwrap();
        for (id, field, hlc, client) in clocks {
            let written: Vec<(String, Option<String>)> = change_journal::table
                .filter(change_journal::entity.eq(Entity::Lead.as_str()))
                .filter(change_journal::entity_id.eq(&id))
                .filter(change_journal::hlc.eq(hlc))
                .select((change_journal::fields, change_journal::origin))
                .load(&mut conn)
                .unwrap();
            let Some(fields) = written
                .iter()
                .find(|(_, origin)| origin.as_deref().unwrap_or("") == client)
                .map(|(f, _)| serde_json::from_str::<serde_json::Value>(f).unwrap())
            else {
                assert!(
                    self.purged,
                    "no journal entry for the clock of {id}.{field}"
                );
                continue;
            };
            let now = serde_json::to_value(&server_rows[&id]).unwrap();
            assert_eq!(
                fields[&field], now[&field],
                "lead {id}: {field} is not its clock's write"
            );
        }
        drop(conn);

        // Replaying any batch changes nothing.
        let journal = self.server.count("change_journal");
        for _ in 0..3 {
            let Some((actor, batch)) = self.rng.pick(&self.sent).cloned() else {
                break;
            };
            let answer = sync::push(&self.server.store, &actor, batch).unwrap();
            assert!(
                answer
                    .results
                    .iter()
                    .all(|r| r.outcome == Outcome::AlreadyApplied),
                "a replayed batch did something: {answer:?}"
            );
        }
        assert_eq!(self.server.count("change_journal"), journal);
    }
}

fn last_seq(db: &TestDb) -> i64 {
    leadlight_core::journal::entries_since(&db.store, 0, 1_000_000)
        .unwrap()
        .last()
        .map_or(0, |(seq, _)| *seq)
}

fn live_leads(db: &TestDb) -> Vec<leadlight_core::ids::LeadId> {
    let mut conn = db.store.connection().unwrap();
    leads_table::table
        .order(leads_table::seq)
        .select(leads_table::id)
        .load(&mut conn)
        .unwrap()
}

fn pool(db: &TestDb) -> Vec<leadlight_core::ids::LeadId> {
    let mut conn = db.store.connection().unwrap();
    leads_table::table
        .filter(leads_table::owner_id.is_null())
        .filter(leads_table::deleted_at.is_null())
        .order(leads_table::seq)
        .select(leads_table::id)
        .load(&mut conn)
        .unwrap()
}

fn live_notes(db: &TestDb) -> Vec<leadlight_core::ids::NoteId> {
    use leadlight_core::schema::notes;
    let mut conn = db.store.connection().unwrap();
    notes::table
        .filter(notes::deleted_at.is_null())
        .order(notes::id)
        .select(notes::id)
        .load(&mut conn)
        .unwrap()
}

fn all_customers(db: &TestDb) -> Vec<CustomerRecord> {
    use leadlight_core::schema::customers;
    let mut conn = db.store.connection().unwrap();
    customers::table
        .order(customers::id)
        .select(CustomerRecord::as_select())
        .load(&mut conn)
        .unwrap()
}

fn live_customers(db: &TestDb) -> Vec<leadlight_core::ids::CustomerId> {
    all_customers(db)
        .into_iter()
        .filter(|c| c.deleted_at.is_none())
        .map(|c| c.id)
        .collect()
}

fn live_tasks(db: &TestDb) -> Vec<leadlight_core::ids::TaskId> {
    all_tasks(db)
        .into_iter()
        .filter(|t| t.deleted_at.is_none())
        .map(|t| t.id)
        .collect()
}

fn all_tasks(db: &TestDb) -> Vec<TaskRecord> {
    use leadlight_core::schema::tasks;
    let mut conn = db.store.connection().unwrap();
    tasks::table
        .order(tasks::id)
        .select(TaskRecord::as_select())
        .load(&mut conn)
        .unwrap()
}

fn live_reminders(db: &TestDb) -> Vec<leadlight_core::ids::ReminderId> {
    use leadlight_core::schema::reminders;
    let mut conn = db.store.connection().unwrap();
    reminders::table
        .filter(reminders::deleted_at.is_null())
        .order(reminders::id)
        .select(reminders::id)
        .load(&mut conn)
        .unwrap()
}

fn live_tags(db: &TestDb) -> Vec<(leadlight_core::ids::LeadId, String)> {
    use leadlight_core::schema::lead_tags;
    let mut conn = db.store.connection().unwrap();
    lead_tags::table
        .filter(lead_tags::deleted_at.is_null())
        .order((lead_tags::lead_id, lead_tags::tag))
        .select((lead_tags::lead_id, lead_tags::tag))
        .load(&mut conn)
        .unwrap()
}

/// A lead's tags (as spelt, removed) and the reminders `actor` holds on it.
type Parts = (Vec<(String, bool)>, Vec<ReminderRecord>);

/// `live`: without tombstones. Once the server purged some, a desktop that
/// had them before keeps its copy (it never needs them, and no harm).
fn parts(db: &TestDb, actor: &Actor, live: bool) -> BTreeMap<String, Parts> {
    use leadlight_core::schema::{lead_tags, reminders};
    let mut conn = db.store.connection().unwrap();
    let mut all: BTreeMap<String, Parts> = BTreeMap::new();
    let rows: Vec<(String, String, Option<i64>)> = lead_tags::table
        .order((lead_tags::lead_id, lead_tags::tag))
        .select((lead_tags::lead_id, lead_tags::tag, lead_tags::deleted_at))
        .load(&mut conn)
        .unwrap();
    for (lead, tag, deleted) in rows {
        if live && deleted.is_some() {
            continue;
        }
        all.entry(lead)
            .or_default()
            .0
            .push((tag, deleted.is_some()));
    }
    let rows: Vec<ReminderRecord> = reminders::table
        .order(reminders::id)
        .select(ReminderRecord::as_select())
        .load(&mut conn)
        .unwrap();
    for reminder in rows {
        if (actor.sees_everything() || reminder.owner_id == actor.user_id)
            && !(live && reminder.deleted_at.is_some())
        {
            all.entry(reminder.lead_id.to_string())
                .or_default()
                .1
                .push(reminder);
        }
    }
    all
}

/// A lead's notes (id, body, deleted) and activity ids.
type Timeline = (Vec<(String, String, bool)>, Vec<String>);

/// Each lead's timeline, by lead.
fn timelines(db: &TestDb, live: bool) -> BTreeMap<String, Timeline> {
    use leadlight_core::schema::{activities, notes};
    let mut conn = db.store.connection().unwrap();
    let mut all: BTreeMap<String, Timeline> = BTreeMap::new();
    let rows: Vec<(String, String, String, Option<i64>)> = notes::table
        .order(notes::id)
        .select((notes::lead_id, notes::id, notes::body, notes::deleted_at))
        .load(&mut conn)
        .unwrap();
    for (lead, id, body, deleted) in rows {
        if live && deleted.is_some() {
            continue;
        }
        all.entry(lead)
            .or_default()
            .0
            .push((id, body, deleted.is_some()));
    }
    let rows: Vec<(String, String)> = activities::table
        .order(activities::id)
        .select((activities::lead_id, activities::id))
        .load(&mut conn)
        .unwrap();
    for (lead, id) in rows {
        all.entry(lead).or_default().1.push(id);
    }
    all
}

fn records(db: &TestDb) -> BTreeMap<String, LeadRecord> {
    let mut conn = db.store.connection().unwrap();
    leads_table::table
        .select(LeadRecord::as_select())
        .load::<LeadRecord>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|r| (r.id.to_string(), r))
        .collect()
}

fn run(seed: u64) {
    let mut run = Run::new(seed);
    for step in 0..STEPS {
        run.work(step);
        run.tick();
        run.network();
    }
    run.heal();
    run.check();
}

fn seeds(part: u64, parts: u64) {
    if let Ok(seed) = std::env::var("LEADLIGHT_SYNC_SEED") {
        if part == 0 {
            run(seed.parse().expect("LEADLIGHT_SYNC_SEED is a number"));
        }
        return;
    }
    let count: u64 = std::env::var("LEADLIGHT_SYNC_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    for seed in (part..count).step_by(parts as usize) {
        if let Err(cause) = std::panic::catch_unwind(|| run(seed)) {
            let why = cause
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| cause.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "sync simulation failed for seed {seed}: {why}\n\
                 replay: LEADLIGHT_SYNC_SEED={seed} cargo nextest run -p leadlight-core simulation"
            );
        }
    }
}

// Four parts, so the test runner spreads them over the cores.
#[test]
fn simulation_part_1_of_4() {
    seeds(0, 4);
}

#[test]
fn simulation_part_2_of_4() {
    seeds(1, 4);
}

#[test]
fn simulation_part_3_of_4() {
    seeds(2, 4);
}

#[test]
fn simulation_part_4_of_4() {
    seeds(3, 4);
}
