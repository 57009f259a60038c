//! `mishu transcribe` through the built binary: real speech with whisper-base, silence,
//! noise and music, timestamps across cut silence, bad files and a missing model.
//! Needs the models (`mishu models fetch`; a missing model fails) and `sox` and `ffmpeg`
//! (`apt-get install -y sox ffmpeg`).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use inference::whisper::wer::{word_errors, words};
use serde_json::Value;

fn mishu() -> Command {
    Command::cargo_bin("mishu").expect("the mishu binary is built")
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/audio")
}

fn tool(name: &str, args: &[&str]) {
    let out = std::process::Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {name} ({e}): install it with `apt-get install -y sox ffmpeg`")
        });
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn transcribe_json(audio: &Path, extra: &[&str]) -> Value {
    let out = mishu()
        .arg("transcribe")
        .arg(audio)
        .args(["--format", "json", "--threads", "2"])
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "mishu transcribe {} failed ({:?}): {}",
        audio.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document on stdout")
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

fn lcg(seed: u64) -> impl FnMut() -> f32 {
    let mut x = seed;
    move || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) as f32 / (1u64 << 31) as f32 - 1.0
    }
}

#[test]
fn jfk_with_whisper_base_has_at_most_one_word_wrong_and_the_interface_fields() {
    let v = transcribe_json(&fixtures().join("jfk.wav"), &["--model", "whisper-base"]);
    let reference = std::fs::read_to_string(fixtures().join("jfk.txt")).unwrap();
    let text = v["text"].as_str().expect("text");
    let errors = word_errors(&words(&reference), &words(text));
    assert!(errors <= 1, "{errors} words wrong: {text}");
    assert_eq!(v["language"], "en", "auto-detected language");
    assert_eq!(v["model"], "whisper-base");
    assert!((v["duration_s"].as_f64().unwrap() - 11.0).abs() < 0.01);
    let segments = v["segments"].as_array().expect("segments");
    assert!(!segments.is_empty());
    let mut last_end = 0.0;
    for s in segments {
        let (start, end) = (s["start"].as_f64().unwrap(), s["end"].as_f64().unwrap());
        assert!(
            start >= last_end - 0.01 && end >= start && end <= 11.01,
            "{s}"
        );
        // One man speaking: one speaker (the speaker model is among the default models).
        assert_eq!(s["speaker"], "S1", "{s}");
        assert!(!s["text"].as_str().unwrap().trim().is_empty());
        last_end = end;
    }
}

#[test]
fn timestamps_count_from_the_start_of_the_file_across_cut_silence() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("gap.wav");
    let mp3 = dir.path().join("gap.mp3");
    // JFK, 40 s of silence, JFK, 40 s of silence; as 44.1 kHz stereo MP3. `-R`: the
    // resampled audio is dithered the same way on every run (sox seeds its dither at
    // random otherwise, and Whisper's segments could move with it).
    let jfk = fixtures().join("jfk.wav");
    tool(
        "sox",
        &[
            "-R",
            jfk.to_str().unwrap(),
            "-r",
            "44100",
            "-c",
            "2",
            wav.to_str().unwrap(),
            "pad",
            "0",
            "40",
            "repeat",
            "1",
        ],
    );
    tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-i",
            wav.to_str().unwrap(),
            "-c:a",
            "libmp3lame",
            "-b:a",
            "96k",
            mp3.to_str().unwrap(),
        ],
    );
    let v = transcribe_json(&mp3, &["--language", "en"]);
    assert!(
        (v["duration_s"].as_f64().unwrap() - 102.0).abs() < 0.2,
        "{}",
        v["duration_s"]
    );
    let segments = v["segments"].as_array().unwrap();
    let first: Vec<&Value> = segments
        .iter()
        .filter(|s| s["end"].as_f64().unwrap() < 30.0)
        .collect();
    let second: Vec<&Value> = segments
        .iter()
        .filter(|s| s["start"].as_f64().unwrap() > 50.0)
        .collect();
    assert!(!first.is_empty() && !second.is_empty(), "{v}");
    let start2 = second[0]["start"].as_f64().unwrap();
    let end2 = second.last().unwrap()["end"].as_f64().unwrap();
    assert!(
        (50.5..52.5).contains(&start2),
        "second JFK starts at {start2}: {v}"
    );
    assert!(
        (59.0..62.5).contains(&end2),
        "second JFK ends at {end2}: {v}"
    );
    // Nothing in the silences.
    assert!(
        segments.iter().all(|s| {
            let (a, b) = (s["start"].as_f64().unwrap(), s["end"].as_f64().unwrap());
            b < 12.0 || (a > 50.0 && b < 63.0)
        }),
        "{v}"
    );
    let reference = words(&std::fs::read_to_string(fixtures().join("jfk.txt")).unwrap());
    let text2: String = second
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(word_errors(&reference, &words(&text2)) <= 1, "{text2}");
}

