//! The text under each `--help`: examples per subcommand, the exit codes where CI depends on
//! them, and the `ROSTER_*` environment variables.

/// Exit codes, as `plan --help` and `apply --help` show them (DESIGN §6).
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0   success, or nothing to change
  1   error, or some operations failed
  2   changes present (only with --detailed-exitcode)
  3   blocked by the safety policy (policy.limits)
  4   a saved plan no longer matches the org
  64  usage error"
    };
}

/// Under `roster --help`.
pub const ROSTER: &str = "\
Examples:
  roster validate
  roster plan --org prod-us
  roster apply --org prod-us

Environment:
  ROSTER_DIR           the folder holding roster.yaml (DIR of validate, plan and apply,
                       --dir of offboard)
  ROSTER_ORG           one org, as --org (plan, apply, export, offboard, drift, check)
  ROSTER_COLOR         as --color: auto, always or never
  ROSTER_CONCURRENCY   as apply --concurrency
  ROSTER_SKIP_MISSING_CREDENTIALS=true   as plan --skip-missing-credentials
  NO_COLOR, CLICOLOR_FORCE, TERM=dumb     colours (with --color auto)
  RUST_LOG             log filter, overriding -v and -q";

/// Under `roster validate --help`.
pub const VALIDATE: &str = "\
Examples:
  # Check the workspace in the current folder
  roster validate

  # Every diagnostic as JSON, for an editor or a script
  roster validate examples/acme --format json";

/// Under `roster plan --help`.
pub const PLAN: &str = concat!(
    "\
Examples:
  # What apply would change in one org
  roster plan --org prod-us

  # In CI on a pull request: a comment, the plan saved for apply, exit 2 on changes
  roster plan --format markdown --out plan.json --detailed-exitcode > plan.md

  # A fork's pull request has no secrets: plan the orgs that have credentials
  roster plan --skip-missing-credentials

  # The steps and their order, drawn by Graphviz
  roster plan --org prod-us --format dot | dot -Tsvg > plan.svg

  # Only one user and what it needs (a partial plan), saved to apply exactly that
  roster plan --org prod-us --target user:jane@acme.example --out jane.json

",
    exit_codes!()
);

/// Under `roster apply --help`.
pub const APPLY: &str = concat!(
    "\
Examples:
  # Plan, show, ask, apply
  roster apply --org prod-us

  # Apply exactly the reviewed plan; exit 4 if the org changed since
  roster apply --org prod-us --plan plan.json

  # Only one queue and what it depends on
  roster apply --org prod-us --target queue:Billing

  # Apply a plan blocked by policy.limits, acknowledging its digest
  roster apply --org prod-us --yes --allow-destructive 3f2a...

",
    exit_codes!()
);

/// Under `roster notify --help`.
pub const NOTIFY: &str = "\
Examples:
  # Who hears about a saved plan, when (in their own time) and how; sends nothing
  roster notify plan --plan plan.json

  # Who hears an announcement of the manifests
  roster notify plan --announcement \"Billing moves to the new IVR\"

  # Send what is due (cron, or let `roster serve` do it); exit 1 if anything failed
  roster notify send

  # What is pending, sent, dead-lettered or unacknowledged; queue dead letters again
  roster notify status
  roster notify retry

Messages go through the outbox (the `roster serve` database): each (message, recipient,
channel) is sent at most once, inside the recipient's window, throttled per channel, retried
on transient failures and halted by a circuit breaker when a channel fails. Every outcome is
written to the org's journal. `roster apply --notify` queues change notices for the people a
successful apply affected and sends what is due.
";

/// Under `roster drift --help`.
pub const DRIFT: &str = "\
Examples:
  # What changed in the org since the last apply, and who changed it
  roster drift --org prod-us

  # On a schedule in CI: a Markdown report for an issue, exit 2 on drift
  roster drift --since 24h --format markdown > drift.md

