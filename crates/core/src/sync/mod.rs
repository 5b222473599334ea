//! Sync between desktops and a team server (docs/SYNC.md): the client's
//! outbox, and the server's side of a push, with per-field last-writer-wins
//! by hybrid logical clock.
//!
//! Built so far: leads with their notes, activities, tags and reminders,
//! and the team. Other records in a batch are refused by name until their
//! turn comes, so a client never believes they were applied.

pub(crate) mod customers;
mod purge;
pub(crate) mod reminders;
mod snapshot;
pub(crate) mod tags;
pub(crate) mod tasks;
mod timeline;

pub use customers::CustomerRecord;
pub use purge::{DEFAULT_RETENTION_DAYS, Purged, purge};

pub use reminders::ReminderRecord;
pub use tags::TagRecord;
pub use tasks::TaskRecord;
pub use timeline::{ActivityRecord, NoteRecord};

use crate::actor::Actor;
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::fields;
use crate::hlc::Hlc;
use crate::ids::{LeadId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::{self, LeadChanges, LeadOrigin, LeadRow, LeadSource, LeadStatus, NewLeadRow};
use crate::schema::{
    change_journal, leads as leads_table, sync_clients, sync_clock, sync_field_clocks, sync_held,
    users,
};
use crate::store::Store;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A batch holds at most this many operations.
pub const MAX_OPS_PER_BATCH: usize = 500;

/// The records sync carries so far; a push refuses the others by name
/// ("syncing notes is not built yet"), so nothing is silently dropped.
pub const SYNCED: &[Entity] = &[
    Entity::Lead,
    Entity::Note,
    Entity::Activity,
    Entity::LeadTag,
    Entity::Reminder,
    Entity::Task,
    Entity::Customer,
];

/// A client clock further ahead of the server's than this is refused: it
/// would win every conflict until real time caught up with it.
pub fn max_clock_ahead() -> chrono::Duration {
    chrono::Duration::minutes(1)
}

/// One change made on a client, as its journal recorded it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushOp {
    /// The client's own order: increasing, never reused.
    pub seq: i64,
    pub entity: Entity,
    pub entity_id: String,
    pub op: Op,
    /// The changed fields with their new values (the whole record on insert).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub hlc: Hlc,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushBatch {
    /// The sync client (one per desktop and user), a UUID.
    pub client_id: String,
    pub ops: Vec<PushOp>,
}

/// Why an operation was not applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Applied before (a retried batch): nothing changed now.
    AlreadyApplied,
    /// Applied, except these fields: a later write to them won.
    Superseded {
        fields: Vec<String>,
    },
    Rejected(Refusal),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    pub seq: i64,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushAnswer {
    /// Every operation up to this seq is settled (applied, superseded or
    /// rejected): the client need not send them again.
    pub applied_through: i64,
    pub results: Vec<OpResult>,
    /// The server's clock after the batch; the client's next change comes
    /// after it.
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub server_clock: Hlc,
    /// The server's version of every record an operation of the batch was
    /// rejected, superseded or already applied on, for the client to take in
    /// place of its own.
    pub current: Vec<Change>,
}

/// The changes made here (not received by sync) after `after_seq`, oldest
/// first, at most `limit`: what a client pushes next.
pub fn outbox(store: &Store, after_seq: i64, limit: i64) -> CoreResult<Vec<PushOp>> {
    store.read(|conn| {
        let rows = journal::made_here_after(after_seq)
            .order(change_journal::seq.asc())
            .limit(limit)
            .select((
                change_journal::seq,
                change_journal::entity,
                change_journal::entity_id,
                change_journal::op,
                change_journal::fields,
                change_journal::hlc,
            ))
            .load::<(Option<i32>, Entity, String, Op, String, i64)>(conn)?;
        rows.into_iter()
            .map(|(seq, entity, entity_id, op, fields, hlc)| {
                Ok(PushOp {
                    seq: i64::from(seq.unwrap_or_default()),
                    entity,
                    entity_id,
                    op,
                    fields: serde_json::from_str(&fields).map_err(CoreError::internal)?,
                    hlc: Hlc::from_raw(hlc),
                })
            })
            .collect()
    })
}

/// Make this database the arbiter of sync (a team server's): from now on
/// every change journalled here moves its fields' clocks. Idempotent.
pub fn arbitrate(store: &Store) -> CoreResult<()> {
    store.write(|conn| {
        diesel::update(sync_clock::table)
            .set(sync_clock::arbiter.eq(1))
            .execute(conn)?;
        Ok(())
    })
}

