//! Whole weeks, months and years: `next week`, `下個禮拜`, `下個月`, `this weekend`, `明年`.
//! Their value is an interval of days, both ends included.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::context::{in_week, month_end, month_start, week_start, Context};
use super::cursor::Cursor;
use super::ordinals::{
    en_month_said, month_first, nth_in_month, zh_month_said, zh_nth, MonthSaid, EN_MONTHS,
    EN_MONTHS_SHORT,
};

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
    LastWeek,
    LastWeekend,
    LastMonth,
    /// Monday to Friday of the week this many from this one.
    WorkWeek(i64),
}

const PERIODS: &[(&str, Unit)] = &[
    ("this working week", Unit::WorkWeek(0)),
    ("this work week", Unit::WorkWeek(0)),
    ("next working week", Unit::WorkWeek(1)),
    ("next work week", Unit::WorkWeek(1)),
    ("last working week", Unit::WorkWeek(-1)),
    ("last work week", Unit::WorkWeek(-1)),
    ("this workweek", Unit::WorkWeek(0)),
    ("next workweek", Unit::WorkWeek(1)),
    ("last workweek", Unit::WorkWeek(-1)),
    ("this calendar year", Unit::Year(0)),
    ("next calendar year", Unit::Year(1)),
    ("last calendar year", Unit::Year(-1)),
    ("this week", Unit::Week(0)),
    ("next week", Unit::Week(1)),
    ("the following week", Unit::Week(1)),
    ("the week after next", Unit::Week(2)),
    ("last week", Unit::LastWeek),
    ("last month", Unit::LastMonth),
    ("last year", Unit::Year(-1)),
    ("the previous week", Unit::LastWeek),
    ("上週", Unit::LastWeek),
    ("上周", Unit::LastWeek),
    ("上星期", Unit::LastWeek),
    ("上個星期", Unit::LastWeek),
    ("上个星期", Unit::LastWeek),
    ("上個禮拜", Unit::LastWeek),
    ("上个礼拜", Unit::LastWeek),
    ("上禮拜", Unit::LastWeek),
    ("上個月", Unit::LastMonth),
    ("上个月", Unit::LastMonth),
    ("上月", Unit::LastMonth),
    ("下下週", Unit::Week(2)),
    ("下下周", Unit::Week(2)),
    ("下下個禮拜", Unit::Week(2)),
    ("去年", Unit::Year(-1)),
    ("後年", Unit::Year(2)),
    ("后年", Unit::Year(2)),
    ("week after next", Unit::Week(2)),
    ("this month", Unit::Month(0)),
    ("next month", Unit::Month(1)),
    ("this weekend", Unit::Weekend(0)),
    ("next weekend", Unit::Weekend(1)),
    ("last weekend", Unit::LastWeekend),
    ("this past weekend", Unit::LastWeekend),
    ("the past weekend", Unit::LastWeekend),
    ("past weekend", Unit::LastWeekend),
    ("the previous weekend", Unit::LastWeekend),
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
    ("this week-end", Unit::Weekend(0)),
    ("the week-end", Unit::Weekend(0)),
    ("this wkend", Unit::Weekend(0)),
    ("next week-end", Unit::Weekend(1)),
    ("current week", Unit::Week(0)),
    ("the current week", Unit::Week(0)),
    ("all week", Unit::Week(0)),
    ("coming week", Unit::Week(1)),
    ("the coming week", Unit::Week(1)),
    ("upcoming week", Unit::Week(1)),
    ("the upcoming week", Unit::Week(1)),
    ("previous week", Unit::LastWeek),
    ("current month", Unit::Month(0)),
    ("the current month", Unit::Month(0)),
    ("coming month", Unit::Month(1)),
    ("previous month", Unit::LastMonth),
    ("the previous month", Unit::LastMonth),
    ("current year", Unit::Year(0)),
    ("this yr", Unit::Year(0)),
    ("next yr", Unit::Year(1)),
    ("last yr", Unit::Year(-1)),
    ("previous year", Unit::Year(-1)),
    ("the previous year", Unit::Year(-1)),
    ("這禮拜", Unit::Week(0)),
    ("这礼拜", Unit::Week(0)),
    ("今個星期", Unit::Week(0)),
    ("今个星期", Unit::Week(0)),
    ("呢個星期", Unit::Week(0)),
    ("這一週", Unit::Week(0)),
    ("這一周", Unit::Week(0)),
    ("这一周", Unit::Week(0)),
    ("這一禮拜", Unit::Week(0)),
    ("这一礼拜", Unit::Week(0)),
    ("這一個禮拜", Unit::Week(0)),
    ("这一个礼拜", Unit::Week(0)),
    ("下一週", Unit::Week(1)),
    ("下一周", Unit::Week(1)),
    ("上一週", Unit::LastWeek),
    ("上一周", Unit::LastWeek),
    ("上礼拜", Unit::LastWeek),
    ("下月", Unit::Month(1)),
    ("下一個月", Unit::Month(1)),
    ("下一个月", Unit::Month(1)),
    ("上一個月", Unit::LastMonth),
    ("上一个月", Unit::LastMonth),
    ("這一年", Unit::Year(0)),
    ("这一年", Unit::Year(0)),
    ("上年", Unit::Year(-1)),
    ("下年", Unit::Year(1)),
    ("出年", Unit::Year(1)),
];

/// A hedge between `beginning of` / `end of` and the period it bounds (`the end of
/// around next week`): the period is read as if it were not there.
pub(crate) fn skip_hedge(c: &mut Cursor) {
    let mut probe = *c;
    if probe
        .eat_any(&["around", "about", "approximately", "roughly", "sometime"])
        .is_some()
    {
        probe.skip_spaces();
        *c = probe;
    }
}

