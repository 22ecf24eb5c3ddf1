//! `roster drift --watch`: drift as it happens.
//!
//! A watch checks the org fully once, then listens to notification topics of what the
//! manifests manage: each managed queue's membership topic and audit topic, and the audit
//! topics of each managed user (`User`, and `AgentRoutingInfo` for skills and languages, which
//! have no topic of their own). An event names one object; only that object is read again
//! ([`Refresh`]), the org is planned again in memory, and what newly differs is reported with
//! the audit records the events carried. Anything an event cannot narrow (a queue's own
//! settings, a team) triggers a full check instead.
//!
//! Events are lost while a socket is down (the API does not queue them), so every reconnect
//! is followed by a full check, and so is every `interval` (with jitter, so that watches of
//! many orgs do not read at once). The audit log only says who and when: what is reported is
//! always what was read.
//!
//! Beyond what 20 channels of 1,000 topics hold, queues come first and the users left over
//! are covered by the scheduled checks only ([`WatchEvent::Watching::unwatched`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::time::Duration;

use rand::Rng;
use roster_genesys::{
    AuditRecord, ChannelEvent, KeptRead, ListenerSettings, MAX_CHANNELS, MAX_TOPICS_PER_CHANNEL,
    Refresh, Topic, audit_topic, queue_members_topic,
};
use roster_manifest::{OrgSpec, Workspace};
use roster_model::Kind;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::time::Instant;

use super::report::{DriftedObject, timestamp};
use super::{Checker, DriftCheck, DriftError, attribution};
use crate::progress::ProgressSink;
use crate::session::{OrgSession, ReadError, Snapshot};

/// How a watch runs.
#[derive(Debug, Clone, Copy)]
pub struct WatchSettings {
    /// Time between full checks; each is moved by up to a tenth either way.
    pub interval: Duration,
    /// How long to gather events after the first of a burst before reading (one change often
    /// sends a membership event and an audit event).
    pub gather: Duration,
    /// How the notification sockets are kept alive.
    pub listener: ListenerSettings,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            interval: Duration::from_hours(1),
            gather: Duration::from_millis(300),
            listener: ListenerSettings::default(),
        }
    }
}

/// Why a full check ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Reconcile {
    /// The watch started.
    Start,
    /// The interval passed.
    Schedule,
    /// A socket was lost: events may have been missed.
    Reconnect,
    /// An event named something only a full read can check.
    Event,
}

/// What a watch reports, as it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum WatchEvent {
    /// A full check finished.
    Reconciled {
        /// The org.
        org: String,
        /// When.
        at: String,
        /// Why it ran.
        reason: Reconcile,
        /// Objects drifted now.
        drifted: usize,
        /// Objects with pending changes now.
        pending: usize,
        /// Requests of the watch so far.
        requests: u64,
    },
    /// Listening started.
    Watching {
        /// The org.
        org: String,
        /// Topics subscribed.
        topics: usize,
        /// Channels they took.
        channels: usize,
        /// Managed users left to the scheduled checks (beyond 20 channels' worth).
        unwatched: usize,
    },
    /// Drift not reported before: the fields of `object` that newly differ.
    Drift {
        /// The org.
        org: String,
        /// When it was found.
        at: String,
        /// The object, with only the new fields and who changed them.
        object: DriftedObject,
    },
    /// An object reported as drifted matches git again.
    Resolved {
        /// The org.
        org: String,
        /// When.
        at: String,
        /// Its kind.
        kind: Kind,
        /// Its name or email.
        key: String,
    },
    /// A socket was lost and listens again; a full check follows.
    Reconnected {
        /// The org.
        org: String,
        /// When.
        at: String,
        /// Why it was lost.
        reason: String,
    },
    /// The org refused a topic (reported once).
    TopicRejected {
        /// The org.
        org: String,
        /// When.
        at: String,
        /// The topic.
        topic: String,
        /// The API's reason.
        reason: String,
    },
}

/// Audit records kept from events, to attribute what the next read finds.
const RECENT_RECORDS: usize = 1_000;

