//! The meetings API, driven in-process through the real router with a real database
//! (SQLite in a temporary directory, or PostgreSQL when `MISHU_TEST_POSTGRES_URL` names
//! a server, as in `tests/service.rs`) and, for the minutes themselves, a small real
//! LLM (`MISHU_TEST_MINUTES_MODEL`, default the minutes model on a short meeting —
//! grounding rightly drops what smaller models propose, and the point is the machinery:
//! jobs, progress, storage, tasks — not the minutes' quality).

mod common;

use common::postgres_database;

use std::path::{Path, PathBuf};
use std::time::Duration;

use agent::server::config::Config;
use agent::server::{Service, ADMIN_TOKEN_FILE};
use agent::store::meetings::{NewMeeting, Submitted};
use agent::store::tasks::TaskQuery;
use agent::store::Store;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const NOW: &str = "2026-11-24T09:30:00+08:00";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/meetings")
}

fn minutes_model() -> String {
    std::env::var("MISHU_TEST_MINUTES_MODEL")
        .unwrap_or_else(|_| agent::minutes::DEFAULT_MODEL.into())
}

struct Harness {
    service: Service,
    admin: String,
    data: PathBuf,
    _dir: tempfile::TempDir,
}

async fn start(tune: impl FnOnce(&mut Config)) -> Harness {
    start_in(tempfile::tempdir().unwrap(), tune).await
}

/// The database of a data directory, for writing to it before the service starts.
async fn open_store(dir: &Path) -> Store {
    let url = postgres_database(dir).unwrap_or_else(|| Store::default_url(dir));
    Store::open(&url).await.unwrap()
}

async fn start_in(dir: tempfile::TempDir, tune: impl FnOnce(&mut Config)) -> Harness {
    let mut config = Config::new(dir.path());
    config.database_url = postgres_database(dir.path());
    config.minutes.model = minutes_model();
    tune(&mut config);
    let data = config.data_dir.clone();
    let service = Service::start(config).await.expect("service starts");
    let admin = std::fs::read_to_string(data.join(ADMIN_TOKEN_FILE))
        .unwrap()
        .trim()
        .to_string();
    Harness {
        service,
        admin,
        data,
        _dir: dir,
    }
}

/// A request body: (content type, bytes).
type Upload = (String, Vec<u8>);

