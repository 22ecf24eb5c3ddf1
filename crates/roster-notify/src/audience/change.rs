//! The audience of a plan (DESIGN §2.9): the users whose routing it changes (`agents`), their
//! managers (`supervisors`, one digest each) and the holders of the `notify.admins` roles
//! (`admins`, one summary each).
//!
//! Where a plan says what changes for a user:
//! - the user's own change, for the routing fields of [`super::lines`];
//! - a queue's change, for members the plan adds or removes that have no change of their
//!   own (an unmanaged user leaving an exclusive queue); a team's change likewise;
//! - a skill's rename, for live holders of the old name whose own change does not already
//!   give them the new one.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{DesiredOrg, Email, Kind, LiveOrg, UserState};
use roster_plan::{Action, Change, Plan};

use super::directory::Directory;
use super::lines::{
    is_routing, object_line, queue_member_line, rename_line, team_member_line, user_line,
};
use super::{ChangeLine, Person, Undeliverable, Zones, contact, sorted};
use crate::template::Contact;
use crate::{Recipient, Tier};

/// Who hears about a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeAudience {
    /// Each user whose routing changes, with their changes; by email.
    pub agents: Vec<AgentNotice>,
    /// Each manager of those users, with their people; by email.
    pub supervisors: Vec<Digest>,
    /// Each holder of a `notify.admins` role, with everyone's changes; by email.
    pub admins: Vec<Digest>,
    /// Who should hear but cannot be addressed, and why; by email, then tier.
    pub undeliverable: Vec<Undeliverable>,
    /// Names the audience refers to that the org lacks (an unknown `notify.admins` role).
    pub unmatched: Vec<String>,
}

/// A change notice to one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNotice {
    /// Who.
    pub recipient: Recipient,
    /// Their manager (the manifests', else the org's), when they have one.
    pub manager: Option<Contact>,
    /// What changes in their routing.
    pub changes: Vec<ChangeLine>,
}

/// One digest: to a manager about their people, or to an admin about everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    /// Who reads it.
    pub recipient: Recipient,
    /// The people whose routing changes, with their changes; by email. A manager's lists
    /// only their own people.
    pub people: Vec<Person>,
    /// Admin summaries: the changes to objects other than users (queues, skills, teams …);
    /// empty for managers.
    pub changes: Vec<ChangeLine>,
}

/// Who hears about `plan`, and what each of them reads.
///
/// `admin_roles` are the role names of `notify.admins`; `zones` gives each person's time
/// zone. A user the plan deactivates is not told (they can no longer sign in), but listed
/// as undeliverable, and their manager's digest and the admins' summaries include them.
pub fn change_audience(
    plan: &Plan,
    desired: &DesiredOrg,
    live: &LiveOrg,
    admin_roles: &BTreeSet<String>,
    zones: &Zones,
) -> ChangeAudience {
    let directory = Directory::after(plan, desired, live, zones);
    let mut undeliverable = Vec::new();
    let affected = affected_users(plan, live, &directory, &mut undeliverable);
    let people: Vec<Person> = affected
        .iter()
        .map(|(email, changes)| Person {
            recipient: directory.recipient(email),
            changes: changes.clone(),
        })
        .collect();

    let mut agents = Vec::new();
    for (email, changes) in &affected {
        match directory.addressable(email) {
            Ok(recipient) => agents.push(AgentNotice {
                recipient,
                manager: directory
                    .manager_of(email)
                    .map(|manager| contact(&directory.recipient(&manager))),
                changes: changes.clone(),
            }),
            Err(reason) => undeliverable.push(Undeliverable {
                email: email.to_string(),
                tier: Tier::Agents,
                reason,
            }),
        }
    }

    let mut teams: BTreeMap<Email, Vec<Person>> = BTreeMap::new();
    for person in &people {
        let Ok(email) = Email::parse(&person.recipient.email) else {
            continue;
        };
        if let Some(manager) = directory.manager_of(&email) {
            teams.entry(manager).or_default().push(person.clone());
        }
    }
    let mut supervisors = Vec::new();
    for (manager, people) in teams {
        match directory.addressable(&manager) {
            Ok(recipient) => supervisors.push(Digest {
                recipient,
                people,
                changes: Vec::new(),
            }),
            Err(reason) => undeliverable.push(Undeliverable {
                email: manager.to_string(),
                tier: Tier::Supervisors,
                reason: format!("{reason}; manager of {}", names(&people)),
            }),
        }
    }

    let objects: Vec<ChangeLine> = plan
        .changes
        .iter()
        .filter(|c| c.kind != Kind::User && c.action != Action::Unmanaged)
        .map(object_line)
        .collect();
    let mut admins = Vec::new();
    let unmatched: Vec<String> = directory
        .unknown_roles(admin_roles)
        .into_iter()
        .map(|role| format!("role `{role}` of `notify.admins` is not in the org"))
        .collect();
    if !people.is_empty() || !objects.is_empty() {
        for admin in directory.role_holders(admin_roles) {
            match directory.addressable(&admin) {
                Ok(recipient) => admins.push(Digest {
                    recipient,
                    people: people.clone(),
                    changes: objects.clone(),
                }),
                Err(reason) => undeliverable.push(Undeliverable {
                    email: admin.to_string(),
                    tier: Tier::Admins,
                    reason,
                }),
            }
        }
    }

    ChangeAudience {
        agents,
        supervisors,
        admins,
        undeliverable: sorted(undeliverable),
        unmatched,
    }
}

