//! A claim measured against history: the numbers the model and the peers see, and the
//! evidence the rules quote (which claim it duplicates, which holiday it falls on).

use chrono::NaiveDate;

use crate::claim::{Category, Claim};
use crate::keys::normalize_merchant;
use crate::policy::Policy;
use crate::profile::{self, ClaimIndex, ClaimRef, DayGroup, Profile, Stats};
use crate::robust::{personal_centre, Centre};

/// Names of [`Facts::vector`], in order (the header of `mishu expenses features`).
pub const FEATURE_NAMES: [&str; 28] = [
    "log_amount_hkd",
    "amount_z_own",
    "amount_z_department",
    "amount_z_company",
    "limit_ratio",
    "near_limit",
    "over_limit",
    "log_per_attendee_hkd",
    "employee_category_share",
    "department_category_share",
    "log_employee_merchant_claims",
    "log_company_merchant_claims",
    "merchant_category_share",
    "weekend",
    "holiday",
    "submission_delay_days",
    "round_amount",
    "same_day_merchant_others",
    "same_day_merchant_total_ratio",
    "duplicate_invoice",
    "duplicate_fingerprint",
    "log_employee_near_limit_claims",
    "log_employee_claims",
    "employee_weekend_rate",
    "submission_delay_z_own",
    "amount_robust_z_own",
    "near_limit_series",
    "near_limit_elsewhere_share",
];
pub const N_FEATURES: usize = FEATURE_NAMES.len();

/// Where a claim's history lives. A history claim is inside `base` itself and is measured
/// without its own contribution; a new claim is measured against `base`, and against the
/// other claims of its batch for duplicates and splits.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub base: &'a Profile,
    pub batch: Option<&'a ClaimIndex>,
    pub in_base: bool,
    pub policy: &'a Policy,
}

/// Everything measured about one claim.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub amount_hkd: f64,
    pub log_amount: f64,
    pub z_own: f64,
    pub z_department: f64,
    pub z_company: f64,
    pub own_claims_in_category: f64,
    pub limit: Option<f64>,
    pub limit_ratio: f64,
    pub near_limit: Option<f64>,
    pub per_attendee_hkd: Option<f64>,
    pub per_attendee_limit: Option<f64>,
    pub employee_claims: f64,
    pub employee_category_share: f64,
    pub department_category_share: f64,
    pub employee_merchant_claims: f64,
    pub company_merchant_claims: f64,
    /// Of the merchant's claims at this company, the share in this claim's category.
    pub merchant_category_share: f64,
    pub weekend: bool,
    pub holiday: Option<String>,
    pub delay_days: i64,
    /// How much slower than the claimant usually submits (z of the log delay).
    pub delay_z_own: f64,
    pub round: u8,
    pub category_round_rate: f64,
    /// A whole hundred under `round_amount_min` (see [`profile::small_round_amount`]), and
    /// the share of the company's claims in the category that are such amounts.
    pub small_round: bool,
    pub category_small_round_rate: f64,
    /// The company's claims in the category (without this one).
    pub category_claims: f64,
    pub same_day_others: u32,
    pub same_day_total_hkd: f64,
    /// The smallest of those same-day bills (this one included).
    pub same_day_min_hkd: f64,
    /// Same-day claims at the merchant are one amount repeated (a duplicate, not a split).
    pub same_day_identical: bool,
    pub split_threshold: f64,
    /// The claimant's earlier days with split-like claims at one merchant (see
    /// [`profile::DayGroup::split_like`]).
    pub employee_split_days: u32,
    /// How far over a limit the converted amount may land while meaning the limit.
    pub conversion_slack: f64,
    pub duplicate_invoice: Option<ClaimRef>,
    pub duplicate_fingerprint: Option<ClaimRef>,
    /// Same claimant, merchant and amount a day before or after.
    pub near_duplicate: Option<ClaimRef>,
    pub employee_near_limit_claims: f64,
    pub employee_weekend_rate: f64,
    /// The claim is paid in HKD, and the share of the claimant's claims that were paid in
    /// HKD on a weekend or public holiday (their days off worked at home, not on trips).
    pub paid_at_home: bool,
    pub employee_home_weekend_rate: f64,
    /// Robust z of the log amount against the claimant's habit in the category (median
    /// and MAD, shrunk toward the department's and the company's for short histories).
    pub amount_robust_z: f64,
    /// The claimant's usual amount in the category (HKD, that habit's median) and the
    /// department's.
    pub usual_hkd: f64,
    pub department_usual_hkd: f64,
    /// Log of the amount over the top of the claimant's ordinary range in the category
    /// (their 90th percentile, shrunk like the median); ln 2: twice that.
    pub above_usual_range: f64,
    /// The top of the claimant's ordinary range in the category (HKD, their 90th
    /// percentile shrunk like the median; 0 without any history in the category).
    pub usual_top_hkd: f64,
    /// Near-limit claims by the claimant in this category within
    /// [`NEAR_LIMIT_WINDOW_DAYS`] either side of this one (itself included; 0 when this
    /// claim is not near a limit), this claim's place among them by date, and their span.
    pub near_series: u32,
    pub near_series_rank: u32,
    pub near_series_first: Option<NaiveDate>,
    pub near_series_last: Option<NaiveDate>,
    /// The claimant's other near-limit claims in this category, outside that window.
    pub near_elsewhere: u32,
    /// Share of the company's claims in this category that sit near a limit.
    pub category_near_rate: f64,
    /// For a claim far above the claimant's usual amount and near no known limit: their
    /// claims in the category within [`NEAR_LIMIT_WINDOW_DAYS`] either side at nearly the
    /// same amount (itself included), its place among them, their span and range, and
    /// whether any lies more than a day away (consecutive hotel nights are one stay).
    pub amount_run: u32,
    pub amount_run_rank: u32,
    pub amount_run_first: Option<NaiveDate>,
    pub amount_run_last: Option<NaiveDate>,
    pub amount_run_low: f64,
    pub amount_run_high: f64,
    pub amount_run_spread_out: bool,
    /// The claimant's claims at that amount outside the window.
    pub amount_run_elsewhere: u32,
}

