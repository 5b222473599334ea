//! Leads: the people a team is trying to win, their pipeline status, tags and
//! owner. Every change here writes its activity and journal rows in the same
//! transaction.

pub(crate) mod access;
pub(crate) mod matches;
mod phone_terms;
mod readahead;
mod search;

pub(crate) use search::for_each_match;

pub use search::{LeadQuery, LeadSort, OwnerFilter, SortOrder, explain, match_expression};

use crate::Store;
use crate::activity::{self, Activity, ActivityKind};
use crate::actor::Actor;
use crate::customers::{self, Customer};
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, ContactEdits, Page, PageRequest};
use crate::ids::{LeadId, UserId};
use crate::journal::{self, Entity, Op};
use crate::notes::{self, Note};
use crate::reminders::{self, Reminder};
use crate::schema::{lead_tags, leads, users};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// The SQL functions search and the import call, on every connection when
/// it opens (`store::ConnectionSetup`).
pub(crate) fn register_sql_functions(conn: &mut SqliteConnection) -> QueryResult<()> {
    matches::register(conn)?;
    phone_terms::register(conn)
}

text_enum!(
    /// Where a lead stands in the pipeline, in pipeline order.
    LeadStatus, "lead status" {
        New => "new",
        Contacted => "contacted",
        Qualified => "qualified",
        Converted => "converted",
        Lost => "lost",
    }
);

text_enum!(
    /// Where a lead came from.
    LeadSource, "lead source" {
        Website => "website",
        Referral => "referral",
        Ad => "ad",
        Other => "other",
    }
);

text_enum!(
    /// How a lead came in: typed in the app, sent through the public enquiry
    /// form, or imported from a file. Its timeline opens with this.
    LeadOrigin, "lead origin" {
        App => "app",
        WebForm => "web_form",
        Import => "import",
    }
);

pub(crate) const NAME_MAX: usize = ContactEdits::NAME_MAX;
pub(crate) const COMPANY_MAX: usize = ContactEdits::COMPANY_MAX;
pub(crate) const MAX_TAGS: usize = 20;

/// A lead as the UI and the API see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub tags: Vec<String>,
    pub owner_id: Option<UserId>,
    pub owner_name: Option<String>,
    pub claimed_at: Option<Timestamp>,
    pub converted_at: Option<Timestamp>,
    pub lost_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

/// A lead's row as stored, tombstone included: what the services read, and
/// what sync carries whole (as `LeadRecord`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize, Deserialize)]
#[diesel(table_name = leads)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LeadRecord))]
pub struct LeadRow {
    pub id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub owner_id: Option<UserId>,
    pub claimed_at: Option<Timestamp>,
    pub converted_at: Option<Timestamp>,
    pub lost_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Who made the lead; none for an enquiry from the web form.
    #[serde(default)]
    pub created_by: Option<UserId>,
    /// How it came in. None for a lead made before this was kept on the
    /// lead: its creation is an activity row instead (see [`crate::activity`]).
    #[serde(default)]
    pub created_via: Option<LeadOrigin>,
}

impl LeadRow {
    /// A lead with nothing set yet (what a record arriving by sync is
    /// checked against).
    pub(crate) fn blank(id: LeadId, now: Timestamp) -> Self {
        Self {
            id,
            name: String::new(),
            email: None,
            phone: None,
            company: None,
            source: LeadSource::Other,
            status: LeadStatus::New,
            owner_id: None,
            claimed_at: None,
            converted_at: None,
            lost_at: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
            created_by: None,
            created_via: None,
        }
    }
}

#[derive(Insertable, Serialize)]
#[diesel(table_name = leads)]
// None is NULL, not the column's default (the columns have none): rows with
// a default can't share one multi-row INSERT in SQLite, so diesel would
// insert them one by one.
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewLeadRow {
    pub id: LeadId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    // Not in the journal (this struct's JSON is the insert's entry): sync
    // derives the digits from the phone, and import batches stay local.
    #[serde(skip)]
    pub phone_digits: Option<String>,
    pub company: Option<String>,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub owner_id: Option<UserId>,
    pub claimed_at: Option<Timestamp>,
    pub converted_at: Option<Timestamp>,
    pub lost_at: Option<Timestamp>,
    #[serde(skip)]
    pub import_batch_id: Option<crate::ids::ImportBatchId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub created_by: Option<UserId>,
    pub created_via: Option<LeadOrigin>,
}

