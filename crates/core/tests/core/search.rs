use crate::helpers::{TestDb, fields};
use leadlight_core::Actor;
use leadlight_core::ids::LeadId;
use leadlight_core::leads::{self, LeadQuery, NewLead};

fn add(
    db: &TestDb,
    actor: &Actor,
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
    company: Option<&str>,
    source: &str,
) {
    leads::create(
        &db.store,
        actor,
        NewLead {
            name: name.into(),
            email: email.map(Into::into),
            phone: phone.map(Into::into),
            company: company.map(Into::into),
            source: Some(source.into()),
            ..Default::default()
        },
    )
    .unwrap();
}

/// A lead with a name and a source only.
fn add_named(db: &TestDb, actor: &Actor, name: &str, source: &str) {
    add(db, actor, name, None, None, None, source);
}

fn names(db: &TestDb, query: LeadQuery) -> Vec<String> {
    leads::list(&db.store, &db.admin, query)
        .unwrap()
        .items
        .into_iter()
        .map(|l| l.name)
        .collect()
}

fn q(text: &str) -> LeadQuery {
    LeadQuery {
        q: Some(text.into()),
        sort: Some("name".into()),
        ..Default::default()
    }
}

fn plain(text: &str) -> LeadQuery {
    LeadQuery {
        q: Some(text.into()),
        ..Default::default()
    }
}

/// Every lead of `query`, page after page of 100 until one comes back
/// empty, with the total each page gave.
fn every_page(db: &TestDb, actor: &Actor, query: &LeadQuery) -> (Vec<LeadId>, Vec<i64>) {
    let (mut listed, mut totals) = (Vec::new(), Vec::new());
    for page in 1.. {
        let got = leads::list(
            &db.store,
            actor,
            LeadQuery {
                page: Some(page),
                limit: Some(100),
                ..query.clone()
            },
        )
        .unwrap();
        totals.push(got.total);
        if got.items.is_empty() {
            break;
        }
        listed.extend(got.items.into_iter().map(|l| l.id));
    }
    (listed, totals)
}

fn seeded() -> TestDb {
    let db = TestDb::new();
    let a = db.admin;
    add(
        &db,
        &a,
        "Grace Hopper",
        Some("grace@navy.example.com"),
        Some("+1 (555) 010-2030"),
        Some("US Navy"),
        "referral",
    );
    add(
        &db,
        &a,
        "Grace Kelly",
        Some("gk@monaco.example.com"),
        Some("+377 93 15 80 00"),
        None,
        "ad",
    );
    add(
        &db,
        &a,
        "Alan Turing",
        Some("alan.turing@bletchley.example.org"),
        Some("01908 640404"),
        Some("Bletchley Park"),
        "website",
    );
    add(
        &db,
        &a,
        "Zoë Ångström",
        Some("zoe@lund.example.se"),
        None,
        Some("Lund Labs"),
        "other",
    );
    db
}

#[test]
fn a_phone_is_found_by_its_digits_whatever_the_formatting() {
    let db = seeded();
    assert_eq!(names(&db, q("5550102030")), vec!["Grace Hopper"]);
    assert_eq!(names(&db, q("010-2030")), vec!["Grace Hopper"]);
    assert_eq!(names(&db, q("+1 555 010 2030")), vec!["Grace Hopper"]);
    assert_eq!(names(&db, q("640404")), vec!["Alan Turing"]);
    assert_eq!(names(&db, q("9999999")), Vec::<String>::new());
    assert_eq!(names(&db, q("555")), vec!["Grace Hopper"], "three digits");
    assert_eq!(
        names(&db, q("5 010")),
        vec!["Grace Hopper"],
        "a run across spaces"
    );
    assert_eq!(names(&db, q("9315")), vec!["Grace Kelly"], "a run inside");
    assert_eq!(
        names(&db, q("555 2030")),
        Vec::<String>::new(),
        "one number, not two runs"
    );
}

