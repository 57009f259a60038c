//! Generation with SmolLM2-135M: deterministic greedy output that matches a recording,
//! prefix caching, stops, streaming, cancellation, sampling seeds and context errors.

mod common;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use inference::llm::kernels::Isa;
use inference::llm::{FinishReason, GenerateRequest, Message, Prompt, SamplingParams};

fn ask(q: &str) -> GenerateRequest {
    let mut r = GenerateRequest::chat(vec![Message::new("user", q)]);
    r.max_tokens = 24;
    r
}

#[test]
fn greedy_is_deterministic_and_matches_the_recording() {
    let llm = common::smollm();
    llm.clear_cache();
    let req = ask("What is the capital of France?");
    let a = llm.generate(&req, &mut |_| {}).unwrap();
    llm.clear_cache();
    let b = llm.generate(&req, &mut |_| {}).unwrap();
    assert_eq!(a.tokens, b.tokens);
    assert_eq!(a.text, b.text);
    // Recorded from this engine (re-recorded when the decoder moved to an f16 KV cache
    // and its own attention), once per kernel set: the AVX-512 VNNI and AVX2 kernels sum
    // in different orders, and this tiny model is unsure after a few tokens. llama.cpp
    // (same GGUF, same 37 prompt tokens) agrees with the AVX-512 recording on the first
    // 11 tokens ("L'Étoile, la Cité, la") and then goes "Nation, …" where it goes
    // "France, …"; every kernel set starts "L'Étoile, la".
    assert!(a.text.starts_with("L'Étoile, la"), "{a:?}");
    let recorded = match Isa::detect() {
        Isa::Avx512Vnni => Some(include_str!("fixtures/smollm2-greedy.txt")),
        Isa::Avx2 => Some(include_str!("fixtures/smollm2-greedy-avx2.txt")),
        Isa::Scalar => None,
    };
    if let Some(recorded) = recorded {
        assert_eq!(a.text, recorded.trim_end_matches('\n'), "{a:?}");
    }
}

#[test]
fn prefix_cache_is_reused_and_changes_nothing() {
    let llm = common::smollm();
    let system = Message::new(
        "system",
        "You extract action items from meeting notes. Answer in one short sentence.",
    );
    let req = |q: &str| {
        let mut r = GenerateRequest::chat(vec![system.clone(), Message::new("user", q)]);
        r.max_tokens = 16;
        r
    };
    llm.clear_cache();
    let cold = llm
        .generate(&req("Peter will send the budget on Friday."), &mut |_| {})
        .unwrap();
    assert_eq!(cold.cached_prompt_tokens, 0);
    // A different question after the same system prompt reuses its keys/values.
    let other = llm
        .generate(&req("Mary books the room."), &mut |_| {})
        .unwrap();
    assert!(
        other.cached_prompt_tokens >= 15,
        "only {} of {} prompt tokens reused",
        other.cached_prompt_tokens,
        other.prompt_tokens
    );
    // Same question again, warm: identical output to the cold run.
    let warm = llm
        .generate(&req("Peter will send the budget on Friday."), &mut |_| {})
        .unwrap();
    assert_eq!(warm.cached_prompt_tokens, other.cached_prompt_tokens);
    assert_eq!(cold.tokens, warm.tokens);
}

#[test]
fn streaming_delivers_exactly_the_text() {
    let llm = common::smollm();
    let mut streamed = String::new();
    let out = llm
        .generate(&ask("Write a haiku about rain."), &mut |s| {
            streamed.push_str(s)
        })
        .unwrap();
    assert_eq!(streamed, out.text);
    assert!(!out.text.is_empty());
}

#[test]
fn stop_strings_cut_the_text() {
    let llm = common::smollm();
    let q = "Count from 1 to 20.";
    let base = llm.generate(&ask(q), &mut |_| {}).unwrap();
    // Stop at a two-character string the model writes, so that streaming has to hold
    // back its first character.
    let Some(pos) = base.text.find("3.") else {
        panic!("expected '3.' in {:?}", base.text)
    };
    let mut req = ask(q);
    req.stop = vec!["3.".into()];
    let mut streamed = String::new();
    let out = llm.generate(&req, &mut |s| streamed.push_str(s)).unwrap();
    assert_eq!(out.finish_reason, FinishReason::Stop);
    assert_eq!(out.text, base.text[..pos]);
    assert_eq!(streamed, out.text);
}

#[test]
fn max_tokens_gives_length() {
    let llm = common::smollm();
    let mut req = ask("Tell me a long story about a dragon.");
    req.max_tokens = 5;
    let out = llm.generate(&req, &mut |_| {}).unwrap();
    assert_eq!(out.completion_tokens, 5);
    assert_eq!(out.finish_reason, FinishReason::Length);
}

#[test]
fn cancellation_stops_generation() {
    let llm = common::smollm();
    let cancel = Arc::new(AtomicBool::new(false));
    let mut req = ask("Tell me a long story about a dragon.");
    req.max_tokens = 200;
    req.cancel = Some(cancel.clone());
    let mut pieces = 0;
    let out = llm
        .generate(&req, &mut |_| {
            pieces += 1;
            if pieces == 3 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        })
        .unwrap();
    assert_eq!(out.finish_reason, FinishReason::Cancelled);
    assert!(out.completion_tokens < 10, "{}", out.completion_tokens);
}

#[test]
fn sampling_with_a_seed_repeats() {
    let llm = common::smollm();
    let mut req = ask("Name three colours.");
    req.sampling = SamplingParams {
        temperature: 0.9,
        top_k: 40,
        top_p: 0.95,
        repetition_penalty: 1.1,
        seed: 7,
        ..Default::default()
    };
    // Cold both times: a cached prefix changes the float rounding of the logits a
    // little, which can tip a sample.
    llm.clear_cache();
    let a = llm.generate(&req, &mut |_| {}).unwrap();
    llm.clear_cache();
    let b = llm.generate(&req, &mut |_| {}).unwrap();
    assert_eq!(a.tokens, b.tokens);
    let outputs: Vec<Vec<u32>> = (8..12)
        .map(|seed| {
            req.sampling.seed = seed;
            llm.generate(&req, &mut |_| {}).unwrap().tokens
        })
        .collect();
    assert!(
        outputs.iter().any(|o| o != &a.tokens),
        "seeds change nothing"
    );
}

#[test]
fn a_prompt_longer_than_the_context_is_an_error() {
    let llm = common::smollm();
    let long = "budget ".repeat(3000);
    let err = llm
        .generate(&GenerateRequest::raw(long), &mut |_| {})
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("context"), "{msg}");
    assert!(
        matches!(err, inference::Error::ContextOverflow { .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), inference::ErrorKind::BadInput);
}

#[test]
fn raw_prompts_skip_the_template() {
    let llm = common::smollm();
    let p = llm.render_prompt(&Prompt::Raw("abc".into())).unwrap();
    assert_eq!(p, "abc");
    let chat = llm
        .render_prompt(&Prompt::Chat(vec![Message::new("user", "hi")]))
        .unwrap();
    assert!(chat.ends_with("<|im_start|>assistant\n"), "{chat}");
    assert!(chat.contains("<|im_start|>user\nhi<|im_end|>"), "{chat}");
}
