//! What answers when the model cannot: keyword rules for the intent, the words left once
//! the time words and names are taken out for the title, and the first person named
//! after an asking word for a task's assignee.

use prompts::command::{Answer, AnswerIntent};

use super::slots::Slots;
use crate::directory::MentionKind;

const REMINDER_WORDS: &[&str] = &[
    "remind me",
    "reminder",
    "remind 我",
    "remind我",
    "don't let me forget",
    "dont let me forget",
    "提醒我",
    "提我",
    "提醒一下我",
    "記得提",
    "记得提",
    "別忘",
    "别忘",
    "唔好俾我忘記",
];
const TASK_WORDS: &[&str] = &[
    "ask ", "tell ", "get ", "have ", "need to", "needs to", "should ", "to-do", "todo", "remind ",
    "叫", "請", "请", "让", "讓", "通知", "提醒", "要", "得", "待辦", "待办", "記低", "记低", "交",
];
const EVENT_WORDS: &[&str] = &[
    "meet",
    "call",
    "lunch",
    "dinner",
    "interview",
    "review",
    "standup",
    "stand-up",
    "training",
    "session",
    "sync",
    "catch-up",
    "discuss",
    "討論",
    "讨论",
    "all-hands",
    "town hall",
    "offsite",
    "calendar",
    "book",
    "會",
    "会",
    "約",
    "约",
    "見",
    "见",
    "飯",
    "饭",
    "聚餐",
    "培訓",
    "培训",
    "面試",
    "面试",
    "傾",
    "倾",
    "日曆",
    "日历",
];
const ASKING_WORDS: &[&str] = &[
    "ask", "tell", "get", "have", "叫", "請", "请", "让", "讓", "通知", "提醒", "remind",
];
const FILLER: &[&str] = &[
    "remind me to",
    "remind me",
    "set up",
    "schedule",
    "please",
    "can you",
    "幫我",
    "帮我",
    "提醒我",
    "提我",
    "安排",
    "同",
    "和",
    "跟",
    "與",
    "与",
    "喺",
    "在",
    "to",
    "with",
    "on",
    "at",
];

fn contains_any(haystack: &str, words: &[&str]) -> bool {
    words.iter().any(|w| haystack.contains(w))
}

const TODO_WORDS: &[&str] = &["to-do", "todo", "待辦", "待办", "記低", "记低"];

fn is_question(lower: &str) -> bool {
    lower.trim_end().ends_with(['?', '？'])
        || contains_any(
            lower,
            &[
                "點呀",
                "点呀",
                "幾多",
                "几多",
                "怎么样",
                "怎麼樣",
                "what's",
                "how much",
            ],
        )
}

/// Whether a question asks for something to be done ("can you…", "幫我…").
fn asks_for_something(lower: &str) -> bool {
    contains_any(
        lower,
        &[
            "can you",
            "could you",
            "would you",
            "will you",
            "can we",
            "could we",
            "please",
            "幫我",
            "帮我",
            "可唔可以",
            "可不可以",
            "能不能",
            "麻煩",
            "麻烦",
        ],
    )
}

