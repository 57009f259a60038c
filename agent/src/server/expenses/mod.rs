//! The expense routes: submit claims for scoring, load history, read a claim back, the
//! model's state and refits (a job).

mod engine;
pub mod input;

use std::sync::Arc;

use anomaly::read_claims;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::future::BoxFuture;
use serde_json::{json, Value};

pub use engine::{EngineError, ExpenseEngine, ModelInfo, FIT_SEED};

use super::auth::{Principal, Role};
use super::errors::{parse_json, read_json_bytes, ApiError, JsonBody};
use super::jobs::{JobHandler, Progress};
use super::AppState;
use crate::store::jobs::Job;
use input::{claims_from_json, Shape};

/// The job kind of a model fit.
pub const FIT_JOB: &str = "expenses.fit";

/// Most claims one history upload may hold.
pub const MAX_HISTORY_CLAIMS: usize = 1_000_000;

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> ApiError {
        match err {
            e @ EngineError::NotFitted { .. } => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "model_not_ready",
                e.to_string(),
            ),
            EngineError::Store(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

/// `POST /v1/expenses/claims`: one claim or an array; answers with the assessment(s) in
/// the same shape. High-risk claims raise alerts.
pub async fn submit(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response, ApiError> {
    let engine = &state.expenses;
    let (shape, claims) =
        claims_from_json(&body, engine.policy(), state.config.expenses.max_batch)?;
    let submitted = engine.submit(claims, Some(&principal.token_id)).await?;
    for alert in submitted.alerts {
        state.webhooks.dispatch(&alert);
        state.alert_bus.publish(Arc::new(alert));
    }
    if engine.take_refit_due(state.config.expenses.refit_after) {
        if let Err(e) = state
            .jobs
            .submit(FIT_JOB, &json!({"reason": "refit_after"}), None)
            .await
        {
            tracing::error!("cannot queue a refit: {e}");
        }
    }
    let mut assessments = submitted.assessments;
    let body = match shape {
        Shape::One => assessments.pop().unwrap_or(Value::Null),
        Shape::Many => Value::Array(assessments),
    };
    Ok(Json(body).into_response())
}

/// `POST /v1/expenses/history` (admin, finance): past claims, stored without scoring,
/// as a claims CSV (`Content-Type: text/csv`) or a JSON array. All or nothing. Once at
/// least `min_history` claims are stored the model is fitted before the answer, so the
/// next claim is scored.
pub async fn import_history(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Finance], "load claims history")?;
    let engine = &state.expenses;
    let is_csv = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"));
    let claims = if is_csv {
        let bytes = Bytes::from_request(request, &state)
            .await
            .map_err(|_| too_large_or_bad())?;
        let read = read_claims(bytes.as_ref(), engine.policy())
            .map_err(|e| ApiError::bad_request("invalid_csv", e.to_string()))?;
        if let Some(first) = read.rejected.first() {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!(
                    "{} row(s) rejected, nothing stored; first: {first}",
                    read.rejected.len()
                ),
            ));
        }
        read.claims
    } else {
        let bytes = read_json_bytes(request, &state).await?;
        let body: Value = parse_json(&bytes)?;
        if !body.is_array() {
            return Err(ApiError::bad_request(
                "invalid_json",
                "history is an array of claim objects (or a claims CSV as text/csv)",
            ));
        }
        claims_from_json(&body, engine.policy(), MAX_HISTORY_CLAIMS)?.1
    };
    let stored = engine.import_history(claims).await?;
    // The history is stored whatever the fit does; a failed fit is reported beside it.
    let body = match engine.fit_after_history().await {
        Ok(model) => json!({"stored": stored, "model": model}),
        Err(e) => {
            tracing::error!("fitting after a history upload: {e}");
            json!({"stored": stored, "model": engine.info().await?, "fit_error": e.to_string()})
        }
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn too_large_or_bad() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the history upload is larger than the service accepts (see max_history_bytes)",
    )
}

/// `GET /v1/expenses/claims/{id}`: reviewers and admin see every claim, a member the
/// claims it submitted.
pub async fn get_claim(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let stored = state
        .store
        .claim(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no claim {id:?}")))?;
    let own = stored.submitted_by.as_deref() == Some(principal.token_id.as_str());
    if !(own || principal.role == Role::Admin || principal.role.is_reviewer()) {
        return Err(ApiError::forbidden(
            "a member may read only the claims it submitted",
        ));
    }
    Ok(Json(json!({
        "claim": stored.claim,
        "assessment": stored.assessment,
        "received_at": stored.received_at,
    })))
}

/// `GET /v1/expenses/model`: whether a model is fitted, and on how much history.
pub async fn model_info(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ModelInfo>, ApiError> {
    principal.require(
        &[Role::Finance, Role::Manager, Role::Audit],
        "see the model",
    )?;
    Ok(Json(state.expenses.info().await?))
}

/// `POST /v1/expenses/model/fit` (admin, finance): queues a fit; 202 with the job.
pub async fn fit(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Response, ApiError> {
    principal.require(&[Role::Finance], "fit the model")?;
    let job = state
        .jobs
        .submit(
            FIT_JOB,
            &json!({"reason": "requested"}),
            Some(&principal.token_id),
        )
        .await?;
    let location = format!("/v1/jobs/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(job),
    )
        .into_response())
}

/// The `expenses.fit` job.
pub struct FitHandler(pub Arc<ExpenseEngine>);

impl JobHandler for FitHandler {
    fn run<'a>(
        &'a self,
        _job: &'a Job,
        progress: Progress,
    ) -> BoxFuture<'a, Result<Value, String>> {
        Box::pin(async move {
            progress
                .report(0.05, "fitting the expense model on stored claims")
                .await;
            let info = self.0.fit().await.map_err(|e| e.to_string())?;
            serde_json::to_value(info).map_err(|e| e.to_string())
        })
    }
}
