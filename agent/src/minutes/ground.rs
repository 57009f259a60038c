//! The LLM proposes, code verifies. An action item is kept only when the words it
//! quotes are in the transcript (near the part it came from); its owner is the speaker
//! ("I'll…", "我嚟…"), a directory person named near those words, or nobody ("we",
//! a name not in the directory) with what was said kept; its due date is what the
//! time-word parser makes of the due words said there, never a date the model wrote.
//! What the model writes must also say something: a quote or a task that is only a
//! speaker's name, a pronoun or punctuation is dropped, and so is a decision that is
//! too short or shares too little with what was said.

use chrono::{DateTime, Duration, FixedOffset};
use chrono_tz::Tz;

use super::chunks::Chunk;
use super::cues::{
    acts_in_the_meeting, asks_anyone, asks_for, asks_if_free, asks_someone, calls_off, calls_on,
    gives_the_floor, looks_like_decision, only_acknowledges, only_closes, only_informs,
    raises_topic, reads_back, speaks_to_a_group, takes_it_back, takes_on, without_informing,
};
use super::extract::Proposed;
use super::text::{
    content_units, coverage, find_normalized, longest_common, normalize, units, Size,
};
use super::transcript::{split_speaker, SpeakerRef, Utterance};
use crate::directory::{Directory, MentionKind};
use crate::timewords::{self, Value, When};

/// A person of the directory (or an enrolled voice).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// An action item that passed the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Grounded {
    pub task: String,
    pub owner: Option<PersonRef>,
    pub owner_text: String,
    pub due: Option<String>,
    /// The utterance its words are in.
    pub source: usize,
    /// The words, as said.
    pub quote: String,
}

/// Why something the model proposed was not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the task is empty")]
    EmptyTask,
    #[error("the task is only a name, a pronoun or punctuation")]
    TaskOnlyNames,
    #[error("the task only acknowledges (\"收到\", \"OK, noted\")")]
    OnlyAcknowledges,
    #[error("the quote is too short to say a task (under 3 words or 4 CJK characters)")]
    QuoteTooShort,
    #[error("the quote is only names")]
    QuoteOnlyNames,
    #[error("the quoted words are not in what was said")]
    QuoteNotSaid,
    #[error("the quote only asks a question nobody is asked to act on")]
    Question,
    #[error("the words only tell someone not to do something")]
    OnlyForbids,
    #[error("the words only give someone the floor to speak now")]
    GivesTheFloor,
    #[error("the words only do something in the meeting itself (start it, sum it up)")]
    InTheMeeting,
    #[error("the task is only the topic a question raises (\"what about…?\"); nobody takes it on")]
    OnlyRaisesTopic,
    #[error("the speaker only says how things are; nobody takes anything on or asks for it")]
    OnlyStates,
    #[error("the words only tell people where things stand")]
    OnlyInforms,
    #[error("someone else called the task off in the next lines")]
    CalledOff,
    #[error("the words only read back what the meeting decided")]
    ReadsBack,
    #[error("the words record a decision that nobody in particular takes on")]
    IsADecision,
    #[error("nobody takes the task on and nothing in the quote asks for it")]
    NoCommitment,
    #[error("the decision is too short (under 3 words or 4 CJK characters)")]
    DecisionTooShort,
    #[error("the decision is only names")]
    DecisionOnlyNames,
    #[error("the decision is a question")]
    DecisionAsks,
    #[error("the decision is a line of the transcript or someone taking a task on")]
    DecisionIsATask,
    #[error("the decision only closes the meeting or thanks people")]
    DecisionOnlyCloses,
    #[error("the decision shares too little with what was said")]
    DecisionNotSaid,
}

/// The meeting's fixed facts grounding needs.
pub struct Context<'a> {
    pub utterances: &'a [Utterance],
    /// Each utterance's speaker, resolved against the directory.
    pub speakers: Vec<Option<PersonRef>>,
    pub directory: &'a Directory,
    pub now: DateTime<FixedOffset>,
    pub tz: Tz,
}

/// Utterances either side of the quoted one where the owner's name or the due words
/// may have been said ("Fiona, can you…" / "Sure, by Friday").
const OWNER_WINDOW: usize = 3;
const DUE_WINDOW: usize = 2;
/// How much of a quote must be found in one utterance.
const MIN_COVERAGE: f64 = 0.75;
/// How much of a decision must be found in the part it came from (the mean of its
/// words or characters found and its content words or character pairs found).
const DECISION_SHARE: f64 = 0.5;

/// Words (and CJK characters) that name no task when left once names are taken out.
const NOT_CONTENT: &[&str] = &[
    "i", "me", "my", "we", "us", "our", "you", "your", "he", "him", "his", "she", "her", "they",
    "them", "their", "it", "mr", "mrs", "ms", "miss", "dr", "sir", "madam", "and", "or", "the",
    "a", "an", "to", "owner", "speaker", "s", "ll", "我", "你", "您", "佢", "他", "她", "们", "哋",
    "同", "和", "及", "与",
];
/// Titles said with a name (王经理, Amy 小姐): no content either.
const TITLES: &[&str] = &["先生", "小姐", "女士", "经理", "总", "姐", "哥"];

