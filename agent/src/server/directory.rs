//! `POST/GET /v1/directory`: the company directory commands are resolved against, in the
//! JSON file format of `--directory`. Each upload is checked by the same loader as the
//! CLI, stored as a new version, and swapped into the in-memory copy every request reads;
//! nodes sharing the database pick up a newer version within [`REFRESH`].

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::auth::Principal;
use super::errors::{read_json_bytes, ApiError};
use super::AppState;
use crate::directory::{Directory, DirectoryError};
use crate::store::Store;

/// How often a node looks for a directory another node stored.
pub const REFRESH: Duration = Duration::from_secs(2);

/// The directory in force, parsed once per version.
#[derive(Clone, Default)]
pub struct DirectoryCache {
    current: Arc<RwLock<Loaded>>,
}

#[derive(Default)]
struct Loaded {
    version: Option<i64>,
    directory: Arc<Directory>,
}

impl DirectoryCache {
    /// The newest stored version (an empty directory when none was uploaded).
    pub async fn load(store: &Store) -> anyhow::Result<DirectoryCache> {
        let cache = DirectoryCache::default();
        cache.refresh(store).await?;
        Ok(cache)
    }

    pub fn get(&self) -> Arc<Directory> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .directory
            .clone()
    }

    fn version(&self) -> Option<i64> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .version
    }

    fn replace(&self, version: i64, directory: Directory) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        // Two uploads racing: the newer version wins whichever finishes last.
        if current.version.is_none_or(|v| v < version) {
            *current = Loaded {
                version: Some(version),
                directory: Arc::new(directory),
            };
        }
    }

    /// Takes in a newer version stored (by another node sharing the database). True
    /// when it did.
    pub async fn refresh(&self, store: &Store) -> crate::store::Result<bool> {
        let stored = store.directory_version().await?;
        if stored.is_none() || stored <= self.version() {
            return Ok(false);
        }
        let Some(stored) = store.directory().await? else {
            return Ok(false);
        };
        match Directory::from_json(&stored.document) {
            Ok(directory) => {
                self.replace(stored.version, directory);
                tracing::info!(version = stored.version, "directory loaded");
                Ok(true)
            }
            // Stored versions were checked on upload; a loader that grew stricter
            // should not stop the service.
            Err(e) => {
                tracing::error!(
                    "the stored directory (version {}) does not load: {e}; keeping the \
                     one in use",
                    stored.version
                );
                Ok(false)
            }
        }
    }
}

/// Follows the directory other nodes store, until the process ends.
pub async fn follow(state: AppState) {
    loop {
        tokio::time::sleep(REFRESH).await;
        if let Err(e) = state.directory.refresh(&state.store).await {
            tracing::warn!("cannot check for a newer directory: {e}");
        }
    }
}

/// `POST /v1/directory` (admin): replaces the directory. 400 naming the problem (a
/// duplicate id, an unknown department or manager) and nothing stored when it does not
/// load; `201 {"version", "people", "departments"}` when it does.
pub async fn upload(
    State(state): State<AppState>,
    principal: Principal,
    request: Request,
) -> Result<Response, ApiError> {
    principal.require(&[], "replace the directory")?;
    let bytes = read_json_bytes(request, &state).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| ApiError::bad_request("invalid_json", format!("not UTF-8: {e}")))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "invalid_json",
            "the request body is empty",
        ));
    }
    let directory = Directory::from_json(text).map_err(|e| match e {
        DirectoryError::Json { .. } => ApiError::bad_request("invalid_json", e.to_string()),
        other => ApiError::bad_request("invalid_directory", other.to_string()),
    })?;
    let (people, departments) = (directory.people().len(), directory.departments().len());
    let stored = state
        .store
        .put_directory(text, Some(&principal.token_id))
        .await?;
    state.directory.replace(stored.version, directory);
    tracing::info!(
        version = stored.version,
        people,
        departments,
        "directory replaced"
    );
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "version": stored.version,
            "people": people,
            "departments": departments,
            "created_at": stored.created_at,
        })),
    )
        .into_response())
}

/// `GET /v1/directory` (any role): the directory in force, as uploaded, with its
/// `version` and `created_at` added (it can be edited and uploaded again as it is).
pub async fn get(
    State(state): State<AppState>,
    _principal: Principal,
) -> Result<Json<Value>, ApiError> {
    let stored = state.store.directory().await?.ok_or_else(|| {
        ApiError::not_found("no directory has been uploaded yet (POST /v1/directory)")
    })?;
    let mut document: Value = serde_json::from_str(&stored.document)
        .map_err(|e| ApiError::internal(format!("stored directory: {e}")))?;
    if let Some(object) = document.as_object_mut() {
        object.insert("version".into(), json!(stored.version));
        object.insert("created_at".into(), json!(stored.created_at));
    }
    Ok(Json(document))
}
