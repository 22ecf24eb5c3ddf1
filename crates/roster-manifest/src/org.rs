//! Orgs as `roster.yaml` declares them, resolved: where the org is, how to authenticate,
//! how fast to go, and its policy.

use std::path::PathBuf;

use roster_model::{DayLimits, Kind, Limits, Policy, ProtectRule, Scope, UnmanagedPolicy};

use crate::manifest::{LimitsConfig, PolicyConfig, ProtectConfig, UnmanagedMode};

/// One org, ready for the CLI: target, credentials, rate limit and desired state.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSpec {
    /// The org's name in `roster.yaml`.
    pub name: String,
    /// Where the org lives.
    pub target: Target,
    /// OAuth client credentials; `None` only for sandbox orgs.
    pub credentials: Option<Credentials>,
    /// Client-side rate limit for the org's token.
    pub rate_limit: RateLimit,
    /// Where the journal key is (`journal.key` in `roster.yaml`); `None` for a plain chain.
    pub journal_key: Option<SecretRef>,
    /// Everything the manifests declare for the org, routing profiles compiled, policy resolved.
    /// Without utilization when [`OrgSpec::skip_utilization`] says so.
    pub desired: roster_model::DesiredOrg,
    /// `read: { skip: [utilization] }` in `roster.yaml` (the org's, else the top-level one):
    /// users' utilization is left unmanaged, so reading the org makes no per-user request.
    pub skip_utilization: bool,
    /// `orgs.<name>.timezone`: the IANA time zone of the org's people, for notices, after
    /// the user's own (`DesiredUser::timezone`) and their team's (`DesiredTeam::timezone`).
    pub timezone: Option<String>,
    /// The org's `announcements:`, in manifest order.
    pub announcements: Vec<crate::DeclaredAnnouncement>,
}

/// Where an org lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A region from [`roster_model::REGIONS`] (`us-east-1`).
    Region(String),
    /// An explicit API base URL (`https://api.mypurecloud.com`).
    ApiBase(String),
    /// The embedded emulator, started from a seed file or empty.
    Sandbox {
        /// Absolute path of the seed file (its format belongs to the sandbox crate); `None`
        /// for an empty org.
        seed: Option<PathBuf>,
    },
}

/// OAuth client credentials, by reference. Reading them is the job of whoever connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Where the client id is.
    pub client_id: SecretRef,
    /// Where the client secret is.
    pub client_secret: SecretRef,
}

/// Where a credential is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// In an environment variable, by name.
    Env(String),
    /// In a file: the workspace root joined with the path as written (so an absolute path
    /// stays as it is).
    File(PathBuf),
}

impl SecretRef {
    /// The variable's name, for a reference to an environment variable.
    pub fn env(&self) -> Option<&str> {
        match self {
            SecretRef::Env(name) => Some(name),
            SecretRef::File(_) => None,
        }
    }
}

/// Client-side rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per minute (1–6000).
    pub requests_per_minute: u32,
    /// Burst size (1–20).
    pub tokens: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            requests_per_minute: 300,
            tokens: 1,
        }
    }
}

/// Resolves an org's policy: roster's defaults, then the top-level `policy`, then the org's
/// own, field by field (a later `protect` or `scope` list replaces an earlier one).
pub(crate) fn resolve_policy(layers: &[Option<&PolicyConfig>]) -> Policy {
    let mut policy = Policy::default();
    for config in layers.iter().flatten() {
        if let Some(unmanaged) = &config.unmanaged {
            let slots = [
                (&mut policy.unmanaged.users, unmanaged.users),
                (&mut policy.unmanaged.skills, unmanaged.skills),
                (&mut policy.unmanaged.languages, unmanaged.languages),
                (&mut policy.unmanaged.wrapup_codes, unmanaged.wrapup_codes),
                (&mut policy.unmanaged.queues, unmanaged.queues),
                (&mut policy.unmanaged.teams, unmanaged.teams),
            ];
            for (slot, mode) in slots {
                if let Some(mode) = mode {
                    *slot = match mode {
                        UnmanagedMode::Ignore => UnmanagedPolicy::Ignore,
                        UnmanagedMode::Report => UnmanagedPolicy::Report,
                        UnmanagedMode::Prune => UnmanagedPolicy::Prune,
                    };
                }
            }
        }
        if let Some(scope) = &config.scope {
            policy.scope = Scope {
                divisions: scope.divisions.iter().map(|d| d.value.clone()).collect(),
            };
        }
        if let Some(limits) = &config.limits {
            policy.limits = resolve_limits(policy.limits, limits);
        }
        if let Some(protect) = &config.protect {
            policy.protect = protect.iter().filter_map(protect_rule).collect();
        }
        if let Some(owned) = &config.owned_elsewhere {
            policy.owned_elsewhere = owned.iter().copied().collect();
        }
    }
    policy
}

