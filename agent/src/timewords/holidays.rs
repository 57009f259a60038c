//! Holidays by name: those on a fixed day of the Gregorian calendar (`Christmas`,
//! `國慶節`), those of the Chinese lunisolar calendar (`Chinese New Year`, `中秋`,
//! `端午節`), Easter and the days it sets (`Good Friday`, `復活節`), and Ching Ming
//! (`清明`), a solar term. A holiday named alone is its next day on or after today.

use chinese_lunisolar_calendar::LunisolarDate;
use chrono::{Datelike, Days, NaiveDate};

use super::context::Context;
use super::cursor::Cursor;
use super::days::Day;

/// The English words a holiday's name begins with (besides `new`, which other time
/// words begin with too): the spotting only tries the grammars at these.
pub(super) const FIRST_WORDS: &[&str] = &[
    "christmas",
    "xmas",
    "boxing",
    "valentine",
    "valentines",
    "halloween",
    "chinese",
    "lunar",
    "mid",
    "dragon",
    "tuen",
    "buddha",
    "chung",
    "ching",
    "easter",
    "good",
];

/// Holidays on a fixed day of the Gregorian calendar (month, day).
const FIXED: &[(&str, (u32, u32))] = &[
    ("christmas day", (12, 25)),
    ("christmas", (12, 25)),
    ("xmas", (12, 25)),
    ("christmas eve", (12, 24)),
    ("xmas eve", (12, 24)),
    ("boxing day", (12, 26)),
    ("new year's day", (1, 1)),
    ("new years day", (1, 1)),
    ("new year’s day", (1, 1)),
    ("new year's eve", (12, 31)),
    ("new years eve", (12, 31)),
    ("new year’s eve", (12, 31)),
    ("new year", (1, 1)),
    ("new years", (1, 1)),
    ("valentine's day", (2, 14)),
    ("valentine day", (2, 14)),
    ("valentines day", (2, 14)),
    ("valentine’s day", (2, 14)),
    ("halloween", (10, 31)),
    ("聖誕節", (12, 25)),
    ("圣诞节", (12, 25)),
    ("聖誕", (12, 25)),
    ("圣诞", (12, 25)),
    ("平安夜", (12, 24)),
    ("元旦", (1, 1)),
    ("國慶節", (10, 1)),
    ("国庆节", (10, 1)),
    ("國慶日", (10, 1)),
    ("国庆日", (10, 1)),
    ("國慶", (10, 1)),
    ("国庆", (10, 1)),
    ("情人節", (2, 14)),
    ("情人节", (2, 14)),
    ("勞動節", (5, 1)),
    ("劳动节", (5, 1)),
    ("萬聖節", (10, 31)),
    ("万圣节", (10, 31)),
    ("回歸紀念日", (7, 1)),
    ("回归纪念日", (7, 1)),
    ("七一回歸紀念日", (7, 1)),
    ("七一回归纪念日", (7, 1)),
    ("節禮日", (12, 26)),
];

/// How a moving holiday falls in a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moving {
    /// Month and day of the Gregorian calendar.
    Fixed(u32, u32),
    /// Month and day of the lunar year that begins in the given Gregorian year.
    Lunar(u8, u8),
    /// The last day of the lunar year: the eve of the lunar new year.
    LunarYearEnd,
    /// Days after (before, when negative) Easter Sunday.
    Easter(i64),
    /// The Ching Ming solar term (4 or 5 April).
    ChingMing,
}

