//! Diarization: the speech regions of a recording (the energy VAD), cut into sliding
//! windows, one CAM++ embedding per window, windows clustered into speakers, and the
//! clusters laid back on the timeline as speaker turns.

use std::collections::BTreeMap;

use super::campplus::{cosine, CamPlusPlus};
use super::cluster::{cluster, Cut};
use super::fbank::{Fbank, Frame};
use crate::audio::vad::{speech_spans, VadOptions};
use crate::audio::SAMPLE_RATE;
use crate::error::Result;

/// How many speakers to find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakerCount {
    /// Estimated from the recording.
    Auto,
    /// Exactly this many (fewer when the recording has too little speech).
    Exactly(usize),
}

#[derive(Debug, Clone)]
pub struct DiarizeOptions {
    pub speakers: SpeakerCount,
    /// Window length and hop, in seconds.
    pub window_s: f32,
    pub hop_s: f32,
    /// Two groups of windows are one speaker while their average cosine similarity
    /// is at least this (calibrated on the speaker benchmark, docs/BENCHMARKS.md).
    pub threshold: f32,
    /// A cluster of fewer windows than this is folded into the nearest bigger one
    /// (a cough, a laugh, a word over someone else is not a new speaker).
    pub min_cluster_windows: usize,
    /// Windows embedded at once.
    pub batch: usize,
}

impl Default for DiarizeOptions {
    fn default() -> Self {
        DiarizeOptions {
            speakers: SpeakerCount::Auto,
            window_s: 1.5,
            hop_s: 0.75,
            threshold: 0.4,
            min_cluster_windows: 3,
            batch: 16,
        }
    }
}

/// One speaker's stretch of speech, in seconds; `speaker` is 0-based, numbered in
/// order of first appearance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Turn {
    pub start: f64,
    pub end: f64,
    pub speaker: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Diarization {
    pub turns: Vec<Turn>,
    pub speakers: usize,
    /// The mean embedding of each speaker (a voiceprint of what they said here).
    pub centroids: Vec<Vec<f32>>,
}

impl Diarization {
    /// The speaker who talks most within [start, end), if anyone does.
    pub fn speaker_of(&self, start: f64, end: f64) -> Option<usize> {
        let mut talk: BTreeMap<usize, f64> = BTreeMap::new();
        for t in &self.turns {
            let overlap = t.end.min(end) - t.start.max(start);
            if overlap > 0.0 {
                *talk.entry(t.speaker).or_default() += overlap;
            }
        }
        talk.into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s)
    }
}

/// A window of the recording, in samples.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: usize,
    end: usize,
}

/// The speech of a recording cut into windows, with one embedding per window: the
/// costly half of diarization, which `Embedded::cluster` turns into speakers.
#[derive(Debug, Clone, Default)]
pub struct Embedded {
    windows: Vec<Window>,
    embeddings: Vec<Vec<f32>>,
}

/// Who spoke when in 16 kHz mono `audio`.
pub fn diarize(model: &CamPlusPlus, audio: &[f32], opts: &DiarizeOptions) -> Result<Diarization> {
    Ok(embed_speech(model, audio, opts)?.cluster(opts))
}

/// Finds the speech in `audio`, cuts it into windows and embeds each one.
pub fn embed_speech(model: &CamPlusPlus, audio: &[f32], opts: &DiarizeOptions) -> Result<Embedded> {
    let rate = SAMPLE_RATE as f32;
    let win = (opts.window_s * rate) as usize;
    let hop = ((opts.hop_s * rate) as usize).max(1);
    // Shorter than this, a window says little about its voice.
    let min_len = (0.5 * rate) as usize;
    let spans = speech_spans(audio, &VadOptions::default());
    let mut windows = Vec::new();
    for span in spans.iter().filter(|s| s.len() >= min_len) {
        let mut start = span.start;
        while start + win < span.end {
            windows.push(Window {
                start,
                end: start + win,
            });
            start += hop;
        }
        if start < span.end {
            let start = span.end.saturating_sub(win).max(span.start);
            windows.push(Window {
                start,
                end: span.end,
            });
        }
    }
    let embeddings = embed_windows(model, audio, &windows, opts.batch)?;
    Ok(Embedded {
        windows,
        embeddings,
    })
}

impl Embedded {
    /// Clusters the windows into speakers (`opts.speakers`, `threshold`,
    /// `min_cluster_windows`) and lays them on the timeline.
    pub fn cluster(&self, opts: &DiarizeOptions) -> Diarization {
        if self.windows.is_empty() {
            return Diarization::default();
        }
        let cut = match opts.speakers {
            SpeakerCount::Auto => Cut::Similarity(opts.threshold),
            SpeakerCount::Exactly(n) => Cut::Count(n),
        };
        let mut labels = cluster(&self.embeddings, cut);
        if opts.speakers == SpeakerCount::Auto {
            fold_small_clusters(&mut labels, &self.embeddings, opts.min_cluster_windows);
        }
        let (labels, speakers) = renumber(&labels);
        let centroids = (0..speakers)
            .map(|s| centroid(&self.embeddings, &labels, s))
            .collect();
        Diarization {
            turns: turns(&self.windows, &labels, SAMPLE_RATE as f64),
            speakers,
            centroids,
        }
    }
}

