//! This desktop's side of sync: which server it syncs with and how far, one
//! sync round over any [`Transport`] (HTTP in the desktop, in-process in the
//! simulation), and the conflicts its user may review. The server's side is
//! [`crate::sync`]; docs/SYNC.md is the design.

use crate::actor::{Actor, Role};
use crate::error::{CoreError, CoreResult, ErrorCode};
use crate::ids::{SyncConflictId, UserId};
use crate::journal::Entity;
use crate::schema::{sync_conflicts, sync_state, users};
use crate::store::Store;
use crate::sync::{self, Change, ChangesPage, Outcome, PushAnswer, PushBatch, PushOp};
use crate::time::Timestamp;
use crate::users::User;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How much a round sends per push and asks for per pull.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub push: i64,
    pub pull: i64,
}

impl Default for Sizes {
    fn default() -> Self {
        Self {
            push: sync::MAX_OPS_PER_BATCH as i64,
            pull: 500,
        }
    }
}

/// Why a round could not reach the server or was refused by it. A failed
/// round loses nothing: only an answer from the server moves what has been
/// pushed, and only a page received moves the cursor.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransportError {
    /// No answer (no network, server down, timed out): try again later.
    #[error("offline: {0}")]
    Offline(String),
    /// The server answered with an error.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
}

/// How a desktop reaches its server.
pub trait Transport {
    fn push(&mut self, batch: &PushBatch) -> Result<PushAnswer, TransportError>;
    /// The page after `since`; `client_id` lets the server keep its
    /// journal until this desktop has pulled past it.
    fn changes(
        &mut self,
        client_id: &str,
        since: i64,
        limit: i64,
    ) -> Result<ChangesPage, TransportError>;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sync_state)]
struct StateRow {
    server_url: String,
    client_id: String,
    user_id: UserId,
    pushed_seq: i64,
    cursor: i64,
    last_success_at: Option<Timestamp>,
    last_error: Option<String>,
    /// A full resync is under way (the cursor was older than the server's
    /// purge horizon).
    resync: i32,
}

/// Where this desktop stands with its server, for the sync indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncStatus {
    pub server_url: String,
    pub user_id: UserId,
    pub client_id: String,
    /// Changes made here the server has not settled yet.
    pub pending: i64,
    pub last_success_at: Option<Timestamp>,
    /// Why the last round failed; `None` once a round succeeds.
    pub last_error: Option<String>,
    /// Conflicts the user has not reviewed.
    pub conflicts: i64,
}

