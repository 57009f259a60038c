//! The tokenizer built from the GGUF gives exactly llama.cpp's token ids (fixtures
//! written by `scripts/gen-tokenizer-fixture` for byte-level BPE, `scripts/gen-spm-fixtures`
//! for SentencePiece) on English, Cantonese, Mandarin, code and emoji text, and decodes
//! back to the text.

mod common;

use inference::llm::gguf::Gguf;
use inference::llm::tokenizer::Tokenizer;
use serde_json::Value;

fn check(model: &str, fixture: &str) {
    let g = Gguf::open(&common::model_path(model)).unwrap();
    let tok = Tokenizer::from_gguf(&g).unwrap();
    let doc: Value = serde_json::from_str(fixture).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let mut failures = Vec::new();
    for case in cases {
        let label = case["label"].as_str().unwrap();
        let text = case["text"].as_str().unwrap();
        let want: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let got = tok.encode(text).unwrap();
        if got != want {
            failures.push(format!(
                "{label}: {text:?}\n  llama.cpp {want:?}\n  mishu     {got:?}"
            ));
        }
        let plain: Vec<u32> = got
            .iter()
            .copied()
            .filter(|&t| !tok.is_control(t))
            .collect();
        let without_control = [
            "<|im_start|>",
            "<|im_end|>",
            "<start_of_turn>",
            "<end_of_turn>",
        ]
        .iter()
        .fold(text.to_string(), |t, c| t.replace(c, ""));
        assert_eq!(
            tok.decode(&plain),
            without_control,
            "{label} does not round-trip"
        );
    }
    eprintln!(
        "{model}: {} of {} texts tokenized exactly as llama.cpp does",
        cases.len() - failures.len(),
        cases.len()
    );
    assert!(failures.is_empty(), "{model}:\n{}", failures.join("\n"));
}

#[test]
fn qwen2_tokenizer_matches_llama_cpp() {
    check(
        "qwen2.5-0.5b",
        include_str!("fixtures/tokenizer-qwen2.5-0.5b.json"),
    );
}

#[test]
fn smollm2_tokenizer_matches_llama_cpp() {
    check(
        "smollm2-135m",
        include_str!("fixtures/tokenizer-smollm2-135m.json"),
    );
}

#[test]
fn gemma3_sentencepiece_tokenizer_matches_llama_cpp() {
    check(
        "gemma3-270m",
        include_str!("fixtures/tokenizer-gemma3-270m.json"),
    );
}