/// Apply a client's batch (the server's side of `POST /api/sync/push`), in
/// one transaction: see docs/SYNC.md.
pub fn push(store: &Store, actor: &Actor, batch: PushBatch) -> CoreResult<PushAnswer> {
    let client = uuid::Uuid::parse_str(batch.client_id.trim())
        .map_err(|_| CoreError::invalid("client_id", "is not a UUID"))?
        .to_string();
    if batch.ops.len() > MAX_OPS_PER_BATCH {
        return Err(CoreError::invalid(
            "ops",
            format!(
                "holds {} operations; at most {MAX_OPS_PER_BATCH} go in one batch",
                batch.ops.len()
            ),
        ));
    }
    if batch.ops.iter().any(|op| op.hlc <= Hlc::ZERO) {
        return Err(CoreError::invalid("hlc", "must be a clock after 1970"));
    }
    if batch.ops.windows(2).any(|w| w[0].seq >= w[1].seq) {
        return Err(CoreError::invalid("ops", "must be in increasing seq order"));
    }
    let now = store.now();
    if let Some(ahead) = batch
        .ops
        .iter()
        .map(|op| op.hlc)
        .max()
        .filter(|h| h.ahead_of(now, max_clock_ahead()))
    {
        let minutes = (ahead.wall().millis() - now.millis()) as f64 / 60_000.0;
        return Err(CoreError::invalid(
            "hlc",
            format!(
                "this computer's clock is {minutes:.0} minutes ahead of the server's; set it right and sync again"
            ),
        ));
    }
    store.write(|conn| {
        diesel::update(sync_clock::table)
            .set(sync_clock::arbiter.eq(1))
            .execute(conn)?;
        let applied = client_position(conn, actor, &client, now)?;
        // The received entries keep their clients' clocks, which may be older
        // than the last change made here: `seen` takes both first, or the
        // next change made here could get a clock it already gave out (the
        // simulation found it, seed 3395 of 5,000).
        let newest = batch
            .ops
            .iter()
            .map(|op| op.hlc.raw())
            .max()
            .unwrap_or(0)
            .max(journal::last_clock(conn)?.raw());
        diesel::update(sync_clock::table.filter(sync_clock::seen.lt(newest)))
            .set(sync_clock::seen.eq(newest))
            .execute(conn)?;
        let mut results = Vec::with_capacity(batch.ops.len());
        let mut through = applied;
        let mut settle_again: Vec<LeadId> = Vec::new();
        let mut timeline_again: Vec<(Entity, String)> = Vec::new();
        for op in &batch.ops {
            let outcome = if op.seq <= applied {
                Outcome::AlreadyApplied
            } else {
                // A savepoint per operation: one refused leaves no trace and
                // the rest of the batch still applies.
                match conn.transaction(|conn| apply(conn, actor, &client, op)) {
                    Ok(outcome) => outcome,
                    Err(CoreError::Internal(cause)) => return Err(CoreError::Internal(cause)),
                    Err(refused) => Outcome::Rejected(Refusal {
                        code: refused.code(),
                        message: refused.to_string(),
                    }),
                }
            };
            through = through.max(op.seq);
            if op.entity == Entity::Lead
                && let Ok(id) = LeadId::parse(&op.entity_id)
            {
                match outcome {
                    Outcome::Applied => hold(conn, actor, Entity::Lead, &op.entity_id)?,
                    // A retried batch: the first answer, with the server's
                    // versions, may never have arrived.
                    Outcome::Rejected(_) | Outcome::Superseded { .. } | Outcome::AlreadyApplied => {
                        if !settle_again.contains(&id) {
                            settle_again.push(id);
                        }
                    }
                }
            } else if op.entity == Entity::Task && outcome == Outcome::Applied {
                // Held from now: if it leaves them before their next pull,
                // that pull says so.
                hold(conn, actor, Entity::Task, &op.entity_id)?;
            } else if !matches!(outcome, Outcome::Applied) {
                timeline_again.push((op.entity, op.entity_id.clone()));
            }
            results.push(OpResult {
                seq: op.seq,
                outcome,
            });
        }
        diesel::update(sync_clients::table.filter(sync_clients::client_id.eq(&client)))
            .set((
                sync_clients::applied_seq.eq(through),
                sync_clients::updated_at.eq(now),
            ))
            .execute(conn)?;
        let mut current = Vec::with_capacity(settle_again.len());
        for id in settle_again {
            current.extend(lead_as_seen(conn, actor, id, true)?);
        }
        for (entity, id) in timeline_again {
            current.extend(part_as_seen(conn, actor, entity, &id, true)?);
        }
        Ok(PushAnswer {
            applied_through: through,
            results,
            server_clock: journal::last_clock(conn)?,
            current,
        })
    })
}

/// How far the client's operations have been applied; a new client is
/// registered to the actor, and another user's client is refused.
fn client_position(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    now: Timestamp,
) -> CoreResult<i64> {
    let known: Option<(UserId, i64)> = sync_clients::table
        .filter(sync_clients::client_id.eq(client))
        .select((sync_clients::user_id, sync_clients::applied_seq))
        .first(conn)
        .optional()?;
    match known {
        Some((user, applied)) if user == actor.user_id => Ok(applied),
        Some(_) => Err(CoreError::Forbidden(
            "this sync client belongs to another user; sign in again to sync".into(),
        )),
        None => {
            diesel::insert_into(sync_clients::table)
                .values((
                    sync_clients::client_id.eq(client),
                    sync_clients::user_id.eq(actor.user_id),
                    sync_clients::applied_seq.eq(0i64),
                    sync_clients::created_at.eq(now),
                    sync_clients::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(0)
        }
    }
}

fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
) -> CoreResult<Outcome> {
    let Value::Object(fields) = &op.fields else {
        return Err(CoreError::invalid("fields", "must be an object"));
    };
    match op.entity {
        Entity::Lead => apply_lead(conn, actor, client, op, fields),
        Entity::Note => timeline::apply_note(conn, actor, client, op, fields),
        Entity::Activity => timeline::apply_activity(conn, actor, client, op, fields),
        Entity::LeadTag => tags::apply(conn, actor, client, op, fields),
        Entity::Reminder => reminders::apply(conn, actor, client, op, fields),
        Entity::Task => tasks::apply(conn, actor, client, op, fields),
        Entity::Customer => customers::apply(conn, actor, client, op, fields),
        other if SYNCED.contains(&other) => Err(CoreError::internal(format!(
            "{other} is listed as synced but has no rules"
        ))),
        other => Err(CoreError::invalid(
            "entity",
            format!("syncing {other} records is not built yet"),
        )),
    }
}

/// Journal what a push applied (as received from `client`, with the
/// operation's clock, so other desktops pull it and it is never pushed
/// back) and say how it went: applied, or applied but for the `lost` fields.
pub(super) fn settle(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &impl Serialize,
    lost: Vec<String>,
) -> CoreResult<Outcome> {
    journal::record_received(
        conn,
        op.entity,
        &op.entity_id,
        op.op,
        fields,
        Some(actor.user_id),
        op.hlc,
        client,
    )?;
    Ok(if lost.is_empty() {
        Outcome::Applied
    } else {
        Outcome::Superseded { fields: lost }
    })
}

/// A field's value in an operation: absent is `None`; present with the wrong
/// type is a validation error naming it.
fn take<T: DeserializeOwned>(fields: &Map<String, Value>, key: &str) -> CoreResult<Option<T>> {
    fields
        .get(key)
        .map(|v| {
            serde_json::from_value(v.clone()).map_err(|e| CoreError::invalid(key, e.to_string()))
        })
        .transpose()
}

/// Fields that change together: a group wins or loses as one, so a lead
/// never ends up `converted` with another write's `lost_at`.
const LEAD_GROUPS: &[&[&str]] = &[
    &["name"],
    &["email"],
    &["phone"],
    &["company"],
    &["source"],
    &["status", "converted_at", "lost_at"],
    &["owner_id", "claimed_at"],
    &["deleted_at"],
];

/// The clock of the latest accepted write to any field of `group`.
fn group_clock(clocks: &[(String, i64, String)], group: &[&str]) -> Option<(i64, String)> {
    clocks
        .iter()
        .filter(|(field, _, _)| group.contains(&field.as_str()))
        .map(|(_, hlc, client)| (*hlc, client.clone()))
        .max()
}

/// Which of an operation's field groups win: a group wins when the
/// operation's clock (ties broken by client id) is later than the latest
/// accepted write to any of its fields. Returns every field of the winning
/// groups, and the operation's fields that lost.
fn arbitrate_fields<'g>(
    conn: &mut SqliteConnection,
    op: &PushOp,
    client: &str,
    groups: &[&'g [&'g str]],
    fields: &Map<String, Value>,
) -> CoreResult<(Vec<&'g str>, Vec<String>)> {
    let clocks: Vec<(String, i64, String)> = sync_field_clocks::table
        .filter(sync_field_clocks::entity.eq(op.entity.as_str()))
        .filter(sync_field_clocks::entity_id.eq(&op.entity_id))
        .select((
            sync_field_clocks::field,
            sync_field_clocks::hlc,
            sync_field_clocks::client_id,
        ))
        .load(conn)?;
    let mine = (op.hlc.raw(), client.to_owned());
    let mut lost = Vec::new();
    let mut won: Vec<&str> = Vec::new();
    for group in groups {
        let present: Vec<&str> = group
            .iter()
            .copied()
            .filter(|f| fields.contains_key(*f))
            .collect();
        if present.is_empty() {
            continue;
        }
        if group_clock(&clocks, group).is_some_and(|theirs| theirs >= mine) {
            lost.extend(present.iter().map(|f| (*f).to_owned()));
        } else {
            won.extend(group.iter().copied());
        }
    }
    Ok((won, lost))
}

