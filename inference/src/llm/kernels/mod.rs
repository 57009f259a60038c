//! Quantized matrix kernels for the LLM's CPU hot path.
//!
//! `y = x · Wᵀ` with `W` in a GGUF block format (read in place, never dequantized to f32)
//! and `x` quantized per row to 8-bit blocks of 32 (one f32 scale each, as llama.cpp's
//! Q8_0/Q8_1), so the inner loops are integer dot products:
//! - AVX-512 VNNI (`vpdpbusd`), AVX2 (`vpmaddubsw`), or portable scalar code, chosen at
//!   run time ([`Isa::detect`]); `MISHU_KERNELS=scalar|avx2|avx512` forces a lower one;
//! - prefill tiles the activation rows (8 on AVX-512, 4 on AVX2) so each weight block is
//!   unpacked once per tile, not once per prompt token; larger prefills unpack the weights
//!   once per call into panels of rows ([`panel`] on AVX-512, [`panel_avx2`] on AVX2 for
//!   every format but Q8_0);
//! - output rows are split across a small persistent pool ([`pool`], `MISHU_THREADS`).
//!
//! Error bound of the activation quantization, used by the tests: each activation `x` in a
//! block with maximum magnitude `amax` becomes `q · d'` with `q = round(x / d)`,
//! `d = amax / 127` and `d'` = `d` rounded to f16 (as ggml stores it, relative error
//! ≤ 2⁻¹¹): an error of at most `d / 2 + 127 · d · 2⁻¹¹ < amax / 225`. A dot product
//! therefore moves by at most `Σ |w_i| · amax(block(i)) / 225`, plus f32 rounding.

mod formats;
#[cfg(target_arch = "x86_64")]
mod gemv_avx2;
mod packed;
#[cfg(target_arch = "x86_64")]
mod packed_avx2;
mod packed_k;
#[cfg(target_arch = "x86_64")]
mod packed_x86;
#[cfg(target_arch = "x86_64")]
mod panel;
#[cfg(target_arch = "x86_64")]
mod panel_avx2;
pub(crate) mod pool;
#[cfg(target_arch = "x86_64")]
mod quant_x86;
#[cfg(target_arch = "x86_64")]
mod x86;

pub use formats::{dequantize_row, QType};
pub use packed::PackedMatrix;

use std::cell::RefCell;

use pool::SendPtr;

/// The instruction set a kernel runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    Scalar,
    Avx2,
    Avx512Vnni,
}

impl Isa {
    /// The best kernels this CPU runs, lowered by `MISHU_KERNELS` if set.
    pub fn detect() -> Isa {
        static ISA: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *ISA.get_or_init(|| {
            let best = Isa::supported().into_iter().max().unwrap_or(Isa::Scalar);
            let forced = match std::env::var("MISHU_KERNELS").ok().as_deref() {
                Some("scalar") => Isa::Scalar,
                Some("avx2") => Isa::Avx2,
                _ => best,
            };
            forced.min(best)
        })
    }

    /// Every kernel set this CPU can run (always includes [`Isa::Scalar`]).
    pub fn supported() -> Vec<Isa> {
        #[allow(unused_mut)]
        let mut v = vec![Isa::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            let avx2 = is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
                && is_x86_feature_detected!("f16c");
            if avx2 {
                v.push(Isa::Avx2);
                if is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx512vl")
                    && is_x86_feature_detected!("avx512vnni")
                {
                    v.push(Isa::Avx512Vnni);
                }
            }
        }
        v
    }
}

/// Activations quantized to 8-bit blocks of 32, `m` rows of `k`.
///
/// Rows are stored in tiles of `tile` rows (the kernels' prefill tile), then the remaining
/// rows one by one. Inside a tile the rows are interleaved block by block — block `b` of
/// its rows lies together (`tile` × 32 bytes, `tile` scales) — so a kernel walks a tile with
/// one pointer. With `tile == 1` the layout is plain row-major.
#[derive(Default)]
pub struct Acts {
    pub(crate) m: usize,
    pub(crate) k: usize,
    pub(crate) tile: usize,
    /// `m · k` quantized values.
    pub(crate) qs: Vec<i8>,
    /// Scale of each block of 32 (`m · k / 32`).
    pub(crate) d: Vec<f32>,
    /// `scale · Σq` of each block of 32.
    pub(crate) c32: Vec<f32>,
    /// `scale · Σq` of each half block (16 values).
    pub(crate) c16: Vec<f32>,
    /// `Σq` of the two half blocks of each block of 32, as two `i16` (low: first half).
    pub(crate) s16: Vec<u32>,
}

