//! Policy: what roster may do to objects the manifests do not name, and how much it may
//! destroy in one plan. Resolved per org (defaults, then `policy:`, then `orgs.X.policy`).

use serde::{Deserialize, Serialize};

use crate::values::Kind;

/// The resolved policy of one org.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// What to do with live objects the manifests do not name, per kind.
    pub unmanaged: Unmanaged,
    /// Where `prune` may act.
    pub scope: Scope,
    /// How much one plan may delete or deactivate before it is blocked.
    pub limits: Limits,
    /// Objects that are never deleted or deactivated.
    pub protect: Vec<ProtectRule>,
}

/// What to do with an unmanaged live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnmanagedPolicy {
    /// Not shown.
    Ignore,
    /// Listed in the plan, left alone.
    #[default]
    Report,
    /// Deleted (users: deactivated), inside `policy.scope` only.
    Prune,
}

/// Unmanaged-object policy per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Unmanaged {
    /// Users not in any manifest.
    pub users: UnmanagedPolicy,
    /// Skills not in any manifest.
    pub skills: UnmanagedPolicy,
    /// Languages not in any manifest.
    pub languages: UnmanagedPolicy,
    /// Wrap-up codes not in any manifest.
    pub wrapup_codes: UnmanagedPolicy,
    /// Queues not in any manifest.
    pub queues: UnmanagedPolicy,
    /// Teams not in any manifest.
    pub teams: UnmanagedPolicy,
}

impl Unmanaged {
    /// The policy for one kind; divisions and roles are never managed, so always `Ignore`.
    pub fn for_kind(&self, kind: Kind) -> UnmanagedPolicy {
        match kind {
            Kind::User => self.users,
            Kind::Skill => self.skills,
            Kind::Language => self.languages,
            Kind::WrapupCode => self.wrapup_codes,
            Kind::Queue => self.queues,
            Kind::Team => self.teams,
            Kind::Division | Kind::Role => UnmanagedPolicy::Ignore,
        }
    }
}

/// Where `prune` may act.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scope {
    /// Division names. Empty means no division is in scope, so nothing is pruned: pruning
    /// everywhere must be asked for by listing the divisions.
    pub divisions: Vec<String>,
}

impl Scope {
    /// Whether an object in `division` may be pruned.
    pub fn contains(&self, division: &str) -> bool {
        self.divisions.iter().any(|d| d == division)
    }
}

/// Destruction limits per plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Most deletes plus deactivations of one kind.
    pub max_deletes: u32,
    /// Most deletes plus deactivations as a percentage of the live objects of one kind.
    pub max_delete_percent: u8,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_deletes: 25,
            max_delete_percent: 10,
        }
    }
}

impl Limits {
    /// Whether `destroyed` out of `live` objects of one kind exceeds these limits.
    pub fn exceeded(&self, destroyed: usize, live: usize) -> bool {
        if destroyed == 0 {
            return false;
        }
        let over_count = destroyed > self.max_deletes as usize;
        let percent = destroyed as f64 * 100.0 / live.max(1) as f64;
        over_count || percent > f64::from(self.max_delete_percent)
    }
}

/// One `policy.protect` entry: objects of `kind` whose key matches `pattern` are never
/// deleted or deactivated. `*` in the pattern matches any run of characters; matching is
/// case-insensitive, as Genesys names and emails are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectRule {
    /// The kind this rule protects.
    pub kind: Kind,
    /// Name or email, with `*` wildcards.
    pub pattern: String,
}

impl ProtectRule {
    /// Whether this rule protects the object `kind`/`key`.
    pub fn protects(&self, kind: Kind, key: &str) -> bool {
        kind == self.kind && glob_match(&self.pattern.to_lowercase(), &key.to_lowercase())
    }
}

impl Policy {
    /// The first rule protecting `kind`/`key`, if any.
    pub fn protection(&self, kind: Kind, key: &str) -> Option<&ProtectRule> {
        self.protect.iter().find(|rule| rule.protects(kind, key))
    }
}

/// `*`-only glob matching, iterative with backtracking to the last star.
fn glob_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matches_stars_anywhere() {
        assert!(glob_match("emergency*", "emergency overflow"));
        assert!(glob_match("*@acme.example", "jane@acme.example"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }

    #[test]
    fn protect_is_case_insensitive_and_per_kind() {
        let rule = ProtectRule {
            kind: Kind::Queue,
            pattern: "Emergency*".into(),
        };
        assert!(rule.protects(Kind::Queue, "EMERGENCY Line"));
        assert!(!rule.protects(Kind::Team, "Emergency Line"));
    }

    #[test]
    fn limits_by_count_and_percent() {
        let limits = Limits::default();
        assert!(!limits.exceeded(0, 0));
        assert!(!limits.exceeded(10, 100));
        assert!(limits.exceeded(11, 100));
        assert!(limits.exceeded(26, 10_000));
        assert!(!limits.exceeded(25, 10_000));
    }
}
