//! Policy rules: what a claim breaks or resembles, each with a strength in [0, 1] (how
//! strongly it alone suggests the claim needs a human) and a sentence for the reviewer.

use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::features::Facts;
use crate::policy::Policy;

/// The reason codes of INTERFACES.md §1 (`expenses score --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReasonCode {
    Duplicate,
    SplitClaim,
    OverLimit,
    NearLimit,
    Weekend,
    Holiday,
    RoundAmount,
    UnusualAmount,
    UnusualCategory,
    UnusualMerchant,
    LateSubmission,
    ModelOutlier,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 12] = [
        ReasonCode::Duplicate,
        ReasonCode::SplitClaim,
        ReasonCode::OverLimit,
        ReasonCode::NearLimit,
        ReasonCode::Weekend,
        ReasonCode::Holiday,
        ReasonCode::RoundAmount,
        ReasonCode::UnusualAmount,
        ReasonCode::UnusualCategory,
        ReasonCode::UnusualMerchant,
        ReasonCode::LateSubmission,
        ReasonCode::ModelOutlier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::Duplicate => "DUPLICATE",
            ReasonCode::SplitClaim => "SPLIT_CLAIM",
            ReasonCode::OverLimit => "OVER_LIMIT",
            ReasonCode::NearLimit => "NEAR_LIMIT",
            ReasonCode::Weekend => "WEEKEND",
            ReasonCode::Holiday => "HOLIDAY",
            ReasonCode::RoundAmount => "ROUND_AMOUNT",
            ReasonCode::UnusualAmount => "UNUSUAL_AMOUNT",
            ReasonCode::UnusualCategory => "UNUSUAL_CATEGORY",
            ReasonCode::UnusualMerchant => "UNUSUAL_MERCHANT",
            ReasonCode::LateSubmission => "LATE_SUBMISSION",
            ReasonCode::ModelOutlier => "MODEL_OUTLIER",
        }
    }
}

impl std::fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub code: ReasonCode,
    pub strength: f64,
    pub detail: String,
}

/// Below this many past claims a claimant has no habits to depart from.
const MIN_CLAIMS_FOR_HABITS: f64 = 15.0;
/// Log-amount z above which an amount is unusual for the claimant.
const UNUSUAL_Z: f64 = 3.0;