impl Acts {
    /// Quantizes `x` (`m` rows of `k`, `k` a multiple of 32) for kernels with prefill tile
    /// `tile`, reusing this buffer.
    pub fn quantize(&mut self, x: &[f32], m: usize, k: usize, tile: usize) {
        debug_assert!(k.is_multiple_of(32) && x.len() >= m * k && tile >= 1);
        self.m = m;
        self.k = k;
        self.tile = tile;
        let nbr = k / 32;
        self.qs.resize(m * k, 0);
        self.d.resize(m * nbr, 0.0);
        self.c32.resize(m * nbr, 0.0);
        self.c16.resize(2 * m * nbr, 0.0);
        self.s16.resize(m * nbr, 0);
        let full = m / tile * tile;
        let simd = Isa::detect_best();
        for t in 0..m {
            // (first row of the tile, its width, position in it)
            let (g0, w, ti) = if t < full {
                (t / tile * tile, tile, t % tile)
            } else {
                (t, 1, 0)
            };
            let xr = &x[t * k..(t + 1) * k];
            for (b, xb) in xr.chunks_exact(32).enumerate() {
                let q0 = g0 * k + (b * w + ti) * 32;
                let qb = &mut self.qs[q0..q0 + 32];
                let (d, s0, s1) = match simd {
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the CPU has AVX-512 (detected); xb and qb hold 32 values each.
                    Isa::Avx512Vnni => unsafe { quant_x86::block(xb.as_ptr(), qb.as_mut_ptr()) },
                    #[cfg(target_arch = "x86_64")]
                    // SAFETY: the CPU has AVX2 and F16C (detected); xb and qb hold 32 values
                    // each.
                    Isa::Avx2 => unsafe { quant_x86::block_avx2(xb.as_ptr(), qb.as_mut_ptr()) },
                    _ => quantize_block(xb, qb),
                };
                let di = g0 * nbr + b * w + ti;
                self.d[di] = d;
                self.c32[di] = d * (s0 + s1) as f32;
                // |Σq| ≤ 16 · 127: fits an i16.
                self.s16[di] = (s0 as i16 as u16 as u32) | ((s1 as i16 as u16 as u32) << 16);
                let ci = 2 * g0 * nbr + 2 * b * w + ti;
                self.c16[ci] = d * s0 as f32;
                self.c16[ci + w] = d * s1 as f32;
            }
        }
    }
}

impl Acts {
    /// Block `b` of activation row `t`: its 32 values, scale and `scale · Σq`.
    pub(crate) fn block(&self, t: usize, b: usize) -> (&[i8], f32, f32) {
        let nbr = self.k / 32;
        let full = self.m / self.tile * self.tile;
        let (g0, w, ti) = if t < full {
            (t / self.tile * self.tile, self.tile, t % self.tile)
        } else {
            (t, 1, 0)
        };
        let q0 = g0 * self.k + (b * w + ti) * 32;
        let di = g0 * nbr + b * w + ti;
        (&self.qs[q0..q0 + 32], self.d[di], self.c32[di])
    }
}

/// The portable quantization of one block of 32: (f16-rounded scale, sums of the halves).
fn quantize_block(xb: &[f32], qb: &mut [i8]) -> (f32, i32, i32) {
    let amax = xb.iter().fold(0f32, |a, v| a.max(v.abs()));
    // As ggml's quantize_row_q8_0 / q8_1: quantize with the exact scale, keep it rounded
    // to f16 (so results track llama.cpp's and candle's).
    let d = amax / 127.0;
    let id = if d > 0.0 { 1.0 / d } else { 0.0 };
    let d = half::f16::from_f32(d).to_f32();
    let mut s = [0i32; 2];
    for (i, (q, v)) in qb.iter_mut().zip(xb).enumerate() {
        // Round half away from zero (as ggml); `as` saturates, |v·id| ≤ 127.
        let r = (v * id + 0.5f32.copysign(*v)) as i32 as i8;
        *q = r;
        s[i / 16] += r as i32;
    }
    (d, s[0], s[1])
}

/// A quantized weight matrix: `rows` rows of `cols` weights, GGUF blocks row by row.
#[derive(Debug, Clone, Copy)]
pub struct QMatrix<'a> {
    pub ty: QType,
    pub rows: usize,
    pub cols: usize,
    pub data: &'a [u8],
}

