//! Sync of a lead's tags. A tag is there or not: adding and removing are
//! the two writes, and the later one (by clock, ties by client id) wins, so
//! a tag removed on one desktop and added on another ends as the later
//! decided. Whoever may edit the lead may tag it, as in the REST API.

use super::{Change, Outcome, PushOp};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::ids::{LeadId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::access;
use crate::schema::{change_journal, lead_tags};
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A lead's tag as sync carries it; removed ones too (`deleted_at`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[diesel(table_name = lead_tags)]
pub struct TagRecord {
    pub lead_id: LeadId,
    pub tag: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl TagRecord {
    /// The journal's name for it: tags differ only in case are one tag.
    pub fn key(&self) -> String {
        key(self.lead_id, &self.tag)
    }
}

fn key(lead: LeadId, tag: &str) -> String {
    format!("{lead}/{}", tag.to_lowercase())
}

/// What a desktop's journal says of a tag added or removed.
#[derive(Deserialize)]
struct TagOp {
    lead_id: LeadId,
    tag: String,
}

pub(super) fn apply(
    conn: &mut SqliteConnection,
    actor: &Actor,
    client: &str,
    op: &PushOp,
    fields: &Map<String, Value>,
) -> CoreResult<Outcome> {
    let TagOp { lead_id, tag } = serde_json::from_value(Value::Object(fields.clone()))
        .map_err(|e| CoreError::invalid("fields", e.to_string()))?;
    let tag = crate::fields::tag(&tag).map_err(|m| CoreError::invalid("tag", m))?;
    if op.entity_id != key(lead_id, &tag) {
        return Err(CoreError::invalid(
            "entity_id",
            "must be the lead's id and the tag, as lead/tag",
        ));
    }
    if !matches!(op.op, Op::Insert | Op::Delete) {
        return Err(CoreError::invalid("op", "a tag is added or removed"));
    }
    access::visible_lead(conn, actor, lead_id)?;
    // The last write applied here is the tag's clock: the server applies a
    // write only when it is later, so the journal's last entry is latest.
    let last: Option<(i64, Option<String>)> = change_journal::table
        .filter(change_journal::entity.eq(Entity::LeadTag.as_str()))
        .filter(change_journal::entity_id.eq(&op.entity_id))
        .order(change_journal::seq.desc())
        .select((change_journal::hlc, change_journal::origin))
        .first(conn)
        .optional()?;
    // Purged from the journal: the row's last change stands in for it.
    let last = match last {
        Some((hlc, origin)) => Some((hlc, origin.unwrap_or_default())),
        None => load(conn, &op.entity_id)?.map(|t| (t.updated_at.millis() << 16, String::new())),
    };
    let mine = (op.hlc.raw(), client.to_owned());
    if last.is_some_and(|theirs| theirs >= mine) {
        return Ok(Outcome::Superseded {
            fields: vec!["tag".into()],
        });
    }
    let at = op.hlc.wall();
    let removed = (op.op == Op::Delete).then_some(at);
    if removed.is_none() {
        let others: i64 = lead_tags::table
            .filter(lead_tags::lead_id.eq(lead_id))
            .filter(lead_tags::tag.ne(&tag))
            .filter(lead_tags::deleted_at.is_null())
            .count()
            .get_result(conn)?;
        if others as usize >= crate::leads::MAX_TAGS {
            return Err(CoreError::invalid(
                "tags",
                format!("a lead can have at most {} tags", crate::leads::MAX_TAGS),
            ));
        }
    }
    diesel::insert_into(lead_tags::table)
        .values((
            lead_tags::lead_id.eq(lead_id),
            lead_tags::tag.eq(&tag),
            lead_tags::created_at.eq(at),
            lead_tags::updated_at.eq(at),
            lead_tags::deleted_at.eq(removed),
        ))
        .on_conflict((lead_tags::lead_id, lead_tags::tag))
        .do_update()
        .set((
            lead_tags::tag.eq(&tag),
            lead_tags::deleted_at.eq(removed),
            lead_tags::updated_at.eq(at),
        ))
        .execute(conn)?;
    let fields = serde_json::json!({ "lead_id": lead_id, "tag": tag });
    super::settle(conn, actor, client, op, &fields, Vec::new())
}

fn load(conn: &mut SqliteConnection, id: &str) -> CoreResult<Option<TagRecord>> {
    let Some((lead, tag)) = id.split_once('/') else {
        return Ok(None);
    };
    let Ok(lead) = LeadId::parse(lead) else {
        return Ok(None);
    };
    // The column compares without case: `tag` finds any spelling.
    Ok(lead_tags::table
        .filter(lead_tags::lead_id.eq(lead))
        .filter(lead_tags::tag.eq(tag))
        .select(TagRecord::as_select())
        .first(conn)
        .optional()?)
}

/// The tag as `actor` is to hold it: with its lead when they hold that;
/// `gone` only to the desktop that named it itself.
pub(super) fn as_seen(
    conn: &mut SqliteConnection,
    actor: &Actor,
    id: &str,
    tell_anyway: bool,
) -> CoreResult<Option<Change>> {
    match load(conn, id)? {
        Some(tag) if super::timeline::in_scope(conn, actor, tag.lead_id)? => {
            Ok(Some(Change::Tag(tag)))
        }
        _ => Ok(tell_anyway.then(|| Change::Gone {
            entity: Entity::LeadTag,
            id: id.to_owned(),
        })),
    }
}

/// All of a lead's tags, removed ones too (a desktop may still show one).
pub(super) fn of_lead(conn: &mut SqliteConnection, lead: LeadId) -> CoreResult<Vec<Change>> {
    Ok(lead_tags::table
        .filter(lead_tags::lead_id.eq(lead))
        .select(TagRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(Change::Tag)
        .collect())
}

/// A desktop writes a tag as the server has it. Returns whether it was.
pub(super) fn put(conn: &mut SqliteConnection, tag: &TagRecord) -> CoreResult<bool> {
    if !super::timeline::lead_here(conn, tag.lead_id)? {
        return Ok(false);
    }
    diesel::insert_into(lead_tags::table)
        .values(tag)
        .on_conflict((lead_tags::lead_id, lead_tags::tag))
        .do_update()
        .set((
            lead_tags::tag.eq(&tag.tag),
            lead_tags::updated_at.eq(tag.updated_at),
            lead_tags::deleted_at.eq(tag.deleted_at),
        ))
        .execute(conn)?;
    Ok(true)
}

pub(super) fn remove(conn: &mut SqliteConnection, id: &str) -> CoreResult<usize> {
    let Some(tag) = load(conn, id)? else {
        return Ok(0);
    };
    Ok(diesel::delete(
        lead_tags::table
            .filter(lead_tags::lead_id.eq(tag.lead_id))
            .filter(lead_tags::tag.eq(&tag.tag)),
    )
    .execute(conn)?)
}

/// The live tags of `leads`, as journal inserts clocked when they last
/// changed (a desktop's first sign-in: see `replica::connect`).
pub(crate) fn restate(
    conn: &mut SqliteConnection,
    user: UserId,
    leads: &[LeadId],
) -> CoreResult<Vec<journal::Entry>> {
    let mut entries = Vec::new();
    for chunk in leads.chunks(500) {
        let tags: Vec<TagRecord> = lead_tags::table
            .filter(lead_tags::lead_id.eq_any(chunk))
            .filter(lead_tags::deleted_at.is_null())
            .select(TagRecord::as_select())
            .load(conn)?;
        for tag in tags {
            entries.push(journal::Entry::restated(
                Entity::LeadTag,
                tag.key(),
                &serde_json::json!({ "lead_id": tag.lead_id, "tag": tag.tag }),
                user,
                tag.updated_at,
            )?);
        }
    }
    Ok(entries)
}
