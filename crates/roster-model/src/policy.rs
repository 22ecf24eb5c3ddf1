//! Policy: what roster may do to objects the manifests do not name, and how much it may
//! destroy in one plan. Resolved per org (defaults, then `policy:`, then `orgs.X.policy`).

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::values::Kind;

/// The resolved policy of one org.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
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
    /// User fields another system (an identity provider, through SCIM) provisions: never
    /// written, a difference only reported (DESIGN §2.8, issue #15).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub owned_elsewhere: BTreeSet<UserField>,
}

/// A user field an identity provider can provision through SCIM, which roster's planner
/// otherwise manages. SCIM's user (REFERENCE-events-entitlements §2.3) maps: `displayName` →
/// `name`, `title` → `title`, enterprise `department` → `department`, enterprise `manager` →
/// `manager`, enterprise `division` (by name) → `division`, `active` → `state`. SCIM's other
/// attributes (email, phone numbers, roles, skills, languages) are either roster's natural key
/// or assignments roster owns, so they are not listed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum UserField {
    /// Display name (SCIM `displayName`).
    Name,
    /// Job title (SCIM `title`).
    Title,
    /// Department (SCIM enterprise `department`).
    Department,
    /// Manager (SCIM enterprise `manager`).
    Manager,
    /// Division (SCIM enterprise `division`, by name).
    Division,
    /// Active or inactive (SCIM `active`): roster never deactivates or reactivates because
    /// of a manifest's `state`.
    State,
}

impl UserField {
    /// Every field, in manifest order.
    pub const ALL: [UserField; 6] = [
        UserField::Name,
        UserField::Title,
        UserField::Department,
        UserField::Manager,
        UserField::Division,
        UserField::State,
    ];

    /// The field's key in a user manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            UserField::Name => "name",
            UserField::Title => "title",
            UserField::Department => "department",
            UserField::Manager => "manager",
            UserField::Division => "division",
            UserField::State => "state",
        }
    }
}

/// What to do with an unmanaged live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
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
    /// The policy for one kind; divisions, roles and management units are never managed, so
    /// always `Ignore`.
    pub fn for_kind(&self, kind: Kind) -> UnmanagedPolicy {
        match kind {
            Kind::User => self.users,
            Kind::Skill => self.skills,
            Kind::Language => self.languages,
            Kind::WrapupCode => self.wrapup_codes,
            Kind::Queue => self.queues,
            Kind::Team => self.teams,
            Kind::Division | Kind::Role | Kind::ManagementUnit => UnmanagedPolicy::Ignore,
        }
    }
}

/// Where `prune` may act.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
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

/// How much one plan may destroy, and how much routing it may take away, before it is
/// blocked; `per_day` adds what the org's journal says succeeded in the last 24 hours.
///
/// Every measure has a count and a percentage, and exceeding either blocks (issue #12).
/// Routing loss counts users that stay active: a deactivated user is counted once, as a
/// deactivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Most deletes plus deactivations of one kind.
    pub max_deletes: u32,
    /// Most deletes plus deactivations as a percentage of the live objects of one kind.
    pub max_delete_percent: u8,
    /// Most active users left in no queue (of the queues read) that had at least one.
    #[serde(default = "default_max_users")]
    pub max_users_losing_all_queues: u32,
    /// The same, as a percentage of the active users in at least one queue.
    #[serde(default = "default_max_percent")]
    pub max_users_losing_all_queues_percent: u8,
    /// Most active users left without any skill that had at least one.
    #[serde(default = "default_max_users")]
    pub max_users_losing_all_skills: u32,
    /// The same, as a percentage of the active users holding at least one skill.
    #[serde(default = "default_max_percent")]
    pub max_users_losing_all_skills_percent: u8,
    /// Most queue and team memberships of active users removed (a queue or team deleted
    /// removes all of its members').
    #[serde(default = "default_max_memberships")]
    pub max_memberships_removed: u32,
    /// The same, as a percentage of the active users' memberships of the queues read and
    /// of teams.
    #[serde(default = "default_max_percent")]
    pub max_memberships_removed_percent: u8,
    /// Limits over the last 24 hours: this plan plus the operations that succeeded in the
    /// org's journal; none by default.
    #[serde(default, skip_serializing_if = "DayLimits::is_empty")]
    pub per_day: DayLimits,
    /// Most licences the plan's role changes may add that raise cost (a licence none of the
    /// user's former licences includes); unset means no limit. Over it the plan is blocked
    /// like a destructive one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_increase: Option<u32>,
}

fn default_max_users() -> u32 {
    Limits::default().max_users_losing_all_queues
}

fn default_max_percent() -> u8 {
    Limits::default().max_users_losing_all_queues_percent
}

fn default_max_memberships() -> u32 {
    Limits::default().max_memberships_removed
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_deletes: 25,
            max_delete_percent: 10,
            max_users_losing_all_queues: 25,
            // Routing percentages are off (100) by default: in a small org any change is a
            // large share of it. Set them for the org's size.
            max_users_losing_all_queues_percent: 100,
            max_users_losing_all_skills: 25,
            max_users_losing_all_skills_percent: 100,
            max_memberships_removed: 100,
            max_memberships_removed_percent: 100,
            per_day: DayLimits::default(),
            licence_increase: None,
        }
    }
}

impl Limits {
    /// Whether `destroyed` out of `live` objects of one kind exceeds these limits.
    pub fn exceeded(&self, destroyed: usize, live: usize) -> bool {
        over_limit(
            destroyed,
            live,
            Some(self.max_deletes),
            Some(self.max_delete_percent),
        )
    }
}

/// Limits over a rolling 24 hours: what this plan does plus what succeeded in the org's
/// journal since. Unset limits do not apply. Percentages are of the objects there were
/// before the day's changes (the live objects plus those already deleted or removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DayLimits {
    /// Most deletes plus deactivations of one kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<u32>,
    /// Most deletes plus deactivations as a percentage of one kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delete_percent: Option<u8>,
    /// Most queue and team memberships of active users removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memberships_removed: Option<u32>,
    /// The same, as a percentage of the memberships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memberships_removed_percent: Option<u8>,
}

impl DayLimits {
    /// Whether no per-day limit is set.
    pub fn is_empty(&self) -> bool {
        *self == DayLimits::default()
    }
}

/// Whether `count` out of `of` exceeds `max` or `max_percent` (either, when set). Nothing
/// (`count` 0) never does.
pub fn over_limit(count: usize, of: usize, max: Option<u32>, max_percent: Option<u8>) -> bool {
    if count == 0 {
        return false;
    }
    let over_count = max.is_some_and(|max| count > max as usize);
    let percent = count as f64 * 100.0 / of.max(1) as f64;
    let over_percent = max_percent.is_some_and(|max| percent > f64::from(max));
    over_count || over_percent
}

/// One `policy.protect` entry: objects of `kind` whose key matches `pattern` are never
/// deleted or deactivated. `*` in the pattern matches any run of characters; matching is
/// case-insensitive, as Genesys names and emails are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
