//! The engine: a whisper.cpp model loaded once, and the pipeline that turns a recording
//! into timestamped segments — find the speech, decode it chunk by chunk (each chunk at
//! most one 30-s window, silence cut out), map times back to the file, drop what Whisper
//! invents, and write Chinese in the requested script.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use super::filters;
use super::native::{NativeState, NativeWhisper, WindowSegment};
use super::plan::{split_consecutive, Plan};
use super::script::Script;
use crate::audio::vad::{self, Chunk, VadOptions};
use crate::error::{Error, Result};

pub use crate::audio::SAMPLE_RATE;

/// How to transcribe.
#[derive(Debug, Clone)]
pub struct TranscribeOptions {
    /// `None` detects the language; otherwise a Whisper language code (`en`, `zh`, `yue`, …).
    pub language: Option<String>,
    /// CPU threads in all.
    pub threads: usize,
    /// Whisper states decoding chunks at the same time, `threads / workers` threads
    /// each; 0 picks one per thread (up to 4). Whisper-base's decoder works on small
    /// matrices that gain little from a second thread, so on 2 cores two states with
    /// one thread each finish sooner than one state with two.
    pub workers: usize,
    /// Give each chunk the text of the chunk before it (decoded by the same state) as
    /// context, as Whisper does between its 30-s windows.
    pub condition_on_previous: bool,
    /// Beam search width; 1 is greedy decoding.
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
    /// Which engine decodes.
    pub engine: Engine,
}

/// The code that runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// mishu's own engine where it can (greedy decoding, no temperature fallback, a
    /// weight format its kernels read), whisper.cpp otherwise.
    #[default]
    Auto,
    /// mishu's own engine on the LLM's int8 kernels ([`super::native`]).
    Native,
    /// whisper.cpp through whisper-rs.
    WhisperCpp,
}

