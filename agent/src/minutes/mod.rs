//! Meeting minutes, reading top to bottom as the data flows: input (audio, a
//! `Speaker: text` transcript, or `transcribe` JSON) → [`transcript`] → [`chunks`] that
//! fit the model's context → per-chunk schema-constrained [`extract`]ion → [`ground`]ing
//! against the transcript (quotes, owners, due dates) → a second look at single lines
//! that look like a task or a decision nothing came from ([`review`]) → [`merge`]
//! across chunks → one summary → [`output`] (JSON and Markdown). [`sync`] turns the
//! items into tasks, but for those [`open_tasks`] finds already listed.

pub mod audio;
pub mod chunks;
mod cues;
pub mod error;
pub mod extract;
pub mod ground;
pub mod input;
pub mod language;
pub mod merge;
mod nearby;
pub mod open_tasks;
pub mod output;
mod repeats;
pub mod review;
pub mod sync;
#[cfg(test)]
mod test_support;
pub mod text;
pub mod transcript;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use inference::llm::{Llm, Schema};
use sha2::{Digest, Sha256};

use crate::directory::{Directory, MentionKind};
pub use error::{MinutesError, Result};
use extract::{Extraction, Usage, ANSWER_TOKENS};
use ground::{Grounded, PersonRef};
use language::Language;
pub use output::{ActionItem, Attendee, Minutes, Source, Stats};
use transcript::Transcript;

/// The LLM that writes minutes unless told otherwise (chosen by measurement:
/// docs/MINUTES.md).
pub const DEFAULT_MODEL: &str = "qwen2.5-1.5b";

/// Transcript tokens per part: small enough that a small model reads it closely.
pub const DEFAULT_CHUNK_TOKENS: usize = 1400;

/// Parts whose answers are decoded together. Each holds its own copy of the keys and
/// values of its prompt and answer (about 80 MB for the 1.5B model), so a long meeting
/// runs in several batches.
const PART_BATCH: usize = 6;

/// What happens while minutes are written, for progress bars and job events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// Fraction of the recording transcribed.
    Transcribing(f64),
    /// Part `part` (1-based) of `of` is being read.
    Extracting {
        part: usize,
        of: usize,
    },
    /// Line `line` (1-based) of `of` picked for a second look is being read.
    Checking {
        line: usize,
        of: usize,
    },
    Summarizing,
}

impl Stage {
    /// Overall progress in [0, 1] when transcription is part of the job or not.
    pub fn fraction(self, with_audio: bool) -> f64 {
        let (t, rest) = if with_audio { (0.5, 0.5) } else { (0.0, 1.0) };
        match self {
            Stage::Transcribing(f) => t * f,
            Stage::Extracting { part, of } => t + rest * 0.7 * (part - 1) as f64 / of.max(1) as f64,
            Stage::Checking { line, of } => {
                t + rest * (0.7 + 0.2 * (line - 1) as f64 / of.max(1) as f64)
            }
            Stage::Summarizing => t + rest * 0.92,
        }
    }

