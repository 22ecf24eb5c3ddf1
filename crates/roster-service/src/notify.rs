//! Telling people (DESIGN §2.9): the notices an applied plan or an announcement makes for the
//! people it concerns, queued in the outbox (the `roster serve` database), sent when due
//! through the channels of `notify:` in `roster.yaml`, and every outcome journaled in the
//! org's journal.
//!
//! Audiences are computed here, at send time, from the org as read and the manifests: never
//! from an export or an earlier list. The outbox makes each (message, recipient, channel)
//! unique, so computing an audience again (a re-run, a crash, a second `notify send`) queues
//! only the people who were not queued yet.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use roster_apply::{Journal, JournalContext, JournalError};
use roster_manifest::{ChannelConfig, NotifyConfig, OrgSpec, Workspace};
use roster_model::{DesiredOrg, LiveOrg};
use roster_notify::ack::AckSigner;
use roster_notify::audience::{self, Undeliverable, Zones};
use roster_notify::channel::{
    EmailChannel, EmailConfig, FileChannel, SmtpCredentials, WebhookChannel, WebhookConfig,
    WebhookFlavor,
};
use roster_notify::dispatch::{
    ChannelSettings, Clock, DeliveryEvent, DeliveryLog, Dispatcher, RetryPolicy, Summary,
};
use roster_notify::outbox::{Acknowledged, Enqueued, Outbox, OutboxStatus, RetrySelection, State};
use roster_notify::template::{Builtin, Context, Dates, Template};
use roster_notify::{Notice, Recipient, Tier, time_zone};
use roster_plan::Plan;

use crate::connect::{ConnectError, secret};

/// Journal record kinds of deliveries.
pub const NOTICE_SENT: &str = "noticeSent";
/// A send failed and will be tried again.
pub const NOTICE_FAILED: &str = "noticeFailed";
/// A message was dead-lettered.
pub const NOTICE_DEAD: &str = "noticeDeadLettered";
/// A recipient could not be addressed.
pub const NOTICE_UNDELIVERABLE: &str = "noticeUndeliverable";
/// A send's outcome was lost.
pub const NOTICE_IN_DOUBT: &str = "noticeInDoubt";
/// A recipient acknowledged a message.
pub const NOTICE_ACKNOWLEDGED: &str = "noticeAcknowledged";

/// Sends in flight per channel: enough to keep an SMTP server's round trips from capping the
/// rate, few enough not to look like a flood.
const CONCURRENCY: u32 = 8;

/// What can stop a notify workflow.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// `roster.yaml` has no `notify:`.
    #[error("`roster.yaml` has no `notify:` section, so nobody can be told anything")]
    NotConfigured,
    /// Change notices were asked for but `notify.notices` is not written.
    #[error(
        "`roster.yaml` has no `notify.notices`, which says through which channels change notices go"
    )]
    NoNoticeSettings,
    /// No announcement has this name in the org.
    #[error("org `{org}` has no announcement called `{name}`{}", hint_of(.suggestion.as_deref()))]
    UnknownAnnouncement {
        /// The org.
        org: String,
        /// The name asked for.
        name: String,
        /// The closest declared name.
        suggestion: Option<String>,
    },
    /// A template could not be read or rendered.
    #[error("template `{template}`: {problem}")]
    Template {
        /// The template (a file, or a built-in's name).
        template: String,
        /// What went wrong.
        problem: String,
    },
    /// A channel could not be set up.
    #[error("channel `{channel}`: {problem}")]
    Channel {
        /// The channel's name.
        channel: String,
        /// What is wrong.
        problem: String,
    },
    /// A secret reference could not be read.
    #[error(transparent)]
    Secret(#[from] ConnectError),
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] roster_notify::outbox::OutboxError),
    /// The dispatcher failed.
    #[error(transparent)]
    Dispatch(#[from] roster_notify::dispatch::DispatchError),
    /// An org's journal could not be opened (locked by an apply, or its key missing): the
    /// deliveries of this run happened and are in the outbox, not in the journal.
    #[error(
        "the journal of org `{org}` could not be opened, so this run's deliveries are in the outbox but not the journal"
    )]
    OpenJournal {
        /// The org.
        org: String,
        /// Why.
        source: Box<crate::ApplyError>,
    },
    /// An org's journal could not be written.
    #[error("the journal of org `{org}`: {source}")]
    Journal {
        /// The org.
        org: String,
        /// Why.
        source: JournalError,
    },
    /// Outbox rows name an org `roster.yaml` no longer has: their outcomes have no journal.
    #[error(
        "messages of org `{org}` were sent or failed, but `roster.yaml` no longer has the org, so its journal does not record them; `roster notify status` lists them"
    )]
    UnknownOrg {
        /// The org the rows name.
        org: String,
    },
    /// An acknowledgement token is not one roster signed.
    #[error("this acknowledgement link is not valid (it was changed, or signed with another key)")]
    BadToken,
    /// An acknowledgement names a message the outbox does not hold.
    #[error("this acknowledgement link names no message roster sent")]
    UnknownMessage,
}

