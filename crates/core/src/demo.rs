//! A deterministic demo database: realistic leads, notes, activities,
//! reminders and customers spread over the 18 months before "now". The same
//! seed, size and day give the same data. Rows go in batched transactions of
//! plain inserts (triggers keep search in step), fast enough for a million
//! leads. Demo rows are history, not changes: they write no journal entries.

use crate::Store;
use crate::activity::{ActivityKind, NewActivityRow};
use crate::actor::Role;
use crate::error::{CoreError, CoreResult};
use crate::ids::{ActivityId, CustomerId, LeadId, NoteId, ReminderId, UserId};
use crate::leads::{LeadOrigin, LeadSource, LeadStatus, NewLeadRow};
use crate::notes::NewNoteRow;
use crate::reminders::NewReminderRow;
use crate::schema::{activities, customers, lead_tags, leads, notes, reminders, users};
use crate::time::Timestamp;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// How much demo data to make.
#[derive(Debug, Clone, Copy)]
pub struct DemoSpec {
    pub leads: u64,
    pub seed: u64,
}

impl Default for DemoSpec {
    fn default() -> Self {
        Self {
            leads: 2_000,
            seed: 42,
        }
    }
}

/// What was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub users: u64,
    pub leads: u64,
    pub notes: u64,
    pub activities: u64,
    pub reminders: u64,
    pub customers: u64,
}

/// The password of every demo account (demo data only: never a real team's).
pub const DEMO_PASSWORD: &str = "leadlight-demo";

/// The demo accounts: (name, email, role).
pub const DEMO_USERS: &[(&str, &str, Role)] = &[
    ("Avery Admin", "admin@demo.leadlight.app", Role::Admin),
    ("Morgan Manager", "morgan@demo.leadlight.app", Role::Manager),
    ("Riley Manager", "riley@demo.leadlight.app", Role::Manager),
    ("Alex Agent", "alex@demo.leadlight.app", Role::Agent),
    ("Blake Agent", "blake@demo.leadlight.app", Role::Agent),
    ("Casey Agent", "casey@demo.leadlight.app", Role::Agent),
    ("Devon Agent", "devon@demo.leadlight.app", Role::Agent),
    ("Emery Agent", "emery@demo.leadlight.app", Role::Agent),
    ("Finley Agent", "finley@demo.leadlight.app", Role::Agent),
    ("Harper Agent", "harper@demo.leadlight.app", Role::Agent),
    ("Jordan Agent", "jordan@demo.leadlight.app", Role::Agent),
];

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Mia",
    "Lucas",
    "Isabella",
    "Mateo",
    "Ava",
    "Levi",
    "Charlotte",
    "Ethan",
    "Luna",
    "Hiro",
    "Aiko",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Chloé",
    "Zoë",
    "Jürgen",
    "Søren",
    "Ingrid",
    "Marta",
    "Pablo",
    "Lucía",
    "Wei",
    "Mei",
    "Kwame",
    "Amara",
    "Tomás",
    "Nadia",
    "Ivan",
    "Yara",
    "Leila",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sánchez",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Nakamura",
    "Kowalski",
    "Müller",
    "Okafor",
    "Singh",
    "Chen",
    "Novak",
    "Rossi",
    "Dubois",
    "Larsen",
];
const COMPANIES: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Imports",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Oscorp",
    "Aperture",
    "Black Mesa",
    "Monarch",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Litware",
    "Adventure Works",
    "Blue Yonder",
    "Proseware",
    "Lucerne",
    "Margie's Travel",
    "Alpine Ski",
    "Coho Winery",
    "Fourth Coffee",
    "Wingtip Toys",
];
const SUFFIXES: &[&str] = &[
    "Ltd", "GmbH", "Inc", "LLC", "& Co", "Group", "Labs", "Partners",
];
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "proton.me",
    "yahoo.com",
    "icloud.com",
];
const TAGS: &[&str] = &[
    "vip",
    "enterprise",
    "smb",
    "newsletter",
    "trade-show",
    "partner",
    "hot",
    "cold",
    "renewal",
    "webinar",
];
const NOTES: &[&str] = &[
    "Asked for a quote for 25 seats; budget approved next quarter.",
    "Prefers email over calls. Decision maker is the COO.",
    "Met at the Berlin trade show, interested in the API.",
    "Currently on a competitor's contract until March.",
    "Wants a demo for the whole sales team.",
    "Price sensitive; mentioned a 10% discount from a competitor.",
    "Follow up after their board meeting.",
    "Referred by an existing customer, warm intro.",
];
const CALLS: &[&str] = &[
    "Intro call, walked through the pipeline view.",
    "Discussed pricing tiers and onboarding.",
    "Left a voicemail.",
    "Answered questions about data import.",
    "Negotiated contract length.",
];
const REMINDERS: &[&str] = &[
    "Call back about the quote",
    "Send the proposal",
    "Check in after the demo",
    "Ask about budget approval",
    "Follow up on the contract",
];

