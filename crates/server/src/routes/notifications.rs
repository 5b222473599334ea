//! The notification centre, and its live stream (Server-Sent Events).

use super::openapi::NotFound;
use super::{Api, gone, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Path, Query, bearer};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::{get, put};
use futures_util::Stream;
use leadlight_core::ids::NotificationId;
use leadlight_core::notifications::{self, Inbox, Notification};
use leadlight_core::reminders::{self, Reminder};
use leadlight_core::{Actor, CoreResult, PageRequest, Store, accounts};
use serde::Serialize;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::ToSchema;

/// How often a stream looks for due reminders and new notifications.
const TICK: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, ToSchema)]
pub struct Unread {
    pub unread: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: usize,
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(inbox))
        .route("/notifications/unread-count", get(unread))
        .route("/notifications/read-all", put(read_all))
        .route("/notifications/stream", get(stream))
        .route("/notifications/{id}/read", put(read))
}

#[utoipa::path(get, path = "/api/notifications", params(PageRequest),
    responses((status = 200, description = "A page of the centre, newest first", body = Inbox)))]
async fn inbox(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Inbox> {
    ok(s.run(move |st| notifications::inbox(st, &a, page)).await)
}

#[utoipa::path(get, path = "/api/notifications/unread-count",
    responses((status = 200, description = "How many are unread", body = Unread)))]
async fn unread(State(s): State<AppState>, Auth(a): Auth) -> Api<Unread> {
    ok(s.run(move |st| {
        Ok(Unread {
            unread: notifications::unread_count(st, &a)?,
        })
    })
    .await)
}

#[utoipa::path(put, path = "/api/notifications/{id}/read", params(("id" = NotificationId, Path)),
    responses((status = 204, description = "Marked read"), NotFound))]
async fn read(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<NotificationId>,
) -> Result<StatusCode, ApiError> {
    gone(s.run(move |st| notifications::mark_read(st, &a, id)).await)
}

#[utoipa::path(put, path = "/api/notifications/read-all",
    responses((status = 200, description = "How many were marked read", body = Marked)))]
async fn read_all(State(s): State<AppState>, Auth(a): Auth) -> Api<Marked> {
    ok(s.run(move |st| {
        Ok(Marked {
            marked: notifications::mark_all_read(st, &a)?,
        })
    })
    .await)
}

/// What one tick found for the stream's user.
enum Found {
    Reminder(Reminder),
    Notification(Notification),
}

/// `event: reminder` when one of the user's reminders falls due (it is marked
/// notified as it is sent, so one tab gets it once), `event: notification` for
/// each new entry of the centre. The stream ends when the access token does
/// (expiry, sign-out); the client reconnects with a fresh one.
#[utoipa::path(get, path = "/api/notifications/stream",
    summary = "Live reminders and notifications (Server-Sent Events)",
    responses(
        (status = 200, content_type = "text/event-stream", body = String,
            description = "`event: reminder` with a `Reminder` as JSON data when one of the \
                user's reminders falls due, `event: notification` with a `Notification` for \
                each new entry of the centre, and keep-alive comments. The stream ends when \
                the access token does; reconnect with a fresh one.")))]
async fn stream(
    State(s): State<AppState>,
    Auth(actor): Auth,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let token = bearer(&headers).unwrap_or_default();
    let (tx, rx) = tokio::sync::mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        let mut seen = s.run(move |st| newest(st, &actor)).await.ok().flatten();
        loop {
            let token = token.clone();
            let since = seen;
            let found = s.run(move |st| tick(st, &token, since)).await;
            let Ok(found) = found else { break };
            for item in found {
                let event = match item {
                    Found::Reminder(r) => Event::default().event("reminder").json_data(&r),
                    Found::Notification(n) => {
                        seen = Some(n.id);
                        Event::default().event("notification").json_data(&n)
                    }
                };
                let Ok(event) = event else { continue };
                if tx.send(event).await.is_err() {
                    return; // the client went away
                }
            }
            if tx.is_closed() {
                return;
            }
            tokio::time::sleep(TICK).await;
        }
    });
    let events = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|event| (Ok(event), rx))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// The newest notification the user already has.
fn newest(store: &Store, actor: &Actor) -> CoreResult<Option<NotificationId>> {
    let page = notifications::inbox(store, actor, PageRequest::new(1, 1))?;
    Ok(page.window.items.first().map(|n| n.id))
}

fn tick(store: &Store, token: &str, since: Option<NotificationId>) -> CoreResult<Vec<Found>> {
    let actor = accounts::authenticate(store, Some(token))?;
    let mut found: Vec<Found> = reminders::take_due(store, &actor)?
        .into_iter()
        .map(Found::Reminder)
        .collect();
    let page = notifications::inbox(store, &actor, PageRequest::new(1, 50))?;
    let mut fresh: Vec<Notification> = page
        .window
        .items
        .into_iter()
        .take_while(|n| Some(n.id) != since)
        .collect();
    fresh.reverse(); // oldest first
    found.extend(fresh.into_iter().map(Found::Notification));
    Ok(found)
}
