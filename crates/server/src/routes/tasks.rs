//! Tasks for agents.

use super::{Api, Created, created, gone, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Body, Path, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use leadlight_core::Page;
use leadlight_core::ids::TaskId;
use leadlight_core::tasks::{self, NewTask, Task, TaskPatch, TaskQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list).post(create))
        .route("/tasks/{id}", get(read).put(update).delete(remove))
        .route("/tasks/{id}/complete", post(complete))
        .route("/tasks/{id}/reopen", post(reopen))
}

async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<TaskQuery>,
) -> Api<Page<Task>> {
    ok(s.run(move |st| tasks::list(st, &a, q)).await)
}

async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewTask>,
) -> Result<Created<Task>, ApiError> {
    created(s.run(move |st| tasks::create(st, &a, input)).await)
}

async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::get(st, &a, id)).await)
}

async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<TaskId>,
    Body(p): Body<TaskPatch>,
) -> Api<Task> {
    ok(s.run(move |st| tasks::update(st, &a, id, p)).await)
}

async fn remove(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<TaskId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| tasks::delete(st, &a, id)).await)
}

async fn complete(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::complete(st, &a, id)).await)
}

async fn reopen(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::reopen(st, &a, id)).await)
}
