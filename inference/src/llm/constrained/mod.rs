//! JSON-schema-constrained decoding: at each step only tokens that keep the output a
//! prefix of a JSON document valid against the schema may be sampled, and generation
//! stops when the document is complete.
//!
//! - [`schema`]: the supported subset of JSON Schema, compiled, and a validator.
//! - [`matcher`]: the byte-at-a-time recogniser.
//! - [`token_index`]: the per-tokenizer token bytes and prefix tree that make the mask
//!   cheap.
//!
//! Properties are written in the order the schema lists them (as serde_json reads the
//! schema: alphabetical), optional ones may be skipped, others are never added.

pub mod matcher;
pub mod schema;
pub mod token_index;

pub use matcher::Matcher;
pub use schema::Schema;
pub use token_index::TokenIndex;
