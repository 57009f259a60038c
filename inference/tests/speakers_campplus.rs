//! CAM++ on candle against the PyTorch model: the same clips, the same numbers.
//! The reference is written by scripts/speakers/campplus_reference.py (torchaudio's
//! Kaldi fbank and the PyTorch CAM++ with the installed weights).

mod common;

use std::path::PathBuf;

use inference::audio::read_wav_16k_mono;
use inference::speakers::{cosine, CamPlusPlus, Fbank};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/speakers")
}

fn reference() -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(fixtures().join("reference.json")).unwrap();
    let json: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    json.into_iter().collect()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

#[test]
fn fbank_matches_torchaudio_kaldi() {
    let fbank = Fbank::new();
    for (clip, r) in reference() {
        let samples = read_wav_16k_mono(&fixtures().join(&clip)).unwrap();
        let ours = fbank.compute(&samples);
        assert_eq!(ours.len() as u64, r["frames"].as_u64().unwrap(), "{clip}");
        let mut worst = 0f32;
        for (row, want) in ours.iter().zip(r["fbank_first_frames"].as_array().unwrap()) {
            for (a, b) in row.iter().zip(floats(want)) {
                worst = worst.max((a - b).abs());
            }
        }
        // Log energies; f32 FFTs of two libraries differ in the last bits.
        eprintln!("{clip}: largest fbank difference {worst:.2e}");
        assert!(worst < 2e-3, "{clip}: fbank differs by {worst}");
    }
}

#[test]
fn campplus_embeddings_match_pytorch() {
    let model = CamPlusPlus::load(&common::model_path("campplus-zh-en")).unwrap();
    let fbank = Fbank::new();
    for (clip, r) in reference() {
        let samples = read_wav_16k_mono(&fixtures().join(&clip)).unwrap();
        let whole = fbank.compute_normalized(&samples);
        let window = fbank.compute_normalized(&samples[8000..32000]);
        let got = model.embed_batch(&[&whole]).unwrap().remove(0);
        let got_window = model.embed_batch(&[&window]).unwrap().remove(0);
        let c = cosine(&got, &floats(&r["embedding"]));
        let cw = cosine(&got_window, &floats(&r["window_embedding"]));
        eprintln!("{clip}: cosine {c:.6} (whole), {cw:.6} (1.5 s window)");
        assert!(c >= 0.99, "{clip}: cosine {c} to the PyTorch embedding");
        assert!(
            cw >= 0.99,
            "{clip}: window cosine {cw} to the PyTorch embedding"
        );
    }
}

#[test]
fn a_batch_gives_what_each_utterance_gives_alone() {
    let model = CamPlusPlus::load(&common::model_path("campplus-zh-en")).unwrap();
    let fbank = Fbank::new();
    let a = fbank.compute_normalized(&read_wav_16k_mono(&fixtures().join("en_m3.wav")).unwrap());
    let b = fbank.compute_normalized(&read_wav_16k_mono(&fixtures().join("zh_m1.wav")).unwrap());
    let batch = model.embed_batch(&[&a, &b]).unwrap();
    let alone = model.embed_batch(&[&b]).unwrap();
    assert!(cosine(&batch[1], &alone[0]) > 0.9999);
    assert!(cosine(&batch[0], &batch[1]) < 0.9);
}

#[test]
fn a_damaged_model_file_is_a_clear_error() {
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("model.safetensors");
    let good = std::fs::read(common::model_path("campplus-zh-en")).unwrap();
    std::fs::write(&path, &good[..good.len() / 3]).unwrap();
    let err = CamPlusPlus::load(&path)
        .err()
        .expect("a damaged file must not load");
    assert_eq!(err.kind(), inference::ErrorKind::ModelMissing);
    assert!(
        err.to_string()
            .contains("mishu models fetch campplus-zh-en"),
        "{err}"
    );
}
