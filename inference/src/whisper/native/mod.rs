//! mishu's own Whisper engine: the model of a whisper.cpp ggml file run on the LLM's
//! 8-bit kernels (runtime-dispatched AVX-512 VNNI / AVX2 / portable), decoded greedily with
//! openai-whisper's timestamp rules.
//!
//! whisper.cpp (through whisper-rs) remains the engine for what this one does not do:
//! beam search, temperature fallback and weight formats the kernels do not read. Its
//! portable build (AVX2, no AMX) leaves the int8 instructions of newer CPUs unused, and
//! decodes one token of one window at a time through a graph built per step; here the
//! matrices are repacked once for the kernels and each worker decodes with plain buffers.

mod decoder;
mod encoder;
mod mel;
mod model;
mod ops;
mod search;
mod vocab;

use std::path::Path;

use decoder::DecoderState;
use encoder::EncoderScratch;
use mel::MelSpec;
use model::Model;
use vocab::Vocab;

use crate::audio::SAMPLE_RATE;
use crate::{Error, Result};

/// The seconds of audio the encoder's whole window holds.
const WINDOW_S: f64 = 30.0;
/// The shortest trimmed window: below it, Whisper's answers drift from the full window's.
const MIN_TRIMMED_S: f64 = 10.0;

/// A decoded stretch of one window: seconds from the window's start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WindowSegment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub no_speech_prob: f32,
    pub avg_logprob: f32,
}

pub(crate) struct NativeWhisper {
    model: Model,
    vocab: Vocab,
    mel: MelSpec,
    /// [`CANTONESE_PROMPT`](super::language::CANTONESE_PROMPT) in this model's tokens.
    cantonese: Vec<u32>,
}

/// What one worker keeps between windows.
pub(crate) struct NativeState {
    encoder: EncoderScratch,
    decoder: DecoderState,
    mel: Vec<f32>,
    /// Tokens of the windows decoded so far, the next window's context.
    previous: Vec<u32>,
    /// The audio whose encoding the decoder holds, as the caller named it.
    encoded: Option<AudioKey>,
}

impl NativeState {
    /// The tokens the next window gets as context.
    pub fn context(&self) -> &[u32] {
        &self.previous
    }

    /// Puts back a context saved with [`NativeState::context`] (audio decoded again
    /// must not see its own first decoding).
    pub fn set_context(&mut self, tokens: Vec<u32>) {
        self.previous = tokens;
    }
}

/// Names a stretch of audio, so that decoding it again does not encode it again.
pub(crate) type AudioKey = (usize, usize, usize);

/// One window decoded: its segments, and the tokens to carry as the next window's context
/// (empty when the window was most likely silence).
pub(crate) struct Decoded {
    pub segments: Vec<WindowSegment>,
    pub context: Vec<u32>,
}

