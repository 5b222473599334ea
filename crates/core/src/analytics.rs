//! The dashboard: summary cards, leads by status and source, leads over time,
//! monthly conversion, and the widgets, in one call for its first paint.
//!
//! Counts come from summary tables that triggers keep exact in the same
//! transaction as every change to a lead (migration `analytics`), so the
//! dashboard costs the same at a thousand leads as at a million. Events are
//! summed per UTC hour; a boundary of the user's day that falls inside an
//! hour (half-hour time zones) is corrected from the leads table itself.

use crate::activity::{self, Activity};
use crate::actor::Actor;
use crate::calendar;
use crate::error::{CoreError, CoreResult, Problems};
use crate::leads::{LeadSource, LeadStatus};
use crate::reminders::{self, Reminder};
use crate::schema::{lead_events_hourly, lead_totals, leads};
use crate::tasks::{self, Task};
use crate::text_enum::text_enum;
use crate::time::Timestamp;
use crate::{PageRequest, Store};
use chrono::{Datelike, Months, NaiveDate};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const HOUR_MS: i64 = 3_600_000;

text_enum!(
    /// How leads over time are grouped.
    Bucket, "bucket" {
        Daily => "daily",
        Weekly => "weekly",
        Monthly => "monthly",
    }
);

text_enum!(
    /// Lead events the summaries count.
    EventKind, "event" {
        Created => "created",
        Converted => "converted",
        Lost => "lost",
    }
);

/// Whose figures: everyone's (Admins, Managers) or the actor's own leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    Everyone,
    Own { user_id: crate::ids::UserId },
}

impl Scope {
    pub(crate) fn of(actor: &Actor) -> Self {
        if actor.sees_everything() {
            Self::Everyone
        } else {
            Self::Own {
                user_id: actor.user_id,
            }
        }
    }

    fn key(&self) -> String {
        match self {
            Self::Everyone => "*".into(),
            Self::Own { user_id } => user_id.to_string(),
        }
    }
}

