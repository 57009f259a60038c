//! The fallback engine's Phi-3 path, on a small Phi-3 file written here: the same layout,
//! metadata, SentencePiece vocabulary and chat template as Microsoft's Phi-3 GGUFs, with
//! seeded random weights (no Phi-3 weights are in the registries this project fetches
//! from). What it checks is the machinery — loading, chat template, greedy decoding equal
//! to candle-transformers' model driven by hand, streaming, prompt caching (Phi-3's cache
//! can only grow) and JSON-schema-constrained output — not the quality of any answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::quantized::{gguf_file, GgmlDType, QTensor};
use candle_core::{Device, Tensor};
use candle_transformers::models::quantized_phi3;
use inference::llm::{EngineKind, GenerateRequest, Llm, LlmConfig, Message, Prompt, Schema};
use serde_json::Value;

const HIDDEN: usize = 64;
const HEADS: usize = 4;
const LAYERS: usize = 2;
const FFN: usize = 128;
const CONTEXT: usize = 512;
const PHI3_TEMPLATE: &str = "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}";

/// SentencePiece pieces as in Phi-3's vocabulary: unknown, BOS, EOS, 256 byte pieces,
/// the chat's control tokens, then text pieces (every prefix of a few words, so that
/// merges reach them) with scores that favour longer pieces.
fn vocabulary() -> (Vec<String>, Vec<f32>, Vec<i32>) {
    let mut tokens = vec!["<unk>".to_string(), "<s>".into(), "</s>".into()];
    let mut types = vec![2, 3, 3];
    for b in 0..=255u8 {
        tokens.push(format!("<0x{b:02X}>"));
        types.push(6);
    }
    for control in ["<|system|>", "<|user|>", "<|assistant|>", "<|end|>"] {
        tokens.push(control.into());
        types.push(3);
    }
    let mut pieces: Vec<String> = Vec::new();
    let chars = "abcdefghijklmnopqrstuvwxyz0123456789{}\":,.";
    for c in chars.chars() {
        pieces.push(c.to_string());
        pieces.push(format!("▁{c}"));
    }
    pieces.push("▁".into());
    for word in [
        "the", "budget", "is", "due", "on", "friday", "city", "year", "meeting",
    ] {
        let word: Vec<char> = format!("▁{word}").chars().collect();
        for end in 3..=word.len() {
            pieces.push(word[..end].iter().collect());
        }
    }
    let mut seen = std::collections::HashSet::new();
    pieces.retain(|p| seen.insert(p.clone()));
    let mut scores = vec![0.0; tokens.len()];
    for p in pieces {
        scores.push(p.chars().count() as f32 - 10.0);
        tokens.push(p);
        types.push(1);
    }
    (tokens, scores, types)
}

/// Seeded numbers in [-scale, scale): the same file on every run.
fn noise(n: usize, seed: u64, scale: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect()
}

fn matrix(rows: usize, cols: usize, seed: u64) -> QTensor {
    let scale = 1.5 / (cols as f32).sqrt();
    let t = Tensor::from_vec(noise(rows * cols, seed, scale), (rows, cols), &Device::Cpu).unwrap();
    QTensor::quantize(&t, GgmlDType::Q8_0).unwrap()
}

fn norm(seed: u64) -> QTensor {
    let w: Vec<f32> = noise(HIDDEN, seed, 0.2).iter().map(|x| 1.0 + x).collect();
    let t = Tensor::from_vec(w, HIDDEN, &Device::Cpu).unwrap();
    QTensor::quantize(&t, GgmlDType::F32).unwrap()
}

