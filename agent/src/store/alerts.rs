//! Alerts: high-risk assessments waiting for the reviewer their route names.

use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Result, Store, StoreError};

/// One alert, as the API, the event stream and webhooks show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: String,
    pub claim_id: String,
    /// The reviewer it is for: `manager`, `finance` or `audit` (the assessment's route).
    pub route: String,
    pub risk_level: String,
    pub risk_score: f64,
    /// The assessment, as `POST /v1/expenses/claims` returned it.
    pub assessment: Value,
    pub created_at: String,
}

fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    let assessment: String = row.try_get("assessment")?;
    Ok(Alert {
        id: row.try_get("id")?,
        claim_id: row.try_get("claim_id")?,
        route: row.try_get("route")?,
        risk_level: row.try_get("risk_level")?,
        risk_score: row.try_get("risk_score")?,
        assessment: serde_json::from_str(&assessment)
            .map_err(|e| StoreError::Corrupt(format!("alert assessment: {e}")))?,
        created_at: row.try_get("created_at")?,
    })
}

/// Which alerts a listing returns.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery<'a> {
    /// Only alerts for this route (`None`: all).
    pub route: Option<&'a str>,
    /// Newest first, older than this alert id (paging backwards).
    pub before: Option<&'a str>,
    /// Oldest first, newer than this alert id (catching up, as an event stream does).
    pub after: Option<&'a str>,
    pub limit: i64,
}

pub(super) async fn insert(tx: &mut Transaction<'_, Any>, alert: &Alert) -> Result<()> {
    sqlx::query(
        "INSERT INTO alerts (id, claim_id, route, risk_level, risk_score, assessment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&alert.id)
    .bind(&alert.claim_id)
    .bind(&alert.route)
    .bind(&alert.risk_level)
    .bind(alert.risk_score)
    .bind(alert.assessment.to_string())
    .bind(&alert.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Alerts by id (ids sort by creation time): newest first, or oldest first after
    /// `query.after`.
    pub async fn alerts(&self, query: &AlertQuery<'_>) -> Result<Vec<Alert>> {
        let mut sql = String::from(
            "SELECT id, claim_id, route, risk_level, risk_score, assessment, created_at \
             FROM alerts WHERE 1 = 1",
        );
        let mut binds: Vec<&str> = Vec::new();
        for (clause, value) in [
            ("route =", query.route),
            ("id <", query.before),
            ("id >", query.after),
        ] {
            if let Some(value) = value {
                binds.push(value);
                sql.push_str(&format!(" AND {clause} ${}", binds.len()));
            }
        }
        let order = if query.after.is_some() { "ASC" } else { "DESC" };
        sql.push_str(&format!(
            " ORDER BY id {order} LIMIT {}",
            query.limit.clamp(1, 1000)
        ));
        let mut q = sqlx::query(&sql);
        for value in binds {
            q = q.bind(value);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(alert_from_row).collect()
    }
}
