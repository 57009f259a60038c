//! Limits a company lives by but did not write down: when the policy sets no limit for a
//! category and the default is far above anything the company ever claimed, while its
//! claims pile up against one amount, that amount is the limit in practice (a cap the
//! finance team enforces, a rate card). Limit rules then measure against it.

use std::collections::{BTreeMap, HashMap};

use crate::claim::{Category, Claim};
use crate::policy::Policy;
use crate::profile::amount_hkd;

/// Fewer claims in a category than this cannot show a ceiling.
const MIN_CLAIMS: usize = 200;
/// History's top must stay under this share of the default limit to replace it.
const FAR_BELOW_DEFAULT: f64 = 0.8;
/// Claims within this share under the top that make a pile, and how many it takes (the
/// top of a smooth log-normal or gamma tail has one or two claims there; a cap, many).
const PILE_BAND: f64 = 0.03;
const PILE_SHARE: f64 = 0.0005;
const PILE_MIN: usize = 6;
/// A ceiling cuts a spread of amounts: no amount under it is more than this share of the
/// claims, and the pile is no more than this share.
const MAX_COMMON_AMOUNT_SHARE: f64 = 0.05;
const MAX_PILE_SHARE: f64 = 0.35;

/// History's ceilings for the categories whose limit the policy file left at the default.
pub fn infer_ceilings(history: &[Claim], policy: &Policy) -> BTreeMap<Category, f64> {
    let mut amounts: BTreeMap<Category, Vec<f64>> = BTreeMap::new();
    for claim in history {
        if !policy.limits_set.contains(&claim.category) {
            amounts
                .entry(claim.category)
                .or_default()
                .push(amount_hkd(claim, policy));
        }
    }
    amounts
        .into_iter()
        .filter_map(|(cat, values)| ceiling(&values, policy.limit(cat)).map(|c| (cat, c)))
        .collect()
}

fn ceiling(values: &[f64], default_limit: Option<f64>) -> Option<f64> {
    if values.len() < MIN_CLAIMS {
        return None;
    }
    let top = values.iter().copied().fold(f64::MIN, f64::max);
    if default_limit.is_some_and(|l| top >= FAR_BELOW_DEFAULT * l) {
        return None;
    }
    let n = values.len();
    let pile = values
        .iter()
        .filter(|&&v| v >= top * (1.0 - PILE_BAND))
        .count();
    let needed = PILE_MIN.max((n as f64 * PILE_SHARE).ceil() as usize);
    // A price list (phone plans) piles at its dearest price; a cap cuts a continuum, where
    // no amount under the top is common.
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for v in values.iter().filter(|&&v| v < top * (1.0 - PILE_BAND)) {
        *counts.entry((v * 100.0).round() as i64).or_default() += 1;
    }
    let commonest = counts.values().copied().max().unwrap_or(0);
    let continuous = (commonest as f64) <= MAX_COMMON_AMOUNT_SHARE * n as f64;
    let cap_not_bulk = (pile as f64) <= MAX_PILE_SHARE * n as f64;
    if !(pile >= needed && continuous && cap_not_bulk) {
        return None;
    }
    round_limit(top)
}

/// The round number a limit would be, when the top is one (or a currency conversion's
/// rounding above one) or just under one (within 3%); limits are round, piles at other
/// amounts are something else.
fn round_limit(top: f64) -> Option<f64> {
    // Small limits come in tens (a HKD 280 taxi cap, a HKD 450 meal allowance): under HKD
    // 1,000 a top that bills reach exactly at a multiple of ten (or a currency
    // conversion's hair above it) counts as well.
    let tens = (top / 10.0).floor() * 10.0;
    if top < 1_000.0 && tens > 0.0 && top - tens < 0.5 {
        return Some(tens);
    }
    let step = if top < 2_000.0 {
        50.0
    } else if top < 10_000.0 {
        100.0
    } else {
        500.0
    };
    let below = (top / step).floor() * step;
    if top - below <= top * 0.002 {
        return Some(below);
    }
    let above = (top / step).ceil() * step;
    (above <= top * 1.03).then_some(above)
}