impl<'a> Context<'a> {
    pub fn new(
        utterances: &'a [Utterance],
        directory: &'a Directory,
        now: DateTime<FixedOffset>,
        tz: Tz,
    ) -> Context<'a> {
        let speakers = utterances
            .iter()
            .map(|u| {
                u.speaker
                    .as_ref()
                    .and_then(|s| resolve_speaker(s, directory))
            })
            .collect();
        Context {
            utterances,
            speakers,
            directory,
            now,
            tz,
        }
    }

    /// Checks one proposed item from `chunk`; `None` when it is not backed by the
    /// transcript (the reason is logged).
    pub fn ground(&self, p: &Proposed, chunk: &Chunk) -> Option<Grounded> {
        self.check(p, chunk)
            .inspect_err(|why| {
                tracing::debug!(
                    task = ?p.task,
                    quote = ?p.quote,
                    "dropped a proposed action item: {why}"
                )
            })
            .ok()
    }

    /// Checks one proposed item from `chunk`, saying why it is not kept.
    pub fn check(&self, p: &Proposed, chunk: &Chunk) -> Result<Grounded, Rejection> {
        self.check_quoted(p, chunk, true)
    }

    /// [`Context::check`]; `may_move`: an item whose task is said word for word in
    /// another line than the one quoted is checked again from that line, once.
    fn check_quoted(
        &self,
        p: &Proposed,
        chunk: &Chunk,
        may_move: bool,
    ) -> Result<Grounded, Rejection> {
        let task = p.task.trim();
        if task.is_empty() {
            return Err(Rejection::EmptyTask);
        }
        if self.content_beyond_names(task).is_empty() {
            return Err(Rejection::TaskOnlyNames);
        }
        if only_acknowledges(task) {
            return Err(Rejection::OnlyAcknowledges);
        }
        let said = self.without_speaker_label(p.quote.trim(), chunk);
        if self.content_beyond_names(said).is_empty() {
            return Err(Rejection::QuoteOnlyNames);
        }
        // Names carry no task: "Liu Yang, 你先" is two characters of words.
        if !Size::of(&self.units_beyond_names(said)).says_something() {
            return Err(Rejection::QuoteTooShort);
        }
        let (source, span) = self.locate(said, chunk).ok_or(Rejection::QuoteNotSaid)?;
        if may_move {
            if let Some(line) = self.line_saying(task, source, chunk) {
                tracing::info!(
                    task,
                    "the task is said in line {line}, not in the quoted line {source}"
                );
                let moved = Proposed {
                    quote: self.utterances[line].text.clone(),
                    ..p.clone()
                };
                return self.check_quoted(&moved, chunk, false);
            }
        }
        let text = &self.utterances[source].text;
        let quote = match &span {
            Some(span) => text[span.clone()].to_string(),
            None => text.clone(),
        };
        // The quote's whole sentences: whether they ask or take something on.
        let around = sentences_around(text, span.clone());
        if only_asks(around) {
            return Err(Rejection::Question);
        }
        if only_forbids(around) {
            return Err(Rejection::OnlyForbids);
        }
        // Informing is said of the whole turn ("…the board will look at it in March, I
        // just want you to know where we're heading"), the task in one sentence of it.
        if only_informs(text) && !takes_on(around) && !asks_for(&without_informing(around)) {
            return Err(Rejection::OnlyInforms);
        }
        if gives_the_floor(around) && timewords::find(around, self.now, self.tz).is_empty() {
            return Err(Rejection::GivesTheFloor);
        }
        // "OK, let's start. 今日主要 review 下 campaign。Martin，你份 draft 做成點？":
        // the sentence the task's words are in opens the meeting, whatever the next asks.
        if acts_in_the_meeting(around) || acts_in_the_meeting(sentence_of(around, task)) {
            return Err(Rejection::InTheMeeting);
        }
        if asks_if_free(around) {
            return Err(Rejection::Question);
        }
        // "抽獎禮物呢？去年啲禮物好求其，大家都鬧。": a topic raised, asked of nobody.
        let topic = sentence_of(around, task);
        if raises_topic(topic)
            && !takes_on(around)
            && !asks_for(around)
            && self.directory.find(topic).is_empty()
            && content_units(task)
                .iter()
                .all(|u| content_units(topic).contains(u))
        {
            return Err(Rejection::OnlyRaisesTopic);
        }
        // Where the quote ends within its sentences: "Fiona, you'll get the forecast,
        // and Sandy, you'll do the business case" calls on two people, one per task.
        let quote_end = span
            .as_ref()
            .map(|s| s.end - (around.as_ptr() as usize - text.as_ptr() as usize));
        let called = self.called_on_for(around, task, quote_end);
        let (mut owner, mut owner_text) = self.owner(p.owner.trim(), source);
        // "We should all…", "please submit…": words that ask a group give the task to
        // nobody in particular, unless the owner is named right there.
        if let Some(o) = &owner {
            let named_there = self
                .directory
                .find(text)
                .iter()
                .any(|m| matches!(&m.kind, MentionKind::Person(p) if *p == o.id));
            if asks_a_group(&quote) && !named_there {
                owner = None;
                owner_text = group_words(&quote).unwrap_or_default();
            }
        }
        // "I'll prepare the contract" is the speaker's, whoever the model names.
        if let Some(me) = &self.speakers[source] {
            let mine = owner.as_ref().is_some_and(|o| o.id == me.id);
            if !mine && takes_on(around) && !asks_someone(around) && !asks_anyone(around) {
                tracing::info!(
                    task,
                    "the speaker takes the task on; owner {:?} → {:?}",
                    owner_text,
                    me.name
                );
                owner = Some(me.clone());
                owner_text = self.utterances[source]
                    .speaker
                    .as_ref()
                    .map_or_else(|| me.name.clone(), |s| s.name().to_string());
            }
        }
        // "下個禮拜五前報名畀我": the speaker only receives what is asked of the room;
        // whoever the model names, it is not their task.
        if let Some(me) = &self.speakers[source] {
            let mine = owner.as_ref().is_some_and(|o| o.id == me.id);
            if mine
                && called.is_none()
                && says_i(around)
                && !says_i_as_doer(around)
                && !takes_on(around)
            {
                tracing::info!(
                    task,
                    "the speaker only receives it; owner {owner_text:?} → none"
                );
                owner = None;
                owner_text = group_words(around).unwrap_or_default();
            }
        }
        // "Martin 你 send 份合約畀 Kelly review": a request is the task of the one it
        // calls on, not of someone else it names.
        if let (Some(o), Some(called)) = (&owner, called.clone()) {
            let speakers_own = self.speakers[source]
                .as_ref()
                .is_some_and(|me| me.id == o.id && says_i_as_doer(around));
            if o.id != called.id && !speakers_own {
                tracing::info!(
                    task,
                    "the words call on {:?}; owner {:?} → {:?}",
                    called.name,
                    owner_text,
                    called.name
                );
                owner_text = called.name.clone();
                owner = Some(called);
            }
        }
        // "咁你聽日打電話畀個新經理" — "好，我聽日打畀佢": a request to "you" with no
        // name is the task of the one who answers it.
        // "Can someone write a note?" — "I'll write it today": the one who takes it.
        let to_anyone = asks_anyone(around);
        if called.is_none() && (asks_someone(around) || to_anyone) {
            if let Some(answerer) = self.answerer(source, to_anyone || speaks_to_a_group(around)) {
                let keep = owner.as_ref().is_some_and(|o| {
                    o.id == answerer.id
                        || self.speakers[source]
                            .as_ref()
                            .is_some_and(|me| me.id == o.id && says_i(around))
                });
                if !keep {
                    tracing::info!(
                        task,
                        "asked of the one who answers; owner {:?} → {:?}",
                        owner_text,
                        answerer.name
                    );
                    owner_text = self.utterances[source + 1]
                        .speaker
                        .as_ref()
                        .map_or_else(|| answerer.name.clone(), |s| s.name().to_string());
                    owner = Some(answerer);
                }
            } else if to_anyone {
                let asker = self.speakers[source].as_ref();
                if owner
                    .as_ref()
                    .is_some_and(|o| asker.is_some_and(|me| me.id == o.id))
                {
                    tracing::info!(task, "asked of anyone and nobody took it: no owner");
                    owner = None;
                    owner_text = String::new();
                }
            }
        }
        // "Peter 你 chase 下佢哋" — "好" — "唔使，我自己同佢哋講": taken back. A task
        // the model gave to nobody ("我哋要揾 KOL。Martin 你整埋個 list？") is taken
        // back from the one the line called on.
        let called_in_line = self.called_on(text);
        let taken_back = self.taken_back(source, owner.as_ref().or(called_in_line.as_ref()));
        if let Some((taker, at)) = taken_back.clone() {
            tracing::info!(
                task,
                "taken back; owner {:?} → {:?}",
                owner_text,
                taker.name
            );
            owner_text = self.utterances[at]
                .speaker
                .as_ref()
                .map_or_else(|| taker.name.clone(), |s| s.name().to_string());
            owner = Some(taker);
        }
        if owner.is_none() && !commits(around) && !addresses_someone(around) {
            return Err(Rejection::NoCommitment);
        }
        // "I'll order the badges" — "Actually hold on. Don't order them yourself, Ken."
        if taken_back.is_none() && self.called_off(source, owner.as_ref(), task) {
            return Err(Rejection::CalledOff);
        }
        // "Let me read back what we decided. … Scanners move to badge login.": a
        // decision said again, which the decisions record.
        let before_around = &text[..around.as_ptr() as usize - text.as_ptr() as usize];
        if reads_back(before_around)
            && self.directory.find(around).is_empty()
            && !says_i(around)
            && !addresses_someone(around)
        {
            return Err(Rejection::ReadsBack);
        }
        // "Wi-Fi 真係好鬼煩，尋日我開緊 Zoom…", "From sales, I can say there's demand":
        // the speaker says how things are, unasked, and takes nothing on.
        let speakers_own_line = owner.as_ref().is_some_and(|o| {
            self.speakers[source]
                .as_ref()
                .is_some_and(|me| me.id == o.id)
        });
        if speakers_own_line
            && called.is_none()
            && taken_back.is_none()
            && only_states(around)
            && self.said_due(around).is_none()
            && !self.was_asked(source)
        {
            return Err(Rejection::OnlyStates);
        }
        // "Now we'll start a weekend on-call rota", "我哋 team 決定咗用 Jira": the
        // meeting deciding something, which the decisions record.
        // One with a deadline ("我哋每個人揀三個舊客打電話，禮拜五之前做晒") is a task.
        let deadline = timewords::find(around, self.now, self.tz)
            .iter()
            .any(|s| s.sets_deadline());
        if owner.is_none() && looks_like_decision(around) && !addresses_someone(around) && !deadline
        {
            return Err(Rejection::IsADecision);
        }
        // "我明白。那我們今天就定下來，深圳倉庫增加四個全職崗位。": the speaker settles it
        // for everyone in the sentence the task comes from, taking nothing on.
        if speakers_own_line
            && called.is_none()
            && !deadline
            && !self.was_asked(source)
            && decides_for_everyone(around, task)
        {
            return Err(Rejection::IsADecision);
        }
        // A task taken back is due when its taker says, not when the first owner did.
        let due = match &taken_back {
            Some((_, at)) => self.said_due(&self.utterances[*at].text),
            None => self
                .committed_due(&quote)
                .or_else(|| self.answered_due(source, owner.as_ref()))
                .or_else(|| self.due(p.due.trim(), &quote, source)),
        };
        Ok(Grounded {
            task: task.to_string(),
            owner,
            owner_text,
            due,
            source,
            quote,
        })
    }

    /// The one who gave `owner` the task (asked them in the lines up to `source`) and,
    /// in the two lines after, takes it back ("唔使，我自己…", "never mind, I'll do it
    /// myself"), with the line they said it in.
    fn taken_back(&self, source: usize, owner: Option<&PersonRef>) -> Option<(PersonRef, usize)> {
        let owner = owner?;
        (source + 1..=source + 2).find_map(|at| {
            let text = &self.utterances.get(at)?.text;
            let them = self.speakers.get(at)?.as_ref()?;
            let gave = (source.saturating_sub(2)..=source).any(|k| {
                let asked = &self.utterances[k].text;
                self.speakers[k].as_ref().is_some_and(|s| s.id == them.id)
                    && (self.called_on(asked).is_some_and(|c| c.id == owner.id)
                        || asks_someone(asked))
            });
            (gave && them.id != owner.id && takes_it_back(text) && says_i_as_doer(text))
                .then(|| (them.clone(), at))
        })
    }

    /// Whether, in the two lines after `source`, someone other than `owner` stops them
    /// doing `task` ("Don't order them yourself, Ken"): the stopped words are all the
    /// task's own, beyond names and words that point back at it.
    fn called_off(&self, source: usize, owner: Option<&PersonRef>, task: &str) -> bool {
        const POINTING: &[&str] = &[
            "them",
            "it",
            "that",
            "this",
            "those",
            "these",
            "yourself",
            "yourselves",
            "yet",
            "now",
            "anymore",
            "just",
            "住",
            "了",
            "啦",
            "喇",
            "先",
            "咗",
            "嘅",
            "佢",
            "哋",
            "他",
            "们",
            "們",
        ];
        let Some(owner) = owner else {
            return false;
        };
        let task_units = content_units(task);
        // Units are simplified (訂 → 订): the task is compared in the same script.
        let task_chars: Vec<char> = units(task).concat().chars().collect();
        let in_task = |unit: &str| {
            if unit.chars().all(|c| !c.is_ascii()) {
                unit.chars().all(|c| task_chars.contains(&c))
            } else {
                task_units
                    .iter()
                    .any(|t| t == unit || (unit.len() >= 4 && t.starts_with(unit)))
            }
        };
        (source + 1..=source + 2).any(|at| {
            let (Some(u), Some(Some(them))) = (self.utterances.get(at), self.speakers.get(at))
            else {
                return false;
            };
            if them.id == owner.id {
                return false;
            }
            let Some(stopped) = calls_off(&u.text) else {
                return false;
            };
            let words: Vec<String> = self
                .content_beyond_names(&stopped)
                .into_iter()
                .filter(|w| !POINTING.contains(&w.as_str()))
                .collect();
            !words.is_empty() && words.iter().all(|w| in_task(w))
        })
    }

    /// Who answers the line at `source`: the next line's speaker, when known and not
    /// the same. A request to a group (`to_group`) is answered for it only by someone
    /// who takes it on ("我會負責跟進").
    pub(super) fn answerer(&self, source: usize, to_group: bool) -> Option<PersonRef> {
        let next = self.utterances.get(source + 1)?;
        let them = self.speakers.get(source + 1)?.as_ref()?;
        if self.speakers[source]
            .as_ref()
            .is_some_and(|me| me.id == them.id)
        {
            return None;
        }
        if to_group && !(says_i(&next.text) && takes_on(&next.text)) {
            return None;
        }
        Some(them.clone())
    }

    /// The due date the owner gives when answering the request at `source` in the
    /// next line ("Martin 你 send 份合約畀 Kelly review 啦" — "OK，我今日 send 畀佢").
    fn answered_due(&self, source: usize, owner: Option<&PersonRef>) -> Option<String> {
        let owner = owner?;
        let asker = self.speakers[source].as_ref();
        if asker.is_some_and(|me| me.id == owner.id) {
            return None;
        }
        let next = self.utterances.get(source + 1)?;
        let them = self.speakers.get(source + 1)?.as_ref()?;
        (them.id == owner.id && (takes_on(&next.text) || commits(&next.text)))
            .then(|| self.said_due(&next.text))
            .flatten()
    }

    /// Whether the line before `source`, by someone else, asks its speaker (or the
    /// room) for something: then even a bare "Friday, no problem" answers a request.
    fn was_asked(&self, source: usize) -> bool {
        let Some(before) = source.checked_sub(1) else {
            return false;
        };
        let me = self.speakers[source].as_ref();
        let them = self.speakers[before].as_ref();
        if me.is_some_and(|me| them.is_some_and(|t| t.id == me.id)) {
            return false;
        }
        let asked = &self.utterances[before].text;
        asks_for(asked)
            || asks_someone(asked)
            || asks_anyone(asked)
            || speaks_to_a_group(asked)
            || me.is_some_and(|me| self.called_on(asked).is_some_and(|c| c.id == me.id))
    }

    /// The one person `text` calls on by name ("Sandy 你…", "Ken, can you…"); none when
    /// it calls on nobody or on several.
    pub(super) fn called_on(&self, text: &str) -> Option<PersonRef> {
        self.called_on_for(text, "", None)
    }

    /// As [`Self::called_on`]; when several are called on ("Fiona, you'll get the
    /// forecast, and Sandy, you'll do the business case"), the one whose part of the
    /// line holds most of `task`'s words, or else the last one called on before the
    /// quote ends at `end`.
    fn called_on_for(&self, text: &str, task: &str, end: Option<usize>) -> Option<PersonRef> {
        let mentions: Vec<(usize, String)> = self
            .directory
            .find(text)
            .into_iter()
            .filter_map(|m| match m.kind {
                MentionKind::Person(id) if calls_on(&text[m.end..]) => Some((m.start, id)),
                _ => None,
            })
            .collect();
        let mut ids: Vec<&String> = mentions.iter().map(|(_, id)| id).collect();
        ids.dedup();
        let id = match ids.as_slice() {
            [] => return None,
            [id] => (*id).clone(),
            _ => {
                // Each one's part runs from their name to the next name called on.
                let words: Vec<String> = content_units(task)
                    .into_iter()
                    .filter(|w| w.chars().count() >= 4 || !w.is_ascii())
                    .collect();
                let scores: Vec<usize> = (0..mentions.len())
                    .map(|i| {
                        let stop = mentions.get(i + 1).map_or(text.len(), |(s, _)| *s);
                        let part = content_units(&text[mentions[i].0..stop]);
                        words.iter().filter(|w| part.contains(w)).count()
                    })
                    .collect();
                let top = scores.iter().copied().max().unwrap_or(0);
                let clear = top > 0 && scores.iter().filter(|&&n| n == top).count() == 1;
                match end {
                    _ if clear => {
                        let i = scores.iter().position(|&n| n == top).unwrap_or(0);
                        mentions[i].1.clone()
                    }
                    Some(end) => mentions
                        .iter()
                        .rev()
                        .find(|(start, _)| *start < end)
                        .map(|(_, id)| id.clone())?,
                    None => return None,
                }
            }
        };
        self.directory.person(&id).map(|p| PersonRef {
            id: p.id.clone(),
            name: p.name.clone(),
        })
    }

    /// Checks a decision from `chunk`: it must say something beyond names, and share
    /// enough with the words said in the part — compared on words and on CJK characters
    /// and their pairs, never on spaces alone, so Chinese is judged on what it says.
    pub fn decision(&self, decision: &str, chunk: &Chunk) -> Result<String, Rejection> {
        let mut d = decision.trim();
        // A line copied with its speaker's name is the words said: they stand as the
        // decision when they carry one ("張偉: 今年還是分開辦吧。這個就這麼定了。"), and a
        // line without one (a task taken on, thanks) is not a decision at all.
        if let Some((label, said)) = split_speaker(d) {
            let a_speaker = self
                .utterances
                .iter()
                .any(|u| u.speaker.as_ref().is_some_and(|s| s.name() == label.trim()));
            if a_speaker {
                if !looks_like_decision(said) {
                    return Err(Rejection::DecisionIsATask);
                }
                d = said.trim();
            }
        }
        if sentences(d).iter().all(|(_, question)| *question) {
            return Err(Rejection::DecisionAsks);
        }
        if only_closes(d) {
            return Err(Rejection::DecisionOnlyCloses);
        }
        // Only the sentences that settle something: "好，就定觀塘。我聽日去簽合約。" keeps
        // the first; "Amy will send the design by December 4th" is a task, not this.
        let words = self.decision_words(d);
        let d = words.as_str();
        if d.is_empty() {
            return Err(Rejection::DecisionIsATask);
        }
        if self.content_beyond_names(d).is_empty() {
            return Err(Rejection::DecisionOnlyNames);
        }
        if !Size::of(&self.units_beyond_names(d)).says_something() {
            return Err(Rejection::DecisionTooShort);
        }
        if takes_on(d) {
            return Err(Rejection::DecisionIsATask);
        }
        if self.said_share(d, chunk) < DECISION_SHARE {
            return Err(Rejection::DecisionNotSaid);
        }
        Ok(d.to_string())
    }

    /// How much of `text` was said in `chunk`: the mean of its words or characters
    /// found and its content words or character pairs found.
    pub fn said_share(&self, text: &str, chunk: &Chunk) -> f64 {
        let said = self.part_utterances(chunk);
        let said_units: Vec<String> = said.iter().flat_map(|u| units(&u.text)).collect();
        let said_content: std::collections::HashSet<String> =
            said.iter().flat_map(|u| content_units(&u.text)).collect();
        let content = content_units(text);
        let content_share = if content.is_empty() {
            0.0
        } else {
            content.iter().filter(|u| said_content.contains(*u)).count() as f64
                / content.len() as f64
        };
        (coverage(&units(text), &said_units) + content_share) / 2.0
    }

    /// The sentences of a line that record what it settles: all but those that ask,
    /// take a task on, set a deadline or only close the meeting ("啱，下個禮拜五前報名畀
    /// 我。仲有，晚宴日期定咗一月二十三號。" → the date).
    pub fn decision_words(&self, line: &str) -> String {
        let sets_deadline = |s: &str| {
            timewords::find(s, self.now, self.tz)
                .iter()
                .any(|t| t.sets_deadline())
        };
        sentences(line)
            .into_iter()
            .filter(|(s, question)| {
                !(*question || takes_on(s) || asks_for(s) || only_closes(s) || sets_deadline(s))
            })
            .map(|(s, _)| s)
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// Like [`Context::decision`], logging why a decision is dropped.
    pub fn keep_decision(&self, decision: &str, chunk: &Chunk) -> Option<String> {
        self.decision(decision, chunk)
            .inspect_err(|why| tracing::debug!("dropped a decision {decision:?}: {why}"))
            .ok()
    }

    fn part_utterances(&self, chunk: &Chunk) -> &[Utterance] {
        let last = chunk.last.min(self.utterances.len().saturating_sub(1));
        &self.utterances[chunk.first.min(last)..=last]
    }

    /// The line of `chunk` that says `task` nearly word for word, when the quoted line
    /// `source` and its neighbours share almost none of it: the model quoted the wrong
    /// line ("仓库的出货量是一万两千三百箱…" for "增加四个全职岗位").
    fn line_saying(&self, task: &str, source: usize, chunk: &Chunk) -> Option<usize> {
        const NEAR_AT_MOST: f64 = 0.3;
        const ELSEWHERE_AT_LEAST: f64 = 0.8;
        let wanted = content_units(task);
        if wanted.len() < 3 {
            return None;
        }
        let share = |i: usize| coverage(&wanted, &content_units(&self.utterances[i].text));
        let last = chunk.last.min(self.utterances.len().saturating_sub(1));
        let near = (source.saturating_sub(1)..=(source + 1).min(last))
            .map(share)
            .fold(0.0, f64::max);
        if near > NEAR_AT_MOST {
            return None;
        }
        (chunk.first..=last)
            .map(|i| (i, share(i)))
            .filter(|(_, s)| *s >= ELSEWHERE_AT_LEAST)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }

    /// The model may copy a line with its speaker (`Amy Wong: I'll send it`); the
    /// name is not part of what was said.
    fn without_speaker_label<'q>(&self, quote: &'q str, chunk: &Chunk) -> &'q str {
        let Some((label, words)) = split_speaker(quote) else {
            return quote;
        };
        let label = normalize(label);
        let speaks = self.window(chunk).any(|i| {
            self.utterances[i]
                .speaker
                .as_ref()
                .is_some_and(|s| normalize(s.name()) == label)
        });
        if speaks {
            words
        } else {
            quote
        }
    }

    /// The utterances of `chunk` and one either side.
    fn window(&self, chunk: &Chunk) -> std::ops::RangeInclusive<usize> {
        let to = (chunk.last + 1).min(self.utterances.len().saturating_sub(1));
        chunk.first.saturating_sub(1).min(to)..=to
    }

    /// The units of `text` that say something once people's names (directory names
    /// and aliases, the meeting's speakers), titles and pronouns are taken out.
    fn content_beyond_names(&self, text: &str) -> Vec<String> {
        let mut left = self.units_beyond_names(text);
        left.retain(|u| !NOT_CONTENT.contains(&u.as_str()));
        left
    }

    /// The units of `text` once people's names and titles are taken out.
    fn units_beyond_names(&self, text: &str) -> Vec<String> {
        let mut rest = String::with_capacity(text.len());
        let mut at = 0;
        for m in self.directory.find(text) {
            if matches!(
                m.kind,
                MentionKind::Person(_) | MentionKind::AmbiguousPerson(_)
            ) && m.start >= at
            {
                rest.push_str(&text[at..m.start]);
                rest.push(' ');
                at = m.end;
            }
        }
        rest.push_str(&text[at..]);
        let mut left = units(&rest);
        let speakers = self
            .utterances
            .iter()
            .filter_map(|u| u.speaker.as_ref().map(|s| units(s.name())));
        for name in speakers.chain(TITLES.iter().map(|t| units(t))) {
            remove_runs(&mut left, &name);
        }
        left
    }

    /// The utterance (in or next to the chunk) holding the quote, and where in its
    /// text the quote is when it is there word for word.
    fn locate(
        &self,
        quote: &str,
        chunk: &Chunk,
    ) -> Option<(usize, Option<std::ops::Range<usize>>)> {
        let q = normalize(quote);
        let q_units = units(quote);
        if q_units.len() < 2 && q.chars().count() < 3 {
            return None;
        }
        let mut best: Option<(usize, f64)> = None;
        for i in self.window(chunk) {
            // Only the words said: a speaker's name in front of them is no quote.
            let text = &self.utterances[i].text;
            if let Some(span) = find_normalized(text, quote) {
                return Some((i, Some(span)));
            }
            let n = normalize(text);
            let cov = coverage(&q_units, &units(text));
            let run = longest_common(&q, &n) as f64 / q.chars().count().max(1) as f64;
            let score = cov.min(run + 0.4);
            if cov >= MIN_COVERAGE && run >= 0.35 && best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
        best.map(|(i, _)| (i, None))
    }

    fn owner(&self, said: &str, source: usize) -> (Option<PersonRef>, String) {
        let speaker_name = || {
            self.utterances[source]
                .speaker
                .as_ref()
                .map(|s| s.name().to_string())
        };
        let lower = said.to_lowercase();
        if said.is_empty() {
            return (None, String::new());
        }
        if is_self(&lower) {
            return match &self.speakers[source] {
                Some(p) => (Some(p.clone()), said.to_string()),
                None => (None, speaker_name().unwrap_or_else(|| said.to_string())),
            };
        }
        if is_group(&lower) {
            return (None, said.to_string());
        }
        let people: Vec<String> = self
            .directory
            .find(said)
            .into_iter()
            .filter_map(|m| match m.kind {
                MentionKind::Person(id) => Some(id),
                _ => None,
            })
            .collect();
        let [id] = people.as_slice() else {
            return (None, said.to_string());
        };
        // The model may name anyone; keep the person only if they spoke or were named
        // near the quoted words.
        let from = source.saturating_sub(OWNER_WINDOW);
        let to = (source + OWNER_WINDOW).min(self.utterances.len() - 1);
        let near = (from..=to).any(|i| {
            self.speakers[i].as_ref().is_some_and(|p| &p.id == id)
                || self
                    .directory
                    .find(&self.utterances[i].text)
                    .iter()
                    .any(|m| matches!(&m.kind, MentionKind::Person(p) if p == id))
        });
        if !near {
            tracing::info!("owner {said:?} is not named near the quoted words; left unassigned");
            return (None, said.to_string());
        }
        let person = self.directory.person(id).map(|p| PersonRef {
            id: p.id.clone(),
            name: p.name.clone(),
        });
        (person, said.to_string())
    }

    /// The time in the words that take the task on ("renewal 今個禮拜到期，我今日會
    /// renew" is due 今日; "I'll send it by Friday" by Friday): the clause where the
    /// speaker says they will do it is where its due date is, whatever other times the
    /// quote names.
    /// The due date the time words of `text` give (a deadline first, else a day or a
    /// time), if any.
    pub(super) fn said_due(&self, text: &str) -> Option<String> {
        let spans = timewords::find(text, self.now, self.tz);
        spans
            .iter()
            .find(|s| s.sets_deadline())
            .or_else(|| {
                spans
                    .iter()
                    .find(|s| matches!(s.point(), Value::Date(_) | Value::DateTime(_)))
            })
            .and_then(|s| self.render_due(&s.point()))
    }

    fn committed_due(&self, quote: &str) -> Option<String> {
        quote
            .split([',', '，', '.', '。', ';', '；', '!', '！', '?', '？', '、'])
            .filter(|clause| says_i(clause) && commits(clause))
            .find_map(|clause| self.said_due(clause))
    }

    /// The due date: the time words the model names, if they were said near the
    /// quote; or, when it names none, a deadline in the quoted words themselves.
    pub(super) fn due(&self, said: &str, quote: &str, source: usize) -> Option<String> {
        if said.is_empty() {
            let spans = timewords::find(quote, self.now, self.tz);
            return spans
                .iter()
                .find(|s| s.sets_deadline())
                .or_else(|| {
                    spans
                        .iter()
                        .find(|s| matches!(s.point(), Value::Date(_) | Value::DateTime(_)))
                })
                .and_then(|s| self.render_due(&s.point()));
        }
        let value = timewords::find(said, self.now, self.tz)
            .into_iter()
            .find_map(|s| self.render_due(&s.point()))?;
        let from = source.saturating_sub(DUE_WINDOW);
        let to = (source + DUE_WINDOW).min(self.utterances.len() - 1);
        let said_norm = normalize(said);
        for i in from..=to {
            let text = &self.utterances[i].text;
            if normalize(text).contains(&said_norm) {
                return Some(value);
            }
            let again = timewords::find(text, self.now, self.tz)
                .iter()
                .any(|s| self.render_due(&s.point()).as_deref() == Some(value.as_str()));
            if again {
                return Some(value);
            }
        }
        tracing::info!("due words {said:?} were not said near the item; no due date");
        None
    }

    /// A due value as `YYYY-MM-DD` or RFC 3339; `None` for what is not a due date
    /// (a past day, an impossible date).
    fn render_due(&self, value: &Value) -> Option<String> {
        let when = match value {
            Value::Deadline(w) => *w,
            Value::Date(d) => When::Date(*d),
            Value::DateTime(t) => When::DateTime(*t),
            Value::Interval { end, .. } => *end,
            Value::Recurrence { first, .. } => *first,
            Value::Duration { minutes } => {
                let at = self.now + Duration::minutes(i64::from(*minutes));
                if *minutes >= 24 * 60 {
                    When::Date(at.with_timezone(&self.tz).date_naive())
                } else {
                    When::DateTime(at)
                }
            }
            Value::InvalidDate { .. } => return None,
        };
        let today = self.now.with_timezone(&self.tz).date_naive();
        let day = match when {
            When::Date(d) => d,
            When::DateTime(t) => t.with_timezone(&self.tz).date_naive(),
        };
        (day >= today).then(|| when.render())
    }
}

