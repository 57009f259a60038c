//! Llama-architecture GGUFs (Llama 2/3, SmolLM2, Mistral-style): no biases, interleaved
//! rotary pairs as llama.cpp's converter lays out the Q/K weights.

use super::decoder::{DecoderConfig, RopeStyle};
use crate::llm::gguf::Gguf;
use crate::Result;

pub fn config(gguf: &Gguf) -> Result<DecoderConfig> {
    let mut cfg = DecoderConfig::from_gguf(gguf, "llama")?;
    cfg.rope_style = RopeStyle::Interleaved;
    if gguf.opt_usize("llama.expert_count").unwrap_or(0) > 0 {
        return Err(gguf.error("mixture-of-experts Llama models are not supported"));
    }
    Ok(cfg)
}
