//! `since Monday`, `ever since March`, `since 2pm`, `since 2014`, `自從上個禮拜一`,
//! `自从三月以来`: from a time already past up to now. The words after `since` are read
//! as anywhere else, where a bare weekday, date or month means the next one; `since`
//! means the last one, so a time read in the future is taken back a day (a clock time),
//! a week (a weekday) or a year (a date or month). Words that say the future (`since
//! next week`) make no time.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::context::Context;
use super::cursor::Cursor;
use super::span::{Value, When};

const EN_PREFIXES: [&str; 2] = ["ever since", "since"];
const ZH_PREFIXES: [&str; 2] = ["自從", "自从"];
const ZH_SUFFIXES: [&str; 6] = ["以來", "以来", "開始", "开始", "起", "至今"];
const FUTURE_WORDS: [&str; 10] = [
    "next", "coming", "upcoming", "tomorrow", "in ", "下", "明", "聽日", "听日", "後",
];
const EN_WEEKDAYS: [&str; 17] = [
    "monday",
    "mon",
    "tuesday",
    "tue",
    "tues",
    "wednesday",
    "wed",
    "thursday",
    "thu",
    "thur",
    "thurs",
    "friday",
    "fri",
    "saturday",
    "sat",
    "sunday",
    "sun",
];
const ZH_WEEKDAYS: [&str; 5] = ["星期", "禮拜", "礼拜", "週", "周"];

/// How far back a time read in the future goes to be the last one.
#[derive(Clone, Copy)]
enum Back {
    Day,
    Week,
    Year,
}

/// From the past time said after `since` to now: days when it is a day, instants when
/// it has a clock time.
pub(crate) fn since(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    if probe.eat_any(&EN_PREFIXES).is_none() && probe.eat_any(&ZH_PREFIXES).is_none() {
        return None;
    }
    probe.skip_spaces();
    let from = probe.pos;
    let now = ctx.now_instant();
    let (start, end) = match year(&mut probe) {
        Some(y) => {
            let first = NaiveDate::from_ymd_opt(y, 1, 1).filter(|d| *d <= ctx.today())?;
            (When::Date(first), probe.pos)
        }
        None => {
            let (end, value, _) = super::longest_in(probe.text, from, ctx)?;
            let said = probe.text[from..end].to_lowercase();
            let back = if names_weekday(&said) {
                Back::Week
            } else if matches!(value, Value::DateTime(_)) {
                Back::Day
            } else {
                Back::Year
            };
            // 下 says "next" (下個禮拜), except in the afternoon (下午, 下晝).
            let plain = said
                .replace("下午", "")
                .replace("下晝", "")
                .replace("下昼", "");
            let future = FUTURE_WORDS.iter().any(|w| plain.contains(w));
            let start = match value {
                Value::Date(d) => When::Date(past_day(d, back, future, ctx)?),
                Value::DateTime(t) => {
                    let t = if t <= now {
                        t
                    } else if future {
                        return None;
                    } else {
                        match back {
                            Back::Day => t - Duration::days(1),
                            Back::Week => t - Duration::days(7),
                            Back::Year => t.checked_sub_months(Months::new(12))?,
                        }
                    };
                    (t <= now).then_some(When::DateTime(t))?
                }
                // `since last week`, `since March`: from the period's first day.
                Value::Interval {
                    start: When::Date(d),
                    ..
                } => When::Date(past_day(d, back, future, ctx)?),
                _ => return None,
            };
            (start, end)
        }
    };
    probe.pos = end;
    let mut after = probe;
    after.skip_spaces();
    if after.eat_any(&ZH_SUFFIXES).is_some() {
        probe = after;
    }
    *c = probe;
    let end = match start {
        When::Date(_) => When::Date(ctx.today()),
        When::DateTime(_) => When::DateTime(now),
    };
    Some(Value::Interval { start, end })
}

