//! Policy rules: what a claim breaks or resembles, each with a strength in [0, 1] (how
//! strongly it alone suggests the claim needs a human) and a sentence for the reviewer.

use serde::{Deserialize, Serialize};

use crate::claim::Claim;
use crate::features::Facts;
use crate::policy::Policy;
use crate::profile::ClaimRef;

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
/// Own claims in a category from which the claimant's record, not the company's,
/// says how odd a claim near the limit is.
const OWN_RECORD_CLAIMS: f64 = 20.0;
/// An amount run (see [`amount_run_finding`]): at least this many claims, no further
/// apart in amount than this share, at least this multiple of the claimant's usual.
const RUN_MIN_CLAIMS: u32 = 3;
const RUN_SPREAD: f64 = 0.03;
const RUN_MIN_RATIO: f64 = 2.5;
/// Earlier split-like days (see [`crate::profile::DayGroup::split_like`]) from which two
/// bills at one place on one day are the claimant's routine (two rides, two meals).
const SPLIT_HABIT_DAYS: u32 = 3;

/// Most an unusual amount counts where the company's own claims stray as far more often
/// than [`UNUSUAL_RARE_SHARE`] of the time (medium risk: finance).
const UNUSUAL_COMMON_MAX: f64 = 0.6;
const UNUSUAL_RARE_SHARE: f64 = 0.001;

/// Company claims in a category from which the share of whole hundreds among them is
/// known well enough to call one rare, and the largest share that is rare.
const SMALL_ROUND_MIN_CLAIMS: f64 = 200.0;
const SMALL_ROUND_MAX_RATE: f64 = 0.004;

