//! Who spoke when: Kaldi fbank features, the CAM++ speaker-embedding network, and
//! (in `diarize`) the clustering of a recording's speech into its speakers.

pub mod campplus;
pub mod fbank;

pub use campplus::{cosine, CamPlusPlus, EMBEDDING_DIM};
pub use fbank::Fbank;
