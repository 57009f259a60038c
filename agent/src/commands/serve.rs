//! `mishu serve`: the HTTP service.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, ServeArgs};
use crate::exit::BadInput;
use crate::server::config::Config;
use crate::server::Service;

/// The data directory: the flag (or MISHU_DATA_DIR), else the user's data directory.
pub fn data_dir(flag: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match flag {
        Some(dir) => Ok(dir),
        None => dirs::data_dir().map(|d| d.join("mishu")).ok_or_else(|| {
            BadInput(
                "no data directory for this user: pass --data DIR or set MISHU_DATA_DIR".into(),
            )
            .into()
        }),
    }
}

pub fn run(global: &GlobalArgs, args: ServeArgs) -> anyhow::Result<()> {
    let data = data_dir(args.data)?;
    let mut config = Config::load(&data, std::env::vars()).map_err(|e| BadInput(e.to_string()))?;
    if let Some(dir) = &global.models_dir {
        config.minutes.models_dir = Some(dir.clone());
    }
    if let Some(addr) = args.addr {
        config.addr = addr;
    }
    crate::meaning::use_models_dir(config.minutes.models_dir.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let addr = config.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| BadInput(format!("cannot listen on {addr}: {e}")))?;
        let service = Service::start(config).await?;
        service.state().commands.warm_up();
        eprintln!("mishu: serving on http://{}", listener.local_addr()?);
        service.serve(listener, shutdown_signal()).await
    })
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    eprintln!("mishu: shutting down");
}
