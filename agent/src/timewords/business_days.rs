//! Business days, counted over Hong Kong's calendar: Monday to Friday, not a general
//! holiday. `in 3 business days`, `5 working days from now`, `2 business days ago`,
//! `within 5 working days`, `the next 4 business days`, `the next business day`, `the
//! last working day of the month`; `3個工作天內`, `五個工作日後`, `下一個工作日`,
//! `未來三個工作日`, `下個月第一個工作日`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::context::Context;
use super::cursor::{longest, Cursor};
use super::numerals::{en_count, number};
use super::ordinals::{en_month_said, month_first, zh_month_said, zh_nth, MonthSaid};
use super::span::{Value, When};

/// More business days than this (about three years) are not counted.
const MOST: u32 = 800;

const EN_UNITS: [&str; 10] = [
    "business days",
    "business day",
    "working days",
    "working day",
    "work days",
    "work day",
    "workdays",
    "workday",
    "biz days",
    "biz day",
];
const ZH_UNITS: [&str; 4] = ["工作天", "工作日", "個工作天", "個工作日"];
const ZH_UNITS_SIMPLIFIED: [&str; 2] = ["个工作天", "个工作日"];

/// The holidays of the years a count runs over, looked up once per year.
#[derive(Default)]
struct Calendar {
    years: Vec<(i32, Vec<NaiveDate>)>,
}

impl Calendar {
    fn is_business_day(&mut self, d: NaiveDate) -> bool {
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        let year = d.year();
        let holidays = match self.years.iter().position(|(y, _)| *y == year) {
            Some(i) => &self.years[i].1,
            None => {
                self.years
                    .push((year, super::holidays::hong_kong_general_holidays(year)));
                &self.years[self.years.len() - 1].1
            }
        };
        holidays.binary_search(&d).is_err()
    }

    /// The `n`th business day after `from` (before it, when `back`), `from` not counted.
    fn count(&mut self, from: NaiveDate, n: u32, back: bool) -> Option<NaiveDate> {
        if n == 0 || n > MOST {
            return None;
        }
        let mut d = from;
        let mut left = n;
        while left > 0 {
            d = if back {
                d.checked_sub_days(Days::new(1))?
            } else {
                d.checked_add_days(Days::new(1))?
            };
            if self.is_business_day(d) {
                left -= 1;
            }
        }
        Some(d)
    }

    /// The `n`th business day of the month that starts on `first` (0: the last one).
    fn nth_in_month(&mut self, first: NaiveDate, n: u32) -> Option<NaiveDate> {
        let next_month = first.checked_add_months(chrono::Months::new(1))?;
        let d = if n == 0 {
            self.count(next_month, 1, true)?
        } else {
            self.count(first - Days::new(1), n, false)?
        };
        (d.month() == first.month()).then_some(d)
    }
}

/// Business days said as an offset or a stretch from today.
pub(crate) fn business_days(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    longest(c, ctx, &[en_offset, zh_offset, zh_next])
}

/// How a count of business days is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placed {
    /// The day that many business days on (back).
    On { back: bool },
    /// From today to the day that many business days on.
    Within,
    /// The business days after today (before it), that many.
    Next { back: bool },
}

fn placed(placed: Placed, n: u32, ctx: &Context) -> Option<Value> {
    let today = ctx.today();
    let mut cal = Calendar::default();
    match placed {
        Placed::On { back } => Some(Value::Date(cal.count(today, n, back)?)),
        Placed::Within => Some(Value::Interval {
            start: When::Date(today),
            end: When::Date(cal.count(today, n, false)?),
        }),
        Placed::Next { back: false } => Some(Value::Interval {
            start: When::Date(cal.count(today, 1, false)?),
            end: When::Date(cal.count(today, n, false)?),
        }),
        Placed::Next { back: true } => Some(Value::Interval {
            start: When::Date(cal.count(today, n, true)?),
            end: When::Date(cal.count(today, 1, true)?),
        }),
    }
}

