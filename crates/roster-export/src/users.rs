//! Users as specs: each exported user's own fields and assignments, references by name and
//! email, group-inherited memberships and grants left out.

use std::collections::{BTreeMap, BTreeSet};

use roster_manifest::manifest::{At, MediaSpec, RoleSpec, UserSpec, UtilizationSpec};
use roster_model::{
    Email, GrantOrigin, Kind, LiveOrg, LiveUser, MemberOrigin, UserState, Utilization,
};

use crate::ExportOptions;

/// The queues each user is a direct member of, from the queues whose members were read.
fn direct_queues(live: &LiveOrg) -> BTreeMap<&Email, BTreeSet<&str>> {
    let mut queues: BTreeMap<&Email, BTreeSet<&str>> = BTreeMap::new();
    for queue in live.queues.values() {
        for (email, member) in queue.members.iter().flatten() {
            if member.origin == MemberOrigin::Direct {
                queues.entry(email).or_default().insert(&queue.name);
            }
        }
    }
    queues
}

/// The exported users, sorted by email.
pub(crate) fn user_specs(live: &LiveOrg, options: &ExportOptions) -> Vec<UserSpec> {
    let queues = direct_queues(live);
    // Queue memberships are exported only when every queue's members were read; otherwise
    // an empty list would claim "no queues" for users whose queues are unknown.
    let members_read = live.queues.values().all(|q| q.members.is_some());
    let home = live.home_division().map(|d| d.name.as_str());
    let exported: BTreeSet<&Email> = live
        .users
        .values()
        .filter(|u| options.state.admits(u.state))
        .map(|u| &u.email)
        .collect();
    live.users
        .values()
        .filter(|u| options.state.admits(u.state))
        .map(|user| {
            let mut spec = UserSpec {
                email: At::new(user.email.clone()),
                name: user.name.clone(),
                title: user.title.clone(),
                department: user.department.clone(),
                division: Some(At::new(user.division.clone())),
                // A manager must be declared in the manifests: one who is not exported (an
                // inactive manager of an active user) leaves the field unmanaged.
                manager: user
                    .manager
                    .as_ref()
                    .filter(|m| exported.contains(m))
                    .map(|m| At::new(m.clone())),
                team: user
                    .team
                    .as_ref()
                    .filter(|_| options.has(Kind::Team))
                    .map(|t| At::new(t.clone())),
                routing_profile: None,
                skills: None,
                languages: None,
                queues: None,
                roles: Some(roles(user, home)),
                utilization: user
                    .utilization
                    .as_ref()
                    .filter(|u| !u.is_empty())
                    .map(utilization),
                acd_auto_answer: user.acd_auto_answer.then_some(true),
                state: (user.state == UserState::Inactive).then_some(UserState::Inactive),
                reactivate: None,
                // roster's own field, for notices: the org knows no time zone to export.
                timezone: None,
                // Entitlements are not exported yet: left unmanaged.
                phone: None,
                wfm: None,
            };
            if options.has(Kind::Skill) {
                spec.skills = Some(levels(&user.skills));
            }
            if options.has(Kind::Language) {
                spec.languages = Some(levels(&user.languages));
            }
            if options.has(Kind::Queue) && members_read {
                spec.queues = Some(
                    queues
                        .get(&user.email)
                        .into_iter()
                        .flatten()
                        .map(|q| At::new((*q).to_owned()))
                        .collect(),
                );
            }
            spec
        })
        .collect()
}

fn levels<P: Copy>(map: &BTreeMap<String, P>) -> BTreeMap<At<String>, P> {
    map.iter()
        .map(|(name, level)| (At::new(name.clone()), *level))
        .collect()
}

/// The user's direct grants, one entry per role. A role held only in the home division is
/// written without divisions (portable between orgs whose home divisions differ in name).
fn roles(user: &LiveUser, home: Option<&str>) -> Vec<RoleSpec> {
    let mut by_role: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for grant in &user.grants {
        if grant.origin == GrantOrigin::Direct {
            by_role
                .entry(&grant.role)
                .or_default()
                .insert(&grant.division);
        }
    }
    by_role
        .into_iter()
        .map(|(role, divisions)| {
            let only_home = home.is_some_and(|h| divisions.len() == 1 && divisions.contains(h));
            RoleSpec {
                role: At::new(role.to_owned()),
                divisions: (!only_home)
                    .then(|| divisions.iter().map(|d| At::new((*d).to_owned())).collect()),
            }
        })
        .collect()
}

/// A live utilization as a spec, media types in their fixed order.
pub(crate) fn utilization(live: &Utilization) -> UtilizationSpec {
    let mut spec = UtilizationSpec::default();
    for (media, settings) in live {
        let media_spec = MediaSpec {
            capacity: settings.capacity,
            interruptible: settings.interruptible.iter().copied().collect(),
            include_non_acd: settings.include_non_acd.then_some(true),
        };
        match media {
            roster_model::MediaType::Call => spec.call = Some(media_spec),
            roster_model::MediaType::Callback => spec.callback = Some(media_spec),
            roster_model::MediaType::Chat => spec.chat = Some(media_spec),
            roster_model::MediaType::Email => spec.email = Some(media_spec),
            roster_model::MediaType::Message => spec.message = Some(media_spec),
        }
    }
    spec
}
