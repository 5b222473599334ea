//! What the search index holds for a phone number, and how a run of digits
//! typed into search becomes a query over it.
//!
//! Any run of three or more digits inside a number finds it. The index holds
//! one term per three digits in a row, at each position ("1555010" gives
//! 155 555 550 501 010), and a run typed is the phrase of its own: the terms
//! in that order, next to each other, occur exactly where the run does.
//!
//! Each term is one character, from Unicode's private use area (U+E000 plus
//! the three digits' value), so the table's 2- and 3-letter prefix indexes,
//! which are there for names, write nothing for them. Until migration 000018
//! the index held every suffix of the digits, a prefix query finding a run:
//! nearly every suffix was a term of its own, with its prefix entries. The
//! search index's work for 100,000 leads, measured on the index alone: demo
//! leads into an empty index 1.39 s with suffixes, 0.64 s with these terms,
//! 0.34 s with no phone; the bench's import rows at a million leads 1.05 s,
//! 0.70 s and 0.36 s.

use diesel::expression::functions::declare_sql_function;
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

/// The first code point of the terms; migration 000018 spells it as 57344.
const FIRST: u32 = 0xE000;

#[declare_sql_function]
extern "SQL" {
    /// The phone column of `leads_fts` for a lead's digits: its terms, as
    /// [`phrase`] makes them. An import indexes its leads with this.
    /// Migration 000018's triggers write the same terms with SQL's own
    /// functions, so that any connection to the file can write a lead (for
    /// runs starting at digits 1 to 18: a phone has at most 20 digits,
    /// `fields::optional_phone`, and a test holds both to that); that
    /// expression (18 `iif`s over `substr`) took 0.42 s for an import's
    /// 100,000 rows at 1 M leads, and their indexing statement took
    /// 0.76-0.88 s with it, 0.51-0.53 s with this.
    fn leadlight_phone_terms(digits: Nullable<Text>) -> Nullable<Text>;
}

/// Make `leadlight_phone_terms` available on a connection: once, when it
/// opens.
pub(crate) fn register(conn: &mut SqliteConnection) -> QueryResult<()> {
    leadlight_phone_terms_utils::register_impl(conn, |digits: Option<String>| {
        digits.map(|d| phrase(&d))
    })
}

/// The phrase that finds `digits` (three or more) inside a phone number.
pub(crate) fn phrase(digits: &str) -> String {
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    // Written into one string: a string per term, joined, was 2.5% of an
    // import (this runs for each imported lead).
    let mut phrase = String::with_capacity(values.len() * 4);
    let terms = values
        .windows(3)
        .filter_map(|w| char::from_u32(FIRST + w[0] * 100 + w[1] * 10 + w[2]));
    for term in terms {
        if !phrase.is_empty() {
            phrase.push(' ');
        }
        phrase.push(term);
    }
    phrase
}

#[cfg(test)]
mod tests {
    use super::phrase;

    #[test]
    fn a_run_is_its_three_digit_terms_in_order() {
        assert_eq!(
            phrase("0102030"),
            "\u{E00A} \u{E066} \u{E014} \u{E0CB} \u{E01E}"
        );
        assert_eq!(phrase("999"), "\u{E3E7}");
        assert_eq!(phrase("12"), "", "no term under three digits");
    }
}
