//! Extractors that report bad input the way the core does: a 400 naming the
//! field. axum's own `Json` and `Query` say only "failed to deserialize".

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use leadlight_core::{Actor, CoreError, accounts};
use serde::de::DeserializeOwned;

/// A JSON body, typed.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                CoreError::invalid("body", "must be JSON (Content-Type: application/json)"),
            ));
        }
        // Refused before a byte of the body is read, so a client that sent
        // `Expect: 100-continue` (curl does for large bodies) hears it at once.
        let declared = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|length| length > crate::limits::JSON_BODY) {
            return Err(ApiError::too_large(crate::limits::JSON_BODY));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(Body)
    }
}

pub fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(crate::limits::JSON_BODY)
    } else {
        ApiError::bad_input("body", rejection.body_text())
    }
}

/// Parse JSON, naming the field that is wrong or missing.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut json = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let inner = e.inner().to_string();
        if e.inner().is_syntax() || e.inner().is_eof() {
            return ApiError::bad_input("body", format!("is not valid JSON ({inner})"));
        }
        named(e.path().to_string(), &inner)
    })
}

/// A query string, typed; repeated keys make lists (`status=new&status=lost`).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_html_form::from_str(query)
            .map(Query)
            .map_err(|e| named(culprit::<T>(query), &e.to_string()))
    }
}

/// The query parameter that makes `query` fail to parse as `T`: the first
/// one whose removal makes it parse (serde_html_form's errors do not say).
fn culprit<T: DeserializeOwned>(query: &str) -> String {
    let pairs: Vec<(String, String)> = serde_html_form::from_str(query).unwrap_or_default();
    for (key, _) in &pairs {
        let rest: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != key).collect();
        if let Ok(without) = serde_html_form::to_string(&rest)
            && serde_html_form::from_str::<T>(&without).is_ok()
        {
            return key.clone();
        }
    }
    ".".into()
}

/// A validation error for `path` (serde's path, "." at the top) whose serde
/// message is `message`; "missing field `x`" names x.
fn named(path: String, message: &str) -> ApiError {
    let mut field = if path == "." { String::new() } else { path };
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        field = if field.is_empty() {
            missing.to_owned()
        } else {
            format!("{field}.{missing}")
        };
        return ApiError::bad_input(&field, "is required");
    }
    if field.is_empty() {
        // serde_html_form does not track paths; its messages name the field.
        field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field `"))
            .unwrap_or("query")
            .to_owned();
    }
    let message = message.split(" at line ").next().unwrap_or(message);
    ApiError::bad_input(&field, message)
}

/// The access token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::to_owned)
}

/// The signed-in user, from `Authorization: Bearer <access token>`.
#[derive(Debug, Clone)]
pub struct Auth(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Auth
where
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = bearer(&parts.headers);
        let state = AppState::from_ref(state);
        // Checking the signature, and a session the core has seen live since
        // its last write, is microseconds of CPU: only the database lookup
        // goes to a blocking thread (a hand-over each way was a third of a
        // small read's time under load).
        if let Some(decided) = accounts::authenticate_at_once(&state.store, token.as_deref()) {
            return decided.map(Auth).map_err(ApiError::from);
        }
        state
            .run(move |store| accounts::authenticate(store, token.as_deref()))
            .await
            .map(Auth)
    }
}

/// Path parameters (ids), typed; a malformed one is a 400 naming it.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Path(value))
            .map_err(|rejection| ApiError::bad_input("id", rejection.body_text()))
    }
}
