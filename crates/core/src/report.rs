//! The monthly summary report: the month's figures for the actor's scope, and
//! a two-page PDF of them (title page with the key figures; tables and bar
//! charts drawn as vector shapes) in the built-in Helvetica, so no font files
//! ship with it.

use crate::Store;
use crate::actor::Actor;
use crate::analytics::{self, EventKind, Scope};
use crate::calendar;
use crate::error::{CoreError, CoreResult};
use crate::leads::{LeadSource, LeadStatus};
use crate::schema::{leads, reminders};
use crate::time::Timestamp;
use chrono::{Datelike, Months, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;
use printpdf::{
    BuiltinFont, Color, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem, WindingOrder,
};
use serde::Serialize;

/// The month's figures, as the report shows them.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonthlyFigures {
    /// "2026-11"
    pub month: String,
    /// "November 2026"
    pub title: String,
    /// "Whole team" or "Leads of <name>"
    pub scope: String,
    pub time_zone: String,
    pub created: i64,
    pub converted: i64,
    pub lost: i64,
    /// Converted in the month ÷ created in the month.
    pub conversion_rate: Option<f64>,
    pub previous_month: String,
    pub previous_conversion_rate: Option<f64>,
    /// Leads created in the month, by their status now.
    pub by_status: Vec<(LeadStatus, i64)>,
    /// Leads created in the month, by source.
    pub by_source: Vec<(LeadSource, i64)>,
    /// The five owners with the most conversions (Managers and Admins only).
    pub top_owners: Option<Vec<(String, i64)>>,
    pub reminders_done: i64,
    pub reminders_missed: i64,
    pub reminders_pending: i64,
    pub generated_at: Timestamp,
}

fn parse_month(text: Option<&str>, today: NaiveDate) -> CoreResult<NaiveDate> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(today.with_day(1).unwrap_or(today)),
        Some(t) => NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
            .map_err(|_| CoreError::invalid("month", format!("'{t}' is not a month like 2026-11"))),
    }
}

/// The figures for `month` ("YYYY-MM"; default the current month) in the
/// actor's time zone and scope.
pub fn monthly_figures(
    store: &Store,
    actor: &Actor,
    month: Option<&str>,
) -> CoreResult<MonthlyFigures> {
    let now = store.now();
    let scope = Scope::of(actor);
    store.read(|conn| {
        let tz = crate::users::time_zone_of(conn, actor.user_id)?;
        let first = parse_month(month, calendar::date_of(tz, now))?;
        let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
        let previous = first.checked_sub_months(Months::new(1)).unwrap_or(first);
        let edges = [
            calendar::start_of_day(tz, previous),
            calendar::start_of_day(tz, first),
            calendar::start_of_day(tz, next),
        ];
        let created = analytics::count_into(conn, &scope, EventKind::Created, &edges)?;
        let converted = analytics::count_into(conn, &scope, EventKind::Converted, &edges)?;
        let lost = analytics::count_into(conn, &scope, EventKind::Lost, &edges)?;
        let rate = |c: i64, n: i64| (n > 0).then(|| c as f64 / n as f64);
        let (from, to) = (edges[1], edges[2]);

        let in_month = || {
            let mut q = leads::table
                .filter(leads::deleted_at.is_null())
                .filter(leads::created_at.ge(from))
                .filter(leads::created_at.lt(to))
                .into_boxed();
            if let Scope::Own { user_id } = &scope {
                q = q.filter(leads::owner_id.eq(*user_id));
            }
            q
        };
        // One pass over the month's leads (a few thousand to ~100k rows at a
        // million leads), counted both ways.
        let pairs: Vec<(LeadStatus, LeadSource)> = in_month()
            .select((leads::status, leads::source))
            .load(conn)?;
        let by_status = LeadStatus::ALL
            .iter()
            .map(|s| (*s, pairs.iter().filter(|(k, _)| k == s).count() as i64))
            .collect();
        let by_source = LeadSource::ALL
            .iter()
            .map(|s| (*s, pairs.iter().filter(|(_, k)| k == s).count() as i64))
            .collect();

        let top_owners = if actor.sees_everything() {
            let rows: Vec<(Option<crate::ids::UserId>, i64)> = leads::table
                .filter(leads::deleted_at.is_null())
                .filter(leads::converted_at.ge(from))
                .filter(leads::converted_at.lt(to))
                .group_by(leads::owner_id)
                .select((leads::owner_id, count_star()))
                .order(count_star().desc())
                .limit(5)
                .load(conn)?;
            let names = crate::users::names(conn, rows.iter().filter_map(|(o, _)| *o))?;
            Some(
                rows.into_iter()
                    .map(|(owner, n)| {
                        let name = owner.and_then(|o| names.get(&o).cloned());
                        (name.unwrap_or_else(|| "Unassigned".into()), n)
                    })
                    .collect(),
            )
        } else {
            None
        };

        let mut due = reminders::table
            .filter(reminders::deleted_at.is_null())
            .filter(reminders::due_at.ge(from))
            .filter(reminders::due_at.lt(to))
            .into_boxed();
        if let Scope::Own { user_id } = &scope {
            due = due.filter(reminders::owner_id.eq(*user_id));
        }
        let due: Vec<(Timestamp, Option<Timestamp>)> = due
            .select((reminders::due_at, reminders::done_at))
            .load(conn)?;
        let done = due.iter().filter(|(_, d)| d.is_some()).count() as i64;
        let missed = due
            .iter()
            .filter(|(at, d)| d.is_none() && *at < now)
            .count() as i64;
        let pending = due.len() as i64 - done - missed;

        let scope_label = match &scope {
            Scope::Everyone => "Whole team".to_owned(),
            Scope::Own { user_id } => {
                format!("Leads of {}", crate::users::load(conn, *user_id)?.name)
            }
        };
        Ok(MonthlyFigures {
            month: first.format("%Y-%m").to_string(),
            title: first.format("%B %Y").to_string(),
            scope: scope_label,
            time_zone: tz.name().to_owned(),
            created: created[1],
            converted: converted[1],
            lost: lost[1],
            conversion_rate: rate(converted[1], created[1]),
            previous_month: previous.format("%B %Y").to_string(),
            previous_conversion_rate: rate(converted[0], created[0]),
            by_status,
            by_source,
            top_owners,
            reminders_done: done,
            reminders_missed: missed,
            reminders_pending: pending,
            generated_at: now,
        })
    })
}

