//! The local LLM on candle: GGUF models (Qwen2, Qwen3, Llama/SmolLM2) run by our own
//! decoder over a preallocated KV cache, others (Gemma 3, Phi-3) by candle-transformers'
//! models ([`fallback`]), the tokenizer and chat template taken from the GGUF, sampling,
//! prompt-prefix caching, and JSON-schema-constrained decoding.
//!
//! - [`gguf`]: the memory-mapped file, metadata and tensors with clear errors.
//! - [`linear`]: the one type every quantized matrix product goes through.
//! - [`kernels`]: the quantized CPU kernels behind it (AVX-512 VNNI / AVX2 / scalar).
//! - [`kv_cache`], [`model`]: the transformer.
//! - [`tokenizer`], [`chat_template`]: text in.
//! - [`sampling`], [`generate`], [`engine`]: tokens out.
//! - [`constrained`]: JSON-schema-constrained output.

pub mod chat_template;
pub mod constrained;
mod decoding;
pub mod engine;
pub mod fallback;
pub mod generate;
pub mod gguf;
pub mod kernels;
pub mod kv_cache;
pub mod linear;
pub mod model;
pub mod sampling;
pub mod spm;
pub mod tokenizer;

pub use chat_template::Message;
pub use constrained::Schema;
pub use engine::{EngineKind, Llm, LlmConfig};
pub use generate::{FinishReason, GenerateOutput, GenerateRequest, JumpForward, Prompt};
pub use sampling::SamplingParams;