/// Whether the words ask for information ("What's on the lunch menu today?", "幾時開會？")
/// rather than ask for something to be done: a question led by a question word, with
/// no asking or scheduling word ("can you", "幫我", "安排").
pub fn asks_for_information(text: &str) -> bool {
    const QUESTION_WORDS: &[&str] = &[
        "what", "what's", "whats", "when", "when's", "where", "where's", "who", "who's", "whose",
        "which", "why", "how", "how's", "is", "are", "was", "were", "do", "does", "did", "has",
        "have",
    ];
    const CHINESE_QUESTION_WORDS: &[&str] = &[
        "咩",
        "乜",
        "什麼",
        "什么",
        "甚麼",
        "幾時",
        "几时",
        "邊個",
        "边个",
        "誰",
        "谁",
        "邊度",
        "边度",
        "哪",
        "點樣",
        "点样",
        "怎樣",
        "怎样",
        "怎麼",
        "怎么",
        "幾多",
        "几多",
        "多少",
        "嗎",
        "吗",
        "有冇",
        "有沒有",
        "有没有",
        "係咪",
        "系咪",
        "是不是",
        "是否",
    ];
    // Words that ask for scheduling or a task, beyond the polite "can you…" forms.
    const SCHEDULING_WORDS: &[&str] = &[
        "shall we",
        "remind",
        "schedule",
        "set up",
        "book",
        "arrange",
        "add ",
        "create",
        "put ",
        "幫",
        "帮",
        "請",
        "请",
        "安排",
        "約",
        "约",
        "叫",
        "提醒",
        "記得",
        "记得",
        "可以",
        "能否",
        "得唔得",
        "好唔好",
        "不如",
        "記低",
        "记低",
    ];
    let lower = text.trim().to_lowercase();
    // Spoken Chinese often comes without the question mark: a question particle at
    // the end ("聽日有冇會開呀", "幾時交呢") asks just the same.
    let chinese_question = lower.ends_with(['嗎', '吗', '呢', '咩'])
        || (lower.ends_with(['呀', '啊', '嘅']) && contains_any(&lower, CHINESE_QUESTION_WORDS));
    if !(lower.ends_with(['?', '？']) || chinese_question)
        || asks_for_something(&lower)
        || contains_any(&lower, SCHEDULING_WORDS)
    {
        return false;
    }
    let first = lower
        .split(|c: char| !(c.is_ascii_alphabetic() || c == '\''))
        .next()
        .unwrap_or("");
    QUESTION_WORDS.contains(&first)
        || contains_any(&lower, CHINESE_QUESTION_WORDS)
        || asks_a_not_a(&lower)
}

/// The Chinese yes-no question "X唔X" / "X不X" (會唔會, 是不是).
fn asks_a_not_a(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(3)
        .any(|w| w[0] == w[2] && matches!(w[1], '唔' | '不') && !w[0].is_ascii())
}

/// The intent when the words leave no doubt: reminder words with a time; a deadline or
/// a to-do word; meeting words with a time. `None` when the model should decide.
pub fn cue(text: &str, slots: &Slots) -> Option<AnswerIntent> {
    let lower = text.to_lowercase();
    let has_time = !slots.times.is_empty();
    let has_deadline = slots.times.iter().any(|s| s.sets_deadline());
    if contains_any(&lower, REMINDER_WORDS) && has_time {
        return Some(AnswerIntent::Reminder);
    }
    // "Can you book a call with Amy tomorrow at 4?" asks for something: not a question.
    if is_question(&lower) && !asks_for_something(&lower) {
        return None;
    }
    if has_deadline || contains_any(&lower, TODO_WORDS) {
        return Some(AnswerIntent::Task);
    }
    if contains_any(&lower, EVENT_WORDS) && has_time {
        return Some(AnswerIntent::Event);
    }
    // "約詠詩傾吓個推廣計劃": arranging to meet someone is a meeting, with or without a
    // time (without one it is an all-day event on the next working day).
    if arranges_to_meet(text, slots) {
        return Some(AnswerIntent::Event);
    }
    None
}

/// A character of the CJK Unified Ideographs block (the Han characters instructions use).
pub(super) fn cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The instruction opens with 約 / 约 (after "幫我", "同我") and a person or department
/// right after it.
fn arranges_to_meet(text: &str, slots: &Slots) -> bool {
    const OPENING: &[&str] = &[
        "幫我", "帮我", "同我", "替我", "唔該", "唔该", "麻煩", "麻烦",
    ];
    let mut rest = text.trim_start();
    for o in OPENING {
        if let Some(r) = rest.strip_prefix(o) {
            rest = r.trim_start();
        }
    }
    let Some(after) = rest.strip_prefix('約').or_else(|| rest.strip_prefix('约')) else {
        return false;
    };
    let at = text.len() - after.trim_start().len();
    slots.mentions.iter().any(|m| {
        m.start == at
            && matches!(
                m.kind,
                MentionKind::Person(_)
                    | MentionKind::AmbiguousPerson(_)
                    | MentionKind::Department(_)
            )
    })
}

/// The person asked at the very start of the instruction ("Have Calvin set up…",
/// "叫美儀…", "Please ask Amy to…"): the one who must do the task, whatever else it
/// names later.
pub fn asked_first(text: &str, slots: &Slots) -> Option<String> {
    slots.mentions.iter().find_map(|m| {
        let MentionKind::Person(_) = m.kind else {
            return None;
        };
        opens_by_asking(&text[..m.start]).then(|| m.text.clone())
    })
}

