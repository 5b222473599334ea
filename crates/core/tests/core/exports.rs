//! Exports read back the way a user's tools would read them.

use crate::helpers::TestDb;
use calamine::{Data, Reader, Xlsx, open_workbook};
use leadlight_core::analytics::DashboardQuery;
use leadlight_core::exports;
use leadlight_core::leads::{self, LeadQuery, NewLead};

fn tricky(db: &TestDb) {
    let a = db.admin;
    leads::create(
        &db.store,
        &a,
        NewLead {
            name: "Pat \"Paddy\" O'Brien, Jr".into(),
            email: Some("pat@obrien.example.com".into()),
            phone: Some("+353 1 234 5678".into()),
            company: Some("O'Brien, Sons & \"Co\"".into()),
            source: Some("referral".into()),
            tags: vec!["vip".into(), "trade-show".into()],
            ..Default::default()
        },
    )
    .unwrap();
    leads::create(
        &db.store,
        &a,
        NewLead {
            name: "Zoë Ångström".into(),
            source: Some("ad".into()),
            ..Default::default()
        },
    )
    .unwrap();
    for i in 0..25 {
        db.advance_minutes(1);
        leads::create(
            &db.store,
            &a,
            NewLead {
                name: format!("Filler {i:02}"),
                source: Some("website".into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
}

fn read_csv(bytes: &[u8]) -> Vec<csv::StringRecord> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark first");
    assert!(text.contains("\r\n"), "RFC 4180 line ends");
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn leads_csv_round_trips_quotes_commas_and_accents_and_follows_the_filters() {
    let db = TestDb::new();
    tricky(&db);
    let mut out = Vec::new();
    let mut reports = Vec::new();
    let query = LeadQuery {
        source: Some("referral".into()),
        ..Default::default()
    };
    let summary = exports::leads_csv(
        &db.store,
        &db.admin,
        &query,
        &mut out,
        &mut |done, total| reports.push((done, total)),
    )
    .unwrap();
    assert_eq!(summary.rows, 1);
    assert_eq!(reports.last(), Some(&(1, 1)));
    let rows = read_csv(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Pat \"Paddy\" O'Brien, Jr");
    assert_eq!(&rows[0][3], "O'Brien, Sons & \"Co\"");
    assert_eq!(&rows[0][6], "trade-show, vip");
    assert_eq!(&rows[0][7], "Ada Admin");
    assert_eq!(&rows[0][8], "2026-11-24T09:00:00+00:00");

    let mut all = Vec::new();
    let sorted = LeadQuery {
        sort: Some("name".into()),
        ..Default::default()
    };
    exports::leads_csv(&db.store, &db.admin, &sorted, &mut all, &mut |_, _| {}).unwrap();
    let rows = read_csv(&all);
    let total = leads::list(&db.store, &db.admin, LeadQuery::default())
        .unwrap()
        .total;
    assert_eq!(rows.len() as i64, total);
    assert_eq!(&rows[0][0], "Filler 00", "in the list's sort order");
    assert!(rows.iter().any(|r| &r[0] == "Zoë Ångström"));
    let header = std::str::from_utf8(&all)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned();
    assert!(header.starts_with("Name,Email,Phone,Company,Source,Status,Tags,Owner,Created"));
}

#[test]
fn leads_xlsx_has_typed_dates_a_header_and_every_row() {
    let db = TestDb::new();
    tricky(&db);
    let path = db.dir.path().join("leads.xlsx");
    let summary = exports::leads_xlsx(
        &db.store,
        &db.admin,
        &LeadQuery::default(),
        &path,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(summary.rows, 27);
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("Leads").unwrap();
    assert_eq!(range.height(), 28, "header + 27 leads");
    assert_eq!(range.get((0, 0)), Some(&Data::String("Name".into())));
    assert_eq!(range.get((0, 8)), Some(&Data::String("Created".into())));
    assert!(
        matches!(range.get((1, 8)), Some(Data::DateTime(_))),
        "{:?}",
        range.get((1, 8))
    );
    let names: Vec<String> = range.rows().skip(1).map(|r| r[0].to_string()).collect();
    assert!(names.contains(&"Pat \"Paddy\" O'Brien, Jr".to_owned()));
    // Newest first, as the list shows them.
    assert_eq!(names[0], "Filler 24");
}

#[test]
fn an_agents_export_holds_only_their_leads() {
    let db = TestDb::new();
    tricky(&db);
    let agent = db.user("Alice Agent", leadlight_core::Role::Agent);
    db.lead(&agent, "Alice's only lead");
    let mut out = Vec::new();
    exports::leads_csv(
        &db.store,
        &agent,
        &LeadQuery::default(),
        &mut out,
        &mut |_, _| {},
    )
    .unwrap();
    let rows = read_csv(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][0], "Alice's only lead");
}

#[test]
fn analytics_export_every_series_as_csv_and_one_sheet_each() {
    let db = TestDb::new();
    tricky(&db);
    let mut out = Vec::new();
    exports::analytics_csv(&db.store, &db.admin, DashboardQuery::default(), &mut out).unwrap();
    let rows = read_csv(&out);
    let value = |series: &str, key: &str| -> String {
        rows.iter()
            .find(|r| &r[0] == series && &r[1] == key)
            .map(|r| r[2].to_owned())
            .unwrap_or_default()
    };
    assert_eq!(value("cards", "total_leads"), "27");
    assert_eq!(value("cards", "new_today"), "27");
    assert_eq!(value("by_source", "website"), "25");
    assert_eq!(value("created_daily", "2026-11-24"), "27");
    assert_eq!(value("conversion_created", "2026-11"), "27");
    assert_eq!(rows.iter().filter(|r| &r[0] == "created_daily").count(), 30);

    let path = db.dir.path().join("analytics.xlsx");
    exports::analytics_xlsx(&db.store, &db.admin, DashboardQuery::default(), &path).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec![
            "Summary",
            "By status",
            "By source",
            "Over time",
            "Conversion"
        ]
    );
    let summary = book.worksheet_range("Summary").unwrap();
    assert_eq!(summary.get((1, 1)), Some(&Data::Float(27.0)));
    let over_time = book.worksheet_range("Over time").unwrap();
    assert_eq!(over_time.height(), 31);
    assert!(matches!(over_time.get((1, 0)), Some(Data::DateTime(_))));
}
