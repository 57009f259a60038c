//! When an event, task or reminder happens, from the parsed time words only — never from
//! the model — with the office's default rules for what was not said (docs/COMMANDS.md):
//!
//! - an event lasts 60 minutes unless a length or an end was said;
//! - an event with a day but no time is an all-day event on that day; with no day and
//!   no time, an all-day event on the next working day (Monday to Friday);
//! - a reminder with a day but no time fires at 09:00 that day; with neither, at 09:00
//!   on the next working day;
//! - a task's due is its deadline, else the day or time said, else none;
//! - a day said together with a separate clock time (`聽日 … 3pm`) is that day at that time;
//!   of two days, the later-said one counts (`Thursday December 10`).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::timewords::{Span, Value, When};

pub const DEFAULT_EVENT_MINUTES: i64 = 60;
pub const REMINDER_HOUR: u32 = 9;

/// The time words of an instruction, gathered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeFacts {
    pub moment: Option<When>,
    pub end: Option<When>,
    pub deadline: Option<When>,
    pub minutes: Option<u32>,
    pub recurrence: Option<(String, When)>,
    pub invalid: Option<String>,
}

impl TimeFacts {
    pub fn gather(spans: &[Span], tz: Tz) -> TimeFacts {
        let mut f = TimeFacts::default();
        for s in spans {
            // A loose period said by its end (`end of the month`) is its day here.
            match &s.point() {
                Value::InvalidDate { reason } => {
                    f.invalid
                        .get_or_insert_with(|| format!("{} ({})", s.text, reason));
                }
                Value::Recurrence { rrule, first } => {
                    // Of two, the more specific one (`Weekly … every Thursday at 8:30`).
                    let parts = |r: &str| r.split(';').count();
                    if f.recurrence
                        .as_ref()
                        .is_none_or(|(kept, _)| parts(rrule) > parts(kept))
                    {
                        f.recurrence = Some((rrule.clone(), *first));
                    }
                }
                Value::Deadline(w) => {
                    f.deadline.get_or_insert(*w);
                }
                Value::Duration { minutes } => {
                    f.minutes.get_or_insert(*minutes);
                }
                Value::Interval { start, end } => {
                    if f.moment.is_none() {
                        f.moment = Some(*start);
                        f.end = Some(*end);
                    }
                }
                Value::DateTime(t) => {
                    f.moment = Some(match f.moment {
                        Some(When::Date(d)) if f.end.is_none() => {
                            When::DateTime(at_time_of(d, *t, tz))
                        }
                        Some(keep) => keep,
                        None => When::DateTime(*t),
                    });
                }
                Value::Date(d) => {
                    f.moment = Some(match f.moment {
                        Some(When::DateTime(t)) if f.end.is_none() => {
                            When::DateTime(at_time_of(*d, t, tz))
                        }
                        // An interval was said: it stands.
                        Some(keep) if f.end.is_some() => keep,
                        // Of two days, the later-said one (`Thursday December 10`).
                        _ => When::Date(*d),
                    });
                }
            }
        }
        f
    }

    /// Nothing said about when.
    pub fn is_empty(&self) -> bool {
        self.moment.is_none() && self.deadline.is_none() && self.recurrence.is_none()
    }
}

/// Day `d` at the wall-clock time of `t`, in `tz`.
fn at_time_of(d: NaiveDate, t: DateTime<FixedOffset>, tz: Tz) -> DateTime<FixedOffset> {
    let local = t.with_timezone(&tz).time();
    local_time(d, local, tz)
}

pub fn local_time(d: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<FixedOffset> {
    let naive = d.and_time(time);
    tz.from_local_datetime(&naive)
        .earliest()
        // A wall-clock time a daylight-saving change skips: read it as UTC.
        .unwrap_or_else(|| tz.from_utc_datetime(&naive))
        .fixed_offset()
}

/// The next Monday-to-Friday day after `today`.
pub fn next_working_day(today: NaiveDate) -> NaiveDate {
    let mut d = today + Duration::days(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d += Duration::days(1);
    }
    d
}

/// When an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Timed {
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    },
    /// Whole days, both included.
    AllDay { first: NaiveDate, last: NaiveDate },
}

impl Slot {
    /// Whether it ends before `now`.
    pub fn is_past(&self, now: DateTime<FixedOffset>, tz: Tz) -> bool {
        match self {
            Slot::Timed { start, .. } => *start < now,
            Slot::AllDay { last, .. } => *last < now.with_timezone(&tz).date_naive(),
        }
    }
}

