//! Fail points for crash tests, compiled only with the `failpoints` feature (testing only).
//!
//! `ROSTER_TESTING_ABORT_AFTER_WRITES=N` aborts the process (no unwinding, no destructors, as
//! a `kill -9` or a power cut would stop it) right after the N-th operation of a run came back
//! from the org, before its outcome is journaled: its writes reached the org, the journal
//! holds its intent and nothing more.

/// The variable that arms the fail point.
pub(crate) const ABORT_AFTER_WRITES: &str = "ROSTER_TESTING_ABORT_AFTER_WRITES";

/// Counts the operations of one run that came back, and aborts at the armed one.
pub(crate) struct AbortAfterWrites {
    armed: Option<usize>,
    done: usize,
}

impl AbortAfterWrites {
    /// Armed from [`ABORT_AFTER_WRITES`], if set to a number.
    pub(crate) fn from_env() -> Self {
        let armed = std::env::var(ABORT_AFTER_WRITES)
            .ok()
            .and_then(|value| value.parse().ok());
        AbortAfterWrites { armed, done: 0 }
    }

    /// Called when an operation came back from the org, before anything is journaled.
    pub(crate) fn after_write(&mut self) {
        self.done += 1;
        if self.armed == Some(self.done) {
            eprintln!("{ABORT_AFTER_WRITES}: aborting after write {}", self.done);
            std::process::abort();
        }
    }
}
