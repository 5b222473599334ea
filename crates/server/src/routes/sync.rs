//! Sync: a desktop pushes the changes it made (docs/SYNC.md).

use super::openapi::Forbidden;
use super::{Api, ok};
use crate::extract::{Auth, Body, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use leadlight_core::sync::{self, ChangesPage, ChangesQuery, PushAnswer, PushBatch};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/sync/push", post(push))
        .route("/sync/changes", get(changes))
}

/// Apply a batch of a desktop's changes, in one transaction: operations
/// already applied are skipped, each is checked by the same rules as the REST
/// API, and per field the later write wins.
#[utoipa::path(post, path = "/api/sync/push", request_body = PushBatch,
    responses((status = 200, description = "What became of each operation", body = PushAnswer),
        Forbidden))]
async fn push(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(batch): Body<PushBatch>,
) -> Api<PushAnswer> {
    ok(s.run(move |st| sync::push(st, &a, batch)).await)
}

/// The records changed since the cursor that the caller may see, each as it
/// is now (or `gone` when it left their sight), a page at a time.
#[utoipa::path(get, path = "/api/sync/changes", params(ChangesQuery),
    responses((status = 200, description = "A page of changes and the next cursor", body = ChangesPage)))]
async fn changes(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<ChangesQuery>,
) -> Api<ChangesPage> {
    ok(s.run(move |st| sync::changes_for(st, &a, q)).await)
}