/// A year said alone after `since` (`since 2014`, `自從2014年`): four digits from 1900 to
/// 2099 that no other digit or `:`, `.`, `/`, `-` follows.
fn year(c: &mut Cursor) -> Option<i32> {
    let mut p = *c;
    let (y, 4) = p.digits(4)? else {
        return None;
    };
    if !(1900..=2099).contains(&y) || p.rest().starts_with([':', '.', '/', '-']) {
        return None;
    }
    p.eat("年");
    *c = p;
    Some(y as i32)
}

pub(super) fn names_weekday(said: &str) -> bool {
    said.split(|ch: char| !ch.is_ascii_alphabetic())
        .any(|w| EN_WEEKDAYS.contains(&w))
        || ZH_WEEKDAYS.iter().any(|w| said.contains(w))
}

/// `d`, or the same day of the week or of the year before it, whichever is not after
/// today; none when the words said the future.
fn past_day(d: NaiveDate, back: Back, future: bool, ctx: &Context) -> Option<NaiveDate> {
    let today = ctx.today();
    if d <= today {
        return Some(d);
    }
    if future {
        return None;
    }
    let earlier = match back {
        Back::Week => d - Duration::days(7),
        Back::Day | Back::Year => d
            .with_year(d.year() - 1)
            .or_else(|| d.checked_sub_months(Months::new(12)))?,
    };
    (earlier <= today).then_some(earlier)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::super::find;

    /// (text, value) of each span of `text` on Sunday 6 Dec 2026, 10:00 in Hong Kong.
    fn read(text: &str) -> Vec<(String, String)> {
        let now = DateTime::parse_from_rfc3339("2026-12-06T10:00:00+08:00").unwrap();
        find(text, now, chrono_tz::Asia::Hong_Kong)
            .into_iter()
            .map(|s| (s.text, s.value.render()))
            .collect()
    }

    /// The value of `text` read as one span.
    fn one(text: &str) -> String {
        let spans = read(text);
        assert_eq!(spans.len(), 1, "{text}: {spans:?}");
        assert_eq!(spans[0].0, text, "{text}: {spans:?}");
        spans[0].1.clone()
    }

    #[test]
    fn a_weekday_or_date_since_is_the_last_one() {
        // Monday alone is tomorrow; since Monday is last Monday.
        assert_eq!(one("since Monday"), "2026-11-30/2026-12-06");
        // 12 December is still ahead: since then is last year's.
        assert_eq!(one("since December 12"), "2025-12-12/2026-12-06");
        assert_eq!(one("since yesterday"), "2026-12-05/2026-12-06");
        assert_eq!(one("自從上個禮拜一"), "2026-11-23/2026-12-06");
    }

    #[test]
    fn a_period_or_year_since_starts_where_it_starts() {
        assert_eq!(one("since 2014"), "2014-01-01/2026-12-06");
        assert_eq!(one("自從2014年"), "2014-01-01/2026-12-06");
        assert_eq!(one("ever since March"), "2026-03-01/2026-12-06");
        assert_eq!(one("自从三月以来"), "2026-03-01/2026-12-06");
        assert_eq!(one("since last week"), "2026-11-23/2026-12-06");
    }

    #[test]
    fn a_clock_time_since_is_the_last_time_it_was() {
        // 2pm today is still ahead at 10:00: since 2pm is yesterday's.
        assert_eq!(
            one("since 2pm"),
            "2026-12-05T14:00:00+08:00/2026-12-06T10:00:00+08:00"
        );
        assert_eq!(
            one("since 9am"),
            "2026-12-06T09:00:00+08:00/2026-12-06T10:00:00+08:00"
        );
    }

    #[test]
    fn since_a_time_still_to_come_is_no_stretch() {
        for text in ["since next week", "since tomorrow", "since 2030"] {
            assert!(
                read(text).iter().all(|(t, _)| !t.starts_with("since")),
                "{text}: {:?}",
                read(text)
            );
        }
    }
}
