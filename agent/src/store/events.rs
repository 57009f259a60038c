//! The calendar: events with their attendees, one-off or recurring (RFC 5545 RRULE),
//! listed by range with the recurrences expanded in each event's own time zone.
//!
//! Times are given and shown as RFC 3339 in the event's zone; they are stored in UTC
//! so that they sort. An all-day event runs from midnight of its first day to midnight
//! after its last (the end is exclusive, as iCalendar's DTEND).

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::tasks::Origin;
use super::{ids, now, Result, Store, StoreError};
use crate::calendar::recurrence::{self, Length, Occurs, RecurrenceError, Series};

/// Longest title stored, in characters.
pub const MAX_TITLE_CHARS: usize = 500;

/// One person invited: a directory id, the name, and the e-mail when the directory has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAttendee {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

/// What a caller supplies to create an event.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub title: String,
    /// RFC 3339 with offset; an all-day event's is midnight at the start of its first day.
    pub start: String,
    /// RFC 3339; an all-day event's is midnight after its last day.
    pub end: String,
    pub all_day: bool,
    pub location: Option<String>,
    /// RFC 5545 RRULE body, e.g. `FREQ=WEEKLY;BYDAY=WE`.
    pub rrule: Option<String>,
    /// The IANA zone the event was said in; recurrences are expanded in it.
    pub tz: String,
    /// People, department members included.
    pub attendees: Vec<EventAttendee>,
    /// Ids of the departments invited as a whole.
    pub departments: Vec<String>,
    pub origin: Origin,
    /// The instruction's words.
    pub source_text: Option<String>,
    pub created_by: Option<String>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: String,
    pub title: String,
    pub start: String,
    pub end: String,
    pub all_day: bool,
    pub location: Option<String>,
    /// Normalised: upper case, UNTIL in UTC.
    pub rrule: Option<String>,
    pub tz: String,
    pub attendees: Vec<EventAttendee>,
    pub departments: Vec<String>,
    pub origin: Origin,
    pub source_text: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One occurrence of an event in a range: a one-off event's only one, or one instance
/// of a recurring event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Occurrence {
    pub event: Event,
    pub start: String,
    pub end: String,
}

/// A change to an event; absent fields stay as they are, `null` clears the ones that
/// can be empty. A new `start` without an `end` moves the event, keeping its length.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    pub title: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub location: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub rrule: Option<Option<String>>,
    pub attendees: Option<Vec<EventAttendee>>,
}

/// A field that is present, `null` included (`Some(None)`); absent stays `None`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl From<RecurrenceError> for StoreError {
    fn from(e: RecurrenceError) -> StoreError {
        StoreError::Invalid(e.to_string())
    }
}

/// A time as stored: RFC 3339 UTC, whole seconds, fixed width.
pub(crate) fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An RFC 3339 time a caller gave, or an error naming the field.
pub(crate) fn parse_time(field: &str, value: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(value.trim()).map_err(|_| {
        StoreError::Invalid(format!(
            "{field} {value:?} is not an RFC 3339 time (2026-11-25T14:00:00+08:00)"
        ))
    })
}

/// An IANA zone a caller gave.
pub(crate) fn parse_zone(value: &str) -> Result<Tz> {
    value
        .parse::<Tz>()
        .map_err(|_| StoreError::Invalid(format!("unknown time zone {value:?}")))
}

fn stored_time(field: &str, value: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| StoreError::Corrupt(format!("{field} {value:?}")))
}

/// An event's times checked and put in their stored form.
struct Timing {
    starts_at: String,
    ends_at: String,
    series_ends_at: Option<String>,
    rrule: Option<String>,
}

/// The occurrences of an event's times.
fn series_of(start: DateTime<Tz>, end: DateTime<Tz>, all_day: bool) -> Length {
    if all_day {
        Length::Days((end.date_naive() - start.date_naive()).num_days())
    } else {
        Length::Exact(end - start)
    }
}

