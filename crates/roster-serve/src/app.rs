//! What the server holds while it runs: the workspace, the queue, the hooks with their
//! secrets resolved, the acknowledgement signer, the metrics, and the last drift checks.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use roster_manifest::{HookConfig, HookVerify, HrAction, ServeConfig, Workspace};
use roster_notify::ack::AckSigner;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;

use crate::follow::Follow;
use crate::hooks::extract::Mapping;
use crate::hooks::verify::{InvalidVerifier, Verifier};
use crate::metrics::Metrics;
use crate::queue::{Action, Queue, QueueError};

/// Drift checks kept per org for `GET /drift`.
pub const DRIFT_KEPT: usize = 24;

/// Why the server cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `roster.yaml` has no `serve:`.
    #[error(
        "`roster.yaml` has no `serve:` section; add one (see the README's \"Running the server\")"
    )]
    NotConfigured,
    /// A secret could not be read.
    #[error("cannot read the secret of {what}")]
    Secret {
        /// Which secret.
        what: String,
        /// Why.
        #[source]
        source: roster_service::ConnectError,
    },
    /// A hook's secret is unusable.
    #[error("hook `{hook}`: {source}")]
    Verifier {
        /// The hook.
        hook: String,
        /// What is wrong.
        #[source]
        source: InvalidVerifier,
    },
    /// `remediate: apply` would undo suspensions.
    #[error(
        "`serve.drift.remediate: apply` would undo the suspensions of hook `{hook}`: a suspended user stays in the manifests with routing that the next remediation restores"
    )]
    RemediationUndoesSuspensions {
        /// A hook that maps a kind to `suspend`.
        hook: String,
    },
    /// The queue's database cannot be opened.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// One configured HR source.
#[derive(Debug)]
pub struct Hook {
    /// The org its events are about.
    pub org: String,
    /// How its deliveries are checked.
    pub verifier: Verifier,
    /// Where its payloads hold the event.
    pub mapping: Mapping,
}

/// What one scheduled drift check found, kept for `GET /drift`.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriftRun {
    /// When it ended (RFC 3339).
    pub at: String,
    /// Objects drifted; `None` when the check failed.
    pub drifted: Option<usize>,
    /// Objects with pending changes.
    pub pending: Option<usize>,
    /// What happened after: `reported`, `applied`, `blocked: …`, or the failure.
    pub outcome: String,
}

/// The running server's state, shared by the routes, the worker and the scheduler.
#[derive(Debug)]
pub struct App {
    /// The workspace, as loaded at start.
    pub workspace: Workspace,
    /// The `serve:` settings.
    pub config: ServeConfig,
    /// The durable HR event queue.
    pub queue: Queue,
    /// The hooks, by source name.
    pub hooks: BTreeMap<String, Hook>,
    /// The bearer token of `/events`; `None`: those routes are closed.
    pub token: Option<SecretString>,
    /// Checks the tokens of `/ack/{token}` links; `None` without `notify.acknowledge`, and
    /// then every link answers 404.
    pub acknowledgements: Option<AckSigner>,
    /// How git follows offboardings, when configured.
    pub follow: Option<Follow>,
    /// The metrics.
    pub metrics: Metrics,
    /// Wakes the worker when an event arrives.
    pub wake: Notify,
    /// The last drift checks per org, newest last.
    pub drift: Mutex<BTreeMap<String, VecDeque<DriftRun>>>,
}