/// The sentences of `text` the quote at `span` is in (all of `text` when the quote was
/// not found word for word).
fn sentences_around(text: &str, span: Option<std::ops::Range<usize>>) -> &str {
    let Some(span) = span else {
        return text;
    };
    let ends = |c: char| matches!(c, '.' | '!' | '?' | ';' | '。' | '！' | '？' | '；');
    let start = text[..span.start]
        .char_indices()
        .rev()
        .find(|&(_, c)| ends(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[span.end..]
        .char_indices()
        .find(|&(_, c)| ends(c))
        .map_or(text.len(), |(i, c)| span.end + i + c.len_utf8());
    &text[start..end]
}

/// The sentence of `text` that holds most of `task`'s content words (all of `text`
/// when none holds any).
fn sentence_of<'t>(text: &'t str, task: &str) -> &'t str {
    let words = content_units(task);
    sentences(text)
        .into_iter()
        .map(|(s, _)| {
            let units = content_units(s);
            (words.iter().filter(|w| units.contains(w)).count(), s)
        })
        .filter(|(n, _)| *n > 0)
        .max_by_key(|(n, _)| *n)
        .map_or(text, |(_, s)| s)
}

/// Whether the sentence of `text` that holds `task` settles something without anyone
/// taking it on: a decision cue, no "I" and nobody addressed.
fn decides_for_everyone(text: &str, task: &str) -> bool {
    let task_units = units(task);
    sentences(text).into_iter().any(|(s, question)| {
        !question
            && looks_like_decision(s)
            && !says_i(s)
            && !addresses_someone(s)
            && coverage(&task_units, &units(s)) >= 0.5
    })
}

