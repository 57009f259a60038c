//! The tokenizer of a GGUF, built from its own metadata (`tokenizer.ggml.*`) into a
//! `tokenizers::Tokenizer`: byte-level BPE with the pre-tokenizer split rules llama.cpp
//! uses for the file's `pre` name (`gpt2` files), or SentencePiece (`llama` files, see
//! [`spm`]), and the control / user-defined tokens as added tokens.

use std::collections::HashMap;

use tokenizers::models::bpe::{Vocab, BPE};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::{AddedToken, SplitDelimiterBehavior};

use crate::llm::gguf::Gguf;
use crate::llm::spm;
use crate::{Error, Result};

/// Qwen2's split rule (single digits).
const QWEN2_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
/// Llama 3's split rule (up to three digits).
const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// GGUF token types (llama.cpp's `llama_token_type`).
const TYPE_UNKNOWN: i64 = 2;
const TYPE_CONTROL: i64 = 3;
const TYPE_USER_DEFINED: i64 = 4;
const TYPE_UNUSED: i64 = 5;

/// Texts of control tokens that end a turn, as llama.cpp recognises them.
const END_OF_TURN: &[&str] = &[
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
];

pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
    /// The bytes each token stands for (control tokens: their text).
    token_bytes: Vec<Vec<u8>>,
    /// Control tokens (never produced by plain text, hidden from the output).
    control: Vec<bool>,
    bos: Option<u32>,
    add_bos: bool,
    eos: Option<u32>,
    stop_tokens: Vec<u32>,
    pre: String,
}

impl Tokenizer {
    pub fn from_gguf(gguf: &Gguf) -> Result<Tokenizer> {
        let model = gguf.string("tokenizer.ggml.model")?;
        if !matches!(model, "gpt2" | "llama") {
            return Err(gguf.error(format!(
                "tokenizer model '{model}' is not supported (byte-level BPE 'gpt2' and SentencePiece 'llama' are)"
            )));
        }
        let sentencepiece = model == "llama";
        let tokens = gguf.string_array("tokenizer.ggml.tokens")?;
        let types = gguf
            .opt_i32_array("tokenizer.ggml.token_type")
            .unwrap_or_else(|| vec![1; tokens.len()]);
        if types.len() != tokens.len() {
            return Err(gguf.error(format!(
                "tokenizer.ggml.token_type has {} entries for {} tokens",
                types.len(),
                tokens.len()
            )));
        }
        let pre = if sentencepiece {
            "sentencepiece"
        } else {
            gguf.opt_string("tokenizer.ggml.pre").unwrap_or("default")
        };
        let (mut inner, token_bytes) = if sentencepiece {
            spm::build(gguf, &tokens, &types)?
        } else {
            byte_level_bpe(gguf, &tokens, &types, pre)?
        };
        // Tokens that are no text: parsed where the text spells them, hidden from the
        // output. SentencePiece's unknown and unused tokens are no text either.
        let is_control = |ty: i64| {
            ty == TYPE_CONTROL || (sentencepiece && matches!(ty, TYPE_UNKNOWN | TYPE_UNUSED))
        };

        let mut special = Vec::new();
        let mut user = Vec::new();
        for (id, tok) in tokens.iter().enumerate() {
            match types[id] {
                // llama.cpp parses control tokens (and SentencePiece's unknown token)
                // written in the text; unused ones are never parsed.
                ty if ty == TYPE_CONTROL || (sentencepiece && ty == TYPE_UNKNOWN) => special.push(
                    AddedToken::from(tok.to_string(), true)
                        .normalized(false)
                        .single_word(false),
                ),
                TYPE_USER_DEFINED => {
                    user.push(AddedToken::from(tok.to_string(), false).normalized(false))
                }
                _ => {}
            }
        }
        inner
            .add_special_tokens(special)
            .map_err(|e| gguf.error(format!("tokenizer special tokens: {e}")))?;
        inner
            .add_tokens(user)
            .map_err(|e| gguf.error(format!("tokenizer added tokens: {e}")))?;

        let control: Vec<bool> = types.iter().map(|&ty| is_control(ty)).collect();

        let n = tokens.len() as u32;
        let id = |key: &str| gguf.opt_usize(key).map(|v| v as u32).filter(|&v| v < n);
        let bos = id("tokenizer.ggml.bos_token_id");
        let eos = id("tokenizer.ggml.eos_token_id");
        // llama.cpp adds BOS to SentencePiece text unless the file says not to.
        let add_bos = match gguf.get("tokenizer.ggml.add_bos_token") {
            Some(candle_core::quantized::gguf_file::Value::Bool(b)) => *b,
            _ => sentencepiece,
        };
        let mut stop_tokens: Vec<u32> = [eos, id("tokenizer.ggml.eot_token_id")]
            .into_iter()
            .flatten()
            .collect();
        for (i, tok) in tokens.iter().enumerate() {
            if types[i] == TYPE_CONTROL && END_OF_TURN.contains(tok) {
                stop_tokens.push(i as u32);
            }
        }
        stop_tokens.sort_unstable();
        stop_tokens.dedup();
        tracing::debug!(
            vocab = tokens.len(),
            pre,
            ?bos,
            ?eos,
            ?stop_tokens,
            "built tokenizer from GGUF"
        );
        Ok(Tokenizer {
            inner,
            token_bytes,
            control,
            bos,
            add_bos,
            eos,
            stop_tokens,
            pre: pre.to_string(),
        })
    }

