//! Single-claim latency of `POST /v1/expenses/claims` at a fixed request rate, over
//! loopback, against the real `mishu serve` binary.
//!
//! Open loop: request i is due at start + i/rate and its latency is measured from when it
//! was due, so a slow server cannot hide its queueing (no coordinated omission).
//! The history is a synthetic Hong Kong company (anomaly::synth), loaded as CSV and
//! fitted before the measurement; each request is one new claim with a unique id.
//!
//! `cargo bench -p agent --bench api -- [--rate 500] [--seconds 20] [--employees 60]`
//! (scripts/bench-api runs it).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anomaly::synth::{generate, SynthConfig};
use anomaly::{write_claims, Policy};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

struct Args {
    rate: f64,
    seconds: f64,
    warmup_seconds: f64,
    employees: usize,
}

fn args() -> Args {
    let mut args = Args {
        rate: 500.0,
        seconds: 20.0,
        warmup_seconds: 2.0,
        employees: 60,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse::<f64>().ok());
        match flag.as_str() {
            "--rate" => args.rate = value().expect("--rate N"),
            "--seconds" => args.seconds = value().expect("--seconds N").min(120.0),
            "--warmup" => args.warmup_seconds = value().expect("--warmup N").min(30.0),
            "--employees" => args.employees = value().expect("--employees N") as usize,
            _ => {} // cargo bench passes --bench
        }
    }
    args
}

async fn send(
    client: &HttpClient,
    method: &str,
    url: &str,
    token: &str,
    content_type: &str,
    body: Bytes,
) -> (u16, Bytes) {
    let request = Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(Full::new(body))
        .unwrap();
    match client.request(request).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            (status, body)
        }
        Err(_) => (0, Bytes::new()),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// CPU seconds (user + system) the process has used, from /proc (Linux).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf reads a constant.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    Some(ticks / hz)
}

fn main() {
    let args = args();
    let dir = tempfile::tempdir().unwrap();
    // MISHU_BENCH_BIN: another build of mishu (e.g. when the bench is copied elsewhere).
    let bin =
        std::env::var("MISHU_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_mishu").into());
    let mut server = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("MISHU_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mishu serve");
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("mishu serve exited").unwrap();
        if let Some(rest) = line.strip_prefix("mishu: serving on http://") {
            break rest.trim().to_string();
        }
    };
    // Keep draining the server's stderr.
    std::thread::spawn(move || for _ in lines {});
    let token = std::fs::read_to_string(dir.path().join("admin-token"))
        .unwrap()
        .trim()
        .to_string();
    let base = format!("http://{addr}");

    let policy = Policy::default();
    let data = generate(
        &SynthConfig {
            employees: args.employees,
            ..SynthConfig::default()
        },
        &policy,
    );
    let mut csv = Vec::new();
    write_claims(&mut csv, &data.history, None).unwrap();
    let total = ((args.rate * (args.seconds + args.warmup_seconds)).ceil() as usize).max(1);
    let bodies: Vec<Bytes> = (0..total)
        .map(|i| {
            let mut claim = data.new_claims[i % data.new_claims.len()].clone();
            claim.claim_id = format!("BENCH-{i}");
            Bytes::from(serde_json::to_vec(&claim).unwrap())
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let pid = server.id();
    let report = runtime.block_on(async {
        let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
        let started = Instant::now();
        let (status, body) = send(
            &client,
            "POST",
            &format!("{base}/v1/expenses/history"),
            &token,
            "text/csv",
            Bytes::from(csv),
        )
        .await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
        let load_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let (status, body) = send(
            &client,
            "POST",
            &format!("{base}/v1/expenses/model/fit"),
            &token,
            "application/json",
            Bytes::new(),
        )
        .await;
        assert_eq!(status, 202, "{}", String::from_utf8_lossy(&body));
        let job: Value = serde_json::from_slice(&body).unwrap();
        let job_url = format!("{base}/v1/jobs/{}", job["id"].as_str().unwrap());
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (_, body) = send(
                &client,
                "GET",
                &job_url,
                &token,
                "application/json",
                Bytes::new(),
            )
            .await;
            let job: Value = serde_json::from_slice(&body).unwrap();
            match job["state"].as_str() {
                Some("done") => break,
                Some("failed") => panic!("fit failed: {job}"),
                _ => assert!(Instant::now() < deadline, "fit did not finish in 120 s"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let fit_s = started.elapsed().as_secs_f64();

        let url = format!("{base}/v1/expenses/claims");
        let interval = Duration::from_secs_f64(1.0 / args.rate);
        let warmup = (args.rate * args.warmup_seconds) as usize;
        let start = tokio::time::Instant::now() + Duration::from_millis(100);
        let cpu_before = cpu_seconds(pid);
        let mut tasks = Vec::with_capacity(total);
        for (i, body) in bodies.into_iter().enumerate() {
            let due = start + interval * i as u32;
            tokio::time::sleep_until(due).await;
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let (status, _) =
                    send(&client, "POST", &url, &token, "application/json", body).await;
                (i, status, due.elapsed().as_secs_f64() * 1000.0)
            }));
        }
        let sent_over = start.elapsed().as_secs_f64();
        let cpu = cpu_seconds(pid)
            .zip(cpu_before)
            .map(|(after, before)| after - before);
        let mut latencies = Vec::new();
        let mut errors = 0usize;
        for task in tasks {
            let (i, status, ms) = task.await.unwrap();
            if i < warmup {
                continue;
            }
            if status == 200 {
                latencies.push(ms);
            } else {
                errors += 1;
            }
        }
        latencies.sort_by(|a, b| a.total_cmp(b));
        (load_s, fit_s, sent_over, latencies, errors, warmup, cpu)
    });
    let _ = Command::new("kill").arg(server.id().to_string()).status();
    let _ = server.wait();

    let (load_s, fit_s, sent_over, lat, errors, warmup, cpu) = report;
    let measured = lat.len() + errors;
    println!(
        "history: {} claims loaded in {load_s:.2} s, fitted in {fit_s:.2} s",
        data.history.len()
    );
    println!(
        "POST /v1/expenses/claims, one claim each: {measured} requests measured at {} req/s \
         (after {warmup} warm-up), sent over {sent_over:.1} s",
        args.rate
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  errors {errors}",
        percentile(&lat, 50.0),
        percentile(&lat, 90.0),
        percentile(&lat, 99.0),
        percentile(&lat, 99.9),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    if let Some(cpu) = cpu {
        println!(
            "server CPU: {cpu:.1} s over the run ({:.2} ms per request, {:.0}% of one core)",
            cpu * 1000.0 / total as f64,
            cpu * 100.0 / sent_over
        );
    }
}