Drift is the org differing from git through no apply of roster's: a click in the admin UI,
a script, an identity sync. A difference whose manifests were edited after the last apply is
pending (the next apply's work), not drift. Who changed what comes from the org's Audit API:
the OAuth client needs `audits:audit:view`; without it, drift is still reported.

Exit codes:
  0   no drift (pending changes alone are not drift)
  1   error
  2   drift found
  64  usage error";

/// Under `roster check --help`.
pub const CHECK: &str = "\
Examples:
  # Is every org ready for the manifests? Exit 2 if anything is not
  roster check

  # On a pull request: a comment with one row per finding
  roster check --org prod-us --format markdown > check.md

A check reads the org as `plan` does, plus WFM business and management units with their
planning groups, DID and extension pools, and licence definitions; it writes nothing. It
looks at the org as it will be after `apply`: a user's queues, management unit, roles and
numbers are what the manifests declare where they manage them, else what the org holds.
Only users the manifests keep active are checked.

Findings (each names the user, the object, the manifest line and what to do):
  uncoveredQueue      the user serves a queue on a media type (call is WFM's Voice) that no
                      planning group of their management unit's business unit has a route
                      path for: WFM forecasts and schedules none of that work
  noManagementUnit    the user serves queues but is in no management unit: WFM does not
                      schedule them
  numberOutsidePools  the user's direct number lies in no DID pool (or is not E.164), or
                      its extension in no extension pool
  sharedNumber        another user holds the same number or extension
  licenceMismatch     the user's roles imply other licences than exactly the one their
                      routing profile's `licence:` expects

Parts of an org that could not be read are listed as not checked, never passed off as
ready.

Exit codes:
  0   no findings
  1   error
  2   findings
  64  usage error";

/// Under `roster serve --help`.
pub const SERVE: &str = "\
Examples:
  # Serve the workspace in the current folder on serve.listen
  roster serve

  # On another address (port 0 picks a free one; the address is printed on stderr)
  roster serve --listen 0.0.0.0:8080

Routes: POST /hooks/{source} (HR events; 202 stored, 200 a redelivery, 401 refused),
GET /healthz, GET /readyz, GET /metrics (Prometheus), GET /events, GET /events/{id},
POST /events/{id}/retry and GET /drift (the last three with serve.token as a bearer token).
Ctrl-C or SIGTERM stops it: the event in flight finishes, queued events wait for the next
start.";

/// Under `roster show --help`.
pub const SHOW: &str = "\
Examples:
  # A plan saved by `roster plan --out plan.json`, as the terminal shows it
  roster show plan.json

  # The same plan as a pull-request comment, or as its dependency graph
  roster show plan.json --format markdown
  roster show plan.json --format dot | dot -Tsvg > plan.svg

A plan edited after it was saved is refused (exit 1): its digest no longer matches.";

/// Under `roster offboard --help`.
pub const OFFBOARD: &str = "\
Examples:
  # A termination that cannot wait for a merge
  roster offboard jane@acme.example --org prod-us --reason \"terminated\" --event-id HR-123

  # Offboard in the org only; leave the manifests alone
  roster offboard jane@acme.example --org prod-us --reason \"incident\" --no-edit";

/// Under `roster journal --help`.
pub const JOURNAL: &str = "\
Examples:
  # Check that no line was edited, removed, inserted or reordered
  roster journal verify .roster/journal/prod-us.jsonl

  # What happened to one user, and what she had before
  roster journal show .roster/journal/prod-us.jsonl --user jane@acme.example";

/// Under `roster sandbox --help`.
pub const SANDBOX: &str = "\
Examples:
  # One org, `sandbox:sandbox:sandbox`, on 127.0.0.1:8080
  roster sandbox serve

  # Two orgs, kept across restarts
  roster sandbox serve --org dev:dev-id:dev-secret --org qa:qa-id:qa-secret --state sandbox.json";

/// Under `roster schema --help`.
pub const SCHEMA: &str = "\
Examples:
  # Save the schema for `# yaml-language-server: $schema=roster.schema.json`
  roster schema > roster.schema.json";

/// Under `roster completions --help`.
pub const COMPLETIONS: &str = "\
Examples:
  roster completions bash > ~/.local/share/bash-completion/completions/roster
  roster completions zsh > \"${fpath[1]}/_roster\"
  roster completions fish > ~/.config/fish/completions/roster.fish
  roster completions powershell >> $PROFILE";
