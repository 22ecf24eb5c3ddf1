//! The per-token rate limiter: one sliding window per access token, shared by every task of
//! an org.
//!
//! Genesys limits requests per token per minute (300 by default), so the limiter allows each
//! token at most `rate` requests in any 60-second window, and hands each request the token
//! that is free soonest. A short run (a plan's few dozen reads) therefore goes at full speed,
//! and a long one settles at the rate: a window that never holds more than the server allows
//! cannot be refused by a per-minute limit, whether the server counts in sliding or fixed
//! minutes (UNCONFIRMED which; both are respected). Reservations are booked before sleeping,
//! so concurrent callers keep the budget busy. A 429 pauses only the token that got it, for
//! the server's `Retry-After` (another client of the same token may have used the window).

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

/// The span over which Genesys counts a token's requests.
pub const WINDOW: Duration = Duration::from_mins(1);

/// Keeps each token under its per-minute budget.
#[derive(Debug)]
pub struct RateLimiter {
    per_window: usize,
    slots: Mutex<Vec<Slot>>,
}

#[derive(Debug, Clone)]
struct Slot {
    /// When the token's last `per_window` requests were (or are booked to be) sent, oldest
    /// first; never decreasing.
    sent: VecDeque<Instant>,
    /// Until when a 429 silenced this token.
    paused_until: Instant,
}

impl RateLimiter {
    /// A limiter for `tokens` tokens, each allowed `requests_per_minute` (at least 1 each).
    pub fn new(requests_per_minute: u32, tokens: u32) -> Self {
        let per_window = requests_per_minute.max(1) as usize;
        let slot = Slot {
            sent: VecDeque::with_capacity(per_window),
            paused_until: Instant::now(),
        };
        RateLimiter {
            per_window,
            slots: Mutex::new(vec![slot; tokens.max(1) as usize]),
        }
    }

    /// How many tokens the limiter schedules.
    pub fn tokens(&self) -> usize {
        self.slots.lock().len()
    }

    /// The average spacing between two requests of one token at the sustained rate.
    pub fn interval(&self) -> Duration {
        WINDOW / self.per_window as u32
    }

    /// Waits for a turn and returns the index of the token to send it with.
    pub async fn acquire(&self) -> usize {
        loop {
            let (index, at) = self.reserve();
            tokio::time::sleep_until(at).await;
            // A 429 may have paused the token while we slept: the turn is given back (it was
            // never sent, so it must not fill the window) and a new one booked.
            let mut slots = self.slots.lock();
            let slot = &mut slots[index];
            if slot.paused_until <= Instant::now() {
                return index;
            }
            if let Some(booked) = slot.sent.iter().rposition(|sent| *sent == at) {
                slot.sent.remove(booked);
            }
        }
    }

    /// Books the earliest turn over all tokens.
    fn reserve(&self) -> (usize, Instant) {
        let now = Instant::now();
        let mut slots = self.slots.lock();
        let (index, start) = slots
            .iter()
            .map(|slot| {
                let window_frees = if slot.sent.len() < self.per_window {
                    now
                } else {
                    slot.sent[0] + WINDOW
                };
                // On a tie, the token that has waited longest since its last turn, so load
                // spreads over the tokens.
                (
                    window_frees.max(slot.paused_until).max(now),
                    slot.sent.back().copied(),
                )
            })
            .enumerate()
            .min_by_key(|(_, turn)| *turn)
            .map(|(index, (start, _))| (index, start))
            .expect("a limiter has at least one token");
        let slot = &mut slots[index];
        if slot.sent.len() == self.per_window {
            slot.sent.pop_front();
        }
        slot.sent.push_back(start);
        (index, start)
    }

    /// Silences token `index` for `duration` from now (a 429's `Retry-After`).
    pub fn pause(&self, index: usize, duration: Duration) {
        let until = Instant::now() + duration;
        let mut slots = self.slots.lock();
        if let Some(slot) = slots.get_mut(index) {
            slot.paused_until = slot.paused_until.max(until);
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
    async fn a_window_full_goes_at_once_then_the_window_paces() {
        let limiter = Arc::new(RateLimiter::new(3, 1));
        let at: Vec<u128> = turns(limiter, 7).await.into_iter().map(|t| t.1).collect();
        assert_eq!(at, [0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_of_a_minute_holds_more_than_the_rate() {
        let limiter = Arc::new(RateLimiter::new(10, 1));
        let first = turns(Arc::clone(&limiter), 4).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
        let second = turns(limiter, 10).await;
        let mut all: Vec<u128> = first.iter().map(|t| t.1).collect();
        all.extend(second.iter().map(|t| t.1 + 30_000));
        for (i, start) in all.iter().enumerate() {
            let in_window = all[i..].iter().filter(|t| **t < start + 60_000).count();
            assert!(
                in_window <= 10,
                "{in_window} requests within a minute from {start} ms: {all:?}"
            );
        }
        // The last four wait for the first four to leave the window.
        assert_eq!(&all[10..], [60_000, 60_000, 60_000, 60_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn several_tokens_share_the_load() {
        let limiter = Arc::new(RateLimiter::new(2, 2));
        let got = turns(limiter, 6).await;
        let at: Vec<u128> = got.iter().map(|t| t.1).collect();
        assert_eq!(at, [0, 0, 0, 0, 60_000, 60_000]);
        let per_token = got.iter().filter(|t| t.0 == 0).count();
        assert_eq!(per_token, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_silences_only_its_token() {
        let limiter = Arc::new(RateLimiter::new(60, 2));
        limiter.pause(0, Duration::from_secs(10));
        let got = turns(Arc::clone(&limiter), 3).await;
        assert_eq!(got, [(1, 0), (1, 0), (1, 0)]);
        tokio::time::sleep(Duration::from_secs(10)).await;
        let got = turns(limiter, 2).await;
        assert_eq!(got.iter().map(|t| t.1).collect::<Vec<_>>(), [0, 0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_during_a_wait_pushes_the_turn_back() {
        let limiter = Arc::new(RateLimiter::new(1, 1));
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
        limiter.pause(0, Duration::from_secs(70));
        // Booked for t=60 s, paused at t=0.5 s until t=70.5 s: the turn comes at 70.5 s.
        assert_eq!(waiting.await.unwrap(), 70_500);
    }
}
