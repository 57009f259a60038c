//! Chinese script of the output: Traditional (Hong Kong forms) by default, Simplified on request.

use std::str::FromStr;
use std::sync::OnceLock;

use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Script {
    /// Traditional characters with Hong Kong forms (OpenCC's s2hk).
    #[default]
    Traditional,
    Simplified,
}

impl Script {
    pub fn as_str(self) -> &'static str {
        match self {
            Script::Traditional => "traditional",
            Script::Simplified => "simplified",
        }
    }

    /// Converts Chinese text to this script; other text passes through unchanged.
    pub fn convert(self, text: &str) -> String {
        if !text.chars().any(is_han) {
            return text.to_string();
        }
        // OpenCC's dictionaries are built into the binary; each converter loads once.
        static TO_HK: OnceLock<Option<OpenCC>> = OnceLock::new();
        static TO_SIMPLIFIED: OnceLock<Option<OpenCC>> = OnceLock::new();
        let (cell, config) = match self {
            Script::Traditional => (&TO_HK, BuiltinConfig::S2hk),
            Script::Simplified => (&TO_SIMPLIFIED, BuiltinConfig::T2s),
        };
        let converter = cell.get_or_init(|| match OpenCC::from_config(config) {
            Ok(cc) => Some(cc),
            Err(e) => {
                tracing::warn!("Chinese script conversion unavailable: {e}");
                None
            }
        });
        match converter {
            Some(cc) => cc.convert(text),
            None => text.to_string(),
        }
    }
}

impl FromStr for Script {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "traditional" | "hant" | "zh-hant" | "zh-hk" => Ok(Script::Traditional),
            "simplified" | "hans" | "zh-hans" | "zh-cn" => Ok(Script::Simplified),
            other => Err(format!(
                "unknown script {other:?}: use traditional or simplified"
            )),
        }
    }
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_both_ways_and_leaves_latin_alone() {
        assert_eq!(
            Script::Traditional.convert("会议记录和财务报告"),
            "會議記錄和財務報告"
        );
        assert_eq!(Script::Simplified.convert("會議記錄"), "会议记录");
        assert_eq!(Script::Traditional.convert("Ask not what"), "Ask not what");
        assert_eq!("simplified".parse::<Script>().unwrap(), Script::Simplified);
        assert!("klingon".parse::<Script>().is_err());
    }
}
