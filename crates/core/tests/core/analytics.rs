//! The dashboard against plain SQL recounts of the same database.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use leadlight_core::analytics::{self, Bucket, DashboardQuery};
use leadlight_core::clock::ManualClock;
use leadlight_core::demo::{self, DemoSpec};
use leadlight_core::leads::{self, LeadQuery, LeadStatus, NewLead};
use leadlight_core::{Actor, Role, Store, Timestamp, users};
use std::sync::Arc;

struct Demo {
    _dir: tempfile::TempDir,
    store: Store,
    clock: Arc<ManualClock>,
}

const NOW: &str = "2026-11-24T21:30:00Z";

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::parse(NOW).unwrap()));
    let store = Store::open_with_clock(dir.path().join("dash.sqlite3"), clock.clone()).unwrap();
    demo::generate(
        &store,
        DemoSpec {
            leads: 4_000,
            seed: 11,
        },
        |_, _| {},
    )
    .unwrap();
    Demo {
        _dir: dir,
        store,
        clock,
    }
}

fn actor(store: &Store, email: &str) -> Actor {
    let signed_in = leadlight_core::accounts::login(
        store,
        leadlight_core::accounts::Credentials {
            email: email.into(),
            password: demo::DEMO_PASSWORD.into(),
        },
    )
    .unwrap();
    leadlight_core::accounts::authenticate(store, Some(&signed_in.access_token)).unwrap()
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Plain SQL: live leads whose `column` lies in [from, to), optionally one owner's.
fn recount(
    store: &Store,
    column: &str,
    from: Timestamp,
    to: Timestamp,
    owner: Option<&Actor>,
) -> i64 {
    let sql = format!(
        "SELECT count(*) AS n FROM leads WHERE deleted_at IS NULL AND {column} >= ? AND {column} < ? \
         AND (? IS NULL OR owner_id = ?)"
    );
    let owner = owner.map(|a| a.user_id.to_string());
    diesel::sql_query(sql)
        .bind::<BigInt, _>(from.millis())
        .bind::<BigInt, _>(to.millis())
        .bind::<Nullable<Text>, _>(owner.clone())
        .bind::<Nullable<Text>, _>(owner)
        .get_result::<N>(&mut store.connection().unwrap())
        .unwrap()
        .n
}

fn start(tz: Tz, date: NaiveDate) -> Timestamp {
    tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
        .into()
}

fn check_against_sql(store: &Store, who: &Actor, tz: Tz) {
    let owner = (who.role == Role::Agent).then_some(who);
    let dash = analytics::dashboard(store, who, DashboardQuery::default()).unwrap();
    assert_eq!(dash.time_zone, tz.name());
    let now = store.now();
    let today = now.to_utc().with_timezone(&tz).date_naive();
    let day = chrono::Duration::days(1);
    let monday = today
        - chrono::Duration::days(i64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    let first = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .unwrap();
    let next_month = first.checked_add_months(chrono::Months::new(1)).unwrap();

    let everything = (
        Timestamp::from_millis(0),
        Timestamp::from_millis(i64::MAX / 2),
    );
    assert_eq!(
        dash.cards.total_leads,
        recount(store, "created_at", everything.0, everything.1, owner)
    );
    assert_eq!(
        dash.cards.new_today,
        recount(
            store,
            "created_at",
            start(tz, today),
            start(tz, today + day),
            owner
        )
    );
    assert_eq!(
        dash.cards.converted_this_week,
        recount(
            store,
            "converted_at",
            start(tz, monday),
            start(tz, monday + chrono::Duration::days(7)),
            owner
        )
    );
    assert_eq!(
        dash.cards.lost_this_month,
        recount(
            store,
            "lost_at",
            start(tz, first),
            start(tz, next_month),
            owner
        )
    );

    let listed = |status: LeadStatus| {
        let query = LeadQuery {
            status: vec![status.as_str().into()],
            limit: Some(1),
            ..Default::default()
        };
        leads::list(store, who, query).unwrap().total
    };
    for count in &dash.by_status {
        assert_eq!(count.count, listed(count.key), "{:?}", count.key);
    }
    let by_source: i64 = dash.by_source.iter().map(|c| c.count).sum();
    assert_eq!(by_source, dash.cards.total_leads);

    assert_eq!(dash.over_time.bucket, Bucket::Daily);
    assert_eq!(dash.over_time.points.len(), 30);
    assert_eq!(dash.over_time.points.last().unwrap().start, today);
    for point in &dash.over_time.points {
        assert_eq!(
            point.count,
            recount(
                store,
                "created_at",
                start(tz, point.start),
                start(tz, point.start + day),
                owner
            ),
            "{}",
            point.start
        );
    }
    assert_eq!(dash.conversion.months.len(), 12);
    for month in &dash.conversion.months {
        let first = NaiveDate::parse_from_str(&format!("{}-01", month.month), "%Y-%m-%d").unwrap();
        let (a, b) = (
            start(tz, first),
            start(
                tz,
                first.checked_add_months(chrono::Months::new(1)).unwrap(),
            ),
        );
        assert_eq!(
            month.created,
            recount(store, "created_at", a, b, owner),
            "{}",
            month.month
        );
        assert_eq!(
            month.converted,
            recount(store, "converted_at", a, b, owner),
            "{}",
            month.month
        );
        assert_eq!(
            month.lost,
            recount(store, "lost_at", a, b, owner),
            "{}",
            month.month
        );
        if month.created > 0 {
            let expected = month.converted as f64 / month.created as f64;
            assert!((month.rate_of_created.unwrap() - expected).abs() < 1e-9);
        }
    }
}

#[test]
fn every_figure_equals_a_plain_sql_recount() {
    let d = demo();
    let admin = actor(&d.store, demo::DEMO_USERS[0].1);
    let agent = actor(&d.store, demo::DEMO_USERS[3].1);
    check_against_sql(&d.store, &admin, chrono_tz::UTC);
    check_against_sql(&d.store, &agent, chrono_tz::UTC);
    let dash = analytics::dashboard(&d.store, &agent, DashboardQuery::default()).unwrap();
    assert!(
        dash.cards.total_leads < 1_000,
        "an agent's figures are their own"
    );
    assert!(dash.cards.total_leads > 100);
    // Busy recent months: the demo's figures are not all zero.
    let admin_dash = analytics::dashboard(&d.store, &admin, DashboardQuery::default()).unwrap();
    assert!(
        admin_dash
            .over_time
            .points
            .iter()
            .map(|p| p.count)
            .sum::<i64>()
            > 200
    );
    assert!(
        admin_dash
            .conversion
            .months
            .iter()
            .map(|m| m.converted)
            .sum::<i64>()
            > 100
    );
}

#[test]
fn summaries_stay_equal_to_a_recomputation_through_every_kind_of_change() {
    let d = demo();
    let admin = actor(&d.store, demo::DEMO_USERS[0].1);
    let agent = actor(&d.store, demo::DEMO_USERS[4].1);
    assert_eq!(
        analytics::check_summaries(&d.store).unwrap(),
        Vec::<String>::new()
    );
    let page = leads::list(
        &d.store,
        &admin,
        LeadQuery {
            limit: Some(60),
            ..Default::default()
        },
    )
    .unwrap();
    for (i, lead) in page.items.iter().enumerate() {
        d.clock.advance(chrono::Duration::minutes(7));
        match i % 6 {
            0 => {
                leads::change_status(&d.store, &admin, lead.id, "lost").unwrap();
            }
            1 => {
                leads::convert(&d.store, &admin, lead.id).ok();
            }
            2 => {
                leads::assign(&d.store, &admin, lead.id, Some(agent.user_id)).unwrap();
            }
            3 => {
                leads::delete(&d.store, &admin, lead.id).unwrap();
            }
            4 => {
                leads::delete(&d.store, &admin, lead.id).unwrap();
                leads::restore(&d.store, &admin, lead.id).unwrap();
                leads::change_status(&d.store, &admin, lead.id, "qualified").unwrap();
            }
            _ => {
                leads::update(
                    &d.store,
                    &admin,
                    lead.id,
                    leads::LeadPatch {
                        source: Some("referral".into()),
                        ..Default::default()
                    },
                )
                .unwrap();
                leads::assign(&d.store, &admin, lead.id, None).unwrap();
            }
        }
    }
    leads::create(
        &d.store,
        &agent,
        NewLead {
            name: "Fresh".into(),
            ..Default::default()
        },
    )
    .unwrap();
    leadlight_core::enquiries::submit(
        &d.store,
        leadlight_core::enquiries::Enquiry {
            name: "Web".into(),
            email: Some("web@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        analytics::check_summaries(&d.store).unwrap(),
        Vec::<String>::new()
    );
    check_against_sql(&d.store, &admin, chrono_tz::UTC);
    check_against_sql(&d.store, &agent, chrono_tz::UTC);

    // The check itself notices a summary that drifted.
    use diesel::connection::SimpleConnection;
    d.store
        .connection()
        .unwrap()
        .batch_execute("UPDATE lead_totals SET n = n + 1 WHERE status = 'new' AND source = 'ad' AND owner_key = ''")
        .unwrap();
    let drift = analytics::check_summaries(&d.store).unwrap();
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(drift[0].starts_with("totals  new"), "{drift:?}");
}

#[test]
fn today_is_the_users_own_day_even_in_a_half_hour_time_zone() {
    let d = demo();
    let admin = actor(&d.store, demo::DEMO_USERS[0].1);
    // 21:30 UTC on the 24th is 03:00 on the 25th in Kolkata (UTC+5:30).
    // Leads made at 18:15 UTC (23:45 on the 24th in Kolkata) and 18:45 UTC
    // (00:15 on the 25th): same UTC hour, different Kolkata days.
    for (at, name) in [
        ("2026-11-24T18:15:00Z", "Before Kolkata midnight"),
        ("2026-11-24T18:45:00Z", "After Kolkata midnight"),
    ] {
        d.clock.set(Timestamp::parse(at).unwrap());
        leads::create(
            &d.store,
            &admin,
            NewLead {
                name: name.into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    d.clock.set(Timestamp::parse(NOW).unwrap());
    let utc_today = analytics::dashboard(&d.store, &admin, DashboardQuery::default())
        .unwrap()
        .cards
        .new_today;
    let kolkata = users::set_time_zone(&d.store, &admin, "Asia/Kolkata").unwrap();
    assert_eq!(kolkata.time_zone, "Asia/Kolkata");
    let dash = analytics::dashboard(&d.store, &admin, DashboardQuery::default()).unwrap();
    let tz: Tz = "Asia/Kolkata".parse().unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    assert_eq!(
        dash.over_time.points.last().unwrap().start,
        today,
        "already the 25th in Kolkata"
    );
    assert_eq!(
        dash.cards.new_today,
        recount(
            &d.store,
            "created_at",
            start(tz, today),
            start(tz, today + chrono::Duration::days(1)),
            None
        )
    );
    assert_ne!(
        dash.cards.new_today, utc_today,
        "today differs between UTC and Kolkata"
    );
    check_against_sql(&d.store, &admin, tz);
}

#[test]
fn ranges_and_buckets_are_validated() {
    let d = demo();
    let admin = actor(&d.store, demo::DEMO_USERS[0].1);
    let weekly = analytics::dashboard(
        &d.store,
        &admin,
        DashboardQuery {
            bucket: Some("weekly".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(weekly.over_time.points.len(), 12);
    assert_eq!(
        chrono::Datelike::weekday(&weekly.over_time.points[0].start),
        chrono::Weekday::Mon
    );
    let monthly = analytics::dashboard(
        &d.store,
        &admin,
        DashboardQuery {
            bucket: Some("monthly".into()),
            from: Some("2026-01-15".into()),
            to: Some("2026-06-30".into()),
        },
    )
    .unwrap();
    let months: Vec<String> = monthly
        .over_time
        .points
        .iter()
        .map(|p| p.start.to_string())
        .collect();
    assert_eq!(
        months,
        vec![
            "2026-01-01",
            "2026-02-01",
            "2026-03-01",
            "2026-04-01",
            "2026-05-01",
            "2026-06-01"
        ]
    );
    let error = analytics::dashboard(
        &d.store,
        &admin,
        DashboardQuery {
            bucket: Some("hourly".into()),
            from: Some("2026-12-01".into()),
            to: Some("yesterday".into()),
        },
    )
    .unwrap_err();
    let named: Vec<&str> = error.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(named, vec!["bucket", "to"]);
    let backwards = analytics::dashboard(
        &d.store,
        &admin,
        DashboardQuery {
            from: Some("2026-12-01".into()),
            to: Some("2026-11-01".into()),
            ..Default::default()
        },
    );
    assert_eq!(backwards.unwrap_err().fields()[0].field, "from");
}
