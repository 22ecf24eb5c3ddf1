//! The audience of an announcement: the users its selector matches, widened to the tiers it
//! names.
//!
//! A user matches when they are active in the org and any of these holds: they are a member
//! of a listed queue (in the org, directly or through a group, or as the manifests declare
//! it), on a listed team, in a listed division, hold a listed role (in the org or as the
//! manifests declare it), are on a listed routing profile (manifests), or are listed by
//! email. Users the manifests declare but the org does not have yet, and listed users who
//! are inactive or unknown, are undeliverable. Inactive users are otherwise no audience:
//! Genesys keeps offboarded users for good, and a division selector must not list every
//! leaver of the last ten years.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{DesiredOrg, DesiredUser, Email, LiveOrg, LiveUser};

use super::directory::Directory;
use super::{Undeliverable, Zones, contact, sorted};
use crate::template::Contact;
use crate::{Recipient, Selector, Tier};

/// Who hears an announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnouncementAudience {
    /// Each recipient once per tier; by email, then tier.
    pub members: Vec<AudienceMember>,
    /// Who should hear but cannot be addressed, and why; by email, then tier.
    pub undeliverable: Vec<Undeliverable>,
    /// Names the selector (or `notify.admins`) refers to that neither the org nor the
    /// manifests have, each as a sentence.
    pub unmatched: Vec<String>,
}

/// One recipient of an announcement, in one tier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceMember {
    /// Who.
    pub recipient: Recipient,
    /// Why: matched themselves (`agents`), manage someone who did (`supervisors`), or hold
    /// an admin role (`admins`).
    pub tier: Tier,
    /// Their manager, when they have one.
    pub manager: Option<Contact>,
    /// For `supervisors`: their people the selector matched; by email.
    pub people: Vec<Recipient>,
}

/// Resolves `selector` against the org and the manifests.
///
/// `admin_roles` are the role names of `notify.admins` (used when the selector's tiers
/// include `admins`); `zones` gives each person's time zone.
pub fn announcement_audience(
    selector: &Selector,
    desired: &DesiredOrg,
    live: &LiveOrg,
    admin_roles: &BTreeSet<String>,
    zones: &Zones,
) -> AnnouncementAudience {
    let directory = Directory::new(desired, live, zones);
    let mut undeliverable = Vec::new();
    let tiers = if selector.tiers.is_empty() {
        BTreeSet::from([Tier::Agents])
    } else {
        selector.tiers.clone()
    };

    let mut matched = BTreeSet::new();
    let in_queues = live_queue_members(&selector.queues, live);
    let known: BTreeSet<&Email> = live.users.keys().chain(desired.users.keys()).collect();
    for email in known {
        let user = live.users.get(email);
        if !matches(
            selector,
            user,
            desired.users.get(email),
            in_queues.contains(email),
        ) {
            continue;
        }
        if directory.is_active_in_org(email) {
            matched.insert(email.clone());
        } else if user.is_none() {
            undeliverable.push(Undeliverable {
                email: email.to_string(),
                tier: Tier::Agents,
                reason: "declared in the manifests but not yet a user in the org".to_owned(),
            });
        }
    }
    for listed in &selector.users {
        let (email, reason) = match Email::parse(listed) {
            Err(error) => (listed.clone(), Some(format!("not a usable email: {error}"))),
            Ok(email) if !directory.is_active_in_org(&email) => {
                (email.to_string(), directory.addressable(&email).err())
            }
            Ok(_) => continue,
        };
        if let Some(reason) = reason {
            undeliverable.push(Undeliverable {
                email,
                tier: Tier::Agents,
                reason,
            });
        }
    }

    let mut members = Vec::new();
    let member = |email: &Email, tier, people| AudienceMember {
        recipient: directory.recipient(email),
        tier,
        manager: directory
            .manager_of(email)
            .map(|manager| contact(&directory.recipient(&manager))),
        people,
    };
    if tiers.contains(&Tier::Agents) {
        members.extend(matched.iter().map(|e| member(e, Tier::Agents, Vec::new())));
    }
    if tiers.contains(&Tier::Supervisors) {
        let mut teams: BTreeMap<Email, Vec<Recipient>> = BTreeMap::new();
        for email in &matched {
            if let Some(manager) = directory.manager_of(email) {
                teams
                    .entry(manager)
                    .or_default()
                    .push(directory.recipient(email));
            }
        }
        for (manager, people) in teams {
            if directory.is_active_in_org(&manager) {
                members.push(member(&manager, Tier::Supervisors, people));
            } else {
                let reason = directory
                    .addressable(&manager)
                    .err()
                    .unwrap_or_else(|| "inactive in the org".to_owned());
                let people: Vec<String> = people.iter().map(|p| format!("`{}`", p.email)).collect();
                undeliverable.push(Undeliverable {
                    email: manager.to_string(),
                    tier: Tier::Supervisors,
                    reason: format!("{reason}; manager of {}", people.join(", ")),
                });
            }
        }
    }
    let mut unmatched = unmatched_names(selector, desired, live);
    if tiers.contains(&Tier::Admins) {
        unmatched.extend(
            directory
                .unknown_roles(admin_roles)
                .into_iter()
                .map(|role| format!("role `{role}` of `notify.admins` is not in the org")),
        );
        for admin in directory.role_holders(admin_roles) {
            if directory.is_active_in_org(&admin) {
                members.push(member(&admin, Tier::Admins, Vec::new()));
            }
        }
    }
    members.sort_by(|a, b| (&a.recipient.email, a.tier).cmp(&(&b.recipient.email, b.tier)));

    AnnouncementAudience {
        members,
        undeliverable: sorted(undeliverable),
        unmatched,
    }
}

