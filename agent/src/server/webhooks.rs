//! Webhook delivery of alerts (`X-Mishu-Event: alert`) and of reminders that came due
//! (`X-Mishu-Event: reminder.fired`, to hooks with no `routes` or with `"reminders"`
//! among them): a JSON POST to each configured URL whose routes match,
//! signed with `X-Mishu-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, retried
//! with exponential backoff (bounded attempts) on network errors, timeouts, 5xx, 408 and
//! 429. Deliveries run on their own tasks and never hold up a request.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use super::config::WebhookConfig;
use super::reminders::ReminderAlert;
use crate::store::alerts::Alert;

/// The signature header's value for a body: `sha256=<hex>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered { attempts: u32 },
    GaveUp { attempts: u32, last_error: String },
}

#[derive(Clone)]
pub struct Webhooks {
    hooks: Arc<Vec<WebhookConfig>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Webhooks {
    pub fn new(hooks: Vec<WebhookConfig>) -> Webhooks {
        Webhooks {
            hooks: Arc::new(hooks),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Starts delivering `alert` to every hook whose routes match.
    pub fn dispatch(&self, alert: &Alert) {
        let body = Bytes::from(serde_json::to_vec(alert).unwrap_or_default());
        self.send(EVENT_ALERT, &alert.route, &alert.id, body);
    }

    /// Starts delivering a reminder that came due to every hook that takes reminders.
    pub fn dispatch_reminder(&self, reminder: &ReminderAlert) {
        let body = Bytes::from(serde_json::to_vec(reminder).unwrap_or_default());
        self.send(EVENT_REMINDER, REMINDERS_ROUTE, &reminder.id, body);
    }

    fn send(&self, event: &'static str, route: &str, id: &str, body: Bytes) {
        let matching = self
            .hooks
            .iter()
            .filter(|h| h.routes.is_empty() || h.routes.iter().any(|r| r == route));
        for hook in matching {
            let (client, hook, body, id) = (
                self.client.clone(),
                hook.clone(),
                body.clone(),
                id.to_string(),
            );
            tokio::spawn(async move {
                match deliver(&client, &hook, event, &id, body).await {
                    Outcome::Delivered { attempts } => {
                        tracing::info!(event, id = %id, url = %hook.url, attempts, "webhook delivered")
                    }
                    Outcome::GaveUp {
                        attempts,
                        last_error,
                    } => tracing::warn!(
                        event, id = %id, url = %hook.url, attempts,
                        "webhook not delivered: {last_error}"
                    ),
                }
            });
        }
    }
}

/// `X-Mishu-Event` of a claim's alert.
pub const EVENT_ALERT: &str = "alert";
/// `X-Mishu-Event` of a reminder that came due.
pub const EVENT_REMINDER: &str = "reminder.fired";
/// The `routes` entry that subscribes a hook to reminders.
pub const REMINDERS_ROUTE: &str = "reminders";

/// Delivers one body to one hook, retrying as the hook says.
pub async fn deliver(
    client: &Client<HttpConnector, Full<Bytes>>,
    hook: &WebhookConfig,
    event: &str,
    delivery_id: &str,
    body: Bytes,
) -> Outcome {
    let signature = signature(&hook.secret, &body);
    let mut last_error = String::new();
    for attempt in 1..=hook.max_attempts {
        let request = Request::post(&hook.url)
            .header("content-type", "application/json")
            .header("user-agent", concat!("mishu/", env!("CARGO_PKG_VERSION")))
            .header("x-mishu-event", event)
            .header("x-mishu-delivery", delivery_id)
            .header("x-mishu-attempt", attempt.to_string())
            .header("x-mishu-signature", &signature)
            .body(Full::new(body.clone()));
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                return Outcome::GaveUp {
                    attempts: attempt,
                    last_error: format!("bad webhook URL: {e}"),
                }
            }
        };
        let timeout = Duration::from_millis(hook.timeout_ms);
        let retry = match tokio::time::timeout(timeout, client.request(request)).await {
            Ok(Ok(response)) => {
                let status = response.status();
                // Drain the body so the connection can be reused.
                let _ = tokio::time::timeout(timeout, response.into_body().collect()).await;
                if status.is_success() {
                    return Outcome::Delivered { attempts: attempt };
                }
                last_error = format!("HTTP {status}");
                status.is_server_error()
                    || status == StatusCode::REQUEST_TIMEOUT
                    || status == StatusCode::TOO_MANY_REQUESTS
            }
            Ok(Err(e)) => {
                last_error = format!("connection: {e}");
                true
            }
            Err(_) => {
                last_error = format!("no answer within {timeout:?}");
                true
            }
        };
        if !retry {
            return Outcome::GaveUp {
                attempts: attempt,
                last_error,
            };
        }
        if attempt < hook.max_attempts {
            tokio::time::sleep(hook.backoff(attempt)).await;
        }
    }
    Outcome::GaveUp {
        attempts: hook.max_attempts,
        last_error,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
