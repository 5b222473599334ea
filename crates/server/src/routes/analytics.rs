//! The dashboard, whole and series by series.

use super::{Api, ok};
use crate::extract::{Auth, Query};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use leadlight_core::activity::{self, Activity};
use leadlight_core::analytics::{
    self, Cards, Conversion, Count, Dashboard, DashboardQuery, OverTime,
};
use leadlight_core::leads::{LeadSource, LeadStatus};
use leadlight_core::{PageRequest, Window};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/dashboard/cards", get(cards))
        .route("/dashboard/by-status", get(by_status))
        .route("/dashboard/by-source", get(by_source))
        .route("/dashboard/over-time", get(over_time))
        .route("/dashboard/conversion", get(conversion))
        .route("/activity", get(feed))
}

#[utoipa::path(get, path = "/api/dashboard", params(DashboardQuery),
    responses(
        (status = 200, description = "Everything the dashboard's first paint needs",
            body = Dashboard)))]
async fn dashboard(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Dashboard> {
    ok(s.run(move |st| analytics::dashboard(st, &a, q)).await)
}

#[utoipa::path(get, path = "/api/dashboard/cards", params(DashboardQuery),
    responses((status = 200, description = "The summary cards", body = Cards)))]
async fn cards(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Cards> {
    ok(s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.cards))
        .await)
}

#[utoipa::path(get, path = "/api/dashboard/by-status", params(DashboardQuery),
    responses((status = 200, description = "Leads by status", body = [Count<LeadStatus>])))]
async fn by_status(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Vec<Count<LeadStatus>>> {
    ok(
        s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.by_status))
            .await,
    )
}

#[utoipa::path(get, path = "/api/dashboard/by-source", params(DashboardQuery),
    responses((status = 200, description = "Leads by source", body = [Count<LeadSource>])))]
async fn by_source(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Vec<Count<LeadSource>>> {
    ok(
        s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.by_source))
            .await,
    )
}

#[utoipa::path(get, path = "/api/dashboard/over-time", params(DashboardQuery),
    responses((status = 200, description = "New leads per day, week or month", body = OverTime)))]
async fn over_time(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<OverTime> {
    ok(
        s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.over_time))
            .await,
    )
}

#[utoipa::path(get, path = "/api/dashboard/conversion", params(DashboardQuery),
    responses((status = 200, description = "Conversion by month", body = Conversion)))]
async fn conversion(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Conversion> {
    ok(
        s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.conversion))
            .await,
    )
}

/// The recent activity feed across the leads the user sees.
#[utoipa::path(get, path = "/api/activity", params(PageRequest),
    responses(
        (status = 200, description = "Recent activity on the leads the user sees",
            body = Window<Activity>)))]
async fn feed(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Window<Activity>> {
    ok(s.run(move |st| activity::feed(st, &a, page)).await)
}
