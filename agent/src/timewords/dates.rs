//! Calendar dates: `December 3`, `3 Dec`, `12月10日`, `十二月三號`, `下個月一號`, `3/12`
//! (day/month, as in Hong Kong), `2026-12-03`. A date that does not exist
//! (`2月30日`) is an error, never rolled over into the next month.

use chrono::{Datelike, NaiveDate};

use super::context::{days_in_month, month_start, Context};
use super::cursor::{longest, Cursor};
use super::days::{self, Day};
use super::numerals::{cjk_number, cjk_year, number};

/// A date said, or the reason it cannot exist.
pub(crate) type DateResult = Result<Day, String>;

const MONTHS: [(&str, u32); 24] = [
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("april", 4),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("september", 9),
    ("october", 10),
    ("november", 11),
    ("december", 12),
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn en_month(c: &mut Cursor) -> Option<u32> {
    let i = c.eat_table(&MONTHS)?;
    c.eat(".");
    Some(MONTHS[i].1)
}

/// Days of the month said as ordinal words: `March first`, `the third of March`.
pub(crate) const EN_ORDINAL_DAYS: [(&str, u32); 41] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("fifth", 5),
    ("sixth", 6),
    ("seventh", 7),
    ("eighth", 8),
    ("ninth", 9),
    ("tenth", 10),
    ("eleventh", 11),
    ("twelfth", 12),
    ("thirteenth", 13),
    ("fourteenth", 14),
    ("fifteenth", 15),
    ("sixteenth", 16),
    ("seventeenth", 17),
    ("eighteenth", 18),
    ("nineteenth", 19),
    ("twentieth", 20),
    ("twenty-first", 21),
    ("twenty first", 21),
    ("twenty-second", 22),
    ("twenty second", 22),
    ("twenty-third", 23),
    ("twenty third", 23),
    ("twenty-fourth", 24),
    ("twenty fourth", 24),
    ("twenty-fifth", 25),
    ("twenty fifth", 25),
    ("twenty-sixth", 26),
    ("twenty sixth", 26),
    ("twenty-seventh", 27),
    ("twenty seventh", 27),
    ("twenty-eighth", 28),
    ("twenty eighth", 28),
    ("twenty-ninth", 29),
    ("twenty ninth", 29),
    ("thirtieth", 30),
    ("thirty-first", 31),
    ("thirty first", 31),
];

/// A day of the month said as an ordinal word (`first`, `twenty-third`).
pub(crate) fn ordinal_word_day(c: &mut Cursor) -> Option<u32> {
    let i = c.eat_table(&EN_ORDINAL_DAYS)?;
    Some(EN_ORDINAL_DAYS[i].1)
}

fn ordinal_day(c: &mut Cursor) -> Option<u32> {
    let (day, _) = c.digits(2)?;
    c.eat_any(&["st", "nd", "rd", "th"]);
    Some(day)
}

/// A year after a day and month: `, 2026`, ` 2026`, ` , 1994`, `'26`, and two digits that
/// end the clause (`3 Aug 96`, `Aug 9, 96`, `14th April 15.`; `April 3 15 people` keeps its
/// count); joined by `of` or `in`, a year of 1900–2099 (`July 4th of 1995`, `28 June in
/// 2020`, `April of 87.`: two digits only after `of`, ending the clause).
pub(crate) fn year_suffix(c: &mut Cursor) -> Option<i32> {
    let mut probe = *c;
    let mut spaced = probe;
    spaced.skip_spaces();
    if spaced.eat(",") {
        probe = spaced;
    }
    probe.skip_spaces();
    let joined = probe.eat_any(&["of ", "in "]);
    if joined.is_some() {
        probe.skip_spaces();
    }
    let apostrophe = joined.is_none() && probe.eat_any(&["'", "’"]).is_some();
    let year = match probe.digits(4)? {
        (v, 4) if !apostrophe && (joined.is_none() || (1900..=2099).contains(&v)) => v as i32,
        (v, 2) if joined != Some(1) && (apostrophe || ends_clause(&probe)) => two_digit_year(v),
        _ => return None,
    };
    // `May 5 of 2000 staff`, `3 June in 2000 votes`: after `of` / `in` a number followed
    // by what it counts is an amount.
    if joined.is_some() && counts_something(&probe) {
        return None;
    }
    if probe
        .peek()
        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == ':')
        || matches!(probe.rest().as_bytes(), [b'.' | b',' | b'/' | b'-', d, ..] if d.is_ascii_digit())
    {
        return None;
    }
    *c = probe;
    Some(year)
}