/// `in 3 business days`, `3 working days from now`, `2 business days ago`, `within 5
/// working days`, `the next 4 business days`, `the last 2 working days`; a single one
/// without a count: `the next business day`, `the previous working day`. `the last
/// working day of March` and its kind are days of a month.
fn en_offset(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut p = *c;
    if p.eat("the") {
        p.skip_spaces();
    }
    const LEADS: [&str; 16] = [
        "in",
        "within",
        "next",
        "coming",
        "upcoming",
        "following",
        "in the next",
        "over the next",
        "in the coming",
        "over the coming",
        "last",
        "past",
        "previous",
        "in the last",
        "in the past",
        "over the past",
    ];
    let lead = p.eat_any(&LEADS);
    p.skip_spaces();
    let count = en_count(&mut p);
    p.skip_spaces();
    let unit = p.eat_any(&EN_UNITS)?;
    let plural = EN_UNITS[unit].ends_with('s');
    let back = lead.is_some_and(|i| i >= 10);
    // `2 business days after Friday`, `3 working days before 1 March`.
    let mut after_anchor = p;
    let anchor = match (lead, count) {
        (None, Some(_)) => super::offsets::anchor(&mut after_anchor, ctx),
        _ => None,
    };
    let value = match (lead, count, anchor) {
        (None, Some(n), Some((back, from))) => {
            p = after_anchor;
            let from = match from {
                When::Date(d) => d,
                When::DateTime(t) => t.date_naive(),
            };
            Value::Date(Calendar::default().count(from, n, back)?)
        }
        // `in 3 business days`, `3 business days from now`, `… ago`.
        (None | Some(0), Some(n), _) => {
            let mut after = p;
            let back = match after.eat_any_spaced(&[
                "from now",
                "from today",
                "later",
                "hence",
                "time",
                "after today",
                "ago",
                "back",
            ]) {
                Some(i) => i >= 6,
                None if lead == Some(0) => false,
                None => return None,
            };
            if lead == Some(0) && back {
                return None;
            }
            p = after;
            placed(Placed::On { back }, n, ctx)?
        }
        (Some(1), Some(n), _) => placed(Placed::Within, n, ctx)?,
        // `the next business day`, `the previous working day` (not `the last working day
        // of the month`, a day of a month).
        (Some(i), None, _) if i >= 2 && !plural => {
            let mut of = p;
            if of.eat_any_spaced(&["of", "in"]).is_some() {
                return None;
            }
            placed(Placed::On { back }, 1, ctx)?
        }
        (Some(_), Some(n), _) if plural || n == 1 => placed(Placed::Next { back }, n, ctx)?,
        _ => return None,
    };
    *c = p;
    Some(value)
}

const EN_NTH: [(&str, u32); 10] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("last", 0),
    ("1st", 1),
    ("2nd", 2),
    ("3rd", 3),
    ("final", 0),
];

/// `the first business day of next month`, `the last working day of March`, `2nd
/// business day in April`: the next such day from today.
pub(crate) fn en_nth_in_month(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let mut p = *c;
    if p.eat("the") {
        p.skip_spaces();
    }
    let n = EN_NTH[p.eat_table(&EN_NTH)?].1;
    p.skip_spaces();
    let unit = p.eat_any(&EN_UNITS)?;
    if EN_UNITS[unit].ends_with('s') {
        return None;
    }
    p.eat_any_spaced(&["of", "in"])?;
    p.skip_spaces();
    let said = en_month_said(&mut p)?;
    let day = in_month(said, n, ctx)?;
    *c = p;
    Some(day)
}

/// `下個月第一個工作日`, `本月最後一個工作天`, `十二月嘅最後一個工作日`.
pub(crate) fn zh_nth_in_month(c: &mut Cursor, ctx: &Context) -> Option<NaiveDate> {
    let mut p = *c;
    let said = zh_month_said(&mut p)?;
    let n = zh_nth(&mut p, 2)?;
    p.eat_any(&["工作天", "工作日"])?;
    let day = in_month(said, n, ctx)?;
    *c = p;
    Some(day)
}

