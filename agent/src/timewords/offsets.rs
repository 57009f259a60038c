//! Offsets from now: `in 30 minutes`, `in 3 days`, `two weeks from now`, `3日後`,
//! `兩個禮拜後`, `半個鐘後`. Whole days give a date, anything shorter an instant.

use chrono::{Days, Duration};

use super::context::Context;
use super::cursor::Cursor;
use super::durations::duration;
use super::numerals::number;
use super::span::Value;

const MINUTES_PER_DAY: u32 = 24 * 60;
const ZH_AFTER: [&str; 6] = ["後", "后", "之後", "之后", "以後", "以后"];

/// `in <length>`, `<length> from now` / `later`, `<length>後`.
pub(crate) fn offset(c: &mut Cursor, ctx: &Context) -> Option<Value> {
    let mut probe = *c;
    let prefixed = probe.eat("in");
    if prefixed {
        probe.skip_spaces();
    }
    let minutes = match duration(&mut probe) {
        Some(m) => m,
        None if !prefixed => chinese_days(&mut probe)? * MINUTES_PER_DAY,
        None => return None,
    };
    let mut after = probe;
    let said_after = after
        .eat_any_spaced(&["from now", "later", "time", "'s time"])
        .is_some()
        || {
            after.skip_spaces();
            after.eat_any(&ZH_AFTER).is_some()
        };
    if said_after {
        probe = after;
    } else if !prefixed {
        return None;
    }
    *c = probe;
    if minutes % MINUTES_PER_DAY == 0 {
        let date = ctx
            .today()
            .checked_add_days(Days::new(u64::from(minutes / MINUTES_PER_DAY)))?;
        return Some(Value::Date(date));
    }
    let then = ctx
        .now
        .checked_add_signed(Duration::minutes(i64::from(minutes)))?;
    Some(Value::DateTime(ctx.instant(then.date(), then.time())))
}

/// `3日` in `3日後` (as a length, 日 is a day only before 後).
fn chinese_days(c: &mut Cursor) -> Option<u32> {
    let n = number(c, 3)?;
    c.eat_any(&["日", "個工作天"])?;
    Some(n)
}
