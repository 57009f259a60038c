//! iCalendar (RFC 5545) export: one event, or a person's whole calendar for a
//! subscription feed. Written with the `icalendar` crate (CRLF line ends, lines folded at
//! 75 octets, text escaped). Timed events carry `TZID=` their zone plus the matching
//! VTIMEZONE block; all-day events are `VALUE=DATE` with DTEND the day after the last.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, Property};

use super::recurrence;
use crate::store::events::Event;

/// The domain part of every UID: an event's UID is `<event id>@mishu`, so it stays the
/// same in every export and a calendar app updates the event instead of adding a copy.
pub const UID_DOMAIN: &str = "mishu";

const PRODID: &str = "-//mishu//mishu calendar//EN";

/// Years of time-zone rules written after the latest event's start, for recurrences
/// that go on.
const ZONE_YEARS_AHEAD: i32 = 10;

/// One event as a complete `.ics` document.
pub fn event_ics(e: &Event) -> String {
    calendar(None, std::slice::from_ref(e))
}

/// A calendar of `events` named `name` (`X-WR-CALNAME`), for a subscription feed.
pub fn calendar_ics(name: &str, events: &[Event]) -> String {
    calendar(Some(name), events)
}

fn calendar(name: Option<&str>, events: &[Event]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new("PRODID", PRODID));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    if let Some(name) = name {
        cal.name(name);
    }
    // The crate gives every component it writes a DTSTAMP and a UID, which a VTIMEZONE
    // must not have: the zones are written here, between the header and the events.
    let header = cal.to_string();
    let mut out = header
        .strip_suffix("END:VCALENDAR\r\n")
        .unwrap_or(&header)
        .to_string();
    for (tz, first, last) in zones(events).into_values() {
        out.push_str(&vtimezone(tz, first, last + ZONE_YEARS_AHEAD));
    }
    for e in events {
        out.push_str(&vevent(e).to_string());
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// The zones of the timed events (by name, so the output is in a stable order), each
/// with the first and last year an event starts in.
fn zones(events: &[Event]) -> BTreeMap<&'static str, (Tz, i32, i32)> {
    let mut out: BTreeMap<&'static str, (Tz, i32, i32)> = BTreeMap::new();
    for e in events.iter().filter(|e| !e.all_day) {
        let (Ok(tz), Some(start)) = (e.tz.parse::<Tz>(), local_start(e)) else {
            continue;
        };
        let year = start.year();
        out.entry(tz.name())
            .and_modify(|(_, first, last)| {
                *first = (*first).min(year);
                *last = (*last).max(year);
            })
            .or_insert((tz, year, year));
    }
    out
}

fn local(value: &str, tz: Tz) -> Option<DateTime<Tz>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&tz))
}

fn local_start(e: &Event) -> Option<DateTime<Tz>> {
    local(&e.start, e.tz.parse().ok()?)
}