/// Holidays that move on the Gregorian calendar, as said in Hong Kong in English and
/// Chinese. `新年` alone (also 1 January), `年前` / `年後` (also "years ago") and `CNY`
/// (also the currency) are left out: they mean other things as often.
const MOVING: &[(&str, Moving)] = &[
    ("chinese new year", Moving::Lunar(1, 1)),
    ("lunar new year", Moving::Lunar(1, 1)),
    ("chinese new year's day", Moving::Lunar(1, 1)),
    ("chinese new years", Moving::Lunar(1, 1)),
    ("chinese new years day", Moving::Lunar(1, 1)),
    ("lunar new year's day", Moving::Lunar(1, 1)),
    ("chinese lunar new year", Moving::Lunar(1, 1)),
    ("chinese lunar new year's day", Moving::Lunar(1, 1)),
    ("chinese new year's eve", Moving::LunarYearEnd),
    ("chinese new year’s eve", Moving::LunarYearEnd),
    ("lunar new year's eve", Moving::LunarYearEnd),
    ("lunar new year’s eve", Moving::LunarYearEnd),
    ("農曆新年", Moving::Lunar(1, 1)),
    ("农历新年", Moving::Lunar(1, 1)),
    ("春節", Moving::Lunar(1, 1)),
    ("春节", Moving::Lunar(1, 1)),
    ("大年初一", Moving::Lunar(1, 1)),
    ("年初一", Moving::Lunar(1, 1)),
    ("年初二", Moving::Lunar(1, 2)),
    ("年初三", Moving::Lunar(1, 3)),
    ("除夕", Moving::LunarYearEnd),
    ("年三十晚", Moving::LunarYearEnd),
    ("年卅晚", Moving::LunarYearEnd),
    ("元宵節", Moving::Lunar(1, 15)),
    ("元宵节", Moving::Lunar(1, 15)),
    ("元宵", Moving::Lunar(1, 15)),
    ("buddha's birthday", Moving::Lunar(4, 8)),
    ("buddha’s birthday", Moving::Lunar(4, 8)),
    ("佛誕", Moving::Lunar(4, 8)),
    ("佛诞", Moving::Lunar(4, 8)),
    ("tuen ng festival", Moving::Lunar(5, 5)),
    ("tuen ng", Moving::Lunar(5, 5)),
    ("dragon boat festival", Moving::Lunar(5, 5)),
    ("端午節", Moving::Lunar(5, 5)),
    ("端午节", Moving::Lunar(5, 5)),
    ("端午", Moving::Lunar(5, 5)),
    ("七夕", Moving::Lunar(7, 7)),
    ("mid-autumn festival", Moving::Lunar(8, 15)),
    ("mid-autumn", Moving::Lunar(8, 15)),
    ("mid autumn festival", Moving::Lunar(8, 15)),
    ("mid autumn", Moving::Lunar(8, 15)),
    ("中秋節", Moving::Lunar(8, 15)),
    ("中秋节", Moving::Lunar(8, 15)),
    ("中秋", Moving::Lunar(8, 15)),
    ("chung yeung festival", Moving::Lunar(9, 9)),
    ("chung yeung", Moving::Lunar(9, 9)),
    ("重陽節", Moving::Lunar(9, 9)),
    ("重阳节", Moving::Lunar(9, 9)),
    ("重陽", Moving::Lunar(9, 9)),
    ("重阳", Moving::Lunar(9, 9)),
    ("easter sunday", Moving::Easter(0)),
    ("easter", Moving::Easter(0)),
    ("easter monday", Moving::Easter(1)),
    ("easter mon", Moving::Easter(1)),
    ("復活節星期一", Moving::Easter(1)),
    ("复活节星期一", Moving::Easter(1)),
    ("復活節前夜", Moving::Easter(-1)),
    ("复活节前夜", Moving::Easter(-1)),
    ("耶穌受難日翌日", Moving::Easter(-1)),
    ("耶稣受难日翌日", Moving::Easter(-1)),
    ("耶穌受難日", Moving::Easter(-2)),
    ("耶稣受难日", Moving::Easter(-2)),
    ("good friday", Moving::Easter(-2)),
    ("復活節", Moving::Easter(0)),
    ("复活节", Moving::Easter(0)),
    ("耶穌受難節", Moving::Easter(-2)),
    ("耶稣受难节", Moving::Easter(-2)),
    ("ching ming festival", Moving::ChingMing),
    ("ching ming", Moving::ChingMing),
    ("清明節", Moving::ChingMing),
    ("清明节", Moving::ChingMing),
    ("清明", Moving::ChingMing),
];

/// Which occurrence of a holiday the words name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// `Christmas`, `this Christmas`: the next on or after today.
    Coming,
    /// `next Christmas`: the next after today.
    Next,
    /// `last Christmas`: the last before today.
    Last,
    /// `Christmas 2013`, `2027年中秋`: the one in that year.
    In(i32),
}

/// A named holiday (`Christmas`, `New Year's Eve`, `國慶節`, `中秋`, `Easter Monday`),
/// optionally `this`/`next`/`last` before it or a year after it (`easter 2010`). `Good
/// Friday` needs its capital (`a good Friday afternoon` is a Friday).
pub(crate) fn holiday(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let mut probe = *c;
    let mut which = match probe.eat_any(&["last ", "next ", "this "]) {
        Some(0) => Which::Last,
        Some(1) => Which::Next,
        _ => Which::Coming,
    };
    probe.skip_spaces();
    let (mut end, rule) = holiday_name(probe)?;
    if which == Which::Coming {
        let mut year = end;
        year.skip_spaces();
        if let Some((y, 4)) = year.digits(4) {
            if (1901..=2100).contains(&y) {
                which = Which::In(y as i32);
                end = year;
            }
        }
    }
    let date = occurrence(rule, which, ctx.today())?;
    *c = end;
    Some(Day::on(date))
}

