//! Turns what the API listed into the normalized [`LiveOrg`], exactly as the manifest side
//! normalizes desired values, so an org that was just applied diffs to zero:
//! emails lower-cased, empty strings as `None`, proficiencies fixed-point, references by name
//! (manager by email), utilization at the organization level as an empty map. Users without a
//! usable email cannot be keyed: they are listed apart, in `unlisted_users`.
//!
//! Pure: every input is already read; [`build`] is tested without a network.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use roster_model::{
    Email, GrantOrigin, Kind, LicenceDefinition, LiveBusinessUnit, LiveDidPool, LiveDivision,
    LiveExtensionPool, LiveGrant, LiveManagementUnit, LiveNamed, LiveOrg, LiveQueue,
    LiveQueueMember, LiveTeam, LiveUser, MediaType, MediaUtilization, MemberOrigin, PhoneNumber,
    Proficiency, RoutePath, Telephony, UnlistedUser, Utilization, Wfm,
};

use crate::addresses;
use crate::dto;
use crate::ids::IdTable;

/// Everything a snapshot read, before normalization.
#[derive(Debug, Default)]
pub struct RawOrg {
    /// Divisions.
    pub divisions: Vec<dto::Division>,
    /// Roles.
    pub roles: Vec<dto::Named>,
    /// Skills (any state; only active ones are kept).
    pub skills: Vec<dto::Named>,
    /// Languages (any state; only active ones are kept).
    pub languages: Vec<dto::Named>,
    /// Wrap-up codes.
    pub wrapup_codes: Vec<dto::Named>,
    /// Queues.
    pub queues: Vec<dto::Queue>,
    /// Teams.
    pub teams: Vec<dto::Team>,
    /// Active and inactive users.
    pub users: Vec<dto::User>,
    /// Members of the queues that were read, by queue id.
    pub queue_members: HashMap<String, Vec<dto::QueueMember>>,
    /// Wrap-up codes of the queues that were read, by queue id.
    pub queue_wrapup_codes: HashMap<String, Vec<dto::Named>>,
    /// Subject grants per role id, when grants were read.
    pub grants: Option<Vec<(String, Vec<dto::SubjectGrants>)>>,
    /// Utilization of the users it was read for, by user id.
    pub utilization: HashMap<String, dto::AgentUtilization>,
    /// The org-wide utilization defaults, read when any user's utilization was.
    pub org_utilization: dto::OrgUtilization,
    /// DID and extension pools, when read (`needs.telephony`).
    pub telephony: Option<RawTelephony>,
    /// Business and management units, when read (`needs.wfm`).
    pub wfm: Option<RawWfm>,
    /// Licence definitions (empty when not read).
    pub licences: Vec<dto::LicenceDefinition>,
}

/// The telephony estate as listed.
#[derive(Debug, Default)]
pub struct RawTelephony {
    /// DID pools.
    pub did_pools: Vec<dto::DidPool>,
    /// Extension pools.
    pub extension_pools: Vec<dto::ExtensionPool>,
    /// Unassigned numbers of the pools they were listed for, by pool id.
    pub unassigned: HashMap<String, Vec<dto::DidNumber>>,
}

/// WFM structure as listed.
#[derive(Debug, Default)]
pub struct RawWfm {
    /// Business units.
    pub business_units: Vec<dto::BusinessUnit>,
    /// Management units.
    pub management_units: Vec<dto::ManagementUnit>,
    /// Members of each management unit, by unit id.
    pub members: HashMap<String, Vec<dto::IdOnly>>,
    /// Planning groups of each business unit, by unit id, when read
    /// (`needs.planning_groups`).
    pub planning_groups: Option<HashMap<String, Vec<dto::PlanningGroup>>>,
}

/// `None` for an absent or empty string.
fn non_empty(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.is_empty()).cloned()
}

/// A proficiency from the API; out-of-range values are clamped (the API validates 0–5).
fn proficiency(value: f64) -> Option<Proficiency> {
    value
        .is_finite()
        .then(|| Proficiency::new(value.clamp(0.0, 5.0)).ok())
        .flatten()
}

/// A media type from the API's spelling; unknown ones (`workitem`) are not modelled.
pub fn media_type(name: &str) -> Option<MediaType> {
    MediaType::ALL.into_iter().find(|m| m.as_str() == name)
}

