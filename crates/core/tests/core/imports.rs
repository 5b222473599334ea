//! CSV import: mapping, checks, duplicates, one batch, undo.

use crate::helpers::{TestDb, code, fields};
use leadlight_core::imports::{self, ImportField, Mapping, RowOutcome};
use leadlight_core::leads::{self, LeadQuery, NewLead};
use leadlight_core::{ErrorCode, Role, analytics};

const FILE: &str = "\u{feff}Full Name,E-mail,Phone number,Lead source,Company,Notes,Favourite colour\r\n\
Grace Hopper,grace@navy.example.com,+1 (555) 010-2030,Referral,US Navy,\"Met at the conference,\nwants a demo\",blue\r\n\
Alan Turing,alan@bletchley.example.org,,website,Bletchley Park,,green\r\n\
Grace Again,GRACE@navy.example.com,,ad,,,red\r\n\
Bad Email,not-an-email,,ad,,,red\r\n\
,nobody@example.com,,ad,,,red\r\n\
Phone Twin,,555-010-2030 ,other,,,red\r\n\
Existing Person,existing@example.com,,ad,,,red\r\n\
Ada Lovelace,ada@engines.example.com,+44 20 7946 0000,Other,Analytical Engines,,gold\r\n";

fn mapping() -> Mapping {
    imports::preview(FILE.as_bytes()).unwrap().mapping
}

#[test]
fn the_mapping_is_guessed_from_the_headers() {
    let preview = imports::preview(FILE.as_bytes()).unwrap();
    assert_eq!(
        preview.headers[0], "Full Name",
        "the byte-order mark is not part of the header"
    );
    assert_eq!(preview.rows, 8);
    let expected: Vec<(ImportField, &str)> = vec![
        (ImportField::Name, "Full Name"),
        (ImportField::Email, "E-mail"),
        (ImportField::Phone, "Phone number"),
        (ImportField::Company, "Company"),
        (ImportField::Source, "Lead source"),
        (ImportField::Notes, "Notes"),
    ];
    let got: Vec<(ImportField, &str)> = preview
        .mapping
        .iter()
        .map(|(f, h)| (*f, h.as_str()))
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(got, expected_sorted);
    assert_eq!(preview.sample[0][0], "Grace Hopper");
    let names = imports::guess(&[
        "First name".into(),
        "SURNAME".into(),
        "Mobile".into(),
        "Organisation".into(),
        "Stage".into(),
        "Labels".into(),
    ]);
    assert_eq!(names.len(), 6);
    assert_eq!(names[&ImportField::FirstName], "First name");
    assert_eq!(names[&ImportField::Status], "Stage");
}