/// A unit, or a word in the plural (`staff`, `employees`), right after a number.
fn counts_something(c: &Cursor) -> bool {
    if super::clock::an_amount_follows(c) {
        return true;
    }
    let word: String = c
        .rest()
        .trim_start_matches([' ', '\t'])
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    word.len() > 3 && word.ends_with('s') && !matches!(word.as_str(), "this" | "was" | "has")
        || matches!(word.as_str(), "staff" | "people" | "men" | "women")
}

/// Nothing but spaces, then the end of the text or a punctuation mark that ends a clause.
fn ends_clause(c: &Cursor) -> bool {
    let rest = c.rest().trim_start_matches([' ', '\t']);
    match rest.chars().next() {
        None => true,
        Some(ch) if ".,;!?)]}\n。，；！？）".contains(ch) => {
            !rest[ch.len_utf8()..].starts_with(|d: char| d.is_ascii_digit())
        }
        _ => false,
    }
}

/// A calendar date in any supported form.
pub(crate) fn date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    longest(
        c,
        ctx,
        &[
            english_date,
            chinese_date,
            numeric_date,
            month_relative_date,
            year_first_date,
            month_word_numeric_date,
        ],
    )
}

/// `December 3`, `Dec 3rd, 2026`, `3 Dec`, `1 December 2026`, `3rd of December`.
fn english_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    if let Some(month) = en_month(&mut probe) {
        // `October, 1st`: after a comma only an ordinal (`October, 15 people` is a count).
        let comma = probe.eat(",");
        probe.skip_spaces();
        probe.eat("the");
        probe.skip_spaces();
        let mut number = probe;
        let day = match ordinal_day(&mut number) {
            Some(day)
                if !comma
                    || probe.rest()[..number.pos - probe.pos]
                        .ends_with(|ch: char| ch.is_ascii_alphabetic()) =>
            {
                probe = number;
                day
            }
            Some(_) => return None,
            None => ordinal_word_day(&mut probe)?,
        };
        let year = year_suffix(&mut probe);
        *c = probe;
        return Some(build(ctx, year, month, day));
    }
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    // `the first of March`, `third day of October` (a word needs the `of`).
    let (day, worded) = match ordinal_day(&mut probe) {
        Some(day) => (day, false),
        None => (ordinal_word_day(&mut probe)?, true),
    };
    probe.skip_spaces();
    if probe.eat("day") {
        probe.skip_spaces();
        if !probe.rest().to_ascii_lowercase().starts_with("of") {
            return None;
        }
    }
    if !probe.eat("of") && worded {
        return None;
    }
    probe.skip_spaces();
    let month = en_month(&mut probe)?;
    let year = year_suffix(&mut probe);
    *c = probe;
    Some(build(ctx, year, month, day))
}

/// `2027 March 18`, `2027 Mar 18th`: a year, then the month and day.
fn year_first_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let (year, 4) = probe.digits(4)? else {
        return None;
    };
    if !(1900..=2099).contains(&year) || !probe.eat(" ") {
        return None;
    }
    probe.skip_spaces();
    let month = en_month(&mut probe)?;
    probe.skip_spaces();
    let day = ordinal_day(&mut probe)?;
    *c = probe;
    Some(build(ctx, Some(year as i32), month, day))
}

/// `8/Oct/2027`, `8-Oct-2027`, `2027/Oct/08`, `2027-Oct-08`: numbers around a month name.
fn month_word_numeric_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let (first, digits) = probe.digits(4)?;
    let sep = if probe.eat("/") {
        "/"
    } else if probe.eat("-") {
        "-"
    } else {
        return None;
    };
    let i = probe.eat_table(&MONTHS)?;
    let month = MONTHS[i].1;
    if !probe.eat(sep) {
        return None;
    }
    let (second, second_digits) = probe.digits(4)?;
    let (year, day) = match (digits, second_digits) {
        (4, 1 | 2) => (first, second),
        (1 | 2, 4) => (second, first),
        (1 | 2, 2) => (two_digit_year(second) as u32, first),
        _ => return None,
    };
    *c = probe;
    Some(build(ctx, Some(year as i32), month, day))
}

