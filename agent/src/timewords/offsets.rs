//! Offsets from now: `in 30 minutes`, `in 3 days`, `two weeks from now`, `7 days ago`,
//! `3日後`, `兩日前`, `兩個禮拜後`, `半個鐘後`; `now` / `而家`; and the stretches next to
//! now: `the next 3 hours`, `last 2 days`, `within 2 weeks`, `上兩天`, `下三分鐘`.
//! Whole days give dates, anything shorter instants.

use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
use chrono::{Datelike, Days, Duration, NaiveDate, NaiveDateTime};

use super::context::Context;
use super::cursor::{longest, Cursor};
use super::durations::length;
use super::numerals::{en_count, number};
use super::span::{Value, When};

const MINUTES_PER_DAY: u32 = 24 * 60;
const ZH_AFTER: [&str; 6] = ["後", "后", "之後", "之后", "以後", "以后"];
const ZH_BEFORE: [&str; 3] = ["之前", "以前", "前"];
const EN_AFTER: [&str; 9] = [
    "from now",
    "from right now",
    "from today",
    "later",
    "hence",
    "time",
    "'s time",
    "’s time",
    "after today",
];

/// An offset, a stretch next to now, or now itself.
pub(crate) fn offset(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    longest(
        c,
        ctx,
        &[
            super::business_days::business_days,
            upcoming_count,
            zh_within,
            anchored,
            seconds_shifted,
            seconds_stretch,
            shifted,
            months_shifted,
            stretch,
            now_word,
            weekdays_from_now,
        ],
    )
}

/// The day or moment an offset of `minutes` (negative: back) from now lands on.
pub(crate) fn shift(ctx: &Context, minutes: i64) -> Option<Value> {
    let day = i64::from(MINUTES_PER_DAY);
    if minutes % day == 0 {
        let date = ctx
            .today()
            .checked_add_signed(Duration::days(minutes / day))?;
        return Some(Value::Date(date));
    }
    let then = ctx.now.checked_add_signed(Duration::minutes(minutes))?;
    Some(Value::DateTime(ctx.instant(then.date(), then.time())))
}

/// A whole number of days from today said as an offset (`in 7 days`, `3日後`), for a
/// time to be joined to (`in 7 days at 5pm`).
pub(crate) fn offset_day(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let mut probe = *c;
    match shifted(&mut probe, ctx)? {
        Value::Date(d) => {
            *c = probe;
            Some(d)
        }
        _ => None,
    }
}

/// `in <length>`, `<length> from now` / `later` / `ago`, `<length>後` / `前`.
fn shifted(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let prefixed = probe.eat("in");
    if prefixed {
        probe.skip_spaces();
        // `in about half an hour`, `in 2 more minutes`.
        if probe
            .eat_any(&["about", "around", "approximately", "roughly"])
            .is_some()
        {
            probe.skip_spaces();
        }
    }
    let minutes = match length(&mut probe, true) {
        Some(m) => m,
        None if !prefixed => chinese_days(&mut probe)? * MINUTES_PER_DAY,
        None => return None,
    };
    let mut after = probe;
    let mut to_the_moment = false;
    let sign = if after.eat_any_spaced(&EN_AFTER).is_some_and(|i| {
        // `a day from right now`: counted from this moment, to the moment.
        to_the_moment = EN_AFTER[i] == "from right now";
        true
    }) || {
        after.skip_spaces();
        after.eat_any(&ZH_AFTER).is_some()
    } {
        1
    } else if !prefixed
        && (after
            .eat_any_spaced(&["ago", "before now", "back"])
            .is_some()
            || {
                after.skip_spaces();
                after.eat_any(&ZH_BEFORE).is_some()
            })
    {
        -1
    } else if prefixed {
        after = probe;
        1
    } else {
        return None;
    };
    *c = after;
    if to_the_moment {
        let then = ctx
            .now
            .checked_add_signed(Duration::minutes(sign * i64::from(minutes)))?;
        return Some(Value::DateTime(ctx.instant(then.date(), then.time())));
    }
    shift(ctx, sign * i64::from(minutes))
}