impl NativeWhisper {
    pub fn load(path: &Path) -> Result<NativeWhisper> {
        let file = std::fs::File::open(path).map_err(|e| Error::BadModel {
            path: path.to_path_buf(),
            detail: format!("cannot open it: {e}"),
        })?;
        // SAFETY: the model store's files are not modified while mishu runs; the map
        // lives only while the weights are copied out below.
        let bytes = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::BadModel {
            path: path.to_path_buf(),
            detail: format!("cannot map it: {e}"),
        })?;
        let bad = |detail: String| Error::BadModel {
            path: path.to_path_buf(),
            detail,
        };
        let file = models::whisper::parse_ggml(&bytes).map_err(bad)?;
        NativeWhisper::from_ggml(&file).map_err(bad)
    }

    /// The engine for a parsed ggml file (whisper-base's shapes, large-v3's 128 mel bins
    /// and 100 languages, turbo's 4 decoder layers alike).
    pub fn from_ggml(
        file: &models::whisper::GgmlFile,
    ) -> std::result::Result<NativeWhisper, String> {
        if file.n_fft != mel::N_FFT / 2 + 1 {
            return Err(format!(
                "its mel filters have {} frequency bins, not {}",
                file.n_fft,
                mel::N_FFT / 2 + 1
            ));
        }
        let model = Model::load(file).map_err(|e| e.to_string())?;
        let vocab = Vocab::new(&file.vocab, model.dims.n_vocab);
        if file.mel_filters.len() != file.n_mel * file.n_fft {
            return Err("its mel filters are truncated".into());
        }
        let mel = MelSpec::new(file.mel_filters.clone(), file.n_mel);
        if mel.n_mel() != model.dims.n_mels {
            return Err(format!(
                "its mel filters have {} bins but its header says {}",
                mel.n_mel(),
                model.dims.n_mels
            ));
        }
        let cantonese = if vocab.is_multilingual() {
            vocab.tokenize(&format!(" {}", super::language::CANTONESE_PROMPT))
        } else {
            Vec::new()
        };
        Ok(NativeWhisper {
            model,
            vocab,
            mel,
            cantonese,
        })
    }

    pub fn n_vocab(&self) -> usize {
        self.model.dims.n_vocab
    }

    /// Language tokens of the model (0 for an English-only model).
    pub fn n_languages(&self) -> usize {
        self.vocab.n_languages as usize
    }

    pub fn new_state(&self) -> NativeState {
        NativeState {
            encoder: EncoderScratch::default(),
            decoder: DecoderState::new(&self.model),
            mel: Vec::new(),
            previous: Vec::new(),
            encoded: None,
        }
    }

    /// Encodes `audio` (at most one 30-s window) into `state`'s decoder, unless it holds
    /// the encoding of the audio named `key` already. With `trim`, short audio is
    /// encoded over a window of its own length (see [`NativeWhisper::positions`]).
    pub fn encode(
        &self,
        state: &mut NativeState,
        audio: &[f32],
        key: Option<AudioKey>,
        trim: bool,
        abort: &dyn Fn() -> bool,
    ) -> Result<()> {
        if key.is_some() && state.encoded == key {
            return Ok(());
        }
        state.encoded = None;
        let n = self.positions(audio.len(), trim);
        self.mel.compute(audio, 2 * n, &mut state.mel);
        encoder::encode(&self.model, &state.mel, n, &mut state.encoder, abort)?;
        state.decoder.set_audio(&self.model, &state.encoder.x)?;
        state.encoded = key;
        Ok(())
    }

    /// The encoder positions for `samples` of audio: the model's whole window, or with
    /// `trim` the audio's length and a second more, never under 10 s (whisper.cpp's
    /// `audio_ctx`). The encoder's cost grows with its positions, so a 5-s voice command
    /// is encoded about three times faster than over the 30-s window.
    pub fn positions(&self, samples: usize, trim: bool) -> usize {
        let window = self.model.dims.n_audio_ctx;
        if !trim {
            return window;
        }
        let per_second = window as f64 / WINDOW_S;
        let seconds = (samples as f64 / SAMPLE_RATE as f64 + 1.0).max(MIN_TRIMMED_S);
        ((seconds * per_second).ceil() as usize).min(window)
    }

    /// The probability of each of the model's languages (by Whisper language id) for
    /// the audio `state` holds: the softmax of the language tokens' logits after
    /// `<|startoftranscript|>`.
    pub fn language_probs(&self, state: &mut NativeState) -> Result<Vec<f32>> {
        if !self.vocab.is_multilingual() {
            return Ok(vec![1.0]);
        }
        state.decoder.reset();
        state
            .decoder
            .forward(&self.model, &[self.vocab.sot], &[0])?;
        let logits: Vec<f32> = (0..self.vocab.n_languages)
            .map(|id| state.decoder.logits[self.vocab.language_token(id) as usize])
            .collect();
        Ok(super::language::softmax(&logits))
    }

    /// Decodes the audio `state` holds (`window_s` seconds of it) with the language token
    /// of Whisper language id `language` (ignored by English-only models). The prompt is
    /// the Cantonese steering text when `cantonese`, then the text of this state's
    /// earlier windows (when `condition_on_previous`). `beam_size` 1 decodes greedily,
    /// more runs beam search.
    #[allow(clippy::too_many_arguments)]
    pub fn decode(
        &self,
        state: &mut NativeState,
        window_s: f64,
        language: usize,
        cantonese: bool,
        condition_on_previous: bool,
        no_speech_threshold: f32,
        beam_size: usize,
        abort: &dyn Fn() -> bool,
    ) -> Result<Decoded> {
        let lang_token = self.vocab.is_multilingual().then(|| {
            let id = (language as u32).min(self.vocab.n_languages.saturating_sub(1));
            self.vocab.language_token(id)
        });
        let steer: &[u32] = if cantonese && lang_token.is_some() {
            &self.cantonese
        } else {
            &[]
        };
        let previous: &[u32] = if condition_on_previous {
            &state.previous
        } else {
            &[]
        };
        let n_ctx = self.model.dims.n_text_ctx;
        let (prompt, sot_index) = search::prompt(&self.vocab, steer, previous, lang_token, n_ctx);
        let n_vocab = self.model.dims.n_vocab;
        let padded = self.model.logits.out_features();
        state.decoder.reset();
        state
            .decoder
            .forward(&self.model, &prompt, &[sot_index, prompt.len() - 1])?;
        let no_speech_prob =
            search::no_speech_probability(&self.vocab, &state.decoder.logits[..n_vocab]);
        let logits = state.decoder.logits[padded..padded + n_vocab].to_vec();
        let max_new = (n_ctx / 2).min(n_ctx - prompt.len());
        let (sampled, logprobs) = if beam_size > 1 {
            self.beam_search(state, logits, beam_size, max_new, abort)?
        } else {
            self.greedy(state, logits, max_new, abort)?
        };
        let segments: Vec<WindowSegment> =
            search::segments(&self.vocab, &sampled, &logprobs, window_s)
                .into_iter()
                .map(|s| WindowSegment {
                    start: s.start,
                    end: s.end,
                    text: self.vocab.text(&s.tokens).trim().to_string(),
                    no_speech_prob,
                    avg_logprob: s.avg_logprob,
                })
                .collect();
        let text_logprobs: Vec<f32> = sampled
            .iter()
            .zip(&logprobs)
            .filter(|(t, _)| **t < self.vocab.eot)
            .map(|(_, lp)| *lp)
            .collect();
        let mean = text_logprobs.iter().sum::<f32>() / text_logprobs.len().max(1) as f32;
        // A window that is most likely silence (no-speech probability above the
        // threshold and an unsure decoding) is not carried into the context.
        let silent = no_speech_prob > no_speech_threshold && mean < -1.0;
        Ok(Decoded {
            segments,
            context: if silent { Vec::new() } else { sampled },
        })
    }

    /// Carries a decoded window's tokens into the context of the state's next window.
    pub fn remember(&self, state: &mut NativeState, decoded: &Decoded) {
        state.previous.extend_from_slice(&decoded.context);
        // Only the last half-context of it is ever a prompt.
        let keep = self.model.dims.n_text_ctx / 2;
        if state.previous.len() > 4 * keep {
            state.previous.drain(..state.previous.len() - keep);
        }
    }

    /// Greedy decoding from the prompt's `logits`: the tokens and their log-probabilities.
    fn greedy(
        &self,
        state: &mut NativeState,
        mut logits: Vec<f32>,
        max_new: usize,
        abort: &dyn Fn() -> bool,
    ) -> Result<(Vec<u32>, Vec<f32>)> {
        let n_vocab = self.model.dims.n_vocab;
        let mut sampled = Vec::new();
        let mut logprobs = Vec::new();
        while sampled.len() < max_new {
            if abort() {
                return Err(Error::Cancelled);
            }
            let (token, logprob) = search::next_token(&self.vocab, &mut logits, &sampled);
            if token == self.vocab.eot {
                break;
            }
            sampled.push(token);
            logprobs.push(logprob);
            if sampled.len() == max_new {
                break;
            }
            state.decoder.forward(&self.model, &[token], &[0])?;
            logits.copy_from_slice(&state.decoder.logits[..n_vocab]);
        }
        Ok((sampled, logprobs))
    }

    /// Beam search of `width` beams from the prompt's `logits`, all beams decoded as one
    /// batch: the best hypothesis's tokens and their log-probabilities.
    fn beam_search(
        &self,
        state: &mut NativeState,
        logits: Vec<f32>,
        width: usize,
        max_new: usize,
        abort: &dyn Fn() -> bool,
    ) -> Result<(Vec<u32>, Vec<f32>)> {
        let n_vocab = self.model.dims.n_vocab;
        let padded = self.model.logits.out_features();
        let mut active = vec![search::Beam::empty()];
        let mut step_logits = vec![logits];
        let mut finished = Vec::new();
        for step in 0..max_new {
            if abort() {
                return Err(Error::Cancelled);
            }
            let logprobs: Vec<Vec<f32>> = active
                .iter()
                .zip(step_logits.iter_mut())
                .map(|(b, l)| search::rule_logprobs(&self.vocab, l, &b.tokens))
                .collect();
            let next = search::beam_step(&active, &logprobs, width, self.vocab.eot, &mut finished);
            let sources: Vec<usize> = next.iter().map(|(s, _)| *s).collect();
            active = next.into_iter().map(|(_, b)| b).collect();
            if finished.len() >= width || active.is_empty() || step + 1 == max_new {
                break;
            }
            state.decoder.reorder(&self.model, &sources);
            let tokens: Vec<u32> = active
                .iter()
                .filter_map(|b| b.tokens.last().copied())
                .collect();
            state.decoder.forward_beams(&self.model, &tokens)?;
            step_logits = (0..active.len())
                .map(|i| state.decoder.logits[i * padded..i * padded + n_vocab].to_vec())
                .collect();
        }
        let best = search::best_beam(finished, active, width);
        Ok((best.tokens, best.logprobs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::whisper::{parse_ggml, write_ggml, Hparams, Quantization, Tensor, WhisperWeights};

    /// A whisper model with random weights and the shapes of large-v3-turbo where they
    /// matter here (128 mel bins, 51,866 tokens with `<|yue|>`, 4 decoder layers), small
    /// elsewhere.
    fn turbo_shaped() -> Vec<u8> {
        let (d, n_audio_ctx, n_text_ctx, n_mels, n_vocab) = (128usize, 8, 64, 128, 51_866);
        let hparams = Hparams {
            n_vocab: n_vocab as i32,
            n_audio_ctx: n_audio_ctx as i32,
            n_audio_state: d as i32,
            n_audio_head: 2,
            n_audio_layer: 2,
            n_text_ctx: n_text_ctx as i32,
            n_text_state: d as i32,
            n_text_head: 2,
            n_text_layer: 4,
            n_mels: n_mels as i32,
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut random = |shape: Vec<usize>, name: &str| {
            let n: usize = shape.iter().product();
            let data = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 1000) as f32 / 10_000.0 - 0.05
                })
                .collect();
            Tensor::new(name, shape, data)
        };
        let ones = |name: &str| Tensor::new(name, vec![d], vec![1.0; d]);
        let mut tensors = vec![
            random(vec![d, n_mels, 3], "encoder.conv1.weight"),
            random(vec![d], "encoder.conv1.bias"),
            random(vec![d, d, 3], "encoder.conv2.weight"),
            random(vec![d], "encoder.conv2.bias"),
            random(vec![n_audio_ctx, d], "encoder.positional_embedding"),
            ones("encoder.ln_post.weight"),
            random(vec![d], "encoder.ln_post.bias"),
            random(vec![n_vocab, d], "decoder.token_embedding.weight"),
            random(vec![n_text_ctx, d], "decoder.positional_embedding"),
            ones("decoder.ln.weight"),
            random(vec![d], "decoder.ln.bias"),
        ];
        let mut block = |p: &str, cross: bool, tensors: &mut Vec<Tensor>| {
            let mut norms = vec!["attn_ln", "mlp_ln"];
            let mut attns = vec!["attn"];
            if cross {
                norms.push("cross_attn_ln");
                attns.push("cross_attn");
            }
            for n in norms {
                tensors.push(ones(&format!("{p}.{n}.weight")));
                tensors.push(random(vec![d], &format!("{p}.{n}.bias")));
            }
            for a in attns {
                for m in ["query", "key", "value", "out"] {
                    tensors.push(random(vec![d, d], &format!("{p}.{a}.{m}.weight")));
                    if m != "key" {
                        tensors.push(random(vec![d], &format!("{p}.{a}.{m}.bias")));
                    }
                }
            }
            tensors.push(random(vec![4 * d, d], &format!("{p}.mlp.0.weight")));
            tensors.push(random(vec![4 * d], &format!("{p}.mlp.0.bias")));
            tensors.push(random(vec![d, 4 * d], &format!("{p}.mlp.2.weight")));
            tensors.push(random(vec![d], &format!("{p}.mlp.2.bias")));
        };
        for i in 0..2 {
            block(&format!("encoder.blocks.{i}"), false, &mut tensors);
        }
        for i in 0..4 {
            block(&format!("decoder.blocks.{i}"), true, &mut tensors);
        }
        // Byte tokens first (any text can be written), then placeholders, up to and
        // with the special tokens whisper.cpp's files list.
        let vocab: Vec<Vec<u8>> = (0..50_365u32)
            .map(|i| {
                if i < 256 {
                    vec![i as u8]
                } else {
                    format!("<t{i}>").into_bytes()
                }
            })
            .collect();
        let weights = WhisperWeights {
            hparams,
            vocab,
            tensors,
        };
        let mut bytes = Vec::new();
        write_ggml(&weights, Quantization::F16, &mut bytes).unwrap();
        bytes
    }

    #[test]
    fn large_v3_turbo_shapes_load_detect_and_decode() {
        let bytes = turbo_shaped();
        let file = parse_ggml(&bytes).unwrap();
        assert_eq!((file.n_mel, file.hparams.n_text_layer), (128, 4));
        let engine = NativeWhisper::from_ggml(&file).unwrap();
        assert_eq!(engine.n_vocab(), 51_866);
        assert_eq!(engine.n_languages(), 100, "large-v3 has <|yue|>");
        assert_eq!(engine.model.decoder.len(), 4);
        assert_eq!(engine.mel.n_mel(), 128);
        assert!(!engine.cantonese.is_empty());
        assert_eq!(
            engine.vocab.text(&engine.cantonese),
            format!(" {}", super::super::language::CANTONESE_PROMPT)
        );
        let mut state = engine.new_state();
        let audio: Vec<f32> = (0..3200).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let never = || false;
        engine
            .encode(&mut state, &audio, Some((0, 3200, 3200)), false, &never)
            .unwrap();
        let probs = engine.language_probs(&mut state).unwrap();
        assert_eq!(probs.len(), 100);
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3);
        assert!(probs.iter().all(|p| p.is_finite()));
        // Cantonese with its own token (id 99), greedy and beam search, the prompt on.
        for beam in [1, 2] {
            let decoded = engine
                .decode(&mut state, 0.2, 99, true, true, 0.6, beam, &never)
                .unwrap();
            assert!(decoded.context.len() <= 64);
        }
    }

    #[test]
    fn short_audio_is_encoded_over_a_trimmed_window() {
        let bytes = turbo_shaped();
        let engine = NativeWhisper::from_ggml(&parse_ggml(&bytes).unwrap()).unwrap();
        let window = engine.model.dims.n_audio_ctx;
        let second = SAMPLE_RATE as usize;
        // Untrimmed: always the whole window. Trimmed: the audio and a second, at
        // least 10 s of the window's 30, never more than the window.
        assert_eq!(engine.positions(5 * second, false), window);
        let ten_seconds = (10.0 * window as f64 / 30.0).ceil() as usize;
        assert_eq!(engine.positions(5 * second, true), ten_seconds);
        assert_eq!(engine.positions(29 * second, true), window);
        assert!(engine.positions(15 * second, true) > ten_seconds);
        let audio: Vec<f32> = (0..5 * second)
            .map(|i| (i as f32 * 0.05).sin() * 0.3)
            .collect();
        let never = || false;
        let mut state = engine.new_state();
        engine
            .encode(&mut state, &audio, None, true, &never)
            .unwrap();
        let d = engine.model.dims.n_audio_state;
        assert_eq!(state.encoder.x.len(), ten_seconds * d);
        let probs = engine.language_probs(&mut state).unwrap();
        assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3);
        let decoded = engine
            .decode(&mut state, 5.0, 0, false, false, 0.6, 1, &never)
            .unwrap();
        assert!(decoded.context.len() <= 64);
        // The whole window again after a trimmed one: the decoder reads all of it.
        engine
            .encode(&mut state, &audio, None, false, &never)
            .unwrap();
        assert_eq!(state.encoder.x.len(), window * d);
        assert!(engine.language_probs(&mut state).unwrap()[0].is_finite());
    }

    #[test]
    fn a_file_whose_filters_disagree_with_its_header_is_refused_with_the_reason() {
        let bytes = turbo_shaped();
        let mut file = parse_ggml(&bytes).unwrap();
        file.hparams.n_mels = 80;
        let err = NativeWhisper::from_ggml(&file).err().expect("refused");
        assert!(err.contains("80") || err.contains("convolution"), "{err}");
    }
}
