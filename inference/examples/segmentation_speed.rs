//! Speed of the pyannote segmentation network on candle: seconds per 10-s window, in
//! batches, for docs/BENCHMARKS.md ("Speaker segmentation").
//!
//! `cargo run --release -p inference --example segmentation_speed -- MODEL.safetensors [BATCH] [RUNS]`
//! (threads: `RAYON_NUM_THREADS`). The PyTorch side is
//! `scripts/speakers/segmentation_reference.py MODEL.bin FIXTURES --time`, on the same
//! kind of input: noise-like windows, batches of 8.

use std::path::Path;
use std::time::Instant;

use inference::speakers::segmentation::{Segmentation, WINDOW_SAMPLES};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .expect("usage: segmentation_speed MODEL.safetensors [BATCH] [RUNS]");
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(8);
    let runs: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(3);
    let model = Segmentation::load(Path::new(path)).expect("load");
    // A fixed pseudo-random signal (xorshift), so every run sees the same input.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let windows: Vec<Vec<f32>> = (0..batch)
        .map(|_| {
            (0..WINDOW_SAMPLES)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
                })
                .collect()
        })
        .collect();
    let refs: Vec<&[f32]> = windows.iter().map(|w| w.as_slice()).collect();
    model.forward(&refs).expect("warm-up");
    let start = Instant::now();
    for _ in 0..runs {
        model.forward(&refs).expect("forward");
    }
    let per = start.elapsed().as_secs_f64() / (runs * batch) as f64;
    println!(
        "candle, {} threads: {per:.4} s per 10-s window (batches of {batch})",
        candle_core::utils::get_num_threads()
    );
}
