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
/// Robust z (log amount against the claimant's median and MAD) from which an amount is
/// unusual for the claimant, and the least multiple of their usual amount that counts.
const UNUSUAL_Z: f64 = 3.0;
const UNUSUAL_RATIO: f64 = 1.8;
/// Or, for wide habits: at least this multiple of the claimant's 90th percentile, and
/// of their usual amount.
const UNUSUAL_OVER_RANGE: f64 = 1.8;
const UNUSUAL_RANGE_RATIO: f64 = 2.5;
/// Own claims in a category from which a near-limit habit can be told apart from chance.
const NEAR_LIMIT_HABIT_CLAIMS: f64 = 5.0;
/// Share of a claimant's claims in a category near the limit that makes it their habit.
const NEAR_LIMIT_HABIT_SHARE: f64 = 0.25;

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
                "{} is over the {} of {}",
                money(f.amount_hkd),
                policy.limit_name(claim.category),
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
        let (strength, detail) = near_limit_finding(claim, f, policy, limit);
        push(ReasonCode::NearLimit, strength, detail);
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

    // A bill capped at the limit is round because the limit is.
    let at_limit = f.limit.is_some_and(|l| (f.amount_hkd - l).abs() < 0.005);
    if f.round > 0 && f.category_round_rate < 0.2 && !at_limit {
        // Categories where round prices are normal (course fees) dampen the signal.
        let base = if f.round == 2 { 0.6 } else { 0.5 };
        push(
            ReasonCode::RoundAmount,
            base * (1.0 - 2.5 * f.category_round_rate),
            format!("{:.2} {} is a round amount", claim.amount, claim.currency),
        );
    }

    let has_habits = f.employee_claims >= MIN_CLAIMS_FOR_HABITS;
    if let Some((strength, detail)) = unusual_amount_finding(claim, f) {
        push(ReasonCode::UnusualAmount, strength, detail);
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

/// NEAR_LIMIT: a claim just under a limit. One such claim is worth a look; a series of
/// them in a few weeks by someone who does not usually claim that close is limit gaming;
/// someone whose bills always land on the cap (a hotel rate at the allowance) is not.
fn near_limit_finding(claim: &Claim, f: &Facts, policy: &Policy, limit: f64) -> (f64, String) {
    let band = policy.near_limit_band * 100.0;
    let what = if f.limit == Some(limit) {
        format!(
            "{} {}",
            format_hkd(limit),
            policy.limit_name(claim.category)
        )
    } else {
        format!("{} manager-approval threshold", format_hkd(limit))
    };
    let earlier = f.own_claims_in_category;
    let elsewhere = f64::from(f.near_elsewhere);
    let history = if earlier < 1.0 {
        "no earlier claims in this category".to_string()
    } else if f.near_elsewhere == 0 {
        format!("never before in {earlier} {} claims", claim.category)
    } else {
        format!(
            "{} other near-limit claims in {earlier} {} claims before",
            f.near_elsewhere, claim.category
        )
    };
    let habitual =
        earlier >= NEAR_LIMIT_HABIT_CLAIMS && elsewhere / earlier >= NEAR_LIMIT_HABIT_SHARE;
    if habitual {
        return (
            0.1,
            format!(
                "{} is within {band:.0}% under the {what}, as usual for this claimant ({} of {earlier} earlier {} claims)",
                format_hkd(f.amount_hkd),
                f.near_elsewhere,
                claim.category
            ),
        );
    }
    let series = f.near_series.max(1);
    let mut strength = match series {
        1 => 0.5,
        2 => 0.64,
        n => 0.74 + 0.04 * f64::from(n - 3).min(4.0),
    };
    if f.near_elsewhere > 0 {
        // Done before now and then: less of a departure from habit.
        strength *= 1.0 - (2.0 * elsewhere / earlier.max(1.0)).min(0.4);
    }
    // Where many of the company's claims sit at the limit, sitting there says less.
    strength *= 1.0 - (15.0 * f.category_near_rate).min(0.6);
    let detail = match (f.near_series_first, f.near_series_last) {
        (Some(first), Some(last)) if series > 1 => {
            let span = (last - first).num_days() + 1;
            let place = if f.near_series_rank == series {
                format!("{} claim", ordinal(series))
            } else {
                format!("{} of {series} claims", ordinal(f.near_series_rank))
            };
            format!(
                "{place} within {band:.0}% under the {what} in {span} days ({first} to {last}), this one {}; {history}",
                format_hkd(f.amount_hkd)
            )
        }
        _ => format!(
            "{} is within {band:.0}% under the {what}; {history}",
            format_hkd(f.amount_hkd)
        ),
    };
    (strength, detail)
}

/// UNUSUAL_AMOUNT: far above what this claimant usually claims in the category (their
/// median, leaning on the department's when they have few claims), by both a robust z
/// and a plain multiple, so a narrow habit does not make a normal bill look inflated.
fn unusual_amount_finding(claim: &Claim, f: &Facts) -> Option<(f64, String)> {
    let ratio = f.amount_hkd / f.usual_hkd.max(0.01);
    let by_spread = f.amount_robust_z >= UNUSUAL_Z && ratio >= UNUSUAL_RATIO;
    let over_range = f.above_usual_range - UNUSUAL_OVER_RANGE.ln();
    let by_range = over_range >= 0.0 && ratio >= UNUSUAL_RANGE_RATIO;
    if !(by_spread || by_range) {
        return None;
    }
    let basis = if f.own_claims_in_category >= 10.0 {
        format!("median of {} claims", f.own_claims_in_category)
    } else {
        format!(
            "from {} own claims and the department's usual {}",
            f.own_claims_in_category,
            format_hkd(f.department_usual_hkd)
        )
    };
    let strength = 0.45
        + (0.09 * (f.amount_robust_z - UNUSUAL_Z))
            .max(0.35 * over_range / 2f64.ln())
            .clamp(0.0, 0.45);
    Some((
        strength,
        format!(
            "{} is {ratio:.1}× this claimant's usual {} amount of {} ({basis})",
            format_hkd(f.amount_hkd),
            claim.category,
            format_hkd(f.usual_hkd)
        ),
    ))
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
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