impl App {
    /// The server of `workspace`, its secrets read and its queue opened.
    ///
    /// # Errors
    ///
    /// No `serve:` section, an unreadable secret, an unusable hook secret, or a queue that
    /// cannot be opened.
    pub fn start(workspace: Workspace) -> Result<Arc<App>, StartError> {
        let config = workspace.serve.clone().ok_or(StartError::NotConfigured)?;
        if config
            .drift
            .is_some_and(|drift| drift.remediate == roster_manifest::Remediate::Apply)
            && let Some((hook, _)) = config.hooks.iter().find(|(_, hook)| {
                hook.kinds
                    .values()
                    .any(|action| *action == HrAction::Suspend)
            })
        {
            return Err(StartError::RemediationUndoesSuspensions { hook: hook.clone() });
        }
        let mut hooks = BTreeMap::new();
        for (name, hook) in &config.hooks {
            hooks.insert(name.clone(), resolve(name, hook)?);
        }
        let token = config
            .token
            .as_ref()
            .map(|reference| read(reference, "`serve.token`"))
            .transpose()?;
        // Read now, so an unreadable key stops the start instead of failing every link.
        let acknowledgements = workspace
            .notify
            .as_ref()
            .and_then(|notify| notify.acknowledge.as_ref())
            .map(|settings| {
                read(&settings.secret, "`notify.acknowledge.secret`")
                    .map(|key| AckSigner::new(key.expose_secret().as_bytes()))
            })
            .transpose()?;
        // `serve.database` is resolved against the workspace root when loaded.
        let queue = Queue::open(&config.database)?.with_max_attempts(config.max_attempts);
        if queue.recovered_on_open() > 0 {
            tracing::warn!(
                events = queue.recovered_on_open(),
                "events were being processed when the server stopped; they run again"
            );
        }
        let follow = config.git.as_ref().map(|git| Follow {
            branch: git.branch.clone(),
            push: git.push,
            remote: git.remote.clone(),
        });
        Ok(Arc::new(App {
            workspace,
            config,
            queue,
            hooks,
            token,
            acknowledgements,
            follow,
            metrics: Metrics::default(),
            wake: Notify::new(),
            drift: Mutex::new(BTreeMap::new()),
        }))
    }

    /// Runs `work` on the queue on a thread meant for blocking: every queue call commits to
    /// disk (an fsync), which must not hold up the threads that answer requests.
    pub async fn queue<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Queue) -> T + Send + 'static,
    ) -> T {
        let app = Arc::clone(self);
        // A panic in the call is the caller's panic, as if the call had run here.
        tokio::task::spawn_blocking(move || work(&app.queue))
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }

    /// Runs `work` on a thread meant for blocking, like [`App::queue`]: for workflows that
    /// write `SQLite` or the journal (an acknowledgement).
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&App) -> T + Send + 'static,
    ) -> T {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || work(&app))
            .await
            .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()))
    }

    /// Keeps a drift check's result, dropping the oldest beyond [`DRIFT_KEPT`].
    pub fn keep_drift(&self, org: &str, run: DriftRun) {
        let mut drift = self.drift.lock();
        let runs = drift.entry(org.to_owned()).or_default();
        if runs.len() == DRIFT_KEPT {
            runs.pop_front();
        }
        runs.push_back(run);
    }
}

fn read(reference: &roster_manifest::SecretRef, what: &str) -> Result<SecretString, StartError> {
    roster_service::secret(reference)
        .map(SecretString::from)
        .map_err(|source| StartError::Secret {
            what: what.to_owned(),
            source,
        })
}

fn resolve(name: &str, hook: &HookConfig) -> Result<Hook, StartError> {
    let what = format!("hook `{name}`");
    let verifier = match &hook.verify {
        HookVerify::StandardWebhooks { secret } => Verifier::StandardWebhooks {
            secret: read(secret, &what)?,
        },
        HookVerify::HmacSha256 {
            header,
            prefix,
            secret,
        } => Verifier::HmacSha256 {
            header: header.clone(),
            prefix: (!prefix.is_empty()).then(|| prefix.clone()),
            secret: read(secret, &what)?,
        },
        HookVerify::BambooHr { secret } => Verifier::BambooHr {
            secret: read(secret, &what)?,
        },
        HookVerify::Basic { user, password } => Verifier::Basic {
            user: user.clone(),
            password: read(password, &what)?,
        },
        HookVerify::Bearer { token } => Verifier::Bearer {
            token: read(token, &what)?,
        },
    };
    verifier.validate().map_err(|source| StartError::Verifier {
        hook: name.to_owned(),
        source,
    })?;
    Ok(Hook {
        org: hook.org.clone(),
        verifier,
        mapping: Mapping {
            id: hook.event.id.clone(),
            kind: hook.event.kind.clone(),
            email: hook.event.email.clone(),
            effective: hook.event.effective.clone(),
            kinds: hook
                .kinds
                .iter()
                .map(|(kind, action)| (kind.clone(), action_of(*action)))
                .collect(),
        },
    })
}

/// The queue's action for a configured one.
fn action_of(action: HrAction) -> Action {
    match action {
        HrAction::Terminate => Action::Terminate,
        HrAction::Suspend => Action::Suspend,
        HrAction::Rehire => Action::Rehire,
    }
}