/// Migration 000018 indexes every lead there is again, its phone as
/// three-digit terms: undone (every suffix of the digits, as before it) and
/// done again, a run inside a created and an imported lead's number finds
/// each.
#[test]
fn the_phone_terms_migration_indexes_the_leads_there_are() {
    use crate::helpers::MIGRATIONS;
    use diesel_migrations::MigrationHarness;
    let db = seeded();
    db.import("name,phone\nAda Lovelace,+44 20 7946 1012\n")
        .unwrap();
    let suffix = "leads_fts WHERE leads_fts MATCH 'phone : \"79461\"*'";
    assert_eq!(db.count(suffix), 0);
    assert_eq!(names(&db, q("7946 1012")), vec!["Ada Lovelace"], "before");
    {
        let mut conn = db.store.connection().unwrap();
        let undone = conn.revert_last_migration(MIGRATIONS).unwrap();
        assert!(undone.to_string().ends_with("000018"), "{undone}");
    }
    assert_eq!(db.count(suffix), 1, "undone, the suffixes are back");
    // Not a search made after: the index after its second rebuild has the
    // same structure record as after the first, so the store would give the
    // matches it remembered (`leads::matches`). Migrations run when a store
    // opens, before any search.
    assert_eq!(names(&db, q("79461012")), Vec::<String>::new());
    db.store
        .connection()
        .unwrap()
        .run_pending_migrations(MIGRATIONS)
        .unwrap();
    assert_eq!(db.count(suffix), 0);
    assert_eq!(names(&db, q("7946 1012")), vec!["Ada Lovelace"]);
    assert_eq!(names(&db, q("0102")), vec!["Grace Hopper"]);
    assert_eq!(names(&db, q("640404")), vec!["Alan Turing"]);
}

/// An import indexes its leads' phones with a function of the app's
/// (`leadlight_phone_terms`), a lead made one at a time with migration
/// 000018's SQL: the same number gives the same terms at the same places.
#[test]
fn an_imported_and_a_created_phone_are_indexed_alike() {
    let db = seeded();
    // 12 digits, and the most a phone may have (20): the triggers' SQL
    // writes terms for runs starting at digits 1 to 18.
    let numbers = [
        ("Ada", "+44 20 7946 1012", "+44 (20) 7946-1012", 10),
        (
            "Bo",
            "+12 3456 7890 1234 5678 90",
            "+12 (3456) 7890-1234-5678-90",
            18,
        ),
    ];
    let mut file = String::from("name,phone\n");
    for (name, imported, _, _) in numbers {
        file += &format!("{name} Imported,{imported}\n");
    }
    db.import(&file).unwrap();
    // Imported first: the import takes a number it already has for a
    // duplicate.
    for (name, _, created, _) in numbers {
        add(
            &db,
            &db.admin,
            &format!("{name} Created"),
            None,
            Some(created),
            None,
            "other",
        );
    }
    db.exec("CREATE VIRTUAL TABLE leads_vocab USING fts5vocab(leads_fts, instance)");
    let seq = |name: &str| format!("(SELECT seq FROM leads WHERE name = '{name}')");
    for (name, _, _, terms) in numbers {
        let (imported, created) = (
            seq(&format!("{name} Imported")),
            seq(&format!("{name} Created")),
        );
        let phone_of = |doc: &str| format!("leads_vocab WHERE col = 'phone' AND doc = {doc}");
        assert_eq!(db.count(&phone_of(&imported)), terms, "{name}");
        assert_eq!(db.count(&phone_of(&created)), terms, "{name}");
        let alike = format!(
            "leads_vocab a JOIN leads_vocab b USING (term, col, offset) \
             WHERE col = 'phone' AND a.doc = {imported} AND b.doc = {created}"
        );
        assert_eq!(db.count(&alike), terms, "{name}");
    }
    assert_eq!(
        names(&db, q("7946 1012")),
        vec!["Ada Created", "Ada Imported"]
    );
    assert_eq!(names(&db, q("5678 90")), vec!["Bo Created", "Bo Imported"]);
}

