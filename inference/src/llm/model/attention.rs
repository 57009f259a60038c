//! Causal grouped-query attention over the f16 KV cache, on plain slices.
//!
//! A task attends some query heads of one row — the heads sharing one KV head — to a
//! range of keys: scores, softmax, weighted sum of the values. Each key/value row is
//! converted from f16 once per task and used by all the task's heads. Prefill has a task
//! per (row, KV head) over all the row's keys; decoding (one row) also splits the keys
//! into ranges, whose partial softmax sums are merged after (as flash-decoding does), so
//! both threads share even a single KV head and each byte of the cache is read once.
//! Tasks are shared out over the kernels' thread pool. On AVX-512 machines prefill runs in
//! blocks of rows instead ([`super::prefill_attention`]).

use std::cell::RefCell;

use half::f16;

use crate::llm::kernels::pool::{self, SendPtr};
use crate::llm::kernels::Isa;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Heads {
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
}

/// Where a key or value lies in the cache's buffers: row `p` of KV head `h` starts at
/// `p · row + h · head` (f16 elements).
#[derive(Debug, Clone, Copy)]
pub(crate) struct KvLayout {
    pub row: usize,
    pub head: usize,
}

/// Below this many multiply-adds (per forward) the attention runs on the calling thread.
const PARALLEL_MIN: usize = 1 << 16;
/// Decoding splits the keys into ranges of at least this many positions.
const MIN_RANGE: usize = 128;

thread_local! {
    static SCORES: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `out` (rows of `n_head · head_dim`) = attention of the `seq` query rows `q` (same
/// layout, already rotated), at positions `pos..pos + seq`, over the keys and values
/// `k`, `v` (f16, laid out as `layout` says) of positions `0..pos + seq`.
/// `partial` is scratch space: decoding's split key ranges, or prefill's transposed keys
/// on AVX-512 machines ([`super::prefill_attention`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn attention(
    heads: Heads,
    q: &[f32],
    k: &[f16],
    v: &[f16],
    layout: KvLayout,
    pos: usize,
    seq: usize,
    out: &mut [f32],
    partial: &mut Vec<f32>,
) {
    let Heads {
        n_head,
        n_kv_head,
        head_dim: hd,
    } = heads;
    let q_dim = n_head * hd;
    assert!(q.len() >= seq * q_dim && out.len() >= seq * q_dim);
    let end = (pos + seq - 1) * layout.row + (n_kv_head - 1) * layout.head + hd;
    assert!(k.len() >= end && v.len() >= end);
    #[cfg(target_arch = "x86_64")]
    if super::prefill_attention::applies(hd, seq) {
        return super::prefill_attention::attention(heads, q, k, v, layout, pos, seq, out, partial);
    }
    per_row(heads, q, k, v, layout, pos, seq, out, partial);
}

/// [`attention`] with a task per row and KV head.
#[allow(clippy::too_many_arguments)]
fn per_row(
    heads: Heads,
    q: &[f32],
    k: &[f16],
    v: &[f16],
    layout: KvLayout,
    pos: usize,
    seq: usize,
    out: &mut [f32],
    partial: &mut Vec<f32>,
) {
    let Heads {
        n_head,
        n_kv_head,
        head_dim: hd,
    } = heads;
    let group = n_head / n_kv_head;
    let q_dim = n_head * hd;
    let pool = pool::global();
    let parallel = seq * (pos + seq) * n_head * hd >= PARALLEL_MIN && pool.threads() > 1;
    // Key ranges per row: several only when decoding, enough for 4 tasks per thread.
    let n_max = pos + seq;
    let ranges = if seq == 1 && parallel {
        (4 * pool.threads())
            .div_ceil(n_kv_head)
            .min(n_max.div_ceil(MIN_RANGE))
            .max(1)
    } else {
        1
    };
    let range_len = n_max.div_ceil(ranges);
    // Per task and head: the unnormalised output, then its max score and sum.
    let stride = hd + 2;
    if ranges > 1 {
        let need = n_kv_head * ranges * group * stride;
        if partial.len() < need {
            partial.resize(need, 0.0);
        }
    }
    let tasks = seq * n_kv_head * ranges;
    let kernel = Kernel::pick(hd);
    let scale = 1.0 / (hd as f32).sqrt();
    let outp = SendPtr(out.as_mut_ptr());
    let partp = SendPtr(partial.as_mut_ptr());
    let run = |t: usize| {
        // Longest rows first, so the last tasks taken are short.
        let i = seq - 1 - t / (n_kv_head * ranges);
        let h = t / ranges % n_kv_head;
        let r = t % ranges;
        let n = pos + i + 1;
        let (p0, p1) = (r * range_len, ((r + 1) * range_len).min(n));
        let g0 = h * group;
        let qr = &q[i * q_dim + g0 * hd..i * q_dim + (g0 + group) * hd];
        SCORES.with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < group * (p1 - p0) + 2 * group {
                s.resize(group * (p1 - p0) + 2 * group, 0.0);
            }
            let (scores, ml) = s.split_at_mut(group * (p1 - p0));
            let kv = Task {
                k,
                v,
                row: layout.row,
                off: h * layout.head,
                hd,
                scale,
            };
            if ranges == 1 {
                // SAFETY: task t alone writes heads g0..g0 + group of row i, inside
                // `out` (its length was checked above).
                let o = unsafe {
                    std::slice::from_raw_parts_mut(outp.get().add(i * q_dim + g0 * hd), group * hd)
                };
                kernel.run(&kv, qr, group, p0, p1, scores, o, ml);
                for (g, og) in o.chunks_exact_mut(hd).enumerate() {
                    let inv = 1.0 / ml[2 * g + 1];
                    og.iter_mut().for_each(|x| *x *= inv);
                }
            } else {
                // SAFETY: task t alone writes its `group · stride` floats of `partial`,
                // which holds n_kv_head · ranges of them (resized above).
                let part = unsafe {
                    std::slice::from_raw_parts_mut(
                        partp.get().add((h * ranges + r) * group * stride),
                        group * stride,
                    )
                };
                kernel.run_strided(&kv, qr, group, p0, p1, scores, part, stride, ml);
            }
        });
    };
    if parallel {
        pool.for_each_task(tasks, &run);
    } else {
        (0..tasks).for_each(run);
    }
    if ranges > 1 {
        merge(partial, n_kv_head, ranges, group, hd, out);
    }
}