/// Every column a lead mutation may set; `None` leaves a column alone.
#[derive(Debug, Default, AsChangeset, Serialize)]
#[diesel(table_name = leads)]
pub(crate) struct LeadChanges {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Option<String>>,
    #[serde(skip)]
    pub phone_digits: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<LeadSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Option<UserId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_at: Option<Option<Timestamp>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Option<Timestamp>>,
    pub updated_at: Option<Timestamp>,
}

/// Apply `changes` to a lead and journal exactly those fields.
pub(crate) fn apply_changes(
    conn: &mut SqliteConnection,
    id: LeadId,
    changes: &LeadChanges,
    op: Op,
    actor: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::update(leads::table.filter(leads::id.eq(id)))
        .set(changes)
        .execute(conn)?;
    journal::record(conn, Entity::Lead, &id.to_string(), op, changes, actor, now)
}

/// Bump `updated_at` (something was logged on the lead), journalled like any
/// other change to the lead.
pub(crate) fn touch(
    conn: &mut SqliteConnection,
    id: LeadId,
    actor: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    let changes = LeadChanges {
        updated_at: Some(now),
        ..Default::default()
    };
    apply_changes(conn, id, &changes, Op::Update, actor, now)
}

/// Input for a new lead, as typed into a form.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLead {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// website, referral, ad or other (default other).
    pub source: Option<String>,
    /// new, contacted or qualified (default new); converting and losing have
    /// their own operations.
    pub status: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Managers and Admins may create a lead for someone else; otherwise the
    /// creator owns it.
    pub owner_id: Option<UserId>,
}

/// A partial edit: absent fields stay as they are; `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::fields::present")]
    pub company: Option<Option<String>>,
    pub source: Option<String>,
}

/// A lead with what its page shows: notes, the latest activities, reminders.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadDetail {
    pub lead: Lead,
    pub notes: Vec<Note>,
    pub activities: Vec<Activity>,
    pub reminders: Vec<Reminder>,
    pub customer: Option<Customer>,
}

fn parse_tags(problems: &mut Problems, raw: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for text in raw {
        if let Some(tag) = problems.check("tags", fields::tag(text))
            && !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag))
        {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        problems.add("tags", format!("a lead can have at most {MAX_TAGS} tags"));
    }
    tags
}

pub(crate) fn check_owner(conn: &mut SqliteConnection, owner: UserId) -> CoreResult<()> {
    owner_name(conn, owner).map(drop)
}

/// The name of an active user who may own leads.
fn owner_name(conn: &mut SqliteConnection, owner: UserId) -> CoreResult<String> {
    users::table
        .filter(users::id.eq(owner))
        .filter(users::deleted_at.is_null())
        .filter(users::deactivated_at.is_null())
        .select(users::name)
        .first(conn)
        .optional()?
        .ok_or_else(|| CoreError::invalid("owner_id", "no active user has this id"))
}

