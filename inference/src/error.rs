pub use models::ErrorKind;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Model(#[from] models::Error),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Engine(String),
    #[error("cancelled")]
    Cancelled,
    /// A model file exists but cannot be used (missing or corrupt tensor, bad metadata).
    #[error("{path}: {detail}")]
    BadModel {
        path: std::path::PathBuf,
        detail: String,
    },
    /// The prompt does not fit the model's context window.
    #[error("the prompt is {prompt_tokens} tokens but the context holds {context} (with {reserved} kept for the answer): shorten the prompt or raise the context size")]
    ContextOverflow {
        prompt_tokens: usize,
        context: usize,
        reserved: usize,
    },
}

impl From<candle_core::Error> for Error {
    fn from(e: candle_core::Error) -> Self {
        Error::Engine(format!("tensor engine: {e}"))
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Model(e) => e.kind(),
            Error::BadInput(_) => ErrorKind::BadInput,
            Error::Engine(_) | Error::Cancelled => ErrorKind::Other,
            Error::BadModel { .. } => ErrorKind::ModelMissing,
            Error::ContextOverflow { .. } => ErrorKind::BadInput,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
