//! Quantized matrix kernels vs candle's stock `QMatMul`, per block format, on the shapes
//! of the default models: mat-vec (decode) in GB/s of weights read, and prefill-shaped
//! GEMM (128 activation rows) in GOP/s (2 ops per multiply-add).
//!
//! `cargo bench -p inference --bench kernels` (MISHU_THREADS sets our threads; candle uses
//! its own pool). Other processes on the machine disturb absolute numbers: compare the
//! columns of one run.

use std::time::Instant;

use candle_core::quantized::{ggml_file::qtensor_from_ggml, GgmlDType, QMatMul};
use candle_core::{Device, Module, Tensor};
use inference::llm::kernels::{matmul_packed, matmul_with, Isa, PackedMatrix, QMatrix, QType};

fn random_weights(ty: QType, rows: usize, cols: usize) -> Vec<u8> {
    let mut state = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut data: Vec<u8> = (0..rows * ty.row_bytes(cols))
        .map(|_| next() as u8)
        .collect();
    let scale = |b: &mut [u8], at: usize, v: f32| {
        b[at..at + 2].copy_from_slice(&half::f16::from_f32(v).to_bits().to_le_bytes())
    };
    for blk in data.chunks_exact_mut(ty.block_bytes()) {
        match ty {
            QType::Q6K => scale(blk, 208, 0.001),
            QType::Q4_1 | QType::Q4K => {
                scale(blk, 0, 0.01);
                scale(blk, 2, 0.01);
            }
            _ => scale(blk, 0, 0.01),
        }
    }
    data
}

fn ggml_type(ty: QType) -> GgmlDType {
    match ty {
        QType::Q4_0 => GgmlDType::Q4_0,
        QType::Q4_1 => GgmlDType::Q4_1,
        QType::Q5_0 => GgmlDType::Q5_0,
        QType::Q8_0 => GgmlDType::Q8_0,
        QType::Q4K => GgmlDType::Q4K,
        QType::Q6K => GgmlDType::Q6K,
    }
}

/// Median seconds of `reps` runs of `f` (after one warm-up).
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // (format, rows, cols, where): the default models' tensors.
    let cases = [
        (QType::Q5_0, 4864, 896, "qwen ffn_gate/up"),
        (QType::Q8_0, 151936, 896, "qwen output"),
        (QType::Q4K, 896, 4864, "qwen ffn_down"),
        (QType::Q6K, 896, 4864, "qwen ffn_down"),
        (QType::Q4K, 8960, 1536, "qwen 1.5b ffn_gate/up"),
        (QType::Q6K, 1536, 8960, "qwen 1.5b ffn_down"),
        (QType::Q6K, 151936, 1536, "qwen 1.5b output"),
        (QType::Q4_1, 1536, 576, "smollm2 ffn_gate/up"),
        (QType::Q4_0, 4864, 896, "(Q4_0 models)"),
    ];
    let quick = std::env::args().any(|a| a == "--quick");
    if std::env::args().any(|a| a == "--decode-model") {
        decode_model(false);
        return;
    }
    if std::env::args().any(|a| a == "--pack") {
        for (ty, n, k, what) in cases {
            let data = random_weights(ty, n, k);
            let w = QMatrix::new(ty, n, k, &data).expect("sizes");
            let t = time(5, || drop(PackedMatrix::new(&w)));
            println!(
                "pack {ty:?} {n} × {k} ({what}): {:.1} ms, {:.2} GB/s",
                t * 1e3,
                data.len() as f64 / t / 1e9
            );
        }
        return;
    }
    if std::env::args().any(|a| a == "--decode-model=1.5b") {
        decode_model(true);
        return;
    }
    if std::env::args().any(|a| a == "--prefill") {
        prefill_only(&cases);
        return;
    }
    println!("| format | shape (rows × cols) | tensor | m | candle stock | mishu {:?} | mishu AVX2 | speed-up |", Isa::detect());
    println!("|---|---|---|---|---|---|---|---|");
    for (ty, n, k, what) in cases {
        let data = random_weights(ty, n, k);
        let w = QMatrix::new(ty, n, k, &data).expect("sizes");
        let qt =
            qtensor_from_ggml(ggml_type(ty), &data, vec![n, k], &Device::Cpu).expect("qtensor");
        let stock = QMatMul::from_qtensor(qt).expect("qmatmul");
        for m in [1usize, 128] {
            if quick && m > 1 && n > 100_000 {
                continue;
            }
            let x: Vec<f32> = (0..m * k)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
                .collect();
            let xt = Tensor::from_vec(x.clone(), (m, k), &Device::Cpu).expect("tensor");
            let mut y = vec![0f32; m * n];
            let reps = if m == 1 { 21 } else { 5 };
            let reps = if n > 100_000 { reps.min(5) } else { reps };
            let t_stock = time(reps, || {
                let _ = stock.forward(&xt).expect("forward");
            });
            let t_best = time(reps, || matmul_with(Isa::detect(), &w, &x, m, &mut y));
            let t_avx2 = time(reps, || matmul_with(Isa::Avx2, &w, &x, m, &mut y));
            let unit = |t: f64| {
                if m == 1 {
                    format!("{:.1} GB/s", data.len() as f64 / t / 1e9)
                } else {
                    format!("{:.1} GOP/s", 2.0 * (m * n * k) as f64 / t / 1e9)
                }
            };
            println!(
                "| {ty:?} | {n} × {k} | {what} | {m} | {} | {} | {} | {:.1}× |",
                unit(t_stock),
                unit(t_best),
                unit(t_avx2),
                t_stock / t_best
            );
        }
    }
}