fn apply_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let id = LeadId::parse(&op.entity_id).map_err(|m| CoreError::invalid("entity_id", m))?;
    let current: Option<LeadRow> = leads_table::table
        .filter(leads_table::id.eq(id))
        .select(LeadRow::as_select())
        .first(conn)
        .optional()?;
    let Some(current) = current else {
        return if op.op == Op::Insert {
            insert_lead(conn, actor, client, op, id, fields)
        } else {
            Err(CoreError::not_found("lead"))
        };
    };
    authorize_lead_change(conn, actor, &current, op, fields)?;

    let (won, lost) = arbitrate_fields(conn, op, client, LEAD_GROUPS, fields)?;
    // No group won and some lost: nothing to write. (None at all: a touch,
    // as when a tag changed; the lead's `updated_at` moves.)
    if won.is_empty() && !lost.is_empty() {
        return Ok(Outcome::Superseded { fields: lost });
    }
    let mut changes = lead_changes(&current, op, fields, &won)?;
    changes.updated_at = Some(current.updated_at.max(op.hlc.wall()));
    diesel::update(leads_table::table.filter(leads_table::id.eq(id)))
        .set(&changes)
        .execute(conn)?;
    let outcome = settle(conn, actor, client, op, &changes, lost)?;
    // What follows a lead follows it here as through the API: its customer
    // record (converted, retired, revived, its owner), and its pending
    // reminders to a new owner. The desktop that pushed this may not have
    // held them all.
    let after: LeadRow = leads_table::table
        .filter(leads_table::id.eq(id))
        .select(LeadRow::as_select())
        .first(conn)?;
    customers::follow_lead(conn, actor, &current, &after)?;
    if let Some(owner) = changes.owner_id.filter(|o| *o != current.owner_id) {
        crate::reminders::follow_lead_owner(
            conn,
            actor,
            id,
            current.owner_id,
            owner,
            op.hlc.wall(),
        )?;
    }
    Ok(outcome)
}

/// Who may push what to an existing lead: the REST API's rules.
fn authorize_lead_change(
    conn: &mut SqliteConnection,
    actor: &Actor,
    current: &LeadRow,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<()> {
    let new_owner: Option<Option<UserId>> = take(fields, "owner_id")?;
    let claims = op.op == Op::Update
        && new_owner == Some(Some(actor.user_id))
        && fields.get("claimed_at").is_some_and(|v| !v.is_null());
    if claims && current.owner_id != Some(actor.user_id) {
        // A claim takes the lead and nothing more: anything else in the
        // same operation would be a change to a lead not yet theirs.
        if let Some(other) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "owner_id" | "claimed_at" | "updated_at"))
        {
            return Err(CoreError::Forbidden(format!(
                "a claim only takes the lead; {other} cannot change with it"
            )));
        }
        return match current.owner_id {
            None if current.deleted_at.is_none() => Ok(()),
            None => Err(CoreError::not_found("lead")),
            Some(holder) => {
                let name = crate::users::names(conn, [holder])?
                    .remove(&holder)
                    .unwrap_or_else(|| "someone else".into());
                Err(CoreError::Conflict(format!(
                    "this lead was already claimed by {name}"
                )))
            }
        };
    }
    if !actor.sees_everything() {
        if current.owner_id != Some(actor.user_id) {
            return Err(CoreError::not_found("lead"));
        }
        if new_owner.is_some_and(|o| o != Some(actor.user_id)) {
            return Err(CoreError::Forbidden(
                "only a Manager or an Admin can assign leads".into(),
            ));
        }
    }
    if matches!(op.op, Op::Delete | Op::Restore) || fields.contains_key("deleted_at") {
        leads::access::may_delete(actor)?;
    }
    if let Some(Some(owner)) = new_owner {
        leads::check_owner(conn, owner)?;
    }
    Ok(())
}

