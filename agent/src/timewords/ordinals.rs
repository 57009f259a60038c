//! Days named by their place: `first Tuesday of October`, `last Friday of the month`,
//! `十月第一個星期一`, `the 15th`, `20th of next month`, `Friday after next`,
//! `the day before yesterday`, `end of April`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::context::{days_in_month, in_week, month_end, month_start, week_start, Context};
use super::cursor::{longest, Cursor};
use super::days::{en_weekday, zh_weekday, Day, ZH_THIS_MONTH};
use super::numerals::{cjk_number, number};

pub(super) const EN_MONTHS: [&str; 12] = [
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
];
pub(super) const EN_MONTHS_SHORT: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A day named by its place in a month or a week.
pub(crate) fn ordinal_day(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let date = longest(
        c,
        ctx,
        &[
            super::business_days::en_nth_in_month,
            super::business_days::zh_nth_in_month,
            nth_weekday,
            zh_nth_weekday,
            month_day,
            zh_month_day,
            week_after_next,
            day_before_yesterday,
            end_of_month_name,
            nth_last_day,
            closest_weekday,
        ],
    )?;
    Some(Day::on(date))
}

/// An English month name, with the year when one follows (`October 2014`); `this month`
/// / `next month` / `last month` as months from this one.
#[derive(Clone, Copy)]
pub(super) enum MonthSaid {
    Named(u32, Option<i32>),
    Ahead(i32),
}

pub(super) fn en_month_said(c: &mut Cursor) -> Option<MonthSaid> {
    let named = c
        .eat_any(&EN_MONTHS)
        .or_else(|| c.eat_any(&EN_MONTHS_SHORT).inspect(|_| _ = c.eat(".")));
    if let Some(i) = named {
        let mut probe = *c;
        probe.eat(",");
        probe.skip_spaces();
        let year = match probe.digits(4) {
            Some((y, 4)) => {
                *c = probe;
                Some(y as i32)
            }
            _ => None,
        };
        return Some(MonthSaid::Named(i as u32 + 1, year));
    }
    const RELATIVE: [(&str, i32); 12] = [
        ("this month", 0),
        ("the month", 0),
        ("the current month", 0),
        ("current month", 0),
        ("next month", 1),
        ("the next month", 1),
        ("the following month", 1),
        ("last month", -1),
        ("the last month", -1),
        ("previous month", -1),
        ("the previous month", -1),
        ("the past month", -1),
    ];
    let i = c.eat_table(&RELATIVE)?;
    Some(MonthSaid::Ahead(RELATIVE[i].1))
}

/// The first day of the month `n` months from this one (negative: back).
pub(super) fn month_start_from(today: NaiveDate, n: i32) -> Option<NaiveDate> {
    let first = today.with_day(1)?;
    if n >= 0 {
        first.checked_add_months(chrono::Months::new(n.unsigned_abs()))
    } else {
        first.checked_sub_months(chrono::Months::new(n.unsigned_abs()))
    }
}

/// The first day of the month meant. A month named without a year is this year's while
/// `keep(first day)` holds, else next year's.
pub(super) fn month_first(
    said: MonthSaid,
    ctx: &Context,
    keep: impl Fn(NaiveDate) -> bool,
) -> Option<NaiveDate> {
    match said {
        MonthSaid::Ahead(n) => month_start_from(ctx.today(), n),
        MonthSaid::Named(m, Some(year)) => NaiveDate::from_ymd_opt(year, m, 1),
        MonthSaid::Named(m, None) => {
            let this = NaiveDate::from_ymd_opt(ctx.today().year(), m, 1)?;
            if keep(this) {
                Some(this)
            } else {
                NaiveDate::from_ymd_opt(ctx.today().year() + 1, m, 1)
            }
        }
    }
}

/// The `n`th (1-5; 0 = last) `wd` of the month that starts on `first`.
pub(super) fn nth_in_month(first: NaiveDate, wd: Weekday, n: u32) -> Option<NaiveDate> {
    if n == 0 {
        let last = month_end(first, 0)?;
        let back = (7 + last.weekday().num_days_from_monday() - wd.num_days_from_monday()) % 7;
        return last.checked_sub_days(Days::new(u64::from(back)));
    }
    let ahead = (7 + wd.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
    let d = first.checked_add_days(Days::new(u64::from(ahead + 7 * (n - 1))))?;
    (d.month() == first.month()).then_some(d)
}

const EN_NTH: [(&str, u32); 11] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("last", 0),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("4th", 4),
    ("5th", 5),
];

