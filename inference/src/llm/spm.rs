//! SentencePiece tokenizers as GGUF files carry them (`tokenizer.ggml.model = "llama"`:
//! Gemma, Llama 2, Mistral, Phi-3), rebuilt as a `tokenizers` BPE model that gives
//! llama.cpp's token ids.
//!
//! llama.cpp's SentencePiece tokenizer (`llm_tokenizer_spm`) escapes each space as `▁`
//! (and puts one in front of the text when the file asks for a space prefix), starts
//! from the text's characters and repeatedly joins the adjacent pair whose joined text
//! is the vocabulary piece with the highest score, leftmost first; a character left that
//! is no piece is written as its UTF-8 bytes (`<0xNN>` tokens). A BPE model whose
//! merges are every split of every piece into two pieces, ranked by the joined piece's
//! score, makes the same choices, and byte fallback does the rest.

use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::normalizers::{NormalizerWrapper, Prepend, Replace, Sequence};

use crate::llm::gguf::Gguf;
use crate::Result;

/// The character SentencePiece writes a space as.
pub const SPACE: char = '▁';

/// GGUF token types that are plain vocabulary pieces.
const TYPE_NORMAL: i64 = 1;
const TYPE_USER_DEFINED: i64 = 4;
const TYPE_BYTE: i64 = 6;

/// The tokenizer model (no added tokens yet) and the bytes each token stands for.
pub(crate) fn build(
    gguf: &Gguf,
    tokens: &[&str],
    types: &[i64],
) -> Result<(tokenizers::Tokenizer, Vec<Vec<u8>>)> {
    let scores = gguf
        .get("tokenizer.ggml.scores")
        .and_then(|v| v.to_vec().ok())
        .map(|arr| {
            arr.iter()
                .map(|v| match v {
                    candle_core::quantized::gguf_file::Value::F32(x) => Some(*x),
                    candle_core::quantized::gguf_file::Value::F64(x) => Some(*x as f32),
                    _ => None,
                })
                .collect::<Option<Vec<f32>>>()
        })
        .ok_or_else(|| gguf.error("metadata key 'tokenizer.ggml.scores' is missing"))?
        .ok_or_else(|| gguf.error("tokenizer.ggml.scores holds values that are not numbers"))?;
    if scores.len() != tokens.len() {
        return Err(gguf.error(format!(
            "tokenizer.ggml.scores has {} entries for {} tokens",
            scores.len(),
            tokens.len()
        )));
    }

    let mut vocab = Vocab::default();
    for (id, tok) in tokens.iter().enumerate() {
        vocab.entry(tok.to_string()).or_insert(id as u32);
    }
    let merges = merges_by_score(tokens, types, &scores, &vocab);
    let unk = gguf
        .opt_usize("tokenizer.ggml.unknown_token_id")
        .and_then(|id| tokens.get(id))
        .map(|t| t.to_string());
    let mut bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .byte_fallback(true)
        .fuse_unk(true);
    if let Some(unk) = unk {
        bpe = bpe.unk_token(unk);
    }
    let bpe = bpe
        .build()
        .map_err(|e| gguf.error(format!("tokenizer: {e}")))?;

    let mut inner = tokenizers::Tokenizer::new(bpe);
    // llama.cpp's default for SentencePiece vocabularies is to add the space prefix.
    let add_space_prefix = !matches!(
        gguf.get("tokenizer.ggml.add_space_prefix"),
        Some(candle_core::quantized::gguf_file::Value::Bool(false))
    );
    let replace = Replace::new(" ", SPACE.to_string())
        .map_err(|e| gguf.error(format!("tokenizer normalizer: {e}")))?;
    let mut normalizers = Vec::new();
    if add_space_prefix {
        // Each piece of text between added tokens is normalized on its own, as llama.cpp
        // prefixes each text fragment that follows a special token (or starts the text).
        normalizers.push(NormalizerWrapper::Prepend(Prepend::new(SPACE.to_string())));
    }
    normalizers.push(NormalizerWrapper::Replace(replace));
    inner
        .with_normalizer(Some(NormalizerWrapper::Sequence(Sequence::new(
            normalizers,
        ))))
        .map_err(|e| gguf.error(format!("tokenizer normalizer: {e}")))?;

    let token_bytes = tokens
        .iter()
        .zip(types)
        .map(|(tok, &ty)| match ty {
            TYPE_NORMAL => tok.replace(SPACE, " ").into_bytes(),
            TYPE_BYTE => byte_of(tok)
                .map(|b| vec![b])
                .unwrap_or_else(|| tok.as_bytes().to_vec()),
            _ => tok.as_bytes().to_vec(),
        })
        .collect();
    tracing::debug!(add_space_prefix, "built SentencePiece tokenizer from GGUF");
    Ok((inner, token_bytes))
}

/// Every way of writing a normal piece as two pieces, best joined score first; merges
/// that make the same piece are kept together (llama.cpp gives them equal priority).
fn merges_by_score(
    tokens: &[&str],
    types: &[i64],
    scores: &[f32],
    vocab: &Vocab,
) -> Vec<(String, String)> {
    let mut ranked: Vec<(f32, u32, usize, String, String)> = Vec::new();
    for (id, tok) in tokens.iter().enumerate() {
        // llama.cpp joins any two symbols whose text is in the vocabulary; control and
        // byte tokens are never the text of two symbols.
        if !matches!(types[id], TYPE_NORMAL | TYPE_USER_DEFINED)
            || vocab.get(*tok) != Some(&(id as u32))
        {
            continue;
        }
        for (at, _) in tok.char_indices().skip(1) {
            let (left, right) = tok.split_at(at);
            if vocab.contains_key(left) && vocab.contains_key(right) {
                ranked.push((
                    scores[id],
                    id as u32,
                    at,
                    left.to_string(),
                    right.to_string(),
                ));
            }
        }
    }
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    ranked.into_iter().map(|(_, _, _, l, r)| (l, r)).collect()
}

/// The byte a `<0xNN>` token stands for.
fn byte_of(tok: &str) -> Option<u8> {
    let hex = tok.strip_prefix("<0x")?.strip_suffix('>')?;
    u8::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_tokens_parse() {
        assert_eq!(byte_of("<0x0A>"), Some(b'\n'));
        assert_eq!(byte_of("<0xFF>"), Some(0xff));
        assert_eq!(byte_of("<0x>"), None);
        assert_eq!(byte_of("0x41"), None);
    }

    #[test]
    fn merges_follow_the_joined_piece_score() {
        let tokens = ["a", "b", "c", "ab", "bc", "abc"];
        let types = [TYPE_NORMAL; 6];
        let scores = [0.0, 0.0, 0.0, -2.0, -1.0, -3.0];
        let vocab: Vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let merges = merges_by_score(&tokens, &types, &scores, &vocab);
        let pairs: Vec<(&str, &str)> = merges
            .iter()
            .map(|(l, r)| (l.as_str(), r.as_str()))
            .collect();
        assert_eq!(
            pairs,
            vec![("b", "c"), ("a", "b"), ("a", "bc"), ("ab", "c")]
        );
    }
}
