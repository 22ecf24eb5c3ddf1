//! When a quiet socket is pinged, and when it is given up.
//!
//! The server sends a `channel.metadata` "WebSocket Heartbeat" about every 30 s; "if you do
//! not receive a heartbeat or pong, close and reconnect" (REFERENCE-events-entitlements §1.5).
//! So: after [`Liveness`]'s `ping_after` without any frame the client sends
//! `{"message":"ping"}` once; after `silence_limit` without any frame it gives the socket up.
//! Any frame counts as a sign of life (the exact pong payload is UNCONFIRMED).

use std::time::Duration;

use tokio::time::Instant;

/// What a quiet socket needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Nothing yet.
    Wait,
    /// Send a ping.
    Ping,
    /// Close it and reconnect.
    GiveUp,
}

/// The liveness of one socket.
#[derive(Debug, Clone)]
pub(crate) struct Liveness {
    last_heard: Instant,
    pinged: bool,
    ping_after: Duration,
    silence_limit: Duration,
}

impl Liveness {
    /// A socket heard from at `now`.
    pub(crate) fn new(now: Instant, ping_after: Duration, silence_limit: Duration) -> Self {
        Liveness {
            last_heard: now,
            pinged: false,
            ping_after,
            silence_limit: silence_limit.max(ping_after),
        }
    }

    /// A frame arrived.
    pub(crate) fn heard(&mut self, now: Instant) {
        self.last_heard = now;
        self.pinged = false;
    }

    /// When [`Liveness::check`] has something to say next.
    pub(crate) fn next_check(&self) -> Instant {
        if self.pinged {
            self.last_heard + self.silence_limit
        } else {
            self.last_heard + self.ping_after
        }
    }

    /// What to do at `now`; a ping is asked for once per silence.
    pub(crate) fn check(&mut self, now: Instant) -> Check {
        let quiet = now.saturating_duration_since(self.last_heard);
        if quiet >= self.silence_limit {
            Check::GiveUp
        } else if quiet >= self.ping_after && !self.pinged {
            self.pinged = true;
            Check::Ping
        } else {
            Check::Wait
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_socket_is_pinged_once_then_given_up_unless_it_answers() {
        let start = Instant::now();
        let at = |seconds| start + Duration::from_secs(seconds);
        let mut liveness = Liveness::new(start, Duration::from_secs(40), Duration::from_secs(70));
        assert_eq!(liveness.next_check(), at(40));
        assert_eq!(liveness.check(at(39)), Check::Wait);
        assert_eq!(liveness.check(at(40)), Check::Ping);
        assert_eq!(liveness.next_check(), at(70));
        assert_eq!(liveness.check(at(50)), Check::Wait, "one ping per silence");
        // The pong (or a heartbeat) arrives: the clock starts again.
        liveness.heard(at(55));
        assert_eq!(liveness.next_check(), at(95));
        assert_eq!(liveness.check(at(95)), Check::Ping);
        assert_eq!(liveness.check(at(124)), Check::Wait);
        assert_eq!(liveness.check(at(125)), Check::GiveUp);
    }
}