/// `12月10日`, `十二月三號`, `2026年12月3日`, `18年10月1日` (a year in two digits, read
/// as in `31/10/74`, only with a month and day after it: `18年` alone is 18 years).
fn chinese_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let mut year = None;
    {
        let mut y = probe;
        let said = match y.digits(4) {
            Some((v, 4)) => Some(v as i32),
            Some((v, 2)) => Some(two_digit_year(v)),
            Some(_) => None,
            None => cjk_year(&mut y),
        };
        if let Some(v) = said {
            if y.eat("年") {
                // `二零一六年，九月三號`: a comma may follow the year.
                y.eat_any(&["，", ","]);
                y.skip_spaces();
                year = Some(v);
                probe = y;
            }
        }
    }
    let month = number(&mut probe, 2)?;
    if !probe.eat("月") {
        return None;
    }
    let day = number(&mut probe, 2)?;
    probe.eat_any(&["日", "號", "号"])?;
    if !(1..=12).contains(&month) {
        return None;
    }
    *c = probe;
    Some(build(ctx, year, month, day))
}

/// `3/12` (3 December), `3/12/2026`, `2026-12-03`, `2026/12/03`.
fn numeric_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let (first, first_digits) = probe.digits(4)?;
    if first_digits == 4 {
        // `2010.01.29`: with dots, a year of 1900–2099 and a month and day in two digits.
        let sep = if probe.eat("-") {
            "-"
        } else if probe.eat("/") {
            "/"
        } else if (1900..=2099).contains(&first)
            && matches!(probe.rest().as_bytes(), [b'.', m1, m2, b'.', d1, d2, ..]
                if [m1, m2, d1, d2].iter().all(|b| b.is_ascii_digit()))
            && !matches!(probe.rest().as_bytes().get(6..8), Some([b'.', d]) if d.is_ascii_digit())
        {
            probe.eat(".");
            "."
        } else {
            return None;
        };
        let (month, _) = probe.digits(2)?;
        if !probe.eat(sep) {
            return None;
        }
        let (day, _) = probe.digits(2)?;
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        *c = probe;
        return Some(build(ctx, Some(first as i32), month, day));
    }
    if first_digits > 2 {
        return None;
    }
    if !probe.eat("/") {
        return dashed_date(c, ctx);
    }
    let (month, _) = probe.digits(2)?;
    let mut year = None;
    let mut y = probe;
    if y.eat("/") {
        match y.digits(4) {
            Some((v, 4)) => year = Some(v as i32),
            Some((v, 2)) => year = Some(two_digit_year(v)),
            _ => return None,
        }
        probe = y;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&first) {
        return None;
    }
    // `3/4 of the budget`, `1/2 hour` are fractions; `30/4.85` a ratio of decimals.
    let mut after = probe;
    if after.eat_spaced("of")
        || super::durations::starts_with_unit(&after)
        || matches!(after.rest().as_bytes(), [b'.' | b',', d, ..] if d.is_ascii_digit())
    {
        return None;
    }
    *c = probe;
    Some(build(ctx, year, month, first))
}

/// `31-10-74`, `31-10-1974`, `31.10.1974`: day, month and year with one separator
/// throughout (a year is required: `2-1` is a score; with dots the year has four digits,
/// so `2.10.15` stays a version number).
fn dashed_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let (day, _) = probe.digits(2)?;
    let sep = if probe.eat("-") {
        "-"
    } else if probe.eat(".") {
        "."
    } else {
        return None;
    };
    let (month, _) = probe.digits(2)?;
    if !probe.eat(sep) {
        return None;
    }
    let year = match probe.digits(4)? {
        (v, 4) if (1900..=2099).contains(&v) => v as i32,
        (v, 2) if sep == "-" => two_digit_year(v),
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // `1.2.2010.5` or `12-11-2024-3` are codes, not dates.
    if probe.peek().is_some_and(|ch| ".-/".contains(ch))
        && probe.rest()[1..].starts_with(|ch: char| ch.is_ascii_digit())
    {
        return None;
    }
    *c = probe;
    Some(build(ctx, Some(year), month, day))
}

