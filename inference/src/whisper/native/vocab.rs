//! Whisper's token ids: the special tokens (placed as whisper.cpp and openai-whisper place
//! them for the file's vocabulary size), token bytes, and the tokens decoding suppresses.

use std::collections::HashMap;

/// Symbols openai-whisper keeps out of transcripts (its `non_speech_tokens`), alone and
/// after a space.
#[rustfmt::skip]
const NON_SPEECH: &[&str] = &[
    "\"", "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", "\\", "]", "^", "_",
    "`", "{", "|", "}", "~", "「", "」", "『", "』", "<<", ">>", "<<<", ">>>", "--", "---", "-(",
    "-[", "('", "(\"", "((", "))", "(((", ")))", "[[", "]]", "{{", "}}", "♪♪", "♪♪♪", "♩", "♪",
    "♫", "♬", "♭", "♮", "♯",
];

#[derive(Debug, Clone)]
pub(crate) struct Vocab {
    /// Bytes of the regular tokens (ids below `eot`).
    bytes: Vec<Vec<u8>>,
    pub eot: u32,
    pub sot: u32,
    pub transcribe: u32,
    pub prev: u32,
    pub no_speech: u32,
    /// The first timestamp token, `<|0.00|>`; each next one is 0.02 s later.
    pub timestamp_begin: u32,
    pub n_languages: u32,
    /// Suppressed at every step: special tokens other than end-of-text and timestamps,
    /// and the non-speech symbols.
    pub suppressed: Vec<u32>,
    /// The token of a lone space, suppressed (with end-of-text) at the first step.
    pub space: Option<u32>,
}

impl Vocab {
    /// `tokens` are the file's token bytes by id; `n_vocab` the model's output size.
    pub fn new(tokens: &[&[u8]], n_vocab: usize) -> Vocab {
        let multilingual = n_vocab >= 51_865;
        let n_languages = (n_vocab as i64 - 51_765 - i64::from(multilingual)).max(0) as u32;
        // whisper.cpp's layout: the English-only vocabulary's ids, and for the
        // multilingual one end/start of text one later and the tokens after the
        // languages `n_languages − 98` later.
        let (one, dt) = if multilingual {
            (1, n_languages as i64 - 98)
        } else {
            (0, 0)
        };
        let at = |base: i64, shift: i64| (base + shift) as u32;
        let eot = at(50_256, one);
        let sot = at(50_257, one);
        let translate = at(50_357, dt);
        let transcribe = at(50_358, dt);
        let start_of_lm = at(50_359, dt);
        let prev = at(50_360, dt);
        let no_speech = at(50_361, dt);
        let no_timestamps = at(50_362, dt);
        let timestamp_begin = at(50_363, dt);
        let bytes: Vec<Vec<u8>> = tokens
            .iter()
            .take(eot as usize)
            .map(|t| t.to_vec())
            .collect();
        let by_text: HashMap<&[u8], u32> = bytes
            .iter()
            .enumerate()
            .map(|(i, b)| (b.as_slice(), i as u32))
            .collect();
        let mut suppressed = vec![
            sot,
            translate,
            transcribe,
            start_of_lm,
            prev,
            no_speech,
            no_timestamps,
        ];
        suppressed.extend((0..n_languages).map(|i| sot + 1 + i));
        for symbol in NON_SPEECH {
            for text in [symbol.to_string(), format!(" {symbol}")] {
                if let Some(&id) = by_text.get(text.as_bytes()) {
                    suppressed.push(id);
                }
            }
        }
        // Hyphens and apostrophes are allowed inside words, not at their start.
        for text in [" -", " '"] {
            if let Some(&id) = by_text.get(text.as_bytes()) {
                suppressed.push(id);
            }
        }
        suppressed.retain(|&t| (t as usize) < n_vocab);
        suppressed.sort_unstable();
        suppressed.dedup();
        let space = by_text.get(b" ".as_slice()).copied();
        Vocab {
            bytes,
            eot,
            sot,
            transcribe,
            prev,
            no_speech,
            timestamp_begin,
            n_languages: if multilingual { n_languages } else { 0 },
            suppressed,
            space,
        }
    }

    pub fn is_multilingual(&self) -> bool {
        self.n_languages > 0
    }

    /// The token of language `id` (whisper.cpp's language ids: 0 `en`, 1 `zh`, …).
    pub fn language_token(&self, id: u32) -> u32 {
        self.sot + 1 + id
    }

