//! Tasks for agents.

use super::openapi::{Conflict, Forbidden, NotFound};
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

#[utoipa::path(get, path = "/api/tasks", params(TaskQuery),
    responses((status = 200, description = "A page of tasks, open first", body = Page<Task>)))]
async fn list(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<TaskQuery>,
) -> Api<Page<Task>> {
    ok(s.run(move |st| tasks::list(st, &a, q)).await)
}

#[utoipa::path(post, path = "/api/tasks", request_body = NewTask,
    responses((status = 201, description = "The task", body = Task), Forbidden, NotFound))]
async fn create(
    State(s): State<AppState>,
    Auth(a): Auth,
    Body(input): Body<NewTask>,
) -> Result<Created<Task>, ApiError> {
    created(s.run(move |st| tasks::create(st, &a, input)).await)
}

#[utoipa::path(get, path = "/api/tasks/{id}", params(("id" = TaskId, Path)),
    responses((status = 200, description = "The task", body = Task), NotFound))]
async fn read(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::get(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/tasks/{id}", params(("id" = TaskId, Path)),
    request_body = TaskPatch,
    responses((status = 200, description = "The task", body = Task), NotFound))]
async fn update(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<TaskId>,
    Body(p): Body<TaskPatch>,
) -> Api<Task> {
    ok(s.run(move |st| tasks::update(st, &a, id, p)).await)
}

#[utoipa::path(delete, path = "/api/tasks/{id}", params(("id" = TaskId, Path)),
    responses((status = 204, description = "Deleted"), Forbidden, NotFound))]
async fn remove(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<TaskId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| tasks::delete(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/tasks/{id}/complete", params(("id" = TaskId, Path)),
    responses((status = 200, description = "The task, done", body = Task), NotFound, Conflict))]
async fn complete(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::complete(st, &a, id)).await)
}

#[utoipa::path(post, path = "/api/tasks/{id}/reopen", params(("id" = TaskId, Path)),
    responses((status = 200, description = "The task, open again", body = Task), NotFound,
        Conflict))]
async fn reopen(State(s): State<AppState>, Auth(a): Auth, Path(id): Path<TaskId>) -> Api<Task> {
    ok(s.run(move |st| tasks::reopen(st, &a, id)).await)
}
