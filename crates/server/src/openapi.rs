//! The API described: an OpenAPI 3.1 document built from the handlers'
//! `#[utoipa::path]` annotations and the core's schemas, at
//! `GET /api/openapi.json`, and `GET /api/docs`, which sends a browser to the
//! Swagger UI page packaged with the web UI (ui/dist/api-docs: no CDN).
//!
//! What every operation of a kind answers is added here once ([`Conventions`])
//! rather than on each handler: 401 where a bearer token is needed, 400 where
//! there are parameters or a body, 413 and 415 for JSON bodies, 500 everywhere.
//! A handler's annotation lists its success and the errors particular to it.

use super::{
    accounts, analytics, enquiries, files, leads, notifications, reminders, sync, tasks, users,
};
use crate::state::AppState;
use axum::Router;
use axum::response::Redirect;
use axum::routing::get;
use leadlight_core::imports::ImportField;
use leadlight_core::notifications::Notification;
use leadlight_core::{ErrorCode, FieldError};
use std::collections::BTreeMap;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, Modify, OpenApi, PartialSchema, ToResponse, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leadlight",
        version = env!("CARGO_PKG_VERSION"),
        description = "The REST API of a Leadlight team server: the same services the desktop \
            app runs. Sign in with `POST /api/auth/login` and send the access token as \
            `Authorization: Bearer <token>`; trade the refresh token for a new pair with \
            `POST /api/auth/refresh` before the access token expires. Every error is an \
            `ErrorBody`: a stable `code`, a `message` for people and, for `validation`, the \
            `fields` at fault.",
    ),
    paths(
        document, docs,
        accounts::health, accounts::setup, accounts::register, accounts::login,
        accounts::refresh, accounts::logout, accounts::me, accounts::set_time_zone,
        accounts::change_password,
        users::list, users::create, users::read, users::update, users::delete,
        users::deactivate, users::reactivate, users::set_password,
        leads::list, leads::create, leads::read, leads::update, leads::remove,
        leads::set_status, leads::assign, leads::convert, leads::add_tags, leads::remove_tag,
        leads::notes_of, leads::add_note, leads::activities_of, leads::log_activity,
        leads::customers_list, leads::customer, leads::customer_update, leads::customer_delete,
        enquiries::submit, enquiries::unclaimed, enquiries::mine, enquiries::claim,
        reminders::list, reminders::read, reminders::create, reminders::today, reminders::overdue, reminders::upcoming,
        reminders::update, reminders::remove, reminders::complete, reminders::snooze,
        tasks::list, tasks::create, tasks::read, tasks::update, tasks::remove,
        tasks::complete, tasks::reopen,
        notifications::inbox, notifications::unread, notifications::read_all,
        notifications::stream, notifications::read,
        analytics::dashboard, analytics::cards, analytics::by_status, analytics::by_source,
        analytics::over_time, analytics::conversion, analytics::feed,
        files::preview, files::import, files::batches, files::undo, files::leads_csv,
        files::leads_xlsx, files::analytics_csv, files::analytics_xlsx, files::monthly_pdf,
        sync::push, sync::changes,
    ),
    components(
        // Notification: the data of the stream's `notification` events.
        schemas(ErrorBody, Notification),
        responses(
            Invalid, Unauthenticated, Forbidden, NotFound, Conflict, TooLarge,
            UnsupportedMediaType, RateLimited, Internal,
        ),
    ),
    modifiers(&Conventions),
    security(("bearer" = [])),
    tags(
        (name = "server", description = "Health, and this document"),
        (name = "accounts", description = "Sign-up, sign-in, token refresh and sign-out; the \
            signed-in user"),
        (name = "users", description = "Accounts managed by an Admin (Managers may list them)"),
        (name = "leads", description = "Leads: search and filters, one lead with its notes, \
            timeline and tags, and what can be done to it"),
        (name = "customers", description = "What a lead becomes when it converts"),
        (name = "enquiries", description = "The public enquiry form, and the pool of unclaimed \
            leads it fills"),
        (name = "reminders", description = "Follow-up reminders: today's, overdue and upcoming; \
            done and snooze"),
        (name = "tasks", description = "Tasks for agents"),
        (name = "notifications", description = "The notification centre, and its live stream"),
        (name = "analytics", description = "The dashboard, whole and series by series, and the \
            activity feed"),
        (name = "files", description = "CSV import (preview, import, undo), lead and analytics \
            exports, the monthly PDF report"),
        (name = "sync", description = "Desktops keeping a full local copy push their changes \
            and pull everyone else's (docs/SYNC.md)"),
    ),
)]
pub struct ApiDoc;

/// `/openapi.json` and `/docs` (mounted under `/api`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(document))
        .route("/docs", get(docs))
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "server", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
async fn document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}

/// The interactive docs: a redirect to the Swagger UI page of the web UI.
#[utoipa::path(get, path = "/api/docs", tag = "server", security(()),
    responses((status = 303, description = "To the docs page, `/api-docs/index.html`",
        headers(("location" = String, description = "The page")))))]
