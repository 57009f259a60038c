//! Words that show what a line does: someone takes a task on ("I'll…", "我聽日打畀佢"),
//! asks someone for one ("Sandy 你整…", "can you…"), or settles a decision ("we go
//! with…", "就咁決定"). Cues only pick what to look at or check; they never write
//! an item themselves.

/// Verbs (or the start of a code-switched English verb) soon after 我 / 你, once time
/// words like 今晚 / 聽日 are passed.
const CJK_VERB_CUES: &str = "會会嚟来去負负跟幫帮搞整做安準准處处交發发打約约問问寫写睇看搵揾執执改寄簽签訂订買买聯联覆回叫催追同";
/// What follows 我 / 你 in an opinion or a turn to speak, not a task.
const NOT_TASKS: &[&str] = &[
    "覺得", "觉得", "諗", "谂", "想", "認為", "认为", "估", "知", "唔知", "不知", "同意", "講",
    "讲", "說", "说", "話", "话", "先",
];
/// How many characters after 我 / 你 (spaces aside) a verb cue may come.
const CUE_REACH: usize = 4;

pub(super) fn takes_on(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "i'll",
        "i will",
        "i can",
        "let me",
        "i'm going to",
        "i am going to",
        "leave it with me",
        "i'll take",
        "i'm on it",
        "i'll handle",
        "i'll do",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    let takes = |w: &&str| word_starts(&lower, w).any(|at| !only_says(&lower[at + w.len()..]));
    ENGLISH.iter().any(takes) || after_pronoun(text, '我')
}

/// "收到", "OK, noted", "好，明白": words that only acknowledge what was said — a reply,
/// never a task, whoever says them.
pub(super) fn only_acknowledges(text: &str) -> bool {
    const ACKNOWLEDGEMENTS: &[&str] = &[
        "no problem",
        "will do",
        "got it",
        "noted",
        "understood",
        "received",
        "okay",
        "ok",
        "sure",
        "yes",
        "alright",
        "fine",
        "thanks",
        "thank you",
        "收到晒",
        "收到",
        "冇問題",
        "没问题",
        "沒問題",
        "明白",
        "了解",
        "知道",
        "好的",
        "好",
        "得",
        "係",
        "是",
        "嗯",
        "謝謝",
        "谢谢",
        "唔該",
    ];
    let mut rest = text.to_lowercase();
    loop {
        let trimmed = rest.trim_start_matches(|c: char| !c.is_alphanumeric());
        if trimmed.is_empty() {
            return !text.trim().is_empty();
        }
        let Some(word) = ACKNOWLEDGEMENTS.iter().find(|w| {
            trimmed.starts_with(**w)
                && !trimmed[w.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() && w.is_ascii())
        }) else {
            return false;
        };
        rest = trimmed[word.len()..].to_string();
    }
}

/// "I can say there's demand", "I can see why": "I can" before a verb of saying or
/// seeing gives an opinion, not a task.
fn only_says(after: &str) -> bool {
    const OPINION: &[&str] = &[
        "say",
        "see",
        "tell you",
        "imagine",
        "understand",
        "hear",
        "only say",
        "guess",
        "think",
    ];
    let rest = after.trim_start();
    OPINION
        .iter()
        .any(|o| rest.starts_with(o) && !rest[o.len()..].starts_with(|c: char| c.is_alphanumeric()))
}

pub(super) fn asks_for(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "can you",
        "could you",
        "would you",
        "will you",
        "please",
        "you'll",
        "you will",
        "you need to",
        "you should",
        "you have to",
        "i need you",
        "want you to",
        "you take",
        "you handle",
        "make sure",
    ];
    const CJK: &[&str] = &[
        "麻煩",
        "麻烦",
        "請你",
        "请你",
        "你負責",
        "你负责",
        "交畀",
        "交给",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    ENGLISH.iter().any(|w| has_words(&lower, w))
        || CJK.iter().any(|w| text.contains(w))
        || after_pronoun(text, '你')
        || after_pronoun(text, '您')
}

