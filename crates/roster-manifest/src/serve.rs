//! `serve:` in `roster.yaml`, resolved: how `roster serve` listens, where it keeps its queue,
//! which HR sources may post events and how each is verified and read, and what it does on a
//! schedule (DESIGN §2.8, issue #15).
//!
//! Secrets stay references ([`SecretRef`]): nothing here reads them. The decoder checks every
//! value with a diagnostic at its line; [`resolve`] only turns checked values into these types.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::manifest::{HookVerifyMethod, SecretRefConfig, ServeSettings};
use crate::org::SecretRef;

/// Where the server listens when `serve.listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// The queue's database, relative to the workspace root, when `serve.database` is not given.
pub const DEFAULT_DATABASE: &str = ".roster/serve.db";
/// Attempts at an event before it is dead-lettered, when `serve.maxAttempts` is not given.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// Most attempts `serve.maxAttempts` may ask for.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;
/// The header an `hmac-sha256` hook reads its signature from by default (GitHub's).
pub const DEFAULT_HMAC_HEADER: &str = "X-Hub-Signature-256";
/// The branch a manifest edit goes to, `{event}` being the source's event id.
pub const DEFAULT_GIT_BRANCH: &str = "roster/hr/{event}";
/// The remote pushed to when `serve.git.push` is set.
pub const DEFAULT_GIT_REMOTE: &str = "origin";
/// The shortest `serve.drift.every`: a drift check reads the whole org.
pub const MIN_DRIFT_EVERY: Duration = Duration::from_mins(1);

/// Everything `roster serve` needs from `roster.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// The address to listen on (`--listen` overrides it).
    pub listen: SocketAddr,
    /// The queue's `SQLite` database: the workspace root joined with the path as written.
    pub database: PathBuf,
    /// The bearer token that guards `/events`; `None` leaves those routes closed.
    pub token: Option<SecretRef>,
    /// Attempts at an event before it is dead-lettered.
    pub max_attempts: u32,
    /// HR sources by name: `POST /hooks/{name}`.
    pub hooks: BTreeMap<String, HookConfig>,
    /// Scheduled drift checks; `None` runs none.
    pub drift: Option<DriftSchedule>,
    /// How manifest edits follow an offboarding; `None` edits nothing.
    pub git: Option<GitFollow>,
}

/// One HR source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    /// The org (a key of `orgs`) its events act on.
    pub org: String,
    /// How a request proves it comes from the source.
    pub verify: HookVerify,
    /// Where the event's fields are in the payload.
    pub event: EventPointers,
    /// The source's event kinds roster acts on, and how; other kinds are refused.
    pub kinds: BTreeMap<String, HrAction>,
}