/// The columns of the winning groups, validated as the REST API would.
fn lead_changes(
    current: &LeadRow,
    op: &PushOp,
    fields: &Map<String, Value>,
    won: &[&str],
) -> CoreResult<LeadChanges> {
    let wins = |f: &str| won.contains(&f) && fields.contains_key(f);
    let mut changes = LeadChanges::default();
    if wins("name") {
        let name: String = take(fields, "name")?.unwrap_or_default();
        changes.name = Some(
            fields::required_text(&name, leads::NAME_MAX)
                .map_err(|m| CoreError::invalid("name", m))?,
        );
    }
    if wins("email") {
        let email: Option<String> = take(fields, "email")?.flatten();
        changes.email = Some(
            fields::optional_email(email.as_deref()).map_err(|m| CoreError::invalid("email", m))?,
        );
    }
    if wins("phone") {
        let phone: Option<String> = take(fields, "phone")?.flatten();
        let phone =
            fields::optional_phone(phone.as_deref()).map_err(|m| CoreError::invalid("phone", m))?;
        changes.phone = Some(phone.as_ref().map(|p| p.display.clone()));
        changes.phone_digits = Some(phone.map(|p| p.digits));
    }
    if wins("company") {
        let company: Option<String> = take(fields, "company")?.flatten();
        changes.company = Some(
            fields::optional_text(company.as_deref(), leads::COMPANY_MAX)
                .map_err(|m| CoreError::invalid("company", m))?,
        );
    }
    if wins("source") {
        changes.source = take::<LeadSource>(fields, "source")?;
    }
    if wins("status") {
        // The status and its timestamps go together (a CHECK holds them to
        // it): a timestamp the operation did not carry is kept or set now.
        let status: LeadStatus = take(fields, "status")?.unwrap_or(current.status);
        let converted_at = take::<Option<Timestamp>>(fields, "converted_at")?.flatten();
        let lost_at = take::<Option<Timestamp>>(fields, "lost_at")?.flatten();
        let when = op.hlc.wall();
        changes.status = Some(status);
        changes.converted_at = Some(
            (status == LeadStatus::Converted)
                .then(|| converted_at.or(current.converted_at).unwrap_or(when)),
        );
        changes.lost_at =
            Some((status == LeadStatus::Lost).then(|| lost_at.or(current.lost_at).unwrap_or(when)));
    }
    if wins("owner_id") {
        changes.owner_id = take::<Option<UserId>>(fields, "owner_id")?;
    }
    if wins("claimed_at") {
        changes.claimed_at = take::<Option<Timestamp>>(fields, "claimed_at")?;
    }
    if wins("deleted_at") {
        changes.deleted_at = take::<Option<Timestamp>>(fields, "deleted_at")?;
    }
    Ok(changes)
}

/// A lead the server has never seen: checked like a lead made through the API.
fn insert_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    id: LeadId,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let owner: Option<UserId> = take::<Option<UserId>>(fields, "owner_id")?.flatten();
    if !actor.sees_everything() && owner != Some(actor.user_id) {
        return Err(CoreError::Forbidden(
            "only a Manager or an Admin can create a lead for someone else".into(),
        ));
    }
    if let Some(owner) = owner {
        leads::check_owner(conn, owner)?;
    }
    let current = LeadRow::blank(id, op.hlc.wall());
    let all: Vec<&str> = LEAD_GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
    let changes = lead_changes(&current, op, fields, &all)?;
    let created_at = take::<Timestamp>(fields, "created_at")?.unwrap_or(op.hlc.wall());
    // Made on the pusher's desktop. Credited to the pusher, but for an
    // enquiry from the web form (nobody made it) a desktop restates on its
    // first sign-in; a name the server cannot check falls back to the pusher.
    // A desktop from before the origin was kept on the lead sends none, and
    // a `created` activity.
    let created_via = take::<Option<LeadOrigin>>(fields, "created_via")?.flatten();
    let created_by = match (
        created_via,
        take::<Option<UserId>>(fields, "created_by")?.flatten(),
    ) {
        (None, _) => None,
        (Some(LeadOrigin::WebForm), None) => None,
        (Some(_), _) => Some(actor.user_id),
    };
    let status = changes.status.unwrap_or(LeadStatus::New);
    let row = NewLeadRow {
        id,
        name: changes
            .name
            .ok_or_else(|| CoreError::invalid("name", "is required"))?,
        email: changes.email.flatten(),
        phone: changes.phone.flatten(),
        phone_digits: changes.phone_digits.flatten(),
        company: changes.company.flatten(),
        source: changes.source.unwrap_or(LeadSource::Other),
        status,
        owner_id: owner,
        claimed_at: changes.claimed_at.flatten(),
        converted_at: changes.converted_at.flatten(),
        lost_at: changes.lost_at.flatten(),
        import_batch_id: None,
        created_at,
        updated_at: take::<Timestamp>(fields, "updated_at")?.unwrap_or(created_at),
        created_by,
        created_via,
    };
    diesel::insert_into(leads_table::table)
        .values(&row)
        .execute(conn)?;
    settle(conn, actor, client, op, &row, Vec::new())
}

/// A lead as sync carries it: the whole row, tombstone included.
pub use crate::leads::LeadRow as LeadRecord;

/// One record changed since the cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// "type", not "kind": an activity has a `kind` of its own.
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    /// A member of the team as others see them (no password): every desktop
    /// gets them all, as lead owners and activity authors name them.
    User(crate::users::User),
    /// The lead as it is now.
    Lead(LeadRecord),
    /// One of a lead's notes (tombstone included).
    Note(NoteRecord),
    /// One entry of a lead's activity log.
    Activity(ActivityRecord),
    /// One of a lead's tags (removed ones too).
    Tag(TagRecord),
    /// A follow-up reminder (tombstone included).
    Reminder(ReminderRecord),
    /// A task (tombstone included).
    Task(TaskRecord),
    /// A converted lead's customer record (tombstone included).
    Customer(CustomerRecord),
    /// The record left the user's sight: remove it (and what hangs off it).
    Gone { entity: Entity, id: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    pub changes: Vec<Change>,
    /// Ask again from here.
    pub cursor: i64,
    /// Whether more changes follow this page.
    pub more: bool,
    #[cfg_attr(feature = "openapi", schema(value_type = i64))]
    pub server_clock: Hlc,
    /// The cursor asked from is older than the purge horizon: this page
    /// begins a snapshot of everything the user may hold, and the desktop
    /// drops what the snapshot did not send once it has ended (a negative
    /// cursor is a snapshot under way).
    #[serde(default)]
    pub resync: bool,
    /// On a snapshot's first page: how many leads it sends in all (for a
    /// progress bar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

/// The cursor a desktop starts from: a snapshot of everything its user may
/// hold (which also covers records written without a journal entry, such
/// as generated demo data). 0 is the journal's start.
pub const FIRST_SYNC: i64 = -1;

/// Journal entries one page of changes reads at most.
pub const MAX_CHANGES_PER_PAGE: i64 = 1_000;

/// Which changes to fetch.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct ChangesQuery {
    /// The cursor of the last page fetched; 0 (the default) from the start.
    #[serde(default)]
    pub since: i64,
    /// Journal entries to read (1 to 1,000; 500 by default), or leads
    /// during a snapshot.
    pub limit: Option<i64>,
    /// The desktop's sync client: its cursor is remembered, so that the
    /// journal is not purged past it while it keeps coming.
    pub client_id: Option<String>,
}

