//! The reduce step: the parts' items and decisions as one list. The same item seen
//! twice (from the utterance two parts share, said twice, or asked for in one line and
//! taken on in the next, or phrased differently by two parts) is kept once; a task
//! handed to someone else later in the meeting keeps only its last owner.
//!
//! Two phrasings of one task are told apart by their words, and — when the sentence
//! encoder is installed — by their meaning as well.

use inference::embeddings::SentenceEncoder;

use super::cues::hands_over;
use super::ground::{addresses_someone, group_words, Context, Grounded};
use super::text::{content_units, similarity};
use crate::meaning;

/// Tasks this alike are the same task.
const SAME_TASK: f64 = meaning::SAME_BY_WORDS;
/// A task this alike given to another owner within this many utterances is a
/// reassignment ("actually, Ken will do it instead").
const REASSIGNED_TASK: f64 = 0.6;
const REASSIGN_WINDOW: usize = 12;
/// Two tasks of one owner (or both of nobody) this close, sharing this many content
/// words, are one task said again ("We should all clean our own accounts" — "Yes, let's
/// each clean up our own accounts in the CRM before the end of the month").
const RESTATED_WITHIN: usize = 2;
const RESTATED_SHARED: usize = 2;

/// The items as one list. `encoder`: compare tasks by meaning too.
pub fn items(mut all: Vec<Grounded>, encoder: Option<&SentenceEncoder>) -> Vec<Grounded> {
    all.sort_by_key(|g| g.source);
    let tasks: Vec<&str> = all.iter().map(|g| g.task.as_str()).collect();
    let vectors = encoder.and_then(|e| meaning::embed(e, &tasks));
    let same_meaning = |a: usize, b: usize| {
        vectors
            .as_ref()
            .is_some_and(|v| meaning::closeness(&v[a], &v[b]) >= meaning::SAME_TASK)
    };
    // Each kept item with its index in `all` (its embedding).
    let mut out: Vec<(Grounded, usize)> = Vec::new();
    for (at, item) in all.into_iter().enumerate() {
        let owner_id = item.owner.as_ref().map(|p| p.id.clone());
        let same = out.iter().position(|(o, o_at)| {
            let same_owner = o.owner.as_ref().map(|p| &p.id) == owner_id.as_ref();
            // "Sandy, the allocation by Tuesday?" / "Sure, I'll redo it": one task.
            let asked_then_taken = owner_id.is_some() && item.source - o.source <= 1;
            same_owner
                && (o.source == item.source
                    || asked_then_taken
                    || similarity(&o.task, &item.task) >= SAME_TASK
                    || same_meaning(*o_at, at)
                    || restated(o, &item))
        });
        if let Some(i) = same {
            if out[i].0.due.is_none() {
                out[i].0.due = item.due;
            }
            continue;
        }
        // Said with "actually…" / "咁算，我自己…", a task sharing a content word
        // with an earlier one is that task handed on.
        let handed = hands_over(&item.quote);
        let reassigned = out.iter().position(|(o, _)| {
            o.owner.as_ref().map(|p| &p.id) != owner_id.as_ref()
                && item.source - o.source <= REASSIGN_WINDOW
                && (similarity(&o.task, &item.task) >= REASSIGNED_TASK
                    || (handed && shares_content(&o.task, &item.task)))
        });
        if let Some(i) = reassigned {
            tracing::info!(
                "{:?} was handed on: {:?} → {:?}",
                item.task,
                out[i].0.owner_text,
                item.owner_text
            );
            out.remove(i);
        }
        out.push((item, at));
    }
    let kept: Vec<Grounded> = out.into_iter().map(|(g, _)| g).collect();
    without_needs_taken_on(taken_on_by_pronoun(kept))
}

