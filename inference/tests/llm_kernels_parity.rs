//! Our quantized kernels against candle's stock `QMatMul` on the real default models:
//! logits within tolerance, and identical greedy tokens for 200 steps on 10 prompts.
//!
//! The stock greedy tokens are computed once (slow: stock candle decodes at ~6 tok/s) and
//! kept in `tests/fixtures/greedy_stock_candle.json`; regenerate them with
//! `cargo test --release -p inference --test llm_kernels_parity -- --ignored`.
//!
//! The models come from the model store (`mishu models fetch`, which the test command
//! runs; `MISHU_MODELS_DIR` overrides its place); a missing model fails the test.

use std::collections::BTreeMap;
use std::path::PathBuf;

use inference::llm::gguf::Gguf;
use inference::llm::linear::with_stock_candle;
use inference::llm::tokenizer::Tokenizer;
use inference::llm::{model, GenerateRequest, Llm, LlmConfig, Message};

const MODELS: [&str; 2] = ["qwen2.5-0.5b", "smollm2-135m"];
const STEPS: usize = 200;
const PROMPTS: [&str; 10] = [
    "List three action items from this meeting: Alice will send the budget by Friday; Bob checks the hotel invoices.",
    "Write a short, polite email asking the finance team to approve a travel claim.",
    "What is the capital of France? Answer in one sentence, then explain why it is famous.",
    "Summarize: The quarterly review found travel spending twelve percent over plan. Carol will draft a new policy.",
    "Count from one to twenty in words, separated by commas.",
    "請列出這次會議的三個行動項目：陳先生星期五前提交預算，李小姐檢查酒店發票。",
    "用一句話解釋什麼是報銷單，然後舉一個例子。",
    "把下面的句子翻譯成英文：明天下午三點在會議室開會，請準時出席。",
    "写一封简短的电子邮件，提醒同事下周一提交季度报告。",
    "香港有哪些公眾假期？請列出五個。",
];

fn model_path(name: &str) -> Option<PathBuf> {
    let store = models::ModelStore::open(std::env::var_os("MISHU_MODELS_DIR").map(PathBuf::from))
        .expect("model store");
    let path = store
        .primary_path(name)
        .unwrap_or_else(|e| panic!("{e} (the test command fetches the models first)"));
    Some(path)
}

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/greedy_stock_candle.json")
}

fn greedy(llm: &Llm, prompt: &str) -> Vec<u32> {
    let mut req = GenerateRequest::chat(vec![Message::new("user", prompt)]);
    req.max_tokens = STEPS;
    llm.clear_cache();
    llm.generate(&req, &mut |_| {}).expect("generate").tokens
}

/// Logits of our kernels vs stock candle: the kernels quantize activations to 8 bits per
/// block of 32 (as llama.cpp does), an error of at most amax/254 per value, which moves a
/// logit by a small fraction of the logits' spread. We require max |Δ| ≤ 4% of the range
/// of the stock logits, and the same top token. Measured: qwen2.5-0.5b 1.5%; smollm2-135m
/// 1.7–3.3% — its logits are that sensitive to any rounding: the same kernels move them by
/// 0.5–0.6 (~2%) when the prompt is run in two chunks instead of one.
#[test]
fn logits_close_to_stock_candle() {
    for name in MODELS {
        let Some(path) = model_path(name) else {
            continue;
        };
        let gguf = Gguf::open(&path).expect("open");
        let tok = Tokenizer::from_gguf(&gguf).expect("tokenizer");
        let dec = model::load(&gguf, Some(512)).expect("load");
        for prompt in [PROMPTS[0], PROMPTS[5]] {
            let ids = tok.encode(prompt).expect("encode");
            let mut cache = dec.new_cache().expect("cache");
            let ours = dec.forward(&ids, &mut cache).expect("forward");
            let mut cache = dec.new_cache().expect("cache");
            let stock = with_stock_candle(|| dec.forward(&ids, &mut cache)).expect("forward");
            let (lo, hi) = stock
                .iter()
                .fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
            let max_diff = ours
                .iter()
                .zip(&stock)
                .map(|(a, b)| (a - b).abs())
                .fold(0f32, f32::max);
            let argmax = |v: &[f32]| {
                v.iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i)
            };
            eprintln!(
                "{name}: max |Δlogit| = {max_diff:.4}, stock range {:.2}",
                hi - lo
            );
            assert!(
                max_diff <= 0.04 * (hi - lo),
                "{name}: logits differ by {max_diff} (range {})",
                hi - lo
            );
            assert_eq!(argmax(&ours), argmax(&stock), "{name}: top token differs");
        }
    }
}