    /// Token ids of `text`. Control tokens written in the text (`<|im_start|>`) are
    /// parsed as themselves, as chat templates need. Adds BOS when the model asks for it.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode_fast(text, false)
            .map_err(|e| Error::Engine(format!("tokenizer: {e}")))?;
        let mut ids = Vec::with_capacity(enc.len() + 1);
        if self.add_bos {
            if let Some(bos) = self.bos {
                ids.push(bos);
            }
        }
        ids.extend_from_slice(enc.get_ids());
        Ok(ids)
    }

    /// Token ids of a piece of text inside a document (no BOS).
    pub fn encode_fragment(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .inner
            .encode_fast(text, false)
            .map_err(|e| Error::Engine(format!("tokenizer: {e}")))?;
        Ok(enc.get_ids().to_vec())
    }

    /// The text of `ids`, control tokens left out. Invalid UTF-8 (a character cut in
    /// two) becomes U+FFFD.
    pub fn decode(&self, ids: &[u32]) -> String {
        let mut bytes = Vec::new();
        for &id in ids {
            if !self.is_control(id) {
                bytes.extend_from_slice(self.token_bytes(id));
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    pub fn vocab_size(&self) -> usize {
        self.token_bytes.len()
    }

    pub fn token_bytes(&self, id: u32) -> &[u8] {
        self.token_bytes
            .get(id as usize)
            .map(|b| b.as_slice())
            .unwrap_or(&[])
    }

    pub fn is_control(&self, id: u32) -> bool {
        self.control.get(id as usize).copied().unwrap_or(false)
    }

    /// Tokens that end generation (end of sequence, end of turn).
    pub fn stop_tokens(&self) -> &[u32] {
        &self.stop_tokens
    }

    pub fn bos_token(&self) -> Option<u32> {
        self.bos
    }

    pub fn eos_token(&self) -> Option<u32> {
        self.eos
    }

    /// The text of a token by id (as the GGUF spells it), for chat templates.
    pub fn token_text(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    /// Whether `text` is one of the vocabulary's control tokens.
    pub fn has_control_token(&self, text: &str) -> bool {
        self.inner
            .token_to_id(text)
            .is_some_and(|id| self.is_control(id))
    }

    pub fn pre_tokenizer_name(&self) -> &str {
        &self.pre
    }

    pub fn inner(&self) -> &tokenizers::Tokenizer {
        &self.inner
    }
}

/// GPT-2-style byte-level BPE from the GGUF's vocabulary and merges, and the bytes
/// each token stands for.
fn byte_level_bpe(
    gguf: &Gguf,
    tokens: &[&str],
    types: &[i64],
    pre: &str,
) -> Result<(tokenizers::Tokenizer, Vec<Vec<u8>>)> {
    let merges = gguf.string_array("tokenizer.ggml.merges")?;
    let mut vocab = Vocab::default();
    for (id, tok) in tokens.iter().enumerate() {
        vocab.entry(tok.to_string()).or_insert(id as u32);
    }
    let merges = merges
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| gguf.error(format!("tokenizer merge {i} '{m}' has no space")))
        })
        .collect::<Result<Vec<_>>>()?;
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .ignore_merges(matches!(pre, "llama-bpe" | "llama3"))
        .build()
        .map_err(|e| gguf.error(format!("tokenizer: {e}")))?;

    let mut inner = tokenizers::Tokenizer::new(bpe);
    inner.with_pre_tokenizer(Some(pre_tokenizer(pre).map_err(|e| gguf.error(e))?));
    inner.with_decoder(Some(ByteLevel::default()));

    let decoder = byte_decoder();
    let token_bytes = tokens
        .iter()
        .zip(types)
        .map(|(tok, &ty)| {
            if matches!(ty, TYPE_CONTROL | TYPE_USER_DEFINED) {
                tok.as_bytes().to_vec()
            } else {
                tok.chars()
                    .map(|c| decoder.get(&c).copied())
                    .collect::<Option<Vec<u8>>>()
                    .unwrap_or_else(|| tok.as_bytes().to_vec())
            }
        })
        .collect();
    Ok((inner, token_bytes))
}

