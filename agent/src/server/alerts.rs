//! Alerts: the in-process bus that fans new alerts out to event streams and webhooks,
//! and the routes that list them. A reviewer sees the alerts routed to its role; admin
//! sees all. Reminders that come due travel on the same bus (see `reminders`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use tokio::sync::broadcast;

use super::auth::Principal;
use super::errors::ApiError;
use super::reminders::ReminderAlert;
use super::AppState;
use crate::store::alerts::{Alert, AlertQuery};

/// What the bus carries: a claim's alert, or a reminder that came due.
#[derive(Debug, Clone)]
pub enum BusEvent {
    Alert(Arc<Alert>),
    Reminder(Arc<ReminderAlert>),
}

/// Fans out alerts as they are stored. Slow subscribers miss events (they can catch up
/// from the database with `Last-Event-ID`); publishing never blocks.
#[derive(Clone)]
pub struct AlertBus {
    tx: broadcast::Sender<BusEvent>,
}

impl Default for AlertBus {
    fn default() -> Self {
        AlertBus {
            tx: broadcast::channel(1024).0,
        }
    }
}

impl AlertBus {
    pub fn publish(&self, alert: Arc<Alert>) {
        // No subscriber is not an error.
        let _ = self.tx.send(BusEvent::Alert(alert));
    }

    pub fn publish_reminder(&self, reminder: Arc<ReminderAlert>) {
        let _ = self.tx.send(BusEvent::Reminder(reminder));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<BusEvent> {
        self.tx.subscribe()
    }
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    /// At most this many (default 50, at most 1000).
    pub limit: Option<i64>,
    /// Older than this alert id (the `next_before` of the previous page).
    pub before: Option<String>,
    /// Admin only: alerts for this route.
    pub route: Option<String>,
}

/// `GET /v1/alerts`: newest first.
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<ListParams>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let route = match principal.alert_route()? {
        Some(own) => {
            if params.route.as_deref().is_some_and(|r| r != own) {
                return Err(ApiError::forbidden(format!(
                    "role {own} sees only the alerts routed to {own}"
                )));
            }
            Some(own.to_string())
        }
        None => params.route,
    };
    let limit = params.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_field",
            "limit: must be between 1 and 1000",
        ));
    }
    let alerts = state
        .store
        .alerts(&AlertQuery {
            route: route.as_deref(),
            before: params.before.as_deref(),
            after: None,
            limit,
        })
        .await?;
    let next_before = (alerts.len() as i64 == limit)
        .then(|| alerts.last().map(|a| a.id.clone()))
        .flatten();
    Ok(Json(
        serde_json::json!({"alerts": alerts, "next_before": next_before}),
    ))
}
