//! The leads a full-text search matches: their `seq` (the search index's
//! rowid) read once per search into memory, and remembered while the index
//! is unchanged.
//!
//! A common surname matches tens of thousands of leads at a million. A page
//! of them needs the total and the newest 50; done in SQL, the index is read
//! twice, once to count and once for the set the sort's walk tests each lead
//! against (7 ms for "singh"*: a prefix longer than the prefix indexes makes
//! FTS5 merge its entries each time). Read once, the list here serves both,
//! and a team repeating or paging through a search reads it once for as long
//! as no lead's searchable text changes.
//!
//! Remembering is exact, not timed: an entry holds the index's structure
//! record, read in the same snapshot as its matches. FTS5 keeps it in row 10
//! of `leads_fts_data`; it lists every segment and counts the rows deleted
//! from each, so every committed insert, change or delete of an indexed lead
//! rewrites it (a test pins this). A write by another process is seen the
//! same way.
//!
//! With the matches goes their order newest first, as far as pages by date
//! have read it (`Newest`), so a repeated search reads only its page's leads.

use super::search::WALK_ABOVE;
use crate::error::CoreResult;
use diesel::dsl::sql;
use diesel::expression::functions::declare_sql_function;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Binary, Nullable, Text};
use diesel::sqlite::SqliteAggregateFunction;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The leads a search matched, shared by the requests that asked.
pub(crate) type Matched = Arc<Matches>;

#[derive(Debug)]
pub(crate) struct Matches {
    /// Their `seq`, ascending.
    seqs: Vec<i64>,
    /// Bit `seq` set for each, when the page walks (`WALK_ABOVE`): the
    /// walk's test is then one load, where a binary search over 25,000 was
    /// a fifth of a remembered search's time. Empty otherwise.
    bits: Vec<u64>,
    /// Their `seq` newest first, as far as pages by date have read them.
    newest: Mutex<Newest>,
}

/// A search's matches newest first (by creation, then `seq`). It holds as
/// long as the matches do: a lead's creation time never changes, and a
/// deleted lead leaves the index.
#[derive(Debug, Default)]
pub(crate) struct Newest {
    pub(crate) order: Vec<i64>,
    /// The creation time and `seq` of the last in `order`: where reading on
    /// continues.
    pub(crate) last: Option<(i64, i64)>,
    /// `order` holds every match.
    pub(crate) complete: bool,
}

impl Matches {
    fn new(mut seqs: Vec<i64>) -> Self {
        // FTS5 returns rowids in order; a sorted run costs one pass to check.
        seqs.sort_unstable();
        // Bits for every `seq` up to the last: only where that is at most
        // 64 times the list's own size (a sparse set keeps to the list).
        let walks = seqs.len() > WALK_ABOVE
            && seqs.first().is_some_and(|&s| s >= 0)
            && seqs
                .last()
                .is_some_and(|&last| last / 8 <= seqs.len() as i64 * 8 * 64);
        let bits = match seqs.last() {
            Some(&last) if walks => {
                let mut bits = vec![0_u64; usize::try_from(last / 64 + 1).unwrap_or(0)];
                for &seq in &seqs {
                    bits[(seq / 64) as usize] |= 1_u64 << (seq % 64);
                }
                bits
            }
            _ => Vec::new(),
        };
        Self {
            seqs,
            bits,
            newest: Mutex::default(),
        }
    }

    /// Their order newest first, so far (held while a page extends it).
    pub(crate) fn newest(&self) -> std::sync::MutexGuard<'_, Newest> {
        self.newest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn len(&self) -> usize {
        self.seqs.len()
    }

    pub(crate) fn seqs(&self) -> &[i64] {
        &self.seqs
    }

    fn contains(&self, seq: i64) -> bool {
        if self.bits.is_empty() {
            return self.seqs.binary_search(&seq).is_ok();
        }
        u64::try_from(seq).is_ok_and(|seq| {
            usize::try_from(seq / 64)
                .ok()
                .and_then(|word| self.bits.get(word))
                .is_some_and(|word| word & (1_u64 << (seq % 64)) != 0)
        })
    }

    /// What remembering this costs, in bytes (its order newest first
    /// counted as if read whole).
    fn bytes(&self) -> usize {
        (self.seqs.len() * 2 + self.bits.len()) * 8
    }
}

