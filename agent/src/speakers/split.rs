//! A Whisper segment that two people share ("Ken, can you send it by Friday? Sure,
//! I'll do it.") is split where the speaker changes, so each part gets its speaker.
//!
//! Whisper times segments, not words. The speaker turns say when the voice changes
//! inside a segment; the words are placed in time by their length (a word's share of
//! the segment's letters is its share of the segment's time: speech keeps a fairly
//! even pace over a few seconds), and the cut moves to the nearest sentence end within
//! [`MAX_SNAP_S`] of that time, since people hand over at the end of a sentence.

use inference::speakers::{Diarization, Turn};
use inference::whisper::{Segment, Transcript};

/// A speaker's stretch inside a segment shorter than this is no part of its own: the
/// ends of the speaker turns are not that precise, and a short "mm" over someone
/// else's sentence says nothing.
const MIN_PART_S: f64 = 1.0;
/// Fewest words (or CJK characters) a part must have.
const MIN_PART_UNITS: usize = 2;
/// How far from the estimated time of a change a sentence end may move the cut.
const MAX_SNAP_S: f64 = 1.5;
/// Resolution of the speaker runs inside a segment.
const STEP_S: f64 = 0.05;
/// A CJK character takes about as long to say as three letters of an English word.
const CJK_LETTERS: f64 = 3.0;

/// `t` with every segment that two or more speakers of `d` share split at the changes.
pub fn split_at_turns(d: &Diarization, mut t: Transcript) -> Transcript {
    let mut out = Vec::with_capacity(t.segments.len());
    for s in t.segments.drain(..) {
        out.extend(split_segment(&d.turns, s));
    }
    t.segments = out;
    t
}

/// A speaker's stretch inside a segment.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Run {
    speaker: usize,
    start: f64,
    end: f64,
}

fn split_segment(turns: &[Turn], s: Segment) -> Vec<Segment> {
    let runs = runs(turns, s.start, s.end);
    if runs.len() < 2 {
        return vec![s];
    }
    let pieces = pieces(&s.text);
    let total: f64 = pieces.iter().map(|p| p.letters).sum();
    if pieces.len() < 2 * MIN_PART_UNITS || total <= 0.0 {
        return vec![s];
    }
    // The time at which each piece ends.
    let span = s.end - s.start;
    let mut so_far = 0.0;
    let ends: Vec<f64> = pieces
        .iter()
        .map(|p| {
            so_far += p.letters;
            s.start + span * so_far / total
        })
        .collect();
    // For each change, the piece after which the text is cut.
    let mut cuts: Vec<usize> = Vec::new();
    for change in runs.windows(2).map(|w| w[1].start) {
        // The boundary between two pieces nearest the change: a sentence end when one
        // is close enough, else any.
        let distance = |i: usize| (ends[i] - change).abs();
        let nearest = |eligible: &dyn Fn(usize) -> bool| {
            (0..pieces.len() - 1)
                .filter(|&i| eligible(i))
                .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
        };
        let snapped = nearest(&|i| pieces[i].ends_sentence && distance(i) <= MAX_SNAP_S);
        let Some(cut) = snapped.or_else(|| nearest(&|_| true)) else {
            continue;
        };
        let after_last = cuts.last().map_or(0, |&c| c + 1);
        if cut + 1 >= after_last + MIN_PART_UNITS && cut + 1 + MIN_PART_UNITS <= pieces.len() {
            cuts.push(cut);
        }
    }
    if cuts.is_empty() {
        return vec![s];
    }
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut first = 0;
    let mut start = s.start;
    for &cut in cuts.iter().chain(std::iter::once(&(pieces.len() - 1))) {
        let end = if cut == pieces.len() - 1 {
            s.end
        } else {
            ends[cut]
        };
        let text = s.text[pieces[first].from..pieces[cut].to]
            .trim()
            .to_string();
        parts.push(Segment {
            start,
            end,
            text,
            ..s.clone()
        });
        first = cut + 1;
        start = end;
    }
    parts
}

