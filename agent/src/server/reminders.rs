//! Reminders: `GET /v1/reminders`, and the loop that fires them. Every `poll_ms` the
//! loop takes the pending reminders that are due, marks each fired — a conditional
//! update, so when several nodes share a database exactly one fires it — and publishes
//! it on the alert stream (`event: reminder`) and to webhooks (`reminder.fired`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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
    /// Admin sees every reminder on the stream; other callers the ones they set.
    pub fn visible_to(&self, caller: &Principal) -> bool {
        caller.role == Role::Admin || self.created_by.as_deref() == Some(&caller.token_id)
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
    if !matches!(principal.role, Role::Admin | Role::Manager) {
        reminders.retain(|r| r.created_by.as_deref() == Some(principal.token_id.as_str()));
    }
    Ok(Json(json!({ "reminders": reminders })))
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