/// `two upcoming weeks`, `3 coming days`: read as `the upcoming two weeks`.
fn upcoming_count(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let n = en_count(&mut probe)?;
    let word_start = {
        let mut p = probe;
        p.skip_spaces();
        p
    };
    let mut p = word_start;
    let word = p.eat_any(&["upcoming", "coming", "next"])?;
    p.skip_spaces();
    // The same text with the count after the word: `upcoming two weeks`.
    let unit = &p.text[p.pos..];
    let unit_len = unit
        .char_indices()
        .find(|(_, ch)| !ch.is_ascii_alphabetic())
        .map_or(unit.len(), |(i, _)| i);
    let unit = &unit[..unit_len];
    // `two upcoming weeks`, but `3 next week` (three people, next week) is no stretch:
    // before `next`, a count of more than one needs its unit in the plural.
    if word == 2 && n > 1 && !unit.ends_with(['s', 'S']) {
        return None;
    }
    let said = format!("next {n} {unit}");
    let mut q = Cursor::new(&said, 0);
    let value = stretch(&mut q, ctx)?;
    if q.pos != said.len() {
        return None;
    }
    *c = Cursor::new(c.text, p.pos + unit_len);
    Some(value)
}

/// A number of seconds: `2 seconds`, `one second`, `三秒`, `30秒鐘`.
fn seconds(c: &mut Cursor) -> Option<i64> {
    let mut probe = *c;
    if let Some(n) = en_count(&mut probe) {
        probe.skip_spaces();
        probe.eat_any(&["seconds", "second", "secs", "sec"])?;
        *c = probe;
        return Some(i64::from(n));
    }
    let n = number(&mut probe, 4)?;
    probe.skip_spaces();
    probe.eat_any(&["秒鐘", "秒钟", "秒"])?;
    *c = probe;
    Some(i64::from(n))
}

fn instant_after(ctx: &Context, secs: i64) -> Option<When> {
    let t = ctx.now.checked_add_signed(Duration::seconds(secs))?;
    Some(When::DateTime(ctx.instant(t.date(), t.time())))
}

/// `in 30 seconds`, `one second from now`, `10 seconds ago`, `三秒後`, `五秒之前`.
fn seconds_shifted(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let prefixed = probe.eat("in");
    probe.skip_spaces();
    let n = seconds(&mut probe)?;
    let mut after = probe;
    let sign = if after.eat_any_spaced(&EN_AFTER).is_some() || {
        after.skip_spaces();
        after.eat_any(&ZH_AFTER).is_some()
    } {
        1
    } else if !prefixed
        && (after.eat_any_spaced(&["ago"]).is_some() || {
            after.skip_spaces();
            after.eat_any(&ZH_BEFORE).is_some()
        })
    {
        -1
    } else if prefixed {
        after = probe;
        1
    } else {
        return None;
    };
    *c = after;
    match instant_after(ctx, sign * n)? {
        When::DateTime(t) => Some(Value::DateTime(t)),
        When::Date(_) => None,
    }
}

/// `the next 3 seconds`, `last 2 seconds`, `上兩秒`, `下三秒`, `後三秒`: from or up to now.
fn seconds_stretch(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    probe.eat("the");
    probe.skip_spaces();
    const WORDS: [(&str, bool); 9] = [
        ("next", true),
        ("last", false),
        ("past", false),
        ("下", true),
        ("後", true),
        ("后", true),
        ("未來", true),
        ("上", false),
        ("前", false),
    ];
    let forward = WORDS[probe.eat_table(&WORDS)?].1;
    probe.skip_spaces();
    let n = seconds(&mut probe)?;
    // `前兩秒後` is not a stretch; `三秒後` is read by `seconds_shifted`.
    let mut after = probe;
    after.skip_spaces();
    if after.eat_any(&ZH_AFTER).is_some() || after.eat_any(&ZH_BEFORE).is_some() {
        return None;
    }
    let (start, end) = if forward {
        (instant_after(ctx, 0)?, instant_after(ctx, n)?)
    } else {
        (instant_after(ctx, -n)?, instant_after(ctx, 0)?)
    };
    *c = probe;
    Some(Value::Interval { start, end })
}