/// The sentences of `quote`, each with whether it is a question.
fn sentences(quote: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in quote.char_indices() {
        if matches!(c, '.' | '!' | '?' | ';' | '。' | '！' | '？' | '；') {
            let end = i + c.len_utf8();
            out.push((&quote[start..end], matches!(c, '?' | '？')));
            start = end;
        }
    }
    out.push((&quote[start..], false));
    out.retain(|(s, _)| s.chars().any(char::is_alphanumeric));
    out
}

/// "Is the upgrade still happening?", "Restore test 幾時有結果？": questions that ask no
/// one to do anything, and nothing else in the quote that takes a task on. A question
/// put to someone ("Amy, can you…?", "你 call vendor？") is a request, not this.
pub(super) fn only_asks(said: &str) -> bool {
    let all = sentences(said);
    all.iter().any(|(_, q)| *q)
        && all.iter().all(|(s, q)| {
            if *q {
                !addresses_someone(s)
            } else {
                !commits(s)
            }
        })
}

/// "Please don't sing", "唔好住", "不用大家操心": words that only hold someone back, with
/// nothing taken on and nothing to remember.
fn only_forbids(said: &str) -> bool {
    const NOT: &[&str] = &[
        "don't", "do not", "dont", "no need", "唔好", "不要", "別", "别", "唔使", "不用", "不必",
    ];
    const REMEMBER: &[&str] = &["forget", "記得", "记得", "忘"];
    let lower = said.to_lowercase().replace('’', "'");
    NOT.iter().any(|w| lower.contains(w))
        && !REMEMBER.iter().any(|w| lower.contains(w))
        && !takes_on(said)
}

pub(super) fn addresses_someone(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .any(|w| {
            matches!(
                w,
                "you" | "your" | "you'll" | "you're" | "anyone" | "somebody" | "someone"
            )
        })
        || sentence.contains(['你', '您', '妳'])
}

/// Words that take a task on, ask for one or set its time: a quote without any of them
/// ("operating costs came in under budget") is a report, not an action item.
pub(super) fn commits(quote: &str) -> bool {
    const WORDS: &[&str] = &[
        "will",
        "'ll",
        "going to",
        "gonna",
        "need",
        "needs",
        "should",
        "must",
        "have to",
        "has to",
        "got to",
        "can you",
        "could you",
        "would you",
        "let's",
        "lets",
        "please",
        "shall",
        "i can",
        "make sure",
        "remember",
        "sure",
        "ok",
        "okay",
        "by",
        "before",
        "tomorrow",
        "tonight",
        "next",
        "today",
        "this week",
        "asap",
        "take care",
        "handle",
        "own",
        "on it",
        "leave it with me",
        "put it",
        "i'll",
        "we'll",
        "want you",
    ];
    const CJK: &[&str] = &[
        "會",
        "会",
        "要",
        "得",
        "嚟",
        "来",
        "去",
        "請",
        "请",
        "記得",
        "记得",
        "負責",
        "负责",
        "搞掂",
        "跟進",
        "跟进",
        "安排",
        "準備",
        "准备",
        "前",
        "聽日",
        "明天",
        "今日",
        "今天",
        "下個",
        "下个",
        "可以",
        "好",
        "冇問題",
        "没问题",
        "處理",
        "处理",
        "整",
        "做",
        "交",
        "發",
        "发",
        "打",
        "覆",
    ];
    let lower = format!(" {} ", quote.to_lowercase().replace('’', "'"));
    let words: String = lower
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '\'' {
                c
            } else {
                ' '
            }
        })
        .collect();
    let words = format!(
        " {} ",
        words.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    WORDS.iter().any(|w| {
        if w.starts_with('\'') {
            words.contains(&format!("{w} "))
        } else {
            words.contains(&format!(" {w} "))
        }
    }) || CJK.iter().any(|w| quote.contains(w))
}

/// Takes every run of `name`'s units out of `units`.
fn remove_runs(units: &mut Vec<String>, name: &[String]) {
    if name.is_empty() {
        return;
    }
    let mut i = 0;
    while i + name.len() <= units.len() {
        if units[i..i + name.len()] == *name {
            units.drain(i..i + name.len());
        } else {
            i += 1;
        }
    }
}

/// The speaker as a directory person: an enrolled voice's id, or a name looked up.
pub fn resolve_speaker(s: &SpeakerRef, directory: &Directory) -> Option<PersonRef> {
    match s {
        SpeakerRef::Person { id: Some(id), name } => Some(match directory.person(id) {
            Some(p) => PersonRef {
                id: p.id.clone(),
                name: p.name.clone(),
            },
            None => PersonRef {
                id: id.clone(),
                name: name.clone(),
            },
        }),
        SpeakerRef::Person { id: None, name } | SpeakerRef::Label(name) => {
            let ids: Vec<String> = directory
                .find(name)
                .into_iter()
                .filter_map(|m| match m.kind {
                    MentionKind::Person(id) => Some(id),
                    _ => None,
                })
                .collect();
            match ids.as_slice() {
                [id] => directory.person(id).map(|p| PersonRef {
                    id: p.id.clone(),
                    name: p.name.clone(),
                }),
                _ => None,
            }
        }
    }
}

/// Words that give a task to a group, and none that take it on oneself.
/// "Please submit them by Monday", "大家記得交": the room is asked, and the speaker
/// does not take it on ("One more from me" is not "I'll"); "We'll all finish the
/// training, including me. I admit it": the sentence that asks is the group's.
fn asks_a_group(quote: &str) -> bool {
    !takes_on(quote)
        && sentences(quote)
            .iter()
            .any(|(s, _)| group_words(s).is_some() && !says_i_as_doer(s))
}

/// Words that neither take anything on nor ask anyone for anything: how things are.
fn only_states(said: &str) -> bool {
    !takes_on(said)
        && !asks_for(said)
        && !asks_someone(said)
        && !asks_anyone(said)
        && group_words(said).is_none()
}

