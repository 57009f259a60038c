//! Diarization: the speech regions of a recording and where two people speak at once
//! (the segmentation network, [`super::activity`]; without it the energy VAD, cut at
//! short pauses, and no overlap), fbank computed once per region and sliced into
//! sliding windows, one CAM++ embedding per window, windows clustered into speakers
//! (spectral clustering with an estimated count), every 10-ms frame of speech given to
//! the speaker whose voice the windows around it are closest to, and overlapped
//! stretches given a second speaker.

use std::collections::BTreeMap;

use candle_core::Tensor;

use super::activity::{find_speech, ActivityOptions, Found};
use super::campplus::{cosine, CamPlusPlus, HEAD_CONTEXT};
use super::cluster::{cluster, Cut};
use super::fbank::{Fbank, Frame};
use super::segmentation::Segmentation;
use super::spectral::{spectral, SpectralOptions};
use crate::audio::vad::{speech_spans, Span, VadOptions};
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
    /// Two speakers whose mean voices have at least this cosine similarity are one
    /// (calibrated on the speaker benchmark, docs/BENCHMARKS.md).
    pub threshold: f32,
    /// A cluster of fewer windows than this is folded into the nearest bigger one
    /// (a cough, a laugh, a word over someone else is not a new speaker).
    pub min_cluster_windows: usize,
    /// Windows embedded at once.
    pub batch: usize,
    /// Speaker changes closer together than this (seconds) within one stretch of
    /// speech are smoothed away.
    pub min_turn_s: f32,
    pub spectral: SpectralOptions,
    /// Run CAM++'s convolutional head once over each speech region and cut the
    /// windows from its output (2-3× faster), rather than once per window from the
    /// window's own fbank (exactly what the reference implementation computes).
    pub shared_head: bool,
}

impl Default for DiarizeOptions {
    fn default() -> Self {
        DiarizeOptions {
            speakers: SpeakerCount::Auto,
            window_s: 1.5,
            hop_s: 0.75,
            threshold: 0.875,
            min_cluster_windows: 4,
            batch: 16,
            min_turn_s: 0.4,
            spectral: SpectralOptions::default(),
            shared_head: true,
        }
    }
}

/// Fewer windows than this are too few for a graph: average-linkage clustering instead.
const MIN_SPECTRAL_WINDOWS: usize = 10;
/// The average-linkage cut for recordings of few windows (calibrated before spectral
/// clustering; keeps one real speaker whole).
const SHORT_RECORDING_SIMILARITY: f32 = 0.4;
/// Spectral clustering costs O(n³): above this many windows it runs on an even sample
/// of them, and the others join the nearest resulting speaker.
const MAX_SPECTRAL_WINDOWS: usize = 600;
/// fbank frames are 10 ms apart.
const FRAME_SHIFT: usize = 160;

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

/// A window of one speech region, in fbank frames from the region's start.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
struct Window {
    region: usize,
    start: usize,
    len: usize,
}

impl Window {
    fn centre(&self) -> f64 {
        self.start as f64 + self.len as f64 / 2.0
    }
}

/// The speech of a recording cut into windows, with one embedding per window: the
/// costly half of diarization, which `Embedded::cluster` turns into speakers (it can
/// be saved, to try clustering settings on it without embedding again).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Embedded {
    /// Speech regions, in samples.
    regions: Vec<Span>,
    windows: Vec<Window>,
    embeddings: Vec<Vec<f32>>,
    /// Where two people speak at once, in samples (none from the energy VAD).
    #[serde(default)]
    overlap: Vec<Span>,
}

/// Who spoke when in 16 kHz mono `audio`, the speech found by the energy VAD.
pub fn diarize(model: &CamPlusPlus, audio: &[f32], opts: &DiarizeOptions) -> Result<Diarization> {
    diarize_with(model, None, audio, opts)
}

/// Who spoke when in 16 kHz mono `audio`, the speech found by the segmentation network
/// when it is given (it tells voices from other sounds), else by the energy VAD.
pub fn diarize_with(
    model: &CamPlusPlus,
    segmentation: Option<&Segmentation>,
    audio: &[f32],
    opts: &DiarizeOptions,
) -> Result<Diarization> {
    Ok(embed_speech_with(model, segmentation, audio, opts)?.cluster(opts))
}

