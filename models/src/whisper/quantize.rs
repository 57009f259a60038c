//! Weight types of the ggml files mishu writes.

use half::f16;

/// How the large matrices of a converted Whisper model are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quantization {
    #[default]
    F16,
    Q8_0,
}

impl Quantization {
    pub fn parse(s: &str) -> Option<Quantization> {
        match s.to_ascii_lowercase().as_str() {
            "f16" => Some(Quantization::F16),
            "q8_0" | "q8" => Some(Quantization::Q8_0),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Quantization::F16 => "f16",
            Quantization::Q8_0 => "q8_0",
        }
    }

    /// whisper.cpp's `ftype` header value (`GGML_FTYPE_*`, with the quantization
    /// version folded in for quantized files).
    pub fn ftype(self) -> i32 {
        match self {
            Quantization::F16 => 1,
            Quantization::Q8_0 => 7 + 2 * 1000,
        }
    }
}

pub const GGML_TYPE_F32: i32 = 0;
pub const GGML_TYPE_F16: i32 = 1;
pub const GGML_TYPE_Q8_0: i32 = 8;

pub const Q8_0_BLOCK: usize = 32;

/// ggml's `quantize_row_q8_0`: blocks of 32 values as an f16 scale and 32 int8s.
pub fn q8_0(values: &[f32], out: &mut Vec<u8>) {
    for block in values.chunks(Q8_0_BLOCK) {
        let amax = block.iter().fold(0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16::from_f32(d).to_le_bytes());
        out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q8_0_round_trips_within_half_a_step() {
        let values: Vec<f32> = (0..64)
            .map(|i| ((i * 37 % 19) as f32 - 9.0) / 3.0)
            .collect();
        let mut bytes = Vec::new();
        q8_0(&values, &mut bytes);
        assert_eq!(bytes.len(), 2 * 34);
        for (b, block) in values.chunks(32).enumerate() {
            let raw = &bytes[b * 34..(b + 1) * 34];
            let d = f16::from_le_bytes([raw[0], raw[1]]).to_f32();
            for (i, v) in block.iter().enumerate() {
                let back = raw[2 + i] as i8 as f32 * d;
                assert!((back - v).abs() <= d * 0.5 + 1e-3, "{back} vs {v}");
            }
        }
    }
}
