//! Prefill attention on AVX-512: the queries of a few rows against all their keys as two
//! small GEMMs, so each key and value is read once per block of rows, not once per row.
//!
//! The keys of every KV head are first laid out transposed in f32 — blocks of 16 keys, one
//! vector per dimension holding that dimension of the 16 keys — once per call. A task then
//! takes up to [`QN`] query vectors (some rows × the query heads of one KV head). Their
//! scores against 16 keys are summed in registers, [`SQ`] queries at a time: per dimension,
//! one load of the transposed keys and a multiply-add by each query's broadcast element,
//! with no horizontal sums. After the causal softmax of each query, the values are summed
//! the same way: per value row, one conversion from f16 and [`QN`] multiply-adds by a
//! broadcast weight, per 16 dimensions.
//!
//! Every sum is made in the order of the per-row kernel ([`super::attention`]), so the
//! outputs are the same bit for bit and a model writes the same text on either path: a
//! score is eight partial sums over the dimensions joined pairwise (the last keys of a row
//! joined as that kernel joins them), the values are summed key after key.

use std::arch::x86_64::*;
use std::cell::RefCell;

use half::f16;

use super::attention::{x86, Heads, KvLayout};
use crate::llm::kernels::pool::{self, SendPtr};
use crate::llm::kernels::Isa;

/// Query vectors per task chunk: the score and output accumulators (one 512-bit register
/// each) leave room for the key vector among the 32 registers.
const QN: usize = 24;
/// Keys per block of the transposed keys: the lanes of a 512-bit vector of f32.
const KB: usize = 16;
/// Queries per pass of the scores, each with [`CH`] partial sums in registers.
const SQ: usize = 3;
const _: () = assert!(QN.is_multiple_of(SQ));

thread_local! {
    /// A task's queries (`QN · hd`), scores and the row ends' scores (`QN` rows of the
    /// keys' stride each).
    static SCRATCH: RefCell<[Vec<f32>; 3]> = const { RefCell::new([Vec::new(), Vec::new(), Vec::new()]) };
}

/// Whether this path runs `seq` query rows of head size `hd` on this CPU.
pub(crate) fn applies(hd: usize, seq: usize) -> bool {
    seq >= 8 && (hd == 64 || hd == 128) && Isa::detect() >= Isa::Avx512Vnni
}

/// As [`super::attention::attention`] for prefill (see [`applies`]); `kt` is scratch space
/// for the transposed keys.
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
    kt: &mut Vec<f32>,
) {
    let Heads {
        n_head,
        n_kv_head,
        head_dim: hd,
    } = heads;
    assert!(applies(hd, seq));
    let group = n_head / n_kv_head;
    let q_dim = n_head * hd;
    assert!(q.len() >= seq * q_dim && out.len() >= seq * q_dim);
    let n = pos + seq;
    let end = (n - 1) * layout.row + (n_kv_head - 1) * layout.head + hd;
    assert!(k.len() >= end && v.len() >= end);
    let nkb = n.div_ceil(KB);
    let head_kt = nkb * hd * KB;
    if kt.len() < n_kv_head * head_kt {
        kt.resize(n_kv_head * head_kt, 0.0);
    }
    let pool = pool::global();
    let ktp = SendPtr(kt.as_mut_ptr());

    // The transposed keys, a task per (KV head, 64 keys).
    let chunks = nkb.div_ceil(4);
    let transpose = |t: usize| {
        let (h, c) = (t / chunks, t % chunks);
        for b in 4 * c..(4 * c + 4).min(nkb) {
            // SAFETY: task t alone writes blocks 4c.. of head h, inside `kt` (resized above).
            let dst = unsafe {
                std::slice::from_raw_parts_mut(ktp.get().add(h * head_kt + b * hd * KB), hd * KB)
            };
            // SAFETY: the CPU has AVX-512 F and F16C (`applies`).
            unsafe { transpose_block(k, layout, h, b * KB, n, hd, dst) };
        }
    };
    pool.for_each_task(n_kv_head * chunks, &transpose);

    // Attention, a task per (block of rows, KV head), longest rows first.
    let rows = (QN / group).max(1);
    let blocks = seq.div_ceil(rows);
    let kt = &kt[..n_kv_head * head_kt];
    let outp = SendPtr(out.as_mut_ptr());
    let scale = 1.0 / (hd as f32).sqrt();
    let task = |t: usize| {
        let blk = blocks - 1 - t / n_kv_head;
        let h = t % n_kv_head;
        let (i0, i1) = (blk * rows, ((blk + 1) * rows).min(seq));
        // The task's queries, row by row, in chunks of at most QN.
        let all: Vec<(usize, usize)> = (i0..i1)
            .flat_map(|i| (h * group..(h + 1) * group).map(move |g| (i, g)))
            .collect();
        for chunk in all.chunks(QN) {
            let job = Chunk {
                q,
                v,
                layout,
                kt: &kt[h * head_kt..(h + 1) * head_kt],
                head: h,
                pos,
                hd,
                q_dim,
                scale,
            };
            // SAFETY: the CPU has AVX-512 F, AVX2, FMA and F16C (`applies`); the chunk's
            // (row, head) pairs are this task's alone, so are their outputs in `out`.
            unsafe { job.run(chunk, outp) };
        }
    };
    pool.for_each_task(blocks * n_kv_head, &task);
}

