//! Voiceprints: a person's voice as one unit-length CAM++ embedding made from 10–60 s of
//! their speech, and the naming of a recording's speakers by the enrolled voices their
//! centroids match.

use std::collections::BTreeMap;

use super::campplus::{cosine, CamPlusPlus};
use super::cluster::{cluster, Cut};
use super::fbank::{Fbank, Frame};
use crate::audio::vad::{speech_spans, VadOptions};
use crate::audio::SAMPLE_RATE;

/// Less speech than this says too little about a voice to name anyone by it.
pub const MIN_SPEECH_S: f64 = 10.0;
/// More speech than this adds time, not accuracy: the rest is not used.
pub const MAX_SPEECH_S: f64 = 60.0;

/// Window length and hop of the enrolment embeddings, as in diarization.
const WINDOW_S: f64 = 1.5;
const HOP_S: f64 = 0.75;
/// Speech regions shorter than this say little about their voice.
const MIN_REGION_S: f64 = 0.5;
const BATCH: usize = 16;

/// The split of an enrolment's windows into two groups is two people when the smaller
/// group holds at least this share of the windows…
const TWO_VOICES_MIN_SHARE: f32 = 0.3;
/// …and the groups' average cosine similarity is below this. Calibrated by
/// scripts/bench-voiceprints (docs/BENCHMARKS.md): recordings of one espeak-ng voice
/// split off at most 0.38 of their windows, and those above 0.3 at similarity 0.60 or
/// more; two voices split 0.35–0.5 at 0.22–0.59 (11 of 12 refused, no single voice).
pub const TWO_VOICES_SIMILARITY: f32 = 0.55;

/// A voiceprint and what it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    /// Unit length, `EMBEDDING_DIM` values.
    pub voiceprint: Vec<f32>,
    /// Seconds of speech used.
    pub speech_s: f64,
    /// Windows embedded.
    pub windows: usize,
    /// The best split of the windows into two voices: the smaller group's share and the
    /// groups' average similarity (what the two-people check looked at).
    pub split_share: f32,
    pub split_similarity: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum EnrolError {
    #[error(
        "only {found_s:.1} s of speech was found; a voiceprint needs at least {min:.0} s of the \
         person speaking (record them reading for 15–60 s)",
        min = MIN_SPEECH_S
    )]
    TooLittleSpeech { found_s: f64 },
    #[error(
        "the recording sounds like two people ({:.0}% of it is a second voice, similarity \
         {similarity:.2}); enrol each person from a recording of their voice alone",
        share * 100.0
    )]
    TwoVoices { share: f32, similarity: f32 },
    #[error(transparent)]
    Engine(#[from] crate::Error),
}

/// A voiceprint from recordings (16 kHz mono) of one person: their speech found by the
/// VAD, the first [`MAX_SPEECH_S`] of it cut into windows and embedded, the windows
/// checked for a second voice, and the mean of the unit-length window embeddings,
/// normalised.
pub fn enrol(model: &CamPlusPlus, recordings: &[&[f32]]) -> Result<Enrolment, EnrolError> {
    let rate = SAMPLE_RATE as f64;
    let mut budget = (MAX_SPEECH_S * rate) as usize;
    let mut pieces: Vec<&[f32]> = Vec::new();
    for audio in recordings {
        for span in speech_spans(audio, &VadOptions::default()) {
            if budget == 0 {
                break;
            }
            if (span.len() as f64) < MIN_REGION_S * rate {
                continue;
            }
            let end = span.start + span.len().min(budget);
            budget -= end - span.start;
            pieces.push(&audio[span.start..end]);
        }
    }
    let speech_s = pieces.iter().map(|p| p.len()).sum::<usize>() as f64 / rate;
    if speech_s < MIN_SPEECH_S {
        return Err(EnrolError::TooLittleSpeech { found_s: speech_s });
    }
    let embeddings: Vec<Vec<f32>> = embed_windows(model, &pieces)?
        .into_iter()
        .map(unit)
        .collect();
    let (share, similarity) = best_split(&embeddings);
    if share >= TWO_VOICES_MIN_SHARE && similarity < TWO_VOICES_SIMILARITY {
        return Err(EnrolError::TwoVoices { share, similarity });
    }
    Ok(Enrolment {
        voiceprint: mean_unit(&embeddings),
        speech_s,
        windows: embeddings.len(),
        split_share: share,
        split_similarity: similarity,
    })
}

