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
use super::language::{self, Choices, Languages, Target};
use super::native::{AudioKey, NativeState, NativeWhisper, WindowSegment};
use super::plan::{split_consecutive, Plan};
use super::script::Script;
use crate::audio::vad::{self, Chunk, VadOptions};
use crate::error::{Error, Result};

pub use crate::audio::SAMPLE_RATE;

/// How to transcribe.
#[derive(Debug, Clone)]
pub struct TranscribeOptions {
    /// `None` (or `auto`) detects the language among `languages`; otherwise a Whisper
    /// language code (`en`, `zh`, `yue`, …) every window is decoded in.
    pub language: Option<String>,
    /// The only languages detection may choose (default `en,zh,yue`).
    pub languages: Languages,
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
            languages: Languages::default(),
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
    /// The language the segment was decoded in (a window that clearly speaks another
    /// of the allowed languages than the meeting's keeps its own).
    pub language: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    /// The recording's language: the one most of its speech is in.
    pub language: String,
    pub segments: Vec<Segment>,
}

impl Transcript {
    /// The segments' text, joined (with spaces, except between Chinese segments).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            let t = s.text.trim();
            if t.is_empty() {
                continue;
            }
            let chinese = is_chinese(&s.language) || is_chinese(&self.language);
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

    /// The model's language tokens (99 for whisper-base, 100 for large-v3, 0 for an
    /// English-only model), laid out as whisper.cpp lays them out.
    fn n_languages(&self) -> usize {
        if let Some(native) = &self.native {
            return native.n_languages();
        }
        if self.is_multilingual() {
            self.n_vocab.saturating_sub(51_766)
        } else {
            0
        }
    }

