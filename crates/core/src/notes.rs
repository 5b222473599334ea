//! Notes on a lead. Adding one writes a `note_added` activity.

use crate::Store;
use crate::activity::{self, ActivityKind};
use crate::actor::Actor;
use crate::error::{CoreError, CoreResult};
use crate::fields::{self, Page, PageRequest};
use crate::ids::{LeadId, NoteId, UserId};
use crate::journal::{self, Entity, Op};
use crate::leads::access;
use crate::schema::notes;
use crate::time::Timestamp;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

pub(crate) const BODY_MAX: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: NoteId,
    pub lead_id: LeadId,
    pub author_id: Option<UserId>,
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: Timestamp,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = notes)]
struct NoteRow {
    id: NoteId,
    lead_id: LeadId,
    author_id: Option<UserId>,
    body: String,
    created_at: Timestamp,
}

#[derive(Insertable, Serialize)]
#[diesel(table_name = notes)]
pub(crate) struct NewNoteRow<'a> {
    pub id: NoteId,
    pub lead_id: LeadId,
    pub author_id: Option<UserId>,
    pub body: &'a str,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn hydrate(conn: &mut SqliteConnection, rows: Vec<NoteRow>) -> CoreResult<Vec<Note>> {
    let names = crate::users::names(conn, rows.iter().filter_map(|r| r.author_id))?;
    Ok(rows
        .into_iter()
        .map(|r| Note {
            author_name: r.author_id.and_then(|a| names.get(&a).cloned()),
            id: r.id,
            lead_id: r.lead_id,
            author_id: r.author_id,
            body: r.body,
            created_at: r.created_at,
        })
        .collect())
}

/// Add a note to a lead the actor may see.
pub fn add(store: &Store, actor: &Actor, lead_id: LeadId, body: &str) -> CoreResult<Note> {
    let body = fields::required_body(body, BODY_MAX).map_err(|m| CoreError::invalid("body", m))?;
    let now = store.now();
    store.write(|conn| {
        access::visible_lead(conn, actor, lead_id)?;
        let id = insert_row(conn, lead_id, Some(actor.user_id), &body, now)?;
        let excerpt: String = body.chars().take(140).collect();
        activity::record(
            conn,
            lead_id,
            Some(actor.user_id),
            ActivityKind::NoteAdded,
            json!({ "note_id": id, "excerpt": excerpt }),
            now,
            now,
        )?;
        crate::leads::touch(conn, lead_id, Some(actor.user_id), now)?;
        load(conn, id)
    })
}

/// Insert a note and its journal entry in the caller's transaction (enquiries
/// and imports write their notes this way too).
pub(crate) fn insert_row(
    conn: &mut SqliteConnection,
    lead_id: LeadId,
    author: Option<UserId>,
    body: &str,
    now: Timestamp,
) -> CoreResult<NoteId> {
    let row = NewNoteRow {
        id: NoteId::new(),
        lead_id,
        author_id: author,
        body,
        created_at: now,
        updated_at: now,
    };
    diesel::insert_into(notes::table)
        .values(&row)
        .execute(conn)?;
    journal::record(
        conn,
        Entity::Note,
        &row.id.to_string(),
        Op::Insert,
        &row,
        author,
        now,
    )?;
    Ok(row.id)
}

fn load(conn: &mut SqliteConnection, id: NoteId) -> CoreResult<Note> {
    let row = notes::table
        .filter(notes::id.eq(id))
        .filter(notes::deleted_at.is_null())
        .select(NoteRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(CoreError::not_found("note"))?;
    Ok(hydrate(conn, vec![row])?.remove(0))
}

fn live_for_lead(lead_id: LeadId) -> notes::BoxedQuery<'static, diesel::sqlite::Sqlite> {
    notes::table
        .filter(notes::lead_id.eq(lead_id))
        .filter(notes::deleted_at.is_null())
        .into_boxed()
}

/// The latest 100 notes of a lead, newest first (the lead page).
pub(crate) fn for_lead(conn: &mut SqliteConnection, lead_id: LeadId) -> CoreResult<Vec<Note>> {
    let rows = live_for_lead(lead_id)
        .order((notes::created_at.desc(), notes::id.desc()))
        .limit(100)
        .select(NoteRow::as_select())
        .load(conn)?;
    hydrate(conn, rows)
}

/// A lead's notes, newest first.
pub fn list(
    store: &Store,
    actor: &Actor,
    lead_id: LeadId,
    page: PageRequest,
) -> CoreResult<Page<Note>> {
    let mut problems = crate::error::Problems::new();
    page.check(&mut problems);
    problems.finish()?;
    store.read(|conn| {
        access::visible_lead(conn, actor, lead_id)?;
        let total = live_for_lead(lead_id).count().get_result(conn)?;
        let rows = live_for_lead(lead_id)
            .order((notes::created_at.desc(), notes::id.desc()))
            .limit(page.limit())
            .offset(page.offset())
            .select(NoteRow::as_select())
            .load(conn)?;
        Ok(Page::new(hydrate(conn, rows)?, page, total))
    })
}

/// Delete a note: its author, or a Manager or Admin.
pub fn delete(store: &Store, actor: &Actor, id: NoteId) -> CoreResult<()> {
    let now = store.now();
    store.write(|conn| {
        let note = load(conn, id)?;
        access::visible_lead(conn, actor, note.lead_id)
            .map_err(|_| CoreError::not_found("note"))?;
        if note.author_id != Some(actor.user_id) && !actor.sees_everything() {
            return Err(CoreError::Forbidden(
                "only the note's author, a Manager or an Admin can delete it".into(),
            ));
        }
        diesel::update(notes::table.filter(notes::id.eq(id)))
            .set((notes::deleted_at.eq(now), notes::updated_at.eq(now)))
            .execute(conn)?;
        journal::record(
            conn,
            Entity::Note,
            &id.to_string(),
            Op::Delete,
            &json!({ "deleted_at": now }),
            Some(actor.user_id),
            now,
        )
    })
}
