//! The element-wise and f32 matrix operations of Whisper's forward pass, on slices.

/// `y = a · bᵀ · scale`: `a` is `m × k` with row stride `a_rs`, `b` is `n × k` with row
/// stride `b_rs`, `y` is `m × n` with row stride `y_rs` (all unit column strides).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_t(
    a: &[f32],
    a_rs: usize,
    b: &[f32],
    b_rs: usize,
    y: &mut [f32],
    y_rs: usize,
    (m, n, k): (usize, usize, usize),
    scale: f32,
) {
    assert!(n == 0 || b.len() >= (n - 1) * b_rs + k);
    gemm_strided(a, a_rs, b, (b_rs, 1), y, y_rs, (m, n, k), scale);
}

/// `y = a · b`: `a` is `m × k` (row stride `a_rs`), `b` is `k × n` (row stride `b_rs`),
/// `y` is `m × n` (row stride `y_rs`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(
    a: &[f32],
    a_rs: usize,
    b: &[f32],
    b_rs: usize,
    y: &mut [f32],
    y_rs: usize,
    (m, n, k): (usize, usize, usize),
) {
    assert!(k == 0 || b.len() >= (k - 1) * b_rs + n);
    gemm_strided(a, a_rs, b, (1, b_rs), y, y_rs, (m, n, k), 1.0);
}

/// `y = a · B · scale` with `B[i][j]` at `b[i · b_strides.1 + j · b_strides.0]`; the
/// caller checks `b`'s extent.
#[allow(clippy::too_many_arguments)]
fn gemm_strided(
    a: &[f32],
    a_rs: usize,
    b: &[f32],
    (b_cs, b_rs): (usize, usize),
    y: &mut [f32],
    y_rs: usize,
    (m, n, k): (usize, usize, usize),
    scale: f32,
) {
    assert!(m == 0 || a.len() >= (m - 1) * a_rs + k);
    assert!(m == 0 || y.len() >= (m - 1) * y_rs + n);
    // SAFETY: the asserts here and in the callers keep every element gemm reads or
    // writes inside the slices.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            y.as_mut_ptr(),
            1,
            y_rs as isize,
            false,
            a.as_ptr(),
            1,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            0.0,
            scale,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Layer normalisation of each row of `x` (width `w.len()`), into `out`.
pub(crate) fn layer_norm(x: &[f32], w: &[f32], b: &[f32], out: &mut [f32]) {
    let d = w.len();
    for (row, o) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let mean = row.iter().sum::<f32>() / d as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / d as f32;
        let inv = 1.0 / (var + 1e-5).sqrt();
        for i in 0..d {
            o[i] = (row[i] - mean) * inv * w[i] + b[i];
        }
    }
}

/// GELU (the tanh form) in place: `x · σ(2·√(2/π)·(x + 0.044715·x³))`.
pub(crate) fn gelu(x: &mut [f32]) {
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if crate::llm::kernels::Isa::detect() >= crate::llm::kernels::Isa::Avx2 {
        // SAFETY: AVX2 and FMA are present.
        done = unsafe { x86::gelu(x) };
    }
    for v in &mut x[done..] {
        let z = GELU_C * (*v + 0.044_715 * *v * *v * *v);
        *v /= 1.0 + (-2.0 * z).exp();
    }
}

const GELU_C: f32 = 0.797_884_6;

/// Softmax of each row of `x` (`cols` wide) in place.
pub(crate) fn softmax_rows(x: &mut [f32], cols: usize) {
    for row in x.chunks_exact_mut(cols) {
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if crate::llm::kernels::Isa::detect() >= crate::llm::kernels::Isa::Avx2 {
            // SAFETY: AVX2 and FMA are present.
            unsafe { x86::softmax(row) };
            done = cols;
        }
        if done == 0 {
            let max = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
            let mut sum = 0.0;
            for v in row.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            let inv = 1.0 / sum;
            row.iter_mut().for_each(|v| *v *= inv);
        }
    }
}

