//! The fallback engine: architectures mishu's own decoder does not run (Gemma 3, Phi-3)
//! run on candle, behind the same [`Llm`] API — the tokenizer, chat template, sampling,
//! stops, streaming and constrained decoding are the engine's, only the logits come
//! from here.
//!
//! - Gemma 3: [`gemma3`], candle-transformers' `quantized_gemma3` adapted (its
//!   feed-forward activation, sliding window and masks are wrong for llama.cpp's files).
//! - Phi-3: candle-transformers' `quantized_phi3` as it is. Its key/value cache can only
//!   be restarted or extended, so a cached prefix is kept only when the new prompt
//!   starts with everything cached.
//!
//! [`Llm`]: crate::llm::Llm

pub mod gemma3;

use candle_core::{DType, Device, Tensor};
use candle_transformers::models::quantized_phi3;

use crate::llm::gguf::Gguf;
use crate::{Error, Result};

/// Architectures (`general.architecture`) the fallback engine runs.
pub const SUPPORTED: &[&str] = &["gemma3", "phi3"];

/// The most tokens a fallback model holds by default (as the fast path's).
pub const DEFAULT_CONTEXT_CAP: usize = 32_768;

enum Weights {
    Gemma3(Box<gemma3::Gemma3>),
    Phi3 {
        model: Box<quantized_phi3::ModelWeights>,
        cached: usize,
    },
}

pub struct FallbackModel {
    arch: String,
    weights: Weights,
    vocab_size: usize,
    context: usize,
}

impl FallbackModel {
    /// Whether `arch` is one the fallback engine runs.
    pub fn supports(arch: &str) -> bool {
        SUPPORTED.contains(&arch)
    }

    /// Loads the weights of the GGUF's architecture on candle.
    /// `max_context` caps the context (`None`: [`DEFAULT_CONTEXT_CAP`]).
    pub fn load(gguf: &Gguf, max_context: Option<usize>) -> Result<FallbackModel> {
        let arch = gguf.string("general.architecture")?.to_string();
        if !Self::supports(&arch) {
            return Err(gguf.error(format!(
                "architecture '{arch}' is not supported by the fallback engine (supported: {})",
                SUPPORTED.join(", ")
            )));
        }
        let trained = gguf
            .opt_usize(&format!("{arch}.context_length"))
            .unwrap_or(DEFAULT_CONTEXT_CAP);
        let context = max_context
            .unwrap_or(DEFAULT_CONTEXT_CAP)
            .min(trained)
            .max(1);
        let vocab_size = gguf
            .tensor_dims("token_embd.weight")
            .and_then(|d| d.first().copied())
            .ok_or_else(|| gguf.error("tensor 'token_embd.weight' is missing"))?;
        let weights = match arch.as_str() {
            "gemma3" => Weights::Gemma3(Box::new(gemma3::Gemma3::load(gguf, context)?)),
            _ => {
                let (content, mut reader) = gguf.candle_reader()?;
                let model = quantized_phi3::ModelWeights::from_gguf(
                    false,
                    content,
                    &mut reader,
                    &Device::Cpu,
                )
                .map_err(|e| {
                    gguf.error(format!(
                        "candle-transformers cannot load this {arch} model: {e}"
                    ))
                })?;
                Weights::Phi3 {
                    model: Box::new(model),
                    cached: 0,
                }
            }
        };
        tracing::info!(
            arch,
            context,
            vocab_size,
            "loaded model on the fallback engine"
        );
        Ok(FallbackModel {
            arch,
            weights,
            vocab_size,
            context,
        })
    }

    pub fn architecture(&self) -> &str {
        &self.arch
    }

    pub fn vocab_size(&self) -> usize {
        self.vocab_size
    }

    /// Tokens one generation may hold (prompt + answer).
    pub fn context(&self) -> usize {
        self.context
    }

    /// How many tokens of `prompt` to keep from a cache that holds `cached`, at least
    /// one prompt token left to run. Call [`FallbackModel::truncate`] with it.
    pub fn reusable_prefix(&self, cached: &[u32], prompt: &[u32]) -> usize {
        let shared = cached
            .iter()
            .zip(prompt)
            .take_while(|(a, b)| a == b)
            .count();
        match self.weights {
            Weights::Gemma3(_) => shared.min(prompt.len().saturating_sub(1)),
            // All of the cache or none of it.
            Weights::Phi3 { .. } if shared == cached.len() && shared < prompt.len() => shared,
            Weights::Phi3 { .. } => 0,
        }
    }

    /// Keeps the first `len` cached tokens (for Phi-3: all of them, or none).
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        match &mut self.weights {
            Weights::Gemma3(m) => m.truncate(len),
            Weights::Phi3 { cached, .. } => {
                if len != 0 && len != *cached {
                    return Err(Error::Engine(format!(
                        "the phi3 cache cannot be cut back to {len} of {cached} tokens (a bug)"
                    )));
                }
                // Position 0 restarts candle's cache.
                *cached = len;
                Ok(())
            }
        }
    }

    /// Runs `tokens` after the cached ones; the logits after the last.
    pub fn forward(&mut self, tokens: &[u32]) -> Result<Vec<f32>> {
        if tokens.is_empty() {
            return Err(Error::Engine("no tokens to run".into()));
        }
        match &mut self.weights {
            Weights::Gemma3(m) => m.forward(tokens),
            Weights::Phi3 { model, cached } => {
                let engine = |e: candle_core::Error| Error::Engine(format!("phi3 model: {e}"));
                let input = Tensor::new(tokens, &Device::Cpu)
                    .and_then(|t| t.unsqueeze(0))
                    .map_err(engine)?;
                let logits = model
                    .forward(&input, *cached)
                    .and_then(|l| l.squeeze(0))
                    .and_then(|l| l.to_dtype(DType::F32))
                    .and_then(|l| l.to_vec1::<f32>())
                    .map_err(engine)?;
                *cached += tokens.len();
                Ok(logits)
            }
        }
    }
}