/// Keys `p0..p0 + 16` of KV head `h` (zero past `n`) into `dst`: dimension `d` of key
/// `p0 + j` at `dst[d · 16 + j]`.
///
/// # Safety
/// The CPU has AVX-512 F and F16C.
#[target_feature(enable = "avx512f,f16c")]
unsafe fn transpose_block(
    k: &[f16],
    layout: KvLayout,
    h: usize,
    p0: usize,
    n: usize,
    hd: usize,
    dst: &mut [f32],
) {
    assert!(hd.is_multiple_of(16) && dst.len() >= hd * KB);
    let mut row = [0f32; 16];
    for j in 0..KB {
        let p = p0 + j;
        if p >= n {
            for d in 0..hd {
                dst[d * KB + j] = 0.0;
            }
            continue;
        }
        let src = &k[p * layout.row + h * layout.head..][..hd];
        for (c, part) in src.chunks_exact(16).enumerate() {
            // SAFETY: `part` holds 16 halves, `row` 16 floats.
            unsafe {
                let x = _mm512_cvtph_ps(_mm256_loadu_si256(part.as_ptr() as *const __m256i));
                _mm512_storeu_ps(row.as_mut_ptr(), x);
            }
            for (d, x) in row.iter().enumerate() {
                dst[(16 * c + d) * KB + j] = *x;
            }
        }
    }
}

/// What a chunk of queries reads.
struct Chunk<'a> {
    q: &'a [f32],
    v: &'a [f16],
    layout: KvLayout,
    /// The transposed keys of this KV head.
    kt: &'a [f32],
    head: usize,
    pos: usize,
    hd: usize,
    q_dim: usize,
    scale: f32,
}

impl Chunk<'_> {
    /// Attends the (row, head) pairs of `chunk` (at most [`QN`], rows ascending) and writes
    /// each one's output at `out[row · q_dim + head · hd..]`.
    ///
    /// # Safety
    /// The CPU has AVX-512 F, AVX2, FMA and F16C; `out` holds the rows' outputs and no other
    /// thread writes those of `chunk`.
    #[target_feature(enable = "avx512f,avx2,fma,f16c")]
    unsafe fn run(&self, chunk: &[(usize, usize)], out: SendPtr) {
        let hd = self.hd;
        let last = chunk.last().map_or(0, |c| c.0);
        let n = self.pos + last + 1;
        let nkb = n.div_ceil(KB);
        let stride = nkb * KB;
        assert!(self.kt.len() >= nkb * hd * KB && chunk.len() <= QN);
        assert!(self.v.len() >= (n - 1) * self.layout.row + self.head * self.layout.head + hd);
        // Keys from `ends` on are the last (fewer than 8) of some row: the per-row kernel
        // sums their scores in another order.
        let first = chunk.first().map_or(0, |c| c.0);
        let ends = (self.pos + first + 1) / 8 * 8;
        SCRATCH.with(|cell| {
            let mut cell = cell.borrow_mut();
            let [qs, s, t] = &mut *cell;
            qs.clear();
            qs.resize(QN * hd, 0.0);
            s.clear();
            s.resize(QN * stride, 0.0);
            // Only the row ends `scores` writes below are read from `t`: no need to clear it.
            if t.len() < QN * stride {
                t.resize(QN * stride, 0.0);
            }
            for (c, &(i, g)) in chunk.iter().enumerate() {
                qs[c * hd..(c + 1) * hd].copy_from_slice(&self.q[i * self.q_dim + g * hd..][..hd]);
            }
            // SAFETY (the three calls): the buffers have the sizes asserted and made above;
            // the CPU features are this function's.
            unsafe {
                scores(
                    qs.as_ptr(),
                    self.kt.as_ptr(),
                    hd,
                    nkb,
                    chunk.len(),
                    self.scale,
                    ends / KB,
                    [s.as_mut_ptr(), t.as_mut_ptr()],
                    stride,
                )
            };
            let mut inv = [0f32; QN];
            for (c, &(i, _)) in chunk.iter().enumerate() {
                let ni = self.pos + i + 1;
                let row = &mut s[c * stride..(c + 1) * stride];
                let tail = ni / 8 * 8..ni;
                row[tail.clone()].copy_from_slice(&t[c * stride..][tail]);
                // SAFETY: `row` holds `ni ≤ stride` floats.
                let (_, sum) = unsafe { x86::softmax(row.as_mut_ptr(), ni) };
                inv[c] = 1.0 / sum;
                row[ni..].fill(0.0);
            }
            let base = self.layout.head * self.head;
            let vp = (self.v.as_ptr() as *const u16).add(base);
            // SAFETY: as above; every output lies in `out` (the caller's promise).
            unsafe {
                values(
                    s.as_ptr(),
                    stride,
                    vp,
                    self.layout.row,
                    n,
                    hd,
                    &mut |c, dc, x| {
                        if c < chunk.len() {
                            let (i, g) = chunk[c];
                            let o = out.get().add(i * self.q_dim + g * hd + dc);
                            _mm512_storeu_ps(o, _mm512_mul_ps(x, _mm512_set1_ps(inv[c])));
                        }
                    },
                )
            };
        });
    }
}

