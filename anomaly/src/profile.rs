//! What the company's claims history says, in tables that answer the feature questions
//! in O(1): amounts per claimant and category, per department and category, merchants
//! seen, invoices and same-day claims (for duplicates and splits). Claims can be added
//! one by one ([`Profile::absorb`]), so a scored claim is history for the next one.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::claim::{Category, Claim};
use crate::keys::{normalize_merchant, Key, KeyMap};
use crate::policy::Policy;
use crate::robust::AmountHabit;

/// Count, mean and spread of log amounts (Welford), so claims can be added and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub n: f64,
    pub mean: f64,
    pub m2: f64,
}

impl Stats {
    pub fn add(&mut self, x: f64) {
        self.n += 1.0;
        let d = x - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (x - self.mean);
    }

    /// These statistics without one value they include.
    pub fn without(self, x: f64) -> Stats {
        if self.n <= 1.0 {
            return Stats::default();
        }
        let n = self.n - 1.0;
        let mean = (self.n * self.mean - x) / n;
        let m2 = (self.m2 - (x - mean) * (x - self.mean)).max(0.0);
        Stats { n, mean, m2 }
    }

    pub fn variance(&self) -> f64 {
        if self.n > 1.0 {
            self.m2 / (self.n - 1.0)
        } else {
            0.0
        }
    }
}

/// A claim another one may duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRef {
    pub claim_id: String,
    pub expense_date: NaiveDate,
    /// When it was submitted: of two copies in one batch, the later one is the duplicate.
    #[serde(default)]
    pub submitted_at: Option<DateTime<FixedOffset>>,
}

/// The first two distinct claims seen under one key: enough to name "the other one".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen(pub Vec<ClaimRef>);

impl Seen {
    fn add(&mut self, claim: &Claim) {
        if self.0.len() < 2 && self.0.iter().all(|r| r.claim_id != claim.claim_id) {
            self.0.push(ClaimRef {
                claim_id: claim.claim_id.clone(),
                expense_date: claim.expense_date,
                submitted_at: Some(claim.submitted_at),
            });
        }
    }

    /// A claim under this key other than `claim_id`.
    pub fn other_than(&self, claim_id: &str) -> Option<&ClaimRef> {
        self.0.iter().find(|r| r.claim_id != claim_id)
    }

    /// A claim under this key submitted before `claim` (by time, then claim id): the one
    /// `claim` would duplicate, where both are new.
    pub fn earlier_than(&self, claim: &Claim) -> Option<&ClaimRef> {
        let this = (Some(claim.submitted_at), claim.claim_id.as_str());
        self.0
            .iter()
            .find(|r| r.claim_id != claim.claim_id && (r.submitted_at, r.claim_id.as_str()) < this)
    }
}

/// Claims by one claimant at one merchant on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DayGroup {
    pub count: u32,
    pub total_hkd: f64,
    pub min_hkd: f64,
    pub max_hkd: f64,
}

impl DayGroup {
    /// Claims that together pass `threshold` while each stays under it: a split bill, or
    /// (for some people) two meals or rides at one place on one day.
    pub fn split_like(&self, threshold: f64) -> bool {
        self.count >= 2 && self.total_hkd > threshold && self.max_hkd <= threshold
    }

    fn add(&mut self, amount_hkd: f64) {
        if self.count == 0 {
            self.min_hkd = amount_hkd;
            self.max_hkd = amount_hkd;
        }
        self.count += 1;
        self.total_hkd += amount_hkd;
        self.min_hkd = self.min_hkd.min(amount_hkd);
        self.max_hkd = self.max_hkd.max(amount_hkd);
    }
}

/// The duplicate, split and near-limit-series tables, which a batch of new claims also
/// fills.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClaimIndex {
    pub invoices: KeyMap<Seen>,
    pub fingerprints: KeyMap<Seen>,
    pub same_day: KeyMap<DayGroup>,
    /// Expense dates of claims near a limit, per claimant and category.
    pub near_limit_dates: KeyMap<Vec<NaiveDate>>,
    /// Expense dates and HKD amounts of every claim, per claimant and category (runs of
    /// claims held at one amount, as under a limit the policy does not state).
    #[serde(default)]
    pub dated_amounts: KeyMap<Vec<(NaiveDate, f32)>>,
}