pub fn event_slot(f: &TimeFacts, now: DateTime<FixedOffset>, tz: Tz) -> Slot {
    let length = Duration::minutes(f.minutes.map_or(DEFAULT_EVENT_MINUTES, i64::from));
    let timed = |start: DateTime<FixedOffset>| Slot::Timed {
        start,
        end: start + length,
    };
    let day = |d: NaiveDate| Slot::AllDay { first: d, last: d };
    if let Some((_, first)) = &f.recurrence {
        return match *first {
            When::DateTime(t) => timed(t),
            When::Date(d) => day(d),
        };
    }
    match (f.moment.or(f.deadline), f.end) {
        (Some(When::DateTime(start)), Some(When::DateTime(end))) if end > start => {
            Slot::Timed { start, end }
        }
        (Some(When::DateTime(start)), _) => timed(start),
        (Some(When::Date(first)), Some(When::Date(last))) if last >= first => {
            Slot::AllDay { first, last }
        }
        (Some(When::Date(d)), _) => day(d),
        (None, _) => day(next_working_day(now.with_timezone(&tz).date_naive())),
    }
}

/// When a reminder fires.
pub fn reminder_time(f: &TimeFacts, now: DateTime<FixedOffset>, tz: Tz) -> DateTime<FixedOffset> {
    let morning = NaiveTime::from_hms_opt(REMINDER_HOUR, 0, 0).unwrap_or_default();
    let when = f
        .recurrence
        .as_ref()
        .map(|(_, first)| *first)
        .or(f.moment)
        .or(f.deadline);
    match when {
        Some(When::DateTime(t)) => t,
        Some(When::Date(d)) => local_time(d, morning, tz),
        None => local_time(
            next_working_day(now.with_timezone(&tz).date_naive()),
            morning,
            tz,
        ),
    }
}

/// When a task is due: `YYYY-MM-DD` or RFC 3339.
pub fn task_due(f: &TimeFacts) -> Option<When> {
    f.deadline
        .or(f.moment)
        .or(f.recurrence.as_ref().map(|(_, first)| *first))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Hong_Kong;

    fn now() -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00+08:00").unwrap()
    }

    fn facts(text: &str) -> TimeFacts {
        TimeFacts::gather(&crate::timewords::find(text, now(), Hong_Kong), Hong_Kong)
    }

    #[test]
    fn a_day_and_a_separate_clock_time_make_one_moment() {
        let f = facts("聽日 ... 之後 3pm");
        let t = DateTime::parse_from_rfc3339("2026-11-26T15:00:00+08:00").unwrap();
        assert_eq!(f.moment, Some(When::DateTime(t)), "{f:?}");
    }

    #[test]
    fn events_default_to_an_hour_and_all_day_without_a_time() {
        let start = DateTime::parse_from_rfc3339("2026-11-26T15:00:00+08:00").unwrap();
        assert_eq!(
            event_slot(&facts("tomorrow at 3pm"), now(), Hong_Kong),
            Slot::Timed {
                start,
                end: start + Duration::minutes(60)
            }
        );
        let d = NaiveDate::from_ymd_opt(2026, 12, 18).unwrap();
        assert_eq!(
            event_slot(&facts("December 18"), now(), Hong_Kong),
            Slot::AllDay { first: d, last: d }
        );
        // Said on a Friday: the next working day is Monday.
        let friday = DateTime::parse_from_rfc3339("2026-11-27T10:00:00+08:00").unwrap();
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(
            event_slot(&TimeFacts::default(), friday, Hong_Kong),
            Slot::AllDay {
                first: monday,
                last: monday
            }
        );
    }

    #[test]
    fn a_reminder_on_a_day_fires_at_nine() {
        let t = reminder_time(&facts("on Friday"), now(), Hong_Kong);
        assert_eq!(t.to_rfc3339(), "2026-11-27T09:00:00+08:00");
    }

    #[test]
    fn the_past_is_detected() {
        let slot = event_slot(&facts("yesterday at 3pm"), now(), Hong_Kong);
        assert!(slot.is_past(now(), Hong_Kong));
        let slot = event_slot(&facts("tomorrow"), now(), Hong_Kong);
        assert!(!slot.is_past(now(), Hong_Kong));
    }
}