/// `pronoun` (not 我哋 / 你哋's plural) followed within a few characters by a verb cue or
/// an English word, and not by an opinion ("我覺得…").
/// A turn to speak now, not a task: "刘洋，你先介绍一下", "Peter，你講下個 overall
/// picture 先", "Ken, walk us through the numbers".
pub(super) fn gives_the_floor(text: &str) -> bool {
    const CJK: &[&str] = &[
        "你先介绍",
        "你先介紹",
        "你先講",
        "你先讲",
        "你先说",
        "你先說",
        "你先匯報",
        "你先汇报",
        "你講下",
        "你讲下",
        "你讲一下",
        "你講一講",
        "你介紹下",
        "你介绍一下",
        "你匯報下",
        "你汇报一下",
        "你 update 下",
        "你update下",
    ];
    const ENGLISH: &[&str] = &[
        "walk us through",
        "take us through",
        "give us an update",
        "give us a quick update",
        "tell us where",
        "over to you",
        "you go first",
        "you start",
        "kick us off",
    ];
    let lower = text.to_lowercase();
    CJK.iter().any(|w| lower.contains(w)) || ENGLISH.iter().any(|w| has_words(&lower, w))
}

/// Words that only tell people where things stand ("nothing to decide today, I just
/// want you to know where we're heading", "俾大家知一聲"), unless the speaker takes
/// something on in them too.
pub(super) fn only_informs(text: &str) -> bool {
    let lower = text.to_lowercase().replace('’', "'");
    (INFORMS_EN.iter().any(|w| has_words(&lower, w))
        || INFORMS_CJK.iter().any(|w| text.contains(w)))
        && !takes_on(text)
}

/// `text` (lower-cased) without its words that only inform, so that "I just want you
/// to know" is not read as asking anyone for anything.
pub(super) fn without_informing(text: &str) -> String {
    let mut out = text.to_lowercase().replace('’', "'");
    for w in INFORMS_EN.iter().chain(INFORMS_CJK) {
        out = out.replace(w, " ");
    }
    out
}

const INFORMS_EN: &[&str] = &[
    "want you to know",
    "want you all to know",
    "just so you know",
    "for your information",
    "fyi",
    "nothing to decide",
    "no action needed",
    "nothing for you to do",
    "just to let you know",
    "just letting you know",
];
const INFORMS_CJK: &[&str] = &[
    "俾大家知",
    "畀大家知",
    "讓大家知道",
    "让大家知道",
    "知會大家",
    "知会大家",
    "唔使做嘢",
    "不用做什么",
    "僅供參考",
    "仅供参考",
    "今日唔使決定",
    "今天不用决定",
];

