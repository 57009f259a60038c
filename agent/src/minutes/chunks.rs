//! Splitting a transcript into parts that each fit the model's context with room for
//! the prompt and the answer (the map step). Parts end at utterance boundaries and
//! share one utterance with the next, so a task asked at the end of one part and
//! accepted at the start of the next is seen whole. Nothing is dropped: an utterance
//! too long for one part is cut at sentence ends (or, failing that, anywhere).

use super::transcript::Utterance;

/// One part: utterances `first..=last` of the transcript, as the model reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub first: usize,
    pub last: usize,
    pub text: String,
}

/// Cuts utterances longer than `budget` tokens into pieces that fit.
pub fn split_long(
    utterances: Vec<Utterance>,
    budget: usize,
    tokens: &dyn Fn(&str) -> usize,
) -> Vec<Utterance> {
    let mut out = Vec::with_capacity(utterances.len());
    for u in utterances {
        if tokens(&u.line()) <= budget {
            out.push(u);
            continue;
        }
        tracing::info!(
            "an utterance of {} tokens is cut into pieces",
            tokens(&u.line())
        );
        // The room for words once the speaker's name is written in front.
        let room = budget
            .saturating_sub(tokens(&u.line()).saturating_sub(tokens(&u.text)))
            .max(1);
        let mut push = |text: &str| {
            if !text.trim().is_empty() {
                out.push(Utterance {
                    text: text.trim().to_string(),
                    ..u.clone()
                });
            }
        };
        let mut piece = String::new();
        for sentence in sentences(&u.text) {
            let candidate = format!("{piece}{sentence}");
            if tokens(&candidate) <= room {
                piece = candidate;
                continue;
            }
            push(&piece);
            piece = sentence.to_string();
            while tokens(&piece) > room {
                let cut = cut_point(&piece, room, tokens);
                push(&piece[..cut]);
                piece = piece[cut..].to_string();
            }
        }
        push(&piece);
    }
    out
}

/// Where to cut `text` so the part before fits `room` tokens: after the last space
/// that allows it, else after as many characters as fit.
fn cut_point(text: &str, room: usize, tokens: &dyn Fn(&str) -> usize) -> usize {
    let spaces = text
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(i, c)| i + c.len_utf8());
    if let Some(cut) = spaces.filter(|&i| tokens(&text[..i]) <= room).last() {
        return cut;
    }
    let mut n = room.min(text.chars().count()).max(1);
    loop {
        let cut = text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
        if n == 1 || tokens(&text[..cut]) <= room {
            return cut;
        }
        n /= 2;
    }
}

/// Sentences with their ending punctuation and following spaces.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '.' | '?' | '!' | '。' | '？' | '！' | '；' | ';') {
            let mut end = i + c.len_utf8();
            while let Some(&(j, n)) = chars.peek() {
                if n.is_whitespace() {
                    end = j + n.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Groups utterances into parts of at most `budget` tokens, one utterance shared
/// between neighbours. Every utterance must already fit (`split_long`).
pub fn chunk(
    utterances: &[Utterance],
    budget: usize,
    tokens: &dyn Fn(&str) -> usize,
) -> Vec<Chunk> {
    let lines: Vec<String> = utterances.iter().map(Utterance::line).collect();
    let costs: Vec<usize> = lines.iter().map(|l| tokens(l) + 1).collect();
    let mut chunks = Vec::new();
    let mut first = 0;
    while first < lines.len() {
        let mut last = first;
        let mut used = costs[first];
        while last + 1 < lines.len() && used + costs[last + 1] <= budget {
            last += 1;
            used += costs[last];
        }
        chunks.push(Chunk {
            first,
            last,
            text: lines[first..=last].join("\n"),
        });
        if last + 1 >= lines.len() {
            break;
        }
        // Share the last utterance with the next part, unless that would not advance.
        first = if last > first { last } else { last + 1 };
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minutes::transcript::SpeakerRef;

    fn words(s: &str) -> usize {
        s.split_whitespace().count()
    }

    fn utt(text: &str) -> Utterance {
        Utterance {
            speaker: Some(SpeakerRef::Label("A".into())),
            text: text.into(),
            start: None,
            end: None,
        }
    }

    #[test]
    fn parts_fit_overlap_by_one_and_cover_everything() {
        let us: Vec<Utterance> = (0..10).map(|i| utt(&format!("w{i} x y"))).collect();
        let parts = chunk(&us, 12, &words);
        assert!(parts.len() > 1);
        assert_eq!(parts[0].first, 0);
        assert_eq!(parts.last().unwrap().last, 9);
        for pair in parts.windows(2) {
            assert_eq!(pair[1].first, pair[0].last, "one shared utterance");
        }
        for p in &parts {
            assert!(words(&p.text) + (p.last - p.first + 1) <= 12);
        }
    }

    #[test]
    fn a_long_utterance_is_cut_not_dropped() {
        let long = "One two three. Four five six. Seven eight nine ten eleven twelve.";
        let pieces = split_long(vec![utt(long)], 5, &words);
        assert!(pieces.iter().all(|u| !u.text.is_empty()));
        assert!(pieces.len() >= 3);
        let joined: Vec<&str> = pieces
            .iter()
            .flat_map(|u| u.text.split_whitespace())
            .collect();
        assert_eq!(joined.join(" "), long);
        assert!(pieces.iter().all(|u| words(&u.line()) <= 5));
    }
}
