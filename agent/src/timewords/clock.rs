//! Clock times (`3pm`, `15:00`, `三點半`, `十點一個字`) and parts of the day (`下午`, `tonight`).

use super::cursor::Cursor;
use super::numerals::{cjk_number, en_number_below_60, en_number_word, number};

/// A part of the day; without a clock time it stands for the default hour of §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PartOfDay {
    /// 凌晨: small hours; no default time of its own.
    SmallHours,
    Morning,
    Noon,
    Afternoon,
    Evening,
    /// `early morning`, `late morning`, `early afternoon`, `late afternoon`, `early
    /// evening`, `late tonight`: the part's clock, another default hour.
    Early(Base),
    Late(Base),
}

/// The part of the day that `early` or `late` shifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    Morning,
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
            PartOfDay::Early(Base::Morning) => 7,
            PartOfDay::Late(Base::Morning) => 11,
            PartOfDay::Early(Base::Afternoon) => 13,
            PartOfDay::Late(Base::Afternoon) => 16,
            PartOfDay::Early(Base::Evening) => 18,
            PartOfDay::Late(Base::Evening) => 22,
        }
    }

    /// The 24-hour hour of a 12-hour `hour` said in this part of the day. 24 is the
    /// midnight at the end of the day (`晚上十二點`).
    pub fn apply(self, hour: u32) -> u32 {
        if hour > 12 {
            return hour;
        }
        let part = match self {
            PartOfDay::Early(b) | PartOfDay::Late(b) => match b {
                Base::Morning => PartOfDay::Morning,
                Base::Afternoon => PartOfDay::Afternoon,
                Base::Evening => PartOfDay::Evening,
            },
            p => p,
        };
        match part {
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
            PartOfDay::Early(_) | PartOfDay::Late(_) => hour,
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

const PARTS: [(&str, PartOfDay); 61] = [
    ("early morning", PartOfDay::Early(Base::Morning)),
    ("early in the morning", PartOfDay::Early(Base::Morning)),
    ("late morning", PartOfDay::Late(Base::Morning)),
    ("late in the morning", PartOfDay::Late(Base::Morning)),
    ("early afternoon", PartOfDay::Early(Base::Afternoon)),
    ("early in the afternoon", PartOfDay::Early(Base::Afternoon)),
    ("late afternoon", PartOfDay::Late(Base::Afternoon)),
    ("late in the afternoon", PartOfDay::Late(Base::Afternoon)),
    ("early evening", PartOfDay::Early(Base::Evening)),
    ("early in the evening", PartOfDay::Early(Base::Evening)),
    ("late evening", PartOfDay::Late(Base::Evening)),
    ("late in the evening", PartOfDay::Late(Base::Evening)),
    ("late at night", PartOfDay::Late(Base::Evening)),
    ("after lunch", PartOfDay::Afternoon),
    ("in the am", PartOfDay::Morning),
    ("in the pm", PartOfDay::Afternoon),
    ("凌晨", PartOfDay::SmallHours),
    ("in the early hours", PartOfDay::SmallHours),
    ("in the early hours of the morning", PartOfDay::SmallHours),
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
    ("mid day", PartOfDay::Noon),
    ("lunchtime", PartOfDay::Noon),
    ("lunch time", PartOfDay::Noon),
    ("lunch", PartOfDay::Noon),
    ("at lunch", PartOfDay::Noon),
    ("at lunchtime", PartOfDay::Noon),
    ("morningish", PartOfDay::Morning),
    ("afternoonish", PartOfDay::Afternoon),
    ("eveningish", PartOfDay::Evening),
    ("晚", PartOfDay::Evening),
    ("夜", PartOfDay::Evening),
    ("午", PartOfDay::Noon),
];

/// A part of the day. The bare English words (`morning`) and the single characters
/// 晚/夜/午 are too common elsewhere: they count only `after_day` (`tomorrow morning`,
/// `聽日晚`); `this morning`, `in the afternoon` and 下午 always count.
pub(crate) fn part_of_day(c: &mut Cursor, after_day: bool) -> Option<PartOfDay> {
    const FIRST_WORDS: [&str; 18] = [
        "early",
        "late",
        "after",
        "in",
        "at",
        "this",
        "morning",
        "afternoon",
        "evening",
        "night",
        "noon",
        "midday",
        "mid",
        "lunchtime",
        "lunch",
        "morningish",
        "afternoonish",
        "eveningish",
    ];
    let may_start = match c.peek() {
        Some(ch) if ch.is_ascii_alphabetic() => super::cursor::first_word_in(c, &FIRST_WORDS),
        Some(ch) => "凌上朝早中晏下晚夜傍午".contains(ch),
        None => false,
    };
    if !may_start {
        return None;
    }
    let mut probe = *c;
    let i = probe.eat_table(&PARTS)?;
    let word = PARTS[i].0;
    // `tomorrow at lunch`; `see you at lunch` alone names no day.
    let needs_day = if word.is_ascii() {
        (!word.contains(' ') || word.starts_with("at lunch"))
            && !matches!(word, "noon" | "midday" | "mid day")
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
    let (mut end, clock) = best?;
    // `1:02` of `it took 1:02:03` is not a clock: a time with seconds is read whole
    // (by the timestamp grammar) or not at all, and this one is a length.
    let rest = end.rest();
    if rest.starts_with(':') && rest[1..].starts_with(|ch: char| ch.is_ascii_digit()) {
        return None;
    }
    // `2:30 ish`, `3pm-ish`: about that time, read as the time.
    let mut p = end;
    if p.eat("-ish") || p.eat_spaced("ish") {
        end = p;
    }
    *c = end;
    Some(clock)
}

fn full_meridiem(c: &mut Cursor) -> Option<bool> {
    let mut probe = *c;
    probe.skip_spaces();
    let i = probe.eat_any(&["am", "a.m.", "a.m", "pm", "p.m.", "p.m"])?;
    *c = probe;
    Some(i >= 3)
}

/// `am`/`pm` after a number; also, when `letter_ok`, a single letter right after it
/// (`3p`, `3:18a`), never after a space (`3 a day` is not 3am).
fn meridiem(c: &mut Cursor, letter_ok: bool) -> Option<bool> {
    if let Some(pm) = full_meridiem(c) {
        return Some(pm);
    }
    if !letter_ok {
        return None;
    }
    let mut probe = *c;
    let pm = probe.eat_any(&["a", "p"])? == 1;
    *c = probe;
    Some(pm)
}

/// True when the word just before `c` announces a clock time (`at 1030`, `around ten`).
fn after_at(c: &Cursor) -> bool {
    let before = c.text[..c.pos].trim_end();
    before.ends_with('@')
        || matches!(
            c.word_before().to_ascii_lowercase().as_str(),
            "at" | "around" | "about" | "approximately" | "by"
        )
}

/// `3pm`, `3:30 p.m.`, `12am`, `noon`, `midnight`, `3 o'clock`, `half past 3`,
/// `20 to 2pm`, `15h30`, `at 1030`, `330 p.m.`, `3p`, `ten thirty am`.
fn english_clock(c: &mut Cursor) -> Option<Clock> {
    let start = *c;
    if let Some(found) = fixed_word(c) {
        return Some(found);
    }
    type Form = fn(&mut Cursor) -> Option<Clock>;
    let forms: [Form; 5] = [
        past_or_to,
        french_clock,
        packed_clock,
        worded_clock,
        half_hour,
    ];
    for form in forms {
        let mut probe = *c;
        if let Some(found) = form(&mut probe) {
            *c = probe;
            return Some(found);
        }
    }
    let (hour, _) = c.digits(2)?;
    let mut minute = 0;
    let mut minutes_said = false;
    let mut dotted = false;
    let mut probe = *c;
    let mut spaced = false;
    if probe.eat(":") || probe.eat(".") {
        if let Some((m, 2)) = probe.digits(2) {
            minute = m;
            minutes_said = true;
            dotted = c.rest().starts_with('.');
            *c = probe;
        }
    } else if (1..=12).contains(&hour) && probe.rest().starts_with(' ') && after_at(&start) {
        probe.pos += 1;
        // `at 3 15`, as speech recognizers write 3:15: two digits after a space, then
        // nothing but punctuation or am/pm (`at 3 15 people` is a count).
        if let Some((m, 2)) = probe.digits(2) {
            let mut next = probe;
            let ampm = full_meridiem(&mut next).is_some();
            next.skip_spaces();
            if ampm || next.peek().is_none_or(|ch| ".,;:!?)".contains(ch)) {
                minute = m;
                minutes_said = true;
                spaced = !ampm;
                *c = probe;
            }
        }
    }
    if minute > 59 {
        return None;
    }
    let clock = Clock {
        hour,
        minute,
        fixed: false,
    };
    if spaced {
        return Some(clock);
    }
    // `3ish pm`: about 3pm.
    let mut ish = *c;
    if ish.eat("ish") || ish.eat("-ish") {
        let pm = full_meridiem(&mut ish)?;
        *c = ish;
        return with_meridiem(clock, pm);
    }
    // `3:18a`, `at 3p`; not `Room 3a`.
    let letter_ok = minutes_said || after_at(&start);
    if let Some(pm) = meridiem(c, letter_ok) {
        return with_meridiem(clock, pm);
    }
    if c.eat_spaced("o'clock") || c.eat_spaced("o’clock") || c.eat_spaced("oclock") {
        if !(1..=12).contains(&hour) {
            return None;
        }
        if let Some(pm) = full_meridiem(c) {
            return with_meridiem(clock, pm);
        }
        return Some(clock);
    }
    // `at 2.30`, `from 9.30`, as British and Hong Kong English write 2:30; not `2.30`
    // alone (a decimal, a price, a version) nor `at 2.30.45` or `at 2.30 dollars`.
    if dotted
        && hour <= 23
        && (after_at(&start) || opens_range(&start) || dotted_end_follows(c))
        && !matches!(c.rest().as_bytes(), [b'.' | b',', d, ..] if d.is_ascii_digit())
        && !c.rest().starts_with(|ch: char| ch.is_ascii_digit())
        && !an_amount_follows(c)
    {
        return Some(Clock {
            fixed: hour == 0 || hour > 12,
            ..clock
        });
    }
    None
}

/// `-11.00`, ` to 11.00` next: a dotted clock ends the stretch this one begins.
fn dotted_end_follows(c: &Cursor) -> bool {
    let rest = c.rest().trim_start();
    let rest = match rest.strip_prefix(['-', '–']) {
        Some(r) => r,
        None => match rest.strip_prefix("to ") {
            Some(r) => r,
            None => return false,
        },
    }
    .trim_start();
    let hour = rest.bytes().take_while(u8::is_ascii_digit).count();
    let b = rest.as_bytes();
    (1..=2).contains(&hour)
        && b.len() >= hour + 3
        && b[hour] == b'.'
        && b[hour + 1].is_ascii_digit()
        && b[hour + 2].is_ascii_digit()
        && !b.get(hour + 3).is_some_and(|d| d.is_ascii_digit())
}

/// True when the word just before `c` opens a stretch of time (`from 9.30`, `between
/// 9.30 and 11`, `until 5.45`) or ends one begun by a dotted clock (`9.30 to 11.00`,
/// `9.30-11.00`; not `upgrade to 2.30`).
fn opens_range(c: &Cursor) -> bool {
    let word = c.word_before().to_ascii_lowercase();
    if matches!(
        word.as_str(),
        "from" | "between" | "until" | "till" | "til" | "before" | "after" | "since"
    ) {
        return true;
    }
    let before = c.text[..c.pos].trim_end();
    let before = match word.as_str() {
        "to" | "and" => before[..before.len() - word.len()].trim_end(),
        _ => match before.strip_suffix(['-', '–']) {
            Some(b) => b.trim_end(),
            None => return false,
        },
    };
    let b = before.as_bytes();
    b.len() >= 4
        && b[b.len() - 1].is_ascii_digit()
        && b[b.len() - 2].is_ascii_digit()
        && b[b.len() - 3] == b'.'
        && b[b.len() - 4].is_ascii_digit()
}

/// `noon`, `midday`, `noonish`, `midnight`, `mid night`.
fn fixed_word(c: &mut Cursor) -> Option<Clock> {
    if c.eat_any(&["noon", "midday", "mid day", "noonish", "noon-ish"])
        .is_some()
    {
        return Some(Clock {
            hour: 12,
            minute: 0,
            fixed: true,
        });
    }
    if c.eat_any(&["midnight", "mid night", "mid-night"]).is_some() {
        return Some(Clock {
            hour: 24,
            minute: 0,
            fixed: true,
        });
    }
    None
}

/// An hour to count minutes from: `noon`, `2pm`, `3`, `three`, `3 o'clock`.
fn base_hour(c: &mut Cursor) -> Option<Clock> {
    if let Some(found) = fixed_word(c) {
        return Some(found);
    }
    let numeric = c.peek().is_some_and(|ch| ch.is_ascii_digit());
    // `15h`: a 24-hour hour (`15 minutes past 15h`).
    let mut french = *c;
    if let Some((hour, _)) = french.digits(2) {
        if (french.eat("h") || french.eat("H")) && hour <= 23 {
            *c = french;
            return Some(Clock {
                hour,
                minute: 0,
                fixed: true,
            });
        }
    }
    let hour = c.digits(2).map(|(h, _)| h).or_else(|| en_number_word(c))?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    c.eat_spaced("o'clock");
    let clock = Clock {
        hour,
        minute: 0,
        fixed: false,
    };
    let said = if numeric {
        meridiem(c, true)
    } else {
        full_meridiem(c)
    };
    match said {
        Some(pm) => with_meridiem(clock, pm),
        None => Some(clock),
    }
}

/// `half past 3`, `a quarter past noon`, `quarter to 5`, `20 to 2pm`, `twenty after 3`,
/// `15 minutes past 3pm`.
fn past_or_to(c: &mut Cursor) -> Option<Clock> {
    let mut worded = true;
    let minutes = if c.eat_any(&["a quarter", "quarter"]).is_some() {
        15
    } else if c.eat("half") {
        30
    } else if let Some((m, _)) = c.digits(2) {
        worded = false;
        m
    } else {
        en_number_below_60(c)?
    };
    let said_unit = c
        .eat_any_spaced(&["minutes", "minute", "mins", "min"])
        .is_some();
    c.skip_spaces();
    let word = c.eat_any(&["past", "after", "to", "till", "til"])?;
    let to = word >= 2;
    let past_said = word == 0;
    if !(1..=59).contains(&minutes) || minutes == 30 && to {
        return None;
    }
    c.skip_spaces();
    let base = base_hour(c)?;
    // `10 to 12 people`, `two to three`: numbers, not a clock (`20 to 2pm` is one;
    // `2 to 4pm` is a range, `5 past 1pm` is not).
    let clear = said_unit || worded && minutes % 5 == 0 || base.fixed && (!to || minutes > 12);
    // `10 past 9`, `15 past seven o'clock`: digits before `past` and an hour that ends the
    // clause (`5 past 3 defenders` keeps its counts).
    let ends = {
        let rest = c.rest().trim_start_matches([' ', '\t']);
        rest.chars().next().is_none_or(|ch| ".,;!?)\n".contains(ch))
    };
    let clear = clear || !worded && !to && past_said && ends;
    if !clear {
        return None;
    }
    if base.minute != 0 {
        return None;
    }
    if !to {
        return Some(Clock {
            minute: minutes,
            ..base
        });
    }
    let hour = match (base.fixed, base.hour) {
        (true, 0) => 23,
        (false, 1) => 12,
        (_, h) => h - 1,
    };
    Some(Clock {
        hour,
        minute: 60 - minutes,
        fixed: base.fixed,
    })
}

/// `15h30`, `9h30`, `11h00`: the 24-hour clock as written in French and in timetables.
fn french_clock(c: &mut Cursor) -> Option<Clock> {
    let start = *c;
    let (hour, _) = c.digits(2)?;
    if !c.rest().starts_with(['h', 'H']) {
        return None;
    }
    c.pos += 1;
    // `15h`, `at 9h`: a whole hour, when it cannot be a length (`in 1h`, `2h`).
    if !c.rest().starts_with(|ch: char| ch.is_ascii_alphanumeric()) {
        let before = start.text[..start.pos].trim_end();
        let range_end = before.ends_with(['-', '–'])
            || matches!(
                start.word_before().to_ascii_lowercase().as_str(),
                "to" | "until" | "untill" | "till"
            );
        // `Thursday 8h PST`: a zone after it makes it a time (`Thursday 2h` is a length).
        let zoned = super::zones::zone(&mut { *c }).is_some();
        let clock_said = hour >= 13 || after_at(&start) || range_end || zoned;
        return (hour <= 23 && clock_said).then_some(Clock {
            hour,
            minute: 0,
            fixed: true,
        });
    }
    let (minute, 2) = c.digits(2)? else {
        return None;
    };
    (hour <= 23 && minute <= 59).then_some(Clock {
        hour,
        minute,
        fixed: true,
    })
}

/// `1030am`, `330 p.m.`, and after `at` also `at 1030`, `at 0930`.
fn packed_clock(c: &mut Cursor) -> Option<Clock> {
    let start = *c;
    let (value, digits) = c.digits(4)?;
    if digits < 3 {
        return None;
    }
    let (hour, minute) = (value / 100, value % 100);
    if minute > 59 || hour > 23 {
        return None;
    }
    let clock = Clock {
        hour,
        minute,
        fixed: false,
    };
    if let Some(pm) = meridiem(c, after_at(&start)) {
        return with_meridiem(clock, pm);
    }
    // `at 650.650.6500`, `at 650-650-6500`: a number that goes on is a phone number.
    let goes_on = c.rest().as_bytes();
    if !after_at(&start)
        || matches!(goes_on, [b'.' | b'-' | b'/' | b',', d, ..] if d.is_ascii_digit())
        || an_amount_follows(c)
    {
        return None;
    }
    // `how about 2019 q1`, `around 2015`: after a word other than `at`, a number that can
    // be a year of this age (1900–2099) is one, not 20:19.
    if (1900..=2099).contains(&value)
        && !start.text[..start.pos].trim_end().ends_with('@')
        && !start.word_before().eq_ignore_ascii_case("at")
    {
        return None;
    }
    Some(Clock {
        fixed: hour == 0 || hour > 12 || digits == 4 && hour < 10,
        ..clock
    })
}

/// `ten thirty am`, `seven thirty p.m.`, `three pm`, `at ten thirty`, `ten o'clock`.
fn worded_clock(c: &mut Cursor) -> Option<Clock> {
    let start = *c;
    let hour = en_number_word(c)?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    let mut minute = 0;
    let mut probe = *c;
    probe.skip_spaces();
    if probe.eat_any(&["oh", "o"]).is_some() {
        probe.skip_spaces();
        if let Some(m) = en_number_word(&mut probe).filter(|m| (1..=9).contains(m)) {
            minute = m;
            *c = probe;
        }
    } else if let Some(m) = en_number_below_60(&mut probe).filter(|m| (10..=59).contains(m)) {
        minute = m;
        *c = probe;
    }
    let clock = Clock {
        hour,
        minute,
        fixed: false,
    };
    if let Some(pm) = full_meridiem(c) {
        return with_meridiem(clock, pm);
    }
    // `four twenty-three a m`: am/pm written apart, as speech recognizers do, after an
    // hour and minutes said in words.
    if minute > 0 {
        let mut p = *c;
        if let Some(i) = p.eat_any_spaced(&["a m", "p m"]) {
            *c = p;
            return with_meridiem(clock, i == 1);
        }
    }
    if c.eat_spaced("o'clock") || c.eat_spaced("o’clock") || c.eat_spaced("oclock") {
        if let Some(pm) = full_meridiem(c) {
            return with_meridiem(clock, pm);
        }
        return Some(clock);
    }
    (minute > 0 && after_at(&start)).then_some(clock)
}

/// `half three` (British: half past three), opening the clause or after `at`, and
/// ending it: `at half three.`; `half three days` is no time.
fn half_hour(c: &mut Cursor) -> Option<Clock> {
    let start = *c;
    let before = start.text[..start.pos].trim_end();
    let opens = before.is_empty()
        || before.ends_with(|ch: char| ".,;:!?(\n，。；：！？（".contains(ch))
        || after_at(&start);
    if !opens || !c.eat("half") {
        return None;
    }
    c.skip_spaces();
    let hour = match c.digits(2) {
        Some((h, _)) => h,
        None => en_number_word(c)?,
    };
    if !(1..=12).contains(&hour) {
        return None;
    }
    let mut next = *c;
    next.skip_spaces();
    if !next.peek().is_none_or(|ch| ".,;!?)，。；！？".contains(ch)) {
        return None;
    }
    Some(Clock {
        hour,
        minute: 30,
        fixed: false,
    })
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
    // Cantonese 三點踏三 / 搭三 (3:15), 踏半 (3:30): 踏 / 搭 before the minute hand's numeral.
    let stepped = probe.eat_any(&["踏", "搭"]).is_some();
    if probe.eat("半") {
        minute = 30;
        *c = probe;
    } else if let Some(m) = chinese_minutes(&mut probe) {
        minute = m;
        *c = probe;
    } else if stepped {
        return None;
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
    let zero_led = probe.rest().starts_with(['零', '〇']);
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
    if next_is_unit(&probe) {
        return None;
    }
    // 三點零五 is 3:05 and 三點十五 3:15 (minutes said in full); 三點三 counts fives.
    if zero_led || m >= 12 {
        *c = probe;
        return Some(m);
    }
    if (1..=11).contains(&m) {
        *c = probe;
        return Some(m * 5);
    }
    None
}

/// A decimal part or a unit right after a number: an amount, not a clock (`at 6.5
/// kilograms`, `I'm at 101 points`).
pub(crate) fn an_amount_follows(c: &Cursor) -> bool {
    const UNITS: &[&str] = &[
        "points",
        "point",
        "pts",
        "pt",
        "kg",
        "kgs",
        "kilograms",
        "kilogram",
        "kilos",
        "kilo",
        "lbs",
        "lb",
        "pounds",
        "grams",
        "percent",
        "%",
        "degrees",
        "km",
        "kms",
        "miles",
        "mile",
        "metres",
        "meters",
        "cm",
        "mm",
        "people",
        "persons",
        "items",
        "pages",
        "units",
        "marks",
        "votes",
        "dollars",
        "hkd",
        "usd",
        "rmb",
        "yuan",
        "times",
        "seats",
        "boxes",
        "pallets",
        "bucks",
        "per",
    ];
    let rest = c.rest();
    if matches!(rest.as_bytes(), [b'.', d, ..] if d.is_ascii_digit()) {
        return true;
    }
    let word: String = rest
        .trim_start()
        .chars()
        .take_while(|ch| ch.is_alphanumeric() || *ch == '%')
        .collect::<String>()
        .to_lowercase();
    UNITS.contains(&word.as_str())
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
        assert_eq!(parse("三點零五"), Some((15, 5)));
        assert_eq!(parse("三點十五"), Some((15, 15)));
        assert_eq!(parse("三點踏三"), Some((15, 15)));
        assert_eq!(parse("三點搭一"), Some((15, 5)));
        assert_eq!(parse("三點踏半"), Some((15, 30)));
        assert_eq!(parse("a quarter past noon"), Some((12, 15)));
        assert_eq!(parse("20 to 2pm"), Some((13, 40)));
        assert_eq!(parse("twenty after 3"), Some((15, 20)));
        assert_eq!(parse("15h30"), Some((15, 30)));
        assert_eq!(parse("330 p.m."), Some((15, 30)));
        assert_eq!(parse("3:18a"), Some((3, 18)));
        assert_eq!(parse("ten thirty am"), Some((10, 30)));
        assert_eq!(parse("3 o'clock pm"), Some((15, 0)));
        assert_eq!(parse("13pm"), None);
        assert_eq!(parse("two to three"), None);
        assert_eq!(parse("10 to 12"), None);
        assert_eq!(parse("3:75"), None);
    }
}