fn hint_of(suggestion: Option<&str>) -> String {
    suggestion
        .map(|name| format!("; did you mean `{name}`?"))
        .unwrap_or_default()
}

/// The notices one plan or announcement makes in one org, and who could not be addressed.
#[derive(Debug, Clone, Default)]
pub struct NoticeBatch {
    /// The org.
    pub org: String,
    /// One per (recipient, channel).
    pub notices: Vec<Notice>,
    /// People who should hear but cannot be addressed, with the reason.
    pub undeliverable: Vec<Undeliverable>,
    /// Names the audience selector or `notify.admins` gave that match nothing in the org.
    pub unmatched: Vec<String>,
}

/// The current time: the system's, or `ROSTER_TESTING_NOW` (an RFC 3339 instant) when set,
/// so tests can hold windows and deadlines at chosen instants. Test-only; never needed in use.
pub fn now() -> Timestamp {
    std::env::var("ROSTER_TESTING_NOW")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

/// The clock notify runs on: [`now`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NotifyClock;

impl Clock for NotifyClock {
    fn now(&self) -> Timestamp {
        now()
    }
}

/// `notify:` of the workspace, or why there is none.
pub fn config(workspace: &Workspace) -> Result<&NotifyConfig, NotifyError> {
    workspace.notify.as_ref().ok_or(NotifyError::NotConfigured)
}

/// The time zones the manifests declare for the org's people.
fn zones(spec: &OrgSpec) -> Zones {
    zones_of(&spec.desired, spec.timezone.clone())
}

fn zones_of(desired: &DesiredOrg, org: Option<String>) -> Zones {
    Zones {
        org,
        users: desired
            .users
            .iter()
            .filter_map(|(email, user)| Some((email.clone(), user.timezone.clone()?)))
            .collect(),
        teams: desired
            .teams
            .iter()
            .filter_map(|(name, team)| Some((name.clone(), team.timezone.clone()?)))
            .collect(),
    }
}

/// The change notices of `plan`, applied at `applied` to the org read as `live`: one to each
/// user whose routing it changes, one digest to each of their managers, one summary to each
/// admin, through every channel of `notify.notices`.
pub fn change_notices(
    config: &NotifyConfig,
    spec: &OrgSpec,
    live: &LiveOrg,
    plan: &Plan,
    applied: Timestamp,
) -> Result<NoticeBatch, NotifyError> {
    let settings = config
        .notices
        .as_ref()
        .ok_or(NotifyError::NoNoticeSettings)?;
    let found =
        audience::change_audience(plan, &spec.desired, live, &config.admin_roles, &zones(spec));
    let message = format!("apply:{}:{}", spec.name, plan.digest);
    let mut rendered = Vec::new();
    for agent in &found.agents {
        let context = Context {
            manager: agent.manager.clone(),
            changes: agent.changes.clone(),
            ..context_for(&agent.recipient, &spec.name, Some(applied))
        };
        rendered.push((
            Tier::Agents,
            agent.recipient.clone(),
            render_builtin(Builtin::ChangeNotice, &context)?,
        ));
    }
    for (tier, digests, builtin) in [
        (
            Tier::Supervisors,
            &found.supervisors,
            Builtin::SupervisorDigest,
        ),
        (Tier::Admins, &found.admins, Builtin::AdminSummary),
    ] {
        for digest in digests {
            let context = Context {
                people: digest.people.clone(),
                changes: digest.changes.clone(),
                ..context_for(&digest.recipient, &spec.name, Some(applied))
            };
            rendered.push((
                tier,
                digest.recipient.clone(),
                render_builtin(builtin, &context)?,
            ));
        }
    }
    let window = settings.window.map(|window| window.to_string());
    let mut notices = Vec::new();
    for (tier, recipient, (subject, body)) in rendered {
        for channel in &settings.channels {
            notices.push(Notice {
                org: spec.name.clone(),
                message: message.clone(),
                recipient: recipient.clone(),
                tier,
                channel: channel.clone(),
                subject: subject.clone(),
                body: body.clone(),
                not_before: applied,
                window: window.clone(),
                acknowledge_within_secs: None,
            });
        }
    }
    Ok(NoticeBatch {
        org: spec.name.clone(),
        notices,
        undeliverable: found.undeliverable,
        unmatched: found.unmatched,
    })
}

/// The notices of the announcement `name` of the org read as `live`, its audience resolved
/// now.
pub fn announcement_notices(
    spec: &OrgSpec,
    config: &NotifyConfig,
    live: &LiveOrg,
    name: &str,
) -> Result<NoticeBatch, NotifyError> {
    let declared = spec
        .announcements
        .iter()
        .find(|declared| declared.announcement.name == name)
        .ok_or_else(|| NotifyError::UnknownAnnouncement {
            org: spec.name.clone(),
            name: name.to_owned(),
            suggestion: roster_model::closest(
                name,
                spec.announcements
                    .iter()
                    .map(|declared| declared.announcement.name.as_str()),
            )
            .map(str::to_owned),
        })?;
    let announcement = &declared.announcement;
    let template_name = announcement.template.display().to_string();
    let source =
        std::fs::read_to_string(&announcement.template).map_err(|error| NotifyError::Template {
            template: template_name.clone(),
            problem: error.to_string(),
        })?;
    let template =
        Template::compile(&template_name, &source).map_err(|error| NotifyError::Template {
            template: template_name.clone(),
            problem: error.to_string(),
        })?;
    let found = audience::announcement_audience(
        &announcement.audience,
        &spec.desired,
        live,
        &config.admin_roles,
        &zones(spec),
    );
    let message = announcement_message(&spec.name, &announcement.name);
    let window = announcement.deliver.window.map(|window| window.to_string());
    let mut notices = Vec::new();
    for member in &found.members {
        let zone = zone_of(&member.recipient);
        let not_before = announcement
            .deliver
            .after
            .and_then(|date| date.to_zoned_datetime(zone.clone()).ok())
            .map_or(Timestamp::UNIX_EPOCH, |start| start.timestamp());
        let context = Context {
            dates: Dates::local(None, announcement.deliver.after, None, &zone),
            manager: member.manager.clone(),
            people: member
                .people
                .iter()
                .map(|recipient| audience::Person {
                    recipient: recipient.clone(),
                    changes: Vec::new(),
                })
                .collect(),
            ..context_for(&member.recipient, &spec.name, None)
        };
        let rendered = template
            .render(&context, &announcement.name)
            .map_err(|error| NotifyError::Template {
                template: template_name.clone(),
                problem: error.to_string(),
            })?;
        for channel in &announcement.deliver.channels {
            notices.push(Notice {
                org: spec.name.clone(),
                message: message.clone(),
                recipient: member.recipient.clone(),
                tier: member.tier,
                channel: channel.clone(),
                subject: rendered.subject.clone(),
                body: rendered.body.clone(),
                not_before,
                window: window.clone(),
                acknowledge_within_secs: announcement
                    .acknowledge
                    .map(|acknowledge| acknowledge.within.as_secs()),
            });
        }
    }
    Ok(NoticeBatch {
        org: spec.name.clone(),
        notices,
        undeliverable: found.undeliverable,
        unmatched: found.unmatched,
    })
}

/// Whether the audience of `announcement` is resolved and queued at `now`: from the first
/// moment its `after` date has begun anywhere (midnight at UTC+14, the earliest zone), so
/// people who join or leave its queues before then are addressed as they are at that time;
/// always when it has no `after`.
pub fn is_open(announcement: &roster_notify::Announcement, now: Timestamp) -> bool {
    announcement.deliver.after.is_none_or(|after| {
        let earliest = jiff::tz::TimeZone::fixed(jiff::tz::Offset::constant(14));
        after
            .to_zoned_datetime(earliest)
            .is_ok_and(|start| now >= start.timestamp())
    })
}

/// The message id of an announcement: the same on every run, so the outbox queues each
/// person once.
fn announcement_message(org: &str, name: &str) -> String {
    format!("announcement:{org}:{name}")
}

/// A template context with what every message has: the reader, the org, the dates in the
/// reader's time zone.
fn context_for(recipient: &Recipient, org: &str, applied: Option<Timestamp>) -> Context {
    Context {
        recipient: recipient.clone(),
        org: org.to_owned(),
        dates: Dates::local(applied, None, None, &zone_of(recipient)),
        manager: None,
        about: None,
        changes: Vec::new(),
        people: Vec::new(),
    }
}

/// The recipient's time zone (checked when the manifests were loaded; UTC if it vanished from
/// the database since).
fn zone_of(recipient: &Recipient) -> TimeZone {
    time_zone(&recipient.timezone).unwrap_or(TimeZone::UTC)
}

fn render_builtin(builtin: Builtin, context: &Context) -> Result<(String, String), NotifyError> {
    builtin
        .template()
        .render(context, "A change from roster")
        .map(|rendered| (rendered.subject, rendered.body))
        .map_err(|error| NotifyError::Template {
            template: builtin.name().to_owned(),
            problem: error.to_string(),
        })
}

/// Opens the outbox of the workspace.
pub fn outbox(config: &NotifyConfig) -> Result<Outbox, NotifyError> {
    Ok(Outbox::open(&config.database)?)
}

/// Queues `batches` in the outbox; what was queued before stays as it was.
pub fn queue(config: &NotifyConfig, batches: &[NoticeBatch]) -> Result<Enqueued, NotifyError> {
    let mut outbox = outbox(config)?;
    let notices: Vec<Notice> = batches
        .iter()
        .flat_map(|batch| batch.notices.iter().cloned())
        .collect();
    Ok(outbox.enqueue(&notices, now())?)
}

/// What one `send_due` did.
#[derive(Debug, Clone, Default)]
pub struct SendReport {
    /// Per channel.
    pub summary: Summary,
    /// Escalation digests queued for recipients whose acknowledgement is overdue.
    pub escalations: Enqueued,
    /// Overdue recipients nobody could be told about (no manager in the manifests, or no
    /// admin), as `email (org)`.
    pub unescalated: Vec<String>,
}

/// Escalates overdue acknowledgements, then sends every message due now through the
/// configured channels, journaling each outcome in its org's journal: one run of a fresh
/// [`Sender`] (what `roster notify send` does).
pub async fn send_due(workspace: &Workspace) -> Result<SendReport, NotifyError> {
    Sender::new(workspace)?.send_due(workspace).await
}

/// The channels of `notify:` with their token buckets and circuit breakers, kept from one run
/// to the next by a long-running caller (`roster serve`), so a breaker opened in one run still
/// holds the channel in the next until its probe succeeds.
pub struct Sender {
    dispatcher: Dispatcher,
}

impl Sender {
    /// Sets up the channels (secrets resolved, nothing connected yet).
    pub fn new(workspace: &Workspace) -> Result<Sender, NotifyError> {
        Ok(Sender {
            dispatcher: dispatcher(config(workspace)?)?,
        })
    }

    /// One run: escalations, then every message due now.
    pub async fn send_due(&mut self, workspace: &Workspace) -> Result<SendReport, NotifyError> {
        let config = config(workspace)?;
        let mut outbox = outbox(config)?;
        let (escalations, unescalated) = escalate(workspace, &mut outbox)?;
        let mut log = JournalLog::new(workspace);
        let summary = self.dispatcher.send_due(&mut outbox, &mut log).await;
        log.finish()?;
        Ok(SendReport {
            summary: summary?,
            escalations,
            unescalated,
        })
    }
}

/// The dispatcher for `notify.channels`, secrets resolved.
fn dispatcher(config: &NotifyConfig) -> Result<Dispatcher, NotifyError> {
    let policy = RetryPolicy {
        max_attempts: config.max_attempts,
        ..RetryPolicy::default()
    };
    let mut dispatcher = Dispatcher::new(Arc::new(NotifyClock), policy);
    if let Some(acknowledge) = &config.acknowledge {
        let key = secret(&acknowledge.secret)?;
        dispatcher = dispatcher
            .with_acknowledgement_links(AckSigner::new(key.as_bytes()), acknowledge.url.clone());
    }
    for (name, channel) in &config.channels {
        let settings = ChannelSettings {
            concurrency: CONCURRENCY as usize,
            ..ChannelSettings::new(f64::from(channel.rate_per_second()))
        };
        let problem = |problem: String| NotifyError::Channel {
            channel: name.clone(),
            problem,
        };
        match channel {
            ChannelConfig::Email(email) => {
                let mut settings_email =
                    EmailConfig::new(email.server.clone(), sender_text(&email.from));
                if let Some(credentials) = &email.credentials {
                    settings_email.credentials = Some(SmtpCredentials {
                        username: secret(&credentials.username)?,
                        password: secret(&credentials.password)?,
                    });
                }
                settings_email.pool_size = CONCURRENCY;
                let sender =
                    EmailChannel::new(&settings_email).map_err(|e| problem(e.to_string()))?;
                dispatcher.add_channel(name, sender, settings)?;
            }
            ChannelConfig::Webhook(webhook) => {
                let flavor = match webhook.kind {
                    roster_manifest::WebhookKind::Slack => WebhookFlavor::Slack,
                    roster_manifest::WebhookKind::Teams => WebhookFlavor::Teams,
                    roster_manifest::WebhookKind::Generic => WebhookFlavor::Generic,
                };
                let url = secret(&webhook.url)?;
                let sender = WebhookChannel::new(&WebhookConfig::new(url, flavor))
                    .map_err(|e| problem(e.to_string()))?;
                dispatcher.add_channel(name, sender, settings)?;
            }
            ChannelConfig::File(file) => {
                dispatcher.add_channel(name, FileChannel::new(file.folder.clone()), settings)?;
            }
        }
    }
    Ok(dispatcher)
}

/// The sender as a mailbox: `Roster <roster@acme.example>` or the bare address.
fn sender_text(sender: &roster_manifest::Sender) -> String {
    match &sender.name {
        Some(name) => format!("{name} <{}>", sender.address),
        None => sender.address.to_string(),
    }
}

/// Queues one escalation digest per supervisor (or admin) for the recipients whose
/// acknowledgement is overdue, from the manifests' managers and roles, and marks those
/// recipients escalated. The digest goes through the channel the unacknowledged message used.
fn escalate(
    workspace: &Workspace,
    outbox: &mut Outbox,
) -> Result<(Enqueued, Vec<String>), NotifyError> {
    let now = now();
    let overdue = outbox.overdue_acknowledgements(now)?;
    if overdue.is_empty() {
        return Ok((Enqueued::default(), Vec::new()));
    }
    let config = config(workspace)?;
    let mut unescalated = Vec::new();
    // (org, original message, channel, escalation recipient) → the people overdue, and the
    // window the original message kept to (the digest keeps to it in the reader's zone).
    let mut digests: BTreeMap<(String, String, String, String), Vec<Recipient>> = BTreeMap::new();
    let mut windows: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut subjects: BTreeMap<String, String> = BTreeMap::new();
    for row in &overdue {
        let Some(spec) = workspace.orgs.get(&row.org) else {
            continue;
        };
        let escalate_to = spec
            .announcements
            .iter()
            .find(|declared| {
                row.message == announcement_message(&spec.name, &declared.announcement.name)
            })
            .and_then(|declared| declared.announcement.acknowledge)
            .map_or(Tier::Supervisors, |acknowledge| acknowledge.escalate);
        let recipients =
            escalation_recipients(&spec.desired, &row.recipient.email, escalate_to, config);
        if recipients.is_empty() {
            unescalated.push(format!("{} ({})", row.recipient.email, row.org));
        }
        for to in recipients {
            digests
                .entry((
                    row.org.clone(),
                    row.message.clone(),
                    row.channel.clone(),
                    to,
                ))
                .or_default()
                .push(row.recipient.clone());
        }
        subjects.insert(row.message.clone(), row.subject.clone());
        windows.insert(row.message.clone(), row.window.clone());
    }
    let mut notices = Vec::new();
    for ((org, message, channel, to), people) in digests {
        let Some(spec) = workspace.orgs.get(&org) else {
            continue;
        };
        let zones = zones(spec);
        let Ok(email) = roster_model::Email::parse(&to) else {
            continue;
        };
        let user = spec.desired.users.get(&email);
        let recipient = Recipient {
            email: to.clone(),
            name: user.map_or_else(|| to.clone(), |user| user.name.clone()),
            timezone: zones.of(&email, user.and_then(|user| user.team.as_deref())),
        };
        // One digest per batch of overdue people: a later batch is a new message.
        let batch: Vec<&str> = people.iter().map(|person| person.email.as_str()).collect();
        let escalation = format!(
            "escalation:{message}:{}",
            roster_notify::idempotency_key(&batch.join(","), &to, &channel)
        );
        let context = Context {
            about: subjects.get(&message).cloned(),
            people: people
                .iter()
                .map(|person| audience::Person {
                    recipient: person.clone(),
                    changes: Vec::new(),
                })
                .collect(),
            ..context_for(&recipient, &org, None)
        };
        let (subject, body) = render_builtin(Builtin::EscalationDigest, &context)?;
        notices.push(Notice {
            org,
            message: escalation,
            recipient,
            tier: Tier::Supervisors,
            channel,
            subject,
            body,
            not_before: now,
            window: windows.get(&message).cloned().flatten(),
            acknowledge_within_secs: None,
        });
    }
    let enqueued = outbox.enqueue(&notices, now)?;
    for row in &overdue {
        outbox.mark_escalated(&row.key, now)?;
    }
    Ok((enqueued, unescalated))
}

/// Who hears that `email` did not acknowledge: their manager (from the manifests), or the
/// holders of the admin roles the manifests grant.
fn escalation_recipients(
    desired: &DesiredOrg,
    email: &str,
    tier: Tier,
    config: &NotifyConfig,
) -> Vec<String> {
    match tier {
        Tier::Admins => desired
            .users
            .values()
            .filter(|user| {
                user.roles.as_ref().is_some_and(|roles| {
                    roles
                        .iter()
                        .any(|grant| config.admin_roles.contains(&grant.role))
                })
            })
            .map(|user| user.email.to_string())
            .collect(),
        _ => roster_model::Email::parse(email)
            .ok()
            .and_then(|email| desired.users.get(&email))
            .and_then(|user| user.manager.as_ref())
            .map(|manager| vec![manager.to_string()])
            .unwrap_or_default(),
    }
}

/// The outbox's state: counts and the rows that need a look.
pub fn status(config: &NotifyConfig) -> Result<OutboxStatus, NotifyError> {
    Ok(outbox(config)?.status()?)
}

/// Puts dead-lettered messages back in the queue: all, or the one with `key` (which may also
/// be in doubt).
pub fn retry(config: &NotifyConfig, key: Option<&str>) -> Result<u64, NotifyError> {
    let selection = key.map_or(RetrySelection::All, |key| {
        RetrySelection::Key(key.to_owned())
    });
    Ok(outbox(config)?.retry(&selection, now())?)
}

/// Records the acknowledgement a signed link carries, in the outbox and the org's journal.
pub fn acknowledge(workspace: &Workspace, token: &str) -> Result<Acknowledged, NotifyError> {
    let config = config(workspace)?;
    let settings = config.acknowledge.as_ref().ok_or(NotifyError::BadToken)?;
    let signer = AckSigner::new(secret(&settings.secret)?.as_bytes());
    let key = signer.verify(token).map_err(|_| NotifyError::BadToken)?;
    let mut outbox = outbox(config)?;
    let row = outbox.get(&key)?.ok_or(NotifyError::UnknownMessage)?;
    if let Some(at) = row.acknowledged_at {
        return Ok(Acknowledged::Before(at));
    }
    if row.state != State::Sent || row.acknowledge_within_secs.is_none() {
        // Nothing to journal: the outbox refuses it (a message not sent, or not asking).
        return Ok(outbox.acknowledge(&key, now())?);
    }
    // The journal first: if the outbox then fails, the recipient's retry journals again (a
    // repeated line) rather than finding the outbox done and the journal silent.
    let at = now();
    let mut log = JournalLog::new(workspace);
    log.write(
        &row.org,
        NOTICE_ACKNOWLEDGED,
        serde_json::json!({
            "key": key,
            "recipient": row.recipient.email,
            "message": row.message,
            "at": at.to_string(),
        }),
    );
    log.finish()?;
    Ok(outbox.acknowledge(&key, at)?)
}

/// Writes delivery events to the journal of each row's org, opening each journal once.
struct JournalLog<'w> {
    workspace: &'w Workspace,
    journals: BTreeMap<String, Journal>,
    /// The first failure; later events are still attempted.
    failure: Option<NotifyError>,
    /// Orgs named by rows that `roster.yaml` no longer has.
    unknown: BTreeSet<String>,
}

