//! Decode (mat-vec) kernels for AVX2 on the K-quant formats (Q4_K, Q6_K): one weight row
//! against one activation row, a super-block (256 weights) at a time.
//!
//! The per-row kernel of [`super::x86`] converts, scales and accumulates every 32-weight
//! group on its own, with the group's K-quant scale decoded in scalar code: about twice
//! the instructions of the integer dot products, so decode stayed well under the memory
//! bandwidth. Here the integer sums of a super-block's groups (8 vectors of 8 × i32) are
//! reduced together with `vphaddd` into one vector of per-group sums (Q6_K: two vectors of
//! half-group sums), then converted and scaled once for all of them with the group scales
//! decoded as vectors and the activation block scales loaded as a vector.

use super::formats::QType;
use super::panel_avx2::f16;
use super::Acts;
use core::arch::x86_64::*;

/// Bytes ahead of the current super-block to prefetch.
const PREFETCH: usize = 768;

/// Whether these kernels cover `ty`.
pub(crate) fn covers(ty: QType) -> bool {
    matches!(ty, QType::Q4K | QType::Q6K)
}

#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// `u · a` of 32 unsigned weights and 32 activations, as 8 × i32 partial sums (lanes
/// `0..4`: weights `0..16`, lanes `4..8`: weights `16..32`).
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn dot32(u: __m256i, a: *const i8) -> __m256i {
    let a = _mm256_loadu_si256(a as *const __m256i);
    _mm256_madd_epi16(_mm256_maddubs_epi16(u, a), _mm256_set1_epi16(1))
}

/// Q4_K's 8 scales (bytes 0..8) and 8 minimums (bytes 8..16) of a super-block, from its
/// 12 packed bytes (as ggml's `get_scale_min_k4`, for all 8 sub-blocks at once).
#[inline]
fn q4k_scales_mins(sc: &[u8; 12]) -> [u32; 4] {
    const KMASK1: u32 = 0x3f3f_3f3f;
    const KMASK2: u32 = 0x0f0f_0f0f;
    const KMASK3: u32 = 0x0303_0303;
    let w = |i: usize| u32::from_le_bytes([sc[4 * i], sc[4 * i + 1], sc[4 * i + 2], sc[4 * i + 3]]);
    let (w0, w1, w2) = (w(0), w(1), w(2));
    [
        w0 & KMASK1,
        (w2 & KMASK2) | (((w0 >> 6) & KMASK3) << 4),
        w1 & KMASK1,
        ((w2 >> 4) & KMASK2) | (((w1 >> 6) & KMASK3) << 4),
    ]
}

/// One Q4_K row (`nsb` super-blocks) against one activation row: its quantized values
/// `qa`, block scales `da` and block sums `c32`.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dot_q4k(
    row: *const u8,
    nsb: usize,
    qa: *const i8,
    da: *const f32,
    c32: *const f32,
) -> f32 {
    let m4 = _mm256_set1_epi8(0x0F);
    let mut acc = _mm256_setzero_ps();
    let mut offs = _mm256_setzero_ps();
    for sb in 0..nsb {
        let p = row.add(sb * 144);
        _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH) as *const i8);
        _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 64) as *const i8);
        _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 128) as *const i8);
        let sm = q4k_scales_mins(&*(p.add(4) as *const [u8; 12]));
        let sm = _mm_loadu_si128(sm.as_ptr() as *const __m128i);
        let qs = p.add(16);
        let a = qa.add(sb * 256);
        let mut s = [_mm256_setzero_si256(); 8];
        for jj in 0..4 {
            let q = _mm256_loadu_si256(qs.add(32 * jj) as *const __m256i);
            s[2 * jj] = dot32(_mm256_and_si256(q, m4), a.add(64 * jj));
            s[2 * jj + 1] = dot32(
                _mm256_and_si256(_mm256_srli_epi16(q, 4), m4),
                a.add(64 * jj + 32),
            );
        }
        // Lane j of `sums`: the integer dot product of group j.
        let h01 = _mm256_hadd_epi32(s[0], s[1]);
        let h23 = _mm256_hadd_epi32(s[2], s[3]);
        let h45 = _mm256_hadd_epi32(s[4], s[5]);
        let h67 = _mm256_hadd_epi32(s[6], s[7]);
        let h03 = _mm256_hadd_epi32(h01, h23);
        let h47 = _mm256_hadd_epi32(h45, h67);
        let sums = _mm256_add_epi32(
            _mm256_permute2x128_si256(h03, h47, 0x20),
            _mm256_permute2x128_si256(h03, h47, 0x31),
        );
        let scales = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(sm));
        let mins = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(sm, 8)));
        let dav = _mm256_loadu_ps(da.add(sb * 8));
        let f = _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_mul_ps(scales, dav));
        acc = _mm256_fmadd_ps(f, _mm256_set1_ps(f16(p)), acc);
        let o = _mm256_mul_ps(mins, _mm256_loadu_ps(c32.add(sb * 8)));
        offs = _mm256_fmadd_ps(o, _mm256_set1_ps(f16(p.add(2))), offs);
    }
    hsum(_mm256_sub_ps(acc, offs))
}