/// Windows of `WINDOW_S` every `HOP_S` over each piece (a piece shorter than a window
/// is one window), embedded in batches of one length.
fn embed_windows(model: &CamPlusPlus, pieces: &[&[f32]]) -> crate::Result<Vec<Vec<f32>>> {
    let rate = SAMPLE_RATE as f64;
    let (win, hop) = ((WINDOW_S * rate) as usize, (HOP_S * rate) as usize);
    let fbank = Fbank::new();
    let mut feats: Vec<Vec<Frame>> = Vec::new();
    for piece in pieces {
        let mut start = 0;
        while start + win < piece.len() {
            feats.push(fbank.compute_normalized(&piece[start..start + win]));
            start += hop;
        }
        if start < piece.len() {
            let start = piece.len().saturating_sub(win);
            feats.push(fbank.compute_normalized(&piece[start..]));
        }
    }
    feats.retain(|f| !f.is_empty());
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, f) in feats.iter().enumerate() {
        by_len.entry(f.len()).or_default().push(i);
    }
    let mut out = vec![Vec::new(); feats.len()];
    for idx in by_len.values() {
        for chunk in idx.chunks(BATCH) {
            let batch: Vec<&[Frame]> = chunk.iter().map(|&i| feats[i].as_slice()).collect();
            for (&i, e) in chunk.iter().zip(model.embed_batch(&batch)?) {
                out[i] = e;
            }
        }
    }
    Ok(out)
}

/// The two-cluster cut of the windows: the smaller cluster's share of the windows and
/// the average cosine similarity between the clusters' windows (1 for a single window).
pub fn best_split(embeddings: &[Vec<f32>]) -> (f32, f32) {
    if embeddings.len() < 2 {
        return (0.0, 1.0);
    }
    let labels = cluster(embeddings, Cut::Count(2));
    let (a, b): (Vec<usize>, Vec<usize>) = (0..embeddings.len()).partition(|&i| labels[i] == 0);
    if a.is_empty() || b.is_empty() {
        return (0.0, 1.0);
    }
    let mut sum = 0.0f64;
    for &i in &a {
        for &j in &b {
            sum += f64::from(cosine(&embeddings[i], &embeddings[j]));
        }
    }
    let share = a.len().min(b.len()) as f32 / embeddings.len() as f32;
    (share, (sum / (a.len() * b.len()) as f64) as f32)
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// The mean of unit vectors, made unit length.
pub fn mean_unit(vectors: &[Vec<f32>]) -> Vec<f32> {
    let Some(first) = vectors.first() else {
        return Vec::new();
    };
    let mut sum = vec![0f32; first.len()];
    for v in vectors {
        let v = unit(v.clone());
        sum.iter_mut().zip(&v).for_each(|(s, x)| *s += x);
    }
    unit(sum)
}

/// When a speaker is named after an enrolled voice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NamingOptions {
    /// The speaker's centroid must be at least this similar to the voice…
    pub threshold: f32,
    /// …and at least this much more similar to it than to the next-best voice.
    pub margin: f32,
}

impl Default for NamingOptions {
    /// Calibrated by scripts/bench-voiceprints (docs/BENCHMARKS.md): the lowest
    /// threshold with at most 2% of speakers named wrongly (1.4%, 0% among voices that
    /// are not one synthetic speaker in two languages), naming 87% of enrolled speakers.
    fn default() -> Self {
        NamingOptions {
            threshold: 0.9,
            margin: 0.05,
        }
    }
}

/// A speaker matched to an enrolled voice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VoiceMatch {
    /// Index into the voices.
    pub voice: usize,
    pub similarity: f32,
}

/// The voices most similar to `centroid`, best first, at most `k`.
pub fn candidates(centroid: &[f32], voices: &[Vec<f32>], k: usize) -> Vec<VoiceMatch> {
    let mut all: Vec<VoiceMatch> = voices
        .iter()
        .enumerate()
        .map(|(voice, v)| VoiceMatch {
            voice,
            similarity: cosine(centroid, v),
        })
        .collect();
    all.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    all.truncate(k);
    all
}

