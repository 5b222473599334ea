use leadlight_core::clock::ManualClock;
use leadlight_core::demo::{self, DemoSpec};
use leadlight_core::leads::{self, LeadQuery};
use leadlight_core::{Actor, Role, Store, Timestamp, stats};
use std::sync::Arc;

fn demo_db(dir: &std::path::Path, leads: u64, seed: u64) -> (Store, demo::DemoSummary) {
    let clock = Arc::new(ManualClock::new(
        Timestamp::parse("2026-11-24T09:00:00Z").unwrap(),
    ));
    let store = Store::open_with_clock(dir.join("demo.sqlite3"), clock).unwrap();
    let mut reported = Vec::new();
    let summary = demo::generate(&store, DemoSpec { leads, seed }, |done, total| {
        reported.push((done, total))
    })
    .unwrap();
    assert_eq!(
        reported.last(),
        Some(&(leads, leads)),
        "progress reaches the end"
    );
    (store, summary)
}

fn admin(store: &Store) -> Actor {
    use diesel::prelude::*;
    use leadlight_core::schema::users;
    let mut conn = store.connection().unwrap();
    let id = users::table
        .filter(users::email.eq(demo::DEMO_USERS[0].1))
        .select(users::id)
        .first::<String>(&mut conn)
        .unwrap();
    Actor::new(
        leadlight_core::ids::UserId::parse(&id).unwrap(),
        Role::Admin,
    )
}

#[test]
fn the_demo_is_realistic_deterministic_and_searchable() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (store_a, summary_a) = demo_db(a.path(), 6_000, 7);
    let (store_b, summary_b) = demo_db(b.path(), 6_000, 7);
    assert_eq!(summary_a, summary_b);
    assert_eq!(summary_a.leads, 6_000);
    assert!(summary_a.activities > 12_000, "{summary_a:?}");
    assert!(
        summary_a.customers > 500 && summary_a.reminders > 200 && summary_a.notes > 1_000,
        "{summary_a:?}"
    );
    assert_eq!(stats::counts(&store_a).unwrap().leads, 6_000);
    // Planner statistics, but not sqlite_stat4 (see demo::generate).
    {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = store_a.connection().unwrap();
        let count = |conn: &mut diesel::SqliteConnection, sql: &str| {
            diesel::sql_query(sql).get_result::<N>(conn).unwrap().n
        };
        assert!(count(&mut conn, "SELECT count(*) AS n FROM sqlite_stat1") > 0);
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(*) AS n FROM sqlite_schema s WHERE s.name = 'sqlite_stat4' \
                 AND EXISTS (SELECT 1 FROM sqlite_stat4)"
            ),
            0
        );
        // The search index as a bulk load leaves it: one segment.
        assert_eq!(
            count(
                &mut conn,
                "SELECT count(DISTINCT segid) AS n FROM leads_fts_idx"
            ),
            1
        );
    }

    let actor_a = admin(&store_a);
    let actor_b = admin(&store_b);
    let by_name = LeadQuery {
        sort: Some("name".into()),
        limit: Some(200),
        ..Default::default()
    };
    let names = |store: &Store, actor: &Actor| -> Vec<(String, Option<String>, String)> {
        leads::list(store, actor, by_name.clone())
            .unwrap()
            .items
            .into_iter()
            .map(|l| (l.name, l.email, l.status.to_string()))
            .collect()
    };
    assert_eq!(
        names(&store_a, &actor_a),
        names(&store_b, &actor_b),
        "same seed, same data"
    );

    // Spread over 18 months, more of them recent, every status present.
    let all = leads::list(
        &store_a,
        &actor_a,
        LeadQuery {
            sort: Some("created_at".into()),
            order: Some("asc".into()),
            limit: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let oldest = all.items[0].created_at;
    let span_days =
        (Timestamp::parse("2026-11-24T09:00:00Z").unwrap().millis() - oldest.millis()) / 86_400_000;
    assert!((540..=548).contains(&span_days), "{span_days}");
    let last_90 = LeadQuery {
        created_from: Some("2026-08-26".into()),
        ..Default::default()
    };
    let recent = leads::list(&store_a, &actor_a, last_90).unwrap().total;
    assert!(
        recent > 6_000 * 90 / 548,
        "growth: {recent} leads in the last 90 days"
    );
    for status in ["new", "contacted", "qualified", "converted", "lost"] {
        let q = LeadQuery {
            status: vec![status.into()],
            ..Default::default()
        };
        assert!(
            leads::list(&store_a, &actor_a, q).unwrap().total > 100,
            "{status}"
        );
    }
    let phone = leads::list(
        &store_a,
        &actor_a,
        LeadQuery {
            q: Some("555".into()),
            ..Default::default()
        },
    )
    .unwrap()
    .total;
    assert!(phone > 4_000, "the demo's phones are searchable: {phone}");
    // The demo accounts sign in with the documented password; an agent sees
    // only their own leads.
    let agent = leadlight_core::accounts::login(
        &store_a,
        leadlight_core::accounts::Credentials {
            email: demo::DEMO_USERS[3].1.into(),
            password: demo::DEMO_PASSWORD.into(),
        },
    )
    .unwrap();
    let agent =
        leadlight_core::accounts::authenticate(&store_a, Some(&agent.access_token)).unwrap();
    assert_eq!(agent.role, Role::Agent);
    let own = leads::list(&store_a, &agent, LeadQuery::default())
        .unwrap()
        .total;
    assert!(
        own > 300 && own < 1_500,
        "about an eighth of the leads: {own}"
    );
    let unclaimed = LeadQuery {
        owner: Some("unassigned".into()),
        ..Default::default()
    };
    assert!(leads::list(&store_a, &actor_a, unclaimed).unwrap().total > 0);
}

#[test]
fn demo_data_only_goes_into_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = demo_db(dir.path(), 10, 1);
    let again = demo::generate(&store, DemoSpec { leads: 10, seed: 1 }, |_, _| {});
    assert_eq!(
        again.unwrap_err().code(),
        leadlight_core::ErrorCode::Conflict
    );
}