/// `in 3 months`, `a year from now`, `2 years ago`, `三個月後`, `兩年前`: calendar months
/// (the same day of the month, or the month's last day when it is shorter).
fn months_shifted(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let prefixed = c.eat("in");
    if prefixed {
        c.skip_spaces();
    }
    let mut probe = *c;
    // `5年前`: digits open both languages; the unit after them decides.
    let english = {
        let mut p = probe;
        en_count(&mut p).and_then(|n| {
            p.skip_spaces();
            let unit = p.eat_any(&["months", "month", "years", "year"])?;
            Some((n * if unit >= 2 { 12 } else { 1 }, p))
        })
    };
    let months = match english {
        Some((months, p)) => {
            probe = p;
            months
        }
        None => {
            let n = number(&mut probe, 3)?;
            let unit = probe.eat_any(&["個月", "个月", "年"])?;
            n * if unit == 2 { 12 } else { 1 }
        }
    };
    let mut after = probe;
    let forward = if after.eat_any_spaced(&EN_AFTER).is_some() || {
        after.skip_spaces();
        after.eat_any(&ZH_AFTER).is_some()
    } {
        true
    } else if !prefixed
        && (after.eat_any_spaced(&["ago"]).is_some() || {
            after.skip_spaces();
            after.eat_any(&ZH_BEFORE).is_some()
        })
    {
        false
    } else if prefixed {
        after = probe;
        true
    } else {
        return None;
    };
    let today = ctx.today();
    let date = if forward {
        today.checked_add_months(chrono::Months::new(months))?
    } else {
        today.checked_sub_months(chrono::Months::new(months))?
    };
    *c = after;
    Some(Value::Date(date))
}

/// `the next 3 hours`, `last 2 days`, `past week`, `within 2 weeks`, `the upcoming two
/// weeks`, `上兩天`, `前兩小時`, `下三分鐘`: from now on or up to now. Days are whole days: `next 3 days` starts
/// tomorrow, `last 2 days` ends yesterday, `within 2 weeks` starts today.
fn stretch(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    probe.eat("the");
    probe.skip_spaces();
    let word = probe.eat_any(&[
        "next",
        "last",
        "past",
        "within",
        "in the next",
        "in the last",
        "in the past",
        "over the next",
        "over the last",
        "over the past",
        "下",
        "上",
        "前",
        "未來",
        "未来",
        "過去",
        "过去",
        "後",
        "后",
        "upcoming",
        "coming",
        "in the coming",
        "in the upcoming",
        "over the coming",
        "previous",
        "in the previous",
    ])?;
    let direction = match word {
        0 | 4 | 7 | 10 | 13 | 14 | 17..=23 => Direction::Next,
        3 => Direction::Within,
        _ => Direction::Last,
    };
    probe.skip_spaces();
    let said_from = probe.pos;
    // `the past week`, `past hour`: one of the unit (only after `past`: `last day of…`
    // and `next week` are other things).
    let past = matches!(word, 2 | 6 | 9 | 15 | 16);
    let minutes = match length(&mut probe, true) {
        Some(m) => m,
        None => {
            let mut unit = probe;
            match past
                .then(|| unit.eat_any(&["hour", "day", "week"]))
                .flatten()
            {
                Some(i) => {
                    probe = unit;
                    [60, 24 * 60, 7 * 24 * 60][i]
                }
                None => return month_stretch(c, probe, direction, ctx),
            }
        }
    };
    // `past 24 hours` runs to this moment; `past 2 days` is whole days.
    let said = &probe.text[said_from..probe.pos];
    let in_days = !["hour", "hr", "min", "小時", "小时", "鐘", "钟", "分", "字"]
        .iter()
        .any(|unit| said.contains(unit));
    *c = probe;
    stretch_value(direction, minutes, in_days, ctx)
}

