//! AVX-512 activation quantization: one block of 32 values to 8 bits, exactly as the
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
