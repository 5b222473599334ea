//! Hybrid logical clocks: the order sync puts changes in. A clock is the wall
//! time in milliseconds shifted left 16 bits plus a counter in the low bits,
//! one `i64` that sorts as it should. It never runs backwards (a clock set
//! back, or many changes in one millisecond, move the counter instead) and it
//! stays close to real time, so "the latest edit wins" means what people
//! expect even between machines whose clocks disagree a little.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

const COUNTER_BITS: u32 = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hlc(i64);

impl Hlc {
    /// No clock at all: before every change.
    pub const ZERO: Hlc = Hlc(0);

    pub fn from_raw(raw: i64) -> Self {
        Self(raw)
    }

    pub fn raw(self) -> i64 {
        self.0
    }

    /// The wall time part.
    pub fn wall(self) -> Timestamp {
        Timestamp::from_millis(self.0 >> COUNTER_BITS)
    }

    /// The clock of a change made at wall time `now` by an installation whose
    /// latest clock (made or seen) is `last`: after both.
    pub fn next(last: Hlc, now: Timestamp) -> Hlc {
        Hlc((last.0 + 1).max(now.millis() << COUNTER_BITS))
    }

    /// Whether this clock's wall time is more than `allowed` ahead of `now`
    /// (a machine whose clock is wrong would otherwise win every conflict).
    pub fn ahead_of(self, now: Timestamp, allowed: chrono::Duration) -> bool {
        self.wall().millis() > now.millis() + allowed.num_milliseconds()
    }
}

impl std::fmt::Display for Hlc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}+{}", self.wall(), self.0 & ((1 << COUNTER_BITS) - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millis(millis)
    }

    #[test]
    fn follows_the_wall_clock_and_never_runs_backwards() {
        let first = Hlc::next(Hlc::ZERO, at(1_000));
        assert_eq!(first.wall(), at(1_000));
        let same_millisecond = Hlc::next(first, at(1_000));
        assert!(same_millisecond > first);
        assert_eq!(same_millisecond.wall(), at(1_000));
        let clock_set_back = Hlc::next(same_millisecond, at(500));
        assert!(
            clock_set_back > same_millisecond,
            "a clock set back moves the counter"
        );
        let later = Hlc::next(clock_set_back, at(2_000));
        assert_eq!(later, Hlc::from_raw(2_000 << COUNTER_BITS));
    }

    #[test]
    fn a_change_after_seeing_a_clock_from_ahead_comes_after_it() {
        let from_ahead = Hlc::next(Hlc::ZERO, at(90_000));
        let mine = Hlc::next(from_ahead, at(1_000));
        assert!(mine > from_ahead);
        assert!(from_ahead.ahead_of(at(1_000), chrono::Duration::minutes(1)));
        assert!(!from_ahead.ahead_of(at(31_000), chrono::Duration::minutes(1)));
    }
}