/// `first Tuesday of October`, `the last Friday of the month`, `2nd Monday in May`.
fn nth_weekday(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    if c.eat("the") {
        c.skip_spaces();
    }
    let i = c.eat_table(&EN_NTH)?;
    let n = EN_NTH[i].1;
    c.skip_spaces();
    let wd = en_weekday(c, true)?;
    c.eat_any_spaced(&["of", "in"])?;
    c.skip_spaces();
    let said = en_month_said(c)?;
    let today = ctx.today();
    let first = month_first(said, ctx, |f| {
        nth_in_month(f, wd, n).is_some_and(|d| d >= today)
    })?;
    nth_in_month(first, wd, n)
}

/// `十月第一個星期一`, `下個月第二個禮拜三`, `十二月最後一個星期五`.
fn zh_nth_weekday(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let said = zh_month_said(c)?;
    let n = zh_nth(c, 1).filter(|n| *n <= 5)?;
    let wd = zh_weekday(c)?;
    let today = ctx.today();
    let first = month_first(said, ctx, |f| {
        nth_in_month(f, wd, n).is_some_and(|d| d >= today)
    })?;
    nth_in_month(first, wd, n)
}

/// The month a Chinese ordinal is counted in: `下個月`, `本月` / `今個月`, `十二月`.
pub(super) fn zh_month_said(c: &mut Cursor) -> Option<MonthSaid> {
    if c.eat_any(&["下個月", "下个月", "下月", "下一個月", "下一个月"])
        .is_some()
    {
        return Some(MonthSaid::Ahead(1));
    }
    if c.eat_any(&ZH_THIS_MONTH).is_some() {
        return Some(MonthSaid::Ahead(0));
    }
    let m = number(c, 2)?;
    ((1..=12).contains(&m) && c.eat("月")).then_some(MonthSaid::Named(m, None))
}

/// The place said after a month (`嘅` / `的` may come between): `第二個`, `第3` (that
/// number, of up to `max_digits` digits) or `最後一個` (0, the last).
pub(super) fn zh_nth(c: &mut Cursor, max_digits: usize) -> Option<u32> {
    c.eat_any(&["嘅", "的"]);
    if c.eat_any(&[
        "最後一個",
        "最后一个",
        "最尾一個",
        "最尾嗰個",
        "最後一",
        "最后一",
    ])
    .is_some()
    {
        return Some(0);
    }
    if !c.eat("第") {
        return None;
    }
    let n = cjk_number(c).or_else(|| c.digits(max_digits).map(|(v, _)| v))?;
    c.eat_any(&["個", "个"]);
    (n > 0).then_some(n)
}

/// `the 15th`, `on the 3rd`, `20th of next month`, `the 15th of this month`: the next
/// such day of a month, this month's while it is ahead.
fn month_day(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let after_on = ["on", "by", "until", "till"]
        .iter()
        .any(|w| c.word_before().eq_ignore_ascii_case(w));
    let the = c.eat("the");
    if the {
        c.skip_spaces();
    }
    let (day, suffix) = match c.digits(2) {
        Some((day, _)) => (day, c.eat_any(&["st", "nd", "rd", "th"]).is_some()),
        // `the twenty-fourth`, `on the first`; `the first`, `the second` alone are as
        // often places in a list.
        None => {
            let day = super::dates::ordinal_word_day(c)?;
            // `on the first floor`: a word after it that is no time's own makes it a place.
            let next = {
                let mut p = *c;
                p.skip_spaces();
                let rest = p.rest();
                let len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
                rest[..len].to_ascii_lowercase()
            };
            let alone = next.is_empty()
                || [
                    "at", "of", "and", "or", "to", "in", "from", "until", "till", "then",
                ]
                .contains(&next.as_str());
            (day, day > 10 || after_on && alone)
        }
    };
    let mut probe = *c;
    // `20th day of next month`.
    let mut day_of = probe;
    if day_of.eat_any_spaced(&["day"]).is_some() && day_of.eat_any_spaced(&["of"]).is_some() {
        probe = day_of;
        probe.pos -= 2;
    }
    let said = if probe.eat_any_spaced(&["of"]).is_some() {
        probe.skip_spaces();
        match en_month_said(&mut probe)? {
            MonthSaid::Ahead(n) => Some(n),
            MonthSaid::Named(..) => return None, // `the 3rd of March` is a date (dates.rs)
        }
    } else {
        None
    };
    // `the 15th`, `20 of next month`; a bare `15` or `first` is no day.
    if said.is_none() && !(the && suffix) {
        return None;
    }
    if said.is_some() {
        *c = probe;
    }
    if !(1..=31).contains(&day) {
        return None;
    }
    let today = ctx.today();
    if let Some(n) = said {
        let first = month_start_from(today, n)?;
        return NaiveDate::from_ymd_opt(first.year(), first.month(), day);
    }
    next_day_of_month(today, day)
}