impl<'w> JournalLog<'w> {
    fn new(workspace: &'w Workspace) -> Self {
        JournalLog {
            workspace,
            journals: BTreeMap::new(),
            failure: None,
            unknown: BTreeSet::new(),
        }
    }

    fn write(&mut self, org: &str, kind: &str, data: serde_json::Value) {
        let Some(spec) = self.workspace.orgs.get(org) else {
            self.unknown.insert(org.to_owned());
            return;
        };
        if !self.journals.contains_key(org) {
            let context = JournalContext {
                org: org.to_owned(),
                principal: None,
                git_commit: crate::git::head_commit(&self.workspace.root),
                plan_digest: None,
            };
            let path = Journal::default_path(&self.workspace.root, org);
            match crate::apply::open_with_key(&path, spec, context) {
                Ok(journal) => {
                    self.journals.insert(org.to_owned(), journal);
                }
                Err(error) => {
                    self.failure.get_or_insert(NotifyError::OpenJournal {
                        org: org.to_owned(),
                        source: Box::new(error),
                    });
                    return;
                }
            }
        }
        if let Some(journal) = self.journals.get_mut(org)
            && let Err(source) = journal.record(kind, data)
        {
            self.failure.get_or_insert(NotifyError::Journal {
                org: org.to_owned(),
                source,
            });
        }
    }