/// Speech regions for diarization: the transcription VAD, but cut at pauses of a
/// quarter second (speakers hand over in such pauses) and padded less.
fn diarization_vad() -> VadOptions {
    VadOptions {
        min_pause_s: 0.25,
        pad_s: 0.1,
        ..VadOptions::default()
    }
}

/// Finds the speech in `audio` (energy VAD), cuts it into windows and embeds each one.
pub fn embed_speech(model: &CamPlusPlus, audio: &[f32], opts: &DiarizeOptions) -> Result<Embedded> {
    embed_speech_with(model, None, audio, opts)
}

/// As [`embed_speech`], the speech found by `segmentation` when it is given.
pub fn embed_speech_with(
    model: &CamPlusPlus,
    segmentation: Option<&Segmentation>,
    audio: &[f32],
    opts: &DiarizeOptions,
) -> Result<Embedded> {
    let started = std::time::Instant::now();
    let found = match segmentation {
        Some(seg) => find_speech(seg, audio, &ActivityOptions::default())?,
        None => Found {
            speech: speech_spans(audio, &diarization_vad()),
            overlap: Vec::new(),
        },
    };
    let found_s = started.elapsed().as_secs_f64();
    let mut embedded = embed_regions(model, audio, found.speech, opts)?;
    embedded.overlap = found.overlap;
    tracing::debug!(
        regions = embedded.regions.len(),
        windows = embedded.windows.len(),
        segmentation = segmentation.is_some(),
        "speech found in {found_s:.2} s, embedded in {:.2} s",
        started.elapsed().as_secs_f64() - found_s
    );
    Ok(embedded)
}

/// Cuts the speech `regions` of `audio` into windows and embeds each one.
fn embed_regions(
    model: &CamPlusPlus,
    audio: &[f32],
    regions: Vec<Span>,
    opts: &DiarizeOptions,
) -> Result<Embedded> {
    let rate = SAMPLE_RATE as f32;
    let win = Fbank::frame_count((opts.window_s * rate) as usize).max(1);
    let hop = ((opts.hop_s * rate) as usize / FRAME_SHIFT).max(1);
    // Shorter than this, a window says little about its voice.
    let min_len = Fbank::frame_count((0.5 * rate) as usize);
    let mut windows = Vec::new();
    for (r, span) in regions.iter().enumerate() {
        let n = Fbank::frame_count(span.len());
        if n >= min_len {
            let mut start = 0;
            while start + win < n {
                windows.push(Window {
                    region: r,
                    start,
                    len: win,
                });
                start += hop;
            }
            if start < n {
                let start = n.saturating_sub(win);
                windows.push(Window {
                    region: r,
                    start,
                    len: n - start,
                });
            }
        }
    }
    let embeddings = if opts.shared_head {
        embed_windows_shared(model, audio, &regions, &windows, opts.batch)?
    } else {
        embed_windows(model, audio, &regions, &windows, opts.batch)?
    };
    Ok(Embedded {
        regions,
        windows,
        embeddings,
        overlap: Vec::new(),
    })
}

/// Each window's own fbank, mean-normalised over the window, embedded in batches of
/// windows of one length.
fn embed_windows(
    model: &CamPlusPlus,
    audio: &[f32],
    regions: &[Span],
    windows: &[Window],
    batch: usize,
) -> Result<Vec<Vec<f32>>> {
    let fbank = Fbank::new();
    // Windows of one length are embedded together.
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, w) in windows.iter().enumerate() {
        by_len.entry(w.len).or_default().push(i);
    }
    let mut out = vec![Vec::new(); windows.len()];
    for idx in by_len.values() {
        for chunk in idx.chunks(batch.max(1)) {
            let feats: Vec<Vec<Frame>> = chunk
                .iter()
                .map(|&i| {
                    let w = windows[i];
                    let start = regions[w.region].start + w.start * FRAME_SHIFT;
                    let end = start + Fbank::samples_for(w.len);
                    fbank.compute_normalized(&audio[start..end])
                })
                .collect();
            let utterances: Vec<&[Frame]> = feats.iter().map(Vec::as_slice).collect();
            for (&i, e) in chunk.iter().zip(model.embed_batch(&utterances)?) {
                out[i] = e;
            }
        }
    }
    Ok(out)
}