fn pre_tokenizer(pre: &str) -> std::result::Result<PreTokenizerWrapper, String> {
    let split = |pattern: &str| -> std::result::Result<PreTokenizerWrapper, String> {
        Split::new(
            SplitPattern::Regex(pattern.to_string()),
            SplitDelimiterBehavior::Isolated,
            false,
        )
        .map(PreTokenizerWrapper::Split)
        .map_err(|e| format!("tokenizer split pattern: {e}"))
    };
    let bytes_only = PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, false));
    let seq = match pre {
        "qwen2" | "deepseek-r1-qwen" => vec![split(QWEN2_PATTERN)?, bytes_only],
        "llama-bpe" | "llama3" | "falcon3" | "pixtral" => vec![split(LLAMA3_PATTERN)?, bytes_only],
        "smollm" => vec![
            PreTokenizerWrapper::Digits(Digits::new(true)),
            PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, true)),
        ],
        other => {
            if !matches!(other, "default" | "gpt-2" | "gpt2") {
                tracing::warn!(
                    pre = other,
                    "unknown pre-tokenizer; using GPT-2's split rule, tokens may differ from llama.cpp"
                );
            }
            vec![PreTokenizerWrapper::ByteLevel(ByteLevel::new(
                false, false, true,
            ))]
        }
    };
    Ok(PreTokenizerWrapper::Sequence(Sequence::new(seq)))
}

/// GPT-2's byte-to-character table, inverted: the character a byte is written as in
/// the vocabulary → the byte.
fn byte_decoder() -> HashMap<char, u8> {
    let mut printable: Vec<u32> = ('!' as u32..='~' as u32).collect();
    printable.extend('¡' as u32..='¬' as u32);
    printable.extend('®' as u32..='ÿ' as u32);
    let mut map = HashMap::with_capacity(256);
    let mut extra = 0u32;
    for b in 0u32..256 {
        let c = if printable.contains(&b) {
            b
        } else {
            extra += 1;
            255 + extra
        };
        if let Some(ch) = char::from_u32(c) {
            map.insert(ch, b as u8);
        }
    }
    map
}
