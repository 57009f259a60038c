//! Recurrence as an RFC 5545 RRULE: `every Wednesday`, `每週三`, `逢星期三`,
//! `每個禮拜一三五`, `every weekday`, `每日`, `每月一號`, `every other week`.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::clock::{part_of_day, PartOfDay};
use super::context::Context;
use super::cursor::Cursor;
use super::days::{en_weekday, zh_weekday_char, ZH_WEEK_WORDS};
use super::moment::{clock_after, wall_clock};
use super::numerals::{en_count, number};
use super::span::{Value, When};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    freq: Freq,
    interval: u32,
    by_day: Vec<Weekday>,
    month_day: Option<u32>,
    part: Option<PartOfDay>,
}

impl Rule {
    fn new(freq: Freq) -> Self {
        Rule {
            freq,
            interval: 1,
            by_day: Vec::new(),
            month_day: None,
            part: None,
        }
    }

    fn rrule(&self) -> String {
        let freq = match self.freq {
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
            Freq::Yearly => "YEARLY",
        };
        let mut out = format!("FREQ={freq}");
        if self.interval > 1 {
            out.push_str(&format!(";INTERVAL={}", self.interval));
        }
        if !self.by_day.is_empty() {
            let days: Vec<&str> = self.by_day.iter().map(|d| rrule_day(*d)).collect();
            out.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        if let Some(d) = self.month_day {
            out.push_str(&format!(";BYMONTHDAY={d}"));
        }
        out
    }

    /// Does an occurrence fall on `date`?
    fn matches(&self, date: NaiveDate) -> bool {
        let day_ok = self.by_day.is_empty() || self.by_day.contains(&date.weekday());
        let month_day_ok = self.month_day.is_none_or(|d| date.day() == d);
        day_ok && month_day_ok
    }
}

fn rrule_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

const WORKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

fn push_day(days: &mut Vec<Weekday>, d: Weekday) {
    if !days.contains(&d) {
        days.push(d);
    }
}

fn sorted(mut days: Vec<Weekday>) -> Vec<Weekday> {
    days.sort_by_key(|d| d.num_days_from_monday());
    days
}

/// A recurrence with its first occurrence from now on.
pub(crate) fn recurrence(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut best: Option<(Cursor, Rule)> = None;
    for parse in [english_rule, chinese_rule] {
        let mut probe = *c;
        if let Some(rule) = parse(&mut probe) {
            if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
                best = Some((probe, rule));
            }
        }
    }
    let (mut probe, mut rule) = best?;
    // The time of day: `every Wednesday at 10am`, `每週三下午三點`, `每朝九點`.
    {
        let mut p = probe;
        p.skip_spaces();
        if let Some(part) = part_of_day(&mut p, true) {
            rule.part = Some(part);
            probe = p;
        }
    }
    let clock = clock_after(&mut probe);
    let hour_minute = match (clock, rule.part) {
        (Some(clock), part) => Some((clock.hour_in(part), clock.minute)),
        (None, Some(part)) => Some((part.default_hour(), 0)),
        (None, None) => None,
    };
    let first = first_occurrence(&rule, hour_minute, ctx)?;
    *c = probe;
    Some(Value::Recurrence {
        rrule: rule.rrule(),
        first,
    })
}

/// The first day on or after today that the rule covers (today only while the time is ahead).
fn first_occurrence(rule: &Rule, hour_minute: Option<(u32, u32)>, ctx: &Context) -> Option<When> {
    let today = ctx.today();
    let horizon = if rule.month_day.is_some() { 800 } else { 14 };
    for offset in 0..horizon {
        let date = today.checked_add_days(Days::new(offset))?;
        if !rule.matches(date) {
            continue;
        }
        match hour_minute {
            None => return Some(When::Date(date)),
            Some((h, m)) => {
                let (d, t) = wall_clock(date, h, m)?;
                if ctx.is_ahead(d, t) {
                    return Some(When::DateTime(ctx.instant(d, t)));
                }
            }
        }
    }
    None
}

