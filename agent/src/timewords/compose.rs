//! Joining a day and a time said apart into one moment or interval: `Thursday from 9:30
//! until 11:00`, `at 7:30 PM on Fri, Sep 20`, `in 7 days at 5pm`, `8 tonight`,
//! `at 5 tomorrow afternoon`, `3 in the morning`; and a start with its length,
//! `4pm for 30 mins`, `18th Dec for 10 days`.
//!
//! Either order is read, with the small words people put between (`at`, `on`, `for`,
//! `from`, `between`, a comma). A bare hour (`5`) is a time only after `at` or with a
//! part of the day (`8 tonight`).

use chrono::{Days, Duration};

use super::clock::{clock, part_of_day, Clock, PartOfDay};
use super::context::Context;
use super::cursor::Cursor;
use super::days::Day;
use super::durations::length;
use super::moment::{day, Moment};
use super::numerals::en_number_word;
use super::offsets::offset_day;
use super::ranges::{clock_range, ClockRange};
use super::span::{Value, When};

/// A time of day said without a day.
#[derive(Debug, Clone, Copy)]
enum TimeLike {
    At {
        clock: Clock,
        part: Option<PartOfDay>,
        bare: bool,
    },
    Span(ClockRange),
}

/// A day and a time said apart, or either one with a length after it.
pub(crate) fn compose<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<Value> {
    // What starts here is read once and tried in every form.
    let mut after_day = *c;
    let day = day_like(&mut after_day, ctx);
    let mut after_time = *c;
    let time = time_like(&mut after_time, true);
    // `between 3 and 5 on 1/1/2015`, `from 7 to 9 last night`: two bare hours opened by
    // `between` or `from` are a time range when a day follows (alone they are counts).
    let bare_range = opens_range(c)
        .then(|| {
            let mut p = *c;
            let r = clock_range(&mut p, true)?;
            then_day(p, TimeLike::Span(r), false, false, ctx)
        })
        .flatten();
    if day.is_none() && time.is_none() && bare_range.is_none() {
        let (end, v) = length_first(*c, None, ctx)?;
        *c = end;
        return Some(v);
    }
    let mut best: Option<(Cursor<'a>, Value)> = None;
    let mut consider = |found: Option<(Cursor<'a>, Value)>| {
        if let Some((end, v)) = found {
            if best.as_ref().is_none_or(|(b, _)| end.pos > b.pos) {
                best = Some((end, v));
            }
        }
    };
    let joined_day = day.and_then(|d| then_time(after_day, d, ctx));
    let joined_time = time.and_then(|t| then_day(after_time, t, after_at(c), clause_start(c), ctx));
    // A start and its length: `4pm for 30 mins`, `tomorrow 9am for 2 hours`.
    let start = match (&joined_day, &joined_time) {
        (Some((end, Value::DateTime(t))), _) | (None, Some((end, Value::DateTime(t)))) => {
            Some((*end, When::DateTime(*t)))
        }
        _ => None,
    }
    .or_else(|| match time {
        Some(TimeLike::At {
            clock,
            part,
            bare: false,
        }) => Moment {
            day: None,
            part,
            clock: Some(clock),
        }
        .resolve(ctx)
        .map(|w| (after_time, w)),
        _ => None,
    })
    .or_else(|| {
        let d = day?;
        Moment {
            day: Some(d),
            part: d.part,
            clock: None,
        }
        .resolve(ctx)
        .map(|w| (after_day, w))
    });
    // `14th Feb for 7 hours from 9:30am`: a day, then a length and its start.
    let day_length = day.and_then(|d| {
        let mut p = after_day;
        p.eat(",");
        p.skip_spaces();
        let (end, v) = length_first(p, Some(d), ctx)?;
        // The start read on the day must be a clock time (not another day).
        matches!(
            v,
            Value::Interval {
                start: When::DateTime(_),
                ..
            }
        )
        .then_some((end, v))
    });
    consider(joined_day);
    consider(joined_time);
    consider(day_length);
    consider(bare_range);
    consider(start.and_then(|(end, w)| for_length(end, w)));
    let (end, v) = best?;
    *c = end;
    Some(v)
}

/// True when `between` or `from` starts here.
fn opens_range(c: &Cursor) -> bool {
    let mut p = *c;
    p.eat("in");
    p.skip_spaces();
    p.eat_any(&["between", "from"]).is_some()
}

/// Words that may stand between a day and the time that follows it. The last four say
/// the time is the earliest (`Monday later than 10am`): the day at that time.
const DAY_TIME_WORDS: [&str; 13] = [
    "at",
    "@",
    "around",
    "about",
    "for",
    "starting at",
    "beginning at",
    "from",
    "between",
    "later than",
    "after",
    "no earlier than",
    "not before",
];

/// The time said after a day: `Thursday from 9:30 until 11:00`, `tomorrow at 5`.
fn then_time<'a>(after_day: Cursor<'a>, day: Day, ctx: &Context) -> Option<(Cursor<'a>, Value)> {
    let mut probe = after_day;
    probe.eat(",");
    probe.skip_spaces();
    let mut at = false;
    let mut p = probe;
    if let Some(i) = p.eat_any(&DAY_TIME_WORDS) {
        // `from` and `between` open a range: the range reads them itself.
        if DAY_TIME_WORDS[i] != "from" && DAY_TIME_WORDS[i] != "between" {
            // A bare hour after a bound needs its part of the day (`Monday after 3
            // meetings` is no time).
            at = i != 4 && i < 9;
            p.skip_spaces();
            probe = p;
        }
    }
    let time = match time_like(&mut probe, true) {
        Some(time) => time,
        None => {
            // `14th Feb from 9:30am for 7 hours`: `from` and one clock, the start.
            let mut p = probe;
            p.eat_any(&["from", "starting at", "starting from", "beginning at"])?;
            p.skip_spaces();
            let time = time_like(&mut p, false)?;
            if !matches!(time, TimeLike::At { bare: false, .. }) {
                return None;
            }
            probe = p;
            time
        }
    };
    if let TimeLike::At {
        bare: true, part, ..
    } = time
    {
        if !at && part.is_none() {
            return None;
        }
    }
    Some((probe, place(time, Some(day), false, ctx)?))
}

