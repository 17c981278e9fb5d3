//! The server's memory budget (`--max-memory`): every body held in memory
//! (a single request's, up to `--max-body`) and every streamed batch (its
//! chunks in flight, see `stream`) reserves its bytes first. When the
//! budget is spent, a new request is answered `503 busy` at once, with
//! `Retry-After`, instead of growing the process: so the bodies of many
//! clients together never pass the budget.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The budget, counted in KiB (a semaphore's permits are `u32`).
#[derive(Debug)]
pub(crate) struct Budget {
    permits: Arc<Semaphore>,
    kib: u32,
}

/// Bytes reserved; given back when dropped.
#[derive(Debug)]
pub(crate) struct Reservation {
    _permit: OwnedSemaphorePermit,
}

/// Bytes in KiB, rounded up, at least one.
fn kib(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX)
}

impl Budget {
    /// A budget of `bytes`.
    pub(crate) fn new(bytes: usize) -> Budget {
        let kib = kib(bytes).min(u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX));
        Budget {
            permits: Arc::new(Semaphore::new(kib as usize)),
            kib,
        }
    }

    /// Reserves `bytes` now, or `None` when the budget cannot spare them.
    pub(crate) fn try_reserve(&self, bytes: usize) -> Option<Reservation> {
        let wanted = kib(bytes).min(self.kib);
        Arc::clone(&self.permits)
            .try_acquire_many_owned(wanted)
            .ok()
            .map(|permit| Reservation { _permit: permit })
    }

    /// The bytes reserved now.
    pub(crate) fn in_use(&self) -> u64 {
        let free = u32::try_from(self.permits.available_permits()).unwrap_or(u32::MAX);
        u64::from(self.kib.saturating_sub(free)) * 1024
    }

    /// The budget, in bytes.
    pub(crate) fn total(&self) -> u64 {
        u64::from(self.kib) * 1024
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;

    #[test]
    fn reservations_stop_at_the_budget_and_come_back() {
        let budget = Budget::new(10 << 10);
        let a = budget.try_reserve(6 << 10).unwrap();
        assert_eq!(budget.in_use(), 6 << 10);
        assert!(budget.try_reserve(5 << 10).is_none());
        let b = budget.try_reserve(4 << 10).unwrap();
        drop(a);
        assert!(budget.try_reserve(5 << 10).is_some());
        drop(b);
        assert_eq!(budget.in_use(), 0);
        // More than the whole budget takes the whole budget.
        assert!(budget.try_reserve(1 << 30).is_some());
    }
}