/// A week, month or year said by its end (`end of the month`, `EOM`, `月尾`, `end of next
/// week`, `end of April`, `EOY`, `end of 2027`): a loose period, as `late March` is, and
/// the one day it stands for where one day is needed (a task's due date, a deadline).
/// The end of a week is Friday to Sunday (its day: the Friday, when the working week
/// ends), of a month its last third, the 21st to its last day, and of a year its last
/// third, September to December (their day: the last one).
pub(crate) fn end_of<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<(Period, NaiveDate)> {
    // Tried at every place a time word may start: turn other words away first.
    if !super::cursor::first_word_in(c, &["the", "end", "eow", "eom", "eoy", "e"]) {
        return None;
    }
    match c.peek() {
        // Digits only before 月 or 年 (`3月底`, `2027年底`).
        Some(ch)
            if ch.is_ascii_digit()
                && !c
                    .rest()
                    .trim_start_matches(|ch: char| ch.is_ascii_digit())
                    .starts_with(['月', '年']) =>
        {
            return None;
        }
        // `月尾`, `週尾`, `下個月尾`, `本月底`, `呢個月尾`, `十二月尾`, `禮拜尾`, `年底`,
        // `明年年尾`.
        Some(ch)
            if !ch.is_ascii()
                && !"月週周下本今這这呢一二三四五六七八九十禮礼星年明出去舊旧".contains(ch) =>
        {
            return None;
        }
        _ => {}
    }
    let today = ctx.today();
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    if let Some(i) = probe.eat_any(&["eow", "e.o.w.", "eom", "e.o.m.", "eoy", "e.o.y."]) {
        *c = probe;
        return match i / 2 {
            0 => week_end(in_week(week_start(today), Weekday::Fri)),
            1 => month_last_third(month_end(today, 0)?),
            _ => year_end(today.year()),
        };
    }
    let mut best: Option<(Cursor<'a>, (Period, NaiveDate))> = None;
    let mut consider = |probe: Cursor<'a>, found: Option<(Period, NaiveDate)>| {
        if let Some(found) = found {
            if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
                best = Some((probe, found));
            }
        }
    };
    let mut probe = *c;
    if let Some(d) = super::days::week_end_day(&mut probe, ctx) {
        consider(probe, week_end(d.date));
    }
    let mut probe = *c;
    if let Some(d) = super::days::month_end_day(&mut probe, ctx) {
        consider(probe, month_last_third(d.date));
    }
    let mut probe = *c;
    if let Some(year) = zh_year_end(&mut probe, today) {
        consider(probe, year_end(year));
    }
    let mut probe = *c;
    if probe.eat_any(&["the end of", "end of"]).is_some() {
        // `end of April`, `the end of March 2027`.
        let mut named = *c;
        if let Some(last) = super::ordinals::end_of_month_name(&mut named, ctx) {
            consider(named, month_last_third(last));
        }
        probe.skip_spaces();
        skip_hedge(&mut probe);
        if let Some(year) = year_said(&mut probe, today) {
            consider(probe, year_end(year));
        }
    }
    let (end, found) = best?;
    *c = end;
    Some(found)
}

/// Chinese years said relative to this one.
const ZH_YEARS: [(&str, i32); 8] = [
    ("今年", 0),
    ("明年", 1),
    ("出年", 1),
    ("下年", 1),
    ("去年", -1),
    ("舊年", -1),
    ("旧年", -1),
    ("上年", -1),
];

/// A year said before 年 or alone: `今年`, `明年`, `2027年`; its number.
fn zh_year_prefix(c: &mut Cursor, today: NaiveDate) -> Option<i32> {
    if let Some(i) = c.eat_table(&ZH_YEARS) {
        return Some(today.year() + ZH_YEARS[i].1);
    }
    let mut p = *c;
    let (y, 4) = p.digits(4)? else {
        return None;
    };
    if !(1900..=2099).contains(&y) || !p.eat("年") {
        return None;
    }
    *c = p;
    Some(y as i32)
}

/// `年底`, `年尾`, `今年年底`, `今年底`, `明年年尾`, `2027年底`: the end of that year (this
/// year's without one).
fn zh_year_end(c: &mut Cursor, today: NaiveDate) -> Option<i32> {
    let mut probe = *c;
    let year = zh_year_prefix(&mut probe, today);
    let ends = if year.is_some() {
        &["年底", "年尾", "底", "尾"][..]
    } else {
        &["年底", "年尾"][..]
    };
    probe.eat_any(ends)?;
    *c = probe;
    Some(year.unwrap_or(today.year()))
}

/// `年初`, `明年年初`, `今年初`: the beginning of a year (its first quarter); `年中`,
/// `明年年中`: its middle third (May to August). Without a year, the next one not yet
/// over.
fn zh_year_part(c: &mut Cursor, today: NaiveDate) -> Option<Period> {
    let mut probe = *c;
    let year = zh_year_prefix(&mut probe, today);
    let parts = if year.is_some() {
        &["年初", "年中", "初", "中"][..]
    } else {
        &["年初", "年中"][..]
    };
    let i = probe.eat_any(parts)?;
    let part = |year: i32| {
        if i % 2 == 0 {
            first_quarter(year)
        } else {
            Some(Period {
                first: NaiveDate::from_ymd_opt(year, 5, 1)?,
                last: NaiveDate::from_ymd_opt(year, 8, 31)?,
            })
        }
    };
    *c = probe;
    match year {
        Some(year) => part(year),
        // Without a year, the next one not yet over (`年初` said in November is January's).
        None => part(today.year())
            .filter(|p| p.last >= today)
            .or_else(|| part(today.year() + 1)),
    }
}

/// Friday to Sunday of the week of `friday`.
fn week_end(friday: NaiveDate) -> Option<(Period, NaiveDate)> {
    Some((
        Period {
            first: friday,
            last: friday + Days::new(2),
        },
        friday,
    ))
}

/// The 21st to `last`, the last day of its month.
fn month_last_third(last: NaiveDate) -> Option<(Period, NaiveDate)> {
    Some((
        Period {
            first: last.with_day(21)?,
            last,
        },
        last,
    ))
}

/// September to December of `year`.
fn year_end(year: i32) -> Option<(Period, NaiveDate)> {
    let last = NaiveDate::from_ymd_opt(year, 12, 31)?;
    Some((
        Period {
            first: NaiveDate::from_ymd_opt(year, 9, 1)?,
            last,
        },
        last,
    ))
}

