//! The change journal: one row per changed record, written in the same
//! transaction as the change, with the hybrid logical clock sync orders it
//! by. Sync pushes from it.

use crate::error::CoreResult;
use crate::hlc::Hlc;
use crate::ids::UserId;
use crate::schema::{change_journal, sync_clock};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::Serialize;

text_enum!(
    /// The kinds of record the journal tracks.
    Entity, "entity" {
        User => "user",
        Lead => "lead",
        LeadTag => "lead_tag",
        Note => "note",
        Activity => "activity",
        Reminder => "reminder",
        Task => "task",
        Customer => "customer",
    }
);

text_enum!(
    /// What happened to the record.
    Op, "operation" {
        Insert => "insert",
        Update => "update",
        Delete => "delete",
        Restore => "restore",
    }
);

/// An entry as it is written. Owned, so `record_many` can hand diesel a
/// full chunk as an array, whose statement it keeps (it keys them by a type
/// without lifetimes); None is NULL, not a default, so many share one INSERT.
#[derive(Insertable)]
#[diesel(table_name = change_journal)]
#[diesel(treat_none_as_default_value = false)]
struct NewEntry {
    entity: Entity,
    entity_id: String,
    op: Op,
    fields: String,
    actor_id: Option<UserId>,
    at: Timestamp,
    hlc: i64,
    /// The client a received change came from; `None` for one made here.
    origin: Option<String>,
}

/// Entries made here (not received by sync) after `after_seq`: what a
/// desktop still has to push.
pub(crate) fn made_here_after(after_seq: i64) -> change_journal::BoxedQuery<'static, Sqlite> {
    change_journal::table
        .filter(change_journal::seq.gt(after_seq as i32))
        .filter(change_journal::origin.is_null())
        .into_boxed()
}

/// The latest clock made here (the last entry) or seen from elsewhere; the
/// next change made here comes after it. Read inside the write transaction,
/// so two writers cannot take the same clock.
pub(crate) fn last_clock(conn: &mut SqliteConnection) -> CoreResult<Hlc> {
    // One statement for both (it runs for every journal entry).
    let last = change_journal::table
        .select(change_journal::hlc)
        .order(change_journal::seq.desc())
        .limit(1)
        .single_value();
    let (seen, last): (i64, Option<i64>) = sync_clock::table
        .select((sync_clock::seen, last))
        .first(conn)?;
    Ok(Hlc::from_raw(last.unwrap_or(0).max(seen)))
}

/// The seq of the last entry (0 when there is none).
pub(crate) fn last_seq(conn: &mut SqliteConnection) -> CoreResult<i64> {
    let last: Option<i32> = change_journal::table
        .select(diesel::dsl::max(change_journal::seq))
        .first(conn)?;
    Ok(last.map_or(0, i64::from))
}

/// Append one entry. `fields` holds the changed fields with their new values
/// (the whole record for an insert).
pub(crate) fn record(
    conn: &mut SqliteConnection,
    entity: Entity,
    entity_id: &str,
    op: Op,
    fields: &impl Serialize,
    actor: Option<UserId>,
    at: Timestamp,
) -> CoreResult<()> {
    let fields = serde_json::to_string(fields).map_err(crate::error::CoreError::internal)?;
    let hlc = Hlc::next(last_clock(conn)?, at).raw();
    diesel::insert_into(change_journal::table)
        .values(NewEntry {
            entity,
            entity_id: entity_id.to_owned(),
            op,
            fields,
            actor_id: actor,
            at,
            hlc,
            origin: None,
        })
        .execute(conn)?;
    Ok(())
}

/// Append an entry for a change received by sync: it keeps the clock it was
/// made with and says which client it came from (so it is not pushed back).
#[allow(clippy::too_many_arguments)]
pub(crate) fn record_received(
    conn: &mut SqliteConnection,
    entity: Entity,
    entity_id: &str,
    op: Op,
    fields: &impl Serialize,
    actor: Option<UserId>,
    hlc: Hlc,
    origin: &str,
) -> CoreResult<()> {
    let fields = serde_json::to_string(fields).map_err(crate::error::CoreError::internal)?;
    diesel::insert_into(change_journal::table)
        .values(NewEntry {
            entity,
            entity_id: entity_id.to_owned(),
            op,
            fields,
            actor_id: actor,
            at: hlc.wall(),
            hlc: hlc.raw(),
            origin: Some(origin.to_owned()),
        })
        .execute(conn)?;
    Ok(())
}

