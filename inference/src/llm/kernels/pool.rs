//! A small persistent thread pool for the kernels. The caller and up to `n − 1` workers
//! run the same job, which takes its work in chunks from a shared counter; a worker that
//! wakes late (its core busy with another process) finds the job closed and skips it, so
//! the caller never waits for a sleeping thread. Workers spin briefly after a job (the
//! next matrix product usually follows within microseconds), then sleep on a condition
//! variable, so an idle engine costs no CPU.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

type Job = dyn Fn() + Sync;

thread_local! {
    /// Set while this thread runs its kernels without the pool ([`alone`]).
    static ALONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every kernel it calls on this thread only. For callers that already
/// keep each core busy with a thread of their own (several Whisper states at once):
/// sharing the pool's threads among them would only put two threads on one core.
pub(crate) fn alone<R>(f: impl FnOnce() -> R) -> R {
    let before = ALONE.with(|a| a.replace(true));
    let out = f();
    ALONE.with(|a| a.set(before));
    out
}

struct State {
    epoch: usize,
    /// The current job (a `&Job` with its lifetime erased), `None` once closed.
    job: Option<&'static Job>,
}

struct Shared {
    state: Mutex<State>,
    /// Mirror of `state.epoch` for lock-free spinning.
    epoch: AtomicUsize,
    /// Workers inside the current job.
    active: AtomicUsize,
    wake: Condvar,
}

pub(crate) struct Pool {
    threads: usize,
    shared: &'static Shared,
    /// One job at a time; a second caller meanwhile runs its job alone.
    busy: Mutex<()>,
}

/// How long a worker spins for the next job before it sleeps.
const SPIN: Duration = Duration::from_micros(50);

impl Pool {
    fn new(threads: usize) -> Pool {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            state: Mutex::new(State {
                epoch: 0,
                job: None,
            }),
            epoch: AtomicUsize::new(0),
            active: AtomicUsize::new(0),
            wake: Condvar::new(),
        }));
        let mut started = 1;
        for i in 1..threads {
            let spawned = std::thread::Builder::new()
                .name(format!("mishu-kernel-{i}"))
                .spawn(move || worker(shared));
            if spawned.is_err() {
                break;
            }
            started += 1;
        }
        Pool {
            threads: started,
            shared,
            busy: Mutex::new(()),
        }
    }

    /// Threads a job of this thread's gets: 1 inside [`alone`].
    pub(crate) fn threads(&self) -> usize {
        if ALONE.with(|a| a.get()) {
            1
        } else {
            self.threads
        }
    }

    /// Runs `f(t)` for every task `t` in `0..tasks`, the tasks shared out over the threads
    /// by a counter (all on this thread when it has the pool to itself or there is one
    /// task).
    pub(crate) fn for_each_task(&self, tasks: usize, f: &(dyn Fn(usize) + Sync)) {
        if tasks < 2 || self.threads() < 2 {
            (0..tasks).for_each(f);
            return;
        }
        let next = AtomicUsize::new(0);
        self.run(&|| loop {
            let t = next.fetch_add(1, Ordering::Relaxed);
            if t >= tasks {
                break;
            }
            f(t);
        });
    }

    /// Runs `f` on this thread and on every worker that joins before this thread's own
    /// call returns; `f` must share its work out itself (e.g. an atomic chunk counter).
    pub(crate) fn run<'a>(&self, f: &'a (dyn Fn() + Sync + 'a)) {
        if ALONE.with(|a| a.get()) {
            f();
            return;
        }
        let Ok(_guard) = self.busy.try_lock() else {
            f();
            return;
        };
        if self.threads == 1 {
            f();
            return;
        }
        // SAFETY: workers only use the reference between joining (under `state`, while
        // `job` is set) and leaving (`active` decremented); below, `job` is cleared under
        // the lock and we wait for `active == 0` before returning, so it never outlives `f`.
        let job: &'static Job =
            unsafe { std::mem::transmute::<&'a (dyn Fn() + Sync + 'a), &'static Job>(f) };
        let s = self.shared;
        {
            let mut st = s.state.lock().unwrap_or_else(|e| e.into_inner());
            st.epoch += 1;
            st.job = Some(job);
            s.epoch.store(st.epoch, Ordering::Release);
            s.wake.notify_all();
        }
        f();
        s.state.lock().unwrap_or_else(|e| e.into_inner()).job = None;
        while s.active.load(Ordering::Acquire) != 0 {
            std::hint::spin_loop();
        }
    }
}

fn worker(s: &'static Shared) {
    let mut seen = 0;
    loop {
        let start = Instant::now();
        let mut spins = 0u32;
        while s.epoch.load(Ordering::Acquire) == seen {
            std::hint::spin_loop();
            spins += 1;
            if spins.is_multiple_of(64) && start.elapsed() > SPIN {
                break;
            }
        }
        let job = {
            let mut st = s.state.lock().unwrap_or_else(|e| e.into_inner());
            while st.epoch == seen {
                st = s.wake.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            seen = st.epoch;
            if st.job.is_some() {
                s.active.fetch_add(1, Ordering::AcqRel);
            }
            st.job
        };
        if let Some(job) = job {
            job();
            s.active.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The process-wide pool: `MISHU_THREADS`, or the number of cores the OS gives us.
/// An output buffer's pointer, handed to the pool's threads, each of which writes its own
/// disjoint part of the buffer.
#[derive(Clone, Copy)]
pub(crate) struct SendPtr(pub(crate) *mut f32);
// SAFETY: only used to hand disjoint parts of one output buffer to the pool's threads.
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}
impl SendPtr {
    pub(crate) fn get(self) -> *mut f32 {
        self.0
    }
}

pub(crate) fn global() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::env::var("MISHU_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            });
        Pool::new(n.min(64))
    })
}
