//! whisper.cpp's ggml model file: write one from [`WhisperWeights`], and read one
//! back far enough to prove it is whole (every tensor present and in bounds).

use std::collections::HashSet;
use std::io::{self, Write};

use half::f16;

use super::mel::filterbank;
use super::quantize::{
    q8_0, Quantization, GGML_TYPE_F16, GGML_TYPE_F32, GGML_TYPE_Q8_0, Q8_0_BLOCK,
};
use super::tensors::{Hparams, Tensor, WhisperWeights};

const MAGIC: u32 = 0x6767_6d6c;
const N_FFT: usize = 400;
const SAMPLE_RATE: u32 = 16_000;

/// Tensors that whisper.cpp keeps in f32 whatever the file's weight type.
fn always_f32(t: &Tensor) -> bool {
    t.shape.len() < 2
        || t.name.ends_with("positional_embedding")
        || t.name.ends_with("conv1.bias")
        || t.name.ends_with("conv2.bias")
}

/// Writes `weights` as a whisper.cpp ggml file, with large matrices stored as `quant`.
pub fn write_ggml(
    weights: &WhisperWeights,
    quant: Quantization,
    out: &mut dyn Write,
) -> io::Result<()> {
    let h = &weights.hparams;
    for v in [
        MAGIC as i32,
        h.n_vocab,
        h.n_audio_ctx,
        h.n_audio_state,
        h.n_audio_head,
        h.n_audio_layer,
        h.n_text_ctx,
        h.n_text_state,
        h.n_text_head,
        h.n_text_layer,
        h.n_mels,
        quant.ftype(),
    ] {
        out.write_all(&v.to_le_bytes())?;
    }
    let n_bins = N_FFT / 2 + 1;
    out.write_all(&h.n_mels.to_le_bytes())?;
    out.write_all(&(n_bins as i32).to_le_bytes())?;
    for w in filterbank(SAMPLE_RATE, N_FFT, h.n_mels as usize) {
        out.write_all(&w.to_le_bytes())?;
    }
    out.write_all(&(weights.vocab.len() as i32).to_le_bytes())?;
    for token in &weights.vocab {
        out.write_all(&(token.len() as u32).to_le_bytes())?;
        out.write_all(token)?;
    }
    let mut buf = Vec::new();
    for t in &weights.tensors {
        // Conv biases are [d] in the sources and [1, d] (ne) in whisper.cpp.
        let shape: Vec<usize> = if t.name.ends_with("conv1.bias") || t.name.ends_with("conv2.bias")
        {
            vec![t.shape[0], 1]
        } else {
            t.shape.clone()
        };
        let ttype = if always_f32(t) {
            GGML_TYPE_F32
        } else if quant == Quantization::Q8_0
            && shape.len() == 2
            && shape[1].is_multiple_of(Q8_0_BLOCK)
        {
            GGML_TYPE_Q8_0
        } else {
            GGML_TYPE_F16
        };
        let name = t.name.as_bytes();
        for v in [shape.len() as i32, name.len() as i32, ttype] {
            out.write_all(&v.to_le_bytes())?;
        }
        for &dim in shape.iter().rev() {
            out.write_all(&(dim as i32).to_le_bytes())?;
        }
        out.write_all(name)?;
        buf.clear();
        match ttype {
            GGML_TYPE_F32 => t
                .data
                .iter()
                .for_each(|v| buf.extend_from_slice(&v.to_le_bytes())),
            GGML_TYPE_F16 => t
                .data
                .iter()
                .for_each(|v| buf.extend_from_slice(&f16::from_f32(*v).to_le_bytes())),
            _ => q8_0(&t.data, &mut buf),
        }
        out.write_all(&buf)?;
    }
    Ok(())
}

/// What a ggml whisper file holds, as far as mishu needs to know.
#[derive(Debug, Clone)]
pub struct GgmlInfo {
    pub hparams: Hparams,
    /// `f16`, `f32`, `q8_0`, … from the header.
    pub weight_type: String,
    pub n_tensors: usize,
    pub multilingual: bool,
}

fn ftype_name(ftype: i32) -> &'static str {
    match ftype % 1000 {
        0 => "f32",
        1 => "f16",
        2 => "q4_0",
        3 => "q4_1",
        7 => "q8_0",
        8 => "q5_0",
        9 => "q5_1",
        10 => "q2_k",
        11 => "q3_k",
        12 => "q4_k",
        13 => "q5_k",
        14 => "q6_k",
        _ => "unknown",
    }
}

