//! The HTTP service, driven in-process through its real router (`tower::ServiceExt::
//! oneshot`), with a real SQLite database in a temporary directory — or, when
//! `MISHU_TEST_POSTGRES_URL` names a PostgreSQL server (`scripts/test` starts one and runs
//! these tests a second time), a fresh PostgreSQL database per data directory. Webhooks
//! go to a small receiver on 127.0.0.1.

mod common;

use common::postgres_database;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agent::server::config::{Config, WebhookConfig};
use agent::server::{Service, ADMIN_TOKEN_FILE};
use agent::store::Store;
use anomaly::synth::{generate, SynthConfig};
use anomaly::{Claim, Policy};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// A service on a fresh data directory, and its admin token.
struct Harness {
    service: Service,
    admin: String,
    data: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
}

fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::new(dir);
    config.expenses.min_history = 30;
    config.expenses.refit_after = 0;
    config.database_url = postgres_database(dir);
    config
}

/// Where the service stores its data: the test's PostgreSQL database or SQLite in `dir`.
fn database_url(dir: &std::path::Path) -> String {
    postgres_database(dir).unwrap_or_else(|| Store::default_url(dir))
}

/// A service on `config` (its data directory outlives the service when `dir` is `None`).
async fn start_with(dir: Option<tempfile::TempDir>, config: Config) -> Harness {
    let data = config.data_dir.clone();
    let service = Service::start(config).await.expect("service starts");
    let admin = std::fs::read_to_string(data.join(ADMIN_TOKEN_FILE))
        .expect("admin token file")
        .trim()
        .to_string();
    Harness {
        service,
        admin,
        data,
        _dir: dir,
    }
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    start_with(Some(dir), config).await
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

    /// Loads a small synthetic company's history, which fits the model.
    async fn load_history(&self) -> Vec<Claim> {
        let history = history();
        let body = serde_json::to_value(&history).unwrap();
        let (status, out) = self
            .call(
                "POST",
                "/v1/expenses/history",
                Some(&self.admin),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{out}");
        assert_eq!(out["stored"], history.len());
        assert_eq!(out["model"]["fitted"], true, "{out}");
        assert_eq!(out["model"]["fitted_on_claims"], history.len(), "{out}");
        history
    }
}

fn history() -> Vec<Claim> {
    let config = SynthConfig {
        seed: 7,
        employees: 12,
        history_months: 4,
        ..SynthConfig::default()
    };
    generate(&config, &Policy::default()).history
}

fn claim_json(claim: &Claim) -> Value {
    serde_json::to_value(claim).unwrap()
}

/// A claim that repeats a past invoice number, far over the meals limit, on a Sunday.
fn blatant_claim(history: &[Claim], id: &str) -> Value {
    let mut past = history
        .iter()
        .find(|c| c.invoice_no.is_some())
        .expect("a history claim with an invoice number")
        .clone();
    past.claim_id = id.into();
    let mut v = claim_json(&past);
    v["category"] = json!("meals");
    v["amount"] = json!(9800);
    v["expense_date"] = json!("2026-11-22");
    v["submitted_at"] = json!("2026-11-23T10:00:00+08:00");
    v
}

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert_eq!(body["error"].as_object().unwrap().len(), 2, "{body}");
}

