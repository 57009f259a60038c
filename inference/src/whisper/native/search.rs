//! Greedy decoding of one window, as openai-whisper decodes with timestamps: the prompt
//! (previous text, start of transcript, language, task), the logit rules (suppressed
//! tokens, timestamps in pairs and never going back, a first timestamp within 1 s,
//! timestamps when they are likelier than any word), and the segments the timestamp
//! pairs delimit.

use super::vocab::Vocab;

/// Seconds per timestamp token.
pub(crate) const TIME_PRECISION: f64 = 0.02;
/// The first timestamp may be at most this far into the window (openai-whisper's
/// `max_initial_timestamp`, 1 s).
const MAX_INITIAL_TIMESTAMP: u32 = 50;

/// The prompt of a window: `<|startofprev|>`, the steering text (`steer`, e.g. the
/// Cantonese prompt) and the end of the previous text (together at most half the
/// context), then `<|startoftranscript|>`, the language and the task. Returns the tokens
/// and the index of `<|startoftranscript|>`.
pub(crate) fn prompt(
    vocab: &Vocab,
    steer: &[u32],
    previous: &[u32],
    language: Option<u32>,
    n_text_ctx: usize,
) -> (Vec<u32>, usize) {
    let mut tokens = Vec::new();
    if !previous.is_empty() || !steer.is_empty() {
        let keep = n_text_ctx / 2 - 1;
        let steer = &steer[..steer.len().min(keep)];
        let room = keep - steer.len();
        tokens.push(vocab.prev);
        tokens.extend_from_slice(steer);
        tokens.extend_from_slice(&previous[previous.len().saturating_sub(room)..]);
    }
    let sot_index = tokens.len();
    tokens.push(vocab.sot);
    if vocab.is_multilingual() {
        if let Some(lang) = language {
            tokens.push(lang);
        }
        tokens.push(vocab.transcribe);
    }
    (tokens, sot_index)
}

/// Applies the decoding rules to `logits` (the next token's, `n_vocab` wide) after
/// `sampled` tokens of this window, then picks the most likely token. Returns it with
/// its log-probability under the rules.
pub(crate) fn next_token(vocab: &Vocab, logits: &mut [f32], sampled: &[u32]) -> (u32, f32) {
    let logprobs = rule_logprobs(vocab, logits, sampled);
    let mut best = 0;
    for (i, &lp) in logprobs.iter().enumerate() {
        if lp > logprobs[best] {
            best = i;
        }
    }
    (best as u32, logprobs[best])
}

/// The log-probabilities of the next token under the decoding rules (`-∞` for the
/// tokens they rule out); `logits` is changed on the way.
pub(crate) fn rule_logprobs(vocab: &Vocab, logits: &mut [f32], sampled: &[u32]) -> Vec<f32> {
    let neg = f32::NEG_INFINITY;
    let ts = vocab.timestamp_begin as usize;
    let n = logits.len();
    if sampled.is_empty() {
        logits[vocab.eot as usize] = neg;
        if let Some(space) = vocab.space {
            logits[space as usize] = neg;
        }
    }
    for &t in &vocab.suppressed {
        logits[t as usize] = neg;
    }
    // Timestamps come in pairs (the end of a segment, the start of the next), except
    // directly before the end of text.
    let is_ts = |t: &u32| *t >= vocab.timestamp_begin;
    let last_ts = sampled.last().is_some_and(is_ts);
    let penultimate_ts = sampled.len() < 2 || is_ts(&sampled[sampled.len() - 2]);
    if last_ts {
        if penultimate_ts {
            logits[ts..].fill(neg);
        } else {
            logits[..vocab.eot as usize].fill(neg);
        }
    }
    // Timestamps never go back, and a segment lasts more than zero time.
    if let Some(&last) = sampled.iter().rev().find(|t| is_ts(t)) {
        let floor = if last_ts && !penultimate_ts {
            last
        } else {
            last + 1
        };
        logits[ts..(floor as usize).min(n)].fill(neg);
    }
    if sampled.is_empty() {
        // The window starts with a timestamp, at most 1 s in.
        logits[..ts].fill(neg);
        let last_allowed = ts + MAX_INITIAL_TIMESTAMP as usize;
        if last_allowed + 1 < n {
            logits[last_allowed + 1..].fill(neg);
        }
    }
    let logprobs = log_softmax(logits);
    // When all timestamps together are likelier than any one text token, take one.
    let ts_total = log_sum_exp(&logprobs[ts..]);
    let text_best = logprobs[..ts].iter().fold(neg, |a, &b| a.max(b));
    if ts_total > text_best {
        logits[..ts].fill(neg);
        return log_softmax(logits);
    }
    logprobs
}