/// The Monday of the week `weeks` from the one holding `today`.
pub(crate) fn monday_of_week(today: NaiveDate, weeks: i64) -> Option<NaiveDate> {
    week_start(today).checked_add_signed(chrono::Duration::weeks(weeks))
}

/// The beginning of the week `weeks` from this one: Monday to Wednesday.
fn week_beginning(today: NaiveDate, weeks: i64) -> Option<Period> {
    let monday = monday_of_week(today, weeks)?;
    Some(Period {
        first: monday,
        last: monday + Days::new(2),
    })
}

/// A week said relative to this one (`last week` -1, `the coming week` 1), in weeks.
pub(crate) fn week_said(c: &mut Cursor) -> Option<i64> {
    const WEEKS: [(&str, i64); 13] = [
        ("this week", 0),
        ("the week", 0),
        ("current week", 0),
        ("the current week", 0),
        ("next week", 1),
        ("coming week", 1),
        ("the coming week", 1),
        ("the following week", 1),
        ("last week", -1),
        ("past week", -1),
        ("the past week", -1),
        ("previous week", -1),
        ("the previous week", -1),
    ];
    let i = c.eat_table(&WEEKS)?;
    Some(WEEKS[i].1)
}

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
        skip_hedge(&mut probe);
        if let Some(weeks) = week_said(&mut probe) {
            *c = probe;
            return week_beginning(today, weeks);
        }
        if let Some(i) = probe.eat_any(&["this month", "the month", "next month", "month"]) {
            let first = month_start(today, if i == 2 { 1 } else { 0 })?;
            *c = probe;
            return Some(Period {
                first,
                last: first + Days::new(9),
            });
        }
        if let Some(year) = year_said(&mut probe, today) {
            *c = probe;
            return first_quarter(year);
        }
    }
    // `下個禮拜頭`, `週頭`, `下週初`: the beginning of this week or the next (Monday to
    // Wednesday).
    let mut probe = *c;
    let weeks = if probe.eat_any(&super::days::ZH_NEXT).is_some() {
        1
    } else {
        probe.eat_any(&super::days::ZH_THIS);
        0
    };
    if probe
        .eat_any(&[
            "週頭",
            "周頭",
            "周头",
            "禮拜頭",
            "礼拜头",
            "星期頭",
            "星期头",
            "週初",
            "周初",
        ])
        .is_some()
    {
        *c = probe;
        return week_beginning(today, weeks);
    }
    let mut probe = *c;
    if let Some(found) = zh_year_part(&mut probe, today) {
        *c = probe;
        return Some(found);
    }
    // `earlier this week` / `month` / `year`: from its first day to today.
    let mut probe = *c;
    if probe.eat("earlier") {
        probe.skip_spaces();
        let first = match probe.eat_any(&["this week", "this month", "this year"]) {
            Some(0) => monday_of_week(today, 0)?,
            Some(1) => today.with_day(1)?,
            Some(_) => today.with_ordinal(1)?,
            None => return None,
        };
        *c = probe;
        return Some(Period { first, last: today });
    }
    // `early next week` (Monday to Wednesday), `mid next week` (Tuesday to Thursday),
    // `late this week` or `later this week` (Friday to Sunday); `early next month`, `mid
    // this month`, `late next month` (its thirds).
    let mut probe = *c;
    if let Some(third) = probe.eat_any(&["early", "mid", "late", "later"]) {
        let third = third.min(2);
        probe.skip_spaces();
        if let Some(weeks) = week_said(&mut probe) {
            let monday = monday_of_week(today, weeks)?;
            let (from, to) = [(0, 2), (1, 3), (4, 6)][third];
            *c = probe;
            return Some(Period {
                first: monday + Days::new(from),
                last: monday + Days::new(to),
            });
        }
        if let Some(i) = probe.eat_any(&["this month", "next month", "last month"]) {
            let first_of = match i {
                0 => month_start(today, 0)?,
                1 => month_start(today, 1)?,
                _ => today
                    .with_day(1)?
                    .checked_sub_months(chrono::Months::new(1))?,
            };
            let (first, last) = match third {
                0 => (first_of, first_of + Days::new(9)),
                1 => (first_of + Days::new(10), first_of + Days::new(19)),
                _ => (first_of + Days::new(20), month_end(first_of, 0)?),
            };
            *c = probe;
            return Some(Period { first, last });
        }
    }
    // `BOY`, `the BOY`: the beginning of this year (written in capitals).
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    if probe.rest().starts_with("BOY") && probe.eat("boy") {
        *c = probe;
        return first_quarter(today.year());
    }
    // `BOM`, `the BOM`: the beginning of this month (written in capitals).
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    if probe.rest().starts_with("BOM") && probe.eat("bom") {
        let first = month_start(today, 0)?;
        *c = probe;
        return Some(Period {
            first,
            last: first + Days::new(9),
        });
    }
    // 月初 (1st-10th), 月中 (11th-20th), of this month or next: 下個月初, 本月中.
    let mut probe = *c;
    let ahead = if probe
        .eat_any(&["下個月", "下个月", "下月", "下一個月", "下一个月"])
        .is_some()
    {
        Some(1)
    } else if probe.eat_any(&super::days::ZH_THIS_MONTH).is_some() {
        Some(0)
    } else {
        None
    };
    // `三月初`, `12月中`: that month's, the next one not yet over.
    let mut named = probe;
    if ahead.is_none() {
        if let Some(m) = super::numerals::number(&mut named, 2).filter(|m| (1..=12).contains(m)) {
            if named.eat("月") {
                if let Some(i) = named.eat_any(&["初", "中"]) {
                    let this = NaiveDate::from_ymd_opt(today.year(), m, 1)?;
                    let first_of = if month_end(this, 0)? >= today {
                        this
                    } else {
                        NaiveDate::from_ymd_opt(today.year() + 1, m, 1)?
                    };
                    let first = first_of + Days::new(10 * i as u64);
                    *c = named;
                    return Some(Period {
                        first,
                        last: first + Days::new(9),
                    });
                }
            }
        }
    }
    let bare = ahead.is_none() && probe.eat("月");
    if ahead.is_some() || bare {
        if let Some(i) = probe.eat_any(&["初", "中"]) {
            let first_of = month_start(today, ahead.unwrap_or(0))?;
            let first = first_of + Days::new(10 * i as u64);
            *c = probe;
            return Some(Period {
                first,
                last: first + Days::new(9),
            });
        }
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
    // Every short name starts its full one, so trying the full names first is the
    // longest match over both lists.
    let i = c
        .eat_any(&EN_MONTHS)
        .or_else(|| c.eat_any(&EN_MONTHS_SHORT))?;
    Some(i as u32 + 1)
}

