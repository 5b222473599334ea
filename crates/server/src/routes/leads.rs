//! Leads: the list with search and filters, one lead with its notes and
//! timeline, and what can be done to it.

use super::openapi::{Conflict, Forbidden, NotFound};
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
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStatus {
    /// new, contacted, qualified, converted or lost.
    pub status: String,
}

/// Required, and nothing else: a body without `owner` (a misspelt key) must
/// not read as null and send the lead back to the pool.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Owner {
    /// The new owner; null returns the lead to the unclaimed pool.
    #[serde(deserialize_with = "Option::deserialize")]
    #[schema(required = true)]
    pub owner: Option<UserId>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Tags {
    pub tags: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
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
        .route(
            "/customers/{id}",
            get(customer).put(customer_update).delete(customer_delete),
        )
}

#[utoipa::path(get, path = "/api/leads", params(LeadQuery),
    responses(
        (status = 200, description = "A page of the leads the user sees", body = Page<Lead>)))]
async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| leads::list(st, &a, q)).await)
}

#[utoipa::path(post, path = "/api/leads", request_body = NewLead,
    responses((status = 201, description = "The new lead", body = Lead), Forbidden))]
async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewLead>,
) -> Result<Created<Lead>, ApiError> {
    created(s.run(move |st| leads::create(st, &a, input)).await)
}

#[utoipa::path(get, path = "/api/leads/{id}", params(("id" = LeadId, Path)),
    responses((status = 200, description = "The lead with its page", body = LeadDetail), NotFound))]
async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<LeadId>) -> Api<LeadDetail> {
    ok(s.run(move |st| leads::open(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/leads/{id}", params(("id" = LeadId, Path)),
    request_body = LeadPatch,
    responses((status = 200, description = "The lead", body = Lead), NotFound))]
async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(p): Body<LeadPatch>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::update(st, &a, id, p)).await)
}

#[utoipa::path(delete, path = "/api/leads/{id}", params(("id" = LeadId, Path)),
    responses((status = 204, description = "Deleted (a tombstone)"), Forbidden, NotFound))]
async fn remove(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| leads::delete(st, &a, id)).await)
}

#[utoipa::path(patch, path = "/api/leads/{id}/status", params(("id" = LeadId, Path)),
    request_body = NewStatus,
    responses((status = 200, description = "The lead", body = Lead), NotFound))]
async fn set_status(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<NewStatus>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::change_status(st, &a, id, &b.status))
        .await)
}

#[utoipa::path(put, path = "/api/leads/{id}/assign", params(("id" = LeadId, Path)),
    request_body = Owner,
    responses((status = 200, description = "The lead", body = Lead), Forbidden, NotFound))]
async fn assign(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<Owner>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::assign(st, &a, id, b.owner)).await)
}

#[utoipa::path(post, path = "/api/leads/{id}/convert", params(("id" = LeadId, Path)),
    responses((status = 201, description = "The customer it became", body = Customer), NotFound,
        Conflict))]
async fn convert(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
) -> Result<Created<Customer>, ApiError> {
    created(s.run(move |st| leads::convert(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/leads/{id}/tags", params(("id" = LeadId, Path)),
    request_body = Tags,
    responses((status = 200, description = "The lead", body = Lead), NotFound))]
async fn add_tags(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<Tags>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::add_tags(st, &a, id, b.tags)).await)
}

#[utoipa::path(delete, path = "/api/leads/{id}/tags/{tag}",
    params(("id" = LeadId, Path),
        ("tag" = String, Path, description = "The tag, as the lead has it")),
    responses((status = 200, description = "The lead", body = Lead), NotFound))]
async fn remove_tag(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path((id, tag)): Path<(LeadId, String)>,
) -> Api<Lead> {
    ok(s.run(move |st| leads::remove_tag(st, &a, id, &tag)).await)
}

#[utoipa::path(get, path = "/api/leads/{id}/notes", params(("id" = LeadId, Path), PageRequest),
    responses((status = 200, description = "The lead's notes, newest first", body = Page<Note>),
        NotFound))]
async fn notes_of(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Query(page): Query<PageRequest>,
) -> Api<Page<Note>> {
    ok(s.run(move |st| notes::list(st, &a, id, page)).await)
}

#[utoipa::path(post, path = "/api/leads/{id}/notes", params(("id" = LeadId, Path)),
    request_body = NewNote,
    responses((status = 201, description = "The note", body = Note), NotFound))]
async fn add_note(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(b): Body<NewNote>,
) -> Result<Created<Note>, ApiError> {
    created(s.run(move |st| notes::add(st, &a, id, &b.body)).await)
}

#[utoipa::path(get, path = "/api/leads/{id}/activities", params(("id" = LeadId, Path), PageRequest),
    responses(
        (status = 200, description = "The lead's timeline, newest first", body = Page<Activity>),
        NotFound))]
async fn activities_of(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Query(page): Query<PageRequest>,
) -> Api<Page<Activity>> {
    ok(s.run(move |st| activity::list_for_lead(st, &a, id, page))
        .await)
}

#[utoipa::path(post, path = "/api/leads/{id}/activities", params(("id" = LeadId, Path)),
    request_body = LogActivity,
    responses((status = 201, description = "The activity", body = Activity), NotFound))]
async fn log_activity(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<LeadId>,
    Body(input): Body<LogActivity>,
) -> Result<Created<Activity>, ApiError> {
    created(s.run(move |st| activity::log(st, &a, id, input)).await)
}

#[utoipa::path(get, path = "/api/customers", tag = "customers", operation_id = "customers_list",
    params(CustomerQuery),
    responses(
        (status = 200, description = "A page of customers, newest first", body = Page<Customer>)))]
async fn customers_list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<CustomerQuery>,
) -> Api<Page<Customer>> {
    ok(s.run(move |st| customers::list(st, &a, q)).await)
}

#[utoipa::path(get, path = "/api/customers/{id}", tag = "customers",
    operation_id = "customers_read", params(("id" = CustomerId, Path)),
    responses((status = 200, description = "The customer", body = Customer), NotFound))]
async fn customer(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<CustomerId>,
) -> Api<Customer> {
    ok(s.run(move |st| customers::get(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/customers/{id}", tag = "customers",
    operation_id = "customers_update", params(("id" = CustomerId, Path)),
    request_body = CustomerPatch,
    responses((status = 200, description = "The customer", body = Customer), NotFound))]
async fn customer_update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<CustomerId>,
    Body(p): Body<CustomerPatch>,
) -> Api<Customer> {
    ok(s.run(move |st| customers::update(st, &a, id, p)).await)
}

#[utoipa::path(delete, path = "/api/customers/{id}", tag = "customers",
    operation_id = "customers_delete", params(("id" = CustomerId, Path)),
    responses((status = 204, description = "Removed (the lead stays as it is)"), NotFound))]
async fn customer_delete(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<CustomerId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| customers::delete(st, &a, id)).await)
}
