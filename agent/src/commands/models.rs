//! `mishu models list | fetch | import`.

use crate::cli::{GlobalArgs, ModelsCommand};

pub fn run(_global: &GlobalArgs, cmd: ModelsCommand) -> anyhow::Result<()> {
    match cmd {
        ModelsCommand::List { .. } => anyhow::bail!("models list: being written (issue 2)"),
    }
}