/// Writes the Phi-3 file into `dir`.
fn write_phi3(dir: &Path) -> PathBuf {
    let (tokens, scores, types) = vocabulary();
    let vocab = tokens.len();
    let u32v = gguf_file::Value::U32;
    let metadata: Vec<(&str, gguf_file::Value)> = vec![
        (
            "general.architecture",
            gguf_file::Value::String("phi3".into()),
        ),
        ("general.name", gguf_file::Value::String("Phi3 test".into())),
        ("phi3.context_length", u32v(CONTEXT as u32)),
        ("phi3.embedding_length", u32v(HIDDEN as u32)),
        ("phi3.feed_forward_length", u32v(FFN as u32)),
        ("phi3.block_count", u32v(LAYERS as u32)),
        ("phi3.attention.head_count", u32v(HEADS as u32)),
        ("phi3.attention.head_count_kv", u32v(HEADS as u32)),
        ("phi3.rope.dimension_count", u32v((HIDDEN / HEADS) as u32)),
        (
            "phi3.attention.layer_norm_rms_epsilon",
            gguf_file::Value::F32(1e-5),
        ),
        (
            "tokenizer.ggml.model",
            gguf_file::Value::String("llama".into()),
        ),
        (
            "tokenizer.ggml.tokens",
            gguf_file::Value::Array(tokens.into_iter().map(gguf_file::Value::String).collect()),
        ),
        (
            "tokenizer.ggml.scores",
            gguf_file::Value::Array(scores.into_iter().map(gguf_file::Value::F32).collect()),
        ),
        (
            "tokenizer.ggml.token_type",
            gguf_file::Value::Array(types.into_iter().map(gguf_file::Value::I32).collect()),
        ),
        ("tokenizer.ggml.bos_token_id", u32v(1)),
        ("tokenizer.ggml.eos_token_id", u32v(2)),
        ("tokenizer.ggml.unknown_token_id", u32v(0)),
        ("tokenizer.ggml.add_bos_token", gguf_file::Value::Bool(true)),
        (
            "tokenizer.chat_template",
            gguf_file::Value::String(PHI3_TEMPLATE.into()),
        ),
    ];
    let mut tensors: Vec<(String, QTensor)> = vec![
        ("token_embd.weight".into(), matrix(vocab, HIDDEN, 1)),
        ("output_norm.weight".into(), norm(2)),
        ("output.weight".into(), matrix(vocab, HIDDEN, 3)),
    ];
    for l in 0..LAYERS {
        let seed = 100 * (l as u64 + 1);
        let p = format!("blk.{l}");
        tensors.push((format!("{p}.attn_norm.weight"), norm(seed)));
        tensors.push((
            format!("{p}.attn_qkv.weight"),
            matrix(3 * HIDDEN, HIDDEN, seed + 1),
        ));
        tensors.push((
            format!("{p}.attn_output.weight"),
            matrix(HIDDEN, HIDDEN, seed + 2),
        ));
        tensors.push((format!("{p}.ffn_norm.weight"), norm(seed + 3)));
        tensors.push((
            format!("{p}.ffn_up.weight"),
            matrix(2 * FFN, HIDDEN, seed + 4),
        ));
        tensors.push((
            format!("{p}.ffn_down.weight"),
            matrix(HIDDEN, FFN, seed + 5),
        ));
    }
    let path = dir.join("phi3-test.gguf");
    let mut file = std::fs::File::create(&path).unwrap();
    let metadata: Vec<(&str, &gguf_file::Value)> = metadata.iter().map(|(k, v)| (*k, v)).collect();
    let tensors: Vec<(&str, &QTensor)> = tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    gguf_file::write(&mut file, &metadata, &tensors).unwrap();
    path
}

fn load(path: &Path) -> Llm {
    Llm::load(path, "phi3-test", &LlmConfig::default()).expect("the Phi-3 file loads")
}

fn raw(text: &str, max_tokens: usize) -> GenerateRequest {
    let mut r = GenerateRequest::raw(text);
    r.max_tokens = max_tokens;
    r.ignore_eos = true;
    r
}

/// Greedy tokens from candle-transformers' Phi-3 model, driven by hand on `prompt`.
fn reference_greedy(path: &Path, prompt: &[u32], n: usize) -> Vec<u32> {
    let mut file = std::fs::File::open(path).unwrap();
    let content = gguf_file::Content::read(&mut file).unwrap();
    let mut model =
        quantized_phi3::ModelWeights::from_gguf(false, content, &mut file, &Device::Cpu).unwrap();
    let mut out = Vec::new();
    let mut input = prompt.to_vec();
    let mut position = 0;
    for _ in 0..n {
        let xs = Tensor::new(input.as_slice(), &Device::Cpu)
            .unwrap()
            .unsqueeze(0)
            .unwrap();
        let logits: Vec<f32> = model
            .forward(&xs, position)
            .unwrap()
            .squeeze(0)
            .unwrap()
            .to_vec1()
            .unwrap();
        position += input.len();
        let next = logits
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i as u32)
            .unwrap();
        out.push(next);
        input = vec![next];
    }
    out
}

