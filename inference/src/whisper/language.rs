//! Which language each window is decoded in: the languages a company speaks (the only
//! ones detection may choose), the meeting's language from the probabilities of several
//! windows of speech, and a window whose own probabilities clearly name another of the
//! allowed languages (code-switched meetings).
//!
//! Whisper-base and the other models before large-v3 have no `<|yue|>` token: there
//! Cantonese is decoded with the `<|zh|>` token and a Cantonese prompt that steers the
//! model toward written Cantonese ([`CANTONESE_PROMPT`]); when both `zh` and `yue` are
//! allowed, Chinese windows are decoded with that prompt and their text decides between
//! the two ([`is_cantonese`]).

use std::str::FromStr;

/// The languages detection may choose when none are configured: Hong Kong's.
pub const DEFAULT_LANGUAGES: &str = "en,zh,yue";

/// Written Cantonese in Traditional characters, as Hong Kong people write it. Given to the
/// model as the text before the window, it steers the decoding toward Cantonese words
/// (嘅 咗 喺 唔 嚟 佢哋) instead of standard written Chinese.
pub const CANTONESE_PROMPT: &str =
    "好，我哋而家開會。佢哋啱啱嚟咗，喺度等緊。呢個係我哋嘅計劃，你覺得點呀？唔該晒，冇問題。";

/// The languages detection may choose: Whisper language codes, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Languages(Vec<String>);

impl Languages {
    /// A comma-separated list of Whisper language codes (`en,zh,yue`).
    pub fn parse(list: &str) -> Result<Languages, String> {
        let mut codes: Vec<String> = Vec::new();
        for part in list.split(',') {
            let code = part.trim().to_ascii_lowercase();
            if code.is_empty() {
                continue;
            }
            if code == "auto" {
                return Err(
                    "the language list names languages (en,zh,yue), not \"auto\"".to_string(),
                );
            }
            if whisper_rs::get_lang_id(&code).is_none() {
                return Err(format!(
                    "unknown language {code:?} in the language list: use Whisper language codes such as en, zh, yue"
                ));
            }
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        if codes.is_empty() {
            return Err(
                "the language list is empty: name at least one language (e.g. en,zh,yue)".into(),
            );
        }
        Ok(Languages(codes))
    }

    pub fn codes(&self) -> &[String] {
        &self.0
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.iter().any(|c| c == code)
    }
}

impl Default for Languages {
    fn default() -> Self {
        Languages::parse(DEFAULT_LANGUAGES).expect("valid default languages")
    }
}

impl FromStr for Languages {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Languages::parse(s)
    }
}

impl std::fmt::Display for Languages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(","))
    }
}

/// How one language is decoded by a given model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The code reported for the text (`yue` also where the model decodes it as `zh`).
    pub code: String,
    /// The code of the language token the decoder is given.
    pub token: String,
    /// Put [`CANTONESE_PROMPT`] before the window.
    pub cantonese_prompt: bool,
    /// Both `zh` and `yue` share this model's token: decode with the Cantonese prompt
    /// (Mandarin speech stays standard written Chinese under it) and let the text decide
    /// which of the two to report.
    pub check_cantonese: bool,
}

impl Target {
    /// `code` on a model with `n_languages` language tokens (whisper.cpp's ids: 0 `en`,
    /// 1 `zh`, …, 99 `yue`). `None` when the model has no way to decode it.
    pub fn new(code: &str, n_languages: usize) -> Option<Target> {
        let id = whisper_rs::get_lang_id(code)? as usize;
        if id < n_languages {
            return Some(Target {
                code: code.to_string(),
                token: code.to_string(),
                cantonese_prompt: false,
                check_cantonese: false,
            });
        }
        (code == "yue" && n_languages > 1).then(Target::cantonese_as_chinese)
    }

    /// Cantonese on a model without `<|yue|>`.
    pub fn cantonese_as_chinese() -> Target {
        Target {
            code: "yue".into(),
            token: "zh".into(),
            cantonese_prompt: true,
            check_cantonese: false,
        }
    }

    /// The Whisper id of the language token.
    pub fn token_id(&self) -> usize {
        whisper_rs::get_lang_id(&self.token).map_or(0, |id| id as usize)
    }
}

