//! Action items that are already open tasks on their owner's list — from a command, the
//! API or an earlier meeting — with the same meaning: syncing them would list the same
//! work twice. Compared by sentence embeddings; without the encoder nothing is matched.

use std::collections::{HashMap, HashSet};

use super::output::ActionItem;
use crate::meaning;
use crate::store::tasks::{TaskQuery, TaskStatus};
use crate::store::{Result, Store};

/// The ids of `items` not yet synced from meeting `meeting_id` (their key is not in
/// `synced`) that an open task of the same owner from elsewhere already says.
pub async fn already_listed(
    store: &Store,
    meeting_id: &str,
    items: &[ActionItem],
    synced: &HashSet<String>,
) -> Result<HashSet<String>> {
    let new: Vec<&ActionItem> = items
        .iter()
        .filter(|i| i.owner.is_some())
        .filter(|i| !synced.contains(&super::sync::task_key(meeting_id, &i.id)))
        .collect();
    if new.is_empty() {
        return Ok(HashSet::new());
    }
    // Each owner's open tasks from anywhere but this meeting.
    let mut listed: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for item in &new {
        let owner = &item.owner.as_ref().expect("filtered on owner").id;
        if listed.contains_key(owner) {
            continue;
        }
        let tasks = store
            .tasks(&TaskQuery {
                assignee: Some(owner),
                status: Some(TaskStatus::Open),
                ..Default::default()
            })
            .await?
            .into_iter()
            .filter(|t| t.origin_id.as_deref() != Some(meeting_id))
            .map(|t| (t.id, t.title))
            .collect();
        listed.insert(owner.clone(), tasks);
    }
    if listed.values().all(Vec::is_empty) {
        return Ok(HashSet::new());
    }
    let candidates: Vec<Candidate> = new
        .iter()
        .map(|i| {
            let owner = &i.owner.as_ref().expect("filtered on owner").id;
            Candidate {
                item_id: i.id.clone(),
                task: i.task.clone(),
                listed: listed[owner].clone(),
            }
        })
        .filter(|c| !c.listed.is_empty())
        .collect();
    // The encoder loads and runs on a blocking thread, off the async executor.
    let matched = tokio::task::spawn_blocking(move || match_by_meaning(&candidates))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!("comparing action items with open tasks failed: {e}");
            HashSet::new()
        });
    Ok(matched)
}

/// An item not yet synced, and its owner's open tasks.
struct Candidate {
    item_id: String,
    task: String,
    /// (task id, title)
    listed: Vec<(String, String)>,
}

/// The items one of their owner's open tasks says.
fn match_by_meaning(candidates: &[Candidate]) -> HashSet<String> {
    let Some(encoder) = meaning::encoder() else {
        return HashSet::new();
    };
    let mut texts: Vec<&str> = Vec::new();
    for c in candidates {
        texts.push(&c.task);
        texts.extend(c.listed.iter().map(|(_, title)| title.as_str()));
    }
    let Some(vectors) = meaning::embed(&encoder, &texts) else {
        return HashSet::new();
    };
    let mut out = HashSet::new();
    let mut at = 0;
    for Candidate {
        item_id,
        task,
        listed,
    } in candidates
    {
        let item = &vectors[at];
        let best = listed
            .iter()
            .enumerate()
            .map(|(k, (id, title))| (meaning::closeness(item, &vectors[at + 1 + k]), id, title))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((closeness, id, title)) = best {
            if closeness >= meaning::SAME_TASK {
                tracing::info!(
                    "{task:?} is already open as task {id} ({title:?}, closeness {closeness:.2}): \
                     not listed again"
                );
                out.insert(item_id.clone());
            }
        }
        at += 1 + listed.len();
    }
    out
}
