//! Days as the user lives them: "today" and date ranges are computed in the
//! user's time zone, then stored and compared as UTC instants.

use crate::time::Timestamp;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

/// The first instant of `date` in `tz`. Where midnight does not exist (a
/// daylight-saving jump at 00:00) the day starts at the first valid minute.
pub(crate) fn start_of_day(tz: Tz, date: NaiveDate) -> Timestamp {
    let mut time = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..=120 {
        if let Some(instant) = tz.from_local_datetime(&time).earliest() {
            return instant.with_timezone(&chrono::Utc).into();
        }
        time += chrono::Duration::minutes(1);
    }
    chrono::Utc.from_utc_datetime(&time).into()
}

/// The calendar date of `instant` in `tz`.
pub(crate) fn date_of(tz: Tz, instant: Timestamp) -> NaiveDate {
    instant.to_utc().with_timezone(&tz).date_naive()
}

/// `[start, end)` of the day containing `now` in `tz`.
pub(crate) fn day_window(tz: Tz, now: Timestamp) -> (Timestamp, Timestamp) {
    let today = date_of(tz, now);
    let tomorrow = today.succ_opt().unwrap_or(today);
    (start_of_day(tz, today), start_of_day(tz, tomorrow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_in_auckland_starts_the_evening_before_in_utc() {
        let tz: Tz = "Pacific/Auckland".parse().unwrap();
        let noon_utc = Timestamp::parse("2026-11-24T12:00:00Z").unwrap();
        let (start, end) = day_window(tz, noon_utc);
        // 12:00 UTC is 01:00 on the 25th in Auckland (UTC+13 in summer).
        assert_eq!(start.to_string(), "2026-11-24T11:00:00.000Z");
        assert_eq!(end.to_string(), "2026-11-25T11:00:00.000Z");
    }
}
