//! The reduce step: the parts' items and decisions as one list. The same item seen
//! twice (from the utterance two parts share, or said twice) is kept once; a task
//! handed to someone else later in the meeting keeps only its last owner.

use super::ground::Grounded;
use super::text::similarity;

/// Tasks this alike are the same task.
const SAME_TASK: f64 = 0.5;
/// A task this alike given to another owner within this many utterances is a
/// reassignment ("actually, Ken will do it instead").
const REASSIGNED_TASK: f64 = 0.6;
const REASSIGN_WINDOW: usize = 12;

pub fn items(mut all: Vec<Grounded>) -> Vec<Grounded> {
    all.sort_by_key(|g| g.source);
    let mut out: Vec<Grounded> = Vec::new();
    for item in all {
        let owner_id = item.owner.as_ref().map(|p| p.id.clone());
        let same = out.iter().position(|o| {
            let same_owner = o.owner.as_ref().map(|p| &p.id) == owner_id.as_ref();
            same_owner && (o.source == item.source || similarity(&o.task, &item.task) >= SAME_TASK)
        });
        if let Some(i) = same {
            if out[i].due.is_none() {
                out[i].due = item.due;
            }
            continue;
        }
        let reassigned = out.iter().position(|o| {
            o.owner.as_ref().map(|p| &p.id) != owner_id.as_ref()
                && item.source - o.source <= REASSIGN_WINDOW
                && similarity(&o.task, &item.task) >= REASSIGNED_TASK
        });
        if let Some(i) = reassigned {
            tracing::info!(
                "{:?} was handed on: {:?} → {:?}",
                item.task,
                out[i].owner_text,
                item.owner_text
            );
            out.remove(i);
        }
        out.push(item);
    }
    out
}

pub fn decisions(all: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in all {
        let d = d.trim().to_string();
        if d.is_empty() || out.iter().any(|o| similarity(o, &d) >= SAME_TASK) {
            continue;
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minutes::ground::PersonRef;

    fn item(task: &str, owner: Option<&str>, source: usize) -> Grounded {
        Grounded {
            task: task.into(),
            owner: owner.map(|id| PersonRef {
                id: id.into(),
                name: id.into(),
            }),
            owner_text: owner.unwrap_or("we").into(),
            due: None,
            source,
            quote: String::new(),
        }
    }

    #[test]
    fn duplicates_merge_and_reassignments_keep_the_last_owner() {
        let merged = items(vec![
            item("Prepare the KOL list", Some("p013"), 10),
            item("Send the contract to Kelly", Some("p013"), 8),
            item("Prepare KOL list", Some("p002"), 13),
            item("Send contract to Kelly", Some("p013"), 8),
        ]);
        let got: Vec<(&str, &str)> = merged
            .iter()
            .map(|g| (g.task.as_str(), g.owner.as_ref().unwrap().id.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Send the contract to Kelly", "p013"),
                ("Prepare KOL list", "p002")
            ]
        );
        assert_eq!(
            decisions(vec![
                "Go with Second Chance".into(),
                "go with Second Chance.".into(),
                "".into()
            ]),
            ["Go with Second Chance"]
        );
    }
}
