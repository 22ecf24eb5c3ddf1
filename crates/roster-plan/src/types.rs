//! The plan value: what the planner produces, what the renderers show, and what
//! `roster plan --out` saves and `roster apply --plan` loads back.
//!
//! Everything here serializes to the JSON described by `schemas/plan.schema.json` and
//! deserializes back without loss, so a saved plan is the plan.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use roster_model::{Email, Kind, Policy, Source, Step, StepId};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The saved-plan format version; bumped when the JSON shape changes incompatibly.
/// Format 2: the plan carries the policy it was made under, and its digest covers the whole
/// plan but its cost.
pub const PLAN_FORMAT: u32 = 2;

/// What the caller knows that the desired and live models do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanOptions {
    /// The org's write budget, for the ETA.
    pub requests_per_minute: u32,
    /// How many requests the snapshot took, as counted by the client.
    pub reads: u64,
    /// Users the command line allows to reactivate (`--reactivate EMAIL`), in addition to
    /// those whose manifest says `reactivate: true`.
    pub reactivate: BTreeSet<Email>,
    /// What succeeded in the org in the last 24 hours, from its journal, for
    /// `policy.limits.perDay` (the caller reads the journal; the planner stays pure).
    #[serde(default)]
    pub recent: RecentChanges,
    /// `--target`: limit the plan to these objects and the steps they depend on; empty
    /// plans everything.
    #[serde(default)]
    pub targets: BTreeSet<ObjectRef>,
    /// The numbers users held when they were offboarded, from the journal's assignment
    /// snapshots (the caller reads it): `phone: { pool }` gives a reactivated user its
    /// former number back when the pool still has it free.
    #[serde(default)]
    pub former_numbers: BTreeMap<Email, roster_model::PhoneNumber>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            requests_per_minute: 300,
            reads: 0,
            reactivate: BTreeSet::new(),
            recent: RecentChanges::default(),
            targets: BTreeSet::new(),
            former_numbers: BTreeMap::new(),
        }
    }
}

/// Destructive operations that already succeeded in an org over some period (the last 24
/// hours of its journal), counted like a plan's: see [`crate::tally`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentChanges {
    /// Deletes plus deactivations per kind.
    pub deletes: std::collections::BTreeMap<Kind, usize>,
    /// Queue and team memberships removed from users that were not deactivated.
    pub memberships_removed: usize,
}

/// Plans of several orgs, rendered together (the CLI plans every selected org).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanSet {
    /// The saved-plan format version ([`PLAN_FORMAT`]).
    #[serde(default = "plan_format")]
    pub format: u32,
    /// One plan per org, in the order they were planned.
    pub orgs: Vec<Plan>,
}

fn plan_format() -> u32 {
    PLAN_FORMAT
}

impl PlanSet {
    /// A set of plans in the current format.
    pub fn new(orgs: Vec<Plan>) -> Self {
        PlanSet {
            format: PLAN_FORMAT,
            orgs,
        }
    }

    /// Whether no org has anything to do.
    pub fn is_empty(&self) -> bool {
        self.orgs.iter().all(Plan::is_empty)
    }

    /// Whether any org's plan is blocked by `policy.limits`.
    pub fn is_blocked(&self) -> bool {
        self.orgs.iter().any(|p| p.blocked.is_some())
    }
}

/// The plan of one org: the user-facing changes, the steps they compile to, and what an
/// apply needs to check that the org has not moved since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The org's name in `roster.yaml`.
    pub org: String,
    /// sha256 (hex) of the canonical JSON of everything in the plan but this digest and the
    /// cost: org, policy, changes, steps, warnings, why it is blocked and fingerprints.
    /// `--allow-destructive` must repeat it; `apply --plan` refuses a plan it does not match.
    pub digest: String,
    /// The org's resolved policy the plan was made under; `apply --plan` refuses the plan
    /// when `roster.yaml` now says otherwise.
    pub policy: Policy,
    /// What changes, object by object, for people.
    pub changes: Vec<Change>,
    /// What runs, in a topological order: a step only depends on steps before it.
    pub steps: Vec<Step>,
    /// Things the plan deliberately does not do, and why.
    pub warnings: Vec<Warning>,
    /// What managed users hold through groups, per group: shown, never written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherited: Vec<InheritedGroup>,
    /// Set when deletes, deactivations or routing loss exceed `policy.limits`. Informative
    /// only: `apply` derives the verdict again from the steps, the policy in `roster.yaml`
    /// and the org as it reads it, and never trusts this field.
    pub blocked: Option<Blocked>,
    /// Every object the steps touch, as read; `apply --plan` refuses when one changed.
    pub fingerprints: Vec<Fingerprint>,
    /// `plan --target`: the objects this partial plan is limited to (with what they depend
    /// on); empty for a whole plan. Covered by the digest, so `apply --plan` applies only
    /// this part.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<ObjectRef>,
    /// Requests read and to write, and how long the org's rate limit holds the writes back.
    pub cost: Cost,
    /// What the plan's role grants and removals imply for licences, when the org was asked
    /// ([`Plan::with_licences`]); `None` when no role changes or the org was not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licences: Option<crate::LicenceImpact>,
}

