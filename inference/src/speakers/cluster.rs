//! Average-linkage agglomerative clustering on cosine distance, by the
//! nearest-neighbour chain (O(n²) time and memory), cut at a distance or a count.

use super::campplus::cosine;

/// How many clusters to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cut {
    /// Merge while the closest clusters' average cosine similarity is at least this.
    Similarity(f32),
    /// Exactly this many clusters (fewer when there are fewer points).
    Count(usize),
}

/// A cluster label per point, numbered 0.. in order of each cluster's first point.
pub fn cluster(points: &[Vec<f32>], cut: Cut) -> Vec<usize> {
    let n = points.len();
    if n == 0 {
        return Vec::new();
    }
    let mut merges = dendrogram(points);
    merges.sort_by(|a, b| a.2.total_cmp(&b.2));
    let mut parent: Vec<usize> = (0..n).collect();
    let mut clusters = n;
    for (a, b, dist) in merges {
        let stop = match cut {
            Cut::Similarity(min) => 1.0 - dist < min,
            Cut::Count(k) => clusters <= k.max(1),
        };
        if stop {
            break;
        }
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        parent[rb] = ra;
        clusters -= 1;
    }
    let mut label_of_root = vec![usize::MAX; n];
    let mut next = 0;
    (0..n)
        .map(|i| {
            let r = find(&mut parent, i);
            if label_of_root[r] == usize::MAX {
                label_of_root[r] = next;
                next += 1;
            }
            label_of_root[r]
        })
        .collect()
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// The merges of average-linkage clustering as (slot, slot, distance); slot `a` holds
/// the merged cluster afterwards. Average linkage is reducible, so sorting the merges
/// by distance gives a valid order to replay them in.
fn dendrogram(points: &[Vec<f32>]) -> Vec<(usize, usize, f32)> {
    let n = points.len();
    let mut dist = vec![0f32; n * n];
    for i in 0..n {
        for j in i + 1..n {
            let d = 1.0 - cosine(&points[i], &points[j]);
            dist[i * n + j] = d;
            dist[j * n + i] = d;
        }
    }
    let mut size = vec![1usize; n];
    let mut active = vec![true; n];
    let mut remaining = n;
    let mut chain: Vec<usize> = Vec::new();
    let mut merges = Vec::with_capacity(n.saturating_sub(1));
    while remaining > 1 {
        if chain.is_empty() {
            chain.push(active.iter().position(|&a| a).expect("an active cluster"));
        }
        let a = *chain.last().expect("non-empty chain");
        let prev = chain.len().checked_sub(2).map(|i| chain[i]);
        // Nearest active neighbour of a, preferring the chain's previous element on ties.
        let mut best = prev.unwrap_or(usize::MAX);
        let mut best_d = prev.map_or(f32::INFINITY, |p| dist[a * n + p]);
        for k in 0..n {
            if k != a && active[k] && dist[a * n + k] < best_d {
                best = k;
                best_d = dist[a * n + k];
            }
        }
        if Some(best) == prev {
            chain.pop();
            chain.pop();
            let b = best;
            let (sa, sb) = (size[a] as f32, size[b] as f32);
            for k in 0..n {
                if active[k] && k != a && k != b {
                    let d = (sa * dist[a * n + k] + sb * dist[b * n + k]) / (sa + sb);
                    dist[a * n + k] = d;
                    dist[k * n + a] = d;
                }
            }
            size[a] += size[b];
            active[b] = false;
            remaining -= 1;
            merges.push((a, b, best_d));
        } else {
            chain.push(best);
        }
    }
    merges
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around(center: &[f32], jitter: f32, k: usize) -> Vec<f32> {
        center
            .iter()
            .enumerate()
            .map(|(i, c)| c + jitter * (((i * 7 + k * 13) % 11) as f32 / 11.0 - 0.5))
            .collect()
    }

    #[test]
    fn separates_two_voices_and_keeps_order_of_appearance() {
        let a = [1.0, 0.0, 0.2, 0.0];
        let b = [0.0, 1.0, 0.0, 0.3];
        let points: Vec<Vec<f32>> = (0..10)
            .map(|k| {
                if k % 3 == 0 {
                    around(&b, 0.2, k)
                } else {
                    around(&a, 0.2, k)
                }
            })
            .collect();
        let labels = cluster(&points, Cut::Similarity(0.5));
        let expected: Vec<usize> = (0..10).map(|k| usize::from(k % 3 != 0)).collect();
        assert_eq!(labels, expected);
        assert_eq!(cluster(&points, Cut::Count(1)), vec![0; 10]);
        assert_eq!(cluster(&points, Cut::Count(2)), expected);
    }

    #[test]
    fn one_voice_stays_one_cluster() {
        let a = [1.0, 0.5, 0.2, 0.1];
        let points: Vec<Vec<f32>> = (0..8).map(|k| around(&a, 0.1, k)).collect();
        assert_eq!(cluster(&points, Cut::Similarity(0.5)), vec![0; 8]);
        assert!(cluster(&[], Cut::Count(3)).is_empty());
    }
}
