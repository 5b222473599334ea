//! The activity log of each lead: what happened, who did it, when. Services
//! append here in the same transaction as the change they describe.
//!
//! A lead's creation is not a row here: the lead says who made it, when and
//! how (`created_by`, `created_at`, `created_via`), and the timeline and feed
//! show it from there. Leads made before that was kept (`created_via` NULL)
//! still have their `created` row.

use crate::Store;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, Page, PageRequest, Window};
use crate::ids::{ActivityId, ImportBatchId, LeadId, UserId};
use crate::journal::{self, Entity, JsonText, Op};
use crate::leads::{LeadOrigin, access};
use crate::schema::{activities, leads};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What an activity records.
    ActivityKind, "activity kind" {
        Created => "created",
        Updated => "updated",
        StatusChanged => "status_changed",
        NoteAdded => "note_added",
        Assigned => "assigned",
        Claimed => "claimed",
        Converted => "converted",
        Call => "call",
        Meeting => "meeting",
        Email => "email",
        ReminderDone => "reminder_done",
    }
);

impl ActivityKind {
    /// The kinds a person logs by hand; the rest are written by the services.
    pub const LOGGABLE: &'static [Self] = &[Self::Call, Self::Meeting, Self::Email];
}

/// One entry of a lead's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: ActivityId,
    pub lead_id: LeadId,
    pub actor_id: Option<UserId>,
    /// Who acted, for display ("Web form" when nobody signed in did).
    pub actor_name: Option<String>,
    pub kind: ActivityKind,
    pub detail: serde_json::Value,
    pub at: Timestamp,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = activities)]
struct ActivityRow {
    id: ActivityId,
    lead_id: LeadId,
    actor_id: Option<UserId>,
    kind: ActivityKind,
    #[diesel(deserialize_as = String)]
    detail: JsonText,
    at: Timestamp,
}

#[derive(Insertable, Serialize)]
#[diesel(table_name = activities)]
pub(crate) struct NewActivityRow<'a> {
    pub id: ActivityId,
    pub lead_id: LeadId,
    pub actor_id: Option<UserId>,
    pub kind: ActivityKind,
    pub detail: &'a str,
    pub at: Timestamp,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Append an activity (and its journal entry) inside the caller's transaction.
pub(crate) fn record(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
    actor: Option<UserId>,
    kind: ActivityKind,
    detail: serde_json::Value,
    at: Timestamp,
    now: Timestamp,
) -> CoreResult<ActivityId> {
    let id = ActivityId::new();
    let detail = detail.to_string();
    let row = NewActivityRow {
        id,
        lead_id,
        actor_id: actor,
        kind,
        detail: &detail,
        at,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(activities::table)
        .values(&row)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Activity,
        &id.to_string(),
        Op::Insert,
        &row,
        actor,
        now,
    )?;
    Ok(id)
}

fn hydrate(conn: &mut SqliteConnection, rows: Vec<ActivityRow>) -> CoreResult<Vec<Activity>> {
    let names = crate::users::names(conn, rows.iter().filter_map(|r| r.actor_id))?;
    Ok(rows
        .into_iter()
        .map(|r| Activity {
            actor_name: match r.actor_id {
                Some(id) => names.get(&id).cloned(),
                None => Some("Web form".to_owned()),
            },
            id: r.id,
            lead_id: r.lead_id,
            actor_id: r.actor_id,
            kind: r.kind,
            detail: r.detail.0,
            at: r.at,
        })
        .collect())
}

/// What a lead says of its creation.
#[derive(Queryable, Selectable)]
#[diesel(table_name = leads)]
struct Creation {
    id: LeadId,
    created_by: Option<UserId>,
    created_via: Option<LeadOrigin>,
    import_batch_id: Option<ImportBatchId>,
    created_at: Timestamp,
}

impl Creation {
    /// The timeline entry, taking the lead's id as its own; none for a lead
    /// whose creation is an activity row (made before it was kept).
    fn entry(self) -> Option<ActivityRow> {
        let mut detail = serde_json::json!({ "via": self.created_via? });
        if let Some(batch) = self.import_batch_id {
            detail["batch_id"] = batch.to_string().into();
        }
        Some(ActivityRow {
            id: ActivityId::of_creation(self.id),
            lead_id: self.id,
            actor_id: self.created_by,
            kind: ActivityKind::Created,
            detail: JsonText(detail),
            at: self.created_at,
        })
    }
}