/// Set this desktop up to sync with `server_url` as `user`, the server's
/// user it signed in as. The same server and user keep their place. Another
/// server or user starts over with a new client id (the server binds a
/// client id to one user) and pulls from the start.
///
/// The first time, the desktop's own data comes along: a local account with
/// the same email becomes the server's user (its leads, notes, sessions...
/// follow, see [`crate::users`]), otherwise the user is written here as the
/// server has them; with `password` (the one just used to sign in) they can
/// sign in on this desktop offline too. Then every lead here that the user
/// may push is restated in the journal as it is now, clocked when it last
/// changed, and only that is pushed: a lead the server already has takes
/// only what changed here later than there.
pub fn connect(
    store: &Store,
    server_url: &str,
    user: &User,
    password: Option<&str>,
) -> CoreResult<SyncStatus> {
    let url = server_url.trim().trim_end_matches('/');
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
        return Err(CoreError::invalid(
            "server_url",
            "give the team server's address, starting with https:// (or http:// on a trusted network)",
        ));
    }
    // Hashing is slow on purpose: before the write lock.
    let password_hash = password.map(crate::passwords::hash).transpose()?;
    let now = store.now();
    store.write(|conn| {
        let same_person = crate::users::local_twin(conn, user)?;
        match same_person {
            Some(local) => crate::users::rekey(conn, local, user)?,
            None => sync::put_user(conn, user)?,
        }
        if let Some(hash) = password_hash {
            diesel::update(users::table.filter(users::id.eq(user.id)))
                .set(users::password_hash.eq(hash))
                .execute(conn)?;
        }
        let current = load(conn)?;
        let same = current
            .as_ref()
            .is_some_and(|s| s.server_url == url && s.user_id == user.id);
        if !same {
            let pushed_seq = restate(conn, user)?;
            // Synced before (another server or user, or signed out and in
            // again): what it held then may be stale or not this user's,
            // so the first snapshot replaces it.
            let before = current.is_some() || synced_before(conn)?;
            diesel::replace_into(crate::schema::settings::table)
                .values((
                    crate::schema::settings::key.eq(SYNCED_BEFORE),
                    crate::schema::settings::value.eq("1"),
                    crate::schema::settings::created_at.eq(now),
                    crate::schema::settings::updated_at.eq(now),
                ))
                .execute(conn)?;
            diesel::delete(sync_state::table).execute(conn)?;
            diesel::delete(crate::schema::sync_resync_seen::table).execute(conn)?;
            diesel::insert_into(sync_state::table)
                .values((
                    sync_state::id.eq(1),
                    sync_state::server_url.eq(url),
                    sync_state::client_id.eq(uuid::Uuid::now_v7().to_string()),
                    sync_state::user_id.eq(user.id),
                    sync_state::pushed_seq.eq(pushed_seq),
                    sync_state::cursor.eq(sync::FIRST_SYNC),
                    sync_state::resync.eq(i32::from(before)),
                    sync_state::created_at.eq(now),
                    sync_state::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    status(store)?.ok_or_else(|| CoreError::internal("sync state missing after connect"))
}

/// The setting that says this desktop has synced with a server before
/// (kept when it stops syncing).
const SYNCED_BEFORE: &str = "sync.synced_before";

fn synced_before(conn: &mut SqliteConnection) -> CoreResult<bool> {
    use crate::schema::settings;
    Ok(settings::table
        .filter(settings::key.eq(SYNCED_BEFORE))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// Restate every live lead `user` may push, with its tags, the notes and
/// activities written in their name and the reminders they may push, as
/// journal inserts clocked when each last changed, and return the journal
/// position before them: what came earlier is in these, and is not pushed.
/// Leads come first: the server checks the rest against them.
fn restate(conn: &mut SqliteConnection, user: &User) -> CoreResult<i64> {
    use crate::journal::Entry;
    use crate::leads::LeadRow;
    use crate::schema::{activities, change_journal, leads, notes};
    use crate::sync::{ActivityRecord, NoteRecord};
    let before: Option<i32> = change_journal::table
        .select(diesel::dsl::max(change_journal::seq))
        .first(conn)?;
    let everything = matches!(user.role, Role::Admin | Role::Manager);
    let mut query = leads::table
        .filter(leads::deleted_at.is_null())
        .select(LeadRow::as_select())
        .into_boxed();
    if !everything {
        query = query.filter(leads::owner_id.eq(user.id));
    }
    let rows: Vec<LeadRow> = query.order(leads::seq.asc()).load(conn)?;
    let mut entries = rows
        .iter()
        .map(|row| {
            Entry::restated(
                Entity::Lead,
                row.id.to_string(),
                row,
                user.id,
                row.updated_at,
            )
        })
        .collect::<CoreResult<Vec<_>>>()?;
    let ids: Vec<_> = rows.iter().map(|row| row.id).collect();
    entries.extend(crate::sync::tags::restate(conn, user.id, &ids)?);
    for chunk in ids.chunks(500) {
        let written: Vec<NoteRecord> = notes::table
            .filter(notes::lead_id.eq_any(chunk))
            .filter(notes::author_id.eq(user.id))
            .filter(notes::deleted_at.is_null())
            .select(NoteRecord::as_select())
            .load(conn)?;
        for note in &written {
            entries.push(Entry::restated(
                Entity::Note,
                note.id.to_string(),
                note,
                user.id,
                note.created_at,
            )?);
        }
        let logged: Vec<ActivityRecord> = activities::table
            .filter(activities::lead_id.eq_any(chunk))
            .filter(activities::actor_id.eq(user.id))
            .filter(activities::deleted_at.is_null())
            .select(ActivityRecord::as_select())
            .load(conn)?;
        for activity in &logged {
            entries.push(Entry::restated(
                Entity::Activity,
                activity.id.to_string(),
                activity,
                user.id,
                activity.created_at,
            )?);
        }
    }
    entries.extend(crate::sync::reminders::restate(
        conn, user.id, everything, &ids,
    )?);
    entries.extend(crate::sync::customers::restate(conn, user.id, &ids)?);
    entries.extend(crate::sync::tasks::restate(conn, user.id)?);
    crate::journal::record_many(conn, entries)?;
    Ok(i64::from(before.unwrap_or(0)))
}

/// Keep the refresh token the server handed last (each renewal spends the
/// one before), so sync resumes after a restart without the password.
pub fn keep_token(store: &Store, refresh_token: &str) -> CoreResult<()> {
    store.write(|conn| {
        diesel::update(sync_state::table)
            .set(sync_state::refresh_token.eq(refresh_token))
            .execute(conn)?;
        Ok(())
    })
}

/// The server and the kept refresh token to resume with, if signed in.
pub fn kept_sign_in(store: &Store) -> CoreResult<Option<(String, String)>> {
    store.read(|conn| {
        Ok(sync_state::table
            .select((sync_state::server_url, sync_state::refresh_token))
            .first::<(String, Option<String>)>(conn)
            .optional()?
            .and_then(|(url, token)| token.map(|t| (url, t))))
    })
}

/// Stop syncing (signing out of the server). Local data stays.
pub fn disconnect(store: &Store) -> CoreResult<()> {
    store.write(|conn| {
        diesel::delete(sync_state::table).execute(conn)?;
        Ok(())
    })
}

fn load(conn: &mut SqliteConnection) -> CoreResult<Option<StateRow>> {
    Ok(sync_state::table
        .select(StateRow::as_select())
        .first(conn)
        .optional()?)
}

/// Where this desktop stands; `None` when no server is set up.
pub fn status(store: &Store) -> CoreResult<Option<SyncStatus>> {
    store.read(|conn| {
        let Some(state) = load(conn)? else {
            return Ok(None);
        };
        let pending: i64 = crate::journal::made_here_after(state.pushed_seq)
            .count()
            .get_result(conn)?;
        let conflicts: i64 = sync_conflicts::table
            .filter(sync_conflicts::reviewed_at.is_null())
            .count()
            .get_result(conn)?;
        Ok(Some(SyncStatus {
            server_url: state.server_url,
            user_id: state.user_id,
            client_id: state.client_id,
            pending,
            last_success_at: state.last_success_at,
            last_error: state.last_error,
            conflicts,
        }))
    })
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Round {
    pub pushed: usize,
    pub rejected: usize,
    pub superseded: usize,
    pub pulled: usize,
    pub removed: usize,
    /// Changes to records sync does not carry yet (tasks, customers):
    /// kept here, refused by the server, not the user's conflicts.
    pub not_synced_yet: usize,
    /// This round began a full resync: the desktop had been away longer
    /// than the server keeps its journal.
    pub resynced: bool,
}

/// How far a round has got, for a progress bar: operations pushed of those
/// waiting, then leads pulled (of how many, when the server said: a first
/// sync or a resync).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Progress {
    Pushing { done: i64, of: i64 },
    Pulling { records: usize, of: Option<i64> },
}

/// One sync round: push everything waiting, in batches, then pull until the
/// server has nothing more. Each answer is taken as it comes, so a round cut
/// short keeps what it got. The outcome (success, or the error) is recorded
/// for [`status`].
pub fn sync_once(
    store: &Store,
    transport: &mut dyn Transport,
    progress: &mut dyn FnMut(Progress),
) -> Result<Round, SyncError> {
    sync_with(store, transport, Sizes::default(), progress)
}

/// [`sync_once`] with other batch and page sizes.
pub fn sync_with(
    store: &Store,
    transport: &mut dyn Transport,
    sizes: Sizes,
    progress: &mut dyn FnMut(Progress),
) -> Result<Round, SyncError> {
    let outcome = round(store, transport, sizes, progress);
    let now = store.now();
    let (success, error) = match &outcome {
        Ok(_) => (Some(now), None),
        Err(e) => (None, Some(e.to_string())),
    };
    store.write(|conn| {
        let update = diesel::update(sync_state::table);
        match success {
            Some(at) => update
                .set((
                    sync_state::last_success_at.eq(at),
                    sync_state::last_error.eq(None::<String>),
                ))
                .execute(conn)?,
            None => update.set(sync_state::last_error.eq(error)).execute(conn)?,
        };
        Ok(())
    })?;
    outcome
}

/// Why a round stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no team server is set up")]
    NotConnected,
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Local(#[from] CoreError),
}

/// For the desktop's commands: a failed round as the core's error, in words
/// for the sync panel. The server's "unauthenticated" is about the team
/// server's sign-in, not this app's, so it names the password.
impl From<SyncError> for CoreError {
    fn from(error: SyncError) -> Self {
        match error {
            SyncError::Local(e) => e,
            SyncError::NotConnected => CoreError::invalid("server_url", "no team server is set up"),
            SyncError::Transport(TransportError::Offline(why)) => CoreError::invalid(
                "server_url",
                format!("cannot reach the team server ({why}); your changes wait here"),
            ),
            SyncError::Transport(TransportError::Refused { code, message }) => match code {
                ErrorCode::Unauthenticated => CoreError::invalid(
                    "password",
                    format!("the team server refused the sign-in: {message}"),
                ),
                ErrorCode::Forbidden => CoreError::Forbidden(message),
                ErrorCode::RateLimited => CoreError::RateLimited(message),
                ErrorCode::Validation => CoreError::invalid("server", message),
                _ => CoreError::Conflict(format!("the team server answered: {message}")),
            },
        }
    }
}

fn round(
    store: &Store,
    transport: &mut dyn Transport,
    sizes: Sizes,
    progress: &mut dyn FnMut(Progress),
) -> Result<Round, SyncError> {
    let mut done = Round::default();
    let waiting = status(store)?.ok_or(SyncError::NotConnected)?.pending;
    let mut sent = 0i64;
    loop {
        let state = store.read(load)?.ok_or(SyncError::NotConnected)?;
        let ops = sync::outbox(store, state.pushed_seq, sizes.push)?;
        if ops.is_empty() {
            break;
        }
        let batch = PushBatch {
            client_id: state.client_id.clone(),
            ops,
        };
        let answer = transport.push(&batch)?;
        let settled = take_answer(store, &batch.ops, &answer, &mut done)?;
        sent += settled as i64;
        progress(Progress::Pushing {
            done: sent.min(waiting),
            of: waiting,
        });
        if answer.applied_through <= state.pushed_seq {
            // The server settled nothing: it would answer the same again.
            return Err(TransportError::Refused {
                code: ErrorCode::Internal,
                message: "the server settled none of the changes sent".into(),
            }
            .into());
        }
    }
    let mut expected: Option<i64> = None;
    loop {
        let state = store.read(load)?.ok_or(SyncError::NotConnected)?;
        let page = transport.changes(&state.client_id, state.cursor, sizes.pull)?;
        if page.resync {
            done.resynced = true;
            // Away longer than the server keeps its journal: what the
            // snapshot sends replaces what is here; the rest goes at its end.
            store.write(|conn| {
                diesel::delete(crate::schema::sync_resync_seen::table).execute(conn)?;
                diesel::update(sync_state::table)
                    .set(sync_state::resync.eq(1))
                    .execute(conn)?;
                Ok(())
            })?;
        }
        let resyncing = page.resync || state.resync == 1;
        let received = if resyncing && (page.resync || state.cursor < 0) {
            sync::receive_resync(
                store,
                &page.changes,
                page.server_clock,
                state.pushed_seq,
                page.total.is_some(),
            )?
        } else {
            sync::receive(store, &page.changes, page.server_clock, state.pushed_seq)?
        };
        done.pulled += received.applied;
        done.removed += received.removed;
        let swept = store.write(|conn| {
            // The snapshot ended (the journal takes over): sweep, in the
            // same transaction as the cursor's move, so exactly once.
            let swept = if resyncing && page.cursor >= 0 {
                let swept = sync::sweep_unseen(conn, state.pushed_seq)?;
                diesel::update(sync_state::table)
                    .set(sync_state::resync.eq(0))
                    .execute(conn)?;
                swept
            } else {
                0
            };
            diesel::update(sync_state::table)
                .set(sync_state::cursor.eq(page.cursor))
                .execute(conn)?;
            Ok(swept)
        })?;
        done.removed += swept;
        expected = page.total.or(expected);
        progress(Progress::Pulling {
            records: done.pulled,
            of: expected,
        });
        if !page.more {
            break;
        }
    }
    Ok(done)
}

/// Take a push answer: the server's version of records it settled
/// otherwise, the conflicts to show, and the new pushed position, in one
/// transaction. Returns how many operations were settled.
fn take_answer(
    store: &Store,
    ops: &[PushOp],
    answer: &PushAnswer,
    done: &mut Round,
) -> CoreResult<usize> {
    // The records as the server keeps them, to show the winning values.
    // By entity and id: a customer record has its lead's id.
    let current: std::collections::HashMap<(Entity, String), Value> = answer
        .current
        .iter()
        .filter_map(|change| {
            let value = match change {
                Change::Lead(record) => serde_json::to_value(record),
                Change::Note(record) => serde_json::to_value(record),
                Change::Tag(record) => serde_json::to_value(record),
                Change::Reminder(record) => serde_json::to_value(record),
                Change::Task(record) => serde_json::to_value(record),
                Change::Customer(record) => serde_json::to_value(record),
                Change::User(_) | Change::Activity(_) | Change::Gone { .. } => return None,
            };
            Some((change.key(), value.unwrap_or(Value::Null)))
        })
        .collect();
    let now = store.now();
    let mut conflicts = Vec::new();
    for result in &answer.results {
        let Some(op) = ops.iter().find(|op| op.seq == result.seq) else {
            continue;
        };
        let theirs = current.get(&(op.entity, op.entity_id.clone()));
        match &result.outcome {
            Outcome::Applied | Outcome::AlreadyApplied => done.pushed += 1,
            Outcome::Superseded { fields } => {
                done.pushed += 1;
                done.superseded += 1;
                for field in fields {
                    let yours = op.fields.get(field).cloned().unwrap_or(Value::Null);
                    let winning = theirs
                        .and_then(|t| t.get(field))
                        .cloned()
                        .unwrap_or(Value::Null);
                    // The same value written on both sides is no conflict
                    // (a lead restated on a first sign-in, mostly).
                    if yours != winning {
                        conflicts.push(NewConflict {
                            entity: op.entity,
                            entity_id: op.entity_id.clone(),
                            field: Some(field.clone()),
                            yours,
                            winning,
                            message: "a later change on the server won".into(),
                        });
                    }
                }
            }
            Outcome::Rejected(_) if !sync::SYNCED.contains(&op.entity) => {
                done.not_synced_yet += 1;
            }
            // An activity follows the change it logs, and a customer record
            // its lead's conversion: refused with it, no conflict of its own.
            Outcome::Rejected(_) if matches!(op.entity, Entity::Activity | Entity::Customer) => {}
            Outcome::Rejected(refusal) => {
                done.rejected += 1;
                conflicts.push(NewConflict {
                    entity: op.entity,
                    entity_id: op.entity_id.clone(),
                    field: None,
                    yours: op.fields.clone(),
                    winning: theirs.cloned().unwrap_or(Value::Null),
                    message: refusal.message.clone(),
                });
            }
        }
    }
    let settled = answer
        .results
        .iter()
        .filter(|r| r.seq <= answer.applied_through)
        .count();
    // The server's versions of what it settled otherwise replace ours,
    // except records changed here again since (those go in the next push).
    // First: were the position to move first and the desktop stop between
    // the two, a refused change would stay here with nothing left to send
    // (the batch goes again if it stops before the position moves).
    sync::receive(
        store,
        &answer.current,
        answer.server_clock,
        answer.applied_through,
    )?;
    store.write(|conn| {
        diesel::update(sync_state::table.filter(sync_state::pushed_seq.lt(answer.applied_through)))
            .set((
                sync_state::pushed_seq.eq(answer.applied_through),
                sync_state::updated_at.eq(now),
            ))
            .execute(conn)?;
        for conflict in conflicts {
            conflict.insert(conn, now)?;
        }
        Ok(())
    })?;
    Ok(settled)
}

struct NewConflict {
    entity: Entity,
    entity_id: String,
    field: Option<String>,
    yours: Value,
    winning: Value,
    message: String,
}

impl NewConflict {
    fn insert(self, conn: &mut SqliteConnection, now: Timestamp) -> CoreResult<()> {
        diesel::insert_into(sync_conflicts::table)
            .values((
                sync_conflicts::id.eq(SyncConflictId::new()),
                sync_conflicts::entity.eq(self.entity),
                sync_conflicts::entity_id.eq(self.entity_id),
                sync_conflicts::field.eq(self.field),
                sync_conflicts::yours.eq(self.yours.to_string()),
                sync_conflicts::winning.eq(self.winning.to_string()),
                sync_conflicts::message.eq(self.message),
                sync_conflicts::at.eq(now),
                sync_conflicts::created_at.eq(now),
                sync_conflicts::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }
}

/// A change of this desktop's user that the server settled otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub id: SyncConflictId,
    pub entity: Entity,
    pub entity_id: String,
    /// `None`: the whole change was refused.
    pub field: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub yours: Value,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub winning: Value,
    pub message: String,
    pub at: Timestamp,
    pub reviewed: bool,
}

/// The conflicts are the changes of the user this desktop syncs as: theirs
/// to review (and an Admin's, who looks after the installation).
fn may_review(conn: &mut SqliteConnection, actor: &Actor) -> CoreResult<()> {
    match load(conn)? {
        Some(state) if state.user_id != actor.user_id && actor.role != Role::Admin => Err(
            CoreError::Forbidden("sync conflicts are for the user this desktop syncs as".into()),
        ),
        _ => Ok(()),
    }
}

/// The conflicts to review, newest first (reviewed ones too when asked).
pub fn conflicts(
    store: &Store,
    actor: &Actor,
    include_reviewed: bool,
) -> CoreResult<Vec<Conflict>> {
    store.read(|conn| {
        may_review(conn, actor)?;
        let mut query = sync_conflicts::table
            .select((
                sync_conflicts::id,
                sync_conflicts::entity,
                sync_conflicts::entity_id,
                sync_conflicts::field,
                sync_conflicts::yours,
                sync_conflicts::winning,
                sync_conflicts::message,
                sync_conflicts::at,
                sync_conflicts::reviewed_at,
            ))
            .order((sync_conflicts::at.desc(), sync_conflicts::id.desc()))
            .limit(500)
            .into_boxed();
        if !include_reviewed {
            query = query.filter(sync_conflicts::reviewed_at.is_null());
        }
        #[allow(clippy::type_complexity)]
        let rows: Vec<(
            SyncConflictId,
            Entity,
            String,
            Option<String>,
            String,
            String,
            String,
            Timestamp,
            Option<Timestamp>,
        )> = query.load(conn)?;
        Ok(rows
            .into_iter()
            .map(
                |(id, entity, entity_id, field, yours, winning, message, at, reviewed_at)| {
                    Conflict {
                        id,
                        entity,
                        entity_id,
                        field,
                        yours: serde_json::from_str(&yours).unwrap_or(Value::Null),
                        winning: serde_json::from_str(&winning).unwrap_or(Value::Null),
                        message,
                        at,
                        reviewed: reviewed_at.is_some(),
                    }
                },
            )
            .collect())
    })
}

/// Mark a conflict as seen.
pub fn review(store: &Store, actor: &Actor, id: SyncConflictId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        may_review(conn, actor)?;
        let changed = diesel::update(sync_conflicts::table.filter(sync_conflicts::id.eq(id)))
            .set((
                sync_conflicts::reviewed_at.eq(now),
                sync_conflicts::updated_at.eq(now),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(CoreError::NotFound { entity: "conflict" });
        }
        Ok(())
    })
}