/// Claims in a category from which its highest claim says where the company's bills stop.
const MIN_TOP_CLAIMS: usize = 500;

/// The highest single claim in each category whose limit the policy left at a default
/// the company's history never comes near (its top under 80% of it) and where history
/// shows no ceiling. Several bills at one place on one day that together pass what no
/// single bill in hundreds ever reached look like one bill split, whatever the unwritten
/// limit is.
pub fn infer_tops(
    history: &[Claim],
    policy: &Policy,
    ceilings: &BTreeMap<Category, f64>,
) -> BTreeMap<Category, f64> {
    let mut tops: BTreeMap<Category, (usize, f64)> = BTreeMap::new();
    for claim in history {
        if policy.limits_set.contains(&claim.category) || ceilings.contains_key(&claim.category) {
            continue;
        }
        let top = tops.entry(claim.category).or_insert((0, 0.0));
        top.0 += 1;
        top.1 = top.1.max(amount_hkd(claim, policy));
    }
    tops.into_iter()
        .filter(|&(cat, (n, top))| {
            n >= MIN_TOP_CLAIMS
                && policy
                    .limit(cat)
                    .is_some_and(|l| top < FAR_BELOW_DEFAULT * l.min(policy.manager_threshold))
        })
        .map(|(cat, (_, top))| (cat, top))
        .collect()
}

/// The highest amount a head in history, for the categories with a default per-head limit
/// the file does not set and the company's bills never come near (top under 80% of it,
/// in at least [`MIN_TOP_CLAIMS`] claims with a head count): a bill well above what any
/// table ever cost a head is over the company's unwritten per-head limit.
pub fn infer_per_attendee_tops(history: &[Claim], policy: &Policy) -> BTreeMap<Category, f64> {
    let mut tops: BTreeMap<Category, (usize, f64)> = BTreeMap::new();
    for claim in history {
        let (Some(heads), false) = (
            claim.attendees,
            policy.per_attendee_set.contains(&claim.category),
        ) else {
            continue;
        };
        if !policy.per_attendee_limits.contains_key(&claim.category) {
            continue;
        }
        let top = tops.entry(claim.category).or_insert((0, 0.0));
        top.0 += 1;
        top.1 = top
            .1
            .max(amount_hkd(claim, policy) / f64::from(heads.max(1)));
    }
    tops.into_iter()
        .filter(|&(cat, (n, top))| {
            n >= MIN_TOP_CLAIMS
                && policy
                    .per_attendee_limits
                    .get(&cat)
                    .is_some_and(|&l| top < FAR_BELOW_DEFAULT * l)
        })
        .map(|(cat, (_, top))| (cat, top))
        .collect()
}

/// Share of history's claims past the default submission window from which the window
/// is not the company's practice (quarterly submitters, say).
const LATE_PRACTICE_SHARE: f64 = 0.03;
/// History's window: this quantile of its submission delays, rounded up to whole months.
const LATE_PRACTICE_QUANTILE: f64 = 0.995;

