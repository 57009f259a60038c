//! Prefill GEMM for AVX2 (every format but Q8_0): weights unpacked once per call into
//! panels of 8 rows, then a register-blocked micro-kernel of 8 weight rows × 4 activation
//! rows (the AVX2 tile of [`Acts`]).
//!
//! The per-row kernel of [`super::x86`] pays, for every 32 weights and activation row, a
//! conversion to f32, a scale multiply and an FMA on a vector that holds one row (plus,
//! for the K-quants, their scale decoding in scalar code); at prefill that bookkeeping,
//! not the integer dot products, is most of its time. Here a panel holds, for each
//! 32-weight block, 8 vectors of 32 bytes: vector `c` carries weights `4c..4c+4` of each
//! of the 8 rows (one row per 32-bit lane). `vpmaddubsw` of such a vector with 4
//! activation bytes broadcast to every lane is 32 multiply-adds into 16-bit pairs of one
//! row each; those are summed in 16 bits while they cannot overflow (4-bit formats: all 8
//! vectors of a block, since `8 · 2 · 15 · 127 < 2¹⁵`; Q5_0: 4 at a time, since
//! `4 · 2 · 31 · 127 < 2¹⁵`; Q6_K: 2, since `2 · 2 · 63 · 127 < 2¹⁵`), widened once with
//! `vpmaddwd`, and converted and scaled once per group for the 8 rows at once.
//! Decoding the formats and the 8 × 8 transpose are shared by every activation tile.

use super::formats::{q4k_scale_min, QType};
use super::packed::PackedMatrix;
use super::{packed_avx2, packed_k, Acts};
use core::arch::x86_64::*;
use std::cell::RefCell;

/// Weight rows per panel (the lanes of a 256-bit vector of i32).
pub(crate) const ROWS: usize = 8;

/// Activation rows per micro-kernel call; equal to the AVX2 prefill tile of [`Acts`].
const T: usize = super::x86::avx2::TILE;

/// Whether this GEMM covers `ty`: the formats whose unsigned weights are small enough for
/// `vpmaddubsw` without saturation (Q8_0's are not).
pub(crate) fn covers(ty: QType) -> bool {
    !matches!(ty, QType::Q8_0)
}

#[derive(Clone, Copy)]
#[repr(C, align(32))]
struct Line([u8; 32]);

/// One panel: unpacked weights (8 lines per 32-weight block) and, per group of 32 weights
/// (Q6_K: 16), the 8 rows' scales `ws` and offsets `wc` (weight = `ws · u − wc`).
#[derive(Default)]
struct Panel {
    u: Vec<Line>,
    ws: Vec<Line>,
    wc: Vec<Line>,
}

thread_local! {
    static PANELS: RefCell<Vec<Panel>> = const { RefCell::new(Vec::new()) };
}

/// L2 bytes for the panels of one pass (half of a 512 KiB L2, the rest for the
/// activations streaming through): every activation tile runs against all of them.
const PASS_BYTES: usize = 256 << 10;

/// Groups of weights sharing one scale.
fn group_len(ty: QType) -> usize {
    if ty == QType::Q6K {
        16
    } else {
        32
    }
}

/// Bytes of one unpacked panel of `k` weights per row.
fn panel_bytes(ty: QType, k: usize) -> usize {
    k / 32 * 8 * 32 + 2 * 32 * (k / group_len(ty))
}

/// Panels per pass for rows of `k` weights of `ty`.
pub(crate) fn pass_panels(ty: QType, k: usize) -> usize {
    (PASS_BYTES / panel_bytes(ty, k).max(1)).clamp(1, 16)
}

/// The f16 at `p` (block and super-block scales), for the AVX2 kernels.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(super) unsafe fn f16(p: *const u8) -> f32 {
    let bits = (p as *const u16).read_unaligned();
    _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32)))
}

/// Nibbles of 16 bytes: low nibbles are weights 0..16, high nibbles 16..32.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn nibbles16(p: *const u8) -> __m256i {
    let q = _mm_loadu_si128(p as *const __m128i);
    let m4 = _mm_set1_epi8(0x0F);
    let lo = _mm_and_si128(q, m4);
    let hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
    _mm256_set_m128i(hi, lo)
}

/// 32 bits of `qh` → 32 bytes, 0x10 where the bit is set (Q5_0's fifth bit).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn bits_0x10(qh: u32) -> __m256i {
    // Byte j gets byte j / 8 of qh, then only its bit j % 8 is tested.
    let v = _mm256_shuffle_epi8(
        _mm256_set1_epi32(qh as i32),
        _mm256_setr_epi64x(
            0x0000000000000000,
            0x0101010101010101,
            0x0202020202020202,
            0x0303030303030303,
        ),
    );
    let v = _mm256_or_si256(v, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    _mm256_and_si256(
        _mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)),
        _mm256_set1_epi8(0x10),
    )
}