impl Plan {
    /// Whether the plan is limited to `--target` objects (a partial plan).
    pub fn is_targeted(&self) -> bool {
        !self.targets.is_empty()
    }

    /// Whether the plan writes nothing (unmanaged objects and warnings may still be listed).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The digest the plan's content should have; differs from [`Plan::digest`] when a saved
    /// plan was edited.
    pub fn compute_digest(&self) -> String {
        crate::fingerprint::digest(self)
    }

    /// Whether [`Plan::digest`] matches the content.
    pub fn digest_is_valid(&self) -> bool {
        self.compute_digest() == self.digest
    }

    /// The plan with its licence impact: the verdict is derived again (a plan adding more
    /// licences than `policy.limits.licenceIncrease` is blocked) and the digest follows.
    #[must_use]
    pub fn with_licences(
        mut self,
        impact: crate::LicenceImpact,
        live: &roster_model::LiveOrg,
        recent: &RecentChanges,
    ) -> Plan {
        self.licences = (!impact.is_empty()).then_some(impact);
        self.blocked = crate::verdict(
            &self.steps,
            &self.changes,
            live,
            &self.policy.limits,
            recent,
            self.licences.as_ref(),
        );
        self.digest = self.compute_digest();
        self
    }
}

/// One object, by kind and natural key.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// The object's kind.
    pub kind: Kind,
    /// Name, or email for users.
    pub key: String,
}

impl ObjectRef {
    /// Names an object.
    pub fn new(kind: Kind, key: impl Into<String>) -> Self {
        ObjectRef {
            kind,
            key: key.into(),
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.kind, self.key)
    }
}

/// What happens to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The object's kind.
    pub kind: Kind,
    /// Name, or email for users.
    pub key: String,
    /// What happens.
    pub action: Action,
    /// Field by field, `old → new` (empty for creations of plain objects and deletions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// Where the object is declared, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The object's id in the org, when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The routing profile the user's assignments come from (users only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_profile: Option<String>,
    /// Context for people: inherited grants and memberships left alone, moved holders.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The steps that carry this change out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepId>,
}

impl Change {
    /// Whether the change deletes or deactivates something.
    pub fn is_destructive(&self) -> bool {
        matches!(self.action, Action::Delete | Action::Deactivate)
    }

    /// The object changed.
    pub fn object(&self) -> ObjectRef {
        ObjectRef::new(self.kind, self.key.clone())
    }
}

/// What a change does to its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Action {
    /// The object is created.
    Create,
    /// Some fields change.
    Update,
    /// A skill is created under its new name, its holders are moved, and the old one deleted.
    Rename {
        /// The names it had in the org.
        from: Vec<String>,
    },
    /// The object is deleted (unmanaged, under `prune`).
    Delete,
    /// The user is offboarded and deactivated.
    Deactivate,
    /// The inactive user is reactivated and its assignments re-applied.
    Reactivate,
    /// The object is not in any manifest; listed, left alone.
    Unmanaged,
}

impl Action {
    /// The verb people read (`create`, `rename`).
    pub fn word(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Rename { .. } => "rename",
            Action::Delete => "delete",
            Action::Deactivate => "deactivate",
            Action::Reactivate => "reactivate",
            Action::Unmanaged => "unmanaged",
        }
    }
}

/// The value of a plain membership in a `members` item; a leaver's value says instead why it
/// leaves (`deactivated`, ``moves to team `X` ``).
pub(crate) const MEMBER: &str = "member";