/// The next day `day` of a month on or after `today`: this month's while it is ahead.
pub(super) fn next_day_of_month(today: NaiveDate, day: u32) -> Option<NaiveDate> {
    (0..12).find_map(|n| {
        let first = month_start(today, n)?;
        NaiveDate::from_ymd_opt(first.year(), first.month(), day).filter(|d| *d >= today)
    })
}

/// `29號`, `30号`, `15日` (digits before 日: `三日` is as often three days): the next
/// such day of a month, this month's while it is ahead.
fn zh_month_day(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let mut probe = *c;
    let digits = probe.peek().is_some_and(|ch| ch.is_ascii_digit());
    let day = super::numerals::number(&mut probe, 2)?;
    let unit = probe.eat_any(&["號", "号", "日"])?;
    if unit == 2 && !digits {
        return None;
    }
    // `15日內`, `3日後`, `3日前` are lengths (offsets.rs); `28日元` an amount; `第3號`,
    // `8號風球`, `3號會議室`, `5號線` are numbers of things.
    let follows = |words: &[&str]| words.iter().any(|w| probe.rest().starts_with(w));
    if c.text[..c.pos].ends_with('第')
        || unit == 2 && follows(&["內", "内", "後", "后", "前", "以", "之", "元", "圓", "圆"])
        || follows(&[
            "風球",
            "风球",
            "會議室",
            "会议室",
            "房",
            "室",
            "線",
            "线",
            "車",
            "车",
            "位",
            "櫃",
            "柜",
            "樓",
            "楼",
            "閘",
            "闸",
            "碼頭",
            "码头",
            "門",
            "门",
            "機",
            "机",
            "巴士",
        ])
    {
        return None;
    }
    if !(1..=31).contains(&day) {
        return None;
    }
    let date = next_day_of_month(ctx.today(), day)?;
    *c = probe;
    Some(date)
}

/// `the 19th` or `19th` after `Tuesday`: the next 19th that is a Tuesday. Also a bare
/// `Monday 21` (a number of 13 to 31 that nothing follows as a time or an amount would:
/// `Monday 9` may be nine o'clock, `Monday 14:00` and `Monday 20 people` are not days).
pub(crate) fn month_day_on(c: &mut Cursor, ctx: &Context, wd: Weekday) -> Option<NaiveDate> {
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    let day = match probe.digits(2) {
        Some((day, _)) => {
            if probe.eat_any(&["st", "nd", "rd", "th"]).is_none() && !bare_day_number(&probe, day) {
                return None;
            }
            day
        }
        // `Monday the twenty-fourth`.
        None => super::dates::ordinal_word_day(&mut probe)?,
    };
    // `Fri, 15th Feb`, `Tuesday the 19th of March`: a month follows, the date decides.
    let mut month = probe;
    month.skip_spaces();
    month.eat("of");
    month.skip_spaces();
    if en_month_said(&mut month).is_some() {
        return None;
    }
    let today = ctx.today();
    let date = (0..28).find_map(|n| {
        let first = month_start(today, n)?;
        NaiveDate::from_ymd_opt(first.year(), first.month(), day)
            .filter(|d| *d >= today && d.weekday() == wd)
    })?;
    *c = probe;
    Some(date)
}

/// Whether a number `day` just read (the cursor after it) stands alone as a day of the
/// month: 13 to 31 (not an hour of the office day) and followed by nothing a time or an
/// amount is (`:00`, `.30`, `h`, `am`, `hours`, `people`, another digit).
fn bare_day_number(after: &Cursor, day: u32) -> bool {
    let rest = after.rest();
    (13..=31).contains(&day)
        && !rest.starts_with(|ch: char| ch.is_alphanumeric() || ":.：%/-–".contains(ch))
        && !super::clock::an_amount_follows(after)
        && {
            let mut p = *after;
            p.skip_spaces();
            !p.rest().starts_with(|ch: char| ch.is_ascii_digit())
                && p.eat_any(&["am", "pm", "a.m", "p.m", "o'clock", "hours", "hrs", "h "])
                    .is_none()
        }
}

/// `Friday after next`, `the Friday after next`: that day of the week after next.
fn week_after_next(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    if c.eat("the") {
        c.skip_spaces();
    }
    let wd = en_weekday(c, false)?;
    c.eat_any_spaced(&["after next"])?;
    Some(in_week(week_start(ctx.today()) + Days::new(14), wd))
}

