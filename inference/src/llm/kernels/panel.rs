//! Prefill GEMM for AVX-512 VNNI: weights unpacked once per call into panels of 16 rows,
//! then a register-blocked micro-kernel of 16 weight rows × 8 activation rows.
//!
//! A panel holds, for each 32-weight block, 8 vectors of 64 bytes: vector `c` carries
//! weights `4c..4c+4` of each of the 16 rows (one row per 32-bit lane). One `vpdpbusd` of
//! such a vector with 4 activation bytes broadcast to every lane is 64 multiply-adds, and
//! each weight vector is reused by the tile's 8 activation rows; per block and activation
//! row the i32 sums are converted to f32 once and scaled with the 16 rows' scale vector.
//! Unpacking (format decode and a 16 × 8 transpose) costs about as much as one tile and is
//! shared by every tile of the call, so this path pays from a couple of tiles up.

use super::formats::{q4k_scale_min, QType};
use super::packed::PackedMatrix;
use super::packed_k::{q4k, q6k, record_bytes, KLine, KROWS};
use super::{packed_avx2 as k256, packed_x86, Acts};
use core::arch::x86_64::*;
use std::cell::RefCell;

/// Weight rows per panel (the lanes of a 512-bit vector of i32).
pub(crate) const ROWS: usize = 16;

/// Activation rows per micro-kernel call; equal to the AVX-512 prefill tile of [`Acts`].
const T: usize = super::x86::avx512::TILE;

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// One panel: unpacked weights (8 lines per 32-weight block) and, per group of 32 weights
/// (Q6_K: 16), the 16 rows' scales `ws` and offsets `wc` (weight = `ws · u − wc`).
#[derive(Default)]
struct Panel {
    u: Vec<Line>,
    ws: Vec<Line>,
    wc: Vec<Line>,
}

thread_local! {
    static PANELS: RefCell<Vec<Panel>> = const { RefCell::new(Vec::new()) };
}

/// L2 bytes for the panels of one pass: every activation tile runs against all of them
/// while they stay in L2, so the activations stream from L3 once per pass, not per panel.
const PASS_BYTES: usize = 1 << 20;

/// Bytes of one unpacked panel of `k` weights per row.
fn panel_bytes(ty: QType, k: usize) -> usize {
    k / 32 * 8 * 64 + 2 * 64 * (k / group_len(ty))
}

/// Panels per pass for rows of `k` weights of `ty`.
pub(crate) fn pass_panels(ty: QType, k: usize) -> usize {
    (PASS_BYTES / panel_bytes(ty, k).max(1)).clamp(1, 8)
}

#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn f16(p: *const u8) -> f32 {
    let bits = (p as *const u16).read_unaligned();
    _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(bits as i32)))
}

/// Nibbles of 16 bytes: low nibbles are weights 0..16, high nibbles 16..32.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn nibbles16(p: *const u8) -> __m256i {
    let q = _mm_loadu_si128(p as *const __m128i);
    let m4 = _mm_set1_epi8(0x0F);
    let lo = _mm_and_si128(q, m4);
    let hi = _mm_and_si128(_mm_srli_epi16(q, 4), m4);
    _mm256_set_m128i(hi, lo)
}

/// The 32 unsigned weights of block `b` (32 weights) of a row starting at `row`.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn block_u(ty: QType, row: *const u8, b: usize) -> __m256i {
    match ty {
        QType::Q4_0 => nibbles16(row.add(b * 18 + 2)),
        QType::Q4_1 => nibbles16(row.add(b * 20 + 4)),
        QType::Q5_0 => {
            let p = row.add(b * 22);
            let qh = (p.add(2) as *const u32).read_unaligned();
            _mm256_or_si256(nibbles16(p.add(6)), _mm256_maskz_set1_epi8(qh, 0x10))
        }
        QType::Q8_0 => _mm256_xor_si256(
            _mm256_loadu_si256(row.add(b * 34 + 2) as *const __m256i),
            _mm256_set1_epi8(-128),
        ),
        QType::Q4K => {
            let (sb, j) = (b / 8, b % 8);
            let q = _mm256_loadu_si256(row.add(sb * 144 + 16 + 32 * (j / 2)) as *const __m256i);
            let q = if j % 2 == 0 {
                q
            } else {
                _mm256_srli_epi16(q, 4)
            };
            _mm256_and_si256(q, _mm256_set1_epi8(0x0F))
        }
        QType::Q6K => {
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
    }
}

