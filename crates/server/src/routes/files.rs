//! Files in and out: lead and analytics exports, the monthly PDF, and CSV
//! import (preview, import, undo).

use super::openapi::{Binary, Conflict, ImportForm, NotFound, PreviewForm, TooLarge};
use super::{Api, ok};
use crate::error::ApiError;
use crate::extract::{Auth, Path, Query, parse_json};
use crate::limits::UPLOAD_BODY;
use crate::state::AppState;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use leadlight_core::analytics::DashboardQuery;
use leadlight_core::exports;
use leadlight_core::ids::ImportBatchId;
use leadlight_core::imports::{self, Batch, ImportReport, Mapping, Preview, UndoReport};
use leadlight_core::leads::LeadQuery;
use leadlight_core::{CoreError, CoreResult, Page, report};
use serde::Deserialize;
use tempfile::NamedTempFile;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Month {
    /// YYYY-MM; the current month when absent.
    pub month: Option<String>,
}

pub fn routes() -> Router<AppState> {
    let uploads = Router::new()
        .route("/import/preview", post(preview))
        .route("/import/leads", post(import))
        .layer(DefaultBodyLimit::max(UPLOAD_BODY));
    Router::new()
        .merge(uploads)
        .route("/import/batches", get(batches))
        .route("/import/batches/{id}", delete(undo))
        .route("/export/leads.csv", get(leads_csv))
        .route("/export/leads.xlsx", get(leads_xlsx))
        .route("/export/analytics.csv", get(analytics_csv))
        .route("/export/analytics.xlsx", get(analytics_xlsx))
        .route("/reports/monthly.pdf", get(monthly_pdf))
}

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A file the core wrote, streamed back from a temporary file (a million
/// leads never sit in memory), with how many rows it holds.
struct Download {
    file: NamedTempFile,
    name: &'static str,
    content_type: &'static str,
    rows: Option<u64>,
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        let reopened = match self.file.reopen() {
            Ok(file) => tokio::fs::File::from_std(file),
            Err(e) => return ApiError::from(CoreError::internal(e)).into_response(),
        };
        let keep = self.file; // removed once the body is sent
        let stream = tokio_util::io::ReaderStream::new(reopened);
        let stream = futures_util::StreamExt::map(stream, move |chunk| {
            let _ = &keep;
            chunk
        });
        let mut response = Body::from_stream(stream).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", self.name))
        {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        if let Some(rows) = self.rows {
            headers.insert("x-total-count", HeaderValue::from(rows));
        }
        response
    }
}

fn temp() -> CoreResult<NamedTempFile> {
    NamedTempFile::new().map_err(CoreError::internal)
}

/// Run a core export writing into a temporary file.
async fn export<F>(
    s: AppState,
    name: &'static str,
    content_type: &'static str,
    write: F,
) -> Result<Download, ApiError>
where
    F: FnOnce(&leadlight_core::Store, &NamedTempFile) -> CoreResult<Option<u64>> + Send + 'static,
{
    s.run(move |st| {
        let file = temp()?;
        let rows = write(st, &file)?;
        Ok(Download {
            file,
            name,
            content_type,
            rows,
        })
    })
    .await
}

#[utoipa::path(get, path = "/api/export/leads.csv", params(LeadQuery),
    responses(
        (status = 200, description = "The leads the filters match, as CSV", content_type = CSV,
            body = Binary,
            headers(("content-disposition" = String, description = "attachment; filename=..."),
                ("x-total-count" = u64, description = "Rows in the file")))))]
async fn leads_csv(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Result<Download, ApiError> {
    export(s, "leads.csv", CSV, move |st, f| {
        let out = std::io::BufWriter::new(f.as_file());
        Ok(Some(
            exports::leads_csv(st, &a, &q, out, &mut |_, _| {})?.rows,
        ))
    })
    .await
}

#[utoipa::path(get, path = "/api/export/leads.xlsx", params(LeadQuery),
    responses(
        (status = 200, description = "The leads the filters match, as a spreadsheet",
            content_type = XLSX, body = Binary,
            headers(("content-disposition" = String, description = "attachment; filename=..."),
                ("x-total-count" = u64, description = "Rows in the file")))))]
async fn leads_xlsx(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<LeadQuery>,
) -> Result<Download, ApiError> {
    export(s, "leads.xlsx", XLSX, move |st, f| {
        Ok(Some(
            exports::leads_xlsx(st, &a, &q, f.path(), &mut |_, _| {})?.rows,
        ))
    })
    .await
}

#[utoipa::path(get, path = "/api/export/analytics.csv", params(DashboardQuery),
    responses(
        (status = 200, description = "The dashboard's figures, as CSV", content_type = CSV,
            body = Binary,
            headers(("content-disposition" = String, description = "attachment; filename=...")))))]