const DAY_MS: i64 = 86_400_000;
const SPAN_DAYS: i64 = 548;
const BATCH: u64 = 5_000;
const INSERT_CHUNK: usize = 500;

/// Fill an empty database with demo data; `progress(done, total)` is called
/// after each batch of leads.
pub fn generate(
    store: &Store,
    spec: DemoSpec,
    mut progress: impl FnMut(u64, u64),
) -> CoreResult<DemoSummary> {
    let now = store.now();
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let mut conn = store.connection()?;
    let conn: &mut SqliteConnection = &mut conn;
    let mut summary = DemoSummary::default();

    // One argon2 hash per account, each with its own salt, as real ones have.
    let hashes = DEMO_USERS
        .iter()
        .map(|_| crate::passwords::hash(DEMO_PASSWORD))
        .collect::<CoreResult<Vec<String>>>()?;
    let user_ids: Vec<(UserId, Role)> = conn.immediate_transaction(|conn| {
        let existing: i64 = users::table.count().get_result(conn)?;
        if existing > 0 {
            return Err(CoreError::Conflict(
                "demo data goes into an empty database; this one already has users".into(),
            ));
        }
        let start = Timestamp::from_millis(now.millis() - SPAN_DAYS * DAY_MS);
        let mut ids = Vec::new();
        for ((name, email, role), hash) in DEMO_USERS.iter().zip(&hashes) {
            let id = UserId::new();
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id),
                    users::name.eq(name),
                    users::email.eq(email),
                    users::password_hash.eq(hash),
                    users::role.eq(role),
                    users::created_at.eq(start),
                    users::updated_at.eq(start),
                ))
                .execute(conn)?;
            ids.push((id, *role));
        }
        Ok::<_, CoreError>(ids)
    })?;
    summary.users = user_ids.len() as u64;
    let agents: Vec<UserId> = user_ids
        .iter()
        .filter(|(_, r)| *r == Role::Agent)
        .map(|(id, _)| *id)
        .collect();

    // Bulk-load settings for this connection only; restored below.
    conn.batch_execute("PRAGMA cache_size = -200000;")?;
    let mut made = 0;
    while made < spec.leads {
        let count = BATCH.min(spec.leads - made);
        let batch = Batch::make(&mut rng, made, count, spec.leads, now, &agents);
        conn.immediate_transaction(|conn| batch.insert(conn))?;
        batch.add_to(&mut summary);
        made += count;
        progress(made, spec.leads);
    }
    // Planner statistics for the tables just filled, but only sqlite_stat1:
    // with sqlite_stat4 rows present, SQLite re-plans a statement on every
    // run whenever a bound value might change its plan, which was every
    // statement of opening a lead (found under load on the team server).
    conn.batch_execute("PRAGMA cache_size = -32000; PRAGMA optimize;")?;
    // The search index as a bulk load leaves it: one segment. Left as the
    // batches wrote it, its large segments sat on the low levels that every
    // later insert's incremental merging works through (a raw one-row
    // insert loop ran 10 s for 100,000 rows against 5-6 s after this).
    conn.batch_execute("INSERT INTO leads_fts (leads_fts) VALUES ('optimize');")?;
    let stat4: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat4')",
    ))
    .get_result(conn)?;
    if stat4 > 0 {
        conn.batch_execute("DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;")?;
    }
    Ok(summary)
}