impl ClaimIndex {
    pub fn add(&mut self, claim: &Claim, policy: &Policy) {
        let hkd = amount_hkd(claim, policy);
        let merchant = normalize_merchant(&claim.merchant);
        let near =
            near_limit(hkd, conversion_slack(claim, policy), claim.category, policy).is_some();
        self.add_normalized(claim, &merchant, hkd, near);
    }

    /// [`ClaimIndex::add`] with the merchant normalized, the amount in HKD and whether it
    /// is near a limit already known.
    pub fn add_normalized(&mut self, claim: &Claim, merchant: &str, amount_hkd: f64, near: bool) {
        let key = employee_category_key(&claim.employee_id, claim.category);
        if near {
            self.near_limit_dates
                .entry(key)
                .or_default()
                .push(claim.expense_date);
        }
        self.dated_amounts
            .entry(key)
            .or_default()
            .push((claim.expense_date, amount_hkd as f32));
        if let Some(invoice) = claim.invoice_no.as_deref() {
            self.invoices
                .entry(invoice_key(invoice))
                .or_default()
                .add(claim);
        }
        let fingerprint = fingerprint_key(
            &claim.employee_id,
            merchant,
            claim.amount,
            claim.expense_date,
        );
        self.fingerprints.entry(fingerprint).or_default().add(claim);
        self.same_day
            .entry(same_day_key(
                &claim.employee_id,
                merchant,
                claim.expense_date,
            ))
            .or_default()
            .add(amount_hkd);
    }
}

/// The limit a bill split into same-day claims would dodge.
pub fn split_threshold(category: Category, policy: &Policy) -> f64 {
    let limit = policy
        .limit(category)
        .map_or(policy.manager_threshold, |l| {
            l.min(policy.manager_threshold)
        });
    policy
        .tops_from_history
        .get(&category)
        .map_or(limit, |&top| top.min(limit))
}

/// Tables built from history (see the module doc).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    pub claims: u64,
    pub employee_category: KeyMap<Stats>,
    pub department_category: KeyMap<Stats>,
    pub category: Vec<Stats>,
    pub employee_claims: KeyMap<u32>,
    /// ln(1 + days from expense to submission), per claimant and company-wide.
    pub employee_delay: KeyMap<Stats>,
    pub delay: Stats,
    pub employee_weekend: KeyMap<u32>,
    /// Claims paid in HKD on a weekend or public holiday, per claimant: someone who works
    /// weekends only on trips abroad has no weekends at home.
    #[serde(default)]
    pub employee_home_weekend: KeyMap<u32>,
    pub employee_near_limit: KeyMap<u32>,
    pub department_claims: KeyMap<u32>,
    pub employee_merchant: KeyMap<u32>,
    pub merchant_claims: KeyMap<u32>,
    pub merchant_category: KeyMap<u32>,
    pub category_round: Vec<u32>,
    /// Claims per category at whole hundreds under `round_amount_min` (see
    /// [`small_round_amount`]).
    #[serde(default)]
    pub category_small_round: Vec<u32>,
    /// Log amounts per claimant and category, department and category, and category,
    /// with their medians and MADs (robust habits).
    pub employee_amounts: KeyMap<AmountHabit>,
    pub department_amounts: KeyMap<AmountHabit>,
    pub category_amounts: Vec<AmountHabit>,
    /// Claims near a limit, per claimant and category and per category.
    pub employee_category_near: KeyMap<u32>,
    pub category_near: Vec<u32>,
    /// Days on which a claimant's claims at one merchant together passed the split
    /// threshold while each stayed under it, per claimant.
    #[serde(default)]
    pub employee_split_days: KeyMap<u32>,
    pub index: ClaimIndex,
}

impl Profile {
    pub fn build(history: &[Claim], policy: &Policy) -> Profile {
        let mut profile = Profile::default();
        profile.absorb(history, policy);
        profile
    }

    /// [`Profile::build`] with each claim's merchant already normalized (in the same
    /// order), so a caller that needs them too computes them once.
    pub fn build_normalized(history: &[Claim], merchants: &[String], policy: &Policy) -> Profile {
        let mut profile = Profile::default();
        profile.absorb_normalized(history, merchants, policy);
        profile
    }

    /// Adds claims to the history.
    pub fn absorb(&mut self, claims: &[Claim], policy: &Policy) {
        use rayon::prelude::*;
        let merchants: Vec<String> = claims
            .par_iter()
            .map(|c| normalize_merchant(&c.merchant))
            .collect();
        self.absorb_normalized(claims, &merchants, policy);
    }

