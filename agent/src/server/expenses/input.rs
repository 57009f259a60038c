//! Claims in a JSON body: the fields are the claims CSV's columns (INTERFACES.md §2), as
//! strings or numbers. Each claim goes through the anomaly crate's CSV row parser, so the
//! API accepts and rejects exactly what `mishu expenses score` does, with the same
//! messages.

use anomaly::{read_claims, Claim, Policy, OPTIONAL_COLUMNS, REQUIRED_COLUMNS};
use serde_json::{Map, Value};

use crate::server::errors::ApiError;

/// The body's shape: one claim object, or an array of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    One,
    Many,
}

/// Parses and validates a body of claims; the first bad claim rejects the request with
/// a 400 `invalid_field` whose message names the claim and the field.
pub fn claims_from_json(
    body: &Value,
    policy: &Policy,
    max_batch: usize,
) -> Result<(Shape, Vec<Claim>), ApiError> {
    let (shape, items): (Shape, Vec<&Value>) = match body {
        Value::Object(_) => (Shape::One, vec![body]),
        Value::Array(items) if items.is_empty() => {
            return Err(ApiError::bad_request(
                "invalid_field",
                "the array of claims is empty",
            ))
        }
        Value::Array(items) if items.len() > max_batch => {
            return Err(ApiError::bad_request(
                "too_many_claims",
                format!(
                    "{} claims in one request; at most {max_batch} (send several requests)",
                    items.len()
                ),
            ))
        }
        Value::Array(items) => (Shape::Many, items.iter().collect()),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_json",
                "the body must be a claim object or an array of claim objects",
            ))
        }
    };
    let mut claims = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = match shape {
            Shape::One => String::new(),
            Shape::Many => format!("[{i}]."),
        };
        let claim = claim_from_json(item, policy).map_err(|(field, message)| {
            ApiError::bad_request("invalid_field", format!("{at}{field}: {message}"))
        })?;
        if claims.iter().any(|c: &Claim| c.claim_id == claim.claim_id) {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!(
                    "{at}claim_id: {:?} appears twice in the request",
                    claim.claim_id
                ),
            ));
        }
        claims.push(claim);
    }
    Ok((shape, claims))
}

/// One claim object to a [`Claim`], or (field, message).
fn claim_from_json(item: &Value, policy: &Policy) -> Result<Claim, (String, String)> {
    let Value::Object(fields) = item else {
        return Err(("claim".into(), "must be a JSON object".into()));
    };
    let columns: Vec<&str> = REQUIRED_COLUMNS
        .iter()
        .chain(OPTIONAL_COLUMNS.iter())
        .copied()
        .collect();
    let mut row = Vec::with_capacity(columns.len());
    for &name in &columns {
        row.push(field_text(fields, name)?);
    }
    let mut csv = String::new();
    push_csv_line(&mut csv, columns.iter().map(|c| c.to_string()));
    push_csv_line(&mut csv, row);
    let read = read_claims(csv.as_bytes(), policy).map_err(|e| ("claim".into(), e.to_string()))?;
    if let Some(bad) = read.rejected.into_iter().next() {
        return Err((bad.field, bad.message));
    }
    read.claims
        .into_iter()
        .next()
        .ok_or_else(|| ("claim".into(), "is empty".into()))
}

fn field_text(fields: &Map<String, Value>, name: &str) -> Result<String, (String, String)> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err((
            name.to_string(),
            format!("must be a string or a number, not {}", kind(other)),
        )),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Bool(_) => "a boolean",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        _ => "this",
    }
}

/// Appends one CSV record, every field quoted.
fn push_csv_line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claim() -> Value {
        json!({"claim_id": "C1", "employee_id": "E1", "department": "finance",
               "category": "meals", "merchant": "翠華餐廳, \"Central\"", "amount": 250.5,
               "expense_date": "2026-11-20", "submitted_at": "2026-11-21T09:00:00+08:00",
               "attendees": 2, "label": "ignored"})
    }

    #[test]
    fn one_claim_with_quotes_and_numbers() {
        let (shape, claims) = claims_from_json(&claim(), &Policy::default(), 10).unwrap();
        assert_eq!(shape, Shape::One);
        let c = &claims[0];
        assert_eq!(c.merchant, "翠華餐廳, \"Central\"");
        assert_eq!(c.amount, 250.5);
        assert_eq!(c.currency, "HKD");
        assert_eq!(c.attendees, Some(2));
    }

    #[test]
    fn bad_fields_are_named_with_their_index() {
        let mut bad = claim();
        bad["amount"] = json!(-5);
        let err = claims_from_json(&json!([claim(), bad]), &Policy::default(), 10).unwrap_err();
        assert_eq!(err.code, "invalid_field");
        assert!(
            err.message.starts_with("[1].amount: negative"),
            "{}",
            err.message
        );

        let mut bad = claim();
        bad["expense_date"] = json!(true);
        let err = claims_from_json(&bad, &Policy::default(), 10).unwrap_err();
        assert!(
            err.message.starts_with("expense_date: must be"),
            "{}",
            err.message
        );

        let mut bad = claim();
        bad.as_object_mut().unwrap().remove("merchant");
        let err = claims_from_json(&bad, &Policy::default(), 10).unwrap_err();
        assert!(
            err.message.starts_with("merchant: empty"),
            "{}",
            err.message
        );
    }

    #[test]
    fn batches_are_bounded_and_ids_unique() {
        let err = claims_from_json(&json!([claim(), claim()]), &Policy::default(), 10).unwrap_err();
        assert!(err.message.contains("twice"), "{}", err.message);
        let err = claims_from_json(&json!([claim(), claim()]), &Policy::default(), 1).unwrap_err();
        assert_eq!(err.code, "too_many_claims");
    }
}