/// Create a lead owned by the actor (or, for Managers and Admins, by `owner_id`).
pub fn create(store: &Store, actor: &Actor, input: NewLead) -> CoreResult<Lead> {
    let mut problems = Problems::new();
    let name = problems.check("name", fields::required_text(&input.name, NAME_MAX));
    let email = problems.check("email", fields::optional_email(input.email.as_deref()));
    let phone = problems.check("phone", fields::optional_phone(input.phone.as_deref()));
    let company = problems.check(
        "company",
        fields::optional_text(input.company.as_deref(), COMPANY_MAX),
    );
    let source = match input
        .source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => problems.check("source", text.parse::<LeadSource>()),
        None => Some(LeadSource::Other),
    };
    let status = match input
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => problems.check(
            "status",
            text.parse::<LeadStatus>().and_then(|s| match s {
                LeadStatus::Converted | LeadStatus::Lost => Err(format!(
                    "a new lead cannot start as {s}; create it, then convert it or mark it lost"
                )),
                other => Ok(other),
            }),
        ),
        None => Some(LeadStatus::New),
    };
    let tags = parse_tags(&mut problems, &input.tags);
    problems.finish()?;
    let (Some(name), Some(email), Some(phone), Some(company), Some(source), Some(status)) =
        (name, email, phone, company, source, status)
    else {
        return Err(CoreError::internal("validation passed without values"));
    };
    let owner = match input.owner_id {
        Some(owner) if owner != actor.user_id && !actor.sees_everything() => {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can create a lead for someone else".into(),
            ));
        }
        Some(owner) => owner,
        None => actor.user_id,
    };
    let now = store.now();
    store.write(|conn| {
        let owner_name = owner_name(conn, owner)?;
        let row = NewLeadRow {
            id: LeadId::new(),
            name,
            email,
            phone: phone.as_ref().map(|p| p.display.clone()),
            phone_digits: phone.map(|p| p.digits),
            company,
            source,
            status,
            owner_id: Some(owner),
            claimed_at: None,
            converted_at: None,
            lost_at: None,
            import_batch_id: None,
            created_at: now,
            updated_at: now,
            created_by: Some(actor.user_id),
            created_via: Some(LeadOrigin::App),
        };
        insert(conn, &row, &tags, Some(actor.user_id), now)?;
        // Everything the answer holds is in hand: no need to read it back.
        let mut tags = tags;
        tags.sort_by_key(|t| t.to_ascii_lowercase()); // as COLLATE NOCASE orders them
        Ok(Lead {
            id: row.id,
            name: row.name,
            email: row.email,
            phone: row.phone,
            company: row.company,
            source: row.source,
            status: row.status,
            tags,
            owner_id: row.owner_id,
            owner_name: Some(owner_name),
            claimed_at: None,
            converted_at: None,
            lost_at: None,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        })
    })
}

/// Insert a lead row with its tags and journal entries. Its creation needs no
/// activity row: the row says who made it, when and how.
pub(crate) fn insert(
    conn: &mut SqliteConnection,
    row: &NewLeadRow,
    tags: &[String],
    actor: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::insert_into(leads::table)
        .values(row)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Lead,
        &row.id.to_string(),
        Op::Insert,
        row,
        actor,
        now,
    )?;
    put_tags(conn, row.id, tags, actor, now)?;
    Ok(())
}

/// Put each of `tags` on a new lead.
pub(crate) fn put_tags(
    conn: &mut SqliteConnection,
    id: LeadId,
    tags: &[String],
    actor: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    for tag in tags {
        put_tag(conn, id, tag, actor, now)?;
    }
    Ok(())
}

/// Leads per multi-row INSERT (17 values each, well under SQLite's limit of
/// 32,766 bound values). A chunk of exactly this many is an array, whose
/// statement diesel prepares once and keeps (its type says how many rows);
/// a statement built as text was parsed again for every chunk, 8,500
/// placeholders each time.
const ROWS_PER_INSERT: usize = 500;

/// Insert many leads' rows, several per statement; the caller then records
/// each (journal, activity). Why not one statement per lead: diesel's work
/// per statement made a 100,000-row import's rows take twice as long (and
/// before migration 000008, FTS5 wrote an index segment per statement).
pub(crate) fn insert_rows(conn: &mut SqliteConnection, rows: &[NewLeadRow]) -> CoreResult<()> {
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        match <&[NewLeadRow; ROWS_PER_INSERT]>::try_from(chunk) {
            Ok(full) => diesel::insert_into(leads::table)
                .values(full)
                .execute(conn)?,
            Err(_) => diesel::insert_into(leads::table)
                .values(chunk)
                .execute(conn)?,
        };
    }
    Ok(())
}

