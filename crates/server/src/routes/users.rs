//! Accounts managed by an Admin (Managers may list them).

use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::Path;
use crate::extract::{Auth, Body};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use leadlight_core::ids::UserId;
use leadlight_core::users::{self, NewUser, User, UserPatch};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct NewPassword {
    pub password: String,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(read).put(update).delete(delete))
        .route("/users/{id}/deactivate", post(deactivate))
        .route("/users/{id}/reactivate", post(reactivate))
        .route("/users/{id}/password", put(set_password))
}

async fn list(State(s): State<AppState>, Auth(a): Auth) -> Api<Vec<User>> {
    ok(s.run(move |st| users::list(st, &a)).await)
}

async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewUser>,
) -> Result<Created<User>, ApiError> {
    created(s.run(move |st| users::create(st, &a, input)).await)
}

async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::get(st, &a, id)).await)
}

async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<UserId>,
    Body(patch): Body<UserPatch>,
) -> Api<User> {
    ok(s.run(move |st| users::update(st, &a, id, patch)).await)
}

async fn delete(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<UserId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| users::delete(st, &a, id)).await)
}

async fn deactivate(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::deactivate(st, &a, id)).await)
}

async fn reactivate(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::reactivate(st, &a, id)).await)
}

async fn set_password(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<UserId>,
    Body(input): Body<NewPassword>,
) -> Result<StatusCode, ApiError> {
    gone(
        s.run(move |st| users::set_password(st, &a, id, &input.password))
            .await,
    )
}