/// Combines the key ranges' partial results of one decoded row into `out`.
fn merge(
    partial: &[f32],
    n_kv_head: usize,
    ranges: usize,
    group: usize,
    hd: usize,
    out: &mut [f32],
) {
    let stride = hd + 2;
    for h in 0..n_kv_head {
        for g in 0..group {
            let part = |r: usize| &partial[((h * ranges + r) * group + g) * stride..][..stride];
            let m = (0..ranges)
                .map(|r| part(r)[hd])
                .fold(f32::NEG_INFINITY, f32::max);
            let o = &mut out[(h * group + g) * hd..][..hd];
            o.fill(0.0);
            let mut sum = 0.0;
            for r in 0..ranges {
                let pr = part(r);
                let w = (pr[hd] - m).exp();
                sum += w * pr[hd + 1];
                for (a, b) in o.iter_mut().zip(&pr[..hd]) {
                    *a += w * b;
                }
            }
            let inv = 1.0 / sum;
            o.iter_mut().for_each(|x| *x *= inv);
        }
    }
}

/// The keys and values a task reads: position `p` of its KV head at `p · row + off`.
struct Task<'a> {
    k: &'a [f16],
    v: &'a [f16],
    row: usize,
    off: usize,
    hd: usize,
    scale: f32,
}

/// Which code runs the tasks: AVX2 unrolled for head sizes 64 and 128, else portable.
#[derive(Clone, Copy)]
enum Kernel {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    fn pick(hd: usize) -> Kernel {
        #[cfg(target_arch = "x86_64")]
        if Isa::detect() >= Isa::Avx2 && (hd == 64 || hd == 128) {
            return Kernel::Avx2;
        }
        let _ = hd;
        Kernel::Scalar
    }