impl<'a> QMatrix<'a> {
    /// Checks the sizes; `None` when `data` does not hold `rows × cols` weights of `ty`.
    pub fn new(ty: QType, rows: usize, cols: usize, data: &'a [u8]) -> Option<QMatrix<'a>> {
        (cols.is_multiple_of(ty.block_len()) && data.len() >= rows * ty.row_bytes(cols)).then_some(
            QMatrix {
                ty,
                rows,
                cols,
                data,
            },
        )
    }
}

thread_local! {
    static SCRATCH: RefCell<Acts> = RefCell::new(Acts::default());
}

/// `y = x · Wᵀ`: `x` is `m × cols`, `y` is `m × rows`, with the best kernels.
pub fn matmul(w: &QMatrix, x: &[f32], m: usize, y: &mut [f32]) {
    matmul_with(Isa::detect(), w, x, m, y)
}

/// [`matmul`] with a chosen instruction set (capped at what the CPU supports).
pub fn matmul_with(isa: Isa, w: &QMatrix, x: &[f32], m: usize, y: &mut [f32]) {
    let isa = isa.min(Isa::detect_best());
    assert!(x.len() >= m * w.cols && y.len() >= m * w.rows);
    SCRATCH.with(|s| {
        let mut acts = s.borrow_mut();
        acts.quantize(x, m, w.cols, isa.tile());
        matmul_quantized(isa, w, &acts, y);
    });
}

impl Isa {
    /// The activation rows per prefill tile of these kernels ([`Acts::quantize`]).
    pub fn tile(self) -> usize {
        match self {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vnni => x86::avx512::TILE,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => x86::avx2::TILE,
            _ => 1,
        }
    }

    fn detect_best() -> Isa {
        static BEST: std::sync::OnceLock<Isa> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| Isa::supported().into_iter().max().unwrap_or(Isa::Scalar))
    }
}

/// `y = acts · Wᵀ` on already quantized activations, split over the pool's threads.
pub fn matmul_quantized(isa: Isa, w: &QMatrix, acts: &Acts, y: &mut [f32]) {
    let isa = isa.min(Isa::detect_best());
    let n = w.rows;
    assert!(acts.k == w.cols && y.len() >= acts.m * n && acts.tile == isa.tile());
    let yp = SendPtr(y.as_mut_ptr());
    let rb = w.ty.row_bytes(w.cols);
    let per = if uses_panels(isa, w.ty, acts.m) {
        #[cfg(target_arch = "x86_64")]
        let rows = if isa == Isa::Avx2 {
            panel_avx2::pass_panels(w.ty, w.cols) * panel_avx2::ROWS
        } else {
            panel::pass_panels(w.ty, w.cols) * panel::ROWS
        };
        #[cfg(not(target_arch = "x86_64"))]
        let rows = 16;
        rows
    } else {
        32 * 1024 / rb.max(1)
    };
    split_rows(n, per, n * acts.m * w.cols, &|r0, r1| {
        // SAFETY: split_rows hands out disjoint row ranges, so threads write disjoint
        // output columns r0..r1 of y, which holds m · n floats (asserted above); w and
        // acts match.
        unsafe { rows(isa, w, acts, r0, r1, yp.get(), n) }
    });
}

/// Runs `f` on ranges of `0..n` rows — chunks of about `per` rows, a multiple of 16 (the
/// panel height), about 8 per thread — over the pool's threads; small products (`work`
/// multiply-adds) on this thread alone.
fn split_rows(n: usize, per: usize, work: usize, f: &(dyn Fn(usize, usize) + Sync)) {
    let pool = pool::global();
    if pool.threads() == 1 || work < 64 * 1024 {
        f(0, n);
        return;
    }
    // Chunks are taken from a shared counter, so a thread that loses its core to another
    // process holds nobody up.
    let per = per
        .min(n.div_ceil(8 * pool.threads()))
        .max(1)
        .next_multiple_of(16);
    let chunks = n.div_ceil(per);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let job = || loop {
        let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if c >= chunks {
            break;
        }
        let r0 = c * per;
        f(r0, (r0 + per).min(n));
    };
    pool.run(&job);
}

/// `y = x · Wᵀ` on repacked weights: `x` is `m × cols`, `y` is `m × rows`.
pub fn matmul_packed(w: &PackedMatrix, x: &[f32], m: usize, y: &mut [f32]) {
    matmul_packed_with(Isa::detect(), w, x, m, y)
}