/// Who speaks when within [start, end): the speaker of each moment is the one whose
/// turn there began last (the one taking over), moments nobody covers go to the
/// speaker before them (or after, at the start), and stretches shorter than
/// [`MIN_PART_S`] join the one before them.
fn runs(turns: &[Turn], start: f64, end: f64) -> Vec<Run> {
    let steps = ((end - start) / STEP_S).ceil().max(0.0) as usize;
    let mut at: Vec<Option<usize>> = (0..steps)
        .map(|i| {
            let x = start + (i as f64 + 0.5) * STEP_S;
            turns
                .iter()
                .filter(|t| t.start <= x && x < t.end)
                .max_by(|a, b| a.start.total_cmp(&b.start))
                .map(|t| t.speaker)
        })
        .collect();
    let Some(first) = at.iter().flatten().next().copied() else {
        return Vec::new();
    };
    let mut current = first;
    for a in &mut at {
        match a {
            Some(s) => current = *s,
            None => *a = Some(current),
        }
    }
    let mut runs: Vec<Run> = Vec::new();
    for (i, a) in at.iter().enumerate() {
        let speaker = a.unwrap_or(first);
        let t0 = start + i as f64 * STEP_S;
        let t1 = (t0 + STEP_S).min(end);
        match runs.last_mut() {
            Some(r) if r.speaker == speaker => r.end = t1,
            _ => runs.push(Run {
                speaker,
                start: t0,
                end: t1,
            }),
        }
    }
    // Short stretches join a neighbour, shortest first, until none is left.
    while runs.len() > 1 {
        let Some((i, _)) = runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.end - r.start < MIN_PART_S)
            .min_by(|a, b| (a.1.end - a.1.start).total_cmp(&(b.1.end - b.1.start)))
        else {
            break;
        };
        let short = runs.remove(i);
        if i > 0 {
            runs[i - 1].end = short.end;
        } else {
            runs[0].start = short.start;
        }
        let mut merged: Vec<Run> = Vec::with_capacity(runs.len());
        for r in runs {
            match merged.last_mut() {
                Some(m) if m.speaker == r.speaker => m.end = r.end,
                _ => merged.push(r),
            }
        }
        runs = merged;
    }
    runs
}

/// A word (or CJK character) of a segment's text: its bytes, from the end of the one
/// before, its length in letters, and whether a sentence ends with it.
#[derive(Debug, Clone, Copy)]
struct Piece {
    from: usize,
    to: usize,
    letters: f64,
    ends_sentence: bool,
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    let mut from = 0;
    let mut letters = 0.0;
    let mut in_word = false;
    let close = |out: &mut Vec<Piece>, from: &mut usize, to: usize, letters: &mut f64| {
        let ends_sentence = text[*from..to]
            .trim_end()
            .ends_with(['.', '?', '!', '。', '？', '！']);
        out.push(Piece {
            from: *from,
            to,
            letters: *letters,
            ends_sentence,
        });
        *from = to;
        *letters = 0.0;
    };
    for (i, c) in text.char_indices() {
        let cjk = crate::minutes::language::is_cjk(c);
        if (cjk || c.is_whitespace()) && in_word {
            close(&mut out, &mut from, i, &mut letters);
            in_word = false;
        }
        if cjk {
            // A CJK character is a piece; punctuation right after it joins it.
            if letters > 0.0 {
                close(&mut out, &mut from, i, &mut letters);
            }
            letters = CJK_LETTERS;
            in_word = true;
        } else if c.is_alphanumeric() {
            if !in_word && letters > 0.0 {
                close(&mut out, &mut from, i, &mut letters);
            }
            letters += 1.0;
            in_word = true;
        }
    }
    if letters > 0.0 {
        close(&mut out, &mut from, text.len(), &mut letters);
    } else if let Some(last) = out.last_mut() {
        last.to = text.len();
        last.ends_sentence = text[last.from..]
            .trim_end()
            .ends_with(['.', '?', '!', '。', '？', '！']);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(speaker: usize, start: f64, end: f64) -> Turn {
        Turn {
            start,
            end,
            speaker,
        }
    }

    fn segment(start: f64, end: f64, text: &str) -> Segment {
        Segment {
            start,
            end,
            text: text.into(),
            no_speech_prob: 0.0,
            avg_logprob: -0.2,
            language: "en".into(),
        }
    }

    fn split(turns: Vec<Turn>, segments: Vec<Segment>) -> Vec<(f64, f64, String)> {
        let d = Diarization {
            turns,
            speakers: 2,
            centroids: Vec::new(),
        };
        let t = Transcript {
            language: "en".into(),
            segments,
        };
        split_at_turns(&d, t)
            .segments
            .into_iter()
            .map(|s| (s.start, s.end, s.text))
            .collect()
    }

    #[test]
    fn a_question_and_its_answer_in_one_segment_become_two() {
        // The voice changes at 4.4 s; by letters alone the cut would fall after
        // "Sure, I'll": it moves to the question mark.
        let got = split(
            vec![turn(0, 0.0, 4.4), turn(1, 4.4, 6.0)],
            vec![segment(
                0.0,
                6.0,
                " Ken, can you send the contract by Friday? Sure, I'll do it tomorrow.",
            )],
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].2, "Ken, can you send the contract by Friday?");
        assert_eq!(got[1].2, "Sure, I'll do it tomorrow.");
        assert_eq!(got[0].0, 0.0);
        assert_eq!(got[1].1, 6.0);
        assert!((got[0].1 - got[1].0).abs() < 1e-9);
        assert!(got[0].1 > 3.0 && got[0].1 < 4.4, "{got:?}");
    }