/// As `embed_windows`, with the head run once per region (fbank normalised by the
/// region's mean) and each window's columns cut from it. Regions are done one at a
/// time, full-length windows embedded in batches as they come, so memory stays that
/// of one region.
fn embed_windows_shared(
    model: &CamPlusPlus,
    audio: &[f32],
    regions: &[Span],
    windows: &[Window],
    batch: usize,
) -> Result<Vec<Vec<f32>>> {
    let fbank = Fbank::new();
    let full = windows.iter().map(|w| w.len).max().unwrap_or(0);
    let mut out = vec![Vec::new(); windows.len()];
    let mut pending: Vec<(usize, Tensor)> = Vec::new();
    let flush = |pending: &mut Vec<(usize, Tensor)>, out: &mut Vec<Vec<f32>>| -> Result<()> {
        let tensors: Vec<Tensor> = pending.iter().map(|(_, t)| t.clone()).collect();
        for ((i, _), e) in pending.iter().zip(model.embed_heads(&tensors)?) {
            out[*i] = e;
        }
        pending.clear();
        Ok(())
    };
    let mut i = 0;
    while i < windows.len() {
        let region = windows[i].region;
        let span = regions[region];
        let frames = fbank.compute_normalized(&audio[span.start..span.end]);
        let head = head_in_pieces(model, &frames)?;
        while i < windows.len() && windows[i].region == region {
            let w = windows[i];
            // A copy, so that the region's head can go once its windows are cut.
            let cut = head.narrow(2, w.start, w.len)?.copy()?;
            if w.len == full {
                pending.push((i, cut));
                if pending.len() >= batch.max(1) {
                    flush(&mut pending, &mut out)?;
                }
            } else {
                out[i] = model.embed_heads(&[cut])?.pop().unwrap_or_default();
            }
            i += 1;
        }
    }
    if !pending.is_empty() {
        flush(&mut pending, &mut out)?;
    }
    Ok(out)
}

/// Longest stretch (frames) given to the head in one pass; longer regions go in
/// pieces that overlap by the head's context, which gives the same columns.
const HEAD_CHUNK: usize = 1000;

fn head_in_pieces(model: &CamPlusPlus, frames: &[Frame]) -> Result<Tensor> {
    let n = frames.len();
    if n <= HEAD_CHUNK {
        return model.head(frames);
    }
    let mut parts = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + HEAD_CHUNK).min(n);
        let (a, b) = (
            start.saturating_sub(HEAD_CONTEXT),
            (end + HEAD_CONTEXT).min(n),
        );
        parts.push(
            model
                .head(&frames[a..b])?
                .narrow(2, start - a, end - start)?,
        );
        start = end;
    }
    Ok(Tensor::cat(&parts, 2)?)
}

impl Embedded {
    /// Clusters the windows into speakers and lays them on the timeline. Windows that
    /// are almost all two people at once are left out: their voice is a blend that would
    /// join the two speakers into one; the timeline there comes from the windows
    /// around them and the second voice from [`second_voices`].
    pub fn cluster(&self, opts: &DiarizeOptions) -> Diarization {
        let single: Vec<usize> = (0..self.windows.len())
            .filter(|&i| self.overlapped_share(&self.windows[i]) < MOSTLY_OVERLAPPED)
            .collect();
        if single.len() == self.windows.len() || single.is_empty() {
            return self.cluster_windows(opts);
        }
        Embedded {
            regions: self.regions.clone(),
            windows: single.iter().map(|&i| self.windows[i]).collect(),
            embeddings: single.iter().map(|&i| self.embeddings[i].clone()).collect(),
            overlap: self.overlap.clone(),
        }
        .cluster_windows(opts)
    }

    /// The share of window `w` that is overlapped speech.
    fn overlapped_share(&self, w: &Window) -> f64 {
        let start = self.regions[w.region].start + w.start * FRAME_SHIFT;
        let end = start + w.len * FRAME_SHIFT;
        let overlapped: usize = self
            .overlap
            .iter()
            .map(|o| o.end.min(end).saturating_sub(o.start.max(start)))
            .sum();
        overlapped as f64 / (end - start).max(1) as f64
    }