/// A whole month: `March 2027`, `in March`, `this March`, `next March`, `三月`, `明年三月`,
/// `2027年3月`. A month named without a year is the next one not yet over. A month name
/// alone counts only after `in`/`during`/`for`/`until`/`since`/`of` (`May I…` is not May).
fn month_period(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let today = ctx.today();
    let mut probe = *c;
    // Chinese: [明年|今年|去年|YYYY年] N月, not followed by a day or a count (三月三號, 三個月).
    let mut year = None;
    if let Some(i) = probe.eat_any(&["今年", "明年", "去年", "下年", "出年"]) {
        year = Some(today.year() + [0, 1, -1, 1, 1][i]);
    } else {
        let mut y = probe;
        if let Some((v, 4)) = y.digits(4) {
            if y.eat("年") {
                // `2018年 12月`: a space may follow the year.
                y.skip_spaces();
                year = Some(v as i32);
                probe = y;
            }
        }
    }
    let mut zh = probe;
    if let Some(m) = super::numerals::number(&mut zh, 2).filter(|m| (1..=12).contains(m)) {
        if zh.eat("月") && !starts_day_number(&zh) {
            zh.eat("份");
            *c = zh;
            return whole_month(year, m, today);
        }
    }
    // English.
    let mut probe = *c;
    let which = probe.eat_any(&["this", "next", "last"]);
    let announced = which.is_some()
        || matches!(
            c.word_before().to_ascii_lowercase().as_str(),
            "in" | "during" | "for" | "until" | "since" | "of" | "through" | "throughout"
        );
    if which.is_some() {
        probe.skip_spaces();
    }
    let name_at = probe;
    let m = month_name(&mut probe)?;
    // `this may take…`: the month May only with its capital.
    if m == 5 && !name_at.rest().starts_with('M') {
        return None;
    }
    // `March 2027`, `March, 2027`, `April of 1987`, `April of 87.`, `June in 2020`.
    let year = super::dates::year_suffix(&mut probe);
    // `March next year`, `March of last year`, `March in a year`, `March 2 years ago`.
    let year = match year {
        Some(y) => Some(y),
        None => {
            let mut r = probe;
            let found = relative_year(&mut r, today);
            if found.is_some() {
                probe = r;
            }
            found
        }
    };
    if year.is_none() && !announced {
        return None;
    }
    let year = year.or(match which {
        Some(1) => Some(next_such_month(m, today) + i32::from(m == today.month())),
        Some(2) => Some(if m < today.month() {
            today.year()
        } else {
            today.year() - 1
        }),
        Some(_) => Some(today.year()),
        None => None,
    });
    *c = probe;
    whole_month(year, m, today)
}

/// A year said relative to this one after a month name: `next year`, `of last year`,
/// `this year`, `in a year`, `in 2 years`, `a year from now`, `2 years ago`.
fn relative_year(c: &mut Cursor, today: NaiveDate) -> Option<i32> {
    let mut probe = *c;
    probe.skip_spaces();
    if probe.eat("of") {
        probe.skip_spaces();
    }
    const YEARS: [(&str, i32); 3] = [("next year", 1), ("last year", -1), ("this year", 0)];
    if let Some(i) = probe.eat_table(&YEARS) {
        *c = probe;
        return Some(today.year() + YEARS[i].1);
    }
    let prefixed = probe.eat("in");
    if prefixed {
        probe.skip_spaces();
    }
    let n = super::numerals::en_count(&mut probe)?;
    probe.skip_spaces();
    probe.eat_any(&["years", "year", "yrs", "yr"])?;
    let sign = if prefixed || probe.eat_spaced("from now") {
        1
    } else if probe.eat_spaced("ago") {
        -1
    } else {
        return None;
    };
    if n == 0 || n > 100 {
        return None;
    }
    *c = probe;
    Some(today.year() + sign * n as i32)
}

/// The year of the next month `m` not yet over.
fn next_such_month(m: u32, today: NaiveDate) -> i32 {
    if m >= today.month() {
        today.year()
    } else {
        today.year() + 1
    }
}

fn whole_month(year: Option<i32>, m: u32, today: NaiveDate) -> Option<Period> {
    let year = year.unwrap_or_else(|| next_such_month(m, today));
    let first = NaiveDate::from_ymd_opt(year, m, 1)?;
    Some(Period {
        first,
        last: month_end(first, 0)?,
    })
}

/// Calendar quarters said in words: `this quarter`, `next qtr`, `the 3rd quarter`,
/// `fourth quarter of 2018`. Without a year, this year's. `last quarter` is the one
/// before this (`the last quarter of 2019` is that year's fourth). Codes are left alone
/// (`Q3 2027 review`, `第三季`): those name reports and budgets more often than a time.
fn quarter(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let today = ctx.today();
    let now = today.year() * 4 + (today.month0() / 3) as i32;
    let mut probe = *c;
    probe.eat("the");
    probe.skip_spaces();
    // `the last quarter of 2019` is its fourth, `last quarter` the one before this.
    let mut words = probe;
    let index = if let Some((q, year)) = quarter_words(&mut words) {
        probe = words;
        year.unwrap_or(today.year()) * 4 + q as i32 - 1
    } else if let Some(i) = probe.eat_any(&[
        "this quarter",
        "this qtr",
        "current quarter",
        "the current quarter",
        "next quarter",
        "next qtr",
        "the next quarter",
        "previous quarter",
        "the previous quarter",
        "last quarter",
        "past quarter",
        "coming quarter",
        "upcoming quarter",
        "following quarter",
    ]) {
        now + [0, 0, 0, 0, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1][i]
    } else {
        return None;
    };
    let first =
        NaiveDate::from_ymd_opt(index.div_euclid(4), 3 * index.rem_euclid(4) as u32 + 1, 1)?;
    let last = month_end(first, 2)?;
    *c = probe;
    Some(Period { first, last })
}

