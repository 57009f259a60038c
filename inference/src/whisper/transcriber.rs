//! The engine: a whisper.cpp model loaded once, and the pipeline that turns a recording
//! into timestamped segments — find the speech, decode it chunk by chunk (each chunk at
//! most one 30-s window, silence cut out), map times back to the file, drop what Whisper
//! invents, and write Chinese in the requested script.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use super::filters;
use super::script::Script;
use crate::audio::vad::{self, Chunk, VadOptions};
use crate::error::{Error, Result};

pub use crate::audio::SAMPLE_RATE;

/// How to transcribe.
#[derive(Debug, Clone)]
pub struct TranscribeOptions {
    /// `None` detects the language; otherwise a Whisper language code (`en`, `zh`, `yue`, …).
    pub language: Option<String>,
    pub threads: usize,
    /// 1 is greedy decoding; more is beam search.
    pub beam_size: usize,
    /// Script of Chinese output.
    pub script: Script,
    /// Find speech with the energy segmenter and skip the rest (on by default).
    pub vad: bool,
    pub vad_options: VadOptions,
    /// Shrink the encoder window to the chunk's length instead of padding it to 30 s.
    pub trim_window: bool,
    /// Segments whose no-speech probability is above this (and whose text is not
    /// confidently decoded) are dropped.
    pub no_speech_threshold: f32,
    /// Re-decode at higher temperatures when a window's decoding looks degenerate.
    pub temperature_fallback: bool,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        TranscribeOptions {
            language: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            beam_size: 1,
            script: Script::Traditional,
            vad: true,
            vad_options: VadOptions::default(),
            trim_window: false,
            no_speech_threshold: 0.6,
            // Off: on music and noise the fallback re-decodes each window up to five more
            // times (minutes of CPU for seconds of audio); loops are cut by the filters.
            temperature_fallback: false,
        }
    }
}

/// One stretch of speech: seconds from the start of the audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub start: f64,
    pub end: f64,
    pub text: String,
    pub no_speech_prob: f32,
    /// Mean log-probability of the segment's text tokens.
    pub avg_logprob: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub language: String,
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// The segments' text, joined (with spaces, except between Chinese segments).
    pub fn text(&self) -> String {
        let chinese = self.language == "zh" || self.language == "yue";
        let mut out = String::new();
        for s in &self.segments {
            let t = s.text.trim();
            if t.is_empty() {
                continue;
            }
            let cjk_join = out.chars().last().is_some_and(super::script::is_han)
                || t.chars().next().is_some_and(super::script::is_han);
            let glued = out.is_empty() || (cjk_join && chinese);
            if !glued {
                out.push(' ');
            }
            out.push_str(t);
        }
        out
    }
}

/// Progress in percent (0–100) of the recording processed.
pub type ProgressFn = Box<dyn FnMut(i32) + Send + 'static>;

/// A loaded Whisper model. Load once, transcribe many recordings; share behind an `Arc`
/// (each call gets its own decoding state).
pub struct Transcriber {
    ctx: WhisperContext,
}

impl Transcriber {
    /// Loads a whisper.cpp ggml model file.
    pub fn load(path: &Path) -> Result<Transcriber> {
        if !path.is_file() {
            return Err(Error::BadModel {
                path: path.to_path_buf(),
                detail: "does not exist (run `mishu models fetch`)".into(),
            });
        }
        crate::logging::route_whisper_logs();
        let ctx = WhisperContext::new_with_params(path, WhisperContextParameters::default()).map_err(|e| {
            Error::BadModel {
                path: path.to_path_buf(),
                detail: format!("whisper.cpp cannot load it ({e}); fetch or import it again with `mishu models fetch`"),
            }
        })?;
        Ok(Transcriber { ctx })
    }

    pub fn is_multilingual(&self) -> bool {
        self.ctx.is_multilingual()
    }

    /// Whether the model knows Cantonese (`<|yue|>`, only large-v3 and its descendants).
    pub fn has_cantonese(&self) -> bool {
        self.ctx.n_vocab() >= 51_866
    }

