//! The HTTP service of INTERFACES.md §4: JSON under `/v1`, bearer tokens with roles,
//! errors as `{"error": {"code", "message"}}`. [`Service::start`] opens the database,
//! recovers interrupted jobs, fits the expense model and starts the job runner (expense
//! fits and meeting minutes run as jobs);
//! [`Service::router`] is the axum router (tests drive it in-process);
//! [`Service::serve`] runs it on a listener until shutdown.

pub mod alerts;
pub mod auth;
pub mod calendar;
pub mod commands;
pub mod config;
pub mod directory;
pub mod errors;
pub mod expenses;
pub mod jobs;
pub mod meetings;
pub mod openapi;
pub mod reminders;
pub mod router;
pub mod sse;
pub mod tasks;
pub mod voices;
pub mod webhooks;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use tokio::net::TcpListener;

use self::alerts::AlertBus;
use self::auth::{Role, TokenCache};
use self::commands::CommandEngine;
use self::config::Config;
use self::directory::DirectoryCache;
use self::expenses::{ExpenseEngine, FitHandler, FIT_JOB};
use self::jobs::{JobEvents, JobHandler, JobRunner};
use self::meetings::{MinutesHandler, MINUTES_JOB};
use self::webhooks::Webhooks;
use crate::store::Store;

/// Everything a request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Store,
    pub tokens: TokenCache,
    pub alert_bus: AlertBus,
    pub webhooks: Webhooks,
    pub job_events: JobEvents,
    pub jobs: JobRunner,
    pub expenses: Arc<ExpenseEngine>,
    /// The company directory in force (`POST /v1/directory`).
    pub directory: DirectoryCache,
    /// The models behind `POST /v1/commands`.
    pub commands: Arc<CommandEngine>,
}

/// The file a fresh data directory's first admin token is written to.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";

/// A started service: state ready, job runner running.
pub struct Service {
    state: AppState,
    runner: tokio::task::JoinHandle<()>,
    /// The reminder loop and the directory follower.
    background: Vec<tokio::task::JoinHandle<()>>,
}

impl Service {
    /// Opens the database (migrating it), creates the first admin token when there is
    /// none, requeues interrupted jobs, fits the expense model when there is history, and
    /// starts the job runner.
    pub async fn start(config: Config) -> anyhow::Result<Service> {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
        let store = Store::open(&config.database_url()).await?;
        if let Some(path) = bootstrap_admin(&store, &config.data_dir).await? {
            eprintln!(
                "mishu: first start: an admin token was written to {} (mode 0600); \
                 send it as `Authorization: Bearer <token>`",
                path.display()
            );
        }
        let policy = match config.policy_path() {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read the policy {}", path.display()))?;
                anomaly::Policy::from_toml_str(&text)
                    .with_context(|| format!("policy {}", path.display()))?
            }
            None => anomaly::Policy::default(),
        };
        let expenses = Arc::new(ExpenseEngine::new(
            store.clone(),
            policy,
            config.expenses.min_history,
            &config.alerts.min_level,
        ));
        let job_events = JobEvents::default();
        let mut handlers: HashMap<String, Arc<dyn JobHandler>> = HashMap::new();
        handlers.insert(FIT_JOB.into(), Arc::new(FitHandler(expenses.clone())));
        handlers.insert(
            MINUTES_JOB.into(),
            Arc::new(MinutesHandler {
                store: store.clone(),
                config: config.minutes.clone(),
                uploads: meetings::submission::uploads_dir(&config.data_dir),
            }),
        );
        let jobs = JobRunner::new(
            store.clone(),
            config.node_id.clone(),
            handlers,
            job_events.clone(),
        );
        jobs.recover().await?;
        expenses.fit_if_possible().await?;
        let directory = DirectoryCache::load(&store).await?;
        commands::remove_stale_uploads(&config.data_dir);
        let state = AppState {
            directory,
            commands: Arc::new(CommandEngine::new(config.commands.clone())),
            webhooks: Webhooks::new(config.webhooks.clone()),
            config: Arc::new(config),
            store,
            tokens: TokenCache::default(),
            alert_bus: AlertBus::default(),
            job_events,
            jobs: jobs.clone(),
            expenses,
        };
        let runner = tokio::spawn(jobs.run());
        let background = vec![
            tokio::spawn(reminders::run(state.clone())),
            tokio::spawn(directory::follow(state.clone())),
        ];
        Ok(Service {
            state,
            runner,
            background,
        })
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn router(&self) -> axum::Router {
        router::build(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` completes, then stops the job runner (a job
    /// it was running goes back in the queue on the next start) and closes the database.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
            .context("the HTTP server failed")?;
        self.stop().await;
        Ok(())
    }

    /// Stops the job runner and the background loops and closes the database.
    pub async fn stop(self) {
        self.runner.abort();
        let _ = self.runner.await;
        for task in self.background {
            task.abort();
            let _ = task.await;
        }
        self.state.store.close().await;
    }
}

/// On an empty token table, creates an admin token and writes it to
/// `DIR/admin-token` (mode 0600). Returns the file's path when it did.
async fn bootstrap_admin(store: &Store, data_dir: &Path) -> anyhow::Result<Option<PathBuf>> {
    if store.count_tokens().await? > 0 {
        return Ok(None);
    }
    let token = store.create_token("admin", Role::Admin.as_str()).await?;
    let path = data_dir.join(ADMIN_TOKEN_FILE);
    write_secret(&path, &token.secret)
        .with_context(|| format!("cannot write the admin token to {}", path.display()))?;
    Ok(Some(path))
}

/// Writes a secret to a file only its owner can read.
fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An existing file keeps its mode on open: set it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        writeln!(file, "{secret}")
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        writeln!(file, "{secret}")
    }
}