/// A holiday's name at `probe`: where it ends and its rule.
fn holiday_name(probe: Cursor) -> Option<(Cursor, Moving)> {
    let (mut fixed, mut moving) = (probe, probe);
    let fixed = fixed.eat_table(FIXED).map(|i| (fixed, FIXED[i].1));
    let moving = moving
        .eat_table(MOVING)
        .filter(|&i| !MOVING[i].0.starts_with("good") || probe.peek() == Some('G'))
        .map(|i| (moving, MOVING[i].1));
    match (fixed, moving) {
        // The longer name wins: `Chinese New Year's Eve` is not `New Year's Eve`.
        (Some((f, _)), Some((m, rule))) if m.pos > f.pos => Some((m, rule)),
        (Some((f, (month, day))), _) => Some((f, Moving::Fixed(month, day))),
        (None, Some((m, rule))) => Some((m, rule)),
        (None, None) => None,
    }
}

/// `xmas` in `the second closest xmas to today`: the occurrences of the holiday named at
/// `c` in the years around `year`, `span` years either side.
pub(crate) fn occurrences_around(c: &mut Cursor, year: i32, span: i32) -> Option<Vec<NaiveDate>> {
    let (end, rule) = holiday_name(*c)?;
    *c = end;
    Some(
        (year - span..=year + span)
            .filter_map(|y| moving_date(rule, y))
            .collect(),
    )
}

/// The day of `rule` that `which` names, seen from `today`. A lunar year begins in
/// January or February, so its last month's days fall in the next Gregorian year: the
/// years around the one looked for are all tried.
fn occurrence(rule: Moving, which: Which, today: NaiveDate) -> Option<NaiveDate> {
    let around = |year: i32| (year - 1..=year + 1).filter_map(move |y| moving_date(rule, y));
    match which {
        Which::Coming => around(today.year()).filter(|&d| d >= today).min(),
        Which::Next => around(today.year()).filter(|&d| d > today).min(),
        Which::Last => around(today.year()).filter(|&d| d < today).max(),
        Which::In(year) => around(year).find(|d| d.year() == year),
    }
}

/// The day of `rule` for `year` (the lunar year that begins in it, for lunar days);
/// `None` outside the years the calendars are known for.
fn moving_date(rule: Moving, year: i32) -> Option<NaiveDate> {
    match rule {
        Moving::Fixed(month, day) => NaiveDate::from_ymd_opt(year, month, day),
        Moving::Lunar(month, day) => {
            let year = u16::try_from(year).ok()?;
            LunisolarDate::from_ymd(year, month, false, day)
                .ok()
                .map(LunisolarDate::to_naive_date)
        }
        Moving::LunarYearEnd => moving_date(Moving::Lunar(1, 1), year + 1)?.pred_opt(),
        Moving::Easter(offset) => {
            let sunday = easter_sunday(year)?;
            if offset >= 0 {
                sunday.checked_add_days(Days::new(offset.unsigned_abs()))
            } else {
                sunday.checked_sub_days(Days::new(offset.unsigned_abs()))
            }
        }
        Moving::ChingMing => ching_ming(year),
    }
}

