//! The model proposes, this code decides: the object of INTERFACES.md `command --json`
//! built from the model's answer and the parsed slots, every person from the directory,
//! every time from a parsed span.

use chrono::Duration;
use inference::whisper::Script;
use prompts::command::{Answer, AnswerIntent};
use serde::{Deserialize, Serialize};

use super::fallback::{self, cjk};
use super::schedule::{self, Slot, TimeFacts};
use super::slots::Slots;
use super::Request;
use crate::directory::{normalize::simplified, Directory, MentionKind};
use crate::minutes::text::units;
use crate::timewords::When;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    CreateEvent,
    CreateTask,
    SetReminder,
    Unknown,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::CreateEvent => "create_event",
            Intent::CreateTask => "create_task",
            Intent::SetReminder => "set_reminder",
            Intent::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// A name several directory people share; nobody is invited or assigned for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguous {
    pub text: String,
    pub ids: Vec<String>,
}

/// A clash with an attendee's existing event (found when a calendar is at hand).
pub use crate::calendar::conflicts::Conflict;
/// The stored task or event a command would repeat.
pub use crate::calendar::duplicates::Duplicate;

/// What an instruction was understood as (INTERFACES.md `command --json`, plus
/// `reason`, `ambiguous` and `understood_by`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Understood {
    pub intent: Intent,
    pub title: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub all_day: bool,
    pub due: Option<String>,
    pub assignee: Option<PersonRef>,
    pub attendees: Vec<PersonRef>,
    pub departments: Vec<String>,
    pub location: Option<String>,
    pub recurrence: Option<String>,
    pub transcript: String,
    pub conflicts: Vec<Conflict>,
    /// The open task or calendar event this would repeat (same people, same meaning;
    /// events on the same day), when a database is at hand.
    #[serde(default)]
    pub duplicate_of: Option<Duplicate>,
    /// Why nothing was created (`intent: unknown`), or a caveat.
    pub reason: Option<String>,
    pub ambiguous: Vec<Ambiguous>,
}

impl Understood {
    fn empty(intent: Intent, title: String, text: &str) -> Understood {
        Understood {
            intent,
            title,
            start: None,
            end: None,
            all_day: false,
            due: None,
            assignee: None,
            attendees: Vec::new(),
            departments: Vec::new(),
            location: None,
            recurrence: None,
            transcript: text.to_string(),
            conflicts: Vec::new(),
            duplicate_of: None,
            reason: None,
            ambiguous: Vec::new(),
        }
    }

    fn unknown(mut self, reason: String) -> Understood {
        let title = std::mem::take(&mut self.title);
        let mut u = Understood::empty(Intent::Unknown, title, &self.transcript);
        u.reason = Some(reason);
        u.ambiguous = self.ambiguous;
        u
    }
}

fn person_ref(directory: &Directory, id: &str) -> Option<PersonRef> {
    directory.person(id).map(|p| PersonRef {
        id: p.id.clone(),
        name: p.name.clone(),
    })
}

/// `title` in the Chinese script of `text` when `text` shows one (a character that is
/// only Traditional or only Simplified): the model sometimes answers a Cantonese
/// instruction with Simplified words (服务器 for 服務器).
fn in_script_of(text: &str, title: &str) -> String {
    if simplified(text) != text {
        Script::Traditional.convert(title)
    } else if Script::Traditional.convert(text) != text {
        Script::Simplified.convert(title)
    } else {
        title.to_string()
    }
}

/// Whether a title says something the instruction said (a word, or a Chinese
/// character) beyond words that do without saying what: a title from nowhere
/// ("Calculation" for "pick up the cheque book") is the model repeating its examples,
/// and in "搞個半鐘" for "凱欣同我一齊見新人，搞個半鐘" 搞 and 個 say nothing.
fn shares_content(topic: &str, title: &str) -> bool {
    const LIGHT: &[&str] = &[
        "搞", "個", "个", "做", "整", "一", "下", "吓", "啲", "些", "去", "嚟", "来", "咗", "了",
        "do", "get", "have", "set", "the", "a",
    ];
    let said = units(topic);
    units(title)
        .iter()
        .any(|u| said.contains(u) && !LIGHT.contains(&u.as_str()))
}

