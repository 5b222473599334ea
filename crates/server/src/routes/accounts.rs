//! Sign-up, sign-in, token refresh and sign-out, and the signed-in user.

use super::openapi::{Conflict, RateLimited, Unauthenticated};
use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Body};
use crate::limits;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Router, middleware};
use leadlight_core::accounts::{self, Credentials, Registration, SignedIn};
use leadlight_core::users::{self, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Setup {
    /// No account exists yet: the first to register becomes the Admin.
    pub needs_first_account: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshToken {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TimeZone {
    /// An IANA time zone name such as "Europe/Berlin".
    pub time_zone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    #[schema(format = Password)]
    pub current_password: String,
    #[schema(format = Password)]
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok".
    pub status: &'static str,
}

pub fn routes(state: AppState) -> Router<AppState> {
    // Password guessing and account spam share one budget per address.
    let guarded = Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route_layer(middleware::from_fn_with_state(state, limits::sign_in));
    Router::new()
        .merge(guarded)
        .route("/health", get(health))
        .route("/setup", get(setup))
        .route("/auth/logout", post(logout))
        .route("/auth/me", get(me))
        .route("/auth/me/time-zone", put(set_time_zone))
        .route("/auth/me/password", put(change_password))
}

#[utoipa::path(get, path = "/api/health", tag = "server", security(()),
    responses((status = 200, description = "The server is up", body = Health)))]
async fn health() -> axum::Json<Health> {
    axum::Json(Health { status: "ok" })
}

#[utoipa::path(get, path = "/api/setup", security(()),
    responses((status = 200, description = "Whether first-run setup is due", body = Setup)))]
async fn setup(State(s): State<AppState>) -> Api<Setup> {
    ok(s.run(|st| {
        Ok(Setup {
            needs_first_account: accounts::needs_first_account(st)?,
        })
    })
    .await)
}

#[utoipa::path(post, path = "/api/auth/register", security(()), request_body = Registration,
    responses((status = 201, description = "The new account (the first is an Admin)", body = User),
        Conflict, RateLimited))]
async fn register(
    State(s): State<AppState>,
    Body(input): Body<Registration>,
) -> Result<Created<User>, ApiError> {
    created(s.run(move |st| accounts::register(st, input)).await)
}

#[utoipa::path(post, path = "/api/auth/login", security(()), request_body = Credentials,
    responses((status = 200, description = "Signed in", body = SignedIn), Unauthenticated,
        RateLimited))]
async fn login(State(s): State<AppState>, Body(input): Body<Credentials>) -> Api<SignedIn> {
    ok(s.run(move |st| accounts::login(st, input)).await)
}

#[utoipa::path(post, path = "/api/auth/refresh", security(()), request_body = RefreshToken,
    responses(
        (status = 200, description = "A new token pair; the old refresh token is spent",
            body = SignedIn), Unauthenticated, RateLimited))]
async fn refresh(State(s): State<AppState>, Body(input): Body<RefreshToken>) -> Api<SignedIn> {
    ok(s.run(move |st| accounts::refresh(st, &input.refresh_token))
        .await)
}

#[utoipa::path(post, path = "/api/auth/logout", security(()), request_body = RefreshToken,
    responses((status = 204, description = "The session ended"), Unauthenticated))]
async fn logout(
    State(s): State<AppState>,
    Body(input): Body<RefreshToken>,
) -> Result<StatusCode, ApiError> {
    gone(
        s.run(move |st| accounts::logout(st, &input.refresh_token))
            .await,
    )
}

#[utoipa::path(get, path = "/api/auth/me",
    responses((status = 200, description = "The signed-in user", body = User)))]
async fn me(State(s): State<AppState>, Auth(a): Auth) -> Api<User> {
    ok(s.run(move |st| users::get(st, &a, a.user_id)).await)
}

#[utoipa::path(put, path = "/api/auth/me/time-zone", request_body = TimeZone,
    responses((status = 200, description = "The signed-in user", body = User)))]
async fn set_time_zone(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<TimeZone>,
) -> Api<User> {
    ok(
        s.run(move |st| users::set_time_zone(st, &a, &input.time_zone))
            .await,
    )
}

#[utoipa::path(put, path = "/api/auth/me/password", request_body = PasswordChange,
    responses((status = 204, description = "Changed; every session of the user ended"), Conflict))]
async fn change_password(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    gone(
        s.run(move |st| {
            accounts::change_password(st, &a, &input.current_password, &input.new_password)
        })
        .await,
    )
}
