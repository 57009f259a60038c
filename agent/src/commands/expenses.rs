//! `mishu expenses train | score | synth | features`: the expense-review engine
//! (`anomaly`) on files.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anomaly::{read_claims, Assessment, Claim, Model, Policy, RowError, Scorer};
use anyhow::Context as _;

use crate::cli::ExpensesCommand;
use crate::exit::BadInput;

pub fn run(cmd: ExpensesCommand) -> anyhow::Result<()> {
    match cmd {
        ExpensesCommand::Train {
            history,
            out,
            policy,
            seed,
            json,
        } => {
            let policy = load_policy(policy.as_deref())?;
            let (history, rejected) = load_claims(&history, &policy)?;
            let model = fit(&history, &policy, seed)?;
            model
                .save(&out)
                .with_context(|| format!("writing the model to {}", out.display()))?;
            if json {
                println!("{}", serde_json::to_string(&model.header)?);
            } else {
                let h = &model.header;
                println!(
                    "model {} v{} from {} claims ({} to {}) written to {}",
                    h.format,
                    h.version,
                    h.history_claims,
                    h.first_expense.map(|d| d.to_string()).unwrap_or_default(),
                    h.last_expense.map(|d| d.to_string()).unwrap_or_default(),
                    out.display()
                );
            }
            rejected_rows_are_bad_input(&rejected)
        }
        ExpensesCommand::Score {
            claims,
            history,
            model,
            policy,
            seed,
            json,
            timings,
        } => {
            let policy = load_policy(policy.as_deref())?;
            let started = Instant::now();
            let (new, mut rejected) = load_claims(&claims, &policy)?;
            let read_s = started.elapsed().as_secs_f64();
            let mut fit_s = 0.0;
            let model = match (history, model) {
                (Some(history), _) => {
                    let (history, bad) = load_claims(&history, &policy)?;
                    rejected.extend(bad);
                    let started = Instant::now();
                    let model = fit(&history, &policy, seed)?;
                    fit_s = started.elapsed().as_secs_f64();
                    model
                }
                (None, Some(path)) => Model::load(&path).map_err(bad_input_if_users)?,
                (None, None) => return Err(BadInput("give --history or --model".into()).into()),
            };
            let scorer = Scorer::new(model, policy);
            let started = Instant::now();
            let assessments = scorer.score(&new);
            let score_s = started.elapsed().as_secs_f64();
            if timings {
                eprintln!(
                    "{}",
                    serde_json::json!({
                        "claims": new.len(), "read_s": read_s, "fit_s": fit_s, "score_s": score_s,
                        "claims_per_s": new.len() as f64 / score_s.max(1e-9),
                    })
                );
            }
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            if json {
                serde_json::to_writer(&mut out, &assessments)?;
                writeln!(out)?;
            } else {
                write_table(&mut out, &new, &assessments)?;
            }
            out.flush()?;
            rejected_rows_are_bad_input(&rejected)
        }
        ExpensesCommand::Synth {
            out_dir,
            seed,
            employees,
            anomaly_rate,
        } => {
            if !(0.0..=0.5).contains(&anomaly_rate) || employees == 0 {
                return Err(BadInput(
                    "--anomaly-rate must be in [0, 0.5] and --employees > 0".into(),
                )
                .into());
            }
            let config = anomaly::synth::SynthConfig {
                seed,
                employees,
                anomaly_rate,
                ..Default::default()
            };
            let data = anomaly::synth::generate(&config, &Policy::default());
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
            let history_path = out_dir.join("history.csv");
            let new_path = out_dir.join("new.csv");
            write_csv(&history_path, &data.history, None)?;
            write_csv(&new_path, &data.new_claims, Some(&data.labels))?;
            let anomalies = data
                .labels
                .iter()
                .filter(|l| *l != anomaly::synth::NORMAL)
                .count();
            println!(
                "{} history claims -> {}\n{} new claims ({} labelled anomalies) -> {}",
                data.history.len(),
                history_path.display(),
                data.new_claims.len(),
                anomalies,
                new_path.display()
            );
            Ok(())
        }
        ExpensesCommand::Features {
            history,
            claims,
            policy,
        } => {
            let policy = load_policy(policy.as_deref())?;
            let (history, mut rejected) = load_claims(&history, &policy)?;
            let (rows, ids): (Vec<_>, Vec<&str>) = match &claims {
                None => (
                    anomaly::history_features(&history, &policy),
                    history.iter().map(|c| c.claim_id.as_str()).collect(),
                ),
                Some(_) => (Vec::new(), Vec::new()),
            };
            let new;
            let (rows, ids) = match claims {
                None => (rows, ids),
                Some(path) => {
                    let (claims, bad) = load_claims(&path, &policy)?;
                    rejected.extend(bad);
                    new = claims;
                    let scorer = Scorer::new(fit(&history, &policy, 42)?, policy);
                    (
                        scorer.features(&new),
                        new.iter().map(|c| c.claim_id.as_str()).collect(),
                    )
                }
            };
            let stdout = std::io::stdout();
            let mut csv = anomaly_csv_writer(stdout.lock());
            let mut header = vec!["claim_id"];
            header.extend(anomaly::FEATURE_NAMES);
            csv.write_record(&header)?;
            for (id, row) in ids.iter().zip(&rows) {
                let mut record = vec![id.to_string()];
                record.extend(row.iter().map(|v| format!("{v:.6}")));
                csv.write_record(&record)?;
            }
            csv.flush()?;
            rejected_rows_are_bad_input(&rejected)
        }
    }
}

