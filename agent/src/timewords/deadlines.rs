//! Deadlines: `by Friday`, `before December 15`, `禮拜四之前`, `下週一前`, `最遲聽日`,
//! `end of day tomorrow`, `EOD Friday`, `by 5pm`.

use chrono::Datelike;

use super::context::Context;
use super::cursor::Cursor;
use super::moment::{day, moment};
use super::periods::{end_of, period};
use super::span::{Value, When};

const EN_PREFIXES: [&str; 14] = [
    "by",
    "before",
    "no later than",
    "not later than",
    "on or before",
    "until",
    "untill",
    "till",
    "due",
    "due by",
    "due on",
    "latest by",
    "deadline",
    "within",
];
const ZH_PREFIXES: [&str; 4] = ["最遲", "最迟", "最晚", "限"];
const ZH_SUFFIXES: [&str; 14] = [
    "之前",
    "以前",
    "或之前",
    "或以前",
    "及之前",
    "及以前",
    "前",
    "為止",
    "之內",
    "之内",
    "以內",
    "以内",
    "內",
    "内",
];
const EOD: [&str; 8] = [
    "end of day",
    "end of the day",
    "eod",
    "e.o.d.",
    "cob",
    "close of business",
    "end of business",
    "end of today",
];

/// A deadline, or `None` when the words here do not make one.
pub(crate) fn deadline(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut office = *c;
    let by_office_word = office_deadline(&mut office, ctx);
    let mut said = *c;
    match (said_deadline(&mut said, ctx), by_office_word) {
        (Some(v), w) if w.is_none() || said.pos >= office.pos => {
            *c = said;
            Some(v)
        }
        (_, w) => {
            *c = office;
            w
        }
    }
}

/// `by lunch`, `before lunchtime tomorrow`, `食晏前`, `聽日午飯前`: noon of that day
/// (today's without one); `放工前`, `下班前`, `收工前`, `聽日放工前`: the end of that
/// working day, as `EOD`.
fn office_deadline(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    if probe.eat_any(&["by", "before"]).is_some() {
        probe.skip_spaces();
        probe.eat_any(&["lunchtime", "lunch time", "lunch"])?;
        let date = day_or_today(&mut probe, ctx, &[]);
        *c = probe;
        return Some(Value::Deadline(When::DateTime(ctx.instant(date, noon()))));
    }
    let date = day_or_today(&mut probe, ctx, &[]);
    let word = probe.eat_any(&[
        "午飯", "午饭", "食晏", "晏晝", "晏昼", "放工", "下班", "收工", "落班",
    ])?;
    probe.eat_any(&["之前", "以前", "前"])?;
    *c = probe;
    Some(Value::Deadline(if word < 5 {
        When::DateTime(ctx.instant(date, noon()))
    } else {
        When::Date(date)
    }))
}

/// The day said here, after a comma and any of `lead` (`EOD, on Friday`), the cursor
/// moved past it; else today, the cursor left where it was.
fn day_or_today(c: &mut Cursor, ctx: &Context, lead: &[&str]) -> chrono::NaiveDate {
    let mut p = *c;
    p.eat(",");
    p.skip_spaces();
    if p.eat_any(lead).is_some() {
        p.skip_spaces();
    }
    match day(&mut p, ctx) {
        Some(Ok(d)) => {
            *c = p;
            d.date
        }
        _ => ctx.today(),
    }
}

fn noon() -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default()
}

fn said_deadline(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let prefix = probe.eat_any(&EN_PREFIXES);
    let prefixed = if prefix.is_some() {
        probe.skip_spaces();
        probe.eat(":");
        probe.skip_spaces();
        true
    } else if probe.eat_any(&ZH_PREFIXES).is_some() {
        probe.skip_spaces();
        true
    } else {
        false
    };
    let target_from = probe;
    let (mut value, mut probe, is_eod) = target(probe, ctx)?;
    let target_end = probe.pos;
    let mut suffix = probe;
    suffix.skip_spaces();
    let suffix_said = suffix.eat_any(&ZH_SUFFIXES);
    let suffixed = suffix_said.is_some();
    if suffixed {
        probe = suffix;
    }
    if !(prefixed || suffixed || is_eod) {
        return None;
    }
    // `2013年及以前`, `on or before March 2027`: a period said with its end included is
    // due on its last day.
    let inclusive = matches!(suffix_said, Some(2..=5)) || prefix == Some(4);
    // `within this week`, `今個禮拜內`, `呢個月之內`: by the end of that period (a
    // week's working end, its Friday, as `by the end of the week`).
    let within = matches!(suffix_said, Some(8..)) || prefix == Some(13);
    if inclusive || within {
        let mut p = target_from;
        if let Some(found) = period(&mut p, ctx).filter(|_| p.pos == target_end) {
            let whole_week = found.first.weekday() == chrono::Weekday::Mon
                && (found.last - found.first).num_days() == 6;
            let day = if within && whole_week {
                found.first + chrono::Days::new(4)
            } else {
                found.last
            };
            value = Value::Deadline(When::Date(day));
        }
    }
    *c = probe;
    Some(value)
}

/// What is due: the end of a day, a moment, the start of a period or the day a period's
/// end stands for (the longest found).
fn target<'a>(start: Cursor<'a>, ctx: &Context) -> Option<(Value, Cursor<'a>, bool)> {
    let mut best: Option<(Value, Cursor, bool)> = None;
    let mut consider = |v: Value, end: Cursor<'a>, eod: bool| {
        if best.as_ref().is_none_or(|(_, b, _)| end.pos > b.pos) {
            best = Some((v, end, eod));
        }
    };
    let mut p = start;
    if let Some(when) = end_of_day(&mut p, ctx) {
        consider(Value::Deadline(when), p, true);
    }
    let mut p = start;
    if let Some(found) = moment(&mut p, ctx) {
        match found {
            Err(reason) => consider(Value::InvalidDate { reason }, p, false),
            Ok(m) => {
                if let Some(when) = m.resolve(ctx) {
                    consider(Value::Deadline(when), p, false);
                }
            }
        }
    }
    let mut p = start;
    if let Some(found) = period(&mut p, ctx) {
        consider(Value::Deadline(When::Date(found.first)), p, false);
    }
    // `by the end of the month`, `by EOM`, `月尾前`: the day that end stands for (its last
    // day; a week's Friday). Said alone they are loose periods (`periods::end_of`).
    let mut p = start;
    if let Some((_, day)) = end_of(&mut p, ctx) {
        consider(Value::Deadline(When::Date(day)), p, false);
    }
    best
}

/// `end of day`, `EOD`, `end of day tomorrow`, `end of day on Friday`, `Friday EOD`.
fn end_of_day(c: &mut Cursor, ctx: &Context) -> Option<When> {
    let mut probe = *c;
    if probe.eat_any(&EOD).is_some() {
        let date = day_or_today(&mut probe, ctx, &["on"]);
        *c = probe;
        return Some(When::Date(date));
    }
    let d = day(&mut probe, ctx)?.ok()?;
    probe.eat(",");
    probe.skip_spaces();
    probe.eat_any(&EOD)?;
    *c = probe;
    Some(When::Date(d.date))
}
