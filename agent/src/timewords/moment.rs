//! A day and/or a time of day said together, in any order the languages allow:
//! `週三下午`, `聽日下午三點`, `tomorrow at 3pm`, `3pm on Friday`, `下午三點`.

use chrono::{Datelike, Days, NaiveDate, NaiveTime};

use super::clock::{clock, part_of_day, Clock, PartOfDay};
use super::context::Context;
use super::cursor::Cursor;
use super::dates::{date, DateResult};
use super::days::{month_end_day, relative_day, week_end_day, weekday, Day};
use super::holidays::{self, holiday};
use super::ordinals::{month_day_on, ordinal_day};
use super::span::When;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moment {
    pub day: Option<Day>,
    pub part: Option<PartOfDay>,
    pub clock: Option<Clock>,
}

/// The English words a day expression can begin with (the grammars are tried often:
/// a word that is none of these, nor a holiday's first word, is turned away at once).
const DAY_FIRST_WORDS: [&str; 86] = [
    "previous",
    "new",
    "closest",
    "nearest",
    "today",
    "tonight",
    "tonite",
    "late",
    "tomorrow",
    "tmr",
    "tmrw",
    "the",
    "day",
    "yesterday",
    "this",
    "next",
    "last",
    "coming",
    "end",
    "month",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "weds",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "tu",
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
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twenty",
    "thirtieth",
    "thirty",
];

fn may_start_day(c: &Cursor) -> bool {
    let rest = c.rest().as_bytes();
    match rest.first() {
        None => false,
        Some(b) if b.is_ascii_digit() => true,
        Some(b) if b.is_ascii_alphabetic() => {
            let len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let word = &rest[..len];
            DAY_FIRST_WORDS
                .iter()
                .chain(holidays::FIRST_WORDS)
                .any(|w| w.len() == len && w.as_bytes().eq_ignore_ascii_case(word))
        }
        Some(b) => !b.is_ascii(),
    }
}

/// Any day expression: relative, weekday, calendar date, month or week end.
pub(crate) fn day<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<DateResult> {
    if !may_start_day(c) {
        return None;
    }
    let key = (c.text.as_ptr() as usize, c.pos);
    let start = *c;
    let (end, found) = ctx.remember_day(key, || {
        let mut probe = start;
        let found = read_day(&mut probe, ctx)?;
        Some((probe.pos, found))
    })?;
    c.pos = end;
    Some(found)
}

fn read_day<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<DateResult> {
    let mut best: Option<(Cursor<'a>, DateResult)> = None;
    let mut consider = |probe: Cursor<'a>, found: DateResult| {
        if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
            best = Some((probe, found));
        }
    };
    type DayParser = fn(&mut Cursor, &Context) -> Option<Day>;
    let parsers: [DayParser; 6] = [
        relative_day,
        holiday,
        weekday,
        month_end_day,
        week_end_day,
        ordinal_day,
    ];
    for parse in parsers {
        let mut probe = *c;
        if let Some(d) = parse(&mut probe, ctx) {
            consider(probe, Ok(d));
        }
    }
    let mut probe = *c;
    if let Some(found) = date(&mut probe, ctx) {
        consider(probe, found);
    }
    let (mut end, mut found) = best?;
    if let Ok(d) = found {
        // `Jul 18, Fri`: a weekday after the date picks the year in which they agree.
        if !d.bare_weekday {
            let mut p = end;
            if p.eat(",") {
                p.skip_spaces();
                if let Some(wd) = super::days::en_weekday(&mut p, true) {
                    let said = &p.text[c.pos..end.pos];
                    if said.contains(|ch: char| ch.is_ascii_digit()) {
                        found = Ok(agreeing_year(d, wd, said, ctx));
                        end = p;
                    }
                }
            }
        }
        if d.bare_weekday {
            // The date said after the weekday decides: `Fri, Sep 20`, `Tuesday the 19th`.
            let mut p = end;
            p.eat(",");
            p.skip_spaces();
            let mut q = p;
            if let Some(date) = month_day_on(&mut q, ctx, d.date.weekday()) {
                found = Ok(Day::on(date));
                end = q;
            } else if let Some(Ok(date)) = date(&mut p, ctx) {
                let said = &p.text[end.pos..p.pos];
                found = Ok(agreeing_year(date, d.date.weekday(), said, ctx));
                end = p;
            }
        }
    }
    *c = end;
    Some(found)
}

