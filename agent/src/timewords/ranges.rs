//! Ranges: `from 2 to 4pm`, `2-4pm`, `兩點到四點`, `聽日下午2點至4點`, `Monday to Wednesday`.
//! Times give an interval of instants (end exclusive); days give days (both included).

use chrono::{Datelike, Days, NaiveDate, Timelike};

use super::clock::{clock, part_of_day, Clock, PartOfDay};
use super::context::Context;
use super::cursor::{longest, Cursor};
use super::days::Day;
use super::moment::{day, wall_clock};
use super::numerals::number;
use super::ordinals::{nth_in_month, EN_MONTHS, EN_MONTHS_SHORT};
use super::since::names_weekday;
use super::span::{Value, When};

// `untill` is a common misspelling of `until`.
const SEPARATORS: [&str; 12] = [
    "-", "–", "—", "~", "to", "until", "untill", "till", "到", "至", "至到", "and",
];

fn separator(c: &mut Cursor, between: bool) -> bool {
    let mut probe = *c;
    probe.skip_spaces();
    match probe.eat_any(&SEPARATORS) {
        Some(i) if SEPARATORS[i] != "and" || between => {
            probe.skip_spaces();
            *c = probe;
            true
        }
        _ => false,
    }
}

/// A clock, or a bare hour that only the other end of the range makes a time (`2` in `2-4pm`).
fn end_point(c: &mut Cursor) -> Option<(Clock, bool)> {
    let mut probe = *c;
    if let Some(found) = clock(&mut probe) {
        *c = probe;
        return Some((found, true));
    }
    // `6:00:00pm`: a clock with seconds, when they are none (other seconds are read by
    // the timestamp grammar, to the second).
    let mut probe = *c;
    if let Some((time, true)) =
        super::iso::clock_with_seconds(&mut probe).filter(|(t, _)| t.second() == 0)
    {
        *c = probe;
        let clock = Clock {
            hour: time.hour(),
            minute: time.minute(),
            fixed: true,
        };
        return Some((clock, true));
    }
    let mut probe = *c;
    let hour = number(&mut probe, 2)?;
    // `4點至2月3號`: a number before a date's unit is no hour.
    if probe
        .peek()
        .is_some_and(|ch| "月日號号年個个天週周星禮礼".contains(ch))
    {
        return None;
    }
    *c = probe;
    (1..=12).contains(&hour).then_some((
        Clock {
            hour,
            minute: 0,
            fixed: false,
        },
        false,
    ))
}

/// A range of times or of days.
pub(crate) fn range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    if let Some(found) = zh_between(c, ctx) {
        return Some(found);
    }
    longest(c, ctx, &RANGE_FORMS)
}

/// The forms of a range, in the order that breaks ties: the days of one month win
/// (`from the 13th to 15th July` is in July).
const RANGE_FORMS: [fn(&mut Cursor, &Context) -> Option<Value>; 6] = [
    time_range,
    bounded_range,
    day_number_range,
    day_range,
    moment_range,
    period_range,
];

/// `1月15號4點和2月3號9點之間`, `三月與九月之間`: two ends joined by 和 / 與 / 与 / 跟 / 同 and
/// closed by 之間 (in one clause), read as the same range said with 至.
fn zh_between(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    if c.peek().is_none_or(|ch| ch.is_ascii_alphabetic()) {
        return None;
    }
    // Only this clause, and not far: this is tried at every Chinese character.
    let rest = c.rest();
    let mut near = rest.len().min(120);
    while !rest.is_char_boundary(near) {
        near -= 1;
    }
    let rest = &rest[..near];
    let close = rest.find(['間', '间'])?.checked_sub('之'.len_utf8())?;
    // `一a間`: the three bytes before 間 may end inside another character.
    if !rest.is_char_boundary(close) || !rest[close..].starts_with(['之', '中']) {
        return None;
    }
    let close_len = 2 * '間'.len_utf8();
    let clause = &rest[..close];
    if clause.contains(|ch: char| "，。,;；！？!?\n".contains(ch)) {
        return None;
    }
    let join = clause.find(['和', '與', '与', '跟', '同'])?;
    // The joiners and 至 are three bytes each: every position stays where it was.
    let mut said = c.text[..c.pos + close].to_string();
    said.replace_range(c.pos + join..c.pos + join + '和'.len_utf8(), "至");
    let mut p = Cursor::new(&said, c.pos);
    let found = longest(&mut p, ctx, &RANGE_FORMS)?;
    if p.pos != said.len() {
        return None;
    }
    c.pos += close + close_len;
    Some(found)
}