/// One field of one object, before and after. Collections are listed item by item
/// (`skills` / `Billing`: `3 → 4`); `old: None` adds the item, `new: None` removes it.
///
/// A queue's or team's `members` field is a count (`31 direct → 31 direct`), followed by
/// one item per user by email: joining (`new: "member"`) or leaving, where `old` says why
/// (`member`, `deactivated`, ``moves to team `X` ``, `unmanaged; the queue is exclusive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    /// The field (`title`, `skills`, `queues`).
    pub field: String,
    /// The item of a collection field (a skill name, a queue name, a grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The live value; `None` when absent.
    pub old: Option<String>,
    /// The planned value; `None` when removed.
    pub new: Option<String>,
}

impl FieldChange {
    /// A scalar field change.
    pub fn scalar(field: &str, old: Option<String>, new: Option<String>) -> Self {
        FieldChange {
            field: field.to_owned(),
            item: None,
            old,
            new,
        }
    }

    /// A change to one item of a collection field.
    pub fn item(field: &str, item: &str, old: Option<String>, new: Option<String>) -> Self {
        FieldChange {
            field: field.to_owned(),
            item: Some(item.to_owned()),
            old,
            new,
        }
    }
}

/// Something the plan deliberately does not do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// The object concerned.
    pub kind: Kind,
    /// Its name or email; for a live user without a usable email, the raw email the org
    /// holds, or its id when it has none.
    pub key: String,
    /// What was not done and what to do about it.
    pub message: String,
}

/// What managed users hold through one group. roster never writes memberships or grants
/// inherited through groups (DESIGN §2.2); it shows them so a reviewer knows why a user has
/// a role or a queue that no manifest gives it. Only users the manifests declare (and that
/// stay active) and queues they declare count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedGroup {
    /// The group's name; absent for queue memberships through a group the org did not name
    /// (the queue's member list says that a user came through a group, not which one; the
    /// queue's and the user's groups usually tell).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The role grants the group gives, by role and division.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<InheritedRole>,
    /// The managed queues the group feeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<InheritedQueue>,
}

/// A role grant managed users hold through a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedRole {
    /// Role name.
    pub role: String,
    /// Division name.
    pub division: String,
    /// How many managed users hold it through the group.
    pub users: usize,
    /// The first of them by email (at most a few, whatever the count).
    pub examples: Vec<Email>,
}

/// A managed queue managed users are members of through a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InheritedQueue {
    /// Queue name.
    pub queue: String,
    /// How many managed users are members through a group.
    pub users: usize,
    /// The first of them by email (at most a few, whatever the count).
    pub examples: Vec<Email>,
}

/// Why a plan is blocked: kinds whose deletes plus deactivations exceed `policy.limits`,
/// routing loss over its limits, and totals over its `perDay` limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Blocked {
    /// Every kind over a limit.
    pub kinds: Vec<OverLimit>,
    /// The limits that were applied.
    pub max_deletes: u32,
    /// The percentage limit that was applied.
    pub max_delete_percent: u8,
    /// Routing loss over a limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing: Vec<OverRoutingLimit>,
    /// Licences added over `policy.limits.licenceIncrease`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licences: Option<OverLicenceLimit>,
    /// Totals over the last 24 hours over a `perDay` limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_day: Vec<OverDayLimit>,
}

/// Licences a plan adds over `policy.limits.licenceIncrease`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverLicenceLimit {
    /// Licences the plan adds that raise cost ([`crate::LicenceImpact::increase`]).
    pub added: u32,
    /// The limit.
    pub max: u32,
}

/// One kind over `policy.limits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverLimit {
    /// The kind.
    pub kind: Kind,
    /// Deletes plus deactivations planned.
    pub count: usize,
    /// Live objects of the kind (active users for users).
    pub live: usize,
    /// The objects, by name or email.
    pub names: Vec<String>,
}

/// What a plan takes away from the routing of users who stay active.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum RoutingLoss {
    /// Users left in none of the queues read, that were in at least one.
    UsersLosingAllQueues,
    /// Users left without any skill, that held at least one.
    UsersLosingAllSkills,
    /// Queue and team memberships removed.
    MembershipsRemoved,
}