/// `every Wednesday`, `every Mon, Wed and Fri`, `every other week`, `every weekday`,
/// `every day`, `every morning`, `every 2 weeks`, `daily`, `weekly`, `every month on the 1st`.
fn english_rule(c: &mut Cursor) -> Option<Rule> {
    if let Some(i) = c.eat_any(&[
        "daily",
        "weekly",
        "monthly",
        "yearly",
        "annually",
        "fortnightly",
        "biweekly",
        "bi-weekly",
    ]) {
        let mut rule = Rule::new(
            [
                Freq::Daily,
                Freq::Weekly,
                Freq::Monthly,
                Freq::Yearly,
                Freq::Yearly,
            ][i.min(4)],
        );
        if i >= 5 {
            rule = Rule {
                interval: 2,
                ..Rule::new(Freq::Weekly)
            };
        }
        return Some(rule);
    }
    // `Mondays`, `on Mondays and Thursdays`: weekly.
    {
        let mut probe = *c;
        let mut days = Vec::new();
        while let Some(d) = plural_weekday(&mut probe) {
            push_day(&mut days, d);
            let mut p = probe;
            p.skip_spaces();
            let joined = p.eat(",") | p.eat_spaced("and") | p.eat("&");
            p.skip_spaces();
            let mut look = p;
            if !joined || plural_weekday(&mut look).is_none() {
                break;
            }
            probe = p;
        }
        if !days.is_empty() {
            *c = probe;
            return Some(Rule {
                by_day: sorted(days),
                ..Rule::new(Freq::Weekly)
            });
        }
    }
    if !c.eat("every") {
        return None;
    }
    c.skip_spaces();
    let mut interval = 1;
    if c.eat_any(&["other", "second", "alternate"]).is_some() {
        interval = 2;
        c.skip_spaces();
    } else {
        let mut probe = *c;
        if let Some(n) = en_count(&mut probe) {
            if n >= 2 {
                interval = n;
                probe.skip_spaces();
                *c = probe;
            }
        }
    }
    // Weekdays: every Monday and Wednesday / every Mon, Wed, Fri
    let mut probe = *c;
    if let Some(first) = en_weekday(&mut probe, true) {
        probe.eat("s");
        let mut days = vec![first];
        loop {
            let mut p = probe;
            p.skip_spaces();
            let had_comma = p.eat(",") || p.eat("/") || p.eat("&");
            p.skip_spaces();
            let had_and = p.eat("and");
            p.skip_spaces();
            if !(had_comma || had_and) {
                break;
            }
            match en_weekday(&mut p, true) {
                Some(d) => {
                    push_day(&mut days, d);
                    probe = p;
                }
                None => break,
            }
        }
        *c = probe;
        return Some(Rule {
            interval,
            by_day: sorted(days),
            ..Rule::new(Freq::Weekly)
        });
    }
    const UNITS: [&str; 16] = [
        "weekday",
        "weekdays",
        "working day",
        "work day",
        "workday",
        "business day",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "morning",
        "evening",
    ];
    let i = c.eat_any(&UNITS)?;
    let mut rule = match UNITS[i] {
        "weekday" | "weekdays" | "working day" | "work day" | "workday" | "business day" => Rule {
            by_day: WORKDAYS.to_vec(),
            ..Rule::new(Freq::Weekly)
        },
        "day" | "days" => Rule::new(Freq::Daily),
        "week" | "weeks" => Rule::new(Freq::Weekly),
        "month" | "months" => Rule::new(Freq::Monthly),
        "year" | "years" => Rule::new(Freq::Yearly),
        "morning" => Rule {
            part: Some(PartOfDay::Morning),
            ..Rule::new(Freq::Daily)
        },
        _ => Rule {
            part: Some(PartOfDay::Evening),
            ..Rule::new(Freq::Daily)
        },
    };
    rule.interval = interval;
    if rule.freq == Freq::Monthly {
        // every month on the 1st
        let mut p = *c;
        if p.eat_spaced("on") && p.eat_spaced("the") {
            p.skip_spaces();
            if let Some((d, _)) = p.digits(2) {
                p.eat_any(&["st", "nd", "rd", "th"]);
                if (1..=31).contains(&d) {
                    rule.month_day = Some(d);
                    *c = p;
                }
            }
        }
    }
    Some(rule)
}

/// `Mondays`: a weekday name in the plural.
fn plural_weekday(c: &mut Cursor) -> Option<Weekday> {
    const PLURALS: [(&str, Weekday); 7] = [
        ("mondays", Weekday::Mon),
        ("tuesdays", Weekday::Tue),
        ("wednesdays", Weekday::Wed),
        ("thursdays", Weekday::Thu),
        ("fridays", Weekday::Fri),
        ("saturdays", Weekday::Sat),
        ("sundays", Weekday::Sun),
    ];
    let i = c.eat_table(&PLURALS)?;
    Some(PLURALS[i].1)
}

