//! Telling two phrasings of one action item from two different tasks: the hand-labelled
//! pairs of `data/action_item_pairs.tsv` (English, Chinese, Cantonese), compared by
//! words (the rule used without embeddings) and by meaning (minilm-l6), with the
//! precision and recall of each printed and the chosen threshold held to account; then
//! the minutes' merge and task sync that use it.

use agent::meaning;
use agent::minutes::ground::{Grounded, PersonRef};
use agent::minutes::merge;
use agent::minutes::sync::sync_tasks;
use agent::minutes::text::similarity;
use agent::minutes::{ActionItem, Minutes, Source};
use agent::store::tasks::{NewTask, Origin, TaskPatch, TaskQuery, TaskStatus};
use agent::store::Store;

/// The word-overlap rule's "same task" (minutes::merge).
const SAME_BY_WORDS: f64 = 0.5;

struct Pair {
    same: bool,
    language: String,
    a: String,
    b: String,
}

fn pairs() -> Vec<Pair> {
    let text = include_str!("data/action_item_pairs.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "{l}");
            Pair {
                same: f[0] == "1",
                language: f[1].into(),
                a: f[2].into(),
                b: f[3].into(),
            }
        })
        .collect()
}

#[derive(Default, Debug, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn add(&mut self, said_same: bool, same: bool) {
        match (said_same, same) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    fn precision(self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
}

#[test]
fn meaning_finds_more_paraphrases_than_words_without_merging_different_tasks() {
    let pairs = pairs();
    assert!(pairs.len() >= 60);
    let encoder = meaning::encoder()
        .expect("minilm-l6 is needed by this test (run `mishu models fetch minilm-l6`)");
    let texts: Vec<&str> = pairs
        .iter()
        .flat_map(|p| [p.a.as_str(), p.b.as_str()])
        .collect();
    let v = meaning::embed(&encoder, &texts).unwrap();
    let raw = encoder.embed(&texts).unwrap();
    let cos: Vec<f32> = (0..pairs.len())
        .map(|i| meaning::closeness(&v[2 * i], &v[2 * i + 1]))
        .collect();
    let cos_raw: Vec<f32> = (0..pairs.len())
        .map(|i| meaning::closeness(&raw[2 * i], &raw[2 * i + 1]))
        .collect();
    let words: Vec<bool> = pairs
        .iter()
        .map(|p| similarity(&p.a, &p.b) >= SAME_BY_WORDS)
        .collect();

    let languages = ["en", "zh", "yue", "all"];
    let count = |said: &dyn Fn(usize) -> bool, language: &str| {
        let mut c = Counts::default();
        for (i, p) in pairs.iter().enumerate() {
            if language == "all" || p.language == language {
                c.add(said(i), p.same);
            }
        }
        c
    };
    let row = |name: &str, said: &dyn Fn(usize) -> bool| {
        let cells: Vec<String> = languages
            .iter()
            .map(|l| {
                let c = count(said, l);
                format!("{:.2}/{:.2}", c.precision(), c.recall())
            })
            .collect();
        eprintln!("{name:<28} {}", cells.join("  "));
    };
    eprintln!("precision/recall per language: {languages:?}");
    row("words (today)", &|i| words[i]);
    for t in [0.6f32, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9] {
        row(&format!("meaning >= {t}"), &|i| cos[i] >= t);
        row(&format!("  unconverted >= {t}"), &|i| cos_raw[i] >= t);
        row(&format!("  words or meaning >= {t}"), &|i| {
            words[i] || cos[i] >= t
        });
    }
    for (i, p) in pairs.iter().enumerate() {
        let said = words[i] || cos[i] >= meaning::SAME_TASK;
        if std::env::var_os("SHOW_ALL").is_some() || said != p.same {
            eprintln!(
                "wrong ({:.3}): {} | {} (labelled {})",
                cos[i], p.a, p.b, p.same as u8
            );
        }
    }

    let today = count(&|i| words[i], "all");
    let chosen = count(&|i| words[i] || cos[i] >= meaning::SAME_TASK, "all");
    assert!(
        chosen.recall() >= today.recall() + 0.2,
        "meaning adds little: recall {:.2} vs {:.2} by words",
        chosen.recall(),
        today.recall()
    );
    assert!(
        chosen.precision() >= 0.9,
        "precision {:.2}",
        chosen.precision()
    );
}

fn grounded(task: &str, owner: &str, source: usize) -> Grounded {
    Grounded {
        task: task.into(),
        owner: Some(PersonRef {
            id: owner.into(),
            name: owner.into(),
        }),
        owner_text: owner.into(),
        due: None,
        source,
        quote: String::new(),
    }
}