/// One way of running the product, writing `y`.
type Run<'a> = dyn Fn(&mut [f32]) + 'a;

/// CPU time of the calling thread (Linux), so that one-thread numbers hold up when other
/// processes share the cores; 0 where unavailable.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

/// `--prefill`: only our best kernels on the prefill shape the engine runs (512-token
/// chunks; `--m=N` for another), for quick A/B runs of the GEMM path; no candle, no AVX2 column. The CPU-time
/// column means something with `MISHU_THREADS=1` only (the pool's workers are not counted).
/// `--rounds=N` repeats the GGUF-layout and repacked runs of each shape N times, alternating;
/// `--only=Q4K` (a format's name) keeps the shapes of one format.
fn prefill_only(cases: &[(QType, usize, usize, &str)]) {
    let m = std::env::args()
        .find_map(|a| a.strip_prefix("--m=")?.parse().ok())
        .unwrap_or(512);
    let rounds = std::env::args()
        .find_map(|a| a.strip_prefix("--rounds=")?.parse().ok())
        .unwrap_or(1usize);
    let only = std::env::args().find_map(|a| a.strip_prefix("--only=").map(str::to_string));
    println!(
        "| format | shape (rows × cols) | tensor | m | mishu {:?} |",
        Isa::detect()
    );
    println!("|---|---|---|---|---|");
    for &(ty, n, k, what) in cases {
        // The output matrix runs for one token per prefill chunk, never 512.
        if n > 100_000 && m > 1 || only.as_ref().is_some_and(|o| *o != format!("{ty:?}")) {
            continue;
        }
        let data = random_weights(ty, n, k);
        let w = QMatrix::new(ty, n, k, &data).expect("sizes");
        let x: Vec<f32> = (0..m * k)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let mut y = vec![0f32; m * n];
        let packed = PackedMatrix::new(&w);
        let layouts: [(&str, &Run); 2] = [
            ("gguf", &|y| matmul_with(Isa::detect(), &w, &x, m, y)),
            ("packed", &|y| {
                if let Some(p) = &packed {
                    matmul_packed(p, &x, m, y)
                }
            }),
        ];
        for (layout, run) in (0..rounds).flat_map(|_| layouts.iter()) {
            let layout = *layout;
            if layout == "packed" && packed.is_none() {
                continue;
            }
            run(&mut y);
            let reps = if m == 1 { 51 } else { 7 };
            let (mut best, cpu0) = (f64::MAX, cpu_seconds());
            for _ in 0..reps {
                let t = Instant::now();
                run(&mut y);
                best = best.min(t.elapsed().as_secs_f64());
            }
            let cpu = (cpu_seconds() - cpu0) / reps as f64;
            let gops = |t: f64| 2.0 * (m * n * k) as f64 / t / 1e9;
            println!(
                "| {ty:?} {layout} | {n} × {k} | {what} | {m} | {:.1} GOP/s | {:.1} GOP/s | {:.1} GB/s |",
                gops(best),
                gops(cpu),
                data.len() as f64 / best / 1e9
            );
        }
    }
}

