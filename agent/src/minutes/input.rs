//! What a meeting comes in as: a recording, a `Speaker: text` transcript, or the JSON
//! of `mishu transcribe` — told apart by the file's name and then its bytes.

use std::path::Path;

use super::error::{MinutesError, Result};
use super::transcript::{self, Transcript};

pub enum Input {
    Audio,
    Transcript(Transcript),
}

/// Reads `path`: `.txt`/`.md` as a transcript, `.json` as `transcribe` JSON, anything
/// else as audio (decoded later; a file that is not audio is refused then).
pub fn read(path: &Path) -> Result<Input> {
    let name = path.display().to_string();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" | "md" | "json" => {
            let bytes = std::fs::read(path)
                .map_err(|e| MinutesError::BadInput(format!("{name}: cannot read ({e})")))?;
            from_bytes(&bytes, &name).map(Input::Transcript)
        }
        _ => Ok(Input::Audio),
    }
}

/// A transcript from bytes: JSON when it starts with `{`, else UTF-8 text lines.
pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Transcript> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        MinutesError::BadInput(format!(
            "{name}: not UTF-8 text (byte {}); a transcript is `Speaker: text` lines or the JSON of `mishu transcribe`",
            e.valid_up_to()
        ))
    })?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('{') {
        let doc: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            MinutesError::BadInput(format!(
                "{name}: invalid JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ))
        })?;
        transcript::from_transcribe_json(&doc, name)
    } else {
        transcript::from_text(text, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_json_from_text_and_refuses_binary() {
        let t = from_bytes(
            br#"{"segments":[{"start":0,"end":1,"text":"hi","speaker":null}]}"#,
            "a",
        )
        .unwrap();
        assert_eq!(t.utterances[0].start, Some(0.0));
        let t = from_bytes("Amy: hi".as_bytes(), "b").unwrap();
        assert_eq!(t.utterances[0].text, "hi");
        let err = from_bytes(&[0xff, 0xfe, 0x00], "c.txt").unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
        assert!(from_bytes(b"{nope", "d.json")
            .unwrap_err()
            .to_string()
            .contains("line 1"));
    }
}
