//! Reminders: `GET /v1/reminders`, and the loop that fires them. Every `poll_ms` the
//! loop takes the pending reminders that are due, marks each fired — a conditional
//! update, so when several nodes share a database exactly one fires it — and publishes
//! it on the alert stream (`event: reminder`) and to webhooks (`reminder.fired`).

use serde::Serialize;

use super::auth::{Principal, Role};

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
