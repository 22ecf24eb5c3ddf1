//! The sandbox clock: real monotonic time plus an offset tests can advance.
//!
//! Token expiry, rate-limit windows and read-after-create delays all read this clock, so a
//! test can move time forward (`Sandbox::advance_clock`) instead of sleeping: no test has
//! to depend on wall-clock timing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::macros::format_description;

/// Monotonic milliseconds since the sandbox started, plus a test-controlled offset.
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    offset_ms: AtomicU64,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            offset_ms: AtomicU64::new(0),
        }
    }
}

impl Clock {
    /// Milliseconds on the sandbox clock (monotonic, never goes back).
    pub fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64 + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as u64, Ordering::Relaxed);
    }

    /// Wall-clock timestamp in the API's format (ISO-8601 UTC with milliseconds), shifted by
    /// the same offset so that advancing the clock also ages timestamps.
    pub fn timestamp(&self) -> String {
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        format_timestamp(OffsetDateTime::now_utc() + offset)
    }
}

/// Formats a time like the API does: `2021-05-14T09:03:17.067Z`.
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    // Formatting a UTC time with a fixed description cannot fail; an empty string would only
    // show up in a timestamp field, never break a response.
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// The fixed timestamp given to seeded objects, so dumps of a seeded org are reproducible.
pub const SEED_TIMESTAMP: &str = "2024-01-01T00:00:00.000Z";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_always_carry_milliseconds() {
        let at = OffsetDateTime::from_unix_timestamp(1_620_983_000).expect("valid time");
        assert_eq!(format_timestamp(at), "2021-05-14T09:03:20.000Z");
        let at = at + Duration::from_millis(67);
        assert_eq!(format_timestamp(at), "2021-05-14T09:03:20.067Z");
    }

    #[test]
    fn advancing_moves_now() {
        let clock = Clock::default();
        let before = clock.now_ms();
        clock.advance(Duration::from_secs(10));
        assert!(clock.now_ms() >= before + 10_000);
    }
}
