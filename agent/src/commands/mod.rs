//! One module per command; `run` dispatches.

pub mod command;
pub mod diarize;
pub mod expenses;
pub mod generate;
pub mod minutes;
pub mod models;
pub mod parse;
pub mod serve;
pub mod tokens;
pub mod transcribe;
pub mod voices;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<()> {
    crate::meaning::use_models_dir(cli.global.models_dir.clone());
    match cli.command {
        Command::Models(cmd) => models::run(&cli.global, cmd),
        Command::Expenses(cmd) => expenses::run(cmd),
        Command::Serve(args) => serve::run(&cli.global, args),
        Command::Tokens(cmd) => tokens::run(cmd),
        Command::Parse(args) => parse::run(args),
        Command::Transcribe(args) => transcribe::run(&cli.global, args),
        Command::Diarize(args) => diarize::run(&cli.global, args),
        Command::Generate(args) => generate::run(&cli.global, args),
        Command::Command(args) => command::run(&cli.global, args),
        Command::Minutes(args) => minutes::run(&cli.global, args),
        Command::Voices(cmd) => voices::run(&cli.global, cmd),
    }
}
