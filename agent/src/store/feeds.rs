//! Calendar feed tokens: the secret a calendar app keeps in a person's subscription URL.
//! Only its sha256 is stored; one person has at most one (a new one replaces the old, so
//! a leaked URL is revoked by making another).

use sqlx::Row;

use super::tokens::hash_secret;
use super::{ids, now, Result, Store};

/// A freshly made feed token; the secret is shown once.
#[derive(Debug, Clone)]
pub struct NewFeedToken {
    pub id: String,
    pub person: String,
    pub secret: String,
    pub created_at: String,
}

impl Store {
    /// Makes `person`'s feed token, replacing any earlier one, in one transaction.
    pub async fn create_feed_token(
        &self,
        person: &str,
        created_by: Option<&str>,
    ) -> Result<NewFeedToken> {
        let token = NewFeedToken {
            id: ids::new_id("feed"),
            person: person.to_string(),
            secret: format!("feed_{}", ids::random_hex(32)),
            created_at: now(),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM feed_tokens WHERE person = $1")
            .bind(person)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO feed_tokens (id, person, hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&token.id)
        .bind(person)
        .bind(hash_secret(&token.secret))
        .bind(created_by.map(str::to_string))
        .bind(&token.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The person whose feed this secret opens, if it is a current feed token.
    pub async fn feed_person(&self, secret: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT person FROM feed_tokens WHERE hash = $1")
            .bind(hash_secret(secret))
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get("person")).transpose()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_token_replaces_the_old_and_opens_one_person() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&Store::default_url(dir.path())).await.unwrap();
        let first = store.create_feed_token("p001", None).await.unwrap();
        assert_eq!(
            store.feed_person(&first.secret).await.unwrap().as_deref(),
            Some("p001")
        );
        let second = store
            .create_feed_token("p001", Some("tok_x"))
            .await
            .unwrap();
        assert_ne!(first.secret, second.secret);
        assert_eq!(store.feed_person(&first.secret).await.unwrap(), None);
        assert_eq!(
            store.feed_person(&second.secret).await.unwrap().as_deref(),
            Some("p001")
        );
        assert_eq!(store.feed_person("feed_nonsense").await.unwrap(), None);
    }
}
