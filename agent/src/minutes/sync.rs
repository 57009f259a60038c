//! Action items onto to-do lists: each item with an owner becomes (or updates) a task
//! keyed by the meeting and the item, so processing a meeting again changes its tasks
//! instead of adding copies, and an item no longer in the minutes loses its task. An
//! item without an owner waits in the meeting until someone assigns it, and one that is
//! already an open task on its owner's list (the same work, said before) is not added.

use std::collections::HashSet;

use super::output::Minutes;
use crate::store::tasks::{NewTask, Origin, TaskQuery};
use crate::store::{Result, Store};

/// The task key of one item of one meeting.
pub fn task_key(meeting_id: &str, item_id: &str) -> String {
    format!("meeting:{meeting_id}:{item_id}")
}

/// Writes the tasks of `minutes`' owned items (but those already listed) and removes
/// those of items gone.
/// Returns how many tasks the meeting now has.
pub async fn sync_tasks(
    store: &Store,
    meeting_id: &str,
    minutes: &Minutes,
    created_by: Option<&str>,
) -> Result<usize> {
    let synced: HashSet<String> = store
        .tasks(&TaskQuery {
            origin_id: Some(meeting_id),
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter_map(|t| t.origin_key)
        .collect();
    let listed =
        super::open_tasks::already_listed(store, meeting_id, &minutes.action_items, &synced)
            .await?;
    let mut keep = Vec::new();
    for item in &minutes.action_items {
        let Some(owner) = &item.owner else {
            continue;
        };
        if listed.contains(&item.id) {
            continue;
        }
        let key = task_key(meeting_id, &item.id);
        store
            .upsert_task(&NewTask {
                title: item.task.clone(),
                assignee: Some(owner.id.clone()),
                assignee_name: Some(owner.name.clone()),
                due: item.due.clone(),
                origin: Origin::Meeting,
                origin_id: Some(meeting_id.to_string()),
                origin_key: Some(key.clone()),
                notes: Some(format!("{}: \"{}\"", minutes.title, item.source.text)),
                created_by: created_by.map(str::to_string),
            })
            .await?;
        keep.push(key);
    }
    store
        .delete_tasks_of_origin_except(meeting_id, &keep)
        .await?;
    Ok(keep.len())
}