/// Index the leads of an import (search and dashboard summaries), once all
/// its rows are written: the search index in one statement, the summaries
/// counted from `rows`, the import's new leads. The insert triggers skip
/// rows with an import batch (migration 000008): row by row, FTS5 wrote a
/// segment per insert statement and the summaries took three upserts per
/// lead.
///
/// FTS5 writes what it has gathered as a new segment of the index whenever
/// a statement ends or its memory reaches `hashsize`, and merges segments as
/// they arrive (`automerge`). For this statement both are set aside: merging
/// paused (rows indexed in parts were rewritten again and again: 1.3 s of a
/// 100,000-row import at 1 M leads), and 32 MB of memory instead of 1 MB, so
/// 100,000 leads make one segment (indexed in slices of 5,000 they made 11,
/// at 0.77-0.90 s against 0.63-0.73 s). Later writes' merging folds the new
/// segment in, unless FTS5's own limit of 16 segments a level (which still
/// applies) does it at once: writing a segment moves every smaller one from
/// the levels above down beside it, so after many creates (28 small
/// segments after 20,000) the import rewrites its segment with theirs,
/// +0.15-0.3 s at 1 M leads. The settings live in the index's config table,
/// so they are read, set and put back in the import's transaction: a failed
/// import leaves them as they were.
pub(crate) fn index_imported(
    conn: &mut SqliteConnection,
    batch: crate::ids::ImportBatchId,
    rows: &[NewLeadRow],
) -> CoreResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    // Each setting, its value here, and FTS5's own where the config table
    // has no row for it (migration 000017 sets automerge to 8).
    const SETTINGS: [(&str, i64, i64); 2] = [("automerge", 0, 4), ("hashsize", 32 << 20, 1 << 20)];
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Nullable<BigInt>)]
        v: Option<i64>,
    }
    let set = |conn: &mut SqliteConnection, name: &str, value: i64| -> CoreResult<()> {
        diesel::sql_query("INSERT INTO leads_fts (leads_fts, rank) VALUES (?1, ?2)")
            .bind::<Text, _>(name)
            .bind::<BigInt, _>(value)
            .execute(conn)?;
        Ok(())
    };
    let mut found = Vec::with_capacity(SETTINGS.len());
    for (name, value, default) in SETTINGS {
        let was = diesel::sql_query("SELECT (SELECT v FROM leads_fts_config WHERE k = ?1) AS v")
            .bind::<Text, _>(name)
            .get_result::<Setting>(conn)?
            .v
            .unwrap_or(default);
        found.push((name, was));
        set(conn, name, value)?;
    }
    diesel::sql_query(
        "INSERT INTO leads_fts (rowid, name, email, company, phone) \
         SELECT seq, name, email, company, leadlight_phone_terms(phone_digits) \
         FROM leads WHERE import_batch_id = ?1 AND deleted_at IS NULL",
    )
    .bind::<Text, _>(batch.to_string())
    .execute(conn)?;
    add_to_summaries(conn, rows)?;
    for (name, was) in found {
        set(conn, name, was)?;
    }
    Ok(())
}

/// Count an import's new leads into the dashboard's summaries, as the
/// insert triggers (which skip them) count a lead: by owner, status and
/// source, and by kind of event, owner (and all owners, `*`) and hour.
/// Counted here from the rows in memory, a few upserts; read back from the
/// table in SQL they were a pass over the rows for each summary table
/// (0.07-0.1 s each for 100,000 at 1 M leads).
fn add_to_summaries(conn: &mut SqliteConnection, rows: &[NewLeadRow]) -> CoreResult<()> {
    use crate::schema::{lead_events_hourly as events, lead_totals as totals};
    use diesel::upsert::excluded;
    const HOUR_MS: i64 = 3_600_000;
    let mut by_status: HashMap<(Option<UserId>, LeadStatus, LeadSource), i64> = HashMap::new();
    let mut by_hour: HashMap<(&str, Option<UserId>, i64), i64> = HashMap::new();
    for row in rows {
        *by_status
            .entry((row.owner_id, row.status, row.source))
            .or_default() += 1;
        let happened = [
            ("created", Some(row.created_at)),
            ("converted", row.converted_at),
            ("lost", row.lost_at),
        ];
        for (kind, at) in happened {
            if let Some(at) = at {
                *by_hour
                    .entry((kind, row.owner_id, at.millis() / HOUR_MS))
                    .or_default() += 1;
            }
        }
    }
    // `*` stands for all owners; a lead with none counts under ''.
    let owner_key = |owner: Option<UserId>| owner.map(|u| u.to_string()).unwrap_or_default();
    let mut hours: HashMap<(&str, String, i64), i64> = HashMap::new();
    for ((kind, owner, hour), n) in by_hour {
        *hours.entry((kind, owner_key(owner), hour)).or_default() += n;
        *hours.entry((kind, "*".to_owned(), hour)).or_default() += n;
    }
    for ((owner, status, source), n) in by_status {
        diesel::insert_into(totals::table)
            .values((
                totals::owner_key.eq(owner_key(owner)),
                totals::status.eq(status.as_str()),
                totals::source.eq(source.as_str()),
                totals::n.eq(n),
            ))
            .on_conflict((totals::owner_key, totals::status, totals::source))
            .do_update()
            .set(totals::n.eq(totals::n + excluded(totals::n)))
            .execute(conn)?;
    }
    for ((kind, owner_key, hour), n) in hours {
        diesel::insert_into(events::table)
            .values((
                events::kind.eq(kind),
                events::owner_key.eq(owner_key),
                events::hour.eq(hour),
                events::n.eq(n),
            ))
            .on_conflict((events::kind, events::owner_key, events::hour))
            .do_update()
            .set(events::n.eq(events::n + excluded(events::n)))
            .execute(conn)?;
    }
    Ok(())
}

