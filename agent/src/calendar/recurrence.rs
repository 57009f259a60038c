//! Recurring events: RFC 5545 RRULEs, expanded with the `rrule` crate in the event's own
//! time zone, so "every Wednesday at 10:00" stays at 10:00 on the wall clock across a
//! daylight-saving change.
//!
//! Rules are checked and normalised once, when an event is written: the `RRULE:` prefix
//! and case are dropped, only FREQ=DAILY, WEEKLY, MONTHLY and YEARLY are taken (a calendar
//! entry, not a timer; and without BYHOUR, BYMINUTE or BYSECOND, so at most one
//! occurrence a day), and an UNTIL given as a date or a local time is turned into the
//! UTC form RFC 5545 requires for a zoned start (a date means the end of that day).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use rrule::{RRule, RRuleSet, Unvalidated};

/// Most occurrences of one event a single listing expands; more is an error that asks
/// for a shorter range, never a silently cut list.
pub const MAX_OCCURRENCES: usize = 5000;

/// Most occurrences walked to find where a COUNT or UNTIL series ends; a longer series
/// is treated as endless (it is only used to skip finished series in queries).
const MAX_SERIES_WALK: usize = 100_000;

const FREQUENCIES: &[&str] = &["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    #[error("recurrence rule {rule:?}: {reason}")]
    Invalid { rule: String, reason: String },
    #[error(
        "more than {max} occurrences of one event in the range asked for; ask for a shorter range"
    )]
    TooMany { max: usize },
}

/// How long each occurrence lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// A timed event: the same exact duration every time (RFC 5545 §3.8.5.3).
    Exact(Duration),
    /// An all-day event: whole days of the zone's calendar, from midnight to midnight.
    Days(i64),
}

impl Length {
    /// When an occurrence starting at `start` ends.
    pub fn end_of(self, start: DateTime<Tz>) -> DateTime<Tz> {
        match self {
            Length::Exact(d) => start + d,
            Length::Days(n) => {
                let day = start.date_naive() + Duration::days(n);
                midnight(day, start.timezone())
            }
        }
    }
}

/// Midnight at the start of `day` in `tz` (the first instant of the day where a
/// daylight-saving change skips midnight).
pub fn midnight(day: NaiveDate, tz: Tz) -> DateTime<Tz> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    local(naive, tz)
}

/// A wall-clock time in `tz`: the earlier of two readings in a repeated hour, and the
/// time just after a skipped hour.
pub fn local(naive: NaiveDateTime, tz: Tz) -> DateTime<Tz> {
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t,
        None => {
            let later = naive + Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .unwrap_or_else(|| tz.from_utc_datetime(&naive))
        }
    }
}

/// One occurrence: its start and end.
pub type Occurs = (DateTime<Tz>, DateTime<Tz>);

/// An event's occurrences: its first one, its length and its rule (none: a one-off).
#[derive(Debug, Clone)]
pub struct Series {
    pub start: DateTime<Tz>,
    pub length: Length,
    rule: Option<RRule>,
}

impl Series {
    /// `rule` must already be normalised by [`normalize`] for this start.
    pub fn new(
        start: DateTime<Tz>,
        length: Length,
        rule: Option<&str>,
    ) -> Result<Series, RecurrenceError> {
        let rule = rule.map(|r| parse(r, start)).transpose()?;
        Ok(Series {
            start,
            length,
            rule,
        })
    }

    pub fn is_recurring(&self) -> bool {
        self.rule.is_some()
    }

