//! CTranslate2 Whisper `model.bin` (the format faster-whisper uses) → [`WhisperWeights`].
//! Layout: shared/docs/MODELS.md, "The CTranslate2 model.bin layout".

use std::collections::HashMap;

use half::{bf16, f16};

use super::tensors::{Hparams, Tensor, WhisperWeights};

struct Variable<'a> {
    shape: Vec<usize>,
    dtype: u8,
    data: &'a [u8],
}

/// Parses a CTranslate2 Whisper model and maps its variables onto whisper.cpp's names.
/// `vocab` comes from the model's `tokenizer.json`.
pub fn read_ct2(bytes: &[u8], vocab: Vec<Vec<u8>>) -> Result<WhisperWeights, String> {
    let vars = parse(bytes)?;
    let get = |name: &str| -> Result<Tensor, String> { to_tensor(&vars, name) };
    let scalar = |name: &str| -> Result<i32, String> {
        let v = vars.get(name).ok_or(format!("missing variable {name}"))?;
        match (v.dtype, v.data.len()) {
            (1, 1) => Ok(v.data[0] as i8 as i32),
            (2, 2) => Ok(i16::from_le_bytes([v.data[0], v.data[1]]) as i32),
            (3, 4) => Ok(i32::from_le_bytes(v.data.try_into().expect("4 bytes"))),
            _ => Err(format!("variable {name} is not an integer scalar")),
        }
    };
    let count_layers = |prefix: &str| {
        (0..)
            .take_while(|i| vars.contains_key(&format!("{prefix}/layer_{i}/ffn/linear_0/weight")))
            .count()
    };

    let conv1 = get("encoder/conv1/weight")?;
    let enc_pos = get("encoder/position_encodings/encodings")?;
    let dec_pos = get("decoder/position_encodings/encodings")?;
    let embed = get("decoder/embeddings/weight")?;
    if conv1.shape.len() != 3 || enc_pos.shape.len() != 2 || embed.shape.len() != 2 {
        return Err("unexpected shapes: this is not a Whisper model".into());
    }
    let d = conv1.shape[0];
    let hparams = Hparams {
        n_vocab: embed.shape[0] as i32,
        n_audio_ctx: enc_pos.shape[0] as i32,
        n_audio_state: d as i32,
        n_audio_head: scalar("encoder/num_heads")?,
        n_audio_layer: count_layers("encoder") as i32,
        n_text_ctx: dec_pos.shape[0] as i32,
        n_text_state: embed.shape[1] as i32,
        n_text_head: scalar("decoder/num_heads")?,
        n_text_layer: count_layers("decoder") as i32,
        n_mels: conv1.shape[1] as i32,
    };
    if hparams.n_audio_layer == 0 || hparams.n_text_layer == 0 {
        return Err("no encoder or decoder layers found".into());
    }

    let mut out = vec![
        rename(conv1, "encoder.conv1.weight"),
        rename(get("encoder/conv1/bias")?, "encoder.conv1.bias"),
        rename(get("encoder/conv2/weight")?, "encoder.conv2.weight"),
        rename(get("encoder/conv2/bias")?, "encoder.conv2.bias"),
        rename(enc_pos, "encoder.positional_embedding"),
    ];
    out.extend(layer_norm(&get, "encoder/layer_norm", "encoder.ln_post")?);
    for i in 0..hparams.n_audio_layer {
        let (src, dst) = (format!("encoder/layer_{i}"), format!("encoder.blocks.{i}"));
        out.extend(self_attention(&get, &src, &dst, d)?);
        out.extend(ffn(&get, &src, &dst)?);
    }
    out.push(rename(dec_pos, "decoder.positional_embedding"));
    out.push(rename(embed, "decoder.token_embedding.weight"));
    out.extend(layer_norm(&get, "decoder/layer_norm", "decoder.ln")?);
    for i in 0..hparams.n_text_layer {
        let (src, dst) = (format!("decoder/layer_{i}"), format!("decoder.blocks.{i}"));
        out.extend(self_attention(&get, &src, &dst, d)?);
        let att = format!("{src}/attention");
        out.extend(layer_norm(
            &get,
            &format!("{att}/layer_norm"),
            &format!("{dst}.cross_attn_ln"),
        )?);
        out.extend(linear(
            &get,
            &format!("{att}/linear_0"),
            &format!("{dst}.cross_attn.query"),
        )?);
        let kv_w = get(&format!("{att}/linear_1/weight"))?;
        let kv_b = get(&format!("{att}/linear_1/bias"))?;
        out.push(kv_w.rows(format!("{dst}.cross_attn.key.weight"), 0, d));
        out.push(kv_w.rows(format!("{dst}.cross_attn.value.weight"), d, 2 * d));
        out.push(kv_b.rows(format!("{dst}.cross_attn.value.bias"), d, 2 * d));
        out.extend(linear(
            &get,
            &format!("{att}/linear_2"),
            &format!("{dst}.cross_attn.out"),
        )?);
        out.extend(ffn(&get, &src, &dst)?);
    }
    Ok(WhisperWeights {
        hparams,
        vocab,
        tensors: out,
    })
}

type Get<'g> = dyn Fn(&str) -> Result<Tensor, String> + 'g;

fn rename(mut t: Tensor, name: &str) -> Tensor {
    t.name = name.to_string();
    t
}

