//! Ctrl-C and SIGTERM (what CI sends when a job is cancelled), for the commands that stop
//! cleanly on them: `apply` and `drift --watch`.

/// Waits for Ctrl-C or SIGTERM; `false` if neither can be listened for.
pub async fn signal() -> bool {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return tokio::signal::ctrl_c().await.is_ok();
        };
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => interrupted.is_ok(),
            _ = term.recv() => true,
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.is_ok()
    }
}
