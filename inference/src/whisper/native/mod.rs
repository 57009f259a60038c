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

use crate::{Error, Result};

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
}

/// What one worker keeps between windows.
pub(crate) struct NativeState {
    encoder: EncoderScratch,
    decoder: DecoderState,
    mel: Vec<f32>,
    /// Tokens of the windows decoded so far, the next window's context.
    previous: Vec<u32>,
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
        if file.n_fft != mel::N_FFT / 2 + 1 {
            return Err(bad(format!(
                "its mel filters have {} frequency bins, not {}",
                file.n_fft,
                mel::N_FFT / 2 + 1
            )));
        }
        let model = Model::load(&file).map_err(|e| bad(e.to_string()))?;
        let vocab = Vocab::new(&file.vocab, model.dims.n_vocab);
        let mel = MelSpec::new(file.mel_filters.clone(), file.n_mel);
        if mel.n_mel() != model.dims.n_mels {
            return Err(bad("its mel filters do not match its header".into()));
        }
        Ok(NativeWhisper { model, vocab, mel })
    }

    pub fn n_vocab(&self) -> usize {
        self.model.dims.n_vocab
    }

    pub fn new_state(&self) -> NativeState {
        NativeState {
            encoder: EncoderScratch::default(),
            decoder: DecoderState::new(&self.model),
            mel: Vec::new(),
            previous: Vec::new(),
        }
    }

    /// Encodes `audio` (at most one 30-s window) into `state`'s decoder.
    fn encode(
        &self,
        state: &mut NativeState,
        audio: &[f32],
        abort: &dyn Fn() -> bool,
    ) -> Result<()> {
        let frames = 2 * self.model.dims.n_audio_ctx;
        self.mel.compute(audio, frames, &mut state.mel);
        encoder::encode(&self.model, &state.mel, &mut state.encoder, abort)?;
        state.decoder.set_audio(&self.model, &state.encoder.x)
    }

    /// The language spoken in the audio `state` holds, as a Whisper language code.
    fn detect_language(&self, state: &mut NativeState) -> Result<String> {
        if !self.vocab.is_multilingual() {
            return Ok("en".into());
        }
        state.decoder.reset();
        state
            .decoder
            .forward(&self.model, &[self.vocab.sot], &[0])?;
        let logits = &state.decoder.logits;
        let best = (0..self.vocab.n_languages)
            .max_by(|&a, &b| {
                let (la, lb) = (
                    logits[self.vocab.language_token(a) as usize],
                    logits[self.vocab.language_token(b) as usize],
                );
                la.total_cmp(&lb)
            })
            .unwrap_or(0);
        Ok(whisper_rs::get_lang_str(best as i32)
            .unwrap_or("en")
            .to_string())
    }

    /// Decodes `audio` (at most one 30-s window) in `language` (detected when `None`).
    /// With `condition_on_previous`, the text of this state's earlier windows is the
    /// prompt. A window that is most likely silence (no-speech probability above
    /// `no_speech_threshold` and an unsure decoding) is not carried into the context.
    /// `beam_size` 1 decodes greedily, more runs beam search.
    #[allow(clippy::too_many_arguments)]
    pub fn transcribe(
        &self,
        state: &mut NativeState,
        audio: &[f32],
        language: Option<&str>,
        condition_on_previous: bool,
        no_speech_threshold: f32,
        beam_size: usize,
        abort: &dyn Fn() -> bool,
    ) -> Result<(Vec<WindowSegment>, String)> {
        self.encode(state, audio, abort)?;
        let language = match language {
            Some(l) => l.to_string(),
            None => self.detect_language(state)?,
        };
        let lang_token = if self.vocab.is_multilingual() {
            let id = whisper_rs::get_lang_id(&language)
                .ok_or_else(|| Error::BadInput(format!("unknown language {language:?}")))?;
            Some(self.vocab.language_token(id as u32))
        } else {
            None
        };
        if !condition_on_previous {
            state.previous.clear();
        }
        let n_ctx = self.model.dims.n_text_ctx;
        let (prompt, sot_index) = search::prompt(&self.vocab, &state.previous, lang_token, n_ctx);
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
        let window_s = audio.len() as f64 / crate::audio::SAMPLE_RATE as f64;
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
        let silent = no_speech_prob > no_speech_threshold && mean < -1.0;
        if condition_on_previous && !silent {
            state.previous.extend_from_slice(&sampled);
            // Only the last half-context of it is ever a prompt.
            let keep = n_ctx / 2;
            if state.previous.len() > 4 * keep {
                state.previous.drain(..state.previous.len() - keep);
            }
        }
        Ok((segments, language))
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