    #[test]
    fn one_speaker_or_a_short_interjection_leaves_the_segment_whole() {
        let text = " We will look at the numbers again next week, after the audit.";
        let whole = vec![(0.0, 5.0, text.to_string())];
        assert_eq!(
            split(vec![turn(0, 0.0, 5.0)], vec![segment(0.0, 5.0, text)]),
            whole
        );
        // Someone says "mm" for half a second over it.
        assert_eq!(
            split(
                vec![turn(0, 0.0, 5.0), turn(1, 2.0, 2.5)],
                vec![segment(0.0, 5.0, text)]
            ),
            whole
        );
        // Nobody's turn covers it at all.
        assert_eq!(split(vec![], vec![segment(0.0, 5.0, text)]), whole);
    }

    #[test]
    fn without_a_sentence_end_nearby_the_cut_falls_where_the_letters_put_it() {
        let got = split(
            vec![turn(0, 0.0, 2.0), turn(1, 2.0, 4.0)],
            vec![segment(0.0, 4.0, "one two three four five six seven eight")],
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].2, "one two three four");
        assert_eq!(got[1].2, "five six seven eight");
    }

    #[test]
    fn chinese_is_cut_between_characters_at_the_sentence_end() {
        let got = split(
            vec![turn(1, 0.0, 2.6), turn(0, 2.6, 5.0)],
            vec![segment(
                0.0,
                5.0,
                "Sandy你聽日交份報告得唔得？得，我聽日交。",
            )],
        );
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].2, "Sandy你聽日交份報告得唔得？");
        assert_eq!(got[1].2, "得，我聽日交。");
    }

    #[test]
    fn three_speakers_in_one_segment_give_three_parts_and_other_segments_stay() {
        let got = split(
            vec![turn(0, 0.0, 2.0), turn(1, 2.0, 4.0), turn(2, 4.0, 6.0)],
            vec![
                segment(0.0, 6.0, "Who takes it? Not me, sorry. I will take it."),
                segment(6.0, 8.0, "Thanks, that settles it."),
            ],
        );
        let texts: Vec<&str> = got.iter().map(|g| g.2.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Who takes it?",
                "Not me, sorry.",
                "I will take it.",
                "Thanks, that settles it."
            ]
        );
    }

    #[test]
    fn a_part_of_one_word_is_not_cut_off() {
        // The change comes near the very end: "unanimously" alone would be a part.
        let got = split(
            vec![turn(0, 0.0, 4.8), turn(1, 4.8, 6.0)],
            vec![segment(0.0, 6.0, "I think we should all agree unanimously")],
        );
        assert_eq!(got.len(), 1, "{got:?}");
    }
}