    /// Every occurrence `(start, end)` overlapping `[from, to)`, in order.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurs>, RecurrenceError> {
        let mut out = Vec::new();
        for start in self.starts() {
            if start.with_timezone(&Utc) >= to {
                break;
            }
            let end = self.length.end_of(start);
            let overlaps = end.with_timezone(&Utc) > from
                // A zero-length occurrence in the range counts too.
                || (end == start && start.with_timezone(&Utc) >= from);
            if overlaps {
                if out.len() == MAX_OCCURRENCES {
                    return Err(RecurrenceError::TooMany {
                        max: MAX_OCCURRENCES,
                    });
                }
                out.push((start, end));
            }
        }
        Ok(out)
    }

    /// When the last occurrence ends; `None` for a series without end (or one too long
    /// to walk).
    pub fn last_end(&self) -> Option<DateTime<Utc>> {
        let Some(rule) = &self.rule else {
            return Some(self.length.end_of(self.start).with_timezone(&Utc));
        };
        if rule.get_count().is_none() && rule.get_until().is_none() {
            return None;
        }
        let mut last = None;
        for (i, start) in self.starts().enumerate() {
            if i == MAX_SERIES_WALK {
                return None;
            }
            last = Some(start);
        }
        last.map(|s| self.length.end_of(s).with_timezone(&Utc))
    }

    /// The starts of the occurrences, first to last (endless for an endless rule).
    fn starts(&self) -> Box<dyn Iterator<Item = DateTime<Tz>> + '_> {
        let tz = self.start.timezone();
        match &self.rule {
            None => Box::new(std::iter::once(self.start)),
            Some(rule) => {
                let set = RRuleSet::new(self.start.with_timezone(&rrule::Tz::Tz(tz)))
                    .rrule(rule.clone())
                    .limit();
                Box::new(set.into_iter().map(move |t| t.with_timezone(&tz)))
            }
        }
    }
}

/// Checks a rule for an event starting at `start` and returns it in the stored form:
/// upper case, no `RRULE:` prefix, UNTIL in UTC.
pub fn normalize(rule: &str, start: DateTime<Tz>) -> Result<String, RecurrenceError> {
    let invalid = |reason: String| RecurrenceError::Invalid {
        rule: rule.to_string(),
        reason,
    };
    let body = rule.trim();
    let body = match body.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("RRULE:") => &body[6..],
        _ => body,
    };
    let body = body.to_ascii_uppercase();
    let mut parts = Vec::new();
    let mut freq = None;
    for part in body.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(invalid(format!("{part:?} is not NAME=VALUE")));
        };
        match key {
            "FREQ" => {
                if !FREQUENCIES.contains(&value) {
                    return Err(invalid(format!(
                        "FREQ={value} is not taken; use DAILY, WEEKLY, MONTHLY or YEARLY"
                    )));
                }
                freq = Some(value.to_string());
                parts.push(part.to_string());
            }
            "BYHOUR" | "BYMINUTE" | "BYSECOND" => {
                return Err(invalid(format!(
                    "{key} is not taken: the time of day is the event's start"
                )));
            }
            "UNTIL" => {
                let until = until_utc(value, start.timezone()).map_err(invalid)?;
                parts.push(format!("UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
            }
            _ => parts.push(part.to_string()),
        }
    }
    if freq.is_none() {
        return Err(invalid("FREQ is missing".into()));
    }
    let normalized = parts.join(";");
    parse(&normalized, start).map_err(|e| match e {
        RecurrenceError::Invalid { reason, .. } => invalid(reason),
        other => other,
    })?;
    Ok(normalized)
}

/// UNTIL as a UTC time: `YYYYMMDD` is the end of that day in `tz`, `YYYYMMDDTHHMMSS`
/// a wall-clock time in `tz`, `…Z` already UTC.
fn until_utc(value: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let bad = || format!("UNTIL={value} is not YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ");
    if let Some(utc) = value.strip_suffix('Z') {
        let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(Utc.from_utc_datetime(&t));
    }
    if value.len() == 8 {
        let day = NaiveDate::parse_from_str(value, "%Y%m%d").map_err(|_| bad())?;
        let last_second = day.and_hms_opt(23, 59, 59).ok_or_else(bad)?;
        return Ok(local(last_second, tz).with_timezone(&Utc));
    }
    let t = NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
    Ok(local(t, tz).with_timezone(&Utc))
}

