//! `mishu command … --save --data DIR`: the built binary, with the rules alone
//! (`--model rules`, no LLM), storing events, tasks and reminders in the data
//! directory's database, reporting clashes, and storing nothing for `unknown`.

use assert_cmd::Command;
use serde_json::Value;

use agent::store::tasks::TaskQuery;
use agent::store::Store;

const DIRECTORY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/commands/directory.json"
);
const NOW: &str = "2026-11-25T10:00:00+08:00";

fn mishu() -> Command {
    let mut cmd = Command::cargo_bin("mishu").expect("the mishu binary is built");
    cmd.env_remove("MISHU_DATA_DIR");
    cmd
}

/// Runs one instruction and returns its JSON output.
fn command(data: &std::path::Path, text: &str, save: bool) -> Value {
    command_with(data, text, save, &[])
}

/// As [`command`], with more options.
fn command_with(data: &std::path::Path, text: &str, save: bool, extra: &[&str]) -> Value {
    let mut cmd = mishu();
    cmd.args(["command", "--model", "rules", "--json", "--now", NOW])
        .args(["--directory", DIRECTORY, "--text", text])
        .arg("--data")
        .arg(data);
    if save {
        cmd.arg("--save");
    }
    cmd.args(extra);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{text}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn store(data: &std::path::Path) -> (tokio::runtime::Runtime, Store) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(Store::open(&Store::default_url(data))).unwrap();
    (rt, store)
}

#[test]
fn an_event_is_stored_and_the_same_again_is_a_duplicate_that_clashes_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Set up a meeting with Peter tomorrow at 3pm to review the budget";
    let first = command(dir.path(), text, true);
    assert_eq!(first["saved"], "event", "{first}");
    assert_eq!(first["conflicts"], Value::Array(vec![]));
    let id = first["id"].as_str().unwrap().to_string();

    // The same again is a duplicate: stored only when asked to.
    let repeated = command(dir.path(), text, true);
    assert!(repeated.get("saved").is_none(), "{repeated}");
    assert_eq!(repeated["duplicate_of"]["id"], id.as_str());
    let second = command_with(dir.path(), text, true, &["--allow-duplicate"]);
    assert_eq!(second["saved"], "event");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(second["duplicate_of"]["id"], id.as_str());
    let clashes = second["conflicts"].as_array().unwrap();
    assert_eq!(clashes.len(), 1, "{second}");
    assert_eq!(clashes[0]["event_id"], id.as_str());
    assert_eq!(clashes[0]["start"], "2026-11-26T15:00:00+08:00");
    assert_eq!(clashes[0]["attendees"], serde_json::json!(["p001"]));

    // Without --save the clashes are still reported, and nothing more is stored.
    let preview = command(dir.path(), text, false);
    assert!(preview.get("id").is_none());
    assert_eq!(preview["conflicts"].as_array().unwrap().len(), 2);

    let (rt, store) = store(dir.path());
    let stored = rt
        .block_on(store.event(&id))
        .unwrap()
        .expect("the event is stored");
    assert_eq!(stored.start, "2026-11-26T15:00:00+08:00");
    assert_eq!(stored.end, "2026-11-26T16:00:00+08:00");
    assert_eq!(stored.attendees.len(), 1);
    assert_eq!(
        stored.attendees[0].email.as_deref(),
        Some("peter.chan@harbourlight.hk"),
        "e-mails come from the directory"
    );
    assert_eq!(stored.source_text.as_deref(), Some(text));
    let all = rt
        .block_on(store.occurrences("2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z", None))
        .unwrap();
    assert_eq!(all.len(), 2);
}

#[test]
fn a_department_meeting_invites_its_members() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), "安排週三下午三點與財務部開會審核預算", true);
    assert_eq!(out["saved"], "event", "{out}");
    let (rt, store) = store(dir.path());
    let e = rt
        .block_on(store.event(out["id"].as_str().unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(e.departments, ["finance"]);
    let ids: Vec<&str> = e.attendees.iter().map(|a| a.id.as_str()).collect();
    assert!(ids.contains(&"p001") && ids.contains(&"p002"), "{ids:?}");
    assert_eq!(e.title, out["title"].as_str().unwrap());
}

#[test]
fn a_task_lands_on_the_assignees_list_and_a_reminder_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let task = command(
        dir.path(),
        "Ask Amy to send the Q4 budget by next Monday",
        true,
    );
    assert_eq!(task["saved"], "task", "{task}");
    let reminder = command(
        dir.path(),
        "Remind me to call the landlord on Friday at 9am",
        true,
    );
    assert_eq!(reminder["saved"], "reminder", "{reminder}");

    let (rt, store) = store(dir.path());
    let amy = rt
        .block_on(store.tasks(&TaskQuery {
            assignee: Some("p002"),
            ..Default::default()
        }))
        .unwrap();
    assert_eq!(amy.len(), 1);
    assert_eq!(amy[0].id, task["id"].as_str().unwrap());
    assert_eq!(amy[0].due.as_deref(), task["due"].as_str());
    let due = rt
        .block_on(store.due_reminders("2026-11-27T09:00:00+08:00"))
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].id, reminder["id"].as_str().unwrap());
}

#[test]
fn unknown_stores_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), "What's the weather like tomorrow?", true);
    assert_eq!(out["intent"], "unknown", "{out}");
    assert!(out["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(out.get("id").is_none() && out.get("saved").is_none());
    let (rt, store) = store(dir.path());
    assert!(rt
        .block_on(store.occurrences("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", None))
        .unwrap()
        .is_empty());
    assert!(rt
        .block_on(store.tasks(&TaskQuery::default()))
        .unwrap()
        .is_empty());
    assert!(rt.block_on(store.reminders(None, None)).unwrap().is_empty());
}

#[test]
fn without_a_database_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("not-yet");
    let out = command(&data, "Set up a meeting with Peter tomorrow at 3pm", false);
    assert_eq!(out["intent"], "create_event");
    assert!(
        !data.exists(),
        "a preview does not create the data directory"
    );
}