#[test]
fn merging_keeps_one_of_two_phrasings_of_a_task_and_both_of_two_tasks() {
    let encoder = meaning::encoder().expect("minilm-l6 is needed by this test");
    let all = || {
        vec![
            grounded("Prepare the KOL list", "p001", 3),
            grounded("Send the signed contract to Kelly", "p002", 5),
            // A later part says the first task in other words…
            grounded("Put together the list of KOLs", "p001", 40),
            // …and gives p001 a different list to prepare.
            grounded("Prepare the guest list for the dinner", "p001", 44),
            // The same words for someone else, long after, are someone else's task.
            grounded("Put together the list of KOLs", "p003", 90),
        ]
    };
    let tasks = |items: Vec<Grounded>| -> Vec<String> {
        items
            .into_iter()
            .map(|g| format!("{}: {}", g.owner.unwrap().id, g.task))
            .collect()
    };
    assert_eq!(
        tasks(merge::items(all(), Some(&encoder))),
        [
            "p001: Prepare the KOL list",
            "p002: Send the signed contract to Kelly",
            "p001: Prepare the guest list for the dinner",
            "p003: Put together the list of KOLs",
        ]
    );
    // Without the encoder the words of the two phrasings are too far apart.
    assert_eq!(merge::items(all(), None).len(), 5);
}

fn action_item(id: &str, task: &str, owner: &str) -> ActionItem {
    ActionItem {
        id: id.into(),
        task: task.into(),
        owner: Some(PersonRef {
            id: owner.into(),
            name: owner.into(),
        }),
        owner_text: owner.into(),
        due: None,
        source: Source {
            start: None,
            end: None,
            line: 1,
            speaker: None,
            text: task.into(),
        },
        confirmed: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_already_open_on_its_owners_list_is_not_added_again() {
    meaning::encoder().expect("minilm-l6 is needed by this test");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
    let task = |title: &str, owner: &str| NewTask {
        title: title.into(),
        assignee: Some(owner.into()),
        assignee_name: Some(owner.into()),
        due: None,
        origin: Origin::Command,
        origin_id: Some("cmd_1".into()),
        origin_key: None,
        notes: None,
        created_by: None,
    };
    store
        .upsert_task(&task("Email Kelly the signed contract", "p001"))
        .await
        .unwrap();
    let done = store
        .upsert_task(&task("Book flights to Tokyo", "p001"))
        .await
        .unwrap();
    store
        .patch_task(
            &done.id,
            &TaskPatch {
                status: Some(TaskStatus::Done),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let minutes = Minutes {
        language: "en".into(),
        title: "Weekly".into(),
        date: "2026-12-01".into(),
        meeting_at: "2026-12-01T10:00:00+08:00".into(),
        attendees: vec![],
        summary: String::new(),
        decisions: vec![],
        action_items: vec![
            // Already open on p001's list, in other words: not added.
            action_item("ai_1", "Send the signed contract to Kelly", "p001"),
            // p002's list does not have it: added.
            action_item("ai_2", "Send the signed contract to Kelly", "p002"),
            // p001 did this once and it is done: asked again, it is new work.
            action_item("ai_3", "Book flights to Tokyo", "p001"),
            action_item("ai_4", "Order lunch for the workshop", "p001"),
        ],
        transcript: None,
        model: "test".into(),
        stats: Default::default(),
    };
    let added = sync_tasks(&store, "m_1", &minutes, None).await.unwrap();
    assert_eq!(added, 3);
    let mut of_meeting: Vec<String> = store
        .tasks(&TaskQuery {
            origin_id: Some("m_1"),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|t| format!("{}: {}", t.assignee.unwrap(), t.title))
        .collect();
    of_meeting.sort();
    assert_eq!(
        of_meeting,
        [
            "p001: Book flights to Tokyo",
            "p001: Order lunch for the workshop",
            "p002: Send the signed contract to Kelly",
        ]
    );
    // Processing the meeting again changes nothing.
    assert_eq!(sync_tasks(&store, "m_1", &minutes, None).await.unwrap(), 3);
    let open_for_p001 = store
        .tasks(&TaskQuery {
            assignee: Some("p001"),
            status: Some(TaskStatus::Open),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open_for_p001.len(), 3, "{open_for_p001:?}");
}

#[test]
fn kept_embeddings_are_each_texts_own() {
    let encoder = meaning::encoder()
        .expect("minilm-l6 is needed by this test (run `mishu models fetch minilm-l6`)");
    // Some texts embedded before, some new, one twice, in an order unlike the first call's.
    let first = ["Book the venue for the offsite", "Renew the office lease"];
    let v1 = meaning::embed(&encoder, &first).unwrap();
    assert!(meaning::kept_embeddings() >= 2);
    let second = [
        "Chase the printer quote",
        "Renew the office lease",
        "Chase the printer quote",
        "Book the venue for the offsite",
        "Send the Q4 forecast to finance",
    ];
    let v2 = meaning::embed(&encoder, &second).unwrap();
    assert_eq!(v2.len(), second.len());
    assert_eq!(v2[1], v1[1], "a kept embedding is reused as it was");
    assert_eq!(v2[3], v1[0]);
    assert_eq!(v2[0], v2[2]);
    let fresh = encoder.embed(&second).unwrap();
    for (i, (kept, fresh)) in v2.iter().zip(&fresh).enumerate() {
        let cos = meaning::closeness(kept, fresh);
        assert!(cos > 0.9999, "text {i}: {cos}");
    }
    assert!(
        meaning::closeness(&v2[0], &v2[4]) < 0.9,
        "different texts stay apart"
    );
}
