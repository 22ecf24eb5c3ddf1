//! `roster serve`: the long-running server of a deployment (HR webhooks, scheduled drift,
//! status and metrics), configured by `serve:` in `roster.yaml`.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The folder holding `roster.yaml` (with its `serve:` section).
    #[arg(default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
    /// Listen on ADDR (`127.0.0.1:8080`; port 0 picks a free one) instead of `serve.listen`.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn run(args: &ServeArgs, ui: Ui) -> Result<ExitStatus, Failure> {
    let workspace = workspace::load(&args.dir, ui)?;
    let signals = crate::signals::Signals::listen();
    let shutdown = async move {
        crate::signals::Signals::first(signals).await;
        eprintln!("roster serve: stopping: finishing the event in flight");
    };
    roster_serve::serve(
        workspace,
        args.listen,
        |address| eprintln!("roster serve: listening on http://{address}"),
        shutdown,
    )
    .await
    .map_err(|error| Failure::caused(&error))?;
    eprintln!("roster serve: stopped");
    Ok(ExitStatus::Success)
}
