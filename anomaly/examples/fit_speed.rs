//! Times the parts of a fit and of batch scoring on a claims file:
//! `cargo run --release -p anomaly --example fit_speed -- history.csv [claims.csv]`.

use std::time::Instant;

use anomaly::{read_claims, Model, Policy, Scorer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(history) = args.first() else {
        eprintln!("usage: fit_speed HISTORY.csv [CLAIMS.csv]");
        std::process::exit(2);
    };
    let policy = Policy::default();
    let history = read_claims(std::fs::File::open(history)?, &policy)?.claims;
    let claims = match args.get(1) {
        Some(path) => read_claims(std::fs::File::open(path)?, &policy)?.claims,
        None => history.clone(),
    };
    let mut fits = Vec::new();
    let mut model = None;
    for _ in 0..3 {
        let t = Instant::now();
        model = Some(Model::fit(&history, &policy, 42)?);
        fits.push(t.elapsed().as_secs_f64());
    }
    let scorer = Scorer::new(model.expect("fitted"), policy);
    let mut rates = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let scored = scorer.score(&claims);
        rates.push(scored.len() as f64 / t.elapsed().as_secs_f64());
    }
    fits.sort_by(f64::total_cmp);
    rates.sort_by(f64::total_cmp);
    println!(
        "fit on {} claims: median {:.3} s (runs {:?}); scoring {} claims: median {:.0} claims/s",
        history.len(),
        fits[1],
        fits,
        claims.len(),
        rates[1]
    );
    Ok(())
}
