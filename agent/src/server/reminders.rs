//! Reminders: `GET /v1/reminders`, and the loop that fires them. Every `poll_ms` the
//! loop takes the pending reminders that are due, marks each fired — a conditional
//! update, so when several nodes share a database exactly one fires it — and publishes
//! it on the alert stream and `GET /v1/reminders/stream` (`event: reminder`) and to
//! webhooks (`reminder.fired`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::alerts::BusEvent;
use super::auth::{Principal, Role};
use super::errors::ApiError;
use super::AppState;
use crate::directory::Directory;
use crate::store::reminders::Reminder;

/// A reminder that came due, as the event stream and webhooks show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReminderAlert {
    /// The reminder's id (also the webhook's `X-Mishu-Delivery`).
    pub id: String,
    pub title: String,
    /// When it was due (RFC 3339).
    pub at: String,
    /// Who is reminded: a directory person id, or `null` for whoever set it.
    pub person: Option<String>,
    pub person_name: Option<String>,
    pub fired_at: String,
    /// The token that set it.
    pub created_by: Option<String>,
}

impl ReminderAlert {
    /// Admin and managers see every reminder; other callers the ones they set.
    pub fn visible_to(&self, caller: &Principal) -> bool {
        sees_all(caller) || self.created_by.as_deref() == Some(&caller.token_id)
    }
}

impl ReminderAlert {
    fn fired(reminder: Reminder, fired_at: String, directory: &Directory) -> ReminderAlert {
        let person_name = reminder
            .person
            .as_deref()
            .and_then(|id| directory.person(id))
            .map(|p| p.name.clone());
        ReminderAlert {
            id: reminder.id,
            title: reminder.title,
            at: reminder.at,
            person: reminder.person,
            person_name,
            fired_at,
            created_by: reminder.created_by,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// `pending` or `fired`.
    pub status: Option<String>,
    /// A directory person id.
    pub person: Option<String>,
}

/// `GET /v1/reminders?status=&person=`: admin and managers see every reminder, other
/// roles the ones they set.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    if let Some(status) = params.status.as_deref() {
        if !matches!(status, "pending" | "fired") {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("status: {status:?} is not `pending` or `fired`"),
            ));
        }
    }
    let mut reminders = state
        .store
        .reminders(params.status.as_deref(), params.person.as_deref())
        .await?;
    if !sees_all(&principal) {
        reminders.retain(|r| r.created_by.as_deref() == Some(principal.token_id.as_str()));
    }
    Ok(Json(json!({ "reminders": reminders })))
}

fn sees_all(caller: &Principal) -> bool {
    matches!(caller.role, Role::Admin | Role::Manager)
}

/// `GET /v1/reminders/stream` (any role): reminders as they come due, as server-sent
/// events (`event: reminder`, `data:` the reminder JSON) — those the caller may list.
pub async fn stream(
    State(state): State<AppState>,
    principal: Principal,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let live = state.alert_bus.subscribe();
    let events = stream::unfold((live, principal), |(mut live, caller)| async move {
        loop {
            match live.recv().await {
                Ok(BusEvent::Reminder(reminder)) if reminder.visible_to(&caller) => {
                    return Some((event(&reminder), (live, caller)));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!("reminder stream subscriber lagged; {missed} events skipped");
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// One reminder as a server-sent event (no `id:`: fired reminders are listed by
/// `GET /v1/reminders?status=fired`, not replayed).
pub fn event(reminder: &ReminderAlert) -> Result<Event, Infallible> {
    let data = serde_json::to_string(reminder).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event("reminder").data(data))
}

/// Fires due reminders until the process ends.
pub async fn run(state: AppState) {
    let every = Duration::from_millis(state.config.reminders.poll_ms);
    loop {
        if let Err(e) = fire_due(&state).await {
            tracing::error!("reminders: {e}");
        }
        tokio::time::sleep(every).await;
    }
}

/// One pass: every pending reminder due by now, fired once across all nodes.
pub async fn fire_due(state: &AppState) -> crate::store::Result<usize> {
    let now = crate::store::now();
    let due = state.store.due_reminders(&now).await?;
    let mut fired = 0;
    for reminder in due {
        if !state.store.mark_reminder_fired(&reminder.id).await? {
            continue; // another node fired it
        }
        let alert = ReminderAlert::fired(reminder, crate::store::now(), &state.directory.get());
        tracing::info!(reminder = %alert.id, "reminder fired: {}", alert.title);
        state.webhooks.dispatch_reminder(&alert);
        state.alert_bus.publish_reminder(Arc::new(alert));
        fired += 1;
    }
    Ok(fired)
}