/// Whether the words ask the one spoken to to do something: a 你 (or "you") that is
/// the doer, not the one something goes to or is said to ("畀你", "同你講", "thank
/// you", "send it to you").
pub(super) fn asks_someone(text: &str) -> bool {
    const RECEIVES: &str = "畀俾給给同跟向問问話话謝谢幫帮";
    let chars: Vec<char> = text.chars().collect();
    let cjk = chars.iter().enumerate().any(|(i, &c)| {
        matches!(c, '你' | '您' | '妳')
            && !chars[..i]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .is_some_and(|p| RECEIVES.contains(*p))
    });
    const NOT_ASKING: &[&str] = &[
        "thank", "thanks", "to", "for", "with", "see", "tell", "told", "let", "send", "give",
        "show", "ask", "asked", "remind",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    let words: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let latin = words.iter().enumerate().any(|(i, w)| {
        matches!(*w, "you" | "you'll" | "your")
            && !(i > 0 && NOT_ASKING.contains(&words[i - 1]))
            && words.get(i + 1) != Some(&"know")
    });
    cjk || latin
}

/// What the meeting does there and then, not after it: "let me read back what we
/// decided", "OK, let's start", "今日主要 review 下…".
const IN_THE_MEETING_EN: &[&str] = &[
    "let me read back",
    "let me recap",
    "let me sum up",
    "let me summarise",
    "let me summarize",
    "let me share my screen",
    "let me look at the clock",
    "let me check the time",
    "let's start",
    "let's begin",
    "let's get started",
    "let's kick off",
    "let's move on",
    "let's wrap up",
    "to wrap up",
    "i'll come back to it",
    "i'll come back to that",
    "we'll come back to it",
    "we'll come back to that",
    "let's come back to",
    "come back to it later",
    "come back to that later",
];
const IN_THE_MEETING_CJK: &[&str] = &[
    "今日主要",
    "今天主要",
    "我哋開始",
    "我們開始",
    "我们开始",
    "開始啦",
    "开始吧",
    "總結一下",
    "总结一下",
    "總結下",
    "我讀返",
    "下一個議題",
    "下一个议题",
    "遲啲再講",
    "迟啲再讲",
    "等陣再講",
    "等阵再讲",
    "稍後再說",
    "稍后再说",
    "待會再討論",
    "待会再讨论",
];

/// Whether the words only do something in the meeting itself ("let me recap", "OK,
/// let's start. 今日主要 review 下 campaign"), with no task taken on or asked for
/// beside it.
pub(super) fn acts_in_the_meeting(text: &str) -> bool {
    let lower = text.to_lowercase().replace('’', "'");
    let found = IN_THE_MEETING_EN.iter().any(|w| has_words(&lower, w))
        || IN_THE_MEETING_CJK.iter().any(|w| text.contains(w));
    if !found {
        return false;
    }
    let mut rest = lower;
    for w in IN_THE_MEETING_EN.iter().chain(IN_THE_MEETING_CJK) {
        rest = rest.replace(w, " ");
    }
    let future = ["will", "'ll", "need", "needs", "must", "should"]
        .iter()
        .any(|w| rest.contains(w))
        || ["要", "記得", "记得"].iter().any(|w| rest.contains(w))
        || says_will(&rest);
    !future && !takes_on(&rest) && !asks_for(&rest) && !asks_someone(&rest) && !asks_anyone(&rest)
}

/// Whether 會 / 会 says what will be: not the 會 of a meeting (籌備會, 開會, 會議).
fn says_will(text: &str) -> bool {
    const MEETING_BEFORE: &str = "備备開开例大茶";
    const MEETING_AFTER: &str = "議议場场員员";
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, c)| {
        WILL.contains(*c)
            && !(i > 0 && MEETING_BEFORE.contains(chars[i - 1]))
            && !chars.get(i + 1).is_some_and(|n| MEETING_AFTER.contains(*n))
    })
}

/// "抽獎禮物呢？", "What about the lucky draw?": a question that only raises a topic,
/// asking nobody for anything and taking nothing on.
pub(super) fn raises_topic(sentence: &str) -> bool {
    let s = sentence
        .trim()
        .trim_end_matches(['？', '?', '。', '.', '!', '！'])
        .trim_end();
    let lower = s.to_lowercase();
    let topic = s.ends_with('呢') || lower.starts_with("what about ");
    topic && !takes_on(s) && !asks_for(s) && !asks_someone(s) && !asks_anyone(s)
}

