//! The meeting's language and script, from its words: English, Mandarin or Cantonese,
//! Traditional or Simplified. The summary and decisions are asked for in it.

use inference::whisper::Script;

use crate::directory::normalize::simplified;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    /// Mandarin in Simplified characters.
    MandarinSimplified,
    /// Mandarin in Traditional characters.
    MandarinTraditional,
    /// Cantonese (written in Traditional characters).
    Cantonese,
}

/// Characters written Cantonese uses and standard written Chinese does not.
const CANTONESE_MARKERS: &str = "嘅咗喺唔嚟佢哋冇啲嘢咁乜嗰啱嘢囉喎㗎噉搵揾俾畀睇攞嚿";

impl Language {
    /// The code of `minutes --json` (`en`, `zh`, `yue`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::MandarinSimplified | Language::MandarinTraditional => "zh",
            Language::Cantonese => "yue",
        }
    }

    /// How the prompts name it to the model.
    pub fn prompt_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::MandarinSimplified => "简体中文",
            Language::MandarinTraditional => "繁體中文",
            Language::Cantonese => "繁體中文（香港）",
        }
    }

    /// The script the minutes are written in: the model drifts to Simplified
    /// characters in a Traditional meeting, so what it writes is converted.
    pub fn script(self) -> Option<Script> {
        match self {
            Language::English => None,
            Language::MandarinSimplified => Some(Script::Simplified),
            Language::MandarinTraditional | Language::Cantonese => Some(Script::Traditional),
        }
    }

    /// `text` in the meeting's script (unchanged for English).
    pub fn in_script(self, text: &str) -> String {
        match self.script() {
            Some(script) => script.convert(text),
            None => text.to_string(),
        }
    }

    pub fn is_chinese(self) -> bool {
        self != Language::English
    }

    /// Detects the language of `text`: Chinese when CJK characters outweigh Latin
    /// words (a CJK character is about a word), Cantonese when its marker characters
    /// are common, Simplified when most characters are already Simplified.
    pub fn detect(text: &str) -> Language {
        let mut cjk = 0usize;
        let mut markers = 0usize;
        let mut traditional = 0usize;
        let simple = simplified(text);
        for (a, b) in text.chars().zip(simple.chars()) {
            if is_cjk(a) {
                cjk += 1;
                if CANTONESE_MARKERS.contains(a) {
                    markers += 1;
                }
                if a != b {
                    traditional += 1;
                }
            }
        }
        let latin_words = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1)
            .count();
        if cjk == 0 || latin_words > cjk {
            return Language::English;
        }
        if markers * 100 >= cjk * 2 {
            Language::Cantonese
        } else if traditional * 100 >= cjk * 3 {
            Language::MandarinTraditional
        } else {
            Language::MandarinSimplified
        }
    }
}

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::Language::*;
    use super::*;

    #[test]
    fn what_the_model_writes_follows_the_meetings_script() {
        assert_eq!(
            Cantonese.in_script("Peter 联系 David 和 Amy"),
            "Peter 聯繫 David 和 Amy"
        );
        assert_eq!(MandarinSimplified.in_script("簽訂合約"), "签订合约");
        assert_eq!(English.in_script("Send 报价"), "Send 报价");
    }

    #[test]
    fn tells_the_languages_apart() {
        assert_eq!(Language::detect("Let's ship it by Friday."), English);
        assert_eq!(Language::detect("我聽日覆你啦，呢個我嚟跟進。"), Cantonese);
        assert_eq!(
            Language::detect("我下周三之前把招聘广告发出去。"),
            MandarinSimplified
        );
        assert_eq!(
            Language::detect("我下週三之前把招聘廣告發出去。"),
            MandarinTraditional
        );
        assert_eq!(
            Language::detect("OK，我今日 send 畀佢，下個禮拜三之前整好個 KOL list。"),
            Cantonese
        );
    }
}
