//! A session: one run of one workflow against one org.
//!
//! The session owns what a run learns and counts: its request counts (the client underneath
//! is only the org's shared transport: tokens and rate limit), and each [`Snapshot`] it reads
//! (the live org and the ids of its objects). Writers are built from a snapshot explicitly
//! ([`OrgSession::writer`]), so two sessions on one org in one process (a server reading for
//! drift while an apply runs) share no mutable state.

use std::collections::BTreeSet;
use std::path::Path;

use roster_genesys::{GenesysError, IdTable, KeptRead, Refresh, Writer};
use roster_manifest::OrgSpec;
use roster_model::{Email, LiveOrg, ReadNeeds};
use roster_plan::{ObjectRef, Plan, PlanOptions, RecentChanges};

use crate::connect::{ConnectError, Connection, SaveError};
use crate::history::HistoryError;
use crate::licences::{LicenceError, lookup_licences};
use crate::lock::{LockError, OrgLock};
use crate::progress::{Progress, ProgressSink};

/// Why an org could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Another apply holds the org; nothing was read.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// Connecting failed before any request.
    #[error("cannot connect to the org")]
    Connect(#[from] ConnectError),
    /// A request of the snapshot failed (after its retries).
    #[error("cannot read the org")]
    Snapshot(#[source] GenesysError),
}

/// Why an org could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Reading it failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The manifests and the org cannot be reconciled (a missing role, a cycle).
    #[error(transparent)]
    Plan(#[from] roster_plan::PlanError),
    /// The org's journal could not be read for the `perDay` limits.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The org's licence inference failed (`POST /api/v2/license/infer`).
    #[error(transparent)]
    Licences(#[from] LicenceError),
}

/// What one read of an org found: the live org, the ids of its objects, and what was read
/// (an assignment picture says which parts were not read rather than pass them off as
/// empty).
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The org as read.
    pub live: LiveOrg,
    /// What the read covered.
    pub needs: ReadNeeds,
    /// Natural key → id of everything read; writers start from it.
    pub ids: IdTable,
}

/// The declared users the org holds inactive whose manifests want them active with a number
/// from a pool: those a reactivation may give their former number back (the journal is read
/// only for them).
fn returning_to_a_pool(desired: &roster_model::DesiredOrg, live: &LiveOrg) -> BTreeSet<Email> {
    desired
        .users
        .values()
        .filter(|user| {
            user.state == roster_model::UserState::Active
                && matches!(
                    user.phone.as_ref().and_then(|p| p.number.as_ref()),
                    Some(roster_model::NumberChoice::Pool(_))
                )
                && live
                    .users
                    .get(&user.email)
                    .is_some_and(|u| u.state == roster_model::UserState::Inactive)
        })
        .map(|user| user.email.clone())
        .collect()
}

impl Snapshot {
    /// The client's snapshot of a read for `needs`.
    fn of(snapshot: roster_genesys::Snapshot, needs: &ReadNeeds) -> Self {
        Snapshot {
            live: snapshot.live,
            needs: needs.clone(),
            ids: snapshot.ids,
        }
    }
}

/// One run against one org: its spec, its connection and its own request counts.
pub struct OrgSession<'a> {
    root: &'a Path,
    spec: &'a OrgSpec,
    connection: Connection,
    session: roster_genesys::Session,
    lock: Option<OrgLock>,
}

impl<'a> OrgSession<'a> {
    /// Connects to the org `spec` describes, in the workspace at `root`, and starts a
    /// session on it. No request is made.
    pub async fn open(root: &'a Path, spec: &'a OrgSpec) -> Result<Self, ConnectError> {
        Ok(Self::on(root, spec, Connection::open(root, spec).await?))
    }

    /// A new session on an existing connection to the org `spec` describes: it shares the
    /// connection's transport and nothing else.
    pub fn on(root: &'a Path, spec: &'a OrgSpec, connection: Connection) -> Self {
        let session = connection.client().session();
        OrgSession {
            root,
            spec,
            connection,
            session,
            lock: None,
        }
    }

    /// The same session, holding the org lock for the writes it will make.
    #[must_use]
    pub fn holding(mut self, lock: OrgLock) -> Self {
        self.lock = Some(lock);
        self
    }

    /// Whether this session holds the org lock.
    pub fn holds_lock(&self) -> bool {
        self.lock.is_some()
    }

