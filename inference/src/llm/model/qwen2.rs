//! Qwen2 / Qwen2.5 GGUFs (the default model): biases on Q, K and V, NeoX rotary pairs.

use super::decoder::{DecoderConfig, RopeStyle};
use crate::llm::gguf::Gguf;
use crate::Result;

pub fn config(gguf: &Gguf) -> Result<DecoderConfig> {
    let mut cfg = DecoderConfig::from_gguf(gguf, "qwen2")?;
    cfg.rope_style = RopeStyle::Neox;
    cfg.qkv_bias = true;
    Ok(cfg)
}