/// A date said with its weekday and without a year (`Sunday, Feb 10`, `Fri, Jul 18`):
/// the year in which they agree, looking back over the last six days (`Sunday, Feb 10`
/// said on the Tuesday after), then the next such date and the year after it; else the
/// date as read (`Fri, Sep 20` when neither is a Friday is 20 September).
fn agreeing_year(date: Day, wd: chrono::Weekday, said: &str, ctx: &Context) -> Day {
    let year_said = said.contains('年')
        || said
            .as_bytes()
            .windows(4)
            .any(|w| w.iter().all(u8::is_ascii_digit))
        || said.matches(['/', '-', '.']).count() >= 2;
    if year_said || date.date.weekday() == wd {
        return date;
    }
    let today = ctx.today();
    let (month, day) = (date.date.month(), date.date.day());
    let recent = NaiveDate::from_ymd_opt(today.year(), month, day)
        .filter(|d| *d < today && (today - *d).num_days() <= 6 && d.weekday() == wd);
    if let Some(d) = recent {
        return Day::on(d);
    }
    NaiveDate::from_ymd_opt(date.date.year() + 1, month, day)
        .filter(|d| d.weekday() == wd)
        .map_or(date, Day::on)
}

/// `at 3` after a day or part of the day: an hour without am/pm.
fn at_hour(c: &mut Cursor) -> Option<Clock> {
    let mut probe = *c;
    probe.skip_spaces();
    probe.eat_any(&["at", "@", "around", "about"])?;
    probe.skip_spaces();
    if let Some(found) = clock(&mut probe) {
        *c = probe;
        return Some(found);
    }
    // `at 3`, `in the evening at eight`.
    let hour = probe
        .digits(2)
        .map(|(h, _)| h)
        .or_else(|| super::numerals::en_number_word(&mut probe))?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    *c = probe;
    Some(Clock {
        hour,
        minute: 0,
        fixed: false,
    })
}

/// A clock right here, or after spaces, or after `at`.
pub(crate) fn clock_after(c: &mut Cursor) -> Option<Clock> {
    let mut probe = *c;
    probe.skip_spaces();
    if let Some(found) = clock(&mut probe) {
        *c = probe;
        return Some(found);
    }
    at_hour(c)
}

