//! [`Llm`]: a loaded GGUF model with its tokenizer and chat template, and the
//! generation loop (prefill, sampling, stops, streaming, cancellation, constrained
//! decoding) over a KV cache that keeps the prompt prefix between calls.
//!
//! The transformer is mishu's own decoder for the architectures it covers
//! ([`model::SUPPORTED`]) and the fallback engine's, on candle, for the others
//! ([`fallback::SUPPORTED`]); everything else here is the same for both.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use crate::llm::chat_template::ChatTemplate;
use crate::llm::constrained::{Matcher, TokenIndex};
use crate::llm::decoding::{Decoding, Prefilled, Step};
use crate::llm::fallback::{self, FallbackModel};
use crate::llm::generate::{FinishReason, GenerateOutput, GenerateRequest, Prompt};
use crate::llm::gguf::Gguf;
use crate::llm::kv_cache::KvCache;
use crate::llm::model::{self, Decoder, DecoderConfig};
use crate::llm::tokenizer::Tokenizer;
use crate::{Error, Result};

/// How to load a model.
#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Most tokens (prompt + answer) one generation may hold. The KV cache grows up
    /// to this. `None`: the model's trained context, capped at 32,768.
    pub context: Option<usize>,
    /// Prompt tokens run per forward pass while prefilling.
    pub prefill_chunk: usize,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            context: None,
            prefill_chunk: 512,
        }
    }
}

const DEFAULT_CONTEXT_CAP: usize = 32_768;

/// The cache and the tokens whose keys/values it holds, in order.
struct Session {
    cache: Cache,
    tokens: Vec<u32>,
}

/// What holds the keys/values of the tokens run so far.
enum Cache {
    /// mishu's decoder: a cache it can cut back to any prefix.
    Fast(Box<KvCache>),
    /// The fallback engine's model, which keeps its own cache.
    Fallback(FallbackModel),
}

/// Which engine runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// mishu's own decoder (Llama, Qwen2, Qwen3).
    Fast,
    /// The fallback engine on candle (Gemma 3, Phi-3).
    Fallback,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Fast => "fast",
            EngineKind::Fallback => "fallback",
        }
    }
}

pub struct Llm {
    name: String,
    path: PathBuf,
    architecture: String,
    /// mishu's decoder; `None` when the fallback engine runs the model.
    decoder: Option<Decoder>,
    context: usize,
    tokenizer: Tokenizer,
    template: ChatTemplate,
    session: Mutex<Session>,
    token_index: OnceLock<TokenIndex>,
    prefill_chunk: usize,
}