pub(crate) fn opener(c: &mut Cursor) -> bool {
    let mut probe = *c;
    match probe.eat_any(&["from", "between", "由", "從", "从", "in between"]) {
        Some(i) => {
            probe.skip_spaces();
            *c = probe;
            i == 1 || i == 5
        }
        None => false,
    }
}

/// Two clock times said as a range, not yet placed on a day: `2-4pm`, `下午兩點至四點`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClockRange {
    start: Clock,
    part: Option<PartOfDay>,
    end: Clock,
    end_part: Option<PartOfDay>,
}

/// `[from|between] [part of day] start - [part of day] end`. `after_day` lets the
/// single-word parts of the day count (`聽日晚 8-10點`).
pub(crate) fn clock_range(c: &mut Cursor, after_day: bool) -> Option<ClockRange> {
    let mut probe = *c;
    let mut between = opener(&mut probe);
    // `noon-2pm`: a word that is both a part of the day and a clock starts the range.
    let mut with_part = probe;
    let mut part = part_of_day(&mut with_part, after_day);
    with_part.skip_spaces();
    let mut p = with_part;
    if part.is_none() || end_point(&mut p).is_some() || opener(&mut p) {
        probe = with_part;
    } else {
        part = None;
    }
    between |= opener(&mut probe);
    let (start, start_is_clock) = end_point(&mut probe)?;
    let before_separator = probe;
    if !separator(&mut probe, between) {
        return None;
    }
    let until = before_separator
        .rest()
        .trim_start()
        .get(..4)
        .is_some_and(|w| w.eq_ignore_ascii_case("unti") || w.eq_ignore_ascii_case("till"));
    let mut end_part = part_of_day(&mut probe, true);
    let (end, end_is_clock) = end_point(&mut probe)?;
    // `from 3 to 4 in the afternoon`: a part of the day after the end holds for both.
    if part.is_none() && end_part.is_none() {
        let mut p = probe;
        p.skip_spaces();
        if let Some(found) = part_of_day(&mut p, false) {
            part = Some(found);
            end_part = Some(found);
            probe = p;
        }
    }
    // A bare number at the end (`2-4`, `3pm-5`) is a time only after an unfixed clock
    // (`兩點到四`), with a part of the day, or after `until` (`8am until 6`); otherwise it
    // is a score or a count. After a day (`Friday 10-11`) two hours are a time too.
    let said_part = part.is_some() || end_part.is_some() || after_day;
    if !(end_is_clock || said_part || start_is_clock && (!start.fixed || until)) {
        return None;
    }
    *c = probe;
    Some(ClockRange {
        start,
        part,
        end,
        end_part,
    })
}

