//! AVX-512 VNNI kernel on [`PackedMatrix`] weights: 16 rows × `TT` activation rows per
//! call (8 for prefill tiles, 1 for decode), weights unpacked in registers.

use super::formats::QType;
use super::packed::{PackedMatrix, ROWS};
use super::Acts;
use core::arch::x86_64::*;

/// Activation rows per prefill tile; equal to the AVX-512 tile of [`Acts`].
const T: usize = super::x86::avx512::TILE;

/// Unsigned weights `4c..4c+4` of the 16 rows of block record `rec` (one row per lane).
/// `Q`: 0 Q4_0, 1 Q4_1, 2 Q5_0, 3 Q8_0.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
pub(crate) unsafe fn unpack<const Q: u8>(p: &PackedMatrix, rec: usize, c: usize) -> __m512i {
    let q = p.q.as_ptr() as *const __m512i;
    if Q == 3 {
        return _mm512_xor_si512(
            _mm512_load_si512(q.add(rec * 8 + c)),
            _mm512_set1_epi8(-128),
        );
    }
    let l = _mm512_load_si512(q.add(rec * 4 + c % 4));
    let l = if c < 4 { l } else { _mm512_srli_epi16(l, 4) };
    let u = _mm512_and_si512(l, _mm512_set1_epi8(0x0F));
    if Q == 2 {
        // Bit 4 is clear, so adding 0x10 under the mask sets it.
        _mm512_mask_add_epi8(
            u,
            *p.hb.as_ptr().add(rec * 8 + c),
            u,
            _mm512_set1_epi8(0x10),
        )
    } else {
        u
    }
}

/// Scales and offsets of the 16 rows of block record `rec` (weight = `ws · u − wc`).
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
pub(crate) unsafe fn scales<const Q: u8>(p: &PackedMatrix, rec: usize) -> (__m512, __m512) {
    let dv = _mm512_cvtph_ps(_mm256_loadu_si256(
        p.d.as_ptr().add(rec * ROWS) as *const __m256i
    ));
    let wc = match Q {
        0 => _mm512_mul_ps(dv, _mm512_set1_ps(8.0)),
        1 => _mm512_sub_ps(
            _mm512_setzero_ps(),
            _mm512_cvtph_ps(_mm256_loadu_si256(
                p.mn.as_ptr().add(rec * ROWS) as *const __m256i
            )),
        ),
        2 => _mm512_mul_ps(dv, _mm512_set1_ps(16.0)),
        _ => _mm512_mul_ps(dv, _mm512_set1_ps(128.0)),
    };
    (dv, wc)
}

/// One group of 16 rows against `TT` activation rows stored with tile width `tw`
/// ([`Acts`]); `qa`, `da`, `ca` point at the first row's values, scales and block sums.
/// `Q`: 0 Q4_0, 1 Q4_1, 2 Q5_0, 3 Q8_0.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
#[inline]
unsafe fn group<const TT: usize, const Q: u8>(
    p: &PackedMatrix,
    g: usize,
    tw: usize,
    qa: *const i8,
    da: *const f32,
    ca: *const f32,
) -> [__m512; TT] {
    let nb = p.cols / 32;
    let mut f = [_mm512_setzero_ps(); TT];
    for b in 0..nb {
        let rec = g * nb + b;
        let qb = qa.add(b * tw * 32);
        let mut acc = [_mm512_setzero_si512(); TT];
        // Weights 4c..4c+4 of the 16 rows (`u`) against those of each activation row.
        macro_rules! dot {
            ($u:expr, $c:expr) => {{
                let (u, c) = ($u, $c);
                for (t, a) in acc.iter_mut().enumerate() {
                    let x = (qb.add(t * 32 + 4 * c) as *const i32).read_unaligned();
                    *a = _mm512_dpbusd_epi32(*a, u, _mm512_set1_epi32(x));
                }
            }};
        }
        for c in 0..8 {
            dot!(unpack::<Q>(p, rec, c), c);
        }
        let (dv, wc) = scales::<Q>(p, rec);
        for (t, (a, fv)) in acc.iter().zip(f.iter_mut()).enumerate() {
            let s = _mm512_mul_ps(dv, _mm512_set1_ps(*da.add(b * tw + t)));
            *fv = _mm512_fmadd_ps(_mm512_cvtepi32_ps(*a), s, *fv);
            *fv = _mm512_fnmadd_ps(wc, _mm512_set1_ps(*ca.add(b * tw + t)), *fv);
        }
    }
    f
}

#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn rows_q<const Q: u8>(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32) {
    let k = acts.k;
    let nb = k / 32;
    let n = p.rows;
    let m = acts.m;
    let full = m / T * T;
    for g in r0 / ROWS..r1 / ROWS {
        let col = g * ROWS;
        let mut t0 = 0;
        while t0 < full {
            let qa = acts.qs.as_ptr().add(t0 * k);
            let da = acts.d.as_ptr().add(t0 * nb);
            let ca = acts.c32.as_ptr().add(t0 * nb);
            let f = group::<T, Q>(p, g, T, qa, da, ca);
            for (t, v) in f.iter().enumerate() {
                _mm512_storeu_ps(y.add((t0 + t) * n + col), *v);
            }
            t0 += T;
        }
        while t0 < m {
            let qa = acts.qs.as_ptr().add(t0 * k);
            let da = acts.d.as_ptr().add(t0 * nb);
            let ca = acts.c32.as_ptr().add(t0 * nb);
            let f = group::<1, Q>(p, g, 1, qa, da, ca);
            _mm512_storeu_ps(y.add(t0 * n + col), f[0]);
            t0 += 1;
        }
    }
}

/// `y[t·n + r] = W[r] · x[t]` for rows `r0..r1` (multiples of 16) and every activation row.
///
/// # Safety
/// The CPU supports AVX-512 F/BW/VL/VNNI, AVX2, FMA and F16C; `acts` has `p.cols` columns
/// and the AVX-512 tile; `y` points at `acts.m · p.rows` floats, of which only columns
/// `r0..r1` are written.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")]
pub(crate) unsafe fn rows(p: &PackedMatrix, acts: &Acts, r0: usize, r1: usize, y: *mut f32) {
    debug_assert!(acts.tile == T && acts.k == p.cols);
    match p.ty {
        QType::Q4_0 => rows_q::<0>(p, acts, r0, r1, y),
        QType::Q4_1 => rows_q::<1>(p, acts, r0, r1, y),
        QType::Q5_0 => rows_q::<2>(p, acts, r0, r1, y),
        QType::Q8_0 => rows_q::<3>(p, acts, r0, r1, y),
        // Never packed (PackedMatrix::pack refuses them).
        QType::Q4K | QType::Q6K => {}
    }
}
