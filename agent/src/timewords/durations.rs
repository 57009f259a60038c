//! Lengths of time: `30 minutes`, `an hour and a half`, `1.5 hours`, `兩個鐘`, `個半鐘`,
//! `兩個小時`, `半個鐘`, `三個字` (15 minutes), `3 days`.

use super::cursor::Cursor;
use super::numerals::{en_count, en_number_below_60, number};

const MINUTE: u32 = 1;
const HOUR: u32 = 60;
const DAY: u32 = 24 * 60;
const WEEK: u32 = 7 * DAY;

const EN_UNITS: [(&str, u32); 16] = [
    ("fortnights", 2 * WEEK),
    ("fortnight", 2 * WEEK),
    ("minutes", MINUTE),
    ("minute", MINUTE),
    ("mins", MINUTE),
    ("min", MINUTE),
    ("hours", HOUR),
    ("hour", HOUR),
    ("hrs", HOUR),
    ("hr", HOUR),
    ("days", DAY),
    ("day", DAY),
    ("weeks", WEEK),
    ("week", WEEK),
    ("-minute", MINUTE),
    ("-hour", HOUR),
];

const ZH_UNITS: [(&str, u32); 27] = [
    ("個鐘頭", HOUR),
    ("个钟头", HOUR),
    ("個鐘", HOUR),
    ("个钟", HOUR),
    ("粒鐘", HOUR),
    ("粒钟", HOUR),
    ("個小時", HOUR),
    ("个小时", HOUR),
    ("小時", HOUR),
    ("小时", HOUR),
    ("分鐘", MINUTE),
    ("分钟", MINUTE),
    ("個字", 5 * MINUTE),
    ("个字", 5 * MINUTE),
    ("天", DAY),
    ("日", DAY),
    ("個星期", WEEK),
    ("个星期", WEEK),
    ("個禮拜", WEEK),
    ("个礼拜", WEEK),
    ("星期", WEEK),
    ("禮拜", WEEK),
    ("礼拜", WEEK),
    ("週", WEEK),
    ("周", WEEK),
    ("個週", WEEK),
    ("个周", WEEK),
];

/// True when an English or Chinese unit of time follows (`1/2 hour`, `3 小時`).
pub(crate) fn starts_with_unit(c: &Cursor) -> bool {
    let mut probe = *c;
    probe.skip_spaces();
    probe.eat_table(&EN_UNITS).is_some() || probe.eat_table(&ZH_UNITS).is_some()
}

/// A length of time, in minutes.
pub(crate) fn duration(c: &mut Cursor) -> Option<u32> {
    length(c, false)
}

/// A length of time; with `whole_days`, `a day` and `a week` count too (`in a week`,
/// `a day from now`), which alone are mostly not lengths (`twice a day`).
pub(crate) fn length(c: &mut Cursor, whole_days: bool) -> Option<u32> {
    let mut end = *c;
    let mut minutes = length_part(&mut end, whole_days)?;
    // A length said in several units, each smaller than the one before: `8天20小時`,
    // `一個星期又三天`, `5 weeks 3 hours`, `1 week and 2 days`.
    loop {
        let mut probe = end;
        probe.skip_spaces();
        if probe.eat_any(&["又", "零", "and "]).is_some() {
            probe.skip_spaces();
        }
        let mut part = probe;
        match length_part(&mut part, whole_days) {
            Some(m) if m < minutes && smaller_unit(minutes, m) => {
                minutes += m;
                end = part;
            }
            _ => break,
        }
    }
    *c = end;
    Some(minutes)
}

/// One length of one unit (the first of `length`'s parts).
fn length_part(c: &mut Cursor, whole_days: bool) -> Option<u32> {
    let mut best: Option<(Cursor, u32)> = None;
    for english in [true, false] {
        let mut probe = *c;
        let found = if english {
            english_duration(&mut probe, whole_days)
        } else {
            chinese_duration(&mut probe)
        };
        if let Some(m) = found.filter(|m| *m > 0) {
            if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
                best = Some((probe, m));
            }
        }
    }
    let (end, minutes) = best?;
    *c = end;
    Some(minutes)
}

/// True when `part` is counted in a unit smaller than the whole units of `so_far`
/// (`3 days` after `1 week`, `20 hours` after `8 days`; not `3 days` after `36 hours`).
fn smaller_unit(so_far: u32, part: u32) -> bool {
    let unit_of = |m: u32| {
        [WEEK, DAY, HOUR, MINUTE]
            .into_iter()
            .find(|u| m.is_multiple_of(*u))
            .unwrap_or(MINUTE)
    };
    part < unit_of(so_far)
}