/// One Q6_K row (`nsb` super-blocks) against one activation row: its quantized values
/// `qa`, block scales `da` and half-block sums `c16`.
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn dot_q6k(
    row: *const u8,
    nsb: usize,
    qa: *const i8,
    da: *const f32,
    c16: *const f32,
) -> f32 {
    let m4 = _mm256_set1_epi8(0x0F);
    let m30 = _mm256_set1_epi8(0x30);
    // The scales of the first halves of blocks 0..4 (groups 0, 2, 4, 6), then of their
    // second halves; the same for blocks 4..8 from byte 8.
    let pick = _mm_setr_epi8(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
    let mut acc = _mm256_setzero_ps();
    let mut offs = _mm256_setzero_ps();
    for sb in 0..nsb {
        let p = row.add(sb * 210);
        for l in 0..4 {
            _mm_prefetch::<_MM_HINT_T0>(p.add(PREFETCH + 64 * l) as *const i8);
        }
        let a = qa.add(sb * 256);
        let mut s = [_mm256_setzero_si256(); 8];
        for n in 0..2 {
            let ql = p.add(64 * n);
            let qla = _mm256_loadu_si256(ql as *const __m256i);
            let qlb = _mm256_loadu_si256(ql.add(32) as *const __m256i);
            let qh = _mm256_loadu_si256(p.add(128 + 32 * n) as *const __m256i);
            let us = [
                _mm256_or_si256(
                    _mm256_and_si256(qla, m4),
                    _mm256_and_si256(_mm256_slli_epi16(qh, 4), m30),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(qlb, m4),
                    _mm256_and_si256(_mm256_slli_epi16(qh, 2), m30),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(qla, 4), m4),
                    _mm256_and_si256(qh, m30),
                ),
                _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(qlb, 4), m4),
                    _mm256_and_si256(_mm256_srli_epi16(qh, 2), m30),
                ),
            ];
            for (g, u) in us.into_iter().enumerate() {
                let b = 4 * n + g;
                s[b] = dot32(u, a.add(32 * b));
            }
        }
        // h03: [first halves of blocks 0..4 | second halves of blocks 0..4]; h47 likewise.
        let h03 = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
        let h47 = _mm256_hadd_epi32(_mm256_hadd_epi32(s[4], s[5]), _mm256_hadd_epi32(s[6], s[7]));
        let sc = _mm_loadu_si128(p.add(192) as *const __m128i);
        let picked = _mm_shuffle_epi8(sc, pick);
        let sc03 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(picked));
        let sc47 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(picked, 8)));
        let da03 = _mm256_broadcast_ps(&*(da.add(sb * 8) as *const __m128));
        let da47 = _mm256_broadcast_ps(&*(da.add(sb * 8 + 4) as *const __m128));
        let f = _mm256_fmadd_ps(
            _mm256_mul_ps(_mm256_cvtepi32_ps(h03), sc03),
            da03,
            _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(h47), sc47), da47),
        );
        let d = f16(p.add(208));
        acc = _mm256_fmadd_ps(f, _mm256_set1_ps(d), acc);
        // Offsets: 32 · scale of each group of 16 times its activation sum.
        let sc0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(sc));
        let sc1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(sc, 8)));
        let c = c16.add(sb * 16);
        let o = _mm256_fmadd_ps(
            sc0,
            _mm256_loadu_ps(c),
            _mm256_mul_ps(sc1, _mm256_loadu_ps(c.add(8))),
        );
        offs = _mm256_fmadd_ps(o, _mm256_set1_ps(32.0 * d), offs);
    }
    hsum(_mm256_sub_ps(acc, offs))
}

/// `y[t·n + r] = W[r] · x[t]` for rows `r0..r1` and all `acts.m` activation rows, which
/// must be stored one by one (`acts.m` below the tile, or a tile of 1).
///
/// # Safety
/// The CPU supports AVX2, FMA and F16C; `ty` is covered ([`covers`]); `w` holds `r1` rows
/// of `acts.k` weights of type `ty`; `y` points at `acts.m · n` floats, of which only
/// columns `r0..r1` are written.
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
    debug_assert!(covers(ty) && (acts.m < acts.tile || acts.tile == 1));
    let k = acts.k;
    let nb = k / 32;
    let nsb = k / 256;
    let rb = ty.row_bytes(k);
    for r in r0..r1 {
        let row = w.as_ptr().add(r * rb);
        for t in 0..acts.m {
            let qa = acts.qs.as_ptr().add(t * k);
            let da = acts.d.as_ptr().add(t * nb);
            *y.add(t * n + r) = if ty == QType::Q4K {
                dot_q4k(row, nsb, qa, da, acts.c32.as_ptr().add(t * nb))
            } else {
                dot_q6k(row, nsb, qa, da, acts.c16.as_ptr().add(2 * t * nb))
            };
        }
    }
}
