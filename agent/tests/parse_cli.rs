//! `mishu parse` through the built binary (INTERFACES.md §1 `parse --json`).

use assert_cmd::Command;
use serde_json::Value;

fn mishu() -> Command {
    Command::cargo_bin("mishu").expect("the mishu binary is built")
}

fn directory() -> String {
    format!("{}/tests/data/directory.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn parse_json_reports_time_words_people_and_departments() {
    let text = "安排週三下午與財務部審核預算，陳大文負責";
    let out = mishu()
        .args([
            "parse",
            "--text",
            text,
            "--now",
            "2026-11-25T10:00:00+08:00",
            "--json",
        ])
        .args(["--directory", &directory()])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let spans = doc["spans"].as_array().expect("spans");
    let summary: Vec<(u64, u64, &str, &str, String)> = spans
        .iter()
        .map(|s| {
            let value = match &s["value"] {
                Value::String(v) => v.clone(),
                v => v.to_string(),
            };
            (
                s["start"].as_u64().unwrap(),
                s["end"].as_u64().unwrap(),
                s["text"].as_str().unwrap(),
                s["kind"].as_str().unwrap(),
                value,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                6,
                18,
                "週三下午",
                "datetime",
                "2026-11-25T14:00:00+08:00".to_string()
            ),
            (21, 30, "財務部", "department", "finance".to_string()),
            (45, 54, "陳大文", "person", "p001".to_string()),
        ]
    );
    for s in spans {
        let (start, end) = (
            s["start"].as_u64().unwrap() as usize,
            s["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[start..end], s["text"].as_str().unwrap());
    }
}

#[test]
fn parse_json_values_of_each_kind() {
    let out = mishu()
        .args([
            "parse",
            "--now",
            "2026-11-25T10:00:00+08:00",
            "--json",
            "--text",
        ])
        .arg("every Wednesday at 10am, 2-4pm tomorrow, 個半鐘, by Friday, 2月30日, we")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let kinds: Vec<&str> = doc["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "recurrence",
            "interval",
            "duration",
            "deadline",
            "invalid_date",
            "speaker"
        ]
    );
    let spans = &doc["spans"];
    assert_eq!(spans[0]["value"]["rrule"], "FREQ=WEEKLY;BYDAY=WE");
    assert_eq!(spans[0]["value"]["first"], "2026-12-02T10:00:00+08:00");
    assert_eq!(spans[1]["value"]["start"], "2026-11-26T14:00:00+08:00");
    assert_eq!(spans[1]["value"]["end"], "2026-11-26T16:00:00+08:00");
    assert_eq!(spans[2]["value"], "PT1H30M");
    assert_eq!(spans[3]["value"], "2026-11-27");
    assert_eq!(spans[5]["value"], "we");
}

#[test]
fn parse_prints_a_table_without_json() {
    let out = mishu()
        .args([
            "parse",
            "--text",
            "聽日下午三點",
            "--now",
            "2026-11-25T10:00:00+08:00",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("BYTES"), "{table}");
    assert!(
        table.contains("datetime") && table.contains("2026-11-26T15:00:00+08:00"),
        "{table}"
    );
}

#[test]
fn bad_input_exits_with_2_and_says_what() {
    for (args, needle) in [
        (vec!["--now", "yesterday"], "--now"),
        (vec!["--tz", "Mars/Olympus"], "--tz"),
        (
            vec!["--directory", "/no/such/directory.json"],
            "/no/such/directory.json",
        ),
    ] {
        let out = mishu()
            .args(["parse", "--text", "聽日"])
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