/// Users who are members of any of `queues` in the org, directly or through a group.
fn live_queue_members(queues: &BTreeSet<String>, live: &LiveOrg) -> BTreeSet<Email> {
    queues
        .iter()
        .filter_map(|queue| live.queues.get(queue))
        .flat_map(|queue| {
            queue
                .members
                .iter()
                .flatten()
                .map(|(email, _)| email.clone())
        })
        .collect()
}

/// Whether a user (as the org has them, and as the manifests declare them) matches any of
/// the selector's lists; `in_live_queue` says whether the org has them in a listed queue.
fn matches(
    selector: &Selector,
    live: Option<&LiveUser>,
    declared: Option<&DesiredUser>,
    in_live_queue: bool,
) -> bool {
    let queue = in_live_queue
        || declared.is_some_and(|u| {
            u.queues
                .iter()
                .flatten()
                .any(|q| selector.queues.contains(q))
        });
    let team = live
        .and_then(|u| u.team.as_ref())
        .is_some_and(|t| selector.teams.contains(t))
        || declared
            .and_then(|u| u.team.as_ref())
            .is_some_and(|t| selector.teams.contains(t));
    let division = live.is_some_and(|u| selector.divisions.contains(&u.division))
        || declared
            .and_then(|u| u.division.as_ref())
            .is_some_and(|d| selector.divisions.contains(d));
    let role = live.is_some_and(|u| u.grants.iter().any(|g| selector.roles.contains(&g.role)))
        || declared.is_some_and(|u| {
            u.roles
                .iter()
                .flatten()
                .any(|g| selector.roles.contains(&g.role))
        });
    let profile = declared
        .and_then(|u| u.routing_profile.as_ref())
        .is_some_and(|p| selector.routing_profiles.contains(p));
    let email = live.map(|u| &u.email).or(declared.map(|u| &u.email));
    let listed = email.is_some_and(|e| {
        selector
            .users
            .iter()
            .any(|listed| Email::parse(listed).is_ok_and(|l| &l == e))
    });
    queue || team || division || role || profile || listed
}