/// The 32 unsigned weights of block `b` (32 weights) of a row starting at `row`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn block_u(ty: QType, row: *const u8, b: usize) -> __m256i {
    match ty {
        QType::Q4_0 => return nibbles16(row.add(b * 18 + 2)),
        QType::Q4_1 => return nibbles16(row.add(b * 20 + 4)),
        QType::Q5_0 => {
            let p = row.add(b * 22);
            let qh = (p.add(2) as *const u32).read_unaligned();
            return _mm256_or_si256(nibbles16(p.add(6)), bits_0x10(qh));
        }
        _ => {}
    }
    if ty == QType::Q4K {
        let (sb, j) = (b / 8, b % 8);
        let q = _mm256_loadu_si256(row.add(sb * 144 + 16 + 32 * (j / 2)) as *const __m256i);
        let q = if j % 2 == 0 {
            q
        } else {
            _mm256_srli_epi16(q, 4)
        };
        return _mm256_and_si256(q, _mm256_set1_epi8(0x0F));
    }
    // Q6_K
    let (sb, i) = (b / 8, b % 8);
    let (n, g) = (i / 4, i % 4);
    let p = row.add(sb * 210);
    let ql = _mm256_loadu_si256(p.add(64 * n + 32 * (g % 2)) as *const __m256i);
    let qh = _mm256_loadu_si256(p.add(128 + 32 * n) as *const __m256i);
    let lo = if g < 2 { ql } else { _mm256_srli_epi16(ql, 4) };
    // Bits 2g, 2g + 1 of each qh byte become bits 4, 5.
    let hi = match g {
        0 => _mm256_slli_epi16(qh, 4),
        1 => _mm256_slli_epi16(qh, 2),
        2 => qh,
        _ => _mm256_srli_epi16(qh, 2),
    };
    _mm256_or_si256(
        _mm256_and_si256(lo, _mm256_set1_epi8(0x0F)),
        _mm256_and_si256(hi, _mm256_set1_epi8(0x30)),
    )
}

/// Scale and offset of group `g` of a row (groups of 32 weights; Q6_K: 16).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn group_scale(ty: QType, row: *const u8, g: usize) -> (f32, f32) {
    match ty {
        QType::Q4_0 => {
            let d = f16(row.add(g * 18));
            return (d, 8.0 * d);
        }
        QType::Q4_1 => {
            let p = row.add(g * 20);
            return (f16(p), -f16(p.add(2)));
        }
        QType::Q5_0 => {
            let d = f16(row.add(g * 22));
            return (d, 16.0 * d);
        }
        _ => {}
    }
    if ty == QType::Q4K {
        let p = row.add(g / 8 * 144);
        let sc = core::slice::from_raw_parts(p.add(4), 12);
        let (s, m) = q4k_scale_min(sc, g % 8);
        return (f16(p) * s as f32, f16(p.add(2)) * m as f32);
    }
    // Q6_K: 16 groups of 16 per super-block; group i is scale i of its half's 8.
    let p = row.add(g / 16 * 210);
    let i = g % 16;
    let s = f16(p.add(208)) * *(p.add(192 + i) as *const i8) as f32;
    (s, 32.0 * s)
}

/// 8 vectors of one row each (8 dwords) → 8 vectors of dword `c` of the 8 rows.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn transpose(r: [__m256i; 8]) -> [__m256i; 8] {
    // Within each 128-bit half: t0 = r0[0] r1[0] r0[1] r1[1], t1 = r0[2] r1[2] r0[3] r1[3].
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm256_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm256_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm256_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm256_unpackhi_epi32(r[6], r[7]);
    // s0 = [rows 0-3 of dword 0 | of dword 4], s1: dwords 1 | 5, s2: 2 | 6, s3: 3 | 7.
    let s0 = _mm256_unpacklo_epi64(t0, t2);
    let s1 = _mm256_unpackhi_epi64(t0, t2);
    let s2 = _mm256_unpacklo_epi64(t1, t3);
    let s3 = _mm256_unpackhi_epi64(t1, t3);
    let s4 = _mm256_unpacklo_epi64(t4, t6);
    let s5 = _mm256_unpackhi_epi64(t4, t6);
    let s6 = _mm256_unpacklo_epi64(t5, t7);
    let s7 = _mm256_unpackhi_epi64(t5, t7);
    [
        _mm256_permute2x128_si256(s0, s4, 0x20),
        _mm256_permute2x128_si256(s1, s5, 0x20),
        _mm256_permute2x128_si256(s2, s6, 0x20),
        _mm256_permute2x128_si256(s3, s7, 0x20),
        _mm256_permute2x128_si256(s0, s4, 0x31),
        _mm256_permute2x128_si256(s1, s5, 0x31),
        _mm256_permute2x128_si256(s2, s6, 0x31),
        _mm256_permute2x128_si256(s3, s7, 0x31),
    ]
}