/// One lead's creation entry.
fn creation_of(conn: &mut SqliteConnection, lead: LeadId) -> CoreResult<Option<ActivityRow>> {
    Ok(leads::table
        .filter(leads::id.eq(lead))
        .select(Creation::as_select())
        .first(conn)
        .optional()?
        .and_then(Creation::entry))
}

/// The creation entries of the leads `of` selects, newest first: `limit` of
/// them and any made in the same millisecond as the last (the merge orders
/// ties by id, the index by row number), none older than `not_before`.
fn creations<'a>(
    conn: &mut SqliteConnection,
    of: impl Fn() -> leads::BoxedQuery<'a, diesel::sqlite::Sqlite>,
    limit: i64,
    not_before: Option<Timestamp>,
) -> CoreResult<Vec<ActivityRow>> {
    let select = || {
        let mut query = of().filter(leads::created_via.is_not_null());
        if let Some(at) = not_before {
            query = query.filter(leads::created_at.ge(at));
        }
        query
    };
    let mut rows: Vec<Creation> = select()
        .order((leads::created_at.desc(), leads::seq.desc()))
        .limit(limit)
        .select(Creation::as_select())
        .load(conn)?;
    if rows.len() as i64 == limit
        && let Some(last) = rows.last().map(|c| c.created_at)
    {
        let held: std::collections::HashSet<LeadId> = rows.iter().map(|c| c.id).collect();
        let ties: Vec<Creation> = select()
            .filter(leads::created_at.eq(last))
            .select(Creation::as_select())
            .load(conn)?;
        rows.extend(ties.into_iter().filter(|c| !held.contains(&c.id)));
    }
    Ok(rows.into_iter().filter_map(Creation::entry).collect())
}

/// Newest first, as every timeline is ordered.
fn newest_first(rows: &mut [ActivityRow]) {
    rows.sort_by_key(|r| std::cmp::Reverse((r.at, r.id)));
}

pub(crate) fn latest_for_lead(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
    page: PageRequest,
) -> CoreResult<Vec<Activity>> {
    let creation = creation_of(conn, lead_id)?;
    timeline_page(conn, lead_id, creation, page)
}

/// A page of a lead's log rows with its creation merged in by time.
fn timeline_page(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
    creation: Option<ActivityRow>,
    page: PageRequest,
) -> CoreResult<Vec<Activity>> {
    let mut rows = activities::table
        .filter(activities::lead_id.eq(lead_id))
        .filter(activities::deleted_at.is_null())
        .order((activities::at.desc(), activities::id.desc()))
        .limit(page.offset() + page.limit())
        .select(ActivityRow::as_select())
        .load(conn)?;
    rows.extend(creation);
    newest_first(&mut rows);
    let rows = rows
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    hydrate(conn, rows)
}

/// A lead's timeline, newest first.
pub fn list_for_lead(
    store: &Store,
    actor: &Actor,
    lead_id: LeadId,
    page: PageRequest,
) -> CoreResult<Page<Activity>> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        access::visible_lead(conn, actor, lead_id)?;
        let rows: i64 = activities::table
            .filter(activities::lead_id.eq(lead_id))
            .filter(activities::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        let creation = creation_of(conn, lead_id)?;
        let total = rows + i64::from(creation.is_some());
        let items = timeline_page(conn, lead_id, creation, page)?;
        Ok(Page::new(items, page, total))
    })
}

/// A call, meeting or email logged by hand.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogActivity {
    /// "call", "meeting" or "email".
    pub kind: String,
    /// What was said or agreed.
    pub summary: String,
    /// When it happened; now when absent.
    pub at: Option<String>,
    /// How long it took, for calls and meetings.
    pub duration_minutes: Option<u32>,
}

