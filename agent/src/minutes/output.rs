//! The minutes as INTERFACES.md prints them (`minutes --json`: `language`, `summary`,
//! `decisions`, `action_items`, `transcript`; the other fields are additions), and as
//! readable Markdown in the meeting's language.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ground::PersonRef;
use super::language::Language;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Minutes {
    pub language: String,
    pub title: String,
    /// The meeting's date, `YYYY-MM-DD`, and its time (RFC 3339).
    pub date: String,
    pub meeting_at: String,
    pub attendees: Vec<Attendee>,
    pub summary: String,
    pub decisions: Vec<String>,
    pub action_items: Vec<ActionItem>,
    /// The `transcribe --json` document, when the input was audio.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub transcript: Option<Value>,
    pub model: String,
    pub stats: Stats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    /// Directory id; `None` for someone not in the directory.
    pub id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionItem {
    /// Stable within the meeting: the same item gets the same id when it is processed
    /// again.
    pub id: String,
    pub task: String,
    pub owner: Option<PersonRef>,
    pub owner_text: String,
    /// `YYYY-MM-DD`, or RFC 3339 when a time was said, or null.
    pub due: Option<String>,
    pub source: Source,
    /// Set by a person (the API's PATCH); the pipeline writes `false`.
    #[serde(default)]
    pub confirmed: bool,
}

/// Where an action item was said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Seconds into the recording, when the input had times.
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// The utterance's number (1-based) in the transcript.
    pub line: usize,
    pub speaker: Option<String>,
    /// The words it came from, as said.
    pub text: String,
}

/// Where the time went and how much the model read and wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub utterances: usize,
    pub chunks: usize,
    pub prompt_tokens: usize,
    pub cached_prompt_tokens: usize,
    pub completion_tokens: usize,
    /// Answers cut off by the token limit (their complete items kept).
    pub truncated_answers: usize,
    /// Items the model proposed that grounding dropped: their words were not said, or
    /// the quote or task is only a name or too short.
    pub dropped_items: usize,
    /// Decisions the model proposed that were dropped (too short, only names, or not
    /// what was said).
    #[serde(default)]
    pub dropped_decisions: usize,
    /// Lines given a second look, one at a time, because their words look like a task
    /// or a decision that the reading of their part did not give.
    #[serde(default)]
    pub checked_lines: usize,
    /// The recording's length (0 for a transcript): the total is compared against it.
    #[serde(default)]
    pub audio_s: f64,
    pub decode_s: f64,
    /// Loading the Whisper model (recordings only).
    #[serde(default)]
    pub speech_load_s: f64,
    pub transcribe_s: f64,
    /// Separating and naming the speakers (recordings only), beyond the time it ran
    /// alongside the transcription: the stages from `decode_s` to `merge_s` add up to
    /// at most `total_s`.
    #[serde(default)]
    pub speakers_s: f64,
    /// How long separating the speakers ran, alongside the transcription (recordings
    /// only; overlaps `transcribe_s`).
    #[serde(default)]
    pub speakers_alongside_s: f64,
    /// Loading the LLM.
    pub load_s: f64,
    pub prefill_s: f64,
    pub generate_s: f64,
    /// Of prefill and generate: the second look at single lines, and the summary of
    /// the whole meeting.
    #[serde(default)]
    pub second_look_s: f64,
    #[serde(default)]
    pub summary_s: f64,
    /// Reading the model's answers, grounding and merging them.
    pub merge_s: f64,
    pub total_s: f64,
}