/// [`changes_for`] for a caller that does not name its client.
pub fn changes(store: &Store, actor: &Actor, since: i64, limit: i64) -> CoreResult<ChangesPage> {
    changes_for(
        store,
        actor,
        ChangesQuery {
            since,
            limit: Some(limit),
            client_id: None,
        },
    )
}

/// What changed since the query's cursor that the actor may see (the
/// server's side of `GET /api/sync/changes`): each record touched, as it is
/// now, or `gone` for one that left the actor's sight after they were sent
/// it. From [`FIRST_SYNC`] (or any negative cursor: a snapshot under way),
/// or from a cursor older than the purge horizon, a snapshot instead
/// (docs/SYNC.md).
pub fn changes_for(store: &Store, actor: &Actor, query: ChangesQuery) -> CoreResult<ChangesPage> {
    let ChangesQuery {
        since,
        limit,
        client_id,
    } = query;
    let limit = limit.unwrap_or(500);
    if !(1..=MAX_CHANGES_PER_PAGE).contains(&limit) {
        return Err(CoreError::invalid(
            "limit",
            format!("must be between 1 and {MAX_CHANGES_PER_PAGE}"),
        ));
    }
    let at_snapshot = snapshot::Snapshot::from_cursor(since);
    if since < 0 && at_snapshot.is_none_or(|at| at.cursor().is_err()) {
        return Err(CoreError::invalid(
            "since",
            "must be 0 or a cursor from an earlier page",
        ));
    }
    let now = store.now();
    // A write: it remembers what it sends (sync_held) and the client's place.
    store.write(|conn| {
        let last = journal::last_seq(conn)?;
        if at_snapshot.is_some_and(|at| at.after > 0 && at.start > last) {
            return Err(CoreError::invalid(
                "since",
                "must be 0 or a cursor from an earlier page",
            ));
        }
        // From before the horizon (0 included, once anything was purged),
        // the journal no longer tells everything: a snapshot instead.
        let expired = since >= 0 && since < purge::horizon(conn)?;
        let snapshot = match at_snapshot {
            // A snapshot's first page (a new desktop's, or one asked again):
            // it begins at the journal's position now.
            Some(at) if at.after == 0 => Some(snapshot::Snapshot::begin(last)),
            Some(at) => Some(at),
            None if expired => Some(snapshot::Snapshot::begin(last)),
            None => None,
        };
        if let Some(client) = client_id {
            // Everything before this is on the client (or, in a snapshot,
            // comes from the tables and then the journal after `start`).
            // A client that never pushed is registered here, so the purge
            // waits for it too.
            let holds = snapshot.map_or(since, |at| at.start);
            if uuid::Uuid::parse_str(client.trim()).is_ok() {
                client_position(conn, actor, client.trim(), now)?;
            }
            diesel::update(
                sync_clients::table
                    .filter(sync_clients::client_id.eq(client.trim()))
                    .filter(sync_clients::user_id.eq(actor.user_id)),
            )
            .set((
                sync_clients::pulled_seq.eq(holds),
                sync_clients::updated_at.eq(now),
            ))
            .execute(conn)?;
        }
        if let Some(at) = snapshot {
            return snapshot::page(conn, actor, at, limit, expired);
        }
        let entries: Vec<(Option<i32>, Entity, String)> = change_journal::table
            .filter(change_journal::seq.gt(since as i32))
            .order(change_journal::seq.asc())
            .limit(limit)
            .select((
                change_journal::seq,
                change_journal::entity,
                change_journal::entity_id,
            ))
            .load(conn)?;
        let cursor = entries
            .last()
            .and_then(|(seq, _, _)| *seq)
            .map_or(since, i64::from);
        let mut seen = std::collections::HashSet::new();
        let mut changes = Vec::new();
        for (_, entity, id) in &entries {
            if !seen.insert((*entity, id.clone())) {
                continue;
            }
            match entity {
                Entity::User => {
                    if let Ok(user_id) = UserId::parse(id)
                        && let Some(user) = user_record(conn, user_id)?
                    {
                        changes.push(Change::User(user));
                    }
                }
                Entity::Note
                | Entity::Activity
                | Entity::LeadTag
                | Entity::Reminder
                | Entity::Task
                | Entity::Customer => {
                    changes.extend(part_as_seen(conn, actor, *entity, id, false)?);
                }
                Entity::Lead => {
                    let Ok(lead_id) = LeadId::parse(id) else {
                        continue;
                    };
                    let change = lead_as_seen(conn, actor, lead_id, false)?;
                    // Its owner first: a desktop that joined after the
                    // owner's account was made has not been sent them yet.
                    if let Some(Change::Lead(lead)) = &change
                        && let Some(owner) = lead.owner_id
                        && seen.insert((Entity::User, owner.to_string()))
                        && let Some(user) = user_record(conn, owner)?
                    {
                        changes.push(Change::User(user));
                    }
                    // A lead always comes with its whole timeline: a desktop
                    // may lack it (the lead was out of its sight, or held
                    // back while it had changes of its own to push), and
                    // what it has already it keeps (inserts are idempotent).
                    let with_timeline = matches!(change, Some(Change::Lead(_)));
                    changes.extend(change);
                    if with_timeline {
                        // Sent again even if this page had them already:
                        // there they may have come before their lead, which
                        // a desktop that lacked the lead had to pass over.
                        for part in parts_of_lead(conn, actor, lead_id)? {
                            seen.insert(part.key());
                            changes.push(part);
                        }
                    }
                }
            }
        }
        Ok(ChangesPage {
            changes,
            cursor,
            more: entries.len() as i64 == limit,
            server_clock: journal::last_clock(conn)?,
            resync: false,
            total: None,
        })
    })
}

