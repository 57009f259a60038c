//! Storing what an instruction was understood as: an event on the calendar (its clashes
//! found first), a task on a to-do list, or a reminder. An `unknown` intent stores
//! nothing: [`save`] answers `StoreError::Invalid` with the reason instead.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::conflicts::{self, Conflict, Proposed};
use super::duplicates::{self, Duplicate};
use super::recurrence::midnight;
use crate::directory::Directory;
use crate::instructions::{Intent, Understood};
use crate::store::events::{parse_zone, EventAttendee, NewEvent};
use crate::store::reminders::NewReminder;
use crate::store::tasks::{NewTask, Origin};
use crate::store::{Result, Store, StoreError};

/// What was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// `event`, `task` or `reminder`.
    pub kind: &'static str,
    pub id: String,
    /// An event's clashes with its attendees' other events (empty for the others).
    pub conflicts: Vec<Conflict>,
}

/// How an understood instruction is stored.
#[derive(Debug, Clone, Copy)]
pub struct SaveOptions<'a> {
    /// The zone the instruction was said in.
    pub tz: &'a str,
    pub origin: Origin,
    /// The token that asked for it.
    pub created_by: Option<&'a str>,
    /// Where the attendees' e-mails come from (none: attendees without e-mail).
    pub directory: Option<&'a Directory>,
    /// Store it even when it repeats a stored task or event
    /// ([`save_unless_duplicate`]).
    pub allow_duplicate: bool,
}

impl<'a> SaveOptions<'a> {
    /// Said in `tz`, from `origin`, by nobody named, without a directory, duplicates
    /// refused.
    pub fn new(tz: &'a str, origin: Origin) -> Self {
        SaveOptions {
            tz,
            origin,
            created_by: None,
            directory: None,
            allow_duplicate: false,
        }
    }
}

/// Stores `u`, with the attendees' e-mails from the directory in force in `store`
/// (`options.directory` is not read). An `unknown` intent stores nothing and is
/// `Err(StoreError::Invalid(reason))`.
pub async fn save(store: &Store, u: &Understood, options: &SaveOptions<'_>) -> Result<Saved> {
    let directory = match store.directory().await? {
        Some(version) => Some(Directory::from_json(&version.document).map_err(|e| {
            StoreError::Corrupt(format!("directory version {}: {e}", version.version))
        })?),
        None => None,
    };
    save_with(
        store,
        u,
        &SaveOptions {
            directory: directory.as_ref(),
            ..*options
        },
    )
    .await
}

/// As [`save`], with the e-mails from `options.directory`.
pub async fn save_with(store: &Store, u: &Understood, options: &SaveOptions<'_>) -> Result<Saved> {
    let SaveOptions {
        tz,
        origin,
        directory,
        ..
    } = *options;
    let created_by = options.created_by.map(String::from);
    match u.intent {
        Intent::Unknown => Err(StoreError::Invalid(format!(
            "nothing to save: {}",
            u.reason
                .as_deref()
                .unwrap_or("not an event, a task or a reminder")
        ))),
        Intent::CreateEvent => {
            let event = new_event(u, tz, origin, created_by, directory)?;
            let attendee_ids: Vec<String> = event.attendees.iter().map(|a| a.id.clone()).collect();
            let clashes = conflicts::find_in(
                store,
                &Proposed {
                    start: &event.start,
                    end: &event.end,
                    rrule: event.rrule.as_deref(),
                    tz: &event.tz,
                    attendee_ids: &attendee_ids,
                    exclude_event: None,
                },
            )
            .await?;
            let stored = store.create_event(&event).await?;
            Ok(Saved {
                kind: "event",
                id: stored.id,
                conflicts: clashes,
            })
        }
        Intent::CreateTask => {
            let task = store
                .upsert_task(&NewTask {
                    title: u.title.clone(),
                    assignee: u.assignee.as_ref().map(|p| p.id.clone()),
                    assignee_name: u.assignee.as_ref().map(|p| p.name.clone()),
                    due: u.due.clone(),
                    origin,
                    origin_id: None,
                    origin_key: None,
                    notes: Some(u.transcript.clone()),
                    created_by,
                })
                .await?;
            Ok(Saved {
                kind: "task",
                id: task.id,
                conflicts: Vec::new(),
            })
        }
        Intent::SetReminder => {
            let at = u
                .start
                .clone()
                .ok_or_else(|| StoreError::Invalid("the reminder has no time".into()))?;
            let reminder = store
                .create_reminder(&NewReminder {
                    title: u.title.clone(),
                    at,
                    person: None,
                    origin,
                    source_text: Some(u.transcript.clone()),
                    created_by,
                    rrule: u.recurrence.clone(),
                    tz: tz.to_string(),
                })
                .await?;
            Ok(Saved {
                kind: "reminder",
                id: reminder.id,
                conflicts: Vec::new(),
            })
        }
    }
}

