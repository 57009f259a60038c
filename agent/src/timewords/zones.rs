//! A zone said after a time (`4pm CET`, `Thursday 8:00 GMT`, `10am UTC+2`): the words
//! are read in that zone (its today, its clock) and the instants shown in the user's zone.
//! Only whole-hour offsets are known.

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

use super::context::Context;
use super::cursor::Cursor;
use super::span::{Value, When};

/// Abbreviations with one fixed offset, in hours east of UTC.
const ZONES: [(&str, i32); 18] = [
    ("utc", 0),
    ("gmt", 0),
    ("z", 0),
    ("bst", 1),
    ("cet", 1),
    ("cest", 2),
    ("eet", 2),
    ("eest", 3),
    ("est", -5),
    ("edt", -4),
    ("cst", -6),
    ("cdt", -5),
    ("pst", -8),
    ("pdt", -7),
    ("jst", 9),
    ("kst", 9),
    ("hkt", 8),
    ("sgt", 8),
];

/// A zone abbreviation after spaces, with an optional `+2` / `-5` after `UTC`/`GMT`,
/// or in brackets (`9 am (BST)`).
pub(crate) fn zone(c: &mut Cursor) -> Option<Tz> {
    let mut probe = *c;
    probe.skip_spaces();
    if probe.eat("(") {
        let tz = bare_zone(&mut probe)?;
        if !probe.eat(")") {
            return None;
        }
        *c = probe;
        return Some(tz);
    }
    let tz = bare_zone(&mut probe)?;
    *c = probe;
    Some(tz)
}

fn bare_zone(c: &mut Cursor) -> Option<Tz> {
    let mut probe = *c;
    // Zone abbreviations are written in capitals; `est` or `z` in lower case are words,
    // the others are read in lower case too (`8:00 gmt`).
    let upper = probe.rest().starts_with(|ch: char| ch.is_ascii_uppercase());
    let i = probe.eat_any(&ZONES.map(|(name, _)| name))?;
    let word = &c.text[probe.pos - ZONES[i].0.len()..probe.pos];
    let is_upper = upper && word == word.to_ascii_uppercase();
    if !is_upper && (matches!(ZONES[i].0, "est" | "z") || word != word.to_ascii_lowercase()) {
        return None;
    }
    let mut hours = ZONES[i].1;
    if hours == 0 && ZONES[i].0 != "z" {
        let mut p = probe;
        let sign = if p.eat("+") {
            1
        } else if p.eat("-") {
            -1
        } else {
            0
        };
        if let Some((h, _)) = p.digits(2).filter(|(h, _)| sign != 0 && *h <= 14) {
            hours = sign * h as i32;
            probe = p;
        }
    }
    // The IANA names of fixed offsets count the other way: Etc/GMT-1 is UTC+1.
    let name = match hours {
        0 => "Etc/UTC".to_string(),
        h => format!("Etc/GMT{:+}", -h),
    };
    let tz = name.parse().ok()?;
    *c = probe;
    Some(tz)
}

/// `value`, read in another zone, with its instants shown in the user's zone; `None`
/// when it holds no instant (a zone does not change a day).
pub(crate) fn to_user(value: Value, ctx: &Context) -> Option<Value> {
    let shift = |t: DateTime<FixedOffset>| t.with_timezone(&ctx.tz).fixed_offset();
    let when = |w: When| match w {
        When::DateTime(t) => When::DateTime(shift(t)),
        other => other,
    };
    Some(match value {
        Value::DateTime(t) => Value::DateTime(shift(t)),
        Value::Interval {
            start: start @ When::DateTime(_),
            end,
        } => Value::Interval {
            start: when(start),
            end: when(end),
        },
        Value::Deadline(w @ When::DateTime(_)) => Value::Deadline(when(w)),
        Value::Recurrence {
            rrule,
            first: first @ When::DateTime(_),
        } => Value::Recurrence {
            rrule,
            first: when(first),
        },
        _ => return None,
    })
}