/// A hypothesis of beam search: its tokens (after the prompt), their log-probabilities
/// and the sum.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Beam {
    pub tokens: Vec<u32>,
    pub logprobs: Vec<f32>,
    pub sum: f32,
}

impl Beam {
    pub fn empty() -> Beam {
        Beam {
            tokens: Vec::new(),
            logprobs: Vec::new(),
            sum: 0.0,
        }
    }

    /// openai-whisper's ranking without a length penalty: mean log-probability.
    pub fn score(&self) -> f32 {
        self.sum / self.tokens.len().max(1) as f32
    }
}

/// One step of beam search (openai-whisper's, patience 1): each of the `beams` offers
/// its `width + 1` likeliest next tokens (`logprobs[i]`, under the rules); the likeliest
/// continuations overall become the next beams (returned with the index of the beam each
/// extends), and those that end the text move to `finished`.
pub(crate) fn beam_step(
    beams: &[Beam],
    logprobs: &[Vec<f32>],
    width: usize,
    eot: u32,
    finished: &mut Vec<Beam>,
) -> Vec<(usize, Beam)> {
    let mut candidates: Vec<(f32, usize, u32, f32)> = Vec::new();
    for (i, (beam, lp)) in beams.iter().zip(logprobs).enumerate() {
        for (token, l) in top_k(lp, width + 1) {
            if l > f32::NEG_INFINITY {
                candidates.push((beam.sum + l, i, token, l));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut next = Vec::with_capacity(width);
    for (sum, i, token, l) in candidates {
        let extend = || {
            let mut b = beams[i].clone();
            b.tokens.push(token);
            b.logprobs.push(l);
            b.sum = sum;
            b
        };
        if token == eot {
            let mut b = extend();
            b.tokens.pop();
            b.logprobs.pop();
            finished.push(b);
        } else {
            next.push((i, extend()));
            if next.len() == width {
                break;
            }
        }
    }
    next
}

/// The best hypothesis: among the finished ones, topped up with the best unfinished when
/// fewer than `width` finished.
pub(crate) fn best_beam(mut finished: Vec<Beam>, mut active: Vec<Beam>, width: usize) -> Beam {
    active.sort_by(|a, b| b.sum.total_cmp(&a.sum));
    let missing = width.saturating_sub(finished.len());
    finished.extend(active.into_iter().take(missing));
    finished
        .into_iter()
        .max_by(|a, b| a.score().total_cmp(&b.score()))
        .unwrap_or_else(Beam::empty)
}

/// The `k` largest values' (index, value), largest first.
fn top_k(x: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut top: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
    for (i, &v) in x.iter().enumerate() {
        if top.len() < k || v > top[top.len() - 1].1 {
            let at = top.partition_point(|&(_, t)| t >= v);
            top.insert(at, (i as u32, v));
            top.truncate(k);
        }
    }
    top
}

/// The probability of `<|nospeech|>` among the logits at `<|startoftranscript|>`.
pub(crate) fn no_speech_probability(vocab: &Vocab, logits: &[f32]) -> f32 {
    let lp = log_softmax(logits);
    lp[vocab.no_speech as usize].exp()
}

/// One segment of a window: window seconds, the text tokens and their mean
/// log-probability.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WindowSegment {
    pub start: f64,
    pub end: f64,
    pub tokens: Vec<u32>,
    pub avg_logprob: f32,
}

/// Splits the sampled tokens (without end-of-text) at their timestamps. Text after the
/// last timestamp ends at `window_s`.
pub(crate) fn segments(
    vocab: &Vocab,
    sampled: &[u32],
    logprobs: &[f32],
    window_s: f64,
) -> Vec<WindowSegment> {
    let time = |t: u32| f64::from(t - vocab.timestamp_begin) * TIME_PRECISION;
    let mut out = Vec::new();
    let mut start = 0.0;
    let mut text: Vec<u32> = Vec::new();
    let mut sum = 0.0f32;
    let mut close = |start: f64, end: f64, text: &mut Vec<u32>, sum: &mut f32| {
        if !text.is_empty() {
            out.push(WindowSegment {
                start,
                end: end.max(start),
                avg_logprob: *sum / text.len() as f32,
                tokens: std::mem::take(text),
            });
        }
        *sum = 0.0;
    };
    for (&t, &lp) in sampled.iter().zip(logprobs) {
        if t >= vocab.timestamp_begin {
            if text.is_empty() {
                start = time(t);
            } else {
                close(start, time(t), &mut text, &mut sum);
                start = time(t);
            }
        } else if t < vocab.eot {
            text.push(t);
            sum += lp;
        }
    }
    close(start, window_s, &mut text, &mut sum);
    out
}

fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let sum: f32 = logits.iter().map(|&l| (l - max).exp()).sum();
    let log_total = max + sum.ln();
    logits.iter().map(|&l| l - log_total).collect()
}

fn log_sum_exp(x: &[f32]) -> f32 {
    let max = x.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    if max == f32::NEG_INFINITY {
        return max;
    }
    max + x.iter().map(|&v| (v - max).exp()).sum::<f32>().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vocab {
        let tokens: Vec<Vec<u8>> = (0..50_364)
            .map(|i| {
                if i == 220 {
                    b" ".to_vec()
                } else {
                    format!("w{i} ").into_bytes()
                }
            })
            .collect();
        let refs: Vec<&[u8]> = tokens.iter().map(|t| t.as_slice()).collect();
        Vocab::new(&refs, N_VOCAB)
    }

    const N_VOCAB: usize = 51_865;

    #[test]
    fn prompts_carry_at_most_half_the_context_of_previous_text() {
        let v = vocab();
        let (p, sot) = prompt(&v, &[], &[], Some(v.language_token(0)), 448);
        assert_eq!(p, [v.sot, v.language_token(0), v.transcribe]);
        assert_eq!(sot, 0);
        let previous: Vec<u32> = (0..300).collect();
        let (p, sot) = prompt(&v, &[], &previous, None, 448);
        assert_eq!(p[0], v.prev);
        assert_eq!(sot, 224);
        assert_eq!(p[1], 300 - 223);
        assert_eq!(&p[sot..], [v.sot, v.transcribe]);
        // The steering text comes first and is kept whole; the previous text fills the rest.
        let steer = [7, 8, 9];
        let (p, sot) = prompt(&v, &steer, &previous, Some(v.language_token(1)), 448);
        assert_eq!(&p[..4], [v.prev, 7, 8, 9]);
        assert_eq!(sot, 224);
        assert_eq!(p[4], 300 - 220);
        assert_eq!(&p[sot..], [v.sot, v.language_token(1), v.transcribe]);
        let (p, sot) = prompt(&v, &steer, &[], None, 448);
        assert_eq!(p, [v.prev, 7, 8, 9, v.sot, v.transcribe]);
        assert_eq!(sot, 4);
    }

    #[test]
    fn the_first_token_is_an_early_timestamp() {
        let v = vocab();
        let mut logits = vec![0f32; N_VOCAB];
        logits[500] = 10.0; // a word, likelier than anything
        logits[v.timestamp_begin as usize + 200] = 5.0; // 4 s: too late to start
        logits[v.timestamp_begin as usize + 10] = 1.0;
        let (t, lp) = next_token(&v, &mut logits, &[]);
        assert_eq!(t, v.timestamp_begin + 10);
        assert!(lp < 0.0 && lp > -10.0);
    }

    #[test]
    fn timestamps_pair_up_and_never_go_back() {
        let v = vocab();
        let ts = |s: u32| v.timestamp_begin + s;
        // After an opening timestamp: text, even when a timestamp scores higher.
        let mut logits = vec![0f32; N_VOCAB];
        logits[ts(100) as usize] = 20.0;
        logits[700] = 1.0;
        assert_eq!(next_token(&v, &mut logits, &[ts(0)]).0, 700);
        // After text, a closing timestamp must be later than the opening one.
        let mut logits = vec![-5f32; N_VOCAB];
        logits[ts(3) as usize] = 30.0;
        logits[ts(40) as usize] = 29.0;
        assert_eq!(next_token(&v, &mut logits, &[ts(5), 700]).0, ts(40));
        // After a closing timestamp: another timestamp (≥ it) or the end, not text.
        let mut logits = vec![0f32; N_VOCAB];
        logits[700] = 50.0;
        logits[ts(40) as usize] = 1.0;
        let (t, _) = next_token(&v, &mut logits, &[ts(5), 700, ts(40)]);
        assert_eq!(t, ts(40));
        let mut logits = vec![-30f32; N_VOCAB];
        logits[700] = 50.0;
        logits[ts(40) as usize] = 1.0;
        logits[v.eot as usize] = 2.0;
        assert_eq!(next_token(&v, &mut logits, &[ts(5), 700, ts(40)]).0, v.eot);
    }

    #[test]
    fn timestamps_win_when_together_likelier_than_any_word() {
        let v = vocab();
        let mut logits = vec![-30f32; N_VOCAB];
        logits[700] = 2.0;
        for s in 50..60 {
            logits[(v.timestamp_begin + s) as usize] = 0.5; // each less likely than the word
        }
        let (t, _) = next_token(&v, &mut logits, &[v.timestamp_begin, 700, 701]);
        assert!(t >= v.timestamp_begin + 50, "{t}");
    }

    #[test]
    fn suppressed_tokens_are_never_chosen() {
        let v = vocab();
        let mut logits = vec![0f32; N_VOCAB];
        logits[v.timestamp_begin as usize - 1] = 99.0; // <|notimestamps|>
        logits[v.sot as usize] = 98.0;
        logits[v.language_token(3) as usize] = 97.0;
        logits[800] = 1.0;
        assert_eq!(next_token(&v, &mut logits, &[v.timestamp_begin]).0, 800);
    }

    #[test]
    fn beam_search_keeps_the_likeliest_continuations_and_collects_finished_ones() {
        let (eot, width) = (9u32, 2);
        let lp = |pairs: &[(usize, f32)]| {
            let mut v = vec![f32::NEG_INFINITY; 10];
            for &(i, l) in pairs {
                v[i] = l;
            }
            v
        };
        let mut finished = Vec::new();
        let start = [Beam::empty()];
        let next = beam_step(
            &start,
            &[lp(&[(1, -0.1), (2, -0.5), (3, -3.0)])],
            width,
            eot,
            &mut finished,
        );
        let tokens: Vec<_> = next
            .iter()
            .map(|(src, b)| (*src, b.tokens.clone()))
            .collect();
        assert_eq!(tokens, [(0, vec![1]), (0, vec![2])]);
        let beams: Vec<Beam> = next.into_iter().map(|(_, b)| b).collect();
        // Beam 0 ends (its best is end-of-text); beam 1's two continuations beat beam
        // 0's other one.
        let next = beam_step(
            &beams,
            &[
                lp(&[(eot as usize, -0.05), (4, -2.0)]),
                lp(&[(5, -0.1), (6, -0.2)]),
            ],
            width,
            eot,
            &mut finished,
        );
        assert_eq!(finished.len(), 1);
        assert_eq!(finished[0].tokens, [1]);
        assert!((finished[0].sum + 0.15).abs() < 1e-6);
        let tokens: Vec<_> = next
            .iter()
            .map(|(src, b)| (*src, b.tokens.clone()))
            .collect();
        assert_eq!(tokens, [(1, vec![2, 5]), (1, vec![2, 6])]);
        let active: Vec<Beam> = next.into_iter().map(|(_, b)| b).collect();
        // Mean log-probability ranks: [1] (−0.15) beats [2, 5] (−0.3).
        assert_eq!(best_beam(finished, active, width).tokens, [1]);
    }

    #[test]
    fn segments_follow_timestamp_pairs() {
        let v = vocab();
        let ts = |s: u32| v.timestamp_begin + s;
        let sampled = [ts(0), 10, 11, ts(100), ts(100), 12, ts(150), ts(160), 13];
        let lp = [0.0, -1.0, -3.0, 0.0, 0.0, -0.5, 0.0, 0.0, -2.0];
        let s = segments(&v, &sampled, &lp, 20.0);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].start, s[0].end, &s[0].tokens[..]),
            (0.0, 2.0, &[10, 11][..])
        );
        assert_eq!(s[0].avg_logprob, -2.0);
        assert_eq!((s[1].start, s[1].end), (2.0, 3.0));
        assert_eq!(
            (s[2].start, s[2].end, &s[2].tokens[..]),
            (3.2, 20.0, &[13][..])
        );
        assert_eq!(v.text(&s[0].tokens), "w10 w11 ");
    }
}