/// Normalizes a user's utilization to what the user sets apart from the org's defaults.
///
/// `level: Organization` means no own settings: an empty map. At `level: Agent` the API
/// answers every media type, those the user never set reading as the org default, so a media
/// type equal to the org default is dropped: it is indistinguishable from one left at the
/// org level, and keeping it would make a manifest that lists two media types differ forever.
pub fn utilization(raw: &dto::AgentUtilization, org: &dto::OrgUtilization) -> Utilization {
    if raw.level.as_deref() == Some("Organization") {
        return Utilization::new();
    }
    raw.utilization
        .iter()
        .filter(|(name, settings)| org.utilization.get(*name) != Some(*settings))
        .filter_map(|(name, settings)| {
            let media = media_type(name)?;
            let interruptible: BTreeSet<MediaType> = settings
                .interruptable_media_types
                .iter()
                .filter_map(|m| media_type(m))
                .collect();
            Some((
                media,
                MediaUtilization {
                    capacity: settings.maximum_capacity,
                    interruptible,
                    include_non_acd: settings.include_non_acd,
                },
            ))
        })
        .collect()
}

/// Builds the live org and its id table.
pub fn build(raw: &RawOrg) -> (LiveOrg, IdTable) {
    let mut live = LiveOrg::default();
    let mut ids = IdTable::default();

    let mut division_names: HashMap<&str, &str> = HashMap::new();
    for division in &raw.divisions {
        division_names.insert(&division.id, &division.name);
        ids.insert(Kind::Division, &division.name, &division.id);
        if division.home_division {
            ids.set_home_division(&division.id);
        }
        live.divisions.insert(
            division.name.clone(),
            LiveDivision {
                id: division.id.clone(),
                name: division.name.clone(),
                home: division.home_division,
            },
        );
    }
    let division_name = |reference: Option<&dto::Ref>| -> String {
        reference.map_or_else(String::new, |r| {
            division_names
                .get(r.id.as_str())
                .map(|name| (*name).to_owned())
                .or_else(|| r.name.clone())
                .unwrap_or_else(|| r.id.clone())
        })
    };

    let role_names = named_objects(Kind::Role, &raw.roles, &mut ids, &mut live.roles);
    let skill_names = named_objects(Kind::Skill, &raw.skills, &mut ids, &mut live.skills);
    let language_names = named_objects(
        Kind::Language,
        &raw.languages,
        &mut ids,
        &mut live.languages,
    );
    named_objects(
        Kind::WrapupCode,
        &raw.wrapup_codes,
        &mut ids,
        &mut live.wrapup_codes,
    );

    let mut team_names: HashMap<&str, &str> = HashMap::new();
    for team in &raw.teams {
        team_names.insert(&team.id, &team.name);
        ids.insert(Kind::Team, &team.name, &team.id);
        live.teams.insert(
            team.name.clone(),
            LiveTeam {
                id: team.id.clone(),
                name: team.name.clone(),
                division: division_name(team.division.as_ref()),
                description: non_empty(team.description.as_ref()),
            },
        );
    }

    // Emails first: managers and queue members refer to users by id. A user without a usable
    // email cannot be keyed: it is reported in `unlisted_users` instead of `users`.
    let mut emails: HashMap<&str, Email> = HashMap::new();
    for user in &raw.users {
        if let Some(Ok(email)) = user.email.as_deref().map(Email::parse) {
            emails.insert(&user.id, email);
        } else {
            tracing::debug!(user = %user.id, email = ?user.email, "a user without a usable email is left out of the users");
            live.unlisted_users.push(UnlistedUser {
                id: user.id.clone(),
                name: user.name.clone().unwrap_or_default(),
                email: user.email.clone(),
            });
        }
    }
    live.unlisted_users.sort();

    // Grants by user id, direct and through groups.
    let mut grants: HashMap<&str, BTreeSet<LiveGrant>> = HashMap::new();
    if let Some(role_grants) = &raw.grants {
        let mut group_grants: HashMap<&str, Vec<(&str, String)>> = HashMap::new();
        // Names of groups, wherever the org gives them: the subject grants, the queues' member
        // groups (a user's expanded groups may carry only ids).
        let mut group_names: HashMap<&str, &str> = raw
            .queues
            .iter()
            .flat_map(|q| &q.member_groups)
            .filter_map(|g| Some((g.id.as_str(), g.name.as_deref()?)))
            .collect();
        for (role_id, subjects) in role_grants {
            let Some(role) = role_names.get(role_id.as_str()) else {
                continue;
            };
            for subject in subjects {
                for division in &subject.divisions {
                    let division = division_name(Some(division));
                    match subject.subject_type.as_deref() {
                        Some("PC_GROUP") => {
                            if let Some(name) = &subject.name {
                                group_names.insert(&subject.id, name);
                            }
                            group_grants
                                .entry(&subject.id)
                                .or_default()
                                .push((role, division));
                        }
                        Some("PC_USER") | None => {
                            grants.entry(&subject.id).or_default().insert(LiveGrant {
                                role: (*role).to_owned(),
                                division,
                                origin: GrantOrigin::Direct,
                            });
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        for user in &raw.users {
            for group in &user.groups {
                let Some(inherited) = group_grants.get(group.id.as_str()) else {
                    continue;
                };
                let group_name = group
                    .name
                    .clone()
                    .or_else(|| group_names.get(group.id.as_str()).map(|n| (*n).to_owned()))
                    .unwrap_or_else(|| group.id.clone());
                let held = grants.entry(&user.id).or_default();
                for (role, division) in inherited {
                    held.insert(LiveGrant {
                        role: (*role).to_owned(),
                        division: division.clone(),
                        origin: GrantOrigin::Group(group_name.clone()),
                    });
                }
            }
        }
    }

    let assignments = |list: &[dto::Assignment], names: &HashMap<&str, &str>| {
        list.iter()
            .filter_map(|a| {
                let name = names.get(a.id.as_str())?;
                Some(((*name).to_owned(), proficiency(a.proficiency)?))
            })
            .collect::<BTreeMap<String, Proficiency>>()
    };

    for user in &raw.users {
        let Some(email) = emails.get(user.id.as_str()) else {
            continue;
        };
        let Some(state) = user.user_state() else {
            continue;
        };
        ids.insert_user(
            email.clone(),
            &user.id,
            user.version,
            user.team.as_ref().map(|team| team.id.as_str()),
        );
        live.users.insert(
            email.clone(),
            LiveUser {
                id: user.id.clone(),
                version: user.version,
                email: email.clone(),
                name: user.name.clone().unwrap_or_default(),
                title: non_empty(user.title.as_ref()),
                department: non_empty(user.department.as_ref()),
                division: division_name(user.division.as_ref()),
                manager: user
                    .manager
                    .as_ref()
                    .and_then(|m| emails.get(m.id.as_str()))
                    .cloned(),
                state,
                team: user.team.as_ref().map(|t| {
                    team_names
                        .get(t.id.as_str())
                        .map(|n| (*n).to_owned())
                        .or_else(|| t.name.clone())
                        .unwrap_or_else(|| t.id.clone())
                }),
                skills: assignments(&user.skills, &skill_names),
                languages: assignments(&user.languages, &language_names),
                grants: grants.remove(user.id.as_str()).unwrap_or_default(),
                utilization: raw
                    .utilization
                    .get(&user.id)
                    .map(|u| utilization(u, &raw.org_utilization)),
                acd_auto_answer: user.acd_auto_answer,
                phone: addresses::live_phone(&user.addresses),
                station: user
                    .station
                    .as_ref()
                    .and_then(|s| s.associated_station.as_ref())
                    .map(|s| s.id.clone()),
                management_unit: None,
            },
        );
    }

    let management_units = raw
        .wfm
        .as_ref()
        .map(|wfm| management_units_of_users(wfm, &mut ids));
    if let Some(units) = &management_units {
        for user in live.users.values_mut() {
            user.management_unit = units.get(user.id.as_str()).cloned();
        }
    }

    let users_by_id: HashMap<&str, &dto::User> =
        raw.users.iter().map(|u| (u.id.as_str(), u)).collect();
    for queue in &raw.queues {
        ids.insert(Kind::Queue, &queue.name, &queue.id);
        // The member listing says a member comes through a group, not which: the first of
        // the queue's member groups that the user is in, and that the org names, says it.
        let group_of = |user_id: &str| {
            let user = users_by_id.get(user_id)?;
            queue
                .member_groups
                .iter()
                .filter(|g| g.holds(user))
                .find_map(|g| g.name.clone())
        };
        let members = raw.queue_members.get(&queue.id).map(|members| {
            let mut out: BTreeMap<Email, LiveQueueMember> = BTreeMap::new();
            for member in members {
                let Some(email) = emails.get(member.id.as_str()) else {
                    continue;
                };
                let origin = if member.member_by.as_deref() == Some("group") {
                    MemberOrigin::Group(group_of(&member.id))
                } else {
                    MemberOrigin::Direct
                };
                // A user both added directly and through a group is a direct member: roster
                // may remove the direct membership.
                let entry = out.entry(email.clone()).or_insert(LiveQueueMember {
                    user_id: member.id.clone(),
                    origin: origin.clone(),
                });
                if origin == MemberOrigin::Direct {
                    entry.origin = MemberOrigin::Direct;
                }
            }
            out
        });
        let wrapup_codes = raw
            .queue_wrapup_codes
            .get(&queue.id)
            .map(|codes| codes.iter().map(|c| c.name.clone()).collect());
        live.queues.insert(
            queue.name.clone(),
            LiveQueue {
                id: queue.id.clone(),
                name: queue.name.clone(),
                division: division_name(queue.division.as_ref()),
                description: non_empty(queue.description.as_ref()),
                wrapup_codes,
                members,
                media_types: queue
                    .media_settings
                    .keys()
                    .filter_map(|m| media_type(m))
                    .collect(),
            },
        );
    }

    live.telephony = raw.telephony.as_ref().map(telephony);
    live.wfm = raw.wfm.as_ref().map(|wfm| wfm_structure(wfm, &raw.queues));
    live.licences = raw
        .licences
        .iter()
        .map(|l| LicenceDefinition {
            id: l.id.clone(),
            description: non_empty(l.description.as_ref()),
            comprises: l.comprises.iter().map(|c| c.id.clone()).collect(),
        })
        .collect();
    live.licences.sort_by(|a, b| a.id.cmp(&b.id));

    let defaults = dto::AgentUtilization {
        utilization: raw.org_utilization.utilization.clone(),
        level: Some("Agent".into()),
    };
    live.default_utilization = utilization(&defaults, &dto::OrgUtilization::default());

    (live, ids)
}

/// The pools as listed. A pool whose range is not E.164 cannot hold a user's number and is
/// left out; so is a listed free number that is not E.164.
fn telephony(raw: &RawTelephony) -> Telephony {
    let mut out = Telephony::default();
    for pool in &raw.did_pools {
        let parse = |n: Option<&String>| n.and_then(|n| PhoneNumber::parse(n).ok());
        let (Some(start), Some(end)) = (
            parse(pool.start_phone_number.as_ref()),
            parse(pool.end_phone_number.as_ref()),
        ) else {
            tracing::debug!(pool = %pool.id, "a DID pool whose range is not E.164 is left out");
            continue;
        };
        let unassigned = raw.unassigned.get(&pool.id).map(|numbers| {
            numbers
                .iter()
                .filter_map(|n| PhoneNumber::parse(&n.number).ok())
                .collect()
        });
        out.did_pools.insert(
            pool.name.clone(),
            LiveDidPool {
                id: pool.id.clone(),
                name: pool.name.clone(),
                start,
                end,
                unassigned,
            },
        );
    }
    out.extension_pools = raw
        .extension_pools
        .iter()
        .map(|pool| LiveExtensionPool {
            id: pool.id.clone(),
            start: pool.start_number.clone(),
            end: pool.end_number.clone(),
        })
        .collect();
    out
}

/// Each member's management unit name, by user id; records the units' ids.
fn management_units_of_users(wfm: &RawWfm, ids: &mut IdTable) -> HashMap<String, String> {
    let mut of_user = HashMap::new();
    for unit in &wfm.management_units {
        ids.insert(Kind::ManagementUnit, &unit.name, &unit.id);
        for member in wfm.members.get(&unit.id).into_iter().flatten() {
            of_user
                .entry(member.id.clone())
                .or_insert_with(|| unit.name.clone());
        }
    }
    of_user
}

/// Business units (with their planning groups' route paths, queue ids read as names; a queue
/// the org does not list is dropped) and management units.
fn wfm_structure(raw: &RawWfm, queues: &[dto::Queue]) -> Wfm {
    let queue_names: HashMap<&str, &str> = queues
        .iter()
        .map(|q| (q.id.as_str(), q.name.as_str()))
        .collect();
    let mut out = Wfm::default();
    let mut unit_names: HashMap<&str, &str> = HashMap::new();
    for unit in &raw.business_units {
        unit_names.insert(&unit.id, &unit.name);
        let planning_groups = raw.planning_groups.as_ref().map(|by_unit| {
            by_unit
                .get(&unit.id)
                .into_iter()
                .flatten()
                .map(|group| {
                    let paths = group
                        .route_paths
                        .iter()
                        .filter_map(|path| {
                            Some(RoutePath {
                                queue: (*queue_names.get(path.queue.id.as_str())?).to_owned(),
                                media_type: MediaType::from_wfm_name(&path.media_type)?,
                            })
                        })
                        .collect();
                    (group.name.clone(), paths)
                })
                .collect()
        });
        out.business_units.insert(
            unit.name.clone(),
            LiveBusinessUnit {
                id: unit.id.clone(),
                name: unit.name.clone(),
                planning_groups,
            },
        );
    }
    for unit in &raw.management_units {
        let business_unit = unit.business_unit.as_ref().map_or_else(String::new, |bu| {
            unit_names
                .get(bu.id.as_str())
                .map_or_else(|| bu.id.clone(), |name| (*name).to_owned())
        });
        out.management_units.insert(
            unit.name.clone(),
            LiveManagementUnit {
                id: unit.id.clone(),
                name: unit.name.clone(),
                business_unit,
            },
        );
    }
    out
}

/// Roles, skills, languages or wrap-up codes: the usable ones (deleted and inactive skills
/// and languages are left out) into `into` by name, their ids into `ids`. Answers id → name,
/// for the references that point at them.
fn named_objects<'a>(
    kind: Kind,
    listed: &'a [dto::Named],
    ids: &mut IdTable,
    into: &mut BTreeMap<String, LiveNamed>,
) -> HashMap<&'a str, &'a str> {
    let mut names = HashMap::new();
    for object in listed.iter().filter(|o| o.is_active()) {
        names.insert(object.id.as_str(), object.name.as_str());
        ids.insert(kind, &object.name, &object.id);
        into.insert(
            object.name.clone(),
            LiveNamed {
                id: object.id.clone(),
                name: object.name.clone(),
            },
        );
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member_group(id: &str, name: Option<&str>, kind: &str) -> dto::MemberGroup {
        dto::MemberGroup {
            id: id.into(),
            name: name.map(Into::into),
            kind: Some(kind.into()),
        }
    }

    fn named(id: &str, name: &str, state: Option<&str>) -> dto::Named {
        dto::Named {
            id: id.into(),
            name: name.into(),
            state: state.map(Into::into),
        }
    }

    fn reference(id: &str, name: Option<&str>) -> dto::Ref {
        dto::Ref {
            id: id.into(),
            name: name.map(Into::into),
        }
    }

    fn raw() -> RawOrg {
        let user = |id: &str, email: &str, state: &str| dto::User {
            id: id.into(),
            name: Some(format!("User {id}")),
            email: Some(email.into()),
            title: Some(String::new()),
            department: Some("Billing".into()),
            division: Some(reference("d1", None)),
            manager: None,
            state: Some(state.into()),
            version: 7,
            team: None,
            skills: Vec::new(),
            languages: Vec::new(),
            groups: Vec::new(),
            acd_auto_answer: false,
            addresses: Vec::new(),
            station: None,
        };
        let mut boss = user("u1", "Boss@Acme.example", "active");
        boss.skills = vec![
            dto::Assignment {
                id: "s1".into(),
                proficiency: 3.499_999,
            },
            dto::Assignment {
                id: "s-gone".into(),
                proficiency: 1.0,
            },
        ];
        // The group's name comes only from a queue's member groups (see q2 below).
        boss.groups = vec![reference("g1", None)];
        boss.team = Some(reference("t1", None));
        let mut agent = user("u2", "agent@acme.example", "inactive");
        agent.manager = Some(reference("u1", None));
        agent.languages = vec![dto::Assignment {
            id: "l1".into(),
            proficiency: 4.0,
        }];
        RawOrg {
            divisions: vec![dto::Division {
                id: "d1".into(),
                name: "Home".into(),
                home_division: true,
            }],
            roles: vec![named("r1", "Agent", None), named("r2", "Supervisor", None)],
            skills: vec![
                named("s1", "Billing", Some("active")),
                named("s-gone", "Old", Some("deleted")),
            ],
            languages: vec![named("l1", "Spanish", Some("active"))],
            wrapup_codes: vec![named("w1", "Resolved", None)],
            queues: vec![
                dto::Queue {
                    id: "q1".into(),
                    name: "Billing".into(),
                    division: Some(reference("d1", Some("Home"))),
                    description: Some(String::new()),
                    // The boss is in group g1 (unnamed here) and team t1: the first member group
                    // that holds the boss and has a name says how it is a member; skill-group
                    // membership is not read, so sg1 never claims anyone.
                    member_groups: vec![
                        member_group("sg1", Some("Billing experts"), "SKILLGROUP"),
                        member_group("g1", None, "GROUP"),
                        member_group("t1", Some("Tier 2"), "TEAM"),
                    ],
                    media_settings: BTreeMap::new(),
                },
                dto::Queue {
                    id: "q2".into(),
                    name: "Escalations".into(),
                    division: Some(reference("d1", Some("Home"))),
                    description: None,
                    member_groups: vec![member_group("g1", Some("Supervisors"), "GROUP")],
                    media_settings: BTreeMap::new(),
                },
            ],
            teams: vec![dto::Team {
                id: "t1".into(),
                name: "Tier 2".into(),
                division: Some(reference("d1", None)),
                description: Some("Escalations".into()),
            }],
            users: vec![boss, agent],
            queue_members: HashMap::from([(
                "q1".to_owned(),
                vec![
                    dto::QueueMember {
                        id: "u1".into(),
                        member_by: Some("group".into()),
                    },
                    dto::QueueMember {
                        id: "u2".into(),
                        member_by: Some("user".into()),
                    },
                    dto::QueueMember {
                        id: "u-deleted".into(),
                        member_by: Some("user".into()),
                    },
                ],
            )]),
            queue_wrapup_codes: HashMap::from([(
                "q1".to_owned(),
                vec![named("w1", "Resolved", None)],
            )]),
            grants: Some(vec![
                (
                    "r1".to_owned(),
                    vec![dto::SubjectGrants {
                        id: "u2".into(),
                        name: None,
                        divisions: vec![reference("d1", Some("Home"))],
                        subject_type: Some("PC_USER".into()),
                    }],
                ),
                (
                    "r2".to_owned(),
                    vec![dto::SubjectGrants {
                        id: "g1".into(),
                        name: None,
                        divisions: vec![reference("d1", Some("Home"))],
                        subject_type: Some("PC_GROUP".into()),
                    }],
                ),
            ]),
            utilization: HashMap::from([
                (
                    "u1".to_owned(),
                    dto::AgentUtilization {
                        utilization: BTreeMap::from([
                            (
                                "chat".to_owned(),
                                dto::MediaUtilization {
                                    maximum_capacity: 3,
                                    interruptable_media_types: vec![
                                        "call".into(),
                                        "workitem".into(),
                                    ],
                                    include_non_acd: false,
                                },
                            ),
                            (
                                "call".to_owned(),
                                dto::MediaUtilization {
                                    maximum_capacity: 1,
                                    interruptable_media_types: Vec::new(),
                                    include_non_acd: false,
                                },
                            ),
                        ]),
                        level: Some("Agent".into()),
                    },
                ),
                (
                    "u2".to_owned(),
                    dto::AgentUtilization {
                        utilization: BTreeMap::from([(
                            "call".to_owned(),
                            dto::MediaUtilization {
                                maximum_capacity: 1,
                                interruptable_media_types: Vec::new(),
                                include_non_acd: false,
                            },
                        )]),
                        level: Some("Organization".into()),
                    },
                ),
            ]),
            org_utilization: dto::OrgUtilization {
                utilization: BTreeMap::from([(
                    "call".to_owned(),
                    dto::MediaUtilization {
                        maximum_capacity: 1,
                        interruptable_media_types: Vec::new(),
                        include_non_acd: false,
                    },
                )]),
            },
            telephony: None,
            wfm: None,
            licences: Vec::new(),
        }
    }

    #[test]
    fn users_without_a_usable_email_are_listed_apart_sorted() {
        let mut raw = raw();
        let template = raw.users[0].clone();
        let keyless = |id: &str, name: Option<&str>, email: Option<&str>| {
            let mut user = template.clone();
            user.id = id.into();
            user.name = name.map(Into::into);
            user.email = email.map(Into::into);
            user.groups = Vec::new();
            user
        };
        raw.users
            .push(keyless("u9", Some("Printer"), Some("not an email")));
        raw.users.push(keyless("u3", None, None));
        let (live, ids) = build(&raw);
        assert_eq!(
            live.unlisted_users,
            [
                UnlistedUser {
                    id: "u3".into(),
                    name: String::new(),
                    email: None,
                },
                UnlistedUser {
                    id: "u9".into(),
                    name: "Printer".into(),
                    email: Some("not an email".into()),
                },
            ]
        );
        // Left out of everything keyed by email.
        assert_eq!(live.users.len(), 2);
        assert!(live.users.values().all(|u| u.id != "u3" && u.id != "u9"));
        assert!(ids.translations("org").iter().all(|(_, id)| id != "u9"));
    }

    #[test]
    fn live_values_are_normalized_like_desired_ones() {
        let (live, ids) = build(&raw());
        insta::assert_json_snapshot!(live);
        assert_eq!(ids.home_division(), Some("d1"));
        assert_eq!(ids.get(Kind::Skill, "Old"), None);
        assert_eq!(ids.get(Kind::User, "boss@acme.example"), Some("u1"));
    }

    /// Numbers, stations, media types, pools, units and licences as the API lists them.
    #[test]
    fn entitlements_are_read_as_the_model_holds_them() {
        fn decode<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
            serde_json::from_value(json).unwrap()
        }
        let mut raw = raw();
        raw.users[0].addresses = vec![
            serde_json::json!({ "mediaType": "PHONE", "type": "MOBILE", "address": "+13175559999" }),
            serde_json::json!({ "mediaType": "PHONE", "type": "WORK", "address": "+13175550100" }),
            serde_json::json!({ "mediaType": "PHONE", "type": "WORK2", "extension": "4100" }),
        ];
        raw.users[0].station = Some(decode(serde_json::json!({
            "associatedStation": { "id": "st1", "name": "Desk 1", "type": "inin_webrtc_softphone" }
        })));
        raw.queues[0].media_settings = decode(serde_json::json!({
            "call": { "alertingTimeoutSeconds": 8 },
            "chat": {},
            "workitem": {},
        }));
        raw.telephony = Some(RawTelephony {
            did_pools: decode(serde_json::json!([
                { "id": "p1", "name": "Indianapolis", "startPhoneNumber": "+13175550100", "endPhoneNumber": "+13175550199" },
                { "id": "p2", "name": "Broken", "startPhoneNumber": "317-555", "endPhoneNumber": "+13175550299" },
                { "id": "p3", "name": "Austin", "startPhoneNumber": "+15125550100", "endPhoneNumber": "+15125550199" },
            ])),
            extension_pools: decode(serde_json::json!([
                { "id": "e1", "startNumber": "4000", "endNumber": "4999" },
            ])),
            unassigned: HashMap::from([(
                "p1".to_owned(),
                decode(serde_json::json!([
                    { "number": "+13175550101" },
                    { "number": "3175550102" },
                    { "number": "+13175550103" },
                ])),
            )]),
        });
        raw.wfm = Some(RawWfm {
            business_units: decode(serde_json::json!([{ "id": "bu1", "name": "North America" }])),
            management_units: decode(serde_json::json!([
                { "id": "mu1", "name": "Indy", "businessUnit": { "id": "bu1" } },
                { "id": "mu2", "name": "Empty", "businessUnit": { "id": "bu-gone" } },
            ])),
            members: HashMap::from([
                (
                    "mu1".to_owned(),
                    decode(serde_json::json!([{ "id": "u2" }])),
                ),
                ("mu2".to_owned(), Vec::new()),
            ]),
            planning_groups: Some(HashMap::from([(
                "bu1".to_owned(),
                decode(serde_json::json!([{
                    "id": "pg1",
                    "name": "Billing voice",
                    "routePaths": [
                        { "queue": { "id": "q1" }, "mediaType": "Voice" },
                        { "queue": { "id": "q1" }, "mediaType": "Workitem" },
                        { "queue": { "id": "q-gone" }, "mediaType": "Chat" },
                        { "queue": { "id": "q2" }, "mediaType": "Email", "skills": [] },
                    ],
                }])),
            )])),
        });
        raw.licences = decode(serde_json::json!([
            { "id": "cx3", "description": "Genesys Cloud CX 3" },
            { "id": "cx1", "description": "" },
        ]));
        let (live, ids) = build(&raw);
        let boss = &live.users[&Email::parse("boss@acme.example").unwrap()];
        let agent = &live.users[&Email::parse("agent@acme.example").unwrap()];
        assert_eq!(boss.phone.number.as_deref(), Some("+13175550100"));
        assert_eq!(boss.phone.extension.as_deref(), Some("4100"));
        assert_eq!(boss.station.as_deref(), Some("st1"));
        assert_eq!(agent.station, None);
        assert!(agent.phone.is_empty());
        // Units were read: the agent is in Indy, the boss in none.
        assert_eq!(agent.management_unit.as_deref(), Some("Indy"));
        assert_eq!(boss.management_unit, None);
        assert_eq!(ids.get(Kind::ManagementUnit, "Indy"), Some("mu1"));
        assert_eq!(
            live.queues["Billing"].media_types,
            BTreeSet::from([MediaType::Call, MediaType::Chat])
        );
        assert!(live.queues["Escalations"].media_types.is_empty());
        insta::assert_json_snapshot!(
            (&live.telephony, &live.wfm, &live.licences),
            @r#"
            [
              {
                "didPools": {
                  "Austin": {
                    "id": "p3",
                    "name": "Austin",
                    "start": "+15125550100",
                    "end": "+15125550199"
                  },
                  "Indianapolis": {
                    "id": "p1",
                    "name": "Indianapolis",
                    "start": "+13175550100",
                    "end": "+13175550199",
                    "unassigned": [
                      "+13175550101",
                      "+13175550103"
                    ]
                  }
                },
                "extensionPools": [
                  {
                    "id": "e1",
                    "start": "4000",
                    "end": "4999"
                  }
                ]
              },
              {
                "businessUnits": {
                  "North America": {
                    "id": "bu1",
                    "name": "North America",
                    "planningGroups": {
                      "Billing voice": [
                        {
                          "queue": "Billing",
                          "mediaType": "call"
                        },
                        {
                          "queue": "Escalations",
                          "mediaType": "email"
                        }
                      ]
                    }
                  }
                },
                "managementUnits": {
                  "Empty": {
                    "id": "mu2",
                    "name": "Empty",
                    "businessUnit": "bu-gone"
                  },
                  "Indy": {
                    "id": "mu1",
                    "name": "Indy",
                    "businessUnit": "North America"
                  }
                }
              },
              [
                {
                  "id": "cx1"
                },
                {
                  "id": "cx3",
                  "description": "Genesys Cloud CX 3"
                }
              ]
            ]
            "#
        );
    }

    /// A name the org holds in NFD (`Cafe` + combining acute, as macOS types it) is the
    /// manifest's NFC `Café`: decoded from the API's JSON, it is keyed, named and translated
    /// to its id in NFC, so the planner sees one skill and plans nothing for it (issue #12).
    #[test]
    fn names_from_the_api_are_keyed_in_nfc() {
        const NFC: &str = "Caf\u{e9}";
        const NFD: &str = "Cafe\u{301}";
        let decode =
            |json: serde_json::Value| -> Vec<dto::Named> { serde_json::from_value(json).unwrap() };
        let mut raw = raw();
        raw.skills = decode(serde_json::json!([{ "id": "s1", "name": NFD, "state": "active" }]));
        raw.wrapup_codes = decode(serde_json::json!([{ "id": "w1", "name": NFD }]));
        let queue: dto::Queue =
            serde_json::from_value(serde_json::json!({ "id": "q9", "name": NFD })).unwrap();
        raw.queues.push(queue);
        let (live, ids) = build(&raw);
        assert_eq!(live.skills.keys().collect::<Vec<_>>(), [NFC]);
        assert_eq!(live.skills[NFC].name, NFC);
        assert_eq!(ids.get(Kind::Skill, NFC), Some("s1"));
        assert_eq!(ids.get(Kind::WrapupCode, NFC), Some("w1"));
        assert_eq!(live.queues[NFC].id, "q9");
        assert!(!live.queues.contains_key(NFD));
        // The boss's skill assignment is found under the normalized name.
        let boss = &live.users[&roster_model::Email::parse("boss@acme.example").unwrap()];
        assert_eq!(boss.skills.keys().collect::<Vec<_>>(), [NFC]);
    }
}