fn vevent(e: &Event) -> icalendar::Event {
    let tz: Tz = e.tz.parse().unwrap_or(Tz::UTC);
    let mut v = icalendar::Event::new();
    v.uid(&format!("{}@{UID_DOMAIN}", e.id));
    let updated = DateTime::parse_from_rfc3339(&e.updated_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    v.timestamp(updated);
    v.add_property("LAST-MODIFIED", utc_value(updated));
    if let Ok(created) = DateTime::parse_from_rfc3339(&e.created_at) {
        v.add_property("CREATED", utc_value(created.with_timezone(&Utc)));
    }
    v.summary(&e.title);
    let (start, end) = (local(&e.start, tz), local(&e.end, tz));
    if let (Some(start), Some(end)) = (start, end) {
        if e.all_day {
            v.starts(start.date_naive());
            v.ends(end.date_naive());
        } else {
            let tzid = tz.name().to_string();
            v.starts(CalendarDateTime::WithTimezone {
                date_time: start.naive_local(),
                tzid: tzid.clone(),
            });
            v.ends(CalendarDateTime::WithTimezone {
                date_time: end.naive_local(),
                tzid,
            });
        }
    }
    if let Some(rule) = &e.rrule {
        let rule = if e.all_day {
            recurrence::for_dates(rule, tz)
        } else {
            rule.clone()
        };
        v.add_property("RRULE", rule);
    }
    if let Some(location) = &e.location {
        v.location(location);
    }
    if let Some(words) = &e.source_text {
        v.description(words);
    }
    for a in &e.attendees {
        let Some(email) = a.email.as_deref().filter(|m| m.contains('@')) else {
            continue;
        };
        let mut p = Property::new("ATTENDEE", format!("mailto:{email}"));
        // A parameter value cannot hold a double quote (RFC 5545 §3.1).
        p.add_parameter("CN", &a.name.replace('"', "'"));
        v.append_multi_property(p);
    }
    v.done()
}

fn utc_value(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `+0800`, or `+053328` when the offset has seconds.
fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// The zone's UTC offset, whether it is daylight-saving time, and its abbreviation at `t`.
fn observance_at(tz: Tz, t: DateTime<Utc>) -> (i32, bool, String) {
    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
    let seconds = offset.fix().local_minus_utc();
    let daylight = !offset.dst_offset().is_zero();
    let name = offset
        .abbreviation()
        .map(String::from)
        .unwrap_or_else(|| offset_text(seconds));
    (seconds, daylight, name)
}

/// The zone's offset changes in `[from, to)`, to the second.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let offset = |t: DateTime<Utc>| observance_at(tz, t).0;
    let mut out = Vec::new();
    let mut day = from;
    while day < to {
        let next = day + Duration::days(1);
        if offset(day) != offset(next) {
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == offset(lo) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
        }
        day = next;
    }
    out
}

/// A VTIMEZONE block for `tz` valid from the start of `first_year` to the end of
/// `last_year`: one observance as the period begins, then one per offset change.
pub fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> String {
    let year_start = |y: i32| {
        let day = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
        recurrence::midnight(day, tz).with_timezone(&Utc)
    };
    let (from, to) = (year_start(first_year), year_start(last_year + 1));
    let mut lines = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let mut observance = |at: DateTime<Utc>, before: i32| {
        let (after, daylight, name) = observance_at(tz, at);
        let kind = if daylight { "DAYLIGHT" } else { "STANDARD" };
        // DTSTART is the wall-clock time the change happens, read in the old offset.
        let local = at.naive_utc() + Duration::seconds(i64::from(before));
        lines.push(format!("BEGIN:{kind}"));
        lines.push(format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")));
        lines.push(format!("TZOFFSETFROM:{}", offset_text(before)));
        lines.push(format!("TZOFFSETTO:{}", offset_text(after)));
        lines.push(format!("TZNAME:{name}"));
        lines.push(format!("END:{kind}"));
    };
    observance(from, observance_at(tz, from).0);
    for at in transitions(tz, from, to) {
        let before = observance_at(tz, at - Duration::minutes(1)).0;
        observance(at, before);
    }
    lines.push("END:VTIMEZONE".to_string());
    let mut out = lines.join("\r\n");
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::EventAttendee;
    use crate::store::tasks::Origin;
    use icalendar::{CalendarComponent, DatePerhapsTime, EventLike};

    fn event() -> Event {
        Event {
            id: "evt_0193a1f2c3d4e5f6a7b8c9d0".into(),
            title: "審核預算, Q4; draft".into(),
            start: "2026-11-25T14:00:00+08:00".into(),
            end: "2026-11-25T15:30:00+08:00".into(),
            all_day: false,
            location: Some("Room 3, 12/F".into()),
            rrule: Some("FREQ=WEEKLY;BYDAY=WE;UNTIL=20261230T155959Z".into()),
            tz: "Asia/Hong_Kong".into(),
            attendees: vec![
                EventAttendee {
                    id: "p001".into(),
                    name: "Chan, Tai Man".into(),
                    email: Some("peter.chan@example.com".into()),
                },
                EventAttendee {
                    id: "p002".into(),
                    name: "Amy Wong".into(),
                    email: Some("amy.wong@example.com".into()),
                },
                EventAttendee {
                    id: "p003".into(),
                    name: "No Mail".into(),
                    email: None,
                },
            ],
            departments: vec!["finance".into()],
            origin: Origin::Command,
            source_text: Some(
                "安排週三下午與財務部審核預算，每個禮拜三，一直到年尾；請準時出席。".repeat(3),
            ),
            created_by: None,
            created_at: "2026-11-20T01:02:03.000000Z".into(),
            updated_at: "2026-11-21T01:02:03.000000Z".into(),
        }
    }

    fn parse(text: &str) -> Calendar {
        text.parse::<Calendar>().expect("the parser reads it")
    }

    fn only_event(cal: &Calendar) -> &icalendar::Event {
        let events: Vec<_> = cal.events().collect();
        assert_eq!(events.len(), 1);
        events[0]
    }

    #[test]
    fn lines_end_in_crlf_and_fold_at_75_octets() {
        let text = event_ics(&event());
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF");
        let lines: Vec<&str> = text.split("\r\n").collect();
        for line in &lines {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert!(
            lines.iter().any(|l| l.starts_with(' ')),
            "the long DESCRIPTION is folded"
        );
    }

    #[test]
    fn a_timed_event_round_trips_through_the_parser() {
        let e = event();
        let cal = parse(&event_ics(&e));
        assert_eq!(cal.property_value("VERSION"), Some("2.0"));
        let v = only_event(&cal);
        assert_eq!(v.get_uid(), Some("evt_0193a1f2c3d4e5f6a7b8c9d0@mishu"));
        assert_eq!(v.get_summary(), Some(e.title.as_str()));
        assert_eq!(v.get_location(), e.location.as_deref());
        assert_eq!(v.get_description(), e.source_text.as_deref());
        assert_eq!(
            v.get_timestamp(),
            Some(Utc.with_ymd_and_hms(2026, 11, 21, 1, 2, 3).unwrap())
        );
        let start = NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(14, 0, 0)
            .unwrap();
        assert_eq!(
            v.get_start(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time: start,
                tzid: "Asia/Hong_Kong".into()
            }))
        );
        assert_eq!(
            v.get_end(),
            Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time: start + Duration::minutes(90),
                tzid: "Asia/Hong_Kong".into()
            }))
        );
        assert_eq!(v.property_value("RRULE"), e.rrule.as_deref());
        let attendees = v.get_attendees();
        let seen: Vec<(String, Option<String>)> = attendees
            .iter()
            .map(|a| (a.cal_address.clone(), a.cn.clone()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "mailto:peter.chan@example.com".to_string(),
                    Some("Chan, Tai Man".to_string())
                ),
                (
                    "mailto:amy.wong@example.com".to_string(),
                    Some("Amy Wong".to_string())
                ),
            ],
            "every attendee with an e-mail, and only those"
        );
    }

    #[test]
    fn the_zone_is_defined_in_a_vtimezone_block() {
        let cal = parse(&event_ics(&event()));
        let zones: Vec<_> = cal
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Other(o) if o.component_kind() == "VTIMEZONE" => Some(o),
                _ => None,
            })
            .collect();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones[0].property_value("TZID"), Some("Asia/Hong_Kong"));
        let observances = zones[0].components();
        assert_eq!(observances.len(), 1, "Hong Kong has no daylight saving");
        assert_eq!(observances[0].component_kind(), "STANDARD");
        assert_eq!(observances[0].property_value("TZOFFSETTO"), Some("+0800"));
        assert_eq!(observances[0].property_value("TZOFFSETFROM"), Some("+0800"));
        assert_eq!(
            observances[0].property_value("DTSTART"),
            Some("20260101T000000")
        );
        for key in ["UID", "DTSTAMP"] {
            assert!(
                zones[0].property_value(key).is_none(),
                "no {key} in a VTIMEZONE"
            );
            assert!(observances[0].property_value(key).is_none(), "{key}");
        }
    }

    #[test]
    fn the_same_event_is_written_the_same_way_every_time() {
        assert_eq!(event_ics(&event()), event_ics(&event()));
    }

    #[test]
    fn a_zone_with_daylight_saving_lists_its_changes() {
        let text = vtimezone(chrono_tz::Europe::London, 2026, 2026);
        let block = text.parse::<CalendarComponent>().unwrap();
        let CalendarComponent::Other(zone) = block else {
            panic!("not a VTIMEZONE");
        };
        let seen: Vec<(String, String, String)> = zone
            .components()
            .iter()
            .map(|o| {
                (
                    o.component_kind(),
                    o.property_value("DTSTART").unwrap().to_string(),
                    o.property_value("TZOFFSETTO").unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("STANDARD".into(), "20260101T000000".into(), "+0000".into()),
                // 01:00 GMT on 29 March: clocks go forward.
                ("DAYLIGHT".into(), "20260329T010000".into(), "+0100".into()),
                // 02:00 BST on 25 October: clocks go back.
                ("STANDARD".into(), "20261025T020000".into(), "+0000".into()),
            ]
        );
    }

    #[test]
    fn an_all_day_event_is_written_as_dates() {
        let e = Event {
            all_day: true,
            start: "2026-12-18T00:00:00+08:00".into(),
            end: "2026-12-20T00:00:00+08:00".into(),
            rrule: Some("FREQ=YEARLY;UNTIL=20301218T155959Z".into()),
            ..event()
        };
        let text = event_ics(&e);
        assert!(text.contains("DTSTART;VALUE=DATE:20261218\r\n"), "{text}");
        assert!(!text.contains("BEGIN:VTIMEZONE"));
        let cal = parse(&text);
        let v = only_event(&cal);
        let day = |d| DatePerhapsTime::Date(NaiveDate::from_ymd_opt(2026, 12, d).unwrap());
        assert_eq!(v.get_start(), Some(day(18)));
        assert_eq!(
            v.get_end(),
            Some(day(20)),
            "DTEND is the day after the last"
        );
        assert_eq!(
            v.property_value("RRULE"),
            Some("FREQ=YEARLY;UNTIL=20301218")
        );
    }

    #[test]
    fn a_calendar_holds_every_event_once_with_its_name() {
        let a = event();
        let b = Event {
            id: "evt_second".into(),
            rrule: None,
            ..event()
        };
        let cal = parse(&calendar_ics("Chan Tai Man", &[a, b]));
        assert_eq!(cal.get_name(), Some("Chan Tai Man"));
        let uids: Vec<_> = cal.events().filter_map(|e| e.get_uid()).collect();
        assert_eq!(
            uids,
            ["evt_0193a1f2c3d4e5f6a7b8c9d0@mishu", "evt_second@mishu"]
        );
        let zones = cal
            .components
            .iter()
            .filter(|c| matches!(c, CalendarComponent::Other(_)))
            .count();
        assert_eq!(zones, 1, "one VTIMEZONE per zone, not per event");
    }
}
