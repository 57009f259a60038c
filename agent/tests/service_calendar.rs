//! The calendar, to-do and commands half of the HTTP service, driven in-process through
//! its real router with a real database: SQLite in a temporary directory, or — when
//! `MISHU_TEST_POSTGRES_URL` names a PostgreSQL server — a fresh PostgreSQL database per
//! test (as agent/tests/service.rs). Commands are understood by the deterministic rules
//! (`[commands] model = "rules"`) except in the one test that runs the real LLM.

mod common;

use common::postgres_database;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent::server::config::{Config, WebhookConfig};
use agent::server::{Service, ADMIN_TOKEN_FILE};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::{DateTime, FixedOffset};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const DIRECTORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/commands/directory.json"
);

/// A Monday morning in Hong Kong, ahead of any clock these tests run on.
const NOW: &str = "2027-03-01T10:00:00+08:00";

struct Harness {
    service: Service,
    admin: String,
    _dir: tempfile::TempDir,
}

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir);
    config.database_url = postgres_database(dir);
    config.commands.model = "rules".into();
    config.reminders.poll_ms = 100;
    config
}

async fn start_with(dir: tempfile::TempDir, config: Config) -> Harness {
    let data = config.data_dir.clone();
    let service = Service::start(config).await.expect("service starts");
    let admin = std::fs::read_to_string(data.join(ADMIN_TOKEN_FILE))
        .expect("admin token file")
        .trim()
        .to_string();
    Harness {
        service,
        admin,
        _dir: dir,
    }
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    start_with(dir, config).await
}

/// A started service with the fixture directory uploaded.
async fn start_with_directory() -> Harness {
    let h = start().await;
    let directory: Value = serde_json::from_str(&std::fs::read_to_string(DIRECTORY).unwrap())
        .expect("fixture directory");
    let (status, body) = h
        .call("POST", "/v1/directory", Some(&h.admin), Some(directory))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    h
}

impl Harness {
    fn router(&self) -> Router {
        self.service.router()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = self
            .raw(
                method,
                path,
                token,
                body.map(|b| b.to_string().into_bytes()),
                "application/json",
            )
            .await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {path}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        (status, value)
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
        content_type: &str,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header("content-type", content_type);
        }
        let request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        let response = self.router().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, bytes)
    }

    async fn token(&self, role: &str) -> String {
        self.service
            .state()
            .store
            .create_token(role, role)
            .await
            .unwrap()
            .secret
    }

    /// `POST /v1/commands` with the fixed reference time.
    async fn command(&self, token: &str, text: &str) -> (StatusCode, Value) {
        self.call(
            "POST",
            "/v1/commands",
            Some(token),
            Some(json!({"text": text, "now": NOW, "tz": "Asia/Hong_Kong"})),
        )
        .await
    }

    async fn occurrences(&self, token: &str, query: &str) -> Vec<Value> {
        let (status, body) = self
            .call("GET", &format!("/v1/events?{query}"), Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["occurrences"].as_array().unwrap().clone()
    }
}

fn assert_error(body: &Value, code: &str, mentions: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(mentions),
        "the message should name {mentions:?}: {message}"
    );
}

fn time(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap()
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// Every route of ROUTES answers (never the "no route" 404), the suffixed `.ics` ones
/// included, so ROUTES and the OpenAPI document describe what is served.
#[tokio::test]
async fn every_listed_route_is_served() {
    let h = start().await;
    for (method, path) in agent::server::router::ROUTES {
        if path.ends_with("/stream") {
            continue; // an event stream never ends; agent/tests/service.rs reads it
        }
        let concrete = path.replace("{id}", "x_1").replace("{person}", "p001");
        let (status, _, body) = h
            .raw(
                &method.to_uppercase(),
                &concrete,
                Some(&h.admin),
                None,
                "application/json",
            )
            .await;
        let text = String::from_utf8_lossy(&body);
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !text.contains("no route for"),
            "{method} {path} is listed but not served: {text}"
        );
    }
}

