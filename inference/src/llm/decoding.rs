//! One generation's side of the decoding loop: from each step's logits, the next token
//! (sampling, the schema's mask, the stop tokens), the text (stop strings, streaming)
//! and the tokens to run next — the token chosen and whatever the schema dictates after
//! it. The engine runs the model for one such sequence at a time
//! ([`Llm::generate`]) or for several in the same steps ([`Llm::generate_batch`]).

use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::llm::constrained::{Layout, Matcher, TokenIndex};
use crate::llm::engine::Llm;
use crate::llm::generate::TextTracker;
use crate::llm::generate::{FinishReason, GenerateOutput, GenerateRequest, JumpForward};
use crate::llm::sampling::Sampler;
use crate::{Error, Result};

/// What a sequence wants after seeing a step's logits.
pub(crate) enum Step {
    /// Run these tokens through the model and come back with the logits of the last.
    Run(Vec<u32>),
    /// The generation is over.
    Done(FinishReason),
}

/// A prompt that has been run: its tokens, how many came from the cache, and how long
/// the rest took.
pub(crate) struct Prefilled {
    pub prompt: Vec<u32>,
    pub cached: usize,
    pub prefill_s: f64,
}

pub(crate) struct Decoding<'a> {
    llm: &'a Llm,
    req: &'a GenerateRequest,
    prefilled: Prefilled,
    /// Positions the sequence's cache will hold once the tokens asked for have run.
    position: usize,
    context: usize,
    matcher: Option<Matcher>,
    layout: Layout,
    index: Option<&'a TokenIndex>,
    sampler: Sampler,
    stop_tokens: &'a [u32],
    tracker: TextTracker,
    generated: Vec<u32>,
    allowed: Vec<u32>,
    masked: Vec<f32>,
    mask_s: f64,
    decode_steps: usize,
}

