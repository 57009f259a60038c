use std::path::PathBuf;

use models::ErrorKind;

/// What can go wrong loading or running a sentence-embedding model.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    /// Not installed, or installed but damaged: the message names the fetch command.
    #[error(transparent)]
    Model(#[from] models::Error),
    /// A file of the model is missing, unreadable or not what a BERT model holds.
    #[error("{path}: {detail} (reinstall it with `mishu models fetch {name}`)")]
    BadModel {
        name: String,
        path: PathBuf,
        detail: String,
    },
    #[error("cannot tokenize {text:?}: {detail}")]
    Tokenize { text: String, detail: String },
    #[error("tensor engine: {0}")]
    Engine(#[from] candle_core::Error),
}

impl EmbeddingError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EmbeddingError::Model(e) => e.kind(),
            EmbeddingError::BadModel { .. } => ErrorKind::ModelMissing,
            EmbeddingError::Tokenize { .. } => ErrorKind::BadInput,
            EmbeddingError::Engine(_) => ErrorKind::Other,
        }
    }
}

pub type Result<T, E = EmbeddingError> = std::result::Result<T, E>;
