//! Clock times (`3pm`, `15:00`, `三點半`, `十點一個字`) and parts of the day (`下午`, `tonight`).

use super::cursor::Cursor;
use super::numerals::{cjk_number, en_number_word, number};

/// A part of the day; without a clock time it stands for the default hour of §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartOfDay {
    /// 凌晨: small hours; no default time of its own.
    SmallHours,
    Morning,
    Noon,
    Afternoon,
    Evening,
}

impl PartOfDay {
    /// The hour a part of the day means when no clock time is said (§3).
    pub fn default_hour(self) -> u32 {
        match self {
            PartOfDay::SmallHours => 0,
            PartOfDay::Morning => 9,
            PartOfDay::Noon => 12,
            PartOfDay::Afternoon => 14,
            PartOfDay::Evening => 19,
        }
    }

    /// The 24-hour hour of a 12-hour `hour` said in this part of the day. 24 is the
    /// midnight at the end of the day (`晚上十二點`).
    pub fn apply(self, hour: u32) -> u32 {
        if hour > 12 {
            return hour;
        }
        match self {
            PartOfDay::SmallHours | PartOfDay::Morning => hour % 12,
            // 中午/晏晝 一點 is 13:00; 中午十一點 stays 11:00.
            PartOfDay::Noon => match hour {
                1..=6 => hour + 12,
                _ => hour,
            },
            PartOfDay::Afternoon => match hour {
                1..=11 => hour + 12,
                _ => hour,
            },
            PartOfDay::Evening => match hour {
                1..=11 => hour + 12,
                12 => 24,
                _ => hour,
            },
        }
    }
}

/// A clock time as said. `hour` is final when `fixed` (a meridiem, a 24-hour form, noon,
/// midnight); otherwise it is 1-12 and a part of the day or the office-hours rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub hour: u32,
    pub minute: u32,
    pub fixed: bool,
}

impl Clock {
    /// The 24-hour hour (24 = midnight at the end of the day). Without a part of the
    /// day an unfixed hour follows office hours: 1-7 are afternoon, 8-11 morning.
    pub fn hour_in(self, part: Option<PartOfDay>) -> u32 {
        if self.fixed {
            return self.hour;
        }
        match part {
            Some(p) => p.apply(self.hour),
            None => match self.hour {
                1..=7 => self.hour + 12,
                h => h,
            },
        }
    }

    /// The start of a range without am/pm takes the end's (`2-4pm`), or am when that
    /// would put it after the end (`11-1pm`).
    pub fn before(self, end_hour: u32) -> Clock {
        if self.fixed || end_hour < 12 {
            return self;
        }
        let pm = if self.hour == 12 { 12 } else { self.hour + 12 };
        let hour = if pm <= end_hour { pm } else { self.hour % 12 };
        Clock {
            hour,
            minute: self.minute,
            fixed: true,
        }
    }

    /// The end of a range without am/pm is the first such hour after the start
    /// (`2pm-4` ends at 16:00, `11am-1` at 13:00).
    pub fn after(self, start_hour: u32) -> Clock {
        if self.fixed {
            return self;
        }
        let am = self.hour % 12;
        let hour = [am, am + 12]
            .into_iter()
            .find(|h| *h > start_hour)
            .unwrap_or(am + 12);
        Clock {
            hour,
            minute: self.minute,
            fixed: true,
        }
    }
}

const PARTS: [(&str, PartOfDay); 36] = [
    ("凌晨", PartOfDay::SmallHours),
    ("上午", PartOfDay::Morning),
    ("朝早", PartOfDay::Morning),
    ("朝頭早", PartOfDay::Morning),
    ("朝头早", PartOfDay::Morning),
    ("早上", PartOfDay::Morning),
    ("早晨", PartOfDay::Morning),
    ("中午", PartOfDay::Noon),
    ("晏晝", PartOfDay::Noon),
    ("晏昼", PartOfDay::Noon),
    ("下午", PartOfDay::Afternoon),
    ("下晝", PartOfDay::Afternoon),
    ("下昼", PartOfDay::Afternoon),
    ("晚上", PartOfDay::Evening),
    ("夜晚", PartOfDay::Evening),
    ("晚間", PartOfDay::Evening),
    ("晚间", PartOfDay::Evening),
    ("傍晚", PartOfDay::Evening),
    ("in the morning", PartOfDay::Morning),
    ("in the afternoon", PartOfDay::Afternoon),
    ("in the evening", PartOfDay::Evening),
    ("at night", PartOfDay::Evening),
    ("this morning", PartOfDay::Morning),
    ("this afternoon", PartOfDay::Afternoon),
    ("this evening", PartOfDay::Evening),
    ("morning", PartOfDay::Morning),
    ("afternoon", PartOfDay::Afternoon),
    ("evening", PartOfDay::Evening),
    ("night", PartOfDay::Evening),
    ("noon", PartOfDay::Noon),
    ("midday", PartOfDay::Noon),
    ("lunchtime", PartOfDay::Noon),
    ("lunch time", PartOfDay::Noon),
    ("晚", PartOfDay::Evening),
    ("夜", PartOfDay::Evening),
    ("午", PartOfDay::Noon),
];