/// Scale and offset of group `g` of a row (groups of 32 weights; Q6_K: 16).
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn group_scale(ty: QType, row: *const u8, g: usize) -> (f32, f32) {
    match ty {
        QType::Q4_0 => {
            let d = f16(row.add(g * 18));
            (d, 8.0 * d)
        }
        QType::Q4_1 => {
            let p = row.add(g * 20);
            (f16(p), -f16(p.add(2)))
        }
        QType::Q5_0 => {
            let d = f16(row.add(g * 22));
            (d, 16.0 * d)
        }
        QType::Q8_0 => {
            let d = f16(row.add(g * 34));
            (d, 128.0 * d)
        }
        QType::Q4K => {
            let p = row.add(g / 8 * 144);
            let sc = core::slice::from_raw_parts(p.add(4), 12);
            let (s, m) = q4k_scale_min(sc, g % 8);
            (f16(p) * s as f32, f16(p.add(2)) * m as f32)
        }
        QType::Q6K => {
            // 16 groups of 16 per super-block; group i is scale i of its half's 8.
            let p = row.add(g / 16 * 210);
            let i = g % 16;
            let s = f16(p.add(208)) * *(p.add(192 + i) as *const i8) as f32;
            (s, 32.0 * s)
        }
    }
}

/// 8 vectors of [row i | row i + 8] (8 dwords each) → 8 vectors of dword `c` of rows 0..16.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn transpose(r: [__m512i; 8]) -> [__m512i; 8] {
    let t0 = _mm512_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm512_unpackhi_epi32(r[0], r[1]);
    let t2 = _mm512_unpacklo_epi32(r[2], r[3]);
    let t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    let t4 = _mm512_unpacklo_epi32(r[4], r[5]);
    let t5 = _mm512_unpackhi_epi32(r[4], r[5]);
    let t6 = _mm512_unpacklo_epi32(r[6], r[7]);
    let t7 = _mm512_unpackhi_epi32(r[6], r[7]);
    // s0: [rows 0-3 of dword 0 | of dword 4 | rows 8-11 of dword 0 | of dword 4], ...
    let s0 = _mm512_unpacklo_epi64(t0, t2);
    let s1 = _mm512_unpackhi_epi64(t0, t2);
    let s2 = _mm512_unpacklo_epi64(t1, t3);
    let s3 = _mm512_unpackhi_epi64(t1, t3);
    let s4 = _mm512_unpacklo_epi64(t4, t6);
    let s5 = _mm512_unpackhi_epi64(t4, t6);
    let s6 = _mm512_unpacklo_epi64(t5, t7);
    let s7 = _mm512_unpackhi_epi64(t5, t7);
    let lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13);
    let hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    [
        _mm512_permutex2var_epi64(s0, lo, s4),
        _mm512_permutex2var_epi64(s1, lo, s5),
        _mm512_permutex2var_epi64(s2, lo, s6),
        _mm512_permutex2var_epi64(s3, lo, s7),
        _mm512_permutex2var_epi64(s0, hi, s4),
        _mm512_permutex2var_epi64(s1, hi, s5),
        _mm512_permutex2var_epi64(s2, hi, s6),
        _mm512_permutex2var_epi64(s3, hi, s7),
    ]
}

/// Groups of weights sharing one scale.
fn group_len(ty: QType) -> usize {
    if ty == QType::Q6K {
        16
    } else {
        32
    }
}