fn anomaly_csv_writer<W: Write>(w: W) -> CsvOut<W> {
    CsvOut {
        w: BufWriter::new(w),
    }
}

/// A minimal CSV writer for numeric rows and plain ids (no quoting needed beyond ids).
struct CsvOut<W: Write> {
    w: BufWriter<W>,
}

impl<W: Write> CsvOut<W> {
    fn write_record<S: AsRef<str>>(&mut self, fields: &[S]) -> std::io::Result<()> {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.w.write_all(b",")?;
            }
            let f = f.as_ref();
            if f.contains([',', '"', '\n', '\r']) {
                write!(self.w, "\"{}\"", f.replace('"', "\"\""))?;
            } else {
                self.w.write_all(f.as_bytes())?;
            }
        }
        self.w.write_all(b"\n")
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

fn load_policy(path: Option<&Path>) -> anyhow::Result<Policy> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the policy {}", path.display()))?;
    Policy::from_toml_str(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// Reads a claims file; rejected rows are reported on stderr now and returned.
fn load_claims(path: &Path, policy: &Policy) -> anyhow::Result<(Vec<Claim>, Vec<RowError>)> {
    let file =
        File::open(path).map_err(|e| BadInput(format!("cannot open {}: {e}", path.display())))?;
    let read = read_claims(BufReader::with_capacity(1 << 20, file), policy)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    for row in &read.rejected {
        eprintln!("{}: rejected {row}", path.display());
    }
    Ok((read.claims, read.rejected))
}

fn fit(history: &[Claim], policy: &Policy, seed: u64) -> anyhow::Result<Model> {
    Model::fit(history, policy, seed).map_err(bad_input_if_users)
}

fn bad_input_if_users(e: anomaly::Error) -> anyhow::Error {
    if e.is_bad_input() {
        BadInput(e.to_string()).into()
    } else {
        e.into()
    }
}

fn rejected_rows_are_bad_input(rejected: &[RowError]) -> anyhow::Result<()> {
    match rejected.len() {
        0 => Ok(()),
        n => Err(BadInput(format!(
            "{n} row(s) rejected (see the lines above); the other rows were used"
        ))
        .into()),
    }
}

fn write_csv(path: &Path, claims: &[Claim], labels: Option<&[String]>) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    anomaly::write_claims(BufWriter::new(file), claims, labels)
        .with_context(|| format!("writing {}", path.display()))
}

fn write_table<W: Write>(
    out: &mut W,
    claims: &[Claim],
    assessments: &[Assessment],
) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:<8} {:>12}  {:>5}  {:<6} {:<12} reasons",
        "claim", "employee", "amount", "risk", "level", "route"
    )?;
    for (c, a) in claims.iter().zip(assessments) {
        let reasons = a
            .reasons
            .iter()
            .map(|r| format!("{} ({})", r.code, r.detail))
            .collect::<Vec<_>>()
            .join("; ");
        writeln!(
            out,
            "{:<10} {:<8} {:>8.2} {}  {:>5.3}  {:<6} {:<12} {}",
            a.claim_id,
            c.employee_id,
            c.amount,
            c.currency,
            a.risk_score,
            a.risk_level.as_str(),
            a.route.as_str(),
            if reasons.is_empty() {
                "-".into()
            } else {
                reasons
            }
        )?;
    }
    let flagged = assessments
        .iter()
        .filter(|a| a.risk_level != anomaly::RiskLevel::Low)
        .count();
    writeln!(
        out,
        "{} claims, {} need a reviewer",
        assessments.len(),
        flagged
    )
}
