//! The public enquiry form, and the pool of unclaimed leads it fills.

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
async fn submit(
    State(s): State<AppState>,
    Body(input): Body<Enquiry>,
) -> Result<Created<EnquiryReceipt>, ApiError> {
    created(s.run(move |st| enquiries::submit(st, input)).await)
}

async fn unclaimed(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| enquiries::unclaimed(st, &a, page)).await)
}

/// 409 when someone else claimed it first.
async fn claim(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<LeadId>) -> Api<Lead> {
    ok(s.run(move |st| enquiries::claim(st, &a, id)).await)
}

async fn mine(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Api<Page<Lead>> {
    ok(s.run(move |st| enquiries::mine(st, &a, q)).await)
}
