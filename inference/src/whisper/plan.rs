//! How the chunks of a recording are shared out: how many whisper states decode at once,
//! with how many threads each, and which consecutive chunks each one takes.

use std::ops::Range;

/// Whisper states decoding at the same time and the threads each one uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub workers: usize,
    pub threads_per_worker: usize,
}

impl Plan {
    /// `workers == 0` picks one state per thread, capped at [`MAX_AUTO_WORKERS`] (each
    /// state holds its own encoder and decoder buffers, ~200 MB for whisper-base).
    /// Never more states than chunks or threads.
    pub fn new(threads: usize, workers: usize, chunks: usize) -> Plan {
        let threads = threads.max(1);
        let wanted = if workers == 0 {
            threads.min(MAX_AUTO_WORKERS)
        } else {
            workers
        };
        let workers = wanted.min(threads).min(chunks).max(1);
        Plan {
            workers,
            threads_per_worker: (threads / workers).max(1),
        }
    }
}

/// The most states the automatic plan creates.
pub const MAX_AUTO_WORKERS: usize = 4;

/// Splits `lengths` (the chunks, in order) into `parts` consecutive ranges of about equal
/// total length. Consecutive, so that each worker can carry the text of one chunk into
/// the next. Ranges may be empty when there are fewer chunks than parts.
pub fn split_consecutive(lengths: &[usize], parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let total: usize = lengths.iter().sum();
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    let mut acc = 0usize;
    for k in 0..parts {
        let remaining_parts = parts - k;
        if remaining_parts == 1 {
            out.push(start..lengths.len());
            break;
        }
        // Cut where the running total first reaches this part's share of the whole,
        // leaving at least one chunk for each part after it when there are enough.
        let target = total * (k + 1) / parts;
        let mut end = start;
        while end < lengths.len()
            && (acc < target || end == start)
            && lengths.len() - end > remaining_parts - 1
        {
            acc += lengths[end];
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans() {
        assert_eq!(
            Plan::new(2, 0, 18),
            Plan {
                workers: 2,
                threads_per_worker: 1
            }
        );
        assert_eq!(
            Plan::new(2, 1, 18),
            Plan {
                workers: 1,
                threads_per_worker: 2
            }
        );
        assert_eq!(Plan::new(16, 0, 18).workers, MAX_AUTO_WORKERS);
        assert_eq!(Plan::new(16, 0, 18).threads_per_worker, 4);
        assert_eq!(Plan::new(2, 0, 1).workers, 1, "one chunk, one state");
        assert_eq!(Plan::new(2, 0, 0).workers, 1);
        assert_eq!(Plan::new(0, 0, 5).threads_per_worker, 1);
        assert_eq!(
            Plan::new(3, 8, 10).workers,
            3,
            "no more states than threads"
        );
    }

    #[test]
    fn consecutive_ranges_cover_every_chunk_once_and_balance_length() {
        let lengths = [29, 29, 28, 29, 10, 29, 29, 27, 29, 5];
        for parts in 1..=12 {
            let ranges = split_consecutive(&lengths, parts);
            assert_eq!(ranges.len(), parts);
            let flat: Vec<usize> = ranges.iter().cloned().flatten().collect();
            assert_eq!(flat, (0..lengths.len()).collect::<Vec<_>>(), "{parts}");
            if parts <= lengths.len() {
                assert!(ranges.iter().all(|r| !r.is_empty()), "{parts}: {ranges:?}");
            }
        }
        let two = split_consecutive(&lengths, 2);
        let sum = |r: &Range<usize>| lengths[r.clone()].iter().sum::<usize>() as i64;
        assert!((sum(&two[0]) - sum(&two[1])).abs() <= 29, "{two:?}");
        assert_eq!(split_consecutive(&[], 2), vec![0..0, 0..0]);
    }
}