    fn absorb_normalized(&mut self, claims: &[Claim], merchants: &[String], policy: &Policy) {
        if self.category.len() != Category::ALL.len() {
            self.category = vec![Stats::default(); Category::ALL.len()];
            self.category_round = vec![0; Category::ALL.len()];
        }
        if self.category_small_round.len() != Category::ALL.len() {
            self.category_small_round = vec![0; Category::ALL.len()];
        }
        if self.category_amounts.len() != Category::ALL.len() {
            self.category_amounts = vec![AmountHabit::default(); Category::ALL.len()];
            self.category_near = vec![0; Category::ALL.len()];
        }
        for (claim, merchant) in claims.iter().zip(merchants) {
            self.add(claim, merchant, policy);
        }
        let habits = self
            .employee_amounts
            .values_mut()
            .chain(self.department_amounts.values_mut())
            .chain(self.category_amounts.iter_mut());
        for habit in habits {
            habit.refresh();
        }
    }

    fn add(&mut self, claim: &Claim, merchant: &str, policy: &Policy) {
        let hkd = amount_hkd(claim, policy);
        let x = hkd.ln();
        let (emp, dept, cat) = (&claim.employee_id, &claim.department, claim.category);
        self.claims += 1;
        self.employee_category
            .entry(employee_category_key(emp, cat))
            .or_default()
            .add(x);
        self.department_category
            .entry(department_category_key(dept, cat))
            .or_default()
            .add(x);
        self.category[cat.index()].add(x);
        self.employee_amounts
            .entry(employee_category_key(emp, cat))
            .or_default()
            .push(x);
        self.department_amounts
            .entry(department_category_key(dept, cat))
            .or_default()
            .push(x);
        self.category_amounts[cat.index()].push(x);
        *self.employee_claims.entry(employee_key(emp)).or_default() += 1;
        let delay = log_delay(claim);
        self.employee_delay
            .entry(employee_key(emp))
            .or_default()
            .add(delay);
        self.delay.add(delay);
        let off_day =
            is_weekend(claim.expense_date) || policy.holiday(claim.expense_date).is_some();
        if off_day {
            *self.employee_weekend.entry(employee_key(emp)).or_default() += 1;
        }
        if off_day && paid_at_home(claim) {
            *self
                .employee_home_weekend
                .entry(employee_key(emp))
                .or_default() += 1;
        }
        let near =
            near_limit(hkd, conversion_slack(claim, policy), claim.category, policy).is_some();
        if near {
            *self
                .employee_near_limit
                .entry(employee_key(emp))
                .or_default() += 1;
            *self
                .employee_category_near
                .entry(employee_category_key(emp, cat))
                .or_default() += 1;
            self.category_near[cat.index()] += 1;
        }
        *self
            .department_claims
            .entry(department_key(dept))
            .or_default() += 1;
        *self
            .employee_merchant
            .entry(employee_merchant_key(emp, merchant))
            .or_default() += 1;
        *self
            .merchant_claims
            .entry(merchant_key(merchant))
            .or_default() += 1;
        *self
            .merchant_category
            .entry(merchant_category_key(merchant, cat))
            .or_default() += 1;
        if round_amount(claim.amount, policy) > 0 {
            self.category_round[cat.index()] += 1;
        }
        if small_round_amount(claim, policy) {
            self.category_small_round[cat.index()] += 1;
        }
        let day_key = same_day_key(emp, merchant, claim.expense_date);
        let threshold = split_threshold(cat, policy);
        let was_split = self
            .index
            .same_day
            .get(&day_key)
            .is_some_and(|g| g.split_like(threshold));
        self.index.add_normalized(claim, merchant, hkd, near);
        let is_split = self.index.same_day[&day_key].split_like(threshold);
        if is_split != was_split {
            let days = self
                .employee_split_days
                .entry(employee_key(emp))
                .or_default();
            *days = if is_split {
                *days + 1
            } else {
                days.saturating_sub(1)
            };
        }
    }
}

/// The claim's amount in HKD (a currency the policy no longer lists counts at par). A
/// claim built by hand with a zero, negative or non-finite amount counts as one cent, so
/// the arithmetic downstream stays finite; `read_claims` rejects such rows.
pub fn amount_hkd(claim: &Claim, policy: &Policy) -> f64 {
    let hkd = claim.amount * policy.rate_to_hkd(&claim.currency).unwrap_or(1.0);
    if hkd.is_finite() && hkd >= 0.01 {
        hkd
    } else {
        0.01
    }
}