    /// The org lock for writes this session is about to make: `None` when it holds it since
    /// before its read ([`crate::Access::Write`]), else taken now, for the caller to hold.
    ///
    /// # Errors
    ///
    /// [`LockError::Held`] while another apply holds the org.
    pub fn lock_for_writes(&self) -> Result<Option<OrgLock>, LockError> {
        if self.holds_lock() {
            Ok(None)
        } else {
            OrgLock::acquire(self.root, self.org()).map(Some)
        }
    }

    /// Whether `plan` is over `policy.limits`, derived from its steps, the org as `snapshot`
    /// read it, the policy in `roster.yaml` and the journal's last 24 hours; never read from
    /// the plan.
    ///
    /// # Errors
    ///
    /// When the journal cannot be read for the `perDay` limits.
    pub fn verdict(
        &self,
        snapshot: &Snapshot,
        plan: &Plan,
    ) -> Result<Option<roster_plan::Blocked>, HistoryError> {
        Ok(roster_plan::verdict(
            &plan.steps,
            &plan.changes,
            &snapshot.live,
            &self.spec.desired.policy.limits,
            &self.recent_changes()?,
            plan.licences.as_ref(),
        ))
    }

    /// The connection, to start another session on it.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The org's name in `roster.yaml`.
    pub fn org(&self) -> &str {
        &self.spec.name
    }