fn day_before_yesterday(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    c.eat_any(&["the day before yesterday", "day before yesterday"])?;
    ctx.today().checked_sub_days(Days::new(2))
}

/// `end of April`, `the end of March`: the month's last day, the next one ahead.
pub(crate) fn end_of_month_name(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    c.eat_any(&[
        "the end of",
        "end of",
        "the last day of",
        "last day of",
        "the last day in",
        "last day in",
    ])?;
    c.skip_spaces();
    let MonthSaid::Named(m, year) = en_month_said(c)? else {
        return None;
    };
    // `last day of October 2015`.
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(y, m, days_in_month(y, m));
    }
    let today = ctx.today();
    let first = month_first(MonthSaid::Named(m, None), ctx, |f| {
        month_end(f, 0).is_some_and(|d| d >= today)
    })?;
    NaiveDate::from_ymd_opt(first.year(), m, days_in_month(first.year(), m))
}

/// An ordinal counted from the end (`2nd last`, `the third last`): 1 is the last.
pub(super) fn nth_last(c: &mut Cursor) -> Option<u32> {
    const NTH: [(&str, u32); 10] = [
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("2nd", 2),
        ("3rd", 3),
        ("4th", 4),
        ("5th", 5),
        ("second to", 2),
        ("next to", 2),
    ];
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    let n = NTH[probe.eat_table(&NTH)?].1;
    probe.eat_any_spaced(&["last"])?;
    *c = probe;
    Some(n)
}

/// `the 5th last day of May`, `the second last Friday of the month`, `2nd last day of
/// next month`: counted back from the end of the month (a month without a year is this
/// year's while that day is ahead).
fn nth_last_day(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let n = nth_last(c)?;
    c.skip_spaces();
    let wd = if c.eat("day") {
        None
    } else {
        Some(en_weekday(c, true)?)
    };
    c.eat_any_spaced(&["of", "in"])?;
    c.skip_spaces();
    let said = en_month_said(c)?;
    let place = |first: NaiveDate| -> Option<NaiveDate> {
        let back = u64::from(match wd {
            None => n - 1,
            Some(_) => 7 * (n - 1),
        });
        let last = match wd {
            None => month_end(first, 0)?,
            Some(wd) => nth_in_month(first, wd, 0)?,
        };
        last.checked_sub_days(Days::new(back))
            .filter(|d| d.month() == first.month())
    };
    let today = ctx.today();
    let first = month_first(said, ctx, |f| place(f).is_some_and(|d| d >= today))?;
    place(first)
}

/// `the closest Monday to Oct 5th`, `the nearest Friday to 3/12`, `the second closest
/// Christmas to today`: the weekday (or holiday) fewest
/// days from that date (the date itself when it is one).
fn closest_weekday(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    if c.eat("the") {
        c.skip_spaces();
    }
    // `the second closest Monday to Oct 5`, `the 3rd closest xmas to today`.
    const NTH: [(&str, usize); 10] = [
        ("first", 1),
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("fifth", 5),
        ("1st", 1),
        ("2nd", 2),
        ("3rd", 3),
        ("4th", 4),
        ("5th", 5),
    ];
    let n = match c.eat_table(&NTH) {
        Some(i) => {
            c.skip_spaces();
            NTH[i].1
        }
        None => 1,
    };
    c.eat_any(&["closest", "nearest"])?;
    c.skip_spaces();
    let mut name = *c;
    let weekday = en_weekday(&mut name, true);
    let holiday_at = *c;
    if weekday.is_none() {
        // Checked here, read below once the day it is closest to is known.
        super::holidays::occurrences_around(&mut name, 2000, 0)?;
    }
    *c = name;
    c.eat_any_spaced(&["to"])?;
    c.skip_spaces();
    let Ok(day) = super::moment::day(c, ctx)? else {
        return None;
    };
    let span = i32::try_from(n).ok()? + 1;
    let mut candidates: Vec<NaiveDate> = match weekday {
        Some(wd) => {
            let ahead =
                (7 + wd.num_days_from_monday() - day.date.weekday().num_days_from_monday()) % 7;
            let first = day.date.checked_add_days(Days::new(u64::from(ahead)))?;
            (-span..=span)
                .filter_map(|k| first.checked_add_signed(chrono::Duration::weeks(i64::from(k))))
                .collect()
        }
        None => {
            let mut h = holiday_at;
            super::holidays::occurrences_around(&mut h, day.date.year(), span)?
        }
    };
    // Fewest days away first; of two equally near, the one after.
    candidates.sort_by_key(|d| ((*d - day.date).num_days().abs(), *d < day.date));
    candidates.get(n - 1).copied()
}
