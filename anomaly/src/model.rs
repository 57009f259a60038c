//! The fitted model: the history profile, one Gaussian mixture per category over the
//! claim's continuous features, and each mixture's calibration (how surprising history
//! itself was), in a versioned, self-describing JSON file.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::ceilings::{infer_ceilings, infer_late_window, infer_per_attendee_tops, infer_tops};
use crate::claim::{Category, Claim};
use crate::density::Mixture;
use crate::error::{Error, Result};
use crate::features::{Context, Facts, FEATURE_NAMES};
use crate::keys::normalize_merchant;
use crate::policy::Policy;
use crate::profile::Profile;
use crate::robust::StrayTail;
use crate::rules::unusual_amount_strength;

pub const MODEL_FORMAT: &str = "mishu-expense-model";
pub const MODEL_VERSION: u32 = 2;
/// Fewer history claims than this cannot describe a company.
pub const MIN_HISTORY: usize = 30;

/// Which of [`FEATURE_NAMES`] the mixtures see: the continuous ones that describe a normal
/// claim (the yes/no policy signals are left to the rules).
pub const MODEL_FEATURES: [usize; 9] = [0, 1, 2, 7, 8, 10, 11, 24, 15];
/// Smallest spread of each model feature: log amounts 5%, z-scores a quarter, shares 5
/// points, log counts a quarter, log delay 10%.
const MODEL_FEATURE_MIN_SCALE: [f64; 9] = [0.05, 0.25, 0.25, 0.05, 0.05, 0.25, 0.25, 0.25, 0.1];
const COMPONENTS: usize = 4;
/// Categories with fewer claims share the company-wide mixture.
const MIN_CATEGORY_CLAIMS: usize = 60;
/// Points of the calibration curve (quantiles of history's surprise).
const CALIBRATION_POINTS: usize = 201;
/// A mixture of a few components is fitted well by this many claims; more only costs time.
/// (Calibration still uses every claim.)
const MAX_FIT_ROWS: usize = 2000;
/// Past claims in a category from which how far they stray above their claimant's usual
/// is known well enough (one in a thousand is a claim).
const MIN_STRAY_TAIL_CLAIMS: usize = 1000;
/// The company-wide mixture only stands in for categories with little history.
const FALLBACK_FIT_ROWS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    pub format: String,
    pub version: u32,
    pub engine: String,
    pub seed: u64,
    pub history_claims: usize,
    pub first_expense: Option<chrono::NaiveDate>,
    pub last_expense: Option<chrono::NaiveDate>,
    pub features: Vec<String>,
    pub model_features: Vec<String>,
}

/// A mixture and the sorted quantiles of its surprise over history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibratedMixture {
    pub mixture: Mixture,
    pub quantiles: Vec<f64>,
}

impl CalibratedMixture {
    /// Fraction of history less surprising than `surprise` (1.0 beyond all of it).
    pub fn tail_rank(&self, surprise: f64) -> f64 {
        let q = &self.quantiles;
        if q.is_empty() || surprise.is_nan() {
            return 0.0;
        }
        let above = q.partition_point(|&v| v < surprise);
        if above == 0 {
            return 0.0;
        }
        if above >= q.len() {
            return 1.0;
        }
        let (lo, hi) = (q[above - 1], q[above]);
        let frac = if hi > lo {
            (surprise - lo) / (hi - lo)
        } else {
            0.5
        };
        ((above - 1) as f64 + frac) / (q.len() - 1) as f64
    }

