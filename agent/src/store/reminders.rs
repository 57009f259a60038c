//! Reminders: a short text for a person at a time, pending until it fires. A recurring
//! reminder (an RRULE, expanded in its zone) stays pending and moves on to its next
//! time each time it fires; a one-off one is then `fired`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::events::{parse_time, parse_zone, utc_text};
use super::tasks::Origin;
use super::{ids, now, Result, Store, StoreError};
use crate::calendar::recurrence::{self, Length, Series};

pub const PENDING: &str = "pending";
pub const FIRED: &str = "fired";

/// What a caller supplies to set a reminder.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReminder {
    pub title: String,
    /// RFC 3339 with offset.
    pub at: String,
    /// Who is reminded: a directory person id, or `None` for the person who asked.
    pub person: Option<String>,
    pub origin: Origin,
    pub source_text: Option<String>,
    pub created_by: Option<String>,
    /// RFC 5545 RRULE body for a repeating reminder.
    pub rrule: Option<String>,
    /// The IANA zone a repeating reminder is expanded in.
    pub tz: String,
}

/// A stored reminder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reminder {
    pub id: String,
    pub title: String,
    /// When it fires next (RFC 3339 in its zone).
    pub at: String,
    pub person: Option<String>,
    pub origin: Origin,
    pub source_text: Option<String>,
    pub created_by: Option<String>,
    pub rrule: Option<String>,
    pub tz: String,
    /// `pending` or `fired`.
    pub status: String,
    /// When it last fired.
    pub fired_at: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, title, remind_at, remind_at_utc, tz, rrule, person, status, \
                       fired_at, origin, source_text, created_by, created_at";