/// Whether `later` says `earlier`'s task again soon after (same owner checked by the
/// caller): it shares two content words with it, or one and the same due date, time
/// words aside (`下個禮拜交報告` / `下個禮拜開會` share only their week). Two due dates
/// that differ make two tasks.
fn restated(earlier: &Grounded, later: &Grounded) -> bool {
    if later.source - earlier.source > RESTATED_WITHIN {
        return false;
    }
    let same_due = match (&earlier.due, &later.due) {
        (Some(a), Some(b)) if a != b => return false,
        (Some(_), Some(_)) => true,
        _ => false,
    };
    let words = units_beyond_time(&earlier.task);
    let shared = units_beyond_time(&later.task)
        .into_iter()
        .filter(|u| words.contains(u))
        .collect::<std::collections::HashSet<_>>()
        .len();
    shared >= RESTATED_SHARED || shared >= 1 && same_due
}

/// The content units of `task` outside its time words. Only where the time words stand
/// matters here, not what they resolve to, so any reference time serves.
fn units_beyond_time(task: &str) -> Vec<String> {
    let epoch = chrono::DateTime::UNIX_EPOCH.fixed_offset();
    let mut rest = String::with_capacity(task.len());
    let mut at = 0;
    for span in crate::timewords::find(task, epoch, chrono_tz::UTC) {
        if span.start >= at {
            rest.push_str(&task[at..span.start]);
            rest.push(' ');
            at = span.end;
        }
    }
    rest.push_str(&task[at..]);
    content_units(&rest)
}

/// "…if finance gives me a simple one-page explanation" — "I can write that": a task
/// whose only object is a pronoun, taken on by its speaker, is the task of the line just
/// before, now theirs. The earlier item takes the new owner (and keeps its words); the
/// pronoun one goes. English only: a Chinese pronoun task ("我嚟做呢個") does not split
/// into words this way.
fn taken_on_by_pronoun(items: Vec<Grounded>) -> Vec<Grounded> {
    let mut out: Vec<Grounded> = Vec::with_capacity(items.len());
    for item in items {
        let Some(owner) = item.owner.clone().filter(|_| points_back(&item.task)) else {
            out.push(item);
            continue;
        };
        let before = out.iter().rposition(|o| {
            item.source > o.source
                && item.source - o.source <= RESTATED_WITHIN
                && !points_back(&o.task)
        });
        match before {
            Some(i) if out[i].owner.as_ref().is_some_and(|p| p.id == owner.id) => {
                tracing::info!("{:?} points back at {:?}", item.task, out[i].task);
                if out[i].due.is_none() {
                    out[i].due = item.due;
                }
            }
            Some(i) => {
                tracing::info!(
                    "{:?} points back at {:?}; now {}'s",
                    item.task,
                    out[i].task,
                    owner.name
                );
                out[i].owner = Some(owner);
                out[i].owner_text = item.owner_text;
                if item.due.is_some() {
                    out[i].due = item.due;
                }
            }
            None => out.push(item),
        }
    }
    out
}

/// "write that", "do it", "send them": a verb and a pronoun, nothing it is about.
fn points_back(task: &str) -> bool {
    const OBJECTS: &[&str] = &["that", "it", "this", "them", "those", "these", "one"];
    let lower = task.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().all(|w| w.is_ascii())
        && words.iter().any(|w| OBJECTS.contains(w))
        && content_units(task)
            .iter()
            .filter(|u| !OBJECTS.contains(&u.as_str()))
            .count()
            <= 1
}

/// "Clients want to know our hours" (nobody's) — "I'll tell them when I confirm the
/// hours" (Fiona's): a need the meeting left to nobody that someone takes on soon
/// after is that person's task, not a second one. A task for everyone ("we'll all
/// finish the training") stays: one person doing their part does not cover it.
fn without_needs_taken_on(items: Vec<Grounded>) -> Vec<Grounded> {
    let taken_on = |need: &Grounded| {
        let words = content_units(&need.task);
        !words.is_empty()
            && !for_everyone(&need.owner_text)
            && items.iter().any(|o| {
                o.owner.is_some()
                    && o.source >= need.source
                    && o.source - need.source <= REASSIGN_WINDOW
                    && {
                        let theirs = content_units(&o.task);
                        words.iter().all(|w| theirs.contains(w))
                    }
            })
    };
    let drop: Vec<bool> = items
        .iter()
        .map(|g| g.owner.is_none() && taken_on(g))
        .collect();
    items
        .into_iter()
        .zip(drop)
        .filter_map(|(g, drop)| {
            if drop {
                tracing::info!("{:?} is taken on by someone later; not kept twice", g.task);
            }
            (!drop).then_some(g)
        })
        .collect()
}