/// A lead the actor may see.
pub fn get(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<Lead> {
    store.read(|conn| {
        access::visible_lead(conn, actor, id)?;
        load(conn, id)
    })
}

/// A lead with its notes, latest 50 activities, reminders and customer record.
pub fn open(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<LeadDetail> {
    store.read(|conn| {
        let row = access::visible_lead(conn, actor, id)?;
        let lead = hydrate(conn, vec![row])?.remove(0);
        Ok(LeadDetail {
            notes: notes::for_lead(conn, id)?,
            activities: activity::latest_for_lead(conn, id, PageRequest::new(1, 50))?,
            reminders: reminders::for_lead(conn, actor, id)?,
            customer: customers::for_lead(conn, id)?,
            lead,
        })
    })
}

pub(crate) fn load(conn: &mut SqliteConnection, id: LeadId) -> CoreResult<Lead> {
    let row = leads::table
        .filter(leads::id.eq(id))
        .select(LeadRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("lead"))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

/// Attach tags and owner names to rows, keeping their order.
pub(crate) fn hydrate(conn: &mut SqliteConnection, rows: Vec<LeadRow>) -> CoreResult<Vec<Lead>> {
    let ids: Vec<LeadId> = rows.iter().map(|r| r.id).collect();
    let mut tags: BTreeMap<LeadId, Vec<String>> = BTreeMap::new();
    if !ids.is_empty() {
        // One lead by `=`: prepared once per connection (see `users::names`).
        let query = match ids.as_slice() {
            [one] => lead_tags::table
                .filter(lead_tags::lead_id.eq(*one))
                .into_boxed(),
            _ => lead_tags::table
                .filter(lead_tags::lead_id.eq_any(&ids))
                .into_boxed(),
        };
        for (lead_id, tag) in query
            .filter(lead_tags::deleted_at.is_null())
            .order((lead_tags::lead_id, lead_tags::tag))
            .select((lead_tags::lead_id, lead_tags::tag))
            .load::<(LeadId, String)>(conn)?
        {
            tags.entry(lead_id).or_default().push(tag);
        }
    }
    let names = crate::users::names(conn, rows.iter().filter_map(|r| r.owner_id))?;
    Ok(rows
        .into_iter()
        .map(|r| Lead {
            tags: tags.remove(&r.id).unwrap_or_default(),
            owner_name: r.owner_id.and_then(|o| names.get(&o).cloned()),
            id: r.id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            company: r.company,
            source: r.source,
            status: r.status,
            owner_id: r.owner_id,
            claimed_at: r.claimed_at,
            converted_at: r.converted_at,
            lost_at: r.lost_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
        })
        .collect())
}

/// Edit a lead's details. Only fields that really change are written and
/// recorded (`updated` activity with each field's old and new value).
pub fn update(store: &Store, actor: &Actor, id: LeadId, patch: LeadPatch) -> CoreResult<Lead> {
    let mut problems = Problems::new();
    let contact = ContactEdits::parse(
        &mut problems,
        patch.name.as_deref(),
        patch.email.as_ref().map(Option::as_deref),
        patch.phone.as_ref().map(Option::as_deref),
        patch.company.as_ref().map(Option::as_deref),
    );
    let source = patch
        .source
        .as_deref()
        .and_then(|s| problems.check("source", s.parse::<LeadSource>()));
    problems.finish()?;

    let now = store.now();
    store.write(|conn| {
        let current = access::visible_lead(conn, actor, id)?;
        let mut changed = Map::new();
        let mut changes = LeadChanges::default();
        let mut note = |field: &str, from: Value, to: Value| {
            changed.insert(field.to_owned(), json!({ "from": from, "to": to }));
        };
        let ContactEdits {
            name,
            email,
            phone,
            company,
        } = contact;
        if let Some(name) = name.filter(|n| *n != current.name) {
            note("name", json!(current.name), json!(name));
            changes.name = Some(name);
        }
        if let Some(email) = email.filter(|e| *e != current.email) {
            note("email", json!(current.email), json!(email));
            changes.email = Some(email);
        }
        if let Some(phone) =
            phone.filter(|p| p.as_ref().map(|p| &p.display) != current.phone.as_ref())
        {
            let display = phone.as_ref().map(|p| p.display.clone());
            note("phone", json!(current.phone), json!(display));
            changes.phone_digits = Some(phone.map(|p| p.digits));
            changes.phone = Some(display);
        }
        if let Some(company) = company.filter(|c| *c != current.company) {
            note("company", json!(current.company), json!(company));
            changes.company = Some(company);
        }
        if let Some(source) = source.filter(|s| *s != current.source) {
            note("source", json!(current.source), json!(source));
            changes.source = Some(source);
        }
        if changed.is_empty() {
            return load(conn, id);
        }
        changes.updated_at = Some(now);
        apply_changes(conn, id, &changes, Op::Update, Some(actor.user_id), now)?;
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::Updated,
            json!({ "changes": changed }),
            now,
            now,
        )?;
        load(conn, id)
    })
}

/// Move a lead along the pipeline. Moving to `converted` converts it (a
/// customer record appears); moving away from `converted` retires that record.
pub fn change_status(store: &Store, actor: &Actor, id: LeadId, status: &str) -> CoreResult<Lead> {
    let status = status
        .parse::<LeadStatus>()
        .map_err(|m| CoreError::invalid("status", m))?;
    let now = store.now();
    store.write(|conn| {
        let current = access::visible_lead(conn, actor, id)?;
        set_status(conn, actor, &current, status, now)?;
        load(conn, id)
    })
}

/// Convert a lead into a customer; a lead converts once.
pub fn convert(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<Customer> {
    let now = store.now();
    store.write(|conn| {
        let current = access::visible_lead(conn, actor, id)?;
        if current.status == LeadStatus::Converted {
            return Err(CoreError::Conflict(format!(
                "{} is already converted",
                current.name
            )));
        }
        set_status(conn, actor, &current, LeadStatus::Converted, now)?;
        customers::for_lead(conn, id)?
            .ok_or_else(|| CoreError::internal("a converted lead has no customer"))
    })
}

fn set_status(
    conn: &mut SqliteConnection,
    actor: &Actor,
    current: &LeadRow,
    status: LeadStatus,
    now: Timestamp,
) -> CoreResult<()> {
    if current.status == status {
        return Ok(());
    }
    let mut changes = LeadChanges {
        status: Some(status),
        updated_at: Some(now),
        ..Default::default()
    };
    match status {
        LeadStatus::Converted => changes.converted_at = Some(Some(now)),
        LeadStatus::Lost => changes.lost_at = Some(Some(now)),
        _ => {}
    }
    match current.status {
        LeadStatus::Converted => changes.converted_at = Some(None),
        LeadStatus::Lost => changes.lost_at = Some(None),
        _ => {}
    }
    apply_changes(
        conn,
        current.id,
        &changes,
        Op::Update,
        Some(actor.user_id),
        now,
    )?;
    let from = current.status;
    if status == LeadStatus::Converted {
        let customer = customers::create_for_lead(conn, actor, current, now)?;
        activity::record(
            conn,
            current.id,
            Some(actor.user_id),
            ActivityKind::Converted,
            json!({ "from": from, "to": status, "customer_id": customer }),
            now,
            now,
        )?;
    } else {
        if from == LeadStatus::Converted {
            customers::retire_for_lead(conn, actor, current.id, now)?;
        }
        activity::record(
            conn,
            current.id,
            Some(actor.user_id),
            ActivityKind::StatusChanged,
            json!({ "from": from, "to": status }),
            now,
            now,
        )?;
    }
    Ok(())
}

/// Add tags to a lead (existing ones are kept; case does not make a new tag).
pub fn add_tags(store: &Store, actor: &Actor, id: LeadId, tags: Vec<String>) -> CoreResult<Lead> {
    let mut problems = Problems::new();
    let tags = parse_tags(&mut problems, &tags);
    if tags.is_empty() {
        problems.add("tags", "give at least one tag");
    }
    problems.finish()?;
    let now = store.now();
    store.write(|conn| {
        access::visible_lead(conn, actor, id)?;
        let existing = live_tags(conn, id)?;
        let added: Vec<&String> = tags
            .iter()
            .filter(|t| !existing.iter().any(|e| e.eq_ignore_ascii_case(t)))
            .collect();
        if added.is_empty() {
            return load(conn, id);
        }
        if existing.len() + added.len() > MAX_TAGS {
            return Err(CoreError::invalid(
                "tags",
                format!("a lead can have at most {MAX_TAGS} tags"),
            ));
        }
        for tag in &added {
            put_tag(conn, id, tag, Some(actor.user_id), now)?;
        }
        touch(conn, id, Some(actor.user_id), now)?;
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::Updated,
            json!({ "tags_added": added }),
            now,
            now,
        )?;
        load(conn, id)
    })
}

/// Remove a tag from a lead.
pub fn remove_tag(store: &Store, actor: &Actor, id: LeadId, tag: &str) -> CoreResult<Lead> {
    let tag = fields::tag(tag).map_err(|m| CoreError::invalid("tag", m))?;
    let now = store.now();
    store.write(|conn| {
        access::visible_lead(conn, actor, id)?;
        let removed = diesel::update(
            lead_tags::table
                .filter(lead_tags::lead_id.eq(id))
                .filter(lead_tags::tag.eq(&tag))
                .filter(lead_tags::deleted_at.is_null()),
        )
        .set((lead_tags::deleted_at.eq(now), lead_tags::updated_at.eq(now)))
        .execute(conn)?;
        if removed == 0 {
            return Err(CoreError::not_found("tag"));
        }
        journal::record(
            conn,
            Entity::LeadTag,
            &format!("{id}/{}", tag.to_lowercase()),
            Op::Delete,
            &json!({ "lead_id": id, "tag": tag }),
            Some(actor.user_id),
            now,
        )?;
        touch(conn, id, Some(actor.user_id), now)?;
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::Updated,
            json!({ "tags_removed": [tag] }),
            now,
            now,
        )?;
        load(conn, id)
    })
}

fn live_tags(conn: &mut SqliteConnection, id: LeadId) -> CoreResult<Vec<String>> {
    Ok(lead_tags::table
        .filter(lead_tags::lead_id.eq(id))
        .filter(lead_tags::deleted_at.is_null())
        .select(lead_tags::tag)
        .load(conn)?)
}

/// Insert a tag, or revive its tombstone.
fn put_tag(
    conn: &mut SqliteConnection,
    id: LeadId,
    tag: &str,
    actor: Option<UserId>,
    now: Timestamp,
) -> CoreResult<()> {
    diesel::insert_into(lead_tags::table)
        .values((
            lead_tags::lead_id.eq(id),
            lead_tags::tag.eq(tag),
            lead_tags::created_at.eq(now),
            lead_tags::updated_at.eq(now),
        ))
        .on_conflict((lead_tags::lead_id, lead_tags::tag))
        .do_update()
        .set((
            lead_tags::tag.eq(tag),
            lead_tags::deleted_at.eq(None::<Timestamp>),
            lead_tags::updated_at.eq(now),
        ))
        .execute(conn)?;
    journal::record(
        conn,
        Entity::LeadTag,
        &format!("{id}/{}", tag.to_lowercase()),
        Op::Insert,
        &json!({ "lead_id": id, "tag": tag }),
        actor,
        now,
    )
}

/// Delete a lead (a tombstone: it leaves every list and search, and can be
/// restored).
pub fn delete(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        access::visible_lead(conn, actor, id)?;
        access::may_delete(actor)?;
        tombstone(conn, actor, id, now)
    })
}