/// The stretch of `minutes` next to now: whole days when `in_days`, else instants.
fn stretch_value(
    direction: Direction,
    minutes: u32,
    in_days: bool,
    ctx: &Context,
) -> Option<Value> {
    let day = MINUTES_PER_DAY;
    let now = ctx.now;
    let today = ctx.today();
    if minutes.is_multiple_of(day) && in_days {
        let days = u64::from(minutes / day);
        let (first, last) = match direction {
            Direction::Next => (today + Days::new(1), today + Days::new(days)),
            Direction::Within => (today, today + Days::new(days)),
            Direction::Last => (today - Days::new(days), today - Days::new(1)),
        };
        return Some(Value::Interval {
            start: When::Date(first),
            end: When::Date(last),
        });
    }
    let len = Duration::minutes(i64::from(minutes));
    let (from, to): (NaiveDateTime, NaiveDateTime) = match direction {
        Direction::Next | Direction::Within => (now, now.checked_add_signed(len)?),
        Direction::Last => (now.checked_sub_signed(len)?, now),
    };
    Some(Value::Interval {
        start: When::DateTime(ctx.instant(from.date(), from.time())),
        end: When::DateTime(ctx.instant(to.date(), to.time())),
    })
}

/// `next 3 months`, `last 2 years`, `上兩個月`, `下三年`: whole days from tomorrow on, or
/// up to yesterday, over calendar months (as `next 3 days` is whole days). Quarters are
/// whole calendar quarters: `the next 2 quarters`, `未來兩個季度` are the two after this
/// one, `last 2 quarters` the two before it.
fn month_stretch<'a>(
    c: &mut Cursor<'a>,
    mut probe: Cursor<'a>,
    direction: Direction,
    ctx: &Context,
) -> Option<Value> {
    let english = {
        let mut p = probe;
        en_count(&mut p).and_then(|n| {
            p.skip_spaces();
            let unit = p.eat_any(&[
                "months", "month", "years", "year", "yrs", "quarters", "quarter", "qtrs",
            ])?;
            Some((n, [1, 1, 12, 12, 12, 3, 3, 3][unit], p))
        })
    };
    let (n, unit) = match english {
        Some((n, unit, p)) => {
            probe = p;
            (n, unit)
        }
        None => {
            let n = number(&mut probe, 3)?;
            let unit = probe.eat_any(&[
                "個月",
                "个月",
                "月",
                "年",
                "個季度",
                "个季度",
                "季度",
                "個季",
                "个季",
                "季",
            ])?;
            (n, [1, 1, 1, 12, 3, 3, 3, 3, 3, 3][unit])
        }
    };
    let months = n.checked_mul(unit)?;
    if months == 0 || months > 1200 {
        return None;
    }
    let today = ctx.today();
    let span = chrono::Months::new(months);
    let (first, last) = if unit == 3 && !matches!(direction, Direction::Within) {
        let this_quarter = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)?;
        match direction {
            Direction::Next => (
                this_quarter.checked_add_months(chrono::Months::new(3))?,
                this_quarter.checked_add_months(chrono::Months::new(months + 3))? - Days::new(1),
            ),
            _ => (
                this_quarter.checked_sub_months(span)?,
                this_quarter - Days::new(1),
            ),
        }
    } else {
        match direction {
            Direction::Next => (today + Days::new(1), today.checked_add_months(span)?),
            Direction::Within => (today, today.checked_add_months(span)?),
            Direction::Last => (today.checked_sub_months(span)?, today - Days::new(1)),
        }
    };
    *c = probe;
    Some(Value::Interval {
        start: When::Date(first),
        end: When::Date(last),
    })
}