/// Every rule that fires for the claim, strongest first.
pub fn evaluate(claim: &Claim, f: &Facts, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |code, strength: f64, detail: String| {
        out.push(Finding {
            code,
            strength: strength.clamp(0.0, 1.0),
            detail,
        })
    };
    let money = |v: f64| format_hkd(v);

    if let Some(other) = &f.duplicate_invoice {
        push(
            ReasonCode::Duplicate,
            0.97,
            format!(
                "same invoice_no as {} ({})",
                other.claim_id, other.expense_date
            ),
        );
    } else if let Some(other) = &f.duplicate_fingerprint {
        push(
            ReasonCode::Duplicate,
            0.92,
            format!(
                "same claimant, merchant, amount and date as {} ({})",
                other.claim_id, other.expense_date
            ),
        );
    } else if let Some(other) = &f.near_duplicate {
        push(
            ReasonCode::Duplicate,
            0.7,
            format!(
                "same claimant, merchant and amount as {} one day apart ({})",
                other.claim_id, other.expense_date
            ),
        );
    }

    let is_duplicate = f.duplicate_invoice.is_some() || f.duplicate_fingerprint.is_some();
    if f.same_day_others > 0
        && !is_duplicate
        && !f.same_day_identical
        && f.same_day_total_hkd > f.split_threshold
        && f.amount_hkd <= f.split_threshold
    {
        push(
            ReasonCode::SplitClaim,
            0.88,
            format!(
                "{} claims at {} on {} total {}, above the {} limit each one stays under",
                f.same_day_others + 1,
                claim.merchant,
                claim.expense_date,
                money(f.same_day_total_hkd),
                money(f.split_threshold)
            ),
        );
    }

    if let Some(limit) = f.limit.filter(|&l| f.amount_hkd > l) {
        let excess = f.amount_hkd / limit - 1.0;
        push(
            ReasonCode::OverLimit,
            0.78 + 0.2 * (excess / 0.5).min(1.0),
            format!(
                "{} is over the {} limit of {}",
                money(f.amount_hkd),
                claim.category,
                money(limit)
            ),
        );
    } else if let (Some(per_head), Some(limit)) = (f.per_attendee_hkd, f.per_attendee_limit) {
        if per_head > limit {
            let excess = per_head / limit - 1.0;
            push(
                ReasonCode::OverLimit,
                0.7 + 0.25 * (excess / 0.5).min(1.0),
                format!(
                    "{} a head for {} attendees is over the {} per-head limit of {}",
                    money(per_head),
                    claim.attendees.unwrap_or(1),
                    claim.category,
                    money(limit)
                ),
            );
        }
    }

    if let Some(limit) = f.near_limit {
        let repeats = f.employee_near_limit_claims;
        let detail = if repeats > 0.0 {
            format!(
                "{} is within {:.0}% under the {} limit; {} earlier claims by this claimant were too",
                money(f.amount_hkd),
                policy.near_limit_band * 100.0,
                money(limit),
                repeats
            )
        } else {
            format!(
                "{} is within {:.0}% under the {} limit",
                money(f.amount_hkd),
                policy.near_limit_band * 100.0,
                money(limit)
            )
        };
        push(ReasonCode::NearLimit, 0.55 + 0.1 * repeats.min(3.0), detail);
    }

    // A claimant who often works weekends (sales, events) makes a weekend claim less odd.
    let off_day_strength = 0.62 * (1.0 - 8.0 * f.employee_weekend_rate).max(0.2);
    if !policy.weekend_ok(claim.category) {
        if let Some(name) = &f.holiday {
            push(
                ReasonCode::Holiday,
                off_day_strength,
                format!(
                    "{} expense on a public holiday, {} ({name})",
                    claim.category, claim.expense_date
                ),
            );
        } else if f.weekend {
            push(
                ReasonCode::Weekend,
                off_day_strength,
                format!(
                    "{} expense on a {} ({})",
                    claim.category,
                    claim.expense_date.format("%A"),
                    claim.expense_date
                ),
            );
        }
    }

    if f.delay_days > policy.late_submission_days {
        let over = (f.delay_days - policy.late_submission_days) as f64
            / policy.late_submission_days as f64;
        push(
            ReasonCode::LateSubmission,
            0.6 + 0.3 * over.min(1.0),
            format!(
                "submitted {} days after the expense (policy: {})",
                f.delay_days, policy.late_submission_days
            ),
        );
    }

    if f.round > 0 && f.category_round_rate < 0.2 {
        // Categories where round prices are normal (course fees) dampen the signal.
        let base = if f.round == 2 { 0.6 } else { 0.5 };
        push(
            ReasonCode::RoundAmount,
            base * (1.0 - 2.5 * f.category_round_rate),
            format!("{:.2} {} is a round amount", claim.amount, claim.currency),
        );
    }

    let has_habits = f.employee_claims >= MIN_CLAIMS_FOR_HABITS;
    if f.z_own >= UNUSUAL_Z && f.z_department >= 1.5 {
        let typical = f
            .typical_hkd
            .map(|t| {
                format!(
                    ", {:.1}× the claimant's usual {}",
                    f.amount_hkd / t,
                    money(t)
                )
            })
            .unwrap_or_default();
        push(
            ReasonCode::UnusualAmount,
            0.5 + 0.08 * (f.z_own - UNUSUAL_Z).min(5.0),
            format!(
                "{} is unusually high for this claimant's {}{typical}",
                money(f.amount_hkd),
                claim.category
            ),
        );
    }

    if has_habits && f.own_claims_in_category < 1.0 {
        let strength = if f.department_category_share < 0.01 {
            0.7
        } else if f.department_category_share < 0.05 {
            0.55
        } else {
            0.3
        };
        push(
            ReasonCode::UnusualCategory,
            strength,
            format!(
                "first {} claim in {} past claims by this claimant; {:.1}% of the department's claims are {}",
                claim.category,
                f.employee_claims,
                f.department_category_share * 100.0,
                claim.category
            ),
        );
    }

    if f.company_merchant_claims < 1.0 {
        push(
            ReasonCode::UnusualMerchant,
            if has_habits { 0.5 } else { 0.35 },
            format!(
                "{} has never appeared in the company's claims",
                claim.merchant
            ),
        );
    } else if f.merchant_category_share < 0.05 {
        push(
            ReasonCode::UnusualMerchant,
            0.6,
            format!(
                "{} is seen in {} earlier claims but never as {}",
                claim.merchant, f.company_merchant_claims, claim.category
            ),
        );
    }

    out.sort_by(|a, b| b.strength.total_cmp(&a.strength));
    out
}

/// `HKD 1,234.50`
pub fn format_hkd(value: f64) -> String {
    let cents = (value * 100.0).round() as i64;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("HKD {grouped}.{frac:02}")
}