/// `the 21st to the 23rd`, `between 21st and 23rd`, `from the fifth to the ninth`: two
/// days said as ordinals without a month; the next such first day (this month's while
/// ahead) and where the second ends.
fn month_of_suffixed_days(c: Cursor, ctx: &Context) -> Option<(NaiveDate, usize)> {
    let mut p = c;
    let opened = p.eat_any(&["from", "between"]).is_some();
    p.skip_spaces();
    // `first to third` alone is a list of places, not days.
    if !opened
        && !p
            .rest()
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("the "))
    {
        return None;
    }
    let suffixed = |p: &mut Cursor| -> Option<u32> {
        if p.eat("the") {
            p.skip_spaces();
        }
        match p.digits(2) {
            Some((d, _)) => p.eat_any(&["st", "nd", "rd", "th"]).map(|_| d),
            None => ordinal_word_day(p),
        }
    };
    let first = suffixed(&mut p)?;
    p.eat_any_spaced(&["-", "–", "to", "till", "until", "through", "thru", "and"])?;
    p.skip_spaces();
    suffixed(&mut p)?;
    if p.peek().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
        return None;
    }
    // `of this month`, `of next month`.
    let mut of = p;
    if of.eat_any_spaced(&["of"]).is_some() {
        of.skip_spaces();
        let super::ordinals::MonthSaid::Ahead(n) = super::ordinals::en_month_said(&mut of)? else {
            return None;
        };
        let month = super::ordinals::month_start_from(ctx.today(), n)?;
        let date = NaiveDate::from_ymd_opt(month.year(), month.month(), first)?;
        return Some((date, of.pos));
    }
    let date = super::ordinals::next_day_of_month(ctx.today(), first)?;
    Some((date, p.pos))
}

/// `13`, `13th`, `thirteenth`.
fn any_ordinal_day(c: &mut Cursor) -> Option<u32> {
    ordinal_day(c).or_else(|| ordinal_word_day(c))
}

/// Days of one month said as a range: `July 13-15`, `13-15 July`, `from 13th to 15th
/// July`, `1-8 September`, `23rd to 26th Oct`, `12月3日至5日`. Without a year the first
/// day is the next such date; the last is in the same month. A day the month lacks
/// (`February 20 - 29, 2027`, `June 10 - 31`) makes the whole range an impossible date.
pub(crate) fn day_number_range(
    c: &mut Cursor,
    ctx: &Context,
) -> Option<Result<(Day, Day), String>> {
    const SEPARATORS: [&str; 11] = [
        "-", "–", "—", "to", "till", "until", "untill", "through", "thru", "至", "到",
    ];
    let mut best: Option<(Cursor, u32, u32, u32, Option<i32>)> = None;
    // Month first.
    {
        let mut p = *c;
        if let Some(month) = en_month(&mut p) {
            p.skip_spaces();
            if let Some(first) = any_ordinal_day(&mut p) {
                if p.eat_any_spaced(&SEPARATORS).is_some() {
                    p.skip_spaces();
                    if let Some(last) = any_ordinal_day(&mut p) {
                        let year = year_suffix(&mut p);
                        best = Some((p, month, first, last, year));
                    }
                }
            }
        }
    }
    // Days first.
    {
        let mut p = *c;
        if p.eat_any(&["from", "between"]).is_some() {
            p.skip_spaces();
        }
        if p.eat("the") {
            p.skip_spaces();
        }
        if let Some(first) = any_ordinal_day(&mut p) {
            if p.eat_any_spaced(&SEPARATORS).is_some() || p.eat_any_spaced(&["and"]).is_some() {
                p.skip_spaces();
                if p.eat("the") {
                    p.skip_spaces();
                }
                if let Some(last) = any_ordinal_day(&mut p) {
                    p.skip_spaces();
                    if p.eat("of") {
                        p.skip_spaces();
                    }
                    if let Some(month) = en_month(&mut p) {
                        let year = year_suffix(&mut p);
                        if best.as_ref().is_none_or(|b| p.pos > b.0.pos) {
                            best = Some((p, month, first, last, year));
                        }
                    } else if let Some(start) = month_of_suffixed_days(*c, ctx) {
                        // `between the 21st and 23rd`: the month of the next 21st.
                        let mut end = *c;
                        end.pos = start.1;
                        if best.as_ref().is_none_or(|b| end.pos > b.0.pos) {
                            let d = start.0;
                            best = Some((end, d.month(), first, last, Some(d.year())));
                        }
                    }
                }
            }
        }
    }
    // 12月3日至5日, 十二月三號到五號.
    {
        let mut p = *c;
        if let Some(month) = number(&mut p, 2) {
            if p.eat("月") {
                if let Some(first) = number(&mut p, 2) {
                    p.eat_any(&["日", "號", "号"]);
                    if p.eat_any_spaced(&["至", "到", "-", "~"]).is_some() {
                        p.skip_spaces();
                        if let Some(last) = number(&mut p, 2) {
                            if p.eat_any(&["日", "號", "号"]).is_some()
                                && best.as_ref().is_none_or(|b| p.pos > b.0.pos)
                            {
                                best = Some((p, month, first, last, None));
                            }
                        }
                    }
                }
            }
        }
    }
    let (end, month, first, last, year) = best?;
    if !(1..=12).contains(&month) || last <= first {
        return None;
    }
    if last > 31 {
        return None;
    }
    *c = end;
    let start = match build(ctx, year, month, first) {
        Ok(start) => start,
        Err(reason) => return Some(Err(reason)),
    };
    let year = start.date.year();
    let name = MONTH_NAMES[(month - 1) as usize];
    let Some(last) = NaiveDate::from_ymd_opt(year, month, last) else {
        return Some(Err(format!("{name} {year} has no day {last}")));
    };
    Some(Ok((start, Day::on(last))))
}