/// What a command stored, or the item it would have repeated.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// `None` when nothing was stored: `u` repeats `duplicate_of`.
    pub saved: Option<Saved>,
    /// The open task or calendar event `u` says again ([`duplicates::find`]).
    pub duplicate_of: Option<Duplicate>,
}

/// As [`save_with`], unless `u` repeats an open task of its assignee or an event on its
/// attendees' calendar that day: then nothing is stored, and the outcome names the
/// stored item — unless `options.allow_duplicate`, when it is stored all the same.
///
/// The check and the save are one step ([`Store::exclusive`]): the same command sent
/// twice at once (a double click, a client's retry, the service and the command line
/// on one database) is stored once, and the second answer names the first.
pub async fn save_unless_duplicate(
    store: &Store,
    u: &Understood,
    options: &SaveOptions<'_>,
) -> Result<Outcome> {
    // Without the section, two identical commands could both look before either stored.
    // The encoder may run inside it (tens of milliseconds; about a second on its first
    // load), which only other commands' saves wait for.
    let _section = store.exclusive("commands").await?;
    let duplicate_of = duplicates::find(store, u, options.tz).await?;
    let saved = if duplicate_of.is_some() && !options.allow_duplicate {
        None
    } else {
        Some(save_with(store, u, options).await?)
    };
    Ok(Outcome {
        saved,
        duplicate_of,
    })
}

/// The conflicts an understood event would have, without storing anything (empty for
/// tasks, reminders and `unknown`).
pub async fn preview_conflicts(store: &Store, u: &Understood, tz: &str) -> Result<Vec<Conflict>> {
    if u.intent != Intent::CreateEvent {
        return Ok(Vec::new());
    }
    let event = new_event(u, tz, Origin::Command, None, None)?;
    let attendee_ids: Vec<String> = event.attendees.iter().map(|a| a.id.clone()).collect();
    conflicts::find_in(
        store,
        &Proposed {
            start: &event.start,
            end: &event.end,
            rrule: event.rrule.as_deref(),
            tz: &event.tz,
            attendee_ids: &attendee_ids,
            exclude_event: None,
        },
    )
    .await
}

