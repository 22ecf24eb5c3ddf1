//! The `roster` command-line tool: contact-center configuration as code for Genesys Cloud.
//!
//! Each subcommand lives in its own module and only parses its arguments, calls
//! `roster-service`, renders and picks an exit code; this file parses the global flags,
//! installs logging, dispatches, and turns every outcome into one rendering and one exit code
//! (DESIGN §6).

mod annotations;
mod apply_cmd;
mod check_cmd;
mod completions_cmd;
mod drift_cmd;
mod errors;
mod exit;
mod export_cmd;
mod failure;
mod help;
mod hints;
mod journal_cmd;
mod notify_cmd;
mod offboard_cmd;
mod plan_cmd;
mod progress_lines;
mod read_cost;
mod reports;
mod sandbox_cmd;
mod serve_cmd;
mod show_cmd;
mod signals;
mod skipped;
mod ui;
mod validate;
mod workspace;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::exit::ExitStatus;
use crate::failure::Failure;
use crate::ui::{ColorChoice, Ui};

/// `--version`: the version and the git commit the binary was built from (`build.rs`;
/// `unknown` when built outside a git checkout).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ROSTER_GIT_COMMIT"),
    ")"
);

/// Contact-center configuration as code for Genesys Cloud.
///
/// roster reads YAML manifests (skills, languages, wrap-up codes, queues, teams, routing
/// profiles and users) from a git repository, compares them with each live org, shows a plan,
/// and applies it in dependency order inside the org's rate limit, with an audit journal.
///
/// Start with `roster validate`, then `roster plan`; `roster apply` makes the changes.
/// Exit codes: 0 success or no changes, 1 error or failed operations, 2 changes present
/// (with --detailed-exitcode), 3 blocked by the safety policy, 4 stale plan, 64 usage error.
#[derive(Debug, Parser)]
#[command(
    name = "roster",
    version = VERSION,
    about,
    long_about,
    after_long_help = help::ROSTER,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log more to stderr: `-v` every API request (method, path, status, time), `-vv`
    /// everything roster does. `RUST_LOG` overrides. Secrets and tokens are never logged.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Log only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// When to colour output (`auto` honours `NO_COLOR`, `CLICOLOR_FORCE` and `TERM=dumb`).
    #[arg(
        long,
        value_enum,
        default_value_t,
        global = true,
        value_name = "WHEN",
        env = "ROSTER_COLOR"
    )]
    color: ColorChoice,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the manifests without contacting any org.
    #[command(after_long_help = help::VALIDATE)]
    Validate(validate::ValidateArgs),
    /// Show what `apply` would change in each org; change nothing.
    #[command(after_long_help = help::PLAN)]
    Plan(plan_cmd::PlanArgs),
    /// Make each org match the manifests (or apply a saved plan).
    #[command(after_long_help = help::APPLY)]
    Apply(apply_cmd::ApplyArgs),
    /// Show a plan saved with `roster plan --out FILE`, without reading any org.
    #[command(after_long_help = help::SHOW)]
    Show(show_cmd::Args),
    /// Write an org's configuration as manifests (to adopt roster, or to clone an org).
    #[command(after_long_help = export_cmd::EXAMPLES)]
    Export(export_cmd::Args),
    /// Offboard users now: strip routing and roles, deactivate, and mark them inactive in
    /// the manifests.
    #[command(after_long_help = help::OFFBOARD)]
    Offboard(offboard_cmd::Args),
    /// Report what in each org no longer matches git, and who changed it (read only).
    #[command(after_long_help = help::DRIFT)]
    Drift(drift_cmd::DriftArgs),
    /// Report readiness problems a plan cannot express: queues no WFM planning group covers,
    /// agents in no management unit, numbers outside pools or shared, licence mismatches.
    #[command(after_long_help = help::CHECK)]
    Check(check_cmd::CheckArgs),
    /// Run the server: HR webhooks processed exactly once, scheduled drift checks, status
    /// and metrics (`serve:` in roster.yaml).
    #[command(after_long_help = help::SERVE)]
    Serve(serve_cmd::ServeArgs),
    /// Tell people about changes and announcements: who hears what and when, sending, the
    /// outbox (`notify:` in roster.yaml).
    #[command(subcommand, after_long_help = help::NOTIFY)]
    Notify(notify_cmd::NotifyCommand),
    /// Check or read the audit journal.
    #[command(subcommand, after_long_help = help::JOURNAL)]
    Journal(journal_cmd::JournalCommand),
    /// Run the local Genesys Cloud emulator.
    #[command(subcommand, after_long_help = help::SANDBOX)]
    Sandbox(sandbox_cmd::SandboxCommand),
    /// Print the JSON Schema of manifest files (for editors: `yaml-language-server`).
    #[command(after_long_help = help::SCHEMA)]
    Schema,
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_long_help = help::COMPLETIONS)]
    Completions(completions_cmd::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with success; real usage errors exit 64.
            let usage_error = err.use_stderr();
            let _ = err.print();
            return if usage_error {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    let mut ui = Ui::detect(cli.color, cli.verbose > 0);
    ui.progress_lines &= !cli.quiet;
    ui.quiet = cli.quiet;
    if matches!(cli.command, Command::Serve(_)) {
        ui::init_server_logging(cli.verbose, cli.quiet);
    } else {
        ui::init_logging(cli.verbose, cli.quiet, ui.color_stderr);
    }
    // A plan or apply asked for as JSON fails as JSON too, on stdout, besides the message on
    // stderr.
    let json_failure = match &cli.command {
        Command::Plan(args) => args.format == plan_cmd::Format::Json,
        Command::Apply(args) => args.format == apply_cmd::ApplyFormat::Json,
        Command::Drift(args) => args.format == reports::ReportFormat::Json,
        Command::Check(args) => args.format == reports::ReportFormat::Json,
        _ => false,
    };
    let outcome = match cli.command {
        Command::Validate(args) => Ok(validate::run(&args, ui)),
        Command::Schema => Ok(exit::print_stdout(&roster_manifest::json_schema_string())),
        Command::Journal(command) => journal_cmd::run(&command),
        Command::Show(args) => show_cmd::run(&args, ui),
        Command::Completions(args) => Ok(completions_cmd::run(&args, Cli::command())),
        Command::Plan(args) => block_on(plan_cmd::run(&args, ui)),
        Command::Apply(args) => block_on(apply_cmd::run(&args, ui)),
        Command::Sandbox(command) => block_on(sandbox_cmd::run(&command)),
        Command::Export(args) => block_on(export_cmd::run(&args, ui)),
        Command::Offboard(args) => block_on(offboard_cmd::run(&args, ui)),
        Command::Drift(args) => block_on(drift_cmd::run(&args, ui)),
        Command::Check(args) => block_on(check_cmd::run(&args, ui)),
        Command::Serve(args) => block_on(serve_cmd::run(&args, ui)),
        Command::Notify(command) => block_on(notify_cmd::run(&command, ui)),
    };
    match outcome {
        Ok(status) => status.into(),
        Err(failure) => {
            if json_failure {
                let mut document = failure.to_json().to_string();
                document.push('\n');
                exit::print_stdout(&document);
            }
            failure.report().into()
        }
    }
}

/// Runs a command's future on a multi-threaded runtime (orgs are planned concurrently).
fn block_on<F: Future<Output = Result<ExitStatus, Failure>>>(
    future: F,
) -> Result<ExitStatus, Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure::because("cannot start the async runtime", &err))?;
    runtime.block_on(future)
}
