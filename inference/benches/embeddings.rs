//! Sentence-embedding throughput: the installed minilm-l6 over the texts of a file, one
//! per line, in one call (the encoder batches them), best of a few runs.
//!
//! `cargo bench -p inference --bench embeddings -- TEXTS [RUNS]` prints one JSON line;
//! `scripts/bench-embeddings` runs it beside sentence-transformers on the same texts.

use std::time::Instant;

use inference::embeddings::{SentenceEncoder, DEFAULT_MODEL};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo bench -p inference --bench embeddings -- TEXTS [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let text = std::fs::read_to_string(path).expect("read the texts");
    let texts: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let models_dir = std::env::var_os("MISHU_MODELS_DIR").map(Into::into);
    let t0 = Instant::now();
    let encoder = SentenceEncoder::from_store(models_dir, DEFAULT_MODEL).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(3);
    });
    let load_s = t0.elapsed().as_secs_f64();
    encoder
        .embed(&texts[..texts.len().min(8)])
        .expect("warm up");
    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let vectors = encoder.embed(&texts).expect("embed");
        assert_eq!(vectors.len(), texts.len());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"engine\": \"mishu\", \"texts\": {}, \"load_s\": {load_s:.3}, \"best_s\": {best:.4}, \"sentences_per_s\": {:.1}}}",
        texts.len(),
        texts.len() as f64 / best
    );
}
