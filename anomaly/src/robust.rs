//! Robust amount habits: the median and median absolute deviation (MAD) of log amounts,
//! so one inflated claim in a person's history does not move what counts as their usual
//! amount, and a short history leans on the department's and the company's.

use serde::{Deserialize, Serialize};

/// MAD × this estimates a normal distribution's standard deviation.
const MAD_TO_SD: f64 = 1.4826;
/// Smallest spread of log amounts assumed: amounts within ~15% of each other are never
/// "unusual" against each other (a fixed monthly plan has a MAD of zero).
pub const MIN_LOG_SPREAD: f64 = 0.15;
/// A person's own habit counts as much as the group's after this many claims.
const OWN_WEIGHT_CLAIMS: f64 = 6.0;
/// A department's habit counts as much as the company's after this many claims.
const DEPARTMENT_WEIGHT_CLAIMS: f64 = 25.0;
/// Below this many values a history claim's leave-one-out median and MAD are recomputed
/// exactly; above it, leaving one value out barely moves them.
const EXACT_LEAVE_ONE_OUT: usize = 24;
/// Groups of at least this many values are re-summarized lazily (see `refresh`).
const LAZY_REFRESH_FROM: usize = 100;

/// Log amounts of one group (a person in a category, a department in a category, a
/// category), with their median and MAD kept up to date by [`AmountHabit::refresh`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AmountHabit {
    logs: Vec<f32>,
    summarized: usize,
    pub median: f64,
    pub mad: f64,
    /// 90th percentile minus median: how far up the group's ordinary range reaches.
    pub upper: f64,
}

/// Where a group's amounts centre and how widely they spread (log scale).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Centre {
    pub n: f64,
    pub median: f64,
    pub spread: f64,
    /// 90th percentile minus median (log scale).
    pub upper: f64,
}

impl AmountHabit {
    pub fn push(&mut self, log_amount: f64) {
        self.logs.push(log_amount as f32);
    }

    pub fn len(&self) -> usize {
        self.logs.len()
    }

    /// Recomputes the median and MAD after pushes (cheap when nothing changed). A large
    /// group's are recomputed once it has grown by 2%, not on every claim a service adds:
    /// one claim barely moves them, and sorting thousands of values per claim would.
    pub fn refresh(&mut self) {
        let n = self.logs.len();
        if self.summarized == n
            || (self.summarized >= LAZY_REFRESH_FROM && n < self.summarized + self.summarized / 50)
        {
            return;
        }
        self.logs.sort_by(f32::total_cmp);
        (self.median, self.mad, self.upper) = summarize(&self.logs, None);
        self.summarized = self.logs.len();
    }

    /// The group's centre; `without` leaves one value (a history claim's own) out.
    pub fn centre(&self, without: Option<f64>) -> Centre {
        let n = self.logs.len();
        match without {
            Some(x) if n <= EXACT_LEAVE_ONE_OUT => {
                let (median, mad, upper) = summarize(&self.logs, Some(x as f32));
                Centre {
                    n: n.saturating_sub(1) as f64,
                    median,
                    spread: mad * MAD_TO_SD,
                    upper,
                }
            }
            Some(_) => Centre {
                n: (n - 1) as f64,
                median: self.median,
                spread: self.mad * MAD_TO_SD,
                upper: self.upper,
            },
            None => Centre {
                n: n as f64,
                median: self.median,
                spread: self.mad * MAD_TO_SD,
                upper: self.upper,
            },
        }
    }
}

impl Centre {
    /// This centre shrunk toward `prior` by `weight_claims` (a short history borrows the
    /// group's habit; a long one stands on its own).
    pub fn shrunk_toward(self, prior: Centre, weight_claims: f64) -> Centre {
        if self.n <= 0.0 {
            return prior;
        }
        // The prior's pull fades to nothing at five times its weight in claims.
        let pull = weight_claims * (1.0 - self.n / (5.0 * weight_claims)).max(0.0);
        let w = self.n / (self.n + pull);
        Centre {
            n: self.n,
            median: w * self.median + (1.0 - w) * prior.median,
            spread: (w * self.spread.powi(2) + (1.0 - w) * prior.spread.powi(2)).sqrt(),
            upper: w * self.upper + (1.0 - w) * prior.upper,
        }
    }

    /// How far `x` lies above the top of the ordinary range (the 90th percentile), in
    /// log units: ln 2 is twice the 90th percentile.
    pub fn above_range(&self, x: f64) -> f64 {
        x - self.median - self.upper.max(MIN_LOG_SPREAD)
    }

    /// Robust z: how many spreads `x` lies above the centre.
    pub fn z(&self, x: f64) -> f64 {
        (x - self.median) / self.spread.max(MIN_LOG_SPREAD)
    }
}