/// The general holidays of Hong Kong in `year` (the General Holidays Ordinance, Cap. 149,
/// besides Sundays): 1 January, the first three days of the Lunar New Year, Ching Ming,
/// Good Friday, the day after it and Easter Monday, 1 May, Buddha's Birthday,
/// Tuen Ng, 1 July, the day after the Mid-Autumn Festival, Chung Yeung, 1 October,
/// Christmas Day and the first weekday after it. A holiday on a Sunday gives the next
/// day that is not a holiday (a Lunar New Year day on a Sunday gives the fourth day), and
/// Ching Ming on a day of Easter gives the next day that is not a holiday, as the
/// Ordinance does. Sorted, Sundays left out; empty for years the lunar calendar is not
/// known for.
pub(crate) fn hong_kong_general_holidays(year: i32) -> Vec<NaiveDate> {
    use chrono::Weekday::Sun;
    let lunar = |m: u8, d: u8| moving_date(Moving::Lunar(m, d), year);
    let new_year: Vec<NaiveDate> = (1..=3).filter_map(|d| lunar(1, d)).collect();
    let easter: Vec<NaiveDate> = [-2, -1, 1]
        .iter()
        .filter_map(|&o| moving_date(Moving::Easter(o), year))
        .collect();
    if new_year.len() < 3 || easter.len() < 3 {
        return Vec::new();
    }
    let fixed = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    let mut days: Vec<NaiveDate> = new_year.clone();
    days.extend(easter.iter().copied());
    let mut others: Vec<NaiveDate> = [
        fixed(1, 1),
        fixed(5, 1),
        fixed(7, 1),
        fixed(10, 1),
        fixed(12, 25),
        lunar(4, 8),
        lunar(5, 5),
        lunar(8, 16),
        lunar(9, 9),
    ]
    .into_iter()
    .flatten()
    .collect();
    // The first weekday after Christmas (Saturday counts: it is not a Sunday).
    if let Some(boxing) = fixed(12, 26) {
        others.push(if boxing.weekday() == Sun {
            boxing + Days::new(1)
        } else {
            boxing
        });
    }
    let ching_ming = ching_ming(year);
    days.extend(others.iter().copied());
    days.extend(ching_ming);
    let next_free = |days: &[NaiveDate], from: NaiveDate| {
        let mut d = from + Days::new(1);
        while days.contains(&d) || d.weekday() == Sun {
            d = d + Days::new(1);
        }
        d
    };
    if new_year.iter().any(|d| d.weekday() == Sun) {
        days.extend(lunar(1, 4));
    }
    for d in others {
        if d.weekday() == Sun {
            let free = next_free(&days, d);
            days.push(free);
        }
    }
    if let Some(cm) = ching_ming {
        if cm.weekday() == Sun || easter.contains(&cm) {
            let free = next_free(&days, cm);
            days.push(free);
        }
    }
    // Every Sunday is a holiday anyway: the list holds the other days, as gazetted.
    days.retain(|d| d.weekday() != Sun);
    days.sort();
    days.dedup();
    days
}