#[test]
fn names_emails_and_companies_match_by_prefix() {
    let db = seeded();
    assert_eq!(names(&db, q("gra")), vec!["Grace Hopper", "Grace Kelly"]);
    assert_eq!(names(&db, q("grace hop")), vec!["Grace Hopper"]);
    assert_eq!(names(&db, q("bletchley")), vec!["Alan Turing"]);
    assert_eq!(names(&db, q("alan.turing@bletch")), vec!["Alan Turing"]);
    assert_eq!(names(&db, q("monaco")), vec!["Grace Kelly"]);
    assert_eq!(
        names(&db, q("zoe angstrom")),
        vec!["Zoë Ångström"],
        "diacritics fold"
    );
    assert_eq!(names(&db, q("Lund")), vec!["Zoë Ångström"]);
    assert_eq!(
        names(&db, q("\"; DROP TABLE leads; --")),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&db, q("***")),
        Vec::<String>::new(),
        "nothing searchable finds nothing"
    );
}

#[test]
fn search_follows_edits_and_deletes() {
    let db = seeded();
    let hopper = leads::list(&db.store, &db.admin, q("hopper"))
        .unwrap()
        .items
        .remove(0);
    leads::update(
        &db.store,
        &db.admin,
        hopper.id,
        leads::LeadPatch {
            name: Some("Rear Admiral Hopper".into()),
            phone: Some(None),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(names(&db, q("admiral")), vec!["Rear Admiral Hopper"]);
    assert_eq!(
        names(&db, q("5550102030")),
        Vec::<String>::new(),
        "cleared phone no longer matches"
    );
    leads::delete(&db.store, &db.admin, hopper.id).unwrap();
    assert_eq!(names(&db, q("admiral")), Vec::<String>::new());
    leads::restore(&db.store, &db.admin, hopper.id).unwrap();
    assert_eq!(names(&db, q("admiral")), vec!["Rear Admiral Hopper"]);
}

#[test]
fn status_source_and_date_filters_combine() {
    let db = TestDb::new();
    let a = db.admin;
    // Leads on three days; some qualified, from two sources.
    for (day, name, source, status) in [
        ("2026-11-01", "Early Ad", "ad", "qualified"),
        ("2026-11-10", "Mid Ad Qualified", "ad", "qualified"),
        ("2026-11-10", "Mid Ad New", "ad", "new"),
        ("2026-11-10", "Mid Web Qualified", "website", "qualified"),
        ("2026-11-10", "Mid Ad Contacted", "ad", "contacted"),
        ("2026-11-20", "Late Ad", "ad", "qualified"),
    ] {
        db.at(&format!("{day}T12:00:00Z"));
        leads::create(
            &db.store,
            &a,
            NewLead {
                name: name.into(),
                source: Some(source.into()),
                status: Some(status.into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let query = LeadQuery {
        status: vec!["qualified".into(), "contacted".into()],
        source: Some("ad".into()),
        created_from: Some("2026-11-05".into()),
        created_to: Some("2026-11-15".into()),
        sort: Some("name".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&db, query),
        vec!["Mid Ad Contacted", "Mid Ad Qualified"]
    );
    // The end date is inclusive of its whole day.
    let to_the_20th = LeadQuery {
        created_to: Some("2026-11-20".into()),
        ..Default::default()
    };
    assert_eq!(leads::list(&db.store, &a, to_the_20th).unwrap().total, 6);
    let bad = LeadQuery {
        status: vec!["won".into()],
        source: Some("tv".into()),
        created_from: Some("yesterday".into()),
        sort: Some("colour".into()),
        limit: Some(500),
        ..Default::default()
    };
    assert_eq!(
        fields(leads::list(&db.store, &a, bad)),
        vec!["status", "source", "created_from", "sort", "limit"]
    );
}

#[test]
fn pages_cover_every_match_once_and_totals_agree_with_count() {
    let db = TestDb::new();
    // Same instant for all: the order must still be stable across pages.
    for i in 0..23 {
        let source = if i % 3 == 0 { "ad" } else { "website" };
        add(
            &db,
            &db.admin,
            &format!("Lead {i:02}"),
            None,
            None,
            None,
            source,
        );
    }
    let mut seen = Vec::new();
    for page in 1..=3 {
        let result = leads::list(
            &db.store,
            &db.admin,
            LeadQuery {
                source: Some("website".into()),
                page: Some(page),
                limit: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(result.total, 15);
        seen.extend(result.items.into_iter().map(|l| l.name));
    }
    assert_eq!(seen.len(), 15);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 15, "no lead on two pages");
    let plain_count = db.count("leads WHERE source = 'website' AND deleted_at IS NULL");
    assert_eq!(plain_count, 15);
    // Newest first on ties means the latest inserted first.
    assert_eq!(seen[0], "Lead 22");
}

#[test]
fn sorting_by_name_and_by_pipeline_status() {
    let db = TestDb::new();
    for (name, status) in [
        ("bravo", "qualified"),
        ("Alpha", "new"),
        ("charlie", "contacted"),
    ] {
        leads::create(
            &db.store,
            &db.admin,
            NewLead {
                name: name.into(),
                status: Some(status.into()),
                ..Default::default()
            },
        )
        .unwrap();
    }
    let by_name = LeadQuery {
        sort: Some("name".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&db, by_name),
        vec!["Alpha", "bravo", "charlie"],
        "case-insensitive"
    );
    let by_status = LeadQuery {
        sort: Some("status".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&db, by_status),
        vec!["Alpha", "charlie", "bravo"],
        "pipeline order"
    );
    let by_status_desc = LeadQuery {
        sort: Some("status".into()),
        order: Some("desc".into()),
        ..Default::default()
    };
    assert_eq!(
        names(&db, by_status_desc),
        vec!["bravo", "charlie", "Alpha"]
    );
}

#[test]
fn tag_and_owner_filters() {
    let db = TestDb::new();
    let agent = db.user("Alice Agent", leadlight_core::Role::Agent);
    leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Tagged".into(),
            tags: vec!["VIP".into()],
            ..Default::default()
        },
    )
    .unwrap();
    leads::create(
        &db.store,
        &db.admin,
        NewLead {
            name: "Alice's".into(),
            owner_id: Some(agent.user_id),
            ..Default::default()
        },
    )
    .unwrap();
    let vip = LeadQuery {
        tag: Some("vip".into()),
        ..Default::default()
    };
    assert_eq!(names(&db, vip), vec!["Tagged"]);
    let owned = LeadQuery {
        owner: Some(agent.user_id.to_string()),
        ..Default::default()
    };
    assert_eq!(names(&db, owned), vec!["Alice's"]);
    let mine = LeadQuery {
        owner: Some("me".into()),
        ..Default::default()
    };
    assert_eq!(names(&db, mine), vec!["Tagged"]);
}

#[test]
fn list_and_search_queries_use_indexes_not_full_scans() {
    let db = TestDb::new();
    let plans = [
        LeadQuery::default(),
        LeadQuery {
            status: vec!["qualified".into()],
            source: Some("ad".into()),
            created_from: Some("2026-01-01".into()),
            created_to: Some("2026-03-31".into()),
            ..Default::default()
        },
        LeadQuery {
            q: Some("grace 555".into()),
            ..Default::default()
        },
        LeadQuery {
            sort: Some("name".into()),
            ..Default::default()
        },
        LeadQuery {
            sort: Some("updated_at".into()),
            order: Some("asc".into()),
            ..Default::default()
        },
        LeadQuery {
            tag: Some("vip".into()),
            ..Default::default()
        },
    ];
    for query in plans {
        let plan = leads::explain(&db.store, &db.admin, query.clone()).unwrap();
        let text = plan.join("\n");
        for line in &plan {
            let scans_leads = (line == "SCAN leads" || line.starts_with("SCAN leads "))
                && !line.contains("USING");
            assert!(!scans_leads, "full scan of leads for {query:?}:\n{text}");
        }
        if query.q.is_some() {
            // A few matches, read first: looked up by seq from their list.
            assert!(
                text.contains("json_each") && text.contains("INTEGER PRIMARY KEY"),
                "a search looks its matches up:\n{text}"
            );
        }
    }
    let agent = db.user("Alice Agent", leadlight_core::Role::Agent);
    let plan = leads::explain(&db.store, &agent, LeadQuery::default())
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("leads_owner_created"),
        "an agent's list uses the owner index:\n{plan}"
    );
}

/// A search matching thousands takes another path (walking the date index);
/// it must give the same page and total as the ordinary one.
#[test]
fn a_search_matching_thousands_pages_and_counts_like_a_small_one() {
    let db = TestDb::new();
    let agent = db.user("Alan Agent", leadlight_core::Role::Agent);
    for n in 0..1_150 {
        db.advance_minutes(1);
        let owner = if n % 3 == 0 { &agent } else { &db.admin };
        add_named(&db, owner, &format!("Pat Smith {n}"), "ad");
    }
    add_named(&db, &db.admin, "Someone Else", "ad");
    let doomed = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            limit: Some(200),
            ..plain("smith 7")
        },
    )
    .unwrap()
    .items;
    assert_eq!(doomed.len(), 111, "7, 70-79 and 700-799");
    for lead in &doomed {
        leads::delete(&db.store, &db.admin, lead.id).unwrap();
    }
    let live = 1_150 - doomed.len() as i64;

    let page = leads::list(&db.store, &db.admin, plain("smith")).unwrap();
    assert_eq!(page.total, live);
    let plan = leads::explain(&db.store, &db.admin, plain("smith"))
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("leads_created") && !plan.contains("TEMP B-TREE"),
        "many matches walk the date index, no sort:\n{plan}"
    );
    let newest: Vec<&str> = page.items.iter().take(3).map(|l| l.name.as_str()).collect();
    assert_eq!(
        newest,
        ["Pat Smith 1149", "Pat Smith 1148", "Pat Smith 1147"]
    );

    // Narrowed by another filter, and for an Agent who sees only their own.
    let ads = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            source: Some("ad".into()),
            ..plain("smith")
        },
    )
    .unwrap();
    assert_eq!(ads.total, live);
    let plan = leads::explain(&db.store, &agent, plain("smith"))
        .unwrap()
        .join("\n");
    assert!(
        !plan.contains("leads_fts") && plan.matches("leads_owner_created").count() == 2,
        "an Agent's many matches: page and count walk their own leads:\n{plan}"
    );
    let mine = leads::list(&db.store, &agent, plain("smith")).unwrap();
    let expected = (0..1_150)
        .filter(|n| n % 3 == 0)
        .filter(|n| !n.to_string().starts_with('7'))
        .count();
    assert_eq!(mine.total, expected as i64);
    assert!(mine.items.iter().all(|l| l.owner_id == Some(agent.user_id)));
    let by_name = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            sort: Some("name".into()),
            order: Some("asc".into()),
            ..q("smith")
        },
    )
    .unwrap();
    assert_eq!(by_name.items[0].name, "Pat Smith 0");
    assert_eq!(by_name.total, live);
}