/// One transaction's worth of rows, owned until inserted.
#[derive(Default)]
struct Batch {
    leads: Vec<NewLeadRow>,
    tags: Vec<(LeadId, &'static str, Timestamp)>,
    notes: Vec<NewNoteRow<'static>>,
    activities: Vec<(
        ActivityId,
        LeadId,
        Option<UserId>,
        ActivityKind,
        String,
        Timestamp,
    )>,
    /// (row, done_at, notified_at)
    reminders: Vec<(
        NewReminderRow<'static>,
        Option<Timestamp>,
        Option<Timestamp>,
    )>,
    /// (customer id, index of its lead in `leads`)
    customers: Vec<(CustomerId, usize)>,
}

/// The plain letter people type in an address for an accented one.
fn ascii_letter(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'å' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'ø' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Pick by weights summing to 100.
fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let mut roll = rng.random_range(0..100);
    for (item, weight) in items {
        if roll < *weight {
            return *item;
        }
        roll -= weight;
    }
    items[items.len() - 1].0
}

impl Batch {
    fn make(
        rng: &mut ChaCha8Rng,
        first: u64,
        count: u64,
        total: u64,
        now: Timestamp,
        agents: &[UserId],
    ) -> Self {
        let mut batch = Batch::default();
        let start = now.millis() - SPAN_DAYS * DAY_MS;
        for i in first..first + count {
            // More leads lately: the business grows (cumulative ~ t^1.4).
            let fraction = ((i as f64 + 0.5) / total as f64).powf(1.0 / 1.4);
            // Days vary as real ones do: up to a day and a half either way,
            // and half of the weekend's leads arrive on the Friday before.
            let jitter = rng.random_range(-36 * 3_600_000..36 * 3_600_000);
            let mut created = start + (fraction * (SPAN_DAYS * DAY_MS) as f64) as i64 + jitter;
            let weekday = (created.div_euclid(DAY_MS) + 4).rem_euclid(7); // 0 = Sunday
            if (weekday == 0 || weekday == 6) && rng.random_bool(0.5) {
                created -= if weekday == 6 { DAY_MS } else { 2 * DAY_MS };
            }
            let created = created.clamp(start, now.millis() - 60_000);
            batch.lead(rng, Timestamp::from_millis(created), now, agents);
        }
        batch
    }