/// Log distance within which two amounts count as "the same amount" for a run (3%).
const RUN_BAND: f64 = 0.03;
/// Least multiple of the claimant's usual amount a run is looked for at.
const RUN_MIN_RATIO: f64 = 2.5;

/// Days either side of a near-limit claim in which the claimant's other near-limit claims
/// in the category make a series.
pub const NEAR_LIMIT_WINDOW_DAYS: i64 = 30;

/// Own claims in a category from which a near-limit habit can be told apart from chance.
pub const NEAR_LIMIT_HABIT_CLAIMS: f64 = 5.0;
/// Share of a claimant's claims in a category near the limit that makes it their habit.
pub const NEAR_LIMIT_HABIT_SHARE: f64 = 0.25;

/// Claims with fewer of their own claims in a category than this lean on their
/// department's pattern.
const SHRINK_CLAIMS: f64 = 5.0;
/// Smallest spread of log amounts assumed (amounts within ~10% of each other are not
/// "unusual" against each other).
const MIN_LOG_SD: f64 = 0.1;

impl Facts {
    pub fn measure(claim: &Claim, cx: Context<'_>) -> Facts {
        Facts::measure_normalized(claim, &normalize_merchant(&claim.merchant), cx)
    }

    /// [`Facts::measure`] with the merchant already normalized.
    pub fn measure_normalized(claim: &Claim, merchant: &str, cx: Context<'_>) -> Facts {
        let policy = cx.policy;
        let base = cx.base;
        let hkd = profile::amount_hkd(claim, policy);
        let x = hkd.ln();
        let cat = claim.category;
        let own = |stats: Stats| if cx.in_base { stats.without(x) } else { stats };
        let minus_self = |n: u32| f64::from(n) - if cx.in_base { 1.0 } else { 0.0 };
        let get = |map: &crate::keys::KeyMap<u32>, key: u64| map.get(&key).copied().unwrap_or(0);

        let company = own(base.category.get(cat.index()).copied().unwrap_or_default());
        let department = own(base
            .department_category
            .get(&profile::department_category_key(&claim.department, cat))
            .copied()
            .unwrap_or_default());
        let employee = own(base
            .employee_category
            .get(&profile::employee_category_key(&claim.employee_id, cat))
            .copied()
            .unwrap_or_default());
        let z_company = z_score(x, company, None);
        let department_prior = if department.n >= 3.0 {
            department
        } else {
            company
        };
        let z_department = z_score(x, department, Some(company));
        let z_own = z_score(x, employee, Some(department_prior));
        let leave_out = cx.in_base.then_some(x);
        let habit_centre = |habit: Option<&crate::robust::AmountHabit>| {
            habit.map_or(
                Centre {
                    n: 0.0,
                    median: 0.0,
                    spread: 0.0,
                    upper: 0.0,
                },
                |h| h.centre(leave_out),
            )
        };
        let company_habit = habit_centre(base.category_amounts.get(cat.index()));
        let department_habit = habit_centre(
            base.department_amounts
                .get(&profile::department_category_key(&claim.department, cat)),
        );
        let own_habit = habit_centre(
            base.employee_amounts
                .get(&profile::employee_category_key(&claim.employee_id, cat)),
        );
        let usual = personal_centre(own_habit, department_habit, company_habit);
        let department_usual = department_habit.shrunk_toward(company_habit, 25.0);
        let log_delay = profile::log_delay(claim);
        let delay_own = base
            .employee_delay
            .get(&profile::employee_key(&claim.employee_id))
            .copied()
            .unwrap_or_default();
        let delay_own = if cx.in_base {
            delay_own.without(log_delay)
        } else {
            delay_own
        };
        let delay_company = if cx.in_base {
            base.delay.without(log_delay)
        } else {
            base.delay
        };
        let delay_z_own = z_score(log_delay, delay_own, Some(delay_company));

        let limit = policy.limit(cat);
        let limit_ratio = limit.map_or(0.0, |l| hkd / l);
        let per_attendee_limit = policy.per_attendee_limits.get(&cat).copied();
        let per_attendee_hkd = claim
            .attendees
            .filter(|_| matches!(cat, Category::Meals | Category::Entertainment))
            .map(|n| hkd / f64::from(n.max(1)));

        let emp_key = profile::employee_key(&claim.employee_id);
        let employee_claims = minus_self(get(&base.employee_claims, emp_key)).max(0.0);
        let department_claims = minus_self(get(
            &base.department_claims,
            profile::department_key(&claim.department),
        ))
        .max(0.0);
        let employee_merchant_claims = minus_self(get(
            &base.employee_merchant,
            profile::employee_merchant_key(&claim.employee_id, merchant),
        ))
        .max(0.0);
        let company_merchant_claims =
            minus_self(get(&base.merchant_claims, profile::merchant_key(merchant))).max(0.0);
        let merchant_in_category = minus_self(get(
            &base.merchant_category,
            profile::merchant_category_key(merchant, cat),
        ))
        .max(0.0);
        let merchant_category_share = if company_merchant_claims > 0.0 {
            merchant_in_category / company_merchant_claims
        } else {
            0.0
        };

        let weekend = profile::is_weekend(claim.expense_date);
        let holiday = policy.holiday(claim.expense_date).map(str::to_string);
        let slack = profile::conversion_slack(claim, policy);
        let near_limit = profile::near_limit(hkd, slack, cat, policy);
        let off_day = u32::from(weekend || holiday.is_some());
        let employee_weekend = minus_self_if(
            get(&base.employee_weekend, emp_key),
            cx.in_base && off_day > 0,
        );
        let at_home = profile::paid_at_home(claim);
        let employee_home_weekend = minus_self_if(
            get(&base.employee_home_weekend, emp_key),
            cx.in_base && at_home && off_day > 0,
        );
        let near_limit_claims = minus_self_if(
            get(&base.employee_near_limit, emp_key),
            cx.in_base && near_limit.is_some(),
        );
        let round = profile::round_amount(claim.amount, policy);
        let category_claims = company.n.max(1.0);
        let small_round = profile::small_round_amount(claim, policy);
        let category_small_round = minus_self_if(
            base.category_small_round
                .get(cat.index())
                .copied()
                .unwrap_or(0),
            cx.in_base && small_round,
        );
        let category_round = minus_self_if(
            base.category_round.get(cat.index()).copied().unwrap_or(0),
            cx.in_base && round > 0,
        );

        let indexes = [Some(&base.index), cx.batch].into_iter().flatten();
        let mut facts = Facts {
            amount_hkd: hkd,
            log_amount: x,
            z_own,
            z_department,
            z_company,
            own_claims_in_category: employee.n,
            limit,
            limit_ratio,
            near_limit,
            per_attendee_hkd,
            per_attendee_limit,
            employee_claims,
            employee_category_share: share(employee.n, employee_claims),
            department_category_share: share(department.n, department_claims),
            employee_merchant_claims,
            company_merchant_claims,
            merchant_category_share,
            weekend,
            holiday,
            delay_days: claim.submission_delay_days(),
            delay_z_own,
            round,
            category_round_rate: category_round / category_claims,
            small_round,
            category_small_round_rate: category_small_round / category_claims,
            category_claims: company.n,
            split_threshold: profile::split_threshold(cat, policy),
            employee_split_days: get(&base.employee_split_days, emp_key),
            conversion_slack: slack,
            employee_near_limit_claims: near_limit_claims,
            employee_weekend_rate: share(employee_weekend, employee_claims),
            paid_at_home: at_home,
            employee_home_weekend_rate: share(employee_home_weekend, employee_claims),
            amount_robust_z: if company_habit.n > 0.0 {
                usual.z(x)
            } else {
                0.0
            },
            usual_hkd: usual.median.exp(),
            above_usual_range: if company_habit.n > 0.0 {
                usual.above_range(x)
            } else {
                0.0
            },
            usual_top_hkd: if company_habit.n > 0.0 {
                (x - usual.above_range(x)).exp()
            } else {
                0.0
            },
            department_usual_hkd: department_usual.median.exp(),
            category_near_rate: share(
                f64::from(base.category_near.get(cat.index()).copied().unwrap_or(0)),
                base.category_amounts
                    .get(cat.index())
                    .map_or(0.0, |h| h.len() as f64),
            ),
            ..Facts::default()
        };
        if near_limit.is_some() {
            facts.near_limit_series(claim, base, cx.batch);
        } else if !cx.in_base
            && facts.above_usual_range > 0.0
            && hkd >= RUN_MIN_RATIO * facts.usual_hkd
        {
            facts.amount_run(claim, base, cx.batch);
        }
        let mut day = DayGroup::default();
        for (index, is_batch) in indexes.zip([false, true]) {
            facts.look_for_duplicates(claim, merchant, index, is_batch);
            if let Some(group) = index.same_day.get(&profile::same_day_key(
                &claim.employee_id,
                merchant,
                claim.expense_date,
            )) {
                day = merge_groups(day, *group);
            }
        }
        // The claim itself is in one of the indexes: the others are the rest.
        facts.same_day_others = day.count.saturating_sub(1);
        facts.same_day_total_hkd = day.total_hkd.max(hkd);
        facts.same_day_min_hkd = if day.count > 0 {
            day.min_hkd.min(hkd)
        } else {
            hkd
        };
        facts.same_day_identical = day.count >= 2 && (day.max_hkd - day.min_hkd).abs() < 0.005;
        facts
    }