    /// The first journal failure, or orgs whose outcomes had no journal to go to: the
    /// deliveries happened (the outbox says so), the journal lacks them, and the run says so.
    fn finish(self) -> Result<(), NotifyError> {
        if let Some(failure) = self.failure {
            return Err(failure);
        }
        match self.unknown.into_iter().next() {
            Some(org) => Err(NotifyError::UnknownOrg { org }),
            None => Ok(()),
        }
    }
}

impl DeliveryLog for JournalLog<'_> {
    fn record(&mut self, event: &DeliveryEvent) {
        use serde_json::json;
        let (org, kind, data) = match event {
            DeliveryEvent::Sent {
                org,
                channel,
                key,
                recipient,
                message,
            } => (
                org,
                NOTICE_SENT,
                json!({"channel": channel, "key": key, "recipient": recipient, "message": message}),
            ),
            DeliveryEvent::Failed {
                org,
                channel,
                key,
                recipient,
                reason,
                attempts,
                next_attempt,
            } => (
                org,
                NOTICE_FAILED,
                json!({"channel": channel, "key": key, "recipient": recipient, "reason": reason, "attempts": attempts, "nextAttempt": next_attempt.to_string()}),
            ),
            DeliveryEvent::DeadLettered {
                org,
                channel,
                key,
                recipient,
                reason,
                attempts,
            } => (
                org,
                NOTICE_DEAD,
                json!({"channel": channel, "key": key, "recipient": recipient, "reason": reason, "attempts": attempts}),
            ),
            DeliveryEvent::Undeliverable {
                org,
                channel,
                key,
                recipient,
                reason,
            } => (
                org,
                NOTICE_UNDELIVERABLE,
                json!({"channel": channel, "key": key, "recipient": recipient, "reason": reason}),
            ),
            DeliveryEvent::InDoubt {
                org,
                channel,
                key,
                reason,
            } => (
                org,
                NOTICE_IN_DOUBT,
                json!({"channel": channel, "key": key, "reason": reason}),
            ),
            // A deferral to the window's opening is not an outcome; breaker transitions are
            // per channel, not per org, and the command's summary reports them.
            DeliveryEvent::Deferred { .. }
            | DeliveryEvent::BreakerOpened { .. }
            | DeliveryEvent::BreakerClosed { .. } => return,
        };
        let org = org.clone();
        self.write(&org, kind, data);
    }
}