/// Watches one org until `stop` resolves, telling `report` each [`WatchEvent`].
///
/// # Errors
///
/// When the org cannot be connected to, read or planned, its journal read, or its
/// notifications listened to at the start. Later read failures are retried at the next
/// scheduled check.
pub async fn watch(
    workspace: &Workspace,
    spec: &OrgSpec,
    settings: WatchSettings,
    progress: &ProgressSink,
    report: &(dyn Fn(WatchEvent) + Send + Sync),
    stop: impl Future<Output = ()>,
) -> Result<(), DriftError> {
    let session = OrgSession::open(&workspace.root, spec)
        .await
        .map_err(ReadError::from)?;
    let mut watch = Watch {
        workspace,
        spec,
        session,
        report,
        checker: Checker::new(workspace, spec)?,
        kept: None,
        reported: BTreeMap::new(),
        recent: VecDeque::new(),
    };
    let snapshot = watch.reconcile(Reconcile::Start, progress).await?;
    let (topics, unwatched) = topics(spec, &snapshot);
    let count = topics.len();
    let mut listener = watch
        .session
        .genesys()
        .listen(topics, settings.listener)
        .await
        .map_err(DriftError::Listen)?;
    report(WatchEvent::Watching {
        org: spec.name.clone(),
        topics: count,
        channels: listener.channels(),
        unwatched,
    });

    tokio::pin!(stop);
    let mut next_check = Instant::now() + jittered(settings.interval);
    let mut listening = true;
    loop {
        let event = tokio::select! {
            () = &mut stop => break,
            () = tokio::time::sleep_until(next_check) => {
                watch.reconcile_or_say(Reconcile::Schedule, progress).await;
                next_check = Instant::now() + jittered(settings.interval);
                continue;
            }
            event = listener.next(), if listening => event,
        };
        let Some(event) = event else {
            // Every topic was refused: the scheduled checks are all that is left.
            listening = false;
            continue;
        };
        let mut burst = vec![event];
        let gathered = Instant::now() + settings.gather;
        while let Ok(Some(more)) = tokio::time::timeout_at(gathered, listener.next()).await {
            burst.push(more);
        }
        watch.handle(burst, progress).await;
    }
    listener.shutdown().await;
    Ok(())
}

/// A running watch of one org.
struct Watch<'a> {
    workspace: &'a Workspace,
    spec: &'a OrgSpec,
    session: OrgSession<'a>,
    report: &'a (dyn Fn(WatchEvent) + Send + Sync),
    checker: Checker<'a>,
    /// The last read, kept to be read again piecewise.
    kept: Option<KeptRead>,
    /// The fields reported as drifted, per object.
    reported: BTreeMap<(Kind, String), BTreeSet<FieldKey>>,
    /// Audit records events carried, newest last.
    recent: VecDeque<AuditRecord>,
}

/// One drifted field as reported: field, item and the org's value.
type FieldKey = (String, Option<String>, Option<String>);