/// Unpacks rows `r0..r0 + 8` (row `r` at `w + r · rb`, `k` weights) into `p`.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn build(p: &mut Panel, ty: QType, w: *const u8, rb: usize, r0: usize, k: usize) {
    let nb = k / 32;
    let ng = k / group_len(ty);
    p.u.resize(nb * 8, Line([0; 32]));
    p.ws.resize(ng, Line([0; 32]));
    p.wc.resize(ng, Line([0; 32]));
    let row = |r: usize| w.add((r0 + r) * rb);
    let u = p.u.as_mut_ptr() as *mut __m256i;
    for b in 0..nb {
        let mut r = [_mm256_setzero_si256(); ROWS];
        for (i, v) in r.iter_mut().enumerate() {
            *v = block_u(ty, row(i), b);
        }
        for (c, v) in transpose(r).into_iter().enumerate() {
            _mm256_store_si256(u.add(b * 8 + c), v);
        }
    }
    let ws = p.ws.as_mut_ptr() as *mut f32;
    let wc = p.wc.as_mut_ptr() as *mut f32;
    for r in 0..ROWS {
        let rp = row(r);
        for g in 0..ng {
            let (s, c) = group_scale(ty, rp, g);
            *ws.add(g * ROWS + r) = s;
            *wc.add(g * ROWS + r) = c;
        }
    }
}

/// The panel against `TT` activation rows stored with tile width `tw` ([`Acts`]): `qa`,
/// `da`, `ca` point at the first row's quantized values, scales and block sums (`c32`,
/// Q6_K: `c16`). `HALVES` is 1 for groups of 32 weights, 2 for groups of 16
/// (Q6_K); `SUM16` the weight vectors summed in 16 bits before widening (see the module
/// comment for why they cannot overflow). Returns the 8 dot products of each activation row.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn micro<const TT: usize, const HALVES: usize, const SUM16: usize>(
    p: &Panel,
    nb: usize,
    tw: usize,
    qa: *const i8,
    da: *const f32,
    ca: *const f32,
) -> [__m256; TT] {
    let u = p.u.as_ptr() as *const __m256i;
    let ws = p.ws.as_ptr() as *const f32;
    let wc = p.wc.as_ptr() as *const f32;
    let ones = _mm256_set1_epi16(1);
    let per_group = 8 / HALVES;
    let mut f = [_mm256_setzero_ps(); TT];
    for b in 0..nb {
        let ub = u.add(b * 8);
        let qb = qa.add(b * tw * 32);
        for h in 0..HALVES {
            let mut acc = [_mm256_setzero_si256(); TT];
            let mut c0 = h * per_group;
            while c0 < (h + 1) * per_group {
                let mut s16 = [_mm256_setzero_si256(); TT];
                for c in c0..c0 + SUM16 {
                    let wv = _mm256_load_si256(ub.add(c));
                    for (t, s) in s16.iter_mut().enumerate() {
                        let x = (qb.add(t * 32 + 4 * c) as *const i32).read_unaligned();
                        *s = _mm256_add_epi16(*s, _mm256_maddubs_epi16(wv, _mm256_set1_epi32(x)));
                    }
                }
                for (a, s) in acc.iter_mut().zip(&s16) {
                    *a = _mm256_add_epi32(*a, _mm256_madd_epi16(*s, ones));
                }
                c0 += SUM16;
            }
            let g = b * HALVES + h;
            let wsv = _mm256_load_ps(ws.add(g * ROWS));
            let wcv = _mm256_load_ps(wc.add(g * ROWS));
            for (t, (a, fv)) in acc.iter().zip(f.iter_mut()).enumerate() {
                let s = _mm256_mul_ps(wsv, _mm256_set1_ps(*da.add(b * tw + t)));
                *fv = _mm256_fmadd_ps(_mm256_cvtepi32_ps(*a), s, *fv);
                let c = *ca.add(HALVES * b * tw + h * tw + t);
                *fv = _mm256_fnmadd_ps(wcv, _mm256_set1_ps(c), *fv);
            }
        }
    }
    f
}

