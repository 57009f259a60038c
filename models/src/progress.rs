//! Progress reporting for long model operations, implemented by the caller
//! (a progress bar on a terminal, plain lines otherwise).

pub trait Progress: Send + Sync {
    /// A new phase starts; `total` is its size in bytes when known.
    fn begin(&self, label: &str, total: Option<u64>);
    /// `n` more bytes of the current phase are done.
    fn advance(&self, n: u64);
    /// The current phase is over.
    fn end(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _label: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn end(&self) {}
}
