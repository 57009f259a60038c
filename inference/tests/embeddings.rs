//! Sentence embeddings against sentence-transformers: the committed fixture holds the
//! reference's vectors for English, Chinese and Cantonese texts
//! (`scripts/gen-embeddings-fixture` writes it); mishu's encoder must agree on every
//! one, alone and batched with texts of other lengths.

mod common;

use std::path::Path;

use inference::embeddings::{cosine, EmbeddingError, SentenceEncoder, DEFAULT_MODEL};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    label: String,
    text: String,
    embedding: Vec<f32>,
}

fn fixture() -> Fixture {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/embeddings-minilm-l6.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn encoder() -> SentenceEncoder {
    let weights = common::model_path(DEFAULT_MODEL);
    SentenceEncoder::load(weights.parent().unwrap(), DEFAULT_MODEL).expect("load minilm-l6")
}

#[test]
fn embeddings_match_sentence_transformers() {
    let fixture = fixture();
    let encoder = encoder();
    assert_eq!(encoder.dim(), 384);
    let texts: Vec<&str> = fixture.cases.iter().map(|c| c.text.as_str()).collect();
    // All at once: padded batches of mixed lengths, the long text truncated.
    let batched = encoder.embed(&texts).unwrap();
    let mut worst = (1.0f32, "");
    for (case, got) in fixture.cases.iter().zip(&batched) {
        let alone = encoder.embed_one(&case.text).unwrap();
        for (how, v) in [("alone", &alone), ("batched", got)] {
            let c = cosine(v, &case.embedding);
            assert!(
                c >= 0.999,
                "{} ({how}): cosine {c} with the reference",
                case.label
            );
            let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            assert!((norm - 1.0).abs() < 1e-4, "{}: norm {norm}", case.label);
            if c < worst.0 {
                worst = (c, &case.label);
            }
        }
    }
    eprintln!(
        "lowest cosine with the reference: {:.7} ({})",
        worst.0, worst.1
    );
}

#[test]
fn paraphrases_are_closer_than_other_tasks() {
    let encoder = encoder();
    let v = encoder
        .embed(&[
            "Please prepare the Q4 budget draft by Friday.",
            "Get the fourth-quarter budget draft ready before Friday.",
            "Book a meeting room for the product launch on Tuesday.",
        ])
        .unwrap();
    let same = cosine(&v[0], &v[1]);
    let other = cosine(&v[0], &v[2]);
    assert!(same > other + 0.3, "paraphrase {same}, other task {other}");
    assert!(encoder.embed::<&str>(&[]).unwrap().is_empty());
}

#[test]
fn a_missing_or_corrupt_model_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = SentenceEncoder::from_store(Some(dir.path().to_path_buf()), DEFAULT_MODEL)
        .err()
        .expect("nothing is installed there");
    assert!(matches!(err, EmbeddingError::Model(_)), "{err}");
    assert!(
        err.to_string().contains("mishu models fetch minilm-l6"),
        "{err}"
    );

    std::fs::write(dir.path().join("model.safetensors"), b"not safetensors").unwrap();
    let err = SentenceEncoder::load(dir.path(), DEFAULT_MODEL)
        .err()
        .unwrap();
    let message = err.to_string();
    assert!(matches!(err, EmbeddingError::BadModel { .. }), "{message}");
    assert!(
        message.contains("model.safetensors") && message.contains("not a safetensors file"),
        "{message}"
    );
    assert_eq!(err.kind(), models::ErrorKind::ModelMissing);
}