#[test]
fn a_phi3_file_runs_on_the_fallback_engine_with_its_chat_template() {
    let dir = tempfile::tempdir().unwrap();
    let llm = load(&write_phi3(dir.path()));
    assert_eq!(llm.engine(), EngineKind::Fallback);
    assert_eq!(llm.architecture(), "phi3");
    assert!(llm.has_chat_template());
    let chat = Prompt::Chat(vec![
        Message::new("system", "Notes of the meeting."),
        Message::new("user", "When is the budget due?"),
    ]);
    assert_eq!(
        llm.render_prompt(&chat).unwrap(),
        "<|system|>\nNotes of the meeting.<|end|>\n<|user|>\nWhen is the budget due?<|end|>\n<|assistant|>\n"
    );
    // The chat's control tokens are single tokens, not spelled out.
    let ids = llm
        .tokenizer()
        .encode("<|user|>\nthe budget<|end|>")
        .unwrap();
    assert!(
        ids.iter()
            .filter(|&&id| llm.tokenizer().is_control(id))
            .count()
            >= 2,
        "{ids:?}"
    );
}

#[test]
fn greedy_tokens_equal_the_model_driven_by_hand_and_streaming_gives_the_same_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_phi3(dir.path());
    let llm = load(&path);
    let prompt = "the budget is due on friday.";
    let mut streamed = String::new();
    let out = llm
        .generate(&raw(prompt, 16), &mut |s| streamed.push_str(s))
        .unwrap();
    assert_eq!(out.tokens.len(), 16);
    let ids = llm.tokenizer().encode(prompt).unwrap();
    assert_eq!(out.prompt_tokens, ids.len());
    assert_eq!(out.tokens, reference_greedy(&path, &ids, 16));
    assert_eq!(streamed, out.text);
    // Not one token over and over: the seeded weights give the test something to check.
    let distinct: std::collections::HashSet<_> = out.tokens.iter().collect();
    assert!(distinct.len() > 2, "{:?}", out.tokens);
}

#[test]
fn a_prompt_that_continues_the_last_one_reuses_the_cache_and_one_that_departs_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_phi3(dir.path());
    let llm = load(&path);
    // One token asked for: the cache then holds exactly the prompt (the last token of
    // an answer is never run), which the next prompt continues. (Random weights'
    // answers need not spell the same tokens again when written out as text.)
    let first = "the meeting is on friday. the budget is due";
    let a = llm.generate(&raw(first, 1), &mut |_| {}).unwrap();
    assert_eq!(a.cached_prompt_tokens, 0);
    let next = format!("{first} on the city");
    let b = llm.generate(&raw(&next, 6), &mut |_| {}).unwrap();
    assert!(
        b.cached_prompt_tokens >= a.prompt_tokens,
        "{} of {} prompt tokens reused",
        b.cached_prompt_tokens,
        b.prompt_tokens
    );
    let cold = load(&path).generate(&raw(&next, 6), &mut |_| {}).unwrap();
    assert_eq!(b.tokens, cold.tokens);
    // Phi-3's cache cannot be cut back: a prompt sharing only a start runs afresh, and
    // answers as a model that never saw the others.
    let c = llm.generate(&raw("the year", 6), &mut |_| {}).unwrap();
    assert_eq!(c.cached_prompt_tokens, 0);
    let cold_c = load(&path)
        .generate(&raw("the year", 6), &mut |_| {})
        .unwrap();
    assert_eq!(c.tokens, cold_c.tokens);
}

#[test]
fn constrained_output_is_valid_json_even_from_random_weights() {
    let dir = tempfile::tempdir().unwrap();
    let llm = load(&write_phi3(dir.path()));
    let schema = Arc::new(
        Schema::parse(
            r#"{"type":"object","properties":{"city":{"type":"string","maxLength":12},"year":{"type":"integer"}},"required":["city","year"]}"#,
        )
        .unwrap(),
    );
    let mut req = GenerateRequest::chat(vec![Message::new("user", "the city and the year")]);
    req.max_tokens = 80;
    req.schema = Some(schema);
    let out = llm.generate(&req, &mut |_| {}).unwrap();
    let v: Value = serde_json::from_str(&out.text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", out.text));
    assert!(
        v["city"].as_str().is_some_and(|c| c.chars().count() <= 12),
        "{v}"
    );
    assert!(v["year"].is_i64(), "{v}");
}
