//! The sandbox clock: real monotonic time plus an offset tests can advance.
//!
//! Token expiry, rate-limit windows and read-after-create delays all read this clock, so a
//! test can move time forward (`Sandbox::advance_clock`) instead of sleeping: no test has
//! to depend on wall-clock timing.
//!
//! The clock can never overflow or panic: an advance is bounded ([`MAX_ADVANCE`] at a time,
//! [`MAX_OFFSET`] in all; issue #12 found that one huge advance made every later write panic),
//! and every sum on it saturates.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::macros::format_description;

/// The longest single advance: ten years.
pub const MAX_ADVANCE: Duration = Duration::from_hours(10 * 366 * 24);
/// The furthest the clock may be moved in all: a thousand years, so timestamps stay within
/// the years the `time` crate formats (up to 9999).
pub const MAX_OFFSET: Duration = Duration::from_hours(1000 * 366 * 24);

/// An advance the clock refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// One advance longer than [`MAX_ADVANCE`].
    #[error("advanceMs must be at most {max_ms} (ten years), got {requested_ms}")]
    TooLong {
        /// What was asked.
        requested_ms: u128,
        /// The limit.
        max_ms: u128,
    },
    /// The advance would move the clock past [`MAX_OFFSET`] in all.
    #[error(
        "the sandbox clock is {offset_ms} ms ahead already; it may move at most {max_ms} ms ahead in all"
    )]
    TooFar {
        /// The clock's offset now.
        offset_ms: u64,
        /// The limit.
        max_ms: u128,
    },
}

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
        let elapsed = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        elapsed.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock forward by at most [`MAX_ADVANCE`], to at most [`MAX_OFFSET`] ahead in
    /// all; answers the new offset in milliseconds.
    pub fn advance(&self, by: Duration) -> Result<u64, ClockError> {
        if by > MAX_ADVANCE {
            return Err(ClockError::TooLong {
                requested_ms: by.as_millis(),
                max_ms: MAX_ADVANCE.as_millis(),
            });
        }
        // Both fit in u64 milliseconds: MAX_OFFSET is about 3.2e13 ms.
        let by_ms = by.as_millis() as u64;
        let max_ms = MAX_OFFSET.as_millis() as u64;
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset.checked_add(by_ms).filter(|&total| total <= max_ms)
            })
            .map(|previous| previous + by_ms)
            .map_err(|offset_ms| ClockError::TooFar {
                offset_ms,
                max_ms: MAX_OFFSET.as_millis(),
            })
    }

    /// Wall-clock timestamp in the API's format (ISO-8601 UTC with milliseconds), shifted by
    /// the same offset so that advancing the clock also ages timestamps.
    pub fn timestamp(&self) -> String {
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        // `MAX_OFFSET` keeps the sum in range; should it not be, the latest time that
        // formats is still a timestamp, where a panic would fail every write.
        let at = OffsetDateTime::now_utc()
            .checked_add(time::Duration::try_from(offset).unwrap_or(time::Duration::MAX))
            .unwrap_or_else(|| time::PrimitiveDateTime::MAX.assume_utc());
        format_timestamp(at)
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
        clock
            .advance(Duration::from_secs(10))
            .expect("short advance");
        assert!(clock.now_ms() >= before + 10_000);
    }

    #[test]
    fn advances_are_bounded_and_time_never_overflows() {
        let clock = Clock::default();
        assert_eq!(
            clock.advance(Duration::from_millis(u64::MAX)),
            Err(ClockError::TooLong {
                requested_ms: u128::from(u64::MAX),
                max_ms: MAX_ADVANCE.as_millis()
            })
        );
        assert_eq!(
            clock.advance(Duration::ZERO),
            Ok(0),
            "a refusal moves nothing"
        );
        // Ten years at a time, up to the total limit, then no further.
        let steps = MAX_OFFSET.as_millis() / MAX_ADVANCE.as_millis();
        for _ in 0..steps {
            clock.advance(MAX_ADVANCE).expect("within the total limit");
        }
        assert!(matches!(
            clock.advance(MAX_ADVANCE),
            Err(ClockError::TooFar { .. })
        ));
        // At the furthest offset the clock still reads and formats.
        assert!(clock.now_ms() >= MAX_ADVANCE.as_millis() as u64 * steps as u64);
        let year: u32 = clock.timestamp()[..4].parse().expect("a year");
        assert!(year > 2900, "{}", clock.timestamp());
    }
}
