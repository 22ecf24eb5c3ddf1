//! A circuit breaker per channel: when a channel fails too often, stop sending on it for a
//! while instead of burning every recipient's attempts on a server that is down.
//!
//! Closed, it counts the outcomes of the last [`BreakerSettings::window`] and opens when more
//! than [`BreakerSettings::max_failure_percent`] of them failed, once at least
//! [`BreakerSettings::minimum_sends`] were counted (so one early failure out of three does
//! not halt a channel). Open, it refuses sends for [`BreakerSettings::cool_down`]; then it
//! lets a single probe through (half-open): a success closes it, a failure opens it again.
//!
//! Time is passed in, so the states are tested without sleeping.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// When a breaker opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// How far back outcomes count.
    pub window: Duration,
    /// The breaker opens when strictly more than this percentage of the counted sends failed.
    pub max_failure_percent: u32,
    /// The fewest counted sends before the ratio is judged.
    pub minimum_sends: usize,
    /// How long an open breaker refuses sends before it lets a probe through.
    pub cool_down: Duration,
}

impl Default for BreakerSettings {
    /// More than 5 % failed over 60 s (issue #16), judged from 20 sends on: the smallest
    /// count at which one failure is not already more than 5 % (1 of 20 is exactly 5 %), so a
    /// lone failure never opens it. Open for 30 s before a probe.
    fn default() -> Self {
        BreakerSettings {
            window: Duration::from_mins(1),
            max_failure_percent: 5,
            minimum_sends: 20,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// Whether a send may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: send.
    Send,
    /// Half-open: send this one as the probe, and wait for its outcome before any other.
    Probe,
    /// Half-open with the probe still out: hold the next send until the probe's outcome.
    Wait,
    /// Open: do not send on this channel now.
    Refuse,
}

/// A change of state worth journaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The breaker opened (from closed, or after a failed probe).
    Opened,
    /// A probe succeeded and the breaker closed.
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// The circuit breaker of one channel.
#[derive(Debug, Clone)]
pub struct Breaker {
    settings: BreakerSettings,
    state: State,
    /// `(when, failed)` of the sends counted while closed, oldest first.
    outcomes: VecDeque<(Instant, bool)>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(settings: BreakerSettings) -> Breaker {
        Breaker {
            settings,
            state: State::Closed,
            outcomes: VecDeque::new(),
        }
    }

    /// Whether a send may go at `now`; an open breaker whose cool-down is over turns
    /// half-open and answers [`Admission::Probe`] once.
    pub fn admit(&mut self, now: Instant) -> Admission {
        match self.state {
            State::Closed => Admission::Send,
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen { probing: true };
                Admission::Probe
            }
            State::Open { .. } => Admission::Refuse,
            State::HalfOpen { probing: true } => Admission::Wait,
            State::HalfOpen { probing: false } => {
                self.state = State::HalfOpen { probing: true };
                Admission::Probe
            }
        }
    }

    /// Gives back a probe admitted but not sent (no token, or a run that ended before its
    /// outcome), so the next [`Breaker::admit`] answers [`Admission::Probe`] again.
    pub fn release_probe(&mut self) {
        if self.state == (State::HalfOpen { probing: true }) {
            self.state = State::HalfOpen { probing: false };
        }
    }

    /// Whether the breaker refuses sends (open, cool-down not over, as of the last call).
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// Counts the outcome of a send that finished at `now`. A probe's outcome decides the
    /// half-open state; outcomes of sends admitted before the breaker opened are ignored
    /// while it is open.
    pub fn record(&mut self, now: Instant, failed: bool) -> Option<Transition> {
        match self.state {
            State::Open { .. } => None,
            State::HalfOpen { .. } => {
                if failed {
                    self.open(now);
                    Some(Transition::Opened)
                } else {
                    self.state = State::Closed;
                    self.outcomes.clear();
                    Some(Transition::Closed)
                }
            }
            State::Closed => {
                self.outcomes.push_back((now, failed));
                while let Some((when, _)) = self.outcomes.front() {
                    if now.saturating_duration_since(*when) > self.settings.window {
                        self.outcomes.pop_front();
                    } else {
                        break;
                    }
                }
                let sends = self.outcomes.len();
                let failures = self.outcomes.iter().filter(|(_, failed)| *failed).count();
                let percent = u64::from(self.settings.max_failure_percent);
                let tripped = sends >= self.settings.minimum_sends
                    && failures as u64 * 100 > sends as u64 * percent;
                if tripped {
                    self.open(now);
                    Some(Transition::Opened)
                } else {
                    None
                }
            }
        }
    }

    fn open(&mut self, now: Instant) {
        self.state = State::Open {
            until: now + self.settings.cool_down,
        };
        self.outcomes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record_many(
        breaker: &mut Breaker,
        now: Instant,
        failed: bool,
        count: usize,
    ) -> Vec<Transition> {
        (0..count)
            .filter_map(|_| breaker.record(now, failed))
            .collect()
    }

    #[test]
    fn exactly_five_percent_does_not_open_but_more_does() {
        let start = Instant::now();
        let mut breaker = Breaker::new(BreakerSettings::default());
        assert_eq!(record_many(&mut breaker, start, false, 19), []);
        assert_eq!(
            breaker.record(start, true),
            None,
            "1 of 20 is 5 %, not more"
        );
        assert_eq!(breaker.admit(start), Admission::Send);
        assert_eq!(record_many(&mut breaker, start, false, 18), []);
        // 2 of 39 is 5.1 %.
        assert_eq!(breaker.record(start, true), Some(Transition::Opened));
        assert!(breaker.is_open());
        assert_eq!(breaker.admit(start), Admission::Refuse);
    }

    #[test]
    fn early_failures_below_the_minimum_do_not_open() {
        let start = Instant::now();
        let mut breaker = Breaker::new(BreakerSettings::default());
        assert_eq!(record_many(&mut breaker, start, true, 19), []);
        assert_eq!(breaker.admit(start), Admission::Send);
        assert_eq!(breaker.record(start, true), Some(Transition::Opened));
    }

    #[test]
    fn outcomes_older_than_the_window_stop_counting() {
        let start = Instant::now();
        let mut breaker = Breaker::new(BreakerSettings::default());
        assert_eq!(record_many(&mut breaker, start, true, 10), []);
        // A minute and a bit later the ten failures have aged out: 19 successes and one
        // failure is 5 %, which does not open.
        let later = start + Duration::from_secs(61);
        assert_eq!(record_many(&mut breaker, later, false, 19), []);
        assert_eq!(breaker.record(later, true), None);
        assert_eq!(breaker.admit(later), Admission::Send);
    }

    #[test]
    fn after_the_cool_down_one_probe_decides() {
        let start = Instant::now();
        let settings = BreakerSettings::default();
        let mut breaker = Breaker::new(settings);
        assert_eq!(
            record_many(&mut breaker, start, true, 20),
            [Transition::Opened]
        );
        let almost = start + settings.cool_down.saturating_sub(Duration::from_millis(1));
        assert_eq!(breaker.admit(almost), Admission::Refuse);

        let cooled = start + settings.cool_down;
        assert_eq!(breaker.admit(cooled), Admission::Probe);
        assert_eq!(
            breaker.admit(cooled),
            Admission::Wait,
            "one probe at a time"
        );
        breaker.release_probe();
        assert_eq!(
            breaker.admit(cooled),
            Admission::Probe,
            "a released probe goes again"
        );
        assert_eq!(breaker.record(cooled, true), Some(Transition::Opened));
        assert_eq!(breaker.admit(cooled), Admission::Refuse);

        let again = cooled + settings.cool_down;
        assert_eq!(breaker.admit(again), Admission::Probe);
        assert_eq!(breaker.record(again, false), Some(Transition::Closed));
        assert_eq!(breaker.admit(again), Admission::Send);
        // Closed afresh: the old failures do not count any more.
        assert_eq!(breaker.record(again, true), None);
    }

    #[test]
    fn late_outcomes_of_sends_started_before_it_opened_are_ignored() {
        let start = Instant::now();
        let mut breaker = Breaker::new(BreakerSettings::default());
        record_many(&mut breaker, start, true, 20);
        assert_eq!(breaker.record(start, false), None);
        assert!(breaker.is_open());
    }
}