fn parse(rule: &str, start: DateTime<Tz>) -> Result<RRule, RecurrenceError> {
    let invalid = |reason: String| RecurrenceError::Invalid {
        rule: rule.to_string(),
        reason,
    };
    let unvalidated: RRule<Unvalidated> = rule.parse().map_err(|e| invalid(format!("{e}")))?;
    let tz = start.timezone();
    unvalidated
        .validate(start.with_timezone(&rrule::Tz::Tz(tz)))
        .map_err(|e| invalid(format!("{e}")))
}

/// The rule as an all-day event's RRULE must be written in iCalendar: UNTIL as a DATE
/// (the day, in `tz`, of the stored UTC time), since its DTSTART is a DATE.
pub fn for_dates(rule: &str, tz: Tz) -> String {
    rule.split(';')
        .map(|part| match part.strip_prefix("UNTIL=") {
            Some(value) => match until_utc(value, tz) {
                Ok(t) => format!("UNTIL={}", t.with_timezone(&tz).format("%Y%m%d")),
                Err(_) => part.to_string(),
            },
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Hong_Kong;
    use chrono_tz::Europe::London;

    fn hk(s: &str) -> DateTime<Tz> {
        DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&Hong_Kong)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn starts(series: &Series, from: &str, to: &str) -> Vec<String> {
        series
            .between(utc(from), utc(to))
            .unwrap()
            .into_iter()
            .map(|(s, _)| s.to_rfc3339())
            .collect()
    }

    fn hour() -> Length {
        Length::Exact(Duration::hours(1))
    }

    #[test]
    fn weekly_on_a_weekday_expands_in_the_range_only() {
        // Wednesday 25 November 2026, 10:00 in Hong Kong.
        let start = hk("2026-11-25T10:00:00+08:00");
        let rule = normalize("FREQ=WEEKLY;BYDAY=WE", start).unwrap();
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        assert_eq!(
            starts(&s, "2026-12-01T00:00:00Z", "2026-12-20T00:00:00Z"),
            [
                "2026-12-02T10:00:00+08:00",
                "2026-12-09T10:00:00+08:00",
                "2026-12-16T10:00:00+08:00"
            ]
        );
        assert_eq!(s.last_end(), None, "no COUNT or UNTIL: endless");
    }

    #[test]
    fn an_occurrence_running_into_the_range_is_listed() {
        let start = hk("2026-11-25T10:00:00+08:00");
        let s = Series::new(start, Length::Exact(Duration::hours(3)), None).unwrap();
        // 12:00 HK is 04:00 UTC: the event (10:00–13:00) is still on.
        assert_eq!(
            starts(&s, "2026-11-25T04:00:00Z", "2026-11-26T00:00:00Z").len(),
            1
        );
        // From 13:00 HK on it is over; the range is half-open.
        assert!(starts(&s, "2026-11-25T05:00:00Z", "2026-11-26T00:00:00Z").is_empty());
    }

    #[test]
    fn count_interval_and_until_bound_the_series() {
        let start = hk("2026-11-25T10:00:00+08:00");
        let rule = normalize("RRULE:freq=daily;interval=2;count=3", start).unwrap();
        assert_eq!(rule, "FREQ=DAILY;INTERVAL=2;COUNT=3");
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        assert_eq!(
            starts(&s, "2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z"),
            [
                "2026-11-25T10:00:00+08:00",
                "2026-11-27T10:00:00+08:00",
                "2026-11-29T10:00:00+08:00"
            ]
        );
        assert_eq!(s.last_end(), Some(utc("2026-11-29T03:00:00Z")));

        // UNTIL as a date: the end of that day in Hong Kong, stored in UTC.
        let rule = normalize("FREQ=WEEKLY;BYDAY=WE;UNTIL=20261209", start).unwrap();
        assert_eq!(rule, "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261209T155959Z");
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        assert_eq!(
            starts(&s, "2026-01-01T00:00:00Z", "2027-12-31T00:00:00Z"),
            [
                "2026-11-25T10:00:00+08:00",
                "2026-12-02T10:00:00+08:00",
                "2026-12-09T10:00:00+08:00"
            ]
        );
        assert_eq!(s.last_end(), Some(utc("2026-12-09T03:00:00Z")));
    }

    #[test]
    fn monthly_and_yearly_rules() {
        let start = hk("2026-01-31T09:00:00+08:00");
        let rule = normalize("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", start).unwrap();
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        assert_eq!(
            starts(&s, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),
            [
                "2026-01-31T09:00:00+08:00",
                "2026-02-28T09:00:00+08:00",
                "2026-03-31T09:00:00+08:00"
            ]
        );
        let start = hk("2024-02-29T09:00:00+08:00");
        let rule = normalize("FREQ=YEARLY;COUNT=2", start).unwrap();
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        // 29 February exists only in leap years (RFC 5545: such dates are skipped).
        assert_eq!(
            starts(&s, "2024-01-01T00:00:00Z", "2033-01-01T00:00:00Z"),
            ["2024-02-29T09:00:00+08:00", "2028-02-29T09:00:00+08:00"]
        );
    }

    #[test]
    fn the_wall_clock_time_holds_across_daylight_saving() {
        // London goes from GMT to BST on 29 March 2026.
        let start = DateTime::parse_from_rfc3339("2026-03-25T10:00:00+00:00")
            .unwrap()
            .with_timezone(&London);
        let rule = normalize("FREQ=WEEKLY;COUNT=2", start).unwrap();
        let s = Series::new(start, hour(), Some(&rule)).unwrap();
        assert_eq!(
            starts(&s, "2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"),
            ["2026-03-25T10:00:00+00:00", "2026-04-01T10:00:00+01:00"]
        );
    }

    #[test]
    fn all_day_occurrences_run_midnight_to_midnight() {
        let start = midnight(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), Hong_Kong);
        let rule = normalize("FREQ=WEEKLY;COUNT=2", start).unwrap();
        let s = Series::new(start, Length::Days(1), Some(&rule)).unwrap();
        let got = s
            .between(utc("2026-11-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0.to_rfc3339(), "2026-12-08T00:00:00+08:00");
        assert_eq!(got[1].1.to_rfc3339(), "2026-12-09T00:00:00+08:00");
        assert_eq!(
            for_dates("FREQ=WEEKLY;UNTIL=20261209T155959Z", Hong_Kong),
            "FREQ=WEEKLY;UNTIL=20261209"
        );
    }

    #[test]
    fn bad_rules_are_refused_with_the_reason() {
        let start = hk("2026-11-25T10:00:00+08:00");
        for (rule, says) in [
            ("FREQ=SECONDLY", "FREQ=SECONDLY is not taken"),
            ("BYDAY=WE", "FREQ is missing"),
            ("FREQ=WEEKLY;BYDAY=XX", "XX"),
            ("FREQ=WEEKLY;UNTIL=2026-12-09", "UNTIL=2026-12-09 is not"),
            ("FREQ=WEEKLY;UNTIL=20261101T000000Z", "is later"),
            ("FREQ WEEKLY", "is not NAME=VALUE"),
            ("FREQ=DAILY;BYHOUR=9,10", "BYHOUR is not taken"),
        ] {
            let err = normalize(rule, start).unwrap_err().to_string();
            assert!(
                err.to_lowercase().contains(&says.to_lowercase()),
                "{rule}: {err}"
            );
        }
    }

    #[test]
    fn too_many_occurrences_is_an_error_not_a_short_list() {
        let start = hk("2000-01-01T10:00:00+08:00");
        let s = Series::new(start, hour(), Some("FREQ=DAILY")).unwrap();
        let err = s
            .between(utc("2000-01-01T00:00:00Z"), utc("2030-01-01T00:00:00Z"))
            .unwrap_err();
        assert_eq!(
            err,
            RecurrenceError::TooMany {
                max: MAX_OCCURRENCES
            }
        );
    }
}