/// Above history's highest claim by more than this share (a cent over is the same bill),
/// and how strongly that alone counts (medium risk: finance).
const TOP_MARGIN: f64 = 0.01;
const OVER_TOP_STRENGTH: f64 = 0.55;

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

    let later_copy = |other: &ClaimRef| {
        (other.submitted_at, other.claim_id.as_str())
            > (Some(claim.submitted_at), claim.claim_id.as_str())
    };
    // Someone whose bills land on the cap as a rule repeats that amount day after day.
    let near_duplicate = f.near_duplicate.as_ref().filter(|_| !at_habitual_cap(f));
    let duplicate = f
        .duplicate_invoice
        .as_ref()
        .or(f.duplicate_fingerprint.as_ref())
        .or(near_duplicate);
    if let Some(other) = duplicate.filter(|o| later_copy(o)) {
        // Of two copies in one batch, this is the one submitted first: most likely the
        // original, worth a look next to its copy.
        push(
            ReasonCode::Duplicate,
            0.45,
            format!(
                "{} ({}), submitted later, repeats this claim; this one came first",
                other.claim_id, other.expense_date
            ),
        );
    } else if let Some(other) = &f.duplicate_invoice {
        push(
            ReasonCode::Duplicate,
            0.97,
            format!(
                "same invoice_no as {} ({})",
                other.claim_id, other.expense_date
            ),
        );
    } else if let Some(other) = &f.duplicate_fingerprint {
        let (strength, routine) = if at_habitual_cap(f) {
            (
                0.45,
                format!(
                    "; {} is the limit this claimant's claims often land on",
                    money(f.amount_hkd)
                ),
            )
        } else {
            (0.92, String::new())
        };
        push(
            ReasonCode::Duplicate,
            strength,
            format!(
                "same claimant, merchant, amount and date as {} ({}){routine}",
                other.claim_id, other.expense_date
            ),
        );
    } else if let Some(other) = near_duplicate {
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
        // Someone who often has two bills at one place on one day that together pass the
        // limit (two rides, lunch and dinner) is worth a look, not an audit.
        let routine = f.employee_split_days >= SPLIT_HABIT_DAYS;
        // One of the bills is what the claimant ordinarily spends there (a coffee next to
        // a dinner, a short ride next to a long one): two real bills more likely than one
        // bill cut in pieces, each of which would be large. Worth a look, not an audit;
        // the big bill is judged on its own amount as well.
        let ordinary_part = f.usual_top_hkd > 0.0
            && f.same_day_others == 1
            && f.same_day_min_hkd <= f.usual_top_hkd;
        let history = match f.employee_split_days {
            0 => "; never before by this claimant".to_string(),
            1 => "; once before by this claimant".to_string(),
            n => format!("; {n} days like this before by this claimant"),
        };
        // Without a known limit, the company's highest single bill in the category stands
        // in for it: a pair of ordinary bills passes it now and then, so it is worth a
        // look (finance), not an audit, unless something else adds to it.
        let top = policy
            .tops_from_history
            .get(&claim.category)
            .filter(|&&t| t <= f.split_threshold);
        let (strength, passed) = match top {
            Some(&t) => (
                if routine { 0.35 } else { 0.6 },
                format!(
                    "more than any single {} claim in the company's history (the highest {}) while each one stays under it",
                    claim.category,
                    money(t)
                ),
            ),
            None => (
                if routine {
                    0.5
                } else if ordinary_part {
                    0.6
                } else {
                    0.88
                },
                format!("above the {} limit each one stays under", money(f.split_threshold)),
            ),
        };
        let history = if ordinary_part && !routine {
            format!(
                "{history}; the smaller, {}, is within this claimant's usual {} range (up to {})",
                money(f.same_day_min_hkd),
                claim.category,
                money(f.usual_top_hkd)
            )
        } else {
            history
        };
        push(
            ReasonCode::SplitClaim,
            strength,
            format!(
                "{} claims at {} on {} total {}, {passed}{history}",
                f.same_day_others + 1,
                claim.merchant,
                claim.expense_date,
                money(f.same_day_total_hkd),
            ),
        );
    }

    if let Some(limit) = f.over_limit() {
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
    } else if let Some((strength, detail)) = amount_run_finding(claim, f) {
        push(ReasonCode::NearLimit, strength, detail);
    }

    // A claimant who often works weekends (sales, events) makes a weekend claim less odd.
    // A bill paid at home is measured against their days off at home: weekends worked on
    // trips abroad do not make a Saturday lunch in town business.
    let (off_day_rate, abroad_only) = if f.paid_at_home {
        (
            f.employee_home_weekend_rate,
            f.employee_weekend_rate >= 0.02 && f.employee_home_weekend_rate < 0.01,
        )
    } else {
        (f.employee_weekend_rate, false)
    };
    let off_day_strength = 0.62 * (1.0 - 8.0 * off_day_rate).max(0.2);
    let abroad_note = if abroad_only {
        format!(
            "; this claimant's other claims on days off ({:.0}% of their claims) were paid abroad, none in HKD",
            f.employee_weekend_rate * 100.0
        )
    } else {
        String::new()
    };
    if !policy.weekend_ok(claim.category) {
        if let Some(name) = &f.holiday {
            push(
                ReasonCode::Holiday,
                off_day_strength,
                format!(
                    "{} expense on a public holiday, {} ({name}){abroad_note}",
                    claim.category, claim.expense_date
                ),
            );
            if f.weekend {
                // Named for what it also is; the day off counts once.
                push(
                    ReasonCode::Weekend,
                    0.0,
                    format!(
                        "{} is a {} as well",
                        claim.expense_date,
                        claim.expense_date.format("%A")
                    ),
                );
            }
        } else if f.weekend {
            push(
                ReasonCode::Weekend,
                off_day_strength,
                format!(
                    "{} expense on a {} ({}){abroad_note}",
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
        let window = if policy.late_from_history {
            format!(
                "the company's claims come up to {} days after the expense; the policy sets no window",
                policy.late_submission_days
            )
        } else {
            format!("policy: {}", policy.late_submission_days)
        };
        push(
            ReasonCode::LateSubmission,
            0.6 + 0.3 * over.min(1.0),
            format!(
                "submitted {} days after the expense ({window})",
                f.delay_days
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
    } else if f.small_round
        && !policy.round_set
        && !at_limit
        && f.category_claims >= SMALL_ROUND_MIN_CLAIMS
        && f.category_small_round_rate <= SMALL_ROUND_MAX_RATE
    {
        // The policy file sets no threshold: a smaller whole hundred is round where the
        // company's history almost never has one (meals, taxis), not where it often
        // does (phone plans, course fees). The rarer, the stronger.
        push(
            ReasonCode::RoundAmount,
            0.5 - 25.0 * f.category_small_round_rate,
            format!(
                "{:.2} {} is a round amount, rare in {}: {:.2}% of the company's {} {} claims are whole hundreds under {}",
                claim.amount,
                claim.currency,
                claim.category,
                f.category_small_round_rate * 100.0,
                f.category_claims,
                claim.category,
                money(policy.round_amount_min)
            ),
        );
    }

    let has_habits = f.employee_claims >= MIN_CLAIMS_FOR_HABITS;
    let unusual = unusual_amount_finding(claim, f, policy);
    let over_written_limit = f.over_limit().is_some()
        || matches!((f.per_attendee_hkd, f.per_attendee_limit), (Some(p), Some(l)) if p > l);
    if !over_written_limit {
        if let Some((strength, detail)) = over_history_top_finding(claim, f, policy) {
            // Above the company's highest and far above the claimant's usual are much the
            // same evidence (an amount too high): named both ways, counted once.
            let strength = if unusual.is_some() { 0.0 } else { strength };
            push(ReasonCode::OverLimit, strength, detail);
        }
    }
    if let Some((strength, detail)) = unusual {
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

/// OVER_LIMIT without a known limit: above every claim (or every table, a head) the
/// company's history has in a category whose default limit it never comes near — the
/// unwritten limit, if there is one, is under that. A normal bill does this about once in
/// as many claims as history holds, so it is worth a look, not an audit.
fn over_history_top_finding(claim: &Claim, f: &Facts, policy: &Policy) -> Option<(f64, String)> {
    let cat = claim.category;
    if let Some(&top) = policy.tops_from_history.get(&cat) {
        if f.amount_hkd > top * (1.0 + TOP_MARGIN) + f.conversion_slack {
            return Some((
                OVER_TOP_STRENGTH,
                format!(
                    "{} is more than any of the company's {} earlier {cat} claims (the highest {}); the policy sets no {cat} limit",
                    format_hkd(f.amount_hkd),
                    f.category_claims,
                    format_hkd(top)
                ),
            ));
        }
    }
    let (Some(per_head), Some(&top)) = (
        f.per_attendee_hkd,
        policy.per_attendee_tops_from_history.get(&cat),
    ) else {
        return None;
    };
    (per_head > top * (1.0 + TOP_MARGIN)).then(|| {
        (
            OVER_TOP_STRENGTH,
            format!(
                "{} a head for {} attendees is more than any earlier {cat} claim in the company's history came to a head (the highest {}); the policy sets no {cat} per-head limit",
                format_hkd(per_head),
                claim.attendees.unwrap_or(1),
                format_hkd(top)
            ),
        )
    })
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
    if f.near_limit_habitual() {
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
    // Where many of the company's claims sit at the limit, sitting there says less —
    // unless a series departs from the claimant's own record: with 20 or more claims in
    // the category, theirs is what counts (in a company where some people claim at the
    // cap as a rule, others gaming it still stand out). One bill at the cap is not a
    // departure.
    let own_record = if series >= 2 {
        (earlier / OWN_RECORD_CLAIMS).min(1.0)
    } else {
        0.0
    };
    strength *= 1.0 - (15.0 * f.category_near_rate).min(0.6) * (1.0 - own_record);
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

/// NEAR_LIMIT without a known limit: a series of claims in a few weeks held at one
/// amount (within 3%) far above the claimant's usual, which they never claimed before —
/// the mark of bills kept just under a limit the policy file does not state.
fn amount_run_finding(claim: &Claim, f: &Facts) -> Option<(f64, String)> {
    let run = f.amount_run;
    // Two bills at a similar high amount happen by chance; three or more within 3% of
    // one another in a few weeks, at an amount the claimant never reached before, do not.
    let tight = f.amount_run_high <= f.amount_run_low * (1.0 + RUN_SPREAD);
    let ratio = f.amount_hkd / f.usual_hkd.max(0.01);
    if run < RUN_MIN_CLAIMS
        || !tight
        || !f.amount_run_spread_out
        || f.amount_run_elsewhere > 0
        || ratio < RUN_MIN_RATIO
    {
        return None;
    }
    let strength = 0.72 + 0.04 * f64::from(run - RUN_MIN_CLAIMS).min(4.0);
    let (first, last) = (f.amount_run_first?, f.amount_run_last?);
    let place = if f.amount_run_rank == run {
        format!("{} claim", ordinal(run))
    } else {
        format!("{} of {run} claims", ordinal(f.amount_run_rank))
    };
    let before = format!(
        "never before in {} {} claims",
        f.own_claims_in_category, claim.category
    );
    Some((
        strength,
        format!(
            "{place} between {} and {} in {} days ({first} to {last}), each about {:.1}× this claimant's usual {} amount of {}; {before}: amounts held just under one figure, as under a limit",
            format_hkd(f.amount_run_low),
            format_hkd(f.amount_run_high),
            (last - first).num_days() + 1,
            f.amount_hkd / f.usual_hkd.max(0.01),
            claim.category,
            format_hkd(f.usual_hkd)
        ),
    ))
}

/// UNUSUAL_AMOUNT: far above what this claimant usually claims in the category (their
/// median, leaning on the department's when they have few claims), by both a robust z
/// and a plain multiple, so a narrow habit does not make a normal bill look inflated.
fn unusual_amount_finding(claim: &Claim, f: &Facts, policy: &Policy) -> Option<(f64, String)> {
    let ratio = f.amount_hkd / f.usual_hkd.max(0.01);
    let mut strength = unusual_amount_strength(f)?;
    // Where the company's own past claims stray this far above their claimant's usual more
    // often than one in a thousand (heavy-tailed bills: supplies, props, long rides), the
    // amount alone is worth a look, not an audit.
    let mut common = String::new();
    if strength > UNUSUAL_COMMON_MAX {
        if let Some(tail) = policy.stray_tails.get(&claim.category) {
            let (count, share) = tail.at_least(strength);
            if share > UNUSUAL_RARE_SHARE {
                strength = UNUSUAL_COMMON_MAX;
                common = format!(
                    "; {count} of the company's {} earlier {} claims were as far above their claimant's usual",
                    tail.claims, claim.category
                );
            }
        }
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
    Some((
        strength,
        format!(
            "{} is {ratio:.1}× this claimant's usual {} amount of {} ({basis}){common}",
            format_hkd(f.amount_hkd),
            claim.category,
            format_hkd(f.usual_hkd)
        ),
    ))
}

/// How strongly an amount is unusual for its claimant (see [`unusual_amount_finding`]),
/// before the company's own tail is taken into account; `None` when it is not.
pub(crate) fn unusual_amount_strength(f: &Facts) -> Option<f64> {
    let ratio = f.amount_hkd / f.usual_hkd.max(0.01);
    // Never below the claimant's own 90th percentile: what they often claim is not unusual
    // for them (a meal allowance some of them spend to the dollar).
    let by_spread =
        f.amount_robust_z >= UNUSUAL_Z && ratio >= UNUSUAL_RATIO && f.above_usual_range > 0.0;
    let over_range = f.above_usual_range - UNUSUAL_OVER_RANGE.ln();
    let by_range = over_range >= 0.0 && ratio >= UNUSUAL_RANGE_RATIO;
    if !(by_spread || by_range) {
        return None;
    }
    Some(
        0.45 + (0.09 * (f.amount_robust_z - UNUSUAL_Z))
            .max(0.35 * over_range / 2f64.ln())
            .clamp(0.0, 0.45),
    )
}

/// The claim sits at a limit the claimant's claims habitually land on.
fn at_habitual_cap(f: &Facts) -> bool {
    f.near_limit.is_some_and(|l| f.amount_hkd >= l * 0.995) && f.near_limit_habitual()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim::Category;

    fn meal(amount: f64) -> Claim {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 8).unwrap();
        Claim {
            claim_id: "U1".into(),
            employee_id: "E1".into(),
            department: "ops".into(),
            category: Category::Meals,
            merchant: "Tai Hing".into(),
            amount,
            currency: "HKD".into(),
            expense_date: day,
            submitted_at: day.and_hms_opt(12, 0, 0).unwrap().and_utc().fixed_offset(),
            description: String::new(),
            invoice_no: None,
            attendees: None,
        }
    }

    fn over_top_strength(found: &[Finding]) -> Option<f64> {
        found
            .iter()
            .find(|f| f.code == ReasonCode::OverLimit)
            .map(|f| f.strength)
    }

    #[test]
    fn above_the_companys_highest_and_far_above_usual_count_once() {
        let mut policy = Policy::default();
        policy.tops_from_history.insert(Category::Meals, 400.0);
        let claim = meal(600.0);
        let inflated = Facts {
            amount_hkd: 600.0,
            usual_hkd: 100.0,
            amount_robust_z: 9.0,
            above_usual_range: 6f64.ln() - 0.4,
            own_claims_in_category: 60.0,
            company_merchant_claims: 300.0,
            merchant_category_share: 1.0,
            category_claims: 5000.0,
            limit: Some(1500.0),
            split_threshold: 400.0,
            ..Facts::default()
        };
        let found = evaluate(&claim, &inflated, &policy);
        assert!(found.iter().any(|f| f.code == ReasonCode::UnusualAmount));
        // Named, but the amount's height counts once.
        assert_eq!(over_top_strength(&found), Some(0.0), "{found:?}");

        // Above the highest by someone for whom HKD 600 is ordinary: it counts alone.
        let usual = Facts {
            usual_hkd: 450.0,
            amount_robust_z: 1.0,
            above_usual_range: -0.2,
            ..inflated.clone()
        };
        let found = evaluate(&claim, &usual, &policy);
        assert!(!found.iter().any(|f| f.code == ReasonCode::UnusualAmount));
        assert_eq!(over_top_strength(&found), Some(OVER_TOP_STRENGTH));

        // Within 1% of the highest is the same bill.
        let at_top = Facts {
            amount_hkd: 403.0,
            ..usual.clone()
        };
        assert_eq!(
            over_top_strength(&evaluate(&meal(403.0), &at_top, &policy)),
            None
        );

        // A limit the policy file sets leaves no top to be over.
        policy.tops_from_history.clear();
        assert_eq!(over_top_strength(&evaluate(&claim, &usual, &policy)), None);
    }
}