/// The selector's names that neither the org nor the manifests have, as sentences.
fn unmatched_names(selector: &Selector, desired: &DesiredOrg, live: &LiveOrg) -> Vec<String> {
    let profiles: BTreeSet<&String> = desired
        .users
        .values()
        .filter_map(|u| u.routing_profile.as_ref())
        .collect();
    let mut unmatched = Vec::new();
    for queue in &selector.queues {
        if !live.queues.contains_key(queue) && !desired.queues.contains_key(queue) {
            unmatched.push(format!(
                "queue `{queue}` is neither in the org nor in the manifests"
            ));
        }
    }
    for team in &selector.teams {
        if !live.teams.contains_key(team) && !desired.teams.contains_key(team) {
            unmatched.push(format!(
                "team `{team}` is neither in the org nor in the manifests"
            ));
        }
    }
    for division in &selector.divisions {
        if !live.divisions.contains_key(division) {
            unmatched.push(format!("division `{division}` is not in the org"));
        }
    }
    for role in &selector.roles {
        if !live.roles.contains_key(role) {
            unmatched.push(format!("role `{role}` is not in the org"));
        }
    }
    for profile in &selector.routing_profiles {
        if !profiles.contains(profile) {
            unmatched.push(format!(
                "no user in the manifests is on routing profile `{profile}`"
            ));
        }
    }
    unmatched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::{
        declare, desired_org, email, live_member, live_org, live_user,
    };

    #[test]
    fn a_selector_by_queue_team_and_user_reaches_each_person_once_per_tier() {
        let mut live = live_org();
        let mut desired = desired_org();
        for address in [
            "ana@example.com",
            "bo@example.com",
            "carl@example.com",
            "dan@example.com",
            "boss@example.com",
            "sam@example.com",
            "gone@example.com",
        ] {
            live_user(&mut live, address);
        }
        let boss = Some(email("boss@example.com"));
        // ana: live member of `Billing` and on team `Sales Team`: matched twice, listed once.
        live_member(&mut live, "Billing", "ana@example.com");
        let ana = live.users.get_mut(&email("ana@example.com")).unwrap();
        ana.team = Some("Sales Team".to_owned());
        ana.manager.clone_from(&boss);
        // bo: in `Billing` only through the manifests.
        declare(&mut desired, "bo@example.com", "Bo").queues =
            Some(BTreeSet::from(["Billing".to_owned()]));
        live.users
            .get_mut(&email("bo@example.com"))
            .unwrap()
            .manager
            .clone_from(&boss);
        // carl: listed by email; his manager sam.
        live.users
            .get_mut(&email("carl@example.com"))
            .unwrap()
            .manager = Some(email("sam@example.com"));
        // dan: matches nothing.
        // gone: on the team, but inactive: no audience.
        let gone = live.users.get_mut(&email("gone@example.com")).unwrap();
        gone.team = Some("Sales Team".to_owned());
        gone.state = roster_model::UserState::Inactive;
        // new: declared on the queue, not in the org yet.
        declare(&mut desired, "new@example.com", "New").queues =
            Some(BTreeSet::from(["Billing".to_owned()]));

        let selector = Selector {
            queues: BTreeSet::from(["Billing".to_owned()]),
            teams: BTreeSet::from(["Sales Team".to_owned(), "Nope".to_owned()]),
            users: BTreeSet::from(["Carl@Example.com".to_owned(), "who@example.com".to_owned()]),
            tiers: BTreeSet::from([Tier::Agents, Tier::Supervisors]),
            ..Selector::default()
        };
        let zones = Zones {
            org: Some("Europe/Paris".to_owned()),
            ..Zones::default()
        };
        let audience = announcement_audience(&selector, &desired, &live, &BTreeSet::new(), &zones);
        let members: Vec<(&str, Tier, Vec<&str>)> = audience
            .members
            .iter()
            .map(|m| {
                (
                    m.recipient.email.as_str(),
                    m.tier,
                    m.people.iter().map(|p| p.email.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            members,
            vec![
                ("ana@example.com", Tier::Agents, vec![]),
                ("bo@example.com", Tier::Agents, vec![]),
                (
                    "boss@example.com",
                    Tier::Supervisors,
                    vec!["ana@example.com", "bo@example.com"]
                ),
                ("carl@example.com", Tier::Agents, vec![]),
                (
                    "sam@example.com",
                    Tier::Supervisors,
                    vec!["carl@example.com"]
                ),
            ]
        );
        assert_eq!(audience.members[0].recipient.timezone, "Europe/Paris");
        assert_eq!(
            audience.members[0]
                .manager
                .as_ref()
                .map(|m| m.email.as_str()),
            Some("boss@example.com")
        );
        let undeliverable: Vec<(&str, &str)> = audience
            .undeliverable
            .iter()
            .map(|u| (u.email.as_str(), u.reason.as_str()))
            .collect();
        assert_eq!(
            undeliverable,
            vec![
                (
                    "new@example.com",
                    "declared in the manifests but not yet a user in the org"
                ),
                ("who@example.com", "not a user in the org"),
            ]
        );
        assert_eq!(
            audience.unmatched,
            ["team `Nope` is neither in the org nor in the manifests"]
        );
    }

    #[test]
    fn admins_widen_an_announcement_to_active_role_holders() {
        let mut live = live_org();
        let root = live_user(&mut live, "root@example.com");
        crate::audience::fixtures::grant(root, "Admin");
        live_user(&mut live, "ana@example.com");
        let selector = Selector {
            users: BTreeSet::from(["ana@example.com".to_owned()]),
            tiers: BTreeSet::from([Tier::Admins]),
            ..Selector::default()
        };
        let audience = announcement_audience(
            &selector,
            &desired_org(),
            &live,
            &BTreeSet::from(["Admin".to_owned()]),
            &Zones::default(),
        );
        let members: Vec<(&str, Tier)> = audience
            .members
            .iter()
            .map(|m| (m.recipient.email.as_str(), m.tier))
            .collect();
        assert_eq!(members, vec![("root@example.com", Tier::Admins)]);
    }
}