    /// The claimant's near-limit claims in this category around this one (history and
    /// batch) and elsewhere in history.
    fn near_limit_series(&mut self, claim: &Claim, base: &Profile, batch: Option<&ClaimIndex>) {
        let key = profile::employee_category_key(&claim.employee_id, claim.category);
        let day = claim.expense_date;
        let window = chrono::Duration::days(NEAR_LIMIT_WINDOW_DAYS);
        let in_window = |d: &&NaiveDate| **d >= day - window && **d <= day + window;
        let base_dates = base.index.near_limit_dates.get(&key);
        let batch_dates = batch.and_then(|b| b.near_limit_dates.get(&key));
        let base_in_window = base_dates.map_or(0, |v| v.iter().filter(in_window).count());
        let base_total = base_dates.map_or(0, Vec::len);
        let (mut count, mut rank) = (0u32, 0u32);
        let (mut first, mut last) = (day, day);
        for d in [base_dates, batch_dates]
            .into_iter()
            .flatten()
            .flatten()
            .filter(in_window)
        {
            count += 1;
            rank += u32::from(*d <= day);
            first = first.min(*d);
            last = last.max(*d);
        }
        // A claim scored without its batch (a hand-built context) still counts itself.
        self.near_series = count.max(1);
        self.near_series_rank = rank.clamp(1, self.near_series);
        self.near_series_first = Some(first);
        self.near_series_last = Some(last);
        self.near_elsewhere = (base_total - base_in_window) as u32;
    }

