//! `mishu tokens create`: an API token for the HTTP service, its secret printed once.

use anyhow::Context as _;

use crate::cli::TokensCommand;
use crate::exit::BadInput;
use crate::server::auth::Role;
use crate::server::config::Config;
use crate::store::Store;

pub fn run(cmd: TokensCommand) -> anyhow::Result<()> {
    match cmd {
        TokensCommand::Create {
            role,
            name,
            data,
            json,
        } => {
            let role: Role = role.parse().map_err(BadInput)?;
            if name.trim().is_empty() {
                return Err(BadInput("--name must not be empty".into()).into());
            }
            let data = super::serve::data_dir(data)?;
            let config =
                Config::load(&data, std::env::vars()).map_err(|e| BadInput(e.to_string()))?;
            std::fs::create_dir_all(&data)
                .with_context(|| format!("cannot create {}", data.display()))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let token = runtime.block_on(async {
                let store = Store::open(&config.database_url()).await?;
                let token = store.create_token(name.trim(), role.as_str()).await;
                store.close().await;
                token
            })?;
            if json {
                let doc = serde_json::json!({
                    "id": token.record.id, "name": token.record.name,
                    "role": token.record.role, "created_at": token.record.created_at,
                    "secret": token.secret,
                });
                println!("{doc}");
            } else {
                println!("{}", token.secret);
                eprintln!(
                    "token {} ({}, role {}): the secret above is shown only once",
                    token.record.id, token.record.name, token.record.role
                );
            }
            Ok(())
        }
    }
}
