//! Time words: spotting and resolving dates, times, ranges, durations, deadlines and
//! recurrences in English, Cantonese and Mandarin text (INTERFACES.md §3).
//!
//! ```
//! use agent::timewords::{find, Value};
//! let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+08:00").unwrap();
//! let spans = find("週三下午同財務部開會", now, chrono_tz::Asia::Hong_Kong);
//! assert_eq!(spans[0].text, "週三下午");
//! assert_eq!(spans[0].value.render(), "2026-11-25T14:00:00+08:00");
//! ```
//!
//! The grammars are small hand-written parsers over a [`cursor::Cursor`]; at each place a
//! time word may start, every grammar is tried and the longest match wins. The rules for
//! the ambiguous cases are in docs/TIMEWORDS.md.

mod business_days;
mod clock;
mod compose;
mod context;
mod cursor;
mod dates;
mod days;
mod deadlines;
mod durations;
mod holidays;
mod iso;
mod moment;
mod numerals;
mod offsets;
mod ordinals;
mod periods;
mod ranges;
mod recurrence;
mod since;
mod span;
mod zones;

use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Tz;

pub use context::Context;
pub use span::{iso_duration, Span, Value, When};

use cursor::{at_word_start, Cursor};

/// Every time expression in `text`, resolved against `now` in the zone `tz`, in order.
pub fn find(text: &str, now: DateTime<FixedOffset>, tz: Tz) -> Vec<Span> {
    find_in(text, &Context::new(now, tz))
}

/// `find` with a prepared context.
pub fn find_in(text: &str, ctx: &Context) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let Some(ch) = text[pos..].chars().next() else {
            break;
        };
        if may_start(text, pos, ch) {
            if let Some((end, value, bound)) = longest_at(text, pos, ctx) {
                let end = trim_end(text, pos, end);
                spans.push(Span {
                    start: pos,
                    end,
                    text: text[pos..end].to_string(),
                    value,
                    bound,
                });
                pos = end;
                continue;
            }
        }
        pos += ch.len_utf8();
    }
    spans
}

/// Words that can begin a time expression (the grammars are only tried there).
/// Keep in step with the grammars: a word missing here is never spotted. Holidays' first
/// words are in `holidays::FIRST_WORDS`.
const START_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "afternoon",
    "an",
    "annually",
    "apr",
    "april",
    "around",
    "at",
    "aug",
    "august",
    "before",
    "between",
    "bi",
    "biweekly",
    "by",
    "close",
    "cob",
    "coming",
    "daily",
    "day",
    "deadline",
    "dec",
    "december",
    "due",
    "e",
    "eight",
    "eleven",
    "end",
    "eod",
    "every",
    "feb",
    "february",
    "five",
    "fortnightly",
    "four",
    "following",
    "fri",
    "friday",
    "from",
    "half",
    "in",
    "jan",
    "january",
    "jul",
    "july",
    "jun",
    "june",
    "last",
    "later",
    "latest",
    "lunch",
    "mar",
    "march",
    "may",
    "midday",
    "midnight",
    "monday",
    "month",
    "monthly",
    "new",
    "next",
    "nine",
    "no",
    "noon",
    "noonish",
    "not",
    "nov",
    "november",
    "oct",
    "october",
    "on",
    "one",
    "quarter",
    "saturday",
    "sep",
    "sept",
    "september",
    "seven",
    "six",
    "sunday",
    "ten",
    "the",
    "this",
    "three",
    "thursday",
    "till",
    "tmr",
    "tmrw",
    "today",
    "tomorrow",
    "tonight",
    "tonite",
    "tuesday",
    "twelve",
    "two",
    "until",
    "untill",
    "wednesday",
    "weekly",
    "yearly",
    "yesterday",
    "zero",
    "mon",
    "tue",
    "wed",
    "thu",
    "sat",
    "sun",
    "tues",
    "thur",
    "thurs",
    "weds",
    "now",
    "right",
    "past",
    "within",
    "over",
    "early",
    "earlier",
    "mid",
    "late",
    "middle",
    "beginning",
    "start",
    "rest",
    "eow",
    "eom",
    "bom",
    "eoy",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "for",
    "couple",
    "few",
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "current",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "thirtieth",
    "upcoming",
    "previous",
    "all",
    "saturdays",
    "sundays",
    "closest",
    "nearest",
    "boy",
    "since",
    "ever",
    "week",
    "w",
    "final",
    "year",
    "calendar",
];

/// Characters that can begin a Chinese time expression: day, week and month words,
/// parts of the day, 每/逢/隔, 最遲, 由/從, and the numerals.
const START_CHARS: &str =
    "一二兩两三四五六七八九十廿卅零〇上下个個中今从從由以傍凌半后後听聽呢周週夜大天尋寻\
    小工平年早时時明星昨晏晚最月朝本每琴礼禮这這逢隔限前日未過过而依宜現现此百去出自接\
    國国聖圣元情勞劳萬万回七節春農农除端佛重清復复耶食放收落午";

