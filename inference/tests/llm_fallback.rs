//! The fallback engine on real weights: Gemma 3 270M (Q4_K_M), an architecture mishu's
//! own decoder does not run, loaded through the same `Llm` API. Greedy output agrees
//! with llama.cpp's (fixture written by `scripts/gen-spm-fixtures`: its tokens and how
//! clear each choice was), and streaming, stop strings, constrained decoding and
//! prefix caching work as on the fast path.
//! Fails when the model is not installed (`mishu models fetch gemma3-270m`).

mod common;

use std::sync::{Arc, OnceLock};

use candle_core::quantized::gguf_file;
use inference::llm::fallback::FallbackModel;
use inference::llm::gguf::Gguf;
use inference::llm::{
    EngineKind, FinishReason, GenerateRequest, Llm, LlmConfig, Message, Prompt, Schema,
};
use serde_json::Value;

/// Greedy tokens of each prompt that must equal llama.cpp's, unless llama.cpp's own
/// choice was a near tie before that (and at least three prompts must get this far).
const MUST_AGREE: usize = 8;
/// A lead (top-1 minus top-2 logit) under this is a near tie: the two engines' logits
/// differ by up to ~0.3 (llama.cpp keeps keys and values in f16, its GELU is a table),
/// so either choice is right.
const NEAR_TIE: f32 = 0.1;
/// Where llama.cpp's lead is at least this, mishu must make the same choice.
const CLEAR_LEAD: f32 = 0.5;

fn gemma() -> Arc<Llm> {
    static GEMMA: OnceLock<Arc<Llm>> = OnceLock::new();
    GEMMA
        .get_or_init(|| {
            let config = LlmConfig {
                context: Some(1024),
                ..Default::default()
            };
            Arc::new(
                Llm::load(&common::model_path("gemma3-270m"), "gemma3-270m", &config)
                    .expect("load gemma3-270m"),
            )
        })
        .clone()
}

/// A fresh copy, for tests whose cache state matters.
fn fresh_gemma() -> Llm {
    let config = LlmConfig {
        context: Some(1024),
        ..Default::default()
    };
    Llm::load(&common::model_path("gemma3-270m"), "gemma3-270m", &config).unwrap()
}

fn raw(text: &str, max_tokens: usize) -> GenerateRequest {
    let mut r = GenerateRequest::raw(text);
    r.max_tokens = max_tokens;
    r
}

#[test]
fn gemma3_runs_on_the_fallback_engine() {
    let llm = gemma();
    assert_eq!(llm.engine(), EngineKind::Fallback);
    assert_eq!(llm.architecture(), "gemma3");
    assert!(llm.config().is_none());
    // The file carries no chat template: a base model, prompted with the plain text.
    assert!(!llm.has_chat_template());
    let chat = Prompt::Chat(vec![
        Message::new("system", "Notes of the meeting."),
        Message::new("user", "The budget is due on"),
    ]);
    assert_eq!(
        llm.render_prompt(&chat).unwrap(),
        "Notes of the meeting.\n\nThe budget is due on"
    );
}

struct GreedyCase {
    label: String,
    prompt: String,
    prompt_ids: Vec<u32>,
    ids: Vec<u32>,
    margins: Vec<f32>,
}

fn greedy_cases() -> Vec<GreedyCase> {
    let doc: Value =
        serde_json::from_str(include_str!("fixtures/greedy-gemma3-270m.json")).unwrap();
    let ids = |v: &Value| -> Vec<u32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect()
    };
    let cases: Vec<GreedyCase> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| GreedyCase {
            label: c["label"].as_str().unwrap().to_string(),
            prompt: c["prompt"].as_str().unwrap().to_string(),
            prompt_ids: ids(&c["prompt_ids"]),
            ids: ids(&c["ids"]),
            margins: c["margins"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m.as_f64().unwrap() as f32)
                .collect(),
        })
        .collect();
    assert!(cases.len() >= 3);
    cases
}

