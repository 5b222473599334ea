//! Leads: the list with search and filters, one lead with its notes and
//! timeline, and what can be done to it.

use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Body, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post, put};
use leadlight_core::activity::{self, Activity, LogActivity};
use leadlight_core::customers::{self, Customer, CustomerPatch, CustomerQuery};
use leadlight_core::ids::{CustomerId, LeadId, UserId};
use leadlight_core::leads::{self, Lead, LeadDetail, LeadPatch, LeadQuery, NewLead};
use leadlight_core::notes::{self, Note};
use leadlight_core::{Page, PageRequest};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct NewStatus {
    pub status: String,
}

#[derive(Debug, Deserialize)]
pub struct Owner {
    /// The new owner; null returns the lead to the unclaimed pool.
    pub owner: Option<UserId>,
}

#[derive(Debug, Deserialize)]
pub struct Tags {
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct NewNote {
    pub body: String,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list).post(create))
        .route("/leads/{id}", get(read).put(update).delete(remove))
        .route("/leads/{id}/status", patch(set_status))
        .route("/leads/{id}/assign", put(assign))
        .route("/leads/{id}/convert", post(convert))
        .route("/leads/{id}/tags", post(add_tags))
        .route("/leads/{id}/tags/{tag}", delete(remove_tag))
        .route("/leads/{id}/notes", get(notes_of).post(add_note))
        .route(
            "/leads/{id}/activities",
            get(activities_of).post(log_activity),
        )
        .route("/customers", get(customers_list))
        .route("/customers/{id}", get(customer).put(customer_update))
}

async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| leads::list(st, &a, q)).await)
}

async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewLead>,
) -> Result<Created<Lead>, ApiError> {
    created(s.run(move |st| leads::create(st, &a, input)).await)
}

async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<LeadId>) -> Api<LeadDetail> {
    ok(s.run(move |st| leads::open(st, &a, id)).await)
}

async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(p): Body<LeadPatch>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::update(st, &a, id, p)).await)
}

async fn remove(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| leads::delete(st, &a, id)).await)
}

async fn set_status(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<NewStatus>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::change_status(st, &a, id, &b.status))
        .await)
}

async fn assign(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<Owner>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::assign(st, &a, id, b.owner)).await)
}

async fn convert(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
) -> Result<Created<Customer>, ApiError> {
    created(s.run(move |st| leads::convert(st, &a, id)).await)
}

async fn add_tags(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<Tags>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::add_tags(st, &a, id, b.tags)).await)
}

async fn remove_tag(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, tag)): Path<(LeadId, String)>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::remove_tag(st, &a, id, &tag)).await)
}

async fn notes_of(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Query(page): Query<PageRequest>,
) -> Api<Page<Note>> {
    ok(s.run(move |st| notes::list(st, &a, id, page)).await)
}

async fn add_note(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<NewNote>,
) -> Result<Created<Note>, ApiError> {
    created(s.run(move |st| notes::add(st, &a, id, &b.body)).await)
}

async fn activities_of(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Query(page): Query<PageRequest>,
) -> Api<Page<Activity>> {
    ok(s.run(move |st| activity::list_for_lead(st, &a, id, page))
        .await)
}

async fn log_activity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(input): Body<LogActivity>,
) -> Result<Created<Activity>, ApiError> {
    created(s.run(move |st| activity::log(st, &a, id, input)).await)
}

async fn customers_list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<CustomerQuery>,
) -> Api<Page<Customer>> {
    ok(s.run(move |st| customers::list(st, &a, q)).await)
}

async fn customer(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<CustomerId>,
) -> Api<Customer> {
    ok(s.run(move |st| customers::get(st, &a, id)).await)
}

async fn customer_update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<CustomerId>,
    Body(p): Body<CustomerPatch>,
) -> Api<Customer> {
    ok(s.run(move |st| customers::update(st, &a, id, p)).await)
}
