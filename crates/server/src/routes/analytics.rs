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

async fn dashboard(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Dashboard> {
    ok(s.run(move |st| analytics::dashboard(st, &a, q)).await)
}

async fn cards(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Api<Cards> {
    ok(s.run(move |st| Ok(analytics::dashboard(st, &a, q)?.cards))
        .await)
}

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
async fn feed(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(page): Query<PageRequest>,
) -> Api<Window<Activity>> {
    ok(s.run(move |st| activity::feed(st, &a, page)).await)
}
