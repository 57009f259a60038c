//! The decoder's element-wise steps on plain f32 rows, in place where they can be:
//! RMS norm, rotary embeddings, SwiGLU, residual adds, and the f16 conversion of the
//! KV cache.

use half::f16;
use half::slice::HalfFloatSliceExt;

use super::decoder::RopeStyle;

/// `out = x / rms(x) · w` for each row of `x` (rows of `w.len()`).
pub(crate) fn rms_norm(x: &[f32], w: &[f32], eps: f32, out: &mut [f32]) {
    let d = w.len();
    for (xr, or) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
        let scale = inv_rms(xr, eps);
        for ((o, v), g) in or.iter_mut().zip(xr).zip(w) {
            *o = v * scale * g;
        }
    }
}

/// [`rms_norm`] in place (Qwen3's per-head Q/K norms).
pub(crate) fn rms_norm_in_place(x: &mut [f32], w: &[f32], eps: f32) {
    let d = w.len();
    for xr in x.chunks_exact_mut(d) {
        let scale = inv_rms(xr, eps);
        for (v, g) in xr.iter_mut().zip(w) {
            *v *= scale * g;
        }
    }
}

fn inv_rms(x: &[f32], eps: f32) -> f32 {
    // Eight partial sums: the compiler keeps them in one vector register.
    let mut acc = [0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|v| v * v).sum();
    for c in chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a += v * v;
        }
    }
    let sum: f32 = acc.iter().sum::<f32>() + tail;
    1.0 / (sum / x.len() as f32 + eps).sqrt()
}

/// Rotates every head (`head_dim` values, `cos`/`sin` of `head_dim / 2`) of each row of
/// `x` in place; row `i` is at position `first + i` of the tables (`half` per position).
pub(crate) fn rope(
    x: &mut [f32],
    row_len: usize,
    head_dim: usize,
    cos: &[f32],
    sin: &[f32],
    first: usize,
    style: RopeStyle,
) {
    let half = head_dim / 2;
    for (i, row) in x.chunks_exact_mut(row_len).enumerate() {
        let p = (first + i) * half;
        let (c, s) = (&cos[p..p + half], &sin[p..p + half]);
        for head in row.chunks_exact_mut(head_dim) {
            match style {
                RopeStyle::Neox => {
                    let (a, b) = head.split_at_mut(half);
                    for j in 0..half {
                        let (x0, x1) = (a[j], b[j]);
                        a[j] = x0 * c[j] - x1 * s[j];
                        b[j] = x0 * s[j] + x1 * c[j];
                    }
                }
                RopeStyle::Interleaved => {
                    for (j, pair) in head.chunks_exact_mut(2).enumerate() {
                        let (x0, x1) = (pair[0], pair[1]);
                        pair[0] = x0 * c[j] - x1 * s[j];
                        pair[1] = x0 * s[j] + x1 * c[j];
                    }
                }
            }
        }
    }
}

/// The rotary tables: `positions × head_dim / 2` cosines and sines.
pub(crate) fn rope_tables(head_dim: usize, base: f32, positions: usize) -> (Vec<f32>, Vec<f32>) {
    let inv: Vec<f32> = (0..head_dim)
        .step_by(2)
        .map(|i| 1.0 / base.powf(i as f32 / head_dim as f32))
        .collect();
    let mut cos = Vec::with_capacity(positions * inv.len());
    let mut sin = Vec::with_capacity(positions * inv.len());
    for p in 0..positions {
        for f in &inv {
            let a = p as f32 * f;
            cos.push(a.cos());
            sin.push(a.sin());
        }
    }
    (cos, sin)
}

/// `gate = silu(gate) · up`, the SwiGLU activation.
pub(crate) fn silu_mul(gate: &mut [f32], up: &[f32]) {
    let n = gate.len().min(up.len());
    let mut done = 0;
    #[cfg(target_arch = "x86_64")]
    if crate::llm::kernels::Isa::detect() >= crate::llm::kernels::Isa::Avx2 {
        // SAFETY: AVX2 and FMA are present; the slices hold n floats.
        done = unsafe { silu_mul_avx2(&mut gate[..n], &up[..n]) };
    }
    for (g, u) in gate[done..n].iter_mut().zip(&up[done..n]) {
        *g = *g / (1.0 + (-*g).exp()) * u;
    }
}