/// `3rd quarter`, `third qtr of 2018`, `the fourth quarter, 2018`.
fn quarter_words(c: &mut Cursor) -> Option<(u32, Option<i32>)> {
    let mut probe = *c;
    let i = probe.eat_any(&[
        "first", "1st", "second", "2nd", "third", "3rd", "fourth", "4th", "last", "final",
    ])?;
    probe.skip_spaces();
    probe.eat_any(&["quarter", "qtr"])?;
    let mut y = probe;
    if y.eat_any_spaced(&["of", "in", ","]).is_none() {
        y.skip_spaces();
    }
    y.skip_spaces();
    let year = match y.digits(4) {
        Some((v, 4)) => {
            probe = y;
            Some(v as i32)
        }
        _ => None,
    };
    let q = (i as u32 / 2 + 1).min(4);
    // `last quarter` alone is the one before this; the year's last needs the year.
    if q == 4 && i >= 8 && year.is_none() {
        let mut of_year = probe;
        of_year.eat_any_spaced(&["of", "in"])?;
        of_year.skip_spaces();
        of_year.eat_any(&["the year", "this year"])?;
        probe = of_year;
    }
    *c = probe;
    Some((q, year))
}

/// A day number or a counter follows (`三月三號`, `3月15`): not a whole month.
/// A year said after `beginning of`: `the year`, `this year`, `year`, `next year`, `last
/// year`, `2027`.
fn year_said(c: &mut Cursor, today: NaiveDate) -> Option<i32> {
    const YEARS: [(&str, i32); 6] = [
        ("the year", 0),
        ("this year", 0),
        ("year", 0),
        ("the current year", 0),
        ("next year", 1),
        ("last year", -1),
    ];
    if let Some(i) = c.eat_table(&YEARS) {
        return Some(today.year() + YEARS[i].1);
    }
    let mut p = *c;
    let (year, 4) = p.digits(4)? else {
        return None;
    };
    if !(1900..=2099).contains(&year) || p.rest().starts_with(|ch: char| ch.is_ascii_alphanumeric())
    {
        return None;
    }
    *c = p;
    Some(year as i32)
}

/// The beginning of a year: its first quarter (January to March).
fn first_quarter(year: i32) -> Option<Period> {
    Some(Period {
        first: NaiveDate::from_ymd_opt(year, 1, 1)?,
        last: NaiveDate::from_ymd_opt(year, 3, 31)?,
    })
}

fn starts_day_number(c: &Cursor) -> bool {
    c.peek().is_some_and(|ch| {
        ch.is_ascii_digit()
            || super::numerals::cjk_digit(ch).is_some()
            || "十廿卅尾底初中".contains(ch)
    })
}

/// `the first week of October`, `last week of September 2014`, `the 2nd weekend of
/// May`: the weeks (Monday to Sunday) that lie wholly in the month, counted from its
/// first Monday or back from its last Sunday; a weekend is counted by its Saturday. A month
/// without a year is this year's while that week is not over, else next year's.
fn week_of_month(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    const NTH: [(&str, u32); 9] = [
        ("first", 1),
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("last", 0),
        ("1st", 1),
        ("2nd", 2),
        ("3rd", 3),
        ("4th", 4),
    ];
    // `the third last week of 2018`: counted back from the last one.
    let (n, back) = match super::ordinals::nth_last(c) {
        Some(back) => (0, back),
        None => {
            if c.eat("the") {
                c.skip_spaces();
            }
            (NTH[c.eat_table(&NTH)?].1, 1)
        }
    };
    c.skip_spaces();
    let weekend = c.eat_any(&["week", "weekend", "week-end", "week end", "wkend"])? >= 1;
    c.eat_any_spaced(&["of", "in"])?;
    c.skip_spaces();
    // A year: `the first week of 2027`, `the last week of 2018`.
    let mut p = *c;
    if let Some((year, 4)) = p.digits(4) {
        if !p.rest().starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
            let jan = NaiveDate::from_ymd_opt(year as i32, 1, 1)?;
            let dec = NaiveDate::from_ymd_opt(year as i32, 12, 1)?;
            let found = nth_week(jan, dec, weekend, n, back)?;
            *c = p;
            return Some(found);
        }
    }
    let said = en_month_said(c)?;
    let today = ctx.today();
    let place = |first: NaiveDate| nth_week(first, first, weekend, n, back);
    let first = month_first(said, ctx, |f| place(f).is_some_and(|p| p.last >= today))?;
    place(first)
}

/// `十月第一週`, `十月的第一周`, `下個月第二個禮拜`, `本月最後一個星期`, `十二月第一個週末`:
/// as `the first week of October`, the weeks (weekends) wholly inside the month.
fn zh_week_of_month(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let said = if c.eat_any(&["上個月", "上个月", "上月"]).is_some() {
        MonthSaid::Ahead(-1)
    } else {
        zh_month_said(c)?
    };
    let n = zh_nth(c, 1).filter(|n| *n <= 5)?;
    let unit = c.eat_any(&["週末", "周末", "週", "周", "星期", "禮拜", "礼拜"])?;
    let weekend = unit <= 1;
    let today = ctx.today();
    let place = |first: NaiveDate| nth_week(first, first, weekend, n, 1);
    let first = month_first(said, ctx, |f| place(f).is_some_and(|p| p.last >= today))?;
    place(first)
}