/// `五日內`, `三日之內`, `一個星期內`, `兩個禮拜之內`, `兩小時內`, `三個月內`: within that
/// long from now, as `within 5 days` (whole days from today on, shorter lengths from now).
fn zh_within(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    const WITHIN: [&str; 6] = ["之內", "之内", "以內", "以内", "內", "内"];
    // Said in Chinese: the length starts with a numeral (a digit or a Chinese one).
    if c.peek().is_none_or(|ch| ch.is_ascii_alphabetic()) {
        return None;
    }
    let mut probe = *c;
    let said_from = probe.pos;
    if let Some(minutes) = length(&mut probe, true).or_else(|| {
        let mut p = probe;
        let days = chinese_days(&mut p)?;
        probe = p;
        Some(days * MINUTES_PER_DAY)
    }) {
        let said = &probe.text[said_from..probe.pos];
        if said.is_ascii() {
            return None;
        }
        probe.skip_spaces();
        probe.eat_any(&WITHIN)?;
        let in_days = !["小時", "小时", "鐘", "钟", "分", "字", "秒"]
            .iter()
            .any(|unit| said.contains(unit));
        *c = probe;
        return stretch_value(Direction::Within, minutes, in_days, ctx);
    }
    let mut probe = *c;
    let n = number(&mut probe, 3)?;
    let months = n * [1, 1, 12][probe.eat_any(&["個月", "个月", "年"])?];
    probe.eat_any(&WITHIN)?;
    if months == 0 || months > 1200 {
        return None;
    }
    let today = ctx.today();
    let last = today.checked_add_months(chrono::Months::new(months))?;
    *c = probe;
    Some(Value::Interval {
        start: When::Date(today),
        end: When::Date(last),
    })
}

/// A length before or after a day or moment said: `2 weeks after tomorrow`, `2 days after
/// next Friday`, `3 days before Dec 25`, `2 months before 02/02`, `an hour before 3pm`,
/// `a week from Monday`. Whole days, weeks, months and years from a day give a day;
/// from a moment, the moment that far from it.
fn anchored(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    // Most positions have no `after`/`before`/`from` close by: skip the length there.
    if !link_word_ahead(c.rest().as_bytes()) {
        return None;
    }
    let mut probe = *c;
    let (months, minutes) = match calendar_months(&mut probe) {
        Some(m) => (m, 0),
        None => (
            0,
            length(&mut probe, true).or_else(|| singular_days(&mut probe))?,
        ),
    };
    let (back, anchor) = anchor(&mut probe, ctx)?;
    let sign: i64 = if back { -1 } else { 1 };
    let value = match anchor {
        When::Date(d) => {
            if months > 0 {
                Value::Date(add_months(d, sign * i64::from(months))?)
            } else if minutes.is_multiple_of(MINUTES_PER_DAY) {
                let days = i64::from(minutes / MINUTES_PER_DAY);
                Value::Date(d.checked_add_signed(Duration::days(sign * days))?)
            } else {
                return None;
            }
        }
        When::DateTime(t) => {
            let t = if months > 0 {
                let date = add_months(t.date_naive(), sign * i64::from(months))?;
                date.and_time(t.time())
            } else {
                t.naive_local()
                    .checked_add_signed(Duration::minutes(sign * i64::from(minutes)))?
            };
            Value::DateTime(ctx.instant(t.date(), t.time()))
        }
    };
    *c = probe;
    Some(value)
}

/// What a length is counted from, said after it: ` after tomorrow`, ` before Dec 25`,
/// ` from Monday`, ` prior to 3pm`. Whether it counts back, and the day or moment.
/// `from now` / `from today` are offsets from now (`shifted`), not anchors.
pub(crate) fn anchor(c: &mut Cursor, ctx: &Context) -> Option<(bool, When)> {
    let mut probe = *c;
    let back = probe.eat_any_spaced(&["after", "from", "before", "prior to"])? >= 2;
    probe.skip_spaces();
    let mut now_word = probe;
    if now_word.eat_any(&["now", "right now", "today"]).is_some() {
        return None;
    }
    let when = super::moment::moment(&mut probe, ctx)?.ok()?.resolve(ctx)?;
    *c = probe;
    Some((back, when))
}