const REQUIRED: [&str; 6] = [
    "encoder.conv1.weight",
    "encoder.positional_embedding",
    "encoder.ln_post.weight",
    "decoder.token_embedding.weight",
    "decoder.positional_embedding",
    "decoder.ln.weight",
];

/// A whole ggml whisper file, its tensors borrowed from the file's bytes.
#[derive(Debug, Clone)]
pub struct GgmlFile<'a> {
    pub hparams: Hparams,
    /// The header's weight type (`ftype`).
    pub ftype: i32,
    /// The mel filterbank: `n_mel` rows of `n_fft` (frequency bins) weights.
    pub mel_filters: Vec<f32>,
    pub n_mel: usize,
    pub n_fft: usize,
    /// Token bytes by id (the file's tokens; whisper.cpp names the rest itself).
    pub vocab: Vec<&'a [u8]>,
    pub tensors: Vec<GgmlTensor<'a>>,
}

/// One tensor of a ggml file.
#[derive(Debug, Clone)]
pub struct GgmlTensor<'a> {
    pub name: String,
    /// ggml type id (0 f32, 1 f16, 8 q5_0, …, as in GGUF).
    pub ttype: u32,
    /// Dimensions outermost first (numpy order; ggml stores them innermost first).
    pub shape: Vec<usize>,
    pub data: &'a [u8],
}

impl GgmlFile<'_> {
    pub fn tensor(&self, name: &str) -> Option<&GgmlTensor<'_>> {
        self.tensors.iter().find(|t| t.name == name)
    }

    pub fn weight_type(&self) -> &'static str {
        ftype_name(self.ftype)
    }
}

/// Reads a whole ggml whisper file; any inconsistency is an error naming it.
pub fn parse_ggml(bytes: &[u8]) -> Result<GgmlFile<'_>, String> {
    let mut pos = 0usize;
    let i32_at = |pos: &mut usize| -> Result<i32, String> {
        let b = bytes
            .get(*pos..*pos + 4)
            .ok_or_else(|| format!("file is truncated at byte {pos}"))?;
        *pos += 4;
        Ok(i32::from_le_bytes(b.try_into().expect("4")))
    };
    let take = |pos: &mut usize, n: usize| -> Result<&[u8], String> {
        let b = bytes
            .get(*pos..*pos + n)
            .ok_or_else(|| format!("file is truncated at byte {pos}"))?;
        *pos += n;
        Ok(b)
    };
    if i32_at(&mut pos)? as u32 != MAGIC {
        return Err("not a whisper.cpp ggml file (bad magic)".into());
    }
    let mut hp = [0i32; 11];
    for v in hp.iter_mut() {
        *v = i32_at(&mut pos)?;
    }
    let hparams = Hparams {
        n_vocab: hp[0],
        n_audio_ctx: hp[1],
        n_audio_state: hp[2],
        n_audio_head: hp[3],
        n_audio_layer: hp[4],
        n_text_ctx: hp[5],
        n_text_state: hp[6],
        n_text_head: hp[7],
        n_text_layer: hp[8],
        n_mels: hp[9],
    };
    let ftype = hp[10];
    if hp[..10].iter().any(|&v| v <= 0 || v > 1 << 20) {
        return Err(format!("implausible hyper-parameters {hp:?}"));
    }
    let (n_mel, n_fft) = (i32_at(&mut pos)?, i32_at(&mut pos)?);
    if n_mel <= 0 || n_fft <= 0 || n_mel > 1024 || n_fft > 4096 {
        return Err(format!("implausible mel filter size {n_mel}×{n_fft}"));
    }
    let (n_mel, n_fft) = (n_mel as usize, n_fft as usize);
    let mel_filters = take(&mut pos, n_mel * n_fft * 4)?
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
        .collect();
    let n_tokens = i32_at(&mut pos)?;
    if !(0..=1 << 20).contains(&n_tokens) {
        return Err(format!("implausible vocabulary size {n_tokens}"));
    }
    let mut vocab = Vec::with_capacity(n_tokens as usize);
    for _ in 0..n_tokens {
        let len = i32_at(&mut pos)? as u32 as usize;
        if len > 1 << 16 {
            return Err(format!("implausible token length {len} at byte {pos}"));
        }
        vocab.push(take(&mut pos, len)?);
    }
    let mut tensors: Vec<GgmlTensor> = Vec::new();
    let mut names = HashSet::new();
    while pos < bytes.len() {
        let (n_dims, name_len, ttype) = (i32_at(&mut pos)?, i32_at(&mut pos)?, i32_at(&mut pos)?);
        if !(1..=4).contains(&n_dims) || !(1..=512).contains(&name_len) {
            return Err(format!("bad tensor header at byte {pos}"));
        }
        let mut shape = Vec::with_capacity(n_dims as usize);
        let mut n = 1usize;
        for _ in 0..n_dims {
            let d = i32_at(&mut pos)?;
            if d <= 0 {
                return Err(format!("bad tensor dimension {d} at byte {pos}"));
            }
            n = n.checked_mul(d as usize).ok_or("tensor too large")?;
            shape.push(d as usize);
        }
        shape.reverse();
        let name = String::from_utf8_lossy(take(&mut pos, name_len as usize)?).into_owned();
        let ttype =
            u32::try_from(ttype).map_err(|_| format!("tensor {name} has unknown type {ttype}"))?;
        let (size, block) = crate::gguf::type_size(ttype)
            .map(|(s, b)| (s as usize, b as usize))
            .ok_or_else(|| format!("tensor {name} has unknown type {ttype}"))?;
        let nbytes = n / block * size;
        if pos + nbytes > bytes.len() {
            return Err(format!(
                "tensor {name} is truncated (file ends at byte {})",
                bytes.len()
            ));
        }
        let data = &bytes[pos..pos + nbytes];
        pos += nbytes;
        if !names.insert(name.clone()) {
            return Err(format!("tensor {name} appears twice"));
        }
        tensors.push(GgmlTensor {
            name,
            ttype,
            shape,
            data,
        });
    }
    if let Some(missing) = REQUIRED.iter().find(|r| !names.contains(**r)) {
        return Err(format!("tensor {missing} is missing"));
    }
    Ok(GgmlFile {
        hparams,
        ftype,
        mel_filters,
        n_mel,
        n_fft,
        vocab,
        tensors,
    })
}