/// A multipart body: (field, file name, bytes).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Upload {
    let boundary = "mishu-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Harness {
    fn router(&self) -> Router {
        self.service.router()
    }

    async fn raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(String, Vec<u8>)>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header("content-type", content_type);
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let response = self
            .router()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let body = body.map(|b| ("application/json".to_string(), b.to_string().into_bytes()));
        self.json(method, path, token, body).await
    }

    async fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(String, Vec<u8>)>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = self.raw(method, path, token, body).await;
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

    async fn token(&self, role: &str) -> String {
        let store = &self.service.state().store;
        store.create_token(role, role).await.unwrap().secret
    }

    async fn put_directory(&self) {
        let text = std::fs::read_to_string(fixtures().join("directory.json")).unwrap();
        agent::directory::Directory::from_json(&text).expect("the fixture directory is valid");
        let store = &self.service.state().store;
        store.put_directory(&text, None).await.unwrap();
    }

    /// Follows the meeting's event stream until its job ends; returns the events' jobs.
    async fn follow(&self, id: &str, token: &str, limit: Duration) -> Vec<Value> {
        let request = Request::get(format!("/v1/meetings/{id}/events"))
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        let response = self.router().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = tokio::time::timeout(limit, response.into_body().collect())
            .await
            .expect("the meeting's event stream ends when its job ends")
            .unwrap()
            .to_bytes();
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .map(|d| serde_json::from_str(d).unwrap())
            .collect()
    }

    async fn meeting(&self, id: &str) -> Value {
        let (status, body) = self
            .call(
                "GET",
                &format!("/v1/meetings/{id}"),
                Some(&self.admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn tasks_of(&self, meeting_id: &str) -> Vec<agent::store::tasks::Task> {
        let store = &self.service.state().store;
        store
            .tasks(&TaskQuery {
                origin_id: Some(meeting_id),
                ..Default::default()
            })
            .await
            .unwrap()
    }

    fn uploads_left(&self) -> usize {
        std::fs::read_dir(self.data.join("uploads")).map_or(0, |d| d.count())
    }
}

fn assert_error(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Lower-case words and digits, single-spaced: for finding a quote in the transcript.
fn words(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap()
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A WAV file of `seconds` of silence at 16 kHz.
fn silent_wav(seconds: u32) -> Vec<u8> {
    let samples = 16_000 * seconds;
    let data = samples * 2;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes()); // PCM
    v.extend_from_slice(&1u16.to_le_bytes()); // mono
    v.extend_from_slice(&16_000u32.to_le_bytes());
    v.extend_from_slice(&32_000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data.to_le_bytes());
    v.resize(v.len() + data as usize, 0);
    v
}

#[tokio::test]
async fn tokens_and_roles_decide_401_and_403() {
    // No model can run from an empty models folder: the job fails fast.
    let models = tempfile::tempdir().unwrap();
    let h = start(|c| c.minutes.models_dir = Some(models.path().to_path_buf())).await;
    let (status, body) = h.call("GET", "/v1/meetings", None, None).await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    let (status, body) = h
        .call(
            "POST",
            "/v1/meetings",
            Some("not-a-token"),
            Some(json!({"transcript": "Amy: hi"})),
        )
        .await;
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");

    // A meeting is its submitter's (and managers' and admin's), not another member's.
    let alice = h.token("member").await;
    let bob = h.token("member").await;
    let manager = h.token("manager").await;
    let (status, made) = h
        .call(
            "POST",
            "/v1/meetings",
            Some(&alice),
            Some(json!({"transcript": "Amy: I will send the deck.", "now": NOW})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{made}");
    let id = made["id"].as_str().unwrap();
    for path in [
        format!("/v1/meetings/{id}"),
        format!("/v1/meetings/{id}/minutes.md"),
        format!("/v1/meetings/{id}/events"),
    ] {
        let (status, _, body) = h.raw("GET", &path, Some(&bob), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, body) = h
        .call(
            "PATCH",
            &format!("/v1/meetings/{id}/action-items/ai_x"),
            Some(&bob),
            Some(json!({"confirmed": true})),
        )
        .await;
    assert_error(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for (token, expect) in [(&alice, 1), (&bob, 0), (&manager, 1)] {
        let (status, list) = h.call("GET", "/v1/meetings", Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list["meetings"].as_array().unwrap().len(), expect, "{list}");
    }
    let (status, _) = h
        .call("GET", &format!("/v1/meetings/{id}"), Some(&manager), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = h
        .call("GET", "/v1/meetings/mtg_nope", Some(&alice), None)
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn bad_submissions_are_400_and_store_nothing() {
    let h = start(|c| c.minutes.max_upload_bytes = 64 * 1024).await;
    let admin = h.admin.clone();
    // (body, status, error code, words of the message)
    let cases: Vec<(Option<Upload>, StatusCode, &str, &str)> = vec![
        (
            Some(multipart(&[("transcript", Some("t.txt"), b"  \n\n ")])),
            StatusCode::BAD_REQUEST,
            "invalid_transcript",
            "empty",
        ),
        (
            Some((
                "application/json".into(),
                json!({"transcript": ""}).to_string().into_bytes(),
            )),
            StatusCode::BAD_REQUEST,
            "invalid_transcript",
            "empty",
        ),
        (
            Some(multipart(&[
                ("transcript", Some("t.txt"), b"Amy: I'll do it."),
                ("now", None, b"next Tuesday"),
            ])),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "now:",
        ),
        (
            Some(multipart(&[
                ("audio", Some("m.wav"), &silent_wav(1)),
                ("now", None, b"2026-13-40"),
            ])),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "now:",
        ),
        (
            Some((
                "application/json".into(),
                json!({"transcript": "A: hi", "tz": "Moon/Base"})
                    .to_string()
                    .into_bytes(),
            )),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "tz:",
        ),
        (
            Some(multipart(&[("recording", Some("m.wav"), b"RIFF")])),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "recording",
        ),
        (
            Some(multipart(&[("audio", Some("m.wav"), b"")])),
            StatusCode::BAD_REQUEST,
            "invalid_audio",
            "empty",
        ),
        (
            Some(multipart(&[
                ("audio", Some("m.wav"), &silent_wav(1)),
                ("transcript", None, b"A: hi"),
            ])),
            StatusCode::BAD_REQUEST,
            "invalid_field",
            "not both",
        ),
        (
            Some(multipart(&[("title", None, b"Weekly")])),
            StatusCode::BAD_REQUEST,
            "missing_field",
            "audio",
        ),
        (
            Some(multipart(&[("audio", Some("m.wav"), &silent_wav(3))])),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "larger",
        ),
        (
            Some(("text/csv".into(), b"a,b".to_vec())),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "multipart",
        ),
    ];
    for (body, want, code, says) in cases {
        let (status, out) = h.json("POST", "/v1/meetings", Some(&admin), body).await;
        assert_error(status, &out, want, code);
        let message = out["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{code}: {message}");
    }
    let (_, list) = h.call("GET", "/v1/meetings", Some(&admin), None).await;
    assert_eq!(list["meetings"], json!([]), "nothing was stored");
    assert_eq!(h.uploads_left(), 0, "no recording was left behind");
    let (status, body) = h
        .call("GET", "/v1/meetings?from=yesterday", Some(&admin), None)
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_field");
}

#[tokio::test]
async fn a_transcript_over_its_limit_is_413() {
    let h = start(|_| {}).await;
    let line = "Amy: I will send the deck to the whole team before Friday.\n";
    let big = line.repeat(17 * 1024 * 1024 / line.len());
    let json_body = json!({"transcript": big}).to_string().into_bytes();
    for body in [
        ("application/json".to_string(), json_body),
        multipart(&[("transcript", Some("t.txt"), big.as_bytes())]),
    ] {
        let (status, out) = h
            .json("POST", "/v1/meetings", Some(&h.admin), Some(body))
            .await;
        assert_error(
            status,
            &out,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
        assert!(out["error"]["message"]
            .as_str()
            .unwrap()
            .contains("transcript"));
    }
    let (_, list) = h.call("GET", "/v1/meetings", Some(&h.admin), None).await;
    assert_eq!(list["meetings"], json!([]));
}

#[tokio::test]
async fn a_missing_model_fails_the_job_naming_the_fetch_command() {
    let models = tempfile::tempdir().unwrap();
    let h = start(|c| c.minutes.models_dir = Some(models.path().to_path_buf())).await;
    let transcript = std::fs::read(fixtures().join("en_sales_weekly.txt")).unwrap();
    let (status, made) = h
        .json(
            "POST",
            "/v1/meetings",
            Some(&h.admin),
            Some(multipart(&[
                ("transcript", Some("en_sales_weekly.txt"), &transcript),
                ("now", None, NOW.as_bytes()),
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{made}");
    let id = made["id"].as_str().unwrap();
    let events = h.follow(id, &h.admin, Duration::from_secs(60)).await;
    let last = events.last().expect("at least one event");
    assert_eq!(last["state"], "failed", "{last}");
    let m = h.meeting(id).await;
    assert_eq!(m["state"], "failed", "{m}");
    let error = m["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("mishu models fetch {}", minutes_model())),
        "{error}"
    );
    assert_eq!(last["error"], m["error"]);
    assert!(h.tasks_of(id).await.is_empty());
    let (status, body) = h
        .call(
            "GET",
            &format!("/v1/meetings/{id}/minutes.md"),
            Some(&h.admin),
            None,
        )
        .await;
    assert_error(status, &body, StatusCode::CONFLICT, "not_ready");
}

#[tokio::test]
async fn a_recording_that_is_not_audio_or_too_long_fails_with_the_reason() {
    // A one-second limit: the 3-second recording is refused before any model loads.
    let h = start(|c| c.minutes.max_audio_hours = 1.0 / 3600.0).await;
    h.put_directory().await;
    let mut garbage = b"this is certainly not a recording ".repeat(64);
    garbage.extend((0..=255u8).cycle().take(4096));
    for (name, bytes, says) in [
        ("notes.mp3", garbage, "not a supported audio file"),
        ("long.wav", silent_wav(3), "the recording is 0 min 3 s long"),
    ] {
        let (status, made) = h
            .json(
                "POST",
                "/v1/meetings",
                Some(&h.admin),
                Some(multipart(&[
                    ("audio", Some(name), &bytes),
                    ("now", None, NOW.as_bytes()),
                ])),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{made}");
        let id = made["id"].as_str().unwrap();
        let events = h.follow(id, &h.admin, Duration::from_secs(60)).await;
        assert_eq!(events.last().unwrap()["state"], "failed", "{events:?}");
        let m = h.meeting(id).await;
        assert_eq!(m["state"], "failed");
        assert_eq!(m["input"], "audio");
        let error = m["error"].as_str().unwrap();
        assert!(error.contains(says), "{name}: {error}");
        assert!(!error.contains("uploads"), "no server path: {error}");
        assert!(m["minutes"].is_null());
        assert!(h.tasks_of(id).await.is_empty());
        assert_eq!(
            h.uploads_left(),
            0,
            "the recording is removed when its job ends"
        );
    }
}

#[tokio::test]
async fn a_minutes_job_interrupted_too_often_fails_its_meeting() {
    // A first life: the meeting's job taken three times by this node and never finished.
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let said = "Amy: I will call the landlord.";
    let transcript = agent::minutes::input::from_bytes(said.as_bytes(), "t").unwrap();
    let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
    let new = NewMeeting {
        key: agent::minutes::meeting_key(&transcript, &now),
        title: "Ops".into(),
        meeting_at: NOW.into(),
        input: "transcript".into(),
        created_by: None,
    };
    let input = |id: &str| json!({"meeting_id": id, "transcript": said, "now": NOW, "tz": "Asia/Hong_Kong"});
    let Submitted::Queued { meeting, .. } = store
        .submit_meeting(&new, "minutes", input, None)
        .await
        .unwrap()
    else {
        panic!("queued");
    };
    for attempt in 1..=3 {
        let job = store.claim_next_job("local").await.unwrap().unwrap();
        assert_eq!(job.attempts, attempt);
        if attempt < 3 {
            store.requeue_interrupted("local", 3).await.unwrap();
        }
    }
    store.close().await;
    // The restart fails the job instead of running it again; the meeting says why.
    let models = tempfile::tempdir().unwrap();
    let h = start_in(dir, |c| {
        c.minutes.models_dir = Some(models.path().to_path_buf())
    })
    .await;
    let m = h.meeting(&meeting.id).await;
    assert_eq!(m["state"], "failed", "{m}");
    assert!(m["error"].as_str().unwrap().contains("interrupted"), "{m}");
    // It may be submitted again: the same meeting, processed anew.
    let (status, again) = h
        .call(
            "POST",
            "/v1/meetings",
            Some(&h.admin),
            Some(json!({"transcript": said, "now": NOW})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], meeting.id.as_str(), "the same meeting");
}

/// Runs a tool the test suite installs (scripts/install-deps), failing loudly.
fn tool(name: &str, args: &[&str]) {
    let out = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} runs (scripts/install-deps installs it): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn a_recording_is_transcribed_with_progress_then_its_minutes_written() {
    let h = start(|_| {}).await;
    h.put_directory().await;
    let work = tempfile::tempdir().unwrap();
    let spoken = work.path().join("spoken.wav");
    let wav = work.path().join("meeting.wav");
    tool(
        "espeak-ng",
        &[
            "-v",
            "en-us",
            "-s",
            "150",
            "-w",
            spoken.to_str().unwrap(),
            "Good morning everyone. The budget review is on Friday. \
             I will send the budget spreadsheet to Peter before Thursday.",
        ],
    );
    tool(
        "sox",
        &[
            "-R",
            spoken.to_str().unwrap(),
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            wav.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&wav).unwrap();
    let (status, made) = h
        .json(
            "POST",
            "/v1/meetings",
            Some(&h.admin),
            Some(multipart(&[
                ("audio", Some("meeting.wav"), &bytes),
                ("now", None, NOW.as_bytes()),
            ])),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{made}");
    let id = made["id"].as_str().unwrap();
    let events = h.follow(id, &h.admin, Duration::from_secs(900)).await;
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("transcribing")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("extracting part 1/")),
        "{messages:?}"
    );
    let progress: Vec<f64> = events
        .iter()
        .filter_map(|e| e["progress"].as_f64())
        .collect();
    assert!(
        progress.windows(2).all(|w| w[0] <= w[1]),
        "progress only grows: {progress:?}"
    );
    assert_eq!(events.last().unwrap()["state"], "done", "{events:?}");
    let m = h.meeting(id).await;
    assert_eq!(m["input"], "audio");
    let minutes = &m["minutes"];
    let heard = minutes["transcript"]["text"]
        .as_str()
        .unwrap()
        .to_lowercase();
    assert!(heard.contains("budget"), "{heard}");
    assert!(minutes["transcript"]["segments"][0]["start"].is_number());
    assert!(minutes["stats"]["transcribe_s"].as_f64().unwrap() > 0.0);
    for item in minutes["action_items"].as_array().unwrap() {
        assert!(
            item["source"]["start"].is_number(),
            "said at a time: {item}"
        );
    }
    assert_eq!(
        h.uploads_left(),
        0,
        "the recording is removed when its job ends"
    );
}

/// A short sales meeting with three owned action items.
const SHORT_MEETING: &str = "\
Amy Wong: Thanks for coming. First, the client deck for Harbour Bank.
Peter Chan: I'll send the revised client deck to Harbour Bank by Friday.
Amy Wong: Good. David, can you book the meeting room for the pitch next Tuesday?
David Ng: Sure, I will book the room today.
Amy Wong: We also need someone to update the pricing sheet before the pitch.
Fiona Lau: I can update the pricing sheet by Monday.
Amy Wong: Great, thanks everyone.
";

#[tokio::test]
async fn a_transcript_meeting_runs_to_done_and_its_items_become_tasks() {
    let h = start(|_| {}).await;
    h.put_directory().await;
    let member = h.token("member").await;
    let transcript = SHORT_MEETING.to_string();
    let submit = || {
        multipart(&[
            (
                "transcript",
                Some("en_sales_weekly.txt"),
                transcript.as_bytes(),
            ),
            ("now", None, NOW.as_bytes()),
            ("tz", None, b"Asia/Hong_Kong"),
            ("title", None, b"Sales weekly"),
        ])
    };
    let (status, made) = h
        .json("POST", "/v1/meetings", Some(&member), Some(submit()))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    let events = h.follow(&id, &member, Duration::from_secs(900)).await;
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("extracting part 1/")),
        "{messages:?}"
    );
    let last = events.last().unwrap();
    assert_eq!(last["state"], "done", "{last}");
    assert_eq!(last["progress"], 1.0);
    let (status, m) = h
        .call("GET", &format!("/v1/meetings/{id}"), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    assert_eq!(m["state"], "done", "{m}");
    assert_eq!(m["progress"], 1.0);
    assert_eq!(m["title"], "Sales weekly");
    let minutes = &m["minutes"];
    assert_eq!(minutes["language"], "en", "{minutes}");
    assert_eq!(minutes["date"], "2026-11-24");
    assert_eq!(minutes["model"], minutes_model());
    assert!(minutes["stats"]["total_s"].as_f64().unwrap() > 0.0);
    let items = minutes["action_items"].as_array().unwrap().clone();
    assert!(
        !items.is_empty(),
        "the model found no action item: {minutes}"
    );
    // Grounding: every item's words were said.
    let said = words(&transcript);
    for item in &items {
        let quote = words(item["source"]["text"].as_str().unwrap());
        assert!(!quote.is_empty() && said.contains(&quote), "{item}");
    }

    // Owned items became tasks on their owners' lists, nothing else did.
    let owned: Vec<&Value> = items.iter().filter(|i| !i["owner"].is_null()).collect();
    let tasks = h.tasks_of(&id).await;
    assert_eq!(tasks.len(), owned.len(), "{tasks:?}");
    for item in &owned {
        assert!(
            tasks
                .iter()
                .any(|t| t.assignee.as_deref() == item["owner"]["id"].as_str()
                    && t.title == item["task"].as_str().unwrap()),
            "{item} has no task: {tasks:?}"
        );
    }

    // The Markdown has the table.
    let (status, headers, md) = h
        .raw(
            "GET",
            &format!("/v1/meetings/{id}/minutes.md"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    let md = String::from_utf8(md).unwrap();
    assert!(md.starts_with("# Sales weekly\n"), "{md}");
    assert!(md.contains("## Action items"), "{md}");
    assert!(md.contains("| Owner | Task | Due | Said at |"), "{md}");

    // Assigning an item (unowned, or taken from its owner and given to someone else)
    // puts it on the new owner's list; an unknown owner is a 400 that changes nothing.
    let item = items
        .iter()
        .find(|i| i["owner"].is_null())
        .unwrap_or(&items[0]);
    let item_id = item["id"].as_str().unwrap();
    let new_owner = if item["owner"]["id"] == "p004" {
        "p005"
    } else {
        "p004"
    };
    let path = format!("/v1/meetings/{id}/action-items/{item_id}");
    let (status, body) = h
        .call(
            "PATCH",
            &path,
            Some(&member),
            Some(json!({"owner": "p999"})),
        )
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_field");
    let (status, body) = h
        .call("PATCH", &path, Some(&member), Some(json!({"due": "soon"})))
        .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "invalid_field");
    let (status, patched) = h
        .call(
            "PATCH",
            &path,
            Some(&member),
            Some(json!({"owner": new_owner, "due": "2026-12-01", "confirmed": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["item"]["owner"]["id"], new_owner);
    assert_eq!(patched["task"]["assignee"], new_owner, "{patched}");
    assert_eq!(patched["task"]["due"], "2026-12-01");
    let task_id = patched["task"]["id"].as_str().unwrap().to_string();
    let store = &h.service.state().store;
    let theirs = store
        .tasks(&TaskQuery {
            assignee: Some(new_owner),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(theirs.iter().any(|t| t.id == task_id), "{theirs:?}");
    let m = h.meeting(&id).await;
    let stored = m["minutes"]["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == item_id)
        .unwrap()
        .clone();
    assert_eq!(stored["owner"]["id"], new_owner);
    assert_eq!(stored["confirmed"], true);
    let (status, body) = h
        .call(
            "PATCH",
            &format!("/v1/meetings/{id}/action-items/ai_nope"),
            Some(&member),
            Some(json!({"confirmed": true})),
        )
        .await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");

    // The same transcript at the same time again: the same meeting, no duplicate tasks,
    // and the confirmed edit survives.
    let (status, again) = h
        .json("POST", "/v1/meetings", Some(&member), Some(submit()))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["id"], id);
    assert_ne!(again["job_id"], made["job_id"]);
    // Submitting it while it runs is refused.
    let (status, busy) = h
        .json("POST", "/v1/meetings", Some(&member), Some(submit()))
        .await;
    assert_error(status, &busy, StatusCode::CONFLICT, "conflict");
    let events = h.follow(&id, &member, Duration::from_secs(900)).await;
    assert_eq!(events.last().unwrap()["state"], "done");
    let m = h.meeting(&id).await;
    let items = m["minutes"]["action_items"].as_array().unwrap();
    let owned = items.iter().filter(|i| !i["owner"].is_null()).count();
    let tasks = h.tasks_of(&id).await;
    assert_eq!(tasks.len(), owned, "{tasks:?}");
    let mut keys: Vec<_> = tasks.iter().map(|t| t.origin_key.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), tasks.len(), "no task twice");
    if let Some(kept) = items.iter().find(|i| i["id"] == item_id) {
        assert_eq!(kept["owner"]["id"], new_owner, "{kept}");
        assert!(
            tasks.iter().any(|t| t.id == task_id),
            "the task kept its id"
        );
    }

    // Listed by its time.
    let (_, list) = h
        .call(
            "GET",
            "/v1/meetings?from=2026-11-24&to=2026-11-25",
            Some(&member),
            None,
        )
        .await;
    let listed = list["meetings"].as_array().unwrap();
    assert_eq!(listed.len(), 1, "{list}");
    assert_eq!(listed[0]["id"], id);
    assert_eq!(listed[0]["action_items"], items.len());
    assert!(listed[0].get("minutes").is_none());
    let (_, list) = h
        .call("GET", "/v1/meetings?from=2026-11-25", Some(&member), None)
        .await;
    assert_eq!(list["meetings"], json!([]));
}