/// The allowed languages on one model: the distinct language tokens detection chooses
/// between, and how each is decoded.
#[derive(Debug, Clone)]
pub(crate) struct Choices {
    /// Whisper ids of the language tokens, in the list's order.
    pub ids: Vec<usize>,
    /// How the text of each token is decoded and reported (same order as `ids`).
    pub targets: Vec<Target>,
}

impl Choices {
    /// The choices among `languages` on a model with `n_languages` language tokens;
    /// an error names a language the model cannot decode.
    pub fn new(languages: &Languages, n_languages: usize) -> Result<Choices, String> {
        let mut ids: Vec<usize> = Vec::new();
        let mut targets: Vec<Target> = Vec::new();
        for code in languages.codes() {
            let target = Target::new(code, n_languages)
                .ok_or_else(|| format!("this model cannot transcribe {code:?}"))?;
            let id = target.token_id();
            match ids.iter().position(|&i| i == id) {
                // `zh` and `yue` on a model without `<|yue|>`: one token, two languages.
                Some(k) => {
                    targets[k] = Target {
                        code: "zh".into(),
                        token: "zh".into(),
                        cantonese_prompt: false,
                        check_cantonese: true,
                    }
                }
                None => {
                    ids.push(id);
                    targets.push(target);
                }
            }
        }
        Ok(Choices { ids, targets })
    }

    /// The probabilities of the allowed tokens only, summing to 1: `probs` is a
    /// distribution over all of the model's language tokens (by Whisper id).
    pub fn restrict(&self, probs: &[f32]) -> Vec<f32> {
        restrict(probs, &self.ids)
    }
}

/// `probs` (by Whisper language id) restricted to `ids` and renormalised; uniform when
/// none of them has any probability.
pub(crate) fn restrict(probs: &[f32], ids: &[usize]) -> Vec<f32> {
    let picked: Vec<f32> = ids
        .iter()
        .map(|&i| probs.get(i).copied().unwrap_or(0.0).max(0.0))
        .collect();
    let total: f32 = picked.iter().sum();
    if total > 0.0 && total.is_finite() {
        picked.iter().map(|p| p / total).collect()
    } else {
        vec![1.0 / ids.len().max(1) as f32; ids.len()]
    }
}

/// Softmax of the language tokens' logits: a distribution over the model's languages.
pub(crate) fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let exps: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let total: f32 = exps.iter().sum();
    exps.iter().map(|e| e / total).collect()
}

/// The meeting's language: the mean of the windows' restricted probabilities, each
/// weighted by its seconds of speech. The mean of probabilities, not their product: one
/// window of noise that is sure of the wrong language cannot outvote the others.
/// Returns the index of the winner and the combined distribution.
pub(crate) fn combine(windows: &[(Vec<f32>, f64)]) -> (usize, Vec<f32>) {
    let n = windows.first().map_or(0, |(p, _)| p.len());
    let mut sum = vec![0f64; n];
    let mut weight = 0f64;
    for (probs, seconds) in windows {
        let w = seconds.max(0.1);
        for (s, &p) in sum.iter_mut().zip(probs) {
            *s += w * f64::from(p);
        }
        weight += w;
    }
    let mean: Vec<f32> = sum.iter().map(|s| (s / weight.max(1e-9)) as f32).collect();
    (argmax(&mean), mean)
}

/// A window leaves the meeting's language only when it has enough speech to judge and
/// its own probabilities are this sure of another allowed language.
pub(crate) const SWITCH_MIN_PROB: f32 = 0.95;
/// A window this sure of its language (restricted probability) is not checked part by
/// part for turns in another language.
pub(crate) const SURE_WINDOW_PROB: f32 = 0.8;
/// Seconds of speech a window needs before its own language can differ.
pub(crate) const SWITCH_MIN_SPEECH_S: f64 = 4.0;

/// The language a window is decoded in: the meeting's (index `meeting`), unless the
/// window's restricted probabilities `window` strongly name another.
pub(crate) fn window_choice(meeting: usize, window: &[f32], speech_s: f64) -> usize {
    let best = argmax(window);
    if best != meeting && speech_s >= SWITCH_MIN_SPEECH_S && window[best] >= SWITCH_MIN_PROB {
        best
    } else {
        meeting
    }
}

