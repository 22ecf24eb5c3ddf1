//! The per-token rate limiter: one schedule per access token, shared by every task of an org.
//!
//! Genesys limits requests per token (300 a minute by default), so the limiter keeps one
//! GCRA schedule per token ("theoretical arrival time": the earliest instant the token may send
//! its next request) and hands each request the token that is free soonest. Requests are spaced
//! evenly at `60 s ÷ rate`; with no burst allowance a run never exceeds the rate in any window,
//! and concurrent callers keep the budget busy because a reservation is made before sleeping.
//! A 429 pauses only the token that got it, for the server's `Retry-After`.

use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

/// Spaces requests over one or more tokens.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    slots: Mutex<Vec<Slot>>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The earliest instant this token may send.
    next: Instant,
    /// Until when a 429 silenced this token.
    paused_until: Instant,
}

impl RateLimiter {
    /// A limiter for `tokens` tokens, each allowed `requests_per_minute` (at least 1 each).
    pub fn new(requests_per_minute: u32, tokens: u32) -> Self {
        let interval = Duration::from_mins(1) / requests_per_minute.max(1);
        let now = Instant::now();
        let slot = Slot {
            next: now,
            paused_until: now,
        };
        RateLimiter {
            interval,
            slots: Mutex::new(vec![slot; tokens.max(1) as usize]),
        }
    }

    /// How many tokens the limiter schedules.
    pub fn tokens(&self) -> usize {
        self.slots.lock().len()
    }

    /// The spacing between two requests of one token.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for a turn and returns the index of the token to send it with.
    pub async fn acquire(&self) -> usize {
        loop {
            let (index, at) = self.reserve();
            tokio::time::sleep_until(at).await;
            // A 429 may have paused the token while we slept; the turn is then lost, as the
            // server would refuse it anyway.
            if self.slots.lock()[index].paused_until <= Instant::now() {
                return index;
            }
        }
    }

    /// Books the earliest turn over all tokens.
    fn reserve(&self) -> (usize, Instant) {
        let now = Instant::now();
        let mut slots = self.slots.lock();
        let (index, start) = slots
            .iter()
            .map(|slot| slot.next.max(slot.paused_until).max(now))
            .enumerate()
            .min_by_key(|(_, start)| *start)
            .expect("a limiter has at least one token");
        slots[index].next = start + self.interval;
        (index, start)
    }

    /// Silences token `index` for `duration` from now (a 429's `Retry-After`).
    pub fn pause(&self, index: usize, duration: Duration) {
        let until = Instant::now() + duration;
        let mut slots = self.slots.lock();
        if let Some(slot) = slots.get_mut(index) {
            slot.paused_until = slot.paused_until.max(until);
            slot.next = slot.next.max(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    async fn turns(limiter: Arc<RateLimiter>, count: usize) -> Vec<(usize, u128)> {
        let start = Instant::now();
        let tasks: Vec<_> = (0..count)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    let token = limiter.acquire().await;
                    (token, (Instant::now() - start).as_millis())
                })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out.sort_by_key(|(_, at)| *at);
        out
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spaced_evenly() {
        let limiter = Arc::new(RateLimiter::new(60, 1));
        let at: Vec<u128> = turns(limiter, 5).await.into_iter().map(|t| t.1).collect();
        assert_eq!(at, [0, 1000, 2000, 3000, 4000]);
    }

    #[tokio::test(start_paused = true)]
    async fn several_tokens_share_the_load() {
        let limiter = Arc::new(RateLimiter::new(60, 2));
        let got = turns(limiter, 6).await;
        let at: Vec<u128> = got.iter().map(|t| t.1).collect();
        assert_eq!(at, [0, 0, 1000, 1000, 2000, 2000]);
        let per_token = got.iter().filter(|t| t.0 == 0).count();
        assert_eq!(per_token, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_silences_only_its_token() {
        let limiter = Arc::new(RateLimiter::new(60, 2));
        limiter.pause(0, Duration::from_secs(10));
        let got = turns(Arc::clone(&limiter), 3).await;
        assert_eq!(got, [(1, 0), (1, 1000), (1, 2000)]);
        tokio::time::sleep(Duration::from_secs(10)).await;
        let got = turns(limiter, 2).await;
        assert_eq!(got.iter().map(|t| t.1).collect::<Vec<_>>(), [0, 0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_during_a_wait_pushes_the_turn_back() {
        let limiter = Arc::new(RateLimiter::new(60, 1));
        limiter.acquire().await;
        let waiting = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let start = Instant::now();
                limiter.acquire().await;
                (Instant::now() - start).as_millis()
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        limiter.pause(0, Duration::from_secs(5));
        // Booked for t=1 s, paused at t=0.5 s until t=5.5 s: the turn comes at 5.5 s.
        assert_eq!(waiting.await.unwrap(), 5500);
    }
}