impl ClockRange {
    /// The interval on `day` (a part of the day said with the day applies to both ends),
    /// or on the next day where the start is still ahead. A day said after a range that
    /// ends more than half a day later, at an earlier hour, is the end's: `from 5pm until
    /// 3pm tomorrow` starts today.
    pub(crate) fn place(self, day: Option<Day>, day_after: bool, ctx: &Context) -> Option<Value> {
        let part = self.part.or(day.and_then(|d| d.part));
        let end_part = self.end_part.or(part);
        let (start_clock, end_clock) = (self.start, self.end);
        let said_end_hour =
            (end_clock.fixed || end_part.is_some()).then(|| end_clock.hour_in(end_part));
        let start_hour = match said_end_hour {
            Some(end) if !start_clock.fixed && part.is_none() => start_clock.before(end).hour,
            _ => start_clock.hour_in(part),
        };
        // An end that takes its part of the day from the start is the first such hour
        // after it: `上午10點到12點` ends at noon, not at the midnight before.
        let said_end_hour = said_end_hour.filter(|h| {
            *h > start_hour || end_clock.fixed || self.end_part.is_some() || self.part.is_none()
        });
        let end_hour = said_end_hour.unwrap_or_else(|| end_clock.after(start_hour).hour);
        let date = match day {
            Some(d) => {
                let (date, time) = wall_clock(d.date, start_hour, start_clock.minute)?;
                if d.bare_weekday && !ctx.is_ahead(date, time) {
                    d.date.checked_add_days(Days::new(7))?
                } else {
                    d.date
                }
            }
            None => {
                let (date, time) = wall_clock(ctx.today(), start_hour, start_clock.minute)?;
                if ctx.is_ahead(date, time) {
                    ctx.today()
                } else {
                    ctx.today().checked_add_days(Days::new(1))?
                }
            }
        };
        let (mut start_date, start_time) = wall_clock(date, start_hour, start_clock.minute)?;
        let (mut end_date, end_time) = wall_clock(date, end_hour, end_clock.minute)?;
        if end_date.and_time(end_time) <= start_date.and_time(start_time) {
            // Overnight (`from 11pm to 1am on Friday`) the day said is the night's; a
            // range of more than half a day ending before its start's hour (`from 5pm
            // until 3pm tomorrow`) ends on it.
            let back = start_date.and_time(start_time) - end_date.and_time(end_time);
            let overnight = back >= chrono::Duration::hours(12);
            if day_after && day.is_some() && !overnight {
                start_date = start_date.checked_sub_days(Days::new(1))?;
            } else {
                end_date = end_date.checked_add_days(Days::new(1))?; // 11pm-1am
            }
        }
        Some(Value::Interval {
            start: When::DateTime(ctx.instant(start_date, start_time)),
            end: When::DateTime(ctx.instant(end_date, end_time)),
        })
    }
}

fn time_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    // An opener may stand before or after the day: `from 2 to 4pm tomorrow`, `聽日由兩點到四點`.
    let mut the_day = None;
    {
        let mut p = probe;
        opener(&mut p);
        if let Some(found) = day(&mut p, ctx) {
            the_day = Some(found.ok()?);
            p.skip_spaces();
            probe = p;
        }
    }
    let range = clock_range(&mut probe, the_day.is_some())?;
    let day_after = the_day.is_none();
    if the_day.is_none() {
        let mut p = probe;
        p.eat(",");
        p.skip_spaces();
        if p.eat("on") {
            p.skip_spaces();
        }
        if let Some(Ok(d)) = day(&mut p, ctx) {
            the_day = Some(d);
            probe = p;
        }
    }
    let value = range.place(the_day, day_after, ctx)?;
    *c = probe;
    Some(value)
}

/// `after 3:30pm but before 6pm`, `later than 2pm and earlier than 4pm`: a range said by
/// its two bounds, each a clock time.
fn bounded_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    probe.eat_any(&["after", "later than", "not before", "no earlier than"])?;
    probe.skip_spaces();
    let start = clock(&mut probe)?;
    probe.eat(",");
    probe.eat_any_spaced(&["but", "and"])?;
    probe.eat_any_spaced(&["before", "earlier than", "not after", "no later than"])?;
    probe.skip_spaces();
    let end = clock(&mut probe)?;
    let range = ClockRange {
        start,
        part: None,
        end,
        end_part: None,
    };
    let mut the_day = None;
    let mut p = probe;
    p.eat(",");
    p.skip_spaces();
    if p.eat("on") {
        p.skip_spaces();
    }
    if let Some(Ok(d)) = day(&mut p, ctx) {
        the_day = Some(d);
        probe = p;
    }
    let value = range.place(the_day, true, ctx)?;
    *c = probe;
    Some(value)
}