/// The day said after a time: `7:30 PM on Fri, Sep 20`, `8 tonight`, `3 in the morning`.
fn then_day<'a>(
    after_time: Cursor<'a>,
    time: TimeLike,
    at: bool,
    cue: bool,
    ctx: &Context,
) -> Option<(Cursor<'a>, Value)> {
    let mut probe = after_time;
    // `3 pm or later on Monday`: the earliest time, then its day.
    let mut bound = probe;
    if bound
        .eat_any_spaced(&["or later", "or after", "at the earliest"])
        .is_some()
    {
        probe = bound;
    }
    let mut p = probe;
    p.eat(",");
    p.skip_spaces();
    let mut joined_by_word = false;
    if p.eat_any(&["on", "of"]).is_some() {
        p.skip_spaces();
        joined_by_word = true;
    }
    // `9 tomorrow`: a day word right after the number (not a date: `9 12/3`).
    // `2 day after tomorrow` is a count of days.
    let day_word = p.peek().is_some_and(|ch| !ch.is_ascii_digit())
        && !joined_by_word
        && !p
            .rest()
            .get(..3)
            .is_some_and(|w| w.eq_ignore_ascii_case("day"));
    let day = day_like(&mut p, ctx);
    if day.is_some() {
        probe = p;
    }
    match time {
        // `8 tonight`, `at 5 tomorrow`, `3 in the morning`.
        // `at 10.` alone: a bare hour after `at` that ends the clause.
        TimeLike::At {
            bare: true, part, ..
        } => {
            let day_part = day.and_then(|d| d.part);
            let alone = at && ends_clause(&probe);
            // `9 tomorrow.`, `say 5 Friday`: an hour said first, then a day word that
            // ends the clause (`I need 3 tomorrow for the demo` keeps its count).
            let hour_then_day = cue && day_word && day.is_some() && ends_clause(&probe);
            if !(at && day.is_some()
                || alone
                || hour_then_day
                || part.is_some()
                || day_part.is_some())
            {
                return None;
            }
        }
        // Without a day this is a plain time or range, read by their own grammars.
        _ if day.is_none() => return None,
        _ => {}
    }
    Some((probe, place(time, day, true, ctx)?))
}

/// `for <length>` after a start: an interval of instants, or of whole days.
fn for_length(after: Cursor, start: When) -> Option<(Cursor, Value)> {
    let mut probe = after;
    probe.skip_spaces();
    if !probe.eat("for") {
        return None;
    }
    probe.skip_spaces();
    let minutes = length(&mut probe, true)?;
    Some((probe, lasting(start, minutes)?))
}

/// `for 10 days from 18th Dec`, `for 30 minutes starting at 4pm`: the length first; a
/// start without a day on `day` when one was said before (`14th Feb for 7 hours from
/// 9:30am`).
fn length_first<'a>(c: Cursor<'a>, day: Option<Day>, ctx: &Context) -> Option<(Cursor<'a>, Value)> {
    let mut probe = c;
    if !probe.eat("for") {
        return None;
    }
    probe.skip_spaces();
    let minutes = length(&mut probe, true)?;
    // `for 3 days, from today`: a comma may stand before the start.
    probe.eat(",");
    probe.eat_any_spaced(&[
        "from",
        "starting",
        "starting from",
        "starting at",
        "starting on",
        "beginning",
        "beginning at",
        "beginning on",
    ])?;
    probe.skip_spaces();
    let start = match super::moment::moment(&mut probe, ctx)? {
        Ok(mut m) => {
            if m.day.is_none() && day.is_some() {
                m.day = day;
                m.part = m.part.or(day.and_then(|d| d.part));
            }
            m.resolve(ctx)?
        }
        Err(_) => return None,
    };
    Some((probe, lasting(start, minutes)?))
}