    /// A claim of `index` this one repeats (in the batch being scored, an earlier
    /// submission if there is one: of two copies, the later is the duplicate).
    /// The claimant's claims in this category around this one at nearly its amount.
    fn amount_run(&mut self, claim: &Claim, base: &Profile, batch: Option<&ClaimIndex>) {
        let key = profile::employee_category_key(&claim.employee_id, claim.category);
        let day = claim.expense_date;
        let x = self.log_amount;
        let (mut count, mut rank, mut elsewhere) = (0u32, 0u32, 0u32);
        let (mut first, mut last) = (day, day);
        let (mut low, mut high) = (self.amount_hkd, self.amount_hkd);
        let mut spread_out = false;
        let lists = [Some(&base.index), batch]
            .into_iter()
            .flatten()
            .filter_map(|index| index.dated_amounts.get(&key));
        for &(d, amount) in lists.flatten() {
            let amount = f64::from(amount);
            if (amount.ln() - x).abs() > RUN_BAND {
                continue;
            }
            if (d - day).num_days().abs() > NEAR_LIMIT_WINDOW_DAYS {
                elsewhere += 1;
                continue;
            }
            count += 1;
            rank += u32::from(d <= day);
            first = first.min(d);
            last = last.max(day.max(d));
            low = low.min(amount);
            high = high.max(amount);
            spread_out |= (d - day).num_days().abs() >= 2;
        }
        // Scored without its batch, the claim still counts itself.
        let in_batch = batch.is_some();
        self.amount_run = (count + u32::from(!in_batch)).max(1);
        self.amount_run_rank = (rank + u32::from(!in_batch)).clamp(1, self.amount_run);
        self.amount_run_first = Some(first);
        self.amount_run_last = Some(last);
        self.amount_run_low = low;
        self.amount_run_high = high;
        self.amount_run_spread_out = spread_out;
        self.amount_run_elsewhere = elsewhere;
    }

