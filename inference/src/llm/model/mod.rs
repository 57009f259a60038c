//! The model architectures mishu runs, each a configuration of one decoder.

pub(crate) mod attention;
pub mod decoder;
pub mod llama;
pub(crate) mod ops;
#[cfg(target_arch = "x86_64")]
pub(crate) mod prefill_attention;
pub mod qwen2;
pub mod qwen3;
pub mod scratch;

pub use decoder::{Decoder, DecoderConfig, RopeStyle};

use crate::llm::gguf::Gguf;
use crate::Result;

/// Architectures (`general.architecture`) this engine can run.
pub const SUPPORTED: &[&str] = &["llama", "qwen2", "qwen3"];

/// Reads the architecture from the GGUF and loads its weights. `max_context` caps the
/// context (and so the KV cache); `None` uses the model's own context length.
pub fn load(gguf: &Gguf, max_context: Option<usize>) -> Result<Decoder> {
    let arch = gguf.string("general.architecture")?;
    let cfg = match arch {
        "llama" => llama::config(gguf)?,
        "qwen2" => qwen2::config(gguf)?,
        "qwen3" => qwen3::config(gguf)?,
        other => {
            return Err(gguf.error(format!(
                "architecture '{other}' is not supported (supported: {})",
                SUPPORTED.join(", ")
            )))
        }
    };
    let context = max_context
        .map(|c| c.min(cfg.context_length))
        .unwrap_or(cfg.context_length)
        .max(1);
    tracing::info!(
        arch,
        layers = cfg.n_layers,
        embd = cfg.n_embd,
        heads = cfg.n_head,
        kv_heads = cfg.n_kv_head,
        context,
        "loading model"
    );
    Decoder::load(gguf, cfg, context)
}