/// What the dashboard is asked for; all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DashboardQuery {
    /// daily (default), weekly or monthly.
    pub bucket: Option<String>,
    /// First day of the leads-over-time range (default: 30 days, 12 weeks or
    /// 12 months back, by bucket).
    pub from: Option<String>,
    /// Last day of the range, inclusive (default: today).
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cards {
    pub total_leads: i64,
    pub new_today: i64,
    pub converted_this_week: i64,
    pub lost_this_month: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count<K> {
    pub key: K,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    /// The bucket's first day, in the user's time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: NaiveDate,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverTime {
    pub bucket: Bucket,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub from: NaiveDate,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub to: NaiveDate,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthConversion {
    /// "2026-11"
    pub month: String,
    pub created: i64,
    pub converted: i64,
    pub lost: i64,
    /// Converted that month / leads created that month.
    pub rate_of_created: Option<f64>,
    /// Converted that month / leads closed (converted or lost) that month.
    pub rate_of_closed: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversion {
    /// Which rate the chart draws, and its label.
    pub shown: &'static str,
    pub label: &'static str,
    pub months: Vec<MonthConversion>,
}

/// Everything the dashboard's first paint needs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub generated_at: Timestamp,
    pub time_zone: String,
    pub scope: Scope,
    pub cards: Cards,
    pub by_status: Vec<Count<LeadStatus>>,
    pub by_source: Vec<Count<LeadSource>>,
    pub over_time: OverTime,
    pub conversion: Conversion,
    pub reminders_today: Vec<Reminder>,
    pub reminders_overdue: Vec<Reminder>,
    pub recent_activity: Vec<Activity>,
    pub overdue_tasks: Vec<Task>,
}

/// Count `kind` events in each `[boundaries[i], boundaries[i + 1])`.
pub(crate) fn count_into(
    conn: &mut SqliteConnection,
    scope: &Scope,
    kind: EventKind,
    boundaries: &[Timestamp],
) -> CoreResult<Vec<i64>> {
    let Some((&first, &last)) = boundaries.first().zip(boundaries.last()) else {
        return Ok(Vec::new());
    };
    let buckets = boundaries.len().saturating_sub(1);
    let mut counts = vec![0i64; buckets];
    let first_hour = first.millis().div_euclid(HOUR_MS);
    let last_hour = (last.millis() - 1).div_euclid(HOUR_MS);
    let hours: BTreeMap<i64, i64> = lead_events_hourly::table
        .filter(lead_events_hourly::kind.eq(kind.as_str()))
        .filter(lead_events_hourly::owner_key.eq(scope.key()))
        .filter(lead_events_hourly::hour.between(first_hour, last_hour))
        .select((lead_events_hourly::hour, lead_events_hourly::n))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    // Each hour goes whole to the bucket its start falls in...
    let bucket_of = |instant: i64| boundaries.partition_point(|b| b.millis() <= instant);
    for (&hour, &n) in &hours {
        let index = bucket_of(hour * HOUR_MS);
        if (1..=buckets).contains(&index) {
            counts[index - 1] += n;
        }
    }
    // ...then a boundary inside an hour moves that hour's later part across.
    for (i, boundary) in boundaries.iter().enumerate() {
        let hour = boundary.millis().div_euclid(HOUR_MS);
        if boundary.millis() % HOUR_MS == 0 {
            continue;
        }
        let Some(&n) = hours.get(&hour) else { continue };
        let before = exact_count(
            conn,
            scope,
            kind,
            Timestamp::from_millis(hour * HOUR_MS),
            *boundary,
        )?;
        let after = n - before;
        if i >= 1 && i - 1 < buckets {
            counts[i - 1] -= after;
        }
        if i < buckets {
            counts[i] += after;
        }
    }
    Ok(counts)
}

/// Count events in `[from, to)` from the leads table (for partial hours).
fn exact_count(
    conn: &mut SqliteConnection,
    scope: &Scope,
    kind: EventKind,
    from: Timestamp,
    to: Timestamp,
) -> CoreResult<i64> {
    let mut query = leads::table
        .filter(leads::deleted_at.is_null())
        .into_boxed();
    query = match kind {
        EventKind::Created => {
            query.filter(leads::created_at.ge(from).and(leads::created_at.lt(to)))
        }
        EventKind::Converted => {
            query.filter(leads::converted_at.ge(from).and(leads::converted_at.lt(to)))
        }
        EventKind::Lost => query.filter(leads::lost_at.ge(from).and(leads::lost_at.lt(to))),
    };
    if let Scope::Own { user_id } = scope {
        query = query.filter(leads::owner_id.eq(*user_id));
    }
    Ok(query.count().get_result(conn)?)
}

fn day_start(tz: Tz, date: NaiveDate) -> Timestamp {
    calendar::start_of_day(tz, date)
}

fn week_start(date: NaiveDate) -> NaiveDate {
    date - chrono::Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

fn next_bucket(bucket: Bucket, date: NaiveDate) -> NaiveDate {
    match bucket {
        Bucket::Daily => date + chrono::Duration::days(1),
        Bucket::Weekly => date + chrono::Duration::days(7),
        Bucket::Monthly => date.checked_add_months(Months::new(1)).unwrap_or(date),
    }
}

fn bucket_start(bucket: Bucket, date: NaiveDate) -> NaiveDate {
    match bucket {
        Bucket::Daily => date,
        Bucket::Weekly => week_start(date),
        Bucket::Monthly => month_start(date),
    }
}

/// The bucket starts from the one holding `from` to the one holding `to`.
fn bucket_dates(bucket: Bucket, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut dates = Vec::new();
    let mut date = bucket_start(bucket, from);
    while date <= to {
        dates.push(date);
        date = next_bucket(bucket, date);
    }
    dates
}

const MAX_POINTS: usize = 400;

fn parse_range(
    query: &DashboardQuery,
    today: NaiveDate,
) -> CoreResult<(Bucket, NaiveDate, NaiveDate)> {
    let mut problems = Problems::new();
    let bucket = query
        .bucket
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .and_then(|b| problems.check("bucket", b.parse::<Bucket>()))
        .unwrap_or(Bucket::Daily);
    let date = |field: &str, text: &Option<String>, problems: &mut Problems| {
        text.as_deref()
            .filter(|t| !t.trim().is_empty())
            .and_then(|t| {
                problems.check(
                    field,
                    NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                        .map_err(|_| format!("'{t}' is not a date like 2026-11-24")),
                )
            })
    };
    let given_to = date("to", &query.to, &mut problems);
    let to_is_bad = query.to.as_deref().is_some_and(|t| !t.trim().is_empty()) && given_to.is_none();
    let to = given_to.unwrap_or(today);
    let default_from = match bucket {
        Bucket::Daily => to - chrono::Duration::days(29),
        Bucket::Weekly => week_start(to) - chrono::Duration::weeks(11),
        Bucket::Monthly => month_start(to)
            .checked_sub_months(Months::new(11))
            .unwrap_or(to),
    };
    let from = date("from", &query.from, &mut problems).unwrap_or(default_from);
    if to_is_bad {
        // Already reported; comparing against a stand-in date would mislead.
    } else if from > to {
        problems.add("from", "must not be after to");
    } else if bucket_dates(bucket, from, to).len() > MAX_POINTS {
        problems.add("from", format!("the range has more than {MAX_POINTS} {bucket} points; pick a shorter range or a larger bucket"));
    }
    problems.finish()?;
    Ok((bucket, from, to))
}

fn by_key<K: Copy + Ord>(all: &[K], rows: &[(K, i64)]) -> Vec<Count<K>> {
    all.iter()
        .map(|key| Count {
            key: *key,
            count: rows.iter().filter(|(k, _)| k == key).map(|(_, n)| n).sum(),
        })
        .collect()
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The dashboard for the actor: everyone's figures for Admins and Managers,
/// their own leads' for Agents, with days in the actor's time zone.
pub fn dashboard(store: &Store, actor: &Actor, query: DashboardQuery) -> CoreResult<Dashboard> {
    let now = store.now();
    let scope = Scope::of(actor);
    let (tz, figures) = store.read(|conn| {
        let tz = crate::users::time_zone_of(conn, actor.user_id)?;
        let today = calendar::date_of(tz, now);
        let (bucket, from, to) = parse_range(&query, today)?;
        let figures = figures(conn, &scope, tz, today, bucket, from, to)?;
        Ok((tz, figures))
    })?;
    let (cards, by_status, by_source, over_time, conversion) = figures;
    Ok(Dashboard {
        generated_at: now,
        time_zone: tz.name().to_owned(),
        scope,
        cards,
        by_status,
        by_source,
        over_time,
        conversion,
        reminders_today: reminders::today(store, actor)?,
        reminders_overdue: reminders::overdue(store, actor)?,
        recent_activity: activity::feed(store, actor, PageRequest::new(1, 10))?.items,
        overdue_tasks: tasks::overdue(store, actor)?,
    })
}

type Figures = (
    Cards,
    Vec<Count<LeadStatus>>,
    Vec<Count<LeadSource>>,
    OverTime,
    Conversion,
);

#[allow(clippy::too_many_arguments)]
fn figures(
    conn: &mut SqliteConnection,
    scope: &Scope,
    tz: Tz,
    today: NaiveDate,
    bucket: Bucket,
    from: NaiveDate,
    to: NaiveDate,
) -> CoreResult<Figures> {
    let mut totals = lead_totals::table.into_boxed();
    if let Scope::Own { user_id } = scope {
        totals = totals.filter(lead_totals::owner_key.eq(user_id.to_string()));
    }
    let totals: Vec<(String, String, i64)> = totals
        .select((lead_totals::status, lead_totals::source, lead_totals::n))
        .load(conn)?;
    let mut statuses = Vec::new();
    let mut sources = Vec::new();
    for (status, source, n) in &totals {
        let status: LeadStatus = status.parse().map_err(CoreError::internal)?;
        let source: LeadSource = source.parse().map_err(CoreError::internal)?;
        statuses.push((status, *n));
        sources.push((source, *n));
    }
    let by_status = by_key(LeadStatus::ALL, &statuses);
    let by_source = by_key(LeadSource::ALL, &sources);

    let one = |conn: &mut SqliteConnection, kind, from: NaiveDate, to: NaiveDate| {
        count_into(conn, scope, kind, &[day_start(tz, from), day_start(tz, to)])
            .map(|c| c.first().copied().unwrap_or(0))
    };
    let cards = Cards {
        total_leads: totals.iter().map(|(_, _, n)| n).sum(),
        new_today: one(
            conn,
            EventKind::Created,
            today,
            next_bucket(Bucket::Daily, today),
        )?,
        converted_this_week: one(
            conn,
            EventKind::Converted,
            week_start(today),
            next_bucket(Bucket::Weekly, week_start(today)),
        )?,
        lost_this_month: one(
            conn,
            EventKind::Lost,
            month_start(today),
            next_bucket(Bucket::Monthly, month_start(today)),
        )?,
    };

    let starts = bucket_dates(bucket, from, to);
    let mut edges: Vec<Timestamp> = starts.iter().map(|d| day_start(tz, *d)).collect();
    if let Some(last) = starts.last() {
        edges.push(day_start(tz, next_bucket(bucket, *last)));
    }
    let created = count_into(conn, scope, EventKind::Created, &edges)?;
    let over_time = OverTime {
        bucket,
        from,
        to,
        points: starts
            .iter()
            .zip(created)
            .map(|(start, count)| Point {
                start: *start,
                count,
            })
            .collect(),
    };

    let months = bucket_dates(
        Bucket::Monthly,
        month_start(today)
            .checked_sub_months(Months::new(11))
            .unwrap_or(today),
        today,
    );
    let mut month_edges: Vec<Timestamp> = months.iter().map(|d| day_start(tz, *d)).collect();
    if let Some(last) = months.last() {
        month_edges.push(day_start(tz, next_bucket(Bucket::Monthly, *last)));
    }
    let created = count_into(conn, scope, EventKind::Created, &month_edges)?;
    let converted = count_into(conn, scope, EventKind::Converted, &month_edges)?;
    let lost = count_into(conn, scope, EventKind::Lost, &month_edges)?;
    let conversion = Conversion {
        shown: "rate_of_created",
        label: "Converted in the month ÷ leads created in the month",
        months: months
            .iter()
            .enumerate()
            .map(|(i, month)| MonthConversion {
                month: month.format("%Y-%m").to_string(),
                created: created[i],
                converted: converted[i],
                lost: lost[i],
                rate_of_created: rate(converted[i], created[i]),
                rate_of_closed: rate(converted[i], converted[i] + lost[i]),
            })
            .collect(),
    };
    Ok((cards, by_status, by_source, over_time, conversion))
}

/// How many live leads there are, or `owner` has, read from the summary
/// totals (kept by triggers) rather than by counting leads.
pub(crate) fn live_leads(
    conn: &mut SqliteConnection,
    owner: Option<crate::ids::UserId>,
) -> CoreResult<i64> {
    let mut totals = lead_totals::table.select(lead_totals::n).into_boxed();
    if let Some(owner) = owner {
        totals = totals.filter(lead_totals::owner_key.eq(owner.to_string()));
    }
    Ok(totals.load::<i64>(conn)?.into_iter().sum())
}

/// Compare the summary tables with a recomputation from the leads table;
/// returns one line per difference (empty when they agree).
pub fn check_summaries(store: &Store) -> CoreResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Diff {
        #[diesel(sql_type = diesel::sql_types::Text)]
        what: String,
    }
    let sql = "
        WITH fresh_totals AS (
            SELECT coalesce(owner_id, '') AS owner_key, status, source, count(*) AS n
            FROM leads WHERE deleted_at IS NULL GROUP BY 1, 2, 3),
        fresh_events AS (
            SELECT kind, owner_key, hour, sum(n) AS n FROM (
                SELECT 'created' AS kind, coalesce(owner_id, '') AS owner_key, created_at / 3600000 AS hour, 1 AS n FROM leads WHERE deleted_at IS NULL
                UNION ALL SELECT 'converted', coalesce(owner_id, ''), converted_at / 3600000, 1 FROM leads WHERE deleted_at IS NULL AND converted_at IS NOT NULL
                UNION ALL SELECT 'lost', coalesce(owner_id, ''), lost_at / 3600000, 1 FROM leads WHERE deleted_at IS NULL AND lost_at IS NOT NULL)
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT kind, '*', hour, sum(n) FROM (
                SELECT 'created' AS kind, created_at / 3600000 AS hour, 1 AS n FROM leads WHERE deleted_at IS NULL
                UNION ALL SELECT 'converted', converted_at / 3600000, 1 FROM leads WHERE deleted_at IS NULL AND converted_at IS NOT NULL
                UNION ALL SELECT 'lost', lost_at / 3600000, 1 FROM leads WHERE deleted_at IS NULL AND lost_at IS NOT NULL)
            GROUP BY 1, 3)
        SELECT 'totals ' || owner_key || ' ' || status || ' ' || source
               || ': summary ' || sum(s) || ', leads ' || sum(f) AS what
        FROM (SELECT owner_key, status, source, n AS s, 0 AS f FROM lead_totals
              UNION ALL SELECT owner_key, status, source, 0, n FROM fresh_totals)
        GROUP BY owner_key, status, source HAVING sum(s) != sum(f)
        UNION ALL
        SELECT 'events ' || kind || ' ' || owner_key || ' hour ' || hour
               || ': summary ' || sum(s) || ', leads ' || sum(f)
        FROM (SELECT kind, owner_key, hour, n AS s, 0 AS f FROM lead_events_hourly
              UNION ALL SELECT kind, owner_key, hour, 0, n FROM fresh_events)
        GROUP BY kind, owner_key, hour HAVING sum(s) != sum(f)";
    store.read(|conn| {
        Ok(diesel::sql_query(sql)
            .load::<Diff>(conn)?
            .into_iter()
            .map(|d| d.what)
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::live_leads;
    use crate::Store;
    use crate::accounts;
    use crate::leads::{self, NewLead};

    /// Counted from the summaries: everyone's or one owner's live leads, a
    /// deleted one no longer among them.
    #[test]
    fn live_leads_are_counted_in_all_and_by_owner() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a.sqlite3")).unwrap();
        let admin = accounts::first_admin(&store);
        let made: Vec<_> = (0..3)
            .map(|i| {
                let lead = NewLead {
                    name: format!("Lead {i}"),
                    ..NewLead::default()
                };
                leads::create(&store, &admin, lead).unwrap()
            })
            .collect();
        leads::assign(&store, &admin, made[0].id, None).unwrap();
        leads::delete(&store, &admin, made[1].id).unwrap();
        let count = |owner| store.read(|conn| live_leads(conn, owner)).unwrap();
        assert_eq!(count(None), 2, "two live leads in all");
        assert_eq!(count(Some(admin.user_id)), 1, "one of them the Admin's");
    }
}