/// `--decode-model`: one decode step's matrix products of qwen2.5-0.5b (24 layers of q, k,
/// v, o, gate, up, down with the GGUF's formats, then the output matrix), random weights,
/// ~390 MB streamed per step: the kernels' decode ceiling in tokens/s, GGUF layout vs
/// repacked ([`PackedMatrix`], where the format has one). `--decode-model=1.5b`: the same
/// for qwen2.5-1.5b (28 layers, Q4_K with Q6_K for v and down in about half of the layers
/// as Q4_K_M has them, the 151,936 × 1,536 Q6_K output matrix; ~1 GB per step).
fn decode_model(large: bool) {
    let mut shapes = Vec::new();
    if large {
        for l in 0..28 {
            let big = if l % 2 == 0 { QType::Q6K } else { QType::Q4K };
            shapes.extend([
                (QType::Q4K, 1536, 1536),
                (QType::Q4K, 256, 1536),
                (big, 256, 1536),
                (QType::Q4K, 1536, 1536),
                (QType::Q4K, 8960, 1536),
                (QType::Q4K, 8960, 1536),
                (big, 1536, 8960),
            ]);
        }
        shapes.push((QType::Q6K, 151936, 1536));
    } else {
        let layer = [
            (QType::Q5_0, 896, 896),
            (QType::Q5_0, 128, 896),
            (QType::Q8_0, 128, 896),
            (QType::Q5_0, 896, 896),
            (QType::Q5_0, 4864, 896),
            (QType::Q5_0, 4864, 896),
        ];
        for l in 0..24 {
            shapes.extend(layer);
            shapes.push((if l % 2 == 0 { QType::Q6K } else { QType::Q4K }, 896, 4864));
        }
        shapes.push((QType::Q8_0, 151936, 896));
    }
    let datas: Vec<Vec<u8>> = shapes
        .iter()
        .map(|&(ty, n, k)| random_weights(ty, n, k))
        .collect();
    let mats: Vec<QMatrix> = shapes
        .iter()
        .zip(&datas)
        .map(|(&(ty, n, k), d)| QMatrix::new(ty, n, k, d).expect("sizes"))
        .collect();
    let packed: Vec<Option<PackedMatrix>> = mats.iter().map(PackedMatrix::new).collect();
    let bytes: usize = datas.iter().map(|d| d.len()).sum();
    let x: Vec<f32> = (0..8960)
        .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
        .collect();
    let mut y = vec![0f32; 151936];
    for use_packed in [false, true, false, true] {
        let step = |y: &mut [f32]| {
            for (w, p) in mats.iter().zip(&packed) {
                match p {
                    Some(p) if use_packed => matmul_packed(p, &x[..w.cols], 1, y),
                    _ => matmul_with(Isa::detect(), w, &x[..w.cols], 1, y),
                }
            }
        };
        let t = time(9, || step(&mut y));
        println!(
            "decode step, {}: {:.1} ms, {:.1} tok/s, {:.1} GB/s ({} MB)",
            if use_packed { "packed" } else { "gguf layout" },
            t * 1e3,
            1.0 / t,
            bytes as f64 / t / 1e9,
            bytes / 1_000_000
        );
    }
}