impl Engine {
    pub fn parse(s: &str) -> Option<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(Engine::Auto),
            "native" | "mishu" => Some(Engine::Native),
            "whisper.cpp" | "whisper-cpp" | "whispercpp" => Some(Engine::WhisperCpp),
            _ => None,
        }
    }
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        TranscribeOptions {
            language: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            workers: 0,
            // On: 2.3 points less word error rate on the meeting benchmark
            // (docs/BENCHMARKS.md); loops it could carry over are cut by the filters.
            condition_on_previous: true,
            // 3: on the meeting benchmark (docs/BENCHMARKS.md) 1.9 points fewer word
            // errors than greedy decoding for 14% more time; 5 gains 0.3 more for 37% more.
            beam_size: 3,
            script: Script::Traditional,
            vad: true,
            vad_options: VadOptions::default(),
            trim_window: false,
            no_speech_threshold: 0.6,
            // Off: on music and noise the fallback re-decodes each window up to five more
            // times (minutes of CPU for seconds of audio); loops are cut by the filters.
            temperature_fallback: false,
            engine: Engine::Auto,
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
    path: PathBuf,
    /// mishu's engine, when it reads the file.
    native: Option<NativeWhisper>,
    /// whisper.cpp, loaded when first needed (at once when `native` is `None`).
    cpp: OnceLock<WhisperContext>,
    cpp_loading: Mutex<()>,
    n_vocab: usize,
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
        let native = match NativeWhisper::load(path) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::info!(
                    "mishu's Whisper engine cannot run {}: {e}; using whisper.cpp",
                    path.display()
                );
                None
            }
        };
        let t = Transcriber {
            path: path.to_path_buf(),
            n_vocab: native.as_ref().map_or(0, NativeWhisper::n_vocab),
            native,
            cpp: OnceLock::new(),
            cpp_loading: Mutex::new(()),
        };
        if t.native.is_none() {
            let n_vocab = t.cpp()?.n_vocab() as usize;
            return Ok(Transcriber { n_vocab, ..t });
        }
        Ok(t)
    }

    /// whisper.cpp's context, loaded on first use.
    fn cpp(&self) -> Result<&WhisperContext> {
        if let Some(ctx) = self.cpp.get() {
            return Ok(ctx);
        }
        let _guard = self
            .cpp_loading
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(ctx) = self.cpp.get() {
            return Ok(ctx);
        }
        let ctx = WhisperContext::new_with_params(&self.path, WhisperContextParameters::default()).map_err(|e| {
            Error::BadModel {
                path: self.path.clone(),
                detail: format!("whisper.cpp cannot load it ({e}); fetch or import it again with `mishu models fetch`"),
            }
        })?;
        Ok(self.cpp.get_or_init(|| ctx))
    }

    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51_865
    }

    /// Whether the model knows Cantonese (`<|yue|>`, only large-v3 and its descendants).
    pub fn has_cantonese(&self) -> bool {
        self.n_vocab >= 51_866
    }

    /// mishu's engine when `options` pick it (`None`: whisper.cpp decodes).
    fn native_for(&self, options: &TranscribeOptions) -> Result<Option<&NativeWhisper>> {
        let needs_cpp = options.temperature_fallback || options.trim_window;
        match options.engine {
            Engine::WhisperCpp => Ok(None),
            Engine::Auto => Ok(self.native.as_ref().filter(|_| !needs_cpp)),
            Engine::Native => {
                if needs_cpp {
                    return Err(Error::BadInput(
                        "temperature fallback and window trimming need the whisper.cpp engine"
                            .into(),
                    ));
                }
                self.native.as_ref().map(Some).ok_or_else(|| {
                    Error::BadInput(format!(
                        "mishu's engine cannot run {} (see the log); use the whisper.cpp engine",
                        self.path.display()
                    ))
                })
            }
        }
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
        progress: Option<ProgressFn>,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Transcript> {
        let mut language = self.resolve_language(options.language.as_deref())?;
        let chunks = if options.vad {
            vad::speech_chunks(samples, &options.vad_options)
        } else {
            vad::fixed_chunks(samples.len(), 30.0)
        };
        let speech: usize = chunks.iter().map(Chunk::len).sum();
        let plan = Plan::new(options.threads, options.workers, chunks.len());
        tracing::info!(
            "{} chunks, {:.1} s of speech in {:.1} s of audio; {} whisper state(s) × {} thread(s)",
            chunks.len(),
            speech as f64 / SAMPLE_RATE as f64,
            samples.len() as f64 / SAMPLE_RATE as f64,
            plan.workers,
            plan.threads_per_worker,
        );
        // Set by the caller's cancel flag or by a worker that failed: every state stops.
        let stop = Arc::new(AtomicBool::new(false));
        let abort: Abort = {
            let stop = stop.clone();
            Arc::new(move || {
                stop.load(Ordering::Relaxed)
                    || cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
            })
        };
        let progress = Progress::new(progress, speech);
        let native = self.native_for(options)?;
        let mut states = (0..plan.workers)
            .map(|_| match native {
                Some(n) => Ok(WorkerState::Native(Box::new(n.new_state()))),
                None => self
                    .cpp()?
                    .create_state()
                    .map(WorkerState::Cpp)
                    .map_err(|e| Error::Engine(format!("cannot create a whisper state: {e}"))),
            })
            .collect::<Result<Vec<_>>>()?;

        let mut decoded: Vec<Vec<Segment>> = vec![Vec::new(); chunks.len()];
        let mut first = 0;
        if language.is_none() && !chunks.is_empty() {
            // The language is detected on the first chunk, with every thread, before the
            // rest is shared out in that language.
            let (found, detected) = self.decode_chunk(
                &mut states[0],
                samples,
                &chunks[0],
                None,
                options,
                options.threads,
                &abort,
            )?;
            tracing::info!("detected language: {detected}");
            language = Some(detected);
            decoded[0] = found;
            progress.advance(chunks[0].len());
            first = 1;
        }
        let lengths: Vec<usize> = chunks[first..].iter().map(Chunk::len).collect();
        let ranges = split_consecutive(&lengths, plan.workers);
        let lang = language.as_deref();
        let results: Vec<Result<WorkerOutput>> = std::thread::scope(|scope| {
            let handles: Vec<_> = states
                .iter_mut()
                .zip(ranges)
                .map(|(state, range)| {
                    let (chunks, abort, progress, stop) = (&chunks, &abort, &progress, &stop);
                    let alone = plan.workers > 1;
                    scope.spawn(move || {
                        let work = || {
                            let mut out = Vec::with_capacity(range.len());
                            for i in range {
                                let i = i + first;
                                if abort() {
                                    return Err(Error::Cancelled);
                                }
                                let run = self.decode_chunk(
                                    state,
                                    samples,
                                    &chunks[i],
                                    lang,
                                    options,
                                    plan.threads_per_worker,
                                    abort,
                                );
                                match run {
                                    Ok((found, _)) => out.push((i, found)),
                                    Err(e) => {
                                        stop.store(true, Ordering::Relaxed);
                                        return Err(e);
                                    }
                                }
                                progress.advance(chunks[i].len());
                            }
                            Ok(out)
                        };
                        // Each state has a core of its own: its kernels stay on its thread.
                        if alone {
                            crate::llm::kernels::pool::alone(work)
                        } else {
                            work()
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::Engine("a whisper decoding thread panicked".into()))
                    })
                })
                .collect()
        });
        // A real failure explains more than the cancellations it caused in other workers.
        let mut cancelled = false;
        for result in results {
            match result {
                Ok(found) => {
                    for (i, segs) in found {
                        decoded[i] = segs;
                    }
                }
                Err(Error::Cancelled) => cancelled = true,
                Err(e) => return Err(e),
            }
        }
        if cancelled {
            return Err(Error::Cancelled);
        }

        let mut segments: Vec<Segment> = Vec::new();
        for seg in decoded.into_iter().flatten() {
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
        let language = language.unwrap_or_else(|| "en".into());
        if language == "zh" || language == "yue" {
            for s in &mut segments {
                s.text = options.script.convert(&s.text);
            }
        }
        Ok(Transcript { language, segments })
    }

    /// Decodes one chunk (≤ 30 s) with `threads` threads; returns its kept segments in
    /// file time and the language it was decoded in.
    ///
    /// Whisper sometimes ends its output early: given the same sentence twice in one
    /// window it writes it once and stops, and the rest of the window is skipped. When
    /// the last segment is real speech and ends well before the chunk does, the rest of
    /// the chunk is decoded again on its own.
    #[allow(clippy::too_many_arguments)]
    fn decode_chunk(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        language: Option<&str>,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<(Vec<Segment>, String)> {
        let (mut segments, detected, mut resume) =
            self.decode_once(state, samples, chunk, language, options, threads, abort)?;
        let language = language.unwrap_or(&detected);
        let mut rest = chunk.clone();
        for _ in 0..MAX_TAIL_PASSES {
            let Some(t) = resume else { break };
            rest = rest.from_time(t);
            tracing::debug!(
                "whisper stopped {:.1} s before the end of its chunk; decoding the rest from {:.2} s",
                rest.len() as f64 / SAMPLE_RATE as f64,
                rest.start_s()
            );
            let (more, _, next) = self.decode_once(
                state,
                samples,
                &rest,
                Some(language),
                options,
                threads,
                abort,
            )?;
            segments.extend(more);
            resume = next;
        }
        Ok((segments, detected))
    }

    /// One decoding of a chunk (by the state's engine): its kept segments in file time,
    /// the language, and the chunk time to decode again from when Whisper stopped early
    /// after real speech.
    #[allow(clippy::too_many_arguments)]
    fn decode_once(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        language: Option<&str>,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<(Vec<Segment>, String, Option<f64>)> {
        let audio = chunk.samples(samples);
        let chunk_s = audio.len() as f64 / SAMPLE_RATE as f64;
        let (found, detected) = match state {
            WorkerState::Native(st) => {
                let native = self
                    .native
                    .as_ref()
                    .ok_or_else(|| Error::Engine("mishu's engine is not loaded".into()))?;
                native.transcribe(
                    st,
                    &audio,
                    language,
                    options.condition_on_previous,
                    options.no_speech_threshold,
                    options.beam_size,
                    &**abort,
                )?
            }
            WorkerState::Cpp(st) => self.run_cpp(st, &audio, language, options, threads, abort)?,
        };
        let mut out = Vec::new();
        let mut last_kept_end: Option<f64> = None;
        for segment in found {
            let text = segment.text;
            let t0 = segment.start.clamp(0.0, chunk_s);
            let t1 = segment.end.clamp(t0, chunk_s);
            let (no_speech_prob, avg_logprob) = (segment.no_speech_prob, segment.avg_logprob);
            if let Some(why) = reject(
                &text,
                t1 - t0,
                no_speech_prob,
                avg_logprob,
                options.no_speech_threshold,
            ) {
                tracing::debug!("dropped {text:?}: {why}");
                last_kept_end = None;
                continue;
            }
            last_kept_end = Some(t1);
            let text = filters::cut_loops(&text);
            let (start, end) = chunk.to_source_range(t0, t1, MIN_SPAN_OVERLAP_S);
            out.push(Segment {
                start: round2(start),
                end: round2(end),
                text,
                no_speech_prob,
                avg_logprob,
            });
        }
        let resume = last_kept_end.filter(|&t| t >= MIN_PROGRESS_S && chunk_s - t >= MIN_TAIL_S);
        Ok((out, detected, resume))
    }

    /// One whisper.cpp run over a chunk's samples: its segments (chunk seconds) and the
    /// language.
    fn run_cpp(
        &self,
        state: &mut WhisperState,
        audio: &[f32],
        language: Option<&str>,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<(Vec<WindowSegment>, String)> {
        let strategy = if options.beam_size > 1 {
            SamplingStrategy::BeamSearch {
                beam_size: options.beam_size as i32,
                patience: -1.0,
            }
        } else {
            SamplingStrategy::Greedy { best_of: 1 }
        };
        let mut params = FullParams::new(strategy);
        params.set_n_threads(threads.max(1) as i32);
        params.set_language(Some(language.unwrap_or("auto")));
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        // Without context each chunk stands alone: text from an earlier chunk cannot seed
        // a loop here. With it, the state carries the previous chunk's text.
        params.set_no_context(!options.condition_on_previous);
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
        // whisper-rs 0.16 boxes the closure as `Box<dyn FnMut>` but its trampoline reads
        // the pointer back as the closure's own type: only a closure that already is a
        // `Box<dyn FnMut() -> bool>` is read back correctly (any other type is called
        // through the wrong layout, which crashed here).
        let should_abort = abort.clone();
        let callback: Box<dyn FnMut() -> bool> = Box::new(move || should_abort());
        params.set_abort_callback_safe(callback);
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
        if abort() {
            return Err(Error::Cancelled);
        }
        run.map_err(|e| Error::Engine(format!("whisper.cpp failed: {e}")))?;
        let lang_id = state.full_lang_id_from_state();
        let detected = whisper_rs::get_lang_str(lang_id)
            .unwrap_or("en")
            .to_string();
        let eot = self.cpp()?.token_eot();
        let mut out = Vec::new();
        for segment in state.as_iter() {
            let text = segment
                .to_str_lossy()
                .map_err(|e| Error::Engine(format!("cannot read a segment: {e}")))?
                .trim()
                .to_string();
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
            out.push(WindowSegment {
                start: segment.start_timestamp() as f64 / 100.0,
                end: segment.end_timestamp() as f64 / 100.0,
                text,
                no_speech_prob: segment.no_speech_probability(),
                avg_logprob,
            });
        }
        Ok((out, detected))
    }
}

/// Speech left after whisper's last segment that is decoded again (seconds). Shorter
/// remainders are the slack of its timestamps.
const MIN_TAIL_S: f64 = 2.0;
/// A rerun must start this far into its chunk, so that it always makes progress.
const MIN_PROGRESS_S: f64 = 1.0;
/// A segment overlapping a span of its chunk by less than this (seconds) at its start or
/// end is not placed in that span: whisper's timestamps are that loose.
const MIN_SPAN_OVERLAP_S: f64 = 0.3;
/// Reruns per chunk at most.
const MAX_TAIL_PASSES: usize = 2;

/// One worker's decoding state, in the engine it uses.
enum WorkerState {
    Native(Box<NativeState>),
    Cpp(WhisperState),
}

/// What one worker decoded: each chunk's index and kept segments.
type WorkerOutput = Vec<(usize, Vec<Segment>)>;

/// Whether to stop decoding (the caller cancelled, or another worker failed).
type Abort = Arc<dyn Fn() -> bool + Send + Sync>;

/// Progress shared by the workers: speech samples done, reported in percent.
struct Progress {
    callback: Mutex<Option<ProgressFn>>,
    done: AtomicUsize,
    total: usize,
}

impl Progress {
    fn new(callback: Option<ProgressFn>, total: usize) -> Progress {
        Progress {
            callback: Mutex::new(callback),
            done: AtomicUsize::new(0),
            total: total.max(1),
        }
    }

    fn advance(&self, samples: usize) {
        let done = self.done.fetch_add(samples, Ordering::Relaxed) + samples;
        let mut callback = self.callback.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = callback.as_mut() {
            f((done.min(self.total) * 100 / self.total) as i32);
        }
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