/// Each user whose routing the plan changes, with the lines that say how.
fn affected_users(
    plan: &Plan,
    live: &LiveOrg,
    directory: &Directory<'_>,
    undeliverable: &mut Vec<Undeliverable>,
) -> BTreeMap<Email, Vec<ChangeLine>> {
    let mut affected: BTreeMap<Email, Vec<ChangeLine>> = BTreeMap::new();
    let mut email_of = |key: &str, tier: Tier| match Email::parse(key) {
        Ok(email) => Some(email),
        Err(error) => {
            undeliverable.push(Undeliverable {
                email: key.to_owned(),
                tier,
                reason: format!("not a usable email: {error}"),
            });
            None
        }
    };
    let users = plan
        .changes
        .iter()
        .filter(|c| c.kind == Kind::User && c.action != Action::Unmanaged);
    for change in users {
        let lines: Vec<ChangeLine> = change
            .fields
            .iter()
            .filter(|f| is_routing(f))
            .map(|f| user_line(&change.key, f))
            .collect();
        if !lines.is_empty()
            && let Some(email) = email_of(&change.key, Tier::Agents)
        {
            affected.entry(email).or_default().extend(lines);
        }
    }
    for change in plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, Kind::Queue | Kind::Team))
    {
        for field in change.fields.iter().filter(|f| f.field == "members") {
            let Some(member) = field.item.as_deref() else {
                continue;
            };
            let Some(email) = email_of(member, Tier::Agents) else {
                continue;
            };
            let member_change = member_line(change, email.as_str(), field);
            let lines = affected.entry(email).or_default();
            if !lines.iter().any(|l| l.field == member_change.field) {
                lines.push(member_change);
            }
        }
    }
    for change in &plan.changes {
        if let (Kind::Skill, Action::Rename { from }) = (change.kind, &change.action) {
            rename_lines(change, from, live, directory, &mut affected);
        }
    }
    affected
}

/// The line of a queue's or team's `members` item.
fn member_line(change: &Change, email: &str, field: &roster_plan::FieldChange) -> ChangeLine {
    if change.kind == Kind::Queue {
        queue_member_line(email, &change.key, field)
    } else {
        team_member_line(email, &change.key, field)
    }
}