/// How a hook's requests are verified (REFERENCE-events-entitlements §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookVerify {
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` (`v1,` base64
    /// HMAC-SHA256 over `id.timestamp.body`).
    StandardWebhooks {
        /// The signing secret.
        secret: SecretRef,
    },
    /// Hex HMAC-SHA256 of the raw body in a header, GitHub-style.
    HmacSha256 {
        /// The header holding the signature.
        header: String,
        /// What precedes the hex digest in the header (`sha256=`), possibly nothing.
        prefix: String,
        /// The signing secret.
        secret: SecretRef,
    },
    /// `BambooHR`: hex HMAC-SHA256 of the body followed by the timestamp.
    BambooHr {
        /// The signing secret.
        secret: SecretRef,
    },
    /// HTTP Basic authentication, for sources that do not sign.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: SecretRef,
    },
    /// A bearer token, for sources that do not sign.
    Bearer {
        /// The token.
        token: SecretRef,
    },
}

/// JSON pointers (RFC 6901) into a source's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPointers {
    /// The source's event id (deduplication key).
    pub id: String,
    /// The source's event kind, a key of [`HookConfig::kinds`].
    pub kind: String,
    /// The user's email.
    pub email: String,
    /// When the event takes effect; absent means at once.
    pub effective: Option<String>,
}

/// What an HR event does to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum HrAction {
    /// The offboarding of `roster offboard`: routing and roles stripped, then deactivated.
    Terminate,
    /// Routing stripped, the user left active.
    Suspend,
    /// Records that a reactivation is pending; never reactivates by itself.
    Rehire,
}

impl HrAction {
    pub(crate) const NAMES: [&'static str; 3] = ["terminate", "suspend", "rehire"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "terminate" => Some(HrAction::Terminate),
            "suspend" => Some(HrAction::Suspend),
            "rehire" => Some(HrAction::Rehire),
            _ => None,
        }
    }
}

/// A scheduled drift check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftSchedule {
    /// How often, per org (the server adds jitter).
    pub every: Duration,
    /// What to do with the drift found.
    pub remediate: Remediate,
}

/// What a scheduled drift check does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Remediate {
    /// Keeps the result; changes nothing.
    #[default]
    Report,
    /// Plans and applies under every policy limit; a blocked plan is reported, never forced.
    Apply,
}

impl Remediate {
    pub(crate) const NAMES: [&'static str; 2] = ["report", "apply"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "report" => Some(Remediate::Report),
            "apply" => Some(Remediate::Apply),
            _ => None,
        }
    }
}

/// How the server's manifest edits reach git.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitFollow {
    /// The branch name; `{event}` is replaced by the source's event id.
    pub branch: String,
    /// Whether the branch is pushed.
    pub push: bool,
    /// The remote pushed to.
    pub remote: String,
}

/// Why a `serve.drift.every` is not a duration roster takes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EveryError {
    /// Not `N` followed by `s`, `m`, `h` or `d`.
    #[error("`{0}` is not a duration like `30m`, `1h` or `1d`")]
    Format(String),
    /// Under [`MIN_DRIFT_EVERY`].
    #[error("`{0}` is shorter than a minute")]
    TooShort(String),
    /// So long it does not fit.
    #[error("`{0}` is too long")]
    TooLong(String),
}

/// Parses `serve.drift.every`: a whole number and a unit, `s`, `m`, `h` or `d`, at least a
/// minute (each check reads the whole org).
///
/// # Errors
///
/// [`EveryError`] says what is wrong.
pub fn parse_every(text: &str) -> Result<Duration, EveryError> {
    let format = || EveryError::Format(text.to_owned());
    let unit = text.chars().last().ok_or_else(format)?;
    let seconds_per_unit: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(format()),
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format());
    }
    let count: u64 = digits
        .parse()
        .map_err(|_| EveryError::TooLong(text.to_owned()))?;
    let seconds = count
        .checked_mul(seconds_per_unit)
        .ok_or_else(|| EveryError::TooLong(text.to_owned()))?;
    let every = Duration::from_secs(seconds);
    if every < MIN_DRIFT_EVERY {
        return Err(EveryError::TooShort(text.to_owned()));
    }
    Ok(every)
}

/// Whether `name` may name a hook (it is a URL path segment): `[a-z0-9-]+`.
pub(crate) fn is_hook_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The resolved configuration of checked `settings`; `secret` resolves a reference the way
/// the loader does for credentials. `None` only if a value fails a check the decoder already
/// reported as an error (so no workspace is built anyway).
pub(crate) fn resolve(
    settings: &ServeSettings,
    root: &Path,
    secret: impl Fn(&SecretRefConfig) -> SecretRef,
) -> Option<ServeConfig> {
    let listen = settings
        .listen
        .as_ref()
        .map_or(DEFAULT_LISTEN, |l| l.value.as_str())
        .parse()
        .ok()?;
    // One rule for the queue's file: the notify outbox shares it.
    let database = crate::notify::database(Some(settings), root);
    let mut hooks = BTreeMap::new();
    for (name, hook) in &settings.hooks {
        let verify = match hook.verify {
            HookVerifyMethod::StandardWebhooks => HookVerify::StandardWebhooks {
                secret: secret(hook.secret.as_ref()?),
            },
            HookVerifyMethod::HmacSha256 => HookVerify::HmacSha256 {
                header: hook
                    .header
                    .as_ref()
                    .map_or(DEFAULT_HMAC_HEADER, |h| h.value.as_str())
                    .to_owned(),
                prefix: hook
                    .prefix
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_default(),
                secret: secret(hook.secret.as_ref()?),
            },
            HookVerifyMethod::Bamboohr => HookVerify::BambooHr {
                secret: secret(hook.secret.as_ref()?),
            },
            HookVerifyMethod::Basic => HookVerify::Basic {
                user: hook.user.as_ref()?.value.clone(),
                password: secret(hook.password.as_ref()?),
            },
            HookVerifyMethod::Bearer => HookVerify::Bearer {
                token: secret(hook.secret.as_ref()?),
            },
        };
        let event = EventPointers {
            id: hook.event.id.value.clone(),
            kind: hook.event.kind.value.clone(),
            email: hook.event.email.value.clone(),
            effective: hook.event.effective.as_ref().map(|e| e.value.clone()),
        };
        let kinds = hook
            .kinds
            .iter()
            .map(|(kind, action)| (kind.value.clone(), *action))
            .collect();
        hooks.insert(
            name.value.clone(),
            HookConfig {
                org: hook.org.value.clone(),
                verify,
                event,
                kinds,
            },
        );
    }
    let drift = match &settings.drift {
        Some(drift) => Some(DriftSchedule {
            every: parse_every(&drift.every.value).ok()?,
            remediate: drift.remediate.unwrap_or_default(),
        }),
        None => None,
    };
    let git = settings.git.as_ref().map(|git| GitFollow {
        branch: git
            .branch
            .as_ref()
            .map_or(DEFAULT_GIT_BRANCH, |b| b.value.as_str())
            .to_owned(),
        push: git.push.unwrap_or(false),
        remote: git
            .remote
            .as_ref()
            .map_or(DEFAULT_GIT_REMOTE, |r| r.value.as_str())
            .to_owned(),
    });
    Some(ServeConfig {
        listen,
        database,
        token: settings.token.as_ref().map(&secret),
        max_attempts: settings.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        hooks,
        drift,
        git,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_takes_a_number_and_a_unit_of_at_least_a_minute() {
        assert_eq!(parse_every("1h"), Ok(Duration::from_hours(1)));
        assert_eq!(parse_every("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_every("1m"), Ok(MIN_DRIFT_EVERY));
        assert_eq!(parse_every("2d"), Ok(Duration::from_hours(48)));
        for bad in ["", "h", "1", "1w", "1.5h", "-1h", " 1h", "1 h", "1H"] {
            assert_eq!(
                parse_every(bad),
                Err(EveryError::Format(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(parse_every("59s"), Err(EveryError::TooShort("59s".into())));
        assert_eq!(parse_every("0m"), Err(EveryError::TooShort("0m".into())));
        let huge = format!("{}d", u64::MAX);
        assert_eq!(parse_every(&huge), Err(EveryError::TooLong(huge.clone())));
    }

    #[test]
    fn hook_names_are_path_segments() {
        assert!(is_hook_name("workday"));
        assert!(is_hook_name("bamboo-hr-2"));
        for bad in ["", "Workday", "work_day", "work/day", "wörk"] {
            assert!(!is_hook_name(bad), "{bad}");
        }
    }
}