/// `config` over `limits`, key by key; `perDay` keys too.
fn resolve_limits(limits: Limits, config: &LimitsConfig) -> Limits {
    let day = config.per_day.as_ref();
    let per_day = DayLimits {
        max_deletes: day
            .and_then(|d| d.max_deletes)
            .or(limits.per_day.max_deletes),
        max_delete_percent: day
            .and_then(|d| d.max_delete_percent)
            .or(limits.per_day.max_delete_percent),
        max_memberships_removed: day
            .and_then(|d| d.max_memberships_removed)
            .or(limits.per_day.max_memberships_removed),
        max_memberships_removed_percent: day
            .and_then(|d| d.max_memberships_removed_percent)
            .or(limits.per_day.max_memberships_removed_percent),
    };
    Limits {
        max_deletes: config.max_deletes.unwrap_or(limits.max_deletes),
        max_delete_percent: config
            .max_delete_percent
            .unwrap_or(limits.max_delete_percent),
        max_users_losing_all_queues: config
            .max_users_losing_all_queues
            .unwrap_or(limits.max_users_losing_all_queues),
        max_users_losing_all_queues_percent: config
            .max_users_losing_all_queues_percent
            .unwrap_or(limits.max_users_losing_all_queues_percent),
        max_users_losing_all_skills: config
            .max_users_losing_all_skills
            .unwrap_or(limits.max_users_losing_all_skills),
        max_users_losing_all_skills_percent: config
            .max_users_losing_all_skills_percent
            .unwrap_or(limits.max_users_losing_all_skills_percent),
        max_memberships_removed: config
            .max_memberships_removed
            .unwrap_or(limits.max_memberships_removed),
        max_memberships_removed_percent: config
            .max_memberships_removed_percent
            .unwrap_or(limits.max_memberships_removed_percent),
        per_day,
        licence_increase: config.licence_increase.or(limits.licence_increase),
    }
}

fn protect_rule(config: &ProtectConfig) -> Option<ProtectRule> {
    let (kind, pattern) = [
        (Kind::User, &config.user),
        (Kind::Skill, &config.skill),
        (Kind::Language, &config.language),
        (Kind::WrapupCode, &config.wrapup_code),
        (Kind::Queue, &config.queue),
        (Kind::Team, &config.team),
    ]
    .into_iter()
    .find_map(|(kind, pattern)| pattern.as_ref().map(|p| (kind, p.value.clone())))?;
    Some(ProtectRule { kind, pattern })
}

/// Whether `text` is an `http(s)://host[...]` URL with no spaces.
pub(crate) fn is_http_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !text.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{At, LimitsConfig, UnmanagedConfig};

    #[test]
    fn org_policy_overrides_defaults_field_by_field() {
        let defaults = PolicyConfig {
            unmanaged: Some(UnmanagedConfig {
                users: Some(UnmanagedMode::Prune),
                queues: Some(UnmanagedMode::Ignore),
                ..UnmanagedConfig::default()
            }),
            limits: Some(LimitsConfig {
                max_deletes: Some(5),
                max_delete_percent: Some(50),
                ..LimitsConfig::default()
            }),
            protect: Some(vec![ProtectConfig {
                queue: Some(At::new("Emergency*".into())),
                ..ProtectConfig::default()
            }]),
            ..PolicyConfig::default()
        };
        let org = PolicyConfig {
            unmanaged: Some(UnmanagedConfig {
                users: Some(UnmanagedMode::Report),
                ..UnmanagedConfig::default()
            }),
            limits: Some(LimitsConfig {
                max_deletes: Some(1),
                max_delete_percent: None,
                ..LimitsConfig::default()
            }),
            ..PolicyConfig::default()
        };
        let policy = resolve_policy(&[Some(&defaults), Some(&org)]);
        assert_eq!(policy.unmanaged.users, UnmanagedPolicy::Report);
        assert_eq!(policy.unmanaged.queues, UnmanagedPolicy::Ignore);
        assert_eq!(policy.unmanaged.skills, UnmanagedPolicy::Report);
        assert_eq!(
            policy.limits,
            Limits {
                max_deletes: 1,
                max_delete_percent: 50,
                ..Limits::default()
            }
        );
        assert_eq!(
            policy.protect,
            [ProtectRule {
                kind: Kind::Queue,
                pattern: "Emergency*".into()
            }]
        );
    }

    #[test]
    fn api_base_must_be_http() {
        assert!(is_http_url("https://api.mypurecloud.com"));
        assert!(is_http_url("http://127.0.0.1:8080/"));
        assert!(!is_http_url("api.mypurecloud.com"));
        assert!(!is_http_url("https://"));
        assert!(!is_http_url("ftp://x.y"));
    }
}