fn en_unit(c: &mut Cursor) -> Option<u32> {
    let mut probe = *c;
    // `1h`, `2h` (written against the number; `15h` alone is a clock, read first).
    if probe.eat("h") {
        *c = probe;
        return Some(HOUR);
    }
    if !probe.rest().starts_with('-') {
        probe.skip_spaces();
    }
    // `2 more minutes`.
    let mut more = probe;
    if more.eat("more") {
        more.skip_spaces();
        probe = more;
    }
    let i = probe.eat_table(&EN_UNITS)?;
    *c = probe;
    Some(EN_UNITS[i].1)
}

/// `30 minutes`, `1.5 hours`, `an hour and a half`, `half an hour`, `1 hour 30 minutes`.
fn english_duration(c: &mut Cursor, whole_days: bool) -> Option<u32> {
    if c.eat_any(&["half an hour", "half a hour", "half-hour", "half hour"])
        .is_some()
    {
        return Some(30);
    }
    if let Some(i) = c.eat_any(&[
        "a quarter of an hour",
        "quarter of an hour",
        "a quarter hour",
        "three quarters of an hour",
        "three-quarters of an hour",
        "three quarters of an hour",
    ]) {
        return Some(if i < 3 { 15 } else { 45 });
    }
    if c.eat_any(&["half a day", "half-day", "half day"]).is_some() {
        return Some(DAY / 2);
    }
    // `1/2 hour`, `3/4 hour`.
    let mut probe = *c;
    if let Some((num, _)) = probe.digits(1) {
        if probe.eat("/") {
            if let Some((den @ (2 | 4), _)) = probe.digits(1) {
                // `1/4 h` as well as `1/4h`.
                let mut spaced = probe;
                spaced.skip_spaces();
                if spaced.eat("h") {
                    probe = spaced;
                    probe.pos -= 1;
                }
                if let Some(unit) = en_unit(&mut probe) {
                    if num < den && unit * num % den == 0 {
                        *c = probe;
                        return Some(unit * num / den);
                    }
                }
            }
        }
    }
    // `in 1'`, `for 30'`: minutes written with a prime, only after `in`, `for` or
    // `within` (`6' tall` is feet; `5'10"` feet and inches).
    let mut probe = *c;
    if matches!(
        c.word_before().to_ascii_lowercase().as_str(),
        "in" | "for" | "within"
    ) {
        if let Some((n, _)) = probe.digits(3) {
            if probe.eat("'") || probe.eat("′") {
                let next = probe.peek();
                if n > 0 && next.is_none_or(|ch| !ch.is_alphanumeric() && !"'\"′″".contains(ch))
                {
                    *c = probe;
                    return Some(n * MINUTE);
                }
            }
        }
    }
    // Tenths: `1.5 hours`.
    let mut tenths = None;
    let mut probe = *c;
    if let Some((whole, _)) = probe.digits(3) {
        if probe.eat(".") {
            if let Some((frac, 1)) = probe.digits(1) {
                tenths = Some(whole * 10 + frac);
                *c = probe;
            }
        }
    }
    let rest = c.rest().as_bytes();
    let first_word = &rest[..rest.iter().take_while(|b| b.is_ascii_alphabetic()).count()];
    let article = [&b"a"[..], b"an", b"one"]
        .iter()
        .any(|w| first_word.eq_ignore_ascii_case(w));
    let count = match tenths {
        Some(_) => 0,
        None => en_count(c)?,
    };
    // `one and a half hours`, `two and a quarter hours`.
    let mut quarters = 0;
    if tenths.is_none() {
        let mut probe = *c;
        if let Some(i) = probe.eat_any_spaced(&[
            "and a half",
            "and an half",
            "and a quarter",
            "and three quarters",
        ]) {
            quarters = [2, 2, 1, 3][i];
            *c = probe;
        }
    }
    let unit = en_unit(c)?;
    // `a day`, `one day`, `a week` are mostly not lengths (`twice a day`); `an hour` is.
    if tenths.is_none() && article && unit >= DAY && !whole_days {
        return None;
    }
    let mut minutes = match tenths {
        Some(t) => t * unit / 10,
        None => count.checked_mul(unit)?.checked_add(quarters * unit / 4)?,
    };
    let mut probe = *c;
    if probe.eat_spaced("and a half") || probe.eat_spaced("and half") {
        minutes += unit / 2;
        *c = probe;
    } else {
        // `1 hour 30 minutes`, `1 hour and 30 minutes`
        let mut probe = *c;
        probe.eat_spaced("and");
        probe.skip_spaces();
        if let Some(n) = probe.digits(3).map(|(n, _)| n) {
            if let Some(u) = en_unit(&mut probe) {
                if u < unit {
                    minutes += n * u;
                    *c = probe;
                }
            } else if unit == HOUR && (1..=59).contains(&n) && !more_digits(&probe) {
                // `1 hour 30`: minutes without their unit.
                minutes += n;
                *c = probe;
            }
        } else if unit == HOUR && quarters == 0 {
            // `1 hour thirty`, `2 hours ten`.
            let mut words = *c;
            words.skip_spaces();
            if let Some(n) = en_number_below_60(&mut words).filter(|n| *n >= 5) {
                let mut unit_after = words;
                if en_unit(&mut unit_after).is_none_or(|u| u == MINUTE) {
                    en_unit(&mut words);
                    minutes += n;
                    *c = words;
                }
            }
        }
    }
    Some(minutes)
}

