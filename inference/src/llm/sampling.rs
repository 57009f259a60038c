//! Picking the next token from the logits: greedy, or sampled with temperature, top-k,
//! top-p and a repetition penalty, from a seeded generator so runs repeat.

/// How to choose tokens. `temperature <= 0` is greedy.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingParams {
    pub temperature: f32,
    /// Keep only the `top_k` most likely tokens (0: all).
    pub top_k: usize,
    /// Keep the smallest set of tokens whose probability sums to `top_p` (1: all).
    pub top_p: f32,
    /// Divide positive logits (multiply negative ones) of tokens already in the
    /// window by this; 1 disables it.
    pub repetition_penalty: f32,
    /// How many recent tokens the repetition penalty looks at.
    pub repetition_window: usize,
    pub seed: u64,
}

impl Default for SamplingParams {
    fn default() -> Self {
        SamplingParams {
            temperature: 0.0,
            top_k: 0,
            top_p: 1.0,
            repetition_penalty: 1.0,
            repetition_window: 64,
            seed: 42,
        }
    }
}

/// SplitMix64: small, fast, and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }
}

pub struct Sampler {
    params: SamplingParams,
    rng: Rng,
    /// Scratch space reused between steps.
    candidates: Vec<(u32, f32)>,
}

impl Sampler {
    pub fn new(params: SamplingParams) -> Sampler {
        let rng = Rng::new(params.seed);
        Sampler {
            params,
            rng,
            candidates: Vec::new(),
        }
    }

    pub fn params(&self) -> &SamplingParams {
        &self.params
    }

    /// Applies the repetition penalty to `logits` for the tokens in `history`.
    pub fn penalize(&self, logits: &mut [f32], history: &[u32]) {
        let p = self.params.repetition_penalty;
        if p == 1.0 || p <= 0.0 {
            return;
        }
        let start = history.len().saturating_sub(self.params.repetition_window);
        let mut seen = history[start..].to_vec();
        seen.sort_unstable();
        seen.dedup();
        for id in seen {
            if let Some(l) = logits.get_mut(id as usize) {
                *l = if *l >= 0.0 { *l / p } else { *l * p };
            }
        }
    }

    /// The next token. Tokens whose logit is -inf (masked) are never chosen; `None`
    /// when every token is masked.
    pub fn sample(&mut self, logits: &[f32]) -> Option<u32> {
        if self.params.temperature <= 0.0 {
            return argmax(logits);
        }
        let t = self.params.temperature;
        self.candidates.clear();
        self.candidates.extend(
            logits
                .iter()
                .enumerate()
                .filter(|(_, l)| l.is_finite())
                .map(|(i, &l)| (i as u32, l / t)),
        );
        if self.candidates.is_empty() {
            return None;
        }
        let k = self.params.top_k;
        if k > 0 && k < self.candidates.len() {
            self.candidates
                .select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
            self.candidates.truncate(k);
        }
        self.candidates.sort_unstable_by(|a, b| b.1.total_cmp(&a.1));
        let max = self.candidates[0].1;
        let mut sum = 0.0f32;
        for c in self.candidates.iter_mut() {
            c.1 = (c.1 - max).exp();
            sum += c.1;
        }
        let top_p = self.params.top_p;
        if top_p < 1.0 && top_p > 0.0 {
            let mut acc = 0.0;
            let mut keep = self.candidates.len();
            for (i, c) in self.candidates.iter().enumerate() {
                acc += c.1 / sum;
                if acc >= top_p {
                    keep = i + 1;
                    break;
                }
            }
            self.candidates.truncate(keep);
            sum = self.candidates.iter().map(|c| c.1).sum();
        }
        let mut r = self.rng.next_f32() * sum;
        for c in &self.candidates {
            if r < c.1 {
                return Some(c.0);
            }
            r -= c.1;
        }
        self.candidates.last().map(|c| c.0)
    }
}

/// The index of the largest finite logit (the first one on ties).
pub fn argmax(logits: &[f32]) -> Option<u32> {
    let mut best: Option<(u32, f32)> = None;
    for (i, &l) in logits.iter().enumerate() {
        if l.is_finite() && best.is_none_or(|(_, b)| l > b) {
            best = Some((i as u32, l));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_picks_the_largest_unmasked() {
        let mut s = Sampler::new(SamplingParams::default());
        assert_eq!(s.sample(&[0.1, 3.0, f32::NEG_INFINITY, 2.0]), Some(1));
        assert_eq!(s.sample(&[f32::NEG_INFINITY; 3]), None);
    }

    #[test]
    fn same_seed_same_samples() {
        let params = SamplingParams {
            temperature: 1.0,
            top_k: 3,
            top_p: 0.9,
            ..Default::default()
        };
        let logits: Vec<f32> = (0..50).map(|i| (i as f32 * 0.37).sin()).collect();
        let run = || {
            let mut s = Sampler::new(params.clone());
            (0..20)
                .map(|_| s.sample(&logits).unwrap())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        // top-k 3: only the three most likely tokens ever appear.
        let mut order: Vec<usize> = (0..50).collect();
        order.sort_by(|&x, &y| logits[y].total_cmp(&logits[x]));
        assert!(a.iter().all(|t| order[..3].contains(&(*t as usize))));
    }

    #[test]
    fn repetition_penalty_lowers_seen_tokens() {
        let s = Sampler::new(SamplingParams {
            repetition_penalty: 2.0,
            ..Default::default()
        });
        let mut logits = vec![4.0, -1.0, 3.0];
        s.penalize(&mut logits, &[0, 1]);
        assert_eq!(logits, vec![2.0, -2.0, 3.0]);
    }
}