    /// The org's manifests and settings.
    pub fn spec(&self) -> &'a OrgSpec {
        self.spec
    }

    /// The workspace root.
    pub fn root(&self) -> &'a Path {
        self.root
    }

    /// The OAuth client writes are made as (never the secret), for the journal.
    pub fn principal(&self) -> String {
        self.connection.client().principal()
    }

    /// The OAuth client id writes are made as: what the org's audit records name as roster.
    pub fn client_id(&self) -> String {
        self.connection.client().client_id().to_owned()
    }

    /// The Genesys session underneath, for the reads of other workflows (audits).
    pub fn genesys(&self) -> &roster_genesys::Session {
        &self.session
    }

    /// Requests this session made so far, retries and token fetches included.
    pub fn requests(&self) -> u64 {
        self.session.total_requests()
    }

    /// This session's requests per endpoint template.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.session.request_counts()
    }

    /// Reads the org as `needs` asks, reporting progress to `progress`.
    pub async fn read(
        &self,
        needs: &ReadNeeds,
        progress: &ProgressSink,
    ) -> Result<Snapshot, ReadError> {
        let read = self.session.snapshot(needs, &self.reporter(progress)).await;
        let snapshot = self.read_done(progress, read)?;
        tracing::debug!(
            org = %self.spec.name,
            users = snapshot.live.users.len(),
            requests = self.requests(),
            "read the org"
        );
        Ok(Snapshot::of(snapshot, needs))
    }

    /// [`OrgSession::read`], keeping what was read so that parts of it can be read again
    /// ([`OrgSession::refresh`]).
    pub async fn read_kept(
        &self,
        needs: &ReadNeeds,
        progress: &ProgressSink,
    ) -> Result<(Snapshot, KeptRead), ReadError> {
        let read = self
            .session
            .read_kept(needs, &self.reporter(progress))
            .await;
        let (snapshot, kept) = self.read_done(progress, read)?;
        Ok((Snapshot::of(snapshot, needs), kept))
    }

    /// Reads again only what `what` names into `kept`, and answers the whole org as it now
    /// stands.
    pub async fn refresh(
        &self,
        kept: &mut KeptRead,
        what: &[Refresh],
    ) -> Result<Snapshot, ReadError> {
        let snapshot = self
            .session
            .refresh(kept, what)
            .await
            .map_err(ReadError::Snapshot)?;
        Ok(Snapshot::of(snapshot, kept.needs()))
    }

    /// The client's progress callback of a read, reporting to `progress` for this org.
    fn reporter(&self, progress: &ProgressSink) -> impl Fn(roster_genesys::ProgressEvent) + use<> {
        let org = self.spec.name.clone();
        let progress = progress.clone();
        move |event: roster_genesys::ProgressEvent| {
            progress(Progress::Reading {
                org: org.clone(),
                stage: event.stage,
                done: event.done,
                total: event.total,
            });
        }
    }

    /// Reports the end of a read, then its outcome.
    fn read_done<T>(
        &self,
        progress: &ProgressSink,
        read: Result<T, GenesysError>,
    ) -> Result<T, ReadError> {
        progress(Progress::ReadDone {
            org: self.spec.name.clone(),
        });
        read.map_err(ReadError::Snapshot)
    }

    /// Plans the org's manifests against `snapshot`.
    pub fn plan(
        &self,
        snapshot: &Snapshot,
        reactivate: &BTreeSet<Email>,
    ) -> Result<Plan, PlanError> {
        self.plan_desired(&self.spec.desired, snapshot, reactivate, &BTreeSet::new())
    }

    /// [`OrgSession::plan`] limited to `targets` and what they depend on (`plan --target`);
    /// the whole plan when `targets` is empty.
    pub fn plan_targeted(
        &self,
        snapshot: &Snapshot,
        reactivate: &BTreeSet<Email>,
        targets: &BTreeSet<ObjectRef>,
    ) -> Result<Plan, PlanError> {
        self.plan_desired(&self.spec.desired, snapshot, reactivate, targets)
    }

    /// Plans `desired` (the manifests, or a focused part of them) against `snapshot`, with
    /// this org's rate limit, this session's reads, and what the org's journal says
    /// succeeded in the last 24 hours (for `policy.limits.perDay`).
    pub(crate) fn plan_desired(
        &self,
        desired: &roster_model::DesiredOrg,
        snapshot: &Snapshot,
        reactivate: &BTreeSet<Email>,
        targets: &BTreeSet<ObjectRef>,
    ) -> Result<Plan, PlanError> {
        let rate = &self.spec.rate_limit;
        let options = PlanOptions {
            requests_per_minute: rate.requests_per_minute * rate.tokens,
            reads: self.requests(),
            reactivate: reactivate.clone(),
            recent: self.recent_changes()?,
            targets: targets.clone(),
            former_numbers: crate::history::former_numbers(
                self.root,
                self.org(),
                &returning_to_a_pool(desired, &snapshot.live),
            )?,
        };
        Ok(roster_plan::plan(desired, &snapshot.live, &options)?)
    }

    /// `plan` with the licence impact of its role grants and removals (DESIGN §2.10): the
    /// org's licence inference is asked once per distinct set of roles a user has before or
    /// after the plan, never once per user. Nothing is asked when no user's roles change or
    /// the read did not include licences (no manifest manages roles).
    pub async fn with_licences(&self, snapshot: &Snapshot, plan: Plan) -> Result<Plan, PlanError> {
        let changes = roster_plan::role_changes(&plan.steps, &snapshot.live);
        if changes.is_empty() || !snapshot.needs.licences {
            return Ok(plan);
        }
        let sets = roster_plan::role_sets_before_and_after(&changes);
        let session = &self.session;
        let inferred = lookup_licences(&snapshot.live, sets, |ids: Vec<String>| async move {
            session.infer_licences(&ids).await
        })
        .await?;
        let impact = roster_plan::licence_impact(&changes, &inferred, &snapshot.live.licences);
        let mut plan = plan.with_licences(impact, &snapshot.live, &self.recent_changes()?);
        // The inference requests come out of the same minute's budget as the snapshot's.
        let cost = &plan.cost;
        plan.cost = roster_plan::Cost::new(self.requests(), cost.writes, cost.requests_per_minute);
        Ok(plan)
    }

    /// What succeeded in the org in the last 24 hours, per its journal; nothing is read
    /// when the policy sets no `perDay` limit.
    pub fn recent_changes(&self) -> Result<RecentChanges, HistoryError> {
        if self.spec.desired.policy.limits.per_day.is_empty() {
            return Ok(RecentChanges::default());
        }
        crate::history::recent_changes(self.root, self.org(), crate::history::now())
    }

    /// A writer starting from what `snapshot` learned of the org's ids.
    pub fn writer(&self, snapshot: &Snapshot) -> Writer {
        self.session.writer(snapshot.ids.clone())
    }

    /// Writes a sandbox org's state file now (nothing for real orgs).
    pub fn save(&self) -> Result<(), SaveError> {
        self.connection.save()
    }
}

impl std::fmt::Debug for OrgSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgSession")
            .field("org", &self.spec.name)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}