/// Whether `text` is the Cantonese prompt (or a stretch of it) given back: what Whisper
/// may write for noise when the prompt steers it.
pub(crate) fn echoes_prompt(text: &str) -> bool {
    let letters = |t: &str| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
    let text = letters(text);
    text.chars().count() >= 4 && letters(CANTONESE_PROMPT).contains(&text)
}

/// Seconds of speech a chunk needs before its text can be judged too little for it.
const SPARSE_MIN_SPEECH_S: f64 = 8.0;
/// A chunk whose text accounts for less than this share of its speech is too sparse.
const SPARSE_SHARE: f64 = 0.35;

/// Whether `text` is far too little for `speech_s` seconds of speech: what happens when
/// a chunk holds turns in several languages and Whisper, decoding them all in one,
/// writes only the turns in that language. Han characters count a quarter of a second
/// each, other words 0.4 s (slow speech is about 4 characters or 2.5 words a second).
pub(crate) fn too_little_text(text: &str, speech_s: f64) -> bool {
    let han = text.chars().filter(|&c| super::script::is_han(c)).count();
    let words = text
        .split(|c: char| c.is_whitespace() || super::script::is_han(c))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    let accounted = han as f64 / 4.0 + words as f64 / 2.5;
    speech_s >= SPARSE_MIN_SPEECH_S && accounted < SPARSE_SHARE * speech_s
}

