//! Several sequences in one pass: the decoder's batched forward gives each sequence the
//! logits it would get alone, and `generate_batch` gives each request the answer
//! `generate` gives it (SmolLM2-135M, real weights).

mod common;

use std::sync::Arc;

use inference::llm::gguf::Gguf;
use inference::llm::{model, FinishReason, GenerateRequest, Message, Schema};

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap()
}

/// Largest difference between two logit vectors, as a share of the first one's spread.
fn relative_gap(a: &[f32], b: &[f32]) -> f32 {
    let max = a.iter().copied().fold(f32::MIN, f32::max);
    let min = a.iter().copied().fold(f32::MAX, f32::min);
    let gap = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    gap / (max - min)
}

#[test]
fn a_batched_forward_gives_each_sequence_its_own_logits() {
    let gguf = Gguf::open(&common::model_path("smollm2-135m")).unwrap();
    let decoder = model::load(&gguf, Some(1024)).unwrap();
    let prompts: [Vec<u32>; 3] = [
        (100..140).collect(),
        (2000..2007).collect(),
        (5000..5100).step_by(3).collect(),
    ];
    // Each sequence alone: its prompt, then one decoding step with its greedy token.
    let mut alone = Vec::new();
    for p in &prompts {
        let mut cache = decoder.new_cache().unwrap();
        let first = decoder.forward(p, &mut cache).unwrap();
        let next = argmax(&first) as u32;
        let second = decoder.forward(&[next], &mut cache).unwrap();
        alone.push((first, next, second));
    }
    // All three in one pass per step, each with its own cache, prompts of different
    // lengths in the same pass.
    let mut caches: Vec<_> = prompts
        .iter()
        .map(|_| decoder.new_cache().unwrap())
        .collect();
    let mut seqs: Vec<(&[u32], _)> = prompts
        .iter()
        .map(Vec::as_slice)
        .zip(caches.iter_mut())
        .collect();
    let firsts = decoder.forward_batch(&mut seqs).unwrap();
    assert_eq!(firsts.len(), 3);
    let nexts: Vec<[u32; 1]> = alone.iter().map(|a| [a.1]).collect();
    let mut seqs: Vec<(&[u32], _)> = nexts
        .iter()
        .map(|n| n.as_slice())
        .zip(caches.iter_mut())
        .collect();
    let seconds = decoder.forward_batch(&mut seqs).unwrap();
    for (i, (first, next, second)) in alone.iter().enumerate() {
        assert_eq!(caches[i].len(), prompts[i].len() + 1);
        assert_eq!(argmax(&firsts[i]) as u32, *next, "sequence {i}");
        assert_eq!(argmax(&seconds[i]), argmax(second), "sequence {i}");
        for (a, b) in [(first, &firsts[i]), (second, &seconds[i])] {
            let gap = relative_gap(a, b);
            assert!(
                gap < 0.02,
                "sequence {i}: logits differ by {gap} of their spread"
            );
        }
    }
    // A decoding step alone after the batch matches too: each cache holds its own rows.
    let after = decoder.forward(&[alone[1].1], &mut caches[1]).unwrap();
    let mut cache = decoder.new_cache().unwrap();
    decoder.forward(&prompts[1], &mut cache).unwrap();
    decoder.forward(&[alone[1].1], &mut cache).unwrap();
    let want = decoder.forward(&[alone[1].1], &mut cache).unwrap();
    assert!(relative_gap(&want, &after) < 0.02);
}

