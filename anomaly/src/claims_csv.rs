//! The claims CSV of INTERFACES.md §2. A bad row becomes a [`RowError`] naming its line and
//! field; the good rows are still returned. Unknown extra columns (such as an evaluation
//! file's `label`) are never read.

use std::fmt;
use std::io::{Read, Write};

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use serde::Serialize;

use crate::claim::{Category, Claim};
use crate::error::{Error, Result};
use crate::policy::Policy;

/// Columns a claims file must have.
pub const REQUIRED_COLUMNS: [&str; 8] = [
    "claim_id",
    "employee_id",
    "department",
    "category",
    "merchant",
    "amount",
    "expense_date",
    "submitted_at",
];
/// Columns that may be missing or empty: currency defaults to HKD.
pub const OPTIONAL_COLUMNS: [&str; 4] = ["currency", "description", "invoice_no", "attendees"];

/// Longest field accepted; a longer one rejects its row (a 50 MB line is a broken export,
/// not a description).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, field {}: {}",
            self.line, self.field, self.message
        )
    }
}

/// What a claims file held: the claims that parsed, and the rows that did not.
#[derive(Debug, Default)]
pub struct ClaimsRead {
    pub claims: Vec<Claim>,
    pub rejected: Vec<RowError>,
}

/// Reads a claims CSV. Only a file that cannot be read as claims at all (no header, a
/// missing required column) is an `Err`.
pub fn read_claims<R: Read>(reader: R, policy: &Policy) -> Result<ClaimsRead> {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = csv
        .byte_headers()
        .map_err(|e| Error::Csv(format!("cannot read the header: {e}")))?
        .clone();
    let columns = Columns::locate(&header)?;
    let mut out = ClaimsRead::default();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                if record.iter().all(|f| f.is_empty()) {
                    continue;
                }
                match parse_row(&record, &columns, policy) {
                    Ok(claim) => out.claims.push(claim),
                    Err((field, message)) => out.rejected.push(RowError {
                        line,
                        field: field.to_string(),
                        message,
                    }),
                }
            }
            Err(e) => {
                let at = e.position().map_or(line, |p| p.line());
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(Error::Csv(format!("line {at}: {e}")));
                }
                out.rejected.push(RowError {
                    line: at,
                    field: "row".into(),
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}

/// Where each known column sits in the header.
struct Columns {
    required: [usize; 8],
    optional: [Option<usize>; 4],
}

impl Columns {
    fn locate(header: &csv::ByteRecord) -> Result<Columns> {
        let names: Vec<String> = header
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |wanted: &str| names.iter().position(|n| n == wanted);
        let mut required = [0; 8];
        for (slot, name) in required.iter_mut().zip(REQUIRED_COLUMNS) {
            *slot = find(name)
                .ok_or_else(|| Error::MissingColumn(name.into(), REQUIRED_COLUMNS.join(", ")))?;
        }
        let optional = OPTIONAL_COLUMNS.map(find);
        Ok(Columns { required, optional })
    }
}

type FieldError = (&'static str, String);

fn parse_row(
    record: &csv::ByteRecord,
    columns: &Columns,
    policy: &Policy,
) -> std::result::Result<Claim, FieldError> {
    let text =
        |name: &'static str, index: Option<usize>| -> std::result::Result<&str, FieldError> {
            let Some(bytes) = index.and_then(|i| record.get(i)) else {
                return Ok("");
            };
            if bytes.len() > MAX_FIELD_BYTES {
                return Err((
                    name,
                    format!(
                        "{} bytes, longer than the {MAX_FIELD_BYTES}-byte limit",
                        bytes.len()
                    ),
                ));
            }
            std::str::from_utf8(bytes).map_err(|_| (name, "not valid UTF-8".to_string()))
        };
    let required = |i: usize| -> std::result::Result<&str, FieldError> {
        let name = REQUIRED_COLUMNS[i];
        let value = text(name, Some(columns.required[i]))?;
        if value.is_empty() {
            return Err((name, "empty".into()));
        }
        Ok(value)
    };
    let optional = |i: usize| text(OPTIONAL_COLUMNS[i], columns.optional[i]);

    let claim_id = required(0)?.to_string();
    let employee_id = required(1)?.to_string();
    let department = required(2)?.to_string();
    let category: Category = required(3)?.parse().map_err(|e| ("category", e))?;
    let merchant = required(4)?.to_string();
    let amount = parse_amount(required(5)?).map_err(|e| ("amount", e))?;
    let expense_date = parse_date(required(6)?).map_err(|e| ("expense_date", e))?;
    let submitted_at = parse_timestamp(required(7)?).map_err(|e| ("submitted_at", e))?;
    let currency = match optional(0)? {
        "" => "HKD".to_string(),
        code => code.to_ascii_uppercase(),
    };
    if policy.rate_to_hkd(&currency).is_none() {
        let known: Vec<&str> = policy.fx_to_hkd.keys().map(String::as_str).collect();
        return Err((
            "currency",
            format!("unknown currency {currency:?} (the policy has rates for {}; add one under [fx_to_hkd])", known.join(", ")),
        ));
    }
    let description = optional(1)?.to_string();
    let invoice_no = Some(optional(2)?)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let attendees = match optional(3)? {
        "" => None,
        n => Some(
            n.parse::<u32>()
                .ok()
                .filter(|&n| (1..=10_000).contains(&n))
                .ok_or_else(|| {
                    (
                        "attendees",
                        format!("{n:?} is not a head count (1 or more)"),
                    )
                })?,
        ),
    };
    Ok(Claim {
        claim_id,
        employee_id,
        department,
        category,
        merchant,
        amount,
        currency,
        expense_date,
        submitted_at,
        description,
        invoice_no,
        attendees,
    })
}

fn parse_amount(text: &str) -> std::result::Result<f64, String> {
    let cleaned: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    let value: f64 = cleaned
        .parse()
        .map_err(|_| format!("{text:?} is not a decimal number"))?;
    if !value.is_finite() {
        return Err(format!("{text:?} is not a finite number"));
    }
    if value < 0.0 {
        return Err(format!("negative amount {text} (refunds are not claims)"));
    }
    if value == 0.0 {
        return Err("amount is zero".into());
    }
    if value > 1e9 {
        return Err(format!(
            "amount {text} is larger than any claim this engine accepts (1e9)"
        ));
    }
    Ok(value)
}

fn parse_date(text: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a YYYY-MM-DD date"))
}

/// RFC 3339; a timestamp without an offset, or a bare date, is taken as Hong Kong time.
fn parse_timestamp(text: &str) -> std::result::Result<DateTime<FixedOffset>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    let hong_kong = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    let naive = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .or_else(|| parse_date(text).ok().and_then(|d| d.and_hms_opt(12, 0, 0)));
    naive
        .and_then(|n| hong_kong.from_local_datetime(&n).single())
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 timestamp"))
}