/// Greedy decoding with our kernels must reproduce stock candle's tokens. The two quantize
/// activations differently for the K-quant tensors (candle: one scale per 256, Q8_K; ours:
/// one per 32), so logits differ by a few tenths (see above) and a *near tie* may resolve
/// the other way. The test therefore requires identical tokens up to the end, or up to a
/// step where stock candle's own top-2 logit gap is below `TIE` — checked by recomputing
/// stock candle's logits on the shared prefix — and prints every such divergence.
#[test]
fn greedy_tokens_match_stock_candle() {
    // About the largest logit difference the logits test measures (smollm2-135m: up to
    // 0.97); stock candle's own decode and prefill paths disagree by as much (e.g.
    // smollm2 prompt 5 at step 30: its prefill path prefers our token by 0.63).
    const TIE: f32 = 1.0;
    let fixture: BTreeMap<String, Vec<Vec<u32>>> = serde_json::from_str(
        &std::fs::read_to_string(fixture_path()).expect("read the stock-candle fixture"),
    )
    .expect("parse the fixture");
    for name in MODELS {
        let Some(path) = model_path(name) else {
            continue;
        };
        let Some(expected) = fixture.get(name) else {
            panic!("{name}: no stock-candle tokens in the fixture (see the module doc)")
        };
        let llm = Llm::load(&path, name, &LlmConfig::default()).expect("load");
        let mut identical = 0;
        for (i, prompt) in PROMPTS.iter().enumerate() {
            let got = greedy(&llm, prompt);
            let want = &expected[i];
            let same = got.iter().zip(want).take_while(|(a, b)| a == b).count();
            if got == *want {
                identical += 1;
                continue;
            }
            // A sequence that ends here chose the end-of-turn token (not kept in `tokens`).
            let end = llm
                .tokenizer()
                .eos_token()
                .expect("the model has an end token");
            let (w, g) = (
                want.get(same).copied().unwrap_or(end),
                got.get(same).copied().unwrap_or(end),
            );
            // Stock candle's logits at the divergence, on the shared prefix.
            let gguf = Gguf::open(&path).expect("open");
            let dec = model::load(&gguf, Some(1024)).expect("load");
            let text = llm
                .render_prompt(&GenerateRequest::chat(vec![Message::new("user", *prompt)]).prompt)
                .expect("render");
            let mut ids = llm.tokenizer().encode(&text).expect("encode");
            ids.extend_from_slice(&got[..same]);
            let mut cache = dec.new_cache().expect("cache");
            let logits = with_stock_candle(|| dec.forward(&ids, &mut cache)).expect("forward");
            let (a, b) = (logits[w as usize], logits[g as usize]);
            eprintln!(
                "{name}, prompt {i}: identical for {same} steps, then stock {w} ({a:.3}) vs ours {g} ({b:.3})"
            );
            assert!(
                (a - b).abs() < TIE,
                "{name}, prompt {i}: tokens differ at step {same} where stock candle is not near a tie ({a} vs {b})"
            );
        }
        eprintln!(
            "{name}: {identical}/{} prompts identical to the end",
            PROMPTS.len()
        );
    }
}

#[test]
#[ignore = "slow (stock candle): regenerates tests/fixtures/greedy_stock_candle.json"]
fn write_stock_greedy_fixture() {
    // Merges into the existing file; MISHU_FIXTURE_MODELS=a,b limits the models redone.
    let mut out: BTreeMap<String, Vec<Vec<u32>>> = std::fs::read_to_string(fixture_path())
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let only = std::env::var("MISHU_FIXTURE_MODELS").ok();
    for name in MODELS {
        if only
            .as_ref()
            .is_some_and(|o| !o.split(',').any(|m| m == name))
        {
            continue;
        }
        let Some(path) = model_path(name) else {
            continue;
        };
        let llm = Llm::load(&path, name, &LlmConfig::default()).expect("load");
        let runs = PROMPTS
            .iter()
            .map(|p| with_stock_candle(|| greedy(&llm, p)))
            .collect();
        out.insert(name.to_string(), runs);
    }
    std::fs::write(fixture_path(), serde_json::to_string(&out).expect("json")).expect("write");
}