fn check_timing(
    start: &str,
    end: &str,
    all_day: bool,
    tz: &str,
    rrule: Option<&str>,
) -> Result<Timing> {
    let zone = parse_zone(tz)?;
    let start = parse_time("start", start)?.with_timezone(&zone);
    let end = parse_time("end", end)?.with_timezone(&zone);
    if end <= start {
        return Err(StoreError::Invalid(format!(
            "the event ends ({}) before it starts ({})",
            end.to_rfc3339(),
            start.to_rfc3339()
        )));
    }
    if all_day && (start.time() != NaiveTime::MIN || end.time() != NaiveTime::MIN) {
        return Err(StoreError::Invalid(format!(
            "an all-day event starts and ends at midnight in {tz} (start {}, end {})",
            start.to_rfc3339(),
            end.to_rfc3339()
        )));
    }
    let rrule = rrule
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| recurrence::normalize(r, start))
        .transpose()?;
    let series = Series::new(start, series_of(start, end, all_day), rrule.as_deref())?;
    Ok(Timing {
        starts_at: utc_text(start.with_timezone(&Utc)),
        ends_at: utc_text(end.with_timezone(&Utc)),
        series_ends_at: series.last_end().map(utc_text),
        rrule,
    })
}

fn check_title(title: &str) -> Result<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid("the title is empty".into()));
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(StoreError::Invalid(format!(
            "the title is {chars} characters long; at most {MAX_TITLE_CHARS}"
        )));
    }
    Ok(title.to_string())
}

/// Attendees without blanks or repeats, in the order given.
fn check_attendees(attendees: &[EventAttendee]) -> Result<Vec<EventAttendee>> {
    let mut out: Vec<EventAttendee> = Vec::new();
    for a in attendees {
        let id = a.id.trim();
        if id.is_empty() {
            return Err(StoreError::Invalid(format!(
                "attendee {:?} has no directory id",
                a.name
            )));
        }
        if out.iter().any(|o| o.id == id) {
            continue;
        }
        out.push(EventAttendee {
            id: id.to_string(),
            name: a.name.trim().to_string(),
            email: a
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(String::from),
        });
    }
    Ok(out)
}

const COLUMNS: &str = "id, title, starts_at, ends_at, all_day, tz, location, rrule, \
                       series_ends_at, departments, origin, source_text, created_by, \
                       created_at, updated_at";