    fn cluster_windows(&self, opts: &DiarizeOptions) -> Diarization {
        if self.windows.is_empty() {
            return Diarization::default();
        }
        let mut labels = self.labels(opts);
        if opts.speakers == SpeakerCount::Auto {
            fold_small_clusters(&mut labels, &self.embeddings, opts.min_cluster_windows);
            merge_similar_clusters(&mut labels, &self.embeddings, opts.threshold);
        }
        let (labels, speakers) = renumber(&labels);
        let centroids: Vec<Vec<f32>> = (0..speakers)
            .map(|s| centroid(&self.embeddings, &labels, s))
            .collect();
        let mut turns = self.turns(&labels, &centroids, opts);
        let second = second_voices(&turns, &self.overlap);
        turns.extend(second);
        turns.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.speaker.cmp(&b.speaker)));
        // Numbered again in order of first appearance on the timeline; a cluster that
        // won no frame is no speaker.
        let (order, speakers) = renumber(&turns.iter().map(|t| t.speaker).collect::<Vec<_>>());
        let mut cluster_of = vec![0; speakers];
        for (t, &n) in turns.iter().zip(&order) {
            cluster_of[n] = t.speaker;
        }
        Diarization {
            turns: turns
                .into_iter()
                .zip(order)
                .map(|(t, speaker)| Turn { speaker, ..t })
                .collect(),
            speakers,
            centroids: cluster_of.iter().map(|&c| centroids[c].clone()).collect(),
        }
    }

    /// A speaker label per window.
    fn labels(&self, opts: &DiarizeOptions) -> Vec<usize> {
        let n = self.windows.len();
        let given = match opts.speakers {
            SpeakerCount::Auto => None,
            SpeakerCount::Exactly(k) => Some(k),
        };
        if n < MIN_SPECTRAL_WINDOWS {
            let cut = given.map_or(Cut::Similarity(SHORT_RECORDING_SIMILARITY), Cut::Count);
            return cluster(&self.embeddings, cut);
        }
        // A long recording: cluster an even sample, then give every window the nearest
        // speaker.
        let step = n.div_ceil(MAX_SPECTRAL_WINDOWS);
        let sample: Vec<Vec<f32>> = self.embeddings.iter().step_by(step).cloned().collect();
        let sample_labels = match spectral(&sample, given, &opts.spectral) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!("spectral clustering failed ({e}); using average linkage");
                let cut = given.map_or(Cut::Similarity(SHORT_RECORDING_SIMILARITY), Cut::Count);
                cluster(&sample, cut)
            }
        };
        if step == 1 {
            return sample_labels;
        }
        let (sample_labels, k) = renumber(&sample_labels);
        let centroids: Vec<Vec<f32>> = (0..k)
            .map(|s| centroid(&sample, &sample_labels, s))
            .collect();
        self.embeddings
            .iter()
            .map(|e| nearest(e, &centroids))
            .collect()
    }

    /// Every 10-ms frame of each speech region goes to the speaker whose mean voice
    /// the windows over it resemble most (windows weighted towards their centre), so
    /// a turn change inside a region falls where the voices change rather than on the
    /// window grid; changes that last less than `min_turn_s` are smoothed away.
    fn turns(&self, labels: &[usize], centroids: &[Vec<f32>], opts: &DiarizeOptions) -> Vec<Turn> {
        let speakers = centroids.len();
        let similarity: Vec<Vec<f32>> = self
            .embeddings
            .iter()
            .map(|e| centroids.iter().map(|c| cosine(e, c)).collect())
            .collect();
        let mut by_region: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, w) in self.windows.iter().enumerate() {
            by_region.entry(w.region).or_default().push(i);
        }
        let rate = SAMPLE_RATE as f64;
        let min_run = ((opts.min_turn_s * 100.0) as usize).max(1);
        let mut out: Vec<Turn> = Vec::new();
        for (r, span) in self.regions.iter().enumerate() {
            let frames = span.len().div_ceil(FRAME_SHIFT);
            let frame_labels = match by_region.get(&r) {
                Some(ws) => {
                    let mut l = frame_labels(frames, speakers, ws, &self.windows, &similarity);
                    smooth_short_runs(&mut l, min_run);
                    l
                }
                // Too short to embed: the speaker of the nearest window in time.
                None => vec![labels[self.nearest_window(span)]; frames],
            };
            for (f, &s) in frame_labels.iter().enumerate() {
                let start = (span.start + f * FRAME_SHIFT) as f64 / rate;
                let end = ((span.start + (f + 1) * FRAME_SHIFT).min(span.end)) as f64 / rate;
                match out.last_mut() {
                    Some(last) if last.speaker == s && (start - last.end).abs() < 1e-9 => {
                        last.end = end
                    }
                    _ => out.push(Turn {
                        start,
                        end,
                        speaker: s,
                    }),
                }
            }
        }
        out
    }

    fn nearest_window(&self, span: &Span) -> usize {
        let centre = (span.start + span.end) as f64 / 2.0;
        let window_centre =
            |w: &Window| self.regions[w.region].start as f64 + w.centre() * FRAME_SHIFT as f64;
        (0..self.windows.len())
            .min_by(|&a, &b| {
                let da = (window_centre(&self.windows[a]) - centre).abs();
                let db = (window_centre(&self.windows[b]) - centre).abs();
                da.total_cmp(&db)
            })
            .expect("there are windows")
    }
}