#[test]
fn greedy_output_agrees_with_llama_cpp() {
    let llm = gemma();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut long_agreements = 0;
    for case in greedy_cases() {
        assert_eq!(
            llm.tokenizer().encode(&case.prompt).unwrap(),
            case.prompt_ids,
            "{}: prompt tokens differ from llama.cpp's",
            case.label
        );
        let mut req = raw(&case.prompt, case.ids.len());
        req.ignore_eos = true;
        let out = llm.generate(&req, &mut |_| {}).unwrap();
        let agree = out
            .tokens
            .iter()
            .zip(&case.ids)
            .take_while(|(a, b)| a == b)
            .count();
        let first_tie = case
            .margins
            .iter()
            .position(|&m| m < NEAR_TIE)
            .unwrap_or(case.ids.len());
        let needed = MUST_AGREE.min(case.ids.len()).min(first_tie);
        long_agreements += usize::from(agree >= MUST_AGREE);
        report.push(format!(
            "{}: {agree}/{} (first near tie at token {})",
            case.label,
            case.ids.len(),
            first_tie + 1
        ));
        if agree < needed {
            failures.push(format!(
                "{}: {:?}: {agree} tokens agree, {needed} needed\n  llama.cpp {:?}\n  mishu     {:?} {:?}",
                case.label, case.prompt, case.ids, out.tokens, out.text
            ));
        }
    }
    eprintln!("gemma3-270m greedy vs llama.cpp: {}", report.join(", "));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        long_agreements >= 3,
        "only {long_agreements} prompts agree on their first {MUST_AGREE} tokens: {}",
        report.join(", ")
    );
}

