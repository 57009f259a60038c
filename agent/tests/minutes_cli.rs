//! `mishu minutes` through the built binary: bad input exits 2 naming the problem
//! (before any model is loaded), and real minutes with the default minutes model on
//! meetings of the development set (tests/fixtures/meetings): no invented items on a
//! meeting without any, grounded items with the right owners and due dates on one
//! with several, honest output for a transcript without speakers, and the Markdown
//! action-item table. Needs the models (`mishu models fetch`; a missing model fails).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn mishu() -> Command {
    let mut cmd = Command::cargo_bin("mishu").expect("the mishu binary is built");
    cmd.env_remove("MISHU_DATA_DIR");
    cmd
}

fn meetings() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/meetings")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn minutes(input: &Path, extra: &[&str]) -> Output {
    mishu()
        .arg("minutes")
        .arg(input)
        .arg("--directory")
        .arg(meetings().join("directory.json"))
        .args(extra)
        .output()
        .expect("runs")
}

/// Exit code 2, a message naming `words`, no panic.
fn assert_bad_input(out: &Output, words: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for w in words {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
}

/// A 16-bit mono 16 kHz WAV of `samples`.
fn write_wav(path: &Path, samples: &[f32]) {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&32_000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

#[test]
fn empty_and_wordless_transcripts_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    assert_bad_input(&minutes(&empty, &[]), &["empty.txt", "empty"]);
    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\n   \n\t\n").unwrap();
    assert_bad_input(&minutes(&blank, &[]), &["blank.txt", "empty"]);
    let dots = dir.path().join("dots.txt");
    std::fs::write(&dots, "...\n---\nAmy: …\n").unwrap();
    assert_bad_input(&minutes(&dots, &[]), &["dots.txt", "no words"]);
    let no_segments = dir.path().join("t.json");
    std::fs::write(&no_segments, r#"{"segments": []}"#).unwrap();
    assert_bad_input(&minutes(&no_segments, &[]), &["t.json", "empty"]);
    let not_transcribe = dir.path().join("other.json");
    std::fs::write(&not_transcribe, r#"{"text": "hello"}"#).unwrap();
    assert_bad_input(&minutes(&not_transcribe, &[]), &["other.json", "segments"]);
    let binary = dir.path().join("binary.txt");
    std::fs::write(&binary, [0x89, b'P', b'N', b'G', 0xff, 0xfe, 0x00]).unwrap();
    assert_bad_input(&minutes(&binary, &[]), &["binary.txt", "not UTF-8"]);
}

#[test]
fn files_that_are_not_audio_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    // Random bytes named as a recording.
    let mut x: u64 = 7;
    let noise: Vec<u8> = (0..64 * 1024)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect();
    let wav = dir.path().join("random.wav");
    std::fs::write(&wav, &noise).unwrap();
    assert_bad_input(&minutes(&wav, &[]), &["random.wav"]);
    // An image.
    let png = dir.path().join("photo.png");
    let mut image = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0".to_vec();
    image.extend_from_slice(&noise[..512]);
    std::fs::write(&png, &image).unwrap();
    assert_bad_input(
        &minutes(&png, &[]),
        &["photo.png", "not a supported audio file"],
    );
    let nothing = dir.path().join("nothing.m4a");
    std::fs::write(&nothing, "").unwrap();
    assert_bad_input(&minutes(&nothing, &[]), &["nothing.m4a", "empty"]);
    let missing = dir.path().join("missing.mp3");
    assert_bad_input(&minutes(&missing, &[]), &["missing.mp3"]);
}

#[test]
fn a_recording_over_the_limit_exits_2_before_transcribing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("long.wav");
    // 12 s of a quiet tone against a limit of 3.6 s.
    let samples: Vec<f32> = (0..16_000 * 12)
        .map(|i| 0.1 * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin())
        .collect();
    write_wav(&wav, &samples);
    let out = minutes(&wav, &["--max-audio-hours", "0.001"]);
    assert_bad_input(&out, &["long.wav", "0 min 12 s", "0 min 4 s", "cut it"]);
    assert!(!stderr(&out).contains("transcribing"), "{}", stderr(&out));
    for bad in ["0", "-1", "NaN", "inf"] {
        let out = minutes(&wav, &[&format!("--max-audio-hours={bad}")]);
        assert_bad_input(&out, &["--max-audio-hours"]);
    }
    let help = mishu().args(["minutes", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--max-audio-hours") && help.contains("default: 4"),
        "{help}"
    );
}

#[test]
fn a_recording_without_speech_says_so_after_transcribing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("silence.wav");
    write_wav(&wav, &vec![0.0; 16_000 * 20]);
    let out = minutes(&wav, &[]);
    assert_bad_input(&out, &["silence.wav", "no speech"]);
    let err = stderr(&out);
    assert!(err.contains("transcribing 0%"), "progress lines: {err}");
}

// ---- with the default minutes model -------------------------------------------------

fn expected(name: &str) -> Value {
    let path = meetings().join(format!("{name}.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// The minutes of a development-set meeting as JSON, with the default model.
fn dev_minutes(name: &str) -> (Value, String) {
    let case = expected(name);
    let transcript = meetings().join(case["transcript"].as_str().unwrap());
    let out = minutes(&transcript, &["--now", case["now"].as_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "mishu minutes {name} failed (exit code {:?}, signal {:?}): {err}",
        out.status.code(),
        std::os::unix::process::ExitStatusExt::signal(&out.status)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["model"], agent::minutes::DEFAULT_MODEL);
    (doc, err)
}

fn directory_ids() -> HashSet<String> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(meetings().join("directory.json")).unwrap())
            .unwrap();
    doc["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// scripts/eval-minutes' rule: at least half of the keyword groups (`a|b|c`
/// alternatives) are in the task.
fn half_the_groups(groups: &Value, task: &str) -> bool {
    let task = task.to_lowercase();
    let groups = groups.as_array().unwrap();
    let hit = groups
        .iter()
        .filter(|g| {
            g.as_str()
                .unwrap()
                .split('|')
                .any(|alt| task.contains(&alt.trim().to_lowercase()))
        })
        .count();
    !groups.is_empty() && hit >= 1.max(groups.len().div_ceil(2))
}

fn due_is_right(expected: &Value, got: &Value) -> bool {
    let day = |v: &Value| v.as_str().map(|s| s[..10.min(s.len())].to_string());
    let got = day(got);
    match expected {
        Value::Array(accepted) => accepted.iter().any(|a| day(a) == got),
        one => day(one) == got,
    }
}

#[test]
fn a_meeting_without_action_items_gets_none() {
    let (doc, err) = dev_minutes("en_no_actions_townhall");
    assert_eq!(
        doc["action_items"].as_array().unwrap().len(),
        0,
        "invented action items: {}",
        doc["action_items"]
    );
    let summary = doc["summary"].as_str().unwrap();
    assert!(
        summary.split_whitespace().count() >= 5,
        "summary: {summary:?}"
    );
    assert_eq!(doc["language"], "en");
    assert!(err.contains("extracting part 1/1"), "progress lines: {err}");
    let stats = &doc["stats"];
    for key in [
        "decode_s",
        "speech_load_s",
        "transcribe_s",
        "load_s",
        "prefill_s",
        "generate_s",
        "second_look_s",
        "summary_s",
        "merge_s",
        "total_s",
        "dropped_items",
        "dropped_decisions",
        "checked_lines",
    ] {
        assert!(stats[key].as_f64().is_some(), "stats.{key}: {stats}");
    }
    assert_eq!(
        stats["audio_s"], 0.0,
        "a transcript has no recording: {stats}"
    );
    assert!(stats["prefill_s"].as_f64().unwrap() > 0.0, "{stats}");
    assert!(stats["generate_s"].as_f64().unwrap() > 0.0, "{stats}");
    // The second look and the summary are parts of the model's time, never more.
    let model_s = stats["prefill_s"].as_f64().unwrap() + stats["generate_s"].as_f64().unwrap();
    let parts = stats["second_look_s"].as_f64().unwrap() + stats["summary_s"].as_f64().unwrap();
    assert!(parts <= model_s + 0.01, "{stats}");
}

#[test]
fn a_standup_gets_grounded_items_with_owners_and_due_dates() {
    let name = "mix_standup";
    let case = expected(name);
    let (doc, _) = dev_minutes(name);
    let transcript =
        std::fs::read_to_string(meetings().join(case["transcript"].as_str().unwrap())).unwrap();
    let ids = directory_ids();
    let items = doc["action_items"].as_array().unwrap();
    for item in items {
        let said = item["source"]["text"].as_str().unwrap();
        assert!(
            said.split_whitespace().count() >= 3 || said.chars().count() >= 4,
            "a quote too short to say a task: {item}"
        );
        // The words said, not the speaker's label in front of them.
        let line = transcript
            .lines()
            .find(|l| l.contains(said))
            .unwrap_or_else(|| panic!("not in the transcript: {item}"));
        let label_end = line.find(':').unwrap();
        assert!(
            line[label_end..].contains(said),
            "quotes the speaker label: {item}"
        );
        if let Some(id) = item["owner"]["id"].as_str() {
            assert!(ids.contains(id), "owner not in the directory: {item}");
        }
    }
    let wanted = case["action_items"].as_array().unwrap();
    let mut used = HashSet::new();
    let mut right = 0;
    for e in wanted {
        let found = items.iter().enumerate().find(|(i, p)| {
            !used.contains(i)
                && p["owner"]["id"].as_str() == e["owner"].as_str()
                && half_the_groups(&e["task"], p["task"].as_str().unwrap())
        });
        if let Some((i, p)) = found {
            used.insert(i);
            if due_is_right(&e["due"], &p["due"]) {
                right += 1;
            }
        }
    }
    assert!(
        right * 2 >= wanted.len(),
        "{right} of {} expected items found with the right owner and due date: {}",
        wanted.len(),
        serde_json::to_string_pretty(items).unwrap()
    );
}

#[test]
fn a_transcript_without_speakers_is_honest_and_renders_as_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.txt");
    std::fs::write(
        &path,
        "Thanks for coming, this is the contract review.\n\
         The client has signed the contract for the new warehouse.\n\
         I will send the signed contract to the client by Friday.\n\
         We need to book the training room for next Tuesday.\n\
         That is all for today.\n",
    )
    .unwrap();
    let now = ["--now", "2026-11-24T10:00:00+08:00"];
    let out = minutes(&path, &[&now[..], &["--format", "md"]].concat());
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("names no speakers"), "{err}");
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("# Meeting minutes\n"), "{md}");
    assert!(md.contains("**Date:** 2026-11-24"), "{md}");
    assert!(
        md.contains("## Summary") && md.contains("## Decisions"),
        "{md}"
    );
    assert!(
        md.contains("| Owner | Task | Due | Said at |\n|---|---|---|---|\n"),
        "the action-item table: {md}"
    );
    // Nobody is named: "I will…" has no owner, and says who it was ("I").
    let rows: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("|---"))
        .skip(1)
        .filter(|l| l.starts_with('|'))
        .collect();
    assert!(!rows.is_empty(), "{md}");
    assert!(
        rows.iter().all(|r| r.contains("(unassigned)")),
        "an owner was invented: {md}"
    );
    let contract = rows
        .iter()
        .find(|r| r.to_lowercase().contains("contract"))
        .unwrap_or_else(|| panic!("the contract item: {md}"));
    assert!(
        contract.contains("| 2026-11-27 |"),
        "due Friday: {contract}"
    );
    assert!(contract.contains("| #3 |"), "said on line 3: {contract}");
}

#[test]
fn a_recording_shows_its_progress_and_where_the_time_went() {
    let jfk = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/audio/jfk.wav");
    let out = minutes(&jfk, &["--now", "2026-11-24T10:00:00+08:00"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for line in [
        "transcribing 0%",
        "transcribing 100%",
        "extracting part 1/1",
    ] {
        assert!(err.lines().any(|l| l == line), "no {line:?} in: {err}");
    }
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stats = &doc["stats"];
    let audio_s = stats["audio_s"].as_f64().unwrap();
    assert!((10.0..12.0).contains(&audio_s), "{stats}");
    for key in [
        "decode_s",
        "speech_load_s",
        "transcribe_s",
        "load_s",
        "prefill_s",
    ] {
        assert!(stats[key].as_f64().unwrap() > 0.0, "stats.{key}: {stats}");
    }
    let parts: f64 = [
        "decode_s",
        "speech_load_s",
        "transcribe_s",
        "speakers_s",
        "load_s",
        "prefill_s",
        "generate_s",
        "merge_s",
    ]
    .iter()
    .map(|k| stats[*k].as_f64().unwrap())
    .sum();
    let total = stats["total_s"].as_f64().unwrap();
    assert!(parts <= total + 0.01, "the parts outrun the total: {stats}");
    assert!(parts >= 0.8 * total, "time unaccounted for: {stats}");
    // The speakers were separated alongside the transcription, not after it.
    let alongside = stats["speakers_alongside_s"].as_f64().unwrap();
    assert!(alongside > 0.0 && alongside <= total, "{stats}");
    let words = doc["transcript"]["text"].as_str().unwrap().to_lowercase();
    assert!(words.contains("country"), "{words}");
    for item in doc["action_items"].as_array().unwrap() {
        assert!(item["source"]["start"].as_f64().is_some(), "{item}");
    }
}

#[test]
fn a_meeting_read_in_several_parts_keeps_each_parts_items() {
    // Small parts, read and answered together: each answer must be grounded in its own
    // part, so items from the start and the end of the meeting both survive.
    let name = "en_sales_weekly";
    let case = expected(name);
    let transcript = meetings().join(case["transcript"].as_str().unwrap());
    let out = minutes(
        &transcript,
        &[
            "--now",
            case["now"].as_str().unwrap(),
            "--chunk-tokens",
            "150",
            "--no-second-look",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let parts = doc["stats"]["chunks"].as_u64().unwrap();
    assert!(parts >= 4, "{parts} parts");
    let text = std::fs::read_to_string(&transcript).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let items = doc["action_items"].as_array().unwrap();
    let line_of = |item: &Value| {
        let said = item["source"]["text"].as_str().unwrap();
        lines
            .iter()
            .position(|l| l.contains(said))
            .unwrap_or_else(|| panic!("not in the transcript: {item}"))
    };
    let owned = |id: &str, words: &str| {
        items.iter().find(|i| {
            i["owner"]["id"].as_str() == Some(id)
                && i["task"].as_str().unwrap().to_lowercase().contains(words)
        })
    };
    let quote = owned("p006", "quote").unwrap_or_else(|| panic!("Fiona's quote: {items:#?}"));
    let booth = owned("p002", "booth").unwrap_or_else(|| panic!("Amy's booth: {items:#?}"));
    assert!(line_of(quote) < lines.len() / 2, "{quote}");
    assert!(line_of(booth) > lines.len() / 2, "{booth}");
    assert_eq!(booth["due"].as_str().map(|d| &d[..10]), Some("2026-12-04"));
}