/// "上季嘅 report，我哋要交畀 Kenneth" — "我哋一齊整吖，Peter 你 send 啲數字畀我，我
/// compile": a need the meeting left to the group (not to each of them) that the next
/// speaker answers by taking something on, with no task of their own kept from that
/// answer, is theirs; it is due when they say, or when the need itself said.
pub fn needs_answered(ctx: &Context<'_>, items: Vec<Grounded>) -> Vec<Grounded> {
    let takers: Vec<Option<_>> = items
        .iter()
        .map(|need| {
            // "我哋要 negotiate 下。Sandy 你 arrange 個 meeting" — "好，我 arrange": the
            // answer is to the request, not to the group's need.
            let group_need = need.owner.is_none()
                && !addresses_someone(&ctx.utterances[need.source].text)
                && group_words(&need.quote).is_some()
                && !for_everyone(&need.owner_text)
                && !for_everyone(&need.quote);
            if !group_need {
                return None;
            }
            let taker = ctx.answerer(need.source, true)?;
            let answer = need.source + 1;
            let has_own_task = items
                .iter()
                .any(|g| g.source == answer && g.owner.as_ref().is_some_and(|o| o.id == taker.id));
            (!has_own_task).then_some((taker, answer))
        })
        .collect();
    items
        .into_iter()
        .zip(takers)
        .map(|(mut need, taker)| {
            if let Some((taker, answer)) = taker {
                tracing::info!(
                    task = need.task,
                    "a need of the group taken on by the one who answers; owner {:?} → {:?}",
                    need.owner_text,
                    taker.name
                );
                need.due = ctx
                    .said_due(&ctx.utterances[answer].text)
                    .or_else(|| ctx.due("", &need.quote, need.source));
                need.owner_text = ctx.utterances[answer]
                    .speaker
                    .as_ref()
                    .map_or_else(|| taker.name.clone(), |s| s.name().to_string());
                need.owner = Some(taker);
            }
            need
        })
        .collect()
}

fn for_everyone(owner_text: &str) -> bool {
    const EVERYONE: &[&str] = &[
        "all",
        "everyone",
        "everybody",
        "each",
        "大家",
        "各位",
        "每個",
        "每个",
        "各自",
        "全部人",
    ];
    let lower = owner_text.to_lowercase();
    EVERYONE.iter().any(|w| {
        lower
            .split(|c: char| !c.is_alphanumeric())
            .any(|part| part == *w)
            || (!w.is_ascii() && lower.contains(w))
    })
}