/// An entry for [`record_many`]: what `record` takes, owned.
pub(crate) struct Entry {
    entity: Entity,
    entity_id: String,
    op: Op,
    fields: String,
    actor: Option<UserId>,
    at: Timestamp,
    /// A clock given, instead of the next one after the journal's last.
    hlc: Option<Hlc>,
}

impl Entry {
    /// The entry for inserting `row` (the whole record).
    pub(crate) fn insert(
        entity: Entity,
        entity_id: String,
        row: &impl Serialize,
        actor: Option<UserId>,
        at: Timestamp,
    ) -> CoreResult<Self> {
        Ok(Self {
            entity,
            entity_id,
            op: Op::Insert,
            fields: serde_json::to_string(row).map_err(crate::error::CoreError::internal)?,
            actor,
            at,
            hlc: None,
        })
    }

    /// A record restated as it is (a desktop's first sign-in to a server):
    /// an insert of the whole row clocked when it last changed, not now, so
    /// a later change made elsewhere still wins over it.
    pub(crate) fn restated(
        entity: Entity,
        entity_id: String,
        row: &impl Serialize,
        actor: UserId,
        changed: Timestamp,
    ) -> CoreResult<Self> {
        Ok(Self {
            hlc: Some(Hlc::from_raw(changed.millis() << 16)),
            ..Self::insert(entity, entity_id, row, Some(actor), changed)?
        })
    }
}

/// Entries per multi-row INSERT (8 values each). A chunk of exactly this
/// many is one statement that diesel prepares once (as `leads::insert_rows`).
const ENTRIES_PER_INSERT: usize = 1_000;

/// Append many entries, several per statement (bulk writes such as an
/// import: a statement per entry is most of their cost).
pub(crate) fn record_many(conn: &mut SqliteConnection, entries: Vec<Entry>) -> CoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut clock = last_clock(conn)?;
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let rows: Vec<NewEntry> = entries
            .by_ref()
            .take(ENTRIES_PER_INSERT)
            .map(|entry| {
                let hlc = match entry.hlc {
                    Some(given) => given,
                    None => {
                        clock = Hlc::next(clock, entry.at);
                        clock
                    }
                };
                NewEntry {
                    entity: entry.entity,
                    entity_id: entry.entity_id,
                    op: entry.op,
                    fields: entry.fields,
                    actor_id: entry.actor,
                    at: entry.at,
                    hlc: hlc.raw(),
                    origin: None,
                }
            })
            .collect();
        match Box::<[NewEntry; ENTRIES_PER_INSERT]>::try_from(rows) {
            Ok(full) => diesel::insert_into(change_journal::table)
                .values(&*full)
                .execute(conn)?,
            Err(rows) => diesel::insert_into(change_journal::table)
                .values(&rows)
                .execute(conn)?,
        };
    }
    Ok(())
}

/// One journal entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Queryable, Selectable)]
#[diesel(table_name = change_journal)]
pub struct JournalEntry {
    pub entity: Entity,
    pub entity_id: String,
    pub op: Op,
    #[diesel(deserialize_as = String)]
    pub fields: JsonText,
    pub actor_id: Option<UserId>,
    pub at: Timestamp,
    #[diesel(deserialize_as = i64)]
    pub hlc: Hlc,
    pub origin: Option<String>,
}

impl From<i64> for Hlc {
    fn from(raw: i64) -> Self {
        Hlc::from_raw(raw)
    }
}

/// JSON stored as text, parsed on read.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct JsonText(pub serde_json::Value);

impl From<String> for JsonText {
    fn from(text: String) -> Self {
        Self(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }
}

/// Entries after `after_seq` in local order (sync's outbox reads this).
pub fn entries_since(
    store: &crate::Store,
    after_seq: i64,
    limit: i64,
) -> CoreResult<Vec<(i64, JournalEntry)>> {
    store.read(|conn| {
        let rows = change_journal::table
            .filter(change_journal::seq.gt(after_seq as i32))
            .order(change_journal::seq.asc())
            .limit(limit)
            .select((change_journal::seq, JournalEntry::as_select()))
            .load::<(Option<i32>, JournalEntry)>(conn)?;
        Ok(rows
            .into_iter()
            .map(|(seq, e)| (i64::from(seq.unwrap_or_default()), e))
            .collect())
    })
}