/// `s[0][c · stride + p] = scale · qs[c] · key p` for the first `nq` of the [`QN`] queries
/// (rounded up to [`SQ`]) and the `nkb` key blocks, summed bit for bit as the per-row
/// kernel sums a row's keys in groups of eight: eight partial sums, dimension `d` in sum `d
/// mod 8` in ascending order, joined pairwise ((0+1)+(2+3))+((4+5)+(6+7)). From key block
/// `tail_from` on, `s[1]` also gets the scores summed as that kernel sums a row's last
/// (fewer than eight) keys: ((0+4)+(2+6))+((1+5)+(3+7)).
///
/// # Safety
/// The CPU has AVX-512 F; `qs` holds `QN · hd` floats, `kt` `nkb · hd · 16`, each `s`
/// `QN · stride` with `stride ≥ 16 · nkb`; `hd` is a multiple of 8 and `nq ≤ QN`.
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments)]
unsafe fn scores(
    qs: *const f32,
    kt: *const f32,
    hd: usize,
    nkb: usize,
    nq: usize,
    scale: f32,
    tail_from: usize,
    s: [*mut f32; 2],
    stride: usize,
) {
    let add = |a: __m512, b: __m512| _mm512_add_ps(a, b);
    let scale = _mm512_set1_ps(scale);
    // SAFETY (whole body): every index stays inside the sizes above.
    unsafe {
        for b in 0..nkb {
            let ktb = kt.add(b * hd * KB);
            for q0 in (0..nq).step_by(SQ) {
                let mut acc = [[_mm512_setzero_ps(); 8]; SQ];
                for c in 0..hd / 8 {
                    for l in 0..8 {
                        let d = 8 * c + l;
                        let kv = _mm512_loadu_ps(ktb.add(d * KB));
                        for (j, a) in acc.iter_mut().enumerate() {
                            let x = _mm512_set1_ps(*qs.add((q0 + j) * hd + d));
                            a[l] = _mm512_fmadd_ps(x, kv, a[l]);
                        }
                    }
                }
                for (j, p) in acc.iter().enumerate() {
                    let at = (q0 + j) * stride + b * KB;
                    let main = add(
                        add(add(p[0], p[1]), add(p[2], p[3])),
                        add(add(p[4], p[5]), add(p[6], p[7])),
                    );
                    _mm512_storeu_ps(s[0].add(at), _mm512_mul_ps(main, scale));
                    if b >= tail_from {
                        let last = add(
                            add(add(p[0], p[4]), add(p[2], p[6])),
                            add(add(p[1], p[5]), add(p[3], p[7])),
                        );
                        _mm512_storeu_ps(s[1].add(at), _mm512_mul_ps(last, scale));
                    }
                }
            }
        }
    }
}

/// For each 16 dimensions `dc` of the values: `emit(c, dc, Σ_p w[c · stride + p] · v_p)`
/// over the `n` value rows (row `p` at `v + p · row`, f16 bits).
///
/// # Safety
/// The CPU has AVX-512 F and F16C; `w` holds `QN · stride` floats with `stride ≥ n`; the
/// `n` value rows of `hd` halves lie at `v`.
#[target_feature(enable = "avx512f,f16c")]
unsafe fn values(
    w: *const f32,
    stride: usize,
    v: *const u16,
    row: usize,
    n: usize,
    hd: usize,
    emit: &mut dyn FnMut(usize, usize, __m512),
) {
    // SAFETY (whole body): every index stays inside the sizes above.
    unsafe {
        for dc in (0..hd).step_by(16) {
            let mut acc = [_mm512_setzero_ps(); QN];
            for p in 0..n {
                let x = _mm512_cvtph_ps(_mm256_loadu_si256(v.add(p * row + dc) as *const __m256i));
                for (c, a) in acc.iter_mut().enumerate() {
                    *a = _mm512_fmadd_ps(_mm512_set1_ps(*w.add(c * stride + p)), x, *a);
                }
            }
            for (c, a) in acc.iter().enumerate() {
                emit(c, dc, *a);
            }
        }
    }
}