fn day_number_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let (first, last) = match super::dates::day_number_range(c, ctx)? {
        Ok(days) => days,
        Err(reason) => return Some(Value::InvalidDate { reason }),
    };
    Some(Value::Interval {
        start: When::Date(first.date),
        end: When::Date(last.date),
    })
}

/// True when a day said carries its year (`Nov 12, 2013`, `3/12/2027`, `2027年`).
fn says_year(said: &str) -> bool {
    let b = said.as_bytes();
    b.windows(4).any(|w| w.iter().all(u8::is_ascii_digit))
        || said.contains('年')
        || said.matches('/').count() == 2
        || said.contains(['\'', '’'])
}

/// True when a day said names its month (`Dec 30`, `30/12`, `十二月三十日`, `the last Monday
/// of April`), so that another year of it is the same day.
fn names_month(said: &str) -> bool {
    said.contains(|ch: char| ch.is_ascii_digit() || ch == '月')
        || said
            .split(|ch: char| !ch.is_ascii_alphabetic())
            .map(str::to_ascii_lowercase)
            .any(|w| EN_MONTHS.contains(&w.as_str()) || EN_MONTHS_SHORT.contains(&w.as_str()))
}

/// `date` (said as `said`) in `year`: the same day of the month, or, for a day said by its
/// weekday (`the last Monday of April`, `四月的最後一個星期一`), the same weekday in the same
/// place of that month — the last one if it was the month's last.
fn in_year(date: NaiveDate, said: &str, year: i32) -> Option<NaiveDate> {
    let said = said.to_lowercase();
    let by_place = [
        "first", "second", "third", "fourth", "fifth", "last", "第", "最後", "最后",
    ];
    if !names_weekday(&said) || !by_place.iter().any(|w| said.contains(w)) {
        return date.with_year(year);
    }
    let first = NaiveDate::from_ymd_opt(year, date.month(), 1)?;
    let last_of_month = date.checked_add_days(Days::new(7))?.month() != date.month();
    let n = if last_of_month {
        0
    } else {
        (date.day() - 1) / 7 + 1
    };
    nth_in_month(first, date.weekday(), n)
}

fn day_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let between = opener(&mut probe);
    let first_from = probe.pos;
    let mut first = day(&mut probe, ctx)?.ok()?;
    let first_said = &probe.text[first_from..probe.pos];
    if !separator(&mut probe, between) {
        return None;
    }
    let last_from = probe.pos;
    let mut last = match day_of_first_month(&mut probe, first.date)
        .or_else(|| weekday_of_first_week(&mut probe, first_said, first.date))
    {
        Some(date) => Day::on(date),
        None => day(&mut probe, ctx)?.ok()?,
    };
    let last_said = &probe.text[last_from..probe.pos];
    // `Aug 10 - Nov 12, 2013`, `30th Dec to 2nd Jan 2027`: a year said at the end only
    // is the year of both (the year before for a start later in the year than the end).
    if says_year(last_said)
        && !says_year(first_said)
        && first_said.contains(|ch: char| ch.is_ascii_digit())
    {
        let in_year = |y: i32| in_year(first.date, first_said, y);
        if let Some(d) = in_year(last.date.year()) {
            first = Day::on(if d > last.date {
                in_year(last.date.year() - 1).unwrap_or(d)
            } else {
                d
            });
        }
    }
    // `2019年6月1日-6月30日`, `June 1, 2029 - June 30`: a year said at the start only is
    // the year of both (the year after for an end earlier in the year than the start).
    if says_year(first_said)
        && !says_year(last_said)
        && last_said.contains(|ch: char| ch.is_ascii_digit() || ch == '月')
    {
        let in_year = |y: i32| in_year(last.date, last_said, y);
        if let Some(d) = in_year(first.date.year()) {
            last = Day::on(if d < first.date {
                in_year(first.date.year() + 1).unwrap_or(d)
            } else {
                d
            });
        }
    }
    // `Dec 30 - Jan 2` said on 31 December: the start is the one just past.
    if last.date < first.date && !says_year(first_said) && names_month(first_said) {
        if let Some(d) = in_year(first.date, first_said, first.date.year() - 1) {
            if d <= last.date {
                first = Day::on(d);
            }
        }
    }
    if last.date < first.date && last.bare_weekday {
        last.date = last.date.checked_add_days(Days::new(7))?;
    }
    if last.date < first.date {
        return None;
    }
    *c = probe;
    Some(Value::Interval {
        start: When::Date(first.date),
        end: When::Date(last.date),
    })
}