async fn analytics_csv(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Result<Download, ApiError> {
    export(s, "analytics.csv", CSV, move |st, f| {
        let out = std::io::BufWriter::new(f.as_file());
        exports::analytics_csv(st, &a, q, out).map(|_| None)
    })
    .await
}

#[utoipa::path(get, path = "/api/export/analytics.xlsx", params(DashboardQuery),
    responses(
        (status = 200, description = "The dashboard's figures, as a spreadsheet",
            content_type = XLSX, body = Binary,
            headers(("content-disposition" = String, description = "attachment; filename=...")))))]
async fn analytics_xlsx(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(q): Query<DashboardQuery>,
) -> Result<Download, ApiError> {
    export(s, "analytics.xlsx", XLSX, move |st, f| {
        exports::analytics_xlsx(st, &a, q, f.path()).map(|_| None)
    })
    .await
}

#[utoipa::path(get, path = "/api/reports/monthly.pdf", params(Month),
    responses(
        (status = 200, description = "The month's report", content_type = "application/pdf",
            body = Binary,
            headers(("content-disposition" = String, description = "attachment; filename=...")))))]
async fn monthly_pdf(
    State(s): State<AppState>,
    Auth(a): Auth,
    Query(m): Query<Month>,
) -> Result<Response, ApiError> {
    let pdf = s
        .run(move |st| report::monthly_pdf(st, &a, m.month.as_deref()))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"leadlight-monthly.pdf\"",
            ),
        ],
        pdf,
    )
        .into_response())
}

/// A multipart upload, or why it is not one.
type Form = Result<Multipart, axum::extract::multipart::MultipartRejection>;

/// The parts of an import upload: the CSV and, to import, the mapping.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    mapping: Option<Mapping>,
}

async fn read_upload(form: Form) -> Result<Upload, ApiError> {
    let mut form = form.map_err(|e| ApiError::bad_input("file", e.body_text()))?;
    let mut upload = Upload {
        name: String::new(),
        bytes: Vec::new(),
        mapping: None,
    };
    let mut has_file = false;
    while let Some(field) = form.next_field().await.map_err(multipart_error)? {
        match field.name() {
            Some("file") => {
                upload.name = field.file_name().unwrap_or("upload.csv").to_owned();
                upload.bytes = field.bytes().await.map_err(multipart_error)?.to_vec();
                has_file = true;
            }
            Some("mapping") => {
                let text = field.bytes().await.map_err(multipart_error)?;
                upload.mapping = Some(parse_json(&text).map_err(|_| {
                    ApiError::bad_input(
                        "mapping",
                        "must be a JSON object of field to column header",
                    )
                })?);
            }
            _ => {}
        }
    }
    if !has_file {
        return Err(ApiError::bad_input(
            "file",
            "is required (a multipart part named \"file\")",
        ));
    }
    Ok(upload)
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large(UPLOAD_BODY)
    } else {
        ApiError::bad_input("file", error.body_text())
    }
}

#[utoipa::path(post, path = "/api/import/preview",
    request_body(content = PreviewForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The headers, a proposed mapping and the first rows",
            body = Preview), TooLarge))]
async fn preview(State(s): State<AppState>, Auth(_a): Auth, form: Form) -> Api<Preview> {
    let upload = read_upload(form).await?;
    ok(s.run(move |_st| imports::preview(&upload.bytes)).await)
}

#[utoipa::path(post, path = "/api/import/leads",
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Each row: created, a duplicate or rejected",
            body = ImportReport), TooLarge))]
async fn import(State(s): State<AppState>, Auth(a): Auth, form: Form) -> Api<ImportReport> {
    let upload = read_upload(form).await?;
    let mapping = upload
        .mapping
        .ok_or_else(|| ApiError::bad_input("mapping", "is required"))?;
    ok(s.run(move |st| {
        imports::import(
            st,
            &a,
            &upload.bytes,
            &upload.name,
            &mapping,
            &mut |_, _| {},
        )
    })
    .await)
}

#[utoipa::path(get, path = "/api/import/batches",
    responses((status = 200, description = "Earlier imports, newest first, as one page",
        body = Page<Batch>)))]
async fn batches(State(s): State<AppState>, Auth(a): Auth) -> Api<Page<Batch>> {
    ok(s.run(move |st| imports::batches(st, &a).map(Page::all))
        .await)
}

#[utoipa::path(delete, path = "/api/import/batches/{id}", params(("id" = ImportBatchId, Path)),
    responses((status = 200, description = "How many leads the undo removed", body = UndoReport),
        NotFound, Conflict))]
async fn undo(
    State(s): State<AppState>,
    Auth(a): Auth,
    Path(id): Path<ImportBatchId>,
) -> Api<UndoReport> {
    ok(s.run(move |st| imports::undo(st, &a, id)).await)
}