/// The `n`th business day (0: the last) of the month said, this year's while it is
/// still ahead.
fn in_month(said: MonthSaid, n: u32, ctx: &Context) -> Option<NaiveDate> {
    if n > 23 {
        return None;
    }
    let today = ctx.today();
    let mut cal = Calendar::default();
    let first = month_first(said, ctx, |f| {
        Calendar::default()
            .nth_in_month(f, n)
            .is_some_and(|d| d >= today)
    })?;
    cal.nth_in_month(first, n)
}

/// `3個工作天內`, `五個工作日之內` (from today), `兩個工作天後` (that day), `三個工作日前`.
fn zh_offset(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut p = *c;
    let n = number(&mut p, 3)?;
    p.skip_spaces();
    p.eat_any(&ZH_UNITS)
        .or_else(|| p.eat_any(&ZH_UNITS_SIMPLIFIED))?;
    p.skip_spaces();
    let how = p.eat_any(&[
        "之內", "之内", "以內", "以内", "內", "内", "之後", "之后", "以後", "以后", "後", "后",
        "之前", "以前", "前",
    ])?;
    let placed_as = match how {
        0..=5 => Placed::Within,
        6..=11 => Placed::On { back: false },
        _ => Placed::On { back: true },
    };
    let value = placed(placed_as, n, ctx)?;
    *c = p;
    Some(value)
}

/// `下一個工作日`, `下個工作天` (the next business day), `上一個工作日`; `未來三個工作日`,
/// `接下來五個工作天`, `下三個工作日` (the business days after today), `過去兩個工作日`.
fn zh_next(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut p = *c;
    let lead = p.eat_any(&[
        "下",
        "未來",
        "未来",
        "接下來",
        "接下来",
        "上",
        "過去",
        "过去",
    ])?;
    let back = lead >= 5;
    let n = match number(&mut p, 3) {
        Some(n) => n,
        // `下個工作日`: one.
        None if lead == 0 || lead == 5 => 1,
        None => return None,
    };
    p.eat_any(&ZH_UNITS)
        .or_else(|| p.eat_any(&ZH_UNITS_SIMPLIFIED))?;
    // `下一個工作日` is a day; `下三個工作日`, `未來一個工作日` a stretch.
    let value = if (lead == 0 || lead == 5) && n == 1 {
        placed(Placed::On { back }, 1, ctx)?
    } else {
        placed(Placed::Next { back }, n, ctx)?
    };
    *c = p;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn counts_skip_weekends_and_hong_kong_holidays() {
        let mut cal = Calendar::default();
        // Thursday 1 October 2026 (National Day): from Wednesday 30 September, one
        // business day on is Friday 2 October.
        assert_eq!(
            cal.count(ymd(2026, 9, 30), 1, false),
            Some(ymd(2026, 10, 2))
        );
        // From Friday 2 October, three on: Mon 5, Tue 6, Wed 7.
        assert_eq!(
            cal.count(ymd(2026, 10, 2), 3, false),
            Some(ymd(2026, 10, 7))
        );
        // Easter 2026: Friday 3 April to Tuesday 7 April are holidays or a weekend.
        assert_eq!(cal.count(ymd(2026, 4, 2), 1, false), Some(ymd(2026, 4, 8)));
        assert_eq!(cal.count(ymd(2026, 4, 8), 1, true), Some(ymd(2026, 4, 2)));
        // Across the year's end: Christmas Friday, Boxing Saturday, New Year Friday.
        assert_eq!(
            cal.count(ymd(2026, 12, 24), 5, false),
            Some(ymd(2027, 1, 4))
        );
        assert_eq!(cal.count(ymd(2026, 12, 24), 0, false), None);
    }

    #[test]
    fn business_days_of_a_month() {
        let mut cal = Calendar::default();
        // October 2026 starts on the National Day holiday.
        assert_eq!(
            cal.nth_in_month(ymd(2026, 10, 1), 1),
            Some(ymd(2026, 10, 2))
        );
        // Its last business day is Friday 30 October.
        assert_eq!(
            cal.nth_in_month(ymd(2026, 10, 1), 0),
            Some(ymd(2026, 10, 30))
        );
        // No 30th business day in a month.
        assert_eq!(cal.nth_in_month(ymd(2026, 10, 1), 30), None);
    }
}
