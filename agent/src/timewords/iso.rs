//! Machine-written timestamps and clock times with seconds: `2026-12-07T15:30:00`,
//! `2026-12-07 15:30:45`, `1994-11-05T08:15:30-05:30`, `2026-12-07T15:30Z`, `15:30:45`,
//! `tomorrow at 15:30:45`, and two of them joined by `/` (an ISO 8601 interval) or a dash or `to`.
//! A timestamp with its own offset (`Z`, `+08:00`, `-0530`) is that instant, shown in the
//! user's zone; without one it is a wall-clock time in the user's zone.

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone};

use super::context::Context;
use super::cursor::Cursor;
use super::moment::day;
use super::span::{Value, When};

/// A timestamp, a clock time with seconds, or an interval of two timestamps.
pub(crate) fn timestamp(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let (start, _) = instant(&mut probe, ctx)?;
    let mut after = probe;
    let joined = after.eat("/")
        || after
            .eat_any_spaced(&["-", "–", "to", "until", "till"])
            .is_some_and(|_| {
                after.skip_spaces();
                true
            });
    if joined {
        if let Some((mut end, dated)) = instant(&mut after, ctx) {
            // A bare end time is the first such time after the start.
            if !dated {
                while end - chrono::Duration::days(1) > start {
                    end -= chrono::Duration::days(1);
                }
                if end <= start {
                    end += chrono::Duration::days(1);
                }
            }
            if end > start {
                *c = after;
                return Some(Value::Interval {
                    start: When::DateTime(start),
                    end: When::DateTime(end),
                });
            }
        }
    }
    *c = probe;
    Some(Value::DateTime(start))
}

/// One timestamp: an ISO date with a time (`T` or a space between), or a day said in
/// words and a clock time with seconds, or a clock time with seconds alone; true when a
/// day was said.
fn instant(c: &mut Cursor, ctx: &Context) -> Option<(DateTime<FixedOffset>, bool)> {
    let mut probe = *c;
    let mut iso = false;
    let (date, seconds_needed) = match iso_date(&mut probe) {
        Some(date) => {
            // `2026-12-07T15:30` is a timestamp; with a space the seconds make it one
            // (`2026-12-07 15:30` is read as a day and a time by the other grammars).
            iso = true;
            if probe.rest().starts_with('T') {
                probe.pos += 1;
                (Some(date), false)
            } else if probe.eat(" ") {
                (Some(date), true)
            } else {
                return None;
            }
        }
        None => {
            let mut p = probe;
            match day(&mut p, ctx) {
                Some(Ok(d)) => {
                    p.eat(",");
                    p.skip_spaces();
                    if p.eat_any(&["at", "@"]).is_some() {
                        p.skip_spaces();
                    }
                    probe = p;
                    (Some(d.date), true)
                }
                _ => (None, true),
            }
        }
    };
    let (time, has_seconds) = clock_with_seconds(&mut probe)?;
    if seconds_needed && !has_seconds {
        return None;
    }
    let offset = utc_offset(&mut probe, iso);
    // `15:30:45.5` is fine, `15:30:45:12` or `15:30:45-3` are codes.
    if probe
        .peek()
        .is_some_and(|ch| ch.is_ascii_alphanumeric() || ch == ':')
    {
        return None;
    }
    let value = match (date, offset) {
        (Some(date), Some(offset)) => offset
            .from_local_datetime(&date.and_time(time))
            .single()?
            .with_timezone(&ctx.tz)
            .fixed_offset(),
        (Some(date), None) => ctx.instant(date, time),
        (None, Some(offset)) => {
            // A bare time in another zone: the next such time there.
            let there = ctx
                .instant(ctx.today(), ctx.now.time())
                .with_timezone(&offset);
            let mut when = offset
                .from_local_datetime(&there.date_naive().and_time(time))
                .single()?;
            if when <= there {
                when = offset
                    .from_local_datetime(
                        &there
                            .date_naive()
                            .checked_add_days(Days::new(1))?
                            .and_time(time),
                    )
                    .single()?;
            }
            when.with_timezone(&ctx.tz).fixed_offset()
        }
        (None, None) => {
            // The next such time: today while it is ahead, else tomorrow.
            let today = ctx.today();
            let date = if ctx.is_ahead(today, time) {
                today
            } else {
                today.checked_add_days(Days::new(1))?
            };
            ctx.instant(date, time)
        }
    };
    *c = probe;
    Some((value, date.is_some()))
}

