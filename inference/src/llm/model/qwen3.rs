//! Qwen3 GGUFs: no Q/K/V biases, per-head RMS norms on Q and K, NeoX rotary pairs, and a
//! head size given by `qwen3.attention.key_length`.

use super::decoder::{DecoderConfig, RopeStyle};
use crate::llm::gguf::Gguf;
use crate::Result;

pub fn config(gguf: &Gguf) -> Result<DecoderConfig> {
    let mut cfg = DecoderConfig::from_gguf(gguf, "qwen3")?;
    cfg.rope_style = RopeStyle::Neox;
    cfg.qk_norm = true;
    Ok(cfg)
}