/// Tombstone a lead in the caller's transaction; its customer record leaves
/// the customer list with it (delete and an import's undo).
pub(crate) fn tombstone(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: LeadId,
    now: Timestamp,
) -> CoreResult<()> {
    let changes = LeadChanges {
        deleted_at: Some(Some(now)),
        updated_at: Some(now),
        ..Default::default()
    };
    apply_changes(conn, id, &changes, Op::Delete, Some(actor.user_id), now)?;
    customers::retire_for_lead(conn, actor, id, now)
}

/// Bring a deleted lead back.
pub fn restore(store: &Store, actor: &Actor, id: LeadId) -> CoreResult<Lead> {
    let now = store.now();
    store.write(|conn| {
        let row = access::visible_lead_even_deleted(conn, actor, id)?;
        access::may_delete(actor)?;
        if row.deleted_at.is_none() {
            return Err(CoreError::Conflict(format!("{} is not deleted", row.name)));
        }
        let changes = LeadChanges {
            deleted_at: Some(None),
            updated_at: Some(now),
            ..Default::default()
        };
        apply_changes(conn, id, &changes, Op::Restore, Some(actor.user_id), now)?;
        if row.status == LeadStatus::Converted {
            customers::create_for_lead(conn, actor, &row, now)?;
        }
        load(conn, id)
    })
}

