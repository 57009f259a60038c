//! A second look at single lines. Reading a whole part at once, a small model passes
//! over tasks and decisions, most often in Cantonese and code-switched talk. Code picks
//! the lines whose words look like a task (someone takes one on, is asked for one, or
//! a deadline is set) or a decision, where nothing found so far came from, and the
//! model is asked about each line alone, with the lines around it. What it answers is
//! grounded like everything else it proposes.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use inference::llm::{Llm, Schema};
use serde::Deserialize;

use super::chunks::Chunk;
use super::cues::{asks_for, looks_like_decision, takes_on};
use super::error::Result;
use super::extract::{batches, generate_json_batch_until, Proposed, Usage};
use super::ground::{self, Context, Grounded};
use super::language::Language;
use super::nearby::{self, Side};
use super::text::{content_units, coverage, units};
use crate::timewords;

/// Lines shown before and after the one looked at.
const BEFORE: usize = 2;
const AFTER: usize = 3;
/// Tokens for one answer (a short task or one sentence).
const ANSWER_TOKENS: usize = 120;
/// Lines whose questions are decoded together: a step for eight answers costs about
/// three steps for one on two cores.
const LINE_BATCH: usize = 8;
/// A line shorter than this (in words, or CJK characters) says no task of its own:
/// "OK，冇問題", "Sure, will do".
const MIN_UNITS: usize = 5;
/// How much of a task (words, characters) the line or the one before must have said.
const TASK_SHARE: f64 = 0.5;
/// A decision already found sharing this much of a line's content came from it.
const FOUND_SHARE: f64 = 0.5;

/// Which lines to look at again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    pub tasks: Vec<usize>,
    pub decisions: Vec<usize>,
}

