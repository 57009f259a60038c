//! An energy segmenter: finds the stretches of a recording that are loud enough, against
//! the recording's own noise floor, to be speech, and packs them into chunks of at most
//! `max_chunk_s` with the silence between them cut out. Whisper then sees speech, not
//! minutes of room noise, and timestamps map back to the original file.

use super::SAMPLE_RATE;

/// Frame length of the energy analysis: 20 ms.
const FRAME: usize = (SAMPLE_RATE as usize) / 50;

#[derive(Debug, Clone)]
pub struct VadOptions {
    /// Speech frames must be this many dB above the noise floor (at least).
    pub min_snr_db: f32,
    /// Anything quieter than this (dBFS) is silence, whatever the floor.
    pub silence_dbfs: f32,
    /// Pauses shorter than this stay inside a speech region.
    pub min_pause_s: f32,
    /// Regions shorter than this are clicks, not speech.
    pub min_speech_s: f32,
    /// Kept on each side of a region, so that soft word edges are not cut.
    pub pad_s: f32,
    /// Longest chunk handed to Whisper (its window is 30 s).
    pub max_chunk_s: f32,
    /// Silence kept between two regions joined in one chunk.
    pub join_gap_s: f32,
}

impl Default for VadOptions {
    fn default() -> Self {
        VadOptions {
            min_snr_db: 6.0,
            silence_dbfs: -55.0,
            min_pause_s: 0.6,
            min_speech_s: 0.25,
            pad_s: 0.25,
            max_chunk_s: 29.0,
            join_gap_s: 0.3,
        }
    }
}

/// A span of the original recording, in samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A piece of audio for Whisper: spans of the recording laid end to end, with
/// `join_gap` samples of silence between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub spans: Vec<Span>,
    pub join_gap: usize,
}

impl Chunk {
    /// The chunk's samples (spans and the short gaps between them).
    pub fn samples(&self, audio: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.len());
        for (i, s) in self.spans.iter().enumerate() {
            if i > 0 {
                out.resize(out.len() + self.join_gap, 0.0);
            }
            out.extend_from_slice(&audio[s.start..s.end]);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.spans.iter().map(Span::len).sum::<usize>()
            + self.join_gap * self.spans.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Maps a time in the chunk (seconds) to a time in the recording (seconds).
    /// Times in a gap map to the end of the span before it.
    pub fn to_source_s(&self, t: f64) -> f64 {
        let mut at = (t.max(0.0) * SAMPLE_RATE as f64).round() as usize;
        for (i, s) in self.spans.iter().enumerate() {
            if at <= s.len() || i + 1 == self.spans.len() {
                return (s.start + at.min(s.len())) as f64 / SAMPLE_RATE as f64;
            }
            at -= s.len();
            if at <= self.join_gap {
                return s.end as f64 / SAMPLE_RATE as f64;
            }
            at -= self.join_gap;
        }
        0.0
    }

    /// Maps a segment Whisper timed at `t0..t1` in the chunk to the recording (seconds).
    /// Whisper's timestamps are loose by a few hundred ms, so a segment that starts just
    /// before the end of one span and carries on in the next is taken to start in the
    /// next (and one that ends just past the start of a span, to end in the one before):
    /// spans the segment overlaps by less than `min_overlap_s` at either end are skipped.
    pub fn to_source_range(&self, t0: f64, t1: f64, min_overlap_s: f64) -> (f64, f64) {
        let sr = SAMPLE_RATE as f64;
        // Each span's place in the chunk (seconds) and the segment's overlap with it.
        let mut offset = 0.0;
        let mut kept: Vec<(usize, f64, f64)> = Vec::new();
        for (i, s) in self.spans.iter().enumerate() {
            let end = offset + s.len() as f64 / sr;
            if t1.min(end) - t0.max(offset) >= min_overlap_s {
                kept.push((i, offset, end));
            }
            offset = end + self.join_gap as f64 / sr;
        }
        let (Some(&(first, first_at, _)), Some(&(last, last_at, last_end))) =
            (kept.first(), kept.last())
        else {
            let start = self.to_source_s(t0);
            return (start, self.to_source_s(t1).max(start));
        };
        let at = |span: usize, span_at: f64, t: f64| {
            let s = self.spans[span];
            (s.start as f64 + (t - span_at).max(0.0) * sr).min(s.end as f64) / sr
        };
        let start = at(first, first_at, t0);
        let end = at(last, last_at, t1.min(last_end));
        (start, end.max(start))
    }

    /// The rest of the chunk from chunk time `t` (seconds) on: the span `t` falls in,
    /// cut there, and every span after it. A time in a gap starts at the next span.
    pub fn from_time(&self, t: f64) -> Chunk {
        let mut at = (t.max(0.0) * SAMPLE_RATE as f64).round() as usize;
        let mut spans = Vec::new();
        for s in &self.spans {
            if !spans.is_empty() {
                spans.push(*s);
                continue;
            }
            if at < s.len() {
                spans.push(Span {
                    start: s.start + at,
                    end: s.end,
                });
                continue;
            }
            at = (at - s.len()).saturating_sub(self.join_gap);
        }
        Chunk {
            spans,
            join_gap: self.join_gap,
        }
    }

    /// Start of the chunk in the recording, in seconds.
    pub fn start_s(&self) -> f64 {
        self.spans
            .first()
            .map_or(0.0, |s| s.start as f64 / SAMPLE_RATE as f64)
    }
}

/// Frame energies in dBFS (RMS of each 20 ms frame).
fn frame_db(audio: &[f32]) -> Vec<f32> {
    audio
        .chunks(FRAME)
        .map(|f| {
            let ms = f.iter().map(|s| s * s).sum::<f32>() / f.len() as f32;
            10.0 * (ms + 1e-12).log10()
        })
        .collect()
}

fn percentile(values: &[f32], p: f32) -> f32 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() - 1) as f32 * p).round() as usize;
    v[i]
}