/// Writes claims in the column order of INTERFACES.md, with an optional extra `label`
/// column per claim (for evaluation files).
pub fn write_claims<W: Write>(
    writer: W,
    claims: &[Claim],
    labels: Option<&[String]>,
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header: Vec<&str> = vec![
        "claim_id",
        "employee_id",
        "department",
        "category",
        "merchant",
        "amount",
        "currency",
        "expense_date",
        "submitted_at",
        "description",
        "invoice_no",
        "attendees",
    ];
    if labels.is_some() {
        header.push("label");
    }
    csv.write_record(&header)?;
    for (i, c) in claims.iter().enumerate() {
        let mut row = vec![
            c.claim_id.clone(),
            c.employee_id.clone(),
            c.department.clone(),
            c.category.to_string(),
            c.merchant.clone(),
            format!("{:.2}", c.amount),
            c.currency.clone(),
            c.expense_date.to_string(),
            c.submitted_at.to_rfc3339(),
            c.description.clone(),
            c.invoice_no.clone().unwrap_or_default(),
            c.attendees.map(|n| n.to_string()).unwrap_or_default(),
        ];
        if let Some(labels) = labels {
            row.push(labels.get(i).cloned().unwrap_or_default());
        }
        csv.write_record(&row)?;
    }
    csv.flush()
}