pub(super) fn group_words(quote: &str) -> Option<String> {
    const WORDS: &[&str] = &[
        "we",
        "let's",
        "lets",
        "us",
        "everyone",
        "everybody",
        "all",
        "each",
        "please",
        "you",
    ];
    const CJK: &[&str] = &[
        "我哋", "我地", "我們", "我们", "大家", "各自", "每個", "每个", "各位", "請", "请",
    ];
    let lower = quote.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .collect();
    WORDS
        .iter()
        .find(|w| words.contains(w))
        .map(|w| w.to_string())
        .or_else(|| {
            CJK.iter()
                .find(|w| quote.contains(*w))
                .map(|w| w.to_string())
        })
}

/// "I", "I'll", "me", "my", or 我 not followed by 哋/地/們/们.
pub(super) fn says_i(quote: &str) -> bool {
    let lower = quote.to_lowercase();
    let latin = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .any(|w| {
            matches!(
                w,
                "i" | "i'll" | "i'm" | "i've" | "i'd" | "me" | "my" | "myself"
            )
        });
    let chars: Vec<char> = quote.chars().collect();
    let cjk = chars
        .iter()
        .enumerate()
        .any(|(i, &c)| c == '我' && !chars.get(i + 1).is_some_and(|n| "哋地們们".contains(*n)));
    latin || cjk
}

/// Whether "I" is the one who acts: "I'll…", "我會…" — not "get me the forecast",
/// "send it to my team", "交畀我".
fn says_i_as_doer(quote: &str) -> bool {
    const RECEIVES: &str = "畀俾給给同跟向幫帮問问";
    let lower = quote.to_lowercase().replace('’', "'");
    let latin = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .any(|w| matches!(w, "i" | "i'll" | "i'm" | "i've" | "i'd" | "myself"));
    let chars: Vec<char> = quote.chars().collect();
    let cjk = chars.iter().enumerate().any(|(i, &c)| {
        c == '我'
            && !chars.get(i + 1).is_some_and(|n| "哋地們们".contains(*n))
            && !chars[..i]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .is_some_and(|p| RECEIVES.contains(*p))
    });
    latin || cjk
}

fn is_self(lower: &str) -> bool {
    matches!(
        lower,
        "i" | "me"
            | "myself"
            | "i'll"
            | "speaker"
            | "the speaker"
            | "我"
            | "我自己"
            | "本人"
            | "自己"
    )
}

