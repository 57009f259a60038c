//! `mishu parse`: the time words, people and departments found in a text, resolved
//! (INTERFACES.md §1 `parse --json`).

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value as Json};

use crate::cli::ParseArgs;
use crate::directory::{Directory, Mention, MentionKind};
use crate::exit::BadInput;
use crate::timewords;

/// One row of the output: where, what kind, and the resolved value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedSpan {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub kind: &'static str,
    pub value: Json,
}

pub fn run(args: ParseArgs) -> anyhow::Result<()> {
    let now = reference_time(args.now.as_deref())?;
    let tz = zone(&args.tz)?;
    let directory = match &args.directory {
        Some(path) => Directory::load(path)
            .map_err(|e| BadInput(e.to_string()))
            .with_context(|| format!("--directory {}", path.display()))?,
        None => Directory::default(),
    };
    let spans = parse_text(&args.text, now, tz, &directory);
    tracing::debug!(spans = spans.len(), "parsed");
    if args.json {
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            spans: &'a [ParsedSpan],
        }
        println!("{}", serde_json::to_string_pretty(&Doc { spans: &spans })?);
    } else {
        print!("{}", table(&spans));
    }
    Ok(())
}

/// Time words and directory names of `text`, ordered by where they start.
pub fn parse_text(
    text: &str,
    now: DateTime<FixedOffset>,
    tz: Tz,
    directory: &Directory,
) -> Vec<ParsedSpan> {
    let mut spans: Vec<ParsedSpan> = timewords::find(text, now, tz)
        .into_iter()
        .map(|s| ParsedSpan {
            start: s.start,
            end: s.end,
            kind: s.value.kind(),
            value: s.value.to_json(),
            text: s.text,
        })
        .collect();
    spans.extend(directory.find(text).into_iter().map(mention_span));
    spans.sort_by_key(|s| (s.start, s.end));
    spans
}

fn mention_span(m: Mention) -> ParsedSpan {
    let (kind, value) = match m.kind {
        MentionKind::Person(id) => ("person", json!(id)),
        MentionKind::AmbiguousPerson(ids) => ("ambiguous_person", json!(ids)),
        MentionKind::Department(id) => ("department", json!(id)),
        MentionKind::Speaker(s) => ("speaker", json!(s.as_str())),
    };
    ParsedSpan {
        start: m.start,
        end: m.end,
        text: m.text,
        kind,
        value,
    }
}

/// `--now`, or the current time.
pub fn reference_time(now: Option<&str>) -> anyhow::Result<DateTime<FixedOffset>> {
    match now {
        None => Ok(Utc::now().fixed_offset()),
        Some(s) => DateTime::parse_from_rfc3339(s.trim()).map_err(|e| {
            BadInput(format!(
                "--now {s:?} is not an RFC 3339 timestamp ({e}); write it like 2026-11-25T10:00:00+08:00"
            ))
            .into()
        }),
    }
}

/// `--tz`, an IANA zone name.
pub fn zone(name: &str) -> anyhow::Result<Tz> {
    name.trim().parse::<Tz>().map_err(|_| {
        BadInput(format!(
            "--tz {name:?} is not an IANA time zone; try Asia/Hong_Kong or UTC"
        ))
        .into()
    })
}

fn table(spans: &[ParsedSpan]) -> String {
    if spans.is_empty() {
        return "no time words, people or departments found\n".to_string();
    }
    let rows: Vec<[String; 4]> = spans
        .iter()
        .map(|s| {
            let value = match &s.value {
                Json::String(v) => v.clone(),
                v => v.to_string(),
            };
            [
                format!("{}..{}", s.start, s.end),
                s.kind.to_string(),
                s.text.clone(),
                value,
            ]
        })
        .collect();
    let headers = ["BYTES", "KIND", "TEXT", "VALUE"];
    let mut widths = headers.map(width);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let mut out = String::new();
    for row in std::iter::once(headers.map(String::from)).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - width(cell))))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Display width: CJK characters take two columns.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}