struct Labels {
    date: &'static str,
    attendees: &'static str,
    summary: &'static str,
    decisions: &'static str,
    actions: &'static str,
    none: &'static str,
    columns: [&'static str; 4],
    unassigned: &'static str,
}

fn labels(language: &str) -> Labels {
    match language {
        "zh-Hans" => Labels {
            date: "日期",
            attendees: "出席",
            summary: "摘要",
            decisions: "决定",
            actions: "待办事项",
            none: "无",
            columns: ["负责人", "事项", "限期", "时间"],
            unassigned: "未指派",
        },
        "zh-Hant" => Labels {
            date: "日期",
            attendees: "出席",
            summary: "摘要",
            decisions: "決定",
            actions: "跟進事項",
            none: "無",
            columns: ["負責人", "事項", "限期", "時間"],
            unassigned: "未指派",
        },
        _ => Labels {
            date: "Date",
            attendees: "Attendees",
            summary: "Summary",
            decisions: "Decisions",
            actions: "Action items",
            none: "None",
            columns: ["Owner", "Task", "Due", "Said at"],
            unassigned: "unassigned",
        },
    }
}

/// The script the Markdown headings are written in.
pub fn heading_script(language: Language) -> &'static str {
    match language {
        Language::English => "en",
        Language::MandarinSimplified => "zh-Hans",
        Language::MandarinTraditional | Language::Cantonese => "zh-Hant",
    }
}

/// The default title in the meeting's language.
pub fn default_title(language: Language) -> &'static str {
    match language {
        Language::English => "Meeting minutes",
        Language::MandarinSimplified => "会议纪要",
        Language::MandarinTraditional | Language::Cantonese => "會議紀錄",
    }
}

impl Minutes {
    pub fn to_markdown(&self, script: &str) -> String {
        let l = labels(script);
        let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
        let mut md = format!("# {}\n\n**{}:** {}\n", cell(&self.title), l.date, self.date);
        if !self.attendees.is_empty() {
            let names: Vec<&str> = self.attendees.iter().map(|a| a.name.as_str()).collect();
            md.push_str(&format!("**{}:** {}\n", l.attendees, names.join(", ")));
        }
        md.push_str(&format!(
            "\n## {}\n\n{}\n\n## {}\n\n",
            l.summary,
            self.summary.trim(),
            l.decisions
        ));
        if self.decisions.is_empty() {
            md.push_str(&format!("{}\n", l.none));
        }
        for d in &self.decisions {
            md.push_str(&format!("- {}\n", d.trim()));
        }
        md.push_str(&format!("\n## {}\n\n", l.actions));
        if self.action_items.is_empty() {
            md.push_str(&format!("{}\n", l.none));
            return md;
        }
        let [owner, task, due, at] = l.columns;
        md.push_str(&format!(
            "| {owner} | {task} | {due} | {at} |\n|---|---|---|---|\n"
        ));
        for a in &self.action_items {
            let who = match (&a.owner, a.owner_text.as_str()) {
                (Some(p), _) => p.name.clone(),
                (None, "") => format!("({})", l.unassigned),
                (None, said) => format!("{said} ({})", l.unassigned),
            };
            let when = match a.source.start {
                Some(s) => clock(s),
                None => format!("#{}", a.source.line),
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&who),
                cell(&a.task),
                a.due.as_deref().unwrap_or("—"),
                when
            ));
        }
        md
    }
}

/// `H:MM:SS` or `M:SS`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_has_the_table_in_the_meeting_language() {
        let m = Minutes {
            language: "yue".into(),
            title: "會議紀錄".into(),
            date: "2026-11-25".into(),
            meeting_at: "2026-11-25T10:00:00+08:00".into(),
            attendees: vec![Attendee {
                id: Some("p001".into()),
                name: "Chan Tai Man".into(),
            }],
            summary: "討論預算。".into(),
            decisions: vec!["換晒六部 access point".into()],
            action_items: vec![ActionItem {
                id: "a".into(),
                task: "覆 budget | 預算".into(),
                owner: None,
                owner_text: "我哋".into(),
                due: Some("2026-11-26".into()),
                source: Source {
                    start: Some(62.0),
                    end: Some(70.5),
                    line: 3,
                    speaker: None,
                    text: "我聽日覆你".into(),
                },
                confirmed: false,
            }],
            transcript: None,
            model: "m".into(),
            stats: Stats::default(),
        };
        let md = m.to_markdown("zh-Hant");
        assert!(md.contains("## 跟進事項"), "{md}");
        assert!(
            md.contains("| 我哋 (未指派) | 覆 budget \\| 預算 | 2026-11-26 | 1:02 |"),
            "{md}"
        );
        assert!(md.contains("**出席:** Chan Tai Man"));
    }
}