/// The lead as `actor` is to hold it now: the record (remembered as held),
/// or `gone` if they may not see it (or it does not exist). `gone` goes only
/// to those who were ever sent it, unless `tell_anyway` (the client named the
/// record itself, in a push).
fn lead_as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: LeadId,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    let record: Option<LeadRecord> = leads_table::table
        .filter(leads_table::id.eq(id))
        .select(LeadRecord::as_select())
        .first(conn)
        .optional()?;
    let visible = record.as_ref().is_some_and(|r| {
        actor.sees_everything() || r.owner_id.is_none() || r.owner_id == Some(actor.user_id)
    });
    let key = id.to_string();
    match record {
        Some(record) if visible => {
            hold(conn, actor, Entity::Lead, &key)?;
            Ok(Some(Change::Lead(record)))
        }
        _ => {
            // Kept, not cleared, once `gone` is sent: the page saying so may
            // be lost on the way, and the client then asks again. The
            // desktop drops the timeline with the lead: it comes again.
            let held = is_held(conn, actor, Entity::Lead, &key)?;
            Ok((held || tell_anyway).then_some(Change::Gone {
                entity: Entity::Lead,
                id: key,
            }))
        }
    }
}

/// A record that hangs off a lead (note, activity, tag, reminder) as
/// `actor` is to hold it now.
fn part_as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entity: Entity,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    match entity {
        Entity::Note | Entity::Activity => timeline::as_seen(conn, actor, entity, id, tell_anyway),
        Entity::LeadTag => tags::as_seen(conn, actor, id, tell_anyway),
        Entity::Reminder => reminders::as_seen(conn, actor, id, tell_anyway),
        Entity::Task => tasks::as_seen(conn, actor, id, tell_anyway),
        Entity::Customer => customers::as_seen(conn, actor, id, tell_anyway),
        _ => Ok(None),
    }
}

/// Everything hanging off a lead that `actor` holds with it.
pub(super) fn parts_of_lead(
    conn: &mut SqliteConnection,
    actor: &Actor,
    lead: LeadId,
) -> CoreResult<Vec<Change>> {
    let mut parts = timeline::of_lead(conn, lead)?;
    parts.extend(tags::of_lead(conn, lead)?);
    parts.extend(reminders::of_lead(conn, actor, lead)?);
    parts.extend(tasks::of_lead(conn, actor, lead)?);
    parts.extend(customers::of_lead(conn, lead)?);
    Ok(parts)
}

impl Change {
    /// The journal's name of the record (entity and id).
    pub fn key(&self) -> (Entity, String) {
        match self {
            Change::User(u) => (Entity::User, u.id.to_string()),
            Change::Lead(l) => (Entity::Lead, l.id.to_string()),
            Change::Note(n) => (Entity::Note, n.id.to_string()),
            Change::Activity(a) => (Entity::Activity, a.id.to_string()),
            Change::Tag(t) => (Entity::LeadTag, t.key()),
            Change::Reminder(r) => (Entity::Reminder, r.id.to_string()),
            Change::Task(t) => (Entity::Task, t.id.to_string()),
            Change::Customer(c) => (Entity::Customer, c.id.to_string()),
            Change::Gone { entity, id } => (*entity, id.clone()),
        }
    }
}

fn user_record(conn: &mut SqliteConnection, id: UserId) -> CoreResult<Option<crate::users::User>> {
    Ok(team(conn, Some(id))?.pop())
}

/// Team members as desktops hold them (one, or all): a deleted account too,
/// as deactivated, since its leads, notes and tasks still name it.
pub(super) fn team(
    conn: &mut SqliteConnection,
    only: Option<UserId>,
) -> CoreResult<Vec<crate::users::User>> {
    let mut query = users::table
        .order(users::created_at.asc())
        .select((crate::users::User::as_select(), users::deleted_at))
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(users::id.eq(id));
    }
    let rows: Vec<(crate::users::User, Option<Timestamp>)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(mut user, deleted)| {
            user.deactivated_at = user.deactivated_at.or(deleted);
            user
        })
        .collect())
}

/// Whether `actor`'s desktops were ever sent the record.
pub(super) fn is_held(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entity: Entity,
    id: &str,
) -> CoreResult<bool> {
    let held: i64 = sync_held::table
        .filter(sync_held::user_id.eq(actor.user_id))
        .filter(sync_held::entity.eq(entity.as_str()))
        .filter(sync_held::entity_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(held > 0)
}

/// Remember that `actor`'s desktops hold the record.
pub(super) fn hold(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entity: Entity,
    id: &str,
) -> CoreResult<()> {
    diesel::insert_or_ignore_into(sync_held::table)
        .values((
            sync_held::user_id.eq(actor.user_id),
            sync_held::entity.eq(entity.as_str()),
            sync_held::entity_id.eq(id),
        ))
        .execute(conn)?;
    Ok(())
}

/// What a client did with a page of changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Received {
    /// Team members written (new or changed).
    pub users: usize,
    /// Leads written.
    pub applied: usize,
    /// Notes, activities, tags and reminders written.
    pub timeline: usize,
    pub removed: usize,
    /// Records with changes of this client's own still waiting to be pushed:
    /// left alone, they come back in the pull after that push.
    pub deferred: usize,
}

/// Apply a page of changes to a client's database: rows are written as the
/// server has them, without journal entries (they are not this client's
/// changes), except records with local changes after `pushed_seq`.
pub fn receive(
    store: &Store,
    changes: &[Change],
    server_clock: Hlc,
    pushed_seq: i64,
) -> CoreResult<Received> {
    store.write(|conn| {
        let keys: Vec<(Entity, String)> = changes.iter().map(Change::key).collect();
        let pending = pending_among(conn, pushed_seq, &keys)?;
        let mut received = Received::default();
        for change in changes {
            if pending.contains(&change.key()) {
                received.deferred += 1;
                continue;
            }
            match change {
                Change::User(user) => {
                    put_user(conn, user)?;
                    received.users += 1;
                }
                Change::Lead(record) => {
                    put_lead(conn, record)?;
                    received.applied += 1;
                }
                Change::Note(note) => {
                    received.timeline += usize::from(timeline::put_note(conn, note)?);
                }
                Change::Activity(activity) => {
                    received.timeline += usize::from(timeline::put_activity(conn, activity)?);
                }
                Change::Tag(tag) => {
                    received.timeline += usize::from(tags::put(conn, tag)?);
                }
                Change::Reminder(reminder) => {
                    received.timeline += usize::from(reminders::put(conn, reminder)?);
                }
                Change::Task(task) => {
                    received.timeline += usize::from(tasks::put(conn, task)?);
                }
                Change::Customer(customer) => {
                    received.timeline += usize::from(customers::put(conn, customer)?);
                }
                Change::Gone { entity, id } => {
                    received.removed += match entity {
                        Entity::Lead => match LeadId::parse(id) {
                            Ok(id) => remove_lead(conn, id)?,
                            Err(_) => 0,
                        },
                        Entity::LeadTag => tags::remove(conn, id)?,
                        Entity::Reminder => reminders::remove(conn, id)?,
                        Entity::Task => tasks::remove(conn, id)?,
                        Entity::Customer => customers::remove(conn, id)?,
                        _ => timeline::remove(conn, *entity, id)?,
                    };
                }
            }
        }
        diesel::update(sync_clock::table.filter(sync_clock::seen.lt(server_clock.raw())))
            .set(sync_clock::seen.eq(server_clock.raw()))
            .execute(conn)?;
        Ok(received)
    })
}

