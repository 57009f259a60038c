//! Decoding several answers in the same steps against one after the other: the same
//! requests through `Llm::generate` each and through `Llm::generate_batch`, alternating,
//! with the decode time and tokens per second of both and their ratio.
//!
//! `cargo run --release -p inference --example llm_batch_speed -- MODEL.gguf [BATCH] [PROMPT_TOKENS] [NEW] [ROUNDS]`
//! prints one JSON line per round.

use std::path::Path;
use std::time::Instant;

use inference::llm::{GenerateRequest, Llm, LlmConfig};

const TOPICS: &[&str] = &[
    "the quarterly budget",
    "the office move to Kwun Tong",
    "the new expense policy",
    "the client workshop in Shenzhen",
    "the hiring plan for the warehouse",
    "the year-end audit",
    "the website launch",
    "the staff training days",
];

fn prompt(topic: &str, tokens: usize) -> String {
    let para = format!(
        "The team met on Tuesday to review {topic}. Alice said the plan was twelve percent \
         over and asked Bob to check the numbers before Friday. Carol will draft the note \
         and send it to the directors next week. "
    );
    let words: Vec<&str> = para.split(' ').collect();
    // About 1.3 tokens a word.
    let n = tokens * 10 / 13;
    words
        .iter()
        .cycle()
        .take(n)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: llm_batch_speed MODEL.gguf [BATCH] [PROMPT_TOKENS] [NEW] [ROUNDS]");
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let n_prompt: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(300);
    let n_new: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(64);
    let rounds: usize = args.get(5).and_then(|s| s.parse().ok()).unwrap_or(2);
    let llm = Llm::load(Path::new(path), "bench", &LlmConfig::default()).expect("load");
    let reqs: Vec<GenerateRequest> = (0..batch)
        .map(|i| {
            let mut r = GenerateRequest::raw(prompt(TOPICS[i % TOPICS.len()], n_prompt));
            r.max_tokens = n_new;
            r.ignore_eos = true;
            r
        })
        .collect();
    for round in 0..rounds {
        llm.clear_cache();
        let t = Instant::now();
        let one_by_one: Vec<_> = reqs
            .iter()
            .map(|r| llm.generate(r, &mut |_| {}).expect("generate"))
            .collect();
        let seq_wall = t.elapsed().as_secs_f64();
        llm.clear_cache();
        let t = Instant::now();
        let together = llm.generate_batch(&reqs, &mut |_, _| {}).expect("batch");
        let batch_wall = t.elapsed().as_secs_f64();
        let tokens: usize = together.iter().map(|o| o.completion_tokens).sum();
        let seq_decode: f64 = one_by_one.iter().map(|o| o.decode_s).sum();
        let batch_decode: f64 = together.iter().map(|o| o.decode_s).sum();
        let same = one_by_one
            .iter()
            .zip(&together)
            .filter(|(a, b)| a.tokens == b.tokens)
            .count();
        println!(
            "{{\"round\":{round},\"batch\":{batch},\"prompt_tokens\":{},\"new_tokens\":{tokens},\"one_by_one_decode_s\":{seq_decode:.2},\"batched_decode_s\":{batch_decode:.2},\"one_by_one_tok_s\":{:.2},\"batched_tok_s\":{:.2},\"decode_ratio\":{:.2},\"one_by_one_wall_s\":{seq_wall:.2},\"batched_wall_s\":{batch_wall:.2},\"same_tokens\":\"{same}/{batch}\"}}",
            together[0].prompt_tokens,
            tokens as f64 / seq_decode,
            tokens as f64 / batch_decode,
            seq_decode / batch_decode,
        );
    }
}