impl RoutingLoss {
    /// The `policy.limits` keys of its count and percentage.
    pub fn keys(self) -> (&'static str, &'static str) {
        match self {
            RoutingLoss::UsersLosingAllQueues => {
                ("maxUsersLosingAllQueues", "maxUsersLosingAllQueuesPercent")
            }
            RoutingLoss::UsersLosingAllSkills => {
                ("maxUsersLosingAllSkills", "maxUsersLosingAllSkillsPercent")
            }
            RoutingLoss::MembershipsRemoved => {
                ("maxMembershipsRemoved", "maxMembershipsRemovedPercent")
            }
        }
    }
}

/// One routing-loss measure over `policy.limits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverRoutingLimit {
    /// What is lost.
    pub loss: RoutingLoss,
    /// How many users (or memberships) lose it.
    pub count: usize,
    /// How many there are that could (active users in a queue, with a skill; memberships).
    pub of: usize,
    /// The count limit applied.
    pub max: u32,
    /// The percentage limit applied.
    pub max_percent: u8,
    /// The users by email; memberships as `email: queue Name` or `email: team Name`.
    pub names: Vec<String>,
}

/// What a `perDay` limit counts.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum DayMeasure {
    /// Deletes plus deactivations of one kind.
    Deletes,
    /// Queue and team memberships removed.
    MembershipsRemoved,
}

/// One total over the last 24 hours over a `policy.limits.perDay` limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OverDayLimit {
    /// What is counted.
    pub measure: DayMeasure,
    /// The kind, for deletes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// How many succeeded in the org's journal in the last 24 hours.
    pub earlier: usize,
    /// How many this plan adds.
    pub planned: usize,
    /// How many there were before the day's changes (live now plus `earlier`).
    pub of: usize,
    /// The count limit applied, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// The percentage limit applied, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_percent: Option<u8>,
}

/// One touched object as it was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Fingerprint {
    /// The object's kind.
    pub kind: Kind,
    /// Its name or email.
    pub key: String,
    /// The API's `version` (users), when it keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// sha256 (hex) of the live fields the plan depends on; of `null` when absent.
    pub hash: String,
}

/// A touched object that changed between planning and applying.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaleObject {
    /// The object's kind.
    pub kind: Kind,
    /// Its name or email.
    pub key: String,
    /// What differs (`version 7 → 8`, `fields changed`, `created`, `deleted`).
    pub reason: String,
}

/// What the plan costs in API requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    /// Requests reading the org took: the snapshot, and the licence inference when asked.
    pub reads: u64,
    /// Requests the steps will take when nothing fails.
    pub writes: u64,
    /// The org's write budget.
    pub requests_per_minute: u32,
    /// Seconds the rate limit holds the writes back: 0 when reads and writes fit one
    /// minute's budget (the apply then takes only as long as its requests).
    pub eta_seconds: u64,
}

impl Cost {
    /// The cost of `writes` requests at `requests_per_minute`, after `reads`.
    ///
    /// The client's limiter sends at most a minute's budget in any 60 seconds, so a whole
    /// budget goes at once and the next one a minute later; the snapshot's reads come out of
    /// the first minute. Request `k` (reads first) therefore leaves at the earliest
    /// `60 × ⌊k / rate⌋` seconds in, and the last write at `60 × ⌊(reads + writes − 1) / rate⌋`.
    /// (The apply benchmark measured 61.1 s for 1,788 writes at 1,200/min, where this says 60.)
    pub fn new(reads: u64, writes: u64, requests_per_minute: u32) -> Self {
        let rate = u64::from(requests_per_minute.max(1));
        let eta_seconds = if writes == 0 {
            0
        } else {
            60 * ((reads + writes - 1) / rate)
        };
        Cost {
            reads,
            writes,
            requests_per_minute,
            eta_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_counts_whole_minutes_of_budget_after_the_reads() {
        // Reads and writes fit the first minute's budget: no wait.
        assert_eq!(Cost::new(7, 14, 300).eta_seconds, 0);
        assert_eq!(Cost::new(0, 300, 300).eta_seconds, 0);
        // The reads used part of the first minute: the last write waits for the second.
        assert_eq!(Cost::new(100, 201, 300).eta_seconds, 60);
        assert_eq!(Cost::new(88, 1_788, 1_200).eta_seconds, 60);
        assert_eq!(Cost::new(0, 3_001, 300).eta_seconds, 600);
        assert_eq!(Cost::new(500, 0, 300).eta_seconds, 0);
        // A zero rate is treated as one request a minute rather than dividing by zero.
        assert_eq!(Cost::new(0, 2, 0).eta_seconds, 60);
    }
}