/// A search matching thousands is read once and remembered while the search
/// index is unchanged: every change to a lead's searchable text, by this
/// store, by an import, or by another store on the same file (another
/// process), shows in the very next search.
#[test]
fn a_remembered_search_follows_every_change_to_the_leads() {
    let db = TestDb::new();
    for n in 0..1_100 {
        db.advance_minutes(1);
        add_named(&db, &db.admin, &format!("Pat Smith {n}"), "ad");
    }
    let smith = || {
        let page = leads::list(&db.store, &db.admin, plain("smith")).unwrap();
        let names: Vec<String> = page.items.into_iter().map(|l| l.name).collect();
        (page.total, names)
    };
    let (total, first) = smith();
    assert_eq!((total, first[0].as_str()), (1_100, "Pat Smith 1099"));
    assert_eq!(smith(), (total, first), "asked again, unchanged");

    db.advance_minutes(1);
    add_named(&db, &db.admin, "Ann Smith", "website");
    let (total, names) = smith();
    assert_eq!(
        (total, names[0].as_str()),
        (1_101, "Ann Smith"),
        "a new lead"
    );

    let pat_1099 = leads::list(&db.store, &db.admin, q("Pat Smith 1099"))
        .unwrap()
        .items[0]
        .id;
    db.rename(&db.admin, pat_1099, "Pat Jones");
    let (total, names) = smith();
    assert_eq!(total, 1_100, "renamed away");
    assert!(!names.iter().any(|n| n.contains("1099")), "{names:?}");

    let ann = leads::list(&db.store, &db.admin, q("Ann")).unwrap().items[0].id;
    leads::delete(&db.store, &db.admin, ann).unwrap();
    let (total, names) = smith();
    assert_eq!(
        (total, names[0].as_str()),
        (1_099, "Pat Smith 1098"),
        "deleted"
    );

    db.advance_minutes(1);
    db.import("name,email\nZed Smith,zed@example.com\nYan Smith,yan@example.com\n")
        .unwrap();
    let (total, names) = smith();
    assert_eq!(total, 1_101, "imported");
    assert!(names.iter().any(|n| n == "Zed Smith"), "{names:?}");

    let other = leadlight_core::Store::open_with_clock(db.store.path(), db.clock.clone()).unwrap();
    db.advance_minutes(1);
    leads::create(
        &other,
        &db.admin,
        NewLead {
            name: "Otto Smith".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let (total, names) = smith();
    assert_eq!(
        (total, names[0].as_str()),
        (1_102, "Otto Smith"),
        "written by another store"
    );

    // Paging a remembered search covers every match once.
    let (listed, _) = every_page(&db, &db.admin, &plain("smith"));
    let seen: std::collections::BTreeSet<_> = listed.iter().collect();
    assert_eq!((listed.len(), seen.len()), (1_102, 1_102));
}

/// A search's pages take one of three plans: its matches read first and a
/// few looked up, or many tested as the sort's index is walked; or the
/// index asked inside the statement, as an export does. For everyone's
/// view and an Agent's, sorted every way and narrowed by a source, they
/// list the same leads in the same order, each once.
#[test]
fn a_searchs_pages_list_what_its_export_lists() {
    use leadlight_core::exports;
    let db = TestDb::new();
    let agent = db.user("Alan Agent", leadlight_core::Role::Agent);
    let sources = ["ad", "website", "referral", "other"];
    for n in 0..1_250 {
        // Some share a minute: ties go by seq.
        if n % 3 == 0 {
            db.advance_minutes(1);
        }
        let owner = if n % 4 == 1 { &agent } else { &db.admin };
        add_named(&db, owner, &format!("Pat Smith {n}"), sources[n % 4]);
    }
    // Renamed later: the update order differs from the creation order.
    let renamed = leads::list(
        &db.store,
        &db.admin,
        LeadQuery {
            limit: Some(200),
            ..q("smith 9")
        },
    )
    .unwrap()
    .items;
    for lead in renamed {
        db.advance_minutes(1);
        db.rename(&db.admin, lead.id, &format!("{} Smith", lead.name));
    }
    let ids_of = |csv: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(csv);
        text.lines()
            .skip(1)
            .map(|line| line.rsplit(',').next().unwrap_or_default().to_owned())
            .collect()
    };
    let mut checked = 0;
    for text in ["smith", "pat smith 1", "smith 12"] {
        for (sort, order) in [
            (None, None),
            (Some("name"), Some("asc")),
            (Some("updated_at"), Some("desc")),
            (Some("created_at"), Some("asc")),
            (Some("status"), None),
        ] {
            // The Agent's leads all came from the website.
            for source in [None, Some("website")] {
                for actor in [&db.admin, &agent] {
                    let query = LeadQuery {
                        q: Some(text.into()),
                        sort: sort.map(Into::into),
                        order: order.map(Into::into),
                        source: source.map(Into::into),
                        ..Default::default()
                    };
                    let mut csv = Vec::new();
                    exports::leads_csv(&db.store, actor, &query, &mut csv, &mut |_, _| {}).unwrap();
                    let exported = ids_of(&csv);
                    let (listed, totals) = every_page(&db, actor, &query);
                    assert!(
                        totals.iter().all(|&t| t == exported.len() as i64),
                        "{query:?}"
                    );
                    let listed: Vec<String> = listed.iter().map(ToString::to_string).collect();
                    assert_eq!(listed, exported, "{query:?} as {:?}", actor.role);
                    checked += usize::from(!exported.is_empty());
                }
            }
        }
    }
    assert_eq!(checked, 60, "every case lists leads");
}

/// Lists filtered by status, source and owner take their total from the
/// dashboard's summary table; with dates, a search or a tag they count rows.
/// Every way must agree with a plain count, for everyone's view and an
/// Agent's, with deleted leads and unassigned ones about.
#[test]
fn totals_from_the_summary_agree_with_counting_the_leads() {
    let db = TestDb::new();
    let alice = db.user("Alice Agent", leadlight_core::Role::Agent);
    let statuses = ["new", "contacted", "qualified", "converted", "lost"];
    let sources = ["website", "referral", "ad", "other"];
    for i in 0..60usize {
        let owner = match i % 3 {
            0 => Some(db.admin.user_id),
            1 => Some(alice.user_id),
            _ => None,
        };
        let lead = leads::create(
            &db.store,
            &db.admin,
            NewLead {
                name: format!("Total {i:02}"),
                email: Some(format!("total{i}@example.com")),
                source: Some(sources[i % 4].into()),
                status: Some(
                    statuses[i % 5]
                        .replace("converted", "qualified")
                        .replace("lost", "new"),
                ),
                owner_id: owner,
                tags: if i % 4 == 0 {
                    vec!["vip".into()]
                } else {
                    vec![]
                },
                ..Default::default()
            },
        )
        .unwrap();
        if matches!(statuses[i % 5], "converted" | "lost") {
            leads::change_status(&db.store, &db.admin, lead.id, statuses[i % 5]).unwrap();
        }
        if owner.is_none() {
            leads::assign(&db.store, &db.admin, lead.id, None).unwrap();
        }
        if i % 7 == 0 {
            leads::delete(&db.store, &db.admin, lead.id).unwrap();
        }
        db.advance_minutes(60 * 24);
    }
    let alice_id = alice.user_id.to_string();
    let admin_id = db.admin.user_id.to_string();
    let mut cases: Vec<(LeadQuery, String)> = Vec::new();
    for status in [None, Some("converted"), Some("new,lost")] {
        for source in [None, Some("ad")] {
            for owner in [None, Some("me"), Some("unassigned")] {
                for dated in [false, true] {
                    for tagged in [false, true] {
                        let query = LeadQuery {
                            status: status.map(|s| vec![s.to_owned()]).unwrap_or_default(),
                            source: source.map(Into::into),
                            owner: owner.map(Into::into),
                            created_from: dated.then(|| "2026-12-10".into()),
                            created_to: dated.then(|| "2027-01-10".into()),
                            tag: tagged.then(|| "vip".into()),
                            limit: Some(200),
                            ..Default::default()
                        };
                        let mut sql = String::from("leads l WHERE l.deleted_at IS NULL");
                        if let Some(status) = status {
                            let list: Vec<String> =
                                status.split(',').map(|s| format!("'{s}'")).collect();
                            sql += &format!(" AND l.status IN ({})", list.join(", "));
                        }
                        if let Some(source) = source {
                            sql += &format!(" AND l.source = '{source}'");
                        }
                        if dated {
                            // The test clock's zone is UTC.
                            sql += " AND l.created_at >= 1796860800000 AND l.created_at < 1799625600000";
                        }
                        if tagged {
                            sql += " AND EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id \
                                    AND t.tag = 'vip' AND t.deleted_at IS NULL)";
                        }
                        cases.push((query, sql));
                    }
                }
            }
        }
    }
    let mut nonzero = 0;
    for (query, sql) in cases {
        for (actor, me) in [(&db.admin, &admin_id), (&alice, &alice_id)] {
            let mut sql = sql.clone();
            match query.owner.as_deref() {
                Some("me") => sql += &format!(" AND l.owner_id = '{me}'"),
                Some("unassigned") => sql += " AND l.owner_id IS NULL",
                _ => {}
            }
            if actor.user_id == alice.user_id {
                sql += &format!(" AND l.owner_id = '{alice_id}'");
            }
            let expected = db.count(&sql);
            let page = leads::list(&db.store, actor, query.clone()).unwrap();
            assert_eq!(page.total, expected, "{query:?} as {:?}", actor.role);
            assert_eq!(page.items.len() as i64, expected, "{query:?}");
            nonzero += usize::from(expected > 0);
        }
    }
    assert!(nonzero > 40, "the cases match leads: {nonzero}");
}

/// Lists by status or source alone (the pipeline's columns) walk their sort's
/// index and take their total from the summary: no sort of every lead of a
/// status, no scan of the leads.
#[test]
fn status_and_source_lists_walk_the_sort_index_and_count_from_the_summary() {
    let db = TestDb::new();
    // A status few leads have is read through the index over status and
    // source, and sorted.
    let lost = LeadQuery {
        status: vec!["lost".into()],
        sort: Some("updated_at".into()),
        ..Default::default()
    };
    let plan = leads::explain(&db.store, &db.admin, lost.clone())
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("leads_source_status_created (source=? AND status=?)"),
        "{plan}"
    );
    // Thousands: the list walks its sort's index instead.
    let mut file = String::from("Name,Status\n");
    for i in 0..2_500 {
        file += &format!("Lost Cause {i},lost\n");
    }
    assert_eq!(db.import(&file).unwrap().created, 2_500);
    for (query, walks) in [
        (
            LeadQuery {
                status: vec!["lost".into()],
                sort: Some("updated_at".into()),
                ..Default::default()
            },
            "leads_updated",
        ),
        (
            LeadQuery {
                source: Some("other".into()),
                ..Default::default()
            },
            "leads_created",
        ),
        (
            LeadQuery {
                status: vec!["new".into(), "lost".into()],
                sort: Some("name".into()),
                ..Default::default()
            },
            "leads_name",
        ),
    ] {
        let plan = leads::explain(&db.store, &db.admin, query.clone())
            .unwrap()
            .join("\n");
        assert!(plan.contains(walks), "{query:?}:\n{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{query:?}:\n{plan}");
        assert!(plan.contains("lead_totals"), "{query:?}:\n{plan}");
    }
    // With dates, the count reads ranges of the index over all three.
    let plan = leads::explain(
        &db.store,
        &db.admin,
        LeadQuery {
            status: vec!["lost".into()],
            created_from: Some("2026-01-01".into()),
            created_to: Some("2026-03-31".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .join("\n");
    assert!(
        plan.contains(
            "leads_source_status_created (source=? AND status=? AND created_at>? AND created_at<?)"
        ),
        "{plan}"
    );
}

/// A search is what a search box holds: a longer one is refused, naming the
/// field, rather than kept as a remembered search.
#[test]
fn a_search_longer_than_a_search_box_is_refused() {
    let db = TestDb::new();
    let at_most = |text: String| {
        leads::list(
            &db.store,
            &db.admin,
            LeadQuery {
                q: Some(text),
                ..Default::default()
            },
        )
    };
    assert_eq!(crate::helpers::fields(at_most("é".repeat(201))), ["q"]);
    assert_eq!(at_most("é".repeat(200)).unwrap().total, 0);
}

/// An owner's search of many matches walks the owner's leads only while
/// they are few beside the matches (at most ten times as many); an owner
/// with far more leads has each match looked up instead. Both count right.
#[test]
fn an_owners_search_walks_their_leads_only_when_that_is_the_shorter_way() {
    let db = TestDb::new();
    let mut file = String::from("name\n");
    for n in 0..11_000 {
        file += &format!("Other Person {n}\n");
    }
    for n in 0..1_001 {
        file += &format!("Pat Smith {n}\n");
    }
    db.import(&file).unwrap();
    let query = |owner: &str| LeadQuery {
        owner: Some(owner.into()),
        ..plain("smith")
    };
    let owner = ["me", "unassigned"]
        .into_iter()
        .find(|o| leads::list(&db.store, &db.admin, query(o)).unwrap().total > 0)
        .expect("the import's leads have an owner or none");
    let mine = leads::list(&db.store, &db.admin, query(owner)).unwrap();
    assert_eq!(mine.total, 1_001);
    let plan = leads::explain(&db.store, &db.admin, query(owner))
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("leads_fts"),
        "12,001 leads against 1,001 matches: the matches are looked up:\n{plan}"
    );
}