/// The speech regions of a recording.
pub fn speech_spans(audio: &[f32], opts: &VadOptions) -> Vec<Span> {
    if audio.is_empty() {
        return Vec::new();
    }
    let db = frame_db(audio);
    // Noise floor: the quiet end of the recording. Speech sits well above it; a steady
    // noise (hiss, hum, fan) has almost no spread and so never clears the threshold.
    let floor = percentile(&db, 0.10);
    let loud = percentile(&db, 0.95);
    let spread = loud - floor;
    let threshold = (floor + (0.35 * spread).max(opts.min_snr_db)).max(opts.silence_dbfs);
    // Smooth over 3 frames so one quiet frame inside a word does not split it.
    let active: Vec<bool> = (0..db.len())
        .map(|i| {
            let lo = i.saturating_sub(1);
            let hi = (i + 2).min(db.len());
            db[lo..hi].iter().sum::<f32>() / (hi - lo) as f32 > threshold
        })
        .collect();
    spans_of_active(
        &active,
        FRAME,
        audio.len(),
        &Joining {
            min_pause_s: opts.min_pause_s,
            min_speech_s: opts.min_speech_s,
            pad_s: opts.pad_s,
        },
    )
}

/// How frames judged active become regions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joining {
    /// Pauses shorter than this stay inside a region.
    pub min_pause_s: f32,
    /// Regions shorter than this are dropped.
    pub min_speech_s: f32,
    /// Kept on each side of a region.
    pub pad_s: f32,
}

