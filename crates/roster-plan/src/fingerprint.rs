//! Binding a plan to what it was made from: the digest of its content (what
//! `--allow-destructive` acknowledges, and what shows a saved plan was edited) and fingerprints of every object it touches (what
//! `apply --plan` re-checks before writing, DESIGN §6).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{Email, Kind, LiveOrg, MemberOrigin, Operation, Policy, Step};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::LicenceImpact;
use crate::types::{
    Blocked, Change, Fingerprint, InheritedGroup, ObjectRef, PLAN_FORMAT, Plan, StaleObject,
    Warning,
};

/// sha256 (hex) of the canonical JSON of `plan` without its digest and cost: the format,
/// org, policy, changes, steps (with their `before` values), warnings, inherited groups, why
/// it is blocked, the licence impact a reviewer saw, the fingerprints and the targets of a
/// partial plan (the last two fields are left out when empty, so a plan without them has the
/// digest it had before they existed). Field order is fixed by the types and sets and maps
/// are sorted, so a plan read back from its JSON has the digest it was saved with. The cost
/// is left out because the reads it counts vary from run to run without changing what runs.
pub(crate) fn digest(plan: &Plan) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Canonical<'a> {
        format: u32,
        org: &'a str,
        policy: &'a Policy,
        changes: &'a [Change],
        steps: &'a [Step],
        warnings: &'a [Warning],
        inherited: &'a [InheritedGroup],
        blocked: &'a Option<Blocked>,
        #[serde(skip_serializing_if = "Option::is_none")]
        licences: &'a Option<LicenceImpact>,
        fingerprints: &'a [Fingerprint],
        #[serde(skip_serializing_if = "<[ObjectRef]>::is_empty")]
        targets: &'a [ObjectRef],
    }
    let canonical = Canonical {
        format: PLAN_FORMAT,
        org: &plan.org,
        policy: &plan.policy,
        changes: &plan.changes,
        steps: &plan.steps,
        warnings: &plan.warnings,
        inherited: &plan.inherited,
        blocked: &plan.blocked,
        licences: &plan.licences,
        fingerprints: &plan.fingerprints,
        targets: &plan.targets,
    };
    let body = serde_json::to_vec(&canonical).expect("a plan is plain data with string keys");
    hex::encode(Sha256::digest(&body))
}

/// The objects a plan's steps write to, plus the users a team operation moves (a user's team
/// lives on the user).
pub(crate) fn touched(steps: &[Step]) -> Vec<ObjectRef> {
    let mut objects = BTreeSet::new();
    for step in steps {
        let (kind, key) = step.operation.target();
        objects.insert(ObjectRef::new(kind, key));
        if let Operation::AddTeamMembers { users, .. }
        | Operation::RemoveTeamMembers { users, .. }
        | Operation::MoveToManagementUnit { users, .. } = &step.operation
        {
            for user in users {
                objects.insert(ObjectRef::new(Kind::User, user.to_string()));
            }
        }
    }
    objects.into_iter().collect()
}

/// Fingerprints of `touched` objects as `live` holds them, sorted by kind and key.
///
/// A user's hash covers every field roster reads for it (skills, languages, grants, team,
/// manager, utilization, state, profile fields) and its memberships in the queues that were
/// read, because those change without its `version` moving. A queue's covers its members,
/// wrap-up codes, description and division. An absent object hashes as `null`, so an object
/// created by someone else after planning is caught too.
pub fn fingerprints(live: &LiveOrg, touched: &[ObjectRef]) -> Vec<Fingerprint> {
    let wants_users = touched.iter().any(|o| o.kind == Kind::User);
    let memberships = if wants_users {
        live.queue_memberships()
    } else {
        HashMap::new()
    };
    let mut out: Vec<Fingerprint> = touched
        .iter()
        .map(|object| fingerprint(live, &memberships, object))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn fingerprint(
    live: &LiveOrg,
    memberships: &HashMap<&Email, BTreeMap<&str, &MemberOrigin>>,
    object: &ObjectRef,
) -> Fingerprint {
    let key = object.key.as_str();
    let (version, value) = match object.kind {
        Kind::Division => (None, json!(live.divisions.get(key))),
        Kind::Role => (None, json!(live.roles.get(key))),
        Kind::ManagementUnit => (
            None,
            json!(live.wfm.as_ref().and_then(|w| w.management_units.get(key))),
        ),
        Kind::Skill => (None, json!(live.skills.get(key))),
        Kind::Language => (None, json!(live.languages.get(key))),
        Kind::WrapupCode => (None, json!(live.wrapup_codes.get(key))),
        Kind::Queue => (None, json!(live.queues.get(key))),
        Kind::Team => (None, json!(live.teams.get(key))),
        Kind::User => {
            let user = Email::parse(key)
                .ok()
                .and_then(|email| live.users.get(&email));
            let queues = user.and_then(|u| memberships.get(&u.email));
            (
                user.map(|u| u.version),
                json!(user.map(|u| json!({ "user": u, "queues": queues }))),
            )
        }
    };
    Fingerprint {
        kind: object.kind,
        key: object.key.clone(),
        version,
        hash: hex::encode(Sha256::digest(value.to_string().as_bytes())),
    }
}

/// The touched objects of `plan` that differ in `fresh` from when the plan was made; empty
/// when the plan may still be applied.
pub fn stale_objects(plan: &Plan, fresh: &LiveOrg) -> Vec<StaleObject> {
    let objects: Vec<ObjectRef> = plan
        .fingerprints
        .iter()
        .map(|f| ObjectRef::new(f.kind, f.key.clone()))
        .collect();
    let now = fingerprints(fresh, &objects);
    let now: HashMap<(Kind, &str), &Fingerprint> =
        now.iter().map(|f| ((f.kind, f.key.as_str()), f)).collect();
    let null_hash = hex::encode(Sha256::digest(b"null"));
    let mut stale = Vec::new();
    for then in &plan.fingerprints {
        let Some(current) = now.get(&(then.kind, then.key.as_str())) else {
            continue;
        };
        if current.hash == then.hash && current.version == then.version {
            continue;
        }
        let reason = if then.hash == null_hash {
            "created since the plan was made".to_owned()
        } else if current.hash == null_hash {
            "deleted since the plan was made".to_owned()
        } else {
            match (then.version, current.version) {
                (Some(a), Some(b)) if a != b => format!("version {a} → {b}"),
                _ => "changed since the plan was made".to_owned(),
            }
        };
        stale.push(StaleObject {
            kind: then.kind,
            key: then.key.clone(),
            reason,
        });
    }
    stale
}
