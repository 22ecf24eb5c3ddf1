//! A user's full assignment picture as read from the org, journaled before the user is
//! offboarded so that an auditor sees what it held and an engineer can restore a wrongly
//! offboarded agent (DESIGN §2.5).
//!
//! The picture is what the snapshot read, nothing more: queue memberships are known only for
//! the queues whose members were read, and grants only when grants were read. The record says
//! so (`queuesComplete`, `grants: null`) rather than passing an unread list off as empty.

use roster_model::{Email, GrantOrigin, LiveOrg, MemberOrigin, ReadNeeds};
use serde_json::{Value, json};

/// The journal record kind `roster apply` writes for each user its plan deactivates.
pub const ASSIGNMENT_SNAPSHOT: &str = "assignmentSnapshot";

/// The assignment picture of `email` in `live`, read under `needs`; `None` when the org has
/// no such user. The `user` field names the user, so `roster journal show --user` finds it.
pub fn snapshot(live: &LiveOrg, needs: &ReadNeeds, email: &Email) -> Option<Value> {
    let user = live.users.get(email)?;
    let queues: Vec<Value> = live
        .queues
        .values()
        .filter_map(|queue| {
            let member = queue.members.as_ref()?.get(email)?;
            Some(match &member.origin {
                MemberOrigin::Direct => json!({ "queue": queue.name, "origin": "direct" }),
                MemberOrigin::Group(group) => {
                    json!({ "queue": queue.name, "origin": "group", "group": group })
                }
            })
        })
        .collect();
    let queues_complete = live.queues.values().all(|q| q.members.is_some());
    let grants = needs.grants.then(|| {
        user.grants
            .iter()
            .map(|grant| match &grant.origin {
                GrantOrigin::Direct => json!({
                    "role": grant.role,
                    "division": grant.division,
                    "origin": "direct",
                }),
                GrantOrigin::Group(group) => json!({
                    "role": grant.role,
                    "division": grant.division,
                    "origin": "group",
                    "group": group,
                }),
            })
            .collect::<Vec<_>>()
    });
    Some(json!({
        "user": email,
        "id": user.id,
        "name": user.name,
        "state": user.state.to_string(),
        "division": user.division,
        "manager": user.manager,
        "title": user.title,
        "department": user.department,
        "team": user.team,
        "skills": user.skills,
        "languages": user.languages,
        "queues": queues,
        "queuesComplete": queues_complete,
        "grants": grants,
        "utilization": user.utilization,
        "acdAutoAnswer": user.acd_auto_answer,
    }))
}