/// A part of the day. The bare English words (`morning`) and the single characters
/// 晚/夜/午 are too common elsewhere: they count only `after_day` (`tomorrow morning`,
/// `聽日晚`); `this morning`, `in the afternoon` and 下午 always count.
pub(crate) fn part_of_day(c: &mut Cursor, after_day: bool) -> Option<PartOfDay> {
    let mut probe = *c;
    let i = probe.eat_table(&PARTS)?;
    let word = PARTS[i].0;
    let needs_day = if word.is_ascii() {
        !word.contains(' ') && !matches!(word, "noon" | "midday")
    } else {
        word.chars().count() == 1
    };
    if needs_day && !after_day {
        return None;
    }
    *c = probe;
    Some(PARTS[i].1)
}

/// A clock time in any of the supported forms.
pub(crate) fn clock(c: &mut Cursor) -> Option<Clock> {
    let mut best: Option<(Cursor, Clock)> = None;
    for parse in [english_clock, chinese_clock, colon_clock] {
        let mut probe = *c;
        if let Some(clock) = parse(&mut probe) {
            if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
                best = Some((probe, clock));
            }
        }
    }
    let (end, clock) = best?;
    *c = end;
    Some(clock)
}

fn meridiem(c: &mut Cursor) -> Option<bool> {
    let mut probe = *c;
    probe.skip_spaces();
    let i = probe.eat_any(&["am", "a.m.", "a.m", "pm", "p.m.", "p.m"])?;
    *c = probe;
    Some(i >= 3)
}

/// `3pm`, `3:30 p.m.`, `12am`, `noon`, `midnight`, `3 o'clock`, `half past 3`.
fn english_clock(c: &mut Cursor) -> Option<Clock> {
    if c.eat_any(&["noon", "midday"]).is_some() {
        return Some(Clock {
            hour: 12,
            minute: 0,
            fixed: true,
        });
    }
    if c.eat("midnight") {
        return Some(Clock {
            hour: 24,
            minute: 0,
            fixed: true,
        });
    }
    if let Some(i) = c.eat_any(&["half past", "quarter past", "quarter to"]) {
        c.skip_spaces();
        let hour = c.digits(2).map(|(h, _)| h).or_else(|| en_number_word(c))?;
        if !(1..=12).contains(&hour) {
            return None;
        }
        let (hour, minute) = match i {
            0 => (hour, 30),
            1 => (hour, 15),
            _ => (if hour == 1 { 12 } else { hour - 1 }, 45),
        };
        let mut clock = Clock {
            hour,
            minute,
            fixed: false,
        };
        if let Some(pm) = meridiem(c) {
            clock = with_meridiem(clock, pm)?;
        }
        return Some(clock);
    }
    let (hour, _) = c.digits(2)?;
    let mut minute = 0;
    let mut probe = *c;
    if probe.eat(":") || probe.eat(".") {
        if let Some((m, 2)) = probe.digits(2) {
            minute = m;
            *c = probe;
        }
    }
    if minute > 59 {
        return None;
    }
    if let Some(pm) = meridiem(c) {
        return with_meridiem(
            Clock {
                hour,
                minute,
                fixed: false,
            },
            pm,
        );
    }
    if c.eat_spaced("o'clock") || c.eat_spaced("o’clock") {
        return (1..=12).contains(&hour).then_some(Clock {
            hour,
            minute,
            fixed: false,
        });
    }
    None
}

fn with_meridiem(clock: Clock, pm: bool) -> Option<Clock> {
    if !(1..=12).contains(&clock.hour) {
        return None;
    }
    let hour = match (pm, clock.hour) {
        (false, 12) => 0,
        (false, h) => h,
        (true, 12) => 12,
        (true, h) => h + 12,
    };
    Some(Clock {
        hour,
        minute: clock.minute,
        fixed: true,
    })
}

