//! Calendar helpers the practice, habits and unwritten-limit tests share.

use anomaly::Policy;
use chrono::NaiveDate;

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Monday-to-Friday days from `from` up to (not including) `to`, the default policy's
/// public holidays left out.
pub fn working_days(from: &str, to: &str) -> Vec<NaiveDate> {
    let policy = Policy::default();
    let mut out = Vec::new();
    let mut day = date(from);
    while day < date(to) {
        let weekend = matches!(day.format("%a").to_string().as_str(), "Sat" | "Sun");
        if !weekend && !policy.holidays.contains_key(&day) {
            out.push(day);
        }
        day = day.succ_opt().unwrap();
    }
    out
}