/// Whether a title says what the instruction is about: words said outside its time
/// words and names ("拜拜四" for "禮拜四同Raymond見客" says only the day), and more
/// than a bare "meeting" or "会议".
fn says_the_topic(text: &str, title: &str, slots: &Slots) -> bool {
    const BARE: &[&str] = &[
        "meeting",
        "a meeting",
        "call",
        "a call",
        "event",
        "task",
        "reminder",
        "会议",
        "會議",
        "开会",
        "開會",
        "会",
        "會",
        "提醒",
        "任务",
        "任務",
    ];
    if BARE.contains(&title.trim().to_lowercase().as_str()) {
        return false;
    }
    let topic: String = text
        .char_indices()
        .map(|(i, c)| {
            if slots.covers(i, i + c.len_utf8()) {
                ' '
            } else {
                c
            }
        })
        .collect();
    shares_content(&topic, title)
        && keeps_english_words(&topic, title)
        && keeps_what_it_is_about(&topic, title)
}

/// Whether a title keeps what an English instruction says it is about: "a call with
/// Winnie to talk about the Shenzhen client" titled "Call with Winnie" drops it.
fn keeps_what_it_is_about(topic: &str, title: &str) -> bool {
    const ABOUT: &[&str] = &[
        "about ",
        "regarding ",
        "to discuss ",
        "to go through ",
        "re: ",
    ];
    const NOT_TOPIC: &[&str] = &["the", "a", "an", "our", "my", "new", "and", "of", "for"];
    let lower = topic.to_lowercase();
    let Some(after) = ABOUT
        .iter()
        .filter_map(|w| lower.find(w).map(|at| &lower[at + w.len()..]))
        .next()
    else {
        return true;
    };
    let kept = title.to_lowercase();
    after
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 3 && !NOT_TOPIC.contains(w))
        .take(3)
        .all(|w| kept.contains(w))
}

/// Whether a title names only where ("喺中環美心" for lunch with Sales at Maxim's):
/// the place the model gave, or else the place said in the instruction's last clause.
fn only_the_place(title: &str, location: Option<&str>, text: &str) -> bool {
    let said_last = text
        .trim_end_matches(|c: char| c.is_ascii_punctuation() || "。！？".contains(c))
        .rsplit([',', '，', ';', '；'])
        .next()
        .map(str::trim)
        .and_then(|clause| {
            ["喺", "在", "at "]
                .iter()
                .find_map(|lead| clause.to_lowercase().strip_prefix(lead).map(String::from))
        });
    let lower = title.trim().to_lowercase();
    let mut rest = lower.as_str();
    for lead in ["喺", "在", "去", "at ", "in ", "to "] {
        rest = rest.strip_prefix(lead).unwrap_or(rest);
    }
    let rest = norm(rest);
    // The model may name part of the place ("中環" of "中環美心"): either will do.
    [location.map(norm), said_last.as_deref().map(norm)]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .any(|place| !rest.is_empty() && place.contains(&rest))
}

/// Whether a title keeps the English words of a mixed instruction: "review 個
/// forecast" titled "Finance team review" drops what is reviewed, and "裝好新 server"
/// titled "裝好新服務器" translates a word nobody said.
fn keeps_english_words(topic: &str, title: &str) -> bool {
    const NOT_TOPIC: &[&str] = &[
        "a", "an", "the", "to", "of", "for", "with", "on", "at", "in", "by", "and", "or", "please",
        "pls", "ok", "me", "my", "you", "i",
    ];
    if !topic.chars().any(cjk) {
        return true;
    }
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .map(String::from)
            .collect()
    };
    let kept = words(title);
    words(topic)
        .iter()
        .filter(|w| w.len() >= 2 && !NOT_TOPIC.contains(&w.as_str()))
        .all(|w| kept.contains(w))
}

