//! Whisper weights from CTranslate2 or Hugging Face files into whisper.cpp's ggml
//! format, and a validating reader of ggml files.

mod ct2;
mod ggml;
mod hf;
mod mel;
mod quantize;
mod tensors;
mod vocab;

pub use ct2::read_ct2;
pub use ggml::{parse_ggml, read_ggml_info, write_ggml, GgmlFile, GgmlInfo, GgmlTensor};
pub use hf::read_hf;
pub use quantize::{q8_0, Quantization};
pub use tensors::{Hparams, Tensor, WhisperWeights};
pub use vocab::vocab_from_tokenizer_json;
