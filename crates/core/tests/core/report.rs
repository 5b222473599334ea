//! The monthly PDF parses in a real PDF tool and says what the figures say.

use crate::helpers::{TestDb, fields};
use leadlight_core::leads::{self, NewLead};
use leadlight_core::reminders::{self, NewReminder};
use leadlight_core::report;
use std::process::Command;

fn pdf_text(bytes: &[u8], dir: &std::path::Path) -> String {
    let path = dir.join("report.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by `cargo xtask test`");
    assert!(
        out.status.success(),
        "pdftotext could not read the report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_monthly_report_shows_the_months_figures() {
    let db = TestDb::new();
    let agent = db.user("Alice Agent", leadlight_core::Role::Agent);
    // October: 4 leads, 1 converted. November (now): 5 leads, 2 converted, 1 lost.
    db.at("2026-10-10T10:00:00Z");
    let october: Vec<_> = (0..4)
        .map(|i| db.lead(&agent, &format!("October {i}")))
        .collect();
    leads::convert(&db.store, &agent, october[0].id).unwrap();
    db.at("2026-11-03T10:00:00Z");
    let november: Vec<_> = (0..5)
        .map(|i| {
            leads::create(
                &db.store,
                &agent,
                NewLead {
                    name: format!("November {i}"),
                    source: Some("ad".into()),
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();
    leads::convert(&db.store, &agent, november[0].id).unwrap();
    leads::convert(&db.store, &agent, november[1].id).unwrap();
    leads::change_status(&db.store, &agent, november[2].id, "lost").unwrap();
    let reminder = reminders::create(
        &db.store,
        &agent,
        NewReminder {
            lead_id: Some(november[3].id),
            due_at: "2026-11-05T09:00:00Z".into(),
            message: "Call".into(),
            owner_id: None,
        },
    )
    .unwrap();
    reminders::create(
        &db.store,
        &agent,
        NewReminder {
            lead_id: Some(november[4].id),
            due_at: "2026-11-06T09:00:00Z".into(),
            message: "Missed call".into(),
            owner_id: None,
        },
    )
    .unwrap();
    db.at("2026-11-24T09:00:00Z");
    reminders::complete(&db.store, &agent, reminder.id).unwrap();

    let figures = report::monthly_figures(&db.store, &db.admin, Some("2026-11")).unwrap();
    assert_eq!(
        (figures.created, figures.converted, figures.lost),
        (5, 2, 1)
    );
    assert_eq!(figures.conversion_rate, Some(0.4));
    assert_eq!(figures.previous_conversion_rate, Some(0.25));
    assert_eq!((figures.reminders_done, figures.reminders_missed), (1, 1));
    assert_eq!(
        figures.top_owners,
        Some(vec![("Alice Agent".to_owned(), 2)])
    );

    let text = pdf_text(
        &report::monthly_pdf(&db.store, &db.admin, Some("2026-11")).unwrap(),
        db.dir.path(),
    );
    for expected in [
        "November 2026",
        "Whole team",
        "Leads created",
        "40.0%",
        "October 2026 (25.0%), up 15.0 points",
        "Leads by status",
        "Leads by source",
        "Top owners by conversions",
        "Alice Agent",
        "1 done, 1 missed",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // An agent's report covers their leads and names no other owners.
    let own = pdf_text(
        &report::monthly_pdf(&db.store, &agent, Some("2026-11")).unwrap(),
        db.dir.path(),
    );
    assert!(own.contains("Leads of Alice Agent"));
    assert!(!own.contains("Top owners"));
}

#[test]
fn a_bad_month_is_named() {
    let db = TestDb::new();
    assert_eq!(
        fields(report::monthly_pdf(&db.store, &db.admin, Some("November"))),
        vec!["month"]
    );
}