/// The end of a range said as a day number only (`從一月十日到二十日`, `from March 3 to
/// the 10th`): that day in the start's month, or the month after when it comes earlier.
fn day_of_first_month(c: &mut Cursor, first: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
    let mut probe = *c;
    if probe.eat("the") {
        probe.skip_spaces();
    }
    let day = number(&mut probe, 2)?;
    probe.eat_any(&["日", "號", "号", "st", "nd", "rd", "th"])?;
    if probe.peek().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
        return None;
    }
    // `to 2nd Jan`, `to the 2nd of January`: the day has its own month.
    let mut month = probe;
    month.skip_spaces();
    if month.eat("of") {
        month.skip_spaces();
    }
    if super::ordinals::en_month_said(&mut month).is_some() {
        return None;
    }
    let date = first.with_day(day).filter(|d| *d >= first).or_else(|| {
        let next = first.checked_add_months(chrono::Months::new(1))?;
        next.with_day(day)
    })?;
    *c = probe;
    Some(date)
}

/// `星期一至五`, `禮拜二到四`: after a Chinese weekday, the end said by its day character
/// only is that day of the same week.
fn weekday_of_first_week(
    c: &mut Cursor,
    first_said: &str,
    first: chrono::NaiveDate,
) -> Option<chrono::NaiveDate> {
    let week_word = super::days::ZH_WEEK_WORDS.iter().any(|w| {
        first_said
            .trim_start_matches(['從', '从', '由'])
            .contains(w)
    });
    if !week_word {
        return None;
    }
    let mut probe = *c;
    let wd = super::days::zh_weekday_char(&mut probe)?;
    // `从三月第二个礼拜一到六月三十日`: a number that goes on is a month or a day, not a weekday.
    let goes_on = [
        "月", "日", "號", "号", "點", "点", "時", "时", "十", "個", "个", "年",
    ];
    if goes_on.iter().any(|w| probe.rest().starts_with(w))
        || probe.rest().starts_with(|ch: char| ch.is_ascii_digit())
    {
        return None;
    }
    let monday = super::context::week_start(first);
    let mut date = monday + chrono::Days::new(u64::from(wd.num_days_from_monday()));
    // `星期五至一`: the Monday after.
    if date < first {
        date = date + chrono::Days::new(7);
    }
    *c = probe;
    Some(date)
}

/// `from April to June`, `from April until the end of June`, `between this week and the end
/// of next week`, `從四月到六月底`: two periods, from the first one's first day to the last
/// day of the second (of its end, said loosely: the period's last day).
fn period_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let start = probe.pos;
    let between = opener(&mut probe);
    // A bare month name (`April`, `May`) is a period only in a range opened by `from`
    // or `between`: alone it is as often a name or a word.
    let opened = probe.pos > start;
    let period = |p: &mut Cursor| {
        super::periods::period(p, ctx).or_else(|| opened.then(|| bare_month(p, ctx)).flatten())
    };
    let first = period(&mut probe)?;
    if !separator(&mut probe, between) {
        return None;
    }
    let mut end = probe;
    let last = match super::periods::end_of(&mut end, ctx) {
        Some((period, _)) => period.last,
        None => {
            end = probe;
            match period(&mut end) {
                Some(p) => p.last,
                // `between Jan 2019 and tomorrow`, `… and now`: a period, then a day.
                None => {
                    end = probe;
                    // `from March to date`: up to today.
                    if end.eat_any(&["now", "right now", "date"]).is_some() {
                        ctx.today()
                    } else {
                        day(&mut end, ctx)?.ok()?.date
                    }
                }
            }
        }
    };
    // `from April to June` said in June: this year's April, not next year's.
    let said = &probe.text[start..probe.pos];
    let first = if last < first.first && !said.contains(|ch: char| ch.is_ascii_digit()) {
        let earlier = first.first.checked_sub_months(chrono::Months::new(12))?;
        super::periods::Period {
            first: earlier,
            last: first.last,
        }
    } else {
        first
    };
    if last < first.first {
        return None;
    }
    *c = end;
    Some(Value::Interval {
        start: When::Date(first.first),
        end: When::Date(last),
    })
}

