//! Comparing words across scripts and spellings: text normalized for matching
//! (Simplified characters, lower case, no spaces or punctuation), its units (a CJK
//! character or a Latin word), and the similarities merging uses.

use std::collections::HashMap;

use super::language::is_cjk;
use crate::directory::normalize::simplified;

/// Lower case, Simplified, letters, digits and CJK characters only.
pub fn normalize(text: &str) -> String {
    simplified(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Each CJK character and each Latin/digit word, normalized.
pub fn units(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in simplified(text).chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Where `quote` is in `text`, compared normalized: the byte range of `text` from the
/// first to the last letter matched, so the words can be shown as they were said.
pub fn find_normalized(text: &str, quote: &str) -> Option<std::ops::Range<usize>> {
    let needle: Vec<char> = normalize(quote).chars().collect();
    if needle.is_empty() {
        return None;
    }
    // Each normalized character with the byte range of the character it came from.
    let mut chars: Vec<char> = Vec::new();
    let mut origin: Vec<std::ops::Range<usize>> = Vec::new();
    for ((at, original), c) in text.char_indices().zip(simplified(text).chars()) {
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                chars.push(lower);
                origin.push(at..at + original.len_utf8());
            }
        }
    }
    let start = chars
        .windows(needle.len())
        .position(|w| w == needle.as_slice())?;
    Some(origin[start].start..origin[start + needle.len() - 1].end)
}

/// How much a text says: its Latin (or digit) words and its CJK characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub words: usize,
    pub cjk: usize,
}

pub fn size(text: &str) -> Size {
    Size::of(&units(text))
}

impl Size {
    /// The size of units (as [`units`] makes them).
    pub fn of(units: &[String]) -> Size {
        let cjk = units
            .iter()
            .filter(|u| u.chars().next().is_some_and(is_cjk))
            .count();
        Size {
            words: units.len() - cjk,
            cjk,
        }
    }

    /// Enough to say a task or a decision: three words, four CJK characters, or three
    /// of both in a code-switched phrase ("我 call vendor").
    pub fn says_something(self) -> bool {
        self.words >= 3
            || self.cjk >= 4
            || (self.words >= 1 && self.cjk >= 1 && self.words + self.cjk >= 3)
    }
}

/// Latin words that carry no content of their own.
const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "to", "and", "or", "for", "in", "on", "at", "by", "with", "from", "is",
    "are", "was", "be", "will", "would", "shall", "should", "it", "its", "this", "that", "we", "i",
    "you", "he", "she", "they", "our", "their", "as", "so", "all", "i'll", "we'll", "let's",
    "it's", "we're",
];

/// What two texts are compared on to tell whether one is about the other: Latin
/// content words and pairs of neighbouring CJK characters (a single common character
/// such as 的 or 会 says little about what was said; a pair says much more).
pub fn content_units(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_run = |run: &mut Vec<char>, out: &mut Vec<String>| {
        match run.len() {
            0 => {}
            1 => out.push(run[0].to_string()),
            _ => out.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
        }
        run.clear();
    };
    let flush_word = |word: &mut String, out: &mut Vec<String>| {
        if !word.is_empty() && !FUNCTION_WORDS.contains(&word.as_str()) {
            out.push(word.clone());
        }
        word.clear();
    };
    for c in simplified(text).chars() {
        if is_cjk(c) {
            flush_word(&mut word, &mut out);
            run.push(c);
        } else if c.is_alphanumeric() || (c == '\'' && !word.is_empty()) {
            flush_run(&mut run, &mut out);
            word.extend(c.to_lowercase());
        } else {
            // Spaces and punctuation end a word; punctuation also ends a CJK phrase.
            flush_word(&mut word, &mut out);
            if !c.is_whitespace() {
                flush_run(&mut run, &mut out);
            }
        }
    }
    flush_word(&mut word, &mut out);
    flush_run(&mut run, &mut out);
    out
}

/// Share of `part`'s units (with repeats) that `whole` has.
pub fn coverage(part: &[String], whole: &[String]) -> f64 {
    if part.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for u in whole {
        *counts.entry(u.as_str()).or_default() += 1;
    }
    let mut hit = 0;
    for u in part {
        if let Some(n) = counts.get_mut(u.as_str()) {
            if *n > 0 {
                *n -= 1;
                hit += 1;
            }
        }
    }
    hit as f64 / part.len() as f64
}

/// Length in characters of the longest common substring of two normalized texts.
pub fn longest_common(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev = vec![0usize; b.len() + 1];
    let mut best = 0;
    for &x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            if x == y {
                cur[j + 1] = prev[j] + 1;
                best = best.max(cur[j + 1]);
            }
        }
        prev = cur;
    }
    best
}

/// Jaccard similarity of the character bigrams of two texts (after normalizing).
pub fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| -> std::collections::HashSet<(char, char)> {
        let chars: Vec<char> = normalize(s).chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return if normalize(a) == normalize(b) {
            1.0
        } else {
            0.0
        };
    }
    let inter = ga.intersection(&gb).count();
    inter as f64 / (ga.len() + gb.len() - inter) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_across_scripts_and_case() {
        assert_eq!(normalize("I'll send 報價, OK?"), "illsend报价ok");
        assert_eq!(units("Send 報價 now"), ["send", "报", "价", "now"]);
        assert_eq!(longest_common("abcdef", "xxcdeyy"), 3);
        assert!(
            coverage(
                &units("send the quote"),
                &units("I will send the quote today")
            ) > 0.99
        );
        assert!(similarity("準備預算草稿", "准备预算草稿") > 0.99);
        assert!(similarity("send the deck", "book the venue") < 0.3);
    }

    #[test]
    fn finds_quotes_as_said_and_sizes_them() {
        let said = "Amy: Sure — I'll SEND it by Friday. 我聽日覆你。";
        let at = find_normalized(said, "i'll send it, by friday").unwrap();
        assert_eq!(&said[at], "I'll SEND it by Friday");
        let at = find_normalized(said, "我听日覆").unwrap();
        assert_eq!(&said[at], "我聽日覆");
        assert_eq!(find_normalized(said, "send it on Monday"), None);
        assert_eq!(find_normalized(said, "—"), None);

        assert_eq!(size("Fiona Lau"), Size { words: 2, cjk: 0 });
        assert!(!size("Fiona Lau").says_something());
        assert!(size("send the deck").says_something());
        assert!(!size("覆你。").says_something());
        assert!(size("我聽日覆").says_something());
        assert!(size("我 call vendor").says_something());
        assert!(!size("我 call").says_something());

        assert_eq!(
            content_units("We will send the 報價單，好。"),
            ["send", "报价", "价单", "好"]
        );
    }
}