/// The event `u` describes. An all-day event's dates (first and last day, both
/// included) become midnight to midnight after the last day in `tz`.
pub fn new_event(
    u: &Understood,
    tz: &str,
    origin: Origin,
    created_by: Option<String>,
    directory: Option<&Directory>,
) -> Result<NewEvent> {
    let zone = parse_zone(tz)?;
    let (Some(start), Some(end)) = (u.start.as_deref(), u.end.as_deref()) else {
        return Err(StoreError::Invalid("the event has no start or end".into()));
    };
    let (start, end) = if u.all_day {
        let day = |field: &str, value: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                StoreError::Invalid(format!(
                    "all-day {field} {value:?} is not a date (YYYY-MM-DD)"
                ))
            })
        };
        let first = day("start", start)?;
        let last = day("end", end)?;
        (
            midnight(first, zone).to_rfc3339(),
            midnight(last + Duration::days(1), zone).to_rfc3339(),
        )
    } else {
        (start.to_string(), end.to_string())
    };
    let attendees = u
        .attendees
        .iter()
        .map(|p| EventAttendee {
            id: p.id.clone(),
            name: p.name.clone(),
            email: directory
                .and_then(|d| d.person(&p.id))
                .and_then(|person| person.email.clone()),
        })
        .collect();
    Ok(NewEvent {
        title: u.title.clone(),
        start,
        end,
        all_day: u.all_day,
        location: u.location.clone(),
        rrule: u.recurrence.clone(),
        tz: tz.to_string(),
        attendees,
        departments: u.departments.clone(),
        origin,
        source_text: Some(u.transcript.clone()),
        created_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::PersonRef;
    use crate::store::tasks::TaskQuery;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        (dir, store)
    }

    fn hong_kong() -> SaveOptions<'static> {
        SaveOptions::new("Asia/Hong_Kong", Origin::Command)
    }

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people": [
                {"id": "p001", "name": "Chan Tai Man", "department": "finance",
                 "email": "peter.chan@example.com"},
                {"id": "p002", "name": "Amy Wong", "department": "finance"},
                {"id": "p003", "name": "Lee Siu Ming", "department": "it"}],
               "departments": [{"id": "finance", "names": ["Finance", "財務部"]},
                               {"id": "it", "names": ["IT"]}]}"#,
        )
        .unwrap()
    }

    fn understood(intent: Intent) -> Understood {
        serde_json::from_value(serde_json::json!({
            "intent": intent, "title": "審核預算",
            "start": "2026-11-25T14:00:00+08:00", "end": "2026-11-25T15:00:00+08:00",
            "all_day": false, "due": null, "assignee": null,
            "attendees": [{"id": "p001", "name": "Chan Tai Man"},
                          {"id": "p002", "name": "Amy Wong"}],
            "departments": ["finance"], "location": null, "recurrence": null,
            "transcript": "安排週三下午與財務部審核預算", "conflicts": [],
            "reason": null, "ambiguous": []}))
        .unwrap()
    }

    #[tokio::test]
    async fn an_event_is_stored_with_its_department_members_and_emails() {
        let (_dir, store) = store().await;
        let d = directory();
        let u = understood(Intent::CreateEvent);
        let saved = save_with(
            &store,
            &u,
            &SaveOptions {
                directory: Some(&d),
                ..hong_kong()
            },
        )
        .await
        .unwrap();
        assert_eq!(saved.kind, "event");
        assert!(saved.conflicts.is_empty());
        let e = store.event(&saved.id).await.unwrap().unwrap();
        assert_eq!(e.departments, ["finance"]);
        let who: Vec<(&str, Option<&str>)> = e
            .attendees
            .iter()
            .map(|a| (a.id.as_str(), a.email.as_deref()))
            .collect();
        assert_eq!(
            who,
            [("p001", Some("peter.chan@example.com")), ("p002", None)]
        );
        assert_eq!(e.source_text.as_deref(), Some(u.transcript.as_str()));
        // The same again clashes with the first, for both people.
        let again = save_with(
            &store,
            &u,
            &SaveOptions {
                directory: Some(&d),
                ..hong_kong()
            },
        )
        .await
        .unwrap();
        assert_eq!(again.conflicts.len(), 1);
        assert_eq!(again.conflicts[0].event_id, saved.id);
        assert_eq!(again.conflicts[0].attendees, ["p001", "p002"]);
        let preview = preview_conflicts(&store, &u, "Asia/Hong_Kong")
            .await
            .unwrap();
        assert_eq!(preview.len(), 2);
    }

    #[tokio::test]
    async fn an_all_day_event_runs_to_midnight_after_its_last_day() {
        let (_dir, store) = store().await;
        let mut u = understood(Intent::CreateEvent);
        u.all_day = true;
        u.start = Some("2026-12-18".into());
        u.end = Some("2026-12-19".into());
        u.recurrence = Some("FREQ=YEARLY".into());
        let saved = save(&store, &u, &hong_kong()).await.unwrap();
        let e = store.event(&saved.id).await.unwrap().unwrap();
        assert!(e.all_day);
        assert_eq!(e.start, "2026-12-18T00:00:00+08:00");
        assert_eq!(e.end, "2026-12-20T00:00:00+08:00");
        assert_eq!(e.rrule.as_deref(), Some("FREQ=YEARLY"));
    }

    #[tokio::test]
    async fn a_task_lands_on_the_assignees_list() {
        let (_dir, store) = store().await;
        let mut u = understood(Intent::CreateTask);
        u.title = "Send the Q4 budget".into();
        u.due = Some("2026-11-30".into());
        u.assignee = Some(PersonRef {
            id: "p002".into(),
            name: "Amy Wong".into(),
        });
        let saved = save(
            &store,
            &u,
            &SaveOptions {
                created_by: Some("tok_1"),
                ..hong_kong()
            },
        )
        .await
        .unwrap();
        assert_eq!(saved.kind, "task");
        let amy = store
            .tasks(&TaskQuery {
                assignee: Some("p002"),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(amy.len(), 1);
        assert_eq!(amy[0].id, saved.id);
        assert_eq!(amy[0].due.as_deref(), Some("2026-11-30"));
        assert_eq!(amy[0].origin, Origin::Command);
        assert_eq!(amy[0].created_by.as_deref(), Some("tok_1"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_same_task_sent_at_once_is_stored_once() {
        let (_dir, store) = store().await;
        let mut u = understood(Intent::CreateTask);
        u.title = "Send the Q4 budget to finance".into();
        u.assignee = Some(PersonRef {
            id: "p002".into(),
            name: "Amy Wong".into(),
        });
        let sends: Vec<_> = (0..6)
            .map(|_| {
                let (store, u) = (store.clone(), u.clone());
                tokio::spawn(async move {
                    save_unless_duplicate(&store, &u, &hong_kong())
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for send in sends {
            outcomes.push(send.await.unwrap());
        }
        let stored: Vec<&Saved> = outcomes.iter().filter_map(|o| o.saved.as_ref()).collect();
        assert_eq!(stored.len(), 1, "{outcomes:?}");
        for o in outcomes.iter().filter(|o| o.saved.is_none()) {
            assert_eq!(o.duplicate_of.as_ref().unwrap().id, stored[0].id);
        }
        let amy = store
            .tasks(&TaskQuery {
                assignee: Some("p002"),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(amy.len(), 1);
    }

    #[tokio::test]
    async fn a_reminder_is_pending_at_its_time() {
        let (_dir, store) = store().await;
        let mut u = understood(Intent::SetReminder);
        u.start = Some("2026-11-27T09:00:00+08:00".into());
        u.end = None;
        let saved = save(&store, &u, &hong_kong()).await.unwrap();
        assert_eq!(saved.kind, "reminder");
        let due = store.due_reminders("2026-11-27T01:00:00Z").await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].id, saved.id);
    }

    #[tokio::test]
    async fn unknown_stores_nothing_and_says_why() {
        let (_dir, store) = store().await;
        let mut u = understood(Intent::Unknown);
        u.reason = Some("not an instruction".into());
        let err = save(&store, &u, &hong_kong()).await.unwrap_err();
        assert!(err.to_string().contains("not an instruction"), "{err}");
        let all = store
            .occurrences("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", None)
            .await
            .unwrap();
        assert!(all.is_empty());
        assert!(store.tasks(&TaskQuery::default()).await.unwrap().is_empty());
        assert!(store.reminders(None, None).await.unwrap().is_empty());
    }
}
