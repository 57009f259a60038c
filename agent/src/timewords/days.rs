//! Day words: relative days (`tomorrow`, `聽日`, `大後日`), weekdays with this/next
//! (`next Wednesday`, `下個禮拜三`, `週三`) and month ends (`月尾`, `end of next month`).

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::clock::{Base, PartOfDay};
use super::context::{in_week, month_end, week_start, Context};
use super::cursor::Cursor;

/// A day that was named, with what the words also said about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Day {
    pub date: NaiveDate,
    /// A bare weekday (`Wednesday`, `週三`): today only while the time is still ahead.
    pub bare_weekday: bool,
    /// A part of the day said in the same word (`tonight`, `今晚`, `聽朝`).
    pub part: Option<PartOfDay>,
}

impl Day {
    pub fn on(date: NaiveDate) -> Self {
        Day {
            date,
            bare_weekday: false,
            part: None,
        }
    }
}

/// (words, days from today, part of the day said with it)
const RELATIVE_DAYS: [(&str, i64, Option<PartOfDay>); 48] = [
    ("today", 0, None),
    ("tonight", 0, Some(PartOfDay::Evening)),
    ("tonite", 0, Some(PartOfDay::Evening)),
    ("late tonight", 0, Some(PartOfDay::Late(Base::Evening))),
    ("late tonite", 0, Some(PartOfDay::Late(Base::Evening))),
    ("tomorrow", 1, None),
    ("tmr", 1, None),
    ("tmrw", 1, None),
    ("the day after tomorrow", 2, None),
    ("day after tomorrow", 2, None),
    ("yesterday", -1, None),
    ("last night", -1, Some(PartOfDay::Evening)),
    ("late last night", -1, Some(PartOfDay::Late(Base::Evening))),
    ("昨晚", -1, Some(PartOfDay::Evening)),
    ("尋晚", -1, Some(PartOfDay::Evening)),
    ("寻晚", -1, Some(PartOfDay::Evening)),
    ("琴晚", -1, Some(PartOfDay::Evening)),
    ("昨夜", -1, Some(PartOfDay::Evening)),
    ("今日", 0, None),
    ("今天", 0, None),
    ("今晚", 0, Some(PartOfDay::Evening)),
    ("今朝", 0, Some(PartOfDay::Morning)),
    ("今早", 0, Some(PartOfDay::Morning)),
    ("明天", 1, None),
    ("明日", 1, None),
    ("聽日", 1, None),
    ("听日", 1, None),
    ("明早", 1, Some(PartOfDay::Morning)),
    ("明晚", 1, Some(PartOfDay::Evening)),
    ("聽朝", 1, Some(PartOfDay::Morning)),
    ("听朝", 1, Some(PartOfDay::Morning)),
    ("聽晚", 1, Some(PartOfDay::Evening)),
    ("听晚", 1, Some(PartOfDay::Evening)),
    ("後天", 2, None),
    ("后天", 2, None),
    ("後日", 2, None),
    ("后日", 2, None),
    ("大後日", 3, None),
    ("大后日", 3, None),
    ("大後天", 3, None),
    ("大后天", 3, None),
    ("昨天", -1, None),
    ("昨日", -1, None),
    ("尋日", -1, None),
    ("寻日", -1, None),
    ("琴日", -1, None),
    ("前日", -2, None),
    ("前天", -2, None),
];

const RELATIVE_DAY_WORDS: [&str; 48] = [
    "today",
    "tonight",
    "tonite",
    "late tonight",
    "late tonite",
    "tomorrow",
    "tmr",
    "tmrw",
    "the day after tomorrow",
    "day after tomorrow",
    "yesterday",
    "last night",
    "late last night",
    "昨晚",
    "尋晚",
    "寻晚",
    "琴晚",
    "昨夜",
    "今日",
    "今天",
    "今晚",
    "今朝",
    "今早",
    "明天",
    "明日",
    "聽日",
    "听日",
    "明早",
    "明晚",
    "聽朝",
    "听朝",
    "聽晚",
    "听晚",
    "後天",
    "后天",
    "後日",
    "后日",
    "大後日",
    "大后日",
    "大後天",
    "大后天",
    "昨天",
    "昨日",
    "尋日",
    "寻日",
    "琴日",
    "前日",
    "前天",
];