fn embed_windows(
    model: &CamPlusPlus,
    audio: &[f32],
    windows: &[Window],
    batch: usize,
) -> Result<Vec<Vec<f32>>> {
    let fbank = Fbank::new();
    let feats: Vec<Vec<Frame>> = windows
        .iter()
        .map(|w| fbank.compute_normalized(&audio[w.start..w.end]))
        .collect();
    // Windows of one length are embedded together.
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in feats.iter().enumerate() {
        by_len.entry(f.len()).or_default().push(i);
    }
    let mut out = vec![Vec::new(); windows.len()];
    for idx in by_len.values() {
        for chunk in idx.chunks(batch.max(1)) {
            let utterances: Vec<&[Frame]> = chunk.iter().map(|&i| feats[i].as_slice()).collect();
            for (&i, e) in chunk.iter().zip(model.embed_batch(&utterances)?) {
                out[i] = e;
            }
        }
    }
    Ok(out)
}

fn centroid(embeddings: &[Vec<f32>], labels: &[usize], label: usize) -> Vec<f32> {
    let mut sum = vec![0f32; embeddings[0].len()];
    let mut n = 0;
    for (e, _) in embeddings.iter().zip(labels).filter(|(_, &l)| l == label) {
        for (s, v) in sum.iter_mut().zip(e) {
            *s += v;
        }
        n += 1;
    }
    sum.iter_mut().for_each(|s| *s /= n.max(1) as f32);
    sum
}

/// Moves the windows of clusters smaller than `min` to the most similar bigger cluster
/// (when there is one: a recording of few windows keeps what it has).
fn fold_small_clusters(labels: &mut [usize], embeddings: &[Vec<f32>], min: usize) {
    let count = labels.iter().max().map_or(0, |m| m + 1);
    let sizes: Vec<usize> = (0..count)
        .map(|c| labels.iter().filter(|&&l| l == c).count())
        .collect();
    let big: Vec<usize> = (0..count).filter(|&c| sizes[c] >= min).collect();
    if big.is_empty() || big.len() == count {
        return;
    }
    let centroids: Vec<Vec<f32>> = big
        .iter()
        .map(|&c| centroid(embeddings, labels, c))
        .collect();
    for (l, e) in labels.iter_mut().zip(embeddings) {
        if sizes[*l] < min {
            let best = (0..big.len())
                .max_by(|&a, &b| cosine(e, &centroids[a]).total_cmp(&cosine(e, &centroids[b])))
                .expect("a big cluster");
            *l = big[best];
        }
    }
}

/// Labels renumbered 0.. in order of first appearance, and how many there are.
fn renumber(labels: &[usize]) -> (Vec<usize>, usize) {
    let mut map: BTreeMap<usize, usize> = BTreeMap::new();
    let out = labels
        .iter()
        .map(|l| {
            let next = map.len();
            *map.entry(*l).or_insert(next)
        })
        .collect();
    (out, map.len())
}

/// Windows overlap: each stretch of a window belongs to the window whose centre is
/// nearest, and consecutive stretches of one speaker join into a turn.
fn turns(windows: &[Window], labels: &[usize], rate: f64) -> Vec<Turn> {
    let mut pieces: Vec<Turn> = Vec::with_capacity(windows.len());
    for (i, w) in windows.iter().enumerate() {
        let mut start = w.start as f64;
        let mut end = w.end as f64;
        let centre = |w: &Window| (w.start + w.end) as f64 / 2.0;
        if i > 0 && windows[i - 1].end > w.start {
            start = start.max((centre(&windows[i - 1]) + centre(w)) / 2.0);
        }
        if let Some(next) = windows.get(i + 1).filter(|n| n.start < w.end) {
            end = end.min((centre(w) + centre(next)) / 2.0);
        }
        if end > start {
            pieces.push(Turn {
                start: start / rate,
                end: end / rate,
                speaker: labels[i],
            });
        }
    }
    let mut out: Vec<Turn> = Vec::new();
    for p in pieces {
        match out.last_mut() {
            Some(last) if last.speaker == p.speaker && p.start - last.end < 1e-6 => {
                last.end = p.end
            }
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_windows_split_at_midpoints_and_join_by_speaker() {
        let w = |s: f64, e: f64| Window {
            start: (s * 100.0) as usize,
            end: (e * 100.0) as usize,
        };
        let windows = [w(0.0, 1.5), w(0.75, 2.25), w(1.5, 3.0), w(5.0, 6.0)];
        let t = turns(&windows, &[0, 0, 1, 1], 100.0);
        assert_eq!(
            t,
            vec![
                Turn {
                    start: 0.0,
                    end: 1.875,
                    speaker: 0
                },
                Turn {
                    start: 1.875,
                    end: 3.0,
                    speaker: 1
                },
                Turn {
                    start: 5.0,
                    end: 6.0,
                    speaker: 1
                },
            ]
        );
        let d = Diarization {
            turns: t,
            speakers: 2,
            centroids: vec![],
        };
        assert_eq!(d.speaker_of(0.0, 1.0), Some(0));
        assert_eq!(d.speaker_of(1.0, 3.0), Some(1));
        assert_eq!(d.speaker_of(3.5, 4.5), None);
    }

    #[test]
    fn renumbers_by_first_appearance() {
        assert_eq!(renumber(&[4, 4, 1, 4, 0]), (vec![0, 0, 1, 0, 2], 3));
    }
}
