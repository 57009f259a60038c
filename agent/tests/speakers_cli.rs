//! Speakers through the built binary: `mishu diarize` and `mishu transcribe --speakers`
//! on conversations made of the speaker fixtures (one voice per clip), silence, bad
//! options, a missing and a damaged speaker model. Needs the default models (`mishu
//! models fetch`; a missing model fails) and `sox`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn mishu() -> Command {
    Command::cargo_bin("mishu").expect("the mishu binary is built")
}

fn clip(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../inference/tests/fixtures/speakers")
        .join(name)
}

/// The clips laid end to end, each followed by 0.8 s of silence.
fn conversation(dir: &Path, names: &[&str]) -> PathBuf {
    let out = dir.join("conversation.wav");
    let mut args: Vec<String> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let padded = dir.join(format!("{i}.wav"));
        run_sox(&[
            clip(name).to_str().unwrap(),
            padded.to_str().unwrap(),
            "pad",
            "0",
            "0.8",
        ]);
        args.push(padded.to_string_lossy().into_owned());
    }
    args.push(out.to_string_lossy().into_owned());
    run_sox(&args.iter().map(String::as_str).collect::<Vec<_>>());
    out
}

fn run_sox(args: &[&str]) {
    // `-R`: sox seeds its dither and noise the same way on every run.
    let out = std::process::Command::new("sox")
        .arg("-R")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run sox ({e}): install it with `apt-get install -y sox`")
        });
    assert!(
        out.status.success(),
        "sox {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 16-kHz mono 16-bit WAV at `path` made by sox from nothing and `effects`.
fn synthesize(path: &Path, effects: &[&str]) {
    let mut args = vec![
        "-n",
        "-r",
        "16000",
        "-c",
        "1",
        "-b",
        "16",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(effects);
    run_sox(&args);
}

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

#[test]
fn diarize_finds_two_voices_and_writes_rttm() {
    let dir = tempfile::TempDir::new().unwrap();
    let audio = conversation(
        dir.path(),
        &["en_m3.wav", "yue_f4.wav", "en_m3.wav", "yue_f4.wav"],
    );
    let v = json(
        &mishu()
            .arg("diarize")
            .arg(&audio)
            .arg("--json")
            .output()
            .unwrap(),
    );
    assert_eq!(v["speakers"], 2, "{v}");
    let turns = v["turns"].as_array().unwrap();
    assert_eq!(turns.first().unwrap()["speaker"], "S1");
    // Clip k spans [3.8 k, 3.8 k + 3): its middle is the voice's.
    let speaker_at = |t: f64| {
        turns
            .iter()
            .find(|x| x["start"].as_f64().unwrap() <= t && t < x["end"].as_f64().unwrap())
            .map(|x| x["speaker"].as_str().unwrap().to_string())
    };
    assert_eq!(speaker_at(1.5).as_deref(), Some("S1"));
    assert_eq!(speaker_at(3.8 + 1.5).as_deref(), Some("S2"));
    assert_eq!(speaker_at(7.6 + 1.5).as_deref(), Some("S1"));
    assert_eq!(speaker_at(11.4 + 1.5).as_deref(), Some("S2"));

    let rttm = mishu()
        .arg("diarize")
        .arg(&audio)
        .args(["--format", "rttm", "--speakers", "2"])
        .output()
        .unwrap();
    assert!(rttm.status.success());
    let text = String::from_utf8(rttm.stdout).unwrap();
    let first = text.lines().next().expect("a turn");
    assert!(first.starts_with("SPEAKER conversation 1 "), "{first}");
    assert!(first.contains(" S1 "), "{first}");
}

#[test]
fn silence_has_no_speakers() {
    let dir = tempfile::TempDir::new().unwrap();
    let silence = dir.path().join("silence.wav");
    synthesize(&silence, &["trim", "0", "4"]);
    let v = json(&mishu().arg("diarize").arg(&silence).output().unwrap());
    assert_eq!(v["speakers"], 0);
    assert_eq!(v["turns"], Value::Array(vec![]));
}

#[test]
fn music_has_no_speakers() {
    let dir = tempfile::TempDir::new().unwrap();
    let music = dir.path().join("music.wav");
    // Eight seconds of a plucked C major chord, once a second.
    synthesize(
        &music,
        &[
            "synth", "1", "pluck", "261.6", "pluck", "329.6", "pluck", "392", "remix", "-",
            "repeat", "7",
        ],
    );
    let v = json(&mishu().arg("diarize").arg(&music).output().unwrap());
    assert_eq!(v["speakers"], 0, "{v}");
}

#[test]
fn transcribe_labels_segments_with_the_forced_speaker_count() {
    let dir = tempfile::TempDir::new().unwrap();
    let audio = conversation(dir.path(), &["en_m3.wav", "en_f2.wav"]);
    let out = mishu()
        .arg("transcribe")
        .arg(&audio)
        .args([
            "--model",
            "whisper-tiny.en",
            "--format",
            "json",
            "--speakers",
            "2",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    let labels: Vec<&str> = v["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speaker"].as_str().expect("a label on every segment"))
        .collect();
    assert_eq!(labels.first(), Some(&"S1"), "{v}");
    assert_eq!(labels.last(), Some(&"S2"), "{v}");
    let off = mishu()
        .arg("transcribe")
        .arg(&audio)
        .args([
            "--model",
            "whisper-tiny.en",
            "--format",
            "srt",
            "--speakers",
            "off",
        ])
        .output()
        .unwrap();
    assert!(off.status.success());
    assert!(!String::from_utf8(off.stdout).unwrap().contains("S1:"));
}

#[test]
fn bad_speaker_options_exit_2() {
    for bad in ["0", "many", "-3"] {
        let out = mishu()
            .arg("diarize")
            .arg(clip("en_m3.wav"))
            .arg(format!("--speakers={bad}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "--speakers {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--speakers"));
    }
}

#[test]
fn a_missing_or_damaged_speaker_model_exits_3_and_names_the_fix() {
    let empty = tempfile::TempDir::new().unwrap();
    let out = mishu()
        .env("MISHU_MODELS_DIR", empty.path())
        .arg("diarize")
        .arg(clip("en_m3.wav"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mishu models fetch campplus-zh-en"));

    // The installed model, copied and cut short.
    let store = models::ModelStore::open(None).unwrap();
    let installed = store
        .primary_path("campplus-zh-en")
        .expect("campplus-zh-en is installed");
    let dir = tempfile::TempDir::new().unwrap();
    let copy = dir.path().join("campplus-zh-en");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(installed.parent().unwrap()).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let model = copy.join("model.safetensors");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
    let out = mishu()
        .env("MISHU_MODELS_DIR", dir.path())
        .arg("diarize")
        .arg(clip("en_m3.wav"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("campplus-zh-en"));
}

#[test]
fn a_damaged_segmentation_model_exits_3_and_names_it() {
    let store = models::ModelStore::open(None).unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    for name in ["campplus-zh-en", "pyannote-seg-3.0"] {
        let installed = store
            .primary_path(name)
            .unwrap_or_else(|e| panic!("{name} is installed: {e}"));
        let copy = dir.path().join(name);
        std::fs::create_dir_all(&copy).unwrap();
        for entry in std::fs::read_dir(installed.parent().unwrap()).unwrap() {
            let p = entry.unwrap().path();
            std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
        }
    }
    let model = dir.path().join("pyannote-seg-3.0/model.safetensors");
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(&model, &bytes[..bytes.len() / 3]).unwrap();
    let out = mishu()
        .env("MISHU_MODELS_DIR", dir.path())
        .arg("diarize")
        .arg(clip("en_m3.wav"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("pyannote-seg-3.0"), "{stderr}");
}