    /// mishu's engine when `options` pick it (`None`: whisper.cpp decodes).
    fn native_for(&self, options: &TranscribeOptions) -> Result<Option<&NativeWhisper>> {
        let needs_cpp = options.temperature_fallback;
        match options.engine {
            Engine::WhisperCpp => Ok(None),
            Engine::Auto => Ok(self.native.as_ref().filter(|_| !needs_cpp)),
            Engine::Native => {
                if needs_cpp {
                    return Err(Error::BadInput(
                        "temperature fallback needs the whisper.cpp engine".into(),
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

    /// How the language of each window is chosen, after checking the model can decode
    /// what was asked for.
    fn language_plan(&self, options: &TranscribeOptions) -> Result<LanguagePlan> {
        let requested = options
            .language
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|l| l != "auto");
        if !self.is_multilingual() {
            return match requested.as_deref() {
                None if !options.languages.contains("en") => Err(Error::BadInput(format!(
                    "this model is English-only and the language list ({}) has no en: add en or use whisper-base (`--model whisper-base`)",
                    options.languages
                ))),
                None | Some("en") => Ok(LanguagePlan::Fixed(english())),
                Some(lang) => Err(Error::BadInput(format!(
                    "this model is English-only and cannot transcribe {lang:?}: use whisper-base (`--model whisper-base`)"
                ))),
            };
        }
        let n_languages = self.n_languages();
        let Some(lang) = requested else {
            let choices = Choices::new(&options.languages, n_languages).map_err(Error::BadInput)?;
            return Ok(if choices.ids.len() == 1 {
                LanguagePlan::Fixed(choices.targets[0].clone())
            } else {
                LanguagePlan::Detect(choices)
            });
        };
        if whisper_rs::get_lang_id(&lang).is_none() {
            return Err(Error::BadInput(format!(
                "unknown language {lang:?}: use auto, en, zh, yue or another Whisper language code"
            )));
        }
        let target = Target::new(&lang, n_languages)
            .ok_or_else(|| Error::BadInput(format!("this model cannot transcribe {lang:?}")))?;
        if target.cantonese_prompt {
            tracing::info!(
                "this model has no Cantonese (yue) token: decoding Cantonese as Chinese steered by a Cantonese prompt (a large-v3 model has the token)"
            );
        }
        Ok(LanguagePlan::Fixed(target))
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
        let plan_languages = self.language_plan(options)?;
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

        let languages = match plan_languages {
            LanguagePlan::Fixed(target) => WindowLanguages::fixed(target),
            LanguagePlan::Detect(choices) if !chunks.is_empty() => {
                // The meeting's language, from several windows spread over the speech,
                // with every thread, before the chunks are shared out.
                let meeting = self.meeting_language(
                    &mut states[0],
                    samples,
                    &chunks,
                    &choices,
                    options,
                    &abort,
                )?;
                WindowLanguages::detected(choices, meeting)
            }
            LanguagePlan::Detect(choices) => WindowLanguages::detected(choices, 0),
        };
        let lengths: Vec<usize> = chunks.iter().map(Chunk::len).collect();
        let ranges = split_consecutive(&lengths, plan.workers);
        let results: Vec<Result<WorkerOutput>> = std::thread::scope(|scope| {
            let handles: Vec<_> = states
                .iter_mut()
                .zip(ranges)
                .map(|(state, range)| {
                    let (chunks, abort, progress, stop, languages) =
                        (&chunks, &abort, &progress, &stop, &languages);
                    let alone = plan.workers > 1;
                    scope.spawn(move || {
                        let work = || {
                            let mut out = Vec::with_capacity(range.len());
                            for i in range {
                                if abort() {
                                    return Err(Error::Cancelled);
                                }
                                let run = self.decode_chunk(
                                    state,
                                    samples,
                                    &chunks[i],
                                    languages,
                                    options,
                                    plan.threads_per_worker,
                                    abort,
                                );
                                match run {
                                    Ok(found) => out.push((i, found)),
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
        let mut decoded: Vec<Vec<Segment>> = vec![Vec::new(); chunks.len()];
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
        for s in &mut segments {
            if is_chinese(&s.language) {
                s.text = options.script.convert(&s.text);
            }
        }
        let language = languages.reported(&segments);
        Ok(Transcript { language, segments })
    }

    /// The index (in `choices`) of the language of most of the speech: the windows'
    /// language probabilities, restricted to the allowed languages and averaged over up
    /// to [`LANGUAGE_PROBES`] chunks spread over the recording.
    fn meeting_language(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunks: &[Chunk],
        choices: &Choices,
        options: &TranscribeOptions,
        abort: &Abort,
    ) -> Result<usize> {
        let mut windows = Vec::new();
        for i in probe_chunks(chunks) {
            if abort() {
                return Err(Error::Cancelled);
            }
            let chunk = &chunks[i];
            let audio = chunk.samples(samples);
            let probs = match state {
                WorkerState::Native(st) => {
                    let native = self.encode_chunk(st, &audio, chunk, options, abort)?;
                    native.language_probs(st)?
                }
                WorkerState::Cpp(st) => cpp_language_probs(st, &audio, options.threads)?,
            };
            let restricted = choices.restrict(&probs);
            let seconds = chunk.len() as f64 / SAMPLE_RATE as f64;
            tracing::debug!(
                "language of the chunk at {:.1} s ({seconds:.1} s): {}",
                chunk.start_s(),
                describe(choices, &restricted)
            );
            windows.push((restricted, seconds));
        }
        let (best, mean) = language::combine(&windows);
        tracing::info!(
            "language of the recording: {} (from {} window(s): {})",
            choices.targets[best].code,
            windows.len(),
            describe(choices, &mean)
        );
        Ok(best)
    }

    /// Encodes `chunk` (its samples `audio`) into `st` with mishu's engine, which it
    /// returns for the steps that read the encoding.
    fn encode_chunk(
        &self,
        st: &mut NativeState,
        audio: &[f32],
        chunk: &Chunk,
        options: &TranscribeOptions,
        abort: &Abort,
    ) -> Result<&NativeWhisper> {
        let native = self.native_engine()?;
        native.encode(
            st,
            audio,
            Some(chunk_key(chunk)),
            options.trim_window,
            &**abort,
        )?;
        Ok(native)
    }

    fn native_engine(&self) -> Result<&NativeWhisper> {
        self.native
            .as_ref()
            .ok_or_else(|| Error::Engine("mishu's engine is not loaded".into()))
    }

    /// Decodes one chunk (≤ 30 s) with `threads` threads; returns its kept segments in
    /// file time, each with the language it was decoded in.
    ///
    /// When the language is detected, the chunk is decoded in the recording's language
    /// unless its own probabilities clearly name another allowed one (mishu's engine:
    /// they come with the encoding it needs anyway). A chunk of several pauses whose text
    /// is far too little for its speech most likely holds turns in different languages,
    /// of which Whisper wrote only those in the one it was given: its parts are decoded
    /// again on their own, each in its own language.
    #[allow(clippy::too_many_arguments)]
    fn decode_chunk(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        languages: &WindowLanguages,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<Vec<Segment>> {
        let context = match &*state {
            WorkerState::Native(st) if languages.choices.is_some() => Some(st.context().to_vec()),
            _ => None,
        };
        if context.is_some()
            && self.parts_speak_other_languages(state, samples, chunk, languages, options, abort)?
        {
            tracing::info!(
                "the chunk at {:.1} s is unsure of its language and a part of it clearly speaks another: decoding its parts on their own",
                chunk.start_s()
            );
            return self.decode_parts(state, samples, chunk, languages, options, threads, abort);
        }
        let segments =
            self.decode_window(state, samples, chunk, languages, options, threads, abort)?;
        let speech_s = chunk.len() as f64 / SAMPLE_RATE as f64;
        let text: String = segments.iter().map(|s| format!("{} ", s.text)).collect();
        let Some(context) =
            context.filter(|_| chunk.spans.len() > 1 && language::too_little_text(&text, speech_s))
        else {
            return Ok(segments);
        };
        tracing::info!(
            "the chunk at {:.1} s gave {} characters for {speech_s:.1} s of speech: decoding its parts on their own",
            chunk.start_s(),
            text.trim().chars().count()
        );
        if let WorkerState::Native(st) = &mut *state {
            st.set_context(context);
        }
        self.decode_parts(state, samples, chunk, languages, options, threads, abort)
    }

    /// Decodes a chunk's parts ([`chunk_parts`]) one after another, each in its own
    /// language.
    #[allow(clippy::too_many_arguments)]
    fn decode_parts(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        languages: &WindowLanguages,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<Vec<Segment>> {
        let mut out = Vec::new();
        for part in chunk_parts(chunk) {
            out.extend(
                self.decode_window(state, samples, &part, languages, options, threads, abort)?,
            );
        }
        Ok(out)
    }

    /// Whether a chunk of several parts (turns between pauses), unsure of its language
    /// as a whole, has a part whose own probabilities clearly name another allowed
    /// language: then Whisper, given one language for the chunk, would write only the
    /// turns in that one (4 s of Mandarin before 7 s of English came out English only).
    /// Costs an encoding per part, and the chunk's own once more when it is decoded
    /// whole after all (the parts' encodings replace it in the engine's cache); only on
    /// such unsure chunks.
    fn parts_speak_other_languages(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        languages: &WindowLanguages,
        options: &TranscribeOptions,
        abort: &Abort,
    ) -> Result<bool> {
        let (WorkerState::Native(st), Some(choices)) = (&mut *state, languages.choices.as_ref())
        else {
            return Ok(false);
        };
        let parts = chunk_parts(chunk);
        if parts.len() < 2 {
            return Ok(false);
        }
        let audio = chunk.samples(samples);
        let native = self.encode_chunk(st, &audio, chunk, options, abort)?;
        let whole = choices.restrict(&native.language_probs(st)?);
        let chosen = language::argmax(&whole);
        if whole[chosen] >= language::SURE_WINDOW_PROB {
            return Ok(false);
        }
        for part in &parts {
            let audio = part.samples(samples);
            let native = self.encode_chunk(st, &audio, part, options, abort)?;
            let own = choices.restrict(&native.language_probs(st)?);
            let speech_s = part.len() as f64 / SAMPLE_RATE as f64;
            let part_choice = language::window_choice(chosen, &own, speech_s);
            if part_choice != chosen {
                tracing::debug!(
                    "the chunk at {:.1} s: {} as a whole, its part at {:.1} s {}",
                    chunk.start_s(),
                    describe(choices, &whole),
                    part.start_s(),
                    describe(choices, &own)
                );
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Decodes one stretch of a chunk in its language: the recording's, or the one the
    /// stretch's own probabilities clearly name. Where `zh` and `yue` share the model's
    /// token, the chunk is decoded with the Cantonese prompt and its text tells which of
    /// the two it is.
    #[allow(clippy::too_many_arguments)]
    fn decode_window(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        languages: &WindowLanguages,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<Vec<Segment>> {
        let mut target = languages.meeting_target().clone();
        if let (WorkerState::Native(st), Some(choices)) = (&mut *state, languages.choices.as_ref())
        {
            let audio = chunk.samples(samples);
            let native = self.encode_chunk(st, &audio, chunk, options, abort)?;
            let window = choices.restrict(&native.language_probs(st)?);
            let speech_s = chunk.len() as f64 / SAMPLE_RATE as f64;
            let own = language::window_choice(languages.meeting, &window, speech_s);
            if own != languages.meeting {
                tracing::info!(
                    "the audio at {:.1} s is in {}, not {} ({})",
                    chunk.start_s(),
                    choices.targets[own].code,
                    target.code,
                    describe(choices, &window)
                );
                target = choices.targets[own].clone();
            }
        }
        if !target.check_cantonese {
            return self.decode_in(state, samples, chunk, &target, options, threads, abort);
        }
        // Chinese that may be Cantonese: decoded with the Cantonese prompt, which lets
        // Cantonese speech be written as Cantonese and mostly leaves Mandarin speech in
        // standard written Chinese; the text then tells which it was.
        let context = match &*state {
            WorkerState::Native(st) => Some(st.context().to_vec()),
            WorkerState::Cpp(_) => None,
        };
        let steered = Target::cantonese_as_chinese();
        let mut segments =
            self.decode_in(state, samples, chunk, &steered, options, threads, abort)?;
        let text: String = segments.iter().map(|s| s.text.as_str()).collect();
        let cantonese = language::is_cantonese(&text);
        if (cantonese && language::reads_as_mandarin(&text))
            || (!cantonese && language::has_cantonese_chars(&text))
        {
            // Mandarin that the prompt pushed into Cantonese words, wholly or here and
            // there: decoded again as plain Chinese, from the context the first
            // decoding started from.
            tracing::info!(
                "the chunk at {:.1} s reads as Mandarin with Cantonese words from the prompt: decoding it again without the prompt",
                chunk.start_s()
            );
            if let (WorkerState::Native(st), Some(context)) = (&mut *state, context) {
                st.set_context(context);
            }
            let plain = Target {
                cantonese_prompt: false,
                check_cantonese: false,
                ..target
            };
            return self.decode_in(state, samples, chunk, &plain, options, threads, abort);
        }
        let code = if cantonese { "yue" } else { "zh" };
        for s in &mut segments {
            s.language = code.to_string();
        }
        Ok(segments)
    }

    /// Decodes one chunk in `target`'s language. Whisper sometimes ends its output
    /// early: given the same sentence twice in one window it writes it once and stops,
    /// and the rest of the window is skipped. When the last segment is real speech and
    /// ends well before the chunk does, the rest of the chunk is decoded again on its own.
    #[allow(clippy::too_many_arguments)]
    fn decode_in(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        target: &Target,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<Vec<Segment>> {
        let (mut segments, mut resume) =
            self.decode_once(state, samples, chunk, target, options, threads, abort)?;
        let mut rest = chunk.clone();
        for _ in 0..MAX_TAIL_PASSES {
            let Some(t) = resume else { break };
            rest = rest.from_time(t);
            tracing::debug!(
                "whisper stopped {:.1} s before the end of its chunk; decoding the rest from {:.2} s",
                rest.len() as f64 / SAMPLE_RATE as f64,
                rest.start_s()
            );
            let (more, next) =
                self.decode_once(state, samples, &rest, target, options, threads, abort)?;
            segments.extend(more);
            resume = next;
        }
        Ok(segments)
    }

    /// One decoding of a chunk (by the state's engine): its kept segments in file time,
    /// and the chunk time to decode again from when Whisper stopped early after real
    /// speech.
    #[allow(clippy::too_many_arguments)]
    fn decode_once(
        &self,
        state: &mut WorkerState,
        samples: &[f32],
        chunk: &Chunk,
        target: &Target,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<(Vec<Segment>, Option<f64>)> {
        let audio = chunk.samples(samples);
        let chunk_s = audio.len() as f64 / SAMPLE_RATE as f64;
        let found = match state {
            WorkerState::Native(st) => {
                let native = self.encode_chunk(st, &audio, chunk, options, abort)?;
                let decoded = native.decode(
                    st,
                    chunk_s,
                    target.token_id(),
                    target.cantonese_prompt,
                    options.condition_on_previous,
                    options.no_speech_threshold,
                    options.beam_size,
                    &**abort,
                )?;
                if options.condition_on_previous {
                    native.remember(st, &decoded);
                }
                decoded.segments
            }
            WorkerState::Cpp(st) => self.run_cpp(st, &audio, target, options, threads, abort)?,
        };
        let mut out = Vec::new();
        let mut last_kept_end: Option<f64> = None;
        for segment in found {
            let text = segment.text;
            let t0 = segment.start.clamp(0.0, chunk_s);
            let t1 = segment.end.clamp(t0, chunk_s);
            let (no_speech_prob, avg_logprob) = (segment.no_speech_prob, segment.avg_logprob);
            if t0 >= chunk_s - END_SLACK_S {
                // Whisper looping past the end of the audio ("Yeah." eight times at the
                // last second): a segment that starts where the audio ends has none.
                tracing::debug!("dropped {text:?}: it starts where the audio ends");
                last_kept_end = None;
                continue;
            }
            if target.cantonese_prompt && language::echoes_prompt(&text) {
                tracing::debug!("dropped {text:?}: the Cantonese prompt given back");
                last_kept_end = None;
                continue;
            }
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
                language: target.code.clone(),
            });
        }
        drop_repeated_segments(&mut out);
        let resume = last_kept_end.filter(|&t| t >= MIN_PROGRESS_S && chunk_s - t >= MIN_TAIL_S);
        Ok((out, resume))
    }

    /// One whisper.cpp run over a chunk's samples in `target`'s language: its segments
    /// (chunk seconds).
    #[allow(clippy::too_many_arguments)]
    fn run_cpp(
        &self,
        state: &mut WhisperState,
        audio: &[f32],
        target: &Target,
        options: &TranscribeOptions,
        threads: usize,
        abort: &Abort,
    ) -> Result<Vec<WindowSegment>> {
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
        params.set_language(Some(&target.token));
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_special(false);
        params.set_print_timestamps(false);
        // Without context each chunk stands alone: text from an earlier chunk cannot seed
        // a loop here. With it, the state carries the previous chunk's text.
        params.set_no_context(!options.condition_on_previous);
        if target.cantonese_prompt {
            params.set_initial_prompt(language::CANTONESE_PROMPT);
        }
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
        let input = padded_for_cpp(audio);
        let run = state.full(params, &input);
        if abort() {
            return Err(Error::Cancelled);
        }
        run.map_err(|e| Error::Engine(format!("whisper.cpp failed: {e}")))?;
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
        Ok(out)
    }
}

/// How the language of the windows is chosen.
enum LanguagePlan {
    /// Every window in this language.
    Fixed(Target),
    /// Detected among these.
    Detect(Choices),
}

/// The language decided for a recording, and the choices a window may take instead.
struct WindowLanguages {
    choices: Option<Choices>,
    /// The recording's language, an index into `choices` (or `fixed`).
    meeting: usize,
    fixed: Option<Target>,
}

impl WindowLanguages {
    fn fixed(target: Target) -> WindowLanguages {
        WindowLanguages {
            choices: None,
            meeting: 0,
            fixed: Some(target),
        }
    }

    fn detected(choices: Choices, meeting: usize) -> WindowLanguages {
        WindowLanguages {
            choices: Some(choices),
            meeting,
            fixed: None,
        }
    }

    fn meeting_target(&self) -> &Target {
        match (&self.fixed, &self.choices) {
            (Some(t), _) => t,
            (None, Some(c)) => &c.targets[self.meeting],
            (None, None) => unreachable!("a language plan is fixed or detected"),
        }
    }

    /// The language reported for the recording: the one most of its kept speech was
    /// decoded in, the decided one when nothing was kept.
    fn reported(&self, segments: &[Segment]) -> String {
        let mut seconds: Vec<(&str, f64)> = Vec::new();
        for s in segments {
            let d = (s.end - s.start).max(0.01);
            match seconds.iter_mut().find(|(l, _)| *l == s.language) {
                Some((_, total)) => *total += d,
                None => seconds.push((&s.language, d)),
            }
        }
        seconds
            .iter()
            .fold(None::<(&str, f64)>, |best, &(l, d)| match best {
                Some((_, bd)) if bd >= d => best,
                _ => Some((l, d)),
            })
            .map_or_else(
                || self.meeting_target().code.clone(),
                |(l, _)| l.to_string(),
            )
    }
}

/// The output of `en` on an English-only model.
fn english() -> Target {
    Target {
        code: "en".into(),
        token: "en".into(),
        cantonese_prompt: false,
        check_cantonese: false,
    }
}

fn is_chinese(code: &str) -> bool {
    code == "zh" || code == "yue"
}

/// Chunks whose language is detected to decide the recording's: at most this many.
const LANGUAGE_PROBES: usize = 3;

/// The chunks probed for the recording's language: up to [`LANGUAGE_PROBES`] spread
/// evenly over the recording, the first one last (the state that probes it decodes it
/// first, and mishu's engine keeps that encoding).
fn probe_chunks(chunks: &[Chunk]) -> Vec<usize> {
    let n = chunks.len();
    let k = n.min(LANGUAGE_PROBES);
    let mut picked: Vec<usize> = (0..k)
        .map(|j| if k == 1 { 0 } else { j * (n - 1) / (k - 1) })
        .collect();
    picked.dedup();
    picked.reverse();
    picked
}

/// Seconds of speech each part of a re-decoded chunk has at least (a pause ends a part
/// once it is this long).
const PART_MIN_S: f64 = 3.0;

/// A segment starting this close to the end of its chunk's audio has no speech in it.
const END_SLACK_S: f64 = 0.02;

/// A chunk's spans, grouped in order into parts of at least [`PART_MIN_S`] of speech
/// (the last part takes what is left).
fn chunk_parts(chunk: &Chunk) -> Vec<Chunk> {
    let min = (PART_MIN_S * SAMPLE_RATE as f64) as usize;
    let mut parts: Vec<Chunk> = Vec::new();
    let mut current: Vec<vad::Span> = Vec::new();
    for span in &chunk.spans {
        current.push(*span);
        if current.iter().map(vad::Span::len).sum::<usize>() >= min {
            parts.push(Chunk {
                spans: std::mem::take(&mut current),
                join_gap: chunk.join_gap,
            });
        }
    }
    if !current.is_empty() {
        match parts.last_mut() {
            Some(last) if current.iter().map(vad::Span::len).sum::<usize>() < min => {
                last.spans.extend(current)
            }
            _ => parts.push(Chunk {
                spans: current,
                join_gap: chunk.join_gap,
            }),
        }
    }
    parts
}

/// Names a chunk's audio for the engine's encoding cache.
fn chunk_key(chunk: &Chunk) -> AudioKey {
    let first = chunk.spans.first().map_or(0, |s| s.start);
    let last = chunk.spans.last().map_or(0, |s| s.end);
    (first, last, chunk.len())
}

/// `en 0.91, zh 0.09` for the logs.
fn describe(choices: &Choices, probs: &[f32]) -> String {
    choices
        .targets
        .iter()
        .zip(probs)
        .map(|(t, p)| format!("{} {p:.2}", t.code))
        .collect::<Vec<_>>()
        .join(", ")
}

/// whisper.cpp needs at least a second of audio: very short chunks padded with silence.
fn padded_for_cpp(audio: &[f32]) -> std::borrow::Cow<'_, [f32]> {
    let min = SAMPLE_RATE as usize * 11 / 10;
    if audio.len() < SAMPLE_RATE as usize + SAMPLE_RATE as usize / 10 {
        let mut padded = audio.to_vec();
        padded.resize(min, 0.0);
        std::borrow::Cow::Owned(padded)
    } else {
        std::borrow::Cow::Borrowed(audio)
    }
}

/// whisper.cpp's language probabilities (by Whisper language id) for a chunk.
fn cpp_language_probs(state: &mut WhisperState, audio: &[f32], threads: usize) -> Result<Vec<f32>> {
    let input = padded_for_cpp(audio);
    state
        .pcm_to_mel(&input, threads.max(1))
        .map_err(|e| Error::Engine(format!("whisper.cpp cannot compute the spectrogram: {e}")))?;
    let (_, probs) = state
        .lang_detect(0, threads.max(1))
        .map_err(|e| Error::Engine(format!("whisper.cpp cannot detect the language: {e}")))?;
    Ok(probs)
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

/// Segments of one decoding that say the same in a row this often are a loop.
const LOOP_SEGMENTS: usize = 5;

/// Cuts a run of [`LOOP_SEGMENTS`] or more segments of one decoding with the same text
/// ("Yeah." once a second to the end of the window: Whisper feeding on its own output)
/// down to its first. Fewer stay: people do say "Yeah." a few times in a row.
fn drop_repeated_segments(segments: &mut Vec<Segment>) {
    let keys: Vec<String> = segments
        .iter()
        .map(|s| filters::normalize(&s.text))
        .collect();
    let mut keep = vec![true; segments.len()];
    let mut start = 0;
    while start < keys.len() {
        let mut end = start + 1;
        while end < keys.len() && keys[end] == keys[start] {
            end += 1;
        }
        if end - start >= LOOP_SEGMENTS && !keys[start].is_empty() {
            tracing::debug!(
                "dropped {} repeats of {:?}: a decoding loop",
                end - start - 1,
                segments[start].text
            );
            keep[start + 1..end].iter_mut().for_each(|k| *k = false);
        }
        start = end;
    }
    let mut i = 0;
    segments.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::vad::Span;

    fn said(texts: &[&str]) -> Vec<Segment> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Segment {
                start: i as f64,
                end: i as f64 + 1.0,
                text: t.to_string(),
                no_speech_prob: 0.0,
                avg_logprob: -0.3,
                language: "en".into(),
            })
            .collect()
    }

    #[test]
    fn a_run_of_the_same_segment_is_a_loop_and_a_few_are_not() {
        let mut looped = said(&[
            "I think so.",
            "Yeah.",
            "Yeah.",
            "yeah",
            "Yeah.",
            "Yeah.",
            "Yeah.",
            "Right.",
        ]);
        drop_repeated_segments(&mut looped);
        let texts: Vec<&str> = looped.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["I think so.", "Yeah.", "Right."]);
        assert_eq!(looped[2].start, 7.0);
        let mut backchannels = said(&["Yeah.", "Yeah.", "Yeah.", "Yeah.", "OK.", "Yeah."]);
        drop_repeated_segments(&mut backchannels);
        assert_eq!(backchannels.len(), 6);
    }

    fn chunk(spans_s: &[(f64, f64)]) -> Chunk {
        let s = |t: f64| (t * SAMPLE_RATE as f64) as usize;
        Chunk {
            spans: spans_s
                .iter()
                .map(|&(a, b)| Span {
                    start: s(a),
                    end: s(b),
                })
                .collect(),
            join_gap: 4800,
        }
    }

    #[test]
    fn parts_have_at_least_three_seconds_of_speech_and_keep_every_span_in_order() {
        let c = chunk(&[
            (0.0, 5.6),
            (6.6, 13.8),
            (14.8, 16.0),
            (16.5, 20.0),
            (21.0, 21.5),
        ]);
        let parts = chunk_parts(&c);
        let spans: Vec<Vec<Span>> = parts.iter().map(|p| p.spans.clone()).collect();
        assert_eq!(
            spans,
            vec![
                vec![c.spans[0]],
                vec![c.spans[1]],
                vec![c.spans[2], c.spans[3], c.spans[4]],
            ]
        );
        assert!(parts.iter().all(|p| p.join_gap == c.join_gap));
        assert_eq!(chunk_parts(&chunk(&[(0.0, 1.0)])).len(), 1);
    }

    #[test]
    fn probes_spread_over_the_recording_the_first_chunk_last() {
        let chunks: Vec<Chunk> = (0..10)
            .map(|i| chunk(&[(i as f64 * 30.0, i as f64 * 30.0 + 29.0)]))
            .collect();
        assert_eq!(probe_chunks(&chunks), vec![9, 4, 0]);
        assert_eq!(probe_chunks(&chunks[..2]), vec![1, 0]);
        assert_eq!(probe_chunks(&chunks[..1]), vec![0]);
        assert!(probe_chunks(&[]).is_empty());
    }

    fn segment(start: f64, end: f64, language: &str) -> Segment {
        Segment {
            start,
            end,
            text: "x".into(),
            no_speech_prob: 0.0,
            avg_logprob: -0.2,
            language: language.into(),
        }
    }

    #[test]
    fn the_recording_is_in_the_language_of_most_of_its_speech() {
        let choices = Choices::new(&Languages::default(), 99).unwrap();
        let chinese = WindowLanguages::detected(choices.clone(), 1);
        let segs = [
            segment(0.0, 20.0, "yue"),
            segment(20.0, 25.0, "zh"),
            segment(25.0, 27.0, "en"),
        ];
        assert_eq!(chinese.reported(&segs), "yue");
        assert_eq!(chinese.reported(&[segment(0.0, 9.0, "zh")]), "zh");
        // Windows that left the decided language and hold most of the speech name it.
        let english = WindowLanguages::detected(choices, 0);
        assert_eq!(english.reported(&segs), "yue");
        assert_eq!(
            english.reported(&[]),
            "en",
            "nothing kept: the decided language"
        );
        assert_eq!(WindowLanguages::fixed(english_target()).reported(&[]), "en");
    }

    fn english_target() -> Target {
        english()
    }
}