/// Which of `keys` have changes made here after `pushed_seq`, still to go
/// (looked up by record: a desktop with much unpushed work would otherwise
/// gather all of it for every page it takes).
fn pending_among(
    conn: &mut SqliteConnection,
    pushed_seq: i64,
    keys: &[(Entity, String)],
) -> CoreResult<std::collections::HashSet<(Entity, String)>> {
    let mut by_entity: std::collections::HashMap<Entity, Vec<&str>> = Default::default();
    for (entity, id) in keys {
        if *entity != Entity::User {
            by_entity.entry(*entity).or_default().push(id);
        }
    }
    let mut pending = std::collections::HashSet::new();
    for (entity, ids) in by_entity {
        for chunk in ids.chunks(500) {
            let found: Vec<String> = journal::made_here_after(pushed_seq)
                .filter(change_journal::entity.eq(entity))
                .filter(change_journal::entity_id.eq_any(chunk))
                .select(change_journal::entity_id)
                .distinct()
                .load(conn)?;
            pending.extend(found.into_iter().map(|id| (entity, id)));
        }
    }
    Ok(pending)
}

/// The records with changes made here after `pushed_seq`, still to go.
fn pending_ids(
    conn: &mut SqliteConnection,
    pushed_seq: i64,
) -> CoreResult<std::collections::HashSet<(Entity, String)>> {
    Ok(journal::made_here_after(pushed_seq)
        .select((change_journal::entity, change_journal::entity_id))
        .distinct()
        .load::<(Entity, String)>(conn)?
        .into_iter()
        .collect())
}

/// A page of a full resync (the desktop's cursor was older than the purge
/// horizon): received as any page; then each lead it sent keeps only the
/// notes, activities, tags and reminders sent with it (what else the desktop
/// holds was deleted and purged on the server), and is marked seen, for
/// [`sweep_unseen`] at the end. The first page (`first`) carries every task
/// the user holds: the others here leave.
pub fn receive_resync(
    store: &Store,
    changes: &[Change],
    server_clock: Hlc,
    pushed_seq: i64,
    first: bool,
) -> CoreResult<Received> {
    use crate::schema::{activities, lead_tags, notes, reminders, sync_resync_seen};
    let mut received = receive(store, changes, server_clock, pushed_seq)?;
    store.write(|conn| {
        let pending = pending_ids(conn, pushed_seq)?;
        if first {
            let sent: std::collections::HashSet<String> = changes
                .iter()
                .filter_map(|c| match c {
                    Change::Task(t) => Some(t.id.to_string()),
                    _ => None,
                })
                .collect();
            let held: Vec<String> = crate::schema::tasks::table
                .select(crate::schema::tasks::id)
                .load(conn)?;
            for id in held {
                if !sent.contains(&id) && !pending.contains(&(Entity::Task, id.clone())) {
                    received.removed += tasks::remove(conn, &id)?;
                }
            }
        }
        for change in changes {
            let Change::Lead(lead) = change else { continue };
            diesel::insert_or_ignore_into(sync_resync_seen::table)
                .values(sync_resync_seen::lead_id.eq(lead.id.to_string()))
                .execute(conn)?;
            if pending.contains(&(Entity::Lead, lead.id.to_string())) {
                continue;
            }
            // Held here, neither sent with the lead nor waiting to go.
            let sent: std::collections::HashSet<(Entity, String)> = changes
                .iter()
                .filter(|c| match c {
                    Change::Note(n) => n.lead_id == lead.id,
                    Change::Activity(a) => a.lead_id == lead.id,
                    Change::Tag(t) => t.lead_id == lead.id,
                    Change::Reminder(r) => r.lead_id == lead.id,
                    _ => false,
                })
                .map(Change::key)
                .collect();
            let stale = |entity: Entity, ids: Vec<String>| -> Vec<String> {
                ids.into_iter()
                    .filter(|id| {
                        let key = (entity, id.clone());
                        !pending.contains(&key) && !sent.contains(&key)
                    })
                    .collect()
            };
            let held: Vec<String> = notes::table
                .filter(notes::lead_id.eq(lead.id))
                .select(notes::id)
                .load(conn)?;
            diesel::delete(notes::table.filter(notes::id.eq_any(stale(Entity::Note, held))))
                .execute(conn)?;
            let held: Vec<String> = activities::table
                .filter(activities::lead_id.eq(lead.id))
                .select(activities::id)
                .load(conn)?;
            diesel::delete(
                activities::table.filter(activities::id.eq_any(stale(Entity::Activity, held))),
            )
            .execute(conn)?;
            let held: Vec<String> = reminders::table
                .filter(reminders::lead_id.eq(lead.id))
                .select(reminders::id)
                .load(conn)?;
            diesel::delete(
                reminders::table.filter(reminders::id.eq_any(stale(Entity::Reminder, held))),
            )
            .execute(conn)?;
            let held: Vec<String> = lead_tags::table
                .filter(lead_tags::lead_id.eq(lead.id))
                .select(lead_tags::tag)
                .load(conn)?;
            let keys = held
                .iter()
                .map(|tag| format!("{}/{}", lead.id, tag.to_lowercase()))
                .collect();
            for key in stale(Entity::LeadTag, keys) {
                tags::remove(conn, &key)?;
            }
        }
        Ok(())
    })?;
    Ok(received)
}