    /// `text` as tokens, the longest known token at each point. Whisper's ggml files
    /// carry no BPE merges, so this is not always the tokenization the model was trained
    /// on, but every token is one it knows and the bytes are exactly the text's.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let by_text: HashMap<&[u8], u32> = self
            .bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.is_empty())
            .map(|(i, b)| (b.as_slice(), i as u32))
            .collect();
        let longest = self.bytes.iter().map(Vec::len).max().unwrap_or(1);
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < bytes.len() {
            let max = longest.min(bytes.len() - pos);
            match (1..=max)
                .rev()
                .find_map(|n| by_text.get(&bytes[pos..pos + n]).map(|&id| (id, n)))
            {
                Some((id, n)) => {
                    out.push(id);
                    pos += n;
                }
                // A byte no token starts with (not in a real Whisper vocabulary): skipped.
                None => pos += 1,
            }
        }
        out
    }

    /// The text of regular tokens (others are skipped), as UTF-8 with any broken
    /// sequence replaced.
    pub fn text(&self, tokens: &[u32]) -> String {
        let mut out = Vec::new();
        for &t in tokens {
            if let Some(b) = self.bytes.get(t as usize) {
                out.extend_from_slice(b);
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(n: usize) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = (0..n).map(|i| format!("t{i}").into_bytes()).collect();
        v[220] = b" ".to_vec();
        v[1] = b"\"".to_vec();
        v[2] = b" (".to_vec();
        v[3] = "♪".as_bytes().to_vec();
        v[4] = b" -".to_vec();
        v[5] = b"-".to_vec();
        v
    }

    #[test]
    fn special_tokens_sit_where_whisper_puts_them() {
        let t = tokens(50_364);
        let refs: Vec<&[u8]> = t.iter().map(|b| b.as_slice()).collect();
        // whisper-base (99 languages) and large-v3 (100, with Cantonese).
        let base = Vocab::new(&refs, 51_865);
        assert_eq!((base.eot, base.sot), (50_257, 50_258));
        assert_eq!((base.transcribe, base.no_speech), (50_359, 50_362));
        assert_eq!(base.timestamp_begin, 50_364);
        assert_eq!(base.n_languages, 99);
        assert_eq!(base.language_token(0), 50_259, "<|en|>");
        let large = Vocab::new(&refs, 51_866);
        assert_eq!(large.timestamp_begin, 50_365);
        assert_eq!(large.n_languages, 100);
        let en = Vocab::new(&refs, 51_864);
        assert_eq!(
            (en.eot, en.sot, en.timestamp_begin),
            (50_256, 50_257, 50_363)
        );
        assert!(!en.is_multilingual());
    }

    #[test]
    fn suppresses_symbols_and_specials_but_not_timestamps_or_words() {
        let t = tokens(50_364);
        let refs: Vec<&[u8]> = t.iter().map(|b| b.as_slice()).collect();
        let v = Vocab::new(&refs, 51_865);
        for id in [
            1,
            2,
            3,
            4,
            v.sot,
            v.timestamp_begin - 1,
            v.language_token(5),
        ] {
            assert!(v.suppressed.contains(&id), "{id}");
        }
        for id in [0, 5, 220, v.eot, v.timestamp_begin, v.timestamp_begin + 10] {
            assert!(!v.suppressed.contains(&id), "{id}");
        }
        assert_eq!(v.space, Some(220));
        assert_eq!(v.text(&[0, 220, 5, v.eot, v.timestamp_begin]), "t0 -");
    }

    #[test]
    fn tokenizes_with_the_longest_known_tokens() {
        let mut t = tokens(50_364);
        t[10] = "嘅".as_bytes().to_vec();
        t[11] = " 佢".as_bytes().to_vec();
        t[12] = "哋".as_bytes().to_vec();
        t[13] = "佢哋".as_bytes().to_vec();
        t[14] = vec![0xe4];
        let refs: Vec<&[u8]> = t.iter().map(|b| b.as_slice()).collect();
        let v = Vocab::new(&refs, 51_865);
        let ids = v.tokenize(" 佢哋嘅佢哋");
        assert_eq!(ids, vec![11, 12, 10, 13]);
        assert_eq!(v.text(&ids), " 佢哋嘅佢哋");
    }
}
