//! Per-token rate limiting: a sliding one-minute window, as "N requests per minute per
//! token" reads. A request over the limit is refused with the seconds until the oldest
//! admitted request leaves the window.

use std::collections::VecDeque;

/// The window of one access token.
#[derive(Debug, Default)]
pub struct SlidingWindow {
    admitted: VecDeque<u64>,
}

/// Length of the window.
const WINDOW_MS: u64 = 60_000;

impl SlidingWindow {
    /// Admits a request at `now_ms` under `limit` per minute (0 = unlimited), or returns the
    /// whole seconds to wait (at least 1).
    pub fn admit(&mut self, now_ms: u64, limit: u32) -> Result<(), u64> {
        if limit == 0 {
            self.admitted.clear();
            return Ok(());
        }
        while self
            .admitted
            .front()
            .is_some_and(|&at| at + WINDOW_MS <= now_ms)
        {
            self.admitted.pop_front();
        }
        if self.admitted.len() < limit as usize {
            self.admitted.push_back(now_ms);
            return Ok(());
        }
        // The limit may have been lowered: the request must wait until enough leave.
        let excess = self.admitted.len() - limit as usize;
        let frees_at = self.admitted[excess] + WINDOW_MS;
        Err((frees_at - now_ms).div_ceil(1000).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_until_the_window_moves() {
        let mut window = SlidingWindow::default();
        for at in 0..3 {
            assert!(window.admit(at * 1000, 3).is_ok());
        }
        assert_eq!(window.admit(10_000, 3), Err(50));
        assert_eq!(window.admit(59_999, 3), Err(1));
        assert!(window.admit(60_000, 3).is_ok());
        assert!(window.admit(60_001, 0).is_ok());
    }
}