/// `2026-12-07` (four-digit year, two-digit month and day).
fn iso_date(c: &mut Cursor) -> Option<NaiveDate> {
    let mut probe = *c;
    let (year, 4) = probe.digits(4)? else {
        return None;
    };
    if !probe.eat("-") {
        return None;
    }
    let (month, 2) = probe.digits(2)? else {
        return None;
    };
    if !probe.eat("-") {
        return None;
    }
    let (day, 2) = probe.digits(2)? else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    *c = probe;
    Some(date)
}

/// `15:30`, `15:30:45`, `15:30:45.123` (the fraction is dropped), `9:01:10 AM`; true
/// when seconds were said. An am/pm is read only with seconds.
pub(crate) fn clock_with_seconds(c: &mut Cursor) -> Option<(NaiveTime, bool)> {
    let mut probe = *c;
    let (mut hour, hour_digits) = probe.digits(2)?;
    if !probe.eat(":") {
        return None;
    }
    let (minute, 2) = probe.digits(2)? else {
        return None;
    };
    let mut second = 0;
    let mut has_seconds = false;
    let mut p = probe;
    if p.eat(":") {
        if let Some((s, 2)) = p.digits(2) {
            second = s;
            has_seconds = true;
            probe = p;
            let mut f = probe;
            if f.eat(".") && f.digits(9).is_some() {
                probe = f;
            }
        }
    }
    // `9:01:10 AM`, `11:59:59 p.m.` (an hour of one digit only so: `1:02:03` may be a
    // length).
    let mut m = probe;
    m.skip_spaces();
    let mut meridiem = false;
    if has_seconds && (1..=12).contains(&hour) {
        if let Some(i) = m.eat_any(&["am", "a.m.", "a.m", "pm", "p.m.", "p.m"]) {
            hour = hour % 12 + if i >= 3 { 12 } else { 0 };
            probe = m;
            meridiem = true;
        }
    }
    if hour_digits < 2 && !meridiem {
        return None;
    }
    let time = NaiveTime::from_hms_opt(hour, minute, second)?;
    *c = probe;
    Some((time, has_seconds))
}

/// `Z`, or after a date `+08:00`, `-05:30`, `+0800`, `+08`, right after the time.
fn utc_offset(c: &mut Cursor, numeric: bool) -> Option<FixedOffset> {
    let mut probe = *c;
    if probe.rest().starts_with('Z') {
        probe.pos += 1;
        if probe.peek().is_some_and(|ch| ch.is_ascii_alphanumeric()) {
            return None;
        }
        *c = probe;
        return FixedOffset::east_opt(0);
    }
    if !numeric {
        return None;
    }
    let sign = if probe.eat("+") {
        1
    } else if probe.eat("-") {
        -1
    } else {
        return None;
    };
    let (hours, minutes) = match probe.digits(4)? {
        (v, 4) => (v / 100, v % 100),
        (v, 2) => {
            let mut p = probe;
            let minutes = match (p.eat(":"), p.digits(2)) {
                (true, Some((m, 2))) => {
                    probe = p;
                    m
                }
                (true, _) => return None,
                (false, _) => 0,
            };
            (v, minutes)
        }
        _ => return None,
    };
    if hours > 14 || minutes > 59 {
        return None;
    }
    let offset = FixedOffset::east_opt(sign * (hours as i32 * 3600 + minutes as i32 * 60))?;
    *c = probe;
    Some(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(s: &str) -> Option<(i32, usize)> {
        let mut c = Cursor::new(s, 0);
        utc_offset(&mut c, true).map(|o| (o.local_minus_utc(), c.pos))
    }

    #[test]
    fn offsets_are_read_in_every_written_form() {
        assert_eq!(offset("Z"), Some((0, 1)));
        assert_eq!(offset("+08:00"), Some((8 * 3600, 6)));
        assert_eq!(offset("-05:30"), Some((-(5 * 3600 + 30 * 60), 6)));
        assert_eq!(offset("+0800"), Some((8 * 3600, 5)));
        assert_eq!(offset("+08"), Some((8 * 3600, 3)));
        assert_eq!(offset("Zulu"), None);
        assert_eq!(offset("+15:00"), None);
        assert_eq!(offset("+08:6"), None);
    }

    #[test]
    fn seconds_and_fractions_are_read_and_bad_clocks_refused() {
        let read = |s: &str| {
            let mut c = Cursor::new(s, 0);
            clock_with_seconds(&mut c).map(|(t, secs)| (t.to_string(), secs, c.pos))
        };
        assert_eq!(read("15:30:45"), Some(("15:30:45".into(), true, 8)));
        assert_eq!(read("15:30:45.125"), Some(("15:30:45".into(), true, 12)));
        assert_eq!(read("15:30"), Some(("15:30:00".into(), false, 5)));
        assert_eq!(read("12:60:00"), None);
        assert_eq!(read("3:30:00"), None);
    }
}
