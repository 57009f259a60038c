//! Prefill and decode speed of the LLM engine on a long prompt, for the kernel benchmarks
//! (docs/BENCHMARKS.md, "LLM CPU kernels").
//!
//! `cargo run --release -p inference --example llm_speed -- MODEL.gguf [PROMPT_TOKENS] [NEW] [RUNS]`
//! prints one JSON line per run. `MISHU_KERNELS=candle` runs candle's stock `QMatMul`
//! instead of our kernels; `MISHU_KERNELS=avx2|scalar` forces a lower kernel set.

use std::path::Path;

use inference::llm::{GenerateRequest, Llm, LlmConfig, SamplingParams};

/// The prompt text both engines read: meeting-like English, repeated to length.
pub fn prompt_text(tokens: usize) -> String {
    let para = "The finance team met on Tuesday to review the quarterly budget. Alice said the \
                travel spending was twelve percent over plan and asked Bob to check the hotel \
                invoices from the Singapore trip before Friday. Carol will draft the new approval \
                policy and send it to the directors next week. ";
    // ~55 tokens per paragraph; the caller trims to the exact count.
    para.repeat(tokens / 40 + 2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: llm_speed MODEL.gguf [PROMPT_TOKENS] [NEW] [RUNS]");
    let n_prompt: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let n_new: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(128);
    let runs: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(3);
    let llm = Llm::load(Path::new(path), "bench", &LlmConfig::default()).expect("load");
    let ids = llm
        .tokenizer()
        .encode(&prompt_text(n_prompt))
        .expect("encode");
    let text = llm.tokenizer().decode(&ids[..n_prompt.min(ids.len())]);
    for _ in 0..runs {
        llm.clear_cache();
        let mut req = GenerateRequest::raw(text.clone());
        req.max_tokens = n_new;
        req.sampling = SamplingParams::default();
        let out = llm.generate(&req, &mut |_| {}).expect("generate");
        println!(
            "{{\"engine\":\"mishu\",\"kernels\":\"{}\",\"prompt_tokens\":{},\"new_tokens\":{},\"prefill_tok_s\":{:.2},\"decode_tok_s\":{:.2}}}",
            std::env::var("MISHU_KERNELS").unwrap_or_else(|_| format!("{:?}", inference::llm::kernels::Isa::detect())),
            out.prompt_tokens,
            out.completion_tokens,
            out.prefill_tokens_per_s,
            out.decode_tokens_per_s
        );
    }
}
