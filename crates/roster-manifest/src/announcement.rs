//! Announcements, resolved: each org's `announcements:` entries as
//! [`roster_notify::Announcement`] values, with where they were written so that whatever
//! reports on one later (a send, a failure) can point at its manifest line.
//!
//! Decoding checks each value at its line (`crate::decode`), compiling checks the names it
//! references against the org's manifests (`crate::compile`); what needs the file system or
//! `roster.yaml` (the template exists, the channels are configured) is checked here.

use std::collections::BTreeSet;
use std::path::Path;

use roster_model::Source;
use roster_notify::{Acknowledge, Announcement, Deliver, Selector, Tier, Window};

use crate::compile::Locate;
use crate::diagnostic::Diagnostic;
use crate::manifest::{AnnouncementSpec, At};
use crate::serve::parse_every;
use crate::suggest::did_you_mean;

/// One announcement of an org, and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredAnnouncement {
    /// The announcement, its template resolved against the workspace root.
    pub announcement: Announcement,
    /// Where its `name` is written.
    pub source: Source,
    /// Where its `template` is written.
    pub template_source: Source,
}

/// What of `roster.yaml`'s `notify:` announcements are checked against.
pub(crate) struct NotifyNames {
    /// The channels `notify.channels` names.
    pub channels: Vec<String>,
    /// Whether `notify.acknowledge` is written (acknowledgement links can be made).
    pub acknowledge: bool,
}

/// The org's announcements, in manifest order, each name once (a duplicate was reported by
/// the compiler and is left out here). `notify` is `None` when `roster.yaml` has problems
/// of its own, which leaves channels unchecked rather than reported against a half-read
/// `notify:`.
pub(crate) fn resolve<'s, L: Locate>(
    specs: impl Iterator<Item = &'s AnnouncementSpec>,
    root: &Path,
    notify: Option<&NotifyNames>,
    locate: &L,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<DeclaredAnnouncement> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for spec in specs {
        if !seen.insert(spec.name.value.as_str()) {
            continue;
        }
        let mut complete = true;
        let template = root.join(&spec.template.value);
        if !template.is_file() {
            complete = false;
            diagnostics.push(
                Diagnostic::error(
                    "template-missing",
                    format!(
                        "template `{}` of announcement `{}` does not exist",
                        spec.template.value, spec.name.value
                    ),
                )
                .at(locate.locate(spec.template.loc), "no such file")
                .hint("the path is relative to the workspace root (the folder of `roster.yaml`); create the file or fix the path"),
            );
        } else if let Err(problem) = check_template(&template, &spec.template.value) {
            complete = false;
            diagnostics.push(
                Diagnostic::error(
                    "template-invalid",
                    format!(
                        "template `{}` of announcement `{}`: {problem}",
                        spec.template.value, spec.name.value
                    ),
                )
                .at(locate.locate(spec.template.loc), "this template")
                .hint("templates are minijinja (Jinja2) text; the variables are `recipient`, `org`, `dates`, `manager`, `about`, `changes` and `people`"),
            );
        }
        if let Some(notify) = notify {
            complete &= check_channels(&spec.deliver.channels, notify, locate, diagnostics);
            if let (Some(_), false) = (&spec.acknowledge, notify.acknowledge) {
                complete = false;
                diagnostics.push(
                    Diagnostic::error(
                        "acknowledge-without-link",
                        format!(
                            "announcement `{}` asks for acknowledgement, but `roster.yaml` has no `notify.acknowledge`",
                            spec.name.value
                        ),
                    )
                    .at(locate.locate(spec.name.loc), "its messages could carry no link")
                    .hint("add `notify: { acknowledge: { url: https://roster.acme.example, secret: { env: ROSTER_ACK_SECRET } } }` to `roster.yaml`, where `roster serve` answers `/ack/{token}`"),
                );
            }
        }
        if !complete {
            continue;
        }
        if let Some(announcement) = announcement(spec, &template) {
            out.push(DeclaredAnnouncement {
                announcement,
                source: locate.source(spec.name.loc),
                template_source: locate.source(spec.template.loc),
            });
        }
    }
    out
}

/// Compiles the template at `path` as the sender will (`written` is the path as the manifest
/// writes it): a syntax error or a variable roster does not provide, with its line in the
/// template file.
fn check_template(path: &Path, written: &str) -> Result<(), String> {
    let source =
        std::fs::read_to_string(path).map_err(|error| format!("cannot be read: {error}"))?;
    roster_notify::template::Template::compile(written, &source)
        .map(drop)
        .map_err(|error| match error.line {
            Some(line) => format!("{written}:{line}: {}", error.message),
            None => error.message,
        })
}

/// Reports each channel `notify.channels` does not name; false if any.
fn check_channels<L: Locate>(
    channels: &[At<String>],
    notify: &NotifyNames,
    locate: &L,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let mut known = true;
    for channel in channels {
        if notify.channels.contains(&channel.value) {
            continue;
        }
        known = false;
        let hint = match did_you_mean(&channel.value, notify.channels.iter().map(String::as_str))
        {
            Some(best) => format!("did you mean `{best}`? Channels are configured under `notify.channels` in `roster.yaml`"),
            None if notify.channels.is_empty() => {
                "configure it under `notify.channels` in `roster.yaml`, e.g. `email: { smtp: \"smtp://127.0.0.1:2525\", from: roster@acme.example }`".to_owned()
            }
            None => format!(
                "`notify.channels` in `roster.yaml` names {}; configure it there or use one of them",
                notify
                    .channels
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        diagnostics.push(
            Diagnostic::error(
                "unknown-channel",
                format!("no channel is called `{}`", channel.value),
            )
            .at(
                locate.locate(channel.loc),
                "not a channel of `notify.channels`",
            )
            .hint(hint),
        );
    }
    known
}

/// The announcement of a checked `spec`; `None` only if a value fails a check the decoder
/// already reported.
fn announcement(spec: &AnnouncementSpec, template: &Path) -> Option<Announcement> {
    let names = |list: &[At<String>]| list.iter().map(|n| n.value.clone()).collect();
    let audience = &spec.audience;
    let tiers = if audience.tiers.is_empty() {
        BTreeSet::from([Tier::Agents])
    } else {
        audience.tiers.iter().copied().collect()
    };
    let deliver = &spec.deliver;
    let acknowledge = match &spec.acknowledge {
        Some(ack) => Some(Acknowledge {
            within: parse_every(&ack.within.value).ok()?.try_into().ok()?,
            escalate: ack.escalate.unwrap_or(Tier::Supervisors),
        }),
        None => None,
    };
    Some(Announcement {
        name: spec.name.value.clone(),
        audience: Selector {
            queues: names(&audience.queues),
            teams: names(&audience.teams),
            divisions: names(&audience.divisions),
            roles: names(&audience.roles),
            routing_profiles: names(&audience.routing_profiles),
            users: audience
                .users
                .iter()
                .map(|u| u.value.as_str().to_owned())
                .collect(),
            tiers,
        },
        template: template.to_path_buf(),
        deliver: Deliver {
            after: match &deliver.after {
                Some(after) => Some(after.value.parse().ok()?),
                None => None,
            },
            window: match &deliver.window {
                Some(window) => Some(Window::parse(&window.value).ok()?),
                None => None,
            },
            channels: deliver.channels.iter().map(|c| c.value.clone()).collect(),
        },
        acknowledge,
    })
}
