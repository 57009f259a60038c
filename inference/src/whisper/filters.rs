//! What Whisper invents: text in silence and music ("Thank you for watching", subtitle
//! credits, "[Music]"), and loops that repeat a phrase until the window ends. These
//! filters run on every segment before it is returned.

use super::script::is_han;

/// Phrases that Whisper produces from silence, noise and music, learnt from subtitled video.
/// A segment that is (nearly) only one of these is dropped.
const HALLUCINATIONS: &[&str] = &[
    "thank you for watching",
    "thanks for watching",
    "thank you for watching and see you next time",
    "thank you so much for watching",
    "please subscribe",
    "please subscribe to my channel",
    "like and subscribe",
    "dont forget to like and subscribe",
    "subscribe to our channel",
    "see you in the next video",
    "see you next time",
    "subtitles by the amaraorg community",
    "subtitles by",
    "transcription by castingwords",
    "transcribed by",
    "captions by",
    "thank you very much for watching",
    "bye bye",
    "you",
    "the end",
    "請不吝點贊訂閱轉發打賞支持明鏡與點點欄目",
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "字幕由amaraorg社群提供",
    "字幕由amaraorg社区提供",
    "小編字幕由amaraorg社區提供",
    "謝謝觀看",
    "谢谢观看",
    "感謝觀看",
    "感谢观看",
    "謝謝收看",
    "谢谢收看",
    "感謝收看",
    "感谢收看",
    "訂閱我的頻道",
    "订阅我的频道",
    "優優獨播劇場yoyo television series exclusive",
    "明鏡需要您的支持",
    "明镜需要您的支持",
    "字幕",
    "中文字幕",
];

/// Lower case, letters, digits and Han characters only.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A segment that is only a sound tag (`[Music]`, `(applause)`, `♪♪`) or punctuation.
pub fn is_non_speech(text: &str) -> bool {
    let t = text.trim();
    if normalize(t).is_empty() {
        return true;
    }
    let bracketed = |open: char, close: char| t.starts_with(open) && t.ends_with(close);
    if bracketed('[', ']') || bracketed('(', ')') || bracketed('（', '）') || bracketed('【', '】')
    {
        return true;
    }
    if t.contains('♪') || t.contains('♫') || t.contains('\u{FFFD}') {
        return true;
    }
    // Phonetic symbols (IPA) are what Whisper writes when it decodes music as a language
    // it barely knows ("ʃən ʃə"); no transcript of speech is made of them.
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    let ipa = t
        .chars()
        .filter(|&c| matches!(c as u32, 0x0250..=0x02FF | 0x1D00..=0x1DBF))
        .count();
    letters > 0 && ipa * 10 >= letters * 3
}

/// A known hallucination phrase, alone in its segment.
pub fn is_known_hallucination(text: &str) -> bool {
    let n = normalize(text);
    !n.is_empty() && HALLUCINATIONS.iter().any(|h| normalize(h) == n)
}

/// Spoken words (Han characters count half: about two make a word).
fn word_count(text: &str) -> f64 {
    let han = text.chars().filter(|&c| is_han(c)).count() as f64;
    let latin = text
        .split(|c: char| c.is_whitespace() || is_han(c))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count() as f64;
    latin + han / 2.0
}

/// A segment whose words are far too few for its length ("Thank you." over 18 s of
/// music). People speak 2–3 words a second; Whisper stretches an invented phrase over
/// the whole stretch of non-speech it was given.
pub fn too_sparse(text: &str, duration_s: f64) -> bool {
    const MIN_SECONDS: f64 = 8.0;
    const MIN_WORDS_PER_SECOND: f64 = 0.3;
    duration_s >= MIN_SECONDS && word_count(text) < duration_s * MIN_WORDS_PER_SECOND
}

