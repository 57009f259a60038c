//! `GET /v1/alerts/stream`: alerts as server-sent events (`event: alert`, `id:` the
//! alert id, `data:` the alert JSON). A client that reconnects with `Last-Event-ID`
//! first gets the alerts it missed, from the database.
//!
//! Reminders that come due are `event: reminder` (no `id:`, so they leave the replay
//! position alone; fired reminders stay listed by `GET /v1/reminders?status=fired`),
//! sent to admin, managers and the token that set the reminder.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::alerts::BusEvent;
use super::auth::Principal;
use super::errors::ApiError;
use super::reminders;
use super::AppState;
use crate::store::alerts::{Alert, AlertQuery};

/// Most missed alerts replayed on reconnection.
const REPLAY_LIMIT: i64 = 1000;

pub async fn alerts(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let route = principal.alert_route()?;
    let caller = principal.clone();
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = state.alert_bus.subscribe();
    let replay = match headers.get("last-event-id").and_then(|v| v.to_str().ok()) {
        Some(last) => {
            state
                .store
                .alerts(&AlertQuery {
                    route,
                    before: None,
                    after: Some(last),
                    limit: REPLAY_LIMIT,
                })
                .await?
        }
        None => Vec::new(),
    };
    let seen = replay.last().map(|a| a.id.clone());
    let replay = replay
        .into_iter()
        .map(Arc::new)
        .collect::<Vec<_>>()
        .into_iter();
    let events = stream::unfold((replay, live, seen), move |(mut replay, mut live, seen)| {
        let caller = caller.clone();
        async move {
            if let Some(alert) = replay.next() {
                return Some((event(&alert), (replay, live, seen)));
            }
            loop {
                match live.recv().await {
                    Ok(BusEvent::Alert(alert)) => {
                        let visible = route.is_none_or(|r| r == alert.route);
                        let new = seen.as_deref().is_none_or(|s| alert.id.as_str() > s);
                        if visible && new {
                            return Some((event(&alert), (replay, live, seen)));
                        }
                    }
                    Ok(BusEvent::Reminder(reminder)) => {
                        if reminder.visible_to(&caller) {
                            return Some((reminders::event(&reminder), (replay, live, seen)));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!("alert stream subscriber lagged; {missed} alerts skipped");
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn event(alert: &Alert) -> Result<Event, Infallible> {
    let data = serde_json::to_string(alert).unwrap_or_else(|_| "{}".into());
    Ok(Event::default()
        .event("alert")
        .id(alert.id.clone())
        .data(data))
}
