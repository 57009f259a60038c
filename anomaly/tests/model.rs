//! Fitting is deterministic; model files round-trip and refuse what they are not.

use anomaly::synth::{generate, SynthConfig};
use anomaly::{Model, Policy, Scorer};

fn data() -> anomaly::synth::SynthData {
    let config = SynthConfig {
        employees: 30,
        history_months: 6,
        ..SynthConfig::default()
    };
    generate(&config, &Policy::default())
}

#[test]
fn same_seed_same_model_and_scores() {
    let d = data();
    let policy = Policy::default();
    let a = Model::fit(&d.history, &policy, 11).unwrap();
    let b = Model::fit(&d.history, &policy, 11).unwrap();
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
    let sa = Scorer::new(a, policy.clone()).score(&d.new_claims);
    let sb = Scorer::new(b, policy).score(&d.new_claims);
    assert_eq!(sa, sb);
}

#[test]
fn synthetic_data_is_deterministic_and_labelled() {
    let (a, b) = (data(), data());
    assert_eq!(a.history, b.history);
    assert_eq!(a.labels, b.labels);
    for code in anomaly::ReasonCode::ALL {
        assert!(
            a.labels.iter().any(|l| l == code.as_str()),
            "no {code} injected"
        );
    }
}

#[test]
fn saved_model_loads_and_scores_the_same() {
    let d = data();
    let policy = Policy::default();
    let model = Model::fit(&d.history, &policy, 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_eq!(
        Scorer::new(model, policy.clone()).score(&d.new_claims),
        Scorer::new(loaded, policy).score(&d.new_claims)
    );
}

#[test]
fn a_wrong_file_or_version_is_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    std::fs::write(&path, "{\"hello\": 1}").unwrap();
    assert!(Model::load(&path)
        .unwrap_err()
        .to_string()
        .contains("not a mishu expense model"));
    let d = data();
    let model = Model::fit(&d.history, &Policy::default(), 3).unwrap();
    let mut v = serde_json::to_value(&model).unwrap();
    v["header"]["version"] = 99.into();
    std::fs::write(&path, v.to_string()).unwrap();
    let err = Model::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("version 99") && err.contains("retrain"),
        "{err}"
    );
    let mut v = serde_json::to_value(&model).unwrap();
    v["company"]["mixture"]["center"] = serde_json::json!([1.0]);
    std::fs::write(&path, v.to_string()).unwrap();
    let err = Model::load(&path).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
}

#[test]
fn too_little_history_is_an_error_not_a_panic() {
    let d = data();
    assert!(Model::fit(&d.history[..5], &Policy::default(), 1).is_err());
}