/// `下個月一號`, `本月15號`, `今個月尾` is a month end (days.rs).
fn month_relative_date(c: &mut Cursor, ctx: &Context) -> Option<DateResult> {
    let mut probe = *c;
    let ahead = if probe
        .eat_any(&["下個月", "下个月", "下月", "下一個月", "下一个月"])
        .is_some()
    {
        1
    } else if probe.eat_any(&days::ZH_THIS_MONTH).is_some() {
        0
    } else {
        return None;
    };
    let day = number(&mut probe, 2).or_else(|| cjk_number(&mut probe))?;
    probe.eat_any(&["日", "號", "号"])?;
    *c = probe;
    let first = month_start(ctx.today(), ahead)?;
    Some(build(ctx, Some(first.year()), first.month(), day))
}

/// A two-digit year as written in dates: 69–99 are 1969–1999, 00–68 are 2000–2068
/// (the POSIX reading; `31/10/74` is 1974).
fn two_digit_year(v: u32) -> i32 {
    if v >= 69 {
        1900 + v as i32
    } else {
        2000 + v as i32
    }
}

/// The date, checked. Without a year it is the next such date on or after today.
fn build(ctx: &Context, year: Option<i32>, month: u32, day: u32) -> DateResult {
    let name = MONTH_NAMES[(month.clamp(1, 12) - 1) as usize];
    if day == 0 || day > 31 {
        return Err(format!("{name} has no day {day}"));
    }
    if let Some(year) = year {
        return NaiveDate::from_ymd_opt(year, month, day)
            .map(Day::on)
            .ok_or_else(|| {
                if month == 2 && day == 29 {
                    format!("{year} is not a leap year: February {year} has no day 29")
                } else {
                    format!("{name} has no day {day}")
                }
            });
    }
    if month == 2 && day == 29 {
        // The next 29 February: it exists, only not every year.
        let today = ctx.today();
        return (today.year()..today.year() + 9)
            .filter_map(|y| NaiveDate::from_ymd_opt(y, 2, 29))
            .find(|d| *d >= today)
            .map(Day::on)
            .ok_or_else(|| "no 29 February ahead".to_string());
    }
    if day > days_in_month(2001, month) {
        return Err(format!("{name} has no day {day}"));
    }
    let today = ctx.today();
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day);
    match this_year {
        Some(d) if d >= today => Ok(Day::on(d)),
        _ => NaiveDate::from_ymd_opt(today.year() + 1, month, day)
            .map(Day::on)
            .ok_or_else(|| format!("{name} has no day {day}")),
    }
}
