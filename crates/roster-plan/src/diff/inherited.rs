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

/// What one group gives managed users.
#[derive(Default)]
struct Gives<'a> {
    roles: BTreeMap<(&'a str, &'a str), BTreeSet<&'a Email>>,
    queues: BTreeMap<&'a str, BTreeSet<&'a Email>>,
}

/// Per group, what it gives managed users. Managed users are those the manifests declare
/// and that are active once the plan has run (an offboarded user's inherited grants are
/// noted on its deactivation instead); managed queues are those the manifests declare.
/// Named groups come first, by name; queue memberships through a group the org did not
/// name last.
pub(crate) fn inherited(ctx: &Context<'_>) -> Vec<InheritedGroup> {
    let mut by_group: BTreeMap<Option<&str>, Gives<'_>> = BTreeMap::new();
    for email in ctx.desired.users.keys() {
        if !ctx.fate(email).ends_active() {
            continue;
        }
        let Some(live) = ctx.live.users.get(email) else {
            continue;
        };
        for grant in &live.grants {
            if let GrantOrigin::Group(group) = &grant.origin {
                by_group
                    .entry(Some(group.as_str()))
                    .or_default()
                    .roles
                    .entry((grant.role.as_str(), grant.division.as_str()))
                    .or_default()
                    .insert(email);
            }
        }
    }
    for name in ctx.desired.queues.keys() {
        let Some(members) = ctx.live.queues.get(name).and_then(|q| q.members.as_ref()) else {
            continue;
        };
        for (email, member) in members {
            let MemberOrigin::Group(group) = &member.origin else {
                continue;
            };
            if ctx.desired.users.contains_key(email) && ctx.fate(email).ends_active() {
                by_group
                    .entry(group.as_deref())
                    .or_default()
                    .queues
                    .entry(name.as_str())
                    .or_default()
                    .insert(email);
            }
        }
    }

    let unnamed = by_group.remove(&None);
    by_group
        .into_iter()
        .chain(unnamed.map(|gives| (None, gives)))
        .map(|(group, gives)| InheritedGroup {
            group: group.map(str::to_owned),
            roles: gives
                .roles
                .into_iter()
                .map(|((role, division), users)| InheritedRole {
                    role: role.to_owned(),
                    division: division.to_owned(),
                    users: users.len(),
                    examples: examples(&users),
                })
                .collect(),
            queues: gives
                .queues
                .into_iter()
                .map(|(queue, users)| InheritedQueue {
                    queue: queue.to_owned(),
                    users: users.len(),
                    examples: examples(&users),
                })
                .collect(),
        })
        .collect()
}

fn examples(users: &BTreeSet<&Email>) -> Vec<Email> {
    users
        .iter()
        .take(INHERITED_EXAMPLES)
        .map(|e| (*e).clone())
        .collect()
}
