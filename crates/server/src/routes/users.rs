//! Accounts managed by an Admin (Managers may list them).

use super::openapi::{Conflict, Forbidden, NotFound};
use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::Path;
use crate::extract::{Auth, Body};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use leadlight_core::Page;
use leadlight_core::ids::UserId;
use leadlight_core::users::{self, NewUser, User, UserPatch};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPassword {
    #[schema(format = Password)]
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

#[utoipa::path(get, path = "/api/users",
    responses((status = 200, description = "Every account, by name, as one page", body = Page<User>),
        Forbidden))]
async fn list(State(s): State<AppState>, Auth(a): Auth) -> Api<Page<User>> {
    ok(s.run(move |st| users::list(st, &a).map(Page::all)).await)
}

#[utoipa::path(post, path = "/api/users", request_body = NewUser,
    responses((status = 201, description = "The new account", body = User), Forbidden, Conflict))]
async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewUser>,
) -> Result<Created<User>, ApiError> {
    created(s.run(move |st| users::create(st, &a, input)).await)
}

#[utoipa::path(get, path = "/api/users/{id}", params(("id" = UserId, Path)),
    responses((status = 200, description = "The user", body = User), NotFound))]
async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::get(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/users/{id}", params(("id" = UserId, Path)),
    request_body = UserPatch,
    responses((status = 200, description = "The user", body = User), Forbidden, NotFound,
        Conflict))]
async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<UserId>,
    Body(patch): Body<UserPatch>,
) -> Api<User> {
    ok(s.run(move |st| users::update(st, &a, id, patch)).await)
}

#[utoipa::path(delete, path = "/api/users/{id}", params(("id" = UserId, Path)),
    responses((status = 204, description = "Deleted; their sessions ended"), Forbidden, NotFound,
        Conflict))]
async fn delete(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<UserId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| users::delete(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/users/{id}/deactivate", params(("id" = UserId, Path)),
    responses((status = 200, description = "The user, deactivated", body = User), Forbidden,
        NotFound, Conflict))]
async fn deactivate(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::deactivate(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/users/{id}/reactivate", params(("id" = UserId, Path)),
    responses((status = 200, description = "The user, active", body = User), Forbidden, NotFound))]
async fn reactivate(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<UserId>) -> Api<User> {
    ok(s.run(move |st| users::reactivate(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/users/{id}/password", params(("id" = UserId, Path)),
    request_body = NewPassword,
    responses((status = 204, description = "Set; their sessions ended"), Forbidden, NotFound))]
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