/// Splits text into units for loop detection: words for spaced scripts, characters for Han.
fn units(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_han(c) {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            out.push((i, i + c.len_utf8()));
        } else if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Cuts a phrase repeated back to back (a decoding loop) down to its first occurrence.
/// A phrase of n units (1–12) repeated at least `max(3, 12 / n)` times counts as a loop,
/// so "no, no, no" survives and "the the the the the the" does not.
pub fn cut_loops(text: &str) -> String {
    let u = units(text);
    let key: Vec<String> = u.iter().map(|&(a, b)| normalize(&text[a..b])).collect();
    let mut keep_until: Option<usize> = None; // unit index where the cut starts
    let mut resume: Option<usize> = None; // unit index after the loop
    'outer: for start in 0..key.len() {
        for n in 1..=12usize {
            if start + 2 * n > key.len() {
                break;
            }
            let phrase = &key[start..start + n];
            if phrase.iter().all(String::is_empty) {
                continue;
            }
            let mut reps = 1;
            while start + (reps + 1) * n <= key.len()
                && &key[start + reps * n..start + (reps + 1) * n] == phrase
            {
                reps += 1;
            }
            if reps >= 3usize.max(12 / n) {
                keep_until = Some(start + n);
                resume = Some(start + reps * n);
                break 'outer;
            }
        }
    }
    match (keep_until, resume) {
        (Some(k), Some(r)) => {
            let head = &text[..u[k - 1].1];
            let tail = if r < u.len() {
                cut_loops(&text[u[r].0..])
            } else {
                String::new()
            };
            if tail.is_empty() {
                head.trim_end().to_string()
            } else {
                format!("{} {}", head.trim_end(), tail)
            }
        }
        _ => text.to_string(),
    }
}

/// Whether a segment repeats the one before it word for word (a loop across segments).
/// Short answers ("Yes." "Yes.") may repeat; longer sentences do not.
pub fn repeats_previous(text: &str, previous: Option<&str>) -> bool {
    let Some(prev) = previous else { return false };
    let (a, b) = (normalize(text), normalize(prev));
    let long = a.chars().count() >= 12 || text.split_whitespace().count() >= 4;
    long && a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hallucinations_are_recognised_alone_only() {
        assert!(is_known_hallucination(" Thank you for watching!"));
        assert!(is_known_hallucination("謝謝觀看。"));
        assert!(is_known_hallucination(
            "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目"
        ));
        assert!(!is_known_hallucination(
            "Thank you for watching the budget so closely, Peter."
        ));
        assert!(!is_known_hallucination("Thank you."));
    }

    #[test]
    fn a_phrase_stretched_over_many_seconds_is_not_speech() {
        assert!(too_sparse("Thank you.", 18.5));
        assert!(too_sparse(" Thank you.", 10.5));
        assert!(
            !too_sparse("Thank you.", 1.2),
            "a short real thank-you stays"
        );
        let sentence = "And so my fellow Americans, ask not what your country can do for you";
        assert!(!too_sparse(sentence, 8.0));
        assert!(!too_sparse("我哋下個禮拜三下午兩點開會討論預算", 8.0));
    }

    #[test]
    fn sound_tags_are_not_speech() {
        for t in [
            "[Music]",
            " (applause)",
            "♪ la la ♪",
            "ʃən ʃə",
            "ʻ‿ʻ \u{FFFD}",
            "...",
            "（音樂）",
            "【字幕】",
        ] {
            assert!(is_non_speech(t), "{t}");
        }
        assert!(!is_non_speech("We agreed on the budget."));
        assert!(!is_non_speech("會議記錄已經發出。"));
        assert!(!is_non_speech("Café résumé naïve"));
    }

    #[test]
    fn loops_are_cut_and_normal_repeats_kept() {
        assert_eq!(
            cut_loops("I think so. I think so. I think so. I think so. OK."),
            "I think so. OK."
        );
        assert_eq!(
            cut_loops("the the the the the the the the the the the the the end"),
            "the end"
        );
        assert_eq!(
            cut_loops("No, no, no, that's wrong."),
            "No, no, no, that's wrong."
        );
        assert_eq!(
            cut_loops("好的好的好的好的好的好的好的好的好的好的好的好的"),
            "好的"
        );
        assert_eq!(
            cut_loops("And so my fellow Americans"),
            "And so my fellow Americans"
        );
    }

    #[test]
    fn repeated_sentences_across_segments() {
        assert!(repeats_previous(
            "We will meet on Friday.",
            Some("we will meet on friday")
        ));
        assert!(!repeats_previous("Yes.", Some("Yes.")));
        assert!(!repeats_previous("We will meet on Friday.", None));
    }
}
