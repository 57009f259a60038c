//! The routes, the JSON 404/405, the body-size limit and the panic guard.

use std::panic::AssertUnwindSafe;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::handler::Handler as _;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use futures_util::FutureExt;
use serde_json::json;

use super::errors::ApiError;
use super::{
    alerts, calendar, commands, directory, expenses, jobs, meetings, openapi, reminders, sse,
    tasks, voices, AppState,
};

/// Every route as (method, path): the OpenAPI document must list exactly these (a test
/// checks it), and `build` must serve exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("get", "/v1/openapi.json"),
    ("post", "/v1/expenses/claims"),
    ("get", "/v1/expenses/claims/{id}"),
    ("post", "/v1/expenses/history"),
    ("get", "/v1/expenses/model"),
    ("post", "/v1/expenses/model/fit"),
    ("get", "/v1/alerts"),
    ("get", "/v1/alerts/stream"),
    ("get", "/v1/jobs/{id}"),
    ("get", "/v1/jobs/{id}/events"),
    ("post", "/v1/meetings"),
    ("get", "/v1/meetings"),
    ("get", "/v1/meetings/{id}"),
    ("get", "/v1/meetings/{id}/events"),
    ("get", "/v1/meetings/{id}/minutes.md"),
    ("patch", "/v1/meetings/{id}/action-items/{item}"),
    ("post", "/v1/directory"),
    ("get", "/v1/directory"),
    ("post", "/v1/commands"),
    ("get", "/v1/tasks"),
    ("patch", "/v1/tasks/{id}"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{id}"),
    ("patch", "/v1/events/{id}"),
    ("delete", "/v1/events/{id}"),
    // Served by the `/v1/events/{id}` route: a parameter cannot have a literal suffix.
    ("get", "/v1/events/{id}.ics"),
    ("post", "/v1/calendars/{person}/feed-token"),
    // Served by `/v1/calendars/{person}`, for the same reason.
    ("get", "/v1/calendars/{person}.ics"),
    ("get", "/v1/reminders"),
    ("get", "/v1/reminders/stream"),
    ("get", "/v1/voices"),
    ("post", "/v1/voices"),
    ("delete", "/v1/voices/{person}"),
];

pub fn build(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    let max_history = state.config.max_history_bytes;
    let max_meeting = state.config.minutes.max_upload_bytes;
    let max_audio = state.config.commands.max_audio_bytes.max(max_body);
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/expenses/claims", post(expenses::submit))
        .route("/v1/expenses/claims/{id}", get(expenses::get_claim))
        .route(
            "/v1/expenses/history",
            post(expenses::import_history).layer(DefaultBodyLimit::max(max_history)),
        )
        .route("/v1/expenses/model", get(expenses::model_info))
        .route("/v1/expenses/model/fit", post(expenses::fit))
        .route("/v1/alerts", get(alerts::list))
        .route("/v1/alerts/stream", get(sse::alerts))
        .route("/v1/jobs/{id}", get(jobs::get))
        .route("/v1/jobs/{id}/events", get(jobs::events))
        .route(
            "/v1/meetings",
            post(meetings::submit)
                .layer(DefaultBodyLimit::max(max_meeting))
                .get(meetings::list),
        )
        .route("/v1/meetings/{id}", get(meetings::get))
        .route("/v1/meetings/{id}/events", get(meetings::events))
        .route("/v1/meetings/{id}/minutes.md", get(meetings::markdown))
        .route(
            "/v1/meetings/{id}/action-items/{item}",
            patch(meetings::patch_item),
        )
        .route("/v1/directory", post(directory::upload).get(directory::get))
        .route(
            "/v1/commands",
            // Spoken commands are uploads; JSON ones are held to max_body_bytes inside.
            post(commands::create).layer(DefaultBodyLimit::max(max_audio)),
        )
        .route("/v1/tasks", get(tasks::list))
        .route("/v1/tasks/{id}", patch(tasks::patch))
        .route("/v1/events", get(calendar::list))
        .route(
            "/v1/events/{id}",
            get(calendar::get)
                .patch(calendar::patch)
                .delete(calendar::delete),
        )
        .route(
            "/v1/calendars/{person}/feed-token",
            post(calendar::create_feed_token),
        )
        .route("/v1/calendars/{person}", get(calendar::feed))
        .route("/v1/reminders", get(reminders::list))
        .route("/v1/reminders/stream", get(reminders::stream))
        .route(
            "/v1/voices",
            get(voices::list).post(voices::enrol.layer(DefaultBodyLimit::max(max_audio))),
        )
        .route("/v1/voices/{person}", delete(voices::remove))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(catch_panic))
        .with_state(state)
}

/// `GET /v1/health` (no token needed): the service and its database answer.
async fn health(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "database": match state.store.backend() {
            crate::store::Backend::Sqlite => "sqlite",
            crate::store::Backend::Postgres => "postgres",
        },
        "schema_version": crate::store::schema_version(),
    })))
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

async fn method_not_allowed(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            request.method(),
            request.uri().path()
        ),
    )
}

/// A panicking handler answers 500 in the error shape instead of dropping the connection.
async fn catch_panic(request: Request, next: Next) -> Response {
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => ApiError::internal("a request handler panicked").into_response(),
    }
}