    /// How far past the most surprising history claim, in spreads of history's top 10%:
    /// 0 inside history, growing beyond it.
    pub fn beyond_history(&self, surprise: f64) -> f64 {
        let q = &self.quantiles;
        let (Some(&max), Some(&p90)) = (q.last(), q.get(q.len() * 9 / 10)) else {
            return 0.0;
        };
        ((surprise - max) / (max - p90).max(1e-6)).max(0.0)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    pub header: ModelHeader,
    pub profile: Profile,
    pub company: CalibratedMixture,
    /// By [`Category::index`]; `None` falls back to `company`.
    pub categories: Vec<Option<CalibratedMixture>>,
    /// Limits the history shows where the policy set none (see [`Policy::limits_from_history`]).
    #[serde(default)]
    pub ceilings: BTreeMap<Category, f64>,
    /// The submission window history shows where the policy set none (see
    /// [`Policy::with_late_window_from_history`]).
    #[serde(default)]
    pub late_window: Option<i64>,
    /// History's highest claim per category whose default limit the company never comes
    /// near (see [`Policy::with_tops_from_history`]).
    #[serde(default)]
    pub tops: BTreeMap<Category, f64>,
    /// History's highest amount a head where the policy sets no per-head limit and the
    /// company never comes near the default.
    #[serde(default)]
    pub per_attendee_tops: BTreeMap<Category, f64>,
    /// How far history's claims strayed above their claimant's usual amount, per category
    /// (see [`Policy::with_stray_tails_from_history`]).
    #[serde(default)]
    pub stray_tails: BTreeMap<Category, StrayTail>,
}

impl Model {
    /// Fits on past claims. The same history, policy and seed give the same model.
    pub fn fit(history: &[Claim], policy: &Policy, seed: u64) -> Result<Model> {
        if history.len() < MIN_HISTORY {
            return Err(Error::TooFewClaims(history.len(), MIN_HISTORY));
        }
        let ceilings = infer_ceilings(history, policy);
        let late_window = infer_late_window(history, policy);
        let tops = infer_tops(history, policy, &ceilings);
        let per_attendee_tops = infer_per_attendee_tops(history, policy);
        let policy = &policy
            .with_limits_from_history(&ceilings)
            .with_late_window_from_history(late_window)
            .with_tops_from_history(&tops)
            .with_per_attendee_tops_from_history(&per_attendee_tops);
        let merchants: Vec<String> = history
            .par_iter()
            .map(|c| normalize_merchant(&c.merchant))
            .collect();
        let profile = Profile::build_normalized(history, &merchants, policy);
        let cx = Context {
            base: &profile,
            batch: None,
            in_base: true,
            policy,
        };
        let (rows, strays): (Vec<Vec<f64>>, Vec<Option<f64>>) = history
            .par_iter()
            .zip(&merchants)
            .map(|(c, m)| {
                let facts = Facts::measure_normalized(c, m, cx);
                (model_row(&facts), unusual_amount_strength(&facts))
            })
            .unzip();
        let stray_tails = Category::ALL
            .iter()
            .filter_map(|&cat| {
                let mine = || {
                    history
                        .iter()
                        .zip(&strays)
                        .filter(move |(c, _)| c.category == cat)
                };
                let claims = mine().count();
                (claims >= MIN_STRAY_TAIL_CLAIMS).then(|| {
                    let strengths = mine().filter_map(|(_, s)| *s).collect();
                    (cat, StrayTail::from_strengths(claims, strengths))
                })
            })
            .collect();

        let company = calibrate(&rows, FALLBACK_FIT_ROWS, seed)?;
        let categories = Category::ALL
            .par_iter()
            .map(|&cat| {
                let rows: Vec<Vec<f64>> = history
                    .iter()
                    .zip(&rows)
                    .filter(|(c, _)| c.category == cat)
                    .map(|(_, r)| r.clone())
                    .collect();
                if rows.len() < MIN_CATEGORY_CLAIMS {
                    return Ok(None);
                }
                calibrate(
                    &rows,
                    MAX_FIT_ROWS,
                    seed.wrapping_add(1 + cat.index() as u64),
                )
                .map(Some)
            })
            .collect::<Result<Vec<_>>>()?;

        let header = ModelHeader {
            format: MODEL_FORMAT.into(),
            version: MODEL_VERSION,
            engine: format!(
                "linfa-clustering GaussianMixtureModel, full covariance, up to {COMPONENTS} components per category"
            ),
            seed,
            history_claims: history.len(),
            first_expense: history.iter().map(|c| c.expense_date).min(),
            last_expense: history.iter().map(|c| c.expense_date).max(),
            features: FEATURE_NAMES.iter().map(|s| s.to_string()).collect(),
            model_features: MODEL_FEATURES.iter().map(|&i| FEATURE_NAMES[i].to_string()).collect(),
        };
        Ok(Model {
            header,
            profile,
            company,
            categories,
            ceilings,
            late_window,
            tops,
            per_attendee_tops,
            stray_tails,
        })
    }

