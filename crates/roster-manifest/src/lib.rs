//! roster-manifest: the manifest language.
//!
//! [`load_workspace`] reads `roster.yaml` and every resource file its orgs include, checks
//! them, and yields one [`roster_model::DesiredOrg`] per org with routing profiles compiled
//! into each user's own assignments (DESIGN §1–§2.3). Every problem becomes a [`Diagnostic`]
//! with file, line, column, a snippet and a hint; all are collected before the load fails.
//!
//! The manifest types in [`manifest`] are the single source of truth for the JSON Schema
//! ([`json_schema_string`], committed as `schemas/roster.schema.json`).
//!
//! No network, no async: reading files is the only I/O.

mod announcement;
mod compile;
mod decode;
mod diagnostic;
pub mod edit;
pub mod manifest;
mod notify;
mod org;
mod render;
mod schema;
mod secret;
mod serve;
mod suggest;
mod workspace;
mod yaml;

pub use announcement::DeclaredAnnouncement;
pub use diagnostic::{Class, Diagnostic, Location, Severity, SourceMap};
pub use notify::{
    AckSettings, ChannelConfig, DEFAULT_EMAIL_RATE, DEFAULT_FILE_RATE, DEFAULT_NOTIFY_MAX_ATTEMPTS,
    DEFAULT_WEBHOOK_RATE, EmailChannel, FileChannel, NoticeSettings, NotifyConfig, Sender,
    SmtpCredentials, SmtpServer, SmtpTls, SmtpUrlError, WebhookChannel, WebhookKind, parse_sender,
    parse_smtp_url,
};
pub use org::{Credentials, OrgSpec, RateLimit, SecretRef, Target};
pub use render::{github_annotations, render_json};
pub use schema::json_schema_string;
pub use serve::{
    DEFAULT_DATABASE, DEFAULT_GIT_BRANCH, DEFAULT_GIT_REMOTE, DEFAULT_HMAC_HEADER, DEFAULT_LISTEN,
    DEFAULT_MAX_ATTEMPTS, DriftSchedule, EventPointers, EveryError, GitFollow, HookConfig,
    HookVerify, HrAction, MIN_DRIFT_EVERY, Remediate, ServeConfig, parse_every,
};
pub use workspace::{Loaded, ROSTER_FILE, Stats, Workspace, load_workspace};

/// Decodes a `roster.yaml` text (as if at `path`) on its own, for tools that need to know
/// what it declares without loading the workspace. Cross-file checks are not run.
pub fn decode_roster_file(path: &str, text: &str) -> (manifest::RosterFile, Vec<Diagnostic>) {
    let mut decoder = decode::Decoder::new(manifest::FileId(0), path);
    let file = match yaml::parse(text) {
        Ok(parsed) => decoder.roster_file(&parsed.root),
        Err(err) => {
            decoder
                .diagnostics
                .push(Diagnostic::error("yaml-syntax", err.message));
            manifest::RosterFile::default()
        }
    };
    (file, decoder.diagnostics)
}

/// Decodes one resource file's text (as if at `path`), for tools and tests that work on a
/// single file. Cross-file checks (references, duplicates) are not run.
pub fn decode_resource_file(path: &str, text: &str) -> (manifest::ResourceFile, Vec<Diagnostic>) {
    let mut decoder = decode::Decoder::new(manifest::FileId(0), path);
    let file = match yaml::parse(text) {
        Ok(parsed) => decoder.resource_file(&parsed.root),
        Err(err) => {
            decoder
                .diagnostics
                .push(Diagnostic::error("yaml-syntax", err.message));
            manifest::ResourceFile::default()
        }
    };
    (file, decoder.diagnostics)
}