/// "你下個禮拜六得唔得閒", "Are you free on Friday?": asking whether someone is free,
/// which gives nobody a task yet.
pub(super) fn asks_if_free(text: &str) -> bool {
    const CJK: &[&str] = &[
        "得唔得閒",
        "得唔得闲",
        "得不得闲",
        "有冇空",
        "有冇時間",
        "有冇时间",
        "有没有空",
        "有沒有空",
        "有没有时间",
        "有沒有時間",
        "有空吗",
        "有空嗎",
        "有時間嗎",
        "有时间吗",
        "得閒嗎",
        "得闲吗",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    let english = [
        "are you free",
        "are you available",
        "will you be free",
        "is everyone free",
    ]
    .iter()
    .any(|w| {
        word_starts(&lower, w).any(|at| !lower[at + w.len()..].trim_start().starts_with("to "))
    });
    (english || CJK.iter().any(|w| text.contains(w))) && !takes_on(text)
}

/// "唔使，我自己同佢哋講", "都係我自己 call 啦", "never mind, I'll do it myself": the
/// speaker takes back a task just given to someone else.
pub(super) fn takes_it_back(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "never mind",
        "no need",
        "do it myself",
        "do that myself",
        "handle it myself",
        "leave it to me",
        "leave it with me",
    ];
    const CJK: &[&str] = &[
        "唔使",
        "不用",
        "不必",
        "算啦",
        "算了",
        "咁算",
        "都係我自己",
        "還是我自己",
        "还是我自己",
        "我自己嚟",
        "我自己来",
        "我自己來",
        "我自己做",
        "我嚟啦",
        "我来吧",
        "我來吧",
        "改由我",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    ENGLISH.iter().any(|w| has_words(&lower, w)) || CJK.iter().any(|w| text.contains(w))
}

/// "Actually hold on. Don't order them yourself, Ken", "唔使你訂住": a clause that
/// stops someone doing something. Gives the words after the stop, where what is
/// stopped is said; `None` when no clause of `text` opens with a stop. "No need to
/// hurry" and "唔使客氣" stop nothing.
pub(super) fn calls_off(text: &str) -> Option<String> {
    const ENGLISH: &[&str] = &[
        "don't",
        "do not",
        "please don't",
        "you don't need to",
        "you don't have to",
        "no need to",
        "there's no need to",
        "let's not",
    ];
    const FILLERS: &[&str] = &[
        "actually", "no", "wait", "hold", "on", "oh", "and", "but", "so", "ok", "okay", "hmm",
    ];
    const CJK: &[&str] = &["唔使", "唔好", "不用", "不要", "不必", "別", "别"];
    const NOT_A_TASK: &[&str] = &[
        "客氣", "客气", "驚", "惊", "擔心", "担心", "怕", "急", "謝", "谢", "緊要", "紧要",
        "hurry", "worry", "rush", "mind", "know", "think", "forget",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    for clause in lower.split(|c: char| ",.!?;:，。！？；：、".contains(c)) {
        let mut rest = clause.trim();
        loop {
            let word = rest.split_whitespace().next().unwrap_or("");
            if FILLERS.contains(&word) {
                rest = rest[word.len()..].trim_start();
            } else {
                break;
            }
        }
        let after = ENGLISH
            .iter()
            .find(|w| {
                rest.starts_with(**w) && !rest[w.len()..].starts_with(|c: char| c.is_alphanumeric())
            })
            .map(|w| rest[w.len()..].trim_start())
            .or_else(|| {
                let rest = rest.trim_start_matches(['你', '您']);
                CJK.iter()
                    .find(|w| rest.starts_with(**w))
                    .map(|w| rest[w.len()..].trim_start_matches(['你', '您']))
            });
        if let Some(after) = after {
            if !after.is_empty() && !NOT_A_TASK.iter().any(|w| after.starts_with(w)) {
                return Some(after.to_string());
            }
        }
    }
    None
}

/// "Let me read back what we decided", "to recap", "總結一下": what follows says again
/// what the meeting already settled.
pub(super) fn reads_back(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "read back",
        "recap",
        "to sum up",
        "summing up",
        "to summarise",
        "to summarize",
        "in summary",
    ];
    const CJK: &[&str] = &["總結", "总结", "讀返", "读返", "重複一次", "重复一次"];
    let lower = text.to_lowercase();
    ENGLISH.iter().any(|w| has_words(&lower, w)) || CJK.iter().any(|w| text.contains(w))
}

/// "Can someone…?", "有冇人可以…": a request to whoever will take it.
pub(super) fn asks_anyone(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "can someone",
        "could someone",
        "would someone",
        "will someone",
        "can somebody",
        "could somebody",
        "can anyone",
        "could anyone",
        "does anyone want to",
        "someone needs to",
        "someone has to",
        "someone should",
        "somebody needs to",
        "somebody has to",
        "somebody should",
        "who can",
        "who wants to",
        "any volunteers",
    ];
    const CJK: &[&str] = &[
        "有冇人",
        "有沒有人",
        "有没有人",
        "邊個可以",
        "边个可以",
        "邊位",
        "边位",
        "誰可以",
        "谁可以",
        "有人可以",
        "哪位",
    ];
    let lower = text.to_lowercase().replace('’', "'");
    ENGLISH.iter().any(|w| has_words(&lower, w)) || CJK.iter().any(|w| text.contains(w))
}

/// "你哋", "you all", "you guys": the one spoken to is a group.
pub(super) fn speaks_to_a_group(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "你哋",
        "你們",
        "你们",
        "you all",
        "you guys",
        "all of you",
        "everyone",
        "everybody",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Whether the words after a name speak to that person: "你…", ", can you…".
/// "Winnie, we'll need the agency's terms": a need put to the one named before a
/// comma asks them for it too.
pub(super) fn calls_on(after_name: &str) -> bool {
    let rest = after_name.trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | '，' | '、' | ':' | '：')
    });
    let lower = rest.to_lowercase().replace('’', "'");
    let vocative = after_name.trim_start().starts_with([',', '，', ':', '：']);
    let needs_from_them = [
        "we'll need ",
        "we need ",
        "i'll need ",
        "i need ",
        "we'd need ",
    ]
    .iter()
    .any(|w| lower.starts_with(w) && !lower[w.len()..].starts_with("to "));
    rest.starts_with(['你', '您'])
        || ["you", "can you", "could you", "please", "would you"]
            .iter()
            .any(|w| lower.starts_with(w))
        || (vocative && needs_from_them)
}

