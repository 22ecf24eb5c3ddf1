//! `roster sandbox serve`: run the Genesys Cloud emulator as a process, for demos and for
//! trying roster against an org you can break.

use std::net::SocketAddr;
use std::path::PathBuf;

use roster_sandbox::{ControlToken, OrgCredentials, Prepared, ServeOptions, load_seed_file};
use tokio::net::TcpListener;

use crate::exit::ExitStatus;
use crate::failure::Failure;

/// Subcommands of `roster sandbox`.
#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve the emulator until Ctrl-C or SIGTERM. Point an org's `apiBase` at the printed URL.
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
        /// Seed an org from a YAML seed file (the format of `sandbox: { seed: ... }`), as
        /// `ORG=FILE`, or `FILE` when one org is served (repeatable). Only a fresh start is
        /// seeded: an org restored from `--state` keeps its state.
        #[arg(long = "seed", value_name = "[ORG=]FILE")]
        seeds: Vec<String>,
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
        seeds,
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
    let prepared = Prepared::new(ServeOptions {
        orgs,
        state_file: state.clone(),
        control_token: control_token.clone(),
        ..ServeOptions::default()
    })
    .map_err(|err| Failure::because("cannot start the sandbox", &err))?;
    let names = prepared.org_names();
    seed_orgs(&prepared, seeds, &names)?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|err| Failure::because(format!("cannot listen on {listen}"), &err))?;
    let address = listener
        .local_addr()
        .map_err(|err| Failure::because("cannot read the bound address", &err))?;
    // Listening before saying so: a Ctrl-C right after the line saves the state too.
    let signals = crate::signals::Signals::listen();
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
    let shutdown = crate::signals::Signals::first(signals);
    prepared
        .serve(listener, shutdown)
        .await
        .map_err(|err| Failure::caused(&err))?;
    Ok(ExitStatus::Success)
}

/// Seeds the orgs `--seed` names, on a fresh start only.
fn seed_orgs(prepared: &Prepared, seeds: &[String], names: &[String]) -> Result<(), Failure> {
    for seed in seeds {
        let (org, file) = match seed.split_once('=') {
            Some((org, file)) => (org.to_owned(), file),
            None => match names {
                [only] => (only.clone(), seed.as_str()),
                _ => {
                    return Err(Failure::usage(format!(
                        "`--seed {seed}`: several orgs are served ({}); say which",
                        names.join(", ")
                    ))
                    .with_hint(format!("write `--seed {}={seed}`", names[0])));
                }
            },
        };
        if !names.contains(&org) {
            return Err(
                Failure::usage(format!("`--seed {seed}`: no org `{org}` is served"))
                    .with_hint(format!("served orgs: {}", names.join(", "))),
            );
        }
        if !prepared.is_fresh() {
            eprintln!("`{org}` restored from `--state`: `--seed {seed}` is not applied");
            continue;
        }
        let path = std::path::Path::new(file);
        let loaded = load_seed_file(path)
            .map_err(|err| Failure::because(format!("cannot read the seed `{file}`"), &err))?;
        prepared.seed(&org, &loaded).map_err(|err| {
            Failure::because(format!("cannot seed org `{org}` from `{file}`"), &err)
        })?;
    }
    Ok(())
}