    /// The language Whisper is asked to decode in, after checking the model can.
    fn resolve_language(&self, requested: Option<&str>) -> Result<Option<String>> {
        let Some(lang) = requested.map(str::to_ascii_lowercase) else {
            return Ok(if self.is_multilingual() {
                None
            } else {
                Some("en".into())
            });
        };
        if lang == "auto" {
            return Ok(if self.is_multilingual() {
                None
            } else {
                Some("en".into())
            });
        }
        if whisper_rs::get_lang_id(&lang).is_none() {
            return Err(Error::BadInput(format!(
                "unknown language {lang:?}: use auto, en, zh, yue or another Whisper language code"
            )));
        }
        if !self.is_multilingual() && lang != "en" {
            return Err(Error::BadInput(format!(
                "this model is English-only and cannot transcribe {lang:?}: use whisper-base (`--model whisper-base`)"
            )));
        }
        if lang == "yue" && !self.has_cantonese() {
            tracing::warn!("this model has no Cantonese (yue) token; transcribing as Chinese (zh) — use a large-v3 model for Cantonese");
            return Ok(Some("zh".into()));
        }
        Ok(Some(lang))
    }

    /// Transcribes 16 kHz mono samples. `progress` gets percentages (0–100) of the
    /// recording done; setting `cancel` stops the work at the next step with
    /// [`Error::Cancelled`].
    pub fn transcribe(
        &self,
        samples: &[f32],
        options: &TranscribeOptions,
        mut progress: Option<ProgressFn>,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Transcript> {
        let mut language = self.resolve_language(options.language.as_deref())?;
        let chunks = if options.vad {
            vad::speech_chunks(samples, &options.vad_options)
        } else {
            vad::fixed_chunks(samples.len(), 30.0)
        };
        let speech: usize = chunks.iter().map(Chunk::len).sum();
        tracing::info!(
            "{} chunks, {:.1} s of speech in {:.1} s of audio",
            chunks.len(),
            speech as f64 / SAMPLE_RATE as f64,
            samples.len() as f64 / SAMPLE_RATE as f64
        );
        let mut state = self
            .ctx
            .create_state()
            .map_err(|e| Error::Engine(format!("cannot create a whisper state: {e}")))?;
        let cancelled = || cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));
        let mut segments: Vec<Segment> = Vec::new();
        let mut done = 0usize;
        for chunk in &chunks {
            if cancelled() {
                return Err(Error::Cancelled);
            }
            let audio = chunk.samples(samples);
            let (found, detected) = self.decode_chunk(
                &mut state,
                &audio,
                chunk,
                language.as_deref(),
                options,
                cancel.clone(),
            )?;
            if language.is_none() {
                tracing::info!("detected language: {detected}");
                language = Some(detected);
            }
            for seg in found {
                // A loop repeats a sentence back to back; the same sentence said again
                // later (after a pause of more than 2 s) is kept.
                let previous = segments
                    .last()
                    .filter(|p| seg.start - p.end < 2.0)
                    .map(|p| p.text.as_str());
                if filters::repeats_previous(&seg.text, previous) {
                    tracing::debug!("dropped a repeated segment: {:?}", seg.text);
                    continue;
                }
                segments.push(seg);
            }
            done += chunk.len();
            if let Some(p) = progress.as_mut() {
                p((done * 100 / speech.max(1)) as i32);
            }
        }
        let language = language.unwrap_or_else(|| "en".into());
        if language == "zh" || language == "yue" {
            for s in &mut segments {
                s.text = options.script.convert(&s.text);
            }
        }
        Ok(Transcript { language, segments })
    }

    /// Decodes one chunk (≤ 30 s); returns its kept segments in file time and the
    /// language it was decoded in.
    fn decode_chunk(
        &self,
        state: &mut WhisperState,
        audio: &[f32],
        chunk: &Chunk,
        language: Option<&str>,
        options: &TranscribeOptions,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<(Vec<Segment>, String)> {
        let strategy = if options.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: options.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(options.threads.max(1) as i32);
        params.set_language(Some(language.unwrap_or("auto")));
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        // Each chunk stands alone: text from an earlier chunk cannot seed a loop here.
        params.set_no_context(true);
        params.set_suppress_nst(true);
        params.set_suppress_blank(true);
        params.set_no_speech_thold(options.no_speech_threshold);
        if !options.temperature_fallback {
            params.set_temperature_inc(0.0);
        }
        let chunk_s = audio.len() as f64 / SAMPLE_RATE as f64;
        if options.trim_window && chunk_s < 29.0 {
            // The encoder's cost is linear in its window: 50 positions a second, a little
            // slack so the last word is not at the edge, never below 10 s.
            let ctx = ((chunk_s + 1.0).max(10.0) * 50.0).ceil() as i32;
            params.set_audio_ctx(ctx.min(1500));
        }
        if let Some(flag) = cancel.clone() {
            params.set_abort_callback_safe(move || flag.load(Ordering::Relaxed));
        }
        // whisper.cpp needs at least a second of audio; pad very short chunks with silence.
        let mut padded;
        let input = if audio.len() < SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10 {
            padded = audio.to_vec();
            padded.resize(SAMPLE_RATE as usize * 11 / 10, 0.0);
            &padded[..]
        } else {
            audio
        };
        let run = state.full(params, input);
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(Error::Cancelled);
        }
        run.map_err(|e| Error::Engine(format!("whisper.cpp failed: {e}")))?;
        let lang_id = state.full_lang_id_from_state();
        let detected = whisper_rs::get_lang_str(lang_id)
            .unwrap_or("en")
            .to_string();
        let eot = self.ctx.token_eot();
        let mut out = Vec::new();
        for segment in state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map_err(|e| Error::Engine(format!("cannot read a segment: {e}")))?
                .trim()
                .to_string();
            let no_speech_prob = segment.no_speech_probability();
            let mut logprob_sum = 0.0f32;
            let mut n = 0usize;
            for i in 0..segment.n_tokens() {
                if let Some(tok) = segment.get_token(i) {
                    let data = tok.token_data();
                    if data.id < eot {
                        logprob_sum += data.plog;
                        n += 1;
                    }
                }
            }
            let avg_logprob = if n > 0 {
                logprob_sum / n as f32
            } else {
                f32::NEG_INFINITY
            };
            let t0 = (segment.start_timestamp() as f64 / 100.0).clamp(0.0, chunk_s);
            let t1 = (segment.end_timestamp() as f64 / 100.0).clamp(t0, chunk_s);
            if let Some(why) = reject(
                &text,
                t1 - t0,
                no_speech_prob,
                avg_logprob,
                options.no_speech_threshold,
            ) {
                tracing::debug!("dropped {text:?}: {why}");
                continue;
            }
            let text = filters::cut_loops(&text);
            let start = chunk.to_source_s(t0);
            let end = chunk.to_source_s(t1).max(start);
            out.push(Segment {
                start: round2(start),
                end: round2(end),
                text,
                no_speech_prob,
                avg_logprob,
            });
        }
        Ok((out, detected))
    }
}

/// Why a decoded segment is not kept, if it is not.
fn reject(
    text: &str,
    duration_s: f64,
    no_speech_prob: f32,
    avg_logprob: f32,
    threshold: f32,
) -> Option<&'static str> {
    if filters::is_non_speech(text) {
        return Some("a sound tag, not speech");
    }
    if filters::is_known_hallucination(text) {
        return Some("a phrase Whisper invents in silence and music");
    }
    if filters::too_sparse(text, duration_s) {
        return Some("a word or two stretched over many seconds: music or noise, not speech");
    }
    // OpenAI's rule: silence is a high no-speech probability with an unsure decoding.
    if no_speech_prob > threshold && avg_logprob < -1.0 {
        return Some("no speech");
    }
    if no_speech_prob > 0.9 {
        return Some("almost certainly no speech");
    }
    if avg_logprob < -1.6 {
        return Some("the decoding is too unsure to be speech");
    }
    None
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