/// One panel against `TT` activation rows, with the format's group layout.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn micro_for<const TT: usize>(
    ty: QType,
    p: &Panel,
    nb: usize,
    tw: usize,
    qa: *const i8,
    da: *const f32,
    ca: *const f32,
) -> [__m256; TT] {
    match ty {
        QType::Q6K => micro::<TT, 2, 2>(p, nb, tw, qa, da, ca),
        QType::Q5_0 => micro::<TT, 1, 4>(p, nb, tw, qa, da, ca),
        _ => micro::<TT, 1, 8>(p, nb, tw, qa, da, ca),
    }
}

/// Where panels are unpacked from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// GGUF rows of `rb` bytes.
    Gguf(&'a [u8], usize),
    /// K-quant records ([`super::packed_k`]).
    Packed(&'a PackedMatrix),
}

/// Rows `r0..r1` (`r1 − r0` a multiple of 8) of `y[t·n + r] = W[r] · x[t]` for all
/// activation rows, by panels.
///
/// # Safety
/// The CPU supports AVX2, FMA and F16C; `ty` is covered ([`covers`]); `w` holds `r1` rows
/// of `acts.k` weights of type `ty`; `acts.tile` is the AVX2 tile; `y` points at
/// `acts.m · n` floats, of which only columns `r0..r1` are written.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) unsafe fn rows(
    ty: QType,
    w: &[u8],
    acts: &Acts,
    r0: usize,
    r1: usize,
    y: *mut f32,
    n: usize,
) {
    debug_assert!(covers(ty) && (r1 - r0).is_multiple_of(ROWS));
    gemm(
        ty,
        Source::Gguf(w, ty.row_bytes(acts.k)),
        acts,
        r0,
        r1,
        y,
        n,
    )
}

/// [`rows`] on Q4_K / Q6_K records: rows `r0..r1`, `r0` a multiple of 8, `r1` one too or
/// the row count (the last group's padding rows are not written).
///
/// # Safety
/// The CPU supports AVX2, FMA and F16C; `p` holds K-quant records of `acts.k` columns;
/// `acts.tile` is the AVX2 tile; `y` points at `acts.m · p.rows` floats, of which only
/// columns `r0..r1` are written.
#[target_feature(enable = "avx2,fma,f16c")]
pub(crate) unsafe fn rows_packed(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32) {
    debug_assert!(r0.is_multiple_of(ROWS) && r1 <= p.rows && packed_k::covers(p.ty));
    gemm(p.ty, Source::Packed(p), acts, r0, r1, y, p.rows)
}

/// Stores the 8 dot products `v` of rows `row0..row0 + 8` at `out`, only those below `r1`.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn store(out: *mut f32, v: __m256, row0: usize, r1: usize) {
    if row0 + ROWS <= r1 {
        _mm256_storeu_ps(out, v);
    } else {
        let mut tmp = [0f32; ROWS];
        _mm256_storeu_ps(tmp.as_mut_ptr(), v);
        for (i, x) in tmp.iter().enumerate().take(r1 - row0) {
            *out.add(i) = *x;
        }
    }
}

#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn gemm(ty: QType, src: Source, acts: &Acts, r0: usize, r1: usize, y: *mut f32, n: usize) {
    debug_assert!(acts.tile == T);
    let k = acts.k;
    let nb = k / 32;
    let m = acts.m;
    let full = m / T * T;
    let halves = 32 / group_len(ty);
    let c = if halves == 2 {
        acts.c16.as_ptr()
    } else {
        acts.c32.as_ptr()
    };
    PANELS.with(|cell| {
        let mut panels = cell.borrow_mut();
        let per_pass = pass_panels(ty, k);
        if panels.len() < per_pass {
            panels.resize_with(per_pass, Panel::default);
        }
        let mut r = r0;
        while r < r1 {
            let np = (r1 - r).div_ceil(ROWS).min(per_pass);
            for (i, p) in panels[..np].iter_mut().enumerate() {
                match src {
                    Source::Gguf(w, rb) => build(p, ty, w.as_ptr(), rb, r + i * ROWS, k),
                    Source::Packed(w) => build_packed(p, w, (r + i * ROWS) / ROWS, k),
                }
            }
            let mut t0 = 0;
            while t0 < full {
                let qa = acts.qs.as_ptr().add(t0 * k);
                let da = acts.d.as_ptr().add(t0 * nb);
                let ca = c.add(t0 * nb * halves);
                for (i, p) in panels[..np].iter().enumerate() {
                    let f = micro_for::<T>(ty, p, nb, T, qa, da, ca);
                    let row0 = r + i * ROWS;
                    for (t, v) in f.iter().enumerate() {
                        store(y.add((t0 + t) * n + row0), *v, row0, r1);
                    }
                }
                t0 += T;
            }
            while t0 < m {
                let qa = acts.qs.as_ptr().add(t0 * k);
                let da = acts.d.as_ptr().add(t0 * nb);
                let ca = c.add(t0 * nb * halves);
                for (i, p) in panels[..np].iter().enumerate() {
                    let f = micro_for::<1>(ty, p, nb, 1, qa, da, ca);
                    let row0 = r + i * ROWS;
                    store(y.add(t0 * n + row0), f[0], row0, r1);
                }
                t0 += 1;
            }
            r += np * ROWS;
        }
    });
}

