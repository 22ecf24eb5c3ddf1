//! When a transient failure is retried: capped exponential backoff with full jitter (a uniform
//! wait between zero and the ceiling), so many recipients failing together do not retry
//! together.

use std::time::Duration;

use rand::Rng;

/// Capped exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the wait after the first failure.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 30 s after the first failure, doubling up to an hour: a mail server that asks to try
    /// later rarely means seconds.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(30),
            cap: Duration::from_hours(1),
        }
    }
}

impl Backoff {
    /// The ceiling of the wait after failure number `failure` (1-based: the first failure
    /// waits up to `base`).
    pub fn ceiling(&self, failure: u32) -> Duration {
        let doublings = failure.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// A uniformly random wait in `0..=ceiling(failure)`.
    pub fn delay(&self, failure: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = u64::try_from(self.ceiling(failure).as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(0..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn the_ceiling_doubles_per_failure_up_to_the_cap() {
        let backoff = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(10),
        };
        let ceilings: Vec<u64> = (1..=6).map(|n| backoff.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.ceiling(0), Duration::from_secs(1));
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_under_the_ceiling_and_spreads_over_it() {
        let backoff = Backoff::default();
        let mut rng = StdRng::seed_from_u64(16);
        let ceiling = backoff.ceiling(3);
        let delays: Vec<Duration> = (0..200).map(|_| backoff.delay(3, &mut rng)).collect();
        assert!(delays.iter().all(|delay| *delay <= ceiling));
        // Full jitter: some waits in the lower and some in the upper quarter.
        assert!(delays.iter().any(|delay| *delay < ceiling / 4));
        assert!(delays.iter().any(|delay| *delay > ceiling * 3 / 4));
    }
}
