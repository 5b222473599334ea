//! Leadlight's team server: the REST API over leadlight-core under `/api`,
//! and the same dashboard the desktop app shows, served at `/` (web mode).

mod error;
mod extract;
mod limits;
mod mailer;
mod purger;
mod routes;
mod state;
mod web;

pub use limits::RateConfig;
pub use mailer::{MailSettings, Security, spawn as start_mailer};
pub use purger::spawn as start_purger;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use leadlight_core::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What the server is built from (the binary fills it from flags and env).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Origins allowed to call the API from another site's pages; none by
    /// default (the web UI is same-origin).
    pub cors_origins: Vec<HeaderValue>,
    pub rate: RateConfig,
}

/// The content security policy of the web UI: nothing from elsewhere.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The whole HTTP application on `store`.
pub fn app(store: Store, settings: &Settings) -> Router {
    let state = state::AppState {
        store,
        limits: Arc::new(limits::Limits::new(settings.rate)),
    };
    let api = routes::api(state.clone())
        .fallback(|| async { error::ApiError::from(leadlight_core::CoreError::not_found("route")) })
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    let mut app = Router::new()
        .nest("/api", api)
        .fallback(web::asset)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits::JSON_BODY));
    if !settings.cors_origins.is_empty() {
        app = app.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(settings.cors_origins.clone()))
                .allow_methods([
                    Method::GET,
                    Method::POST,
                    Method::PUT,
                    Method::PATCH,
                    Method::DELETE,
                ])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ))
    // Method, path and status of every request; never headers or bodies, so
    // no password or token reaches the log.
    .layer(TraceLayer::new_for_http())
}

/// Serve `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
