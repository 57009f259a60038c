//! The expense engine the service holds: the policy and a [`Scorer`] over the fitted
//! model and all stored claims. Submissions are serialised (score → store → observe), so
//! each claim is scored against every claim stored before it, duplicates included.
//!
//! Fitting: on start when the database holds at least `min_history` claims, on
//! `POST /v1/expenses/model/fit`, and in the background after `refit_after` new claims.
//! A fit reads the history, fits on one low-priority thread while submissions go on,
//! then adds the claims that arrived meanwhile and swaps the new scorer in.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use anomaly::{Assessment, Claim, Model, Policy, RiskLevel, Scorer};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::store::alerts::Alert;
use crate::store::claims::ScoredClaim;
use crate::store::{ids, now, Store, StoreError};

/// Seed of every fit: the same history gives the same model.
pub const FIT_SEED: u64 = 42;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{}", not_fitted_message(*have, *need))]
    NotFitted { have: usize, need: usize },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("fitting the expense model: {0}")]
    Fit(#[from] anomaly::Error),
    #[error("a blocking task failed: {0}")]
    Task(String),
}

/// What to do when there is no model yet: load history (which fits it), or fit on the
/// claims already stored.
fn not_fitted_message(have: usize, need: usize) -> String {
    if have < need {
        format!(
            "the expense model is not fitted yet: {have} claims are stored and {need} are needed. \
             Load at least {} past claims with POST /v1/expenses/history (a claims CSV or a JSON \
             array); the model is fitted as soon as {need} are stored, then send this claim again",
            need - have
        )
    } else {
        format!(
            "the expense model is not fitted yet although {have} claims are stored: fit it with \
             POST /v1/expenses/model/fit, wait for its job (GET /v1/jobs/{{id}}) to succeed, then \
             send this claim again"
        )
    }
}

/// What the API says about the model.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    pub fitted: bool,
    /// Stored claims needed before a fit.
    pub min_history: usize,
    pub history_claims: usize,
    pub fitted_on_claims: usize,
    pub claims_since_fit: usize,
    pub fitted_at: Option<String>,
    pub engine: Option<String>,
}

struct Fitted {
    scorer: Scorer,
    fitted_on: usize,
    fitted_at: String,
}

pub struct ExpenseEngine {
    store: Store,
    policy: Policy,
    min_history: usize,
    alert_level: RiskLevel,
    fitted: Arc<RwLock<Option<Fitted>>>,
    /// Held from scoring to observing, so submissions are scored in order.
    submit: Mutex<()>,
    since_fit: AtomicUsize,
    refit_queued: AtomicBool,
    /// Fits run here: one low-priority thread, so a background refit leaves the other
    /// cores to the requests being served.
    fit_pool: Arc<rayon::ThreadPool>,
}

/// Scored claims, as stored: the assessments in input order and the alerts raised.
pub struct Submitted {
    pub assessments: Vec<serde_json::Value>,
    pub alerts: Vec<Alert>,
}