pub(crate) use crate::llm::model::ops::{add, add_bias};

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use crate::llm::model::attention::x86::exp;

    /// GELU on whole vectors of 8; returns how many values it did.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn gelu(x: &mut [f32]) -> usize {
        let n = x.len() / 8 * 8;
        let p = x.as_mut_ptr();
        let c = _mm256_set1_ps(-2.0 * super::GELU_C);
        let c3 = _mm256_set1_ps(0.044_715);
        let one = _mm256_set1_ps(1.0);
        for i in (0..n).step_by(8) {
            // SAFETY: i + 8 ≤ n ≤ x.len().
            unsafe {
                let v = _mm256_loadu_ps(p.add(i));
                let v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
                let z = _mm256_mul_ps(c, _mm256_fmadd_ps(c3, v3, v));
                let e = exp(z);
                _mm256_storeu_ps(p.add(i), _mm256_div_ps(v, _mm256_add_ps(one, e)));
            }
        }
        n
    }

    /// Softmax of one row in place.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn softmax(row: &mut [f32]) {
        let n = row.len();
        let n8 = n / 8 * 8;
        let p = row.as_mut_ptr();
        let mut vmax = _mm256_set1_ps(f32::NEG_INFINITY);
        for i in (0..n8).step_by(8) {
            // SAFETY: i + 8 ≤ n8 ≤ n.
            vmax = _mm256_max_ps(vmax, unsafe { _mm256_loadu_ps(p.add(i)) });
        }
        let mut lanes = [0f32; 8];
        // SAFETY: lanes holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), vmax) };
        let mut max = lanes.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
        for v in &row[n8..] {
            max = max.max(*v);
        }
        let m = _mm256_set1_ps(max);
        let mut vsum = _mm256_setzero_ps();
        for i in (0..n8).step_by(8) {
            // SAFETY: as above.
            unsafe {
                let e = exp(_mm256_sub_ps(_mm256_loadu_ps(p.add(i)), m));
                _mm256_storeu_ps(p.add(i), e);
                vsum = _mm256_add_ps(vsum, e);
            }
        }
        // SAFETY: lanes holds 8 floats.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), vsum) };
        let mut sum: f32 = lanes.iter().sum();
        for v in &mut row[n8..] {
            *v = (*v - max).exp();
            sum += *v;
        }
        let inv = _mm256_set1_ps(1.0 / sum);
        for i in (0..n8).step_by(8) {
            // SAFETY: as above.
            unsafe { _mm256_storeu_ps(p.add(i), _mm256_mul_ps(_mm256_loadu_ps(p.add(i)), inv)) };
        }
        let inv = 1.0 / sum;
        for v in &mut row[n8..] {
            *v *= inv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelu_and_softmax_match_their_definitions() {
        let xs: Vec<f32> = (0..37).map(|i| (i as f32 - 18.0) * 0.37).collect();
        let mut g = xs.clone();
        gelu(&mut g);
        for (x, y) in xs.iter().zip(&g) {
            let z = GELU_C * (x + 0.044_715 * x * x * x);
            let want = 0.5 * x * (1.0 + z.tanh());
            assert!((y - want).abs() < 1e-5, "{x}: {y} vs {want}");
        }
        let mut s = xs.clone();
        softmax_rows(&mut s, 37);
        let max = xs.iter().fold(f32::MIN, |a, &b| a.max(b));
        let total: f32 = xs.iter().map(|x| (x - max).exp()).sum();
        for (x, y) in xs.iter().zip(&s) {
            assert!((y - (x - max).exp() / total).abs() < 1e-6);
        }
    }

    #[test]
    fn matrix_products_follow_their_strides() {
        // a: 2×3 in rows of 4; b: 3 rows of 3 (as bᵀ) in rows of 5.
        let a = [1.0, 2.0, 3.0, 9.0, 4.0, 5.0, 6.0, 9.0];
        let b = [
            1.0, 0.0, 1.0, 9.0, 9.0, 0.0, 1.0, 0.0, 9.0, 9.0, 2.0, 2.0, 2.0,
        ];
        let mut y = [0f32; 6];
        matmul_t(&a, 4, &b, 5, &mut y, 3, (2, 3, 3), 0.5);
        assert_eq!(y, [2.0, 1.0, 6.0, 5.0, 2.5, 15.0]);
        let bm = [1.0, 2.0, 0.0, 1.0, 1.0, 1.0];
        let mut z = [0f32; 4];
        matmul(&a, 4, &bm, 2, &mut z, 2, (2, 2, 3));
        assert_eq!(z, [4.0, 7.0, 10.0, 19.0]);
    }
}