/// At most this many bytes of matches are remembered in all, and this many
/// searches: the least recently used go first.
const REMEMBERED_MAX: usize = 32 << 20;
const SEARCHES_MAX: usize = 4_096;

#[declare_sql_function]
extern "SQL" {
    /// Whether a lead's `seq` is in the matches set by [`testing`] on this
    /// thread (false when none is).
    fn leadlight_matched(seq: Nullable<BigInt>) -> Bool;

    /// The `seq` of every row, packed 8 bytes each (little-endian) into one
    /// value: reading 25,000 matches as rows took twice as long, two
    /// thirds of it SQLite's connection mutex taken per row and column.
    #[aggregate]
    fn leadlight_packed(seq: BigInt) -> Binary;
}

#[derive(Default)]
struct Packed(Vec<u8>);

impl SqliteAggregateFunction<i64> for Packed {
    type Output = Vec<u8>;

    fn step(&mut self, seq: i64) {
        self.0.extend_from_slice(&seq.to_le_bytes());
    }

    fn finalize(packed: Option<Self>) -> Vec<u8> {
        packed.map(|p| p.0).unwrap_or_default()
    }
}

thread_local! {
    static TESTED: RefCell<Option<Matched>> = const { RefCell::new(None) };
}

/// Make `leadlight_matched` and `leadlight_packed` available on a
/// connection: once, when it opens.
pub(crate) fn register(conn: &mut SqliteConnection) -> QueryResult<()> {
    leadlight_packed_utils::register_impl::<Packed, _>(conn)?;
    leadlight_matched_utils::register_impl(conn, |seq: Option<i64>| {
        TESTED.with(|tested| {
            tested
                .borrow()
                .as_ref()
                .zip(seq)
                .is_some_and(|(m, seq)| m.contains(seq))
        })
    })
}

/// While this lives, `leadlight_matched` on this thread tests against
/// `matched`. SQLite calls it on the thread stepping the statement, and a
/// read runs on its caller's thread, so the set cannot leak to another
/// request.
pub(crate) struct Testing {
    before: Option<Matched>,
    /// Not `Send`: dropped on the thread whose set it installed.
    _here: std::marker::PhantomData<*const ()>,
}

pub(crate) fn testing(matched: Matched) -> Testing {
    Testing {
        before: TESTED.with(|tested| tested.replace(Some(matched))),
        _here: std::marker::PhantomData,
    }
}

impl Drop for Testing {
    fn drop(&mut self) {
        let before = self.before.take();
        TESTED.with(|tested| *tested.borrow_mut() = before);
    }
}

/// Searches remembered by one store (see the module's comment). A few
/// matches can cost as much to read as thousands: "elijah smith" is two
/// prefixes, 4 ms for 637 leads.
#[derive(Default)]
pub(crate) struct RememberedMatches {
    /// Off: every search reads the index (for measuring a first search).
    off: bool,
    inner: Mutex<Remembered>,
}

#[derive(Default)]
struct Remembered {
    entries: HashMap<String, Entry>,
    /// Sum of the entries' `cost`.
    held: usize,
    /// Advances on each use; an entry's last use orders eviction.
    clock: u64,
}

struct Entry {
    index: Vec<u8>,
    matched: Matched,
    used: u64,
}

#[derive(QueryableByName)]
struct Structure {
    #[diesel(sql_type = Binary)]
    block: Vec<u8>,
}

impl RememberedMatches {
    pub(crate) fn off() -> Self {
        Self {
            off: true,
            inner: Mutex::default(),
        }
    }

