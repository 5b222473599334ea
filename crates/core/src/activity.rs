//! The activity log of each lead: what happened, who did it, when. Services
//! append here in the same transaction as the change they describe.

use crate::Store;
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, Problems};
use crate::fields::{self, Page, PageRequest, Window};
use crate::ids::{ActivityId, LeadId, UserId};
use crate::journal::{self, Entity, JsonText, Op};
use crate::leads::access;
use crate::schema::{activities, lead_totals, leads};
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

/// One activity for [`record_many`].
pub(crate) struct NewActivity {
    pub lead_id: LeadId,
    pub actor: Option<UserId>,
    pub kind: ActivityKind,
    pub detail: serde_json::Value,
    pub at: Timestamp,
}

/// Activities per multi-row INSERT (8 values each).
const ACTIVITIES_PER_INSERT: usize = 1_000;

/// Append many activities and their journal entries, several per statement.
pub(crate) fn record_many(
    conn: &mut SqliteConnection,
    items: &[NewActivity],
    now: Timestamp,
) -> CoreResult<()> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    let details: Vec<String> = items.iter().map(|i| i.detail.to_string()).collect();
    let rows: Vec<NewActivityRow<'_>> = items
        .iter()
        .zip(&details)
        .map(|(item, detail)| NewActivityRow {
            id: ActivityId::new(),
            lead_id: item.lead_id,
            actor_id: item.actor,
            kind: item.kind,
            detail,
            at: item.at,
            created_at: now,
            updated_at: now,
        })
        .collect();
    for chunk in rows.chunks(ACTIVITIES_PER_INSERT) {
        let values = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut query = diesel::sql_query(format!(
            "INSERT INTO activities (id, lead_id, actor_id, kind, detail, at, created_at, updated_at) \
             VALUES {values}"
        ))
        .into_boxed::<diesel::sqlite::Sqlite>();
        for row in chunk {
            query = query
                .bind::<Text, _>(row.id.to_string())
                .bind::<Text, _>(row.lead_id.to_string())
                .bind::<Nullable<Text>, _>(row.actor_id.map(|a| a.to_string()))
                .bind::<Text, _>(row.kind.as_str())
                .bind::<Text, _>(row.detail)
                .bind::<BigInt, _>(row.at.millis())
                .bind::<BigInt, _>(row.created_at.millis())
                .bind::<BigInt, _>(row.updated_at.millis());
        }
        query.execute(conn)?;
    }
    let entries = rows
        .iter()
        .map(|row| {
            journal::Entry::insert(Entity::Activity, row.id.to_string(), row, row.actor_id, now)
        })
        .collect::<CoreResult<Vec<_>>>()?;
    journal::record_many(conn, &entries)
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

pub(crate) fn latest_for_lead(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
    page: PageRequest,
) -> CoreResult<Vec<Activity>> {
    let rows = activities::table
        .filter(activities::lead_id.eq(lead_id))
        .filter(activities::deleted_at.is_null())
        .order((activities::at.desc(), activities::id.desc()))
        .limit(page.limit())
        .offset(page.offset())
        .select(ActivityRow::as_select())
        .load(conn)?;
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
        let total = activities::table
            .filter(activities::lead_id.eq(lead_id))
            .filter(activities::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        let items = latest_for_lead(conn, lead_id, page)?;
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
        if actor.sees_everything() {
            // Walks the log newest first; a deleted lead's entries are skipped.
            query = query.filter(diesel::dsl::exists(
                leads::table
                    .filter(leads::id.eq(activities::lead_id))
                    .filter(leads::deleted_at.is_null()),
            ));
        } else {
            // Two plans, chosen by how many leads the agent owns (free to
            // know from the dashboard summary). Many: walk the log newest
            // first and keep rows whose lead is theirs; it stops after a page.
            // Few: fetch their leads' entries and sort those.
            let owned: i64 = lead_totals::table
                .filter(lead_totals::owner_key.eq(actor.user_id.to_string()))
                .select(lead_totals::n)
                .load::<i64>(conn)?
                .into_iter()
                .sum();
            if owned >= FEW_LEADS {
                query = query.filter(diesel::dsl::exists(
                    leads::table
                        .filter(leads::id.eq(activities::lead_id))
                        .filter(leads::owner_id.eq(actor.user_id))
                        .filter(leads::deleted_at.is_null()),
                ));
            } else {
                let own = leads::table
                    .filter(leads::owner_id.eq(actor.user_id))
                    .filter(leads::deleted_at.is_null())
                    .select(leads::id);
                query = query.filter(activities::lead_id.eq_any(own));
            }
        }
        let rows = query
            .order((activities::at.desc(), activities::id.desc()))
            .limit(page.limit() + 1)
            .offset(page.offset())
            .select(ActivityRow::as_select())
            .load(conn)?;
        let window = Window::from_overfetch(rows, page);
        Ok(Window {
            items: hydrate(conn, window.items)?,
            page: window.page,
            limit: window.limit,
            has_more: window.has_more,
        })
    })
}
