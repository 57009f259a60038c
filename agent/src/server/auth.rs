//! Bearer tokens and roles. A request without a valid token is a 401; one whose role may
//! not see the resource is a 403.
//!
//! Roles: `admin` (everything), the reviewers `finance`, `manager` and `audit` (every
//! claim, and the alerts routed to them), and `member` (submits claims and reads back its
//! own). Every role sends commands and reads the directory, the calendar and the tasks;
//! events and tasks are changed by admin, a manager or the token that created them.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use super::errors::ApiError;
use super::AppState;
use crate::store::tokens::{hash_secret, TokenRecord};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Finance,
    Manager,
    Audit,
    Member,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Finance,
        Role::Manager,
        Role::Audit,
        Role::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Finance => "finance",
            Role::Manager => "manager",
            Role::Audit => "audit",
            Role::Member => "member",
        }
    }

    /// Finance, manager and audit review claims.
    pub fn is_reviewer(self) -> bool {
        matches!(self, Role::Finance | Role::Manager | Role::Audit)
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role {s:?} (one of {})", names.join(", "))
            })
    }
}

/// Who is calling: the token that authenticated the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: String,
    pub name: String,
    pub role: Role,
}

impl Principal {
    /// 403 unless the caller has one of `roles` (admin always may).
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), ApiError> {
        if self.role == Role::Admin || roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "role {} may not {what}",
                self.role.as_str()
            )))
        }
    }

    /// The alert route this caller sees: all (`None`) for admin, its own for a reviewer,
    /// 403 for a member.
    pub fn alert_route(&self) -> Result<Option<&'static str>, ApiError> {
        match self.role {
            Role::Admin => Ok(None),
            r if r.is_reviewer() => Ok(Some(r.as_str())),
            r => Err(ApiError::forbidden(format!(
                "role {} may not see alerts; they are for reviewers",
                r.as_str()
            ))),
        }
    }
}

/// Token lookups by the sha256 of the secret, cached after the first database hit.
#[derive(Clone, Default)]
pub struct TokenCache {
    known: Arc<RwLock<HashMap<String, Principal>>>,
}

impl TokenCache {
    pub async fn authenticate(&self, store: &Store, secret: &str) -> Result<Principal, ApiError> {
        let hash = hash_secret(secret);
        if let Some(p) = self.known.read().expect("token cache poisoned").get(&hash) {
            return Ok(p.clone());
        }
        let record = store
            .token_by_hash(&hash)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the bearer token is not valid"))?;
        let principal = principal_of(record)?;
        self.known
            .write()
            .expect("token cache poisoned")
            .insert(hash, principal.clone());
        Ok(principal)
    }
}

fn principal_of(record: TokenRecord) -> Result<Principal, ApiError> {
    let role = record.role.parse::<Role>().map_err(ApiError::internal)?;
    Ok(Principal {
        token_id: record.id,
        name: record.name,
        role,
    })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match bearer_secret(&parts.headers)? {
            Some(secret) => state.tokens.authenticate(&state.store, secret).await,
            None => Err(ApiError::unauthorized(
                "missing `Authorization: Bearer <token>` header",
            )),
        }
    }
}

/// The caller, when the request carries a bearer token (for routes that also take
/// other credentials); a token that is sent but not valid is still a 401.
pub async fn optional_principal(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Option<Principal>, ApiError> {
    match bearer_secret(headers)? {
        Some(secret) => state
            .tokens
            .authenticate(&state.store, secret)
            .await
            .map(Some),
        None => Ok(None),
    }
}

/// The secret of an `Authorization: Bearer` header; `None` without the header.
fn bearer_secret(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(header) = headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    header
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|s| !s.is_empty())
        .map(Some)
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <token>`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_reviewers_see_their_own_route() {
        assert_eq!("Audit".parse::<Role>(), Ok(Role::Audit));
        assert!("boss".parse::<Role>().unwrap_err().contains("one of admin"));
        let p = |role| Principal {
            token_id: "t".into(),
            name: "n".into(),
            role,
        };
        assert_eq!(p(Role::Admin).alert_route(), Ok(None));
        assert_eq!(p(Role::Finance).alert_route(), Ok(Some("finance")));
        assert_eq!(p(Role::Member).alert_route().unwrap_err().status, 403);
        assert!(p(Role::Member).require(&[Role::Finance], "x").is_err());
        assert!(p(Role::Admin).require(&[], "x").is_ok());
    }
}
