//! The one error type every service returns, and its wire shape.
//!
//! Adapters (Tauri commands, HTTP handlers) serialise a [`CoreError`] as
//! `{"code": ..., "message": ..., "fields": [...]}`; HTTP adds a status code from
//! [`ErrorCode`]. Internal causes are logged here and never shown to users.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// The stable, machine-readable kind of an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Validation,
    NotFound,
    Forbidden,
    Conflict,
    Unauthenticated,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::NotFound => "not_found",
            Self::Forbidden => "forbidden",
            Self::Conflict => "conflict",
            Self::Unauthenticated => "unauthenticated",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }
}

/// One rejected input field and why, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The input broke a rule; nothing was written.
    #[error("{message}")]
    Validation {
        message: String,
        fields: Vec<FieldError>,
    },
    /// The thing does not exist, or the actor may not know that it does.
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    RateLimited(String),
    /// A fault of ours (I/O, SQLite, a broken invariant). Logged when made.
    #[error("something went wrong inside Leadlight; the details are in its log")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Validation { .. } => ErrorCode::Validation,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::RateLimited(_) => ErrorCode::RateLimited,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The offending fields of a validation error (empty for other kinds).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Self::Validation { fields, .. } => fields,
            _ => &[],
        }
    }

    /// A validation error on a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            message: format!("{field}: {message}"),
            fields: vec![FieldError {
                field: field.to_owned(),
                message,
            }],
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// Wrap an internal fault, logging its cause (users see a generic message).
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let cause = cause.into();
        tracing::error!(error = %cause, "internal error");
        Self::Internal(cause)
    }
}

impl Serialize for CoreError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let fields = self.fields();
        let mut s = serializer.serialize_struct("CoreError", 3)?;
        s.serialize_field("code", &self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.serialize_field("fields", fields)?;
        s.end()
    }
}

impl From<diesel::result::Error> for CoreError {
    fn from(error: diesel::result::Error) -> Self {
        Self::internal(error)
    }
}

impl From<diesel::r2d2::PoolError> for CoreError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::internal(error)
    }
}

/// Collects every field problem of one input, so a form shows them all at once.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Keep the value of a successful parse, or note its error under `field`.
    pub(crate) fn check<T>(&mut self, field: &str, parsed: Result<T, String>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// "field: message" for each problem (row reports of an import).
    pub(crate) fn messages(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect()
    }

    pub(crate) fn finish(self) -> Result<(), CoreError> {
        if self.0.is_empty() {
            return Ok(());
        }
        let message = self
            .0
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; ");
        Err(CoreError::Validation {
            message,
            fields: self.0,
        })
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
