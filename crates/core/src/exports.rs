//! Exports: the leads list (with its search, filters and sort) and the
//! dashboard's series, as CSV and as Excel workbooks. Leads stream from one
//! statement, so a million of them never sit in memory together, and progress
//! is reported as they go.

use crate::Store;
use crate::actor::Actor;
use crate::analytics::{self, Dashboard, DashboardQuery};
use crate::error::{CoreError, CoreResult};
use crate::leads::{LeadQuery, LeadRow};
use crate::schema::users;
use crate::time::Timestamp;
use chrono::{DateTime, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Called as rows go out: (rows written, rows in all).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// How often progress is reported.
const PROGRESS_EVERY: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub rows: u64,
}

const LEAD_COLUMNS: [&str; 13] = [
    "Name",
    "Email",
    "Phone",
    "Company",
    "Source",
    "Status",
    "Tags",
    "Owner",
    "Created",
    "Updated",
    "Converted",
    "Lost",
    "Id",
];

/// Everything an export needs besides the rows: names and the user's zone.
struct Context {
    tz: Tz,
    owners: HashMap<crate::ids::UserId, String>,
}

fn context(conn: &mut SqliteConnection, actor: &Actor) -> CoreResult<Context> {
    Ok(Context {
        tz: crate::users::time_zone_of(conn, actor.user_id)?,
        owners: users::table
            .select((users::id, users::name))
            .load::<(crate::ids::UserId, String)>(conn)?
            .into_iter()
            .collect(),
    })
}

impl Context {
    fn local(&self, t: Timestamp) -> DateTime<Tz> {
        t.to_utc().with_timezone(&self.tz)
    }