/// [`matmul_packed`] with a chosen instruction set: the kernels of the instruction set the
/// matrix was packed for (AVX-512 VNNI; AVX2 for Q4_K and Q6_K) where supported, else the
/// portable kernel (one thread; packing is refused on such CPUs anyway). Q4_K and Q6_K
/// records serve both instruction sets.
pub fn matmul_packed_with(isa: Isa, w: &PackedMatrix, x: &[f32], m: usize, y: &mut [f32]) {
    let isa = isa.min(Isa::detect_best());
    assert!(x.len() >= m * w.cols && y.len() >= m * w.rows);
    SCRATCH.with(|s| {
        let mut acts = s.borrow_mut();
        acts.quantize(x, m, w.cols, isa.tile());
        matmul_packed_quantized(isa, w, &acts, y);
    });
}

/// `y = acts · Wᵀ` on repacked weights and already quantized activations (quantized with
/// `isa.tile()`), split over the pool's threads on AVX-512 (every packed format) and AVX2
/// (Q4_K, Q6_K).
pub fn matmul_packed_quantized(isa: Isa, w: &PackedMatrix, acts: &Acts, y: &mut [f32]) {
    let isa = isa.min(Isa::detect_best());
    let m = acts.m;
    assert!(acts.k == w.cols && y.len() >= m * w.rows && acts.tile == isa.tile());
    let k_quant = packed_k::covers(w.ty);
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512Vnni => {
            let yp = SendPtr(y.as_mut_ptr());
            // Prefill: unpack panels once per call. Q4_0/Q4_1/Q5_0/Q8_0 from a few tiles
            // up (below, the per-tile unpacking of `packed_x86` costs less); K-quants
            // from one tile (16-row panels from two 8-row record groups; below it their
            // decode kernel: the AVX2 one, 8 rows per pass — a 512-bit kernel on two groups
            // at a time, tried on Zen 4, decoded 15% slower).
            let panels = m
                >= if k_quant {
                    Isa::Avx512Vnni.tile()
                } else {
                    PACKED_PANEL_MIN_M
                };
            let per = if panels {
                panel::pass_panels(w.ty, w.cols) * panel::ROWS
            } else {
                (32 * 1024 / w.ty.row_bytes(w.cols).max(1)).max(64)
            };
            split_rows(w.rows, per, w.rows * m * w.cols, &|r0, r1| {
                // SAFETY: AVX-512 VNNI is supported (capped above); split_rows hands out
                // disjoint row ranges starting at multiples of 16, ending at one or (only
                // K-quants have other row counts) at w.rows, of y's m · rows floats; acts
                // match w, with the AVX-512 tile, so fewer rows than a tile are stored one
                // by one.
                unsafe {
                    if panels {
                        panel::rows_packed(w, acts, r0, r1, yp.get())
                    } else if k_quant {
                        packed_avx2::rows_on_avx512(w, acts, r0, r1, yp.get())
                    } else {
                        packed_x86::rows(w, acts, r0, r1, yp.get())
                    }
                }
            });
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if k_quant => {
            let yp = SendPtr(y.as_mut_ptr());
            // Prefill (a tile of rows or more): panels unpacked from the records.
            let panels = uses_panels(isa, w.ty, m);
            let per = if panels {
                panel_avx2::pass_panels(w.ty, w.cols) * panel_avx2::ROWS
            } else {
                (32 * 1024 / w.ty.row_bytes(w.cols).max(1)).max(64)
            };
            split_rows(w.rows, per, w.rows * m * w.cols, &|r0, r1| {
                // SAFETY: AVX2, FMA and F16C are supported (capped above); split_rows
                // hands out disjoint row ranges starting at multiples of 16 (so of the
                // 8-row groups) of y's m · rows floats; acts match w, with the AVX2 tile,
                // so fewer rows than a tile are stored one by one.
                unsafe {
                    if panels {
                        panel_avx2::rows_packed(w, acts, r0, r1, yp.get())
                    } else {
                        packed_avx2::rows(w, acts, r0, r1, yp.get())
                    }
                }
            });
        }
        // The records of one instruction set with another's tile: the portable kernels.
        _ if k_quant => packed_k::rows_scalar(w, acts, 0, w.rows, y),
        _ => packed::rows_scalar(w, acts, 0, w.rows, y),
    }
}

/// Activation rows from which AVX-512 uses the panel GEMM ([`panel`]).
#[cfg(target_arch = "x86_64")]
const PANEL_MIN_M: usize = 8;