fn is_group(lower: &str) -> bool {
    const GROUP: &[&str] = &[
        "we",
        "us",
        "everyone",
        "everybody",
        "all",
        "we all",
        "all of us",
        "each",
        "team",
        "the team",
        "let's",
        "everyone else",
        "each of us",
        "我哋",
        "我地",
        "我們",
        "我们",
        "大家",
        "各位",
        "每個人",
        "每个人",
        "各自",
        "我哋各自",
        "全部人",
        "大家一齊",
        "大家一起",
    ];
    GROUP.contains(&lower)
        || lower.starts_with("we ")
        || lower.starts_with("all ")
        || lower.starts_with("我哋")
        || lower.starts_with("我們")
        || lower.starts_with("我们")
        || lower.starts_with("大家")
        || lower.starts_with("每個")
        || lower.starts_with("每个")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minutes::test_support::utt;

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people":[
              {"id":"p001","name":"Chan Tai Man","aliases":["陳大文","大文","Peter"]},
              {"id":"p002","name":"Wong Mei Ling","aliases":["Amy"]},
              {"id":"p003","name":"Lee Ka Kit","aliases":["Ken"]}]}"#,
        )
        .unwrap()
    }

    fn proposed(quote: &str, owner: &str, due: &str) -> Proposed {
        Proposed {
            quote: quote.into(),
            owner: owner.into(),
            task: "do it".into(),
            due: due.into(),
        }
    }

    #[test]
    fn a_request_is_the_task_of_the_one_called_on() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Ken 你 send 份合約畀 Amy review 啦。"),
            utt("Amy", "Peter 你 send 啲數字畀我，我 compile。"),
            utt("Peter", "Please ask Amy to book the room."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let owner = |quote: &str, named: &str| {
            ctx.ground(&proposed(quote, named, ""), &chunk)
                .and_then(|g| g.owner)
                .map(|o| o.id)
        };
        // The model names the one the contract goes to; Ken was asked.
        assert_eq!(
            owner("Ken 你 send 份合約畀 Amy review 啦", "Amy").as_deref(),
            Some("p003")
        );
        assert_eq!(
            owner("Ken 你 send 份合約畀 Amy review 啦", "Ken").as_deref(),
            Some("p003")
        );
        // The speaker's own part of the line stays hers.
        assert_eq!(
            owner("Peter 你 send 啲數字畀我，我 compile", "I").as_deref(),
            Some("p002")
        );
        assert_eq!(
            owner("Peter 你 send 啲數字畀我，我 compile", "Peter").as_deref(),
            Some("p001")
        );
        // Nobody is called on: the model's owner stands.
        assert_eq!(
            owner("Please ask Amy to book the room", "Amy").as_deref(),
            Some("p002")
        );
    }

    #[test]
    fn a_request_to_you_is_the_task_of_the_one_who_answers() {
        let dir = directory();
        let us = vec![
            utt("Peter", "咁你聽日打電話畀個新經理，約佢出嚟飲茶。"),
            utt("Amy", "好，我聽日打畀佢。"),
            utt("Peter", "你哋整一份新嘅 profile，最好下個禮拜三前有。"),
            utt(
                "Amy",
                "冇問題，我叫文傑整，不過我會負責跟進，下個禮拜三前畀你。",
            ),
            utt("Peter", "你哋記得交 timesheet。"),
            utt("Ken", "OK。"),
            utt("Peter", "Thank you, I'll chase the landlord tomorrow."),
            utt("Ken", "Great."),
            utt(
                "Ken",
                "Can someone write a short note for customers? Something I can send.",
            ),
            utt(
                "Amy",
                "I'll write the customer note today and send it to you.",
            ),
            utt("Peter", "有冇人可以跟進下個 vendor？"),
            utt("Ken", "OK。"),
            utt("Peter", "咁 Ken 你 chase 下 Amy。"),
            utt("Ken", "好，我今日 send email chase 佢。"),
            utt("Peter", "唔使，我自己同佢講仲快，我今晚 WhatsApp 佢。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let owner = |quote: &str, named: &str| {
            ctx.ground(&proposed(quote, named, ""), &chunk)
                .and_then(|g| g.owner)
                .map(|o| o.id)
        };
        // Asked of "you": Amy answers it, whoever the model names.
        for named in ["我哋", "Peter", ""] {
            assert_eq!(
                owner("咁你聽日打電話畀個新經理", named).as_deref(),
                Some("p002")
            );
        }
        // Asked of a team: the one who takes it on for them.
        assert_eq!(
            owner("你哋整一份新嘅 profile", "Peter").as_deref(),
            Some("p002")
        );
        // "…畀你" is where it goes, not who does it: Amy's own promise.
        assert_eq!(
            owner("我會負責跟進，下個禮拜三前畀你", "文傑").as_deref(),
            Some("p002")
        );
        // A team told, nobody taking it on: nobody.
        assert_eq!(owner("你哋記得交 timesheet", "we"), None);
        // "Thank you" asks nothing: the speaker's own promise.
        assert_eq!(
            owner("I'll chase the landlord tomorrow", "Ken").as_deref(),
            Some("p001")
        );
        // Asked of anyone: the one who takes it, not the one who asks.
        assert_eq!(
            owner("Can someone write a short note for customers?", "Ken").as_deref(),
            Some("p002")
        );
        // Asked of anyone, nobody taking it: nobody.
        assert_eq!(owner("有冇人可以跟進下個 vendor", "Peter"), None);
        // Given, then taken back two lines later: the one who took it back, due when
        // they say ("今晚"), not when the first owner said ("今日").
        let back = ctx
            .ground(&proposed("我今日 send email chase 佢", "Ken", ""), &chunk)
            .unwrap();
        assert_eq!(back.due.as_deref(), Some("2026-11-24T19:00:00+08:00"));
        assert_eq!(
            owner("咁 Ken 你 chase 下 Amy", "Ken").as_deref(),
            Some("p001")
        );
        assert_eq!(
            owner("我今日 send email chase 佢", "Ken").as_deref(),
            Some("p001")
        );
    }

    #[test]
    fn two_called_on_in_one_line_each_own_their_part() {
        let dir = directory();
        let us = vec![
            utt(
                "Peter",
                "Amy, you'll get me the client's volume forecast, and Ken, you'll do a quick business case.",
            ),
            utt("Amy", "Sure."),
            utt(
                "Peter",
                "Agreed. We decided last month to wait, but now we'll start a weekend on-call rota from December.",
            ),
            utt("Ken", "Good."),
            utt(
                "Peter",
                "One more from me. Expense claims for November, please submit them by next Monday.",
            ),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let owner = |quote: &str| {
            ctx.ground(&proposed(quote, "Peter", ""), &chunk)
                .and_then(|g| g.owner)
                .map(|o| o.id)
        };
        assert_eq!(
            owner("get me the client's volume forecast").as_deref(),
            Some("p002")
        );
        assert_eq!(
            owner("Ken, you'll do a quick business case").as_deref(),
            Some("p003")
        );
        // The whole line quoted: the task's words say whose part it is.
        let whole = "Amy, you'll get me the client's volume forecast, and Ken, you'll do a quick business case.";
        let owner_of = |task: &str| {
            ctx.ground(
                &Proposed {
                    task: task.into(),
                    ..proposed(whole, "Peter", "")
                },
                &chunk,
            )
            .and_then(|g| g.owner)
            .map(|o| o.id)
        };
        assert_eq!(owner_of("Get the volume forecast").as_deref(), Some("p002"));
        assert_eq!(owner_of("Do the business case").as_deref(), Some("p003"));
        // What the meeting decided, nobody in particular taking it on, is a decision.
        assert_eq!(
            ctx.check(
                &proposed(
                    "now we'll start a weekend on-call rota from December",
                    "we",
                    ""
                ),
                &chunk
            ),
            Err(Rejection::IsADecision)
        );
        // The room is asked; "from me" takes nothing on.
        let everyone = ctx
            .ground(
                &proposed(
                    "One more from me. Expense claims for November, please submit them",
                    "Peter",
                    "by next Monday",
                ),
                &chunk,
            )
            .unwrap();
        assert!(everyone.owner.is_none(), "\"from me\" takes nothing on");
    }

    #[test]
    fn who_says_i_will_owns_it_whoever_the_model_names() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Who prepares the contract?"),
            utt("Ken", "Agreed. I'll prepare the contract by Friday."),
            utt("Amy", "Ken, can you also send it? I'll review it."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .ground(
                &proposed("I'll prepare the contract by Friday", "Peter", ""),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p003");
        // Asking someone in the same words: the model's owner stands.
        let asked = ctx
            .ground(
                &proposed("Ken, can you also send it? I'll review it.", "Ken", ""),
                &chunk,
            )
            .unwrap();
        assert_eq!(asked.owner.unwrap().id, "p003");
        let us2 = vec![
            utt("Amy", "Oh no, please don't sing."),
            utt("Ken", "唔使，我今晚 WhatsApp 佢哋。"),
        ];
        let (ctx2, chunk2) = meeting(&us2, &dir);
        assert_eq!(
            ctx2.check(&proposed("please don't sing", "Amy", ""), &chunk2),
            Err(Rejection::OnlyForbids)
        );
        assert_eq!(
            ctx2.check(&proposed("我今晚 WhatsApp 佢哋", "我", ""), &chunk2)
                .unwrap()
                .owner
                .unwrap()
                .id,
            "p003"
        );
        // A copied line keeps only its deciding words: here a bare "Agreed."
        let copied = ctx.decision("Ken: Agreed. I'll prepare the contract by Friday.", &chunk);
        assert_eq!(copied, Err(Rejection::DecisionTooShort));
        assert_eq!(
            ctx.decision("I'll prepare the contract by Friday", &chunk),
            Err(Rejection::DecisionIsATask)
        );
    }

    #[test]
    fn checks_quotes_owners_and_dues() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Amy, can you send the deck to the client?"),
            utt("Amy", "Sure, I'll send it by Friday."),
            utt("大文", "我聽日覆你。"),
            utt("Ken", "We should all clean the CRM."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .ground(
                &proposed("I'll send it by Friday", "I", "by Friday"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p002");
        assert_eq!(g.due.as_deref(), Some("2026-11-27"));
        assert_eq!(g.source, 1);

        let named = ctx
            .ground(&proposed("send the deck", "Amy", ""), &chunk)
            .unwrap();
        assert_eq!(named.owner.unwrap().id, "p002");

        let cantonese = ctx
            .ground(&proposed("我聽日覆你", "我", "聽日"), &chunk)
            .unwrap();
        assert_eq!(cantonese.owner.unwrap().id, "p001");
        assert_eq!(cantonese.due.as_deref(), Some("2026-11-25"));

        let asked = ctx
            .ground(&proposed("We should all clean the CRM", "Ken", ""), &chunk)
            .unwrap();
        assert!(asked.owner.is_none(), "the speaker asks everyone");
        assert_eq!(asked.owner_text, "we");
        let we = ctx
            .ground(&proposed("clean the CRM", "we", ""), &chunk)
            .unwrap();
        assert!(we.owner.is_none());
        assert_eq!(we.owner_text, "we");

        assert!(ctx
            .ground(&proposed("book the venue in Macau", "Ken", ""), &chunk)
            .is_none());
        let invented_due = ctx
            .ground(&proposed("clean the CRM", "we", "next Monday"), &chunk)
            .unwrap();
        assert_eq!(invented_due.due, None, "due words nobody said");
        let stranger = ctx
            .ground(&proposed("clean the CRM", "Chan Tai Man", ""), &chunk)
            .unwrap();
        assert_eq!(
            stranger.owner.map(|p| p.id).as_deref(),
            Some("p001"),
            "大文 spoke nearby"
        );
    }

    /// A meeting held on 2026-11-24 at 10:00 in Hong Kong, as one chunk.
    #[test]
    fn i_is_the_enrolled_voice_and_nobody_for_a_label() {
        let dir = directory();
        let said = "I'll send the draft to finance by Friday.";
        let line = |speaker: SpeakerRef| Utterance {
            speaker: Some(speaker),
            text: said.into(),
            start: Some(0.0),
            end: Some(3.0),
        };
        let owner = |speaker: SpeakerRef, named: &str| {
            let us = vec![line(speaker)];
            let (ctx, chunk) = meeting(&us, &dir);
            ctx.ground(
                &proposed("I'll send the draft to finance", named, ""),
                &chunk,
            )
            .and_then(|g| g.owner)
            .map(|o| o.id)
        };
        let voice = || SpeakerRef::Person {
            id: Some("p002".into()),
            name: "Wong Mei Ling".into(),
        };
        assert_eq!(owner(voice(), "Wong Mei Ling").as_deref(), Some("p002"));
        assert_eq!(owner(voice(), "I").as_deref(), Some("p002"));
        for named in ["S1", "I", ""] {
            assert_eq!(
                owner(SpeakerRef::Label("S1".into()), named),
                None,
                "{named}"
            );
        }
    }

    fn meeting<'a>(us: &'a [Utterance], dir: &'a Directory) -> (Context<'a>, Chunk) {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap();
        (
            Context::new(us, dir, now, chrono_tz::Asia::Hong_Kong),
            chunk_of(us),
        )
    }

    fn chunk_of(us: &[Utterance]) -> Chunk {
        Chunk {
            first: 0,
            last: us.len() - 1,
            text: String::new(),
        }
    }

    fn item(quote: &str, task: &str, owner: &str) -> Proposed {
        Proposed {
            quote: quote.into(),
            owner: owner.into(),
            task: task.into(),
            due: String::new(),
        }
    }

    #[test]
    fn a_speaker_label_is_neither_a_quote_nor_a_task() {
        let dir = directory();
        let us = vec![
            utt(
                "Fiona Lau",
                "I'll send the revised quote to Kowloon Bay by Thursday.",
            ),
            utt("Amy", "Fiona Lau, thanks, that works for the client."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        // What a small model returned: the label as quote and task.
        let label = item("Fiona Lau", "Fiona Lau", "Fiona Lau");
        assert_eq!(ctx.check(&label, &chunk), Err(Rejection::TaskOnlyNames));
        assert!(ctx.ground(&label, &chunk).is_none());
        assert_eq!(
            ctx.check(&item("Fiona Lau", "send the quote", "I"), &chunk),
            Err(Rejection::QuoteOnlyNames)
        );
        assert_eq!(
            ctx.check(&item("Fiona Lau:", "send the quote", "I"), &chunk),
            Err(Rejection::QuoteOnlyNames)
        );
        assert_eq!(
            ctx.check(&item("Fiona Lau, thanks", "send the quote", "I"), &chunk),
            Err(Rejection::QuoteTooShort)
        );
        // Three words, all of them names.
        assert_eq!(
            ctx.check(&item("Fiona Lau, Amy", "send the quote", "I"), &chunk),
            Err(Rejection::QuoteOnlyNames)
        );
        for task in [
            "",
            "  ",
            "Amy",
            "Wong Mei Ling.",
            "I",
            "Fiona Lau and Ken",
            "— ?",
        ] {
            let got = ctx.check(&item("I'll send the revised quote", task, "I"), &chunk);
            assert!(
                matches!(
                    got,
                    Err(Rejection::EmptyTask) | Err(Rejection::TaskOnlyNames)
                ),
                "{task:?}: {got:?}"
            );
        }
        // The label copied in front of the words is taken off; the quote is the words
        // as said.
        let g = ctx
            .check(
                &item(
                    "Fiona Lau: i'll send the revised quote to kowloon bay",
                    "Send the revised quote to Kowloon Bay",
                    "I",
                ),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.quote, "I'll send the revised quote to Kowloon Bay");
        assert_eq!(g.source, 0);
        // Words only the label and the next line make up are not a quote: with the
        // label taken off, the words are found in line 2 (else `QuoteNotSaid`), where
        // they only thank.
        assert_eq!(
            ctx.check(
                &item("Fiona Lau: Fiona Lau, thanks, that works", "thank", "I"),
                &chunk
            )
            .map(|g| g.source),
            Err(Rejection::OnlyStates),
        );
        assert_eq!(
            ctx.check(&item("Amy: book the venue in Macau", "book", "Amy"), &chunk),
            Err(Rejection::QuoteNotSaid)
        );
    }

    #[test]
    fn quotes_need_three_words_or_four_characters() {
        let dir = directory();
        let us = vec![
            utt("大文", "我聽日覆你。"),
            utt("Ken", "都係我自己 call 啦。"),
            utt("Amy", "OK, I'll do it."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        assert_eq!(
            ctx.check(&item("覆你", "覆 budget", "我"), &chunk),
            Err(Rejection::QuoteTooShort)
        );
        assert_eq!(
            ctx.check(&item("do it", "do it", "I"), &chunk),
            Err(Rejection::QuoteTooShort)
        );
        // Written in Simplified: found, and shown as said.
        let g = ctx
            .check(&item("我听日覆你", "覆 budget", "我"), &chunk)
            .unwrap();
        assert_eq!(g.quote, "我聽日覆你");
        assert_eq!(g.owner.unwrap().id, "p001");
        let mixed = ctx
            .check(&item("我自己 call", "call vendor", "我"), &chunk)
            .unwrap();
        assert_eq!(mixed.source, 1);
        assert_eq!(mixed.owner.unwrap().id, "p003");
        assert!(ctx.check(&item("I'll do it", "do it", "I"), &chunk).is_ok());
    }

    #[test]
    fn without_speakers_i_will_has_no_owner() {
        let dir = directory();
        let mut us = vec![
            utt("", "I will send the deck to the client by Friday."),
            utt("", "Amy, can you book the room?"),
        ];
        for u in &mut us {
            u.speaker = None;
        }
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .check(
                &proposed("I will send the deck to the client", "I", "by Friday"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner, None);
        assert_eq!(g.owner_text, "I");
        assert_eq!(g.due.as_deref(), Some("2026-11-27"));
        let named = ctx
            .check(&proposed("can you book the room", "Amy", ""), &chunk)
            .unwrap();
        assert_eq!(
            named.owner.unwrap().id,
            "p002",
            "a name said is still an owner"
        );
    }

    #[test]
    fn a_speaker_deciding_for_everyone_takes_nothing_on() {
        let dir = directory();
        let us = vec![
            utt("张伟", "我们现在是十八个人，其实至少要二十二个人才够。"),
            utt(
                "陳大文",
                "我明白。那我们今天就定下来，深圳仓库增加四个全职岗位。",
            ),
            utt("Ken", "We decided to move to Jira. I'll set it up."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        assert_eq!(
            ctx.check(
                &proposed("那我们今天就定下来，深圳仓库增加四个全职岗位", "陳大文", ""),
                &chunk
            ),
            Err(Rejection::IsADecision)
        );
        // The decision is one sentence; the task taken on is another.
        let set_up = ctx
            .check(&proposed("I'll set it up", "I", ""), &chunk)
            .map(|g| g.owner.map(|o| o.id));
        assert_eq!(set_up, Ok(Some("p003".to_string())));
    }

    #[test]
    fn a_task_quoted_from_the_wrong_line_is_judged_by_its_own_line() {
        let dir = directory();
        let us = vec![
            utt(
                "陳大文",
                "先说一下上个月的情况，仓库的出货量是一万两千三百箱。",
            ),
            utt("Amy", "那加班的情况怎么样？"),
            utt("Ken", "有几个同事连续加班了三个周末。"),
            utt(
                "陳大文",
                "我明白。那我们今天就定下来，深圳仓库增加四个全职岗位。",
            ),
            utt("Amy", "好，那招聘这块我来负责。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        // Quoted from line 0; said in line 3, where it is the meeting's decision.
        assert_eq!(
            ctx.check(
                &Proposed {
                    task: "增加四个全职岗位".into(),
                    ..proposed(
                        "先说一下上个月的情况，仓库的出货量是一万两千三百箱",
                        "陳大文",
                        ""
                    )
                },
                &chunk
            ),
            Err(Rejection::IsADecision)
        );
        // Said in the quoted line in other words: it stays there.
        let hiring = ctx
            .check(
                &Proposed {
                    task: "负责招聘四个全职员工".into(),
                    ..proposed("那招聘这块我来负责", "Amy", "")
                },
                &chunk,
            )
            .unwrap();
        assert_eq!(hiring.source, 4);
    }

    #[test]
    fn a_copied_line_is_a_decision_only_when_it_decides() {
        let dir = directory();
        let us = vec![
            utt("张伟", "今年还是分开办吧，各自办。这个就这么定了。"),
            utt("王芳", "明白。我会按三十万重新做一份预算表。"),
            utt("Fiona Lau", "OK, that's all, thanks."),
            utt("張穎欣", "好，就定觀塘。我聽日下晝去簽場地嘅合約同俾訂金。"),
            utt(
                "Amy",
                "I'll get the final booth design to the organiser by December 4th.",
            ),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        // A decision written with the task that follows it keeps the deciding part; a
        // task with its deadline is no decision.
        assert_eq!(
            ctx.decision("好，就定觀塘。我聽日下晝去簽場地嘅合約同俾訂金。", &chunk),
            Ok("好，就定觀塘。".to_string())
        );
        assert_eq!(
            ctx.decision(
                "Amy Wong will get the final booth design to the organiser by December 4th.",
                &chunk
            ),
            Err(Rejection::DecisionIsATask)
        );
        // The speaker's name goes; the words that decide stay.
        assert_eq!(
            ctx.decision("张伟: 今年还是分开办吧，各自办。这个就这么定了。", &chunk),
            Ok("今年还是分开办吧，各自办。这个就这么定了。".to_string())
        );
        assert_eq!(
            ctx.decision("王芳：明白。我会按三十万重新做一份预算表。", &chunk),
            Err(Rejection::DecisionIsATask)
        );
        assert_eq!(
            ctx.decision("Fiona Lau: OK, that's all, thanks.", &chunk),
            Err(Rejection::DecisionIsATask)
        );
        // Of a line that also asks for something, the sentences that settle it.
        assert_eq!(
            ctx.decision_words("啱，下個禮拜五前報名畀我。仲有，晚宴日期定咗一月二十三號禮拜五。"),
            "仲有，晚宴日期定咗一月二十三號禮拜五。"
        );
        assert_eq!(
            ctx.decision_words(
                "Right. So our ceiling is six percent. Can you tell them? I'll draft it."
            ),
            "So our ceiling is six percent."
        );
        assert_eq!(
            ctx.decision("OK, that's all, thanks.", &chunk),
            Err(Rejection::DecisionOnlyCloses)
        );
    }

    #[test]
    fn decisions_must_say_something_that_was_said() {
        let dir = directory();
        let us = vec![
            utt(
                "Fiona Lau",
                "Then we go with the six percent discount on the three-year deal.",
            ),
            utt(
                "李家傑",
                "好，唔該晒。咁 access point 呢樣我哋基本上就咁定，換晒六部。",
            ),
            utt("张伟", "那我们今天就定下来，深圳仓库增加四个全职岗位。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        for name in ["Fiona Lau", "Amy", "大文"] {
            assert_eq!(
                ctx.decision(name, &chunk),
                Err(Rejection::DecisionOnlyNames)
            );
        }
        assert_eq!(
            ctx.decision("Amy goes first", &chunk),
            Err(Rejection::DecisionTooShort)
        );
        assert_eq!(
            ctx.decision("李家傑 你先。", &chunk),
            Err(Rejection::DecisionTooShort),
            "names do not count"
        );
        assert_eq!(
            ctx.decision("咁 access point 換晒六部？", &chunk),
            Err(Rejection::DecisionAsks)
        );
        assert_eq!(
            ctx.decision("Wong Mei Ling and Fiona Lau", &chunk),
            Err(Rejection::DecisionOnlyNames)
        );
        assert_eq!(
            ctx.decision("陳大文同李家傑", &chunk),
            Err(Rejection::DecisionOnlyNames)
        );
        assert!(ctx
            .decision(
                "Go with the six percent discount on the three-year deal",
                &chunk
            )
            .is_ok());
        assert_eq!(
            ctx.decision("Book the venue in Macau for the annual dinner", &chunk),
            Err(Rejection::DecisionNotSaid)
        );
        assert!(ctx.decision("換晒六部 access point", &chunk).is_ok());
        assert!(ctx.decision("更換六部 access point", &chunk).is_ok());
        assert!(
            ctx.decision("深圳倉庫增加四個全職崗位", &chunk).is_ok(),
            "in Traditional"
        );
        // Common characters alone (我, 哋, 個, 定…) do not make a decision said.
        assert_eq!(
            ctx.decision("我哋決定今年嘅週年晚宴改喺澳門舉行", &chunk),
            Err(Rejection::DecisionNotSaid)
        );
        assert_eq!(
            ctx.decision("公司决定下个月开始用新系统", &chunk),
            Err(Rejection::DecisionNotSaid)
        );
    }

    #[test]
    fn questions_and_reports_are_not_tasks() {
        let dir = directory();
        let us = vec![
            utt("David Ng", "Can I ask, does the cold-chain plan mean we stop the small parcel service?"),
            utt("Ken", "Is the office Wi-Fi upgrade still happening? People keep asking me in the lift."),
            utt("Peter", "And operating costs came in about two percent under budget, mostly because the move was cheaper."),
            utt("Ken", "Restore test 幾時有結果？"),
            utt("Peter", "Amy, can you send the deck to the client?"),
            utt("Ken", "Liu Yang 你 call vendor？"),
            utt("Amy", "Restore test 幾時有結果？今天下班前应该有。"),
            utt("Amy", "Let's each clean up our own accounts in the CRM."),
            utt("Amy", "Ken，你先介绍一下技术这边的情况吧。"),
            utt("Amy", "Peter, walk us through the numbers."),
            utt("Amy", "Peter, walk us through the numbers on Friday."),
            utt("Ken", "Next year we want to grow the cold-chain business. Nothing to decide today, the board will look at it in March, I just want you to know where we're heading."),
            utt("Ken", "Just so you know, I'll send the deck on Friday."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let check =
            |quote: &str, owner: &str| ctx.check(&item(quote, "do the thing", owner), &chunk);
        assert_eq!(
            check(
                "does the cold-chain plan mean we stop the small parcel service",
                "David Ng"
            ),
            Err(Rejection::Question)
        );
        assert_eq!(
            check("Is the office Wi-Fi upgrade still happening", "Ken"),
            Err(Rejection::Question),
            "the rest of the sentences take nothing on"
        );
        assert_eq!(
            check("Restore test 幾時有結果", "Ken"),
            Err(Rejection::Question)
        );
        assert_eq!(
            check(
                "operating costs came in about two percent under budget",
                "we"
            ),
            Err(Rejection::NoCommitment)
        );
        assert!(
            check("can you send the deck to the client", "Amy").is_ok(),
            "asked of Amy"
        );
        assert!(check("Liu Yang 你 call vendor", "Liu Yang").is_ok());
        assert!(
            check("今天下班前应该有", "I").is_ok(),
            "the answer to the question"
        );
        assert_eq!(
            check("Ken，你先介绍一下技术这边的情况吧", "Ken"),
            Err(Rejection::GivesTheFloor)
        );
        assert_eq!(
            check("Peter, walk us through the numbers.", "Peter"),
            Err(Rejection::GivesTheFloor)
        );
        assert!(
            check("walk us through the numbers on Friday", "Peter").is_ok(),
            "a talk at a set time is a task"
        );
        assert_eq!(
            check("Next year we want to grow the cold-chain business", "Ken"),
            Err(Rejection::OnlyInforms)
        );
        assert_eq!(
            check(
                "Next year we want to grow the cold-chain business. Nothing to decide today, the board will look at it in March, I just want you to know where we're heading.",
                "Ken"
            ),
            Err(Rejection::OnlyInforms),
            "the whole turn quoted"
        );
        assert!(check("I'll send the deck on Friday", "I").is_ok());
        let group = check("clean up our own accounts in the CRM", "we").unwrap();
        assert_eq!(group.owner, None);
        // A name does not make a quote long enough.
        assert_eq!(check("Amy 你 call", "Amy"), Err(Rejection::QuoteTooShort));
    }

    #[test]
    fn the_due_date_is_where_the_task_is_taken_on() {
        let dir = directory();
        let us = vec![utt(
            "Ken",
            "我呢邊，firewall 嘅 renewal 今個禮拜到期，我今日會 renew 咗佢。",
        )];
        let now = DateTime::parse_from_rfc3339("2026-11-26T09:15:00+08:00").unwrap();
        let ctx = Context::new(&us, &dir, now, chrono_tz::Asia::Hong_Kong);
        let g = ctx
            .check(
                &proposed(
                    "firewall 嘅 renewal 今個禮拜到期，我今日會 renew 咗佢",
                    "我",
                    "今個禮拜",
                ),
                &chunk_of(&us),
            )
            .unwrap();
        assert_eq!(g.due.as_deref(), Some("2026-11-26"), "今日, not the expiry");
        assert_eq!(g.owner.unwrap().id, "p003");
    }

    #[test]
    fn statements_meeting_acts_and_availability_are_not_tasks() {
        let dir = directory();
        let us = vec![
            utt("Ken", "Wi-Fi 真係好鬼煩，尋日我開緊 Zoom 同客傾嘢，斷咗三次"),
            utt("Amy", "From sales, I can say there's demand. Two of my clients have asked me about cold storage."),
            utt("Peter", "Then to wrap up, let me read back what we decided, so nobody can say later that they didn't hear it."),
            utt("Amy", "OK, let's start. 今日主要 review 下 Chinese New Year 個 campaign。Peter，你份 draft 做成點？"),
            utt("Amy", "Ken，你下個禮拜六得唔得閒？"),
            utt("Ken", "好，下個禮拜六我嚟裝 access point。"),
            utt("Peter", "Let's start with the budget: Ken, you'll send the numbers by Friday."),
            utt("Amy", "Ken, what happened with the vendor?"),
            utt("Ken", "They sent the wrong parts twice, so we lost a week."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let check =
            |quote: &str, task: &str, owner: &str| ctx.check(&item(quote, task, owner), &chunk);
        assert_eq!(
            check(
                "Wi-Fi 真係好鬼煩，尋日我開緊 Zoom 同客傾嘢",
                "Wi-Fi 好煩",
                "Ken"
            ),
            Err(Rejection::OnlyStates),
            "開緊: what was going on, not a task"
        );
        assert_eq!(
            check(
                "From sales, I can say there's demand",
                "cold storage demand",
                "Amy"
            ),
            Err(Rejection::OnlyStates)
        );
        assert_eq!(
            check(
                "let me read back what we decided",
                "Read back the decisions",
                "Peter"
            ),
            Err(Rejection::InTheMeeting)
        );
        assert_eq!(
            check(
                "今日主要 review 下 Chinese New Year 個 campaign",
                "review campaign",
                "we"
            ),
            Err(Rejection::InTheMeeting)
        );
        assert_eq!(
            check(
                "OK, let's start. 今日主要 review 下 Chinese New Year 個 campaign。Peter，你份 draft 做成點？",
                "review 下 Chinese New Year 個 campaign",
                "Amy"
            ),
            Err(Rejection::InTheMeeting),
            "the question to Peter does not make the opening a task"
        );
        assert_eq!(
            check("Ken，你下個禮拜六得唔得閒", "下個禮拜六有空", "Ken"),
            Err(Rejection::Question)
        );
        assert!(check("下個禮拜六我嚟裝 access point", "裝 access point", "Ken").is_ok());
        let g = check(
            "Ken, you'll send the numbers by Friday",
            "send the numbers",
            "Ken",
        )
        .expect("a task beside the opening words");
        assert_eq!(g.owner.unwrap().id, "p003");
        assert!(
            check("They sent the wrong parts twice", "chase the vendor", "Ken").is_ok(),
            "an answer to a question put to Ken is left to the model"
        );
    }

    /// The end of a week or month is a loose period in the time words; a task due then
    /// is due on its day (the month's last day, the week's Friday), whether the model
    /// names the words or they are only in the quote.
    #[test]
    fn the_end_of_a_month_or_week_is_due_on_its_day() {
        let dir = directory();
        let us = vec![
            utt("Peter", "I'll send the audit plan at the end of the month."),
            utt("Peter", "我月尾前搞掂份報價。"),
            utt("Peter", "I'll update the CRM end of next week."),
        ];
        // Said on Tuesday 24 November 2026.
        let (ctx, chunk) = meeting(&us, &dir);
        for (quote, task, said, due) in [
            (
                "I'll send the audit plan at the end of the month.",
                "send the audit plan",
                "",
                "2026-11-30",
            ),
            (
                "I'll send the audit plan at the end of the month.",
                "send the audit plan",
                "the end of the month",
                "2026-11-30",
            ),
            ("我月尾前搞掂份報價。", "搞掂份報價", "", "2026-11-30"),
            ("我月尾前搞掂份報價。", "搞掂份報價", "月尾", "2026-11-30"),
            (
                "I'll update the CRM end of next week.",
                "update the CRM",
                "end of next week",
                "2026-12-04",
            ),
        ] {
            let g = ctx
                .check(
                    &Proposed {
                        due: said.into(),
                        ..item(quote, task, "Peter")
                    },
                    &chunk,
                )
                .unwrap_or_else(|e| panic!("{quote}: {e:?}"));
            assert_eq!(g.due.as_deref(), Some(due), "{quote} / {said:?}");
        }
    }

    #[test]
    fn a_sentence_that_asks_everyone_is_nobodys_in_particular() {
        let dir = directory();
        let us = vec![
            utt("Peter", "We'll all finish the phishing training by the end of next week, including me. I'm one of the forty percent, I admit it."),
            utt("Peter", "We need the deck by Friday. I'll do it."),
            utt("Peter", "最後，年底 target 仲差大概三百萬。我哋每個人揀三個舊客打電話，睇吓有冇新 order，禮拜五之前做晒。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .check(
                &item(
                    "We'll all finish the phishing training by the end of next week",
                    "finish the phishing training",
                    "Peter",
                ),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner, None, "we all, including me");
        let g = ctx
            .check(
                &item("We need the deck by Friday. I'll do it.", "the deck", "we"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p001", "I'll do it");
        let g = ctx
            .check(
                &Proposed {
                    due: "禮拜五之前".into(),
                    ..item("我哋每個人揀三個舊客打電話", "揀三個舊客打電話", "我哋")
                },
                &chunk,
            )
            .expect("a task for everyone with a deadline, not a decision");
        assert_eq!((g.owner, g.due.as_deref()), (None, Some("2026-11-27")));
    }

    #[test]
    fn a_need_put_to_someone_named_is_theirs() {
        let dir = directory();
        let us = vec![
            utt(
                "Peter",
                "Then that's our proposal. Amy, we'll need the agency's terms.",
            ),
            utt("Peter", "Thanks Amy, we'll need to think about it."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .check(
                &item(
                    "Amy, we'll need the agency's terms.",
                    "Get the agency's terms",
                    "I",
                ),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p002");
        assert_eq!(
            ctx.called_on(&us[1].text),
            None,
            "a need to do something is the room's"
        );
    }

    #[test]
    fn a_task_given_to_the_room_and_taken_back_is_the_takers() {
        let dir = directory();
        let us = vec![
            utt(
                "Amy",
                "另外 KOL 嗰邊，我哋要揾五至六個 KOL。Peter 你整埋個 KOL list？",
            ),
            utt("Peter", "呃……我呢兩個禮拜真係好忙，又要跟 video。"),
            utt(
                "Amy",
                "咁算，actually 我自己整個 KOL list 啦，下個禮拜三之前。",
            ),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .check(
                &item("我哋要揾五至六個 KOL", "揾五至六個 KOL", "我哋"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p002");
        assert_eq!(g.due.as_deref(), Some("2026-12-02"));
    }

    #[test]
    fn a_task_someone_else_calls_off_is_not_kept() {
        let dir = directory();
        let us = vec![
            utt("Ken", "Thanks. I'll order the badges."),
            utt(
                "Amy",
                "Actually hold on. Don't order them yourself, Ken. Procurement needs to do it.",
            ),
            utt("Peter", "好，我聽日訂會議室。"),
            utt("Amy", "唔使你訂住，等 admin 搞。"),
            utt("Ken", "I'll send the report tomorrow."),
            utt("Amy", "Don't send it to the client, send it to me."),
            utt("Ken", "I'll book the van."),
            utt("Amy", "No need to hurry, Friday is fine."),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let check =
            |quote: &str, task: &str, owner: &str| ctx.check(&item(quote, task, owner), &chunk);
        assert_eq!(
            check("I'll order the badges", "order the badges", "Ken").unwrap_err(),
            Rejection::CalledOff
        );
        assert_eq!(
            check("我聽日訂會議室", "訂會議室", "Peter").unwrap_err(),
            Rejection::CalledOff
        );
        let kept = check("I'll send the report tomorrow", "send the report", "Ken").unwrap();
        assert_eq!(
            kept.owner.unwrap().id,
            "p003",
            "told where to send it, not to stop"
        );
        assert!(check("I'll book the van", "book the van", "Ken").is_ok());
    }

    #[test]
    fn a_decision_read_back_is_not_a_task_but_a_task_read_back_is() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Please give me comments within a week."),
            utt(
                "Amy",
                "Then to wrap up, let me read back what we decided. Scanners move to badge login. Ken, you'll order the badges by Friday.",
            ),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        assert_eq!(
            ctx.check(
                &item(
                    "Scanners move to badge login",
                    "Move scanners to badge login",
                    "Amy"
                ),
                &chunk
            )
            .unwrap_err(),
            Rejection::ReadsBack
        );
        let named = ctx
            .check(
                &item(
                    "Ken, you'll order the badges by Friday",
                    "order the badges",
                    "Ken",
                ),
                &chunk,
            )
            .unwrap();
        assert_eq!(named.owner.unwrap().id, "p003");
    }

    #[test]
    fn coming_back_to_it_later_in_the_meeting_is_not_a_task() {
        let dir = directory();
        let us = vec![
            utt("Peter", "Can I ask about the overtime?"),
            utt(
                "Amy",
                "That's exactly what I want to fix. I'll come back to it in the staffing part.",
            ),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        assert_eq!(
            ctx.check(
                &item(
                    "That's exactly what I want to fix. I'll come back to it in the staffing part",
                    "fix the overtime",
                    "Amy"
                ),
                &chunk
            )
            .unwrap_err(),
            Rejection::InTheMeeting
        );
    }

    #[test]
    fn the_due_date_is_the_one_the_owner_answers_with() {
        let dir = directory();
        let us = vec![
            utt("Peter", "咁我聽日同佢哋 sign contract？"),
            utt(
                "Amy",
                "係喎。Kelly 今日唔喺度，Peter 你 send 份合約畀 Kelly review 啦。",
            ),
            utt("Peter", "OK，我今日 send 畀佢。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        let g = ctx
            .check(
                &proposed("Peter 你 send 份合約畀 Kelly review 啦", "Peter", "聽日"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.unwrap().id, "p001");
        assert_eq!(
            g.due.as_deref(),
            Some("2026-11-24"),
            "今日, as Peter answers"
        );
    }

    #[test]
    fn a_topic_raised_or_a_task_only_received_is_nobodys() {
        let dir = directory();
        let us = vec![
            utt("Ken", "抽獎禮物呢？去年啲禮物好求其，大家都鬧。"),
            utt("Amy", "啱，下個禮拜五前報名畀我。"),
            utt("Amy", "Send me the slides by Friday."),
            utt("Amy", "我下個禮拜五前 send 份名單畀你哋。"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        assert_eq!(
            ctx.check(
                &item(
                    "抽獎禮物呢？去年啲禮物好求其，大家都鬧。",
                    "抽獎禮物",
                    "Ken"
                ),
                &chunk
            ),
            Err(Rejection::OnlyRaisesTopic)
        );
        for (quote, task) in [
            ("下個禮拜五前報名畀我", "報名"),
            ("Send me the slides by Friday.", "send the slides"),
        ] {
            let g = ctx.check(&item(quote, task, "Amy"), &chunk).unwrap();
            assert_eq!(g.owner, None, "{quote}: Amy only receives it");
        }
        let g = ctx
            .check(
                &item("我下個禮拜五前 send 份名單畀你哋", "send 名單", "Amy"),
                &chunk,
            )
            .unwrap();
        assert_eq!(g.owner.map(|o| o.id).as_deref(), Some("p002"));
    }

    #[test]
    fn an_acknowledgement_is_no_task() {
        let dir = directory();
        let us = vec![
            utt("Ken", "收到。冇其他嘢散會啦，我要去見客"),
            utt("Amy", "OK, noted. I'll send the slides by Friday."),
            utt("Amy", "好，我好好準備份 proposal"),
        ];
        let (ctx, chunk) = meeting(&us, &dir);
        for (quote, task) in [
            ("收到。冇其他嘢散會啦，我要去見客", "收到"),
            ("OK, noted. I'll send the slides by Friday.", "OK, noted"),
        ] {
            assert_eq!(
                ctx.check(&item(quote, task, "Ken"), &chunk),
                Err(Rejection::OnlyAcknowledges),
                "{task}"
            );
        }
        for (quote, task) in [
            (
                "OK, noted. I'll send the slides by Friday.",
                "send the slides",
            ),
            ("好，我好好準備份 proposal", "好好準備份 proposal"),
        ] {
            assert!(
                ctx.check(&item(quote, task, "Amy"), &chunk).is_ok(),
                "{task}"
            );
        }
    }
}
