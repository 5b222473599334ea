//! The REST API under `/api`. Every handler is one line over a core service
//! (shared/ARCHITECTURE.md): the core decides who may do what; a handler only
//! picks the inputs out of the request and the status code for the answer.

mod accounts;
mod analytics;
mod enquiries;
mod files;
mod leads;
mod notifications;
// src/openapi.rs: declared here rather than in lib.rs so that it reaches the
// handlers of these private modules.
#[path = "../openapi.rs"]
mod openapi;
mod reminders;
mod sync;
mod tasks;
mod users;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A handler's answer: 200 with JSON.
pub type Api<T> = Result<axum::Json<T>, ApiError>;

/// 201 with the created thing.
#[derive(Debug)]
pub struct Created<T>(pub T);

impl<T: Serialize> IntoResponse for Created<T> {
    fn into_response(self) -> Response {
        (StatusCode::CREATED, axum::Json(self.0)).into_response()
    }
}

/// 200 with JSON, from a service's result.
pub fn ok<T>(result: Result<T, ApiError>) -> Api<T> {
    result.map(axum::Json)
}

/// 201 with JSON, from a service's result.
pub fn created<T>(result: Result<T, ApiError>) -> Result<Created<T>, ApiError> {
    result.map(Created)
}

/// 204, from a service's result.
pub fn gone(result: Result<(), ApiError>) -> Result<StatusCode, ApiError> {
    result.map(|()| StatusCode::NO_CONTENT)
}

/// Every route under `/api` (mounted by the caller).
pub fn api(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(accounts::routes(state.clone()))
        .merge(users::routes())
        .merge(leads::routes())
        .merge(enquiries::routes(state))
        .merge(reminders::routes())
        .merge(tasks::routes())
        .merge(sync::routes())
        .merge(notifications::routes())
        .merge(analytics::routes())
        .merge(files::routes())
        .merge(openapi::routes())
}