/// A person's amount habit in a category, shrunk toward their department's (itself shrunk
/// toward the company's).
pub fn personal_centre(own: Centre, department: Centre, company: Centre) -> Centre {
    let group = department.shrunk_toward(company, DEPARTMENT_WEIGHT_CLAIMS);
    own.shrunk_toward(group, OWN_WEIGHT_CLAIMS)
}

/// Median, MAD and 90th percentile minus median of sorted values, leaving out one
/// occurrence of `without` if given.
fn summarize(sorted: &[f32], without: Option<f32>) -> (f64, f64, f64) {
    let skip = without.and_then(|x| sorted.iter().position(|&v| v == x));
    let values: Vec<f64> = sorted
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != skip)
        .map(|(_, &v)| f64::from(v))
        .collect();
    if values.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let median = middle(&values);
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    let q90 = quantile(&values, 0.9);
    (median, middle(&deviations), q90 - median)
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn middle(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// How far the company's own past claims in one category strayed above their claimant's
/// usual amount: the strengths `UNUSUAL_AMOUNT` would have had on them, strongest first
/// (at most the top 1% kept), out of how many claims.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StrayTail {
    pub claims: usize,
    pub strongest: Vec<f64>,
}

impl StrayTail {
    /// From every past claim's strength (`None` where the rule did not fire).
    pub fn from_strengths(claims: usize, mut strengths: Vec<f64>) -> StrayTail {
        strengths.retain(|s| s.is_finite());
        strengths.sort_by(|a, b| b.total_cmp(a));
        strengths.truncate((claims / 100).max(1));
        StrayTail {
            claims,
            strongest: strengths,
        }
    }

    /// Past claims at least as strong as `strength`, and the share of all claims they are
    /// (a lower bound past the top 1%).
    pub fn at_least(&self, strength: f64) -> (usize, f64) {
        let k = self.strongest.partition_point(|&v| v >= strength);
        (k, k as f64 / self.claims.max(1) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn habit(values: &[f64]) -> AmountHabit {
        let mut h = AmountHabit::default();
        for &v in values {
            h.push(v);
        }
        h.refresh();
        h
    }

    #[test]
    fn one_wild_value_does_not_move_the_median_or_mad() {
        let calm = habit(&[1.0, 1.1, 0.9, 1.05, 0.95]);
        let wild = habit(&[1.0, 1.1, 0.9, 1.05, 0.95, 9.0]);
        assert!((calm.median - 1.0).abs() < 1e-6);
        assert!((wild.median - 1.025).abs() < 1e-6);
        assert!(wild.mad < 0.1, "MAD {}", wild.mad);
    }

    #[test]
    fn large_groups_are_summarized_again_after_growing_two_percent() {
        let mut h = habit(&vec![1.0; 200]);
        h.push(9.0);
        h.refresh();
        assert_eq!(h.summarized, 200);
        for _ in 0..3 {
            h.push(9.0);
        }
        h.refresh();
        assert_eq!(h.summarized, 204);
        assert_eq!(h.median, 1.0);
    }

    #[test]
    fn leaving_a_value_out_recomputes_exactly() {
        let h = habit(&[1.0, 2.0, 3.0, 10.0]);
        let c = h.centre(Some(10.0));
        assert_eq!(c.n, 3.0);
        assert!((c.median - 2.0).abs() < 1e-6);
        assert!((c.spread - MAD_TO_SD).abs() < 1e-6);
    }

    #[test]
    fn a_stray_tail_counts_the_past_claims_at_least_as_strong() {
        let strengths = (0..50).map(|i| 0.45 + 0.01 * f64::from(i)).collect();
        let tail = StrayTail::from_strengths(2000, strengths);
        // 1% of 2,000 claims kept: the 20 strongest, 0.94 down to 0.75.
        assert_eq!(tail.strongest.len(), 20);
        assert_eq!(tail.at_least(0.9), (5, 5.0 / 2000.0));
        assert_eq!(tail.at_least(0.95).0, 0);
        assert_eq!(tail.at_least(0.5).0, 20);
    }

    #[test]
    fn short_histories_lean_on_the_group() {
        let own = Centre {
            n: 2.0,
            median: 5.0,
            spread: 0.1,
            upper: 0.1,
        };
        let group = Centre {
            n: 500.0,
            median: 4.0,
            spread: 0.5,
            upper: 0.6,
        };
        let c = own.shrunk_toward(group, OWN_WEIGHT_CLAIMS);
        // Weight 2 / (2 + 6 × (1 − 2/30)) = 0.263.
        assert!((c.median - 4.263).abs() < 1e-3, "{}", c.median);
        assert!(c.spread > 0.4);
        let long = Centre { n: 30.0, ..own }.shrunk_toward(group, OWN_WEIGHT_CLAIMS);
        assert!((long.median - 5.0).abs() < 1e-9);
    }
}
