//! The command line of INTERFACES.md §1.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "mishu", version, about = "mishu (秘書): a self-hosted AI office agent")]
pub struct Cli {
    /// More log lines on stderr (-v info, -vv debug). MISHU_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where models are stored (default: the user's data directory, mishu/models).
    #[arg(long, env = "MISHU_MODELS_DIR", global = true)]
    pub models_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, fetch and import models.
    #[command(subcommand)]
    Models(ModelsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Known models, whether each is present, its size and checksum state.
    List {
        /// Print one JSON document instead of a table.
        #[arg(long)]
        json: bool,
    },
}
