//! Runs queued jobs and serves their state. One runner per process takes jobs one at a
//! time from the database queue and hands each to the handler registered for its kind;
//! handlers do their CPU work on blocking threads. Progress and state changes are
//! published to `GET /v1/jobs/{id}/events` subscribers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, Stream};
use serde_json::Value;
use tokio::sync::{broadcast, Notify};

use super::auth::{Principal, Role};
use super::errors::ApiError;
use super::AppState;
use crate::store::jobs::Job;
use crate::store::Store;

/// Times a job may be interrupted by restarts before it is failed instead of requeued.
pub const MAX_ATTEMPTS: i64 = 3;

/// Reports a running job's progress.
#[derive(Clone)]
pub struct Progress {
    store: Store,
    events: JobEvents,
    job_id: String,
}

impl Progress {
    /// `fraction` in [0, 1]; `message` says what the job is doing.
    pub async fn report(&self, fraction: f64, message: &str) {
        if let Err(e) = self
            .store
            .set_job_progress(&self.job_id, fraction, message)
            .await
        {
            tracing::warn!(job = %self.job_id, "cannot record progress: {e}");
        }
        self.events.publish_current(&self.store, &self.job_id).await;
    }
}

/// The work behind one job kind. Returns the job's result, or a message for the user.
pub trait JobHandler: Send + Sync {
    fn run<'a>(&'a self, job: &'a Job, progress: Progress) -> BoxFuture<'a, Result<Value, String>>;
}

/// Fans out job changes to event streams.
#[derive(Clone)]
pub struct JobEvents {
    tx: broadcast::Sender<Arc<Job>>,
}

impl Default for JobEvents {
    fn default() -> Self {
        JobEvents {
            tx: broadcast::channel(256).0,
        }
    }
}

impl JobEvents {
    async fn publish_current(&self, store: &Store, id: &str) {
        if let Ok(Some(job)) = store.job(id).await {
            let _ = self.tx.send(Arc::new(job));
        }
    }
}

/// Takes jobs from the queue and runs them.
#[derive(Clone)]
pub struct JobRunner {
    store: Store,
    worker: String,
    handlers: Arc<HashMap<String, Arc<dyn JobHandler>>>,
    wake: Arc<Notify>,
    events: JobEvents,
}

impl JobRunner {
    pub fn new(
        store: Store,
        worker: String,
        handlers: HashMap<String, Arc<dyn JobHandler>>,
        events: JobEvents,
    ) -> JobRunner {
        JobRunner {
            store,
            worker,
            handlers: Arc::new(handlers),
            wake: Arc::new(Notify::new()),
            events,
        }
    }

    /// The restart rule: jobs this node was running when it stopped go back in the queue.
    pub async fn recover(&self) -> crate::store::Result<()> {
        let (requeued, failed) = self
            .store
            .requeue_interrupted(&self.worker, MAX_ATTEMPTS)
            .await?;
        if requeued + failed > 0 {
            tracing::warn!(
                "{requeued} interrupted job(s) requeued, {failed} failed after {MAX_ATTEMPTS} \
                 interruptions"
            );
        }
        Ok(())
    }

    /// Queues a job and wakes the runner.
    pub async fn submit(
        &self,
        kind: &str,
        input: &Value,
        created_by: Option<&str>,
    ) -> crate::store::Result<Job> {
        let job = self.store.enqueue_job(kind, input, created_by).await?;
        self.wake.notify_one();
        Ok(job)
    }

    /// Wakes the runner for a job queued by other means than [`JobRunner::submit`] (one
    /// stored in a transaction with its data).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs jobs until the process ends; polls the queue every second when idle (other
    /// nodes may queue work too).
    pub async fn run(self) {
        loop {
            match self.store.claim_next_job(&self.worker).await {
                Ok(Some(job)) => self.run_one(job).await,
                Ok(None) => {
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Err(e) => {
                    tracing::error!("job queue: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Runs one claimed job to done or failed.
    pub async fn run_one(&self, job: Job) {
        let id = job.id.clone();
        self.events.publish_current(&self.store, &id).await;
        let outcome = match self.handlers.get(&job.kind).cloned() {
            None => Err(format!("no handler for job kind {:?}", job.kind)),
            Some(handler) => {
                let progress = Progress {
                    store: self.store.clone(),
                    events: self.events.clone(),
                    job_id: id.clone(),
                };
                // Its own task, so that a panicking handler fails the job, not the runner.
                let task = tokio::spawn(async move { handler.run(&job, progress).await });
                task.await
                    .unwrap_or_else(|e| Err(format!("the job crashed: {e}")))
            }
        };
        let recorded = match &outcome {
            Ok(result) => self.store.finish_job(&id, result).await,
            Err(message) => self.store.fail_job(&id, message).await,
        };
        if let Err(e) = recorded {
            tracing::error!(job = %id, "cannot record the job's end: {e}");
        }
        self.events.publish_current(&self.store, &id).await;
    }
}

async fn visible_job(state: &AppState, principal: &Principal, id: &str) -> Result<Job, ApiError> {
    let job = state
        .store
        .job(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no job {id:?}")))?;
    if principal.role != Role::Admin && job.created_by.as_deref() != Some(&principal.token_id) {
        return Err(ApiError::forbidden(
            "only its creator and admin may see a job",
        ));
    }
    Ok(job)
}

/// `GET /v1/jobs/{id}`.
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Job>, ApiError> {
    visible_job(&state, &principal, &id).await.map(Json)
}

/// `GET /v1/jobs/{id}/events`: `event: job` with the job JSON, now and on each change,
/// until it is done or failed.
pub async fn events(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let live = state.job_events.tx.subscribe();
    let current = visible_job(&state, &principal, &id).await?;
    Ok(job_stream(state.store.clone(), current, live))
}

/// Subscribes to job changes; subscribe before reading the job's current state, so that
/// no change falls between the two.
pub fn subscribe(state: &AppState) -> broadcast::Receiver<Arc<Job>> {
    state.job_events.tx.subscribe()
}

/// The event stream of one job: `current`, then each change from `live` until the job
/// is done or failed. A subscriber that fell behind reads the job from `store`, so it
/// never misses the end.
pub fn job_stream(
    store: Store,
    current: Job,
    live: broadcast::Receiver<Arc<Job>>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let id = current.id.clone();
    let stream = stream::unfold(
        (Some(current), live, false),
        move |(first, mut live, finished)| {
            let id = id.clone();
            let store = store.clone();
            async move {
                if finished {
                    return None;
                }
                if let Some(job) = first {
                    let done = job.state.is_finished();
                    return Some((job_event(&job), (None, live, done)));
                }
                loop {
                    match live.recv().await {
                        Ok(job) if job.id == id => {
                            let done = job.state.is_finished();
                            return Some((job_event(&job), (None, live, done)));
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => {
                            if let Ok(Some(job)) = store.job(&id).await {
                                let done = job.state.is_finished();
                                return Some((job_event(&job), (None, live, done)));
                            }
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

fn job_event(job: &Job) -> Result<Event, Infallible> {
    let data = serde_json::to_string(job).unwrap_or_else(|_| "{}".into());
    Ok(Event::default().event("job").data(data))
}