/// A window this much overlapped speech is not clustered (measured on real meetings:
/// leaving out windows half overlapped joined speakers; 0.8 is a little better than
/// keeping them all).
const MOSTLY_OVERLAPPED: f64 = 0.8;

/// Longest a second voice in overlapped speech is looked for, before and after it.
const SECOND_VOICE_REACH_S: f64 = 3.0;

/// Turns for the second voice where two people speak at once: over each stretch of
/// one speaker's turn inside an overlap, the other speaker heard nearest in time (in
/// a meeting, who talks over someone is mostly who just spoke or speaks next). None
/// when nobody else spoke within [`SECOND_VOICE_REACH_S`].
fn second_voices(turns: &[Turn], overlap: &[Span]) -> Vec<Turn> {
    let rate = SAMPLE_RATE as f64;
    let mut out = Vec::new();
    for o in overlap {
        let (a, b) = (o.start as f64 / rate, o.end as f64 / rate);
        for t in turns.iter().filter(|t| t.end > a && t.start < b) {
            let (start, end) = (t.start.max(a), t.end.min(b));
            let gap = |u: &Turn| (u.start - end).max(start - u.end).max(0.0);
            let nearest = turns
                .iter()
                .filter(|u| u.speaker != t.speaker)
                .map(|u| (gap(u), u.speaker))
                .filter(|(g, _)| *g <= SECOND_VOICE_REACH_S)
                .min_by(|x, y| x.0.total_cmp(&y.0));
            if let Some((_, speaker)) = nearest {
                out.push(Turn {
                    start,
                    end,
                    speaker,
                });
            }
        }
    }
    out
}

/// The best-scoring speaker per frame of a region of `frames` frames, from the
/// windows `ws` over it: each window adds its similarity to every speaker, weighted
/// by a triangle that peaks at the window's centre.
fn frame_labels(
    frames: usize,
    speakers: usize,
    ws: &[usize],
    windows: &[Window],
    similarity: &[Vec<f32>],
) -> Vec<usize> {
    let mut score = vec![0f32; frames * speakers];
    let mut covered = vec![false; frames];
    for &i in ws {
        let w = windows[i];
        let half = w.len as f64 / 2.0;
        for f in w.start..(w.start + w.len).min(frames) {
            let weight = (1.0 - ((f as f64 + 0.5) - w.centre()).abs() / (half + 1.0)) as f32;
            for s in 0..speakers {
                score[f * speakers + s] += weight * similarity[i][s];
            }
            covered[f] = true;
        }
    }
    let mut labels: Vec<Option<usize>> = (0..frames)
        .map(|f| {
            covered[f].then(|| {
                let row = &score[f * speakers..(f + 1) * speakers];
                (0..speakers)
                    .max_by(|&a, &b| row[a].total_cmp(&row[b]))
                    .unwrap_or(0)
            })
        })
        .collect();
    // Frames past the last window (the fbank's last partial frame) take their
    // neighbour's speaker.
    let mut last = labels.iter().flatten().next().copied().unwrap_or(0);
    for l in labels.iter_mut() {
        match l {
            Some(v) => last = *v,
            None => *l = Some(last),
        }
    }
    labels.into_iter().map(|l| l.unwrap_or(0)).collect()
}