/// The `n`th week (weekend) that lies wholly between the months that start on `first`
/// and on `last_month`; `n` = 0 counts `back` weeks from the last one (1 = the last).
fn nth_week(
    first: NaiveDate,
    last_month: NaiveDate,
    weekend: bool,
    n: u32,
    back: u32,
) -> Option<Period> {
    let (wd, len) = if weekend {
        (Weekday::Sat, 1)
    } else {
        (Weekday::Mon, 6)
    };
    let start = if n > 0 {
        nth_in_month(first, wd, n)?
    } else {
        let last = if weekend {
            nth_in_month(last_month, Weekday::Sat, 0)?
        } else {
            nth_in_month(last_month, Weekday::Sun, 0)? - Days::new(6)
        };
        let start = last.checked_sub_days(Days::new(7 * u64::from(back - 1)))?;
        (start >= first).then_some(start)?
    };
    Some(Period {
        first: start,
        last: start + Days::new(len),
    })
}

/// `the week of October 6th`, `week of 3/12`: the week (Monday to Sunday) that holds
/// that day.
fn week_of_day(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    if c.eat("the") {
        c.skip_spaces();
    }
    // `the week beginning February 4`, `week commencing Mon 3rd`, `w/c Feb 4`: the seven
    // days from that day.
    let from_the_day = if c.eat("w/c") {
        true
    } else {
        if !c.eat("week") {
            return None;
        }
        match c.eat_any_spaced(&["of", "beginning", "commencing", "starting"])? {
            0 => false,
            _ => {
                c.eat_spaced("on");
                true
            }
        }
    };
    c.skip_spaces();
    let Ok(day) = super::moment::day(c, ctx)? else {
        return None;
    };
    if from_the_day {
        return Some(Period {
            first: day.date,
            last: day.date + Days::new(6),
        });
    }
    // A week is named by its first day: a Sunday named is the first day of a week
    // counted from Sunday, so the week meant is mostly the one after it (Monday on).
    let monday = if day.date.weekday() == Weekday::Sun {
        day.date + Days::new(1)
    } else {
        week_start(day.date)
    };
    Some(Period {
        first: monday,
        last: monday + Days::new(6),
    })
}

/// `2027/03`, `2027-03`, `03/2027`, `12-2027`: a year and a month written in digits
/// (two for the month; nothing more follows).
fn numeric_month(c: &mut Cursor, _ctx: &Context) -> Option<Period> {
    let mut probe = *c;
    let (first_number, digits) = probe.digits(4)?;
    if !(probe.eat("/") || probe.eat("-")) {
        return None;
    }
    let (second_number, second_digits) = probe.digits(4)?;
    let (year, month) = match (digits, second_digits) {
        (4, 2) => (first_number, second_number),
        (2, 4) => (second_number, first_number),
        _ => return None,
    };
    if !(1900..=2099).contains(&year) {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year as i32, month, 1)?;
    if probe
        .rest()
        .starts_with(|ch: char| "/-.:".contains(ch) || ch.is_ascii_alphanumeric())
    {
        return None;
    }
    *c = probe;
    Some(Period {
        first,
        last: month_end(first, 0)?,
    })
}

/// `the year 2008`, `calendar year 2027`, `the year of 2008`: a year said with the word
/// (a bare `2008` is as often a number).
fn year_named(c: &mut Cursor, _ctx: &Context) -> Option<Period> {
    if c.eat("the") {
        c.skip_spaces();
    }
    if c.eat("calendar") {
        c.skip_spaces();
    }
    if !c.eat("year") {
        return None;
    }
    c.skip_spaces();
    if c.eat("of") {
        c.skip_spaces();
    }
    whole_year_said(c)
}

/// `the third month of 2021`, `the 9th month of next year`: a month counted in a year.
fn nth_month_of_year(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    if c.eat("the") {
        c.skip_spaces();
    }
    // `third` or `3rd` (with the suffix its number takes), up to `twelfth`.
    let month = match c.digits(2) {
        // No leading zero: `03rd` is no ordinal.
        Some((n, len)) if len == 1 || n >= 10 => {
            let suffix = match n {
                1 => "st",
                2 => "nd",
                3 => "rd",
                _ => "th",
            };
            c.eat(suffix).then_some(n)?
        }
        Some(_) => return None,
        None => super::dates::ordinal_word_day(c)?,
    };
    if !(1..=12).contains(&month) {
        return None;
    }
    c.skip_spaces();
    c.eat("month").then_some(())?;
    c.eat_any_spaced(&["of", "in"])?;
    c.skip_spaces();
    let today = ctx.today();
    whole_month(Some(year_said(c, today)?), month, today)
}

/// `week 31`, `in week 12 of 2027`: a week numbered as ISO 8601 numbers them (Monday to
/// Sunday, week 1 holding the year's first Thursday), this year's without a year.
fn week_number(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    if c.eat("the") {
        c.skip_spaces();
    }
    c.eat("week").then_some(())?;
    c.skip_spaces();
    let (n, _) = c.digits(2)?;
    let mut year = ctx.today().year();
    let mut p = *c;
    if p.eat_any_spaced(&["of", "in"]).is_some() {
        p.skip_spaces();
        if let Some((y, 4)) = p.digits(4) {
            year = y as i32;
            *c = p;
        }
    }
    if c.peek()
        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ":./-".contains(ch))
    {
        return None;
    }
    let first = NaiveDate::from_isoywd_opt(year, n, Weekday::Mon)?;
    Some(Period {
        first,
        last: first + Days::new(6),
    })
}

