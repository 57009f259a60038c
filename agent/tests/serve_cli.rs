//! The built `mishu` binary over loopback: `mishu serve` on a fresh data directory
//! writes the first admin token, `mishu tokens create` adds one, and both authenticate.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kills the server when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; returns the status code and the body.
fn get(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_bootstraps_an_admin_token_and_tokens_create_adds_one() {
    let dir = tempfile::tempdir().unwrap();
    let mishu = env!("CARGO_BIN_EXE_mishu");

    let mut child = Command::new(mishu)
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env_remove("MISHU_ADDR")
        // No commands here: spare the machine the LLM warm-up `serve` starts with.
        .env("MISHU_COMMAND_MODEL", "rules")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let server = Server(child);
    let mut said = Vec::new();
    let addr = loop {
        let line = lines.next().expect("mishu serve stopped").unwrap();
        said.push(line.clone());
        if let Some(rest) = line.strip_prefix("mishu: serving on http://") {
            break rest.trim().to_string();
        }
        assert!(said.len() < 50, "{said:?}");
    };
    assert!(
        said.iter()
            .any(|l| l.contains("admin-token") && l.contains("0600")),
        "the first start says where the admin token is: {said:?}"
    );
    let admin = std::fs::read_to_string(dir.path().join("admin-token")).unwrap();

    let (status, body) = get(&addr, "/v1/health", None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
    let (status, body) = get(&addr, "/v1/alerts", None);
    assert_eq!(status, 401);
    assert!(body.contains("\"code\":\"unauthorized\""), "{body}");
    let (status, _) = get(&addr, "/v1/alerts", Some(admin.trim()));
    assert_eq!(status, 200);

    // A token made by the CLI while the server runs (the same database) works at once.
    let out = Command::new(mishu)
        .args([
            "tokens",
            "create",
            "--role",
            "audit",
            "--name",
            "Audit team",
            "--json",
            "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["role"], "audit");
    let secret = created["secret"].as_str().unwrap();
    let (status, _) = get(&addr, "/v1/alerts", Some(secret));
    assert_eq!(status, 200);
    let (status, _) = get(&addr, "/v1/expenses/model/fit", Some(secret));
    assert_eq!(status, 405);

    // A bad role is bad usage (exit 2) and names the roles.
    let out = Command::new(mishu)
        .args([
            "tokens", "create", "--role", "boss", "--name", "x", "--data",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("one of admin"));
    drop(server);
}
