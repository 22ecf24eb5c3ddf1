//! Ctrl-C and SIGTERM (what CI or a service manager sends to stop a job), for the commands
//! that stop cleanly on them: `apply`, `drift --watch`, `serve` and `sandbox serve`.

/// Ctrl-C and SIGTERM, listened for from the moment [`Signals::listen`] returns (on Unix;
/// elsewhere Ctrl-C only, from the first [`Signals::next`]). A signal that arrives before
/// [`Signals::next`] is awaited waits for it. (A listener made on its
/// first poll, as `tokio::signal::ctrl_c()` is, leaves the default action in place until
/// then: a Ctrl-C sent just after a server said it was ready ended the process without
/// saving.)
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening, inside the runtime; `None` if Ctrl-C cannot be listened for.
    pub fn listen() -> Option<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Signals {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok(),
            })
        }
        #[cfg(not(unix))]
        {
            Some(Signals {})
        }
    }

    /// Resolves on the first Ctrl-C or SIGTERM `signals` hears; never when it is `None`
    /// (nothing could be listened for).
    pub async fn first(signals: Option<Signals>) {
        match signals {
            Some(mut signals) => signals.next().await,
            None => std::future::pending().await,
        }
    }

    /// Waits for the next Ctrl-C or SIGTERM.
    pub async fn next(&mut self) {
        #[cfg(unix)]
        {
            match &mut self.terminate {
                Some(terminate) => tokio::select! {
                    _ = self.interrupt.recv() => {}
                    _ = terminate.recv() => {}
                },
                None => {
                    self.interrupt.recv().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