/// A moment; `Err` when it names a date that does not exist.
pub(crate) fn moment<'a>(c: &mut Cursor<'a>, ctx: &Context) -> Option<Result<Moment, String>> {
    let mut best: Option<(Cursor<'a>, Result<Moment, String>)> = None;
    let mut consider = |probe: Cursor<'a>, found: Result<Moment, String>| {
        if best.as_ref().is_none_or(|(b, _)| probe.pos > b.pos) {
            best = Some((probe, found));
        }
    };
    // Day first: 聽日下午三點, tomorrow morning at 9, Friday 3pm, 12月10日下午3點.
    {
        let mut probe = *c;
        if let Some(found) = day(&mut probe, ctx) {
            match found {
                Err(reason) => consider(probe, Err(reason)),
                Ok(d) => {
                    let mut part = None;
                    let mut p = probe;
                    p.eat(",");
                    p.skip_spaces();
                    if let Some(found) = part_of_day(&mut p, true) {
                        part = Some(found);
                        probe = p;
                    }
                    let clock = clock_after(&mut probe);
                    consider(
                        probe,
                        Ok(Moment {
                            day: Some(d),
                            part,
                            clock,
                        }),
                    );
                }
            }
        }
    }
    // Part of the day first: 下午三點, this afternoon at 3, 晏晝.
    {
        let mut probe = *c;
        if let Some(part) = part_of_day(&mut probe, false) {
            // `this morning` is today's, even when it is over.
            let this = c
                .rest()
                .get(..5)
                .is_some_and(|w| w.eq_ignore_ascii_case("this "));
            let day = this.then(|| Day::on(ctx.today()));
            let clock = clock_after(&mut probe);
            consider(
                probe,
                Ok(Moment {
                    day,
                    part: Some(part),
                    clock,
                }),
            );
        }
    }
    // The part first, then `of` and the day: `morning of the 15th of February`, `the
    // evening of Christmas Eve`.
    {
        let mut probe = *c;
        if probe.eat("the") {
            probe.skip_spaces();
        }
        if let Some(part) = part_of_day(&mut probe, true) {
            if probe.eat_spaced("of") {
                probe.skip_spaces();
                if let Some(Ok(d)) = day(&mut probe, ctx) {
                    consider(
                        probe,
                        Ok(Moment {
                            day: Some(d),
                            part: Some(part),
                            clock: None,
                        }),
                    );
                }
            }
        }
    }
    // Clock first: 3pm tomorrow, 3pm on Friday, 10am Dec 3, 3 in the afternoon.
    {
        let mut probe = *c;
        if let Some(clk) = clock(&mut probe) {
            let mut part = None;
            let mut p = probe;
            p.skip_spaces();
            if let Some(found) = part_of_day(&mut p, false) {
                part = Some(found);
                probe = p;
            }
            let mut day_found = None;
            let mut p = probe;
            p.eat(",");
            p.skip_spaces();
            if p.eat("on") {
                p.skip_spaces();
            }
            if let Some(found) = day(&mut p, ctx) {
                day_found = Some(found);
                probe = p;
            }
            match day_found {
                Some(Err(reason)) => consider(probe, Err(reason)),
                Some(Ok(d)) => consider(
                    probe,
                    Ok(Moment {
                        day: Some(d),
                        part,
                        clock: Some(clk),
                    }),
                ),
                None => consider(
                    probe,
                    Ok(Moment {
                        day: None,
                        part,
                        clock: Some(clk),
                    }),
                ),
            }
        }
    }
    let (end, found) = best?;
    *c = end;
    Some(found)
}

/// A 24-hour hour (24 = the midnight that ends the day) on `date` as a wall-clock time.
pub(crate) fn wall_clock(
    date: NaiveDate,
    hour: u32,
    minute: u32,
) -> Option<(NaiveDate, NaiveTime)> {
    if hour >= 24 {
        return Some((date.checked_add_days(Days::new(1))?, NaiveTime::MIN));
    }
    Some((date, NaiveTime::from_hms_opt(hour, minute, 0)?))
}

impl Moment {
    /// The hour and minute said, if any (a part of the day alone gives its default hour).
    pub fn hour_minute(&self) -> Option<(u32, u32)> {
        let part = self.part.or(self.day.and_then(|d| d.part));
        match (self.clock, part) {
            (Some(clock), part) => Some((clock.hour_in(part), clock.minute)),
            (None, Some(part)) => Some((part.default_hour(), 0)),
            (None, None) => None,
        }
    }

    /// The day or moment meant, against `ctx`.
    pub fn resolve(&self, ctx: &Context) -> Option<When> {
        let Some((hour, minute)) = self.hour_minute() else {
            return self.day.map(|d| When::Date(d.date));
        };
        let (date, time) = match self.day {
            Some(d) => {
                let (date, time) = wall_clock(d.date, hour, minute)?;
                if d.bare_weekday && !ctx.is_ahead(date, time) {
                    (date.checked_add_days(Days::new(7))?, time)
                } else {
                    (date, time)
                }
            }
            None => {
                // A time alone is the next such time: today while it is ahead, else tomorrow.
                let (date, time) = wall_clock(ctx.today(), hour, minute)?;
                if ctx.is_ahead(date, time) {
                    (date, time)
                } else {
                    (date.checked_add_days(Days::new(1))?, time)
                }
            }
        };
        Some(When::DateTime(ctx.instant(date, time)))
    }
}
