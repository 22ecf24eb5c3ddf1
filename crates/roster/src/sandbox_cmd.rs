//! `roster sandbox serve`: run the Genesys Cloud emulator as a process, for demos and for
//! trying roster against an org you can break.

use std::net::SocketAddr;
use std::path::PathBuf;

use roster_sandbox::{ControlToken, OrgCredentials, ServeOptions, serve};
use tokio::net::TcpListener;

use crate::exit::ExitStatus;
use crate::failure::Failure;

/// Subcommands of `roster sandbox`.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator until Ctrl-C. Point an org's `apiBase` at the printed URL.
    Serve {
        /// Address to listen on. The default is loopback only; another address exposes the
        /// emulator (and its control routes) to the network, so pair it with
        /// `--control-token-env`.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// An org as `NAME:CLIENT_ID:SECRET` (repeatable); default `sandbox:sandbox:sandbox`.
        #[arg(long = "org", value_name = "NAME:CLIENT_ID:SECRET")]
        orgs: Vec<String>,
        /// Load the state from this file at start, save it on change and at shutdown.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// Require `Authorization: Bearer <token>` on the control routes (`/__sandbox/...`),
        /// the token read from this environment variable (never from the command line, where
        /// other users of the machine could read it).
        #[arg(long, value_name = "VAR")]
        control_token_env: Option<String>,
    },
}

/// Runs the command.
pub async fn run(command: &SandboxCommand) -> Result<ExitStatus, Failure> {
    let SandboxCommand::Serve {
        listen,
        orgs,
        state,
        control_token_env,
    } = command;
    let control_token = match control_token_env {
        None => None,
        Some(variable) => {
            let token = std::env::var(variable).unwrap_or_default();
            Some(ControlToken::new(token).ok_or_else(|| {
                Failure::usage(format!(
                    "`--control-token-env {variable}`: the environment variable `{variable}` is not set or empty"
                ))
                .with_hint(format!(
                    "set it to a long random value, e.g. `export {variable}=$(openssl rand -hex 32)`"
                ))
            })?)
        }
    };
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
    if control_token.is_some() {
        println!("control routes (`/__sandbox/...`) need `Authorization: Bearer <control token>`");
    } else if !address.ip().is_loopback() {
        eprintln!(
            "warning: listening on {address} beyond this machine, and the control routes (`/__sandbox/...`) need no token"
        );
        eprintln!("hint: pass `--control-token-env VAR` to require one");
    }
    let options = ServeOptions {
        orgs,
        state_file: state.clone(),
        control_token,
        ..ServeOptions::default()
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    serve(listener, options, shutdown)
        .await
        .map_err(|err| Failure::caused(&err))?;
    Ok(ExitStatus::Success)
}