/// `15:00`, `09:30`, `3:30` (24-hour when the hour is 0, 13-23 or written with a zero).
fn colon_clock(c: &mut Cursor) -> Option<Clock> {
    let (hour, hour_digits) = c.digits(2)?;
    if !(c.eat(":") || c.eat("：")) {
        return None;
    }
    let (minute, 2) = c.digits(2)? else {
        return None;
    };
    if hour > 24 || minute > 59 || (hour == 24 && minute > 0) {
        return None;
    }
    let fixed = hour == 0 || hour > 12 || hour_digits == 2 && hour < 10;
    Some(Clock {
        hour,
        minute,
        fixed,
    })
}

/// `三點`, `兩點半`, `3點15分`, `三點三` (3:15), `十點一個字` (10:05), `三點鐘`, `九時`.
fn chinese_clock(c: &mut Cursor) -> Option<Clock> {
    let hour = number(c, 2)?;
    if hour > 24 {
        return None;
    }
    c.eat_any(&["點", "点", "時", "时"])?;
    let mut minute = 0;
    let mut probe = *c;
    if probe.eat("半") {
        minute = 30;
        *c = probe;
    } else if let Some(m) = chinese_minutes(&mut probe) {
        minute = m;
        *c = probe;
    }
    if minute == 0 {
        c.eat_any(&["鐘", "钟", "正"]);
    }
    if minute > 59 {
        return None;
    }
    Some(Clock {
        hour,
        minute,
        fixed: hour == 0 || hour > 12,
    })
}

/// What follows 點: `15分`, `零五分`, `一個字`, `三` (three times five minutes), `一刻`, `15`.
fn chinese_minutes(c: &mut Cursor) -> Option<u32> {
    let mut probe = *c;
    if let Some((m, digits)) = probe.digits(2) {
        let mut p2 = probe;
        if p2.eat_any(&["分鐘", "分钟", "分"]).is_some() {
            *c = p2;
            return Some(m);
        }
        if p2.eat_any(&["個字", "个字"]).is_some() && (1..=11).contains(&m) {
            *c = p2;
            return Some(m * 5);
        }
        // `3點15`: two digits are minutes; one digit counts fives, as 三點三 does.
        if next_is_unit(&probe) {
            return None;
        }
        *c = probe;
        return Some(if digits == 2 { m } else { m * 5 });
    }
    let m = cjk_number(&mut probe)?;
    let mut p2 = probe;
    if p2.eat_any(&["分鐘", "分钟", "分"]).is_some() {
        *c = p2;
        return Some(m);
    }
    if p2.eat_any(&["個字", "个字"]).is_some() && (1..=11).contains(&m) {
        *c = p2;
        return Some(m * 5);
    }
    if p2.eat("刻") && (1..=3).contains(&m) {
        *c = p2;
        return Some(m * 15);
    }
    if (1..=11).contains(&m) && !next_is_unit(&probe) {
        *c = probe;
        return Some(m * 5);
    }
    None
}

/// A counter or unit right after a number means it was not a minute (`三點三個人`).
fn next_is_unit(c: &Cursor) -> bool {
    let mut p = *c;
    p.eat_any(&[
        "個", "个", "位", "點", "点", "次", "%", "蚊", "元", "號", "号",
    ])
    .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<(u32, u32)> {
        let mut c = Cursor::new(s, 0);
        let clock = clock(&mut c)?;
        (c.pos == s.len()).then_some((clock.hour_in(None), clock.minute))
    }

    #[test]
    fn clock_forms() {
        assert_eq!(parse("3pm"), Some((15, 0)));
        assert_eq!(parse("3:30 p.m."), Some((15, 30)));
        assert_eq!(parse("12am"), Some((0, 0)));
        assert_eq!(parse("12pm"), Some((12, 0)));
        assert_eq!(parse("15:00"), Some((15, 0)));
        assert_eq!(parse("09:15"), Some((9, 15)));
        assert_eq!(parse("三點"), Some((15, 0)));
        assert_eq!(parse("三點半"), Some((15, 30)));
        assert_eq!(parse("三點三"), Some((15, 15)));
        assert_eq!(parse("十點一個字"), Some((10, 5)));
        assert_eq!(parse("3點15分"), Some((15, 15)));
        assert_eq!(parse("13pm"), None);
        assert_eq!(parse("3:75"), None);
    }
}