/// `April`, `June 2027`: the whole month, the next one not yet over.
fn bare_month(c: &mut Cursor, ctx: &Context) -> Option<super::periods::Period> {
    let mut p = *c;
    let said = super::ordinals::en_month_said(&mut p)?;
    let today = ctx.today();
    let first = super::ordinals::month_first(said, ctx, |f| {
        super::context::month_end(f, 0).is_some_and(|last| last >= today)
    })?;
    let last = super::context::month_end(first, 0)?;
    *c = p;
    Some(super::periods::Period { first, last })
}

/// `from 2pm till tomorrow 4:30pm`, `從昨天下午兩點到明天四點`: two moments, each with its
/// own day or clock, both read to the minute; an interval of instants (the end after the
/// start, else no range).
fn moment_range(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let between = opener(&mut probe);
    let opened = probe.pos > c.pos;
    // `between now and …`: this moment as the start.
    let start_from = probe.pos;
    let start = if probe.eat_any(&["now", "right now"]).is_some() && probe.peek() != Some('\'') {
        When::DateTime(ctx.now_instant())
    } else {
        super::moment::moment(&mut probe, ctx)?.ok()?.resolve(ctx)?
    };
    // In English only after `from` or `between` (a moment is read anyway where it starts).
    if !opened && probe.text[start_from..probe.pos].is_ascii() {
        return None;
    }
    if !separator(&mut probe, between) {
        return None;
    }
    // `between eight o'clock and now`: this moment as the end.
    let before_end = probe;
    let end = if probe.eat_any(&["now", "right now"]).is_some() && probe.peek() != Some('\'') {
        When::DateTime(ctx.now_instant())
    } else {
        super::moment::moment(&mut probe, ctx)?.ok()?.resolve(ctx)?
    };
    // `between eight o'clock and now`: a clock ahead today was this morning's.
    let start = match (start, end) {
        (When::DateTime(s), When::DateTime(e))
            if e == ctx.now_instant() && s > e && s - chrono::Duration::days(1) < e =>
        {
            When::DateTime(s - chrono::Duration::days(1))
        }
        _ => start,
    };
    // `between 2:00 tomorrow and 4:00`: an end said as a clock time alone is on the start's
    // day.
    let end_is_clock = {
        let mut p = before_end;
        clock(&mut p).is_some() && p.pos == probe.pos
    };
    let end = match (start, end) {
        (When::DateTime(s), When::DateTime(e)) if e <= s && end_is_clock => {
            When::DateTime(ctx.instant(s.date_naive(), e.time()))
        }
        _ => end,
    };
    let value = match (start, end) {
        (When::DateTime(s), When::DateTime(e)) if e > s => Value::Interval {
            start: When::DateTime(s),
            end: When::DateTime(e),
        },
        // `between now and November 15th`: a moment and a day are days, both included.
        (When::DateTime(s), When::Date(e)) if e >= s.date_naive() => Value::Interval {
            start: When::Date(s.date_naive()),
            end: When::Date(e),
        },
        (When::Date(s), When::DateTime(e)) if e.date_naive() >= s => Value::Interval {
            start: When::Date(s),
            end: When::Date(e.date_naive()),
        },
        _ => return None,
    };
    *c = probe;
    Some(value)
}
