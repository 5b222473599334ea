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
    assert!(made.len() >= 5, "{made:?}");
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

/// A journal position is never given twice (desktops push in its order and
/// pull from the server by it): the newest entry cannot be deleted, so the
/// next entry always comes after every position handed out.
#[test]
fn the_newest_journal_entry_cannot_be_deleted_so_no_position_is_reused() {
    let db = TestDb::new();
    leads::create(&db.store, &db.admin, lead("One")).unwrap();
    leads::create(&db.store, &db.admin, lead("Two")).unwrap();
    let seqs = || -> Vec<i64> {
        journal::entries_since(&db.store, 0, 100)
            .unwrap()
            .into_iter()
            .map(|(seq, _)| seq)
            .collect()
    };
    let before = seqs();
    let newest = *before.last().unwrap();
    let mut conn = db.store.connection().unwrap();
    let refused = conn
        .batch_execute(&format!("DELETE FROM change_journal WHERE seq = {newest}"))
        .unwrap_err();
    assert!(refused.to_string().contains("never be reused"), "{refused}");
    // Older entries may go (the purge does that), all at once too.
    conn.batch_execute(&format!("DELETE FROM change_journal WHERE seq < {newest}"))
        .unwrap();
    drop(conn);
    assert_eq!(seqs(), [newest]);
    leads::create(&db.store, &db.admin, lead("Three")).unwrap();
    assert_eq!(seqs(), [newest, newest + 1]);
}