async fn docs() -> Redirect {
    // Relative, so it holds behind a proxy that mounts the server under a prefix.
    Redirect::to("../api-docs/index.html")
}

/// Every error's body. `code` is stable and machine-readable; `message` is
/// for people; `fields` names each input at fault for `validation` (empty
/// otherwise).
#[derive(ToSchema)]
#[schema(example = json!({
    "code": "validation",
    "message": "email: 'ann@' is not a valid email address",
    "fields": [{"field": "email", "message": "'ann@' is not a valid email address"}]
}))]
#[allow(
    dead_code,
    reason = "a schema only: the body is leadlight_core::CoreError's Serialize"
)]
pub struct ErrorBody {
    code: ErrorCode,
    message: String,
    fields: Vec<FieldError>,
}

/// The bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "a schema only")]
pub struct Binary(Vec<u8>);

/// A CSV file to preview (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "a schema only: files::read_upload reads the parts"
)]
pub struct PreviewForm {
    /// The CSV file: UTF-8, a header row first.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A CSV file to import, and which column fills which field (`multipart/form-data`).
#[derive(ToSchema)]
#[allow(
    dead_code,
    reason = "a schema only: files::read_upload reads the parts"
)]
pub struct ImportForm {
    /// The CSV file: UTF-8, a header row first.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// A JSON object of lead field to column header as written in the file,
    /// e.g. `{"name": "Full name", "email": "E-mail"}`; the preview proposes one.
    mapping: BTreeMap<ImportField, String>,
}

/// Declares error responses: each a response component named after its type
/// (an [`ErrorBody`] described by the doc comment), and a unit type that a
/// handler lists in `responses(...)` to refer to it under its status.
macro_rules! error_responses {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident = $status:literal $([$header:literal: $header_type:ty, $header_doc:literal])?;
    )+) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                let reference = Ref::from_response_name(stringify!($name));
                BTreeMap::from([($status.to_owned(), reference.into())])
            }
        }

        impl<'s> ToResponse<'s> for $name {
            fn response() -> (&'s str, RefOr<Response>) {
                let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody")));
                let response = ResponseBuilder::new()
                    .description(concat!($($doc),+).trim())
                    .content("application/json", body.build());
                $(let response = response.header(
                    $header,
                    HeaderBuilder::new()
                        .schema(<$header_type as PartialSchema>::schema())
                        .description(Some($header_doc))
                        .build(),
                );)?
                (stringify!($name), response.build().into())
            }
        }
    )+};
}

error_responses! {
    /// `validation`: the input broke a rule (a malformed body, parameter or
    /// id included); `fields` names each field at fault. Nothing was written.
    Invalid = "400";
    /// `unauthenticated`: no access token, or one that expired or whose
    /// session ended (sign-out, password change, deactivation).
    Unauthenticated = "401" ["www-authenticate": String, "`Bearer`"];
    /// `forbidden`: the signed-in user's role may not do this.
    Forbidden = "403";
    /// `not_found`: no such thing, or one the signed-in user may not see.
    NotFound = "404";
    /// `conflict`: the thing is not in a state that allows this (already
    /// done, claimed, converted or undone; an email in use; the last Admin).
    Conflict = "409";
    /// `validation` on the field `body`: the body is over this request's
    /// limit (1 MiB for JSON, 64 MiB for a CSV upload).
    TooLarge = "413";
    /// `validation` on the field `body`: the body must be JSON
    /// (`Content-Type: application/json`).
    UnsupportedMediaType = "415";
    /// `rate_limited`: too many attempts from this address; try again later.
    RateLimited = "429" ["retry-after": u64, "Seconds to wait before the next attempt"];
    /// `internal`: a fault of the server's, logged there; the message says
    /// nothing more.
    Internal = "500";
}

/// The statuses every operation of a kind answers, and the bearer scheme.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let bearer = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .bearer_format("JWT")
            .description(Some(
                "The access token from `POST /api/auth/login` or `/api/auth/refresh`.",
            ))
            .build();
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(bearer));
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                // Handler names repeat across domains ("list", "read"): prefix the tag.
                if let (Some(tag), Some(id)) = (
                    op.tags.as_ref().and_then(|tags| tags.first()),
                    op.operation_id.as_mut(),
                ) && !id.starts_with(&format!("{tag}_"))
                {
                    *id = format!("{tag}_{id}");
                }
                let public = op
                    .security
                    .as_ref()
                    .is_some_and(|s| s.contains(&SecurityRequirement::default()));
                let has_input = op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || op.request_body.is_some();
                let json_body = op
                    .request_body
                    .as_ref()
                    .is_some_and(|body| body.content.contains_key("application/json"));
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, name: &str| {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| Ref::from_response_name(name).into());
                };
                if has_input {
                    add("400", "Invalid");
                }
                if !public {
                    add("401", "Unauthenticated");
                }
                if json_body {
                    add("413", "TooLarge");
                    add("415", "UnsupportedMediaType");
                }
                add("500", "Internal");
            }
        }
    }
}
