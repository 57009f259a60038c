//! `mishu command … --save` asked again for something already there: a task already
//! open on its assignee's list, said in other words, or an event of someone invited,
//! at an overlapping time, whose title means the same. It is reported in
//! `duplicate_of` and not stored (unless `--allow-duplicate`); something else for the
//! same person is stored. With the sentence encoder (minilm-l6, as installed) and
//! without it (a model directory without it: words only). The rules understand the
//! instructions (`--model rules`), so the titles are known.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use agent::store::tasks::{TaskQuery, TaskStatus};
use agent::store::Store;

const DIRECTORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/commands/directory.json"
);
const NOW: &str = "2026-11-25T10:00:00+08:00";

/// Runs one instruction with `--save` and returns its JSON output and its text on
/// stderr. `models`: the model directory (default: the installed one).
fn command(data: &Path, text: &str, models: Option<&Path>, extra: &[&str]) -> (Value, String) {
    let mut cmd = Command::cargo_bin("mishu").expect("the mishu binary is built");
    cmd.env_remove("MISHU_DATA_DIR");
    if let Some(dir) = models {
        cmd.env("MISHU_MODELS_DIR", dir);
    }
    cmd.args([
        "command", "--model", "rules", "--json", "--now", NOW, "--save",
    ])
    .args(["--directory", DIRECTORY, "--text", text])
    .arg("--data")
    .arg(data)
    .args(extra);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{text}: {stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

fn open_tasks(data: &Path, assignee: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(Store::open(&Store::default_url(data))).unwrap();
    let tasks = rt
        .block_on(store.tasks(&TaskQuery {
            assignee: Some(assignee),
            status: Some(TaskStatus::Open),
            ..Default::default()
        }))
        .unwrap();
    rt.block_on(store.close());
    tasks.into_iter().map(|t| t.title).collect()
}

fn event_count(data: &Path) -> usize {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(Store::open(&Store::default_url(data))).unwrap();
    let n = rt
        .block_on(store.occurrences("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z", None))
        .unwrap()
        .len();
    rt.block_on(store.close());
    n
}

/// A model directory with every installed model but the sentence encoder.
fn models_without_encoder() -> (tempfile::TempDir, PathBuf) {
    let installed =
        models::ModelStore::open(std::env::var_os("MISHU_MODELS_DIR").map(PathBuf::from))
            .unwrap()
            .dir()
            .to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&installed).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "minilm-l6" {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn a_task_said_again_in_other_words_is_reported_and_not_stored_twice() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (first, _) = command(
        data,
        "Ask Amy to email Kelly the signed contract by Friday",
        None,
        &[],
    );
    assert_eq!(first["saved"], "task", "{first}");
    assert_eq!(first["duplicate_of"], Value::Null);
    let id = first["id"].as_str().unwrap();

    // The same task in other words: reported, nothing stored.
    let (again, stderr) = command(
        data,
        "Please have Amy send the signed contract to Kelly by Friday",
        None,
        &[],
    );
    assert!(again.get("saved").is_none(), "{again}");
    assert!(again.get("id").is_none(), "{again}");
    let d = &again["duplicate_of"];
    assert_eq!(d["kind"], "task", "{again}");
    assert_eq!(d["id"], id);
    assert_eq!(d["title"], first["title"]);
    assert_eq!(d["matched_by"], "meaning", "the words differ: {again}");
    assert!(stderr.contains("nothing was saved"), "{stderr}");
    assert_eq!(open_tasks(data, "p002").len(), 1);

    // Another task for Amy is stored.
    let (other, _) = command(
        data,
        "Ask Amy to book a hotel in Tokyo by Friday",
        None,
        &[],
    );
    assert_eq!(other["saved"], "task", "{other}");
    assert_eq!(other["duplicate_of"], Value::Null, "{other}");
    // The first task for someone else is theirs.
    let (kelly, _) = command(
        data,
        "Ask Kelly to email Amy the signed contract by Friday",
        None,
        &[],
    );
    assert_eq!(kelly["saved"], "task", "{kelly}");
    assert_eq!(open_tasks(data, "p002").len(), 2);

    // Asked to, it is stored all the same, and still says what it repeats.
    let (forced, _) = command(
        data,
        "Please have Amy send the signed contract to Kelly by Friday",
        None,
        &["--allow-duplicate"],
    );
    assert_eq!(forced["saved"], "task", "{forced}");
    assert_eq!(forced["duplicate_of"]["id"], id);
    assert_eq!(open_tasks(data, "p002").len(), 3);
}

#[test]
fn chinese_tasks_said_again_are_caught_across_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (first, _) = command(data, "叫美儀禮拜五之前交報告", None, &[]);
    assert_eq!(first["saved"], "task", "{first}");
    // Mandarin, in Simplified characters, for the same person and the same report.
    let (again, _) = command(data, "让美仪星期五之前交报告", None, &[]);
    assert_eq!(again["duplicate_of"]["id"], first["id"], "{again}");
    assert!(again.get("saved").is_none());
    let (other, _) = command(data, "叫美儀禮拜五之前訂機票去東京", None, &[]);
    assert_eq!(other["saved"], "task", "{other}");
    assert_eq!(other["duplicate_of"], Value::Null, "{other}");
    assert_eq!(open_tasks(data, "p002").len(), 2);
}

#[test]
fn an_event_that_means_the_same_at_an_overlapping_time_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (first, _) = command(
        data,
        "Set up a budget review with Peter tomorrow at 3pm",
        None,
        &[],
    );
    assert_eq!(first["saved"], "event", "{first}");
    let id = first["id"].as_str().unwrap();

    let (again, stderr) = command(
        data,
        "Put a review of the budget with Peter on the calendar for tomorrow at 3:30pm",
        None,
        &[],
    );
    assert_eq!(again["duplicate_of"]["kind"], "event", "{again}");
    assert_eq!(again["duplicate_of"]["id"], id);
    assert_eq!(
        again["duplicate_of"]["start"], "2026-11-26T15:00:00+08:00",
        "{again}"
    );
    assert!(again.get("saved").is_none(), "{again}");
    // The clash is still reported as clashes are.
    assert_eq!(again["conflicts"][0]["event_id"], id);
    assert!(stderr.contains("--allow-duplicate"), "{stderr}");
    assert_eq!(event_count(data), 1);

    // Something else with Peter at that time is another event: stored, and it clashes.
    let (lunch, _) = command(data, "Lunch with Peter tomorrow at 3pm", None, &[]);
    assert_eq!(lunch["saved"], "event", "{lunch}");
    assert_eq!(lunch["duplicate_of"], Value::Null, "{lunch}");
    assert_eq!(lunch["conflicts"][0]["event_id"], id);
    assert_eq!(event_count(data), 2);
}

#[test]
fn without_the_encoder_word_level_duplicates_are_still_caught() {
    let (_models, models) = models_without_encoder();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (first, _) = command(
        data,
        "Ask Amy to send the Q4 budget by next Monday",
        Some(&models),
        &[],
    );
    assert_eq!(first["saved"], "task", "{first}");
    let (again, _) = command(
        data,
        "Amy, please send the Q4 budget by Monday",
        Some(&models),
        &[],
    );
    assert_eq!(again["duplicate_of"]["id"], first["id"], "{again}");
    assert_eq!(again["duplicate_of"]["matched_by"], "words");
    assert!(again.get("saved").is_none(), "{again}");
    let (other, _) = command(
        data,
        "Ask Amy to book a hotel in Tokyo by Friday",
        Some(&models),
        &[],
    );
    assert_eq!(other["saved"], "task", "{other}");
    assert_eq!(open_tasks(data, "p002").len(), 2);
}