/// Easter Sunday of the Gregorian calendar (the anonymous Gregorian computus).
fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = year;
    let a = y % 19;
    let (b, c) = (y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(y, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Ching Ming, the solar term at the sun's longitude 15°, for 2000–2099: the day of
/// April is ⌊0.2422·Y + 4.81⌋ − ⌊Y/4⌋ with Y the year's last two digits (the common
/// rule for the solar terms of this century; it has no exceptions for Ching Ming).
fn ching_ming(year: i32) -> Option<NaiveDate> {
    if !(2000..=2099).contains(&year) {
        return None;
    }
    let y = f64::from(year - 2000);
    let day = (0.2422 * y + 4.81).floor() as i32 - (year - 2000) / 4;
    NaiveDate::from_ymd_opt(year, 4, u32::try_from(day).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn every_english_name_begins_with_a_first_word() {
        let names = FIXED
            .iter()
            .map(|(n, _)| *n)
            .chain(MOVING.iter().map(|(n, _)| *n));
        for name in names.filter(|n| n.starts_with(|c: char| c.is_ascii_alphabetic())) {
            let first: String = name.chars().take_while(char::is_ascii_alphabetic).collect();
            assert!(
                first == "new" || FIRST_WORDS.contains(&first.as_str()),
                "{name}"
            );
        }
    }

    #[test]
    fn lunar_holidays_fall_on_their_gregorian_days() {
        // Hong Kong's published general holidays.
        let cases = [
            (Moving::Lunar(1, 1), 2025, ymd(2025, 1, 29)),
            (Moving::Lunar(1, 1), 2026, ymd(2026, 2, 17)),
            (Moving::Lunar(1, 1), 2027, ymd(2027, 2, 6)),
            (Moving::LunarYearEnd, 2026, ymd(2027, 2, 5)),
            (Moving::Lunar(4, 8), 2026, ymd(2026, 5, 24)),
            (Moving::Lunar(5, 5), 2025, ymd(2025, 5, 31)),
            (Moving::Lunar(5, 5), 2026, ymd(2026, 6, 19)),
            (Moving::Lunar(8, 15), 2025, ymd(2025, 10, 6)),
            (Moving::Lunar(8, 15), 2026, ymd(2026, 9, 25)),
            (Moving::Lunar(9, 9), 2025, ymd(2025, 10, 29)),
            (Moving::Lunar(9, 9), 2026, ymd(2026, 10, 18)),
        ];
        for (rule, year, want) in cases {
            assert_eq!(moving_date(rule, year), Some(want), "{rule:?} {year}");
        }
    }

    #[test]
    fn hong_kong_general_holidays_of_2026() {
        // As gazetted: Ching Ming falls on Easter Sunday (the day after Easter Monday is
        // given), Buddha's Birthday and Chung Yeung on Sundays, 26 December on a Saturday.
        let days: Vec<(u32, u32)> = hong_kong_general_holidays(2026)
            .iter()
            .map(|d| (d.month(), d.day()))
            .collect();
        assert_eq!(
            days,
            [
                (1, 1),
                (2, 17),
                (2, 18),
                (2, 19),
                (4, 3),
                (4, 4),
                (4, 6),
                (4, 7),
                (5, 1),
                (5, 25),
                (6, 19),
                (7, 1),
                (9, 26),
                (10, 1),
                (10, 19),
                (12, 25),
                (12, 26)
            ]
        );
    }

    #[test]
    fn a_sunday_christmas_gives_two_days_after_it() {
        // 2022: Christmas on a Sunday; 26 December is the first weekday after it and
        // 27 December stands in for Christmas. The Lunar New Year's first day (1 Feb)
        // is a Tuesday: no fourth day.
        let days = hong_kong_general_holidays(2022);
        assert!(days.contains(&ymd(2022, 12, 26)) && days.contains(&ymd(2022, 12, 27)));
        assert!(!days.contains(&ymd(2022, 2, 4)));
        // 2023: the Lunar New Year begins on Sunday 22 January (the fourth day is given);
        // 1 January and 1 October on Sundays give the Mondays after them.
        let days = hong_kong_general_holidays(2023);
        for (m, d) in [(1, 2), (1, 25), (10, 2)] {
            assert!(days.contains(&ymd(2023, m, d)), "{m}/{d}");
        }
        assert!(!days.contains(&ymd(2023, 1, 3)));
    }

    #[test]
    fn easter_and_ching_ming() {
        for (year, sunday) in [
            (2024, ymd(2024, 3, 31)),
            (2025, ymd(2025, 4, 20)),
            (2026, ymd(2026, 4, 5)),
            (2027, ymd(2027, 3, 28)),
            (2038, ymd(2038, 4, 25)),
        ] {
            assert_eq!(easter_sunday(year), Some(sunday), "{year}");
        }
        assert_eq!(moving_date(Moving::Easter(-2), 2026), Some(ymd(2026, 4, 3)));
        assert_eq!(moving_date(Moving::Easter(1), 2026), Some(ymd(2026, 4, 6)));
        for (year, day) in [
            (2021, 4),
            (2022, 5),
            (2023, 5),
            (2024, 4),
            (2025, 4),
            (2026, 5),
        ] {
            assert_eq!(ching_ming(year), Some(ymd(year, 4, day)), "{year}");
        }
        assert_eq!(ching_ming(2100), None);
    }

    #[test]
    fn the_occurrence_named_seen_from_today() {
        let today = ymd(2026, 12, 6);
        let at = |rule, which| occurrence(rule, which, today);
        assert_eq!(
            at(Moving::Lunar(1, 1), Which::Coming),
            Some(ymd(2027, 2, 6))
        );
        assert_eq!(
            at(Moving::Lunar(8, 15), Which::Coming),
            Some(ymd(2027, 9, 15))
        );
        assert_eq!(
            at(Moving::Lunar(8, 15), Which::Last),
            Some(ymd(2026, 9, 25))
        );
        assert_eq!(
            at(Moving::Lunar(1, 1), Which::In(2018)),
            Some(ymd(2018, 2, 16))
        );
        assert_eq!(
            at(Moving::Easter(0), Which::In(2010)),
            Some(ymd(2010, 4, 4))
        );
        assert_eq!(
            at(Moving::Fixed(12, 25), Which::Coming),
            Some(ymd(2026, 12, 25))
        );
        assert_eq!(
            at(Moving::Fixed(12, 25), Which::Last),
            Some(ymd(2025, 12, 25))
        );
        assert_eq!(
            at(Moving::Fixed(1, 1), Which::Coming),
            Some(ymd(2027, 1, 1))
        );
        // The eve of the lunar new year, asked in January, is weeks away, not a year.
        let january = ymd(2027, 1, 10);
        assert_eq!(
            occurrence(Moving::LunarYearEnd, Which::Coming, january),
            Some(ymd(2027, 2, 5))
        );
        // On the day itself: today counts, `next` is a year on.
        let new_year = ymd(2027, 2, 6);
        assert_eq!(
            occurrence(Moving::Lunar(1, 1), Which::Coming, new_year),
            Some(new_year)
        );
        assert_eq!(
            occurrence(Moving::Lunar(1, 1), Which::Next, new_year),
            Some(ymd(2028, 1, 26))
        );
    }
}
