//! Follow-up reminders: today's, overdue and upcoming; done and snooze.

use super::openapi::{Conflict, Forbidden, NotFound};
use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Body, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use leadlight_core::ids::ReminderId;
use leadlight_core::reminders::{self, NewReminder, Reminder, ReminderPatch};
use leadlight_core::{Page, PageRequest};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct Snooze {
    /// An RFC 3339 instant.
    pub until: String,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reminders", get(list).post(create))
        .route("/reminders/today", get(today))
        .route("/reminders/overdue", get(overdue))
        .route("/reminders/upcoming", get(upcoming))
        .route("/reminders/{id}", get(read).put(update).delete(remove))
        .route("/reminders/{id}/complete", post(complete))
        .route("/reminders/{id}/snooze", post(snooze))
}

#[utoipa::path(post, path = "/api/reminders", request_body = NewReminder,
    responses((status = 201, description = "The reminder", body = Reminder), Forbidden, NotFound))]
async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewReminder>,
) -> Result<Created<Reminder>, ApiError> {
    created(s.run(move |st| reminders::create(st, &a, input)).await)
}

#[utoipa::path(get, path = "/api/reminders/today",
    responses(
        (status = 200, description = "The user's pending reminders due today",
            body = Vec<Reminder>)))]
async fn today(State(s): State<AppState>, Auth(a): Auth) -> Api<Vec<Reminder>> {
    ok(s.run(move |st| reminders::today(st, &a)).await)
}

#[utoipa::path(get, path = "/api/reminders/overdue",
    responses(
        (status = 200, description = "The user's pending reminders past due",
            body = Vec<Reminder>)))]
async fn overdue(State(s): State<AppState>, Auth(a): Auth) -> Api<Vec<Reminder>> {
    ok(s.run(move |st| reminders::overdue(st, &a)).await)
}

#[utoipa::path(get, path = "/api/reminders/upcoming", params(PageRequest),
    responses(
        (status = 200, description = "The user's pending reminders after today, soonest first",
            body = Page<Reminder>)))]
async fn upcoming(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Page<Reminder>> {
    ok(s.run(move |st| reminders::upcoming(st, &a, page)).await)
}

#[utoipa::path(get, path = "/api/reminders", params(PageRequest),
    responses(
        (status = 200, description = "The user's reminders, pending and done, soonest due first",
            body = Page<Reminder>)))]
async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Page<Reminder>> {
    ok(s.run(move |st| reminders::list(st, &a, page)).await)
}

#[utoipa::path(get, path = "/api/reminders/{id}", params(("id" = ReminderId, Path)),
    responses((status = 200, description = "The reminder", body = Reminder), NotFound))]
async fn read(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ReminderId>,
) -> Api<Reminder> {
    ok(s.run(move |st| reminders::get(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/reminders/{id}", params(("id" = ReminderId, Path)),
    request_body = ReminderPatch,
    responses((status = 200, description = "The reminder", body = Reminder), NotFound, Conflict))]
async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ReminderId>,
    Body(p): Body<ReminderPatch>,
) -> Api<Reminder> {
    ok(s.run(move |st| reminders::update(st, &a, id, p)).await)
}

#[utoipa::path(delete, path = "/api/reminders/{id}", params(("id" = ReminderId, Path)),
    responses((status = 204, description = "Deleted"), NotFound))]
async fn remove(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ReminderId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| reminders::delete(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/reminders/{id}/complete", params(("id" = ReminderId, Path)),
    responses((status = 200, description = "The reminder, done", body = Reminder), NotFound,
        Conflict))]
async fn complete(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ReminderId>,
) -> Api<Reminder> {
    ok(s.run(move |st| reminders::complete(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/reminders/{id}/snooze", params(("id" = ReminderId, Path)),
    request_body = Snooze,
    responses((status = 200, description = "The reminder, due later", body = Reminder), NotFound,
        Conflict))]
async fn snooze(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ReminderId>,
    Body(b): Body<Snooze>,
) -> Api<Reminder> {
    ok(s.run(move |st| reminders::snooze(st, &a, id, &b.until))
        .await)
}