/// Give a lead to someone (or back to the unclaimed pool with `None`).
/// Managers and Admins; writes an `assigned` activity with both owners.
pub fn assign(store: &Store, actor: &Actor, id: LeadId, owner: Option<UserId>) -> CoreResult<Lead> {
    let now = store.now();
    store.write(|conn| {
        let current = access::visible_lead(conn, actor, id)?;
        if !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can assign leads".into(),
            ));
        }
        if let Some(owner) = owner {
            check_owner(conn, owner)?;
        }
        if current.owner_id == owner {
            return load(conn, id);
        }
        let changes = LeadChanges {
            owner_id: Some(owner),
            updated_at: Some(now),
            ..Default::default()
        };
        apply_changes(conn, id, &changes, Op::Update, Some(actor.user_id), now)?;
        customers::follow_lead_owner(conn, actor, id, owner, now)?;
        reminders::follow_lead_owner(conn, actor, id, current.owner_id, owner, now)?;
        let names = crate::users::names(
            conn,
            current
                .owner_id
                .into_iter()
                .chain(owner)
                .chain([actor.user_id]),
        )?;
        let name_of = |u: Option<UserId>| u.and_then(|u| names.get(&u).cloned());
        if let Some(new_owner) = owner.filter(|o| *o != actor.user_id) {
            crate::notifications::notify(
                conn,
                new_owner,
                crate::notifications::NotificationKind::LeadAssigned,
                &format!("{} is yours now", current.name),
                &format!(
                    "{} assigned you this lead",
                    name_of(Some(actor.user_id)).unwrap_or_default()
                ),
                Some(id),
                now,
            )?;
        }
        activity::record(
            conn,
            id,
            Some(actor.user_id),
            ActivityKind::Assigned,
            json!({
                "from": current.owner_id, "from_name": name_of(current.owner_id),
                "to": owner, "to_name": name_of(owner),
            }),
            now,
            now,
        )?;
        load(conn, id)
    })
}

/// Search and list leads: see [`LeadQuery`].
pub fn list(store: &Store, actor: &Actor, query: LeadQuery) -> CoreResult<Page<Lead>> {
    search::list(store, actor, query)
}