impl Lines {
    pub fn len(&self) -> usize {
        self.tasks.len() + self.decisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The lines that look like a task or a decision and that nothing found so far came
/// from. `items` are the action items kept, `decisions` the decisions kept.
pub fn lines(ctx: &Context<'_>, items: &[Grounded], decisions: &[String]) -> Lines {
    let covered = |i: usize| items.iter().any(|g| g.source == i);
    // A line that calls on someone by name ("Sandy 你 arrange 個 meeting") is covered
    // only by an item of theirs from it or from their answer.
    let covered_for = |i: usize, text: &str| match ctx.called_on(text) {
        Some(called) => items.iter().any(|g| {
            (g.source == i || g.source == i + 1)
                && g.owner.as_ref().is_some_and(|o| o.id == called.id)
        }),
        None => covered(i) || (covered(i + 1) && ground::addresses_someone(text)),
    };
    let found_decisions: Vec<Vec<String>> = decisions.iter().map(|d| content_units(d)).collect();
    let mut out = Lines::default();
    for (i, u) in ctx.utterances.iter().enumerate() {
        let text = u.text.as_str();
        if units(text).len() < MIN_UNITS {
            continue;
        }
        // "I can get the forecast" after a line whose item went to someone else (two
        // people called on in one sentence) is a task of its own.
        let accepts_covered = i > 0
            && ground::says_i(text)
            && items.iter().any(|g| {
                g.source == i - 1
                    && match (&g.owner, &ctx.speakers[i]) {
                        (Some(owner), Some(me)) => owner.id == me.id,
                        _ => true,
                    }
            });
        if !covered_for(i, text) && !accepts_covered && looks_like_task(ctx, text) {
            out.tasks.push(i);
        }
        if looks_like_decision(text) {
            let content = content_units(text);
            let found = found_decisions
                .iter()
                .any(|d| coverage(d, &content) >= FOUND_SHARE);
            if !found {
                out.decisions.push(i);
            }
        }
    }
    out
}

/// Someone takes a task on ("I'll…", "我聽日打畀佢"), is asked for one ("Sandy 你整…",
/// "can you…"), or a deadline is set ("禮拜五之前做晒", "by Friday").
fn looks_like_task(ctx: &Context<'_>, text: &str) -> bool {
    if ground::only_asks(text) {
        return false;
    }
    let deadline = timewords::find(text, ctx.now, ctx.tz)
        .iter()
        .any(|s| s.sets_deadline());
    takes_on(text) || asks_for(text) || deadline
}

/// What one look at a task line answers.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TaskAnswer {
    is_task: bool,
    owner: String,
    task: String,
    due: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DecisionAnswer {
    is_decision: bool,
    decision: String,
}

/// What the second look found, not yet merged with the rest.
#[derive(Debug, Default)]
pub struct Found {
    pub items: Vec<Grounded>,
    pub decisions: Vec<String>,
    /// Answers that proposed something grounding dropped.
    pub dropped_items: usize,
    pub dropped_decisions: usize,
}

/// Asks the model about each of `lines`, calling `progress(done, of)` before each.
pub fn run(
    llm: &Llm,
    ctx: &Context<'_>,
    lines: &Lines,
    language: Language,
    cancel: Option<Arc<AtomicBool>>,
    usage: &mut Usage,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Found> {
    let task_schema = Arc::new(Schema::parse(prompts::minutes::REVIEW_SCHEMA.text())?);
    let decision_schema = Arc::new(Schema::parse(prompts::minutes::DECISION_SCHEMA.text())?);
    let prompt_for = |i: usize, prompt: LinePrompt| -> Result<prompts::ChatPrompt> {
        let lines = |range: std::ops::Range<usize>, side: Side| -> Vec<String> {
            ctx.utterances[range]
                .iter()
                .map(|u| u.line_saying(&nearby::nearest(&u.text, side)))
                .collect()
        };
        let before = lines(i.saturating_sub(BEFORE)..i, Side::Before);
        let after = lines(
            i + 1..(i + 1 + AFTER).min(ctx.utterances.len()),
            Side::After,
        );
        let line = ctx.utterances[i].line();
        Ok(prompt(&prompts::minutes::LineInput {
            before: &before,
            line: &line,
            after: &after,
            language_name: language.prompt_name(),
        })?)
    };
    // The lines' questions are independent: they are decoded in batches.
    let of = lines.len();
    let mut ask =
        |which: &[usize], prompt: LinePrompt, schema: &Arc<Schema>, key: &str, done: usize| {
            let mut answers = Vec::with_capacity(which.len());
            for range in batches(which.len(), LINE_BATCH) {
                let prompts = which[range]
                    .iter()
                    .map(|&i| prompt_for(i, prompt))
                    .collect::<Result<Vec<_>>>()?;
                // A line the model says holds nothing needs no more of its answer.
                let texts = generate_json_batch_until(
                    llm,
                    &prompts,
                    schema.clone(),
                    ANSWER_TOKENS,
                    cancel.clone(),
                    usage,
                    &|so_far| says_false(so_far, key),
                )?;
                answers.extend(texts.into_iter().map(|(text, _)| text));
                progress(done + answers.len(), of);
            }
            Ok::<_, super::error::MinutesError>(answers)
        };
    let task_answers = ask(
        &lines.tasks,
        prompts::minutes::review,
        &task_schema,
        "is_task",
        0,
    )?;
    let decision_answers = ask(
        &lines.decisions,
        prompts::minutes::decision,
        &decision_schema,
        "is_decision",
        lines.tasks.len(),
    )?;
    let mut found = Found::default();
    for (&i, text) in lines.tasks.iter().zip(&task_answers) {
        let answer: TaskAnswer = serde_json::from_str(text).unwrap_or_default();
        if !answer.is_task || answer.task.trim().is_empty() {
            continue;
        }
        if !said_in_line(ctx, i, &answer.task) {
            tracing::debug!(
                task = answer.task,
                line = i,
                "dropped: not what the line says"
            );
            found.dropped_items += 1;
            continue;
        }
        let said = &ctx.utterances[i].text;
        let proposed = Proposed {
            quote: said.clone(),
            owner: checked_owner(ctx, &answer.owner, said),
            task: answer.task,
            due: answer.due,
        };
        match ctx.ground(&proposed, &span(ctx, i, i)) {
            Some(g) => found.items.push(g),
            None => found.dropped_items += 1,
        }
    }
    for (&i, text) in lines.decisions.iter().zip(&decision_answers) {
        let answer: DecisionAnswer = serde_json::from_str(text).unwrap_or_default();
        if !answer.is_decision || answer.decision.trim().is_empty() {
            continue;
        }
        // "Let's go with Second Chance." / "So we go with Second Chance, two years.":
        // a decision is often said over two turns.
        let around = span(ctx, i.saturating_sub(1), i + 1);
        let kept = ctx.keep_decision(&answer.decision, &around).or_else(|| {
            // The model saw a decision in the line but wrote it badly (another line
            // copied, a paraphrase in other words or another language): the line's own
            // words, which code picked for their decision cue, stand for it.
            ctx.keep_decision(&ctx.decision_words(&ctx.utterances[i].text), &around)
        });
        match kept {
            Some(d) => found.decisions.push(d),
            None => found.dropped_decisions += 1,
        }
    }
    Ok(found)
}

/// Whether a JSON answer written so far gives `key` the value `false`
/// (`{"is_task": false` or `{"is_task":false,`), whatever the spacing.
fn says_false(so_far: &str, key: &str) -> bool {
    let compact: String = so_far.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains(&format!("\"{key}\":false"))
}

/// The line itself is the quote, so the task must come from it, or from the request it
/// answers ("Peter, can you chase them?" — "Sure, I'll email them"). A task from
/// further away, from the line before that asked nobody (a model looking at the wrong
/// line), or from nowhere is not the line's.
fn said_in_line(ctx: &Context<'_>, i: usize, task: &str) -> bool {
    if ctx.said_share(task, &span(ctx, i, i)) >= TASK_SHARE {
        return true;
    }
    let Some(before) = i.checked_sub(1).map(|b| &ctx.utterances[b]) else {
        return false;
    };
    let answers_request = ground::addresses_someone(&before.text)
        && before.speaker.is_some()
        && before.speaker != ctx.utterances[i].speaker;
    answers_request && ctx.said_share(task, &span(ctx, i - 1, i)) >= TASK_SHARE
}

/// The prompt for a second look at one line (an action item's or a decision's).
type LinePrompt = fn(&prompts::minutes::LineInput<'_>) -> prompts::Result<prompts::ChatPrompt>;

/// Utterances `first..=last` (cut at the transcript's end), as the part grounding checks
/// an answer against.
fn span(ctx: &Context<'_>, first: usize, last: usize) -> Chunk {
    Chunk {
        first,
        last: last.min(ctx.utterances.len() - 1),
        text: String::new(),
    }
}

/// The model may call the speaker's request to someone else "I": when the line does
/// not take anything on itself, the owner is the one person it calls by name
/// ("Sandy 你…", "Ken, can you…"), or nobody.
fn checked_owner(ctx: &Context<'_>, owner: &str, said: &str) -> String {
    let owner = owner.trim();
    let is_i = matches!(owner.to_lowercase().as_str(), "i" | "me" | "我" | "speaker");
    if !is_i || takes_on(said) {
        return owner.to_string();
    }
    ctx.called_on(said).map(|p| p.name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::directory::Directory;
    use crate::minutes::ground::PersonRef;
    use crate::minutes::test_support::utt;
    use crate::minutes::transcript::Utterance;

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people":[
              {"id":"p001","name":"Chan Tai Man","aliases":["Peter"]},
              {"id":"p010","name":"Leung Ka Wai","aliases":["Kenneth"]},
              {"id":"p012","name":"Chow Pui Shan","aliases":["Sandy"]}]}"#,
        )
        .unwrap()
    }

    fn meeting() -> Vec<Utterance> {
        vec![
            utt(
                "Kenneth",
                "Six percent 有啲進取喎，我覺得要 cap 喺 four percent。",
            ),
            utt(
                "Kenneth",
                "咁就延後。我哋今日就定落嚟：增幅 cap 喺 four percent。",
            ),
            utt(
                "Kenneth",
                "係，Sandy 你重新整過個 allocation，下個禮拜二之前畀我。",
            ),
            utt("Sandy", "OK，冇問題。"),
            utt("Peter", "The headcount plans came in from half the teams."),
            utt("Kenneth", "Peter, can you chase the other heads this week?"),
            utt("Peter", "Sure, I'll email them this afternoon."),
            utt("Peter", "Is the audit fee up again this year?"),
            utt(
                "Kenneth",
                "好，2027 budget 第一輪 review。Peter，你講下個 overall picture 先。",
            ),
            utt(
                "Kenneth",
                "唔使，我自己同佢哋講仲快，我今晚 WhatsApp 佢哋。",
            ),
        ]
    }

    fn ctx<'a>(us: &'a [Utterance], dir: &'a Directory) -> Context<'a> {
        let now = DateTime::parse_from_rfc3339("2026-11-26T10:00:00+08:00").unwrap();
        Context::new(us, dir, now, chrono_tz::Asia::Hong_Kong)
    }

    fn found_at(source: usize) -> Grounded {
        Grounded {
            task: "chase the heads".into(),
            owner: Some(PersonRef {
                id: "p001".into(),
                name: "Chan Tai Man".into(),
            }),
            owner_text: "Peter".into(),
            due: None,
            source,
            quote: String::new(),
        }
    }

    #[test]
    fn an_answer_is_settled_once_it_says_false() {
        assert!(says_false(r#"{"is_task": false"#, "is_task"));
        assert!(says_false("{\n  \"is_task\" :false,", "is_task"));
        assert!(!says_false(r#"{"is_task": true, "owner": "I""#, "is_task"));
        assert!(!says_false(r#"{"is_task": fa"#, "is_task"));
        assert!(!says_false(r#"{"is_decision": false"#, "is_task"));
    }

    #[test]
    fn picks_lines_that_give_or_take_a_task_or_settle_something() {
        let (us, dir) = (meeting(), directory());
        let ctx = ctx(&us, &dir);
        let picked = lines(&ctx, &[], &[]);
        // An opinion (0), a short yes (3), a report (4), a question (7) and a turn to
        // speak (8) are not looked at; the requests (2, 5) and the promises (6, 9) are.
        assert_eq!(picked.tasks, [2, 5, 6, 9]);
        assert_eq!(picked.decisions, [1]);
    }

    #[test]
    fn skips_what_was_found_and_its_ask_or_answer() {
        let (us, dir) = (meeting(), directory());
        let ctx = ctx(&us, &dir);
        // The promise in line 6 was found: its request (5) needs no second look.
        let picked = lines(&ctx, &[found_at(6)], &[]);
        assert_eq!(picked.tasks, [2, 9]);
        // Found at the request: the promise answering it is skipped too.
        assert_eq!(lines(&ctx, &[found_at(5)], &[]).tasks, [2, 9]);
        // The request to Peter (5) whose item went to Sandy, and his promise answering
        // it, are both looked at again.
        let mut sandys = found_at(5);
        sandys.owner = Some(PersonRef {
            id: "p012".into(),
            name: "Chow Pui Shan".into(),
        });
        assert_eq!(lines(&ctx, &[sandys], &[]).tasks, [2, 5, 6, 9]);
        // A decision already found from the line.
        let decided = lines(&ctx, &[], &["增幅 cap 喺 four percent".to_string()]);
        assert!(decided.decisions.is_empty());
    }

    #[test]
    fn a_line_calling_on_someone_is_covered_only_by_their_item() {
        let (us, dir) = (meeting(), directory());
        let ctx = ctx(&us, &dir);
        // Line 2 calls on Sandy; an item of Peter's from it leaves Sandy's task unfound.
        assert!(lines(&ctx, &[found_at(2)], &[]).tasks.contains(&2));
        // Line 5 calls on Peter, and Peter's item came from it.
        assert!(!lines(&ctx, &[found_at(5)], &[]).tasks.contains(&5));
    }

    #[test]
    fn a_task_comes_from_its_line_or_the_request_it_answers() {
        let (us, dir) = (meeting(), directory());
        let ctx = ctx(&us, &dir);
        assert!(said_in_line(&ctx, 2, "重新整過個 allocation"));
        // Peter's "Sure, I'll email them" answers Kenneth's request.
        assert!(said_in_line(&ctx, 6, "chase the other heads"));
        // Kenneth asking Peter to speak (8) and going on himself (9): the task of the
        // line before is not line 9's. Sandy's OK (3) answers line 2, not line 1.
        assert!(!said_in_line(&ctx, 9, "講下個 overall picture"));
        assert!(!said_in_line(&ctx, 3, "cap 喺 four percent"));
        assert!(!said_in_line(&ctx, 6, "book the auditors"));
    }

    #[test]
    fn a_request_the_model_calls_its_own_goes_to_the_one_called_on() {
        let (us, dir) = (meeting(), directory());
        let ctx = ctx(&us, &dir);
        assert_eq!(checked_owner(&ctx, "I", &us[2].text), "Chow Pui Shan");
        assert_eq!(checked_owner(&ctx, "I", &us[5].text), "Chan Tai Man");
        // The speaker does say "I": the model's answer stands.
        assert_eq!(checked_owner(&ctx, "I", &us[6].text), "I");
        // Nobody called on by name: nobody.
        assert_eq!(checked_owner(&ctx, "我", "你交張假紙畀 Kenneth 就得。"), "");
        assert_eq!(checked_owner(&ctx, "Sandy", &us[2].text), "Sandy");
    }
}
