//! JSON-schema-constrained decoding: at each step only tokens that keep the output a
//! prefix of a JSON document valid against the schema may be sampled, and generation
//! stops when the document is complete.
//!
//! - [`schema`]: the supported subset of JSON Schema, compiled, and a validator.
//! - [`matcher`]: the byte-at-a-time recogniser.
//! - [`token_index`]: the per-tokenizer token bytes and prefix tree that make the mask
//!   cheap.
//!
//! Properties are written in the order the schema text lists them ([`Schema::parse`];
//! [`Schema::from_json`] gets them alphabetically from serde_json's map), optional ones
//! may be skipped, others are never added. Strings carry whole UTF-8 characters; numbers
//! are capped at 15 integer digits; at most 24 whitespace bytes sit between two tokens.

pub mod layout;
pub mod matcher;
pub mod schema;
pub mod token_index;

pub use layout::Layout;
pub use matcher::Matcher;
pub use schema::Schema;
pub use token_index::TokenIndex;
