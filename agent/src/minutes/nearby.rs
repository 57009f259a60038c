//! The lines shown around a line given a second look, shortened to what was said
//! nearest to it. What bears on the line looked at is the end of the turn before it
//! (the request it answers: "…Ken, can you order the badges?") and the start of the
//! turn after it (a call-off or hand-over: "Actually, hold on…"); the rest of a long
//! turn only makes the question longer. Real meetings have long turns — a minute of
//! one speaker is 150 words — so a neighbour keeps its sentences nearest the line up to
//! about [`NEAR_WORDS`] words, and a short turn is shown whole.

use super::language::is_cjk;

/// How much of a neighbouring turn is kept, in words; a CJK character counts as
/// [`CJK_WEIGHT`] of a word (a Chinese sentence of 40 characters says about what 25
/// English words say, and costs the model about as many tokens).
pub const NEAR_WORDS: f64 = 25.0;
const CJK_WEIGHT: f64 = 0.6;

/// Which side of the line looked at a neighbour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Before,
    After,
}

/// `text` cut to its sentences nearest the line looked at (its end for a line before,
/// its start for a line after), marked with "…" where something was left out.
pub fn nearest(text: &str, side: Side) -> String {
    let text = text.trim();
    let sentences = sentences(text);
    let weight_of = |s: &str| pieces(s).iter().map(|p| p.2).sum::<f64>();
    if weight_of(text) <= NEAR_WORDS {
        return text.to_string();
    }
    let ordered: Vec<&str> = match side {
        Side::Before => sentences.iter().rev().copied().collect(),
        Side::After => sentences.clone(),
    };
    let mut kept = Vec::new();
    let mut total = 0.0;
    for s in &ordered {
        let w = weight_of(s);
        if total + w > NEAR_WORDS {
            if kept.is_empty() {
                kept.push(cut(s, side));
            }
            break;
        }
        total += w;
        kept.push(s.to_string());
    }
    if side == Side::Before {
        kept.reverse();
    }
    let joined = kept.join(" ");
    match side {
        Side::Before => format!("… {joined}"),
        Side::After => format!("{joined} …"),
    }
}

/// The sentences of `text`: each ends after `.`, `!`, `?`, `;` or their CJK forms (and
/// any closing quotes), trimmed.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if !matches!(c, '.' | '!' | '?' | ';' | '。' | '！' | '？' | '；') {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, q)) = chars.peek() {
            if matches!(q, '"' | '\'' | '”' | '’' | '」' | '』' | ')' | '）') {
                end = j + q.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        // "3.5" and "e.g.x" are not sentence ends: a full stop ends one only before a
        // space, the text's end or a CJK character.
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c != '.' || next.is_none_or(|n| n.is_whitespace() || is_cjk(n));
        if ends {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// The words and CJK characters of `s`: (start byte, end byte, weight).
fn pieces(s: &str) -> Vec<(usize, usize, f64)> {
    let mut out = Vec::new();
    let mut word: Option<usize> = None;
    for (i, c) in s.char_indices() {
        if is_cjk(c) || c.is_whitespace() {
            if let Some(w) = word.take() {
                out.push((w, i, 1.0));
            }
            if is_cjk(c) {
                out.push((i, i + c.len_utf8(), CJK_WEIGHT));
            }
        } else if word.is_none() {
            word = Some(i);
        }
    }
    if let Some(w) = word {
        out.push((w, s.len(), 1.0));
    }
    out
}

/// One sentence longer than [`NEAR_WORDS`], cut to its words nearest the line.
fn cut(s: &str, side: Side) -> String {
    let pieces = pieces(s);
    let mut total = 0.0;
    match side {
        Side::Before => {
            let mut from = s.len();
            for &(start, _, w) in pieces.iter().rev() {
                if total + w > NEAR_WORDS {
                    break;
                }
                total += w;
                from = start;
            }
            s[from..].to_string()
        }
        Side::After => {
            let mut to = 0;
            for &(_, end, w) in &pieces {
                if total + w > NEAR_WORDS {
                    break;
                }
                total += w;
                to = end;
            }
            s[..to].to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG_TURN: &str = "Okay, revenue for operations services this quarter is 18.4 million, \
        against a budget of 17.9, so about 3% ahead. Costs were 15.1 million against a budget \
        of 14.6, so also ahead, which is the bad kind of ahead. Ken, can you pull the freight \
        invoices by Friday?";

    #[test]
    fn a_short_turn_is_shown_whole() {
        let text = "Sure. I'll email them tomorrow.";
        assert_eq!(nearest(text, Side::Before), text);
        assert_eq!(nearest(text, Side::After), text);
    }

    #[test]
    fn a_turn_before_keeps_its_last_sentences() {
        let got = nearest(LONG_TURN, Side::Before);
        assert!(got.starts_with("… "), "{got}");
        assert!(
            got.ends_with("Ken, can you pull the freight invoices by Friday?"),
            "{got}"
        );
        assert!(!got.contains("18.4 million"), "{got}");
        assert!(pieces(&got).len() as f64 <= NEAR_WORDS + 1.0, "{got}");
    }

    #[test]
    fn a_turn_after_keeps_its_first_sentences() {
        let got = nearest(LONG_TURN, Side::After);
        assert!(got.ends_with(" …"), "{got}");
        // "18.4" and "17.9" do not end a sentence.
        assert!(
            got.starts_with("Okay, revenue for operations services this quarter is 18.4 million, against a budget of 17.9, so about 3% ahead."),
            "{got}"
        );
        assert!(!got.contains("freight"), "{got}");
    }

    #[test]
    fn one_long_sentence_is_cut_at_the_words_nearest_the_line() {
        let text = (1..=60)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let before = nearest(&text, Side::Before);
        assert!(before.starts_with("… w36 "), "{before}");
        assert!(before.ends_with("w60"), "{before}");
        let after = nearest(&text, Side::After);
        assert!(after.starts_with("w1 w2 "), "{after}");
        assert!(after.ends_with("w25 …"), "{after}");
    }

    #[test]
    fn chinese_turns_are_measured_in_characters() {
        // 31 characters: under the limit (31 × 0.6 < 25), shown whole.
        let short = "我哋今日主要傾三件事，第一係年尾晚宴，第二係培訓，第三係新同事入職安排。";
        assert_eq!(nearest(short, Side::After), short);
        let long = "上個月嘅數我已經對完，大部分都冇問題，只係有兩張單仲未收到。\
                    物流嗰邊話下個禮拜先可以寄返嚟，我會再跟進。\
                    Sandy，你可唔可以聽日之前整好份報告畀我？";
        let got = nearest(long, Side::Before);
        assert!(
            got.ends_with("Sandy，你可唔可以聽日之前整好份報告畀我？"),
            "{got}"
        );
        assert!(!got.contains("上個月"), "{got}");
        let got = nearest(long, Side::After);
        assert!(got.starts_with("上個月嘅數我已經對完"), "{got}");
        assert!(!got.contains("Sandy"), "{got}");
    }
}