/// Live holders of a renamed skill's old names (who stay active) get the new name.
fn rename_lines(
    change: &Change,
    from: &[String],
    live: &LiveOrg,
    directory: &Directory<'_>,
    affected: &mut BTreeMap<Email, Vec<ChangeLine>>,
) {
    let field = format!("skills: {}", change.key);
    for user in live.users.values() {
        let Some(old) = from.iter().find(|old| user.skills.contains_key(*old)) else {
            continue;
        };
        if user.state != UserState::Active
            || directory.is_deactivated(&user.email)
            || user.skills.contains_key(&change.key)
        {
            continue;
        }
        let lines = affected.entry(user.email.clone()).or_default();
        if !lines.iter().any(|l| l.field == field) {
            lines.push(rename_line(user.email.as_str(), old, &change.key));
        }
    }
}

/// `ana@example.com, bo@example.com` for a reason that names a manager's people.
fn names(people: &[Person]) -> String {
    people
        .iter()
        .map(|p| format!("`{}`", p.recipient.email))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::{
        declare, desired_org, email, grant, live_member, live_org, live_user, plan, skills,
    };

    /// ana (skill up) and bo (joins queue `Billing`) report to boss; carl (skill added)
    /// reports to ghost, who is not in the org; fay is offboarded; gus only changes title;
    /// eve, unmanaged, leaves the exclusive queue `Billing`; root holds `Admin`, old-root
    /// too but is inactive.
    fn scenario() -> (DesiredOrg, LiveOrg) {
        let mut live = live_org();
        let mut desired = desired_org();
        for address in [
            "ana@example.com",
            "bo@example.com",
            "carl@example.com",
            "fay@example.com",
            "gus@example.com",
            "boss@example.com",
        ] {
            live_user(&mut live, address);
        }
        let ana = live_user(&mut live, "ana@example.com");
        ana.skills = skills(&[("Billing", 3)]).unwrap();
        ana.manager = Some(email("boss@example.com"));
        ana.team = Some("Billing Tier 2".to_owned());
        live.users
            .get_mut(&email("bo@example.com"))
            .unwrap()
            .manager = Some(email("boss@example.com"));
        live.users
            .get_mut(&email("carl@example.com"))
            .unwrap()
            .manager = Some(email("ghost@example.com"));
        live.users
            .get_mut(&email("fay@example.com"))
            .unwrap()
            .manager = Some(email("boss@example.com"));
        live_user(&mut live, "eve@example.com");
        live_member(&mut live, "Billing", "eve@example.com");
        grant(live_user(&mut live, "root@example.com"), "Admin");
        let old_root = live_user(&mut live, "old-root@example.com");
        grant(old_root, "Admin");
        old_root.state = roster_model::UserState::Inactive;

        declare(&mut desired, "ana@example.com", "Ana").skills = skills(&[("Billing", 4)]);
        declare(&mut desired, "bo@example.com", "Bo").queues =
            Some(BTreeSet::from(["Billing".to_owned()]));
        declare(&mut desired, "carl@example.com", "Carl").skills = skills(&[("Sales", 2)]);
        declare(&mut desired, "fay@example.com", "Fay").state = roster_model::UserState::Inactive;
        declare(&mut desired, "gus@example.com", "gus").title = Some("Lead".to_owned());
        declare(&mut desired, "boss@example.com", "The Boss");
        (desired, live)
    }

    fn summaries(changes: &[ChangeLine]) -> Vec<&str> {
        changes.iter().map(|c| c.summary.as_str()).collect()
    }

    fn audience() -> ChangeAudience {
        let (desired, live) = scenario();
        let mut zones = Zones {
            org: Some("America/New_York".to_owned()),
            ..Zones::default()
        };
        zones
            .teams
            .insert("Billing Tier 2".to_owned(), "Europe/Berlin".to_owned());
        zones
            .users
            .insert(email("bo@example.com"), "Asia/Tokyo".to_owned());
        let admins = BTreeSet::from(["Admin".to_owned(), "Auditor".to_owned()]);
        change_audience(&plan(&desired, &live), &desired, &live, &admins, &zones)
    }

    #[test]
    fn agents_hear_their_own_routing_changes_only() {
        let audience = audience();
        let agents: Vec<(&str, &str, Vec<&str>)> = audience
            .agents
            .iter()
            .map(|a| {
                (
                    a.recipient.email.as_str(),
                    a.recipient.timezone.as_str(),
                    summaries(&a.changes),
                )
            })
            .collect();
        assert_eq!(
            agents,
            vec![
                (
                    "ana@example.com",
                    "Europe/Berlin",
                    vec!["Skill `Billing`: proficiency 3 → 4"]
                ),
                (
                    "bo@example.com",
                    "Asia/Tokyo",
                    vec!["Added to queue `Billing`"]
                ),
                (
                    "carl@example.com",
                    "America/New_York",
                    vec!["New skill `Sales` at proficiency 2"]
                ),
                (
                    "eve@example.com",
                    "America/New_York",
                    vec!["Removed from queue `Billing` (unmanaged; the queue is exclusive)"]
                ),
            ]
        );
        let ana = &audience.agents[0];
        assert_eq!(ana.recipient.name, "Ana");
        assert_eq!(
            ana.manager,
            Some(Contact {
                name: "The Boss".to_owned(),
                email: "boss@example.com".to_owned()
            })
        );
        assert_eq!(ana.changes[0].object, "user `ana@example.com`");
        assert_eq!(ana.changes[0].field, "skills: Billing");
        assert_eq!(ana.changes[0].from.as_deref(), Some("3"));
        assert_eq!(ana.changes[0].to.as_deref(), Some("4"));
    }

    #[test]
    fn a_manager_gets_one_digest_for_all_their_people_including_the_offboarded() {
        let audience = audience();
        let digests: Vec<(&str, Vec<&str>)> = audience
            .supervisors
            .iter()
            .map(|d| {
                (
                    d.recipient.email.as_str(),
                    d.people
                        .iter()
                        .map(|p| p.recipient.email.as_str())
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            digests,
            vec![(
                "boss@example.com",
                vec!["ana@example.com", "bo@example.com", "fay@example.com"]
            )]
        );
        let fay = &audience.supervisors[0].people[2];
        assert!(summaries(&fay.changes).contains(&"Account deactivated"));
    }

    #[test]
    fn admins_are_live_holders_of_the_roles_and_see_everyone() {
        let audience = audience();
        assert_eq!(audience.admins.len(), 1);
        let root = &audience.admins[0];
        assert_eq!(root.recipient.email, "root@example.com");
        let people: Vec<&str> = root
            .people
            .iter()
            .map(|p| p.recipient.email.as_str())
            .collect();
        assert_eq!(
            people,
            [
                "ana@example.com",
                "bo@example.com",
                "carl@example.com",
                "eve@example.com",
                "fay@example.com"
            ]
        );
        assert_eq!(
            summaries(&root.changes),
            ["queue `Billing`: update (members)"]
        );
        assert_eq!(
            audience.unmatched,
            ["role `Auditor` of `notify.admins` is not in the org"]
        );
    }

    #[test]
    fn nobody_who_should_hear_is_dropped_silently() {
        let audience = audience();
        let undeliverable: Vec<(&str, Tier, &str)> = audience
            .undeliverable
            .iter()
            .map(|u| (u.email.as_str(), u.tier, u.reason.as_str()))
            .collect();
        assert_eq!(
            undeliverable,
            vec![
                ("fay@example.com", Tier::Agents, "deactivated by this plan"),
                (
                    "ghost@example.com",
                    Tier::Supervisors,
                    "not a user in the org; manager of `carl@example.com`"
                ),
                ("old-root@example.com", Tier::Admins, "inactive in the org"),
            ]
        );
        // A title is not routing: gus hears nothing and is not missing either.
        assert!(
            !audience
                .agents
                .iter()
                .any(|a| a.recipient.email == "gus@example.com")
        );
    }

    #[test]
    fn an_empty_plan_tells_nobody() {
        let mut live = live_org();
        grant(live_user(&mut live, "root@example.com"), "Admin");
        let desired = desired_org();
        let audience = change_audience(
            &plan(&desired, &live),
            &desired,
            &live,
            &BTreeSet::from(["Admin".to_owned()]),
            &Zones::default(),
        );
        assert_eq!(audience, ChangeAudience::default());
    }
}