#[test]
fn a_batch_answers_each_request_as_it_would_be_answered_alone() {
    let llm = common::smollm();
    let ask = |q: &str, max_tokens: usize| {
        let mut r = GenerateRequest::chat(vec![
            Message::new("system", "You are a helpful assistant."),
            Message::new("user", q),
        ]);
        r.max_tokens = max_tokens;
        r
    };
    let mut json = ask("Give the meeting's owner and task as JSON.", 40);
    json.schema = Some(Arc::new(
        Schema::parse(
            r#"{"type":"object","properties":{"owner":{"type":"string"},"task":{"type":"string"}},"required":["owner","task"]}"#,
        )
        .unwrap(),
    ));
    let mut stopped = ask(
        "Count from one to twenty in words, separated by commas.",
        60,
    );
    stopped.stop = vec!["five".into()];
    let reqs = vec![
        ask("What is the capital of France?", 24),
        json,
        stopped,
        ask("Name three colours.", 5),
    ];
    llm.clear_cache();
    let alone: Vec<_> = reqs
        .iter()
        .map(|r| llm.generate(r, &mut |_| {}).unwrap())
        .collect();
    let mut streamed = vec![String::new(); reqs.len()];
    let t = std::time::Instant::now();
    let batch = llm
        .generate_batch(&reqs, &mut |i, text| streamed[i].push_str(text))
        .unwrap();
    let wall = t.elapsed().as_secs_f64();
    assert_eq!(batch.len(), reqs.len());
    for (i, (a, b)) in alone.iter().zip(&batch).enumerate() {
        assert_eq!(streamed[i], b.text, "request {i}: the stream is the text");
        assert_eq!(a.prompt_tokens, b.prompt_tokens);
        // The same first tokens (a 135M model is unsure later on, and a batched step
        // sums in another order).
        let n = a.tokens.len().min(b.tokens.len()).min(4);
        assert_eq!(a.tokens[..n], b.tokens[..n], "request {i}: {a:?} {b:?}");
    }
    assert!(
        batch[1].cached_prompt_tokens > 0,
        "the shared system prompt is reused"
    );
    assert_eq!(batch[1].finish_reason, FinishReason::SchemaComplete);
    let v: serde_json::Value = serde_json::from_str(&batch[1].text).unwrap();
    assert!(v["owner"].is_string() && v["task"].is_string(), "{v}");
    assert_eq!(batch[2].finish_reason, FinishReason::Stop);
    assert!(!batch[2].text.contains("five"), "{:?}", batch[2].text);
    assert_eq!(batch[3].finish_reason, FinishReason::Length);
    assert_eq!(batch[3].completion_tokens, 5);
    let decode: f64 = batch.iter().map(|o| o.decode_s).sum();
    assert!(
        decode <= wall,
        "shares of the steps add up to at most the time taken"
    );
    // The same batch again gives the same answers.
    let again = llm.generate_batch(&reqs, &mut |_, _| {}).unwrap();
    for (b, c) in batch.iter().zip(&again) {
        assert_eq!(b.tokens, c.tokens);
    }
}

#[test]
fn an_answer_ended_from_the_callback_is_closed_and_the_others_go_on() {
    let llm = common::smollm();
    let schema = Arc::new(
        Schema::parse(
            r#"{"type":"object","properties":{"owner":{"type":"string"},"task":{"type":"string"}},"required":["owner","task"]}"#,
        )
        .unwrap(),
    );
    let ask = |q: &str| {
        let mut r = GenerateRequest::chat(vec![
            Message::new("system", "You are a helpful assistant."),
            Message::new("user", q),
        ]);
        r.max_tokens = 40;
        r.schema = Some(schema.clone());
        r
    };
    let finish = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut ended = ask("Give the meeting's owner and task as JSON.");
    ended.finish_now = Some(finish.clone());
    let reqs = vec![ended, ask("Who owns the budget task? Answer as JSON.")];
    llm.clear_cache();
    let alone = llm.generate(&reqs[1], &mut |_| {}).unwrap();
    let out = llm
        .generate_batch(&reqs, &mut |i, _| {
            if i == 0 {
                finish.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        })
        .unwrap();
    assert_eq!(out[0].finish_reason, FinishReason::Stop);
    assert!(out[0].completion_tokens <= 2, "{:?}", out[0]);
    // Closed as briefly as the schema allows: still a valid document.
    let v: serde_json::Value = serde_json::from_str(&out[0].text).unwrap();
    assert!(v["owner"].is_string() && v["task"].is_string(), "{v}");
    assert_eq!(out[1].finish_reason, FinishReason::SchemaComplete);
    let n = alone.tokens.len().min(out[1].tokens.len()).min(4);
    assert_eq!(alone.tokens[..n], out[1].tokens[..n]);
}