/// The 8 unsigned bytes at `p` as f32.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn bytes_f32(p: *const u8) -> __m256 {
    _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(p as *const __m128i)))
}

/// Unpacks group `g` (8 rows) of K-quant records into `p`: the records already hold the
/// panel's transposed layout, in 4 (and 2) bits, and the scales as bytes.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn build_packed(p: &mut Panel, w: &PackedMatrix, g: usize, k: usize) {
    let ty = w.ty;
    let nb = k / 32;
    let nsb = k / 256;
    let ng = k / group_len(ty);
    p.u.resize(nb * 8, Line([0; 32]));
    p.ws.resize(ng, Line([0; 32]));
    p.wc.resize(ng, Line([0; 32]));
    let u = p.u.as_mut_ptr() as *mut __m256i;
    let ws = p.ws.as_mut_ptr() as *mut __m256;
    let wc = p.wc.as_mut_ptr() as *mut __m256;
    let rb = packed_k::record_bytes(ty);
    let base = (w.kq.as_ptr() as *const u8).add(g * nsb * rb);
    for s in 0..nsb {
        let rec = base.add(s * rb);
        for j in 0..8 {
            let b = 8 * s + j;
            let l = packed_avx2::load4(rec.add(128 * j));
            if ty == QType::Q4K {
                for c in 0..8 {
                    _mm256_store_si256(u.add(b * 8 + c), packed_avx2::nibbles(&l, c));
                }
            } else {
                let hq = rec.add(packed_k::q6k::H + 64 * j) as *const __m256i;
                let h = [_mm256_load_si256(hq), _mm256_load_si256(hq.add(1))];
                for c in 0..8 {
                    let v =
                        _mm256_or_si256(packed_avx2::nibbles(&l, c), packed_avx2::top_bits(&h, c));
                    _mm256_store_si256(u.add(b * 8 + c), v);
                }
            }
        }
        // The same f32 products as `group_scale` on the GGUF bytes.
        if ty == QType::Q4K {
            use packed_k::q4k;
            let d = _mm256_cvtph_ps(_mm_load_si128(rec.add(q4k::D) as *const __m128i));
            let dmin = _mm256_cvtph_ps(_mm_load_si128(rec.add(q4k::DMIN) as *const __m128i));
            for j in 0..8 {
                let sc = bytes_f32(rec.add(q4k::SC + 8 * j));
                let mn = bytes_f32(rec.add(q4k::MN + 8 * j));
                _mm256_store_ps(ws.add(8 * s + j) as *mut f32, _mm256_mul_ps(d, sc));
                _mm256_store_ps(wc.add(8 * s + j) as *mut f32, _mm256_mul_ps(dmin, mn));
            }
        } else {
            use packed_k::q6k;
            let d = _mm256_cvtph_ps(_mm_load_si128(rec.add(q6k::D) as *const __m128i));
            for j in 0..8 {
                // Lane r: [scale of group 2j, of group 2j + 1] as i16.
                let v = _mm256_cvtepi8_epi16(_mm_loadu_si128(
                    rec.add(q6k::SC + 16 * j) as *const __m128i
                ));
                let lo = _mm256_srai_epi32(_mm256_slli_epi32(v, 16), 16);
                let hi = _mm256_srai_epi32(v, 16);
                for (h, sc) in [lo, hi].into_iter().enumerate() {
                    let s_ = _mm256_mul_ps(d, _mm256_cvtepi32_ps(sc));
                    let gi = 16 * s + 2 * j + h;
                    _mm256_store_ps(ws.add(gi) as *mut f32, s_);
                    _mm256_store_ps(
                        wc.add(gi) as *mut f32,
                        _mm256_mul_ps(_mm256_set1_ps(32.0), s_),
                    );
                }
            }
        }
    }
}
