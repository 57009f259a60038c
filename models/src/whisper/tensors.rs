//! Whisper weights in memory, named as openai-whisper and whisper.cpp name them.

/// The model's shape, as whisper.cpp's header records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: i32,
    pub n_audio_ctx: i32,
    pub n_audio_state: i32,
    pub n_audio_head: i32,
    pub n_audio_layer: i32,
    pub n_text_ctx: i32,
    pub n_text_state: i32,
    pub n_text_head: i32,
    pub n_text_layer: i32,
    pub n_mels: i32,
}

/// One tensor: `shape` outermost first (numpy order), `data` row-major.
#[derive(Debug, Clone)]
pub struct Tensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

impl Tensor {
    pub fn new(name: impl Into<String>, shape: Vec<usize>, data: Vec<f32>) -> Tensor {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor {
            name: name.into(),
            shape,
            data,
        }
    }

    /// Rows `from..to` of a 2-D tensor (or elements of a 1-D one).
    pub fn rows(&self, name: impl Into<String>, from: usize, to: usize) -> Tensor {
        let row: usize = self.shape[1..].iter().product();
        let mut shape = self.shape.clone();
        shape[0] = to - from;
        Tensor::new(name, shape, self.data[from * row..to * row].to_vec())
    }
}

/// Everything a ggml whisper file holds, before it is written.
#[derive(Debug, Clone)]
pub struct WhisperWeights {
    pub hparams: Hparams,
    /// Token bytes by id (the regular and special tokens; whisper.cpp adds the
    /// timestamp tokens itself).
    pub vocab: Vec<Vec<u8>>,
    pub tensors: Vec<Tensor>,
}
