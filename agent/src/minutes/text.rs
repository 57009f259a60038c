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
}
