//! Sentence embeddings: a BERT-family sentence encoder (all-MiniLM-L6-v2 by default)
//! on candle-transformers, pooled and normalised as sentence-transformers does, so
//! that texts saying the same thing get vectors whose cosine is near 1.
//!
//! Texts are encoded in batches: sorted by length, each batch padded to its longest
//! text, padding masked out of attention and of the mean.

mod config;
mod error;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::BertModel;
use models::ModelStore;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

pub use error::{EmbeddingError, Result};

/// The catalogue's sentence encoder.
pub const DEFAULT_MODEL: &str = "minilm-l6";

/// Tokens read per text, as sentence-transformers reads them for all-MiniLM-L6-v2
/// (longer texts are cut, there as here).
const MAX_TOKENS: usize = 256;

/// Texts encoded at once: large enough to keep both cores busy, small enough that one
/// long text pads few others.
const BATCH: usize = 32;

/// A loaded sentence encoder. Cheap to share behind an `Arc`; `embed` takes `&self`.
pub struct SentenceEncoder {
    name: String,
    model: BertModel,
    tokenizer: Tokenizer,
    dim: usize,
    device: Device,
}

impl SentenceEncoder {
    /// The model `name` from the store in `models_dir` (`None`: the default store).
    pub fn from_store(models_dir: Option<PathBuf>, name: &str) -> Result<SentenceEncoder> {
        let store = ModelStore::open(models_dir)?;
        let weights = store.primary_path(name)?;
        let dir = weights.parent().unwrap_or(Path::new("."));
        SentenceEncoder::load(dir, name)
    }

    /// The model in `dir`: `model.safetensors` and `tokenizer.json` (a Hugging Face
    /// tokenizer) and `config.json`.
    pub fn load(dir: &Path, name: &str) -> Result<SentenceEncoder> {
        let bad = |path: PathBuf, detail: String| EmbeddingError::BadModel {
            name: name.to_string(),
            path,
            detail,
        };
        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let bytes = std::fs::read(&weights_path).map_err(|e| {
            bad(
                weights_path.clone(),
                format!("cannot read the weights: {e}"),
            )
        })?;
        let tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load_buffer(&bytes, &device)
                .map_err(|e| bad(weights_path.clone(), format!("not a safetensors file: {e}")))?
                .into_iter()
                .map(|(k, t)| (k.strip_prefix("bert.").map(str::to_string).unwrap_or(k), t))
                .collect();
        drop(bytes);
        let config_path = dir.join("config.json");
        let config = config::load(dir).map_err(|e| bad(config_path, e))?;
        let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
        let model = BertModel::load(vb, &config)
            .map_err(|e| bad(weights_path.clone(), format!("not a BERT model: {e}")))?;

        let tokenizer_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
            .map_err(|e| bad(tokenizer_path.clone(), format!("not a tokenizer: {e}")))?;
        // The file pads every text to 128 tokens; batches are padded here, to their
        // longest text, which is what makes short texts cheap.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS.min(config.max_position_embeddings),
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|e| {
                bad(
                    tokenizer_path.clone(),
                    format!("cannot set truncation: {e}"),
                )
            })?;
        tracing::debug!(
            "sentence encoder {name}: {} layers, width {}",
            config.num_hidden_layers,
            config.hidden_size
        );
        Ok(SentenceEncoder {
            name: name.to_string(),
            model,
            tokenizer,
            dim: config.hidden_size,
            device,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Length of every embedding.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// One unit-length embedding per text, in the order given.
    pub fn embed<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<Vec<f32>>> {
        let mut encodings = Vec::with_capacity(texts.len());
        for text in texts {
            let text = text.as_ref();
            let encoding =
                self.tokenizer
                    .encode(text, true)
                    .map_err(|e| EmbeddingError::Tokenize {
                        text: text.chars().take(80).collect(),
                        detail: e.to_string(),
                    })?;
            encodings.push(encoding.get_ids().to_vec());
        }
        // Similar lengths together: less padding computed and thrown away.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        for batch in order.chunks(BATCH) {
            let ids: Vec<&[u32]> = batch.iter().map(|&i| encodings[i].as_slice()).collect();
            for (&i, vector) in batch.iter().zip(self.embed_batch(&ids)?) {
                out[i] = vector;
            }
        }
        Ok(out)
    }

    /// How many of a text's tokens (special tokens aside) the model's vocabulary does
    /// not have (`[UNK]`), and how many tokens it has: an embedding says little about
    /// words the model cannot see (most Chinese characters, for an English model).
    pub fn unknown_tokens(&self, text: &str) -> Result<(usize, usize)> {
        let encoding =
            self.tokenizer
                .encode(text, false)
                .map_err(|e| EmbeddingError::Tokenize {
                    text: text.chars().take(80).collect(),
                    detail: e.to_string(),
                })?;
        let unknown = self.tokenizer.token_to_id("[UNK]");
        let ids = encoding.get_ids();
        let n = ids.iter().filter(|&&id| Some(id) == unknown).count();
        Ok((n, ids.len()))
    }

    /// One text's embedding.
    pub fn embed_one(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed(&[text])?.remove(0))
    }

    fn embed_batch(&self, ids: &[&[u32]]) -> Result<Vec<Vec<f32>>> {
        let len = ids.iter().map(|t| t.len()).max().unwrap_or(0).max(1);
        let mut flat_ids = Vec::with_capacity(ids.len() * len);
        let mut flat_mask = Vec::with_capacity(ids.len() * len);
        for t in ids {
            flat_ids.extend_from_slice(t);
            flat_ids.extend(std::iter::repeat_n(0u32, len - t.len()));
            flat_mask.extend(std::iter::repeat_n(1u32, t.len()));
            flat_mask.extend(std::iter::repeat_n(0u32, len - t.len()));
        }
        let shape = (ids.len(), len);
        let input_ids = Tensor::from_vec(flat_ids, shape, &self.device)?;
        let mask = Tensor::from_vec(flat_mask, shape, &self.device)?;
        let token_types = input_ids.zeros_like()?;
        let hidden = self.model.forward(&input_ids, &token_types, Some(&mask))?;
        // Mean over the text's own tokens, then unit length (sentence-transformers'
        // Pooling(mean) and Normalize).
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}

/// Cosine similarity; for the unit vectors `embed` returns, their dot product.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_known_vectors() {
        assert!((cosine(&[1.0, 0.0], &[1.0, 0.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 2.0]).abs() < 1e-6);
        assert!((cosine(&[1.0, 1.0], &[-1.0, -1.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }
}