/// Activation rows from which AVX2 uses its panel GEMM ([`panel_avx2`]) on the formats it
/// covers: unpacking a panel costs about one tile of the micro-kernel, and the per-row
/// kernel costs about three times the micro-kernel per tile, so one full tile pays.
#[cfg(target_arch = "x86_64")]
const AVX2_PANEL_MIN_M: usize = 4;

/// Activation rows from which packed weights go through the panel GEMM.
#[cfg(target_arch = "x86_64")]
const PACKED_PANEL_MIN_M: usize = 32;

/// Whether `rows` runs a panel GEMM for `m` activation rows of weights of type `ty`.
fn uses_panels(isa: Isa, ty: QType, m: usize) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        match isa {
            Isa::Avx512Vnni => m >= PANEL_MIN_M,
            Isa::Avx2 => panel_avx2::covers(ty) && m >= AVX2_PANEL_MIN_M,
            Isa::Scalar => false,
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (isa, ty, m);
        false
    }
}

/// # Safety
/// `y` holds `acts.m · n` floats; `isa` is supported; `w` matches `acts`.
unsafe fn rows(isa: Isa, w: &QMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32, n: usize) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512Vnni => {
            // Panels of 16 rows for prefill, the per-row kernel for decode and the rest.
            let rp = if uses_panels(isa, w.ty, acts.m) {
                r0 + (r1 - r0) / panel::ROWS * panel::ROWS
            } else {
                r0
            };
            // SAFETY: the caller checked the CPU supports AVX-512 VNNI; rp − r0 is a
            // multiple of the panel height.
            unsafe {
                panel::rows(w.ty, w.data, acts, r0, rp, y, n);
                x86::avx512::rows(w.ty, w.data, acts, rp, r1, y, n)
            }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => {
            // Panels of 8 rows for prefill of the formats they cover, the K-quant mat-vec
            // kernels for their decode, the per-row kernel for the rest.
            let rp = if uses_panels(isa, w.ty, acts.m) {
                r0 + (r1 - r0) / panel_avx2::ROWS * panel_avx2::ROWS
            } else {
                r0
            };
            // SAFETY: the caller checked the CPU supports AVX2, FMA and F16C; rp − r0 is
            // a multiple of the panel height and the panels cover w.ty (uses_panels).
            unsafe {
                if rp > r0 {
                    panel_avx2::rows(w.ty, w.data, acts, r0, rp, y, n);
                } else if gemv_avx2::covers(w.ty) && acts.m < acts.tile {
                    // Decode (and prompts of fewer rows than a tile, stored one by one).
                    return gemv_avx2::rows(w.ty, w.data, acts, r0, r1, y, n);
                }
                x86::avx2::rows(w.ty, w.data, acts, rp, r1, y, n)
            }
        }
        _ => {
            let rb = w.ty.row_bytes(w.cols);
            for r in r0..r1 {
                let row = &w.data[r * rb..(r + 1) * rb];
                for t in 0..acts.m {
                    // SAFETY: (t, r) lies inside y's m × n floats.
                    unsafe { *y.add(t * n + r) = scalar_dot(w.ty, row, acts, t) };
                }
            }
        }
    }
}

/// The portable kernel: one weight row against activation row `t`.
fn scalar_dot(ty: QType, row: &[u8], acts: &Acts, t: usize) -> f32 {
    let k = acts.k;
    let bl = ty.block_len();
    let mut u = [0u8; 256];
    let mut ws = [0f32; 16];
    let mut wc = [0f32; 16];
    let qa = &acts.qs[t * k..(t + 1) * k];
    let da = &acts.d[t * k / 32..(t + 1) * k / 32];
    let c16 = &acts.c16[t * k / 16..(t + 1) * k / 16];
    let mut acc = 0f32;
    for (b, blk) in row.chunks_exact(ty.block_bytes()).enumerate() {
        let g = bl / 16;
        formats::decode_block(ty, blk, &mut u[..bl], &mut ws[..g], &mut wc[..g]);
        for h in 0..g {
            let i0 = b * bl + 16 * h;
            let mut isum = 0i32;
            for i in 0..16 {
                isum += u[16 * h + i] as i32 * qa[i0 + i] as i32;
            }
            acc += ws[h] * da[i0 / 32] * isum as f32 - wc[h] * c16[i0 / 16];
        }
    }
    acc
}

#[cfg(test)]
mod tests;