    pub fn mixture_for(&self, category: Category) -> &CalibratedMixture {
        self.categories
            .get(category.index())
            .and_then(Option::as_ref)
            .unwrap_or(&self.company)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        let mut out = BufWriter::new(file);
        self.write_to(&mut out).map_err(io)?;
        out.flush().map_err(io)
    }

    pub fn write_to<W: Write>(&self, writer: W) -> std::io::Result<()> {
        serde_json::to_writer(writer, self).map_err(std::io::Error::other)
    }

    pub fn load(path: &Path) -> Result<Model> {
        let file = File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::read_from(BufReader::new(file)).map_err(|message| Error::ModelFile {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Reads a model, checking its header first so a wrong file says what it is.
    pub fn read_from<R: Read>(reader: R) -> std::result::Result<Model, String> {
        let value: serde_json::Value = serde_json::from_reader(reader)
            .map_err(|e| format!("not a mishu expense model (not JSON: {e})"))?;
        let header: ModelHeader =
            serde_json::from_value(value.get("header").cloned().unwrap_or_default())
                .map_err(|_| "not a mishu expense model (no header)".to_string())?;
        if header.format != MODEL_FORMAT {
            return Err(format!(
                "format {:?}, expected {MODEL_FORMAT:?}",
                header.format
            ));
        }
        if header.version != MODEL_VERSION {
            return Err(format!(
                "model version {}, this mishu reads version {MODEL_VERSION}: retrain with `mishu expenses train`",
                header.version
            ));
        }
        let model: Model =
            serde_json::from_value(value).map_err(|e| format!("damaged model file: {e}"))?;
        let d = MODEL_FEATURES.len();
        let consistent = |m: &CalibratedMixture| {
            m.mixture.is_consistent(d)
                && !m.quantiles.is_empty()
                && m.quantiles.windows(2).all(|w| w[0] <= w[1])
        };
        if !consistent(&model.company) || !model.categories.iter().flatten().all(consistent) {
            return Err("damaged model file: mixture sizes or numbers do not fit together".into());
        }
        Ok(model)
    }
}

pub(crate) fn model_row(facts: &Facts) -> Vec<f64> {
    let all = facts.vector();
    let mut row: Vec<f64> = MODEL_FEATURES.iter().map(|&i| all[i]).collect();
    // Delay is heavy-tailed; the mixture sees its logarithm.
    if let Some(delay) = row.last_mut() {
        *delay = delay.max(0.0).ln_1p();
    }
    row
}

fn calibrate(rows: &[Vec<f64>], max_fit_rows: usize, seed: u64) -> Result<CalibratedMixture> {
    let mixture = Mixture::fit(
        &sample(rows, max_fit_rows, seed),
        &MODEL_FEATURE_MIN_SCALE,
        COMPONENTS,
        seed,
    )?;
    let mut surprise: Vec<f64> = rows.par_iter().map(|r| mixture.surprise(r)).collect();
    surprise.sort_by(f64::total_cmp);
    let last = surprise.len() - 1;
    let quantiles = (0..CALIBRATION_POINTS)
        .map(|i| surprise[i * last / (CALIBRATION_POINTS - 1)])
        .collect();
    Ok(CalibratedMixture { mixture, quantiles })
}

/// At most `max` rows, drawn without replacement, the same for the same seed.
fn sample(rows: &[Vec<f64>], max: usize, seed: u64) -> Vec<Vec<f64>> {
    use rand::seq::index;
    use rand_xoshiro::rand_core::SeedableRng;
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(seed);
    let mut picked = index::sample(&mut rng, rows.len(), max).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| rows[i].clone()).collect()
}
