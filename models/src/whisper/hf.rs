//! A Hugging Face Whisper folder (`config.json` + `*.safetensors`) → [`WhisperWeights`].

use half::{bf16, f16};
use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;

use super::tensors::{Hparams, Tensor, WhisperWeights};

#[derive(Deserialize)]
struct Config {
    vocab_size: i32,
    num_mel_bins: i32,
    d_model: i32,
    encoder_layers: i32,
    encoder_attention_heads: i32,
    decoder_layers: i32,
    decoder_attention_heads: i32,
    max_source_positions: i32,
    max_target_positions: i32,
}

/// `config` is the folder's `config.json`; `files` the bytes of its safetensors files.
pub fn read_hf(
    config: &[u8],
    files: &[&[u8]],
    vocab: Vec<Vec<u8>>,
) -> Result<WhisperWeights, String> {
    let c: Config = serde_json::from_slice(config)
        .map_err(|e| format!("config.json is not a Whisper config: {e}"))?;
    let hparams = Hparams {
        n_vocab: c.vocab_size,
        n_audio_ctx: c.max_source_positions,
        n_audio_state: c.d_model,
        n_audio_head: c.encoder_attention_heads,
        n_audio_layer: c.encoder_layers,
        n_text_ctx: c.max_target_positions,
        n_text_state: c.d_model,
        n_text_head: c.decoder_attention_heads,
        n_text_layer: c.decoder_layers,
        n_mels: c.num_mel_bins,
    };
    let mut tensors = Vec::new();
    for bytes in files {
        let st =
            SafeTensors::deserialize(bytes).map_err(|e| format!("bad safetensors file: {e}"))?;
        for (name, view) in st.tensors() {
            let Some(ggml_name) = ggml_name(&name) else {
                continue;
            };
            let data: Vec<f32> = match view.dtype() {
                Dtype::F32 => view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
                    .collect(),
                Dtype::F16 => view
                    .data()
                    .chunks_exact(2)
                    .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
                Dtype::BF16 => view
                    .data()
                    .chunks_exact(2)
                    .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
                other => return Err(format!("tensor {name} has unsupported dtype {other:?}")),
            };
            tensors.push(Tensor::new(ggml_name, view.shape().to_vec(), data));
        }
    }
    if tensors.is_empty() {
        return Err("no Whisper tensors found in the safetensors files".into());
    }
    Ok(WhisperWeights {
        hparams,
        vocab,
        tensors,
    })
}

/// Hugging Face's names → openai-whisper's. `None` for tensors whisper.cpp does not
/// load (the tied output projection).
fn ggml_name(hf: &str) -> Option<String> {
    let name = hf.strip_prefix("model.").unwrap_or(hf);
    if name.starts_with("proj_out") {
        return None;
    }
    let replacements = [
        (".layers.", ".blocks."),
        ("self_attn.k_proj", "attn.key"),
        ("self_attn.q_proj", "attn.query"),
        ("self_attn.v_proj", "attn.value"),
        ("self_attn.out_proj", "attn.out"),
        ("self_attn_layer_norm", "attn_ln"),
        ("encoder_attn.k_proj", "cross_attn.key"),
        ("encoder_attn.q_proj", "cross_attn.query"),
        ("encoder_attn.v_proj", "cross_attn.value"),
        ("encoder_attn.out_proj", "cross_attn.out"),
        ("encoder_attn_layer_norm", "cross_attn_ln"),
        ("final_layer_norm", "mlp_ln"),
        ("fc1", "mlp.0"),
        ("fc2", "mlp.2"),
        ("embed_positions.weight", "positional_embedding"),
        ("embed_tokens", "token_embedding"),
        ("encoder.layer_norm", "encoder.ln_post"),
        ("decoder.layer_norm", "decoder.ln"),
    ];
    let mut out = name.to_string();
    for (from, to) in replacements {
        out = out.replace(from, to);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::ggml_name;

    #[test]
    fn maps_hugging_face_names() {
        let cases = [
            (
                "model.encoder.layers.3.self_attn.q_proj.weight",
                "encoder.blocks.3.attn.query.weight",
            ),
            (
                "model.decoder.layers.0.encoder_attn.v_proj.bias",
                "decoder.blocks.0.cross_attn.value.bias",
            ),
            (
                "model.decoder.layers.1.encoder_attn_layer_norm.weight",
                "decoder.blocks.1.cross_attn_ln.weight",
            ),
            (
                "model.encoder.layers.0.final_layer_norm.bias",
                "encoder.blocks.0.mlp_ln.bias",
            ),
            (
                "model.encoder.layers.0.fc2.weight",
                "encoder.blocks.0.mlp.2.weight",
            ),
            (
                "model.encoder.embed_positions.weight",
                "encoder.positional_embedding",
            ),
            (
                "model.decoder.embed_tokens.weight",
                "decoder.token_embedding.weight",
            ),
            ("model.encoder.layer_norm.weight", "encoder.ln_post.weight"),
            ("model.decoder.layer_norm.bias", "decoder.ln.bias"),
            ("model.encoder.conv1.weight", "encoder.conv1.weight"),
        ];
        for (hf, want) in cases {
            assert_eq!(ggml_name(hf).as_deref(), Some(want), "{hf}");
        }
        assert_eq!(ggml_name("proj_out.weight"), None);
    }
}
