//! A token bucket: how a channel keeps to its rate (`ratePerSecond` in `roster.yaml`).
//!
//! The bucket holds up to `burst` tokens and refills at `rate` tokens per second; a send takes
//! one. Time is passed in, so the arithmetic is tested without sleeping; the dispatcher passes
//! tokio's clock and sleeps for the wait the bucket answers.

use std::time::{Duration, Instant};

/// A token bucket for one channel.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket refilling at `rate` tokens per second, holding at most `burst`. Answers
    /// `None` unless `rate` is a positive finite number and `burst` is at least one.
    pub fn new(rate: f64, burst: u32, now: Instant) -> Option<TokenBucket> {
        (rate.is_finite() && rate > 0.0 && burst >= 1).then(|| TokenBucket {
            rate,
            burst: f64::from(burst),
            tokens: f64::from(burst),
            refilled_at: now,
        })
    }

    /// Takes a token if one is there at `now`; otherwise answers how long until one is.
    pub fn take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }

    fn refill(&mut self, now: Instant) {
        // An instant earlier than the last refill (a caller mixing clocks) adds nothing.
        let elapsed = now.saturating_duration_since(self.refilled_at);
        self.tokens = (self.tokens + elapsed.as_secs_f64() * self.rate).min(self.burst);
        self.refilled_at = self.refilled_at.max(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_gives_its_burst_then_one_token_per_interval() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 3, start).expect("a valid bucket");
        for _ in 0..3 {
            assert_eq!(bucket.take(start), Ok(()));
        }
        let wait = bucket.take(start).expect_err("the burst is spent");
        assert!(
            wait.abs_diff(Duration::from_millis(100)) < Duration::from_micros(1),
            "{wait:?}"
        );
        let almost = start + Duration::from_millis(99);
        assert!(bucket.take(almost).is_err());
        assert_eq!(bucket.take(start + Duration::from_millis(100)), Ok(()));
        assert!(bucket.take(start + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn a_long_pause_refills_only_up_to_the_burst() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(30.0, 2, start).expect("a valid bucket");
        assert_eq!(bucket.take(start), Ok(()));
        assert_eq!(bucket.take(start), Ok(()));
        let later = start + Duration::from_hours(1);
        assert_eq!(bucket.take(later), Ok(()));
        assert_eq!(bucket.take(later), Ok(()));
        assert!(bucket.take(later).is_err());
    }

    #[test]
    fn a_rate_below_one_per_second_waits_seconds() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(0.5, 1, start).expect("a valid bucket");
        assert_eq!(bucket.take(start), Ok(()));
        let wait = bucket.take(start).expect_err("empty");
        assert!(
            wait.abs_diff(Duration::from_secs(2)) < Duration::from_micros(1),
            "{wait:?}"
        );
    }

    #[test]
    fn nonsense_rates_and_bursts_are_refused() {
        let now = Instant::now();
        assert!(TokenBucket::new(0.0, 1, now).is_none());
        assert!(TokenBucket::new(-1.0, 1, now).is_none());
        assert!(TokenBucket::new(f64::NAN, 1, now).is_none());
        assert!(TokenBucket::new(f64::INFINITY, 1, now).is_none());
        assert!(TokenBucket::new(1.0, 0, now).is_none());
    }
}