    /// The leads `expression` matches in `conn`'s snapshot (live ones: the
    /// index holds no deleted lead).
    pub(crate) fn of(&self, conn: &mut SqliteConnection, expression: &str) -> CoreResult<Matched> {
        let index = diesel::sql_query("SELECT block FROM leads_fts_data WHERE id = 10")
            .get_result::<Structure>(conn)
            .optional()?
            .map(|s| s.block)
            .unwrap_or_default();
        if let Some(matched) = self.get(expression, &index) {
            return Ok(matched);
        }
        let packed = diesel::select(
            sql::<Binary>("leadlight_packed(rowid) FROM leads_fts WHERE leads_fts MATCH ")
                .bind::<Text, _>(expression),
        )
        .get_result::<Vec<u8>>(conn)?;
        let seqs: Vec<i64> = packed
            .chunks_exact(8)
            .map(|bytes| {
                let mut le = [0; 8];
                le.copy_from_slice(bytes);
                i64::from_le_bytes(le)
            })
            .collect();
        let matched = Arc::new(Matches::new(seqs));
        if !self.off {
            self.put(expression, index, matched.clone());
        }
        Ok(matched)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Remembered> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, expression: &str, index: &[u8]) -> Option<Matched> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let entry = inner.entries.get_mut(expression)?;
        if entry.index != index {
            return None;
        }
        entry.used = now;
        Some(entry.matched.clone())
    }

    fn put(&self, expression: &str, index: Vec<u8>, matched: Matched) {
        let entry = Entry {
            index,
            matched,
            used: 0,
        };
        let cost = entry.cost(expression);
        if cost > REMEMBERED_MAX {
            return;
        }
        let mut inner = self.lock();
        // Entries of another state of the index are of no further use.
        inner.entries.retain(|_, e| e.index == entry.index);
        inner.entries.remove(expression);
        inner.held = inner.entries.iter().map(|(k, e)| e.cost(k)).sum();
        while inner.held + cost > REMEMBERED_MAX || inner.entries.len() >= SEARCHES_MAX {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.held -= gone.cost(&oldest);
            }
        }
        inner.clock += 1;
        inner.held += cost;
        let used = inner.clock;
        inner
            .entries
            .insert(expression.to_owned(), Entry { used, ..entry });
    }
}

impl Entry {
    /// What remembering it costs, in bytes: its matches, the search's text
    /// and the index's record it is valid for.
    fn cost(&self, expression: &str) -> usize {
        self.matched.bytes() + expression.len() + self.index.len()
    }
}

#[cfg(test)]
mod tests {
    use super::{Matches, WALK_ABOVE};
    use crate::accounts;
    use crate::leads::{self, NewLead};
    use crate::{Store, StoreOptions};
    use std::sync::Arc;

    /// A search asked again reads nothing while the index is unchanged, and
    /// the index again once a lead is added; a store told not to remember
    /// reads it every time.
    #[test]
    fn a_search_is_read_again_only_after_the_index_changed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.sqlite3");
        let store = Store::open(&file).unwrap();
        let forgetful = Store::open_with(
            &file,
            StoreOptions {
                remember_searches: false,
                ..StoreOptions::default()
            },
        )
        .unwrap();
        let admin = accounts::first_admin(&store);
        let add = |name: &str| {
            let lead = NewLead {
                name: name.into(),
                ..NewLead::default()
            };
            leads::create(&store, &admin, lead).unwrap();
        };
        add("Pat Smith");
        add("Sam Smith");
        let expression = leads::match_expression("smith").unwrap();
        let read = |store: &Store| {
            store
                .read(|conn| store.remembered_matches().of(conn, &expression))
                .unwrap()
        };
        let first = read(&store);
        assert_eq!(first.len(), 2);
        assert!(Arc::ptr_eq(&first, &read(&store)), "remembered");
        assert!(!Arc::ptr_eq(&read(&forgetful), &read(&forgetful)));
        add("Kim Smith");
        let after = read(&store);
        assert!(!Arc::ptr_eq(&first, &after));
        assert_eq!(after.len(), 3);
    }

    /// The bit set a walking search tests with answers as the sorted list
    /// does, at word edges and past the last match.
    #[test]
    fn a_walking_search_tests_by_bits_as_by_its_list() {
        let seqs: Vec<i64> = (0..=WALK_ABOVE as i64 * 3).filter(|s| s % 3 != 1).collect();
        let walking = Matches::new(seqs.iter().rev().copied().collect());
        assert!(!walking.bits.is_empty());
        let few = Matches::new(seqs[..10].to_vec());
        assert!(few.bits.is_empty());
        for seq in -2..=WALK_ABOVE as i64 * 3 + 130 {
            let listed = seqs.binary_search(&seq).is_ok();
            assert_eq!(walking.contains(seq), listed, "{seq}");
            assert_eq!(few.contains(seq), seqs[..10].contains(&seq), "{seq}");
        }
        assert_eq!(walking.seqs(), &seqs[..], "sorted");
        // Sparse (a seq far beyond the rest): no bits, the list answers.
        let far = 1_i64 << 40;
        let sparse = Matches::new(seqs.iter().copied().chain([far]).collect());
        assert!(sparse.bits.is_empty());
        assert!(sparse.contains(far) && sparse.contains(0) && !sparse.contains(1));
    }
}
