//! mishu's agent: the command line, the HTTP service and the pipelines behind them.
//! The binary (`src/main.rs`) only parses arguments and maps errors to exit codes.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod directory;
pub mod exit;
pub mod instructions;
pub mod llm_models;
pub mod meaning;
pub mod minutes;
pub mod progress;
pub mod server;
pub mod speakers;
pub mod store;
pub mod timewords;
pub mod voices;
