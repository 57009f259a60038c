//! What the spotter returns: a span of the text and the value it resolves to.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde_json::{json, Value as Json};

/// One time expression found in a text. `start`/`end` are byte offsets into that text.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub value: Value,
    /// For a loose period said by its end (`end of the month`, `月尾`, `end of next
    /// week`, `EOY`), the one day it stands for where one day is needed: a task due `end
    /// of the month` is due on its last day, one due `end of the week` on its Friday.
    pub bound: Option<NaiveDate>,
}

impl Span {
    /// The value where one day or moment is needed (a due date, a reminder, an
    /// event's day): a loose period said by its end is its day (`Span::bound`), anything
    /// else its value.
    pub fn point(&self) -> Value {
        match self.bound {
            Some(d) => Value::Date(d),
            None => self.value.clone(),
        }
    }

    /// Whether the words set a deadline: `by Friday`, `月尾之前`, and the office
    /// shorthands for the end of a week, month or year (`EOW`, `EOM`, `EOY`), which are
    /// written for due dates.
    pub fn sets_deadline(&self) -> bool {
        if matches!(self.value, Value::Deadline(_)) {
            return true;
        }
        let said = self.text.to_ascii_lowercase().replace('.', "");
        let said = said.trim_start_matches("the ").trim();
        self.bound.is_some() && matches!(said, "eow" | "eom" | "eoy")
    }
}

/// A point in time: a whole day, or a moment on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
}

impl When {
    /// `YYYY-MM-DD` or RFC 3339.
    pub fn render(&self) -> String {
        match self {
            When::Date(d) => d.format("%Y-%m-%d").to_string(),
            When::DateTime(t) => t.to_rfc3339(),
        }
    }
}

/// The resolved value of a span; the variants are the kinds of INTERFACES.md §1.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A moment.
    DateTime(DateTime<FixedOffset>),
    /// A whole day.
    Date(NaiveDate),
    /// From `start` to `end`: moments (end exclusive) or days (both inclusive).
    Interval { start: When, end: When },
    /// A length of time, in minutes.
    Duration { minutes: u32 },
    /// Something is due by this day or moment.
    Deadline(When),
    /// A repeating event: an RFC 5545 RRULE and its first occurrence from now on.
    Recurrence { rrule: String, first: When },
    /// Words that name a date that does not exist (`2月30日`); never rolled over.
    InvalidDate { reason: String },
}

impl Value {
    /// The `kind` field of `parse --json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::DateTime(_) => "datetime",
            Value::Date(_) => "date",
            Value::Interval { .. } => "interval",
            Value::Duration { .. } => "duration",
            Value::Deadline(_) => "deadline",
            Value::Recurrence { .. } => "recurrence",
            Value::InvalidDate { .. } => "invalid_date",
        }
    }

    /// The `value` field of `parse --json`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::DateTime(t) => json!(t.to_rfc3339()),
            Value::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
            Value::Interval { start, end } => {
                json!({"start": start.render(), "end": end.render()})
            }
            Value::Duration { minutes } => json!(iso_duration(*minutes)),
            Value::Deadline(w) => json!(w.render()),
            Value::Recurrence { rrule, first } => json!({"rrule": rrule, "first": first.render()}),
            Value::InvalidDate { reason } => json!({"error": reason}),
        }
    }

    /// A one-line rendering for tables and test data.
    pub fn render(&self) -> String {
        match self {
            Value::Interval { start, end } => format!("{}/{}", start.render(), end.render()),
            Value::Recurrence { rrule, first } => format!("{rrule}@{}", first.render()),
            Value::InvalidDate { reason } => reason.clone(),
            other => match other.to_json() {
                Json::String(s) => s,
                j => j.to_string(),
            },
        }
    }
}

/// ISO 8601 duration: `PT1H30M`, `PT45M`, `P2D`, `P1DT2H`.
pub fn iso_duration(minutes: u32) -> String {
    if minutes == 0 {
        return "PT0M".to_string();
    }
    let days = minutes / (24 * 60);
    let hours = minutes % (24 * 60) / 60;
    let mins = minutes % 60;
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if hours > 0 || mins > 0 {
        out.push('T');
        if hours > 0 {
            out.push_str(&format!("{hours}H"));
        }
        if mins > 0 {
            out.push_str(&format!("{mins}M"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::iso_duration;

    #[test]
    fn durations_render_as_iso_8601() {
        assert_eq!(iso_duration(90), "PT1H30M");
        assert_eq!(iso_duration(30), "PT30M");
        assert_eq!(iso_duration(120), "PT2H");
        assert_eq!(iso_duration(2 * 24 * 60), "P2D");
        assert_eq!(iso_duration(24 * 60 + 60), "P1DT1H");
    }
}