fn reminder_from_row(row: &AnyRow) -> Result<Reminder> {
    let origin: String = row.try_get("origin")?;
    Ok(Reminder {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        at: row.try_get("remind_at")?,
        person: row.try_get("person")?,
        origin: Origin::parse(&origin)?,
        source_text: row.try_get("source_text")?,
        created_by: row.try_get("created_by")?,
        rrule: row.try_get("rrule")?,
        tz: row.try_get("tz")?,
        status: row.try_get("status")?,
        fired_at: row.try_get("fired_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A repeating reminder's next time strictly after `after`.
fn next_time(r: &Reminder, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
    let Some(rule) = &r.rrule else {
        return Ok(None);
    };
    let tz = parse_zone(&r.tz)?;
    let at = DateTime::parse_from_rfc3339(&r.at)
        .map_err(|_| StoreError::Corrupt(format!("reminder time {:?}", r.at)))?
        .with_timezone(&tz);
    let series = Series::new(at, Length::Exact(chrono::Duration::zero()), Some(rule))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let from = after + chrono::Duration::seconds(1);
    // A day's window at a time, so that an endless rule is never walked to its end.
    let mut window = chrono::Duration::days(2);
    for _ in 0..12 {
        if let Some((t, _)) = series.between(from, from + window)?.first() {
            return Ok(Some(t.with_timezone(&Utc)));
        }
        if series.last_end().is_some_and(|end| end < from) {
            return Ok(None);
        }
        window = window * 4;
    }
    Ok(None)
}

impl Store {
    /// Stores a new reminder, pending.
    pub async fn create_reminder(&self, r: &NewReminder) -> Result<Reminder> {
        let title = r.title.trim();
        if title.is_empty() {
            return Err(StoreError::Invalid("the reminder's text is empty".into()));
        }
        let tz = parse_zone(&r.tz)?;
        let at = parse_time("at", &r.at)?.with_timezone(&tz);
        let rrule = r
            .rrule
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|rule| recurrence::normalize(rule, at))
            .transpose()?;
        let id = ids::new_id("rem");
        sqlx::query(&format!(
            "INSERT INTO reminders ({COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(&id)
        .bind(title)
        .bind(at.to_rfc3339())
        .bind(utc_text(at.with_timezone(&Utc)))
        .bind(&r.tz)
        .bind(rrule)
        .bind(r.person.clone())
        .bind(PENDING)
        .bind(None::<String>)
        .bind(r.origin.as_str())
        .bind(r.source_text.clone())
        .bind(r.created_by.clone())
        .bind(now())
        .execute(self.pool())
        .await?;
        self.reminder(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("reminder {id} vanished after writing")))
    }

    /// One reminder by id.
    pub async fn reminder(&self, id: &str) -> Result<Option<Reminder>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM reminders WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(reminder_from_row).transpose()
    }

    /// Reminders by time, filtered by status (`pending`, `fired`) and person.
    pub async fn reminders(
        &self,
        status: Option<&str>,
        person: Option<&str>,
    ) -> Result<Vec<Reminder>> {
        if let Some(s) = status {
            if s != PENDING && s != FIRED {
                return Err(StoreError::Invalid(format!(
                    "reminder status {s:?}: use pending or fired"
                )));
            }
        }
        let mut sql = format!("SELECT {COLUMNS} FROM reminders WHERE 1 = 1");
        let mut binds = Vec::new();
        for (column, value) in [("status", status), ("person", person)] {
            if let Some(v) = value {
                binds.push(v);
                sql.push_str(&format!(" AND {column} = ${}", binds.len()));
            }
        }
        sql.push_str(" ORDER BY remind_at_utc, id LIMIT 10000");
        let mut q = sqlx::query(&sql);
        for v in binds {
            q = q.bind(v);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(reminder_from_row).collect()
    }

    /// Pending reminders due at or before `now` (RFC 3339), oldest first; marks nothing.
    pub async fn due_reminders(&self, now: &str) -> Result<Vec<Reminder>> {
        let now = parse_time("now", now)?.with_timezone(&Utc);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM reminders WHERE status = $1 AND remind_at_utc <= $2 \
             ORDER BY remind_at_utc, id"
        ))
        .bind(PENDING)
        .bind(utc_text(now))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(reminder_from_row).collect()
    }

    /// Marks a due reminder fired — a repeating one moves on to its next time after
    /// now instead (missed times are not fired one by one). False when it was fired
    /// already (another node got it) or does not exist.
    pub async fn mark_reminder_fired(&self, id: &str) -> Result<bool> {
        let Some(r) = self.reminder(id).await? else {
            return Ok(false);
        };
        if r.status != PENDING {
            return Ok(false);
        }
        let stamp = now();
        let fired_at = DateTime::parse_from_rfc3339(&stamp)
            .map_err(|_| StoreError::Corrupt(format!("clock {stamp:?}")))?
            .with_timezone(&Utc);
        let old_at = DateTime::parse_from_rfc3339(&r.at)
            .map_err(|_| StoreError::Corrupt(format!("reminder time {:?}", r.at)))?
            .with_timezone(&Utc);
        let next = next_time(&r, fired_at.max(old_at))?;
        // The stored time in the WHERE clause makes the change happen once when two
        // nodes race for the same reminder.
        let changed = match next {
            Some(next) => {
                let tz = parse_zone(&r.tz)?;
                sqlx::query(
                    "UPDATE reminders SET remind_at = $1, remind_at_utc = $2, fired_at = $3 \
                     WHERE id = $4 AND status = $5 AND remind_at_utc = $6",
                )
                .bind(next.with_timezone(&tz).to_rfc3339())
                .bind(utc_text(next))
                .bind(&stamp)
                .bind(id)
                .bind(PENDING)
                .bind(utc_text(old_at))
                .execute(self.pool())
                .await?
            }
            None => {
                sqlx::query(
                    "UPDATE reminders SET status = $1, fired_at = $2 \
                     WHERE id = $3 AND status = $4 AND remind_at_utc = $5",
                )
                .bind(FIRED)
                .bind(&stamp)
                .bind(id)
                .bind(PENDING)
                .bind(utc_text(old_at))
                .execute(self.pool())
                .await?
            }
        };
        Ok(changed.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        (dir, store)
    }

    fn call_landlord(at: &str) -> NewReminder {
        NewReminder {
            title: "Call the landlord".into(),
            at: at.into(),
            person: None,
            origin: Origin::Command,
            source_text: Some("Remind me to call the landlord on Friday at 9".into()),
            created_by: None,
            rrule: None,
            tz: "Asia/Hong_Kong".into(),
        }
    }

    #[tokio::test]
    async fn a_reminder_is_due_at_its_time_and_fires_once() {
        let (_dir, store) = store().await;
        let r = store
            .create_reminder(&call_landlord("2026-11-27T09:00:00+08:00"))
            .await
            .unwrap();
        assert_eq!(r.status, PENDING);
        assert_eq!(r.at, "2026-11-27T09:00:00+08:00");
        assert!(store
            .due_reminders("2026-11-27T00:59:59Z")
            .await
            .unwrap()
            .is_empty());
        let due = store.due_reminders("2026-11-27T01:00:00Z").await.unwrap();
        assert_eq!(due.len(), 1);
        assert!(store.mark_reminder_fired(&r.id).await.unwrap());
        assert!(
            !store.mark_reminder_fired(&r.id).await.unwrap(),
            "the second node gets nothing"
        );
        let fired = store.reminders(Some(FIRED), None).await.unwrap();
        assert_eq!(fired.len(), 1);
        assert!(fired[0].fired_at.is_some());
        assert!(store
            .due_reminders("2026-11-28T00:00:00Z")
            .await
            .unwrap()
            .is_empty());
        assert!(store.reminders(Some("done"), None).await.is_err());
    }

    #[tokio::test]
    async fn a_repeating_reminder_moves_to_its_next_time() {
        let (_dir, store) = store().await;
        // Every Monday at 09:00, from a Monday long past.
        let r = store
            .create_reminder(&NewReminder {
                rrule: Some("FREQ=WEEKLY;BYDAY=MO".into()),
                person: Some("p001".into()),
                ..call_landlord("2020-01-06T09:00:00+08:00")
            })
            .await
            .unwrap();
        assert!(store.mark_reminder_fired(&r.id).await.unwrap());
        let next = store.reminder(&r.id).await.unwrap().unwrap();
        assert_eq!(next.status, PENDING);
        let at = DateTime::parse_from_rfc3339(&next.at).unwrap();
        assert!(
            at > Utc::now(),
            "the missed Mondays are not fired one by one"
        );
        assert_eq!(at.format("%a %H:%M %:z").to_string(), "Mon 09:00 +08:00");
        assert_eq!(store.reminders(None, Some("p001")).await.unwrap().len(), 1);
        assert!(store
            .reminders(None, Some("p002"))
            .await
            .unwrap()
            .is_empty());
    }

    #[tokio::test]
    async fn bad_reminders_are_refused() {
        let (_dir, store) = store().await;
        assert!(matches!(
            store.create_reminder(&call_landlord("Friday 9am")).await,
            Err(StoreError::Invalid(_))
        ));
        let mut r = call_landlord("2026-11-27T09:00:00+08:00");
        r.title = " ".into();
        assert!(matches!(
            store.create_reminder(&r).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(store.reminders(None, None).await.unwrap().is_empty());
    }
}
