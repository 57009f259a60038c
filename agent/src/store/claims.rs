//! Claims and their assessments. Every stored claim is history for the next model fit.

use anomaly::{Category, Claim};
use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::alerts::{self, Alert};
use super::{now, Result, Store, StoreError};

/// A claim as stored, with what the service knows about it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredClaim {
    pub claim: Claim,
    /// The assessment, as `POST /v1/expenses/claims` returned it.
    pub assessment: Option<Value>,
    /// Id of the token that submitted it (not shown by the API).
    #[serde(skip)]
    pub submitted_by: Option<String>,
    pub received_at: String,
}

/// One claim to store with its assessment (a JSON object with `risk_score`,
/// `risk_level`, `route` and `reasons`); `Null` for history loaded without scoring.
pub struct ScoredClaim<'a> {
    pub claim: &'a Claim,
    pub assessment: &'a Value,
}

const CLAIM_COLUMNS: &str = "c.claim_id, c.employee_id, c.department, c.category, c.merchant, \
     c.amount, c.currency, c.expense_date, c.submitted_at, c.description, c.invoice_no, \
     c.attendees, c.submitted_by, c.received_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn claim_from_row(row: &AnyRow) -> Result<Claim> {
    let category: String = row.try_get("category")?;
    let expense_date: String = row.try_get("expense_date")?;
    let submitted_at: String = row.try_get("submitted_at")?;
    let attendees: Option<i64> = row.try_get("attendees")?;
    Ok(Claim {
        claim_id: row.try_get("claim_id")?,
        employee_id: row.try_get("employee_id")?,
        department: row.try_get("department")?,
        category: category
            .parse::<Category>()
            .map_err(|e| corrupt("claim category", e))?,
        merchant: row.try_get("merchant")?,
        amount: row.try_get("amount")?,
        currency: row.try_get("currency")?,
        expense_date: NaiveDate::parse_from_str(&expense_date, "%Y-%m-%d")
            .map_err(|e| corrupt("claim expense_date", e))?,
        submitted_at: DateTime::parse_from_rfc3339(&submitted_at)
            .map_err(|e| corrupt("claim submitted_at", e))?,
        description: row.try_get("description")?,
        invoice_no: row.try_get("invoice_no")?,
        attendees: attendees
            .map(u32::try_from)
            .transpose()
            .map_err(|e| corrupt("claim attendees", e))?,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Store {
    /// Stores scored claims and their alerts in one transaction: all or nothing. A claim
    /// id that is already stored is a [`StoreError::Conflict`].
    pub async fn insert_scored_claims(
        &self,
        scored: &[ScoredClaim<'_>],
        alerts: &[Alert],
        submitted_by: Option<&str>,
    ) -> Result<()> {
        let received_at = now();
        let mut tx = self.begin_write().await?;
        for item in scored {
            let c = item.claim;
            let inserted = sqlx::query(
                "INSERT INTO claims (claim_id, employee_id, department, category, merchant, \
                 amount, currency, expense_date, submitted_at, description, invoice_no, \
                 attendees, submitted_by, received_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(&c.claim_id)
            .bind(&c.employee_id)
            .bind(&c.department)
            .bind(c.category.as_str())
            .bind(&c.merchant)
            .bind(c.amount)
            .bind(&c.currency)
            .bind(c.expense_date.format("%Y-%m-%d").to_string())
            .bind(c.submitted_at.to_rfc3339())
            .bind(&c.description)
            .bind(c.invoice_no.clone())
            .bind(c.attendees.map(i64::from))
            .bind(submitted_by.map(str::to_string))
            .bind(&received_at)
            .execute(&mut *tx)
            .await;
            match inserted {
                Err(e) if is_unique_violation(&e) => {
                    return Err(StoreError::Conflict(format!("claim {:?}", c.claim_id)))
                }
                other => other?,
            };
            let a = item.assessment;
            if a.is_null() {
                continue;
            }
            let reasons = a.get("reasons").cloned().unwrap_or(Value::Array(vec![]));
            sqlx::query(
                "INSERT INTO assessments (claim_id, risk_score, risk_level, route, reasons, \
                 scored_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&c.claim_id)
            .bind(a.get("risk_score").and_then(Value::as_f64).unwrap_or(0.0))
            .bind(a.get("risk_level").and_then(Value::as_str).unwrap_or(""))
            .bind(a.get("route").and_then(Value::as_str).unwrap_or(""))
            .bind(reasons.to_string())
            .bind(&received_at)
            .execute(&mut *tx)
            .await?;
        }
        for alert in alerts {
            alerts::insert(&mut tx, alert).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A stored claim with its assessment.
    pub async fn claim(&self, claim_id: &str) -> Result<Option<StoredClaim>> {
        let row = sqlx::query(&format!(
            "SELECT {CLAIM_COLUMNS}, a.risk_score, a.risk_level, a.route, a.reasons \
             FROM claims c LEFT JOIN assessments a ON a.claim_id = c.claim_id \
             WHERE c.claim_id = $1"
        ))
        .bind(claim_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let claim = claim_from_row(&row)?;
        let level: Option<String> = row.try_get("risk_level")?;
        let assessment = match level {
            None => None,
            Some(level) => {
                let reasons: String = row.try_get("reasons")?;
                Some(serde_json::json!({
                    "claim_id": claim.claim_id,
                    "risk_score": row.try_get::<f64, _>("risk_score")?,
                    "risk_level": level,
                    "route": row.try_get::<String, _>("route")?,
                    "reasons": serde_json::from_str::<Value>(&reasons)
                        .map_err(|e| corrupt("assessment reasons", e))?,
                }))
            }
        };
        Ok(Some(StoredClaim {
            claim,
            assessment,
            submitted_by: row.try_get("submitted_by")?,
            received_at: row.try_get("received_at")?,
        }))
    }

    /// Every stored claim, oldest submission first: the history a model is fitted on.
    /// `received` bounds the claims by when they were stored (RFC 3339 times from
    /// [`super::now`]): at or after the first, before the second.
    pub async fn history(&self, received: (Option<&str>, Option<&str>)) -> Result<Vec<Claim>> {
        let mut sql = format!("SELECT {CLAIM_COLUMNS} FROM claims c WHERE 1 = 1");
        let mut binds = Vec::new();
        if let Some(from) = received.0 {
            binds.push(from.to_string());
            sql.push_str(&format!(" AND c.received_at >= ${}", binds.len()));
        }
        if let Some(until) = received.1 {
            binds.push(until.to_string());
            sql.push_str(&format!(" AND c.received_at < ${}", binds.len()));
        }
        let mut query = sqlx::query(&sql);
        for value in binds {
            query = query.bind(value);
        }
        let rows = query.fetch_all(self.pool()).await?;
        let mut claims = rows
            .iter()
            .map(claim_from_row)
            .collect::<Result<Vec<_>>>()?;
        // Offsets differ between claims: order by the instant, not the text.
        claims.sort_by(|a, b| (a.submitted_at, &a.claim_id).cmp(&(b.submitted_at, &b.claim_id)));
        Ok(claims)
    }

    pub async fn count_claims(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM claims")
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }
}