/// Runs of one label shorter than `min` frames join a neighbouring run (the longer
/// one), shortest first, until every run is long enough or only one is left.
fn smooth_short_runs(labels: &mut [usize], min: usize) {
    loop {
        let mut runs: Vec<(usize, usize, usize)> = Vec::new(); // (start, len, label)
        for (i, &l) in labels.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if r.2 == l => r.1 += 1,
                _ => runs.push((i, 1, l)),
            }
        }
        if runs.len() < 2 {
            return;
        }
        let Some(k) = (0..runs.len())
            .filter(|&k| runs[k].1 < min)
            .min_by_key(|&k| runs[k].1)
        else {
            return;
        };
        let prev = k.checked_sub(1).map(|p| runs[p]);
        let next = runs.get(k + 1).copied();
        let to = match (prev, next) {
            (Some(p), Some(n)) => {
                if n.1 > p.1 {
                    n.2
                } else {
                    p.2
                }
            }
            (Some(p), None) => p.2,
            (None, Some(n)) => n.2,
            (None, None) => return,
        };
        let (start, len, _) = runs[k];
        labels[start..start + len].fill(to);
    }
}

fn nearest(e: &[f32], centroids: &[Vec<f32>]) -> usize {
    (0..centroids.len())
        .max_by(|&a, &b| cosine(e, &centroids[a]).total_cmp(&cosine(e, &centroids[b])))
        .unwrap_or(0)
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
            *l = big[nearest(e, &centroids)];
        }
    }
}