    /// RFC 3339 in the user's zone: readable, and exact when read back.
    fn text(&self, t: Option<Timestamp>) -> String {
        t.map(|t| {
            self.local(t)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
    }

    fn naive(&self, t: Timestamp) -> NaiveDateTime {
        self.local(t).naive_local()
    }

    fn owner(&self, lead: &LeadRow) -> String {
        lead.owner_id
            .and_then(|o| self.owners.get(&o).cloned())
            .unwrap_or_default()
    }
}

/// Tell `progress` every PROGRESS_EVERY rows, and once more at the end.
fn report(progress: Progress<'_>, rows: u64, total: i64, last: bool) {
    if last || rows.is_multiple_of(PROGRESS_EVERY) {
        progress(rows, total as u64);
    }
}

fn io(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> CoreError {
    CoreError::internal(error)
}

/// The leads matching `query` as CSV: RFC 4180 (CRLF, quotes doubled), UTF-8
/// with a byte-order mark so spreadsheet programs read accents right, one
/// header row; times in the user's time zone as RFC 3339.
pub fn leads_csv(
    store: &Store,
    actor: &Actor,
    query: &LeadQuery,
    out: impl Write,
    progress: Progress<'_>,
) -> CoreResult<ExportSummary> {
    let mut out = out;
    out.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(LEAD_COLUMNS).map_err(io)?;
    let mut rows = 0u64;
    store.read(|conn| {
        let cx = context(conn, actor)?;
        let total =
            crate::leads::for_each_match(conn, store.path(), actor, query, |lead, tags, total| {
                writer
                    .write_record([
                        lead.name.as_str(),
                        lead.email.as_deref().unwrap_or(""),
                        lead.phone.as_deref().unwrap_or(""),
                        lead.company.as_deref().unwrap_or(""),
                        lead.source.as_str(),
                        lead.status.as_str(),
                        tags.as_deref().unwrap_or(""),
                        &cx.owner(&lead),
                        &cx.text(Some(lead.created_at)),
                        &cx.text(Some(lead.updated_at)),
                        &cx.text(lead.converted_at),
                        &cx.text(lead.lost_at),
                        &lead.id.to_string(),
                    ])
                    .map_err(io)?;
                rows += 1;
                report(progress, rows, total, false);
                Ok(())
            })?;
        report(progress, rows, total, true);
        Ok(())
    })?;
    writer.flush().map_err(io)?;
    Ok(ExportSummary { rows })
}

fn xlsx(error: XlsxError) -> CoreError {
    CoreError::internal(error)
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_font_color(Color::White)
        .set_background_color(Color::RGB(0x1F4E79))
        .set_align(FormatAlign::Center)
        .set_border_bottom(FormatBorder::Thin)
}

fn date_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd hh:mm")
}

/// Header row: styled, frozen, with an auto-filter over `rows` data rows.
fn headers(sheet: &mut Worksheet, names: &[&str], widths: &[f64]) -> CoreResult<()> {
    let header = header_format();
    for (col, (name, width)) in names.iter().zip(widths).enumerate() {
        let col = col as u16;
        sheet
            .write_string_with_format(0, col, *name, &header)
            .map_err(xlsx)?;
        sheet.set_column_width(col, *width).map_err(xlsx)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
    Ok(())
}

/// The leads matching `query` as an .xlsx workbook at `path`: typed date
/// cells, a styled and frozen header row, an auto-filter and column widths.
/// The sheet is written in constant memory (rows go to a temporary file).
pub fn leads_xlsx(
    store: &Store,
    actor: &Actor,
    query: &LeadQuery,
    path: &Path,
    progress: Progress<'_>,
) -> CoreResult<ExportSummary> {
    let mut workbook = Workbook::new();
    let sheet = workbook
        .add_worksheet_with_constant_memory()
        .map_err(xlsx)?;
    sheet.set_name("Leads").map_err(xlsx)?;
    headers(
        sheet,
        &LEAD_COLUMNS,
        &[
            24.0, 30.0, 18.0, 24.0, 10.0, 11.0, 20.0, 18.0, 17.0, 17.0, 17.0, 17.0, 38.0,
        ],
    )?;
    let dates = date_format();
    let mut rows = 0u64;
    store.read(|conn| {
        let cx = context(conn, actor)?;
        let total =
            crate::leads::for_each_match(conn, store.path(), actor, query, |lead, tags, total| {
                let row = rows as u32 + 1;
                let text = |sheet: &mut Worksheet, col: u16, value: &str| -> CoreResult<()> {
                    if !value.is_empty() {
                        sheet.write_string(row, col, value).map_err(xlsx)?;
                    }
                    Ok(())
                };
                text(sheet, 0, &lead.name)?;
                text(sheet, 1, lead.email.as_deref().unwrap_or(""))?;
                text(sheet, 2, lead.phone.as_deref().unwrap_or(""))?;
                text(sheet, 3, lead.company.as_deref().unwrap_or(""))?;
                text(sheet, 4, lead.source.as_str())?;
                text(sheet, 5, lead.status.as_str())?;
                text(sheet, 6, tags.as_deref().unwrap_or(""))?;
                text(sheet, 7, &cx.owner(&lead))?;
                for (col, time) in [
                    (8, Some(lead.created_at)),
                    (9, Some(lead.updated_at)),
                    (10, lead.converted_at),
                    (11, lead.lost_at),
                ] {
                    if let Some(time) = time {
                        sheet
                            .write_datetime_with_format(row, col, cx.naive(time), &dates)
                            .map_err(xlsx)?;
                    }
                }
                text(sheet, 12, &lead.id.to_string())?;
                rows += 1;
                report(progress, rows, total, false);
                Ok(())
            })?;
        report(progress, rows, total, true);
        Ok(())
    })?;
    sheet
        .autofilter(0, 0, rows as u32, (LEAD_COLUMNS.len() - 1) as u16)
        .map_err(xlsx)?;
    workbook.save(path).map_err(xlsx)?;
    Ok(ExportSummary { rows })
}

/// Every dashboard series as rows of (series, key, value).
fn series_rows(dashboard: &Dashboard) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    let mut push =
        |series: &str, key: String, value: String| rows.push((series.to_owned(), key, value));
    let c = &dashboard.cards;
    for (key, value) in [
        ("total_leads", c.total_leads),
        ("new_today", c.new_today),
        ("converted_this_week", c.converted_this_week),
        ("lost_this_month", c.lost_this_month),
    ] {
        push("cards", key.into(), value.to_string());
    }
    for count in &dashboard.by_status {
        push("by_status", count.key.to_string(), count.count.to_string());
    }
    for count in &dashboard.by_source {
        push("by_source", count.key.to_string(), count.count.to_string());
    }
    let over_time = format!("created_{}", dashboard.over_time.bucket);
    for point in &dashboard.over_time.points {
        push(&over_time, point.start.to_string(), point.count.to_string());
    }
    let rate = |r: Option<f64>| r.map(|r| format!("{r:.4}")).unwrap_or_default();
    for month in &dashboard.conversion.months {
        push(
            "conversion_created",
            month.month.clone(),
            month.created.to_string(),
        );
        push(
            "conversion_converted",
            month.month.clone(),
            month.converted.to_string(),
        );
        push(
            "conversion_lost",
            month.month.clone(),
            month.lost.to_string(),
        );
        push(
            "conversion_rate_of_created",
            month.month.clone(),
            rate(month.rate_of_created),
        );
        push(
            "conversion_rate_of_closed",
            month.month.clone(),
            rate(month.rate_of_closed),
        );
    }
    rows
}

/// The dashboard's series as one CSV of series, key, value.
pub fn analytics_csv(
    store: &Store,
    actor: &Actor,
    query: DashboardQuery,
    out: impl Write,
) -> CoreResult<ExportSummary> {
    let dashboard = analytics::dashboard(store, actor, query)?;
    let mut out = out;
    out.write_all("\u{feff}".as_bytes()).map_err(io)?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer
        .write_record(["series", "key", "value"])
        .map_err(io)?;
    let rows = series_rows(&dashboard);
    for (series, key, value) in &rows {
        writer.write_record([series, key, value]).map_err(io)?;
    }
    writer.flush().map_err(io)?;
    Ok(ExportSummary {
        rows: rows.len() as u64,
    })
}

/// The dashboard as a workbook with one sheet per series.
pub fn analytics_xlsx(
    store: &Store,
    actor: &Actor,
    query: DashboardQuery,
    path: &Path,
) -> CoreResult<ExportSummary> {
    let d = analytics::dashboard(store, actor, query)?;
    let mut workbook = Workbook::new();
    let mut rows = 0u64;
    let count_sheet = |workbook: &mut Workbook,
                       name: &str,
                       key: &str,
                       data: Vec<(String, i64)>|
     -> CoreResult<u64> {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name).map_err(xlsx)?;
        headers(sheet, &[key, "Leads"], &[22.0, 12.0])?;
        for (i, (k, n)) in data.iter().enumerate() {
            sheet.write_string(i as u32 + 1, 0, k).map_err(xlsx)?;
            sheet
                .write_number(i as u32 + 1, 1, *n as f64)
                .map_err(xlsx)?;
        }
        sheet.autofilter(0, 0, data.len() as u32, 1).map_err(xlsx)?;
        Ok(data.len() as u64)
    };
    let c = &d.cards;
    rows += count_sheet(
        &mut workbook,
        "Summary",
        "Figure",
        vec![
            ("Total leads".into(), c.total_leads),
            ("New today".into(), c.new_today),
            ("Converted this week".into(), c.converted_this_week),
            ("Lost this month".into(), c.lost_this_month),
        ],
    )?;
    rows += count_sheet(
        &mut workbook,
        "By status",
        "Status",
        d.by_status
            .iter()
            .map(|c| (c.key.to_string(), c.count))
            .collect(),
    )?;
    rows += count_sheet(
        &mut workbook,
        "By source",
        "Source",
        d.by_source
            .iter()
            .map(|c| (c.key.to_string(), c.count))
            .collect(),
    )?;

    let day = Format::new().set_num_format("yyyy-mm-dd");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Over time").map_err(xlsx)?;
    headers(sheet, &["Starting", "Leads created"], &[14.0, 16.0])?;
    for (i, point) in d.over_time.points.iter().enumerate() {
        let row = i as u32 + 1;
        let midnight = point.start.and_hms_opt(0, 0, 0).unwrap_or_default();
        sheet
            .write_datetime_with_format(row, 0, midnight, &day)
            .map_err(xlsx)?;
        sheet
            .write_number(row, 1, point.count as f64)
            .map_err(xlsx)?;
    }
    sheet
        .autofilter(0, 0, d.over_time.points.len() as u32, 1)
        .map_err(xlsx)?;
    rows += d.over_time.points.len() as u64;

    let percent = Format::new().set_num_format("0.0%");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Conversion").map_err(xlsx)?;
    headers(
        sheet,
        &[
            "Month",
            "Created",
            "Converted",
            "Lost",
            "Converted of created",
            "Converted of closed",
        ],
        &[10.0, 10.0, 11.0, 8.0, 21.0, 20.0],
    )?;
    for (i, m) in d.conversion.months.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &m.month).map_err(xlsx)?;
        for (col, n) in [(1, m.created), (2, m.converted), (3, m.lost)] {
            sheet.write_number(row, col, n as f64).map_err(xlsx)?;
        }
        for (col, r) in [(4, m.rate_of_created), (5, m.rate_of_closed)] {
            if let Some(r) = r {
                sheet
                    .write_number_with_format(row, col, r, &percent)
                    .map_err(xlsx)?;
            }
        }
    }
    sheet
        .autofilter(0, 0, d.conversion.months.len() as u32, 5)
        .map_err(xlsx)?;
    rows += d.conversion.months.len() as u64;
    workbook.save(path).map_err(xlsx)?;
    Ok(ExportSummary { rows })
}