/// Walks a whole ggml whisper file; any inconsistency is an error naming it.
pub fn read_ggml_info(bytes: &[u8]) -> Result<GgmlInfo, String> {
    let file = parse_ggml(bytes)?;
    Ok(GgmlInfo {
        hparams: file.hparams,
        weight_type: file.weight_type().to_string(),
        n_tensors: file.tensors.len(),
        multilingual: file.hparams.n_vocab >= 51865,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_model() -> WhisperWeights {
        let hparams = Hparams {
            n_vocab: 4,
            n_audio_ctx: 2,
            n_audio_state: 32,
            n_audio_head: 1,
            n_audio_layer: 1,
            n_text_ctx: 2,
            n_text_state: 32,
            n_text_head: 1,
            n_text_layer: 1,
            n_mels: 80,
        };
        let t = |name: &str, shape: Vec<usize>| {
            let n = shape.iter().product();
            Tensor::new(name, shape, (0..n).map(|i| i as f32 / 7.0).collect())
        };
        WhisperWeights {
            hparams,
            vocab: vec![b"a".to_vec(), b"b".to_vec()],
            tensors: vec![
                t("encoder.conv1.weight", vec![32, 80, 3]),
                t("encoder.conv1.bias", vec![32]),
                t("encoder.positional_embedding", vec![2, 32]),
                t("encoder.ln_post.weight", vec![32]),
                t("decoder.token_embedding.weight", vec![4, 32]),
                t("decoder.positional_embedding", vec![2, 32]),
                t("decoder.ln.weight", vec![32]),
            ],
        }
    }

    #[test]
    fn written_files_read_back_for_every_quantization() {
        for q in [Quantization::F16, Quantization::Q8_0] {
            let mut bytes = Vec::new();
            write_ggml(&tiny_model(), q, &mut bytes).unwrap();
            let info = read_ggml_info(&bytes).unwrap();
            assert_eq!(info.n_tensors, 7);
            assert_eq!(info.weight_type, q.name());
            assert_eq!(info.hparams, tiny_model().hparams);
            let file = parse_ggml(&bytes).unwrap();
            assert_eq!(file.vocab, [b"a".as_slice(), b"b".as_slice()]);
            assert_eq!(file.mel_filters.len(), 80 * 201);
            let conv = file.tensor("encoder.conv1.weight").unwrap();
            assert_eq!(conv.shape, [32, 80, 3]);
            assert_eq!(conv.data.len(), 32 * 80 * 3 * 2, "f16 in both files");
        }
    }

    #[test]
    fn truncation_and_garbage_are_errors() {
        let mut bytes = Vec::new();
        write_ggml(&tiny_model(), Quantization::F16, &mut bytes).unwrap();
        let err = read_ggml_info(&bytes[..bytes.len() - 10]).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
        assert!(read_ggml_info(b"GGUF and other things").is_err());
        assert!(read_ggml_info(&[]).is_err());
    }
}
