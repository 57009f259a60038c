//! Spectral clustering of speaker embeddings with the number of speakers read from the
//! eigengap, as 3D-Speaker's `SpectralCluster` (and senko, which uses it) does: cosine
//! affinities, each row pruned to its strongest neighbours, the unnormalised graph
//! Laplacian, and k-means on its first eigenvectors.

use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use linfa_linalg::eigh::{EigSort, Eigh};
use ndarray::{s, Array2};

#[derive(Debug, Clone)]
pub struct SpectralOptions {
    /// Each row of the affinity matrix keeps this fraction of its strongest
    /// similarities (at least `min_neighbours`); the others become 0.
    pub keep_fraction: f64,
    pub min_neighbours: usize,
    /// The eigengap is searched among the first `max_speakers + 1` eigenvalues.
    pub max_speakers: usize,
}

impl Default for SpectralOptions {
    fn default() -> Self {
        // 3D-Speaker's diarization recipe as senko ships it (pval 0.012, max_num_spks
        // 15), but with at least 15 neighbours rather than 6: a meeting of a few
        // minutes has only tens of windows per speaker, and with 6 neighbours, mostly
        // the overlapping windows of the same sentence, the graph falls apart into
        // sentences (over-counting; docs/BENCHMARKS.md).
        SpectralOptions {
            keep_fraction: 0.012,
            min_neighbours: 15,
            max_speakers: 15,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpectralError {
    #[error("eigendecomposition failed: {0}")]
    Eigen(String),
    #[error("k-means failed: {0}")]
    KMeans(String),
}

/// A cluster label per point (0..k, in no particular order), with `count` clusters when
/// given (capped at the number of points), else as many as the largest eigengap says.
pub fn spectral(
    points: &[Vec<f32>],
    count: Option<usize>,
    opts: &SpectralOptions,
) -> Result<Vec<usize>, SpectralError> {
    let n = points.len();
    if n <= 1 {
        return Ok(vec![0; n]);
    }
    let laplacian = laplacian(&pruned_affinity(points, opts));
    let (values, vectors) = laplacian
        .eigh()
        .map_err(|e| SpectralError::Eigen(e.to_string()))?
        .sort_eig_asc();
    let k = match count {
        Some(k) => k.clamp(1, n),
        None => largest_gap(values.as_slice().unwrap_or(&[]), opts.max_speakers),
    };
    if k == 1 {
        return Ok(vec![0; n]);
    }
    let embedding = vectors.slice(s![.., ..k]).to_owned();
    let data = DatasetBase::from(embedding);
    let model = KMeans::params(k)
        .fit(&data)
        .map_err(|e| SpectralError::KMeans(e.to_string()))?;
    Ok(model.predict(data.records()).to_vec())
}

/// The count whose eigengap is largest: 1 + argmax of λ[i+1] − λ[i] over
/// i in 0..=max_speakers (the smallest eigenvalues, ascending).
fn largest_gap(values: &[f64], max_speakers: usize) -> usize {
    let top = values.len().min(max_speakers + 2);
    (0..top.saturating_sub(1))
        .max_by(|&a, &b| {
            let ga = values[a + 1] - values[a];
            let gb = values[b + 1] - values[b];
            // On equal gaps the smaller count wins.
            ga.total_cmp(&gb).then(b.cmp(&a))
        })
        .map_or(1, |i| i + 1)
}

/// Cosine affinities with each row's weakest entries set to 0, then symmetrised.
fn pruned_affinity(points: &[Vec<f32>], opts: &SpectralOptions) -> Array2<f64> {
    let n = points.len();
    let unit: Vec<Vec<f64>> = points
        .iter()
        .map(|p| {
            let norm = p
                .iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum::<f64>()
                .sqrt();
            p.iter().map(|&x| f64::from(x) / norm.max(1e-12)).collect()
        })
        .collect();
    let mut a = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in i..n {
            let c: f64 = unit[i].iter().zip(&unit[j]).map(|(x, y)| x * y).sum();
            a[[i, j]] = c;
            a[[j, i]] = c;
        }
    }
    // 3D-Speaker zeroes int((1 - pval) * n) entries per row, but keeps min_pnum.
    let zeroed = (((1.0 - opts.keep_fraction) * n as f64) as usize)
        .min(n.saturating_sub(opts.min_neighbours));
    let mut order: Vec<usize> = (0..n).collect();
    for i in 0..n {
        order.sort_by(|&x, &y| a[[i, x]].total_cmp(&a[[i, y]]));
        for &j in &order[..zeroed] {
            a[[i, j]] = 0.0;
        }
    }
    let at = a.t().to_owned();
    (a + at) * 0.5
}

/// L = D − A with A's diagonal cleared and D the degree (row sums of |A|).
fn laplacian(affinity: &Array2<f64>) -> Array2<f64> {
    let n = affinity.nrows();
    let mut l = affinity.mapv(|x| -x);
    for i in 0..n {
        l[[i, i]] = 0.0;
        let degree: f64 = (0..n)
            .filter(|&j| j != i)
            .map(|j| affinity[[i, j]].abs())
            .sum();
        l[[i, i]] = degree;
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per` noisy points around each of `centres` orthogonal-ish directions in 16-D,
    /// interleaved (point i belongs to centre i % centres).
    fn blobs(centres: usize, per: usize, noise: f32) -> Vec<Vec<f32>> {
        let mut seed = 12345u64;
        let mut rand = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        (0..centres * per)
            .map(|i| {
                let c = i % centres;
                (0..16)
                    .map(|d| f32::from(u8::from(d % centres == c)) + noise * rand())
                    .collect()
            })
            .collect()
    }

    /// Whether two labelings split the points the same way (up to renaming).
    fn same_partition(a: &[usize], b: &[usize]) -> bool {
        a.len() == b.len()
            && (0..a.len()).all(|i| (0..a.len()).all(|j| (a[i] == a[j]) == (b[i] == b[j])))
    }

    #[test]
    fn counts_and_separates_well_separated_voices() {
        for centres in [2, 3, 5] {
            let points = blobs(centres, 12, 0.3);
            let labels = spectral(&points, None, &SpectralOptions::default()).unwrap();
            let truth: Vec<usize> = (0..points.len()).map(|i| i % centres).collect();
            assert!(same_partition(&labels, &truth), "{centres}: {labels:?}");
        }
    }

    #[test]
    fn one_tight_cloud_is_one_speaker() {
        // Every point near one direction: the graph is connected, the first gap wins.
        let points: Vec<Vec<f32>> = blobs(1, 30, 0.3);
        let labels = spectral(&points, None, &SpectralOptions::default()).unwrap();
        assert_eq!(labels, vec![0; 30]);
    }

    #[test]
    fn a_given_count_is_honoured() {
        let points = blobs(3, 10, 0.3);
        for k in [1, 2, 3, 4] {
            let labels = spectral(&points, Some(k), &SpectralOptions::default()).unwrap();
            let distinct: std::collections::BTreeSet<_> = labels.iter().collect();
            assert_eq!(distinct.len(), k, "{k}: {labels:?}");
        }
        let truth: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let labels = spectral(&points, Some(3), &SpectralOptions::default()).unwrap();
        assert!(same_partition(&labels, &truth));
        // More clusters than points: one per point.
        assert_eq!(
            spectral(&points[..2], Some(5), &SpectralOptions::default())
                .unwrap()
                .len(),
            2
        );
        assert!(spectral(&[], None, &SpectralOptions::default())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn eigengap_picks_the_count_after_the_near_zero_eigenvalues() {
        assert_eq!(largest_gap(&[0.0, 0.0, 0.0, 5.0, 5.5, 6.0], 15), 3);
        assert_eq!(largest_gap(&[0.0, 4.0, 4.5, 5.0], 15), 1);
        // Capped: a gap beyond max_speakers + 1 eigenvalues is not looked at.
        assert_eq!(largest_gap(&[0.0, 1.0, 1.5, 1.6, 9.0], 2), 1);
    }

    #[test]
    fn the_laplacian_has_zero_row_sums() {
        // Each point keeps 6 neighbours, all within its own (positive) blob.
        let points = blobs(2, 8, 0.3);
        let opts = SpectralOptions {
            min_neighbours: 6,
            ..SpectralOptions::default()
        };
        let l = laplacian(&pruned_affinity(&points, &opts));
        for row in l.rows() {
            assert!(row.sum().abs() < 1e-9);
        }
    }
}
