//! pyannote segmentation-3.0 on candle against the PyTorch network: the same windows,
//! the same frame log-probabilities. The reference is written by
//! scripts/speakers/segmentation_reference.py from the checkpoint's own weights.

mod common;

use std::path::PathBuf;

use inference::audio::read_wav_16k_mono;
use inference::speakers::segmentation::{
    active_speakers, argmax, num_frames, Segmentation, CLASSES, SAMPLE_RATE,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/speakers")
}

fn clip(name: &str) -> Vec<f32> {
    read_wav_16k_mono(&fixtures().join(name)).unwrap()
}

/// The windows the reference script builds: clips one after another, two clips
/// spoken at once (each at half level), and silence.
fn windows() -> Vec<(&'static str, Vec<f32>)> {
    let silence = vec![0f32; SAMPLE_RATE];
    let overlap: Vec<f32> = clip("en_f2.wav")
        .iter()
        .zip(clip("yue_f4.wav"))
        .map(|(a, b)| a * 0.5 + b * 0.5)
        .collect();
    vec![
        (
            "turns_overlap_silence",
            [
                clip("en_m3.wav"),
                clip("zh_m1.wav"),
                overlap.clone(),
                silence.clone(),
            ]
            .concat(),
        ),
        (
            "overlap_then_turns",
            [silence, overlap, clip("jfk_3s.wav"), clip("en_f2.wav")].concat(),
        ),
        (
            "short_two_speakers",
            [
                clip("yue_f4.wav"),
                clip("en_m3.wav")[..2 * SAMPLE_RATE].to_vec(),
            ]
            .concat(),
        ),
    ]
}

fn reference(name: &str) -> (usize, Vec<[f32; CLASSES]>) {
    let text = std::fs::read_to_string(fixtures().join("segmentation.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let r = &json[name];
    let frames = r["log_probs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut row = [0f32; CLASSES];
            for (x, v) in row.iter_mut().zip(f.as_array().unwrap()) {
                *x = v.as_f64().unwrap() as f32;
            }
            row
        })
        .collect();
    (r["samples"].as_u64().unwrap() as usize, frames)
}

fn model() -> Segmentation {
    Segmentation::load(&common::model_path("pyannote-seg-3.0")).unwrap()
}

#[test]
fn segmentation_matches_pytorch() {
    let model = model();
    let mut agree = 0;
    let mut total = 0;
    for (name, samples) in windows() {
        let (len, want) = reference(name);
        assert_eq!(samples.len(), len, "{name}");
        let got = model.forward(&[&samples]).unwrap().remove(0);
        assert_eq!(got.len(), want.len(), "{name}");
        assert_eq!(got.len(), num_frames(len), "{name}");
        // Log-probabilities of classes the reference gives at least 1e-4; below that a
        // log is dominated by rounding and decides nothing.
        let mut worst_logp = 0f32;
        let mut worst_prob = 0f32;
        let mut same = 0;
        for (g, w) in got.iter().zip(&want) {
            for (a, b) in g.iter().zip(w) {
                if *b > 1e-4f32.ln() {
                    worst_logp = worst_logp.max((a - b).abs());
                }
                worst_prob = worst_prob.max((a.exp() - b.exp()).abs());
            }
            same += usize::from(argmax(g) == argmax(w));
        }
        eprintln!(
            "{name}: {} frames, largest log-probability difference {worst_logp:.2e}, \
             probability {worst_prob:.2e}, frame decisions agreeing {same}/{}",
            got.len(),
            got.len()
        );
        assert!(
            worst_logp < 1e-2,
            "{name}: log-probabilities differ by {worst_logp}"
        );
        assert!(
            worst_prob < 2e-3,
            "{name}: probabilities differ by {worst_prob}"
        );
        agree += same;
        total += got.len();
    }
    assert!(
        agree as f64 >= 0.99 * total as f64,
        "frame decisions agree on {agree} of {total}"
    );
}

#[test]
fn overlap_and_silence_are_seen() {
    let model = model();
    let (_, samples) = windows().remove(0);
    let frames = model.forward(&[&samples]).unwrap().remove(0);
    let speakers = |from_s: f32, to_s: f32| -> Vec<usize> {
        let per_s = frames.len() as f32 / 10.0;
        frames[(from_s * per_s) as usize..(to_s * per_s) as usize]
            .iter()
            .map(|f| active_speakers(f).iter().filter(|on| **on).count())
            .collect()
    };
    let share =
        |v: &[usize], n: usize| v.iter().filter(|c| **c == n).count() as f32 / v.len() as f32;
    // 6.5–8.5 s: two voices at once; 9.2–10 s: silence; 0.5–2.5 s: one voice.
    assert!(share(&speakers(6.5, 8.5), 2) > 0.8);
    assert!(share(&speakers(9.2, 10.0), 0) > 0.9);
    assert!(share(&speakers(0.5, 2.5), 1) > 0.9);
}

#[test]
fn a_batch_gives_what_each_window_gives_alone() {
    let model = model();
    let w = windows();
    let batch = model.forward(&[&w[0].1, &w[1].1]).unwrap();
    let alone = model.forward(&[&w[1].1]).unwrap();
    let worst = batch[1]
        .iter()
        .flatten()
        .zip(alone[0].iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-4, "batched and alone differ by {worst}");
    assert_ne!(batch[0], batch[1]);
}

#[test]
fn bad_windows_are_clear_errors() {
    let model = model();
    let ten = vec![0.01f32; 10 * SAMPLE_RATE];
    let five = vec![0.01f32; 5 * SAMPLE_RATE];
    assert!(model.forward(&[]).unwrap().is_empty());
    let err = model.forward(&[&ten, &five]).err().unwrap();
    assert_eq!(err.kind(), inference::ErrorKind::BadInput, "{err}");
    let err = model.forward(&[&ten[..500]]).err().unwrap();
    assert!(err.to_string().contains("too short"), "{err}");
    let mut nan = ten.clone();
    nan[7] = f32::NAN;
    let err = model.forward(&[&nan]).err().unwrap();
    assert_eq!(err.kind(), inference::ErrorKind::BadInput, "{err}");
    // Silence is not an error: nobody speaks.
    let silent = model.forward(&[&vec![0f32; 10 * SAMPLE_RATE]]).unwrap();
    assert!(silent[0].iter().all(|f| active_speakers(f) == [false; 3]));
}

#[test]
fn a_damaged_model_file_is_a_clear_error() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("model.safetensors");
    let good = std::fs::read(common::model_path("pyannote-seg-3.0")).unwrap();
    std::fs::write(&path, &good[..good.len() / 3]).unwrap();
    let err = Segmentation::load(&path)
        .err()
        .expect("a damaged file must not load");
    assert_eq!(err.kind(), inference::ErrorKind::ModelMissing);
    assert!(
        err.to_string()
            .contains("mishu models fetch pyannote-seg-3.0"),
        "{err}"
    );
}