    /// Attends the `ng` heads of `q` to keys `p0..p1`: `out` (`ng · hd`) gets
    /// `Σ e^(s − max) · v` per head, `ml` (`2 · ng`) the max score and `Σ e^(s − max)`.
    #[allow(clippy::too_many_arguments)]
    fn run(
        self,
        t: &Task,
        q: &[f32],
        ng: usize,
        p0: usize,
        p1: usize,
        scores: &mut [f32],
        out: &mut [f32],
        ml: &mut [f32],
    ) {
        self.run_strided(t, q, ng, p0, p1, scores, out, t.hd, ml);
    }

    /// As [`Kernel::run`], head `g`'s output at `out[g · stride..]`; when `stride ≥ hd + 2`
    /// its max and sum also follow the output there.
    #[allow(clippy::too_many_arguments)]
    fn run_strided(
        self,
        t: &Task,
        q: &[f32],
        ng: usize,
        p0: usize,
        p1: usize,
        scores: &mut [f32],
        out: &mut [f32],
        stride: usize,
        ml: &mut [f32],
    ) {
        let hd = t.hd;
        assert!(p1 > p0 && q.len() >= ng * hd && scores.len() >= ng * (p1 - p0));
        assert!(out.len() >= (ng - 1) * stride + hd && ml.len() >= 2 * ng);
        assert!(t.k.len() >= (p1 - 1) * t.row + t.off + hd);
        assert!(t.v.len() >= (p1 - 1) * t.row + t.off + hd);
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: AVX2/FMA/F16C are present (Kernel::pick); the sizes are checked above.
            Kernel::Avx2 => unsafe {
                if hd == 64 {
                    x86::task::<8>(t, q, ng, p0, p1, scores, out, stride, ml)
                } else {
                    x86::task::<16>(t, q, ng, p0, p1, scores, out, stride, ml)
                }
            },
            Kernel::Scalar => task_scalar(t, q, ng, p0, p1, scores, out, stride, ml),
        }
        if stride >= hd + 2 {
            for g in 0..ng {
                out[g * stride + hd] = ml[2 * g];
                out[g * stride + hd + 1] = ml[2 * g + 1];
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn task_scalar(
    t: &Task,
    q: &[f32],
    ng: usize,
    p0: usize,
    p1: usize,
    scores: &mut [f32],
    out: &mut [f32],
    stride: usize,
    ml: &mut [f32],
) {
    let (hd, len) = (t.hd, p1 - p0);
    let mut row = vec![0f32; hd];
    for p in p0..p1 {
        let kr = &t.k[p * t.row + t.off..][..hd];
        for (r, k) in row.iter_mut().zip(kr) {
            *r = k.to_f32();
        }
        for g in 0..ng {
            let qg = &q[g * hd..(g + 1) * hd];
            scores[g * len + p - p0] =
                qg.iter().zip(&row).map(|(a, b)| a * b).sum::<f32>() * t.scale;
        }
    }
    for g in 0..ng {
        let s = &mut scores[g * len..(g + 1) * len];
        let max = s.iter().fold(f32::NEG_INFINITY, |a, b| a.max(*b));
        let mut sum = 0.0;
        for x in s.iter_mut() {
            *x = (*x - max).exp();
            sum += *x;
        }
        ml[2 * g] = max;
        ml[2 * g + 1] = sum;
        out[g * stride..g * stride + hd].fill(0.0);
    }
    for p in p0..p1 {
        let vr = &t.v[p * t.row + t.off..][..hd];
        for (r, v) in row.iter_mut().zip(vr) {
            *r = v.to_f32();
        }
        for g in 0..ng {
            let w = scores[g * len + p - p0];
            for (o, v) in out[g * stride..g * stride + hd].iter_mut().zip(&row) {
                *o += w * v;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use std::arch::x86_64::*;

    use super::Task;

    /// Positions per block of the value pass: their f16 rows stay in L1 while every
    /// head of the task sums them.
    const BLOCK: usize = 32;

    /// [`super::task_scalar`] with AVX2 for head size `8 · NC`: a key row and a head's
    /// output accumulators stay in registers.
    ///
    /// # Safety
    /// The CPU has AVX2, FMA and F16C; `t.hd == 8 · NC`; the slices hold what
    /// [`super::Kernel::run_strided`] checks.
    #[target_feature(enable = "avx2,fma,f16c")]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn task<const NC: usize>(
        t: &Task,
        q: &[f32],
        ng: usize,
        p0: usize,
        p1: usize,
        scores: &mut [f32],
        out: &mut [f32],
        stride: usize,
        ml: &mut [f32],
    ) {
        let len = p1 - p0;
        let hd = 8 * NC;
        let kp = t.k.as_ptr() as *const u16;
        let vp = t.v.as_ptr() as *const u16;
        let (qp, sp, op) = (q.as_ptr(), scores.as_mut_ptr(), out.as_mut_ptr());
        // SAFETY (whole body): every index stays inside the lengths the caller checked.
        unsafe {
            // Scores, eight keys at a time: their rows converted once, eight dot products
            // per head reduced together.
            let mut p = p0;
            let mut kb = [[_mm256_setzero_ps(); NC]; 8];
            while p + 8 <= p1 {
                for (j, kj) in kb.iter_mut().enumerate() {
                    let kr = kp.add((p + j) * t.row + t.off);
                    for (c, r) in kj.iter_mut().enumerate() {
                        *r = _mm256_cvtph_ps(_mm_loadu_si128(kr.add(8 * c) as *const __m128i));
                    }
                }
                for g in 0..ng {
                    let qg = qp.add(g * hd);
                    let mut acc = [_mm256_setzero_ps(); 8];
                    for c in 0..NC {
                        let qv = _mm256_loadu_ps(qg.add(8 * c));
                        for (a, kj) in acc.iter_mut().zip(&kb) {
                            *a = _mm256_fmadd_ps(qv, kj[c], *a);
                        }
                    }
                    let s = _mm256_mul_ps(hsum8(&acc), _mm256_set1_ps(t.scale));
                    _mm256_storeu_ps(sp.add(g * len + p - p0), s);
                }
                p += 8;
            }
            for p in p..p1 {
                let kr = kp.add(p * t.row + t.off);
                let row = &mut kb[0];
                for (c, r) in row.iter_mut().enumerate() {
                    *r = _mm256_cvtph_ps(_mm_loadu_si128(kr.add(8 * c) as *const __m128i));
                }
                for g in 0..ng {
                    let qg = qp.add(g * hd);
                    let mut a = _mm256_setzero_ps();
                    for (c, r) in row.iter().enumerate() {
                        a = _mm256_fmadd_ps(_mm256_loadu_ps(qg.add(8 * c)), *r, a);
                    }
                    *sp.add(g * len + p - p0) = hsum(a) * t.scale;
                }
            }
            for g in 0..ng {
                let (m, l) = softmax(sp.add(g * len), len);
                ml[2 * g] = m;
                ml[2 * g + 1] = l;
            }
            // Values in blocks: converted once into `vb`, then summed by every head.
            let mut vb = [[_mm256_setzero_ps(); NC]; BLOCK];
            let mut b0 = p0;
            while b0 < p1 {
                let b1 = (b0 + BLOCK).min(p1);
                for (p, vj) in (b0..b1).zip(vb.iter_mut()) {
                    let vr = vp.add(p * t.row + t.off);
                    for (c, r) in vj.iter_mut().enumerate() {
                        *r = _mm256_cvtph_ps(_mm_loadu_si128(vr.add(8 * c) as *const __m128i));
                    }
                }
                for g in 0..ng {
                    let og = op.add(g * stride);
                    let mut acc = [_mm256_setzero_ps(); NC];
                    if b0 > p0 {
                        for (c, a) in acc.iter_mut().enumerate() {
                            *a = _mm256_loadu_ps(og.add(8 * c));
                        }
                    }
                    let wg = sp.add(g * len + b0 - p0);
                    for (j, vj) in vb.iter().enumerate().take(b1 - b0) {
                        let w = _mm256_set1_ps(*wg.add(j));
                        for (a, x) in acc.iter_mut().zip(vj) {
                            *a = _mm256_fmadd_ps(w, *x, *a);
                        }
                    }
                    for (c, a) in acc.iter().enumerate() {
                        _mm256_storeu_ps(og.add(8 * c), *a);
                    }
                }
                b0 = b1;
            }
        }
    }

    /// The eight horizontal sums of `a`, in order.
    #[target_feature(enable = "avx2,fma")]
    fn hsum8(a: &[__m256; 8]) -> __m256 {
        let t0 = _mm256_hadd_ps(a[0], a[1]);
        let t1 = _mm256_hadd_ps(a[2], a[3]);
        let t2 = _mm256_hadd_ps(a[4], a[5]);
        let t3 = _mm256_hadd_ps(a[6], a[7]);
        let u0 = _mm256_hadd_ps(t0, t1);
        let u1 = _mm256_hadd_ps(t2, t3);
        _mm256_add_ps(
            _mm256_permute2f128_ps(u0, u1, 0x20),
            _mm256_permute2f128_ps(u0, u1, 0x31),
        )
    }

    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_add_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }

    /// `s[..n] = exp(s − max)` in place; returns the max and the sum.
    ///
    /// # Safety
    /// `s` points to `n` floats; the CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn softmax(s: *mut f32, n: usize) -> (f32, f32) {
        // SAFETY: all reads and writes lie in s[..n].
        unsafe {
            let mut m = _mm256_set1_ps(f32::NEG_INFINITY);
            let mut i = 0;
            while i + 8 <= n {
                m = _mm256_max_ps(m, _mm256_loadu_ps(s.add(i)));
                i += 8;
            }
            let mut max = hmax(m);
            for j in i..n {
                max = max.max(*s.add(j));
            }
            let mx = _mm256_set1_ps(max);
            let mut acc = _mm256_setzero_ps();
            let mut i = 0;
            while i + 8 <= n {
                let e = exp(_mm256_sub_ps(_mm256_loadu_ps(s.add(i)), mx));
                _mm256_storeu_ps(s.add(i), e);
                acc = _mm256_add_ps(acc, e);
                i += 8;
            }
            let mut sum = hsum(acc);
            for j in i..n {
                let e = (*s.add(j) - max).exp();
                *s.add(j) = e;
                sum += e;
            }
            (max, sum)
        }
    }

    #[target_feature(enable = "avx2,fma")]
    fn hmax(v: __m256) -> f32 {
        let s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        let s = _mm_max_ss(s, _mm_movehdup_ps(s));
        _mm_cvtss_f32(s)
    }

    /// e^x for |x| ≤ 87 (clamped beyond), relative error ~2e-7: x = k·ln2 + r with
    /// |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^k put into the exponent bits.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) fn exp(x: __m256) -> __m256 {
        let x = _mm256_min_ps(
            _mm256_max_ps(x, _mm256_set1_ps(-87.0)),
            _mm256_set1_ps(88.0),
        );
        let k = _mm256_round_ps(
            _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
        );
        // Cody–Waite: ln2 split in a high part exact in f32 and a low correction.
        let r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693_145_75), x);
        let r = _mm256_fnmadd_ps(k, _mm256_set1_ps(1.428_606_8e-6), r);
        let mut p = _mm256_set1_ps(1.0 / 720.0);
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 120.0));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 24.0));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0 / 6.0));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0));
        let e = _mm256_slli_epi32(
            _mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)),
            23,
        );
        _mm256_mul_ps(p, _mm256_castsi256_ps(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain f64 attention over the same f16 values.
    fn reference(h: Heads, q: &[f32], k: &[f16], v: &[f16], pos: usize, seq: usize) -> Vec<f32> {
        let (nh, nkv, hd) = (h.n_head, h.n_kv_head, h.head_dim);
        let group = nh / nkv;
        let mut out = vec![0f32; seq * nh * hd];
        for i in 0..seq {
            for j in 0..nh {
                let kh = j / group;
                let n = pos + i + 1;
                let qv = &q[i * nh * hd + j * hd..][..hd];
                let s: Vec<f64> = (0..n)
                    .map(|p| {
                        let kr = &k[p * nkv * hd + kh * hd..][..hd];
                        qv.iter()
                            .zip(kr)
                            .map(|(a, b)| *a as f64 * b.to_f64())
                            .sum::<f64>()
                            / (hd as f64).sqrt()
                    })
                    .collect();
                let max = s.iter().cloned().fold(f64::MIN, f64::max);
                let e: Vec<f64> = s.iter().map(|x| (x - max).exp()).collect();
                let sum: f64 = e.iter().sum();
                for d in 0..hd {
                    let y: f64 = (0..n)
                        .map(|p| e[p] * v[p * nkv * hd + kh * hd + d].to_f64())
                        .sum();
                    out[i * nh * hd + j * hd + d] = (y / sum) as f32;
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).max(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s as f32 / u32::MAX as f32) * 4.0 - 2.0
            })
            .collect()
    }

    #[test]
    fn matches_a_plain_reference_for_prefill_and_decode() {
        for (h, pos, seq) in [
            (
                Heads {
                    n_head: 9,
                    n_kv_head: 3,
                    head_dim: 64,
                },
                0,
                37,
            ),
            (
                Heads {
                    n_head: 14,
                    n_kv_head: 2,
                    head_dim: 64,
                },
                150,
                1,
            ),
            (
                Heads {
                    n_head: 9,
                    n_kv_head: 3,
                    head_dim: 64,
                },
                1100,
                1,
            ),
            (
                Heads {
                    n_head: 14,
                    n_kv_head: 2,
                    head_dim: 64,
                },
                1023,
                1,
            ),
            (
                Heads {
                    n_head: 4,
                    n_kv_head: 1,
                    head_dim: 24,
                },
                3000,
                1,
            ),
            (
                Heads {
                    n_head: 14,
                    n_kv_head: 2,
                    head_dim: 64,
                },
                500,
                300,
            ),
            (
                Heads {
                    n_head: 4,
                    n_kv_head: 4,
                    head_dim: 24,
                },
                5,
                9,
            ),
            (
                Heads {
                    n_head: 8,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                3,
                1,
            ),
            // Prefill shapes of the blocked AVX-512 path: Qwen2.5-1.5B's heads, a row block
            // cut short, a chunk after a cached prefix, more query heads per KV head than
            // one chunk holds, one head per KV head, and 7 rows (the per-row path).
            (
                Heads {
                    n_head: 12,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                0,
                70,
            ),
            (
                Heads {
                    n_head: 12,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                33,
                17,
            ),
            (
                Heads {
                    n_head: 32,
                    n_kv_head: 1,
                    head_dim: 64,
                },
                3,
                8,
            ),
            (
                Heads {
                    n_head: 4,
                    n_kv_head: 4,
                    head_dim: 32,
                },
                0,
                50,
            ),
            (
                Heads {
                    n_head: 12,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                40,
                7,
            ),
        ] {
            let (q_dim, kv_dim) = (h.n_head * h.head_dim, h.n_kv_head * h.head_dim);
            let total = pos + seq;
            let q = values(seq * q_dim, 1);
            let k: Vec<f16> = values(total * kv_dim, 2)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let v: Vec<f16> = values(total * kv_dim, 3)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let want = reference(h, &q, &k, &v, pos, seq);
            // Position-major as generated, and head-major (as the cache keeps them) with
            // room for 7 more positions per head.
            let hd = h.head_dim;
            let cap = total + 7;
            let head_major = |x: &[f16]| {
                let mut y = vec![f16::NAN; h.n_kv_head * cap * hd];
                for p in 0..total {
                    for kh in 0..h.n_kv_head {
                        y[(kh * cap + p) * hd..][..hd]
                            .copy_from_slice(&x[p * kv_dim + kh * hd..][..hd]);
                    }
                }
                y
            };
            let (kh, vh) = (head_major(&k), head_major(&v));
            for (k, v, layout) in [
                (
                    &k,
                    &v,
                    KvLayout {
                        row: kv_dim,
                        head: hd,
                    },
                ),
                (
                    &kh,
                    &vh,
                    KvLayout {
                        row: hd,
                        head: cap * hd,
                    },
                ),
            ] {
                let mut got = vec![f32::NAN; seq * q_dim];
                attention(h, &q, k, v, layout, pos, seq, &mut got, &mut Vec::new());
                let err = got
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max);
                assert!(
                    err < 1e-4,
                    "{h:?} {layout:?} pos {pos} seq {seq}: max error {err}"
                );
            }
        }
    }

    /// The blocked prefill path gives the per-row path's outputs bit for bit, so that the
    /// text a model writes does not depend on which of them ran.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn prefill_in_blocks_equals_the_per_row_path() {
        for (h, pos, seq) in [
            (
                Heads {
                    n_head: 12,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                0,
                131,
            ),
            (
                Heads {
                    n_head: 12,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                45,
                9,
            ),
            (
                Heads {
                    n_head: 14,
                    n_kv_head: 2,
                    head_dim: 64,
                },
                0,
                77,
            ),
            (
                Heads {
                    n_head: 14,
                    n_kv_head: 2,
                    head_dim: 64,
                },
                300,
                40,
            ),
            (
                Heads {
                    n_head: 9,
                    n_kv_head: 3,
                    head_dim: 64,
                },
                3,
                37,
            ),
            (
                Heads {
                    n_head: 32,
                    n_kv_head: 1,
                    head_dim: 64,
                },
                7,
                8,
            ),
            (
                Heads {
                    n_head: 2,
                    n_kv_head: 2,
                    head_dim: 128,
                },
                0,
                64,
            ),
        ] {
            if !super::super::prefill_attention::applies(h.head_dim, seq) {
                return;
            }
            let (q_dim, kv_dim) = (h.n_head * h.head_dim, h.n_kv_head * h.head_dim);
            let total = pos + seq;
            // Scores of the spread real models have (|q·k|/√d up to ~20).
            let q: Vec<f32> = values(seq * q_dim, 7).iter().map(|x| 4.0 * x).collect();
            let k: Vec<f16> = values(total * kv_dim, 8)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let v: Vec<f16> = values(total * kv_dim, 9)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let layout = KvLayout {
                row: kv_dim,
                head: h.head_dim,
            };
            let mut blocked = vec![f32::NAN; seq * q_dim];
            attention(
                h,
                &q,
                &k,
                &v,
                layout,
                pos,
                seq,
                &mut blocked,
                &mut Vec::new(),
            );
            let mut rows = vec![f32::NAN; seq * q_dim];
            per_row(h, &q, &k, &v, layout, pos, seq, &mut rows, &mut Vec::new());
            let differ = blocked.iter().zip(&rows).filter(|(a, b)| a != b).count();
            assert_eq!(
                differ, 0,
                "{h:?} pos {pos} seq {seq}: {differ} outputs differ"
            );
        }
    }

    #[test]
    fn scalar_and_simd_tasks_agree() {
        for (hd, p0, p1, ng) in [(64, 0, 77, 3), (128, 13, 300, 7), (64, 5, 6, 1)] {
            let kv_dim = 2 * hd;
            let q = values(ng * hd, 4);
            let k: Vec<f16> = values(p1 * kv_dim, 5)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let v: Vec<f16> = values(p1 * kv_dim, 6)
                .iter()
                .map(|&x| f16::from_f32(x))
                .collect();
            let t = Task {
                k: &k,
                v: &v,
                row: kv_dim,
                off: hd,
                hd,
                scale: 0.125,
            };
            let len = p1 - p0;
            let run = |kernel: Kernel| {
                let mut s = vec![0f32; ng * len];
                let mut o = vec![f32::NAN; ng * (hd + 2)];
                let mut ml = vec![0f32; 2 * ng];
                kernel.run_strided(&t, &q, ng, p0, p1, &mut s, &mut o, hd + 2, &mut ml);
                o
            };
            let a = run(Kernel::Scalar);
            #[cfg(target_arch = "x86_64")]
            if Isa::supported().contains(&Isa::Avx2) {
                let b = run(Kernel::Avx2);
                for (x, y) in a.iter().zip(&b) {
                    assert!((x - y).abs() <= 1e-4 * x.abs().max(1.0), "{x} vs {y}");
                }
            }
            assert!(a.iter().all(|x| x.is_finite()));
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vector_exp_is_accurate() {
        if !Isa::supported().contains(&Isa::Avx2) {
            return;
        }
        use std::arch::x86_64::*;
        for i in 0..2000 {
            let x = -(i as f32) * 0.05;
            let mut out = [0f32; 8];
            // SAFETY: AVX2 and FMA are supported.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr(), x86::exp(_mm256_set1_ps(x))) };
            let want = x.exp();
            assert!(
                (out[0] - want).abs() <= 1e-6 * want + 1e-37,
                "exp({x}) = {} vs {want}",
                out[0]
            );
        }
    }
}