#[tokio::test]
async fn tokens_and_roles_decide_401_and_403() {
    let h = start().await;
    let (status, body) = h.call("GET", "/v1/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");

    let (status, body) = h.call("GET", "/v1/alerts", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    let (status, body) = h
        .call("GET", "/v1/alerts", Some("mishu_not-a-token"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");

    let member = h.token("member").await;
    let (status, body) = h.call("GET", "/v1/alerts", Some(&member), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_error(&body, "forbidden");
    let (status, _) = h
        .call("POST", "/v1/expenses/model/fit", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = h
        .call("GET", "/v1/alerts/stream", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let audit = h.token("audit").await;
    let (status, body) = h.call("GET", "/v1/alerts", Some(&audit), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = h
        .call("GET", "/v1/alerts?route=manager", Some(&audit), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = h.call("GET", "/v1/alerts", Some(&h.admin), None).await;
    assert_eq!(status, StatusCode::OK);

    // The admin token file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.data.join(ADMIN_TOKEN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn bad_requests_get_4xx_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.max_body_bytes = 4096;
    let h = start_with(Some(dir), cfg).await;
    let admin = h.admin.clone();

    let big = vec![b' '; 10_000];
    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/expenses/claims",
            Some(&admin),
            Some(big),
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&serde_json::from_slice(&body).unwrap(), "payload_too_large");

    let (status, _, body) = h
        .raw(
            "POST",
            "/v1/expenses/claims",
            Some(&admin),
            Some(b"{\"claim_id\": ".to_vec()),
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_error(&body, "invalid_json");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("EOF while parsing"),
        "{body}"
    );

    let (status, _, _) = h
        .raw(
            "POST",
            "/v1/expenses/claims",
            Some(&admin),
            Some(b"a,b".to_vec()),
            "text/plain",
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let (status, body) = h.call("GET", "/v1/nowhere", Some(&admin), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    let (status, body) = h.call("DELETE", "/v1/alerts", Some(&admin), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&body, "method_not_allowed");

    // No model yet: a clear 503, not a 500.
    let (status, body) = h.call("POST", "/v1/expenses/claims", Some(&admin), Some(json!({"claim_id": "C1", "employee_id": "E1", "department": "sales", "category": "taxi", "merchant": "Taxi", "amount": 80, "expense_date": "2026-11-20", "submitted_at": "2026-11-20T18:00:00+08:00"}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_error(&body, "model_not_ready");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("0 claims are stored and 30 are needed")
            && message.contains("Load at least 30 past claims with POST /v1/expenses/history"),
        "{message}"
    );

    let (status, body) = h.call("GET", "/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["paths"]["/v1/expenses/claims"]["post"].is_object());
}

#[tokio::test]
async fn a_bad_claim_field_is_named_and_nothing_is_stored() {
    let h = start().await;
    let history = h.load_history().await;
    let before = h.service.state().store.count_claims().await.unwrap();
    let mut good = claim_json(&history[0]);
    good["claim_id"] = json!("NEW-1");
    let mut bad = good.clone();
    bad["claim_id"] = json!("NEW-2");
    bad["amount"] = json!("-120");
    let (status, body) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&h.admin),
            Some(json!([good, bad])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&body, "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("[1].amount:"),
        "{body}"
    );

    let mut bad_date = good.clone();
    bad_date["expense_date"] = json!("20/11/2026");
    let (status, body) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&h.admin),
            Some(bad_date),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("expense_date:"),
        "{body}"
    );

    assert_eq!(
        h.service.state().store.count_claims().await.unwrap(),
        before
    );
    let (status, _) = h
        .call("GET", "/v1/expenses/claims/NEW-1", Some(&h.admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A claim id that is already stored is a conflict, and stores nothing either.
    let mut again = claim_json(&history[1]);
    again["claim_id"] = json!(history[0].claim_id.clone());
    let (status, body) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&h.admin),
            Some(json!([good, again])),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        h.service.state().store.count_claims().await.unwrap(),
        before
    );
}

#[tokio::test]
async fn claims_are_scored_stored_and_alerts_stream() {
    let h = start().await;
    let history = h.load_history().await;
    let manager = h.token("manager").await;
    let audit = h.token("audit").await;
    let member = h.token("member").await;

    // Subscribe first.
    let request = Request::get("/v1/alerts/stream")
        .header("authorization", format!("Bearer {manager}"))
        .body(Body::empty())
        .unwrap();
    let response = h.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut stream = response.into_body();

    // An ordinary claim: low risk, no alert.
    // (A copy of a past claim on a new working day, so not a duplicate of it.)
    let past = &history[history.len() / 2];
    let mut normal = claim_json(past);
    normal["claim_id"] = json!("OK-1");
    normal["invoice_no"] = json!(null);
    normal["amount"] = json!((past.amount * 1.07).round());
    normal["expense_date"] = json!("2026-11-18");
    normal["submitted_at"] = json!("2026-11-19T09:30:00+08:00");
    let (status, ordinary) = h
        .call("POST", "/v1/expenses/claims", Some(&member), Some(normal))
        .await;
    assert_eq!(status, StatusCode::OK, "{ordinary}");
    assert_eq!(ordinary["claim_id"], "OK-1");
    assert_ne!(ordinary["risk_level"], "high", "{ordinary}");

    // A blatant one: high risk, routed to the manager (over HKD 5,000).
    let (status, scored) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&member),
            Some(json!([blatant_claim(&history, "BAD-1")])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{scored}");
    let a = &scored[0];
    assert_eq!(a["claim_id"], "BAD-1");
    assert_eq!(a["risk_level"], "high", "{a}");
    assert_eq!(a["route"], "manager", "{a}");
    let codes: Vec<&str> = a["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"DUPLICATE") && codes.contains(&"OVER_LIMIT"),
        "{codes:?}"
    );

    // The stored claim reads back with the same assessment; a member only its own.
    let (status, stored) = h
        .call("GET", "/v1/expenses/claims/BAD-1", Some(&audit), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&stored["assessment"], a);
    assert_eq!(stored["claim"]["amount"], 9800.0);
    let (status, _) = h
        .call("GET", "/v1/expenses/claims/BAD-1", Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let other = h.token("member").await;
    let (status, _) = h
        .call("GET", "/v1/expenses/claims/BAD-1", Some(&other), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The alert arrives on the stream.
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !text.contains("\n\n") {
        let frame = tokio::time::timeout_at(deadline, stream.frame())
            .await
            .expect("an alert event within 10 s")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(std::str::from_utf8(&data).unwrap());
        }
    }
    assert!(text.contains("event: alert"), "{text}");
    let data = text
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    let alert: Value = serde_json::from_str(data).unwrap();
    assert_eq!(alert["claim_id"], "BAD-1");
    assert_eq!(alert["route"], "manager");
    assert_eq!(&alert["assessment"], a);

    // Listed for the manager, not for audit.
    let (_, listed) = h.call("GET", "/v1/alerts", Some(&manager), None).await;
    assert_eq!(listed["alerts"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["alerts"][0]["id"], alert["id"]);
    let (_, listed) = h.call("GET", "/v1/alerts", Some(&audit), None).await;
    assert_eq!(listed["alerts"].as_array().unwrap().len(), 0, "{listed}");

    // A second duplicate of the new claim is caught: scored claims join the history.
    let mut dup = blatant_claim(&history, "BAD-2");
    dup["amount"] = json!(120);
    dup["invoice_no"] = json!("INV-NEW-77");
    let mut first = dup.clone();
    first["claim_id"] = json!("BAD-3");
    let (_, _) = h
        .call("POST", "/v1/expenses/claims", Some(&member), Some(first))
        .await;
    let (_, second) = h
        .call("POST", "/v1/expenses/claims", Some(&member), Some(dup))
        .await;
    let codes: Vec<&str> = second["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"DUPLICATE"), "{second}");
}

/// The requests a receiver got: headers and raw body.
type Received = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

/// A receiver on 127.0.0.1 that fails its first request and records every one.
async fn receiver() -> (String, Received) {
    let seen: Received = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let record = record.clone();
            async move {
                let mut seen = record.lock().unwrap();
                seen.push((headers, body.to_vec()));
                if seen.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

#[tokio::test]
async fn webhooks_are_signed_and_retried() {
    let (url, seen) = receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    let mut hook = WebhookConfig::new(url, "hook-secret");
    hook.initial_backoff_ms = 50;
    hook.max_attempts = 4;
    cfg.webhooks.push(hook);
    let h = start_with(Some(dir), cfg).await;
    let history = h.load_history().await;

    let (status, scored) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&h.admin),
            Some(blatant_claim(&history, "HOOK-1")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(scored["risk_level"], "high");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no retry within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        2,
        "delivered once after one failure, then no more"
    );
    for (i, (headers, body)) in seen.iter().enumerate() {
        assert_eq!(headers["x-mishu-attempt"], (i + 1).to_string());
        assert_eq!(headers["x-mishu-event"], "alert");
        let signature = headers["x-mishu-signature"].to_str().unwrap();
        assert_eq!(
            signature,
            agent::server::webhooks::signature("hook-secret", body)
        );
        assert!(signature.starts_with("sha256=") && signature.len() == 7 + 64);
        let alert: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(alert["claim_id"], "HOOK-1");
    }
    assert_eq!(seen[0].1, seen[1].1, "a retry sends the same body");
}

#[tokio::test]
async fn a_restart_puts_interrupted_jobs_back_in_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    // A first life: history stored, a fit job taken by this node and never finished.
    let job_id = {
        let h = start_with(None, config(dir.path())).await;
        h.load_history().await;
        h.service.stop().await;
        let store = Store::open(&database_url(dir.path())).await.unwrap();
        let job = store
            .enqueue_job("expenses.fit", &json!({}), None)
            .await
            .unwrap();
        let taken = store.claim_next_job("local").await.unwrap().unwrap();
        assert_eq!(taken.id, job.id);
        assert_eq!(taken.attempts, 1);
        store.close().await;
        job.id
    };
    // The restart requeues it and the runner finishes it.
    let service = Service::start(config(dir.path())).await.unwrap();
    let store = service.state().store.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let job = loop {
        let job = store.job(&job_id).await.unwrap().unwrap();
        if job.state.is_finished() {
            break job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "job still {:?}",
            job.state
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(job.state.as_str(), "done", "{job:?}");
    assert_eq!(job.attempts, 2);
    assert!(job.result.unwrap()["fitted"].as_bool().unwrap());
    service.stop().await;
}

#[tokio::test]
async fn a_job_interrupted_too_often_fails_instead() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&database_url(dir.path())).await.unwrap();
    let job = store
        .enqueue_job("expenses.fit", &json!({}), None)
        .await
        .unwrap();
    for _ in 0..3 {
        store.claim_next_job("node-a").await.unwrap().unwrap();
        // Another node's restart leaves this node's job alone.
        assert_eq!(
            store.requeue_interrupted("node-b", 3).await.unwrap(),
            (0, 0)
        );
        let (requeued, failed) = store.requeue_interrupted("node-a", 3).await.unwrap();
        let job = store.job(&job.id).await.unwrap().unwrap();
        if job.attempts < 3 {
            assert_eq!((requeued, failed), (1, 0));
            assert_eq!(job.state.as_str(), "queued");
        } else {
            assert_eq!((requeued, failed), (0, 1));
            assert_eq!(job.state.as_str(), "failed");
        }
    }
    assert!(store.claim_next_job("node-a").await.unwrap().is_none());
}

#[tokio::test]
async fn data_persists_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let h = start_with(None, config(dir.path())).await;
    let history = h.load_history().await;
    let admin = h.admin.clone();
    let (status, scored) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&admin),
            Some(blatant_claim(&history, "KEEP-1")),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, fit) = h
        .call("POST", "/v1/expenses/model/fit", Some(&admin), None)
        .await;
    assert_eq!(fit["state"], "queued", "{fit}");
    h.service.stop().await;

    let h = start_with(None, config(dir.path())).await;
    assert_eq!(h.admin, admin, "no second admin token on restart");
    let (status, stored) = h
        .call("GET", "/v1/expenses/claims/KEEP-1", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stored["assessment"], scored);
    let (_, alerts) = h.call("GET", "/v1/alerts", Some(&admin), None).await;
    assert_eq!(alerts["alerts"][0]["claim_id"], "KEEP-1");
    // Fitted on start from the stored history, the new claim included.
    let (_, model) = h
        .call("GET", "/v1/expenses/model", Some(&admin), None)
        .await;
    assert_eq!(model["fitted"], true, "{model}");
    assert_eq!(model["fitted_on_claims"], history.len() + 1);
    let (status, job) = h
        .call(
            "GET",
            &format!("/v1/jobs/{}", fit["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{job}");
}

#[tokio::test]
async fn a_fit_job_reports_on_its_event_stream_until_done() {
    let h = start().await;
    h.load_history().await;
    let finance = h.token("finance").await;
    let (status, headers, body) = h
        .raw(
            "POST",
            "/v1/expenses/model/fit",
            Some(&finance),
            None,
            "application/json",
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let job: Value = serde_json::from_slice(&body).unwrap();
    let id = job["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/v1/jobs/{id}"));

    // Another member may not watch it; its creator may.
    let member = h.token("member").await;
    let (status, _) = h
        .call("GET", &format!("/v1/jobs/{id}"), Some(&member), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let request = Request::get(format!("/v1/jobs/{id}/events"))
        .header("authorization", format!("Bearer {finance}"))
        .body(Body::empty())
        .unwrap();
    let response = h.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The stream ends by itself once the job is done; read it whole, within 30 s.
    let text = tokio::time::timeout(Duration::from_secs(30), response.into_body().collect())
        .await
        .expect("the job stream ends when the job is done")
        .unwrap()
        .to_bytes();
    let text = String::from_utf8(text.to_vec()).unwrap();
    let states: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| {
            serde_json::from_str::<Value>(d).unwrap()["state"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(states.last().map(String::as_str), Some("done"), "{text}");
    let (_, job) = h
        .call("GET", &format!("/v1/jobs/{id}"), Some(&finance), None)
        .await;
    assert_eq!(job["state"], "done");
    assert_eq!(job["progress"], 1.0);
    assert_eq!(job["result"]["fitted"], true, "{job}");
}

#[tokio::test]
async fn loading_history_fits_the_model_so_the_next_claim_is_scored() {
    let h = start().await;
    let history = history();
    // Too little history: stored, not fitted, and the answer says how far it is.
    let few = serde_json::to_value(&history[..10]).unwrap();
    let (status, out) = h
        .call("POST", "/v1/expenses/history", Some(&h.admin), Some(few))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["model"]["fitted"], false, "{out}");
    assert_eq!(out["model"]["history_claims"], 10, "{out}");
    assert_eq!(out["model"]["min_history"], 30, "{out}");
    let claim = claim_json(&history[history.len() - 1]);
    let (status, body) = h
        .call(
            "POST",
            "/v1/expenses/claims",
            Some(&h.admin),
            Some(claim.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Load at least 20 past claims"),
        "{message}"
    );

    // The rest: the upload itself leaves a fitted model, no separate fit call.
    let rest = serde_json::to_value(&history[10..history.len() - 1]).unwrap();
    let (status, out) = h
        .call("POST", "/v1/expenses/history", Some(&h.admin), Some(rest))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{out}");
    assert_eq!(out["model"]["fitted"], true, "{out}");
    assert_eq!(out["model"]["fitted_on_claims"], history.len() - 1, "{out}");
    let (status, scored) = h
        .call("POST", "/v1/expenses/claims", Some(&h.admin), Some(claim))
        .await;
    assert_eq!(status, StatusCode::OK, "{scored}");
    assert!(scored["risk_score"].is_number(), "{scored}");
}
