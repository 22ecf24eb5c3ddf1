//! A user's full assignment picture as read from the org, journaled before the user is
//! offboarded so that an auditor sees what it held and an engineer can restore a wrongly
//! offboarded agent (DESIGN §2.5).
//!
//! The picture is what the snapshot read, nothing more: queue memberships are known only for
//! the queues whose members were read, and grants only when grants were read. The record says
//! so (`queuesComplete`, `grants: null`) rather than passing an unread list off as empty.

use std::collections::BTreeMap;

use roster_model::{
    Email, GrantOrigin, LiveOrg, MemberOrigin, Proficiency, ReadNeeds, Utilization,
};
use serde::{Deserialize, Serialize};

/// The journal record kind `apply` writes for each user its plan deactivates.
pub const ASSIGNMENT_SNAPSHOT: &str = "assignmentSnapshot";

/// The journal record kind written before an offboarding's first write.
pub const OFFBOARDING_STARTED: &str = "offboardingStarted";

/// Everything a user held when it was read. The `user` field names the user, so
/// `roster journal show --user` finds the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentSnapshot {
    /// The user.
    pub user: Email,
    /// Its Genesys id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `active` or `inactive`.
    pub state: String,
    /// Its division.
    pub division: String,
    /// Its manager.
    pub manager: Option<Email>,
    /// Its title.
    pub title: Option<String>,
    /// Its department.
    pub department: Option<String>,
    /// Its team.
    pub team: Option<String>,
    /// Its skills and proficiencies.
    pub skills: BTreeMap<String, Proficiency>,
    /// Its languages and proficiencies.
    pub languages: BTreeMap<String, Proficiency>,
    /// The queues it is a member of, among those whose members were read.
    pub queues: Vec<QueueMembership>,
    /// Whether every queue's members were read (else `queues` may miss some).
    pub queues_complete: bool,
    /// Its role grants; `None` when grants were not read.
    pub grants: Option<Vec<Grant>>,
    /// Its own utilization, when read.
    pub utilization: Option<Utilization>,
    /// Whether ACD calls are answered automatically.
    pub acd_auto_answer: bool,
    /// Its direct number (the WORK phone), as the org held it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Its extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The id of the station it was associated with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    /// Its WFM management unit; `unread` when management units were not read (and in
    /// records written before roster read them).
    #[serde(default)]
    pub management_unit: ManagementUnitHeld,
}

/// A user's management unit in an [`AssignmentSnapshot`]: an unread one is said to be
/// unread, not passed off as none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ManagementUnitHeld {
    /// Management units were not read.
    #[default]
    Unread,
    /// In no management unit.
    None,
    /// In this one.
    Unit(String),
}

/// A queue membership in an [`AssignmentSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMembership {
    /// The queue's name.
    pub queue: String,
    /// Direct, or through a group.
    #[serde(flatten)]
    pub origin: Origin,
}

/// A role grant in an [`AssignmentSnapshot`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The role's name.
    pub role: String,
    /// The division's name.
    pub division: String,
    /// Direct, or through a group.
    #[serde(flatten)]
    pub origin: Origin,
}

/// How a user holds a membership or a grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "origin", rename_all = "lowercase")]
pub enum Origin {
    /// Given to the user itself: offboarding removes it.
    Direct,
    /// Through a group (named when the org names it): never written by roster.
    Group {
        /// The group's name.
        group: Option<String>,
    },
}

impl AssignmentSnapshot {
    /// The picture of `email` in `live`, read under `needs`; `None` when the org has no such
    /// user.
    pub fn of(live: &LiveOrg, needs: &ReadNeeds, email: &Email) -> Option<Self> {
        let user = live.users.get(email)?;
        let queues = live
            .queues
            .values()
            .filter_map(|queue| {
                let member = queue.members.as_ref()?.get(email)?;
                Some(QueueMembership {
                    queue: queue.name.clone(),
                    origin: match &member.origin {
                        MemberOrigin::Direct => Origin::Direct,
                        MemberOrigin::Group(group) => Origin::Group {
                            group: group.clone(),
                        },
                    },
                })
            })
            .collect();
        let grants = needs.grants.then(|| {
            user.grants
                .iter()
                .map(|grant| Grant {
                    role: grant.role.clone(),
                    division: grant.division.clone(),
                    origin: match &grant.origin {
                        GrantOrigin::Direct => Origin::Direct,
                        GrantOrigin::Group(group) => Origin::Group {
                            group: Some(group.clone()),
                        },
                    },
                })
                .collect()
        });
        Some(AssignmentSnapshot {
            user: email.clone(),
            id: user.id.clone(),
            name: user.name.clone(),
            state: user.state.to_string(),
            division: user.division.clone(),
            manager: user.manager.clone(),
            title: user.title.clone(),
            department: user.department.clone(),
            team: user.team.clone(),
            skills: user.skills.clone(),
            languages: user.languages.clone(),
            queues,
            queues_complete: live.queues.values().all(|q| q.members.is_some()),
            grants,
            utilization: user.utilization.clone(),
            acd_auto_answer: user.acd_auto_answer,
            number: user.phone.number.clone(),
            extension: user.phone.extension.clone(),
            station: user.station.clone(),
            management_unit: match (&live.wfm, &user.management_unit) {
                (None, _) => ManagementUnitHeld::Unread,
                (Some(_), None) => ManagementUnitHeld::None,
                (Some(_), Some(unit)) => ManagementUnitHeld::Unit(unit.clone()),
            },
        })
    }
}

/// What `offboardingStarted` records before an offboarding's first write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffboardingStarted {
    /// The user.
    pub user: Email,
    /// Why (a termination, a security incident).
    pub reason: String,
    /// The HR or incident ticket.
    pub event_id: Option<String>,
    /// The OAuth client that makes the writes.
    pub principal: String,
    /// Routing and roles stripped, the user left active (an HR suspension).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspended: bool,
    /// What the user held.
    pub assignments: AssignmentSnapshot,
}