fn after_pronoun(text: &str, pronoun: char) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        if c != pronoun || chars.get(i + 1).is_some_and(|n| "哋地們们".contains(*n)) {
            return false;
        }
        let rest: String = chars[i + 1..].iter().collect();
        let rest = rest.trim_start();
        if NOT_TASKS.iter().any(|o| rest.starts_with(o)) {
            return false;
        }
        // "我聽日下晝去簽": the time words first, then the verb.
        let mut rest = rest;
        while let Some(after) = TIME_WORDS.iter().find_map(|t| rest.strip_prefix(t)) {
            rest = after.trim_start();
        }
        // "我開緊 Zoom": an aspect marker before any cue tells what is going on, not
        // what will be.
        let rest: Vec<char> = rest.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(verb) = rest
            .iter()
            .take(CUE_REACH)
            .take_while(|n| !DONE_OR_GOING_ON.contains(**n))
            .position(|n| CJK_VERB_CUES.contains(*n) || n.is_ascii_alphabetic())
        else {
            return false;
        };
        // "我睇咗三間酒店", "我 send 咗", "我問咗另一間": the verb is done already.
        // "我會…" looks ahead whatever follows.
        let after = if rest[verb].is_ascii_alphabetic() {
            verb + rest[verb..]
                .iter()
                .take_while(|c| c.is_ascii_alphabetic())
                .count()
        } else {
            verb + 1
        };
        WILL.contains(rest[verb])
            || !rest[after..]
                .iter()
                .take(DONE_REACH)
                .any(|c| DONE_OR_GOING_ON.contains(*c))
    })
}

/// Words saying what will be, whatever aspect follows.
const WILL: &str = "會会";
/// How many characters after the verb (its compound's second character, or the marker
/// itself) a done marker may come.
const DONE_REACH: usize = 2;

/// Time words said between 我 / 你 and the verb ("我聽日下晝去簽", "你今晚 send").
const TIME_WORDS: &[&str] = &[
    "聽日",
    "听日",
    "明天",
    "明日",
    "今晚",
    "今日",
    "今天",
    "後日",
    "后日",
    "後天",
    "后天",
    "下晝",
    "下昼",
    "上晝",
    "上昼",
    "下午",
    "上午",
    "早上",
    "晚上",
    "稍後",
    "稍后",
    "遲啲",
    "迟啲",
    "等陣",
    "等阵",
    "一陣",
    "一阵",
    "而家",
    "現在",
    "现在",
    "今個禮拜",
    "下個禮拜",
    "下星期",
    "下周",
    "下週",
    "月底前",
    "之後",
    "之后",
];

/// Aspect markers of something ongoing (緊) or done (咗).
const DONE_OR_GOING_ON: &str = "緊紧咗";

fn has_words(lower: &str, phrase: &str) -> bool {
    word_starts(lower, phrase).next().is_some()
}

/// Where `phrase` stands in `lower` as whole words.
fn word_starts<'t>(lower: &'t str, phrase: &'t str) -> impl Iterator<Item = usize> + 't {
    lower.match_indices(phrase).filter_map(move |(at, _)| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + phrase.len()..].chars().next();
        let whole = !before.is_some_and(|c| c.is_alphanumeric() || c == '\'')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '\'');
        whole.then_some(at)
    })
}