pub fn log(
    store: &Store,
    actor: &Actor,
    lead_id: LeadId,
    input: LogActivity,
) -> CoreResult<Activity> {
    let now = store.now();
    let mut problems = Problems::new();
    let kind = problems.check(
        "kind",
        input.kind.parse::<ActivityKind>().and_then(|k| {
            if ActivityKind::LOGGABLE.contains(&k) {
                Ok(k)
            } else {
                Err(format!(
                    "'{}' is recorded by Leadlight itself; log a call, meeting or email",
                    input.kind
                ))
            }
        }),
    );
    let summary = problems.check("summary", fields::required_body(&input.summary, 5_000));
    let at = match input.at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => problems.check("at", Timestamp::parse(text)),
        None => Some(now),
    };
    if let Some(minutes) = input.duration_minutes
        && minutes > 24 * 60
    {
        problems.add("duration_minutes", "must be at most 1440 (a day)");
    }
    problems.finish()?;
    let (Some(kind), Some(summary), Some(at)) = (kind, summary, at) else {
        return Err(CoreError::internal("validation passed without values"));
    };
    store.write(|conn| {
        access::visible_lead(conn, actor, lead_id)?;
        let mut detail = serde_json::json!({ "summary": summary });
        if let Some(minutes) = input.duration_minutes {
            detail["duration_minutes"] = minutes.into();
        }
        let id = record(conn, lead_id, Some(actor.user_id), kind, detail, at, now)?;
        crate::leads::touch(conn, lead_id, Some(actor.user_id), now)?;
        let row = activities::table
            .filter(activities::id.eq(id))
            .select(ActivityRow::as_select())
            .first(conn)?;
        Ok(hydrate(conn, vec![row])?.remove(0))
    })
}

/// Below this many leads an agent's feed is built from their leads' entries.
const FEW_LEADS: i64 = 2_000;

/// Everything that happened recently on the leads the actor may see, newest
/// first. A window rather than a counted page: the log grows without bound.
pub fn feed(store: &Store, actor: &Actor, page: PageRequest) -> CoreResult<Window<Activity>> {
    let mut problems = Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        let mut query = activities::table
            .filter(activities::deleted_at.is_null())
            .into_boxed();
        // The lead checks below are scalar subqueries, not EXISTS: SQLite
        // 3.53 turns an EXISTS into a join and first builds a Bloom filter
        // over every lead (100 ms at 1 M leads) for a walk that stops after
        // a page.
        if actor.sees_everything() {
            // Walks the log newest first; a deleted lead's entries are skipped.
            query = query.filter(
                leads::table
                    .filter(leads::id.eq(activities::lead_id))
                    .select(leads::deleted_at.is_null())
                    .single_value(),
            );
        } else {
            // Two plans, chosen by how many leads the agent owns (free to
            // know from the dashboard summary). Many: walk the log newest
            // first and keep rows whose lead is theirs; it stops after a page.
            // Few: fetch their leads' entries and sort those.
            let owned = crate::analytics::live_leads(conn, Some(actor.user_id))?;
            if owned >= FEW_LEADS {
                query = query.filter(
                    leads::table
                        .filter(leads::id.eq(activities::lead_id))
                        .select(
                            leads::deleted_at
                                .is_null()
                                .and(leads::owner_id.eq(actor.user_id)),
                        )
                        .single_value(),
                );
            } else {
                let own = leads::table
                    .filter(leads::owner_id.eq(actor.user_id))
                    .filter(leads::deleted_at.is_null())
                    .select(leads::id);
                query = query.filter(activities::lead_id.eq_any(own));
            }
        }
        // The page's rows come from the log and from the leads' creations,
        // each read newest first up to the page's end, then merged.
        let upto = page.offset() + page.limit() + 1;
        let mut rows = query
            .order((activities::at.desc(), activities::id.desc()))
            .limit(upto)
            .select(ActivityRow::as_select())
            .load(conn)?;
        let made = || {
            let mut query = leads::table
                .filter(leads::deleted_at.is_null())
                .into_boxed();
            if !actor.sees_everything() {
                query = query.filter(leads::owner_id.eq(actor.user_id));
            }
            query
        };
        // A full page of the log ends the window: no older creation can
        // make it (and on a database of leads from before creations were
        // kept, they are not all walked looking for one).
        let not_before = (rows.len() as i64 == upto)
            .then(|| rows.last().map(|r| r.at))
            .flatten();
        rows.extend(creations(conn, made, upto, not_before)?);
        newest_first(&mut rows);
        let rows: Vec<ActivityRow> = rows.into_iter().skip(page.offset() as usize).collect();
        let window = Window::from_overfetch(rows, page);
        Ok(Window {
            items: hydrate(conn, window.items)?,
            page: window.page,
            limit: window.limit,
            has_more: window.has_more,
        })
    })
}
