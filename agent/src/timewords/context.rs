//! The reference point every relative expression is resolved against: `now` in a zone.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Weekday,
};
use std::cell::RefCell;

use chrono_tz::Tz;

use super::dates::DateResult;

#[derive(Debug, Clone)]
pub struct Context {
    pub tz: Tz,
    pub now: NaiveDateTime,
    /// The day expressions already read at a text position (see [`Context::remember_day`]).
    days: RefCell<DayMemo>,
}

/// Day expressions read in one text: (text address, position) -> what was read there.
type DayMemo = Vec<((usize, usize), Option<(usize, DateResult)>)>;

impl Context {
    /// `now` seen as a wall-clock time in `tz`.
    pub fn new(now: DateTime<FixedOffset>, tz: Tz) -> Self {
        Context {
            tz,
            now: now.with_timezone(&tz).naive_local(),
            days: RefCell::new(Vec::new()),
        }
    }

    /// Forgets the day expressions read so far (a new text, or a new start position:
    /// the grammars tried at one position read the same days many times over).
    pub(crate) fn forget_days(&self) {
        self.days.borrow_mut().clear();
    }

    /// The day expression read at `key` before, or `read` it now and remember it.
    pub(crate) fn remember_day(
        &self,
        key: (usize, usize),
        read: impl FnOnce() -> Option<(usize, DateResult)>,
    ) -> Option<(usize, DateResult)> {
        if let Some((_, found)) = self.days.borrow().iter().find(|(k, _)| *k == key) {
            return found.clone();
        }
        let found = read();
        self.days.borrow_mut().push((key, found.clone()));
        found
    }

    pub fn today(&self) -> NaiveDate {
        self.now.date()
    }

    /// A wall-clock time in the zone as an RFC 3339-ready instant. A time skipped by a
    /// daylight-saving change moves one hour later; a repeated one takes the first.
    pub fn instant(&self, date: NaiveDate, time: NaiveTime) -> DateTime<FixedOffset> {
        let local = date.and_time(time);
        let resolved = match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t),
            LocalResult::None => self
                .tz
                .from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest(),
        };
        match resolved {
            Some(t) => t.fixed_offset(),
            None => self.tz.from_utc_datetime(&local).fixed_offset(),
        }
    }

    /// Now, as an instant in the zone.
    pub fn now_instant(&self) -> DateTime<FixedOffset> {
        self.instant(self.now.date(), self.now.time())
    }

    /// True when the wall-clock time `date` `time` is later than now.
    pub fn is_ahead(&self, date: NaiveDate, time: NaiveTime) -> bool {
        date.and_time(time) > self.now
    }
}

/// The Monday of the week that holds `date` (weeks start on Monday).
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// `weekday` of the week that starts on `monday`.
pub fn in_week(monday: NaiveDate, weekday: Weekday) -> NaiveDate {
    monday + Days::new(u64::from(weekday.num_days_from_monday()))
}

/// The last day of the month `months_ahead` months after the month of `date`.
pub fn month_end(date: NaiveDate, months_ahead: u32) -> Option<NaiveDate> {
    let first = month_start(date, months_ahead)?;
    first.checked_add_months(chrono::Months::new(1))?.pred_opt()
}

/// The first day of the month `months_ahead` months after the month of `date`.
pub fn month_start(date: NaiveDate, months_ahead: u32) -> Option<NaiveDate> {
    date.with_day(1)?
        .checked_add_months(chrono::Months::new(months_ahead))
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| month_end(d, 0))
        .map_or(31, |d| d.day())
}