/// Joins the two clusters whose mean embeddings are most similar while that
/// similarity is at least `min`: one voice split in two (by the graph's structure, by
/// a change of tone) is one speaker, and one voice throughout gives one cluster.
fn merge_similar_clusters(labels: &mut [usize], embeddings: &[Vec<f32>], min: f32) {
    loop {
        let present: Vec<usize> = {
            let mut p: Vec<usize> = labels.to_vec();
            p.sort_unstable();
            p.dedup();
            p
        };
        if present.len() < 2 {
            return;
        }
        let centroids: Vec<Vec<f32>> = present
            .iter()
            .map(|&c| centroid(embeddings, labels, c))
            .collect();
        let mut best = (f32::NEG_INFINITY, 0, 0);
        for a in 0..present.len() {
            for b in a + 1..present.len() {
                let sim = cosine(&centroids[a], &centroids[b]);
                if sim > best.0 {
                    best = (sim, a, b);
                }
            }
        }
        if best.0 < min {
            return;
        }
        let (keep, gone) = (present[best.1], present[best.2]);
        labels
            .iter_mut()
            .filter(|l| **l == gone)
            .for_each(|l| *l = keep);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn region(start_s: f64, end_s: f64) -> Span {
        Span {
            start: (start_s * 16_000.0) as usize,
            end: (end_s * 16_000.0) as usize,
        }
    }

    #[test]
    fn a_turn_change_inside_a_region_falls_where_the_voices_change() {
        // One 4-s region: voice A for 0-2 s, B for 2-4 s; 1.5-s windows every 0.5 s.
        let a = vec![1.0, 0.0, 0.0];
        let b = vec![0.0, 1.0, 0.0];
        let mut windows = Vec::new();
        let mut embeddings = Vec::new();
        let mut start = 0;
        while start + 150 <= 400 {
            windows.push(Window {
                region: 0,
                start,
                len: 150,
            });
            // The share of each voice in the window sets its embedding.
            let in_a = (200usize.saturating_sub(start)).min(150) as f32 / 150.0;
            embeddings.push(vec![in_a, 1.0 - in_a, 0.0]);
            start += 50;
        }
        let e = Embedded {
            regions: vec![region(0.0, 4.0)],
            windows,
            embeddings,
            overlap: Vec::new(),
        };
        let labels: Vec<usize> = e
            .embeddings
            .iter()
            .map(|v| usize::from(v[1] > v[0]))
            .collect();
        let t = e.turns(&labels, &[a, b], &DiarizeOptions::default());
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!((t[0].speaker, t[1].speaker), (0, 1));
        assert!((t[0].end - 2.0).abs() <= 0.15, "{t:?}");
        assert_eq!((t[0].start, t[1].end), (0.0, 4.0));
    }

    /// `n` one-second windows, one region each, whose voice is `voice(i)` (one of a few
    /// directions in 16-D, with some noise).
    fn recording(n: usize, voice: impl Fn(usize) -> usize) -> Embedded {
        let mut seed = 99u64;
        let mut noise = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        Embedded {
            regions: (0..n)
                .map(|i| region(2.0 * i as f64, 2.0 * i as f64 + 1.0))
                .collect(),
            windows: (0..n)
                .map(|i| Window {
                    region: i,
                    start: 0,
                    len: 100,
                })
                .collect(),
            embeddings: (0..n)
                .map(|i| {
                    (0..16)
                        .map(|d| f32::from(u8::from(d % 4 == voice(i))) + 0.4 * noise())
                        .collect()
                })
                .collect(),
            overlap: Vec::new(),
        }
    }

    fn turn(start: f64, end: f64, speaker: usize) -> Turn {
        Turn {
            start,
            end,
            speaker,
        }
    }

    #[test]
    fn overlapped_speech_gets_the_voice_heard_nearest_as_a_second_speaker() {
        let turns = [turn(0.0, 2.0, 0), turn(2.0, 4.0, 1), turn(20.0, 22.0, 2)];
        // Two people at once across the hand-over, and alone in a late stretch.
        let second = second_voices(&turns, &[region(1.5, 2.5), region(20.5, 21.0)]);
        assert_eq!(second, vec![turn(1.5, 2.0, 1), turn(2.0, 2.5, 0)]);
    }

    #[test]
    fn no_second_voice_without_overlap() {
        let turns = [turn(0.0, 2.0, 0), turn(2.0, 4.0, 1)];
        assert!(second_voices(&turns, &[]).is_empty());
    }

    fn speaker_per_region(d: &Diarization, e: &Embedded) -> Vec<Option<usize>> {
        e.regions
            .iter()
            .map(|r| d.speaker_of(r.start as f64 / 16_000.0, r.end as f64 / 16_000.0))
            .collect()
    }

    #[test]
    fn voices_are_counted_and_found_on_the_timeline() {
        let voice = |i: usize| (i / 3) % 3;
        let e = recording(60, voice);
        let d = e.cluster(&DiarizeOptions::default());
        assert_eq!(d.speakers, 3);
        let expected: Vec<Option<usize>> = (0..60).map(|i| Some(voice(i))).collect();
        assert_eq!(speaker_per_region(&d, &e), expected);
        assert_eq!(d.centroids.len(), 3);
    }

    #[test]
    fn one_voice_throughout_is_one_speaker() {
        let e = recording(80, |_| 2);
        let d = e.cluster(&DiarizeOptions::default());
        assert_eq!(d.speakers, 1);
        assert_eq!(d.turns.len(), 80);
    }

    #[test]
    fn a_given_count_is_honoured_on_the_graph_path() {
        let e = recording(40, |i| i % 2);
        for n in [1, 2, 3] {
            let opts = DiarizeOptions {
                speakers: SpeakerCount::Exactly(n),
                ..DiarizeOptions::default()
            };
            assert_eq!(e.cluster(&opts).speakers, n);
        }
    }

    #[test]
    fn a_long_recording_clusters_a_sample_and_places_every_window() {
        // More windows than spectral clustering takes at once.
        let n = 2 * MAX_SPECTRAL_WINDOWS + 31;
        let voice = |i: usize| (i / 7) % 4;
        let e = recording(n, voice);
        let d = e.cluster(&DiarizeOptions::default());
        assert_eq!(d.speakers, 4);
        let found = speaker_per_region(&d, &e);
        // Speakers are numbered by first appearance, as the voices are here.
        assert!((0..n).all(|i| found[i] == Some(voice(i))));
    }

    #[test]
    fn short_runs_are_smoothed_into_their_neighbours() {
        let mut l = vec![0, 0, 0, 0, 1, 0, 0, 0, 2, 2, 2, 2, 2];
        smooth_short_runs(&mut l, 3);
        assert_eq!(l, vec![0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2]);
        let mut one = vec![1, 1];
        smooth_short_runs(&mut one, 5);
        assert_eq!(one, vec![1, 1]);
    }

    #[test]
    fn similar_clusters_merge_and_distinct_ones_stay() {
        let e = vec![
            vec![1.0, 0.1, 0.0],
            vec![1.0, 0.0, 0.1],
            vec![0.9, 0.1, 0.1],
            vec![0.0, 1.0, 0.0],
        ];
        let mut labels = vec![0, 0, 1, 2];
        merge_similar_clusters(&mut labels, &e, 0.9);
        assert_eq!(labels, vec![0, 0, 0, 2]);
    }

    #[test]
    fn speaker_of_picks_who_talks_most() {
        let d = Diarization {
            turns: vec![
                Turn {
                    start: 0.0,
                    end: 1.875,
                    speaker: 0,
                },
                Turn {
                    start: 1.875,
                    end: 3.0,
                    speaker: 1,
                },
            ],
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
