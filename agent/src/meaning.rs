//! Whether two short texts mean the same, by sentence embeddings: one encoder
//! (`minilm-l6`) per process, loaded on first use and shared. It is optional: when it
//! is not installed, callers fall back to comparing words, and that is logged once.
//! The minutes merge action items with it; commands find the task or event they would
//! repeat ([`same_as`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use inference::embeddings::{cosine, SentenceEncoder, DEFAULT_MODEL};

use crate::directory::normalize::simplified;
use crate::minutes::text::similarity;

/// Two action items of one owner whose embeddings are at least this close are one task.
/// Chosen on the hand-labelled pairs of `agent/tests/data/action_item_pairs.tsv` for
/// precision (merging two tasks loses one; a duplicate left is only noise): 0.94 with
/// the word rule beside it, recall 0.43 against its 0.17 (docs/MINUTES.md).
pub const SAME_TASK: f32 = 0.85;

/// Two texts whose character pairs overlap at least this much (Jaccard, after
/// normalizing: Simplified, lower case, no spaces) say the same: the rule used beside
/// the embeddings, and alone when the encoder is not installed.
pub const SAME_BY_WORDS: f64 = 0.5;

/// Where the encoder is looked for; `None` until set: `MISHU_MODELS_DIR` or the
/// user's data directory.
static MODELS_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// The process's encoder: `Some` once loaded, `None` once known to be unavailable.
static ENCODER: OnceLock<Option<Arc<SentenceEncoder>>> = OnceLock::new();

/// Sets the model directory the encoder is loaded from (before first use; later calls
/// change nothing once it is loaded).
pub fn use_models_dir(dir: Option<PathBuf>) {
    *MODELS_DIR.lock().unwrap_or_else(|e| e.into_inner()) = dir;
}

/// The shared encoder, or `None` when `minilm-l6` is not installed or cannot be loaded
/// (said once in the log; the callers then compare words instead).
pub fn encoder() -> Option<Arc<SentenceEncoder>> {
    ENCODER
        .get_or_init(|| {
            let dir = MODELS_DIR.lock().unwrap_or_else(|e| e.into_inner()).clone();
            let t0 = std::time::Instant::now();
            match SentenceEncoder::from_store(dir, DEFAULT_MODEL) {
                Ok(e) => {
                    tracing::info!(
                        "loaded {DEFAULT_MODEL} in {:.2} s: action items and titles are compared by meaning",
                        t0.elapsed().as_secs_f64()
                    );
                    Some(Arc::new(e))
                }
                Err(e) => {
                    tracing::info!(
                        "action items and titles are compared by their words only: {e} \
                         (sentence embeddings are optional)"
                    );
                    None
                }
            }
        })
        .clone()
}

/// Embeddings already computed, by the text embedded: a service compares each new
/// title or task with the same stored ones again and again. Emptied when it reaches
/// [`MAX_KEPT`] texts (about 1.5 KB each).
static KEPT: Mutex<Option<HashMap<String, Arc<[f32]>>>> = Mutex::new(None);

const MAX_KEPT: usize = 20_000;

/// Embeddings of texts for comparing their meaning; `None` when the encoder fails on
/// them (logged; the caller compares words instead). Each text is encoded once per
/// process: later calls reuse its embedding.
pub fn embed(encoder: &SentenceEncoder, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
    // One script for both spellings of Chinese: on the labelled pairs this finds more
    // paraphrases (recall 0.40 against 0.34 at SAME_TASK) and merges no more tasks.
    let texts: Vec<String> = texts.iter().map(|t| simplified(t)).collect();
    // Every text's embedding, from the kept ones or encoded now.
    let mut found: HashMap<String, Arc<[f32]>> = HashMap::with_capacity(texts.len());
    {
        let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        for t in &texts {
            if let Some(v) = kept.as_ref().and_then(|k| k.get(t)) {
                found.insert(t.clone(), v.clone());
            }
        }
    }
    let mut missing: Vec<&String> = texts.iter().filter(|t| !found.contains_key(*t)).collect();
    missing.sort();
    missing.dedup();
    let fresh = match encoder.embed(&missing) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!("cannot compare action items by meaning: {e}");
            return None;
        }
    };
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    let kept = kept.get_or_insert_with(HashMap::new);
    if kept.len() + fresh.len() > MAX_KEPT {
        kept.clear();
    }
    for (text, vector) in missing.into_iter().zip(fresh) {
        let vector: Arc<[f32]> = vector.into();
        kept.insert(text.clone(), vector.clone());
        found.insert(text.clone(), vector);
    }
    texts
        .iter()
        .map(|t| found.get(t).map(|v| v.to_vec()))
        .collect()
}

/// How many texts' embeddings are kept for reuse.
pub fn kept_embeddings() -> usize {
    KEPT.lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map_or(0, HashMap::len)
}

/// Whether the encoder sees every word of `text`. minilm-l6 reads most Chinese
/// characters as one unknown token, which leaves the embeddings of different texts alike
/// ("審核預算" and "團隊午餐" come out the same): such texts are compared by their words
/// alone.
pub fn readable(encoder: &SentenceEncoder, text: &str) -> bool {
    encoder
        .unknown_tokens(&simplified(text))
        .is_ok_and(|(unknown, _)| unknown == 0)
}

/// Cosine of two embeddings.
pub fn closeness(a: &[f32], b: &[f32]) -> f32 {
    cosine(a, b)
}

/// How a text was found to say the same as another.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Same {
    /// Index of the matching candidate.
    pub index: usize,
    /// `meaning` (embeddings at least [`SAME_TASK`] close) or `words` (character pairs
    /// at least [`SAME_BY_WORDS`] alike).
    pub by: &'static str,
    /// The cosine of the embeddings when the encoder ran, otherwise the words' likeness.
    pub closeness: f32,
}

/// The candidate that says the same as `text` — by words, or by meaning when the
/// encoder is installed and knows every token of both texts (the rule the minutes merge
/// action items with) — the closest one when several do; `None` when none does.
pub fn same_as(text: &str, candidates: &[&str]) -> Option<Same> {
    if candidates.is_empty() {
        return None;
    }
    let encoder = encoder();
    // Pairs with a text the encoder cannot read are judged by their words alone.
    let readable = |t: &str| encoder.as_ref().is_some_and(|e| readable(e, t));
    let text_readable = readable(text);
    let vectors = encoder.as_ref().filter(|_| text_readable).and_then(|e| {
        let mut texts = Vec::with_capacity(candidates.len() + 1);
        texts.push(text);
        texts.extend_from_slice(candidates);
        embed(e, &texts)
    });
    candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let words = similarity(text, c);
            let cos = vectors
                .as_ref()
                .filter(|_| text_readable && readable(c))
                .map(|v| closeness(&v[0], &v[i + 1]));
            let by = if cos.is_some_and(|c| c >= SAME_TASK) {
                "meaning"
            } else if words >= SAME_BY_WORDS {
                "words"
            } else {
                return None;
            };
            Some(Same {
                index: i,
                by,
                closeness: cos.unwrap_or(words as f32),
            })
        })
        .max_by(|a, b| a.closeness.total_cmp(&b.closeness))
}
