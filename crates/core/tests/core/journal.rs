use crate::helpers::TestDb;
use diesel::connection::SimpleConnection;
use leadlight_core::hlc::Hlc;
use leadlight_core::journal;
use leadlight_core::leads::{self, NewLead};

fn lead(name: &str) -> NewLead {
    NewLead {
        name: name.into(),
        ..Default::default()
    }
}

fn clocks(db: &TestDb) -> Vec<Hlc> {
    journal::entries_since(&db.store, 0, 1_000)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.hlc)
        .collect()
}

/// Every change gets a clock after the one before it, also many in one
/// millisecond (the test clock stands still) and in bulk, and after any clock
/// seen from elsewhere: sync's last-writer-wins relies on this order.
#[test]
fn journal_clocks_increase_and_come_after_what_was_seen() {
    let db = TestDb::new();
    leads::create(&db.store, &db.admin, lead("One")).unwrap();
    leads::create(&db.store, &db.admin, lead("Two")).unwrap();
    let file = "Name\nThree\nFour\nFive\n";
    db.import(file).unwrap();
    let made = clocks(&db);
    assert!(made.len() >= 10, "{made:?}");
    assert!(
        made.windows(2).all(|w| w[0] < w[1]),
        "clocks strictly increase in journal order: {made:?}"
    );
    assert_eq!(
        made[0].wall(),
        db.store.now(),
        "clocks keep to the wall clock"
    );

    let ahead = leadlight_core::Timestamp::from_millis(db.store.now().millis() + 30_000);
    let from_ahead = Hlc::next(Hlc::ZERO, ahead);
    db.store
        .connection()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE sync_clock SET seen = {}",
            from_ahead.raw()
        ))
        .unwrap();
    leads::create(&db.store, &db.admin, lead("Six")).unwrap();
    let last = *clocks(&db).last().unwrap();
    assert!(last > from_ahead, "{last} after {from_ahead}");
}