/// The interval `minutes` long from `start`: instants, or whole days from a day.
fn lasting(start: When, minutes: u32) -> Option<Value> {
    let value = match start {
        When::DateTime(t) => Value::Interval {
            start: When::DateTime(t),
            end: When::DateTime(t.checked_add_signed(Duration::minutes(i64::from(minutes)))?),
        },
        When::Date(d) => {
            let day = 24 * 60;
            if !minutes.is_multiple_of(day) {
                return None;
            }
            let last = d.checked_add_days(Days::new(u64::from(minutes / day - 1)))?;
            Value::Interval {
                start: When::Date(d),
                end: When::Date(last),
            }
        }
    };
    Some(value)
}

/// A day: any day expression, a whole-day offset (`in 7 days`), a weekday with its date
/// (`Fri, Sep 20`, `Tuesday the 19th`), and a part of the day after it.
fn day_like(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let mut probe = *c;
    let mut found = match day(&mut probe, ctx) {
        Some(Ok(d)) => Some(d),
        _ => None,
    };
    let mut p = *c;
    if let Some(date) = offset_day(&mut p, ctx) {
        if found.is_none() || p.pos > probe.pos {
            found = Some(Day::on(date));
            probe = p;
        }
    }
    let mut d = found?;
    if d.part.is_none() {
        let mut p = probe;
        p.eat(",");
        p.skip_spaces();
        if let Some(part) = part_of_day(&mut p, true) {
            d.part = Some(part);
            probe = p;
        }
    }
    *c = probe;
    Some(d)
}

/// A clock time (with its part of the day either side), a range of them, or, when
/// `bare_ok`, an hour alone (`5`, `eight`) that the words around must make a time.
fn time_like<'a>(c: &mut Cursor<'a>, bare_ok: bool) -> Option<TimeLike> {
    let mut best: Option<(Cursor<'a>, TimeLike)> = None;
    let mut consider = |probe: Cursor<'a>, t: TimeLike| {
        if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
            best = Some((probe, t));
        }
    };
    let mut probe = *c;
    if let Some(r) = clock_range(&mut probe, false) {
        consider(probe, TimeLike::Span(r));
    }
    // `下午三點`: the part of the day first.
    let mut probe = *c;
    if let Some(part) = part_of_day(&mut probe, false) {
        probe.skip_spaces();
        if let Some(found) = clock(&mut probe) {
            consider(
                probe,
                TimeLike::At {
                    clock: found,
                    part: Some(part),
                    bare: false,
                },
            );
        }
    }
    let mut p = *c;
    let said = match clock(&mut p) {
        Some(found) => Some((found, false)),
        None if bare_ok => bare_hour(&mut p).map(|h| (h, true)),
        None => None,
    };
    if let Some((found, bare)) = said {
        let mut after = p;
        after.skip_spaces();
        let part = part_of_day(&mut after, false).inspect(|_| p = after);
        consider(
            p,
            TimeLike::At {
                clock: found,
                part,
                bare,
            },
        );
    }
    let (end, t) = best?;
    *c = end;
    Some(t)
}

/// An hour without a clock word: `5`, `eight`.
fn bare_hour(c: &mut Cursor) -> Option<Clock> {
    let hour = c.digits(2).map(|(h, _)| h).or_else(|| en_number_word(c))?;
    if super::clock::an_amount_follows(c) {
        return None;
    }
    (1..=12).contains(&hour).then_some(Clock {
        hour,
        minute: 0,
        fixed: false,
    })
}

/// Nothing but punctuation or the end of the text follows.
fn ends_clause(c: &Cursor) -> bool {
    let mut p = *c;
    p.skip_spaces();
    p.peek().is_none_or(|ch| ".,;:!?)，。；！？\n".contains(ch))
}

/// The start of a clause, or a word after which an hour is proposed (`say 9 tomorrow`,
/// `or 10 Friday`).
fn clause_start(c: &Cursor) -> bool {
    let before = c.text[..c.pos].trim_end();
    before.is_empty()
        || before.ends_with(|ch: char| ".,;:!?(\n，。；：！？（".contains(ch))
        || matches!(
            c.word_before().to_ascii_lowercase().as_str(),
            "say"
                | "or"
                | "meet"
                | "until"
                | "untill"
                | "till"
                | "before"
                | "by"
                | "maybe"
                | "call"
                | "ok"
                | "okay"
        )
}

fn after_at(c: &Cursor) -> bool {
    c.text[..c.pos].trim_end().ends_with('@')
        || matches!(
            c.word_before().to_ascii_lowercase().as_str(),
            "at" | "around" | "about"
        )
}

/// `time` on `day`; `day_after` when the day was said after the time.
fn place(time: TimeLike, day: Option<Day>, day_after: bool, ctx: &Context) -> Option<Value> {
    match time {
        TimeLike::Span(range) => range.place(day, day_after, ctx),
        TimeLike::At { clock, part, .. } => {
            let m = Moment {
                day,
                part,
                clock: Some(clock),
            };
            Some(match m.resolve(ctx)? {
                When::DateTime(t) => Value::DateTime(t),
                When::Date(d) => Value::Date(d),
            })
        }
    }
}