/// ln(1 + submission delay in days), negative delays counted as none.
pub fn log_delay(claim: &Claim) -> f64 {
    (claim.submission_delay_days().max(0) as f64).ln_1p()
}

/// Paid in HKD, the currency of the company's own city (not on a trip abroad).
pub fn paid_at_home(claim: &Claim) -> bool {
    claim.currency.trim().eq_ignore_ascii_case("HKD")
}

pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The limit (HKD) that `amount_hkd` sits just under, within the policy's band; `slack`
/// is how far over a limit a converted amount may land while meaning the limit itself.
pub fn near_limit(amount_hkd: f64, slack: f64, category: Category, policy: &Policy) -> Option<f64> {
    let band = policy.near_limit_band;
    [policy.limit(category), Some(policy.manager_threshold)]
        .into_iter()
        .flatten()
        .find(|&limit| amount_hkd <= limit + slack && amount_hkd >= limit * (1.0 - band))
}

/// How far (HKD) a foreign-currency amount converted at the policy's rate can overshoot
/// the HKD amount the claimant meant: half the currency's smallest unit in use (whole
/// units for small ones like JPY and TWD, cents otherwise). A bill capped at the limit
/// and paid in CNY is at the limit, not over it.
pub fn conversion_slack(claim: &Claim, policy: &Policy) -> f64 {
    if claim.currency == "HKD" {
        return 0.0;
    }
    policy.rate_to_hkd(&claim.currency).map_or(0.0, |rate| {
        let unit = if rate < 0.5 { 1.0 } else { 0.01 };
        rate * unit / 2.0 + 0.005
    })
}

/// 0: not round; 1: whole hundreds; 2: whole thousands (at or above the policy minimum).
pub fn round_amount(amount: f64, policy: &Policy) -> u8 {
    if amount < policy.round_amount_min {
        return 0;
    }
    let cents = (amount * 100.0).round() as i64;
    if cents % 100_000 == 0 {
        2
    } else if cents % 10_000 == 0 {
        1
    } else {
        0
    }
}

/// Least amount at which a whole hundred under `round_amount_min` can be round (a bill of
/// one hundred-dollar note is too ordinary to say anything).
const SMALL_ROUND_FROM: f64 = 200.0;

/// A whole hundred from 200 up to (not including) `round_amount_min`, in a currency worth
/// at least half a Hong Kong dollar (a JPY 300 bill is small change, not a round figure).
/// Whether it is odd depends on the category: see [`crate::features::Facts::small_round`].
pub fn small_round_amount(claim: &Claim, policy: &Policy) -> bool {
    let amount = claim.amount;
    let cents = (amount * 100.0).round() as i64;
    (SMALL_ROUND_FROM..policy.round_amount_min).contains(&amount)
        && cents % 10_000 == 0
        && policy.rate_to_hkd(&claim.currency).unwrap_or(1.0) >= 0.5
}

pub(crate) fn employee_key(emp: &str) -> u64 {
    Key::new(1).str(emp).get()
}
pub(crate) fn department_key(dept: &str) -> u64 {
    Key::new(2).str(dept).get()
}
pub(crate) fn employee_category_key(emp: &str, cat: Category) -> u64 {
    Key::new(3).str(emp).num(cat.index() as i64).get()
}
pub(crate) fn department_category_key(dept: &str, cat: Category) -> u64 {
    Key::new(4).str(dept).num(cat.index() as i64).get()
}
pub(crate) fn employee_merchant_key(emp: &str, merchant: &str) -> u64 {
    Key::new(5).str(emp).str(merchant).get()
}
pub(crate) fn merchant_key(merchant: &str) -> u64 {
    Key::new(6).str(merchant).get()
}
pub(crate) fn merchant_category_key(merchant: &str, cat: Category) -> u64 {
    Key::new(7).str(merchant).num(cat.index() as i64).get()
}
pub(crate) fn invoice_key(invoice: &str) -> u64 {
    let normalized: String = invoice
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    Key::new(8).str(&normalized).get()
}
pub(crate) fn fingerprint_key(emp: &str, merchant: &str, amount: f64, date: NaiveDate) -> u64 {
    Key::new(9)
        .str(emp)
        .str(merchant)
        .num((amount * 100.0).round() as i64)
        .date(date)
        .get()
}
pub(crate) fn same_day_key(emp: &str, merchant: &str, date: NaiveDate) -> u64 {
    Key::new(10).str(emp).str(merchant).date(date).get()
}
