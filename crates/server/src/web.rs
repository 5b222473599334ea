//! Web mode: the built dashboard (ui/dist) served at `/`, packaged into the
//! binary so the server needs nothing beside it and no internet.

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "../../ui/dist"]
struct Ui;

/// A file of the built UI; any other path gets index.html (the UI routes
/// with `#/...`, so this only matters for a bookmarked bare path).
pub async fn asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (path, file) = match Ui::get(path) {
        Some(file) if !path.is_empty() => (path, file),
        _ => match Ui::get("index.html") {
            Some(file) => ("index.html", file),
            None => {
                return (
                    StatusCode::NOT_FOUND,
                    "The web UI is not built: run `cargo xtask test` or `npm run build` in ui/.",
                )
                    .into_response();
            }
        },
    };
    let mut response = file.data.into_response();
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    // Vite names assets by content hash: they never change under a name.
    let cache = if path.starts_with("assets/") {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