/// The regions of a recording of `samples` samples whose frames of `frame` samples are
/// `active`: runs of active frames joined across short pauses, short ones dropped, the
/// rest padded and merged where the padding meets.
pub(crate) fn spans_of_active(
    active: &[bool],
    frame: usize,
    samples: usize,
    joining: &Joining,
) -> Vec<Span> {
    let per_second = (SAMPLE_RATE as usize / frame) as f32;
    let frames = |s: f32| (s * per_second).round() as usize;
    let (min_pause, min_speech, pad) = (
        frames(joining.min_pause_s),
        frames(joining.min_speech_s),
        frames(joining.pad_s),
    );
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < active.len() {
        if !active[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < active.len() && active[i] {
            i += 1;
        }
        match runs.last_mut() {
            Some(last) if start - last.1 < min_pause => last.1 = i,
            _ => runs.push((start, i)),
        }
    }
    let mut spans: Vec<Span> = Vec::new();
    for (a, b) in runs.into_iter().filter(|(a, b)| b - a >= min_speech) {
        let start = a.saturating_sub(pad) * frame;
        let end = ((b + pad) * frame).min(samples);
        match spans.last_mut() {
            Some(last) if start <= last.end => last.end = end,
            _ => spans.push(Span { start, end }),
        }
    }
    spans
}

/// Splits spans longer than `max` samples at their quietest frame between 2/3 and all of
/// `max`, so that a cut falls in a breath rather than a word.
fn split_long(audio: &[f32], spans: Vec<Span>, max: usize) -> Vec<Span> {
    let mut out = Vec::new();
    for mut s in spans {
        while s.len() > max {
            let lo = s.start + max * 2 / 3;
            let hi = s.start + max;
            let cut = (lo..hi - FRAME)
                .step_by(FRAME)
                .min_by(|&a, &b| {
                    let e = |x: usize| audio[x..x + FRAME].iter().map(|v| v * v).sum::<f32>();
                    e(a).total_cmp(&e(b))
                })
                .unwrap_or(hi);
            out.push(Span {
                start: s.start,
                end: cut,
            });
            s.start = cut;
        }
        if !s.is_empty() {
            out.push(s);
        }
    }
    out
}

/// Packs the speech of a recording into chunks of at most `max_chunk_s`.
pub fn speech_chunks(audio: &[f32], opts: &VadOptions) -> Vec<Chunk> {
    let max = (opts.max_chunk_s * SAMPLE_RATE as f32) as usize;
    let gap = (opts.join_gap_s * SAMPLE_RATE as f32) as usize;
    let spans = split_long(audio, speech_spans(audio, opts), max);
    let mut chunks: Vec<Chunk> = Vec::new();
    for s in spans {
        match chunks.last_mut() {
            Some(c) if c.len() + gap + s.len() <= max => c.spans.push(s),
            _ => chunks.push(Chunk {
                spans: vec![s],
                join_gap: gap,
            }),
        }
    }
    chunks
}

/// The whole recording in chunks of at most `max_chunk_s`, silence included (no VAD).
pub fn fixed_chunks(len: usize, max_chunk_s: f32) -> Vec<Chunk> {
    let max = (max_chunk_s * SAMPLE_RATE as f32) as usize;
    (0..len)
        .step_by(max.max(1))
        .map(|start| Chunk {
            spans: vec![Span {
                start,
                end: (start + max).min(len),
            }],
            join_gap: 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(seconds: f32, amp: f32) -> Vec<f32> {
        let n = (seconds * SAMPLE_RATE as f32) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE as f32;
                // A 220 Hz tone, amplitude-modulated at 4 Hz like syllables.
                amp * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                    * (0.6 + 0.4 * (2.0 * std::f32::consts::PI * 4.0 * t).sin())
            })
            .collect()
    }

    fn noise(seconds: f32, amp: f32, seed: u64) -> Vec<f32> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..(seconds * SAMPLE_RATE as f32) as usize)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((x >> 33) as f32 / (1u64 << 31) as f32 - 1.0) * amp
            })
            .collect()
    }

    #[test]
    fn finds_speech_between_silences() {
        let mut audio = noise(5.0, 0.001, 1);
        audio.extend(tone(3.0, 0.3));
        audio.extend(noise(10.0, 0.001, 2));
        audio.extend(tone(2.0, 0.3));
        audio.extend(noise(4.0, 0.001, 3));
        let spans = speech_spans(&audio, &VadOptions::default());
        assert_eq!(spans.len(), 2, "{spans:?}");
        let s = |x: usize| x as f32 / SAMPLE_RATE as f32;
        assert!((s(spans[0].start) - 4.75).abs() < 0.15, "{spans:?}");
        assert!((s(spans[0].end) - 8.25).abs() < 0.15, "{spans:?}");
        assert!((s(spans[1].start) - 17.75).abs() < 0.15, "{spans:?}");
        // Both regions fit one chunk, with the 10 s of silence cut out.
        let chunks = speech_chunks(&audio, &VadOptions::default());
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].len() < 7 * SAMPLE_RATE as usize);
        // Chunk time 0 is the start of the first span; a time in the second span maps back.
        assert!((chunks[0].to_source_s(0.0) - 4.75).abs() < 0.15);
        let second = spans[0].len() as f64 / 16_000.0 + 0.3 + 1.0;
        assert!((chunks[0].to_source_s(second) - 18.75).abs() < 0.15);
    }

    #[test]
    fn segments_map_to_the_spans_they_are_in() {
        let sr = SAMPLE_RATE as usize;
        // Spans 0–11 s and 51–62 s of the recording, 0.3 s apart in the chunk.
        let chunk = Chunk {
            spans: vec![
                Span {
                    start: 0,
                    end: 11 * sr,
                },
                Span {
                    start: 51 * sr,
                    end: 62 * sr,
                },
            ],
            join_gap: sr * 3 / 10,
        };
        let close = |(a, b): (f64, f64), (x, y): (f64, f64)| {
            assert!(
                (a - x).abs() < 0.02 && (b - y).abs() < 0.02,
                "{a}..{b}, want {x}..{y}"
            )
        };
        // Whisper starts the second sentence at 11.0 s, the end of the first span.
        close(chunk.to_source_range(11.0, 22.26, 0.3), (51.0, 61.96));
        // The first sentence ends a little into the second span.
        close(chunk.to_source_range(0.0, 11.4, 0.3), (0.0, 11.0));
        // Inside one span, and across both.
        close(chunk.to_source_range(2.0, 7.5, 0.3), (2.0, 7.5));
        close(chunk.to_source_range(9.0, 13.3, 0.3), (9.0, 53.0));
        // Too short for any span: the plain mapping.
        close(chunk.to_source_range(11.1, 11.2, 0.3), (11.0, 11.0));
    }

    #[test]
    fn the_rest_of_a_chunk_from_a_time() {
        let sr = SAMPLE_RATE as usize;
        let chunk = Chunk {
            spans: vec![
                Span {
                    start: sr,
                    end: 3 * sr,
                },
                Span {
                    start: 10 * sr,
                    end: 14 * sr,
                },
            ],
            join_gap: sr / 2,
        };
        // Inside the first span: its cut end and all of the second.
        let rest = chunk.from_time(1.5);
        assert_eq!(rest.spans[0].start, sr * 5 / 2);
        assert_eq!(rest.spans[1], chunk.spans[1]);
        assert!((rest.to_source_s(0.0) - 2.5).abs() < 1e-9);
        // In the gap (chunk time 2.0–2.5): the second span whole.
        assert_eq!(chunk.from_time(2.2).spans, vec![chunk.spans[1]]);
        // Inside the second span, and past the end.
        let rest = chunk.from_time(3.5);
        assert_eq!(
            rest.spans,
            vec![Span {
                start: 11 * sr,
                end: 14 * sr
            }]
        );
        assert!(chunk.from_time(7.0).is_empty());
        assert_eq!(chunk.from_time(0.0), chunk);
    }

    #[test]
    fn steady_noise_and_silence_have_no_speech() {
        assert!(speech_spans(&noise(30.0, 0.3, 7), &VadOptions::default()).is_empty());
        assert!(speech_spans(&vec![0.0; 16_000 * 20], &VadOptions::default()).is_empty());
        assert!(speech_spans(&[], &VadOptions::default()).is_empty());
    }

    #[test]
    fn long_speech_is_split_into_chunks_that_fit_the_window() {
        let audio = tone(75.0, 0.3);
        let opts = VadOptions::default();
        let chunks = speech_chunks(&audio, &opts);
        assert!(chunks.len() >= 3, "{}", chunks.len());
        for c in &chunks {
            assert!(c.len() <= (opts.max_chunk_s * 16_000.0) as usize);
        }
        let total: usize = chunks.iter().map(Chunk::len).sum();
        assert!(total >= audio.len() - 16_000, "speech lost: {total}");
    }

    #[test]
    fn fixed_chunks_cover_everything() {
        let chunks = fixed_chunks(16_000 * 65, 30.0);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[2].spans[0].end, 16_000 * 65);
    }
}
