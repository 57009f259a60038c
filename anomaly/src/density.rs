//! A Gaussian mixture fitted by linfa on standardized features, kept as plain numbers so it
//! can be saved, loaded and evaluated without linfa: weights, means and the Cholesky
//! factors of the precisions.

use linfa::prelude::*;
use linfa_clustering::GaussianMixtureModel;
use ndarray::Array2;
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub weight: f64,
    pub mean: Vec<f64>,
    /// Lower-triangular L with L·Lᵀ = precision, row-major.
    pub precision_cholesky: Vec<f64>,
    /// log(weight) + log|L| − d/2·log(2π): the constant part of the log-density.
    pub log_constant: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixture {
    /// Standardization applied before the mixture.
    pub center: Vec<f64>,
    pub scale: Vec<f64>,
    pub components: Vec<Component>,
}

/// Values are clipped to this many spreads, so one absurd value cannot overflow.
const CLIP: f64 = 50.0;
/// Mixtures up to this size are evaluated without allocating.
const STACK_DIM: usize = 16;
const STACK_COMPONENTS: usize = 8;

impl Mixture {
    /// Fits `n_components` Gaussians (fewer when rows are few) on `rows`. `min_scale` is
    /// the smallest spread assumed per feature, in its own units: a feature (nearly)
    /// constant in history must not make a tiny difference look enormous.
    pub fn fit(
        rows: &[Vec<f64>],
        min_scale: &[f64],
        n_components: usize,
        seed: u64,
    ) -> Result<Mixture> {
        let n = rows.len();
        let d = rows.first().map_or(0, Vec::len);
        if n < 10 || d == 0 || min_scale.len() != d {
            return Err(Error::Model(format!(
                "a mixture needs at least 10 rows, got {n}"
            )));
        }
        let mut center = vec![0.0; d];
        let mut scale = vec![0.0; d];
        for j in 0..d {
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n as f64;
            let var = rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n as f64;
            center[j] = mean;
            scale[j] = var.sqrt().max(min_scale[j]).max(1e-9);
        }
        let mut data = Array2::<f64>::zeros((n, d));
        for (i, row) in rows.iter().enumerate() {
            for j in 0..d {
                data[[i, j]] = ((row[j] - center[j]) / scale[j]).clamp(-CLIP, CLIP);
            }
        }
        let k = n_components.clamp(1, (n / 40).max(1));
        let dataset = DatasetBase::from(data);
        let gmm = GaussianMixtureModel::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
            .n_runs(1)
            .tolerance(1e-3)
            .max_n_iterations(200)
            .reg_covariance(1e-2)
            .fit(&dataset)
            .map_err(|e| Error::Model(format!("Gaussian mixture: {e}")))?;
        let mut components = Vec::with_capacity(k);
        for c in 0..gmm.weights().len() {
            let precision = gmm.precisions().index_axis(ndarray::Axis(0), c);
            let flat: Vec<f64> = precision.iter().copied().collect();
            let chol = cholesky(&flat, d).ok_or_else(|| {
                Error::Model("a mixture precision is not positive definite".into())
            })?;
            let log_det_chol: f64 = (0..d).map(|i| chol[i * d + i].ln()).sum();
            let weight = gmm.weights()[c];
            components.push(Component {
                weight,
                mean: gmm.means().row(c).to_vec(),
                precision_cholesky: chol,
                log_constant: weight.max(1e-300).ln() + log_det_chol
                    - 0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln(),
            });
        }
        Ok(Mixture {
            center,
            scale,
            components,
        })
    }

    /// Negative log-density of one row: higher is more unusual. Missing trailing values
    /// count as the history mean.
    pub fn surprise(&self, row: &[f64]) -> f64 {
        let d = self.center.len();
        // Scoring calls this once per claim: small mixtures work on the stack.
        if d <= STACK_DIM && self.components.len() <= STACK_COMPONENTS {
            let mut z = [0.0; STACK_DIM];
            let mut logs = [0.0; STACK_COMPONENTS];
            self.surprise_in(row, &mut z[..d], &mut logs[..self.components.len()])
        } else {
            let mut z = vec![0.0; d];
            let mut logs = vec![0.0; self.components.len()];
            self.surprise_in(row, &mut z, &mut logs)
        }
    }

    fn surprise_in(&self, row: &[f64], z: &mut [f64], logs: &mut [f64]) -> f64 {
        let d = self.center.len();
        for (j, zj) in z.iter_mut().enumerate() {
            let x = row.get(j).copied().unwrap_or(self.center[j]);
            *zj = ((x - self.center[j]) / self.scale[j]).clamp(-CLIP, CLIP);
        }
        for (comp, log) in self.components.iter().zip(logs.iter_mut()) {
            // ‖Lᵀ(z − μ)‖²: the Mahalanobis distance under this component.
            let dist: f64 = (0..d)
                .map(|col| {
                    let s: f64 = (col..d)
                        .map(|r| comp.precision_cholesky[r * d + col] * (z[r] - comp.mean[r]))
                        .sum();
                    s * s
                })
                .sum();
            *log = comp.log_constant - 0.5 * dist;
        }
        let best = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !best.is_finite() {
            return f64::MAX;
        }
        let sum: f64 = logs.iter().map(|l| (l - best).exp()).sum();
        -(best + sum.ln())
    }

    /// Whether the numbers fit together (a model file may have been edited or damaged).
    pub fn is_consistent(&self, d: usize) -> bool {
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        self.center.len() == d
            && self.scale.len() == d
            && finite(&self.center)
            && self.scale.iter().all(|s| s.is_finite() && *s > 0.0)
            && !self.components.is_empty()
            && self.components.iter().all(|c| {
                c.mean.len() == d
                    && c.precision_cholesky.len() == d * d
                    && finite(&c.mean)
                    && finite(&c.precision_cholesky)
                    && c.log_constant.is_finite()
            })
    }
}

/// Lower Cholesky factor of a symmetric positive-definite d×d matrix (row-major).
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= l[i * d + k] * l[j * d + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn far_points_are_more_surprising() {
        let rows: Vec<Vec<f64>> = (0..400)
            .map(|i| {
                let t = i as f64 / 400.0;
                vec![(t * 37.0).sin(), (t * 91.0).cos() * 2.0 + 5.0]
            })
            .collect();
        let m = Mixture::fit(&rows, &[0.01, 0.01], 2, 7).unwrap();
        assert!(m.surprise(&[0.0, 5.0]) < m.surprise(&[4.0, 5.0]));
        assert!(m.surprise(&[4.0, 5.0]) < m.surprise(&[40.0, -50.0]));
        assert_eq!(m, Mixture::fit(&rows, &[0.01, 0.01], 2, 7).unwrap());
    }

    #[test]
    fn cholesky_reconstructs() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2).unwrap();
        assert!((l[0] * l[0] - 4.0).abs() < 1e-12);
        assert!((l[2] * l[0] - 2.0).abs() < 1e-12);
        assert!((l[2] * l[2] + l[3] * l[3] - 3.0).abs() < 1e-12);
    }
}