pub(crate) fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Characters of written Cantonese that standard written Chinese does not use (in either
/// script).
const CANTONESE_CHARS: &[char] = &[
    '嘅', '咗', '喺', '唔', '嚟', '佢', '哋', '冇', '嗰', '啲', '乜', '嘢', '咩', '噉', '睇', '諗',
    '谂', '嘥', '攞', '揾', '搵', '畀', '俾', '嚿', '咁', '喇', '嘞', '啱', '晒', '緊', '紧', '冧',
    '咪', '乸', '孭', '嬲', '氹', '餸', '着', '㗎', '嘛', '喎', '囉', '啰', '吖', '嗮', '咋', '𠮶',
    '嘢', '边', '邊', '點', '点',
];

/// Characters of the list above that also occur often in standard written Chinese: they
/// count only beside a surely Cantonese one.
const SHARED: &[char] = &[
    '緊', '紧', '着', '嘛', '咪', '邊', '边', '點', '点', '咁', '晒',
];

/// Function words of standard written Chinese that written Cantonese says otherwise
/// (的 嘅, 是 係, 了 咗, 們 哋, 這 呢, 沒 冇, 很 好, 他 佢, 說 講, 看 睇, 給 畀…).
const MANDARIN_CHARS: &[char] = &[
    '的', '是', '了', '們', '们', '這', '这', '那', '沒', '没', '很', '您', '他', '她', '什', '麼',
    '么', '嗎', '吗', '也', '說', '说', '説', '看', '給', '给', '怎', '哪', '誰', '谁',
];

/// Whether Cantonese-looking `text`, written under the Cantonese prompt, is Mandarin
/// speech the prompt pushed into Cantonese: the model swaps the commonest words (嘅 for
/// 的, 係 for 是) but leaves many others (很, 今天, 您, 你們, 這裡, 為什麼). Written
/// Cantonese has at most one of these words for thirty Cantonese ones (the hand-written
/// Cantonese meetings of the tests: 0–3%); such Mandarin has one for every one or two
/// (40–70% on a real Mandarin talk). At least three, and one for every four Cantonese.
pub(crate) fn reads_as_mandarin(text: &str) -> bool {
    let mandarin = text.chars().filter(|c| MANDARIN_CHARS.contains(c)).count();
    let cantonese = text.chars().filter(|&c| cantonese_only(c)).count();
    mandarin >= 3 && mandarin * 4 >= cantonese
}

/// Whether `text` has any Cantonese-only character: in text that is not Cantonese
/// ([`is_cantonese`]), a word the Cantonese prompt slipped in (嘅 for 的).
pub(crate) fn has_cantonese_chars(text: &str) -> bool {
    text.chars().any(cantonese_only)
}

/// A character only written Cantonese uses ([`CANTONESE_CHARS`] less [`SHARED`]).
fn cantonese_only(c: char) -> bool {
    CANTONESE_CHARS.contains(&c) && !SHARED.contains(&c)
}

/// Whether `text` is written Cantonese: at least two Cantonese-only characters, and at
/// least one in fifty of its Han characters.
pub fn is_cantonese(text: &str) -> bool {
    let han = text.chars().filter(|&c| super::script::is_han(c)).count();
    let marked = text.chars().filter(|&c| cantonese_only(c)).count();
    marked >= 2 && marked * 50 >= han
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A distribution over the 99 languages of whisper-base with the given mass on
    /// some ids and the rest spread evenly.
    fn probs(mass: &[(usize, f32)]) -> Vec<f32> {
        let n = 99;
        let given: f32 = mass.iter().map(|(_, p)| p).sum();
        let rest = (1.0 - given) / (n - mass.len()) as f32;
        let mut v = vec![rest; n];
        for &(i, p) in mass {
            v[i] = p;
        }
        v
    }

    const EN: usize = 0;
    const ZH: usize = 1;
    const DE: usize = 2;

    #[test]
    fn parses_lists_and_names_bad_codes() {
        let l = Languages::parse(" EN, zh ,yue,en").unwrap();
        assert_eq!(l.codes(), ["en", "zh", "yue"]);
        assert_eq!(l.to_string(), "en,zh,yue");
        assert_eq!(Languages::default(), l);
        let err = Languages::parse("en,xx").unwrap_err();
        assert!(err.contains("\"xx\""), "{err}");
        assert!(Languages::parse(" , ").unwrap_err().contains("empty"));
        assert!(Languages::parse("auto").is_err());
    }

    #[test]
    fn a_language_outside_the_list_is_never_chosen() {
        // German is by far the likeliest token, but only en and zh are allowed.
        let c = Choices::new(&Languages::parse("en,zh").unwrap(), 99).unwrap();
        let window = probs(&[(DE, 0.9), (EN, 0.06), (ZH, 0.01)]);
        let r = c.restrict(&window);
        assert_eq!(r.len(), 2);
        assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let (best, _) = combine(&[(r, 10.0)]);
        assert_eq!(c.targets[best].code, "en");
    }

    #[test]
    fn several_windows_outvote_one_sure_wrong_window() {
        let c = Choices::new(&Languages::parse("en,zh").unwrap(), 99).unwrap();
        let noisy = c.restrict(&probs(&[(ZH, 0.6), (EN, 0.001)]));
        assert!(noisy[1] > 0.99, "{noisy:?}");
        let clear = c.restrict(&probs(&[(EN, 0.9), (ZH, 0.05)]));
        let windows = vec![(noisy, 29.0), (clear.clone(), 29.0), (clear.clone(), 25.0)];
        let (best, mean) = combine(&windows);
        assert_eq!(c.targets[best].code, "en", "{mean:?}");
        // The first window alone would have been Chinese.
        assert_eq!(combine(&windows[..1]).0, 1);
    }

    #[test]
    fn longer_windows_weigh_more() {
        let a = vec![0.8, 0.2];
        let b = vec![0.1, 0.9];
        assert_eq!(combine(&[(a.clone(), 30.0), (b.clone(), 5.0)]).0, 0);
        assert_eq!(combine(&[(a, 5.0), (b, 30.0)]).0, 1);
    }

    #[test]
    fn a_window_switches_only_when_sure_and_long_enough() {
        assert_eq!(window_choice(0, &[0.02, 0.98], 12.0), 1);
        assert_eq!(window_choice(0, &[0.2, 0.8], 12.0), 0, "not sure enough");
        assert_eq!(window_choice(0, &[0.01, 0.99], 2.0), 0, "too short");
        assert_eq!(window_choice(1, &[0.01, 0.99], 2.0), 1);
    }

    #[test]
    fn cantonese_shares_the_chinese_token_on_models_without_yue() {
        let base = Choices::new(&Languages::default(), 99).unwrap();
        assert_eq!(base.ids, vec![EN, ZH]);
        assert!(base.targets[1].check_cantonese);
        assert_eq!(base.targets[1].token, "zh");
        let only_yue = Choices::new(&Languages::parse("en,yue").unwrap(), 99).unwrap();
        assert_eq!(only_yue.ids, vec![EN, ZH]);
        assert_eq!(only_yue.targets[1], Target::cantonese_as_chinese());
        // large-v3 has 100 language tokens, the last one <|yue|>.
        let large = Choices::new(&Languages::default(), 100).unwrap();
        assert_eq!(large.ids, vec![EN, ZH, 99]);
        assert!(large
            .targets
            .iter()
            .all(|t| t.token == t.code && !t.cantonese_prompt));
        // An English-only model knows no other language.
        assert!(Choices::new(&Languages::parse("en,zh").unwrap(), 1).is_err());
    }

    #[test]
    fn mandarin_pushed_into_cantonese_by_the_prompt_is_told_from_cantonese() {
        // Whisper-base on a real Mandarin talk, decoded under the Cantonese prompt.
        assert!(reads_as_mandarin(
            "試錯嘅過程,很簡單。而緊特別係今天莫名昌學卡嘅同學。您哋可以聽到後面有專門嘅活動課。\
             為什麼?你自己寫嘛。我先今天寫五個點。我就試試試看一下。反正五個點不行。"
        ));
        assert!(reads_as_mandarin(
            "今天嚟這裡,你們就係對嘅。所以説關於活動很難通過呢個話題。"
        ));
        // Cantonese as said, and the prompt itself.
        assert!(!reads_as_mandarin(
            "好，咁我哋今日嘅會就開始啦。Peter 你上個禮拜講過嘅報告，寫咗未呀？我聽日會睇吓，\
             如果冇問題就畀返財務部。佢哋話要喺月尾之前交。"
        ));
        assert!(!reads_as_mandarin(CANTONESE_PROMPT));
        // A real Cantonese clip as whisper-base writes it under the prompt.
        assert!(!reads_as_mandarin("呢幾個字都表達唔到我想講嘅意思。"));
        // Too little to judge: a single 是 in a Cantonese line.
        assert!(!reads_as_mandarin("佢係我哋嘅同事，但係唔係今日嚟。"));
        // Standard Chinese with one word the prompt slipped in.
        let slipped = "對,這就是我萬人敬仰嘅太乙真人。";
        assert!(!is_cantonese(slipped) && has_cantonese_chars(slipped));
        assert!(!has_cantonese_chars("對,這就是我萬人敬仰的太乙真人。"));
    }

    #[test]
    fn tells_written_cantonese_from_standard_chinese() {
        assert!(is_cantonese("佢哋今日唔嚟開會，話要喺公司做嘢。"));
        assert!(is_cantonese(CANTONESE_PROMPT));
        assert!(!is_cantonese("他們今天不來開會，說要在公司工作。"));
        assert!(!is_cantonese(
            "我们正在讨论第四季度的预算，请大家准时参加。"
        ));
        assert!(!is_cantonese("And so my fellow Americans"));
        // One stray character in a long standard text is not Cantonese.
        assert!(!is_cantonese(
            "我們正在討論第四季度的預算，請大家準時參加會議，並且提前準備好各自部門的報告和數據，唔"
        ));
    }

    #[test]
    fn text_far_too_short_for_its_speech_is_sparse() {
        // 19 s of zh, en and yue turns of which only the Mandarin one was written.
        assert!(too_little_text("開放時間早上九點,順暈下午五點。", 17.0));
        assert!(too_little_text("", 10.0));
        assert!(!too_little_text("", 5.0), "too short to judge");
        let english = "And so my fellow Americans, ask not what your country can do for you, \
                       ask what you can do for your country.";
        assert!(!too_little_text(english, 11.0));
        assert!(!too_little_text("呢幾個字都表達唔到我想講嘅意思。", 5.2));
        assert!(!too_little_text(
            "我們今天討論第四季度的預算，大家準時參加會議。",
            9.0
        ));
    }

    #[test]
    fn the_prompt_given_back_is_recognised() {
        assert!(echoes_prompt("佢哋啱啱嚟咗，喺度等緊。"));
        assert!(echoes_prompt(CANTONESE_PROMPT));
        assert!(!echoes_prompt("呢幾個字都表達唔到我想講嘅意思。"));
        assert!(!echoes_prompt("好。"), "too short to tell");
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let p = softmax(&[1.0, 3.0, -2.0]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(p[1] > p[0] && p[0] > p[2]);
    }
}
