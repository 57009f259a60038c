//! Double bookings: the stored occurrences that overlap a proposed event and share at
//! least one attendee with it. Recurring events count on both sides: a proposed series
//! is checked over its first [`HORIZON_DAYS`] days, against every stored occurrence,
//! recurring ones expanded, in that window. All-day events occupy their whole days.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::recurrence::{self, Length, Series};
use crate::store::events::{parse_time, parse_zone, utc_text, Occurrence};
use crate::store::{Result, Store, StoreError};

/// How far ahead a recurring event's occurrences are checked.
pub const HORIZON_DAYS: i64 = 90;

/// The zone a proposed event is expanded in when the caller names none.
pub const DEFAULT_TZ: &str = "Asia/Hong_Kong";

/// One stored occurrence the proposed event clashes with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub event_id: String,
    pub title: String,
    /// The clashing occurrence (RFC 3339 in the stored event's zone).
    pub start: String,
    pub end: String,
    /// Ids of the people who would be double-booked.
    pub attendees: Vec<String>,
}

/// A proposed event, as [`find_in`] checks it.
#[derive(Debug, Clone, Copy)]
pub struct Proposed<'a> {
    /// RFC 3339.
    pub start: &'a str,
    pub end: &'a str,
    pub rrule: Option<&'a str>,
    /// IANA zone its recurrence is expanded in.
    pub tz: &'a str,
    pub attendee_ids: &'a [String],
    /// An event not to compare with (the proposed event itself, when it is stored).
    pub exclude_event: Option<&'a str>,
}

/// The clashes of a proposed event (recurrence expanded in [`DEFAULT_TZ`]).
pub async fn find(
    store: &Store,
    start: &str,
    end: &str,
    rrule: Option<&str>,
    attendee_ids: &[String],
    exclude_event: Option<&str>,
) -> Result<Vec<Conflict>> {
    find_in(
        store,
        &Proposed {
            start,
            end,
            rrule,
            tz: DEFAULT_TZ,
            attendee_ids,
            exclude_event,
        },
    )
    .await
}

/// The clashes of a proposed event, in order of the clashing occurrences' starts; each
/// stored occurrence is reported once however many proposed occurrences it overlaps.
pub async fn find_in(store: &Store, p: &Proposed<'_>) -> Result<Vec<Conflict>> {
    if p.attendee_ids.is_empty() {
        return Ok(Vec::new());
    }
    let proposed = proposed_occurrences(p)?;
    let (Some(first), Some(last_end)) = (
        proposed.first().map(|o| o.0),
        proposed.iter().map(|o| o.1).max(),
    ) else {
        return Ok(Vec::new());
    };
    let stored = store
        .occurrences(&utc_text(first), &utc_text(last_end), None)
        .await?;
    Ok(clashes(&proposed, &stored, p.attendee_ids, p.exclude_event))
}

/// The proposed event's occurrences within the horizon, in UTC.
fn proposed_occurrences(p: &Proposed<'_>) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let tz: Tz = parse_zone(p.tz)?;
    let start = parse_time("start", p.start)?.with_timezone(&tz);
    let end = parse_time("end", p.end)?.with_timezone(&tz);
    if end <= start {
        return Err(StoreError::Invalid(format!(
            "the event ends ({}) before it starts ({})",
            end.to_rfc3339(),
            start.to_rfc3339()
        )));
    }
    let all_day = start.time() == NaiveTime::MIN && end.time() == NaiveTime::MIN;
    let length = if all_day {
        Length::Days((end.date_naive() - start.date_naive()).num_days())
    } else {
        Length::Exact(end - start)
    };
    let rule = p
        .rrule
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| recurrence::normalize(r, start))
        .transpose()?;
    let series = Series::new(start, length, rule.as_deref())?;
    let from = start.with_timezone(&Utc);
    let to = if series.is_recurring() {
        from + Duration::days(HORIZON_DAYS)
    } else {
        end.with_timezone(&Utc)
    };
    Ok(series
        .between(from, to)?
        .into_iter()
        .map(|(s, e)| (s.with_timezone(&Utc), e.with_timezone(&Utc)))
        .collect())
}

