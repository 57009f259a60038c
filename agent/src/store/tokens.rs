//! API tokens. Only the sha256 of a secret is stored; the secret is shown once.

use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{ids, now, Result, Store, StoreError};

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: String,
}

/// A freshly created token: the record and the secret, which is not stored.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub record: TokenRecord,
    pub secret: String,
}

/// sha256 of a secret, lower-case hex: what the database keeps.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Store {
    /// Creates a token with a new random secret (`mishu_` and 64 hex digits).
    pub async fn create_token(&self, name: &str, role: &str) -> Result<NewToken> {
        let secret = format!("mishu_{}", ids::random_hex(32));
        let record = TokenRecord {
            id: ids::new_id("tok"),
            name: name.to_string(),
            role: role.to_string(),
            created_at: now(),
        };
        sqlx::query(
            "INSERT INTO tokens (id, name, role, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&record.id)
        .bind(&record.name)
        .bind(&record.role)
        .bind(hash_secret(&secret))
        .bind(&record.created_at)
        .execute(self.pool())
        .await?;
        Ok(NewToken { record, secret })
    }

    /// The token whose secret has this sha256, if any.
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query("SELECT id, name, role, created_at FROM tokens WHERE hash = $1")
            .bind(hash)
            .fetch_optional(self.pool())
            .await?;
        row.map(|row| {
            Ok(TokenRecord {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                role: row.try_get("role")?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| StoreError::Corrupt(e.to_string()))
    }

    pub async fn count_tokens(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM tokens")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }
}