fn layer_norm(get: &Get, src: &str, dst: &str) -> Result<Vec<Tensor>, String> {
    Ok(vec![
        rename(get(&format!("{src}/gamma"))?, &format!("{dst}.weight")),
        rename(get(&format!("{src}/beta"))?, &format!("{dst}.bias")),
    ])
}

fn linear(get: &Get, src: &str, dst: &str) -> Result<Vec<Tensor>, String> {
    Ok(vec![
        rename(get(&format!("{src}/weight"))?, &format!("{dst}.weight")),
        rename(get(&format!("{src}/bias"))?, &format!("{dst}.bias")),
    ])
}

/// The fused q,k,v projection splits into whisper's query, key (no bias) and value.
fn self_attention(get: &Get, src: &str, dst: &str, d: usize) -> Result<Vec<Tensor>, String> {
    let att = format!("{src}/self_attention");
    let qkv_w = get(&format!("{att}/linear_0/weight"))?;
    let qkv_b = get(&format!("{att}/linear_0/bias"))?;
    if qkv_w.shape != [3 * d, d] {
        return Err(format!("{att}/linear_0/weight has shape {:?}", qkv_w.shape));
    }
    let mut out = layer_norm(get, &format!("{att}/layer_norm"), &format!("{dst}.attn_ln"))?;
    out.push(qkv_w.rows(format!("{dst}.attn.query.weight"), 0, d));
    out.push(qkv_b.rows(format!("{dst}.attn.query.bias"), 0, d));
    out.push(qkv_w.rows(format!("{dst}.attn.key.weight"), d, 2 * d));
    out.push(qkv_w.rows(format!("{dst}.attn.value.weight"), 2 * d, 3 * d));
    out.push(qkv_b.rows(format!("{dst}.attn.value.bias"), 2 * d, 3 * d));
    out.extend(linear(
        get,
        &format!("{att}/linear_1"),
        &format!("{dst}.attn.out"),
    )?);
    Ok(out)
}

fn ffn(get: &Get, src: &str, dst: &str) -> Result<Vec<Tensor>, String> {
    let mut out = layer_norm(
        get,
        &format!("{src}/ffn/layer_norm"),
        &format!("{dst}.mlp_ln"),
    )?;
    out.extend(linear(
        get,
        &format!("{src}/ffn/linear_0"),
        &format!("{dst}.mlp.0"),
    )?);
    out.extend(linear(
        get,
        &format!("{src}/ffn/linear_1"),
        &format!("{dst}.mlp.2"),
    )?);
    Ok(out)
}

fn to_tensor(vars: &HashMap<String, Variable>, name: &str) -> Result<Tensor, String> {
    let v = vars.get(name).ok_or(format!("missing variable {name}"))?;
    let n: usize = v.shape.iter().product();
    let data: Vec<f32> = match v.dtype {
        0 => v
            .data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4")))
            .collect(),
        4 => v
            .data
            .chunks_exact(2)
            .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        5 => v
            .data
            .chunks_exact(2)
            .map(|b| bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        1 => {
            // int8 weights carry one scale per output row: w = q / scale.
            let scale = to_tensor(vars, &format!("{name}_scale"))?;
            let row = n / scale.data.len().max(1);
            v.data
                .iter()
                .enumerate()
                .map(|(i, &q)| q as i8 as f32 / scale.data[i / row])
                .collect()
        }
        t => return Err(format!("variable {name} has unsupported dtype {t}")),
    };
    if data.len() != n {
        return Err(format!(
            "variable {name} holds {} values, its shape says {n}",
            data.len()
        ));
    }
    Ok(Tensor::new(name, v.shape.clone(), data))
}

fn parse(bytes: &[u8]) -> Result<HashMap<String, Variable<'_>>, String> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.u32()?;
    if !(5..=6).contains(&version) {
        return Err(format!(
            "not a CTranslate2 model (binary version {version})"
        ));
    }
    let spec = r.string()?;
    if spec != "WhisperSpec" {
        return Err(format!("CTranslate2 model is a {spec}, not a WhisperSpec"));
    }
    let _revision = r.u32()?;
    let count = r.u32()?;
    let mut vars = HashMap::new();
    for _ in 0..count {
        let name = r.string()?;
        let rank = r.u8()? as usize;
        let shape = (0..rank)
            .map(|_| r.u32().map(|d| d as usize))
            .collect::<Result<Vec<_>, _>>()?;
        let dtype = r.u8()?;
        let nbytes = r.u32()? as usize;
        let data = r.take(nbytes)?;
        let width = match dtype {
            0 | 3 => 4,
            2 | 4 | 5 => 2,
            _ => 1,
        };
        if shape.iter().product::<usize>() * width != nbytes {
            return Err(format!(
                "variable {name}: {nbytes} bytes do not fit shape {shape:?}"
            ));
        }
        vars.insert(name, Variable { shape, dtype, data });
    }
    Ok(vars)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("file is truncated at byte {}", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2")))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u16()? as usize;
        let raw = self.take(n)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| "a variable name is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_and_truncation() {
        assert!(read_ct2(b"hello world, not a model", vec![]).is_err());
        let mut bytes = 6u32.to_le_bytes().to_vec();
        bytes.extend(12u16.to_le_bytes());
        bytes.extend(b"WhisperSpec\0");
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(5u32.to_le_bytes()); // five variables promised, none present
        let err = read_ct2(&bytes, vec![]).unwrap_err();
        assert!(err.contains("truncated"), "{err}");
    }
}