/// Fed llama.cpp's own greedy tokens, the model picks llama.cpp's next token at every
/// step where llama.cpp's choice is clear — past the point where free-running outputs
/// part at a near tie.
#[test]
fn teacher_forced_choices_agree_with_llama_cpp() {
    let gguf = Gguf::open(&common::model_path("gemma3-270m")).unwrap();
    let mut model = FallbackModel::load(&gguf, Some(512)).unwrap();
    let (mut steps, mut same, mut clear) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in greedy_cases() {
        model.truncate(0).unwrap();
        let mut logits = model.forward(&case.prompt_ids).unwrap();
        for (i, (&want, &margin)) in case.ids.iter().zip(&case.margins).enumerate() {
            let got = argmax(&logits);
            steps += 1;
            same += usize::from(got == want);
            if margin >= CLEAR_LEAD {
                clear += 1;
                if got != want {
                    failures.push(format!(
                        "{} step {i}: llama.cpp {want} (lead {margin}), mishu {got}",
                        case.label
                    ));
                }
            }
            logits = model.forward(&[want]).unwrap();
        }
    }
    eprintln!(
        "gemma3-270m teacher-forced: {same}/{steps} choices equal to llama.cpp's; {clear} clear ones checked"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn argmax(v: &[f32]) -> u32 {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i as u32)
        .unwrap()
}

#[test]
fn streaming_and_stop_strings_work() {
    let llm = gemma();
    let prompt = "Monday, Tuesday, Wednesday, Thursday,";
    let base = llm.generate(&raw(prompt, 12), &mut |_| {}).unwrap();
    assert!(!base.text.is_empty());
    let mut streamed = String::new();
    let again = llm
        .generate(&raw(prompt, 12), &mut |s| streamed.push_str(s))
        .unwrap();
    assert_eq!(streamed, again.text);
    assert_eq!(again.tokens, base.tokens);
    // Stop at the second comma the model writes.
    let Some(first) = base.text.find(',') else {
        panic!("expected a comma in {:?}", base.text)
    };
    let Some(second) = base.text[first + 1..].find(',').map(|i| first + 1 + i) else {
        panic!("expected two commas in {:?}", base.text)
    };
    let mut req = raw(prompt, 12);
    req.stop = vec![base.text[first + 1..=second].to_string()];
    let out = llm.generate(&req, &mut |_| {}).unwrap();
    assert_eq!(out.finish_reason, FinishReason::Stop);
    assert_eq!(out.text, base.text[..=first]);
}

#[test]
fn constrained_output_validates() {
    let llm = gemma();
    let schema = Arc::new(
        Schema::parse(
            r#"{"type":"object","properties":{"city":{"type":"string","maxLength":20},"year":{"type":"integer"}},"required":["city","year"]}"#,
        )
        .unwrap(),
    );
    let mut req = raw(
        "A JSON record of the city where the 2008 Olympic Games were held:\n",
        48,
    );
    req.schema = Some(schema);
    let out = llm.generate(&req, &mut |_| {}).unwrap();
    let v: Value = serde_json::from_str(&out.text)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", out.text));
    assert!(v["city"].is_string(), "{v}");
    assert!(v["year"].is_i64(), "{v}");
}

#[test]
fn a_cached_prefix_is_extended_and_changes_nothing() {
    let llm = fresh_gemma();
    let first = "Minutes of the weekly operations meeting. Peter Chan opened the meeting and asked the finance team to prepare the budget. Mary Wong said the office move is on schedule.";
    let a = llm.generate(&raw(first, 4), &mut |_| {}).unwrap();
    assert_eq!(a.cached_prompt_tokens, 0);
    // The next prompt starts with the previous prompt and answer and adds a word: the
    // cache is kept and extended.
    let next = format!("{first}{} Tom", a.text);
    let b = llm.generate(&raw(&next, 6), &mut |_| {}).unwrap();
    assert!(
        b.cached_prompt_tokens >= a.prompt_tokens,
        "{} of {} prompt tokens reused",
        b.cached_prompt_tokens,
        b.prompt_tokens
    );
    // The same result as a model that never saw the first prompt.
    let cold = fresh_gemma().generate(&raw(&next, 6), &mut |_| {}).unwrap();
    assert_eq!(b.tokens, cold.tokens);
    // A prompt that departs from the cache keeps only the shared start (BOS) and runs
    // the rest afresh.
    let c = llm
        .generate(&raw("Something else entirely:", 6), &mut |_| {})
        .unwrap();
    assert_eq!(c.cached_prompt_tokens, 1);
    let cold_c = fresh_gemma()
        .generate(&raw("Something else entirely:", 6), &mut |_| {})
        .unwrap();
    assert_eq!(c.tokens, cold_c.tokens);
}

#[test]
fn an_architecture_neither_engine_runs_is_named() {
    // The SmolLM2 file relabelled as another architecture.
    let src = common::model_path("smollm2-135m");
    let mut f = std::fs::File::open(&src).unwrap();
    let content = gguf_file::Content::read(&mut f).unwrap();
    let tensors: Vec<(String, candle_core::quantized::QTensor)> = content
        .tensor_infos
        .keys()
        .map(|name| {
            let t = content
                .tensor(&mut f, name, &candle_core::Device::Cpu)
                .unwrap();
            (name.clone(), t)
        })
        .collect();
    let arch = gguf_file::Value::String("mamba2".into());
    let metadata: Vec<(&str, &gguf_file::Value)> = content
        .metadata
        .iter()
        .map(|(k, v)| {
            if k == "general.architecture" {
                (k.as_str(), &arch)
            } else {
                (k.as_str(), v)
            }
        })
        .collect();
    let refs: Vec<(&str, &candle_core::quantized::QTensor)> =
        tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mamba2.gguf");
    let mut out = std::fs::File::create(&path).unwrap();
    gguf_file::write(&mut out, &metadata, &refs).unwrap();
    drop(out);
    let err = match Llm::load(&path, "relabelled", &LlmConfig::default()) {
        Ok(_) => panic!("an unsupported architecture loaded"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("'mamba2'") && err.contains("not supported") && err.contains("gemma3"),
        "{err}"
    );
}