impl Watch<'_> {
    fn org(&self) -> String {
        self.spec.name.clone()
    }

    /// A full check; a failure is reported and the watch goes on (the next check retries).
    async fn reconcile_or_say(&mut self, reason: Reconcile, progress: &ProgressSink) {
        if let Err(error) = self.reconcile(reason, progress).await {
            tracing::warn!(org = %self.spec.name, error = %error, "a full drift check failed; the next one retries");
        }
    }

    /// Reads the whole org again, reports what newly drifted (attributed from the Audit API)
    /// and what no longer does.
    async fn reconcile(
        &mut self,
        reason: Reconcile,
        progress: &ProgressSink,
    ) -> Result<Snapshot, DriftError> {
        self.checker = Checker::new(self.workspace, self.spec)?;
        let (snapshot, kept) = self
            .session
            .read_kept(&self.checker.needs(), progress)
            .await?;
        self.kept = Some(kept);
        let (drift, pending) = self.checker.sort(&self.session, &snapshot)?;
        let mut fresh = self.news(drift);
        if !fresh.is_empty() {
            let now = OffsetDateTime::now_utc();
            let window = self.checker.window(DriftCheck { since: None, now });
            attribution::attribute(&self.session, &window, &mut fresh).await;
        }
        (self.report)(WatchEvent::Reconciled {
            org: self.org(),
            at: now(),
            reason,
            drifted: self.reported.len(),
            pending: pending.len(),
            requests: self.session.requests(),
        });
        self.tell(fresh);
        Ok(snapshot)
    }

    /// Handles a burst of channel events: reads again what they name, or everything.
    async fn handle(&mut self, burst: Vec<ChannelEvent>, progress: &ProgressSink) {
        let mut refresh = Vec::new();
        let mut full = None;
        for event in burst {
            match event {
                ChannelEvent::Notification { topic, body } => match self.narrow(&topic, &body) {
                    Some(what) if !refresh.contains(&what) => refresh.push(what),
                    Some(_) => {}
                    None => full = full.or(Some(Reconcile::Event)),
                },
                ChannelEvent::Reconnected { reason } => {
                    (self.report)(WatchEvent::Reconnected {
                        org: self.org(),
                        at: now(),
                        reason,
                    });
                    full = Some(Reconcile::Reconnect);
                }
                ChannelEvent::TopicRejected { topic, reason } => {
                    (self.report)(WatchEvent::TopicRejected {
                        org: self.org(),
                        at: now(),
                        topic,
                        reason,
                    });
                }
            }
        }
        if let Some(reason) = full {
            self.reconcile_or_say(reason, progress).await;
        } else if !refresh.is_empty()
            && let Err(error) = self.refresh(&refresh).await
        {
            tracing::warn!(org = %self.spec.name, error = %error, "reading what an event named failed; checking fully");
            self.reconcile_or_say(Reconcile::Event, progress).await;
        }
    }

    /// What an event asks to read again; `None` when only a full read can tell. Audit
    /// records of other actors are kept to attribute what the read finds.
    fn narrow(&mut self, topic: &str, body: &serde_json::Value) -> Option<Refresh> {
        match Topic::parse(topic)? {
            Topic::QueueMembers(queue) => Some(Refresh::QueueMembers(queue.to_owned())),
            Topic::Audit {
                entity_type,
                entity_id,
            } => {
                let record = AuditRecord::from_topic_event(body).ok();
                let action = record.as_ref().map(|record| record.action.clone());
                if let Some(record) = record {
                    self.keep(record);
                }
                match entity_type {
                    "User" | "AgentRoutingInfo" => Some(Refresh::User(entity_id.to_owned())),
                    "Queue" if action.is_some_and(|action| action.starts_with("Member")) => {
                        Some(Refresh::QueueMembers(entity_id.to_owned()))
                    }
                    _ => None,
                }
            }
        }
    }

    fn keep(&mut self, record: AuditRecord) {
        let own = self.session.client_id();
        if record
            .client
            .as_ref()
            .is_some_and(|client| client.id == own)
        {
            return;
        }
        if self.recent.len() == RECENT_RECORDS {
            self.recent.pop_front();
        }
        self.recent.push_back(record);
    }

    /// Reads again what `what` names, plans in memory, reports what changed.
    async fn refresh(&mut self, what: &[Refresh]) -> Result<(), DriftError> {
        let Some(kept) = self.kept.as_mut() else {
            return Ok(());
        };
        let snapshot = self.session.refresh(kept, what).await?;
        let (drift, _pending) = self.checker.sort(&self.session, &snapshot)?;
        let mut fresh = self.news(drift);
        let window = self.checker.window(DriftCheck {
            since: None,
            now: OffsetDateTime::now_utc(),
        });
        let recent: Vec<AuditRecord> = self.recent.iter().cloned().collect();
        attribution::attach(&recent, &self.session.client_id(), &window, &mut fresh);
        attribution::complete(&self.session, &mut fresh).await;
        self.tell(fresh);
        Ok(())
    }

    /// The drift of `drift` not reported yet (only the new fields of each object); records
    /// what is now drifted and reports what no longer is.
    fn news(&mut self, drift: Vec<DriftedObject>) -> Vec<DriftedObject> {
        let mut now = BTreeMap::new();
        let mut fresh = Vec::new();
        for mut object in drift {
            let key = (object.kind, object.key.clone());
            let fields: BTreeSet<FieldKey> = if object.fields.is_empty() {
                BTreeSet::from([(object.action.word().to_owned(), None, None)])
            } else {
                object.fields.iter().map(field_key).collect()
            };
            let before = self.reported.get(&key);
            let is_new = |field: &FieldKey| before.is_none_or(|seen| !seen.contains(field));
            if fields.iter().any(is_new) {
                object.fields.retain(|field| is_new(&field_key(field)));
                fresh.push(object);
            }
            now.insert(key, fields);
        }
        for (kind, key) in self.reported.keys() {
            if !now.contains_key(&(*kind, key.clone())) {
                (self.report)(WatchEvent::Resolved {
                    org: self.org(),
                    at: timestamp(OffsetDateTime::now_utc()),
                    kind: *kind,
                    key: key.clone(),
                });
            }
        }
        self.reported = now;
        fresh
    }

    fn tell(&self, fresh: Vec<DriftedObject>) {
        for object in fresh {
            (self.report)(WatchEvent::Drift {
                org: self.org(),
                at: now(),
                object,
            });
        }
    }
}

fn field_key(field: &super::FieldDrift) -> FieldKey {
    (field.field.clone(), field.item.clone(), field.org.clone())
}

fn now() -> String {
    timestamp(OffsetDateTime::now_utc())
}

/// The topics of what `spec` manages and `snapshot` found in the org, queues first; and how
/// many managed users did not fit in 20 channels.
fn topics(spec: &OrgSpec, snapshot: &Snapshot) -> (Vec<String>, usize) {
    let live = &snapshot.live;
    let mut topics = Vec::new();
    for name in spec.desired.queues.keys() {
        if let Some(queue) = live.queues.get(name) {
            topics.push(queue_members_topic(&queue.id));
            topics.push(audit_topic("Queue", &queue.id));
        }
    }
    let room = MAX_CHANNELS * MAX_TOPICS_PER_CHANNEL;
    let mut unwatched = 0;
    for email in spec.desired.users.keys() {
        let Some(user) = live.users.get(email) else {
            continue;
        };
        if topics.len() + 2 > room {
            unwatched += 1;
            continue;
        }
        topics.push(audit_topic("User", &user.id));
        topics.push(audit_topic("AgentRoutingInfo", &user.id));
    }
    (topics, unwatched)
}

/// `interval`, moved by up to a tenth either way.
fn jittered(interval: Duration) -> Duration {
    let tenth = interval.as_secs_f64() / 10.0;
    let offset = rand::rng().random_range(-tenth..=tenth);
    Duration::from_secs_f64((interval.as_secs_f64() + offset).max(0.0))
}