/// The enrolled voice of each speaker (by centroid), or `None`. A speaker is named only
/// after its most similar voice, when that is above the threshold with the margin over
/// the next; the strongest matches are given first and a voice given once is not given
/// again — a speaker whose voice went to a closer speaker stays unnamed (two clusters of
/// one person: a wrong name is worse than none).
pub fn name_speakers(
    centroids: &[Vec<f32>],
    voices: &[Vec<f32>],
    opts: &NamingOptions,
) -> Vec<Option<VoiceMatch>> {
    let mut proposals: Vec<(usize, VoiceMatch)> = centroids
        .iter()
        .enumerate()
        .filter_map(|(speaker, c)| {
            let top = candidates(c, voices, 2);
            let best = *top.first()?;
            let second = top.get(1).map_or(-1.0, |m| m.similarity);
            (best.similarity >= opts.threshold && best.similarity - second >= opts.margin)
                .then_some((speaker, best))
        })
        .collect();
    proposals.sort_by(|a, b| b.1.similarity.total_cmp(&a.1.similarity));
    let mut named = vec![None; centroids.len()];
    let mut taken = vec![false; voices.len()];
    for (speaker, m) in proposals {
        if !taken[m.voice] {
            taken[m.voice] = true;
            named[speaker] = Some(m);
        }
    }
    named
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(x: &[f32]) -> Vec<f32> {
        unit(x.to_vec())
    }

    #[test]
    fn one_voice_is_never_given_to_two_speakers() {
        let voices = [v(&[1.0, 0.0, 0.0]), v(&[0.0, 1.0, 0.0])];
        // Speakers 0 and 2 both sound like voice 0; speaker 2 is closer.
        let centroids = [
            v(&[0.9, 0.1, 0.3]),
            v(&[0.1, 1.0, 0.1]),
            v(&[1.0, 0.05, 0.1]),
        ];
        let named = name_speakers(&centroids, &voices, &NamingOptions::default());
        assert_eq!(named[0], None);
        assert_eq!(named[1].map(|m| m.voice), Some(1));
        assert_eq!(named[2].map(|m| m.voice), Some(0));
    }

    #[test]
    fn a_weak_or_ambiguous_match_stays_unnamed() {
        let voices = [v(&[1.0, 0.0, 0.0]), v(&[0.0, 1.0, 0.0])];
        let opts = NamingOptions {
            threshold: 0.6,
            margin: 0.1,
        };
        // Weak: cosine 0.5 to voice 0, nothing else close.
        let weak = v(&[0.5, 0.0, 0.866]);
        // Ambiguous: 0.7 to both voices.
        let between = v(&[1.0, 1.0, 0.2]);
        let strong = v(&[0.95, 0.05, 0.2]);
        let named = name_speakers(&[weak, between, strong], &voices, &opts);
        assert_eq!(named[0], None);
        assert_eq!(named[1], None);
        assert_eq!(named[2].map(|m| m.voice), Some(0));
        assert!(name_speakers(&[v(&[1.0, 0.0, 0.0])], &[], &opts)[0].is_none());
    }

    #[test]
    fn a_single_voice_needs_no_margin_partner() {
        let named = name_speakers(
            &[v(&[1.0, 0.1, 0.0])],
            &[v(&[1.0, 0.0, 0.0])],
            &NamingOptions::default(),
        );
        assert_eq!(named[0].map(|m| m.voice), Some(0));
    }

    #[test]
    fn mean_of_unit_vectors_is_unit() {
        let m = mean_unit(&[vec![2.0, 0.0], vec![0.0, 0.5]]);
        assert!((m[0] - m[1]).abs() < 1e-6);
        assert!((m.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_split_of_two_clear_groups_is_dissimilar() {
        let mut points: Vec<Vec<f32>> = (0..6).map(|k| v(&[1.0, 0.05 * k as f32, 0.0])).collect();
        points.extend((0..4).map(|k| v(&[0.0, 0.05 * k as f32, 1.0])));
        let (share, sim) = best_split(&points);
        assert!((share - 0.4).abs() < 1e-6);
        assert!(sim < 0.2, "{sim}");
        let one: Vec<Vec<f32>> = (0..8).map(|k| v(&[1.0, 0.02 * k as f32, 0.01])).collect();
        assert!(best_split(&one).1 > 0.9);
    }
}
