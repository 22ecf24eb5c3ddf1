//! `--infer-profiles`: users whose skills, languages, queues, roles and utilization are all
//! the same are given one generated routing profile instead of their own assignments.
//!
//! The profile declares exactly the fields its users declared, with the same values, and
//! the users keep none of their own, so compiling a profile back into its users gives each
//! user the assignments it was exported with (DESIGN §2.3: fields add, and a field either
//! side declares counts as declared).

use std::collections::{BTreeMap, BTreeSet};

use roster_manifest::manifest::{At, RoutingProfileSpec, UserSpec};
use roster_model::{MediaType, Proficiency};

use crate::layout::unused;

/// One media type's settings in a comparable form: media, capacity, interruptible by,
/// non-ACD included.
type MediaKey = (MediaType, u8, Vec<MediaType>, bool);

/// Everything a profile would carry, in a comparable form.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Assignments {
    skills: Option<Vec<(String, Proficiency)>>,
    languages: Option<Vec<(String, Proficiency)>>,
    queues: Option<Vec<String>>,
    roles: Option<Vec<(String, Option<Vec<String>>)>>,
    utilization: Option<Vec<MediaKey>>,
}

fn levels(map: Option<&BTreeMap<At<String>, Proficiency>>) -> Option<Vec<(String, Proficiency)>> {
    map.map(|m| m.iter().map(|(k, v)| (k.value.clone(), *v)).collect())
}

fn names(list: &[At<String>]) -> Vec<String> {
    let sorted: BTreeSet<&String> = list.iter().map(|n| &n.value).collect();
    sorted.into_iter().cloned().collect()
}

impl Assignments {
    fn of(user: &UserSpec) -> Self {
        Assignments {
            skills: levels(user.skills.as_ref()),
            languages: levels(user.languages.as_ref()),
            queues: user.queues.as_deref().map(names),
            roles: user.roles.as_ref().map(|roles| {
                let mut list: Vec<_> = roles
                    .iter()
                    .map(|r| (r.role.value.clone(), r.divisions.as_deref().map(names)))
                    .collect();
                list.sort();
                list
            }),
            utilization: user.utilization.as_ref().map(|u| {
                u.entries()
                    .map(|(media, spec)| {
                        let mut interruptible = spec.interruptible.clone();
                        interruptible.sort();
                        (
                            media,
                            spec.capacity,
                            interruptible,
                            spec.include_non_acd.unwrap_or(false),
                        )
                    })
                    .collect()
            }),
        }
    }

    /// Whether there is anything to share: a profile of nothing helps no one.
    fn is_empty(&self) -> bool {
        self.skills.as_ref().is_none_or(Vec::is_empty)
            && self.languages.as_ref().is_none_or(Vec::is_empty)
            && self.queues.as_ref().is_none_or(Vec::is_empty)
            && self.roles.as_ref().is_none_or(Vec::is_empty)
            && self.utilization.is_none()
    }

    /// A readable name: the first queue, else the strongest skill, else the first language
    /// or role, with the number of skills.
    fn base_name(&self) -> String {
        let strongest_skill = self.skills.as_ref().and_then(|skills| {
            skills
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(name, _)| name.clone())
        });
        let base = self
            .queues
            .as_ref()
            .and_then(|q| q.first().cloned())
            .or(strongest_skill)
            .or_else(|| {
                self.languages
                    .as_ref()
                    .and_then(|l| l.first().map(|(n, _)| n.clone()))
            })
            .or_else(|| {
                self.roles
                    .as_ref()
                    .and_then(|r| r.first().map(|(n, _)| n.clone()))
            })
            .unwrap_or_else(|| "Agent".to_owned());
        match self.skills.as_ref().map_or(0, Vec::len) {
            0 => base,
            1 => format!("{base} (1 skill)"),
            n => format!("{base} ({n} skills)"),
        }
    }
}

/// Moves the assignments of every group of at least `min_size` identical users into a
/// generated profile, and returns the profiles sorted by name. Users left out of every
/// group keep their own assignments.
pub(crate) fn infer(users: &mut [UserSpec], min_size: usize) -> Vec<RoutingProfileSpec> {
    let mut groups: BTreeMap<Assignments, Vec<usize>> = BTreeMap::new();
    for (index, user) in users.iter().enumerate() {
        groups.entry(Assignments::of(user)).or_default().push(index);
    }
    let mut groups: Vec<(Assignments, Vec<usize>)> = groups
        .into_iter()
        .filter(|(key, members)| members.len() >= min_size.max(1) && !key.is_empty())
        .collect();
    // Bigger groups get the plain name; the order is total, so names are stable.
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));

    let mut taken = BTreeSet::new();
    let mut profiles = Vec::new();
    for (key, members) in groups {
        let base = key.base_name();
        let name = unused(&mut taken, &base, |n| format!("{base} #{n}"));
        let first = &users[members[0]];
        profiles.push(RoutingProfileSpec {
            name: At::new(name.clone()),
            skills: first.skills.clone(),
            languages: first.languages.clone(),
            queues: first.queues.clone(),
            roles: first.roles.clone(),
            utilization: first.utilization.clone(),
            // Entitlements are not inferred into profiles: left on no profile.
            phone: None,
            wfm: None,
            licence: None,
        });
        for index in members {
            let user = &mut users[index];
            user.routing_profile = Some(At::new(name.clone()));
            user.skills = None;
            user.languages = None;
            user.queues = None;
            user.roles = None;
            user.utilization = None;
        }
    }
    profiles.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    profiles
}
