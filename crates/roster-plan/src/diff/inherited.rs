//! What managed users hold through groups, summarized per group (DESIGN §2.2: "inherited
//! through groups ... never written; shown as inherited").
//!
//! Summarized, not listed per user: in an org of thousands a group such as "Everyone" gives
//! a role to every user, and a line per user would drown the plan. Each grant or queue says
//! how many managed users hold it and names the first few.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{Email, GrantOrigin, MemberOrigin};

use super::context::Context;
use crate::types::{InheritedGroup, InheritedQueue, InheritedRole};

/// How many users each inherited grant or queue names; the count says how many there are.
pub(crate) const INHERITED_EXAMPLES: usize = 3;

/// Per group, what it gives managed users. Managed users are those the manifests declare
/// and that are active once the plan has run (an offboarded user's inherited grants are
/// noted on its deactivation instead); managed queues are those the manifests declare.
/// Named groups come first, by name; queue memberships through an unnamed group last.
pub(crate) fn inherited(ctx: &Context<'_>) -> Vec<InheritedGroup> {
    let mut roles: BTreeMap<&str, BTreeMap<(&str, &str), BTreeSet<&Email>>> = BTreeMap::new();
    for email in ctx.desired.users.keys() {
        if !ctx.fate(email).ends_active() {
            continue;
        }
        let Some(live) = ctx.live.users.get(email) else {
            continue;
        };
        for grant in &live.grants {
            if let GrantOrigin::Group(group) = &grant.origin {
                roles
                    .entry(group.as_str())
                    .or_default()
                    .entry((grant.role.as_str(), grant.division.as_str()))
                    .or_default()
                    .insert(email);
            }
        }
    }

    let mut queues: BTreeMap<&str, BTreeSet<&Email>> = BTreeMap::new();
    for name in ctx.desired.queues.keys() {
        let Some(members) = ctx.live.queues.get(name).and_then(|q| q.members.as_ref()) else {
            continue;
        };
        let through_groups: BTreeSet<&Email> = members
            .iter()
            .filter(|(email, member)| {
                member.origin == MemberOrigin::Group
                    && ctx.desired.users.contains_key(*email)
                    && ctx.fate(email).ends_active()
            })
            .map(|(email, _)| email)
            .collect();
        if !through_groups.is_empty() {
            queues.insert(name.as_str(), through_groups);
        }
    }

    let mut groups: Vec<InheritedGroup> = roles
        .into_iter()
        .map(|(group, grants)| InheritedGroup {
            group: Some(group.to_owned()),
            roles: grants
                .into_iter()
                .map(|((role, division), users)| InheritedRole {
                    role: role.to_owned(),
                    division: division.to_owned(),
                    users: users.len(),
                    examples: examples(&users),
                })
                .collect(),
            queues: Vec::new(),
        })
        .collect();
    if !queues.is_empty() {
        groups.push(InheritedGroup {
            group: None,
            roles: Vec::new(),
            queues: queues
                .into_iter()
                .map(|(queue, users)| InheritedQueue {
                    queue: queue.to_owned(),
                    users: users.len(),
                    examples: examples(&users),
                })
                .collect(),
        });
    }
    groups
}

fn examples(users: &BTreeSet<&Email>) -> Vec<Email> {
    users
        .iter()
        .take(INHERITED_EXAMPLES)
        .map(|e| (*e).clone())
        .collect()
}