impl<'a> Decoding<'a> {
    pub fn new(llm: &'a Llm, req: &'a GenerateRequest, prefilled: Prefilled) -> Decoding<'a> {
        let matcher = req.schema.as_ref().map(|s| Matcher::new(s.clone()));
        let index = matcher.as_ref().map(|_| llm.token_index());
        let stop_tokens: &[u32] = if req.ignore_eos && matcher.is_none() {
            &[]
        } else {
            llm.tokenizer().stop_tokens()
        };
        let tracker = TextTracker::new(if matcher.is_some() { &[] } else { &req.stop });
        Decoding {
            llm,
            req,
            position: prefilled.prompt.len(),
            prefilled,
            context: llm.context_size(),
            matcher,
            layout: Layout::new(),
            index,
            sampler: Sampler::new(req.sampling.clone()),
            stop_tokens,
            tracker,
            generated: Vec::new(),
            allowed: Vec::new(),
            masked: Vec::new(),
            mask_s: 0.0,
            decode_steps: 0,
        }
    }

    /// Chooses from `logits` (the last step's, penalised in place) what comes next.
    pub fn next(&mut self, logits: &mut [f32], on_text: &mut dyn FnMut(&str)) -> Result<Step> {
        let req = self.req;
        if req
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            return Ok(Step::Done(FinishReason::Cancelled));
        }
        if req
            .finish_now
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
        {
            return Ok(Step::Done(FinishReason::Stop));
        }
        if self.generated.len() >= req.max_tokens {
            return Ok(Step::Done(FinishReason::Length));
        }
        if self.sampler.params().repetition_penalty != 1.0 {
            let history: Vec<u32> = self
                .prefilled
                .prompt
                .iter()
                .chain(self.generated.iter())
                .copied()
                .collect();
            self.sampler.penalize(logits, &history);
        }
        let tokenizer = self.llm.tokenizer();
        let next = match (&self.matcher, self.index) {
            (Some(m), Some(index)) => {
                let tm = Instant::now();
                m.allowed_tokens(index, &mut self.allowed);
                if m.can_stop() {
                    self.allowed.extend_from_slice(self.stop_tokens);
                }
                self.masked.clear();
                self.masked.resize(logits.len(), f32::NEG_INFINITY);
                for &t in &self.allowed {
                    if let Some(l) = logits.get(t as usize) {
                        self.masked[t as usize] = *l;
                    }
                }
                self.mask_s += tm.elapsed().as_secs_f64();
                self.sampler.sample(&self.masked)
            }
            _ => {
                if req.ignore_eos {
                    for &t in tokenizer.stop_tokens() {
                        if let Some(l) = logits.get_mut(t as usize) {
                            *l = f32::NEG_INFINITY;
                        }
                    }
                }
                self.sampler.sample(logits)
            }
        };
        let Some(next) = next else {
            return Err(Error::Engine(
                "no token is allowed at this point of the JSON schema".into(),
            ));
        };
        if self.stop_tokens.contains(&next) {
            return Ok(Step::Done(match &self.matcher {
                Some(_) => FinishReason::SchemaComplete,
                None => FinishReason::Stop,
            }));
        }
        self.generated.push(next);
        let bytes = if tokenizer.is_control(next) {
            &[][..]
        } else {
            tokenizer.token_bytes(next)
        };
        self.tracker.push(bytes);
        // Tokens to run next: the one just chosen, and after it the text the schema
        // dictates (fed in one step instead of one step per token).
        let mut run = vec![next];
        if let Some(m) = self.matcher.as_mut() {
            let tm = Instant::now();
            let ok = m.advance(bytes);
            self.layout.push(bytes);
            self.mask_s += tm.elapsed().as_secs_f64();
            if !ok {
                return Err(Error::Engine(format!(
                    "token {next} broke the JSON schema constraint (a bug)"
                )));
            }
            if m.is_complete() {
                self.flush(on_text);
                return Ok(Step::Done(FinishReason::SchemaComplete));
            }
            let tm = Instant::now();
            let budget = req.max_tokens.saturating_sub(self.generated.len());
            let forced = match req.jump_forward {
                JumpForward::Off => Vec::new(),
                JumpForward::Compact => self.llm.forced_tokens(&m.forced(), budget)?,
                JumpForward::InLayout => {
                    self.llm.forced_tokens(&m.forced_in(&self.layout), budget)?
                }
            };
            let complete = self.dictate(&forced, &mut run);
            self.mask_s += tm.elapsed().as_secs_f64();
            if complete {
                self.flush(on_text);
                return Ok(Step::Done(FinishReason::SchemaComplete));
            }
        } else if let Some(at) = self.tracker.stop_at() {
            self.tracker.cut(at);
            return Ok(Step::Done(FinishReason::Stop));
        }
        if let Some(s) = self.tracker.take_ready(false) {
            on_text(&s);
        }
        if let (Some(m), Some(flag)) = (self.matcher.as_ref(), req.close_array.as_ref()) {
            if flag.swap(false, Ordering::Relaxed) {
                let closing = self.llm.array_closing_tokens(m)?;
                if self.dictate(&closing, &mut run) {
                    self.flush(on_text);
                    return Ok(Step::Done(FinishReason::SchemaComplete));
                }
            }
        }
        // The last token the budget allows is not run: nothing would read its logits.
        if self.generated.len() >= req.max_tokens || self.position + run.len() > self.context {
            return Ok(Step::Done(FinishReason::Length));
        }
        self.position += run.len();
        self.decode_steps += 1;
        Ok(Step::Run(run))
    }

    /// Takes `tokens`, text the schema dictates, as written (the matcher, the layout,
    /// the text and the answer's tokens move past them) and adds them to `run`. Returns
    /// whether the JSON document is then complete.
    fn dictate(&mut self, tokens: &[u32], run: &mut Vec<u32>) -> bool {
        let Some(m) = self.matcher.as_mut() else {
            return false;
        };
        let tokenizer = self.llm.tokenizer();
        for &t in tokens {
            let bytes = tokenizer.token_bytes(t);
            m.advance(bytes);
            self.layout.push(bytes);
            self.tracker.push(bytes);
            self.generated.push(t);
        }
        run.extend_from_slice(tokens);
        m.is_complete()
    }

    fn flush(&mut self, on_text: &mut dyn FnMut(&str)) {
        if let Some(s) = self.tracker.take_ready(true) {
            on_text(&s);
        }
    }

    /// The output, once [`Decoding::next`] has said `Done(finish)`; `decode_s` is the
    /// time the decoding took (this sequence's share of the steps it was in).
    pub fn finish(
        mut self,
        finish: FinishReason,
        decode_s: f64,
        on_text: &mut dyn FnMut(&str),
    ) -> GenerateOutput {
        // Out of budget inside a JSON document: close it with the shortest valid ending
        // so the text still parses and validates (the finish reason says it was cut).
        if let Some(m) = self.matcher.as_mut() {
            if !m.is_complete() && !m.can_stop() {
                let tail = m.completion();
                tracing::debug!(tail = %String::from_utf8_lossy(&tail), "closing the JSON document");
                self.tracker.push(&tail);
            }
        }
        self.flush(on_text);
        let Prefilled {
            prompt,
            cached,
            prefill_s,
        } = self.prefilled;
        let ran = prompt.len() - cached;
        GenerateOutput {
            text: self.tracker.text(),
            completion_tokens: self.generated.len(),
            tokens: self.generated,
            prompt_tokens: prompt.len(),
            cached_prompt_tokens: cached,
            prefill_s,
            decode_s,
            prefill_tokens_per_s: rate(ran, prefill_s),
            decode_tokens_per_s: rate(self.decode_steps, decode_s),
            decode_steps: self.decode_steps,
            mask_s: self.mask_s,
            finish_reason: finish,
        }
    }
}

fn rate(n: usize, s: f64) -> f64 {
    if s > 0.0 {
        n as f64 / s
    } else {
        0.0
    }
}
