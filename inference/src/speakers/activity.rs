//! Where people speak, from the segmentation network: the recording is read in 10-s
//! windows that overlap by half, each frame's probability that somebody speaks (one
//! minus the powerset's "nobody" class) is averaged over the windows that see it,
//! weighted towards each window's centre (the network sees least context at its edges),
//! and the frames above one half, joined across short pauses, are the speech. The
//! frames where two people speak at once (the powerset's pairs) are found the same way.
//!
//! Unlike the energy VAD it tells voices from other loud sounds (paper, laughter, a
//! door), which otherwise become speech given to somebody.

use super::segmentation::{self, Segmentation, LOCAL_SPEAKERS, WINDOW_SAMPLES};
use crate::audio::vad::{spans_of_active, Joining, Span};
use crate::error::Result;

#[derive(Debug, Clone)]
pub struct ActivityOptions {
    /// Seconds between the starts of two windows.
    pub step_s: f32,
    /// A frame is speech when somebody speaks in it with at least this probability.
    pub threshold: f32,
    /// Pauses shorter than this stay inside a region.
    pub min_pause_s: f32,
    /// Regions shorter than this are dropped.
    pub min_speech_s: f32,
    /// Kept on each side of a region.
    pub pad_s: f32,
    /// Windows run through the network at once.
    pub batch: usize,
}

impl Default for ActivityOptions {
    fn default() -> Self {
        ActivityOptions {
            step_s: 5.0,
            threshold: 0.5,
            min_pause_s: 0.25,
            min_speech_s: 0.1,
            pad_s: 0.05,
            batch: 8,
        }
    }
}

/// Resolution of the speech decision: 10 ms.
const CELL: usize = 160;
/// Cells quieter than this are silence.
const SILENCE_DBFS: f32 = -80.0;

/// Where people speak in a recording, in samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    /// Where anybody speaks.
    pub speech: Vec<Span>,
    /// Where two people speak at once (always inside `speech`).
    pub overlap: Vec<Span>,
}

/// Each 10-ms cell's probability that somebody speaks in it, and that two people do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probabilities {
    pub speech: Vec<f32>,
    pub overlap: Vec<f32>,
}

/// The speech, and the overlapped speech, of 16 kHz mono `audio`.
pub fn find_speech(model: &Segmentation, audio: &[f32], opts: &ActivityOptions) -> Result<Found> {
    let p = probabilities(model, audio, opts)?;
    let overlap_opts = ActivityOptions {
        min_pause_s: 0.0,
        pad_s: 0.0,
        ..opts.clone()
    };
    Ok(Found {
        speech: regions(&p.speech, audio.len(), opts),
        overlap: regions(&p.overlap, audio.len(), &overlap_opts),
    })
}

/// Each 10-ms cell's probabilities of speech and of overlapped speech.
pub fn probabilities(
    model: &Segmentation,
    audio: &[f32],
    opts: &ActivityOptions,
) -> Result<Probabilities> {
    let cells = audio.len().div_ceil(CELL);
    let mut speech = vec![0f32; cells];
    let mut overlap = vec![0f32; cells];
    let mut weight = vec![0f32; cells];
    if audio.len() < segmentation::RECEPTIVE_FIELD {
        return Ok(Probabilities { speech, overlap });
    }
    let win = WINDOW_SAMPLES.min(audio.len());
    let step = ((opts.step_s * segmentation::SAMPLE_RATE as f32) as usize).clamp(1, win);
    let mut starts: Vec<usize> = (0..=audio.len() - win).step_by(step).collect();
    // The last window ends with the recording, so its end is seen too.
    if starts.last() != Some(&(audio.len() - win)) {
        starts.push(audio.len() - win);
    }
    let frames = segmentation::num_frames(win);
    // Triangular weights, never zero: the middle frames count most.
    let frame_weight: Vec<f32> = (0..frames)
        .map(|i| {
            let x = (i as f32 + 0.5) / frames as f32;
            1.0 - (2.0 * x - 1.0).abs() + 1e-3
        })
        .collect();
    let half = segmentation::FRAME_STEP / 2;
    for batch in starts.chunks(opts.batch.max(1)) {
        let windows: Vec<&[f32]> = batch.iter().map(|&s| &audio[s..s + win]).collect();
        for (&start, log_probs) in batch.iter().zip(model.forward(&windows)?) {
            for (i, lp) in log_probs.iter().enumerate() {
                let p = 1.0 - lp[0].exp();
                let pair: f32 = lp[1 + LOCAL_SPEAKERS..].iter().map(|v| v.exp()).sum();
                let centre = start + segmentation::frame_center(i);
                let (a, b) = (
                    centre.saturating_sub(half) / CELL,
                    ((centre + half) / CELL).min(cells - 1),
                );
                for c in a..=b {
                    speech[c] += frame_weight[i] * p;
                    overlap[c] += frame_weight[i] * pair;
                    weight[c] += frame_weight[i];
                }
            }
        }
    }
    // Cells no frame reaches (the first and last few ms) take their neighbour's value.
    for v in [&mut speech, &mut overlap] {
        let mut last = 0.0;
        for (s, w) in v.iter_mut().zip(&weight) {
            if *w > 0.0 {
                *s /= w;
                last = *s;
            } else {
                *s = last;
            }
        }
    }
    // The network normalises each window's loudness, so to it digital silence can look
    // like anything: what is at the level of the last bit of 16-bit audio is nobody.
    // (A higher floor, the energy VAD's -55 dBFS, cut real far-field speech: DER on
    // the real meetings 23.2% → 34.5%.)
    for (c, cell) in audio.chunks(CELL).enumerate() {
        let power = cell.iter().map(|x| x * x).sum::<f32>() / cell.len() as f32;
        if 10.0 * (power + 1e-12).log10() < SILENCE_DBFS {
            speech[c] = 0.0;
            overlap[c] = 0.0;
        }
    }
    Ok(Probabilities { speech, overlap })
}

/// Speech regions from per-cell probabilities.
fn regions(probability: &[f32], samples: usize, opts: &ActivityOptions) -> Vec<Span> {
    let active: Vec<bool> = probability.iter().map(|&p| p >= opts.threshold).collect();
    let joining = Joining {
        min_pause_s: opts.min_pause_s,
        min_speech_s: opts.min_speech_s,
        pad_s: opts.pad_s,
    };
    spans_of_active(&active, CELL, samples, &joining)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ActivityOptions {
        ActivityOptions::default()
    }

    #[test]
    fn runs_above_the_threshold_become_regions_joined_across_short_pauses() {
        // 1 s of speech, a 0.1-s pause, 0.5 s of speech, 1 s of silence, 0.05 s blip.
        let mut p = vec![0.9; 100];
        p.extend(vec![0.1; 10]);
        p.extend(vec![0.8; 50]);
        p.extend(vec![0.0; 100]);
        p.extend(vec![0.7; 5]);
        p.extend(vec![0.0; 20]);
        let samples = p.len() * CELL;
        let spans = regions(&p, samples, &opts());
        assert_eq!(
            spans,
            vec![Span {
                start: 0,
                end: 165 * CELL
            }]
        );
    }

    #[test]
    fn silence_everywhere_is_no_region() {
        assert!(regions(&[0.2; 500], 500 * CELL, &opts()).is_empty());
    }

    #[test]
    fn a_region_at_the_end_stops_at_the_last_sample() {
        let mut p = vec![0.0; 50];
        p.extend(vec![0.9; 50]);
        let spans = regions(&p, 100 * CELL - 7, &opts());
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].end, 100 * CELL - 7);
        assert_eq!(spans[0].start, 45 * CELL);
    }
}