/// The end of a full resync: the leads the snapshot did not send (and that
/// have no change of this desktop's waiting) leave, with what hangs off
/// them. Returns how many left. Runs in the caller's transaction, with the
/// cursor moving past the snapshot, so it happens exactly once.
pub(crate) fn sweep_unseen(conn: &mut SqliteConnection, pushed_seq: i64) -> CoreResult<usize> {
    use crate::schema::sync_resync_seen;
    let pending = pending_ids(conn, pushed_seq)?;
    let unseen: Vec<LeadId> = leads_table::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            sync_resync_seen::table.filter(sync_resync_seen::lead_id.eq(leads_table::id)),
        )))
        .select(leads_table::id)
        .load(conn)?;
    let mut removed = 0;
    for id in unseen {
        if !pending.contains(&(Entity::Lead, id.to_string())) {
            removed += remove_lead(conn, id)?;
        }
    }
    diesel::delete(sync_resync_seen::table).execute(conn)?;
    Ok(removed)
}

/// Write a team member as the server has them. A new one has no password
/// here: they cannot sign in on this desktop with it (only the desktop's own
/// user, who signed in to the server from it, can).
pub(crate) fn put_user(conn: &mut SqliteConnection, user: &crate::users::User) -> CoreResult<()> {
    // A local account with the same email (an existing desktop's colleague)
    // is this member: it becomes them, or, if they are here already under
    // their own id, gives the email up.
    let same_email = crate::users::local_twin(conn, user)?;
    if let Some(local) = same_email {
        let here = users::table
            .filter(users::id.eq(user.id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if here {
            diesel::update(users::table.filter(users::id.eq(local)))
                .set(users::email.eq(format!("{}#replaced-{local}", user.email)))
                .execute(conn)?;
        } else {
            crate::users::rekey(conn, local, user)?;
            return Ok(());
        }
    }
    diesel::insert_into(users::table)
        .values((
            users::id.eq(user.id),
            users::name.eq(&user.name),
            users::email.eq(&user.email),
            users::role.eq(user.role),
            users::time_zone.eq(&user.time_zone),
            users::deactivated_at.eq(user.deactivated_at),
            users::created_at.eq(user.created_at),
            users::updated_at.eq(user.updated_at),
        ))
        .on_conflict(users::id)
        .do_update()
        .set((
            users::name.eq(&user.name),
            users::email.eq(&user.email),
            users::role.eq(user.role),
            users::deactivated_at.eq(user.deactivated_at),
            users::updated_at.eq(user.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Write a lead as the server has it (its search index and the dashboard's
/// summaries follow by the usual triggers).
fn put_lead(conn: &mut SqliteConnection, record: &LeadRecord) -> CoreResult<()> {
    let digits = record
        .phone
        .as_deref()
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>())
        .filter(|d| !d.is_empty());
    let exists = leads_table::table
        .filter(leads_table::id.eq(record.id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        let row = NewLeadRow {
            id: record.id,
            name: record.name.clone(),
            email: record.email.clone(),
            phone: record.phone.clone(),
            phone_digits: digits,
            company: record.company.clone(),
            source: record.source,
            status: record.status,
            owner_id: record.owner_id,
            claimed_at: record.claimed_at,
            converted_at: record.converted_at,
            lost_at: record.lost_at,
            import_batch_id: None,
            created_at: record.created_at,
            updated_at: record.updated_at,
            created_by: record.created_by,
            created_via: record.created_via,
        };
        diesel::insert_into(leads_table::table)
            .values(&row)
            .execute(conn)?;
        // A tombstone is held too (a Manager may restore it offline): the
        // row goes in live, then dies, so the triggers count it right.
        if record.deleted_at.is_some() {
            diesel::update(leads_table::table.filter(leads_table::id.eq(record.id)))
                .set(leads_table::deleted_at.eq(record.deleted_at))
                .execute(conn)?;
        }
        return Ok(());
    }
    let changes = LeadChanges {
        name: Some(record.name.clone()),
        email: Some(record.email.clone()),
        phone: Some(record.phone.clone()),
        phone_digits: Some(digits),
        company: Some(record.company.clone()),
        source: Some(record.source),
        status: Some(record.status),
        owner_id: Some(record.owner_id),
        claimed_at: Some(record.claimed_at),
        converted_at: Some(record.converted_at),
        lost_at: Some(record.lost_at),
        deleted_at: Some(record.deleted_at),
        updated_at: Some(record.updated_at),
    };
    diesel::update(leads_table::table.filter(leads_table::id.eq(record.id)))
        .set(&changes)
        .execute(conn)?;
    // Who made it never changes, but a lead first held from a server that
    // did not say learns it when one does.
    if record.created_via.is_some() {
        diesel::update(
            leads_table::table
                .filter(leads_table::id.eq(record.id))
                .filter(leads_table::created_via.is_null()),
        )
        .set((
            leads_table::created_by.eq(record.created_by),
            leads_table::created_via.eq(record.created_via),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Remove a lead that left this user's sight, with everything hanging off
/// it; tasks and notifications that pointed at it stay, pointing nowhere.
fn remove_lead(conn: &mut SqliteConnection, id: LeadId) -> CoreResult<usize> {
    use crate::schema::{activities, customers, lead_tags, notes, notifications, reminders, tasks};
    diesel::delete(lead_tags::table.filter(lead_tags::lead_id.eq(id))).execute(conn)?;
    diesel::delete(notes::table.filter(notes::lead_id.eq(id))).execute(conn)?;
    diesel::delete(activities::table.filter(activities::lead_id.eq(id))).execute(conn)?;
    diesel::delete(reminders::table.filter(reminders::lead_id.eq(id))).execute(conn)?;
    diesel::delete(customers::table.filter(customers::lead_id.eq(id))).execute(conn)?;
    diesel::update(tasks::table.filter(tasks::lead_id.eq(id)))
        .set(tasks::lead_id.eq(None::<LeadId>))
        .execute(conn)?;
    diesel::update(notifications::table.filter(notifications::lead_id.eq(id)))
        .set(notifications::lead_id.eq(None::<LeadId>))
        .execute(conn)?;
    Ok(diesel::delete(leads_table::table.filter(leads_table::id.eq(id))).execute(conn)?)
}
