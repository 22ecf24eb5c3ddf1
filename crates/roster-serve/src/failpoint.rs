//! A test-only fail point: with the `failpoints` feature, the environment variable
//! `ROSTER_TESTING_SERVE_CRASH_BEFORE_PROCESSING=1` aborts the process right after the worker
//! claims an event and before it runs (an acknowledged event, not yet processed), so a test
//! can check that the next start processes it exactly once. Release builds have no such code.

/// The fail point's environment variable.
#[cfg(feature = "failpoints")]
const CRASH: &str = "ROSTER_TESTING_SERVE_CRASH_BEFORE_PROCESSING";

/// Aborts the process when the fail point is armed.
pub fn before_processing() {
    #[cfg(feature = "failpoints")]
    if std::env::var_os(CRASH).is_some_and(|value| value == "1") {
        std::process::abort();
    }
}