    fn look_for_duplicates(
        &mut self,
        claim: &Claim,
        merchant: &str,
        index: &ClaimIndex,
        is_batch: bool,
    ) {
        let id = claim.claim_id.as_str();
        // In the batch an earlier copy is preferred: this claim then repeats it.
        let other = |seen: &profile::Seen| {
            if is_batch {
                seen.earlier_than(claim)
                    .or_else(|| seen.other_than(id))
                    .cloned()
            } else {
                // History came first, whatever its timestamps say.
                seen.other_than(id).map(|r| ClaimRef {
                    submitted_at: None,
                    ..r.clone()
                })
            }
        };
        if self.duplicate_invoice.is_none() {
            if let Some(invoice) = claim.invoice_no.as_deref() {
                self.duplicate_invoice = index
                    .invoices
                    .get(&profile::invoice_key(invoice))
                    .and_then(other);
            }
        }
        let fingerprint =
            |date| profile::fingerprint_key(&claim.employee_id, merchant, claim.amount, date);
        if self.duplicate_fingerprint.is_none() {
            self.duplicate_fingerprint = index
                .fingerprints
                .get(&fingerprint(claim.expense_date))
                .and_then(other);
        }
        if self.near_duplicate.is_none() {
            let neighbours = [claim.expense_date.pred_opt(), claim.expense_date.succ_opt()];
            self.near_duplicate = neighbours
                .into_iter()
                .flatten()
                .find_map(|date| index.fingerprints.get(&fingerprint(date)).and_then(other));
        }
    }

