//! Per-token rate limiting: a sliding window (one minute unless a test shortens it), as "N
//! requests per minute per token" reads. A request over the limit is refused with the seconds until the oldest
//! admitted request leaves the window.

use std::collections::VecDeque;

/// The window of one access token.
#[derive(Debug, Default)]
pub struct SlidingWindow {
    admitted: VecDeque<u64>,
}

impl SlidingWindow {
    /// Admits a request at `now_ms` under `limit` per `window_ms` (0 = unlimited), or returns
    /// the whole seconds to wait (at least 1).
    pub fn admit(&mut self, now_ms: u64, limit: u32, window_ms: u64) -> Result<(), u64> {
        if limit == 0 {
            self.admitted.clear();
            return Ok(());
        }
        while self
            .admitted
            .front()
            .is_some_and(|&at| at.saturating_add(window_ms) <= now_ms)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < limit as usize {
            self.admitted.push_back(now_ms);
            return Ok(());
        }
        // The limit may have been lowered: the request must wait until enough leave.
        let excess = self.admitted.len() - limit as usize;
        let frees_at = self.admitted[excess].saturating_add(window_ms);
        Err(frees_at.saturating_sub(now_ms).div_ceil(1000).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_moves() {
        let mut window = SlidingWindow::default();
        for at in 0..3 {
            assert!(window.admit(at * 1000, 3, 60_000).is_ok());
        }
        assert_eq!(window.admit(10_000, 3, 60_000), Err(50));
        assert_eq!(window.admit(59_999, 3, 60_000), Err(1));
        assert!(window.admit(60_000, 3, 60_000).is_ok());
        assert!(window.admit(60_001, 0, 60_000).is_ok());
    }

    #[test]
    fn a_short_window_gives_short_waits() {
        let mut window = SlidingWindow::default();
        assert!(window.admit(0, 1, 1_000).is_ok());
        assert_eq!(window.admit(10, 1, 1_000), Err(1));
        assert!(window.admit(1_000, 1, 1_000).is_ok());
    }
}
