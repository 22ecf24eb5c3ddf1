//! `roster sandbox serve`: run the Genesys Cloud emulator as a process, for demos and for
//! trying roster against an org you can break.

use std::net::SocketAddr;
use std::path::PathBuf;

use roster_sandbox::{OrgCredentials, ServeOptions, serve};
use tokio::net::TcpListener;

use crate::exit::ExitStatus;
use crate::failure::Failure;

/// Subcommands of `roster sandbox`.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator until Ctrl-C. Point an org's `apiBase` at the printed URL.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// An org as `NAME:CLIENT_ID:SECRET` (repeatable); default `sandbox:sandbox:sandbox`.
        #[arg(long = "org", value_name = "NAME:CLIENT_ID:SECRET")]
        orgs: Vec<String>,
        /// Load the state from this file at start, save it on change and at shutdown.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
}

/// Runs the command.
pub async fn run(command: &SandboxCommand) -> Result<ExitStatus, Failure> {
    let SandboxCommand::Serve {
        listen,
        orgs,
        state,
    } = command;
    let orgs = orgs
        .iter()
        .map(|spec| OrgCredentials::parse(spec).map_err(|err| Failure::usage(err.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|err| Failure::because(format!("cannot listen on {listen}"), &err))?;
    let address = listener
        .local_addr()
        .map_err(|err| Failure::because("cannot read the bound address", &err))?;
    let names: Vec<String> = if orgs.is_empty() {
        vec!["sandbox".into()]
    } else {
        orgs.iter().map(|org| org.name.clone()).collect()
    };
    println!(
        "roster sandbox serving http://{address} (orgs: {})",
        names.join(", ")
    );
    println!("use it as an org's `apiBase: http://{address}`; Ctrl-C stops");
    let options = ServeOptions {
        orgs,
        state_file: state.clone(),
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(listener, options, shutdown)
        .await
        .map_err(|err| Failure::caused(&err))?;
    Ok(ExitStatus::Success)
}