/// `after`, `before`, `from` or `prior` within the next words (a cheap test, case-blind).
fn link_word_ahead(rest: &[u8]) -> bool {
    let window = &rest[..rest.len().min(48)];
    window.windows(4).any(|w| {
        let w = [
            w[0].to_ascii_lowercase(),
            w[1].to_ascii_lowercase(),
            w[2].to_ascii_lowercase(),
            w[3].to_ascii_lowercase(),
        ];
        matches!(&w, b"afte" | b"befo" | b"from" | b"prio")
    })
}

/// `2 day`, `3 week` (the plural dropped, as people type it before `after`/`before`).
fn singular_days(c: &mut Cursor) -> Option<u32> {
    let mut probe = *c;
    let n = en_count(&mut probe).or_else(|| probe.digits(3).map(|(n, _)| n))?;
    probe.skip_spaces();
    let days = n * [1, 7][probe.eat_any(&["day", "week"])?];
    *c = probe;
    (1..=3660).contains(&days).then_some(days * MINUTES_PER_DAY)
}

/// `2 months`, `a month`, `three years`, `a year`: a length in calendar months.
fn calendar_months(c: &mut Cursor) -> Option<u32> {
    let mut probe = *c;
    let n = match probe.eat_any(&["a", "an", "one"]) {
        Some(_) => 1,
        None => en_count(&mut probe).or_else(|| probe.digits(3).map(|(n, _)| n))?,
    };
    probe.skip_spaces();
    let months = n * [1, 1, 12, 12][probe.eat_any(&["months", "month", "years", "year"])?];
    *c = probe;
    (1..=1200).contains(&months).then_some(months)
}

/// A date moved by whole calendar months (the month's last day when it is shorter).
fn add_months(d: NaiveDate, months: i64) -> Option<NaiveDate> {
    let span = chrono::Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        d.checked_add_months(span)
    } else {
        d.checked_sub_months(span)
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Next,
    Within,
    Last,
}

/// `now`, `right now`, `at the moment`, `at present`, 而家, 依家, 宜家, 現在: this moment.
fn now_word(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    // `now that we agreed` is a conjunction.
    let mut after = *c;
    if after.eat("now") && after.eat_spaced("that") {
        return None;
    }
    c.eat_any(&[
        "now",
        "right now",
        "at the moment",
        "at this moment",
        "at present",
        "at the present time",
        "at the present moment",
        "此時",
        "此时",
        "而家",
        "依家",
        "宜家",
        "現在",
        "现在",
        "此刻",
    ])?;
    let now = ctx.now;
    Some(Value::DateTime(ctx.instant(now.date(), now.time())))
}

const PLURAL_WEEKDAYS: [&str; 7] = [
    "mondays",
    "tuesdays",
    "wednesdays",
    "thursdays",
    "fridays",
    "saturdays",
    "sundays",
];

/// `3 Fridays from now`: the third Friday after today; `2 Thursdays ago` / `back`: the
/// second Thursday before today.
fn weekdays_from_now(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let n = en_count(c)?;
    c.skip_spaces();
    let i = c.eat_any(&PLURAL_WEEKDAYS)?;
    let wd = [Mon, Tue, Wed, Thu, Fri, Sat, Sun][i];
    let back = c.eat_any_spaced(&["from now", "from today", "ago", "back"])? >= 2;
    if n == 0 {
        return None;
    }
    let today = ctx.today();
    if back {
        // `2 Thursdays ago`: the second Thursday before today.
        let behind = (7 + today.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
        let last = if behind == 0 { 7 } else { behind };
        let date = today.checked_sub_days(Days::new(u64::from(last + 7 * (n - 1))))?;
        return Some(Value::Date(date));
    }
    let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let first = if ahead == 0 { 7 } else { ahead };
    let date = today.checked_add_days(Days::new(u64::from(first + 7 * (n - 1))))?;
    Some(Value::Date(date))
}

/// `3日` in `3日後` (as a length, 日 is a day only before 後 / 前).
fn chinese_days(c: &mut Cursor) -> Option<u32> {
    let n = number(c, 3)?;
    // `3個工作天` is business days (`business_days`), not days.
    c.eat("日").then_some(())?;
    Some(n)
}