pub(super) fn looks_like_decision(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "decided",
        "decide",
        "decision",
        "agreed",
        "go with",
        "going with",
        "approved",
        "approve",
        "settled",
        "final",
        "stick with",
        "switch to",
        "postpone",
        "cancel",
        "set for",
        "move forward",
        "go ahead",
        "ceiling",
        "capped",
        "skip the",
        "no more",
    ];
    const CJK: &[&str] = &[
        "決定",
        "决定",
        "定落",
        "定下",
        "就定",
        "定咗",
        "定喺",
        "定在",
        "定為",
        "定为",
        "就咁",
        "就這樣",
        "就这样",
        "就这么",
        "拍板",
        "通過",
        "通过",
        "批准",
        "確定",
        "确定",
        "落實",
        "落实",
        "照舊",
        "照旧",
        "改用",
        "取消",
        "延後",
        "延后",
        "暫停",
        "暂停",
        "揀",
        "选定",
        "定了",
    ];
    let lower = text.to_lowercase();
    ENGLISH.iter().any(|w| has_words(&lower, w)) || CJK.iter().any(|w| text.contains(w))
}

/// A line that only closes the meeting or thanks people: "OK, that's all, thanks.",
/// "冇嘢喇，唔該晒", "没了，谢谢大家。" — never a decision.
pub(super) fn only_closes(text: &str) -> bool {
    const ENGLISH: &[&str] = &[
        "ok",
        "okay",
        "so",
        "that",
        "that's",
        "thats",
        "is",
        "all",
        "for",
        "today",
        "thanks",
        "thank",
        "you",
        "everyone",
        "everybody",
        "all",
        "bye",
        "great",
        "good",
        "alright",
        "right",
        "then",
        "we're",
        "done",
        "see",
        "next",
        "week",
        "time",
    ];
    const CJK: &[&str] = &[
        "多謝",
        "多谢",
        "謝謝",
        "谢谢",
        "唔該晒",
        "唔該",
        "大家",
        "各位",
        "冇嘢喇",
        "冇嘢",
        "没了",
        "沒了",
        "就咁多",
        "就这些",
        "就這些",
        "今日",
        "今天",
        "散會",
        "散会",
        "好",
        "喇",
        "啦",
        "吧",
        "了",
    ];
    let mut rest = text.to_lowercase();
    for w in CJK {
        rest = rest.replace(w, " ");
    }
    let words: Vec<&str> = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let said_anything = text.chars().any(char::is_alphanumeric);
    said_anything && words.iter().all(|w| ENGLISH.contains(w))
}

