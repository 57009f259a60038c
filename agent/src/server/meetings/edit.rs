//! A person's edit of one action item (`PATCH /v1/meetings/{id}/action-items/{item}`):
//! owner (a directory id, or null to unassign), due date, task text, confirmed. Every
//! field is checked before anything changes.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use super::super::errors::ApiError;
use crate::directory::Directory;
use crate::minutes::ground::PersonRef;
use crate::minutes::ActionItem;

/// Longest task text accepted, in characters.
const MAX_TASK_CHARS: usize = 500;

/// A checked edit; `None` fields stay as they are, `Some(None)` clears.
#[derive(Debug, Default, PartialEq)]
pub struct ItemEdit {
    pub owner: Option<Option<PersonRef>>,
    pub due: Option<Option<String>>,
    pub task: Option<String>,
    pub confirmed: Option<bool>,
}

impl ItemEdit {
    /// Reads a JSON object of `owner`, `due`, `task`, `confirmed`; owners are looked up
    /// in `directory` (`None`: no directory is stored).
    pub fn parse(body: &Value, directory: Option<&Directory>) -> Result<ItemEdit, ApiError> {
        let Value::Object(map) = body else {
            return Err(ApiError::bad_request(
                "invalid_json",
                "the body is an object of `owner`, `due`, `task`, `confirmed`",
            ));
        };
        if map.is_empty() {
            return Err(ApiError::bad_request(
                "missing_field",
                "nothing to change: give `owner`, `due`, `task` or `confirmed`",
            ));
        }
        let bad = |message: String| ApiError::bad_request("invalid_field", message);
        let mut edit = ItemEdit::default();
        for (name, value) in map {
            match (name.as_str(), value) {
                ("owner", Value::Null) => edit.owner = Some(None),
                ("owner", Value::String(id)) => {
                    let id = id.trim();
                    let directory = directory.ok_or_else(|| {
                        bad("owner: no company directory is stored, so no owner can be \
                             looked up"
                            .into())
                    })?;
                    let person = directory.person(id).ok_or_else(|| {
                        bad(format!(
                            "owner: no person with id {id:?} in the directory (use a \
                             directory id such as p001)"
                        ))
                    })?;
                    edit.owner = Some(Some(PersonRef {
                        id: person.id.clone(),
                        name: person.name.clone(),
                    }));
                }
                ("due", Value::Null) => edit.due = Some(None),
                ("due", Value::String(s)) => edit.due = Some(Some(due(s).map_err(bad)?)),
                ("task", Value::String(s)) => {
                    let s = s.trim();
                    if s.is_empty() || s.chars().count() > MAX_TASK_CHARS {
                        return Err(bad(format!(
                            "task: between 1 and {MAX_TASK_CHARS} characters"
                        )));
                    }
                    edit.task = Some(s.to_string());
                }
                ("confirmed", Value::Bool(b)) => edit.confirmed = Some(*b),
                ("owner" | "due" | "task" | "confirmed", other) => {
                    let expected = match name.as_str() {
                        "owner" => "a directory id or null",
                        "due" => "YYYY-MM-DD, an RFC 3339 time, or null",
                        "task" => "a string",
                        _ => "true or false",
                    };
                    return Err(bad(format!("{name}: {expected} is expected, not {other}")));
                }
                (other, _) => {
                    return Err(bad(format!(
                        "unknown field {other:?}: an action item has `owner`, `due`, `task`, \
                         `confirmed`"
                    )))
                }
            }
        }
        Ok(edit)
    }

    pub fn apply(self, item: &mut ActionItem) {
        if let Some(owner) = self.owner {
            item.owner = owner;
        }
        if let Some(due) = self.due {
            item.due = due;
        }
        if let Some(task) = self.task {
            item.task = task;
        }
        if let Some(confirmed) = self.confirmed {
            item.confirmed = confirmed;
        }
    }
}

/// A due date as the minutes write it: `YYYY-MM-DD`, or RFC 3339 when a time is given.
fn due(s: &str) -> Result<String, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_rfc3339())
        .map_err(|_| {
            format!("due: {s:?} is not a date; write YYYY-MM-DD or 2026-12-01T17:00:00+08:00")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people": [{"id": "p001", "name": "Chan Tai Man", "aliases": ["Peter"]}],
                "departments": []}"#,
        )
        .unwrap()
    }

    #[test]
    fn owners_are_directory_ids_and_dates_are_checked() {
        let d = directory();
        let edit = ItemEdit::parse(
            &json!({"owner": "p001", "due": "2026-12-01", "confirmed": true}),
            Some(&d),
        )
        .unwrap();
        assert_eq!(
            edit.owner,
            Some(Some(PersonRef {
                id: "p001".into(),
                name: "Chan Tai Man".into()
            }))
        );
        assert_eq!(edit.due, Some(Some("2026-12-01".into())));
        let err = ItemEdit::parse(&json!({"owner": "Peter"}), Some(&d)).unwrap_err();
        assert!(err.message.contains("no person"), "{}", err.message);
        let err = ItemEdit::parse(&json!({"owner": "p001"}), None).unwrap_err();
        assert!(
            err.message.contains("no company directory"),
            "{}",
            err.message
        );
        let err = ItemEdit::parse(&json!({"due": "Friday"}), Some(&d)).unwrap_err();
        assert!(err.message.starts_with("due:"), "{}", err.message);
        let err = ItemEdit::parse(&json!({"confirmed": "yes"}), Some(&d)).unwrap_err();
        assert!(err.message.starts_with("confirmed:"), "{}", err.message);
        assert_eq!(
            ItemEdit::parse(&json!({}), Some(&d)).unwrap_err().code,
            "missing_field"
        );
        let clear = ItemEdit::parse(&json!({"owner": null, "due": null}), None).unwrap();
        assert_eq!(clear.owner, Some(None));
        assert_eq!(clear.due, Some(None));
    }
}
