//! Whole weeks, months and years: `next week`, `下個禮拜`, `下個月`, `this weekend`, `明年`.
//! Their value is an interval of days, both ends included.

use chrono::{Datelike, Days, NaiveDate};

use super::context::{month_end, month_start, week_start, Context};
use super::cursor::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

#[derive(Clone, Copy)]
enum Unit {
    Week(u64),
    Weekend(u64),
    Month(u32),
    Year(i32),
}

const PERIODS: &[(&str, Unit)] = &[
    ("this week", Unit::Week(0)),
    ("next week", Unit::Week(1)),
    ("the following week", Unit::Week(1)),
    ("the week after next", Unit::Week(2)),
    ("week after next", Unit::Week(2)),
    ("this month", Unit::Month(0)),
    ("next month", Unit::Month(1)),
    ("this weekend", Unit::Weekend(0)),
    ("next weekend", Unit::Weekend(1)),
    ("this year", Unit::Year(0)),
    ("next year", Unit::Year(1)),
    ("本週", Unit::Week(0)),
    ("本周", Unit::Week(0)),
    ("今週", Unit::Week(0)),
    ("這週", Unit::Week(0)),
    ("这周", Unit::Week(0)),
    ("本星期", Unit::Week(0)),
    ("這星期", Unit::Week(0)),
    ("这星期", Unit::Week(0)),
    ("呢個禮拜", Unit::Week(0)),
    ("呢个礼拜", Unit::Week(0)),
    ("今個禮拜", Unit::Week(0)),
    ("今个礼拜", Unit::Week(0)),
    ("這個禮拜", Unit::Week(0)),
    ("这个礼拜", Unit::Week(0)),
    ("這個星期", Unit::Week(0)),
    ("这个星期", Unit::Week(0)),
    ("下週", Unit::Week(1)),
    ("下周", Unit::Week(1)),
    ("下星期", Unit::Week(1)),
    ("下個禮拜", Unit::Week(1)),
    ("下个礼拜", Unit::Week(1)),
    ("下禮拜", Unit::Week(1)),
    ("下礼拜", Unit::Week(1)),
    ("下個星期", Unit::Week(1)),
    ("下个星期", Unit::Week(1)),
    ("本月", Unit::Month(0)),
    ("今個月", Unit::Month(0)),
    ("呢個月", Unit::Month(0)),
    ("這個月", Unit::Month(0)),
    ("这个月", Unit::Month(0)),
    ("下個月", Unit::Month(1)),
    ("下个月", Unit::Month(1)),
    ("週末", Unit::Weekend(0)),
    ("周末", Unit::Weekend(0)),
    ("明年", Unit::Year(1)),
    ("the weekend", Unit::Weekend(0)),
    ("這個週末", Unit::Weekend(0)),
    ("这个周末", Unit::Weekend(0)),
    ("呢個週末", Unit::Weekend(0)),
    ("呢个周末", Unit::Weekend(0)),
    ("今個週末", Unit::Weekend(0)),
    ("本週末", Unit::Weekend(0)),
    ("本周末", Unit::Weekend(0)),
    ("這週末", Unit::Weekend(0)),
    ("这周末", Unit::Weekend(0)),
    ("下個週末", Unit::Weekend(1)),
    ("下个周末", Unit::Weekend(1)),
    ("下週末", Unit::Weekend(1)),
    ("下周末", Unit::Weekend(1)),
    ("今年", Unit::Year(0)),
];

/// Parts of a week or month said loosely: `beginning of next week` (Monday to
/// Wednesday), `early March` (1-10), `mid March` (11-20), `late March` (21-end),
/// `rest of the week` (today to Sunday), `rest of the month`.
fn fuzzy(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let today = ctx.today();
    let mut probe = *c;
    if probe
        .eat_any(&["the rest of the", "rest of the", "rest of this"])
        .is_some()
    {
        probe.skip_spaces();
        let last = match probe.eat_any(&["week", "month"])? {
            0 => week_start(today) + Days::new(6),
            _ => month_end(today, 0)?,
        };
        *c = probe;
        return Some(Period { first: today, last });
    }
    let mut probe = *c;
    if probe
        .eat_any(&[
            "the beginning of",
            "beginning of",
            "the start of",
            "start of",
        ])
        .is_some()
    {
        probe.skip_spaces();
        let (first, last) = match probe.eat_any(&[
            "this week",
            "the week",
            "next week",
            "this month",
            "the month",
            "next month",
        ])? {
            i @ 0..=2 => {
                let monday = week_start(today) + Days::new(if i == 2 { 7 } else { 0 });
                (monday, monday + Days::new(2))
            }
            i => {
                let first = month_start(today, if i == 5 { 1 } else { 0 })?;
                (first, first + Days::new(9))
            }
        };
        *c = probe;
        return Some(Period { first, last });
    }
    let mut probe = *c;
    let third = probe.eat_any(&[
        "early",
        "mid",
        "mid-",
        "late",
        "the beginning of",
        "the middle of",
        "middle of",
        "beginning of",
    ])?;
    let third = match third {
        0 | 4 | 7 => 0,
        1 | 2 | 5 | 6 => 1,
        _ => 2,
    };
    if !probe.rest().starts_with('-') || third != 1 {
        probe.skip_spaces();
    }
    probe.eat("-");
    let m = month_name(&mut probe)?;
    let this = NaiveDate::from_ymd_opt(today.year(), m, 1)?;
    let first_of = if month_end(this, 0)? >= today {
        this
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, m, 1)?
    };
    let (first, last) = match third {
        0 => (first_of, first_of + Days::new(9)),
        1 => (first_of + Days::new(10), first_of + Days::new(19)),
        _ => (first_of + Days::new(20), month_end(first_of, 0)?),
    };
    *c = probe;
    Some(Period { first, last })
}

fn month_name(c: &mut Cursor) -> Option<u32> {
    const NAMES: [&str; 24] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "oct",
        "nov",
        "dec",
    ];
    let i = c.eat_any(&NAMES)?;
    Some(i as u32 % 12 + 1)
}

/// A named week, weekend, month or year.
pub(crate) fn period(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let mut probe = *c;
    if let Some(found) = fuzzy(&mut probe, ctx) {
        *c = probe;
        return Some(found);
    }
    let i = c.eat_table(PERIODS)?;
    let today = ctx.today();
    let (first, last) = match PERIODS[i].1 {
        Unit::Week(n) => {
            let monday = week_start(today) + Days::new(7 * n);
            (monday, monday + Days::new(6))
        }
        Unit::Weekend(n) => {
            let saturday = week_start(today) + Days::new(7 * n + 5);
            (saturday, saturday + Days::new(1))
        }
        Unit::Month(n) => (month_start(today, n)?, month_end(today, n)?),
        Unit::Year(n) => (
            NaiveDate::from_ymd_opt(today.year() + n, 1, 1)?,
            NaiveDate::from_ymd_opt(today.year() + n, 12, 31)?,
        ),
    };
    Some(Period { first, last })
}