/// Unpacks rows `r0..r0 + 16` (row `r` at `w + r · rb`, `k` weights) into `p`.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn build(p: &mut Panel, ty: QType, w: *const u8, rb: usize, r0: usize, k: usize) {
    let nb = k / 32;
    let ng = k / group_len(ty);
    p.u.resize(nb * 8, Line([0; 64]));
    p.ws.resize(ng, Line([0; 64]));
    p.wc.resize(ng, Line([0; 64]));
    let row = |r: usize| w.add((r0 + r) * rb);
    let u = p.u.as_mut_ptr() as *mut __m512i;
    for b in 0..nb {
        let mut r = [_mm512_setzero_si512(); 8];
        for (i, v) in r.iter_mut().enumerate() {
            let lo = block_u(ty, row(i), b);
            let hi = block_u(ty, row(i + 8), b);
            *v = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
        }
        for (c, v) in transpose(r).into_iter().enumerate() {
            _mm512_store_si512(u.add(b * 8 + c), v);
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
/// Q6_K: `c16`). Returns the 16 dot products of each activation row.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn micro<const TT: usize, const HALVES: usize>(
    p: &Panel,
    nb: usize,
    tw: usize,
    qa: *const i8,
    da: *const f32,
    ca: *const f32,
) -> [__m512; TT] {
    let u = p.u.as_ptr() as *const __m512i;
    let ws = p.ws.as_ptr() as *const __m512;
    let wc = p.wc.as_ptr() as *const __m512;
    let mut f = [_mm512_setzero_ps(); TT];
    for b in 0..nb {
        let ub = u.add(b * 8);
        let qb = qa.add(b * tw * 32);
        for h in 0..HALVES {
            let mut acc = [_mm512_setzero_si512(); TT];
            for c in h * 8 / HALVES..(h + 1) * 8 / HALVES {
                let wv = _mm512_load_si512(ub.add(c));
                for (t, a) in acc.iter_mut().enumerate() {
                    let x = (qb.add(t * 32 + 4 * c) as *const i32).read_unaligned();
                    *a = _mm512_dpbusd_epi32(*a, wv, _mm512_set1_epi32(x));
                }
            }
            let g = b * HALVES + h;
            let wsv = _mm512_load_ps(ws.add(g) as *const f32);
            let wcv = _mm512_load_ps(wc.add(g) as *const f32);
            for (t, (a, fv)) in acc.iter().zip(f.iter_mut()).enumerate() {
                let s = _mm512_mul_ps(wsv, _mm512_set1_ps(*da.add(b * tw + t)));
                *fv = _mm512_fmadd_ps(_mm512_cvtepi32_ps(*a), s, *fv);
                let c = *ca.add(HALVES * b * tw + h * tw + t);
                *fv = _mm512_fnmadd_ps(wcv, _mm512_set1_ps(c), *fv);
            }
        }
    }
    f
}

/// Rows `r0..r1` (`r1 − r0` a multiple of 16) of `y[t·n + r] = W[r] · x[t]` for all
/// activation rows, by panels.
///
/// # Safety
/// The CPU supports AVX-512 F/BW/VL/VNNI, AVX2, FMA and F16C; `w` holds `r1` rows of
/// `acts.k` weights of type `ty`; `acts.tile` is the AVX-512 tile; `y` points at
/// `acts.m · n` floats, of which only columns `r0..r1` are written.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
pub(crate) unsafe fn rows(
    ty: QType,
    w: &[u8],
    acts: &Acts,
    r0: usize,
    r1: usize,
    y: *mut f32,
    n: usize,
) {
    let rb = ty.row_bytes(acts.k);
    let k = acts.k;
    // SAFETY: (for the closure) rows r..r + 16 lie inside w, as the caller guarantees.
    gemm(ty, acts, r0, r1, y, n, &|p, r| unsafe {
        build(p, ty, w.as_ptr(), rb, r, k)
    });
}

/// [`rows`] on repacked weights: panels are unpacked from [`PackedMatrix`] records.
///
/// # Safety
/// As [`rows`], with `w` the weights (`n` = `w.rows`), `r0` a multiple of 16 and `r1` one
/// too or (K-quants, whose last panel may be short) `w.rows`.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
pub(crate) unsafe fn rows_packed(w: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32) {
    // SAFETY: (for the closures) the CPU features are this function's; r is a row of w.
    let build: &dyn Fn(&mut Panel, usize) = match w.ty {
        QType::Q4_0 => &|p, r| unsafe { build_packed::<0>(p, w, r / ROWS) },
        QType::Q4_1 => &|p, r| unsafe { build_packed::<1>(p, w, r / ROWS) },
        QType::Q5_0 => &|p, r| unsafe { build_packed::<2>(p, w, r / ROWS) },
        QType::Q8_0 => &|p, r| unsafe { build_packed::<3>(p, w, r / ROWS) },
        // SAFETY: as above; r is a multiple of 16 (the panel height).
        QType::Q4K | QType::Q6K => &|p, r| unsafe { build_packed_k(p, w, r) },
    };
    gemm(w.ty, acts, r0, r1, y, w.rows, build);
}

/// Unpacks rows `r..r + 16` of K-quant records ([`super::packed_k`]: groups of 8 rows, so
/// two groups) into `p`: a panel line is the same dword of both groups, unpacked by the
/// AVX2 kernels' helpers and joined; rows past the matrix (and a second group past its end)
/// are zero.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn build_packed_k(p: &mut Panel, w: &PackedMatrix, r: usize) {
    let ty = w.ty;
    let nb = w.cols / 32;
    let nsb = w.cols / 256;
    p.u.resize(nb * 8, Line([0; 64]));
    p.ws.resize(w.cols / group_len(ty), Line([0; 64]));
    p.wc.resize(w.cols / group_len(ty), Line([0; 64]));
    let rec = record_bytes(ty);
    let base = w.kq.as_ptr() as *const u8;
    let ga = base.add(r / KROWS * nsb * rec);
    // A zero record, read for every super-block, stands in for a second group the
    // matrix does not have.
    let zeros;
    let (gb, gb_step) = if r + KROWS < w.rows {
        (base.add((r / KROWS + 1) * nsb * rec), rec)
    } else {
        zeros = vec![KLine([0; 32]); rec / 32];
        (zeros.as_ptr() as *const u8, 0)
    };
    let u = p.u.as_mut_ptr() as *mut __m512i;
    let ws = p.ws.as_mut_ptr() as *mut f32;
    let wc = p.wc.as_mut_ptr() as *mut f32;
    for s in 0..nsb {
        let (pa, pb) = (ga.add(s * rec), gb.add(s * gb_step));
        for j in 0..8 {
            let b = 8 * s + j;
            let (la, lb) = (k256::load4(pa.add(128 * j)), k256::load4(pb.add(128 * j)));
            if ty == QType::Q4K {
                for c in 0..8 {
                    let v = join(k256::nibbles(&la, c), k256::nibbles(&lb, c));
                    _mm512_store_si512(u.add(b * 8 + c), v);
                }
                let at = |o: usize| bytes_u32(pa.add(o + 8 * j), pb.add(o + 8 * j));
                let sc = _mm512_cvtepi32_ps(at(q4k::SC));
                let mn = _mm512_cvtepi32_ps(at(q4k::MN));
                let d = f16_pair(pa.add(q4k::D), pb.add(q4k::D));
                let dmin = f16_pair(pa.add(q4k::DMIN), pb.add(q4k::DMIN));
                _mm512_store_ps(ws.add(b * ROWS), _mm512_mul_ps(d, sc));
                _mm512_store_ps(wc.add(b * ROWS), _mm512_mul_ps(dmin, mn));
            } else {
                let top = |x: *const u8| k256::load_top(x.add(q6k::H + 64 * j));
                let (ha, hb) = (top(pa), top(pb));
                for c in 0..8 {
                    let v = join(
                        _mm256_or_si256(k256::nibbles(&la, c), k256::top_bits(&ha, c)),
                        _mm256_or_si256(k256::nibbles(&lb, c), k256::top_bits(&hb, c)),
                    );
                    _mm512_store_si512(u.add(b * 8 + c), v);
                }
                // Lane r: row r's two signed scales as i16 (group 0 low).
                let scp = _mm512_cvtepi8_epi16(_mm256_set_m128i(
                    _mm_loadu_si128(pb.add(q6k::SC + 16 * j) as *const __m128i),
                    _mm_loadu_si128(pa.add(q6k::SC + 16 * j) as *const __m128i),
                ));
                let d = f16_pair(pa.add(q6k::D), pb.add(q6k::D));
                let sc = [
                    _mm512_srai_epi32(_mm512_slli_epi32(scp, 16), 16),
                    _mm512_srai_epi32(scp, 16),
                ];
                for (h, sc) in sc.into_iter().enumerate() {
                    let g = 2 * b + h;
                    let s = _mm512_mul_ps(d, _mm512_cvtepi32_ps(sc));
                    _mm512_store_ps(ws.add(g * ROWS), s);
                    _mm512_store_ps(wc.add(g * ROWS), _mm512_mul_ps(_mm512_set1_ps(32.0), s));
                }
            }
        }
    }
}

