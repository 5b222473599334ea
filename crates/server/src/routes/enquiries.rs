//! The public enquiry form, and the pool of unclaimed leads it fills.

use super::openapi::{Conflict, NotFound, RateLimited};
use super::{Api, Created, created, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Body, Path, Query};
use crate::limits;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Router, middleware};
use leadlight_core::enquiries::{self, Enquiry, EnquiryReceipt};
use leadlight_core::ids::LeadId;
use leadlight_core::leads::{Lead, LeadQuery};
use leadlight_core::{Page, PageRequest};

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/enquiries",
            post(submit).route_layer(middleware::from_fn_with_state(state, limits::enquiry)),
        )
        .route("/enquiries/unclaimed", get(unclaimed))
        .route("/enquiries/mine", get(mine))
        .route("/enquiries/{id}/claim", post(claim))
}

/// No sign-in: anyone may send an enquiry (rate limited per address).
#[utoipa::path(post, path = "/api/enquiries", security(()), request_body = Enquiry,
    responses((status = 201, description = "Received: a new unclaimed lead", body = EnquiryReceipt),
        RateLimited))]
async fn submit(
    State(s): State<AppState>,
    Body(input): Body<Enquiry>,
) -> Result<Created<EnquiryReceipt>, ApiError> {
    created(s.run(move |st| enquiries::submit(st, input)).await)
}

#[utoipa::path(get, path = "/api/enquiries/unclaimed", params(PageRequest),
    responses(
        (status = 200, description = "Leads nobody owns yet, newest first", body = Page<Lead>)))]
async fn unclaimed(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| enquiries::unclaimed(st, &a, page)).await)
}

/// 409 when someone else claimed it first.
#[utoipa::path(post, path = "/api/enquiries/{id}/claim", params(("id" = LeadId, Path)),
    responses((status = 200, description = "The lead, now the user's", body = Lead), NotFound,
        Conflict))]
async fn claim(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<LeadId>) -> Api<Lead> {
    ok(s.run(move |st| enquiries::claim(st, &a, id)).await)
}

#[utoipa::path(get, path = "/api/enquiries/mine", params(LeadQuery),
    responses((status = 200, description = "The user's own leads", body = Page<Lead>)))]
async fn mine(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| enquiries::mine(st, &a, q)).await)
}