/// The monthly summary as PDF bytes.
pub fn monthly_pdf(store: &Store, actor: &Actor, month: Option<&str>) -> CoreResult<Vec<u8>> {
    let figures = monthly_figures(store, actor, month)?;
    Ok(render(&figures))
}

const INK: (f32, f32, f32) = (0.13, 0.16, 0.22);
const MUTED: (f32, f32, f32) = (0.42, 0.45, 0.52);
const ACCENT: (f32, f32, f32) = (0.12, 0.31, 0.47);
const PALE: (f32, f32, f32) = (0.93, 0.95, 0.98);
const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;

/// A page being drawn, in millimetres from the bottom-left corner.
struct Canvas(Vec<Op>);

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

impl Canvas {
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: (f32, f32, f32), text: &str) {
        let font = if bold {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        self.0.extend([
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetFillColor { col: rgb(color) },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Text ending at `right` (numbers in a column). Helvetica digits are
    /// 0.556 em wide; other characters are near enough for short labels.
    fn text_right(
        &mut self,
        right: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: (f32, f32, f32),
        text: &str,
    ) {
        let width_mm = text.chars().count() as f32 * 0.556 * size * 0.3528;
        self.text(right - width_mm, y, size, bold, color, text);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: (f32, f32, f32)) {
        let corner = |x: f32, y: f32| LinePoint {
            p: Point::new(Mm(x), Mm(y)),
            bezier: false,
        };
        self.0.extend([
            Op::SetFillColor { col: rgb(color) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing {
                        points: vec![
                            corner(x, y),
                            corner(x + w, y),
                            corner(x + w, y + h),
                            corner(x, y + h),
                        ],
                    }],
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    fn page(self) -> PdfPage {
        PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), self.0)
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "n/a".into())
}

fn thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A table of label, count and share, with a bar per row; returns the y below it.
fn bar_table(c: &mut Canvas, top: f32, title: &str, rows: &[(String, i64)]) -> f32 {
    c.text(MARGIN, top, 14.0, true, INK, title);
    let total: i64 = rows.iter().map(|(_, n)| n).sum();
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut y = top - 9.0;
    c.text(MARGIN, y, 9.0, true, MUTED, "");
    for (label, n) in rows {
        c.text(MARGIN, y, 10.0, false, INK, label);
        c.text_right(MARGIN + 62.0, y, 10.0, false, INK, &thousands(*n));
        let share = if total > 0 {
            *n as f64 / total as f64
        } else {
            0.0
        };
        c.text_right(
            MARGIN + 80.0,
            y,
            10.0,
            false,
            MUTED,
            &format!("{:.0}%", share * 100.0),
        );
        let bar_w = 82.0 * (*n as f32 / max as f32);
        c.rect(MARGIN + 86.0, y - 0.8, 82.0, 4.2, PALE);
        if bar_w > 0.0 {
            c.rect(MARGIN + 86.0, y - 0.8, bar_w, 4.2, ACCENT);
        }
        y -= 7.0;
    }
    y
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

fn render(f: &MonthlyFigures) -> Vec<u8> {
    // Page 1: title and key figures.
    let mut cover = Canvas(Vec::new());
    cover.rect(0.0, PAGE_H - 95.0, PAGE_W, 95.0, ACCENT);
    cover.text(
        MARGIN,
        PAGE_H - 40.0,
        13.0,
        true,
        (0.78, 0.86, 0.95),
        "LEADLIGHT MONTHLY SUMMARY",
    );
    cover.text(MARGIN, PAGE_H - 60.0, 34.0, true, (1.0, 1.0, 1.0), &f.title);
    cover.text(
        MARGIN,
        PAGE_H - 75.0,
        14.0,
        false,
        (0.9, 0.94, 0.98),
        &f.scope,
    );
    let generated = f
        .generated_at
        .to_utc()
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    cover.text(
        MARGIN,
        PAGE_H - 85.0,
        10.0,
        false,
        (0.78, 0.86, 0.95),
        &format!("Generated {generated} · days in {}", f.time_zone),
    );

    let cards = [
        ("Leads created", thousands(f.created)),
        ("Converted", thousands(f.converted)),
        ("Lost", thousands(f.lost)),
        ("Conversion rate", percent(f.conversion_rate)),
    ];
    let card_w = (PAGE_W - 2.0 * MARGIN - 3.0 * 6.0) / 4.0;
    for (i, (label, value)) in cards.iter().enumerate() {
        let x = MARGIN + i as f32 * (card_w + 6.0);
        cover.rect(x, PAGE_H - 140.0, card_w, 32.0, PALE);
        cover.text(x + 4.0, PAGE_H - 118.0, 9.0, false, MUTED, label);
        cover.text(x + 4.0, PAGE_H - 132.0, 20.0, true, INK, value);
    }
    let trend = match (f.conversion_rate, f.previous_conversion_rate) {
        (Some(now), Some(before)) => {
            let points = (now - before) * 100.0;
            let direction = if points >= 0.0 { "up" } else { "down" };
            format!(
                "Conversion rate {} against {} ({}), {direction} {:.1} points.",
                percent(Some(now)),
                f.previous_month,
                percent(Some(before)),
                points.abs()
            )
        }
        _ => format!(
            "Not enough leads in {} or the month before to compare conversion rates.",
            f.title
        ),
    };
    cover.text(MARGIN, PAGE_H - 155.0, 12.0, false, INK, &trend);
    cover.text(
        MARGIN,
        PAGE_H - 165.0,
        10.0,
        false,
        MUTED,
        "Conversion rate: leads converted in the month divided by leads created in the month.",
    );
    let reminders = format!(
        "Reminders due this month: {} done, {} missed, {} still to come.",
        f.reminders_done, f.reminders_missed, f.reminders_pending
    );
    cover.text(MARGIN, PAGE_H - 180.0, 12.0, false, INK, &reminders);

    // Page 2: breakdowns.
    let mut detail = Canvas(Vec::new());
    detail.text(
        MARGIN,
        PAGE_H - 25.0,
        18.0,
        true,
        INK,
        &format!("{} in detail", f.title),
    );
    detail.text(
        MARGIN,
        PAGE_H - 32.0,
        10.0,
        false,
        MUTED,
        "Leads created in the month, by their status today and by source.",
    );
    let statuses: Vec<(String, i64)> = f
        .by_status
        .iter()
        .map(|(s, n)| (capitalised(s.as_str()), *n))
        .collect();
    let mut y = bar_table(&mut detail, PAGE_H - 48.0, "Leads by status", &statuses);
    let sources: Vec<(String, i64)> = f
        .by_source
        .iter()
        .map(|(s, n)| (capitalised(s.as_str()), *n))
        .collect();
    y = bar_table(&mut detail, y - 8.0, "Leads by source", &sources);
    let reminder_rows = vec![
        ("Done".to_owned(), f.reminders_done),
        ("Missed".to_owned(), f.reminders_missed),
        ("Still to come".to_owned(), f.reminders_pending),
    ];
    y = bar_table(
        &mut detail,
        y - 8.0,
        "Reminders due in the month",
        &reminder_rows,
    );
    if let Some(owners) = &f.top_owners {
        let rows: Vec<(String, i64)> = owners.clone();
        if rows.is_empty() {
            detail.text(
                MARGIN,
                y - 8.0,
                14.0,
                true,
                INK,
                "Top owners by conversions",
            );
            detail.text(
                MARGIN,
                y - 17.0,
                10.0,
                false,
                MUTED,
                "No conversions this month.",
            );
        } else {
            bar_table(&mut detail, y - 8.0, "Top owners by conversions", &rows);
        }
    }
    detail.text(
        MARGIN,
        12.0,
        8.0,
        false,
        MUTED,
        &format!("Leadlight · {} · {}", f.title, f.scope),
    );

    let mut doc = PdfDocument::new(&format!("Leadlight monthly summary, {}", f.title));
    doc.with_pages(vec![cover.page(), detail.page()])
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}
