//! A validating reader of GGUF headers: enough to tell that a file is a whole GGUF
//! model (every tensor's data inside the file) and what architecture it is.

/// What `mishu models import` reports about a GGUF file.
#[derive(Debug, Clone)]
pub struct GgufInfo {
    pub version: u32,
    pub architecture: Option<String>,
    pub name: Option<String>,
    pub n_tensors: usize,
}

/// Bytes per block and elements per block of the ggml types (GGUF and whisper.cpp's
/// ggml files number them alike).
pub(crate) fn type_size(t: u32) -> Option<(u64, u64)> {
    Some(match t {
        0 => (4, 1),
        1 => (2, 1),
        2 => (18, 32),
        3 => (20, 32),
        6 => (22, 32),
        7 => (24, 32),
        8 => (34, 32),
        9 => (36, 32),
        10 => (84, 256),
        11 => (110, 256),
        12 => (144, 256),
        13 => (176, 256),
        14 => (210, 256),
        15 => (292, 256),
        16 => (66, 256),
        17 => (74, 256),
        18 => (98, 256),
        19 => (50, 256),
        20 => (36, 32),
        21 => (110, 256),
        22 => (56, 256),
        23 => (136, 64),
        24 => (1, 1),
        25 => (2, 1),
        26 => (4, 1),
        27 => (8, 1),
        28 => (8, 1),
        29 => (56, 256),
        30 => (2, 1),
        34 => (54, 256),
        35 => (66, 256),
        39 => (17, 32),
        _ => return None,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: u64) -> Result<&'a [u8], String> {
        let n = usize::try_from(n).map_err(|_| "length overflows".to_string())?;
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("file is truncated at byte {}", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8")))
    }
    fn string(&mut self) -> Result<String, String> {
        let n = self.u64()?;
        Ok(String::from_utf8_lossy(self.take(n)?).into_owned())
    }
    /// Reads a metadata value of type `t`; returns it when it is a string.
    fn value(&mut self, t: u32, depth: u8) -> Result<Option<String>, String> {
        let fixed = match t {
            0 | 1 | 7 => 1,
            2 | 3 => 2,
            4..=6 => 4,
            10..=12 => 8,
            8 => return self.string().map(Some),
            9 => {
                if depth > 2 {
                    return Err("nested arrays too deep".into());
                }
                let inner = self.u32()?;
                let n = self.u64()?;
                for _ in 0..n {
                    self.value(inner, depth + 1)?;
                }
                return Ok(None);
            }
            _ => return Err(format!("unknown metadata type {t} at byte {}", self.pos)),
        };
        self.take(fixed)?;
        Ok(None)
    }
}

pub fn read_gguf_info(bytes: &[u8]) -> Result<GgufInfo, String> {
    let mut r = Reader { bytes, pos: 0 };
    if r.take(4).ok() != Some(b"GGUF".as_slice()) {
        return Err("not a GGUF file (bad magic)".into());
    }
    let version = r.u32()?;
    if !(2..=3).contains(&version) {
        return Err(format!("unsupported GGUF version {version}"));
    }
    let n_tensors = r.u64()?;
    let n_kv = r.u64()?;
    if n_tensors > 1 << 20 || n_kv > 1 << 20 {
        return Err("implausible tensor or metadata count".into());
    }
    let (mut architecture, mut name, mut alignment) = (None, None, 32u64);
    for _ in 0..n_kv {
        let key = r.string()?;
        let t = r.u32()?;
        if key == "general.alignment" && t == 4 {
            alignment = r.u32()? as u64;
            continue;
        }
        let value = r.value(t, 0)?;
        match key.as_str() {
            "general.architecture" => architecture = value,
            "general.name" => name = value,
            _ => {}
        }
    }
    if alignment == 0 || !alignment.is_power_of_two() {
        return Err(format!("bad alignment {alignment}"));
    }
    let mut tensors = Vec::new();
    for _ in 0..n_tensors {
        let tname = r.string()?;
        let n_dims = r.u32()?;
        if n_dims == 0 || n_dims > 4 {
            return Err(format!("tensor {tname} has {n_dims} dimensions"));
        }
        let mut n = 1u64;
        for _ in 0..n_dims {
            n = n
                .checked_mul(r.u64()?)
                .ok_or_else(|| format!("tensor {tname} is too large"))?;
        }
        let t = r.u32()?;
        let offset = r.u64()?;
        let (size, block) =
            type_size(t).ok_or_else(|| format!("tensor {tname} has unknown type {t}"))?;
        tensors.push((tname, offset, n / block * size));
    }
    let data_start = (r.pos as u64).div_ceil(alignment) * alignment;
    for (tname, offset, nbytes) in &tensors {
        let end = data_start
            .checked_add(*offset)
            .and_then(|s| s.checked_add(*nbytes));
        if end.is_none_or(|e| e > bytes.len() as u64) {
            return Err(format!(
                "tensor {tname} lies beyond the end of the file (truncated?)"
            ));
        }
    }
    Ok(GgufInfo {
        version,
        architecture,
        name,
        n_tensors: tensors.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gguf(truncate: usize) -> Vec<u8> {
        let mut b = b"GGUF".to_vec();
        b.extend(3u32.to_le_bytes());
        b.extend(1u64.to_le_bytes()); // tensors
        b.extend(1u64.to_le_bytes()); // kv
        let key = b"general.architecture";
        b.extend((key.len() as u64).to_le_bytes());
        b.extend(key);
        b.extend(8u32.to_le_bytes());
        b.extend(5u64.to_le_bytes());
        b.extend(b"llama");
        let tname = b"output.weight";
        b.extend((tname.len() as u64).to_le_bytes());
        b.extend(tname);
        b.extend(1u32.to_le_bytes());
        b.extend(64u64.to_le_bytes());
        b.extend(0u32.to_le_bytes()); // f32
        b.extend(0u64.to_le_bytes());
        while !b.len().is_multiple_of(32) {
            b.push(0);
        }
        b.extend(vec![0u8; 256 - truncate]);
        b
    }

    #[test]
    fn reads_a_whole_file_and_names_a_truncated_tensor() {
        let info = read_gguf_info(&gguf(0)).unwrap();
        assert_eq!(info.architecture.as_deref(), Some("llama"));
        assert_eq!(info.n_tensors, 1);
        let err = read_gguf_info(&gguf(1)).unwrap_err();
        assert!(err.contains("output.weight"), "{err}");
        assert!(read_gguf_info(b"GGML not gguf").is_err());
    }
}