/// Whether a title keeps the instruction's script: Chinese for a Chinese instruction
/// (English only when the instruction has English words too), and no Simplified
/// rendering of a Traditional instruction's characters.
fn same_script(text: &str, title: &str) -> bool {
    let text_has_latin = text.chars().any(|c| c.is_ascii_alphabetic());
    if text.chars().any(cjk) && !text_has_latin && title.chars().any(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    let simple = simplified(text);
    !title.chars().filter(|&c| cjk(c)).any(|c| {
        !text.contains(c) && simple.contains(c) && simplified(&c.to_string()) == c.to_string()
    })
}

/// "账对" for "…和会计部对账": a Chinese title made only of the instruction's own
/// characters, none of them next to each other as they were said.
fn scrambled(text: &str, title: &str) -> bool {
    let chars: Vec<char> = title.chars().filter(|c| !c.is_whitespace()).collect();
    chars.len() >= 2
        && chars.iter().all(|&c| cjk(c) && text.contains(c))
        && !chars
            .windows(2)
            .any(|w| text.contains(&w.iter().collect::<String>()))
}

/// A name said after "with" ("a call with Zoe") that is not in the directory, when the
/// instruction invites somebody and the directory knows none of them.
fn unknown_invitee(text: &str, slots: &Slots) -> Option<String> {
    const NOT_NAMES: &[&str] = &[
        "The",
        "A",
        "An",
        "My",
        "Our",
        "Your",
        "Their",
        "His",
        "Her",
        "Me",
        "Us",
        "Him",
        "Them",
        "Everyone",
        "Everybody",
        "All",
        "Team",
        "Staff",
        "Room",
        "I",
    ];
    // ASCII lower case keeps the byte offsets of `text`.
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("with ") {
        let start = from + at + "with ".len();
        from = start;
        let before_ok = from - "with ".len() == 0
            || !text[..from - "with ".len()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let word: String = text[start..]
            .chars()
            .take_while(|c| c.is_alphabetic() && c.is_ascii())
            .collect();
        let mut chars = word.chars();
        let title_case = chars.next().is_some_and(|c| c.is_ascii_uppercase())
            && word.len() >= 2
            && chars.all(|c| c.is_ascii_lowercase());
        if before_ok
            && title_case
            && !NOT_NAMES.contains(&word.as_str())
            && !slots.covers(start, start + word.len())
        {
            return Some(word);
        }
    }
    None
}

/// Trims a model string to at most `max` characters of one line.
fn clean(s: &str, max: usize) -> String {
    let one_line: Vec<&str> = s.split_whitespace().collect();
    one_line.join(" ").chars().take(max).collect()
}

fn norm(s: &str) -> String {
    simplified(&s.to_lowercase())
}

/// Who the model says must do the task, checked against the text and the directory.
enum Assignee {
    Speaker,
    Person(String),
    /// A name said in the text that nobody in the directory has.
    Unknown(String),
    Ambiguous,
    /// The model's answer cannot be used; the rules decide.
    Unsure,
}

const SPEAKER_WORDS: &[&str] = &[
    "me",
    "i",
    "myself",
    "speaker",
    "我",
    "自己",
    "我自己",
    "null",
    "none",
];

fn check_assignee(
    said: Option<&str>,
    text: &str,
    slots: &Slots,
    directory: &Directory,
) -> Assignee {
    let Some(said) = said.map(str::trim).filter(|s| !s.is_empty()) else {
        return Assignee::Speaker;
    };
    if SPEAKER_WORDS.contains(&said.to_lowercase().as_str()) {
        return Assignee::Speaker;
    }
    let named = slots.people();
    for m in directory.find(said) {
        match m.kind {
            MentionKind::Person(id) if named.contains(&id.as_str()) => return Assignee::Person(id),
            MentionKind::AmbiguousPerson(ids)
                if ids.iter().any(|i| named.contains(&i.as_str())) =>
            {
                return Assignee::Ambiguous
            }
            MentionKind::AmbiguousPerson(_) if norm(text).contains(&norm(said)) => {
                return Assignee::Ambiguous
            }
            MentionKind::Speaker(_) => return Assignee::Speaker,
            _ => {}
        }
    }
    if !slots.ambiguous().is_empty() && slots.people().is_empty() {
        return Assignee::Ambiguous;
    }
    // A name as written in the text (Latin capitals) that the directory does not know.
    let looks_like_name =
        said.chars().any(|c| c.is_ascii_uppercase()) && said.chars().count() <= 24;
    if looks_like_name && norm(text).contains(&norm(said)) && !slots.covers_text(text, said) {
        return Assignee::Unknown(said.to_string());
    }
    Assignee::Unsure
}

/// A place as written in the text, not a time word or a name.
fn check_location(said: Option<&str>, text: &str, slots: &Slots) -> Option<String> {
    let said = clean(said?, 60);
    let said = said.trim_matches(|c: char| c.is_ascii_punctuation() && c != '\'' || c == '，');
    if said.is_empty() || !norm(text).contains(&norm(said)) || slots.covers_text(text, said) {
        return None;
    }
    Some(said.to_string())
}

pub(super) fn build(text: &str, req: &Request, slots: &Slots, answer: Answer) -> Understood {
    let directory = req.directory;
    let mut title = in_script_of(text, &clean(&answer.title, 60));
    if title.is_empty()
        || !same_script(text, &title)
        || !says_the_topic(text, &title, slots)
        || only_the_place(&title, answer.location.as_deref(), text)
        || scrambled(text, &title)
    {
        title = fallback::answer(text, slots).title;
    }
    let facts = TimeFacts::gather(&slots.times, req.tz);
    // Unmistakable words decide over the model; the model decides the rest.
    let proposed = fallback::cue(text, slots).unwrap_or(answer.intent);
    let intent = match proposed {
        AnswerIntent::Event => Intent::CreateEvent,
        AnswerIntent::Task => Intent::CreateTask,
        AnswerIntent::Reminder => Intent::SetReminder,
        AnswerIntent::None => Intent::Unknown,
    };
    let mut u = Understood::empty(intent, title, text);
    u.ambiguous = slots
        .ambiguous()
        .into_iter()
        .map(|(t, ids)| Ambiguous {
            text: t.to_string(),
            ids: ids.to_vec(),
        })
        .collect();
    if intent == Intent::Unknown {
        return u.unknown("not an instruction to create an event, a task or a reminder".into());
    }
    if intent == Intent::CreateTask && !fallback::looks_like_task(text, slots) {
        return u.unknown("no deadline, person or to-do word: not taken as a task".into());
    }
    if let Some(bad) = &facts.invalid {
        return u.unknown(format!("the date {bad} does not exist"));
    }
    let tz = req.tz;
    // "How much did we spend on taxis last month?": a time wholly gone by, and nothing
    // due or repeating, asks about the past; there is nothing to schedule.
    if facts.deadline.is_none() && facts.recurrence.is_none() {
        if let Some(last) = facts.end.or(facts.moment) {
            let gone = match last {
                When::Date(d) => d < req.now.with_timezone(&tz).date_naive(),
                When::DateTime(t) => t < req.now - Duration::minutes(1),
            };
            if gone {
                return u.unknown("the time said is in the past".into());
            }
        }
    }
    if fallback::asks_for_information(text) {
        return u.unknown("a question, not an instruction to schedule something".into());
    }
    match intent {
        Intent::CreateEvent => {
            let slot = schedule::event_slot(&facts, req.now, tz);
            if slot.is_past(req.now, tz) {
                return u.unknown("the time said is in the past".into());
            }
            match slot {
                Slot::Timed { start, end } => {
                    u.start = Some(start.to_rfc3339());
                    u.end = Some(end.to_rfc3339());
                }
                Slot::AllDay { first, last } => {
                    u.all_day = true;
                    u.start = Some(When::Date(first).render());
                    u.end = Some(When::Date(last).render());
                }
            }
            u.recurrence = facts.recurrence.as_ref().map(|(rrule, _)| rrule.clone());
            u.departments = slots.departments().into_iter().map(String::from).collect();
            let mut ids: Vec<&str> = slots.people();
            for d in slots.departments() {
                for p in directory.members(d) {
                    if !ids.contains(&p.id.as_str()) {
                        ids.push(&p.id);
                    }
                }
            }
            if ids.is_empty() && slots.ambiguous().is_empty() {
                if let Some(name) = unknown_invitee(text, slots) {
                    return u.unknown(format!("nobody called {name:?} is in the directory"));
                }
            }
            u.attendees = ids
                .into_iter()
                .filter_map(|id| person_ref(directory, id))
                .collect();
            u.location = check_location(answer.location.as_deref(), text, slots);
            if facts.is_empty() {
                u.reason =
                    Some("no time was said: an all-day event on the next working day".into());
            }
        }
        Intent::SetReminder => {
            let at = schedule::reminder_time(&facts, req.now, tz);
            if at < req.now - Duration::minutes(1) {
                return u.unknown("the time said is in the past".into());
            }
            u.start = Some(at.to_rfc3339());
            u.recurrence = facts.recurrence.as_ref().map(|(rrule, _)| rrule.clone());
            if facts.is_empty() {
                u.reason = Some("no time was said: 09:00 on the next working day".into());
            }
        }
        Intent::CreateTask => {
            u.due = schedule::task_due(&facts).map(|w| w.render());
            if let Some(name) = fallback::unknown_nickname_asked(text, slots) {
                return u.unknown(format!("nobody called {name:?} is in the directory"));
            }
            let assignee = match check_assignee(answer.assignee.as_deref(), text, slots, directory)
            {
                Assignee::Unsure => match fallback::answer(text, slots).assignee {
                    Some(name) => check_assignee(Some(&name), text, slots, directory),
                    None => Assignee::Speaker,
                },
                // "Have Calvin set up the laptop": the one asked first does it, even when
                // the model leaves the assignee out.
                Assignee::Speaker => match fallback::asked_first(text, slots) {
                    Some(name) => check_assignee(Some(&name), text, slots, directory),
                    None => Assignee::Speaker,
                },
                other => other,
            };
            match assignee {
                Assignee::Speaker | Assignee::Unsure => {}
                Assignee::Person(id) => u.assignee = person_ref(directory, &id),
                Assignee::Ambiguous => {
                    u.reason = Some("several people have that name: nobody is assigned".into())
                }
                Assignee::Unknown(name) => {
                    return u.unknown(format!("nobody called {name:?} is in the directory"));
                }
            }
        }
        Intent::Unknown => {}
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Directory;

    fn invitee(text: &str) -> Option<String> {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-08T09:15:00+08:00").unwrap();
        let directory = Directory::default();
        let slots = Slots::find(text, now, chrono_tz::Asia::Hong_Kong, &directory);
        unknown_invitee(text, &slots)
    }

    /// The end of a week, month or year is a loose period in the time words (Friday to
    /// Sunday, the 21st to the last day, September to December); what is scheduled from
    /// it is its day: a task is due, a reminder fires and an event falls on the month's or
    /// year's last day, or the week's Friday, with or without `by`.
    #[test]
    fn the_end_of_a_week_month_or_year_is_scheduled_on_its_day() {
        // A Wednesday.
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+08:00").unwrap();
        let directory = Directory::default();
        let understood = |text: &str, intent: AnswerIntent| {
            let req = Request {
                text,
                now,
                tz: chrono_tz::Asia::Hong_Kong,
                directory: &directory,
            };
            let slots = Slots::find(text, now, chrono_tz::Asia::Hong_Kong, &directory);
            let answer = Answer {
                intent,
                title: "report".into(),
                assignee: None,
                location: None,
            };
            build(text, &req, &slots, answer)
        };
        for (text, due) in [
            ("File the report by the end of the month", "2026-11-30"),
            ("File the report at the end of the month", "2026-11-30"),
            ("Finish the report by end of next month", "2026-12-31"),
            ("Send the report end of next week", "2026-12-04"),
            ("Send the report by the end of the week", "2026-11-27"),
            ("Finish the audit at the end of the year", "2026-12-31"),
            ("Finish the audit by EOY", "2026-12-31"),
            ("月尾交報告", "2026-11-30"),
            ("下個月尾之前搞掂續租", "2026-12-31"),
        ] {
            let u = understood(text, AnswerIntent::Task);
            assert_eq!(u.intent, Intent::CreateTask, "{text}: {u:?}");
            assert_eq!(u.due.as_deref(), Some(due), "{text}");
        }
        // `EOM` is written for due dates: a task, whatever the model said.
        let u = understood("Send the invoices EOM", AnswerIntent::Event);
        assert_eq!(u.intent, Intent::CreateTask, "{u:?}");
        assert_eq!(u.due.as_deref(), Some("2026-11-30"));
        for text in [
            "Remind me to file the report by end of the month",
            "Remind me at the end of the month to file the report",
        ] {
            let u = understood(text, AnswerIntent::Reminder);
            assert_eq!(u.intent, Intent::SetReminder, "{text}: {u:?}");
            assert_eq!(
                u.start.as_deref(),
                Some("2026-11-30T09:00:00+08:00"),
                "{text}"
            );
        }
        let u = understood("Team offsite at the end of next week", AnswerIntent::Event);
        assert_eq!(u.intent, Intent::CreateEvent, "{u:?}");
        assert!(u.all_day);
        assert_eq!(u.start.as_deref(), Some("2026-12-04"));
        assert_eq!(u.end.as_deref(), Some("2026-12-04"));
    }

    #[test]
    fn a_name_after_with_is_an_invitee_and_other_words_are_not() {
        assert_eq!(
            invitee("Schedule a call with Zoe tomorrow at 10").as_deref(),
            Some("Zoe")
        );
        assert_eq!(invitee("Lunch with the team on Friday"), None);
        assert_eq!(invitee("Call with HSBC on Friday at 3pm"), None);
        assert_eq!(invitee("A catch-up with Monday's new joiners"), None);
        assert_eq!(invitee("Meeting forwith Zoe"), None);
        assert_eq!(invitee("Budget review tomorrow at 3pm"), None);
    }

    #[test]
    fn a_title_must_say_something_the_instruction_said() {
        let text = "Don't let me forget to pick up the cheque book at 2:30";
        assert!(!shares_content(text, "Calculation"));
        assert!(shares_content(text, "Pick up cheque book"));
        assert!(shares_content("聽日晏晝同銷售部食飯", "食飯"));
        assert!(!shares_content("聽日晏晝同銷售部食飯", "会议"));
    }

    #[test]
    fn a_question_about_a_time_gone_by_schedules_nothing() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-08T09:15:00+08:00").unwrap();
        let directory = Directory::default();
        let understood = |text: &str| {
            let req = Request {
                text,
                now,
                tz: chrono_tz::Asia::Hong_Kong,
                directory: &directory,
            };
            let slots = Slots::find(text, now, chrono_tz::Asia::Hong_Kong, &directory);
            let answer = Answer {
                intent: AnswerIntent::Task,
                title: "taxi spending".into(),
                assignee: None,
                location: None,
            };
            build(text, &req, &slots, answer)
        };
        for text in [
            "How much did we spend on taxis last month?",
            "上個月啲的士錢用咗幾多？",
        ] {
            let u = understood(text);
            assert_eq!(u.intent, Intent::Unknown, "{text}");
            assert_eq!(u.reason.as_deref(), Some("the time said is in the past"));
        }
        // Next month is ahead: still a task.
        let u = understood("Check the taxi spending next month");
        assert_eq!(u.intent, Intent::CreateTask);
    }

    #[test]
    fn a_title_says_more_than_the_time_and_the_people() {
        let dir = Directory::from_json(
            r#"{"people":[{"id":"p1","name":"Chan Tai Man","aliases":["陳大文","陈大文"]}]}"#,
        )
        .unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap();
        let says = |text: &str, title: &str| {
            let slots = Slots::find(text, now, chrono_tz::Asia::Hong_Kong, &dir);
            says_the_topic(text, title, &slots)
        };
        assert!(!says("禮拜四同陳大文喺尖沙咀見客", "拜拜四"));
        assert!(says("禮拜四同陳大文喺尖沙咀見客", "見客"));
        assert!(!says("明天下午三点和陈大文开会讨论预算", "会议"));
        assert!(says("明天下午三点和陈大文开会讨论预算", "讨论预算"));
        assert!(!says("Call with Chan Tai Man tomorrow", "Chan Tai Man"));
        assert!(!says(
            "禮拜二下晝兩點半陳大文同我一齊見新人，搞個半鐘",
            "搞個半鐘"
        ));
        assert!(says(
            "禮拜二下晝兩點半陳大文同我一齊見新人，搞個半鐘",
            "見新人"
        ));
        let call =
            "Arrange a call with Chan Tai Man tomorrow at 11 to talk about the Shenzhen client";
        assert!(!says(call, "Call with Chan Tai Man"));
        assert!(says(call, "Call about the Shenzhen client"));
    }

    #[test]
    fn a_title_keeps_the_english_words_of_a_mixed_instruction() {
        assert!(!keeps_english_words("叫  裝好新 server", "裝好新服務器"));
        assert!(keeps_english_words("叫  裝好新 server", "裝好新 server"));
        assert!(keeps_english_words("聽日 check 下 email", "check email"));
        assert!(keeps_english_words("明天讨论预算", "讨论预算"));
        assert!(keeps_english_words("Review the budget", "Budget review"));
        assert!(!keeps_english_words(
            "   同 Finance team review 個 forecast",
            "Finance team review"
        ));
        assert!(keeps_english_words(
            "   同 Finance team review 個 forecast",
            "Finance team review forecast"
        ));
    }

    #[test]
    fn a_title_must_name_more_than_the_place() {
        let lunch = "聽日晏晝十二點半同銷售部食飯，喺中環美心";
        assert!(only_the_place("喺中環美心", Some("中環美心"), lunch));
        assert!(only_the_place(
            "At the boardroom",
            Some("the boardroom"),
            "Board review at the boardroom"
        ));
        assert!(!only_the_place("食飯", Some("中環美心"), lunch));
        assert!(!only_the_place(
            "Lunch at the Peninsula",
            Some("the Peninsula"),
            "Lunch with Amy at the Peninsula"
        ));
        assert!(
            only_the_place("喺中環美心", None, lunch),
            "the place said last, when the model gives none"
        );
        assert!(!only_the_place("喺中環美心", None, "聽日同銷售部食飯"));
        assert!(
            only_the_place("喺中環美心", Some("中環"), lunch),
            "the model named part of the place"
        );
        assert!(!only_the_place("同銷售部食飯", None, lunch));
    }

    #[test]
    fn a_title_of_scrambled_characters_is_not_kept() {
        assert!(scrambled("每月一号上午十点和会计部对账", "账对"));
        assert!(!scrambled("每月一号上午十点和会计部对账", "对账"));
        assert!(!scrambled("每月一号上午十点和会计部对账", "会计部对账"));
        assert!(!scrambled("聽日同 Peter 開會", "Meeting"));
    }

    #[test]
    fn a_title_takes_the_script_of_the_instruction() {
        assert_eq!(
            in_script_of("叫志強聽日之前裝好新 server", "裝好新服务器"),
            "裝好新服務器"
        );
        assert_eq!(in_script_of("让张敏周五之前发报告", "發報告"), "发报告");
        assert_eq!(
            in_script_of("Ask Amy to send the budget", "Send budget"),
            "Send budget"
        );
    }
}
