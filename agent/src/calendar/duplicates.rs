//! The same thing asked for twice: a task already open on its assignee's list, or an
//! event already on the calendar of someone invited — at an overlapping time or on the
//! same day — whose title says the same in other words. Titles are compared as the
//! minutes compare action items ([`crate::meaning::same_as`]): by meaning when the
//! sentence encoder (`minilm-l6`) is installed, by their words always; Chinese in one
//! script.

use chrono::{Duration, Utc};
use serde::{Deserialize, Serialize};

use super::recurrence::midnight;
use super::save::new_event;
use crate::instructions::{Intent, Understood};
use crate::meaning;
use crate::store::events::{parse_time, parse_zone, utc_text};
use crate::store::tasks::{Origin, TaskQuery, TaskStatus};
use crate::store::{Result, Store};

/// The stored item a command would repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    /// `task` or `event`.
    pub kind: String,
    pub id: String,
    pub title: String,
    /// An event's occurrence (RFC 3339 in its zone); `null` for a task.
    pub start: Option<String>,
    pub end: Option<String>,
    /// A task's due date or time; `null` for an event.
    pub due: Option<String>,
    /// `meaning` (sentence embeddings) or `words` (shared words).
    pub matched_by: String,
    /// The embeddings' cosine when the encoder ran, otherwise the words' likeness.
    pub closeness: f32,
}

/// What `u` would repeat among the stored open tasks (a task) or events (an event);
/// `None` for reminders and `unknown`, and when nothing says the same.
pub async fn find(store: &Store, u: &Understood, tz: &str) -> Result<Option<Duplicate>> {
    let candidates = match u.intent {
        Intent::CreateTask => open_tasks(store, u).await?,
        Intent::CreateEvent => same_day_events(store, u, tz).await?,
        Intent::SetReminder | Intent::Unknown => return Ok(None),
    };
    if candidates.is_empty() {
        return Ok(None);
    }
    let title = u.title.clone();
    // The encoder loads and runs on a blocking thread, off the async executor.
    let found = tokio::task::spawn_blocking(move || {
        let titles: Vec<&str> = candidates.iter().map(|d| d.title.as_str()).collect();
        meaning::same_as(&title, &titles).map(|same| {
            let mut d = candidates[same.index].clone();
            d.matched_by = same.by.to_string();
            d.closeness = (same.closeness * 1000.0).round() / 1000.0;
            d
        })
    })
    .await
    .unwrap_or_else(|e| {
        tracing::warn!("duplicates not checked: {e}");
        None
    });
    if let Some(d) = &found {
        tracing::info!(
            "{:?} repeats {} {} ({:?}, by {}, {:.2})",
            u.title,
            d.kind,
            d.id,
            d.title,
            d.matched_by,
            d.closeness
        );
    }
    Ok(found)
}

/// The open tasks of the command's assignee (the unassigned ones when it has none).
async fn open_tasks(store: &Store, u: &Understood) -> Result<Vec<Duplicate>> {
    let assignee = u.assignee.as_ref().map(|p| p.id.as_str());
    let tasks = store
        .tasks(&TaskQuery {
            assignee,
            status: Some(TaskStatus::Open),
            limit: 10_000,
            ..Default::default()
        })
        .await?;
    Ok(tasks
        .into_iter()
        .filter(|t| assignee.is_some() || t.assignee.is_none())
        .map(|t| Duplicate {
            kind: "task".into(),
            id: t.id,
            title: t.title,
            start: None,
            end: None,
            due: t.due,
            matched_by: String::new(),
            closeness: 0.0,
        })
        .collect())
}

/// The stored occurrences on the days of the event's first occurrence (in `tz`) that
/// share an attendee with it — or, for an event with nobody invited, that invite
/// nobody either: the speaker's own calendar.
async fn same_day_events(store: &Store, u: &Understood, tz: &str) -> Result<Vec<Duplicate>> {
    let event = new_event(u, tz, Origin::Command, None, None)?;
    let zone = parse_zone(tz)?;
    let start = parse_time("start", &event.start)?.with_timezone(&zone);
    let end = parse_time("end", &event.end)?.with_timezone(&zone);
    // An all-day event ends at midnight after its last day; that midnight is not a day
    // of it.
    let last_day = (end - Duration::seconds(1))
        .date_naive()
        .max(start.date_naive());
    let from = midnight(start.date_naive(), zone).with_timezone(&Utc);
    let to = midnight(last_day + Duration::days(1), zone).with_timezone(&Utc);
    let invited: Vec<&str> = event.attendees.iter().map(|a| a.id.as_str()).collect();
    let mut out: Vec<Duplicate> = Vec::new();
    for o in store
        .occurrences(&utc_text(from), &utc_text(to), None)
        .await?
    {
        let same_people = if invited.is_empty() {
            o.event.attendees.is_empty()
        } else {
            o.event
                .attendees
                .iter()
                .any(|a| invited.contains(&a.id.as_str()))
        };
        if !same_people || out.iter().any(|d| d.id == o.event.id) {
            continue;
        }
        out.push(Duplicate {
            kind: "event".into(),
            id: o.event.id.clone(),
            title: o.event.title.clone(),
            start: Some(o.start),
            end: Some(o.end),
            due: None,
            matched_by: String::new(),
            closeness: 0.0,
        });
    }
    Ok(out)
}
