//! `roster offboard`: immediate offboarding for terminations that cannot wait for a merge
//! (DESIGN §2.5). The workflow is [`roster_service::offboard`]; this command shows its plan,
//! its outcome and the manifest edits as a diff.

use std::path::PathBuf;

use roster_model::Email;
use roster_plan::{Acknowledge, PlanSet, TextOptions, render_text_with};
use roster_service::offboard::{self, ManifestEdit, OffboardRequest};
use similar::TextDiff;

use crate::exit::{ExitStatus, print_stdout};
use crate::failure::Failure;
use crate::ui::Ui;
use crate::workspace;

/// Arguments of `roster offboard`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The users to offboard, by email.
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,
    /// The org to offboard them from (as named in `roster.yaml`).
    #[arg(long, value_name = "NAME", env = "ROSTER_ORG")]
    pub org: String,
    /// Why, for the audit journal (a termination, a security incident).
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// The HR or incident ticket, for the audit journal.
    #[arg(long, value_name = "ID")]
    pub event_id: Option<String>,
    /// Do not edit the manifests to `state: inactive`.
    #[arg(long)]
    pub no_edit: bool,
    /// Offboard more users than `policy.limits` allows: pass the digest the refusal prints.
    #[arg(long, value_name = "DIGEST")]
    pub allow_destructive: Option<String>,
    /// Offboard without asking (needed when not run on a terminal).
    #[arg(long)]
    pub yes: bool,
    /// The folder holding `roster.yaml`.
    #[arg(long, default_value = ".", env = "ROSTER_DIR")]
    pub dir: PathBuf,
}

/// Runs the command.
pub async fn run(args: &Args, ui: Ui) -> Result<ExitStatus, Failure> {
    let emails = parse_emails(&args.emails)?;
    if args.reason.trim().is_empty() {
        return Err(Failure::usage("`--reason` must say why"));
    }
    // Refused before anything is read: nobody is there to confirm the plan.
    if !args.yes && !ui.interactive {
        return Err(
            Failure::usage("`roster offboard` needs `--yes` when not run on a terminal")
                .with_hint(format!("once sure, run `{} --yes`", same_command(args))),
        );
    }
    let workspace = workspace::load(&args.dir, ui)?;
    let spec = *roster_service::select(&workspace, std::slice::from_ref(&args.org))?
        .first()
        .ok_or_else(|| Failure::usage("no org selected"))?;
    let request = OffboardRequest {
        emails,
        reason: args.reason.clone(),
        event_id: args.event_id.clone(),
        allow_destructive: args.allow_destructive.clone(),
        git_commit: roster_service::head_commit(&workspace.root),
        suspend: false,
    };
    let progress = ui.progress_sink();
    let in_org = |error: offboard::OffboardError| Failure::from(error).in_org(&spec.name);
    let offboarding = offboard::prepare(&workspace, spec, request, &progress)
        .await
        .map_err(in_org)?;
    for email in offboarding.already_inactive() {
        eprintln!("{email} is already inactive in `{}`", spec.name);
    }
    if let Some(plan) = offboarding.plan() {
        let set = PlanSet::new(vec![plan.clone()]);
        let printed = print_stdout(&render_text_with(
            &set,
            TextOptions {
                color: ui.color,
                acknowledge: Acknowledge::Offboard,
            },
        ));
        if printed != ExitStatus::Success {
            return Ok(printed);
        }
        // A blocked plan is refused by `run` below: nothing to ask.
        let acknowledged = args.allow_destructive.as_deref() == Some(plan.digest.as_str());
        let blocked = plan.blocked.is_some() && !acknowledged;
        if !args.yes && !blocked && !ui.confirm("Offboard these users now?") {
            eprintln!("nothing offboarded");
            return Ok(ExitStatus::Success);
        }
    }
    let emails = offboarding.emails().to_vec();
    let report = offboarding.run(&progress).await.map_err(in_org)?;
    let mut status = ExitStatus::Success;
    if let Some(summary) = &report.summary {
        eprintln!("{}: {summary}", spec.name);
        if !summary.is_success() {
            eprintln!(
                "hint: run `{} --yes` again (or `roster apply{}` once the manifests say `state: inactive`) to finish",
                same_command(args),
                crate::hints::selection(&args.dir, [args.org.as_str()])
            );
            status = ExitStatus::Failure;
        }
    }
    if !args.no_edit {
        let edits = offboard::edit_manifests(&workspace.root, spec, &emails)?;
        show_edits(&spec.name, &edits)?;
    }
    Ok(status)
}

/// This command as typed, to repeat in a hint (single-quoted where the shell needs it).
fn same_command(args: &Args) -> String {
    fn quoted(text: &str) -> String {
        if !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@._-/+:".contains(c))
        {
            text.to_owned()
        } else {
            format!("'{}'", text.replace('\'', r"'\''"))
        }
    }
    let mut words = vec!["roster".to_owned(), "offboard".to_owned()];
    words.extend(args.emails.iter().map(|email| quoted(email)));
    words.extend(["--org".to_owned(), quoted(&args.org)]);
    words.extend(["--reason".to_owned(), quoted(&args.reason)]);
    if let Some(id) = &args.event_id {
        words.extend(["--event-id".to_owned(), quoted(id)]);
    }
    if args.no_edit {
        words.push("--no-edit".to_owned());
    }
    if let Some(digest) = &args.allow_destructive {
        words.extend(["--allow-destructive".to_owned(), quoted(digest)]);
    }
    if args.dir != std::path::Path::new(".") {
        words.extend(["--dir".to_owned(), quoted(&args.dir.display().to_string())]);
    }
    words.join(" ")
}

fn parse_emails(raw: &[String]) -> Result<Vec<Email>, Failure> {
    raw.iter()
        .map(|text| Email::parse(text).map_err(|err| Failure::usage(format!("`{text}`: {err}"))))
        .collect()
}

/// Prints each manifest edit: the diff of an edited file, a line for the others.
fn show_edits(org: &str, edits: &[ManifestEdit]) -> Result<(), Failure> {
    for edit in edits {
        match edit {
            ManifestEdit::Edited {
                file,
                before,
                after,
                ..
            } => {
                let diff = TextDiff::from_lines(before, after)
                    .unified_diff()
                    .context_radius(2)
                    .header(file, file)
                    .to_string();
                if print_stdout(&diff) != ExitStatus::Success {
                    return Err(Failure::error("cannot print the diff"));
                }
            }
            ManifestEdit::AlreadyInactive { email, file } => {
                eprintln!("{email} is already `state: inactive` in `{file}`");
            }
            ManifestEdit::NotDeclared { email } => {
                eprintln!("{email} is not declared in the manifests of `{org}`; nothing to edit");
            }
        }
    }
    Ok(())
}