/// True when a separator and digits follow (`1 hour 30/40`): not a count of minutes.
fn more_digits(c: &Cursor) -> bool {
    let rest = c.rest().as_bytes();
    matches!(rest, [b'/' | b'.' | b':' | b'-', d, ..] if d.is_ascii_digit())
}

/// `兩個鐘`, `個半鐘`, `兩個半鐘`, `半個鐘`, `兩個小時`, `30分鐘`, `一個半小時`, `三個字`.
fn chinese_duration(c: &mut Cursor) -> Option<u32> {
    // 個半鐘 / 個半小時: one and a half hours.
    let mut probe = *c;
    if probe
        .eat_any(&["個半鐘", "个半钟", "個半小時", "个半小时", "粒半鐘"])
        .is_some()
    {
        probe.eat_any(&["頭", "头"]);
        *c = probe;
        return Some(90);
    }
    let mut probe = *c;
    if probe
        .eat_any(&[
            "半個鐘",
            "半个钟",
            "半小時",
            "半小时",
            "半個小時",
            "半个小时",
            "半粒鐘",
        ])
        .is_some()
    {
        probe.eat_any(&["頭", "头"]);
        *c = probe;
        return Some(30);
    }
    let mut probe = *c;
    if probe.eat_any(&["半日", "半天"]).is_some() {
        *c = probe;
        return Some(DAY / 2);
    }
    // `1.5小時`
    let mut probe = *c;
    if let Some((whole, _)) = probe.digits(3) {
        if probe.eat(".") {
            if let Some((frac, 1)) = probe.digits(1) {
                probe.skip_spaces();
                let i = probe.eat_table(&ZH_UNITS)?;
                *c = probe;
                return Some((whole * 10 + frac) * ZH_UNITS[i].1 / 10);
            }
        }
    }
    let digits = c.peek().is_some_and(|ch| ch.is_ascii_digit());
    let count = number(c, 4)?;
    if digits {
        // `1 分鐘`: a space may stand between digits and a Chinese unit.
        let mut probe = *c;
        probe.skip_spaces();
        if probe.eat_table(&ZH_UNITS).is_some() {
            c.skip_spaces();
        }
    }
    // 兩個半鐘: the 半 sits between the counter and the unit.
    let mut probe = *c;
    if probe
        .eat_any(&["個半鐘", "个半钟", "個半小時", "个半小时", "粒半鐘"])
        .is_some()
    {
        probe.eat_any(&["頭", "头"]);
        *c = probe;
        return Some(count * 60 + 30);
    }
    let i = c.eat_table(&ZH_UNITS)?;
    let unit = ZH_UNITS[i].1;
    // `18周歲` is an age, not eighteen weeks.
    if c.peek().is_some_and(|ch| ch == '歲' || ch == '岁') {
        return None;
    }
    let mut minutes = count.checked_mul(unit)?;
    if unit == HOUR {
        let mut probe = *c;
        if let Some(m) = number(&mut probe, 2) {
            // 兩小時十分 / 兩小時十分鐘
            if probe.eat_any(&["分鐘", "分钟", "分"]).is_some() && m < 60 {
                minutes += m;
                *c = probe;
            }
        }
    }
    Some(minutes)
}