/// [`silu_mul`] on whole vectors of 8; returns how many values it did.
///
/// # Safety
/// The CPU has AVX2 and FMA; `up` is at least as long as `gate`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn silu_mul_avx2(gate: &mut [f32], up: &[f32]) -> usize {
    use std::arch::x86_64::*;
    let n = gate.len() / 8 * 8;
    let (gp, up) = (gate.as_mut_ptr(), up.as_ptr());
    let one = _mm256_set1_ps(1.0);
    for i in (0..n).step_by(8) {
        // SAFETY: i + 8 ≤ n ≤ both lengths.
        unsafe {
            let g = _mm256_loadu_ps(gp.add(i));
            let e = super::attention::x86::exp(_mm256_sub_ps(_mm256_setzero_ps(), g));
            let s = _mm256_div_ps(g, _mm256_add_ps(one, e));
            _mm256_storeu_ps(gp.add(i), _mm256_mul_ps(s, _mm256_loadu_ps(up.add(i))));
        }
    }
    n
}

/// `x += y`.
pub(crate) fn add(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// Adds `bias` to each row of `x`.
pub(crate) fn add_bias(x: &mut [f32], bias: &[f32]) {
    for row in x.chunks_exact_mut(bias.len()) {
        add(row, bias);
    }
}

pub(crate) fn to_f16(src: &[f32], dst: &mut [f16]) {
    dst.convert_from_f32_slice(src);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rms_norm_matches_the_formula() {
        let x = [1.0f32, -2.0, 3.0, 0.5, 4.0, 0.0, -1.0, 2.0, 1.5];
        let w = [0.5f32, 1.0, 2.0];
        let mut out = [0f32; 9];
        rms_norm(&x, &w, 1e-6, &mut out);
        for r in 0..3 {
            let row = &x[3 * r..3 * r + 3];
            let rms = (row.iter().map(|v| v * v).sum::<f32>() / 3.0 + 1e-6).sqrt();
            for j in 0..3 {
                let want = row[j] / rms * w[j];
                assert!((out[3 * r + j] - want).abs() < 1e-5, "{r},{j}");
            }
        }
        let mut y = x;
        rms_norm_in_place(&mut y, &w, 1e-6);
        assert_eq!(y, out);
    }

    #[test]
    fn rope_rotates_the_right_pairs_and_keeps_norms() {
        let hd = 8;
        let (cos, sin) = rope_tables(hd, 10_000.0, 4);
        let x: Vec<f32> = (0..2 * hd).map(|i| (i as f32 * 0.37).sin()).collect();
        for style in [RopeStyle::Neox, RopeStyle::Interleaved] {
            let mut y = x.clone();
            rope(&mut y, 2 * hd, hd, &cos, &sin, 3, style);
            for h in 0..2 {
                for j in 0..hd / 2 {
                    let (a, b) = match style {
                        RopeStyle::Neox => (h * hd + j, h * hd + j + hd / 2),
                        RopeStyle::Interleaved => (h * hd + 2 * j, h * hd + 2 * j + 1),
                    };
                    let angle = 3.0 * 1.0 / 10_000f32.powf(2.0 * j as f32 / hd as f32);
                    let (c, s) = (angle.cos(), angle.sin());
                    assert!((y[a] - (x[a] * c - x[b] * s)).abs() < 1e-5);
                    assert!((y[b] - (x[a] * s + x[b] * c)).abs() < 1e-5);
                }
            }
        }
        // Position 0 is the identity.
        let mut y = x.clone();
        rope(&mut y, 2 * hd, hd, &cos, &sin, 0, RopeStyle::Neox);
        assert_eq!(y, x);
    }

    #[test]
    fn silu_mul_matches_the_formula_on_vectors_and_tails() {
        let x: Vec<f32> = (0..37).map(|i| (i as f32 - 18.0) * 1.7).collect();
        let up: Vec<f32> = (0..37).map(|i| 0.5 + i as f32 * 0.1).collect();
        let mut g = x.clone();
        silu_mul(&mut g, &up);
        for i in 0..37 {
            let want = x[i] / (1.0 + (-x[i]).exp()) * up[i];
            assert!(
                (g[i] - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{i}: {} vs {want}",
                g[i]
            );
        }
    }

    #[test]
    fn silu_mul_and_adds() {
        let mut g = [0.0f32, 1.0, -2.0];
        silu_mul(&mut g, &[2.0, 3.0, 1.0]);
        let silu = |v: f32| v / (1.0 + (-v).exp());
        assert_eq!(g, [0.0, silu(1.0) * 3.0, silu(-2.0)]);
        let mut x = [1.0f32, 2.0, 3.0, 4.0];
        add_bias(&mut x, &[10.0, 20.0]);
        assert_eq!(x, [11.0, 22.0, 13.0, 24.0]);
    }
}