impl ExpenseEngine {
    /// `alert_level`: `high`, or `medium` to alert on medium risk too.
    pub fn new(store: Store, policy: Policy, min_history: usize, alert_level: &str) -> Self {
        ExpenseEngine {
            store,
            policy,
            min_history: min_history.max(1),
            alert_level: if alert_level == "medium" {
                RiskLevel::Medium
            } else {
                RiskLevel::High
            },
            fitted: Arc::new(RwLock::new(None)),
            submit: Mutex::new(()),
            since_fit: AtomicUsize::new(0),
            refit_queued: AtomicBool::new(false),
            fit_pool: Arc::new(fit_pool()),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn claims_since_fit(&self) -> usize {
        self.since_fit.load(Ordering::Relaxed)
    }

    /// True once per refit: when `refit_after` (non-zero) claims arrived since the last
    /// fit and no refit is queued yet.
    pub fn take_refit_due(&self, refit_after: usize) -> bool {
        refit_after > 0
            && self.claims_since_fit() >= refit_after
            && self
                .refit_queued
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }

    pub async fn info(&self) -> Result<ModelInfo, EngineError> {
        let history = self.store.count_claims().await? as usize;
        let guard = self.fitted.read().expect("engine lock poisoned");
        Ok(ModelInfo {
            fitted: guard.is_some(),
            min_history: self.min_history,
            history_claims: history,
            fitted_on_claims: guard.as_ref().map_or(0, |f| f.fitted_on),
            claims_since_fit: self.claims_since_fit(),
            fitted_at: guard.as_ref().map(|f| f.fitted_at.clone()),
            engine: guard
                .as_ref()
                .map(|f| f.scorer.model().header.engine.clone()),
        })
    }

    /// Fits on every stored claim and swaps the new model in. Returns the model's info.
    pub async fn fit(&self) -> Result<ModelInfo, EngineError> {
        let result = self.fit_inner().await;
        self.refit_queued.store(false, Ordering::Release);
        result
    }

    async fn fit_inner(&self) -> Result<ModelInfo, EngineError> {
        // Every claim stored before `snapshot` is committed once the lock is ours, and
        // every later one is stored at or after it: the history is read without
        // holding up submissions.
        let snapshot = {
            let _order = self.submit.lock().await;
            now()
        };
        let history = self.store.history((None, Some(&snapshot))).await?;
        if history.len() < self.min_history {
            return Err(EngineError::NotFitted {
                have: history.len(),
                need: self.min_history,
            });
        }
        let policy = self.policy.clone();
        let fitted_on = history.len();
        let pool = self.fit_pool.clone();
        let scorer = tokio::task::spawn_blocking(move || {
            pool.install(|| Model::fit(&history, &policy, FIT_SEED).map(|m| Scorer::new(m, policy)))
        })
        .await
        .map_err(|e| EngineError::Task(e.to_string()))??;
        {
            let _order = self.submit.lock().await;
            let arrived = self.store.history((Some(&snapshot), None)).await?;
            let fitted = self.fitted.clone();
            let since = arrived.len();
            tokio::task::spawn_blocking(move || {
                let mut scorer = scorer;
                scorer.observe(&arrived);
                *fitted.write().expect("engine lock poisoned") = Some(Fitted {
                    scorer,
                    fitted_on,
                    fitted_at: now(),
                });
            })
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?;
            self.since_fit.store(since, Ordering::Relaxed);
        }
        tracing::info!("expense model fitted on {fitted_on} claims");
        self.info().await
    }

    /// After history is loaded: fits on every stored claim when there are enough, so the
    /// next claim is scored against the new history; otherwise says how far it is.
    pub async fn fit_after_history(&self) -> Result<ModelInfo, EngineError> {
        match self.fit().await {
            Err(EngineError::NotFitted { .. }) => self.info().await,
            other => other,
        }
    }

    /// Fits if there is enough history and no model yet (on start).
    pub async fn fit_if_possible(&self) -> Result<(), EngineError> {
        match self.fit().await {
            Ok(_) | Err(EngineError::NotFitted { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Scores claims against everything stored, stores them with their assessments and
    /// alerts (all or nothing), and adds them to the history later claims are scored
    /// against.
    pub async fn submit(
        &self,
        claims: Vec<Claim>,
        submitted_by: Option<&str>,
    ) -> Result<Submitted, EngineError> {
        let _order = self.submit.lock().await;
        let fitted = self.fitted.clone();
        let (claims, assessments) = on_cpu(move || {
            let guard = fitted.read().expect("engine lock poisoned");
            let scored = guard.as_ref().map(|f| f.scorer.score(&claims));
            (claims, scored)
        })
        .await?;
        let Some(assessments) = assessments else {
            return Err(EngineError::NotFitted {
                have: self.store.count_claims().await? as usize,
                need: self.min_history,
            });
        };
        let json: Vec<serde_json::Value> = assessments
            .iter()
            .map(|a| serde_json::to_value(a).expect("assessments serialise"))
            .collect();
        let alerts: Vec<Alert> = assessments
            .iter()
            .zip(&json)
            .filter(|(a, _)| self.raises_alert(a))
            .map(|(a, j)| Alert {
                id: ids::new_id("alr"),
                claim_id: a.claim_id.clone(),
                route: a.route.as_str().to_string(),
                risk_level: a.risk_level.as_str().to_string(),
                risk_score: a.risk_score,
                assessment: j.clone(),
                created_at: now(),
            })
            .collect();
        let scored: Vec<ScoredClaim<'_>> = claims
            .iter()
            .zip(&json)
            .map(|(claim, assessment)| ScoredClaim { claim, assessment })
            .collect();
        self.store
            .insert_scored_claims(&scored, &alerts, submitted_by)
            .await?;
        self.observe(claims).await?;
        Ok(Submitted {
            assessments: json,
            alerts,
        })
    }

    /// Stores past claims without scoring them: history for the next fit. Returns how
    /// many were stored.
    pub async fn import_history(&self, claims: Vec<Claim>) -> Result<usize, EngineError> {
        let _order = self.submit.lock().await;
        let none = serde_json::Value::Null;
        let rows: Vec<ScoredClaim<'_>> = claims
            .iter()
            .map(|claim| ScoredClaim {
                claim,
                assessment: &none,
            })
            .collect();
        self.store.insert_scored_claims(&rows, &[], None).await?;
        let count = claims.len();
        self.observe(claims).await?;
        Ok(count)
    }

    /// Adds stored claims to the fitted model's history statistics and counts them
    /// towards the next refit.
    async fn observe(&self, claims: Vec<Claim>) -> Result<(), EngineError> {
        let count = claims.len();
        let fitted = self.fitted.clone();
        on_cpu(move || {
            if let Some(f) = fitted.write().expect("engine lock poisoned").as_mut() {
                f.scorer.observe(&claims);
            }
        })
        .await?;
        self.since_fit.fetch_add(count, Ordering::Relaxed);
        Ok(())
    }

    fn raises_alert(&self, a: &Assessment) -> bool {
        match self.alert_level {
            RiskLevel::Medium => a.risk_level != RiskLevel::Low,
            _ => a.risk_level == RiskLevel::High,
        }
    }
}

/// One thread at the lowest scheduling priority (Unix `nice` 19).
fn fit_pool() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .thread_name(|_| "mishu-fit".into())
        .start_handler(|_| lower_priority())
        .build()
        .expect("a one-thread pool can be built")
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux, PRIO_PROCESS with id 0 sets the calling thread's nice value only.
    // SAFETY: setpriority takes plain integers and touches no memory of ours.
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
    if rc != 0 {
        tracing::debug!("cannot lower the fit thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// Runs CPU work on rayon's pool (never on the async executor) and awaits its result.
/// Scoring is parallel inside (rayon), so running it on a pool thread saves the hand-off
/// a blocking thread would add; a panic comes back as an error.
async fn on_cpu<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, EngineError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let _ = tx.send(result);
    });
    match rx.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(_)) => Err(EngineError::Task("the expense engine panicked".into())),
        Err(_) => Err(EngineError::Task(
            "the expense engine's worker went away".into(),
        )),
    }
}