#[test]
fn rows_are_created_skipped_as_duplicates_or_rejected_with_their_line() {
    let db = TestDb::new();
    leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Existing".into(),
            email: Some("existing@example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut reports = Vec::new();
    let report = imports::import(
        &db.store,
        &db.admin,
        FILE.as_bytes(),
        "contacts.csv",
        &mapping(),
        &mut |d, t| reports.push((d, t)),
    )
    .unwrap();
    assert_eq!(
        (
            report.rows,
            report.created,
            report.duplicates,
            report.rejected
        ),
        (8, 3, 3, 2),
        "{:#?}",
        report.outcomes
    );
    assert_eq!(reports.last(), Some(&(8, 8)));
    let by_line = |line: u64| {
        report.outcomes.iter().find(|o| match o {
            RowOutcome::Created { line: l, .. }
            | RowOutcome::Duplicate { line: l, .. }
            | RowOutcome::Rejected { line: l, .. } => *l == line,
        })
    };
    // Grace's quoted note spans two lines, so Alan is on line 4.
    assert!(matches!(by_line(2), Some(RowOutcome::Created { .. })));
    assert!(matches!(by_line(4), Some(RowOutcome::Created { .. })));
    match by_line(5) {
        Some(RowOutcome::Duplicate {
            earlier_line: Some(2),
            reason,
            ..
        }) => assert!(reason.contains("email"), "{reason}"),
        other => panic!("line 5: {other:?}"),
    }
    match by_line(6) {
        Some(RowOutcome::Rejected { reasons, .. }) => assert_eq!(reasons.len(), 1, "{reasons:?}"),
        other => panic!("line 6: {other:?}"),
    }
    match by_line(7) {
        Some(RowOutcome::Rejected { reasons, .. }) => {
            assert!(reasons[0].starts_with("name:"), "{reasons:?}")
        }
        other => panic!("line 7: {other:?}"),
    }
    match by_line(8) {
        Some(RowOutcome::Duplicate {
            earlier_line: Some(2),
            reason,
            ..
        }) => assert!(reason.contains("phone"), "{reason}"),
        other => panic!("line 8: {other:?}"),
    }
    // Against the database.
    assert!(
        matches!(
            by_line(9),
            Some(RowOutcome::Duplicate {
                existing_lead: Some(_),
                earlier_line: None,
                ..
            })
        ),
        "{:?}",
        by_line(9)
    );

    let grace = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            q: Some("hopper".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(grace.total, 1, "imported leads are searchable");
    let by_phone = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            q: Some("7946".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        by_phone
            .items
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["Ada Lovelace"],
        "imported phone numbers are searchable by their digits"
    );
    let detail = leads::open(&db.store, &db.admin, grace.items[0].id).unwrap();
    assert_eq!(detail.notes[0].body, "Met at the conference,\nwants a demo");
    assert_eq!(detail.lead.source, leads::LeadSource::Referral);
    assert_eq!(
        analytics::check_summaries(&db.store).unwrap(),
        Vec::<String>::new()
    );
    let batches = imports::batches(&db.store, &db.admin).unwrap();
    assert_eq!(batches[0].file_name, "contacts.csv");
    assert_eq!(batches[0].created, 3);
}

#[test]
fn an_import_is_undone_in_one_step_and_only_once() {
    let db = TestDb::new();
    let agent = db.user("Alice Agent", Role::Agent);
    let other = db.user("Bob Agent", Role::Agent);
    let report = imports::import(
        &db.store,
        &agent,
        FILE.as_bytes(),
        "contacts.csv",
        &mapping(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(
        leads::list(&db.store, &agent, LeadQuery::default())
            .unwrap()
            .total,
        4,
        "Existing Person has no twin here"
    );
    assert_eq!(
        code(imports::undo(&db.store, &other, report.batch_id)),
        ErrorCode::NotFound
    );
    let undone = imports::undo(&db.store, &agent, report.batch_id).unwrap();
    assert_eq!(undone.removed, 4);
    assert_eq!(
        leads::list(&db.store, &agent, LeadQuery::default())
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        code(imports::undo(&db.store, &agent, report.batch_id)),
        ErrorCode::Conflict
    );
    assert_eq!(
        analytics::check_summaries(&db.store).unwrap(),
        Vec::<String>::new()
    );
}

#[test]
fn a_malformed_file_imports_nothing() {
    let db = TestDb::new();
    let before = db.snapshot();
    let ragged = "Name,Email\nAda,ada@example.com\nBob,bob@example.com,extra\n";
    let error = imports::import(
        &db.store,
        &db.admin,
        ragged.as_bytes(),
        "r.csv",
        &imports::guess(&["Name".into(), "Email".into()]),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(error.fields()[0].field, "file");
    assert!(error.to_string().contains("line 3"), "{error}");
    let latin1 = b"Name,Email\nZo\xeb,zoe@example.com\n";
    let error = imports::preview(latin1).unwrap_err();
    assert!(error.to_string().contains("UTF-8"), "{error}");
    assert_eq!(fields(imports::preview(b"")), vec!["file"]);
    let mut wrong = Mapping::new();
    wrong.insert(ImportField::Email, "Mail".into());
    assert_eq!(
        fields(imports::import(
            &db.store,
            &db.admin,
            FILE.as_bytes(),
            "x.csv",
            &wrong,
            &mut |_, _| {}
        )),
        vec!["mapping", "mapping"]
    );
    assert_eq!(db.snapshot(), before);
}

#[test]
fn first_and_last_names_make_the_name() {
    let db = TestDb::new();
    let file = "First name,Surname,Stage\nKatherine,Johnson,qualified\n,Solo,new\n";
    let report = db.import(file).unwrap();
    assert_eq!(report.created, 2);
    let names: Vec<String> = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            sort: Some("name".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .items
    .into_iter()
    .map(|l| format!("{} {}", l.name, l.status))
    .collect();
    assert!(
        names.contains(&"Katherine Johnson qualified".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"Solo new".to_owned()), "{names:?}");
}

/// How many leads a search for `q` finds.
fn found(db: &TestDb, q: &str) -> i64 {
    leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            q: Some(q.into()),
            ..Default::default()
        },
    )
    .unwrap()
    .total
}

/// Imported leads are counted by the dashboard's summaries like any other,
/// converted and lost ones included, and leave them exact when undone.
/// Several of a kind share an owner and an hour, so a count of the groups
/// instead of the leads in them shows.
#[test]
fn imported_leads_of_every_status_are_counted_and_uncounted() {
    let db = TestDb::new();
    let file = "Name,Status,Source\nWon One,converted,referral\nWon Two,converted,referral\n\
                Gone One,lost,ad\nFresh One,new,website\nFresh Two,new,website\nFresh Three,new,ad\n";
    let report = db.import(file).unwrap();
    assert_eq!(report.created, 6, "{:?}", report.outcomes);
    assert_eq!(
        analytics::check_summaries(&db.store).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(found(&db, "gone"), 1);
    imports::undo(&db.store, &db.admin, report.batch_id).unwrap();
    assert_eq!(
        analytics::check_summaries(&db.store).unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        found(&db, "gone"),
        0,
        "an undone import leaves nothing to find"
    );
}

/// Emails compare without regard to ASCII case, against leads already in
/// Leadlight as within the file.
#[test]
fn an_email_in_other_capitals_is_a_duplicate_of_a_lead_already_here() {
    let db = TestDb::new();
    leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Grace Hopper".into(),
            email: Some("grace@navy.example.com".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let file =
        "Name,Email\nGrace Again,GRACE@Navy.Example.com\nKatherine Johnson,kj@nasa.example.gov\n";
    let report = db.import(file).unwrap();
    assert_eq!(
        (report.created, report.duplicates),
        (1, 1),
        "{:#?}",
        report.outcomes
    );
}

/// An import pauses the search index's merging and gives it more memory
/// while it indexes its leads (settings kept in the database) and puts both
/// back; a failure half-way leaves them as they were, with nothing of the
/// import written.
#[test]
fn an_import_leaves_the_search_index_merging_as_it_found_it() {
    let db = TestDb::new();
    let merging = |db: &TestDb, level: i64| {
        db.count(&format!(
            "leads_fts_config WHERE k = 'automerge' AND v = {level}"
        ))
    };
    let file = "Name,Notes\nFirst Importee,fine\nSecond Importee,boom\n";
    // A note the database refuses: the import fails after writing leads.
    db.exec(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON notes WHEN new.body = 'boom'
         BEGIN SELECT RAISE(ABORT, 'refused'); END;",
    );
    assert_eq!(merging(&db, 8), 1, "migration 000017's merging");
    let before = db.snapshot();
    db.import(file).unwrap_err();
    assert_eq!(db.snapshot(), before);
    assert_eq!(merging(&db, 8), 1);
    assert_eq!(found(&db, "importee"), 0);

    db.exec("DROP TRIGGER refuse_boom;");
    let report = db.import(file).unwrap();
    assert_eq!(report.created, 2);
    assert_eq!(merging(&db, 0), 0);
    assert_eq!(merging(&db, 8), 1, "the merging found is back");
    assert_eq!(
        db.count("leads_fts_config WHERE k = 'hashsize' AND v <> 1048576"),
        0,
        "FTS5's 1 MB for pending terms is back"
    );
    // Where the setting was never made, FTS5's default (4) is put back.
    db.exec("DELETE FROM leads_fts_config WHERE k = 'automerge';");
    assert_eq!(db.import("Name\nThird Importee\n").unwrap().created, 1);
    assert_eq!(merging(&db, 4), 1, "FTS5's default merging is back");
    assert_eq!(found(&db, "importee"), 3);
    // A lead made afterwards is indexed like any other.
    db.lead(&db.admin, "Later Importee");
    assert_eq!(found(&db, "importee"), 4);
}

/// The rows are sorted into leads on a second thread, slices ahead of the
/// writer: when the database refuses one of the first slice's rows, the
/// import ends with the error (the sorter, waiting to hand on more, is not
/// left waiting) and nothing of it is written.
#[test]
fn a_row_refused_while_later_ones_are_sorted_imports_nothing() {
    let db = TestDb::new();
    db.exec(
        "CREATE TRIGGER refuse_person_100 BEFORE INSERT ON leads
         WHEN new.name = 'Person 100' BEGIN SELECT RAISE(ABORT, 'refused'); END;",
    );
    let before = db.snapshot();
    // Six slices of 5,000; the channel between the two holds two.
    assert_eq!(code(db.import(&people(30_000))), ErrorCode::Internal);
    assert_eq!(db.snapshot(), before);
    assert_eq!(db.count("import_batches"), 0);
    assert_eq!(found(&db, "person"), 0);
}

/// A large file is checked in two halves at once; its report still lists
/// every line's outcome in file order, with the duplicates across the halves
/// found.
#[test]
fn a_large_file_is_reported_line_by_line_in_order() {
    let db = TestDb::new();
    let mut file = String::from("Name,Email\n");
    for i in 0..12_000 {
        match i {
            // Bad rows on either side of the middle.
            100 | 9_000 => file += "Broken Row,not-an-email\n",
            // The first half's address again in the second half.
            8_000 => file += "Again,person50@example.com\n",
            _ => file += &format!("Person {i},person{i}@example.com\n"),
        }
    }
    let report = db.import(&file).unwrap();
    assert_eq!(
        (report.created, report.duplicates, report.rejected),
        (11_997, 1, 2)
    );
    // Written in full chunks of rows and journal entries and in the rest
    // of the last slice, each lead whole and journaled once, in order.
    assert_eq!(db.count("leads WHERE deleted_at IS NULL"), 11_997);
    for i in [0, 499, 500, 4_999, 5_000, 11_999] {
        assert_eq!(
            db.count(&format!(
                "leads WHERE name = 'Person {i}' AND email = 'person{i}@example.com' \
                 AND phone IS NULL AND company IS NULL AND status = 'new'"
            )),
            1,
            "row {i}"
        );
    }
    assert_eq!(
        db.count("change_journal WHERE entity = 'lead' AND op = 'insert'"),
        11_997
    );
    assert_eq!(
        db.count(
            "(SELECT DISTINCT j.hlc FROM change_journal j JOIN leads l ON l.id = j.entity_id \
             WHERE j.entity = 'lead' AND j.fields ->> '$.email' = l.email)"
        ),
        11_997,
        "each entry its own clock and its lead's fields"
    );
    let lines: Vec<u64> = report
        .outcomes
        .iter()
        .map(|o| match o {
            RowOutcome::Created { line, .. }
            | RowOutcome::Duplicate { line, .. }
            | RowOutcome::Rejected { line, .. } => *line,
        })
        .collect();
    assert_eq!(lines, (2..=12_001).collect::<Vec<u64>>());
    assert!(matches!(
        &report.outcomes[8_000],
        RowOutcome::Duplicate {
            earlier_line: Some(52),
            ..
        }
    ));
}

/// Import `file` with its guessed mapping, keeping what the progress bar
/// is told.
fn import_telling(db: &TestDb, file: &str) -> (imports::ImportReport, Vec<(u64, u64)>) {
    let mapping = imports::preview(file.as_bytes()).unwrap().mapping;
    let mut told = Vec::new();
    let report = imports::import(
        &db.store,
        &db.admin,
        file.as_bytes(),
        "some.csv",
        &mapping,
        &mut |done, all| told.push((done, all)),
    )
    .unwrap();
    (report, told)
}

/// Never backwards, always out of `total`, and all done told once, last.
fn assert_told_in_order(told: &[(u64, u64)], total: u64) {
    assert!(told.iter().all(|&(_, all)| all == total), "{told:?}");
    assert!(told.windows(2).all(|w| w[0].0 <= w[1].0), "{told:?}");
    assert_eq!(told.last(), Some(&(total, total)));
    assert_eq!(
        told.iter().filter(|&&(done, _)| done == total).count(),
        1,
        "all done once, at the end: {told:?}"
    );
}

/// A file of `n` people, each with their own address.
fn people(n: usize) -> String {
    let mut file = String::from("Name,Email\n");
    for i in 0..n {
        file += &format!("Person {i},person{i}@example.com\n");
    }
    file
}

/// All done is told once, at the end, also when the rows created fill the
/// last slice exactly (5,000) and when none is created at all.
#[test]
fn an_import_tells_all_done_once_whatever_it_creates() {
    let db = TestDb::new();
    let exact = people(5_000);
    let (report, told) = import_telling(&db, &exact);
    assert_eq!(report.created, 5_000);
    assert_told_in_order(&told, 5_000);
    // Every row again: each a duplicate of a lead now in Leadlight.
    let (again, told) = import_telling(&db, &exact);
    assert_eq!((again.created, again.duplicates), (0, 5_000));
    assert_told_in_order(&told, 5_000);
}

/// What the progress bar is told as a large file goes in: never backwards,
/// and all rows done only once the import is: after the rows come their
/// search index and summaries, then their tags and notes.
#[test]
fn an_import_reports_its_progress_to_the_end() {
    let db = TestDb::new();
    let mut file = String::from("Name,Email,Tags\n");
    for i in 0..12_000 {
        file += &format!("Person {i},person{i}@example.com,vip\n");
    }
    file += "Broken Row,not-an-email,\n";
    let (report, told) = import_telling(&db, &file);
    assert_eq!((report.created, report.rejected), (12_000, 1));
    assert_told_in_order(&told, 12_001);
    assert!(told.len() >= 5, "{told:?}");
}
