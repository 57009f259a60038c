//! Who spoke when: Kaldi fbank features, the CAM++ speaker-embedding network, the
//! pyannote segmentation network (speaker activity and overlap per frame), and the
//! clustering of a recording's speech into its speakers.

pub mod activity;
pub mod campplus;
pub mod cluster;
pub mod diarize;
pub mod fbank;
pub mod segmentation;
pub mod spectral;
pub mod voiceprint;
mod weights;

pub use campplus::{cosine, CamPlusPlus, EMBEDDING_DIM};
pub use diarize::{
    diarize, diarize_with, embed_speech, embed_speech_with, Diarization, DiarizeOptions, Embedded,
    SpeakerCount, Turn,
};
pub use fbank::Fbank;
pub use segmentation::Segmentation;
pub use voiceprint::{enrol, name_speakers, EnrolError, Enrolment, NamingOptions, VoiceMatch};