/// `2008年`, `明年第九個月`, `2021年的第一周`, `今年第三個月`: a year said with 年, alone
/// (not before a month, a decade or a financial year: `2008年3月`, `2000年代`,
/// `2024年度`), or the month or week (wholly inside it) counted in it.
fn zh_year_parts(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let today = ctx.today();
    let relative = c
        .eat_table(&ZH_YEARS)
        .map(|i| ZH_YEARS[i].1)
        .or_else(|| c.eat("後年").then_some(2));
    let (year, relative) = if let Some(n) = relative {
        (today.year() + n, true)
    } else {
        let (y, 4) = c.digits(4)? else {
            return None;
        };
        if !(1900..=2099).contains(&y) {
            return None;
        }
        c.skip_spaces();
        c.eat("年").then_some(())?;
        (y as i32, false)
    };
    let mut p = *c;
    p.eat("的");
    if let Some(n) = zh_nth(&mut p, 2) {
        // `zh_nth` reads the counter: `第九個` then `月`.
        if p.eat_any(&["個月", "个月", "月"]).is_some() && (1..=12).contains(&n) {
            *c = p;
            return whole_month(Some(year), n, today);
        }
        if let Some(unit) = p.eat_any(&["週末", "周末", "週", "周", "星期", "禮拜", "礼拜"])
        {
            let jan = NaiveDate::from_ymd_opt(year, 1, 1)?;
            let dec = NaiveDate::from_ymd_opt(year, 12, 1)?;
            let found = nth_week(jan, dec, unit <= 1, n, 1)?;
            *c = p;
            return Some(found);
        }
    }
    // The relative years alone are read with the other named periods.
    let mut after = *c;
    after.skip_spaces();
    after.eat("的");
    // `2018年之後`: from a year on, which no value here says.
    let from_then_on = ["之後", "之后", "以後", "以后"]
        .iter()
        .any(|w| after.rest().starts_with(w));
    if relative
        || from_then_on
        || after.peek().is_some_and(|ch| {
            ch.is_ascii_digit()
                || "月代度初中底尾末一二三四五六七八九十上下前後后半第最頭头".contains(ch)
        })
    {
        return None;
    }
    year_period(year)
}

/// A named week, weekend, month or year.
pub(crate) fn period(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    const FIRST_WORDS: [&str; 54] = [
        "w",
        "earlier",
        "later",
        "past",
        "year",
        "calendar",
        "final",
        "bom",
        "boy",
        "fourth",
        "current",
        "coming",
        "upcoming",
        "previous",
        "all",
        "first",
        "second",
        "third",
        "this",
        "next",
        "the",
        "last",
        "week",
        "rest",
        "beginning",
        "start",
        "early",
        "mid",
        "middle",
        "late",
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
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ];
    if !super::cursor::first_word_in(c, &FIRST_WORDS) {
        return None;
    }
    for form in [
        zh_year_parts,
        part_of_period,
        fuzzy,
        week_of_month,
        zh_week_of_month,
        week_of_day,
        numeric_month,
        year_named,
        nth_month_of_year,
        week_number,
    ] {
        let mut probe = *c;
        if let Some(found) = form(&mut probe, ctx) {
            *c = probe;
            return Some(found);
        }
    }
    let mut probe = *c;
    if let Some(found) = quarter(&mut probe, ctx) {
        *c = probe;
        return Some(found);
    }
    // 上上週, 下下個月, 上上個禮拜, 下下週末: the prefix said twice is one step further.
    let mut twice = *c;
    if let Some(dir) = twice.eat_any(&["上上", "下下"]) {
        let mut once = *c;
        once.pos += "上".len();
        if let Some(i) = once.eat_table(PERIODS) {
            let step = match (dir, PERIODS[i].1) {
                (0, Unit::LastWeek | Unit::LastWeekend) | (1, Unit::Week(1) | Unit::Weekend(1)) => {
                    Some((true, dir))
                }
                (0, Unit::LastMonth) | (1, Unit::Month(1)) => Some((false, dir)),
                _ => None,
            };
            if let Some((weeks, dir)) = step {
                let (first, last) = unit_period(PERIODS[i].1, ctx.today())?;
                let (first, last) = match (weeks, dir) {
                    (true, 0) => (first - Days::new(7), last - Days::new(7)),
                    (true, _) => (first + Days::new(7), last + Days::new(7)),
                    (false, 0) => {
                        let f = first.checked_sub_months(chrono::Months::new(1))?;
                        (f, month_end(f, 0)?)
                    }
                    (false, _) => {
                        let f = first.checked_add_months(chrono::Months::new(1))?;
                        (f, month_end(f, 0)?)
                    }
                };
                *c = once;
                return Some(Period { first, last });
            }
        }
    }
    let start = *c;
    let named = c.eat_table(PERIODS);
    let mut month = start;
    if let Some(found) = month_period(&mut month, ctx) {
        if named.is_none() || month.pos > c.pos {
            *c = month;
            return Some(found);
        }
    }
    let i = named?;
    // "傾下年假安排" is a chat about annual leave (年假), not next year (下年); likewise
    // 年終 (year-end bonus), 年報 (annual report), 年資, 年薪.
    if PERIODS[i].0.ends_with('年') && c.peek().is_some_and(|n| "假終终報报資资薪".contains(n))
    {
        return None;
    }
    let (first, last) = unit_period(PERIODS[i].1, ctx.today())?;
    Some(Period { first, last })
}

/// The first and last day of a named period.
fn unit_period(unit: Unit, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let (first, last) = match unit {
        Unit::Week(n) => {
            let monday = week_start(today) + Days::new(7 * n);
            (monday, monday + Days::new(6))
        }
        Unit::Weekend(n) => {
            let saturday = week_start(today) + Days::new(7 * n + 5);
            (saturday, saturday + Days::new(1))
        }
        Unit::LastWeekend => {
            let saturday = week_start(today) - Days::new(2);
            (saturday, saturday + Days::new(1))
        }
        Unit::Month(n) => (month_start(today, n)?, month_end(today, n)?),
        Unit::LastWeek => {
            let monday = week_start(today) - Days::new(7);
            (monday, monday + Days::new(6))
        }
        Unit::WorkWeek(n) => {
            let monday = monday_of_week(today, n)?;
            (monday, monday + Days::new(4))
        }
        Unit::LastMonth => {
            let first = today
                .with_day(1)?
                .checked_sub_months(chrono::Months::new(1))?;
            (first, month_end(first, 0)?)
        }
        Unit::Year(n) => (
            NaiveDate::from_ymd_opt(today.year() + n, 1, 1)?,
            NaiveDate::from_ymd_opt(today.year() + n, 12, 31)?,
        ),
    };
    Some((first, last))
}