/// An event row, before its attendees are attached.
fn event_from_row(row: &AnyRow) -> Result<Event> {
    let tz_name: String = row.try_get("tz")?;
    let tz = tz_name
        .parse::<Tz>()
        .map_err(|_| StoreError::Corrupt(format!("event time zone {tz_name:?}")))?;
    let local = |column: &str| -> Result<String> {
        let text: String = row.try_get(column)?;
        Ok(stored_time(column, &text)?.with_timezone(&tz).to_rfc3339())
    };
    let departments: String = row.try_get("departments")?;
    let origin: String = row.try_get("origin")?;
    let all_day: i64 = row.try_get("all_day")?;
    Ok(Event {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        start: local("starts_at")?,
        end: local("ends_at")?,
        all_day: all_day != 0,
        location: row.try_get("location")?,
        rrule: row.try_get("rrule")?,
        tz: tz_name,
        attendees: Vec::new(),
        departments: serde_json::from_str(&departments)
            .map_err(|_| StoreError::Corrupt(format!("event departments {departments:?}")))?,
        origin: Origin::parse(&origin)?,
        source_text: row.try_get("source_text")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The occurrences of a stored event overlapping `[from, to)`.
fn occurrences_of(event: &Event, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Occurs>> {
    let tz = parse_zone(&event.tz)?;
    let start = stored_time("start", &event.start)?.with_timezone(&tz);
    let end = stored_time("end", &event.end)?.with_timezone(&tz);
    let series = Series::new(
        start,
        series_of(start, end, event.all_day),
        event.rrule.as_deref(),
    )
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(series.between(from, to)?)
}

/// Every occurrence of `events` overlapping `[from, to)`, sorted by start.
pub(crate) fn expand(
    events: Vec<Event>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Occurrence>> {
    let mut out: Vec<(DateTime<Utc>, Occurrence)> = Vec::new();
    for event in events {
        for (start, end) in occurrences_of(&event, from, to)? {
            out.push((
                start.with_timezone(&Utc),
                Occurrence {
                    event: event.clone(),
                    start: start.to_rfc3339(),
                    end: end.to_rfc3339(),
                },
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.event.id.cmp(&b.1.event.id)));
    Ok(out.into_iter().map(|(_, o)| o).collect())
}

impl Store {
    /// Stores a new event and its attendees in one transaction.
    pub async fn create_event(&self, e: &NewEvent) -> Result<Event> {
        let title = check_title(&e.title)?;
        let timing = check_timing(&e.start, &e.end, e.all_day, &e.tz, e.rrule.as_deref())?;
        let attendees = check_attendees(&e.attendees)?;
        let departments = serde_json::to_string(&e.departments)
            .map_err(|err| StoreError::Invalid(format!("departments: {err}")))?;
        let id = ids::new_id("evt");
        let stamp = now();
        let mut tx = self.begin_write().await?;
        sqlx::query(&format!(
            "INSERT INTO events ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(&id)
        .bind(&title)
        .bind(&timing.starts_at)
        .bind(&timing.ends_at)
        .bind(i64::from(e.all_day))
        .bind(&e.tz)
        .bind(clean_opt(e.location.as_deref()))
        .bind(timing.rrule.clone())
        .bind(timing.series_ends_at.clone())
        .bind(&departments)
        .bind(e.origin.as_str())
        .bind(e.source_text.clone())
        .bind(e.created_by.clone())
        .bind(&stamp)
        .bind(&stamp)
        .execute(&mut *tx)
        .await?;
        insert_attendees(&mut tx, &id, &attendees).await?;
        tx.commit().await?;
        self.event(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("event {id} vanished after writing")))
    }

    /// One event by id.
    pub async fn event(&self, id: &str) -> Result<Option<Event>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM events WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut events = vec![event_from_row(&row)?];
        self.attach_attendees(&mut events).await?;
        Ok(events.pop())
    }

    /// Applies a patch in one transaction; `None` when there is no such event.
    pub async fn patch_event(&self, id: &str, p: &EventPatch) -> Result<Option<Event>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM events WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let old = event_from_row(&row)?;
        let title = check_title(p.title.as_deref().unwrap_or(&old.title))?;
        let start = p.start.clone().unwrap_or_else(|| old.start.clone());
        let end = match (&p.start, &p.end) {
            (_, Some(end)) => end.clone(),
            (Some(start), None) => moved_end(&old, start)?,
            (None, None) => old.end.clone(),
        };
        let location = match &p.location {
            Some(l) => clean_opt(l.as_deref()),
            None => old.location.clone(),
        };
        let rrule = match &p.rrule {
            Some(r) => r.clone(),
            None => old.rrule.clone(),
        };
        let timing = check_timing(&start, &end, old.all_day, &old.tz, rrule.as_deref())?;
        sqlx::query(
            "UPDATE events SET title = $1, starts_at = $2, ends_at = $3, location = $4, \
             rrule = $5, series_ends_at = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&title)
        .bind(&timing.starts_at)
        .bind(&timing.ends_at)
        .bind(location)
        .bind(timing.rrule.clone())
        .bind(timing.series_ends_at.clone())
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(attendees) = &p.attendees {
            let attendees = check_attendees(attendees)?;
            sqlx::query("DELETE FROM event_attendees WHERE event_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_attendees(&mut tx, id, &attendees).await?;
        }
        tx.commit().await?;
        self.event(id).await
    }

    /// Deletes an event and its attendee list; false when there was no such event.
    pub async fn delete_event(&self, id: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM event_attendees WHERE event_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let gone = sqlx::query("DELETE FROM events WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(gone > 0)
    }

    /// Every occurrence overlapping `[from, to)` (RFC 3339), recurrences expanded,
    /// optionally only of the events `attendee` (a person id) attends. Sorted by start.
    pub async fn occurrences(
        &self,
        from: &str,
        to: &str,
        attendee: Option<&str>,
    ) -> Result<Vec<Occurrence>> {
        let from = parse_time("from", from)?.with_timezone(&Utc);
        let to = parse_time("to", to)?.with_timezone(&Utc);
        if to <= from {
            return Err(StoreError::Invalid(format!(
                "the range ends ({}) before it starts ({})",
                utc_text(to),
                utc_text(from)
            )));
        }
        let mut sql = format!(
            "SELECT {COLUMNS} FROM events WHERE starts_at < $1 \
             AND (series_ends_at IS NULL OR series_ends_at > $2)"
        );
        if attendee.is_some() {
            sql.push_str(" AND id IN (SELECT event_id FROM event_attendees WHERE person_id = $3)");
        }
        let mut q = sqlx::query(&sql).bind(utc_text(to)).bind(utc_text(from));
        if let Some(person) = attendee {
            q = q.bind(person);
        }
        let rows = q.fetch_all(self.pool()).await?;
        let mut events = rows
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_attendees(&mut events).await?;
        expand(events, from, to)
    }

    /// Every event `attendee` (a person id) attends, by first start.
    pub async fn events_of(&self, attendee: &str) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM events \
             WHERE id IN (SELECT event_id FROM event_attendees WHERE person_id = $1) \
             ORDER BY starts_at, id"
        ))
        .bind(attendee)
        .fetch_all(self.pool())
        .await?;
        let mut events = rows
            .iter()
            .map(event_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_attendees(&mut events).await?;
        Ok(events)
    }

    /// Fills in the attendees of `events` (a few queries for the lot).
    async fn attach_attendees(&self, events: &mut [Event]) -> Result<()> {
        let mut by_event: HashMap<String, Vec<EventAttendee>> = HashMap::new();
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT event_id, person_id, name, email FROM event_attendees \
                 WHERE event_id IN ({}) ORDER BY event_id, position",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for row in q.fetch_all(self.pool()).await? {
                let event_id: String = row.try_get("event_id")?;
                by_event.entry(event_id).or_default().push(EventAttendee {
                    id: row.try_get("person_id")?,
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                });
            }
        }
        for e in events {
            e.attendees = by_event.remove(&e.id).unwrap_or_default();
        }
        Ok(())
    }
}

/// Where an event moved to `new_start` ends: as long as it was (whole days for an
/// all-day event, in its zone).
fn moved_end(old: &Event, new_start: &str) -> Result<String> {
    let tz = parse_zone(&old.tz)?;
    let start = stored_time("start", &old.start)?.with_timezone(&tz);
    let end = stored_time("end", &old.end)?.with_timezone(&tz);
    let new_start = parse_time("start", new_start)?.with_timezone(&tz);
    Ok(series_of(start, end, old.all_day)
        .end_of(new_start)
        .to_rfc3339())
}

fn clean_opt(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(String::from)
}

async fn insert_attendees(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    event_id: &str,
    attendees: &[EventAttendee],
) -> Result<()> {
    for (position, a) in attendees.iter().enumerate() {
        sqlx::query(
            "INSERT INTO event_attendees (event_id, person_id, name, email, position) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(event_id)
        .bind(&a.id)
        .bind(&a.name)
        .bind(a.email.clone())
        .bind(position as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        (dir, store)
    }

    fn person(id: &str, name: &str) -> EventAttendee {
        EventAttendee {
            id: id.into(),
            name: name.into(),
            email: Some(format!("{id}@example.com")),
        }
    }

    fn budget_review() -> NewEvent {
        NewEvent {
            title: "審核預算".into(),
            start: "2026-11-25T14:00:00+08:00".into(),
            end: "2026-11-25T15:00:00+08:00".into(),
            all_day: false,
            location: Some("Room 3".into()),
            rrule: None,
            tz: "Asia/Hong_Kong".into(),
            attendees: vec![person("p001", "Chan Tai Man"), person("p002", "Amy Wong")],
            departments: vec!["finance".into()],
            origin: Origin::Command,
            source_text: Some("安排週三下午與財務部審核預算".into()),
            created_by: None,
        }
    }

    #[tokio::test]
    async fn an_event_reads_back_as_written() {
        let (_dir, store) = store().await;
        let e = store.create_event(&budget_review()).await.unwrap();
        assert!(e.id.starts_with("evt_"));
        assert_eq!(e.start, "2026-11-25T14:00:00+08:00");
        assert_eq!(e.end, "2026-11-25T15:00:00+08:00");
        assert_eq!(e.attendees.len(), 2);
        assert_eq!(e.attendees[1].name, "Amy Wong");
        assert_eq!(e.departments, ["finance"]);
        assert_eq!(store.event(&e.id).await.unwrap(), Some(e.clone()));
        assert_eq!(
            store.events_of("p002").await.unwrap(),
            std::slice::from_ref(&e)
        );
        assert!(store.events_of("p999").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn bad_times_zones_and_rules_store_nothing() {
        let (_dir, store) = store().await;
        let cases: Vec<(NewEvent, &str)> = vec![
            (
                NewEvent {
                    start: "next Wednesday".into(),
                    ..budget_review()
                },
                "start \"next Wednesday\" is not an RFC 3339 time",
            ),
            (
                NewEvent {
                    end: "2026-11-25T13:00:00+08:00".into(),
                    ..budget_review()
                },
                "ends",
            ),
            (
                NewEvent {
                    tz: "Asia/Kowloon".into(),
                    ..budget_review()
                },
                "unknown time zone",
            ),
            (
                NewEvent {
                    rrule: Some("FREQ=FORTNIGHTLY".into()),
                    ..budget_review()
                },
                "FREQ=FORTNIGHTLY",
            ),
            (
                NewEvent {
                    all_day: true,
                    ..budget_review()
                },
                "midnight",
            ),
            (
                NewEvent {
                    title: "  ".into(),
                    ..budget_review()
                },
                "title is empty",
            ),
        ];
        for (event, says) in cases {
            let err = store.create_event(&event).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::Invalid(m) if m.contains(says)),
                "{err}"
            );
        }
        let all = store
            .occurrences("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", None)
            .await
            .unwrap();
        assert!(all.is_empty());
    }

    #[tokio::test]
    async fn a_patch_changes_only_what_it_names() {
        let (_dir, store) = store().await;
        let e = store.create_event(&budget_review()).await.unwrap();
        let patch: EventPatch = serde_json::from_str(
            r#"{"start": "2026-11-26T10:00:00+08:00", "end": "2026-11-26T11:00:00+08:00",
                "location": null, "rrule": "FREQ=WEEKLY;COUNT=2",
                "attendees": [{"id": "p003", "name": "Lee Siu Ming"}]}"#,
        )
        .unwrap();
        let p = store.patch_event(&e.id, &patch).await.unwrap().unwrap();
        assert_eq!(p.title, e.title);
        assert_eq!(p.start, "2026-11-26T10:00:00+08:00");
        assert_eq!(p.location, None);
        assert_eq!(p.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=2"));
        assert_eq!(
            p.attendees,
            [EventAttendee {
                id: "p003".into(),
                name: "Lee Siu Ming".into(),
                email: None
            }]
        );
        // A bad patch changes nothing.
        let bad = EventPatch {
            end: Some("2026-11-20T00:00:00+08:00".into()),
            title: Some("Moved".into()),
            ..Default::default()
        };
        assert!(store.patch_event(&e.id, &bad).await.is_err());
        assert_eq!(store.event(&e.id).await.unwrap(), Some(p));
        assert!(serde_json::from_str::<EventPatch>(r#"{"titel": "x"}"#).is_err());
        // A new start alone moves the event and keeps its length.
        let moved = EventPatch {
            start: Some("2026-11-27T16:30:00+08:00".into()),
            ..Default::default()
        };
        let p = store.patch_event(&e.id, &moved).await.unwrap().unwrap();
        assert_eq!(p.end, "2026-11-27T17:30:00+08:00");
        assert_eq!(store.patch_event("evt_none", &bad).await.unwrap(), None);
        assert!(store.delete_event(&e.id).await.unwrap());
        assert!(!store.delete_event(&e.id).await.unwrap());
        assert_eq!(store.event(&e.id).await.unwrap(), None);
    }

    #[tokio::test]
    async fn recurring_events_are_expanded_in_a_range() {
        let (_dir, store) = store().await;
        let weekly = store
            .create_event(&NewEvent {
                title: "Team meeting".into(),
                start: "2026-11-25T10:00:00+08:00".into(),
                end: "2026-11-25T11:00:00+08:00".into(),
                rrule: Some("FREQ=WEEKLY;BYDAY=WE".into()),
                attendees: vec![person("p001", "Chan Tai Man")],
                ..budget_review()
            })
            .await
            .unwrap();
        let one_off = store
            .create_event(&NewEvent {
                start: "2026-12-02T09:00:00+08:00".into(),
                end: "2026-12-02T09:30:00+08:00".into(),
                attendees: vec![person("p002", "Amy Wong")],
                ..budget_review()
            })
            .await
            .unwrap();
        let got = store
            .occurrences(
                "2026-12-01T00:00:00+08:00",
                "2026-12-10T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        let seen: Vec<(&str, &str)> = got
            .iter()
            .map(|o| (o.event.id.as_str(), o.start.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (one_off.id.as_str(), "2026-12-02T09:00:00+08:00"),
                (weekly.id.as_str(), "2026-12-02T10:00:00+08:00"),
                (weekly.id.as_str(), "2026-12-09T10:00:00+08:00"),
            ]
        );
        assert_eq!(got[1].end, "2026-12-02T11:00:00+08:00");
        let mine = store
            .occurrences(
                "2026-12-01T00:00:00+08:00",
                "2026-12-10T00:00:00+08:00",
                Some("p002"),
            )
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].event.id, one_off.id);
        // Before the series starts there is nothing.
        let before = store
            .occurrences(
                "2026-11-01T00:00:00+08:00",
                "2026-11-25T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert!(before.is_empty());
    }

    #[tokio::test]
    async fn a_finished_series_is_not_listed_after_its_end() {
        let (_dir, store) = store().await;
        store
            .create_event(&NewEvent {
                rrule: Some("FREQ=DAILY;COUNT=3".into()),
                ..budget_review()
            })
            .await
            .unwrap();
        let in_series = store
            .occurrences(
                "2026-11-25T00:00:00+08:00",
                "2026-12-31T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert_eq!(in_series.len(), 3);
        assert_eq!(in_series[2].start, "2026-11-27T14:00:00+08:00");
        let after = store
            .occurrences(
                "2026-11-28T00:00:00+08:00",
                "2026-12-31T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert!(after.is_empty());
    }

    #[tokio::test]
    async fn all_day_events_cover_their_days() {
        let (_dir, store) = store().await;
        let e = store
            .create_event(&NewEvent {
                title: "Offsite".into(),
                start: "2026-12-18T00:00:00+08:00".into(),
                end: "2026-12-20T00:00:00+08:00".into(),
                all_day: true,
                ..budget_review()
            })
            .await
            .unwrap();
        assert!(e.all_day);
        let on_19th = store
            .occurrences(
                "2026-12-19T12:00:00+08:00",
                "2026-12-19T13:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert_eq!(on_19th.len(), 1);
        let on_20th = store
            .occurrences(
                "2026-12-20T00:00:00+08:00",
                "2026-12-21T00:00:00+08:00",
                None,
            )
            .await
            .unwrap();
        assert!(on_20th.is_empty());
    }
}
