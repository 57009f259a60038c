//! The reference point every relative expression is resolved against: `now` in a zone.

use chrono::{
    DateTime, Datelike, Days, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Weekday,
};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub tz: Tz,
    pub now: NaiveDateTime,
}

impl Context {
    /// `now` seen as a wall-clock time in `tz`.
    pub fn new(now: DateTime<FixedOffset>, tz: Tz) -> Self {
        Context {
            tz,
            now: now.with_timezone(&tz).naive_local(),
        }
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