impl Llm {
    /// Loads the GGUF at `path`; `name` is how the model is reported.
    pub fn load(path: &Path, name: &str, config: &LlmConfig) -> Result<Llm> {
        let gguf = Gguf::open(path)?;
        let architecture = gguf.string("general.architecture")?.to_string();
        let fast = model::SUPPORTED.contains(&architecture.as_str());
        if !fast && !FallbackModel::supports(&architecture) {
            return Err(gguf.error(format!(
                "architecture '{architecture}' is not supported (mishu's decoder runs {}; the fallback engine runs {})",
                model::SUPPORTED.join(", "),
                fallback::SUPPORTED.join(", ")
            )));
        }
        let tokenizer = Tokenizer::from_gguf(&gguf)?;
        let (decoder, cache, context, vocab_size) = if fast {
            let context = config.context.unwrap_or(DEFAULT_CONTEXT_CAP);
            let decoder = model::load(&gguf, Some(context))?;
            let cache = Cache::Fast(Box::new(decoder.new_cache()?));
            let (context, vocab) = (decoder.max_positions(), decoder.config().vocab_size);
            (Some(decoder), cache, context, vocab)
        } else {
            let model = FallbackModel::load(&gguf, config.context)?;
            let (context, vocab) = (model.context(), model.vocab_size());
            (None, Cache::Fallback(model), context, vocab)
        };
        if vocab_size < tokenizer.vocab_size() {
            return Err(gguf.error(format!(
                "the tokenizer has {} tokens but the embedding table only {vocab_size}",
                tokenizer.vocab_size(),
            )));
        }
        let text_of =
            |id: Option<u32>| id.and_then(|i| tokenizer.token_text(i)).unwrap_or_default();
        let source = gguf.opt_string("tokenizer.chat_template");
        // A file without a template: ChatML when the vocabulary has its tokens (models
        // tuned on it often ship without the template), else a base model, prompted
        // with the messages' plain text.
        let template = if source.is_none() && !tokenizer.has_control_token("<|im_start|>") {
            ChatTemplate::plain()
        } else {
            ChatTemplate::new(
                source,
                text_of(tokenizer.bos_token()),
                text_of(tokenizer.eos_token()),
            )?
        };
        Ok(Llm {
            name: name.to_string(),
            path: path.to_path_buf(),
            architecture,
            decoder,
            context,
            tokenizer,
            template,
            session: Mutex::new(Session {
                cache,
                tokens: Vec::new(),
            }),
            token_index: OnceLock::new(),
            prefill_chunk: config.prefill_chunk.max(1),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The decoder's configuration; `None` for a model on the fallback engine.
    pub fn config(&self) -> Option<&DecoderConfig> {
        self.decoder.as_ref().map(|d| d.config())
    }

    /// `general.architecture` of the GGUF.
    pub fn architecture(&self) -> &str {
        &self.architecture
    }

    /// Which engine runs the model.
    pub fn engine(&self) -> EngineKind {
        match self.decoder {
            Some(_) => EngineKind::Fast,
            None => EngineKind::Fallback,
        }
    }

    /// Whether the model has a chat template of its own (or ChatML); a base model
    /// without one is prompted with the messages' text as it is.
    pub fn has_chat_template(&self) -> bool {
        !self.template.is_plain()
    }

    /// Tokens one generation may hold (prompt + answer).
    pub fn context_size(&self) -> usize {
        self.context
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Each token's text and a prefix tree over them, built on first use.
    pub fn token_index(&self) -> &TokenIndex {
        self.token_index
            .get_or_init(|| TokenIndex::new(&self.tokenizer))
    }

    /// The prompt text the model sees.
    pub fn render_prompt(&self, prompt: &Prompt) -> Result<String> {
        match prompt {
            Prompt::Raw(text) => Ok(text.clone()),
            Prompt::Chat(messages) => self.template.render(messages, true),
        }
    }

    /// Forgets the cached prompt prefix.
    pub fn clear_cache(&self) {
        let mut s = self.session.lock().unwrap_or_else(|e| e.into_inner());
        match &mut s.cache {
            Cache::Fast(cache) => cache.truncate(0),
            Cache::Fallback(model) => {
                if let Err(e) = model.truncate(0) {
                    tracing::warn!("cannot clear the cache: {e}");
                }
            }
        }
        s.tokens.clear();
    }

    /// Generates a completion. `on_text` receives the text as it is produced (whole
    /// characters, never a piece of a stop string).
    pub fn generate(
        &self,
        req: &GenerateRequest,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<GenerateOutput> {
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let session = &mut *session;
        let (prefilled, mut logits) = self.prefill(session, req)?;
        let mut decoding = Decoding::new(self, req, prefilled);
        let t1 = Instant::now();
        let finish = loop {
            match decoding.next(&mut logits, on_text)? {
                Step::Run(tokens) => logits = self.step(session, &tokens)?,
                Step::Done(finish) => break finish,
            }
        };
        Ok(decoding.finish(finish, t1.elapsed().as_secs_f64(), on_text))
    }

    /// Generates the completions of several requests together: each prompt is run in
    /// turn (reusing the cached prefix as [`Llm::generate`] does), then the answers are
    /// decoded in the same steps, each weight read once per step for all of them.
    /// `on_text` receives each request's index with its text. A greedy answer may differ
    /// from [`Llm::generate`]'s where two tokens are near ties: a step of several rows
    /// sums in another order. Each output's `decode_s` is its share of the steps it
    /// was in, so the outputs' times add up to the time taken. The fallback engine
    /// runs the requests one after the other.
    pub fn generate_batch(
        &self,
        reqs: &[GenerateRequest],
        on_text: &mut dyn FnMut(usize, &str),
    ) -> Result<Vec<GenerateOutput>> {
        let Some(decoder) = self.decoder.as_ref().filter(|_| reqs.len() > 1) else {
            return reqs
                .iter()
                .enumerate()
                .map(|(i, req)| self.generate(req, &mut |t| on_text(i, t)))
                .collect();
        };
        struct Sequence<'a> {
            decoding: Decoding<'a>,
            cache: KvCache,
            logits: Vec<f32>,
            run: Vec<u32>,
            finish: Option<FinishReason>,
            decode_s: f64,
        }
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let session = &mut *session;
        let mut seqs = Vec::with_capacity(reqs.len());
        for req in reqs {
            let (prefilled, logits) = self.prefill(session, req)?;
            let Cache::Fast(cache) = &session.cache else {
                return Err(Error::Engine(
                    "the model has no decoder cache (a bug)".into(),
                ));
            };
            seqs.push(Sequence {
                // Room for the answer, and the text a schema may add at the end.
                cache: cache.fork(cache.len(), req.max_tokens + 64)?,
                decoding: Decoding::new(self, req, prefilled),
                logits,
                run: Vec::new(),
                finish: None,
                decode_s: 0.0,
            });
        }
        loop {
            for (i, s) in seqs.iter_mut().enumerate() {
                s.run.clear();
                if s.finish.is_some() {
                    continue;
                }
                match s.decoding.next(&mut s.logits, &mut |t| on_text(i, t))? {
                    Step::Run(tokens) => s.run = tokens,
                    Step::Done(finish) => s.finish = Some(finish),
                }
            }
            let t = Instant::now();
            let mut live: Vec<(&[u32], &mut KvCache)> = seqs
                .iter_mut()
                .filter(|s| !s.run.is_empty())
                .map(|s| (s.run.as_slice(), &mut s.cache))
                .collect();
            if live.is_empty() {
                break;
            }
            let n = live.len();
            let logits = decoder.forward_batch(&mut live)?;
            let share = t.elapsed().as_secs_f64() / n as f64;
            for (s, l) in seqs.iter_mut().filter(|s| !s.run.is_empty()).zip(logits) {
                s.logits = l;
                s.decode_s += share;
            }
        }
        Ok(seqs
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let finish = s.finish.unwrap_or(FinishReason::Length);
                s.decoding
                    .finish(finish, s.decode_s, &mut |t| on_text(i, t))
            })
            .collect())
    }

    /// Runs `req`'s prompt after the longest prefix the session's cache already holds,
    /// and returns it with the logits of its last token.
    fn prefill(
        &self,
        session: &mut Session,
        req: &GenerateRequest,
    ) -> Result<(Prefilled, Vec<f32>)> {
        let text = self.render_prompt(&req.prompt)?;
        let prompt = self.tokenizer.encode(&text)?;
        if prompt.is_empty() {
            return Err(Error::BadInput("the prompt is empty".into()));
        }
        let context = self.context_size();
        if prompt.len() >= context {
            return Err(Error::ContextOverflow {
                prompt_tokens: prompt.len(),
                context,
                reserved: 1,
            });
        }
        // Reuse the keys/values of the longest shared prefix; at least one prompt token
        // must run to produce the first logits.
        let shared = match &mut session.cache {
            Cache::Fast(cache) => {
                let shared = common_prefix(&session.tokens, &prompt).min(prompt.len() - 1);
                cache.truncate(shared);
                shared
            }
            Cache::Fallback(model) => {
                let shared = model.reusable_prefix(&session.tokens, &prompt);
                model.truncate(shared)?;
                shared
            }
        };
        session.tokens.truncate(shared);
        tracing::debug!(prompt = prompt.len(), cached = shared, "prefill");
        let t0 = Instant::now();
        let mut logits = Vec::new();
        for chunk in prompt[shared..].chunks(self.prefill_chunk) {
            logits = self.step(session, chunk)?;
        }
        let prefilled = Prefilled {
            prompt,
            cached: shared,
            prefill_s: t0.elapsed().as_secs_f64(),
        };
        Ok((prefilled, logits))
    }

    /// Runs tokens through the model, keeping the session's token list in step with
    /// its cache.
    fn step(&self, session: &mut Session, tokens: &[u32]) -> Result<Vec<f32>> {
        let logits = match (&mut session.cache, &self.decoder) {
            (Cache::Fast(cache), Some(decoder)) => decoder.forward(tokens, cache)?,
            (Cache::Fallback(model), _) => model.forward(tokens)?,
            (Cache::Fast(_), None) => {
                return Err(Error::Engine("the model has no decoder (a bug)".into()))
            }
        };
        session.tokens.extend_from_slice(tokens);
        Ok(logits)
    }
}

impl Llm {
    /// The tokens of `text`, which the schema dictates next (at most `budget`), or none
    /// when the tokenizer does not spell that text exactly. The last token of that text
    /// is left to the model: it may join the dictated text to what the model writes
    /// next (`":"` opening a string, `":null`), and forcing a boundary there the model
    /// would not have made skews its next choice.
    pub(crate) fn forced_tokens(&self, text: &[u8], budget: usize) -> Result<Vec<u32>> {
        if budget == 0 {
            return Ok(Vec::new());
        }
        let mut tokens = self.spelling(text)?;
        tokens.pop();
        tokens.truncate(budget);
        Ok(tokens)
    }
}

impl Llm {
    /// The tokens that end the array `m` is in (see [`Matcher::array_close`]), or none
    /// when the tokenizer cannot spell that text exactly.
    pub(crate) fn array_closing_tokens(&self, m: &Matcher) -> Result<Vec<u32>> {
        let tokens = self.spelling(&m.array_close())?;
        if !tokens.is_empty() {
            tracing::debug!(
                closing = %String::from_utf8_lossy(&m.array_close()),
                "closing the array being written"
            );
        }
        Ok(tokens)
    }

    /// Tokens that spell `bytes` exactly with no control token, or none when the
    /// tokenizer cannot (the bytes are not whole characters, or its encoding differs).
    fn spelling(&self, bytes: &[u8]) -> Result<Vec<u32>> {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Ok(Vec::new());
        };
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let tokens = self.tokenizer.encode_fragment(text)?;
        let spelled: Vec<u8> = tokens
            .iter()
            .flat_map(|&t| self.tokenizer.token_bytes(t).iter().copied())
            .collect();
        if spelled != bytes || tokens.iter().any(|&t| self.tokenizer.is_control(t)) {
            return Ok(Vec::new());
        }
        Ok(tokens)
    }
}

fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