/// 一三五 / 一、三、五 / 一至五 after 每週, 逢星期, 每個禮拜.
fn zh_weekday_list(c: &mut Cursor) -> Vec<Weekday> {
    let mut days = Vec::new();
    let mut probe = *c;
    while let Some(d) = zh_weekday_char(&mut probe) {
        let mut p = probe;
        if p.eat_any(&["至", "到", "-", "～", "~"]).is_some() {
            if let Some(last) = zh_weekday_char(&mut p) {
                let (a, b) = (d.num_days_from_monday(), last.num_days_from_monday());
                if a < b {
                    for i in a..=b {
                        push_day(&mut days, WEEK[i as usize]);
                    }
                    probe = p;
                    *c = probe;
                    continue;
                }
            }
        }
        push_day(&mut days, d);
        *c = probe;
        probe.eat_any(&["、", "，", ",", "同", "和", "及"]);
        // 禮拜一同禮拜三: the week word may come again.
        let mut p = probe;
        if p.eat_any(&ZH_WEEK_WORDS).is_some() {
            probe = p;
        }
    }
    sorted(days)
}

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

const ZH_WEEK_UNITS: [&str; 9] = [
    "週",
    "周",
    "星期",
    "禮拜",
    "礼拜",
    "個禮拜",
    "个礼拜",
    "個星期",
    "个星期",
];

/// 每週三, 逢星期三, 逢一三五, 每個禮拜一三五, 每日, 每朝, 每晚, 每月一號, 每年, 隔週, 每兩個禮拜.
fn chinese_rule(c: &mut Cursor) -> Option<Rule> {
    let mut interval = 1;
    let every = c.eat_any(&["每", "逢", "隔"])?;
    if every == 2 {
        // 隔週三 / 隔個禮拜
        interval = 2;
        c.eat_any(&["個", "个", "一個", "一个"]);
    } else {
        let mut probe = *c;
        probe.eat("隔");
        if let Some(n) = number(&mut probe, 2) {
            if n >= 2 {
                interval = n;
                *c = probe;
            }
        } else if probe.pos > c.pos {
            interval = 2;
            *c = probe;
        }
    }
    // Code-switched: 逢 Monday, 每個 Friday.
    if every < 2 {
        let mut probe = *c;
        probe.eat_any(&["個", "个"]);
        probe.skip_spaces();
        if let Some(d) = en_weekday(&mut probe, false) {
            probe.eat("s");
            *c = probe;
            return Some(Rule {
                interval,
                by_day: vec![d],
                ..Rule::new(Freq::Weekly)
            });
        }
    }
    // Weekly
    let mut probe = *c;
    if probe.eat_any(&ZH_WEEK_UNITS).is_some() || every == 1 {
        let days = zh_weekday_list(&mut probe);
        if !days.is_empty() || probe.pos > c.pos {
            *c = probe;
            return Some(Rule {
                interval,
                by_day: days,
                ..Rule::new(Freq::Weekly)
            });
        }
    }
    let mut probe = *c;
    if probe
        .eat_any(&["個工作日", "个工作日", "工作日", "平日"])
        .is_some()
    {
        *c = probe;
        return Some(Rule {
            by_day: WORKDAYS.to_vec(),
            ..Rule::new(Freq::Weekly)
        });
    }
    const UNITS: [&str; 9] = ["日", "天", "朝", "晚", "月", "個月", "个月", "年", "夜"];
    let i = c.eat_any(&UNITS)?;
    let mut rule = match UNITS[i] {
        "日" | "天" => Rule::new(Freq::Daily),
        "朝" => Rule {
            part: Some(PartOfDay::Morning),
            ..Rule::new(Freq::Daily)
        },
        "晚" | "夜" => Rule {
            part: Some(PartOfDay::Evening),
            ..Rule::new(Freq::Daily)
        },
        "年" => Rule::new(Freq::Yearly),
        _ => Rule::new(Freq::Monthly),
    };
    rule.interval = interval;
    if rule.freq == Freq::Monthly {
        let mut p = *c;
        if let Some(d) = number(&mut p, 2) {
            if p.eat_any(&["號", "号", "日"]).is_some() && (1..=31).contains(&d) {
                rule.month_day = Some(d);
                *c = p;
            }
        }
    }
    Some(rule)
}
