//! Retry classification and backoff: which failures are retried, how long to wait.
//!
//! The whole policy is [`classify`], a small table (tested below row by row):
//!
//! | outcome | idempotent request | non-idempotent request (a create) |
//! |---|---|---|
//! | 2xx | done | done |
//! | 401 (first time) | refresh the token, retry | refresh the token, retry |
//! | 429 | pause the token for `Retry-After`, retry | same: a 429 was not processed |
//! | 408, 5xx except 501 | backoff, retry | fail, ambiguous: the caller re-reads and adopts |
//! | timeout, reset | backoff, retry | fail, ambiguous |
//! | connection refused | backoff, retry | backoff, retry: nothing was sent |
//! | 501, other 4xx, second 401 | fail | fail |
//!
//! Backoff is capped exponential with full jitter (a uniform wait between zero and
//! `min(cap, base × 2^attempt)`), so many tasks failing together do not retry together.
//! Every request also has a total deadline, after which the last failure is returned.

use std::time::Duration;

use rand::Rng;

/// How one attempt ended, as far as retrying cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A response with this status.
    Status(u16),
    /// No response within the request timeout.
    Timeout,
    /// The connection could not be opened: the request never left.
    Connect,
    /// The connection broke after the request may have been sent.
    Broken,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Success: hand the response to the caller.
    Done,
    /// Fetch a fresh token, then retry at once.
    RefreshToken,
    /// Pause the token's requests for this long (the server's `Retry-After`), then retry.
    Throttled(Duration),
    /// Wait a jittered backoff, then retry.
    Backoff,
    /// Give up and return the failure.
    Fail,
}

/// `Retry-After` when a 429 carries none.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Decides what to do after an attempt. `refreshed` says whether this request already
/// refreshed its token once (a second 401 is final).
pub fn classify(
    outcome: Outcome,
    idempotent: bool,
    refreshed: bool,
    retry_after: Option<Duration>,
) -> Decision {
    match outcome {
        Outcome::Status(200..=299) => Decision::Done,
        Outcome::Status(401) if !refreshed => Decision::RefreshToken,
        Outcome::Status(429) => Decision::Throttled(retry_after.unwrap_or(DEFAULT_RETRY_AFTER)),
        Outcome::Status(501) => Decision::Fail,
        Outcome::Status(408 | 500..=599) | Outcome::Timeout | Outcome::Broken => {
            if idempotent {
                Decision::Backoff
            } else {
                Decision::Fail
            }
        }
        Outcome::Connect => Decision::Backoff,
        Outcome::Status(_) => Decision::Fail,
    }
}

/// Capped exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry's wait.
    pub base: Duration,
    /// The largest ceiling.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl Backoff {
    /// The ceiling of the wait before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A uniformly random wait in `0..=ceiling(retry)`.
    pub fn delay(&self, retry: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(retry).as_micros() as u64;
        Duration::from_micros(rng.random_range(0..=ceiling))
    }
}

/// Parses a `Retry-After` header value (delay seconds; HTTP dates are not used by Genesys).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn the_classification_table() {
        let after = Some(Duration::from_secs(3));
        let outcomes = [
            Outcome::Status(200),
            Outcome::Status(204),
            Outcome::Status(400),
            Outcome::Status(401),
            Outcome::Status(403),
            Outcome::Status(404),
            Outcome::Status(408),
            Outcome::Status(409),
            Outcome::Status(429),
            Outcome::Status(500),
            Outcome::Status(501),
            Outcome::Status(502),
            Outcome::Status(503),
            Outcome::Status(504),
            Outcome::Timeout,
            Outcome::Connect,
            Outcome::Broken,
        ];
        let mut rows = Vec::new();
        for outcome in outcomes {
            rows.push(format!(
                "{outcome:?}: idempotent {:?}, create {:?}, after refresh {:?}",
                classify(outcome, true, false, after),
                classify(outcome, false, false, after),
                classify(outcome, true, true, None),
            ));
        }
        insta::assert_snapshot!(rows.join("\n"));
    }

    #[test]
    fn backoff_is_capped_exponential_and_jitter_stays_under_the_ceiling() {
        let backoff = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(2),
        };
        let ceilings: Vec<u128> = (0..8).map(|n| backoff.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
        assert_eq!(backoff.ceiling(u32::MAX), Duration::from_secs(2));
        let mut rng = rand_chacha_free_rng();
        for retry in 0..8 {
            for _ in 0..50 {
                assert!(backoff.delay(retry, &mut rng) <= backoff.ceiling(retry));
            }
        }
        // Full jitter: waits spread over the whole range rather than clustering at the top.
        let waits: Vec<Duration> = (0..200).map(|_| backoff.delay(5, &mut rng)).collect();
        assert!(waits.iter().any(|w| *w < Duration::from_millis(500)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(1500)));
    }

    fn rand_chacha_free_rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 42 "), Some(Duration::from_secs(42)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }
}
