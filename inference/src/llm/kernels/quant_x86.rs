//! AVX-512 and AVX2 activation quantization: one block of 32 values to 8 bits, exactly as the
//! portable code in [`super::Acts::quantize`] does it (same f32 operations, same rounding),
//! so every kernel path sees the same integers.

use core::arch::x86_64::*;

/// Quantizes the 32 floats at `x` into `q`; returns the f16-rounded scale and the sums of
/// the two halves' quantized values.
///
/// # Safety
/// The CPU supports AVX-512 F/BW/VL and F16C; `x` points at 32 floats and `q` at 32 bytes.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl")]
#[inline]
pub(crate) unsafe fn block(x: *const f32, q: *mut i8) -> (f32, i32, i32) {
    let a = _mm512_loadu_ps(x);
    let b = _mm512_loadu_ps(x.add(16));
    let amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(a), _mm512_abs_ps(b)));
    let d = amax / 127.0;
    let id = if d > 0.0 { 1.0 / d } else { 0.0 };
    let d16 = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(
        _mm_set_ss(d),
    )));
    let idv = _mm512_set1_ps(id);
    let sign = _mm512_set1_ps(-0.0);
    let half = _mm512_set1_ps(0.5);
    // Round half away from zero: v · id + copysign(0.5, v), then truncate.
    let qa = _mm512_cvttps_epi32(_mm512_add_ps(
        _mm512_mul_ps(a, idv),
        _mm512_or_ps(_mm512_and_ps(a, sign), half),
    ));
    let qb = _mm512_cvttps_epi32(_mm512_add_ps(
        _mm512_mul_ps(b, idv),
        _mm512_or_ps(_mm512_and_ps(b, sign), half),
    ));
    _mm_storeu_si128(q as *mut __m128i, _mm512_cvtepi32_epi8(qa));
    _mm_storeu_si128(q.add(16) as *mut __m128i, _mm512_cvtepi32_epi8(qb));
    (
        d16,
        _mm512_reduce_add_epi32(qa),
        _mm512_reduce_add_epi32(qb),
    )
}

/// [`block`] with AVX2: the same f32 operations and rounding, 8 lanes at a time.
///
/// # Safety
/// The CPU supports AVX2 and F16C; `x` points at 32 floats and `q` at 32 bytes.
#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
pub(crate) unsafe fn block_avx2(x: *const f32, q: *mut i8) -> (f32, i32, i32) {
    let v = [
        _mm256_loadu_ps(x),
        _mm256_loadu_ps(x.add(8)),
        _mm256_loadu_ps(x.add(16)),
        _mm256_loadu_ps(x.add(24)),
    ];
    let sign = _mm256_set1_ps(-0.0);
    let m = _mm256_max_ps(
        _mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
        _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])),
    );
    let m = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    let m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    let amax = _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
    let d = amax / 127.0;
    let id = if d > 0.0 { 1.0 / d } else { 0.0 };
    let d16 = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph::<_MM_FROUND_TO_NEAREST_INT>(
        _mm_set_ss(d),
    )));
    let idv = _mm256_set1_ps(id);
    let half = _mm256_set1_ps(0.5);
    // Round half away from zero: v · id + copysign(0.5, v), then truncate (no FMA: the
    // portable code rounds the product first).
    let mut qi = [_mm256_setzero_si256(); 4];
    for (o, a) in qi.iter_mut().zip(v) {
        *o = _mm256_cvttps_epi32(_mm256_add_ps(
            _mm256_mul_ps(a, idv),
            _mm256_or_ps(_mm256_and_ps(a, sign), half),
        ));
    }
    // Packing works per 128-bit half: dword j of the result holds 4 values of vector
    // j % 4, from its low half for j < 4; put them back in order.
    let p = _mm256_packs_epi16(
        _mm256_packs_epi32(qi[0], qi[1]),
        _mm256_packs_epi32(qi[2], qi[3]),
    );
    let p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(q as *mut __m256i, p);
    (
        d16,
        hsum_epi32(_mm256_add_epi32(qi[0], qi[1])),
        hsum_epi32(_mm256_add_epi32(qi[2], qi[3])),
    )
}

#[target_feature(enable = "avx2,fma,f16c")]
#[inline]
unsafe fn hsum_epi32(v: __m256i) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b01_00_11_10));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0b10_11_00_01));
    _mm_cvtsi128_si32(s)
}
