//! Word error rate: how far a transcript is from a reference, in words (substitutions,
//! deletions and insertions), after lower-casing and dropping punctuation.

/// The words of a text: lower case, letters and digits only ("Country," → "country").
pub fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect::<String>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word-level edit distance: the fewest substitutions, deletions and insertions that
/// turn `reference` into `hypothesis`.
pub fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let mut prev: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut cur = vec![i + 1; hypothesis.len() + 1];
        for (j, h) in hypothesis.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(r != h))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[hypothesis.len()]
}

/// A transcript scored against its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordErrors {
    /// Substitutions + deletions + insertions.
    pub errors: usize,
    pub reference_words: usize,
}

impl WordErrors {
    /// Errors per reference word (0 for an empty reference and hypothesis; an empty
    /// reference with any hypothesis counts each inserted word against one).
    pub fn rate(&self) -> f64 {
        self.errors as f64 / self.reference_words.max(1) as f64
    }
}

/// Scores `hypothesis` against `reference`.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> WordErrors {
    let reference = words(reference);
    WordErrors {
        errors: word_errors(&reference, &words(hypothesis)),
        reference_words: reference.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_edits() {
        let w = |s: &str| words(s);
        assert_eq!(word_errors(&w("a b c"), &w("a b c")), 0);
        assert_eq!(word_errors(&w("a b c"), &w("a x c")), 1);
        assert_eq!(word_errors(&w("a b c"), &w("a c")), 1);
        assert_eq!(word_errors(&w("a b c"), &w("")), 3);
        assert_eq!(word_errors(&w(""), &w("a b")), 2);
        assert_eq!(
            word_errors(&w("Ask not, what"), &w("ask not what extra")),
            1
        );
    }

    #[test]
    fn rates() {
        let e = word_error_rate("And so, my fellow Americans", "and so my fellow american");
        assert_eq!(
            e,
            WordErrors {
                errors: 1,
                reference_words: 5
            }
        );
        assert!((e.rate() - 0.2).abs() < 1e-12);
        assert_eq!(word_error_rate("", "").rate(), 0.0);
        assert_eq!(word_error_rate("", "hello").rate(), 1.0);
        assert_eq!(words("Ça va? ÉTÉ, 2024!"), vec!["ça", "va", "été", "2024"]);
    }
}