    pub fn message(self) -> String {
        match self {
            Stage::Transcribing(f) => format!("transcribing {:.0}%", f * 100.0),
            Stage::Extracting { part, of } => format!("extracting part {part}/{of}"),
            Stage::Checking { line, of } => format!("checking line {line}/{of}"),
            Stage::Summarizing => "summarizing".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// When the meeting took place: relative due dates resolve against it.
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
    /// Names or directory ids; `None`: the speakers.
    pub attendees: Option<Vec<String>>,
    pub title: Option<String>,
    pub chunk_tokens: usize,
    /// Look again, one line at a time, at lines whose words look like a task or a
    /// decision that the reading of their part did not give (slower, finds more).
    pub second_look: bool,
}

/// Writes the minutes of `transcript`. `audio` carries the transcription's JSON and
/// times when the input was a recording.
pub fn write(
    transcript: Transcript,
    audio: Option<&audio::Transcribed>,
    llm: &Llm,
    directory: &Directory,
    opts: &Options,
    progress: &mut dyn FnMut(Stage),
    cancel: Option<Arc<AtomicBool>>,
) -> Result<Minutes> {
    let started = Instant::now();
    let all_text: String = transcript
        .utterances
        .iter()
        .map(|u| u.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let language = Language::detect(&all_text);
    let recorded_s = audio.map(|a| a.duration_s).or(transcript.duration_s);
    if !transcript.has_speakers() {
        tracing::warn!(
            "the transcript names no speakers: \"I will…\" items cannot be given an owner"
        );
    }
    let tokens = |s: &str| llm.tokenizer().encode(s).map_or(s.len(), |t| t.len());
    let system_tokens = tokens(
        &prompts::minutes::extract(&prompts::minutes::ExtractInput {
            transcript: "",
            part: 1,
            part_count: 2,
            language_name: language.prompt_name(),
        })?
        .system,
    );
    let room = llm
        .context_size()
        .saturating_sub(system_tokens + ANSWER_TOKENS + 96);
    let budget = opts.chunk_tokens.min(room);
    if budget < 64 {
        return Err(MinutesError::BadInput(format!(
            "the model {} has a context of {} tokens: too small to read a transcript",
            llm.name(),
            llm.context_size()
        )));
    }
    let utterances = chunks::split_long(transcript.utterances, budget, &tokens);
    let parts = chunks::chunk(&utterances, budget, &tokens);
    tracing::info!(
        "{} utterances in {} part(s) of up to {budget} tokens",
        utterances.len(),
        parts.len()
    );

    let schema = Arc::new(Schema::parse(prompts::minutes::EXTRACT_SCHEMA.text())?);
    let ctx = ground::Context::new(&utterances, directory, opts.now, opts.tz);
    let mut usage = Usage::default();
    let mut proposed_items = 0;
    let mut dropped_decisions = 0;
    let mut grounded: Vec<Grounded> = Vec::new();
    let mut decisions = Vec::new();
    let mut notes = Vec::new();
    let mut merge_s = 0.0;
    // The parts are read independently: their answers are decoded in batches.
    let mut answers = Vec::with_capacity(parts.len());
    for range in extract::batches(parts.len(), PART_BATCH) {
        progress(Stage::Extracting {
            part: range.start + 1,
            of: parts.len(),
        });
        let prompts = range
            .map(|i| {
                prompts::minutes::extract(&prompts::minutes::ExtractInput {
                    transcript: &parts[i].text,
                    part: i + 1,
                    part_count: parts.len(),
                    language_name: language.prompt_name(),
                })
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        answers.extend(extract::generate_json_batch(
            llm,
            &prompts,
            schema.clone(),
            ANSWER_TOKENS,
            cancel.clone(),
            &mut usage,
        )?);
    }
    for (part, (text, finish)) in parts.iter().zip(answers) {
        let t = Instant::now();
        let Extraction {
            actions,
            decisions: part_decisions,
            summary,
        } = extract::parse(&text, finish);
        proposed_items += actions.len();
        grounded.extend(actions.iter().filter_map(|p| ctx.ground(p, part)));
        let before = decisions.len();
        decisions.extend(
            part_decisions
                .iter()
                .filter_map(|d| ctx.keep_decision(d, part)),
        );
        dropped_decisions += part_decisions.len() - (decisions.len() - before);
        if !summary.trim().is_empty() {
            notes.push(summary.trim().to_string());
        }
        merge_s += t.elapsed().as_secs_f64();
    }
    let mut dropped_items = proposed_items - grounded.len();
    let second_look = if opts.second_look {
        review::lines(&ctx, &grounded, &decisions)
    } else {
        review::Lines::default()
    };
    tracing::info!(
        "second look at {} line(s) that may hold a task and {} that may hold a decision",
        second_look.tasks.len(),
        second_look.decisions.len()
    );
    let model_s = |u: &Usage| u.prefill_s + u.generate_s;
    let before_second_look = model_s(&usage);
    let found = review::run(
        llm,
        &ctx,
        &second_look,
        language,
        cancel.clone(),
        &mut usage,
        &mut |line, of| progress(Stage::Checking { line, of }),
    )?;
    let second_look_s = model_s(&usage) - before_second_look;
    dropped_items += found.dropped_items;
    dropped_decisions += found.dropped_decisions;
    grounded.extend(found.items);
    decisions.extend(found.decisions);
    let t = Instant::now();
    let encoder = crate::meaning::encoder();
    let mut items = merge::needs_answered(&ctx, merge::items(grounded, encoder.as_deref()));
    for item in &mut items {
        item.task = language.in_script(&item.task);
    }
    let decisions: Vec<String> = merge::decisions(decisions)
        .iter()
        .map(|d| language.in_script(d))
        .collect();
    merge_s += t.elapsed().as_secs_f64();

    let before_summary = model_s(&usage);
    let summary = language.in_script(&if notes.len() <= 1 {
        notes.pop().unwrap_or_default()
    } else {
        progress(Stage::Summarizing);
        summarize(llm, &notes, &decisions, language, cancel, &mut usage)?
    });

    let action_items = action_items(&items, &utterances);
    let attendees = attendees(
        opts.attendees.as_deref(),
        &ctx.speakers,
        &utterances,
        directory,
    );
    let local = opts.now.with_timezone(&opts.tz);
    let stats = Stats {
        utterances: utterances.len(),
        chunks: parts.len(),
        prompt_tokens: usage.prompt_tokens,
        cached_prompt_tokens: usage.cached_prompt_tokens,
        completion_tokens: usage.completion_tokens,
        truncated_answers: usage.truncated,
        dropped_items,
        dropped_decisions,
        checked_lines: second_look.len(),
        audio_s: recorded_s.map_or(0.0, round),
        decode_s: audio.map_or(0.0, |a| round(a.decode_s)),
        speech_load_s: audio.map_or(0.0, |a| round(a.load_s)),
        transcribe_s: audio.map_or(0.0, |a| round(a.transcribe_s)),
        speakers_s: audio.map_or(0.0, |a| round(a.speakers_s)),
        speakers_alongside_s: audio.map_or(0.0, |a| round(a.speakers_alongside_s)),
        load_s: 0.0,
        prefill_s: round(usage.prefill_s),
        generate_s: round(usage.generate_s),
        second_look_s: round(second_look_s),
        summary_s: round(model_s(&usage) - before_summary),
        merge_s: round(merge_s),
        total_s: round(started.elapsed().as_secs_f64()),
    };
    Ok(Minutes {
        language: language.code().to_string(),
        title: opts
            .title
            .clone()
            .unwrap_or_else(|| output::default_title(language).to_string()),
        date: local.format("%Y-%m-%d").to_string(),
        meeting_at: local.fixed_offset().to_rfc3339(),
        attendees,
        summary,
        decisions,
        action_items,
        transcript: audio.map(|a| a.json.clone()),
        model: llm.name().to_string(),
        stats,
    })
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn summarize(
    llm: &Llm,
    notes: &[String],
    decisions: &[String],
    language: Language,
    cancel: Option<Arc<AtomicBool>>,
    usage: &mut Usage,
) -> Result<String> {
    let prompt = prompts::minutes::summary(&prompts::minutes::SummaryInput {
        notes,
        decisions,
        language_name: language.prompt_name(),
    })?;
    // A small model asked for three or four sentences may write fifteen, retelling every
    // part; the schema holds it to the length of four, and a sentence the limit cuts
    // off is left out.
    let most = summary_chars(language);
    let mut schema = prompts::minutes::SUMMARY_SCHEMA.json()?;
    schema["properties"]["summary"]["maxLength"] = most.into();
    let schema = Arc::new(Schema::parse(&schema.to_string())?);
    let (text, _) = extract::generate_json(llm, &prompt, schema, SUMMARY_TOKENS, cancel, usage)?;
    #[derive(serde::Deserialize)]
    struct Answer {
        summary: String,
    }
    Ok(match serde_json::from_str::<Answer>(&text) {
        Ok(a) if !a.summary.trim().is_empty() => whole_sentences(a.summary.trim(), most),
        // A cut-off answer: the parts' notes say the same, in more words.
        _ => notes.join(" "),
    })
}

/// Tokens for the summary: more than its characters take in either script.
const SUMMARY_TOKENS: usize = 300;

/// Characters the summary may take: about four sentences (a Chinese sentence says in
/// about 40 characters what an English one says in 130).
fn summary_chars(language: Language) -> usize {
    if language.is_chinese() {
        200
    } else {
        560
    }
}

/// `text` without a last sentence that the length limit `most` cut off (when some
/// sentence before it ended).
fn whole_sentences(text: &str, most: usize) -> String {
    if text.chars().count() < most {
        return text.to_string();
    }
    let ends = |c: char| matches!(c, '.' | '!' | '?' | '。' | '！' | '？');
    match text.char_indices().rev().find(|&(_, c)| ends(c)) {
        Some((i, c)) => text[..i + c.len_utf8()].to_string(),
        None => text.to_string(),
    }
}

fn action_items(items: &[Grounded], utterances: &[transcript::Utterance]) -> Vec<ActionItem> {
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    items
        .iter()
        .map(|g| {
            let u = &utterances[g.source];
            let owner_key = g.owner.as_ref().map_or("-", |p| p.id.as_str());
            let base = format!("{}|{owner_key}", g.source);
            let n = seen.entry(base.clone()).or_default();
            *n += 1;
            let digest = Sha256::digest(format!("{base}|{n}").as_bytes());
            ActionItem {
                id: format!("ai_{}", &hex::encode(digest)[..12]),
                task: g.task.clone(),
                owner: g.owner.clone(),
                owner_text: g.owner_text.clone(),
                due: g.due.clone(),
                source: Source {
                    start: u.start,
                    end: u.end,
                    line: g.source + 1,
                    speaker: u.speaker.as_ref().map(|s| s.name().to_string()),
                    text: g.quote.clone(),
                },
                confirmed: false,
            }
        })
        .collect()
}

/// `--attendees` (names or ids, looked up), or every speaker, in order of first word.
fn attendees(
    given: Option<&[String]>,
    speakers: &[Option<PersonRef>],
    utterances: &[transcript::Utterance],
    directory: &Directory,
) -> Vec<Attendee> {
    let mut out: Vec<Attendee> = Vec::new();
    let mut push = |a: Attendee| {
        if !out
            .iter()
            .any(|o| o.id.is_some() && o.id == a.id || o.name == a.name)
        {
            out.push(a);
        }
    };
    match given {
        Some(names) => {
            for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
                let person = directory.person(name).or_else(|| {
                    directory.find(name).into_iter().find_map(|m| match m.kind {
                        MentionKind::Person(id) => directory.person(&id),
                        _ => None,
                    })
                });
                push(match person {
                    Some(p) => Attendee {
                        id: Some(p.id.clone()),
                        name: p.name.clone(),
                    },
                    None => Attendee {
                        id: None,
                        name: name.to_string(),
                    },
                });
            }
        }
        None => {
            for (s, u) in speakers.iter().zip(utterances) {
                match (s, &u.speaker) {
                    (Some(p), _) => push(Attendee {
                        id: Some(p.id.clone()),
                        name: p.name.clone(),
                    }),
                    (None, Some(label)) => push(Attendee {
                        id: None,
                        name: label.name().to_string(),
                    }),
                    (None, None) => {}
                }
            }
        }
    }
    out
}

/// A meeting's identity for storage: the same transcript at the same time is the same
/// meeting, so processing it again updates it rather than adding a second one.
pub fn meeting_key(transcript: &Transcript, now: &DateTime<FixedOffset>) -> String {
    let mut h = Sha256::new();
    h.update(now.to_rfc3339().as_bytes());
    for u in &transcript.utterances {
        h.update(u.line().as_bytes());
        h.update(b"\n");
    }
    hex::encode(h.finalize())[..24].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_cut_at_its_limit_loses_only_the_cut_sentence() {
        let cut = "The meeting chose a cleaner. Costs were reviewed. The fire inspection is in Jan";
        let most = cut.chars().count();
        assert_eq!(
            whole_sentences(cut, most),
            "The meeting chose a cleaner. Costs were reviewed."
        );
        // Under the limit, the model ended it: kept as written.
        assert_eq!(whole_sentences(cut, most + 1), cut);
        // One sentence only: nothing to fall back on, kept.
        assert_eq!(
            whole_sentences("A long first sentence", 5),
            "A long first sentence"
        );
        let zh = "會議決定聘請新的清潔公司。會上檢討了本季成本。消防檢查定於一";
        assert_eq!(
            whole_sentences(zh, zh.chars().count()),
            "會議決定聘請新的清潔公司。會上檢討了本季成本。"
        );
    }
}