#[tokio::test]
async fn tokens_roles_and_bad_bodies_get_4xx_json_errors() {
    let h = start_with_directory().await;
    let member = h.token("member").await;
    for (method, path) in [
        ("POST", "/v1/commands"),
        (
            "GET",
            "/v1/events?from=2027-03-01T00:00:00Z&to=2027-03-02T00:00:00Z",
        ),
        ("GET", "/v1/tasks"),
        ("GET", "/v1/reminders"),
        ("GET", "/v1/directory"),
        ("POST", "/v1/calendars/p001/feed-token"),
    ] {
        let (status, body) = h.call(method, path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}: {body}");
        assert_error(&body, "unauthorized", "Authorization");
        let (status, _) = h.call(method, path, Some("mishu_wrong"), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    // Only admin replaces the directory; every role reads it.
    let (status, body) = h
        .call(
            "POST",
            "/v1/directory",
            Some(&member),
            Some(json!({"people": []})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden", "member");
    let (status, body) = h.call("GET", "/v1/directory", Some(&member), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Bad bodies and parameters name the field.
    let cases = [
        (json!({"txt": "Meet Peter tomorrow"}), "txt"),
        (json!({"text": 42}), "text"),
        (json!({"text": "Meet Peter", "now": "tomorrow"}), "now"),
        (json!({"text": "Meet Peter", "tz": "Mars/Olympus"}), "tz"),
        (json!({"text": "   "}), "text"),
        (json!({"text": "x".repeat(10_000)}), "text"),
        (json!({"text": "Meet Peter", "save": "yes"}), "save"),
    ];
    for (body, field) in cases {
        let (status, out) = h
            .call("POST", "/v1/commands", Some(&member), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {out}");
        assert!(
            out["error"]["message"].as_str().unwrap().contains(field),
            "{body}: {out}"
        );
    }
    let (status, _, out) = h
        .raw(
            "POST",
            "/v1/commands",
            Some(&member),
            Some(b"{".to_vec()),
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(
        &serde_json::from_slice(&out).unwrap(),
        "invalid_json",
        "EOF",
    );
    let (status, out) = h
        .call(
            "GET",
            "/v1/events?to=2027-03-02T00:00:00Z",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&out, "invalid_field", "from");
    let (status, out) = h
        .call("GET", "/v1/tasks?status=finished", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&out, "invalid_field", "status");
    let (status, out) = h
        .call("GET", "/v1/reminders?status=later", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&out, "invalid_field", "status");

    // A form part that is not audio is refused, naming the problem.
    let boundary = "XyZ";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"notes.txt\"\r\n\
         Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/commands",
            Some(&member),
            Some(form.into_bytes()),
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_audio", "text/plain");
    // Bytes that claim to be audio and are not: the decoder's reason, no server path.
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"memo.wav\"\r\n\
         Content-Type: audio/wav\r\n\r\nthis is not a wave file\r\n--{boundary}--\r\n"
    );
    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/commands",
            Some(&member),
            Some(form.into_bytes()),
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_error(&body, "invalid_audio", "audio");
    assert!(!body.to_string().contains("/tmp"), "{body}");
}

#[tokio::test]
async fn uploads_and_json_commands_are_held_to_their_limits() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.max_body_bytes = 4096;
    cfg.commands.max_audio_bytes = 16 * 1024;
    let h = start_with(dir, cfg).await;
    let boundary = "b";
    let mut form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; \
         filename=\"long.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
    )
    .into_bytes();
    form.extend(std::iter::repeat_n(0u8, 40 * 1024));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(form),
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(
        &serde_json::from_slice(&body).unwrap(),
        "payload_too_large",
        "max_audio_bytes",
    );
    // JSON keeps the ordinary limit on the same route.
    let (status, out) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(json!({"text": "x".repeat(8 * 1024)})),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{out}");
    assert_error(&out, "payload_too_large", "max_body_bytes");
}

#[tokio::test]
async fn directory_uploads_are_checked_versioned_and_used() {
    let h = start().await;
    let (status, body) = h.call("GET", "/v1/directory", Some(&h.admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    let duplicate = json!({"people": [
        {"id": "p001", "name": "Chan Tai Man"}, {"id": "p001", "name": "Amy Wong"}]});
    let (status, body) = h
        .call("POST", "/v1/directory", Some(&h.admin), Some(duplicate))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_directory", "\"p001\"");
    let unknown_department = json!({"people": [
        {"id": "p001", "name": "Chan Tai Man", "department": "treasury"}],
        "departments": [{"id": "finance", "names": ["Finance"]}]});
    let (status, body) = h
        .call(
            "POST",
            "/v1/directory",
            Some(&h.admin),
            Some(unknown_department),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_directory", "treasury");
    let (status, _) = h.call("GET", "/v1/directory", Some(&h.admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing was stored");

    // Before any directory, nobody is resolved.
    let (status, out) = h
        .command(&h.admin, "Set up a meeting with Peter tomorrow at 3pm")
        .await;
    assert!(status.is_success(), "{out}");
    assert!(out["attendees"].as_array().unwrap().is_empty(), "{out}");

    let directory: Value =
        serde_json::from_str(&std::fs::read_to_string(DIRECTORY).unwrap()).unwrap();
    let (status, body) = h
        .call(
            "POST",
            "/v1/directory",
            Some(&h.admin),
            Some(directory.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(
        body["people"],
        directory["people"].as_array().unwrap().len()
    );
    let (status, got) = h.call("GET", "/v1/directory", Some(&h.admin), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["version"], 1);
    assert_eq!(got["people"], directory["people"]);

    // The upload is in force at once.
    let (status, out) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(json!({"text": "Set up a meeting with Peter tomorrow at 3pm", "now": NOW, "save": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["attendees"][0]["id"], "p001", "{out}");
    assert_eq!(out["saved"], false);
    assert!(out["id"].is_null());

    // A second upload is version 2, and a bad one leaves it in force.
    // Peter Chan no longer answers to "Peter".
    let mut renamed = directory.clone();
    for person in renamed["people"].as_array_mut().unwrap() {
        if person["id"] == "p001" {
            person["aliases"] = json!(["陳大文"]);
        }
    }
    let (status, body) = h
        .call("POST", "/v1/directory", Some(&h.admin), Some(renamed))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["version"], 2);
    let (status, _) = h
        .call(
            "POST",
            "/v1/directory",
            Some(&h.admin),
            Some(json!({"people": [{"id": "", "name": "x"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, got) = h.call("GET", "/v1/directory", Some(&h.admin), None).await;
    assert_eq!(got["version"], 2);
    let (_, out) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(json!({"text": "Set up a meeting with Peter tomorrow at 3pm", "now": NOW, "save": false})),
        )
        .await;
    assert!(out["attendees"].as_array().unwrap().is_empty(), "{out}");
}

/// Two nodes on one database: the second follows the directory the first stored, and
/// a reminder due fires once between them.
#[tokio::test]
async fn two_nodes_share_the_directory_and_fire_each_reminder_once() {
    let (url, seen) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut first = config(dir.path());
    first.webhooks.push(WebhookConfig::new(url, "hook-secret"));
    let mut second = first.clone();
    second.node_id = "node-b".into();
    let h = start_with(dir, first).await;
    let b = Service::start(second).await.expect("second node starts");

    let directory: Value =
        serde_json::from_str(&std::fs::read_to_string(DIRECTORY).unwrap()).unwrap();
    let (status, _) = h
        .call("POST", "/v1/directory", Some(&h.admin), Some(directory))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while b.state().directory.get().person("p001").is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the second node did not load the new directory within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let store = &h.service.state().store;
    let mut ids = Vec::new();
    for i in 0..5 {
        let reminder = store
            .create_reminder(&agent::store::reminders::NewReminder {
                title: format!("Reminder {i}"),
                at: chrono::Utc::now().to_rfc3339(),
                person: None,
                origin: agent::store::tasks::Origin::Api,
                source_text: None,
                created_by: None,
                rrule: None,
                tz: "Asia/Hong_Kong".into(),
            })
            .await
            .unwrap();
        ids.push(reminder.id);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < ids.len() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all fired within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut delivered: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(headers, _)| headers["x-mishu-delivery"].to_str().unwrap().to_string())
        .collect();
    delivered.sort();
    ids.sort();
    assert_eq!(delivered, ids, "each reminder fired exactly once");
    b.stop().await;
}

#[tokio::test]
async fn a_command_becomes_an_event_that_lists_exports_changes_and_goes() {
    let h = start_with_directory().await;
    let member = h.token("member").await;
    let (status, out) = h
        .command(
            &member,
            "Set up a meeting with Peter tomorrow at 3pm to review the budget",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["intent"], "create_event");
    assert_eq!(out["kind"], "event");
    assert_eq!(out["saved"], true);
    assert_eq!(out["understood_by"], "rules");
    assert_eq!(out["conflicts"], json!([]));
    assert_eq!(time(&out["start"]), at("2027-03-02T15:00:00+08:00"));
    let id = out["id"].as_str().unwrap().to_string();

    // Stored as understood, readable by another role.
    let reader = h.token("audit").await;
    let (status, event) = h
        .call("GET", &format!("/v1/events/{id}"), Some(&reader), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
    assert_eq!(event["id"], id.as_str());
    assert_eq!(time(&event["start"]), at("2027-03-02T15:00:00+08:00"));
    assert_eq!(time(&event["end"]), at("2027-03-02T16:00:00+08:00"));
    assert_eq!(event["attendees"][0]["id"], "p001");
    assert_eq!(event["attendees"][0]["email"], "peter.chan@harbourlight.hk");

    // Listed in a range that holds it, for its attendee; not outside it or for others.
    let day = "from=2027-03-02T00:00:00%2B08:00&to=2027-03-03T00:00:00%2B08:00";
    let listed = h.occurrences(&member, day).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["event"]["id"], id.as_str());
    assert_eq!(
        h.occurrences(&member, &format!("{day}&attendee=p001"))
            .await
            .len(),
        1
    );
    assert_eq!(
        h.occurrences(&member, &format!("{day}&attendee=p002"))
            .await
            .len(),
        0
    );
    let next_day = "from=2027-03-03T00:00:00%2B08:00&to=2027-03-04T00:00:00%2B08:00";
    assert!(h.occurrences(&member, next_day).await.is_empty());

    // The .ics is a valid iCalendar with the event's UID, time and attendee.
    let (status, headers, body) = h
        .raw(
            "GET",
            &format!("/v1/events/{id}.ics"),
            Some(&reader),
            None,
            "",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = String::from_utf8(body).unwrap();
    check_ics(&ics, &[&id], "peter.chan@harbourlight.hk");

    // Another member may not change it; its creator may. Bad patches name the field.
    let other = h.token("member").await;
    let (status, _) = h
        .call(
            "PATCH",
            &format!("/v1/events/{id}"),
            Some(&other),
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (patch, field) in [
        (json!({"end": "2027-03-02T14:00:00+08:00"}), "end"),
        (json!({"start": "3pm"}), "start"),
        (json!({"attendees": ["p001", "p999"]}), "p999"),
        (json!({"colour": "red"}), "colour"),
    ] {
        let (status, out) = h
            .call(
                "PATCH",
                &format!("/v1/events/{id}"),
                Some(&member),
                Some(patch.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {out}");
        assert!(
            out["error"]["message"].as_str().unwrap().contains(field),
            "{out}"
        );
    }
    let (status, patched) = h
        .call(
            "PATCH",
            &format!("/v1/events/{id}"),
            Some(&member),
            Some(
                json!({"title": "Budget review", "start": "2027-03-03T10:00:00+08:00",
                        "end": "2027-03-03T11:30:00+08:00", "attendees": ["p001", "p002"],
                        "location": "Room 3"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["title"], "Budget review");
    assert_eq!(patched["location"], "Room 3");
    assert_eq!(patched["attendees"].as_array().unwrap().len(), 2);
    assert!(h.occurrences(&member, day).await.is_empty());
    let moved = h
        .occurrences(&member, &format!("{next_day}&attendee=p002"))
        .await;
    assert_eq!(moved.len(), 1);
    assert_eq!(time(&moved[0]["end"]), at("2027-03-03T11:30:00+08:00"));
    // A new start alone keeps the length.
    let (status, later) = h
        .call(
            "PATCH",
            &format!("/v1/events/{id}"),
            Some(&member),
            Some(json!({"start": "2027-03-03T14:00:00+08:00"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{later}");
    assert_eq!(time(&later["end"]), at("2027-03-03T15:30:00+08:00"));

    // Deleted: gone from listings, 404 after.
    let (status, _) = h
        .call("DELETE", &format!("/v1/events/{id}"), Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = h
        .call("DELETE", &format!("/v1/events/{id}"), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(h.occurrences(&member, next_day).await.is_empty());
    let (status, body) = h
        .call("GET", &format!("/v1/events/{id}"), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", &id);
    let (status, _) = h
        .call("DELETE", &format!("/v1/events/{id}"), Some(&h.admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Parses an iCalendar document and checks what RFC 5545 requires of it.
fn check_ics(ics: &str, uids: &[&str], email: &str) {
    let calendar: icalendar::Calendar = ics.parse().unwrap_or_else(|e| panic!("{e}\n{ics}"));
    let events: Vec<&icalendar::Event> = calendar
        .components
        .iter()
        .filter_map(|c| match c {
            icalendar::CalendarComponent::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), uids.len(), "{ics}");
    use icalendar::Component;
    for event in events {
        let uid = event.get_uid().expect("UID");
        assert!(
            uids.iter().any(|u| uid.contains(u)),
            "UID {uid} in {uids:?}"
        );
        assert!(event.property_value("DTSTART").is_some(), "{ics}");
        let start = event.properties().get("DTSTART").unwrap();
        assert_eq!(
            start.params().get("TZID").map(|p| p.value()),
            Some("Asia/Hong_Kong"),
            "{ics}"
        );
        assert!(event.property_value("DTEND").is_some(), "{ics}");
        assert!(event.property_value("DTSTAMP").is_some(), "{ics}");
    }
    assert!(
        ics.contains("BEGIN:VCALENDAR") && ics.contains("VERSION:2.0"),
        "{ics}"
    );
    assert!(ics.contains("PRODID"), "{ics}");
    assert!(
        ics.contains("BEGIN:VTIMEZONE") && ics.contains("TZID:Asia/Hong_Kong\r\n"),
        "{ics}"
    );
    assert!(
        ics.to_lowercase().contains(&format!("mailto:{email}")),
        "{ics}"
    );
    assert!(ics.contains("\r\n"), "lines end in CRLF");
}

#[tokio::test]
async fn recurring_events_list_each_occurrence_and_clashes_are_reported() {
    let h = start_with_directory().await;
    let token = h.token("manager").await;
    let (status, standup) = h
        .command(&token, "Team standup every Monday at 9:30am with Peter")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{standup}");
    assert_eq!(standup["recurrence"], "FREQ=WEEKLY;BYDAY=MO");
    let id = standup["id"].as_str().unwrap();

    let march = "from=2027-03-01T00:00:00%2B08:00&to=2027-03-29T00:00:00%2B08:00";
    let listed: Vec<Value> = h
        .occurrences(&token, march)
        .await
        .into_iter()
        .filter(|o| o["event"]["id"] == id)
        .collect();
    let starts: Vec<DateTime<FixedOffset>> = listed.iter().map(|o| time(&o["start"])).collect();
    assert_eq!(
        starts,
        vec![
            at("2027-03-08T09:30:00+08:00"),
            at("2027-03-15T09:30:00+08:00"),
            at("2027-03-22T09:30:00+08:00"),
        ],
        "{listed:?}"
    );
    let (_, _, body) = h
        .raw(
            "GET",
            &format!("/v1/events/{id}.ics"),
            Some(&token),
            None,
            "",
        )
        .await;
    let ics = String::from_utf8(body).unwrap();
    assert!(ics.contains("RRULE:FREQ=WEEKLY;BYDAY=MO"), "{ics}");

    // A meeting with Peter on the third Monday at 10:00 clashes with that occurrence.
    let (status, clash) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&token),
            Some(
                json!({"text": "Meeting with Peter and Amy on March 15 at 9am for 2 hours",
                        "now": NOW}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{clash}");
    let conflicts = clash["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{clash}");
    assert_eq!(conflicts[0]["event_id"], id);
    assert_eq!(conflicts[0]["attendees"], json!(["p001"]));
    assert_eq!(
        time(&conflicts[0]["start"]),
        at("2027-03-15T09:30:00+08:00")
    );
    // Somebody else at that time does not clash.
    let (_, free) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&token),
            Some(json!({"text": "Meeting with Kelly on March 15 at 9am", "now": NOW})),
        )
        .await;
    assert_eq!(free["conflicts"], json!([]), "{free}");
}

#[tokio::test]
async fn tasks_come_from_commands_and_are_patched() {
    let h = start_with_directory().await;
    let member = h.token("member").await;
    let (status, out) = h
        .command(&member, "Ask Amy to send the Q4 budget by next Monday")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["kind"], "task");
    assert_eq!(out["assignee"]["id"], "p002");
    let id = out["id"].as_str().unwrap().to_string();

    let (status, listed) = h
        .call(
            "GET",
            "/v1/tasks?assignee=p002&status=open",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["tasks"][0]["id"], id.as_str());
    assert_eq!(listed["tasks"][0]["due"], "2027-03-08");

    let other = h.token("member").await;
    let path = format!("/v1/tasks/{id}");
    let (status, _) = h
        .call("PATCH", &path, Some(&other), Some(json!({"done": true})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (patch, field) in [
        (json!({"assignee": "p999"}), "p999"),
        (json!({"due": "2027-02-30"}), "due"),
        (json!({"status": "finished"}), "status"),
        (json!({"title": "  "}), "title"),
        (json!({"owner": "p001"}), "owner"),
    ] {
        let (status, out) = h
            .call("PATCH", &path, Some(&member), Some(patch.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{patch}: {out}");
        assert!(
            out["error"]["message"].as_str().unwrap().contains(field),
            "{out}"
        );
    }
    let (status, task) = h
        .call(
            "PATCH",
            &path,
            Some(&member),
            Some(
                json!({"assignee": "p001", "due": "2027-03-05T17:00:00+08:00",
                        "title": "Send the Q4 budget"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{task}");
    assert_eq!(task["assignee"], "p001");
    assert_eq!(task["assignee_name"], "Chan Tai Man");
    assert_eq!(task["due"], "2027-03-05T17:00:00+08:00");
    let (status, task) = h
        .call("PATCH", &path, Some(&h.admin), Some(json!({"done": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(task["status"], "done");
    let (_, open) = h
        .call("GET", "/v1/tasks?status=open", Some(&member), None)
        .await;
    assert!(open["tasks"].as_array().unwrap().is_empty());
    let (_, done) = h
        .call(
            "GET",
            "/v1/tasks?assignee=p001&status=done",
            Some(&member),
            None,
        )
        .await;
    assert_eq!(done["tasks"].as_array().unwrap().len(), 1);
    let (status, _) = h
        .call(
            "PATCH",
            "/v1/tasks/task_nope",
            Some(&h.admin),
            Some(json!({"done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_and_unsaved_commands_store_nothing() {
    let h = start_with_directory().await;
    let (status, out) = h
        .command(&h.admin, "What's the weather like tomorrow?")
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["intent"], "unknown");
    assert!(
        out["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{out}"
    );
    assert_eq!(out["saved"], false);
    let (status, out) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(json!({"text": "Ask Amy to send the Q4 budget by next Monday", "now": NOW, "save": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["intent"], "create_task");
    assert_eq!(out["saved"], false);
    let (_, tasks) = h.call("GET", "/v1/tasks", Some(&h.admin), None).await;
    assert!(tasks["tasks"].as_array().unwrap().is_empty(), "{tasks}");
    let (_, reminders) = h.call("GET", "/v1/reminders", Some(&h.admin), None).await;
    assert!(reminders["reminders"].as_array().unwrap().is_empty());
    let all = "from=2027-01-01T00:00:00Z&to=2027-12-31T00:00:00Z";
    assert!(h.occurrences(&h.admin, all).await.is_empty());
}

#[tokio::test]
async fn impossible_or_past_times_store_nothing_and_say_why() {
    let h = start_with_directory().await;
    for (text, why) in [
        ("安排2月30日下午三點同 Peter 開會", "2月30日"),
        ("Remind me to call the landlord yesterday at 9", "past"),
    ] {
        let (status, out) = h.command(&h.admin, text).await;
        assert_eq!(status, StatusCode::OK, "{text}: {out}");
        assert_eq!(out["intent"], "unknown", "{out}");
        assert_eq!(out["saved"], false);
        assert!(out["reason"].as_str().unwrap().contains(why), "{out}");
    }
    let (_, reminders) = h.call("GET", "/v1/reminders", Some(&h.admin), None).await;
    assert!(reminders["reminders"].as_array().unwrap().is_empty());
    let all = "from=2027-01-01T00:00:00Z&to=2027-12-31T00:00:00Z";
    assert!(h.occurrences(&h.admin, all).await.is_empty());
}

/// A spoken command: espeak-ng says it, the service transcribes it (the default Whisper
/// model, which must be installed) and stores what it heard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spoken_command_is_transcribed_and_stored() {
    let h = start_with_directory().await;
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("command.wav");
    let out = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "150", "-w"])
        .arg(&wav)
        .arg("Remind me to call the landlord on Friday at nine am.")
        .output()
        .unwrap_or_else(|e| panic!("cannot run espeak-ng ({e}): apt-get install -y espeak-ng"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audio = std::fs::read(&wav).unwrap();
    let boundary = "mishu-test-boundary";
    let mut form = Vec::new();
    form.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"now\"\r\n\r\n{NOW}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; \
             filename=\"command.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
        )
        .as_bytes(),
    );
    form.extend_from_slice(&audio);
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/commands",
            Some(&h.admin),
            Some(form),
            &format!("multipart/form-data; boundary={boundary}"),
        )
        .await;
    let out: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert!(
        out["transcript"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("landlord"),
        "{out}"
    );
    assert!(out["speech"]["duration_s"].as_f64().unwrap() > 1.0, "{out}");
    assert!(
        out["speech"]["model"]
            .as_str()
            .unwrap()
            .starts_with("whisper"),
        "{out}"
    );
    assert_eq!(out["intent"], "set_reminder", "{out}");
    assert_eq!(out["kind"], "reminder");
    assert_eq!(time(&out["start"]), at("2027-03-05T09:00:00+08:00"));
    // The scratch copy of the upload is gone.
    let data = h.service.state().config.data_dir.join("tmp");
    let left = std::fs::read_dir(&data).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "uploads left in {}", data.display());
}

/// The requests a receiver got: headers and raw body.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

async fn receiver() -> (String, Received) {
    let seen: Received = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push((headers, body.to_vec()));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn a_due_reminder_fires_once_on_the_stream_and_webhooks() {
    let (url, seen) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.webhooks.push(WebhookConfig::new(url, "hook-secret"));
    let h = start_with(dir, cfg).await;
    let directory: Value =
        serde_json::from_str(&std::fs::read_to_string(DIRECTORY).unwrap()).unwrap();
    h.call("POST", "/v1/directory", Some(&h.admin), Some(directory))
        .await;
    let store = &h.service.state().store;
    let setter = store.create_token("setter", "member").await.unwrap();
    let member = setter.secret.clone();

    // A reminder set by a command, listed for its setter and not for another member.
    let (status, out) = h
        .command(&member, "Remind me to call the landlord on Friday at 9")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["kind"], "reminder");
    let (_, mine) = h
        .call("GET", "/v1/reminders?status=pending", Some(&member), None)
        .await;
    assert_eq!(mine["reminders"].as_array().unwrap().len(), 1, "{mine}");
    let other = h.token("member").await;
    let (_, theirs) = h.call("GET", "/v1/reminders", Some(&other), None).await;
    assert!(theirs["reminders"].as_array().unwrap().is_empty());

    let request = Request::get("/v1/alerts/stream")
        .header("authorization", format!("Bearer {}", h.admin))
        .body(Body::empty())
        .unwrap();
    let response = h.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.into_body();
    // Members have a stream of their own reminders.
    let open = |token: &str| {
        Request::get("/v1/reminders/stream")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    let response = h.router().oneshot(open(&member)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut own_stream = response.into_body();
    let response = h.router().oneshot(open(&other)).await.unwrap();
    let mut other_stream = response.into_body();

    // One due a second from now.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let reminder = store
        .create_reminder(&agent::store::reminders::NewReminder {
            title: "Call the landlord".into(),
            at: soon,
            person: Some("p001".into()),
            origin: agent::store::tasks::Origin::Api,
            source_text: None,
            created_by: Some(setter.record.id.clone()),
            rrule: None,
            tz: "Asia/Hong_Kong".into(),
        })
        .await
        .unwrap();

    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains("event: reminder") || !text.ends_with("\n\n") {
        let frame = tokio::time::timeout_at(deadline, stream.frame())
            .await
            .expect("a reminder event within 10 s")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
    let block = text
        .split("\n\n")
        .find(|b| b.contains("event: reminder"))
        .unwrap();
    let data = block
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    let fired: Value = serde_json::from_str(data).unwrap();
    assert_eq!(fired["id"], reminder.id.as_str());
    assert_eq!(fired["title"], "Call the landlord");
    assert_eq!(fired["person"], "p001");
    assert_eq!(fired["person_name"], "Chan Tai Man");

    let mut own = String::new();
    while !own.contains("event: reminder") || !own.ends_with("\n\n") {
        let frame = tokio::time::timeout_at(deadline, own_stream.frame())
            .await
            .expect("the setter's reminder event within 10 s")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            own.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
    assert!(own.contains(&reminder.id), "{own}");
    // Another member's stream does not carry it.
    let nothing = tokio::time::timeout(Duration::from_millis(500), other_stream.frame()).await;
    assert!(nothing.is_err(), "another member got an event: {nothing:?}");

    let (_, listed) = h
        .call("GET", "/v1/reminders?status=fired", Some(&h.admin), None)
        .await;
    let listed = listed["reminders"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], reminder.id.as_str());
    assert!(listed[0]["fired_at"].is_string());

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no webhook within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Firing again finds nothing: it fired once.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    assert_eq!(headers["x-mishu-event"], "reminder.fired");
    assert_eq!(headers["x-mishu-delivery"], reminder.id.as_str());
    assert_eq!(
        headers["x-mishu-signature"].to_str().unwrap(),
        agent::server::webhooks::signature("hook-secret", body)
    );
    let hooked: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(hooked["id"], reminder.id.as_str());
}

#[tokio::test]
async fn a_feed_url_opens_one_persons_calendar_and_nothing_else() {
    let h = start_with_directory().await;
    let member = h.token("member").await;
    let (status, out) = h
        .command(&member, "Set up a meeting with Peter tomorrow at 3pm")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    let peters = out["id"].as_str().unwrap().to_string();
    let (status, out) = h
        .command(&member, "Lunch with Amy on Thursday at 12:30")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");

    let (status, body) = h
        .call("POST", "/v1/calendars/p999/feed-token", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found", "p999");
    let (status, peter) = h
        .call("POST", "/v1/calendars/p001/feed-token", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{peter}");
    let path = peter["path"].as_str().unwrap().to_string();
    assert!(peter["url"].as_str().unwrap().ends_with(&path));
    let secret = path.split("token=").nth(1).unwrap().to_string();

    // With its token, no header: Peter's events only.
    let (status, headers, body) = h.raw("GET", &path, None, None, "").await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = String::from_utf8(body).unwrap();
    check_ics(&ics, &[&peters], "peter.chan@harbourlight.hk");

    // Not another person's feed, not with a wrong token, not without one.
    let (status, _, body) = h
        .raw(
            "GET",
            &format!("/v1/calendars/p002.ics?token={secret}"),
            None,
            None,
            "",
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _, _) = h
        .raw(
            "GET",
            "/v1/calendars/p001.ics?token=feed_0000",
            None,
            None,
            "",
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = h.raw("GET", "/v1/calendars/p001.ics", None, None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The feed token is no API token.
    let (status, _) = h.call("GET", "/v1/tasks", Some(&secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = h
        .call("GET", &format!("/v1/events/{peters}"), Some(&secret), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A bearer token reads any feed; a new feed token revokes the old one.
    let (status, _, _) = h
        .raw("GET", "/v1/calendars/p002.ics", Some(&member), None, "")
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = h
        .call(
            "POST",
            "/v1/calendars/p001/feed-token",
            Some(&h.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = h.raw("GET", &path, None, None, "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = h
        .raw("GET", "/v1/calendars/p001", Some(&member), None, "")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_missing_model_is_a_503_saying_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.commands.model = "no-such-model".into();
    cfg.commands.models_dir = Some(dir.path().join("models"));
    let h = start_with(dir, cfg).await;
    let (status, out) = h.command(&h.admin, "Meet Peter tomorrow at 3pm").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{out}");
    assert_error(
        &out,
        "model_not_installed",
        "mishu models fetch no-such-model",
    );
}

/// The real LLM path, end to end (the model is loaded once, on a blocking thread).
/// `MISHU_SERVICE_TEST_MODEL` picks the model (default qwen2.5-0.5b, the commands
/// default); it must be installed (`mishu models fetch`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_llm_understands_a_command_through_the_service() {
    let name = std::env::var("MISHU_SERVICE_TEST_MODEL").unwrap_or_else(|_| "qwen2.5-0.5b".into());
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.commands.model = name.clone();
    // The first answer also fills the prompt cache; a busy machine needs the time.
    cfg.commands.timeout_ms = 120_000;
    let h = start_with(dir, cfg).await;
    let directory: Value =
        serde_json::from_str(&std::fs::read_to_string(DIRECTORY).unwrap()).unwrap();
    let (status, body) = h
        .call("POST", "/v1/directory", Some(&h.admin), Some(directory))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, out) = h
        .command(
            &h.admin,
            "Set up a meeting with Peter tomorrow at 3pm to review the budget",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["understood_by"], name.as_str(), "{out}");
    assert_eq!(out["intent"], "create_event");
    assert_eq!(time(&out["start"]), at("2027-03-02T15:00:00+08:00"));
    assert_eq!(out["attendees"][0]["id"], "p001");
    let (status, event) = h
        .call(
            "GET",
            &format!("/v1/events/{}", out["id"].as_str().unwrap()),
            Some(&h.admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{event}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_repeating_an_open_task_or_an_event_stores_nothing_unless_asked() {
    let h = start_with_directory().await;
    let token = h.token("member").await;
    let (status, first) = h
        .command(
            &token,
            "Ask Amy to email Kelly the signed contract by Friday",
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["duplicate_of"], Value::Null);
    // The same task in other words: 200, nothing stored, the open task named.
    let said_again = "Please have Amy send the signed contract to Kelly by Friday";
    let (status, again) = h.command(&token, said_again).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["saved"], false);
    assert_eq!(again["id"], Value::Null);
    assert_eq!(again["duplicate_of"]["kind"], "task");
    assert_eq!(again["duplicate_of"]["id"], first["id"]);
    let (_, listed) = h
        .call(
            "GET",
            "/v1/tasks?assignee=p002&status=open",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(listed["tasks"].as_array().unwrap().len(), 1, "{listed}");
    // A preview ("save": false) says the same.
    let (status, preview) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&token),
            Some(json!({"text": said_again, "now": NOW, "save": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["duplicate_of"]["id"], first["id"], "{preview}");
    // Asked to, it is stored all the same.
    let (status, forced) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&token),
            Some(json!({"text": said_again, "now": NOW, "allow_duplicate": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{forced}");
    assert_eq!(forced["duplicate_of"]["id"], first["id"]);
    let (status, bad) = h
        .call(
            "POST",
            "/v1/commands",
            Some(&token),
            Some(json!({"text": said_again, "now": NOW, "allow_duplicate": "maybe"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");

    // An event: the same meeting in other words at an overlapping time is reported;
    // another one with the same person is stored.
    let (status, review) = h
        .command(&token, "Set up a budget review with Peter tomorrow at 3pm")
        .await;
    assert_eq!(status, StatusCode::CREATED, "{review}");
    let (status, again) = h
        .command(
            &token,
            "Put a review of the budget with Peter on the calendar for tomorrow at 3:30pm",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["duplicate_of"]["id"], review["id"], "{again}");
    let (status, lunch) = h.command(&token, "Lunch with Peter tomorrow at 3pm").await;
    assert_eq!(status, StatusCode::CREATED, "{lunch}");
    assert_eq!(lunch["duplicate_of"], Value::Null, "{lunch}");
}
