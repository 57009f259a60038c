//! Claims and calendar helpers the practice, habits, unwritten-limit, tails and
//! days-and-pairs tests share.

use anomaly::{Category, Claim, Policy};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};

/// A claim in HKD, submitted two days after the expense; the fields these tests never
/// vary (description, invoice, attendees) are empty.
pub fn claim(
    id: &str,
    emp: &str,
    department: &str,
    category: Category,
    merchant: &str,
    amount: f64,
    day: NaiveDate,
) -> Claim {
    Claim {
        claim_id: id.into(),
        employee_id: emp.into(),
        department: department.into(),
        category,
        merchant: merchant.into(),
        amount,
        currency: "HKD".into(),
        expense_date: day,
        submitted_at: submitted(day, 2),
        description: String::new(),
        invoice_no: None,
        attendees: None,
    }
}

/// 10:00 Hong Kong time `delay_days` after `day`.
pub fn submitted(day: NaiveDate, delay_days: i64) -> DateTime<FixedOffset> {
    let at = format!("{}T10:00:00+08:00", day + Duration::days(delay_days));
    DateTime::parse_from_rfc3339(&at).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Monday-to-Friday days from `from` up to (not including) `to`, the default policy's
/// public holidays left out.
pub fn working_days(from: &str, to: &str) -> Vec<NaiveDate> {
    let policy = Policy::default();
    let mut out = Vec::new();
    let mut day = date(from);
    while day < date(to) {
        let weekend = matches!(day.format("%a").to_string().as_str(), "Sat" | "Sun");
        if !weekend && !policy.holidays.contains_key(&day) {
            out.push(day);
        }
        day = day.succ_opt().unwrap();
    }
    out
}