/// The days, weeks or months a part of a period is counted in.
#[derive(Clone, Copy)]
enum PartUnit {
    Day,
    Week,
    Month,
    Half,
}

/// `the first 2 weeks of 2027`, `the last four months of next year`, `first ten days of
/// last year`, `2027年的前2周`, `今年的最後3週`, `去年的前10天`,
/// `明年下半年`, `上半年` (this year's): the first or last days, weeks (those wholly in the
/// period, as for the weeks of a month), months or half of a period.
fn part_of_period(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let mut probe = *c;
    if let Some(found) = english_part(&mut probe, ctx).or_else(|| {
        probe = *c;
        chinese_part(&mut probe, ctx)
    }) {
        *c = probe;
        return Some(found);
    }
    None
}

fn english_part(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    c.eat("the");
    c.skip_spaces();
    // (`the second half of 2027` is left alone: as often a part of a match or a film.)
    let first = c.eat_any(&["first", "last", "final"])? == 0;
    c.skip_spaces();
    let n = super::numerals::en_count(c)?;
    c.skip_spaces();
    let unit = match c.eat_any(&["days", "day", "weeks", "week", "months", "month"])? {
        0 | 1 => PartUnit::Day,
        2 | 3 => PartUnit::Week,
        _ => PartUnit::Month,
    };
    if !c.eat_spaced("of") {
        return None;
    }
    c.skip_spaces();
    let whole = whole_year_said(c).or_else(|| period(c, ctx))?;
    part(whole, first, n, unit)
}

fn chinese_part(c: &mut Cursor, ctx: &Context) -> Option<Period> {
    let today = ctx.today();
    let mut probe = *c;
    let whole = match super::numerals::number(&mut probe, 4) {
        Some(y) if (1900..=2099).contains(&y) && probe.eat("年") => Some(year_period(y as i32)?),
        _ => {
            // A named period (今年, 去年, 下個月…): not `period`, which tries this form.
            probe = *c;
            let mut p = probe;
            match p.eat_table(PERIODS) {
                Some(i) => {
                    probe = p;
                    let (first, last) = unit_period(PERIODS[i].1, today)?;
                    Some(Period { first, last })
                }
                None => None,
            }
        }
    };
    if whole.is_some() && probe.eat_any(&["的", "嘅"]).is_none() {
        probe.skip_spaces();
    }
    // 上半年 / 下半年 (前半年 / 後半年): a half of the year said, or of this one.
    if let Some(i) = probe.eat_any(&["上半年", "前半年", "下半年", "後半年", "后半年"])
    {
        let year = match whole {
            Some(w) if w.first.month() == 1 && w.first.day() == 1 && w.last.month() == 12 => w,
            Some(_) => return None,
            None => year_period(today.year())?,
        };
        *c = probe;
        return part(year, i < 2, 1, PartUnit::Half);
    }
    let whole = whole?;
    let first = probe.eat_any(&["前", "頭", "头", "最後", "最后"])? < 3;
    probe.skip_spaces();
    let n = super::numerals::number(&mut probe, 2)?;
    probe.skip_spaces();
    let unit = match probe.eat_any(&[
        "天",
        "日",
        "個星期",
        "个星期",
        "個禮拜",
        "个礼拜",
        "星期",
        "禮拜",
        "礼拜",
        "週",
        "周",
        "個月",
        "个月",
    ])? {
        0 | 1 => PartUnit::Day,
        2..=10 => PartUnit::Week,
        _ => PartUnit::Month,
    };
    let found = part(whole, first, n, unit)?;
    *c = probe;
    Some(found)
}

/// A year said alone after `of`: `2027` (1900–2099).
fn whole_year_said(c: &mut Cursor) -> Option<Period> {
    let mut probe = *c;
    let (y, 4) = probe.digits(4)? else {
        return None;
    };
    if !(1900..=2099).contains(&y) || probe.peek().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
        return None;
    }
    *c = probe;
    year_period(y as i32)
}

fn year_period(year: i32) -> Option<Period> {
    Some(Period {
        first: NaiveDate::from_ymd_opt(year, 1, 1)?,
        last: NaiveDate::from_ymd_opt(year, 12, 31)?,
    })
}

/// The first or last `n` units of `whole`, when they fit in it.
fn part(whole: Period, first: bool, n: u32, unit: PartUnit) -> Option<Period> {
    if n == 0 {
        return None;
    }
    let found = match unit {
        PartUnit::Day => {
            let days = Days::new(u64::from(n) - 1);
            if first {
                Period {
                    first: whole.first,
                    last: whole.first + days,
                }
            } else {
                Period {
                    first: whole.last - days,
                    last: whole.last,
                }
            }
        }
        PartUnit::Week => {
            let days = Days::new(7 * u64::from(n) - 1);
            if first {
                let monday = week_start(whole.first + Days::new(6));
                Period {
                    first: monday,
                    last: monday + days,
                }
            } else {
                let sunday = week_start(whole.last + Days::new(1)) - Days::new(1);
                Period {
                    first: sunday - days,
                    last: sunday,
                }
            }
        }
        PartUnit::Month | PartUnit::Half => {
            // A half is six months of a year.
            let months = match unit {
                PartUnit::Half => {
                    if whole.first.month() != 1 || whole.last.month() != 12 {
                        return None;
                    }
                    6
                }
                _ => n,
            };
            if whole.first.day() != 1 {
                return None;
            }
            if first {
                let last = month_end(whole.first, months - 1)?;
                Period {
                    first: whole.first,
                    last,
                }
            } else {
                let first_month = month_start(whole.last, 0)?
                    .checked_sub_months(chrono::Months::new(months - 1))?;
                Period {
                    first: first_month,
                    last: whole.last,
                }
            }
        }
    };
    (found.first >= whole.first && found.last <= whole.last && found.first <= found.last)
        .then_some(found)
}
