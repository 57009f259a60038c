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

const PERIODS: [(&str, Unit); 44] = [
    ("this week", Unit::Week(0)),
    ("next week", Unit::Week(1)),
    ("the following week", Unit::Week(1)),
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
];

/// A named week, weekend, month or year.
pub(crate) fn period(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let i = c.eat_table(&PERIODS)?;
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