    fn lead(
        &mut self,
        rng: &mut ChaCha8Rng,
        created: Timestamp,
        now: Timestamp,
        agents: &[UserId],
    ) {
        use LeadStatus::*;
        let id = LeadId::new();
        let first = pick(rng, FIRST);
        let last = pick(rng, LAST);
        let company = rng
            .random_bool(0.85)
            .then(|| format!("{} {}", pick(rng, COMPANIES), pick(rng, SUFFIXES)));
        let local: String = format!("{first}.{last}")
            .to_lowercase()
            .chars()
            .map(ascii_letter)
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let domain = match &company {
            Some(c) if rng.random_bool(0.7) => {
                let word: String = c
                    .split_whitespace()
                    .next()
                    .unwrap_or("mail")
                    .to_lowercase()
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                format!("{word}.com")
            }
            _ => pick(rng, FREE_MAIL).to_owned(),
        };
        let email = rng
            .random_bool(0.9)
            .then(|| format!("{local}{}@{domain}", rng.random_range(1..100)));
        let digits = format!(
            "1555{:03}{:04}",
            rng.random_range(0..1000),
            rng.random_range(0..10000)
        );
        let phone = rng
            .random_bool(0.8)
            .then(|| format!("+1 (555) {}-{}", &digits[4..7], &digits[7..]));
        let source = weighted(
            rng,
            &[
                (LeadSource::Website, 40),
                (LeadSource::Referral, 20),
                (LeadSource::Ad, 25),
                (LeadSource::Other, 15),
            ],
        );
        let age_days = (now.millis() - created.millis()) / DAY_MS;
        let status = if age_days > 60 {
            weighted(
                rng,
                &[
                    (New, 5),
                    (Contacted, 10),
                    (Qualified, 15),
                    (Converted, 35),
                    (Lost, 35),
                ],
            )
        } else if age_days > 14 {
            weighted(
                rng,
                &[
                    (New, 15),
                    (Contacted, 25),
                    (Qualified, 25),
                    (Converted, 20),
                    (Lost, 15),
                ],
            )
        } else {
            weighted(
                rng,
                &[
                    (New, 50),
                    (Contacted, 30),
                    (Qualified, 15),
                    (Converted, 3),
                    (Lost, 2),
                ],
            )
        };
        let unclaimed = status == New && age_days < 30 && rng.random_bool(0.3);
        let owner = (!unclaimed).then(|| pick(rng, agents));

        // The path through the pipeline, spread between creation and now.
        let path: &[LeadStatus] = match status {
            New => &[],
            Contacted => &[Contacted],
            Qualified => &[Contacted, Qualified],
            Converted => &[Contacted, Qualified, Converted],
            Lost => match rng.random_range(0..3) {
                0 => &[Lost],
                1 => &[Contacted, Lost],
                _ => &[Contacted, Qualified, Lost],
            },
        };
        let horizon = (now.millis() - created.millis()).clamp(1, 60 * DAY_MS);
        let step_span = (horizon / (path.len() as i64 + 1)).max(1);
        let mut at = created.millis();
        let mut from = New;
        let (mut converted_at, mut lost_at) = (None, None);
        for step in path {
            at = (at + rng.random_range(1..=step_span)).min(now.millis() - 1);
            let when = Timestamp::from_millis(at);
            if *step == Converted {
                let customer = CustomerId::new();
                self.customers.push((customer, self.leads.len()));
                let detail =
                    format!(r#"{{"from":"{from}","to":"converted","customer_id":"{customer}"}}"#);
                self.activity(id, owner, ActivityKind::Converted, detail, when);
                converted_at = Some(when);
            } else {
                let detail = format!(r#"{{"from":"{from}","to":"{step}"}}"#);
                self.activity(id, owner, ActivityKind::StatusChanged, detail, when);
                if *step == Lost {
                    lost_at = Some(when);
                }
            }
            from = *step;
        }
        for _ in 0..rng.random_range(0..3) {
            let kind = weighted(
                rng,
                &[
                    (ActivityKind::Call, 50),
                    (ActivityKind::Email, 35),
                    (ActivityKind::Meeting, 15),
                ],
            );
            let when = Timestamp::from_millis(created.millis() + rng.random_range(0..horizon));
            let detail = serde_json::json!({ "summary": pick(rng, CALLS) }).to_string();
            self.activity(id, owner, kind, detail, when);
        }
        if rng.random_bool(0.4) {
            let when = Timestamp::from_millis(created.millis() + rng.random_range(0..horizon));
            self.notes.push(NewNoteRow {
                id: NoteId::new(),
                lead_id: id,
                author_id: owner,
                body: pick(rng, NOTES),
                created_at: when,
                updated_at: when,
            });
        }
        if let Some(owner) = owner.filter(|_| matches!(status, New | Contacted | Qualified))
            && rng.random_bool(0.35)
        {
            let due =
                Timestamp::from_millis(now.millis() + rng.random_range(-10 * DAY_MS..20 * DAY_MS));
            let past = due < now;
            let done = (past && rng.random_bool(0.7)).then_some(due);
            self.reminders.push((
                NewReminderRow {
                    id: ReminderId::new(),
                    lead_id: id,
                    owner_id: owner,
                    due_at: due,
                    message: pick(rng, REMINDERS),
                    created_at: created,
                    updated_at: created,
                },
                done,
                past.then_some(due),
            ));
        }
        let tag_count = weighted(rng, &[(0usize, 55), (1, 35), (2, 10)]);
        let mut chosen: Vec<&'static str> = Vec::new();
        for _ in 0..tag_count {
            let tag = pick(rng, TAGS);
            if !chosen.contains(&tag) {
                chosen.push(tag);
                self.tags.push((id, tag, created));
            }
        }
        self.leads.push(NewLeadRow {
            id,
            name: format!("{first} {last}"),
            email,
            phone_digits: phone.as_ref().map(|_| digits),
            phone,
            company,
            source,
            status,
            owner_id: owner,
            claimed_at: None,
            converted_at,
            lost_at,
            import_batch_id: None,
            created_at: created,
            updated_at: Timestamp::from_millis(at),
            // The unclaimed came in through the web form; the rest were
            // typed in by their owner.
            created_by: owner,
            created_via: Some(if owner.is_some() {
                LeadOrigin::App
            } else {
                LeadOrigin::WebForm
            }),
        });
    }

    fn activity(
        &mut self,
        lead: LeadId,
        actor: Option<UserId>,
        kind: ActivityKind,
        detail: String,
        at: Timestamp,
    ) {
        self.activities
            .push((ActivityId::new(), lead, actor, kind, detail, at));
    }

    fn insert(&self, conn: &mut SqliteConnection) -> CoreResult<()> {
        for chunk in self.leads.chunks(INSERT_CHUNK) {
            diesel::insert_into(leads::table)
                .values(chunk)
                .execute(conn)?;
        }
        for chunk in self.tags.chunks(INSERT_CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(lead, tag, at)| {
                    (
                        lead_tags::lead_id.eq(*lead),
                        lead_tags::tag.eq(*tag),
                        lead_tags::created_at.eq(*at),
                        lead_tags::updated_at.eq(*at),
                    )
                })
                .collect();
            diesel::insert_into(lead_tags::table)
                .values(rows)
                .execute(conn)?;
        }
        for chunk in self.notes.chunks(INSERT_CHUNK) {
            diesel::insert_into(notes::table)
                .values(chunk)
                .execute(conn)?;
        }
        for chunk in self.activities.chunks(INSERT_CHUNK) {
            let rows: Vec<NewActivityRow<'_>> = chunk
                .iter()
                .map(|(id, lead, actor, kind, detail, at)| NewActivityRow {
                    id: *id,
                    lead_id: *lead,
                    actor_id: *actor,
                    kind: *kind,
                    detail,
                    at: *at,
                    created_at: *at,
                    updated_at: *at,
                })
                .collect();
            diesel::insert_into(activities::table)
                .values(rows)
                .execute(conn)?;
        }
        for chunk in self.reminders.chunks(INSERT_CHUNK) {
            diesel::insert_into(reminders::table)
                .values(chunk.iter().map(|(r, _, _)| r).collect::<Vec<_>>())
                .execute(conn)?;
            for (row, done, notified) in chunk.iter().filter(|(_, d, n)| d.is_some() || n.is_some())
            {
                diesel::update(reminders::table.filter(reminders::id.eq(row.id)))
                    .set((
                        reminders::done_at.eq(done),
                        reminders::notified_at.eq(notified),
                    ))
                    .execute(conn)?;
            }
        }
        for (customer, index) in &self.customers {
            let lead = &self.leads[*index];
            let at = lead.converted_at.unwrap_or(lead.updated_at);
            diesel::insert_into(customers::table)
                .values((
                    customers::id.eq(customer),
                    customers::lead_id.eq(lead.id),
                    customers::name.eq(&lead.name),
                    customers::email.eq(&lead.email),
                    customers::phone.eq(&lead.phone),
                    customers::company.eq(&lead.company),
                    customers::owner_id.eq(lead.owner_id),
                    customers::created_at.eq(at),
                    customers::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    fn add_to(&self, summary: &mut DemoSummary) {
        summary.leads += self.leads.len() as u64;
        summary.notes += self.notes.len() as u64;
        summary.activities += self.activities.len() as u64;
        summary.reminders += self.reminders.len() as u64;
        summary.customers += self.customers.len() as u64;
    }
}