fn instant(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The stored occurrences that overlap a proposed one and share an attendee.
fn clashes(
    proposed: &[(DateTime<Utc>, DateTime<Utc>)],
    stored: &[Occurrence],
    attendee_ids: &[String],
    exclude_event: Option<&str>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    for o in stored {
        if Some(o.event.id.as_str()) == exclude_event {
            continue;
        }
        let shared: Vec<String> = o
            .event
            .attendees
            .iter()
            .filter(|a| attendee_ids.contains(&a.id))
            .map(|a| a.id.clone())
            .collect();
        if shared.is_empty() {
            continue;
        }
        let (Some(start), Some(end)) = (instant(&o.start), instant(&o.end)) else {
            continue;
        };
        if proposed.iter().any(|&(s, e)| start < e && s < end) {
            out.push(Conflict {
                event_id: o.event.id.clone(),
                title: o.event.title.clone(),
                start: o.start.clone(),
                end: o.end.clone(),
                attendees: shared,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::events::{EventAttendee, NewEvent};
    use crate::store::tasks::Origin;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        (dir, store)
    }

    fn people(ids: &[&str]) -> Vec<EventAttendee> {
        ids.iter()
            .map(|id| EventAttendee {
                id: id.to_string(),
                name: id.to_uppercase(),
                email: None,
            })
            .collect()
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn event(title: &str, start: &str, end: &str, rrule: Option<&str>, who: &[&str]) -> NewEvent {
        NewEvent {
            title: title.into(),
            start: start.into(),
            end: end.into(),
            all_day: false,
            location: None,
            rrule: rrule.map(String::from),
            tz: "Asia/Hong_Kong".into(),
            attendees: people(who),
            departments: Vec::new(),
            origin: Origin::Api,
            source_text: None,
            created_by: None,
        }
    }

    #[tokio::test]
    async fn a_one_off_clashes_with_a_weekly_meeting_of_the_same_person() {
        let (_dir, store) = store().await;
        // Every Wednesday 10:00–11:00 from 25 November 2026.
        let weekly = store
            .create_event(&event(
                "Team meeting",
                "2026-11-25T10:00:00+08:00",
                "2026-11-25T11:00:00+08:00",
                Some("FREQ=WEEKLY;BYDAY=WE"),
                &["p001", "p002"],
            ))
            .await
            .unwrap();
        // Three weeks on, 10:30–11:30: overlaps that week's occurrence.
        let found = find(
            &store,
            "2026-12-16T10:30:00+08:00",
            "2026-12-16T11:30:00+08:00",
            None,
            &ids(&["p002", "p009"]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(
            found,
            [Conflict {
                event_id: weekly.id.clone(),
                title: "Team meeting".into(),
                start: "2026-12-16T10:00:00+08:00".into(),
                end: "2026-12-16T11:00:00+08:00".into(),
                attendees: ids(&["p002"]),
            }]
        );
        // Right after it (the range is half-open), or with nobody in common: no clash.
        for (start, end, who) in [
            (
                "2026-12-16T11:00:00+08:00",
                "2026-12-16T12:00:00+08:00",
                ids(&["p001"]),
            ),
            (
                "2026-12-16T10:30:00+08:00",
                "2026-12-16T11:30:00+08:00",
                ids(&["p003"]),
            ),
            // A Tuesday.
            (
                "2026-12-15T10:30:00+08:00",
                "2026-12-15T11:30:00+08:00",
                ids(&["p001"]),
            ),
        ] {
            let found = find(&store, start, end, None, &who, None).await.unwrap();
            assert!(found.is_empty(), "{start} {who:?}: {found:?}");
        }
        // The event itself is not its own clash.
        let found = find(
            &store,
            "2026-11-25T10:00:00+08:00",
            "2026-11-25T11:00:00+08:00",
            None,
            &ids(&["p001"]),
            Some(&weekly.id),
        )
        .await
        .unwrap();
        assert!(found.is_empty());
    }

    #[tokio::test]
    async fn a_proposed_series_is_checked_over_the_horizon() {
        let (_dir, store) = store().await;
        // A one-off on Friday 15 January 2027, 09:00–12:00.
        let one_off = store
            .create_event(&event(
                "Audit",
                "2027-01-15T09:00:00+08:00",
                "2027-01-15T12:00:00+08:00",
                None,
                &["p001"],
            ))
            .await
            .unwrap();
        // And one far beyond the horizon.
        store
            .create_event(&event(
                "Audit again",
                "2027-06-04T09:00:00+08:00",
                "2027-06-04T12:00:00+08:00",
                None,
                &["p001"],
            ))
            .await
            .unwrap();
        // Every Friday 11:00 from 4 December 2026: the 15 January one clashes.
        let found = find(
            &store,
            "2026-12-04T11:00:00+08:00",
            "2026-12-04T11:30:00+08:00",
            Some("FREQ=WEEKLY;BYDAY=FR"),
            &ids(&["p001"]),
            None,
        )
        .await
        .unwrap();
        let seen: Vec<&str> = found.iter().map(|c| c.event_id.as_str()).collect();
        assert_eq!(seen, [one_off.id.as_str()]);
        // Weekly on Fridays but only twice: it ends before January.
        let found = find(
            &store,
            "2026-12-04T11:00:00+08:00",
            "2026-12-04T11:30:00+08:00",
            Some("FREQ=WEEKLY;COUNT=2"),
            &ids(&["p001"]),
            None,
        )
        .await
        .unwrap();
        assert!(found.is_empty());
    }

    #[tokio::test]
    async fn two_series_clash_on_each_shared_occurrence() {
        let (_dir, store) = store().await;
        let stored = store
            .create_event(&event(
                "Stand-up",
                "2026-11-30T09:00:00+08:00",
                "2026-11-30T09:15:00+08:00",
                Some("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=10"),
                &["p001"],
            ))
            .await
            .unwrap();
        // Mondays 09:00–10:00: the stand-ups of 30 Nov and 7 Dec (the 10 working days).
        let found = find(
            &store,
            "2026-11-30T09:00:00+08:00",
            "2026-11-30T10:00:00+08:00",
            Some("FREQ=WEEKLY;BYDAY=MO"),
            &ids(&["p001"]),
            None,
        )
        .await
        .unwrap();
        let starts: Vec<&str> = found.iter().map(|c| c.start.as_str()).collect();
        assert_eq!(
            starts,
            ["2026-11-30T09:00:00+08:00", "2026-12-07T09:00:00+08:00"]
        );
        assert!(found.iter().all(|c| c.event_id == stored.id));
    }

    #[tokio::test]
    async fn an_all_day_event_blocks_its_day() {
        let (_dir, store) = store().await;
        let mut offsite = event(
            "Offsite",
            "2026-12-18T00:00:00+08:00",
            "2026-12-19T00:00:00+08:00",
            None,
            &["p001"],
        );
        offsite.all_day = true;
        store.create_event(&offsite).await.unwrap();
        let found = find(
            &store,
            "2026-12-18T15:00:00+08:00",
            "2026-12-18T16:00:00+08:00",
            None,
            &ids(&["p001"]),
            None,
        )
        .await
        .unwrap();
        assert_eq!(found.len(), 1);
        assert!(find(&store, "x", "y", None, &ids(&["p001"]), None)
            .await
            .is_err());
    }
}