/// Whether `before` is only an asking word, perhaps after "please" or "唔該".
fn opens_by_asking(before: &str) -> bool {
    const POLITE: &[&str] = &["please", "pls", "kindly", "唔該", "唔该", "麻煩", "麻烦"];
    let mut rest = before.trim().to_lowercase();
    for p in POLITE {
        if let Some(r) = rest.strip_prefix(p) {
            rest = r.trim_start().to_string();
        }
    }
    ASKING_WORDS.contains(&rest.as_str())
}

/// "叫阿強聽日之前覆晒啲客人電郵", "让小王明天…": a nickname (阿 / 小 / 老 and one
/// character) asked to do the task at the start, that the directory does not know.
pub fn unknown_nickname_asked(text: &str, slots: &Slots) -> Option<String> {
    const PREFIXES: &[char] = &['阿', '小', '老'];
    // Words, not people: 叫小巴 (a minibus), 叫老闆 is the boss.
    const NOT_NICKNAMES: &[&str] = &[
        "小巴", "小食", "小心", "小組", "小组", "小時", "小时", "小型", "老闆", "老板", "老師",
        "老师",
    ];
    let trimmed = text.trim_start();
    let lead = text.len() - trimmed.len();
    ASKING_WORDS.iter().filter(|w| !w.is_ascii()).find_map(|w| {
        let after = trimmed.strip_prefix(w)?;
        let mut chars = after.chars();
        let first = chars.next()?;
        let second = chars.next()?;
        let nickname: String = [first, second].iter().collect();
        let start = lead + w.len();
        (PREFIXES.contains(&first)
            && cjk(second)
            && !NOT_NICKNAMES.contains(&nickname.as_str())
            && !slots.covers(start, start + nickname.len()))
        .then_some(nickname)
    })
}

/// Whether a task names a time, a person or a to-do word: without any, an instruction
/// such as "check my email" is a request to the assistant, not a to-do.
pub fn looks_like_task(text: &str, slots: &Slots) -> bool {
    !slots.times.is_empty()
        || !slots.people().is_empty()
        || !slots.ambiguous().is_empty()
        || contains_any(&text.to_lowercase(), TODO_WORDS)
        || contains_any(
            &text.to_lowercase(),
            &[
                "ask ", "tell ", "get ", "have ", "叫", "請", "请", "让", "讓",
            ],
        )
}

/// A rule-based answer.
pub fn answer(text: &str, slots: &Slots) -> Answer {
    let lower = text.to_lowercase();
    let intent = cue(text, slots).unwrap_or_else(|| {
        if contains_any(&lower, TASK_WORDS) && !is_question(&lower) && looks_like_task(text, slots)
        {
            AnswerIntent::Task
        } else {
            AnswerIntent::None
        }
    });
    let assignee = match intent {
        AnswerIntent::Task => assignee(text, slots),
        _ => None,
    };
    Answer {
        intent,
        title: title(text, slots),
        assignee,
        location: None,
    }
}

/// The first person named right after an asking word, or at the very start.
fn assignee(text: &str, slots: &Slots) -> Option<String> {
    slots.mentions.iter().find_map(|m| {
        let MentionKind::Person(_) = m.kind else {
            return None;
        };
        let before = text[..m.start].trim_end().to_lowercase();
        let asked = before.is_empty() || ASKING_WORDS.iter().any(|w| before.ends_with(w));
        asked.then(|| m.text.clone())
    })
}