fn shares_content(a: &str, b: &str) -> bool {
    let a = content_units(a);
    content_units(b).iter().any(|u| a.contains(u))
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

    /// Each item's task and its owner's id (every item here has an owner).
    fn tasks_and_owners(items: &[Grounded]) -> Vec<(&str, &str)> {
        items
            .iter()
            .map(|g| (g.task.as_str(), g.owner.as_ref().unwrap().id.as_str()))
            .collect()
    }

    #[test]
    fn duplicates_merge_and_reassignments_keep_the_last_owner() {
        let merged = items(
            vec![
                item("Prepare the KOL list", Some("p013"), 10),
                item("Send the contract to Kelly", Some("p013"), 8),
                item("Prepare KOL list", Some("p002"), 13),
                item("Send contract to Kelly", Some("p013"), 8),
            ],
            None,
        );
        let got = tasks_and_owners(&merged);
        assert_eq!(
            got,
            [
                ("Send the contract to Kelly", "p013"),
                ("Prepare KOL list", "p002")
            ]
        );
        let asked_then_taken = items(
            vec![
                item("Redo the allocation", Some("p012"), 6),
                item("Send it to Kenneth", Some("p012"), 7),
                item("Chase David and Amy", Some("p012"), 9),
                item("Book the room", None, 10),
                item("Order lunch", None, 11),
            ],
            None,
        );
        let tasks: Vec<&str> = asked_then_taken.iter().map(|g| g.task.as_str()).collect();
        assert_eq!(
            tasks,
            [
                "Redo the allocation",
                "Chase David and Amy",
                "Book the room",
                "Order lunch"
            ]
        );
        let mut taken_back = item("整個 KOL list", Some("p002"), 12);
        taken_back.quote = "咁算，actually 我自己整個 KOL list 啦".into();
        let handed = items(
            vec![
                item("整埋 KOL 列表", Some("p013"), 10),
                item("send 份合約畀 Kelly", Some("p013"), 9),
                taken_back,
            ],
            None,
        );
        let got = tasks_and_owners(&handed);
        assert_eq!(
            got,
            [("send 份合約畀 Kelly", "p013"), ("整個 KOL list", "p002")]
        );
        let need = item("Confirm the hours", None, 132);
        let mut everyone = item("finish the phishing training", None, 140);
        everyone.owner_text = "all".into();
        let taken = items(
            vec![
                need,
                item(
                    "Tell the client about the surcharge when I confirm the hours",
                    Some("p006"),
                    138,
                ),
                everyone,
                item(
                    "finish the phishing training module on the portal before the audit",
                    Some("p003"),
                    141,
                ),
                item("Book the venue", None, 150),
                item("Book the venue for the dinner", Some("p003"), 170),
            ],
            None,
        );
        let tasks: Vec<&str> = taken.iter().map(|g| g.task.as_str()).collect();
        assert_eq!(
            tasks,
            [
                "Tell the client about the surcharge when I confirm the hours",
                "finish the phishing training",
                "finish the phishing training module on the portal before the audit",
                "Book the venue",
                "Book the venue for the dinner"
            ],
            "taken on soon after: one task; by everyone, or long after: both"
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

    #[test]
    fn a_task_said_again_soon_after_is_one_task() {
        let mut fiona = item("Clean own accounts in CRM", None, 21);
        fiona.due = Some("2026-11-30".into());
        let merged = items(
            vec![
                fiona,
                item(
                    "clean up our own accounts in the CRM before the end of the month",
                    None,
                    22,
                ),
                item("Submit expense claims for November", None, 23),
                due_on(
                    item("各自返去問自己部門，下個禮拜五之前報名", None, 30),
                    "2026-12-04",
                ),
                due_on(item("下個禮拜五前報名畀我", None, 31), "2026-12-04"),
                item(
                    "Get the volume forecast and the business case",
                    Some("p012"),
                    78,
                ),
                item(
                    "do the business case once I have the forecast",
                    Some("p012"),
                    80,
                ),
                // Too far apart, sharing one word only, sharing only time words, or due
                // on other days: two tasks.
                item("book the venue for the dinner", Some("p003"), 90),
                item("book the venue for the launch party", Some("p003"), 95),
                item("send the invoice to finance", Some("p004"), 100),
                item("send the contract to legal", Some("p004"), 102),
                due_on(item("下個禮拜交報告", Some("p005"), 110), "2026-12-04"),
                due_on(item("下個禮拜開會", Some("p005"), 112), "2026-12-04"),
                due_on(
                    item("send the draft to Kelly", Some("p006"), 120),
                    "2026-11-27",
                ),
                due_on(
                    item("send the final draft to the printer", Some("p006"), 122),
                    "2026-11-30",
                ),
            ],
            None,
        );
        let tasks: Vec<&str> = merged.iter().map(|g| g.task.as_str()).collect();
        assert_eq!(
            tasks,
            [
                "Clean own accounts in CRM",
                "Submit expense claims for November",
                "各自返去問自己部門，下個禮拜五之前報名",
                "Get the volume forecast and the business case",
                "book the venue for the dinner",
                "book the venue for the launch party",
                "send the invoice to finance",
                "send the contract to legal",
                "下個禮拜交報告",
                "下個禮拜開會",
                "send the draft to Kelly",
                "send the final draft to the printer",
            ]
        );
        assert_eq!(merged[0].due.as_deref(), Some("2026-11-30"));
    }

    fn due_on(mut g: Grounded, due: &str) -> Grounded {
        g.due = Some(due.into());
        g
    }

    #[test]
    fn a_pronoun_task_takes_on_the_task_just_before() {
        let mut sandy = item("write that", Some("p012"), 38);
        sandy.owner_text = "Sandy Chow".into();
        let merged = items(
            vec![
                item(
                    "write a one-page explanation of the fuel clause",
                    Some("p006"),
                    37,
                ),
                sandy,
                item("Book the room", Some("p003"), 50),
                item("do it", Some("p003"), 52),
                // Nothing just before to point at: kept as said.
                item("send them", Some("p004"), 70),
            ],
            None,
        );
        let got = tasks_and_owners(&merged);
        assert_eq!(
            got,
            [
                ("write a one-page explanation of the fuel clause", "p012"),
                ("Book the room", "p003"),
                ("send them", "p004"),
            ]
        );
        assert_eq!(merged[0].owner_text, "Sandy Chow");
        assert!(points_back("write that") && points_back("do it") && !points_back("做呢個"));
        assert!(!points_back("send it to Kenneth") && !points_back("write the report"));
    }

    #[test]
    fn a_need_of_the_group_is_taken_on_by_the_one_who_answers() {
        use crate::directory::Directory;
        use crate::minutes::test_support::utt;
        let dir = Directory::from_json(
            r#"{"people":[
              {"id":"p001","name":"Chan Tai Man","aliases":["Peter"]},
              {"id":"p002","name":"Wong Mei Ling","aliases":["Amy"]}]}"#,
        )
        .unwrap();
        let us = vec![
            utt("Peter", "上季嘅 spending report，我哋要交畀 Kenneth。"),
            utt(
                "Amy",
                "我哋一齊整吖，Peter 你 send 啲數字畀我，我 compile。",
            ),
            utt("Peter", "冇問題，我禮拜五前 send 晒啲 figures 畀你。"),
            utt("Peter", "We need to check the venue's capacity."),
            utt("Amy", "I'll book the room for Friday."),
            utt("Peter", "We all need to finish the training by Friday."),
            utt("Amy", "I'll do mine tomorrow."),
            utt(
                "Peter",
                "We have to tell the client about the delay by Thursday.",
            ),
            utt("Amy", "OK, I'll do it."),
            utt(
                "Peter",
                "我哋要 negotiate 下。Amy 你 arrange 個 meeting，下個月初。",
            ),
            utt("Amy", "好，我 arrange。"),
        ];
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").unwrap();
        let ctx = Context::new(&us, &dir, now, chrono_tz::Asia::Hong_Kong);
        let need = |task: &str, source: usize, due: Option<&str>| Grounded {
            task: task.into(),
            owner: None,
            owner_text: "we".into(),
            due: due.map(str::to_string),
            source,
            quote: us[source].text.clone(),
        };
        let mut figures = item("send the figures", Some("p001"), 2);
        figures.due = Some("2026-11-27".into());
        let got = needs_answered(
            &ctx,
            vec![
                need("交上季嘅 spending report", 0, Some("2026-11-27")),
                figures,
                need("check the venue's capacity", 3, None),
                item("book the room", Some("p002"), 4),
                need("finish the training", 5, Some("2026-11-27")),
                need("tell the client about the delay", 7, None),
                need("negotiate 下", 9, None),
            ],
        );
        let owners: Vec<(&str, Option<&str>, Option<&str>)> = got
            .iter()
            .map(|g| {
                (
                    g.task.as_str(),
                    g.owner.as_ref().map(|o| o.id.as_str()),
                    g.due.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            owners,
            [
                // Taken on with "我 compile"; the figures' Friday is Peter's, not hers.
                ("交上季嘅 spending report", Some("p002"), None),
                ("send the figures", Some("p001"), Some("2026-11-27")),
                // The answer is a task of its own: the need stays the group's.
                ("check the venue's capacity", None, None),
                ("book the room", Some("p002"), None),
                // Each of them, not one.
                ("finish the training", None, Some("2026-11-27")),
                // "I'll do it": hers, due when the need said.
                (
                    "tell the client about the delay",
                    Some("p002"),
                    Some("2026-11-26")
                ),
                // She answers the request the line makes of her, not the group's need.
                ("negotiate 下", None, None),
            ]
        );
    }
}
