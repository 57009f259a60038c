//! `mishu expenses` through the built binary: synth → train → score, and the exit codes of
//! INTERFACES.md (2 when rows are rejected, with the good rows still printed).

use assert_cmd::Command;

fn mishu() -> Command {
    Command::cargo_bin("mishu").unwrap()
}

fn synth(dir: &std::path::Path) {
    mishu()
        .args([
            "expenses",
            "synth",
            "--employees",
            "40",
            "--seed",
            "5",
            "--out-dir",
        ])
        .arg(dir)
        .assert()
        .success();
}

#[test]
fn synth_train_score_json() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    let model = dir.path().join("model.json");
    mishu()
        .args(["expenses", "train", "--history"])
        .arg(dir.path().join("history.csv"))
        .arg("--out")
        .arg(&model)
        .assert()
        .success();
    let out = mishu()
        .args(["expenses", "score", "--json", "--claims"])
        .arg(dir.path().join("new.csv"))
        .arg("--model")
        .arg(&model)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let scores: Vec<serde_json::Value> = serde_json::from_slice(&out).unwrap();
    let rows = std::fs::read_to_string(dir.path().join("new.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(scores.len(), rows);
    let levels = ["low", "medium", "high"];
    let routes = ["auto_approve", "manager", "finance", "audit"];
    for s in &scores {
        let risk = s["risk_score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&risk));
        assert!(levels.contains(&s["risk_level"].as_str().unwrap()));
        assert!(routes.contains(&s["route"].as_str().unwrap()));
        assert!(s["reasons"].is_array());
    }
    assert!(scores.iter().any(|s| s["risk_level"] == "high"));

    // The same claims scored by fitting on the history directly agree with the saved model.
    let direct = mishu()
        .args(["expenses", "score", "--json", "--claims"])
        .arg(dir.path().join("new.csv"))
        .arg("--history")
        .arg(dir.path().join("history.csv"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(direct, out);
}

#[test]
fn rejected_rows_exit_2_and_good_rows_are_still_scored() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    let new = std::fs::read_to_string(dir.path().join("new.csv")).unwrap();
    let mut lines: Vec<String> = new.lines().take(6).map(str::to_string).collect();
    lines[2] = lines[2].replacen(",HKD,", ",XYZ,", 1);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let assert = mishu()
        .args(["expenses", "score", "--claims"])
        .arg(&bad)
        .arg("--history")
        .arg(dir.path().join("history.csv"))
        .assert()
        .code(2);
    let output = assert.get_output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3, field currency"), "{stderr}");
    assert!(stdout.contains("4 claims"), "{stdout}");
}

#[test]
fn bad_input_files_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing_column = dir.path().join("m.csv");
    std::fs::write(&missing_column, "claim_id,employee_id\nC1,E1\n").unwrap();
    let train = mishu()
        .args(["expenses", "train", "--history"])
        .arg(&missing_column)
        .arg("--out")
        .arg(dir.path().join("x.json"))
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&train.get_output().stderr).to_string();
    assert!(stderr.contains("missing column `department`"), "{stderr}");
    let not_a_model = dir.path().join("n.json");
    std::fs::write(&not_a_model, "[]").unwrap();
    mishu()
        .args(["expenses", "score", "--claims"])
        .arg(&missing_column)
        .arg("--model")
        .arg(&not_a_model)
        .assert()
        .code(2);
}