/// A time word may start at a digit (not after a currency sign) or a start word that
/// begins a word, or at a CJK start character that does not follow 第 (`第三季` is a
/// quarter, not a time).
fn may_start(text: &str, pos: usize, ch: char) -> bool {
    if ch.is_ascii_digit() {
        // `$12 December 27`: a number after a currency sign is an amount.
        let amount = text[..pos].ends_with(['$', '€', '£', '¥', '￥']);
        return !amount && at_word_start(text, pos);
    }
    if ch.is_ascii_alphabetic() {
        if !at_word_start(text, pos) {
            return false;
        }
        let rest = &text.as_bytes()[pos..];
        let len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let word = &rest[..len];
        // `morning of the 15th`: these common words start a time word only before `of`.
        if [&b"morning"[..], b"evening", b"night"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
        {
            return rest[len..].starts_with(b" of ");
        }
        return len <= 12
            && START_WORDS
                .iter()
                .chain(holidays::FIRST_WORDS)
                .any(|w| w.len() == len && w.as_bytes().eq_ignore_ascii_case(word));
    }
    if ch.is_ascii() {
        return false;
    }
    START_CHARS.contains(ch) && !text[..pos].ends_with('第')
}

/// Spaces the grammars consumed after the last word do not belong to the span.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end().len()
}

type Grammar = fn(&mut Cursor, &Context) -> Option<Value>;

/// The longest expression starting at `pos`, read in a zone said after it, and the day
/// a loose period said by its end stands for (`Span::bound`).
fn longest_at(text: &str, pos: usize, ctx: &Context) -> Option<(usize, Value, Option<NaiveDate>)> {
    let (end, value, bound) = longest_in(text, pos, ctx)?;
    // A zone said after the time (`4pm CET`): the words are read again in that zone.
    let mut c = Cursor::new(text, end);
    if let Some(tz) = zones::zone(&mut c) {
        let there = Context::new(ctx.now_instant(), tz);
        if let Some((there_end, there_value, _)) = longest_in(text, pos, &there) {
            if there_end == end {
                // `15:00 GMT - 18:00 GMT`: the zone said at both ends of a range.
                if let Value::DateTime(from) = there_value {
                    if let Some((range_end, to)) = zoned_end(text, c, &there) {
                        if to > from {
                            let range = Value::Interval {
                                start: When::DateTime(from),
                                end: When::DateTime(to),
                            };
                            if let Some(shown) = zones::to_user(range, ctx) {
                                return Some((range_end, shown, None));
                            }
                        }
                    }
                }
                if let Some(shown) = zones::to_user(there_value, ctx) {
                    return Some((c.pos, shown, bound));
                }
            }
        }
    }
    Some((end, value, bound))
}

/// The end of a range said after a zone, in the same zone again (` - 18:00 GMT`,
/// ` to 6pm CET`): where it ends and its instant.
fn zoned_end(
    text: &str,
    after_zone: Cursor,
    there: &Context,
) -> Option<(usize, DateTime<FixedOffset>)> {
    let mut c = after_zone;
    c.eat_any_spaced(&["-", "–", "to", "until", "till"])?;
    c.skip_spaces();
    let (end, value, _) = longest_in(text, c.pos, there)?;
    let Value::DateTime(to) = value else {
        return None;
    };
    let mut z = Cursor::new(text, end);
    let tz = zones::zone(&mut z)?;
    (tz == there.tz).then_some((z.pos, to))
}

/// The longest expression starting at `pos`; on a tie the earlier grammar in the list wins.
/// With it, the day a loose period said by its end stands for (`end of the month`: its
/// last day).
fn longest_in(text: &str, pos: usize, ctx: &Context) -> Option<(usize, Value, Option<NaiveDate>)> {
    ctx.forget_days();
    const END_OF: usize = 5;
    const GRAMMARS: [Grammar; 11] = [
        recurrence::recurrence,
        since::since,
        deadlines::deadline,
        ranges::range,
        iso::timestamp,
        // Before `moment_value`, which reads `end of the month` as its last day.
        end_of_value,
        moment_value,
        compose::compose,
        period_value,
        offsets::offset,
        duration_value,
    ];
    let mut best: Option<(usize, Value, usize)> = None;
    for (i, grammar) in GRAMMARS.iter().enumerate() {
        let mut c = Cursor::new(text, pos);
        if let Some(value) = grammar(&mut c, ctx) {
            if c.pos > pos && best.as_ref().is_none_or(|(end, _, _)| c.pos > *end) {
                best = Some((c.pos, value, i));
            }
        }
    }
    let (end, value, i) = best?;
    let bound = (i == END_OF)
        .then(|| periods::end_of(&mut Cursor::new(text, pos), ctx))
        .flatten()
        .map(|(_, day)| day);
    Some((end, value, bound))
}

fn end_of_value(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let (p, _) = periods::end_of(c, ctx)?;
    Some(Value::Interval {
        start: When::Date(p.first),
        end: When::Date(p.last),
    })
}

fn moment_value(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    match moment::moment(c, ctx)? {
        Err(reason) => Some(Value::InvalidDate { reason }),
        Ok(m) => Some(match m.resolve(ctx)? {
            When::Date(d) => Value::Date(d),
            When::DateTime(t) => Value::DateTime(t),
        }),
    }
}

fn period_value(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let p = periods::period(c, ctx)?;
    Some(Value::Interval {
        start: When::Date(p.first),
        end: When::Date(p.last),
    })
}

fn duration_value(c: &mut Cursor, _ctx: &Context) -> Option<Value> {
    durations::duration(c).map(|minutes| Value::Duration { minutes })
}
