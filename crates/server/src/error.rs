//! The API's one error shape: the core's `{code, message, fields}` with the
//! HTTP status its code stands for. Rejections by axum itself (a malformed
//! body, a body too large) are turned into the same shape.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leadlight_core::{CoreError, ErrorCode};

/// What a handler returns when it fails.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: CoreError,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: CoreError) -> Self {
        Self {
            status,
            error,
            retry_after: None,
        }
    }

    /// 429 telling the client how many seconds to wait.
    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                CoreError::RateLimited(format!(
                    "too many attempts; try again in {} seconds",
                    retry_after.max(1)
                )),
            )
        }
    }

    /// 413 for a body over the route's limit.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            CoreError::invalid(
                "body",
                format!("is larger than the {} kB this request allows", limit / 1024),
            ),
        )
    }

    /// 400 for input the core never saw (bad JSON, a wrong type).
    pub fn bad_input(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, CoreError::invalid(field, message))
    }
}

/// The status a core error code stands for.
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Validation => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> Self {
        Self::new(status_of(error.code()), error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(&self.error)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