/// The instruction without its time words, names and filler words.
fn title(text: &str, slots: &Slots) -> String {
    if let Some(title) = english_title(text, slots) {
        return title;
    }
    let mut kept = String::new();
    for (i, ch) in text.char_indices() {
        if !slots.covers(i, i + ch.len_utf8()) {
            kept.push(ch);
        }
    }
    let mut words: Vec<&str> = kept
        .split(|c: char| c.is_whitespace() || "，,。.!！？?：:、".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    words.retain(|w| !FILLER.contains(&w.to_lowercase().as_str()));
    let mut title = words.join(" ");
    for f in FILLER.iter().filter(|f| !f.is_ascii()) {
        if let Some(rest) = title.strip_prefix(f) {
            title = rest.to_string();
        }
    }
    let mut title = title.trim();
    // "叫 裝好新 server": the asking word belongs to the instruction, not to the task.
    for w in ASKING_WORDS.iter().filter(|w| !w.is_ascii()) {
        if let Some(rest) = title.strip_prefix(w) {
            title = rest.trim_start();
        }
    }
    if title.is_empty() {
        text.trim().chars().take(40).collect()
    } else {
        title.chars().take(60).collect()
    }
}

/// An English instruction's title: what is to be done, from its first word that is
/// neither an asking word nor a time or the one asked ("Remind me to call Peter
/// tomorrow at 9" → "Call Peter", "Ask Amy to send the contract to Peter by Friday" →
/// "Send the contract to Peter"). Times go, with the word that led into them.
fn english_title(text: &str, slots: &Slots) -> Option<String> {
    const LEADING: &[&str] = &[
        "remind", "me", "to", "please", "pls", "kindly", "can", "could", "would", "will", "you",
        "i", "need", "want", "ask", "tell", "get", "have", "let", "let's", "lets", "set", "up",
        "schedule", "arrange", "put", "a", "an", "and", "hey", "hi", "ok", "okay", "um", "uh",
        "so",
    ];
    const INTO_A_TIME: &[&str] = &[
        "on", "at", "by", "for", "from", "in", "this", "next", "until", "till", "before", "after",
        "around", "about",
    ];
    const DANGLING: &[&str] = &[
        "with", "on", "at", "to", "by", "for", "in", "from", "and", "the",
    ];
    if text.chars().any(cjk) {
        return None;
    }
    let in_time = |a: usize, b: usize| slots.times.iter().any(|t| a < t.end && t.start < b);
    let asked = |a: usize, b: usize| {
        slots
            .mentions
            .iter()
            .any(|m| a < m.end && m.start < b && !matches!(m.kind, MentionKind::Department(_)))
    };
    let mut words: Vec<(usize, usize, &str)> = Vec::new();
    let mut at = 0;
    for piece in text.split_inclusive(char::is_whitespace) {
        let word = piece.trim().trim_matches(|c: char| ",.!?;:\"".contains(c));
        if !word.is_empty() {
            let start = at + piece.find(word).unwrap_or(0);
            words.push((start, start + word.len(), word));
        }
        at += piece.len();
    }
    let first = words.iter().position(|&(a, b, w)| {
        !LEADING.contains(&w.to_lowercase().as_str()) && !in_time(a, b) && !asked(a, b)
    })?;
    let mut kept: Vec<&str> = Vec::new();
    for &(a, b, w) in &words[first..] {
        if in_time(a, b) {
            while kept
                .last()
                .is_some_and(|k| INTO_A_TIME.contains(&k.to_lowercase().as_str()))
            {
                kept.pop();
            }
            continue;
        }
        kept.push(w);
    }
    while kept
        .last()
        .is_some_and(|k| DANGLING.contains(&k.to_lowercase().as_str()))
    {
        kept.pop();
    }
    let mut title = kept.join(" ");
    for tail in [
        " on the calendar",
        " on my calendar",
        " in the calendar",
        " in my calendar",
        " in the diary",
    ] {
        let cut = title.len().saturating_sub(tail.len());
        if title.is_char_boundary(cut) && title[cut..].eq_ignore_ascii_case(tail) {
            title.truncate(cut);
        }
    }
    let mut chars = title.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).take(60).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::Directory;

    fn slots(text: &str, dir: &Directory) -> Slots {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T10:00:00+08:00").unwrap();
        Slots::find(text, now, chrono_tz::Asia::Hong_Kong, dir)
    }

    fn directory() -> Directory {
        Directory::from_json(
            r#"{"people": [{"id": "p1", "name": "Amy Wong", "aliases": ["Amy", "美儀"]}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn questions_ask_for_information_and_requests_do_not() {
        for text in [
            "What's on the lunch menu today?",
            "When is the board meeting?",
            "Who's presenting at the town hall on Friday?",
            "聽日會唔會落雨呀？",
            "今日恒指升咗幾多？",
            "明天有没有会？",
            "聽日有冇會開呀",
            "聽日係咪公眾假期呀？",
            "份報告幾時交呢",
        ] {
            assert!(asks_for_information(text), "{text}");
        }
        for text in [
            "Can you set up a call with Leo tomorrow at 3?",
            "Lunch with Amy on Friday?",
            "可唔可以幫我約Peter聽日三點開會？",
            "What a day. Book the boardroom for Friday at 2pm",
            "Ask Amy what the budget is",
            "聽日三點同 Peter 開會呀",
            "幫我約 Peter 聽日開會呀",
        ] {
            assert!(!asks_for_information(text), "{text}");
        }
    }

    #[test]
    fn keyword_rules_tell_the_intents_apart() {
        let d = directory();
        let cases = [
            ("Remind me to call the bank at 4pm", AnswerIntent::Reminder),
            ("Ask Amy to send the budget by Friday", AnswerIntent::Task),
            ("聽日三點同美儀開會", AnswerIntent::Event),
            ("What's the weather tomorrow?", AnswerIntent::None),
            (
                "Can you book a call with Amy tomorrow at 4?",
                AnswerIntent::Event,
            ),
        ];
        for (text, intent) in cases {
            assert_eq!(answer(text, &slots(text, &d)).intent, intent, "{text}");
        }
    }

    #[test]
    fn an_english_title_says_what_is_to_be_done() {
        let d = directory();
        let title = |text: &str| answer(text, &slots(text, &d)).title;
        assert_eq!(title("Remind me to call Amy tomorrow at 9"), "Call Amy");
        assert_eq!(
            title("Ask Amy to send the contract to the bank by Friday"),
            "Send the contract to the bank"
        );
        assert_eq!(
            title("Lunch with Amy on Friday at 1pm at Tsim Chai Kee"),
            "Lunch with Amy at Tsim Chai Kee"
        );
        assert_eq!(
            title("Can you set up a budget review with Amy next Tuesday at 10am?"),
            "Budget review with Amy"
        );
        assert_eq!(
            title("Put a review with Amy on the calendar for Monday at 3pm"),
            "Review with Amy"
        );
    }

    #[test]
    fn arranging_to_meet_someone_is_a_meeting_and_a_nickname_asked_is_a_person() {
        let d = Directory::from_json(
            r#"{"people": [{"id": "p1", "name": "Amy Wong", "aliases": ["Amy", "美儀"]},
                           {"id": "p2", "name": "Calvin Ho", "aliases": ["Calvin"]}]}"#,
        )
        .unwrap();
        let cue_of = |t: &str| cue(t, &slots(t, &d));
        assert_eq!(cue_of("約美儀傾吓個推廣計劃"), Some(AnswerIntent::Event));
        assert_eq!(
            cue_of("幫我約 Amy 傾吓 social media plan"),
            Some(AnswerIntent::Event)
        );
        assert_eq!(cue_of("約咗嘢食"), None, "約 with nobody after it");
        let asked = |t: &str| asked_first(t, &slots(t, &d));
        assert_eq!(
            asked("Have Calvin set up the new starter's laptop by January 4").as_deref(),
            Some("Calvin")
        );
        assert_eq!(
            asked("Please ask Amy to send the contract to Calvin").as_deref(),
            Some("Amy")
        );
        assert_eq!(asked("I need to ask Amy about the budget by Friday"), None);
        let nickname = |t: &str| unknown_nickname_asked(t, &slots(t, &d));
        assert_eq!(
            nickname("叫阿強聽日之前覆晒啲客人電郵").as_deref(),
            Some("阿強")
        );
        assert_eq!(
            nickname("让小王明天之前把报价单发给客户").as_deref(),
            Some("小王")
        );
        assert_eq!(nickname("叫美儀禮拜五之前交報告"), None, "in the directory");
        assert_eq!(nickname("叫小巴去機場"), None);
        assert_eq!(nickname("叫外賣"), None);
    }

    #[test]
    fn the_person_asked_is_the_assignee() {
        let d = directory();
        let text = "叫美儀禮拜五之前交報告";
        let a = answer(text, &slots(text, &d));
        assert_eq!(a.assignee.as_deref(), Some("美儀"));
        assert!(a.title.contains("報告"), "{}", a.title);
    }
}