/// `today`, `tomorrow`, `聽日`, `後日`, `今晚` …
pub(crate) fn relative_day(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let i = c.eat_any(&RELATIVE_DAY_WORDS)?;
    let (_, offset, part) = RELATIVE_DAYS[i];
    let date = ctx
        .today()
        .checked_add_signed(chrono::Duration::days(offset))?;
    Some(Day {
        date,
        bare_weekday: false,
        part,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Bare,
    This,
    Next,
    Last,
}

const EN_WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

const EN_ABBREVIATIONS: [(&str, Weekday); 12] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("tues", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("thur", Weekday::Thu),
    ("thurs", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
    ("weds", Weekday::Wed),
    ("tu", Weekday::Tue),
];

/// An English weekday name. Abbreviations (`wed`, `sat`) are ordinary words too, so they
/// count only when `abbreviations` is set (after `this`/`next`/`every`/`by`).
pub(crate) fn en_weekday(c: &mut Cursor, abbreviations: bool) -> Option<Weekday> {
    if let Some(i) = c.eat_table(&EN_WEEKDAYS) {
        return Some(EN_WEEKDAYS[i].1);
    }
    let i = c.eat_table(&EN_ABBREVIATIONS)?;
    // `tue`, `thu`, `fri`… are no English words: they are weekdays anywhere.
    if !abbreviations && !NOT_WORDS.contains(&EN_ABBREVIATIONS[i].0) {
        return None;
    }
    c.eat(".");
    Some(EN_ABBREVIATIONS[i].1)
}

/// The abbreviations that are not also English words (`sat`, `sun`, `wed`, `mon`, `tu`).
const NOT_WORDS: [&str; 7] = ["tue", "tues", "thu", "thur", "thurs", "fri", "weds"];

/// `Thu at 8 GMT`, `Sat 10:30am`: an abbreviation written with its capital and followed
/// by a clock time is a weekday (`I sat at 3pm` is not).
fn clock_follows(c: &Cursor) -> bool {
    if !c.peek().is_some_and(|ch| ch.is_ascii_uppercase()) {
        return false;
    }
    let mut p = *c;
    if p.eat_table(&EN_ABBREVIATIONS).is_none() {
        return false;
    }
    p.eat(".");
    p.eat(",");
    super::moment::clock_after(&mut p).is_some()
}

/// `Mon-Fri`, `Tue–Thu`, `Mon to Fri`: two abbreviations joined by a dash or `to` read as
/// weekdays (at either end).
fn abbreviated_range(c: &Cursor) -> bool {
    let before = c.text[..c.pos].trim_end_matches(' ');
    let joined = before.strip_suffix(['-', '–']).or_else(|| {
        let cut = before.len().checked_sub(3)?;
        (before.is_char_boundary(cut) && before[cut..].eq_ignore_ascii_case(" to"))
            .then(|| &before[..cut])
    });
    if let Some(head) = joined {
        let word = Cursor::new(c.text, head.trim_end_matches(' ').len()).word_before();
        return EN_ABBREVIATIONS
            .iter()
            .any(|(w, _)| w.eq_ignore_ascii_case(word));
    }
    let mut p = *c;
    if en_weekday(&mut p, true).is_none() {
        return false;
    }
    p.skip_spaces();
    if !(p.eat("-") || p.eat("–") || p.eat("to")) {
        return false;
    }
    p.skip_spaces();
    en_weekday(&mut p, true).is_some()
}

/// The words that introduce a Chinese weekday: 星期三, 禮拜三, 週三, 周三.
pub(crate) const ZH_WEEK_WORDS: [&str; 5] = ["星期", "禮拜", "礼拜", "週", "周"];

/// The day character after 星期/禮拜/週: 一…六, 日/天 (Sunday).
pub(crate) fn zh_weekday_char(c: &mut Cursor) -> Option<Weekday> {
    let ch = c.peek()?;
    let wd = match ch {
        '一' => Weekday::Mon,
        '二' => Weekday::Tue,
        '三' => Weekday::Wed,
        '四' => Weekday::Thu,
        '五' => Weekday::Fri,
        '六' => Weekday::Sat,
        '日' | '天' => Weekday::Sun,
        _ => return None,
    };
    c.pos += ch.len_utf8();
    Some(wd)
}

/// 星期三 / 禮拜三 / 週三 (without this/next).
pub(crate) fn zh_weekday(c: &mut Cursor) -> Option<Weekday> {
    let mut probe = *c;
    probe.eat_any(&ZH_WEEK_WORDS)?;
    let wd = zh_weekday_char(&mut probe)?;
    *c = probe;
    Some(wd)
}

pub(crate) const ZH_THIS: [&str; 12] = [
    "本",
    "這",
    "这",
    "今",
    "呢個",
    "呢个",
    "今個",
    "今个",
    "這個",
    "这个",
    "這一個",
    "这一个",
];
/// "This month" in Cantonese, Traditional and Simplified.
pub(crate) const ZH_THIS_MONTH: [&str; 7] = [
    "本月",
    "今個月",
    "今个月",
    "呢個月",
    "呢个月",
    "這個月",
    "这个月",
];
pub(crate) const ZH_NEXT: [&str; 6] = ["下", "下個", "下个", "下一個", "下一个", "下一"];
const ZH_LAST: [&str; 4] = ["上", "上個", "上个", "上一個"];

/// A weekday with or without this/next/last, in English or Chinese.
/// A word followed by a comma and a calendar date (`Fri, Jul 18`, `Sat, 3 Dec`) or by an
/// ordinal day (`Sat 14th`): there an abbreviation is a weekday, not a word (`I sat, 3
/// times` is no date).
fn date_follows(c: &Cursor, ctx: &Context) -> bool {
    let mut probe = *c;
    let len = probe
        .rest()
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    probe.pos += len;
    probe.eat(".");
    if !probe.eat(",") {
        // `Sat 14th`, `Mon the 13th`: an ordinal day of the month after it, the weekday
        // written as a name (`I sat 14th in the race` is no date).
        if !c.peek().is_some_and(|ch| ch.is_ascii_uppercase()) {
            return false;
        }
        probe.skip_spaces();
        if probe.eat("the") {
            probe.skip_spaces();
        }
        return probe.digits(2).is_some()
            && probe.eat_any(&["st", "nd", "rd", "th"]).is_some()
            && !probe.peek().is_some_and(|ch| ch.is_ascii_alphanumeric());
    }
    probe.skip_spaces();
    matches!(super::dates::date(&mut probe, ctx), Some(Ok(_)))
}

pub(crate) fn weekday<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<Day> {
    let mut best: Option<(Cursor<'a>, Which, Weekday)> = None;
    let mut consider = |probe: Cursor<'a>, which: Which, wd: Weekday| {
        if best.as_ref().is_none_or(|(b, _, _)| probe.pos > b.pos) {
            best = Some((probe, which, wd));
        }
    };
    // English: [this|next|last|coming|this coming] weekday
    {
        let mut probe = *c;
        let which = match probe.eat_any(&[
            "this",
            "next",
            "last",
            "coming",
            "this coming",
            "this week",
            "next week",
            "last week",
            "previous",
        ]) {
            Some(0 | 5) => Which::This,
            Some(1 | 6) => Which::Next,
            Some(2 | 7 | 8) => Which::Last,
            Some(_) => Which::Bare,
            None => Which::Bare,
        };
        // Abbreviations (`wed`, `sat`) only after a word that announces a day.
        let abbreviations = probe.pos > c.pos
            || matches!(
                c.word_before().to_ascii_lowercase().as_str(),
                "on" | "by" | "before" | "until" | "till" | "due" | "from" | "to" | "every"
            )
            || abbreviated_range(c)
            || date_follows(c, ctx)
            || clock_follows(c);
        probe.skip_spaces();
        if let Some(wd) = en_weekday(&mut probe, abbreviations) {
            consider(probe, which, wd);
        }
    }
    // Chinese: [本|這|呢個|下|下個|上個] 星期/禮拜/週 X
    {
        let mut probe = *c;
        let which = if probe.eat_any(&ZH_NEXT).is_some() {
            Which::Next
        } else if probe.eat_any(&ZH_THIS).is_some() {
            Which::This
        } else if probe.eat_any(&ZH_LAST).is_some() {
            Which::Last
        } else {
            Which::Bare
        };
        if let Some(wd) = zh_weekday(&mut probe) {
            consider(probe, which, wd);
        }
    }
    // `Wednesday next week` names the weekday after it.
    let (mut end, which, wd) = best?;
    let mut which = which;
    if which == Which::Bare {
        let mut probe = end;
        if probe
            .eat_any_spaced(&["next week", "of next week"])
            .is_some()
        {
            which = Which::Next;
            end = probe;
        } else if probe
            .eat_any_spaced(&["this week", "of this week"])
            .is_some()
        {
            which = Which::This;
            end = probe;
        }
    }
    *c = end;
    let today = ctx.today();
    let monday = week_start(today);
    let date = match which {
        Which::This => in_week(monday, wd),
        Which::Next => in_week(monday + Days::new(7), wd),
        Which::Last => in_week(monday - Days::new(7), wd),
        Which::Bare => {
            let ahead = (7 + wd.num_days_from_monday() - today.weekday_index()) % 7;
            today + Days::new(u64::from(ahead))
        }
    };
    Some(Day {
        date,
        bare_weekday: which == Which::Bare,
        part: None,
    })
}

trait WeekdayIndex {
    fn weekday_index(&self) -> u32;
}

impl WeekdayIndex for NaiveDate {
    fn weekday_index(&self) -> u32 {
        use chrono::Datelike;
        self.weekday().num_days_from_monday()
    }
}

/// `月尾`, `月底`, `下個月尾`, `十二月尾`, `end of the month`, `end of next month`.
pub(crate) fn month_end_day(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let mut probe = *c;
    let ahead = if probe.eat_any(&["下個月", "下个月", "下月"]).is_some() {
        probe.eat_any(&["尾", "底"])?;
        1
    } else if probe.eat_any(&ZH_THIS_MONTH).is_some() {
        probe.eat_any(&["尾", "底"])?;
        0
    } else if probe
        .eat_any(&[
            "月尾",
            "月底",
            "end of the month",
            "end of this month",
            "end of month",
            "month end",
            "month-end",
            "the end of the month",
            "the end of this month",
            "the end of month",
        ])
        .is_some()
    {
        0
    } else if probe
        .eat_any(&["end of next month", "the end of next month"])
        .is_some()
    {
        1
    } else {
        // `十二月尾`, `3月底`: the last day of that month, the next one not yet over.
        let m = super::numerals::number(&mut probe, 2)?;
        if !(1..=12).contains(&m) || !probe.eat("月") || probe.eat_any(&["尾", "底"]).is_none() {
            return None;
        }
        let today = ctx.today();
        let this = NaiveDate::from_ymd_opt(today.year(), m, 1)?;
        let first = if month_end(this, 0)? >= today {
            this
        } else {
            NaiveDate::from_ymd_opt(today.year() + 1, m, 1)?
        };
        *c = probe;
        return Some(Day::on(month_end(first, 0)?));
    };
    *c = probe;
    Some(Day::on(month_end(ctx.today(), ahead)?))
}

/// `end of the week` / `週尾` / `end of next week`: that week's Friday.
pub(crate) fn week_end_day(c: &mut Cursor, ctx: &Context) -> Option<Day> {
    let mut probe = *c;
    let weeks = if probe.eat_any(&["the end of", "end of"]).is_some() {
        probe.skip_spaces();
        super::periods::skip_hedge(&mut probe);
        let mut week = probe;
        if week.eat("week") {
            probe = week;
            0
        } else {
            super::periods::week_said(&mut probe)?
        }
    } else {
        // `週尾`, `呢個禮拜尾`, `下個星期尾`: this week's end, or next week's.
        let weeks = if probe.eat_any(&ZH_NEXT).is_some() {
            1
        } else {
            probe.eat_any(&ZH_THIS);
            0
        };
        probe.eat_any(&["週尾", "周尾", "禮拜尾", "礼拜尾", "星期尾"])?;
        weeks
    };
    *c = probe;
    let monday = super::periods::monday_of_week(ctx.today(), weeks)?;
    let friday = in_week(monday, Weekday::Fri);
    Some(Day::on(friday))
}