    /// Whether claiming near this limit is the claimant's habit in the category (a hotel
    /// rate at the allowance, a meal allowance spent to the dollar): a quarter or more of
    /// at least five earlier claims.
    pub fn near_limit_habitual(&self) -> bool {
        self.own_claims_in_category >= NEAR_LIMIT_HABIT_CLAIMS
            && f64::from(self.near_elsewhere) / self.own_claims_in_category
                >= NEAR_LIMIT_HABIT_SHARE
    }

    /// The limit this claim is over (HKD), beyond the currency conversion's slack.
    pub fn over_limit(&self) -> Option<f64> {
        self.limit
            .filter(|&l| self.amount_hkd > l + self.conversion_slack)
    }

    /// The numbers of [`FEATURE_NAMES`].
    pub fn vector(&self) -> [f64; N_FEATURES] {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        let over = self.limit_ratio > 1.0
            || matches!((self.per_attendee_hkd, self.per_attendee_limit), (Some(p), Some(l)) if p > l);
        [
            self.log_amount,
            self.z_own,
            self.z_department,
            self.z_company,
            self.limit_ratio,
            flag(self.near_limit.is_some()),
            flag(over),
            self.per_attendee_hkd.map_or(0.0, f64::ln),
            self.employee_category_share,
            self.department_category_share,
            self.employee_merchant_claims.ln_1p(),
            self.company_merchant_claims.ln_1p(),
            self.merchant_category_share,
            flag(self.weekend),
            flag(self.holiday.is_some()),
            self.delay_days as f64,
            f64::from(self.round),
            f64::from(self.same_day_others),
            self.same_day_total_hkd / self.split_threshold,
            flag(self.duplicate_invoice.is_some()),
            flag(self.duplicate_fingerprint.is_some() || self.near_duplicate.is_some()),
            self.employee_near_limit_claims.ln_1p(),
            self.employee_claims.ln_1p(),
            self.employee_weekend_rate,
            self.delay_z_own,
            self.amount_robust_z,
            f64::from(self.near_series),
            share(f64::from(self.near_elsewhere), self.own_claims_in_category),
        ]
    }
}

fn minus_self_if(n: u32, contains_self: bool) -> f64 {
    f64::from(n.saturating_sub(u32::from(contains_self)))
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        (part / whole).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How many spreads `x` lies above the typical log amount. Few observations borrow
/// strength from `prior` (the department or company pattern).
fn z_score(x: f64, stats: Stats, prior: Option<Stats>) -> f64 {
    let (mean, variance) = match prior {
        Some(p) if p.n >= 2.0 => {
            let w = stats.n / (stats.n + SHRINK_CLAIMS);
            let pooled_var = if stats.n >= 2.0 {
                w * stats.variance() + (1.0 - w) * p.variance()
            } else {
                p.variance()
            };
            (w * stats.mean + (1.0 - w) * p.mean, pooled_var)
        }
        _ if stats.n >= 1.0 => (stats.mean, stats.variance()),
        _ => return 0.0,
    };
    (x - mean) / variance.sqrt().max(MIN_LOG_SD)
}

fn merge_groups(a: DayGroup, b: DayGroup) -> DayGroup {
    if a.count == 0 {
        return b;
    }
    if b.count == 0 {
        return a;
    }
    DayGroup {
        count: a.count + b.count,
        total_hkd: a.total_hkd + b.total_hkd,
        min_hkd: a.min_hkd.min(b.min_hkd),
        max_hkd: a.max_hkd.max(b.max_hkd),
    }
}