#[test]
fn silence_noise_and_music_give_no_invented_words() {
    let dir = tempfile::tempdir().unwrap();
    let n = 16_000 * 30;
    let silence = dir.path().join("silence.wav");
    write_wav(&silence, &vec![0.0; n]);
    let noise = dir.path().join("noise.wav");
    let mut rng = lcg(42);
    write_wav(&noise, &(0..n).map(|_| rng() * 0.3).collect::<Vec<_>>());
    // Music: a chord progression with plucked-string envelopes and a kick drum.
    let music = dir.path().join("music.wav");
    let chords: [[f32; 3]; 4] = [
        [261.6, 329.6, 392.0],
        [220.0, 261.6, 329.6],
        [174.6, 220.0, 261.6],
        [196.0, 246.9, 293.7],
    ];
    let samples: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            let beat = t % 0.5;
            let chord = chords[((t / 2.0) as usize) % 4];
            let env = (-beat * 6.0).exp();
            let tone: f32 = chord
                .iter()
                .map(|f| {
                    (0..4)
                        .map(|h| {
                            (2.0 * std::f32::consts::PI * f * (h + 1) as f32 * t).sin()
                                / (h + 1) as f32
                        })
                        .sum::<f32>()
                })
                .sum();
            let kick = if t % 1.0 < 0.1 {
                (2.0 * std::f32::consts::PI * 60.0 * t).sin() * (-(t % 1.0) * 30.0).exp()
            } else {
                0.0
            };
            0.08 * tone * env + 0.3 * kick
        })
        .collect();
    write_wav(&music, &samples);
    for (path, language) in [
        (&silence, "auto"),
        (&noise, "auto"),
        (&music, "auto"),
        (&music, "en"),
        (&noise, "zh"),
    ] {
        let v = transcribe_json(path, &["--language", language]);
        let n_words = words(v["text"].as_str().unwrap()).len();
        assert!(
            n_words <= 2,
            "{} ({language}): {n_words} invented words: {v}",
            path.display()
        );
    }
}

fn wav_header(rate: u32, data_len: u32) -> Vec<u8> {
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * 2).to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

fn run_transcribe(path: &Path, extra: &[&str]) -> Output {
    mishu()
        .arg("transcribe")
        .arg(path)
        .args(extra)
        .output()
        .expect("runs")
}

#[test]
fn bad_audio_exits_2_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let d = |f: &str| dir.path().join(f);
    std::fs::write(d("empty.wav"), b"").unwrap();
    std::fs::write(
        d("notes.mp3"),
        "Action items: Peter sends the budget by Friday.\n".repeat(40),
    )
    .unwrap();
    std::fs::write(d("zero-length.wav"), wav_header(16_000, 0)).unwrap();
    let mut zero_hz = wav_header(0, 32_000);
    zero_hz.extend(std::iter::repeat_n(0u8, 32_000));
    std::fs::write(d("zero-hz.wav"), zero_hz).unwrap();
    let jfk = fixtures().join("jfk.wav");
    tool(
        "sox",
        &[
            "-R",
            jfk.to_str().unwrap(),
            d("full.flac").to_str().unwrap(),
        ],
    );
    let flac = std::fs::read(d("full.flac")).unwrap();
    std::fs::write(d("truncated.flac"), &flac[..flac.len() / 2]).unwrap();

    for (file, says) in [
        ("empty.wav", "empty"),
        ("notes.mp3", "not a supported audio file"),
        ("zero-length.wav", "no audio"),
        ("zero-hz.wav", "0 Hz"),
        ("truncated.flac", "truncated"),
        ("missing.wav", "cannot open"),
    ] {
        let out = run_transcribe(&d(file), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(
            stderr.contains(file) && stderr.contains(says),
            "{file}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
    }
    let out = run_transcribe(&jfk, &["--format", "docx"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_transcribe(&jfk, &["--language", "klingon"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_transcribe(&jfk, &["--model", "whisper-tiny.en", "--language", "zh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (args, says) in [
        (&["--engine", "vulkan"][..], "unknown engine \"vulkan\""),
        (&["--beam-size", "0"][..], "at least 1"),
        (&["--beam-size", "50"][..], "at most 8"),
    ] {
        let out = run_transcribe(&jfk, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn a_missing_model_exits_3_and_says_how_to_fetch_it() {
    let empty = tempfile::tempdir().unwrap();
    let out = mishu()
        .arg("transcribe")
        .arg(fixtures().join("jfk.wav"))
        .arg("--models-dir")
        .arg(empty.path())
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("mishu models fetch"), "{stderr}");
}

#[test]
fn srt_vtt_and_txt_outputs() {
    let jfk = fixtures().join("jfk.wav");
    let srt = run_transcribe(
        &jfk,
        &[
            "--format",
            "srt",
            "--model",
            "whisper-tiny.en",
            "--threads",
            "2",
        ],
    );
    assert!(
        srt.status.success(),
        "{}",
        String::from_utf8_lossy(&srt.stderr)
    );
    let srt = String::from_utf8(srt.stdout).unwrap();
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert!(srt.contains(" --> 00:00:"), "{srt}");
    let vtt = run_transcribe(
        &jfk,
        &[
            "--format",
            "vtt",
            "--model",
            "whisper-tiny.en",
            "--threads",
            "2",
        ],
    );
    let vtt = String::from_utf8(vtt.stdout).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n00:00:"), "{vtt}");
    let txt = run_transcribe(&jfk, &["--model", "whisper-tiny.en", "--threads", "2"]);
    let txt = String::from_utf8(txt.stdout).unwrap();
    assert!(
        txt.to_lowercase()
            .contains("ask not what your country can do for you"),
        "{txt}"
    );
}