/// The submission window the company's history lives by, when the policy file sets none
/// and a good share of its (normal) claims come after the default window: the delay
/// nearly all of them stay within, rounded up to 30-day months.
pub fn infer_late_window(history: &[Claim], policy: &Policy) -> Option<i64> {
    if policy.late_set || history.len() < MIN_CLAIMS {
        return None;
    }
    let mut delays: Vec<i64> = history.iter().map(Claim::submission_delay_days).collect();
    let past = delays
        .iter()
        .filter(|&&d| d > policy.late_submission_days)
        .count();
    if (past as f64) < LATE_PRACTICE_SHARE * delays.len() as f64 {
        return None;
    }
    let at = ((delays.len() - 1) as f64 * LATE_PRACTICE_QUANTILE).round() as usize;
    let (_, &mut quantile, _) = delays.select_nth_unstable(at);
    let window = (quantile + 29).div_euclid(30) * 30;
    (window > policy.late_submission_days).then_some(window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pile_against_one_amount_far_under_the_default_is_a_ceiling() {
        let mut values: Vec<f64> = (0..400).map(|i| 100.0 + f64::from(i % 300)).collect();
        values.extend(std::iter::repeat_n(800.0, 5));
        values.extend([790.5, 785.0]);
        assert_eq!(ceiling(&values, Some(1500.0)), Some(800.0));
        // A smooth tail, thinning towards its top, is not one.
        let smooth: Vec<f64> = (0..400).map(|i| 100.0 * 1.01f64.powi(i)).collect();
        assert_eq!(ceiling(&smooth, Some(15000.0)), None);
        // History that reaches the default lives by it.
        assert_eq!(ceiling(&values, Some(900.0)), None);
        // A price list piles at its dearest price without being a cap.
        let plans: Vec<f64> = (0..400)
            .map(|i| [168.0, 198.0, 298.0, 388.0][i % 4])
            .collect();
        assert_eq!(ceiling(&plans, Some(1200.0)), None);
        assert_eq!(round_limit(781.0), Some(800.0));
        assert_eq!(round_limit(742.0), Some(750.0));
        assert_eq!(round_limit(3333.0), Some(3400.0));
        assert_eq!(round_limit(3200.028), Some(3200.0));
        assert_eq!(round_limit(1210.0), None);
        // Tens under HKD 1,000, reached exactly (or a conversion's hair above).
        assert_eq!(round_limit(280.024), Some(280.0));
        assert_eq!(round_limit(450.0), Some(450.0));
        assert_eq!(round_limit(283.0), None);
    }

    fn claims(category: Category, amounts: impl Iterator<Item = f64>) -> Vec<Claim> {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        amounts
            .enumerate()
            .map(|(i, amount)| Claim {
                claim_id: format!("C{i}"),
                employee_id: format!("E{}", i % 40),
                department: "ops".into(),
                category,
                merchant: "Muji".into(),
                amount,
                currency: "HKD".into(),
                expense_date: date,
                submitted_at: date.and_hms_opt(10, 0, 0).unwrap().and_utc().fixed_offset(),
                description: String::new(),
                invoice_no: None,
                attendees: None,
            })
            .collect()
    }

    #[test]
    fn the_highest_claim_is_the_top_only_where_the_default_is_never_approached() {
        let policy = Policy::default();
        // Office supplies (default limit 3,000): 600 claims of HKD 80–370, a few higher,
        // the highest HKD 1,330.
        let history = claims(
            Category::OfficeSupplies,
            (0..600).map(|i| {
                let extra = if i % 97 == 5 {
                    500.0 + f64::from(i)
                } else {
                    0.0
                };
                80.0 + f64::from(i % 29) * 10.0 + f64::from(i % 7) + extra
            }),
        );
        let found = infer_ceilings(&history, &policy);
        assert!(found.is_empty(), "{found:?}");
        let tops = infer_tops(&history, &policy, &found);
        assert_eq!(tops.get(&Category::OfficeSupplies), Some(&1330.0));
        // Too few claims to say where bills stop.
        assert!(infer_tops(&history[..300], &policy, &BTreeMap::new()).is_empty());
        // History that reaches 80% of the default lives by the default.
        let mut reaching = history.clone();
        reaching[10].amount = 2_500.0;
        assert!(infer_tops(&reaching, &policy, &BTreeMap::new()).is_empty());
        // A limit the policy file sets is the one that counts.
        let set = Policy::from_toml_str("[limits]\noffice_supplies = 1200\n").unwrap();
        assert!(infer_tops(&history, &set, &BTreeMap::new()).is_empty());
    }
}