/// Words that hand a task on or take it back: "actually, Ken will do it instead",
/// "咁算，我自己整", "唔使，我自己同佢哋講".
pub(super) fn hands_over(text: &str) -> bool {
    const ENGLISH: &[&str] = &["actually", "instead", "never mind", "on second thought"];
    // Not a bare 算 or 換: 預算 is a budget and 換講師 a task of its own.
    const CJK: &[&str] = &[
        "咁算",
        "算啦",
        "算了",
        "算吧",
        "唔使",
        "不用",
        "我自己",
        "改由",
        "改為",
        "改为",
        "換人",
        "换人",
        "換成",
        "换成",
        "反而",
    ];
    let lower = text.to_lowercase();
    ENGLISH.iter().any(|w| has_words(&lower, w)) || CJK.iter().any(|w| text.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handing_a_task_on() {
        assert!(hands_over("咁算，actually 我自己整個 KOL list 啦"));
        assert!(hands_over("Actually, Ken will do it instead."));
        assert!(
            !hands_over("我会按三十万重新做一份预算表"),
            "預算 is a budget"
        );
        assert!(
            !hands_over("换讲师的事情你来处理吧，王芳"),
            "換講師 is the task"
        );
    }

    #[test]
    fn calling_a_task_off() {
        assert_eq!(
            calls_off("Actually hold on. Don't order them yourself, Ken.").as_deref(),
            Some("order them yourself")
        );
        assert_eq!(
            calls_off("Ken, you don't need to book it").as_deref(),
            Some("book it")
        );
        assert_eq!(
            calls_off("唔使你訂住，等 procurement 搞").as_deref(),
            Some("訂住")
        );
        assert_eq!(calls_off("好，不用你去了").as_deref(), Some("去了"));
        assert_eq!(calls_off("No need to hurry, Friday is fine."), None);
        assert_eq!(calls_off("唔使客氣"), None);
        assert_eq!(
            calls_off("I don't think we should order more."),
            None,
            "a view, not a stop"
        );
        assert_eq!(calls_off("Thanks, that works."), None);
    }

    #[test]
    fn taking_a_task_back() {
        assert!(takes_it_back(
            "唔使，我自己同佢哋講仲快，我今晚 WhatsApp 佢哋。"
        ));
        assert!(takes_it_back(
            "等等，vendor 個 contract 喺我度，都係我自己 call 啦"
        ));
        assert!(takes_it_back("Never mind, I'll call them myself."));
        assert!(!takes_it_back("I'll review it myself after."));
        assert!(!takes_it_back("Sure, I'll call them this afternoon."));
        assert!(!takes_it_back("我哋要睇下預算先"));
    }

    #[test]
    fn a_request_to_anyone() {
        assert!(asks_anyone("Can someone write a short note for customers?"));
        assert!(asks_anyone("有冇人可以幫手執下個倉？"));
        assert!(asks_anyone("谁可以跟进一下供应商？"));
        assert!(!asks_anyone("Someone's car is parked outside"));
        assert!(!asks_anyone("I'll write the customer note today"));
        assert!(!asks_anyone("I'll ask someone in IT to look at it"));
    }

    #[test]
    fn closing_words_are_not_a_decision() {
        for closing in [
            "OK，that's all，thanks.",
            "没了，谢谢大家。",
            "冇嘢喇，唔該晒。",
            "Thanks, everyone. See you next week.",
        ] {
            assert!(only_closes(closing), "{closing}");
        }
        for said in [
            "OK, we go with the booth.",
            "好，就咁定。",
            "没了，预算上限三十万。",
            "Thanks, skip the tote bags.",
        ] {
            assert!(!only_closes(said), "{said}");
        }
    }

    #[test]
    fn cues_in_english_cantonese_and_mandarin() {
        assert!(takes_on("Agreed. I'll prepare the contract."));
        assert!(takes_on("好，我聽日打畀佢。"));
        assert!(takes_on("唔使，我今晚 WhatsApp 佢哋。"));
        assert!(takes_on("没问题，我来跟进。"));
        assert!(!takes_on("我覺得六個 percent 太多。"));
        assert!(!takes_on("我哋要諗下點追返。"));
        assert!(!takes_on("Till tomorrow."));
        assert!(asks_for("Peter, could you chase them?"));
        assert!(asks_for("Sandy 你重新整過個 allocation。"));
        assert!(asks_for("小王，麻烦你准备一下。"));
        assert!(!asks_for("Peter，你講下個 overall picture 先。"));
        assert!(!asks_for("You know the numbers already."));
        assert!(looks_like_decision("So we go with Second Chance Cleaning."));
        assert!(looks_like_decision(
            "我哋今日就定落嚟：cap 喺 four percent。"
        ));
        assert!(looks_like_decision("就这样决定了。"));
        assert!(!looks_like_decision("Revenue was up eleven percent."));
        assert!(hands_over("Actually, Ken will do it instead."));
        assert!(hands_over("咁算，我自己整個 KOL list 啦。"));
        assert!(!hands_over("Ken will do it by Friday."));
    }

    #[test]
    fn what_is_done_already_is_not_taken_on() {
        assert!(!takes_on("場地方面我睇咗三間酒店。"));
        assert!(!takes_on("我問咗另一間，佢哋話六萬五可以做三條。"));
        assert!(!takes_on("我 send 咗份 draft 畀佢。"));
        assert!(!takes_on("我跟進咗。"));
        assert!(takes_on("我今日會 renew 咗佢。"));
        assert!(takes_on("OK，我今日 send 畀佢。"));
        assert!(takes_on("Peter 你 send 啲數字畀我，我 compile。"));
    }

    #[test]
    fn the_meeting_it_names_is_not_what_will_be() {
        assert!(acts_in_the_meeting("好喇，周年晚宴籌備會，我哋開始啦。"));
        assert!(acts_in_the_meeting("好，我哋開始今日嘅例會。"));
        assert!(!acts_in_the_meeting("我哋開始啦，今年會有一百二十人報名。"));
        assert!(!acts_in_the_meeting("開始啦，今晚會議之後佢會打畀你。"));
    }

    #[test]
    fn a_topic_raised_asks_nobody() {
        assert!(raises_topic("抽獎禮物呢？"));
        assert!(raises_topic("What about the lucky draw prizes?"));
        assert!(!raises_topic("抽獎禮物由我嚟搞。"));
        assert!(!raises_topic("我嚟搞抽獎禮物，好唔好呢？"));
        assert!(!raises_topic("Can you check the prizes?"));
    }
}