/// Unpacks group `g` (rows `16g..16g + 16`) of packed weights into `p`.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn build_packed<const Q: u8>(p: &mut Panel, w: &PackedMatrix, g: usize) {
    let nb = w.cols / 32;
    p.u.resize(nb * 8, Line([0; 64]));
    p.ws.resize(nb, Line([0; 64]));
    p.wc.resize(nb, Line([0; 64]));
    let u = p.u.as_mut_ptr() as *mut __m512i;
    let ws = p.ws.as_mut_ptr() as *mut f32;
    let wc = p.wc.as_mut_ptr() as *mut f32;
    for b in 0..nb {
        let rec = g * nb + b;
        for c in 0..8 {
            _mm512_store_si512(u.add(b * 8 + c), packed_x86::unpack::<Q>(w, rec, c));
        }
        let (s, o) = packed_x86::scales::<Q>(w, rec);
        _mm512_store_ps(ws.add(b * ROWS), s);
        _mm512_store_ps(wc.add(b * ROWS), o);
    }
}

/// Two groups' vectors as one: `a` for rows 0..8, `b` for rows 8..16.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn join(a: __m256i, b: __m256i) -> __m512i {
    _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1)
}

/// The 8 bytes at `a` and the 8 at `b` as 16 unsigned 32-bit lanes.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn bytes_u32(a: *const u8, b: *const u8) -> __m512i {
    _mm512_cvtepu8_epi32(_mm_unpacklo_epi64(
        _mm_loadl_epi64(a as *const __m128i),
        _mm_loadl_epi64(b as *const __m128i),
    ))
}

