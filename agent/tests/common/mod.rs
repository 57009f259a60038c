//! Helpers the service tests share.

/// With `MISHU_TEST_POSTGRES_URL` (`postgres://user:password@host:port`, a role that may
/// create databases): the URL of a database that belongs to `dir`, created on first use,
/// so a restarted service (or a second node on the same directory) finds its data again.
/// `None`: SQLite in `dir`.
pub fn postgres_database(dir: &std::path::Path) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let server = std::env::var("MISHU_TEST_POSTGRES_URL").ok()?;
    let server = server.trim_end_matches('/');
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    dir.hash(&mut hasher);
    let name = format!("mishu_test_{:016x}", hasher.finish());
    let exists = std::process::Command::new("psql")
        .args([&format!("{server}/postgres"), "-Atqc"])
        .arg(format!(
            "SELECT 1 FROM pg_database WHERE datname = '{name}'"
        ))
        .output()
        .expect("psql runs (apt-get install postgresql-client)");
    assert!(
        exists.status.success(),
        "cannot reach {server}: {}",
        String::from_utf8_lossy(&exists.stderr)
    );
    if exists.stdout.is_empty() {
        let created = std::process::Command::new("psql")
            .args([&format!("{server}/postgres"), "-qc"])
            .arg(format!("CREATE DATABASE {name}"))
            .status()
            .expect("psql runs");
        assert!(created.success(), "cannot create database {name}");
    }
    Some(format!("{server}/{name}"))
}
