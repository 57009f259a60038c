//! Whisper's vocabulary as raw bytes, from a Hugging Face `tokenizer.json`
//! (byte-level BPE: each token is written with GPT-2's byte-to-unicode mapping).

use std::collections::HashMap;

use serde::Deserialize;

#[derive(Deserialize)]
struct TokenizerJson {
    model: Model,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
}

#[derive(Deserialize)]
struct Model {
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
}

/// Token bytes by id, ids 0..=max (regular vocabulary plus added tokens).
pub fn vocab_from_tokenizer_json(json: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let tok: TokenizerJson =
        serde_json::from_slice(json).map_err(|e| format!("not a tokenizer.json: {e}"))?;
    let decoder = byte_decoder();
    let mut by_id: HashMap<u32, Vec<u8>> = HashMap::new();
    for (text, id) in tok.model.vocab {
        let bytes = text
            .chars()
            .map(|c| decoder.get(&c).copied())
            .collect::<Option<Vec<u8>>>()
            .unwrap_or_else(|| text.clone().into_bytes());
        by_id.insert(id, bytes);
    }
    for added in tok.added_tokens {
        by_id.insert(added.id, added.content.into_bytes());
    }
    let max = *by_id
        .keys()
        .max()
        .ok_or("tokenizer.json has an empty vocabulary")?;
    (0..=max)
        .map(|id| {
            by_id
                .remove(&id)
                .ok_or_else(|| format!("tokenizer.json has no token with id {id}"))
        })
        .collect()
}

/// GPT-2's `bytes_to_unicode`, inverted: the printable stand-in char → the byte.
fn byte_decoder() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = (u32::from('!')..=u32::from('~')).collect();
    printable.extend(u32::from('¡')..=u32::from('¬'));
    printable.extend(u32::from('®')..=u32::from('ÿ'));
    let mut map = HashMap::new();
    let mut extra = 0;
    for b in 0..=255u32 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        map.insert(char::from_u32(c).expect("valid char"), b as u8);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_byte_level_tokens_and_added_tokens() {
        let json = r#"{"model":{"vocab":{"!":0,"Ġthe":1,"Ã©":2}},
            "added_tokens":[{"id":3,"content":"<|endoftext|>"}]}"#;
        let v = vocab_from_tokenizer_json(json.as_bytes()).unwrap();
        assert_eq!(v[0], b"!");
        assert_eq!(v[1], b" the");
        assert_eq!(v[2], "é".as_bytes());
        assert_eq!(v[3], b"<|endoftext|>");
    }

    #[test]
    fn a_gap_in_ids_is_an_error() {
        let json = r#"{"model":{"vocab":{"a":0,"b":2}}}"#;
        assert!(vocab_from_tokenizer_json(json.as_bytes())
            .unwrap_err()
            .contains("id 1"));
    }
}