/// The 8 f16 at `a` and the 8 at `b` as 16 f32 lanes.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn f16_pair(a: *const u8, b: *const u8) -> __m512 {
    _mm512_cvtph_ps(_mm256_set_m128i(
        _mm_loadu_si128(b as *const __m128i),
        _mm_loadu_si128(a as *const __m128i),
    ))
}

/// The panel GEMM over rows `r0..r1`, panels made by `build(panel, first row)`.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn gemm(
    ty: QType,
    acts: &Acts,
    r0: usize,
    r1: usize,
    y: *mut f32,
    n: usize,
    build: &dyn Fn(&mut Panel, usize),
) {
    debug_assert!(((r1 - r0).is_multiple_of(ROWS) || r1 == n) && acts.tile == T);
    let k = acts.k;
    let nb = k / 32;
    let m = acts.m;
    let full = m / T * T;
    let c = if ty == QType::Q6K {
        acts.c16.as_ptr()
    } else {
        acts.c32.as_ptr()
    };
    let halves = 32 / group_len(ty);
    PANELS.with(|cell| {
        let mut panels = cell.borrow_mut();
        let per_pass = pass_panels(ty, k);
        if panels.len() < per_pass {
            panels.resize_with(per_pass, Panel::default);
        }
        let mut r = r0;
        while r < r1 {
            let np = (r1 - r).div_ceil(ROWS).min(per_pass);
            // Lanes of the rows of each panel that are stored (a last panel may be short).
            let keep = |i: usize| -> __mmask16 {
                match r1 - (r + i * ROWS) {
                    v if v >= ROWS => 0xFFFF,
                    v => ((1u32 << v) - 1) as u16,
                }
            };
            for (i, p) in panels[..np].iter_mut().enumerate() {
                build(p, r + i * ROWS);
            }
            let mut t0 = 0;
            while t0 < full {
                let qa = acts.qs.as_ptr().add(t0 * k);
                let da = acts.d.as_ptr().add(t0 * nb);
                let ca = c.add(t0 * nb * halves);
                for (i, p) in panels[..np].iter().enumerate() {
                    let f = if halves == 1 {
                        micro::<T, 1>(p, nb, T, qa, da, ca)
                    } else {
                        micro::<T, 2>(p, nb, T, qa, da, ca)
                    };
                    for (t, v) in f.iter().enumerate() {
                        _mm512_mask_storeu_ps(y.add((t0 + t) * n + r + i * ROWS), keep(i), *v);
                    }
                }
                t0 += T;
            }
            while t0 < m {
                let qa = acts.qs.as_ptr().add(t0 * k);
                let da = acts.d.as_ptr().add(t0 * nb);
                let ca = c.add(t0 * nb * halves);
                for (i, p) in panels[..np].iter().enumerate() {
                    let f = if halves == 1 {
                        micro::<1, 1>(p, nb, 1, qa, da, ca)
                    } else {
                        micro::<1, 2>(p, nb, 1, qa, da, ca)
                    };
                    _mm512_mask_storeu_ps(y.add(t0 * n + r + i * ROWS), keep(i), f[0]);
                }
                t0 += 1;
            }
            r = (r + np * ROWS).min(r1);
        }
    });
}
