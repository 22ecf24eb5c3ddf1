//! The seed format: an org described by natural keys (names and emails, never UUIDs), in
//! YAML or JSON, and the deterministic builder that turns it into an org state.
//!
//! ```yaml
//! divisions: [Contact Center]
//! skills: [Billing, Spanish Escalations]
//! languages: [Spanish]
//! wrapupCodes: [Resolved]
//! roles: [Agent]                       # custom roles beside the built-in ones
//! queues:
//!   - { name: Billing, division: Contact Center, description: Tier 1, wrapupCodes: [Resolved], members: [jane@acme.example], mediaTypes: [call, chat] }
//! teams:
//!   - { name: Billing Tier 2, members: [jane@acme.example] }
//! groups:
//!   - { name: Supervisors, members: [boss@acme.example], roles: [{ role: Supervisor }], queues: [Billing] }
//! users:
//!   - email: jane@acme.example
//!     name: Jane Doe
//!     title: Agent
//!     department: Billing
//!     division: Contact Center
//!     manager: boss@acme.example
//!     state: active                     # or inactive
//!     skills: { Billing: 5 }
//!     languages: { Spanish: 4 }
//!     roles: [{ role: Agent, division: Contact Center }]
//!     utilization: { call: { maximumCapacity: 1 }, chat: { maximumCapacity: 3, interruptableMediaTypes: [call] } }
//!     acdAutoAnswer: false
//!     phone: "+13175550100"             # direct number: `address` of the WORK PHONE entry
//!     extension: "2001"                 # extension: `extension` of the WORK2 PHONE entry
//!     station: Jane WebRTC              # associated station (type inin_webrtc_softphone)
//! telephony:
//!   didPools: [{ name: Main, start: "+13175550100", end: "+13175550199" }]
//!   extensionPools: [{ name: Desk, start: "2000", end: "2999" }]
//!   heldNumbers: [{ number: "+13175550150", ownerType: PHONE, owner: Lobby Phone }]   # or IVR_CONFIG, GROUP
//! licences:                             # auto-licensing: a user holds the licences of their roles
//!   - { id: cx2, description: Genesys Cloud CX 2, permissions: [routing:queue:view], roles: [Agent] }
//! businessUnits:
//!   - name: North
//!     division: Contact Center
//!     planningGroups:
//!       - { name: Billing Voice, routePaths: [{ queue: Billing, mediaType: Voice, language: Spanish, skills: [Billing] }] }
//!     managementUnits:
//!       - { name: North Agents, agentLimit: 50, members: [jane@acme.example] }
//! ```
//!
//! `mediaTypes` of a queue defaults to all five (`call`, `callback`, `chat`, `email`,
//! `message`). Users' numbers are checked like a `PATCH` of their `addresses`
//! (`crate::org::telephony`): a number lies in a DID pool and is held once, an extension lies
//! in an extension pool and belongs to one user. Route paths name queues, languages and
//! skills by name. Management unit members join through the API's move, so `agentLimit`
//! (a sandbox knob: moves beyond it fail with `DestinationManagementUnitAgentLimitExceeded`)
//! holds for seeds too.
//!
//! Ids are uuid v5 of `org|kind|key` (key = name, or lowercase email), timestamps are fixed:
//! seeding the same org twice gives byte-identical dumps. Every seeded user is also granted
//! `Employee` in the home division, as every user of a real org is.
//!
//! The builder resolves names to ids, then creates every object with the domain operations
//! the API routes use (`crate::org`): a seed that breaks one of the API's rules (two names
//! that collide, an email used twice, a proficiency out of range, an unknown media type, ...)
//! is refused with [`SandboxError::SeedBreaksRule`] instead of producing an org the API
//! could never hold. Users are created in one checked call (`org::users::create_many`), so
//! that a manager may come after their reports and 100,000 users seed in one pass; nothing
//! skips a rule.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::builtins::{HOME_DIVISION, new_org_state, object_id};
use crate::error::SandboxError;
use crate::org::groups::{self, NewGroup};
use crate::org::queues::{self, QueueDefinition};
use crate::org::skills::{self, NewLanguage, NewSkill};
use crate::org::teams::{self, TeamDefinition, TeamMoves};
use crate::org::users::{self, NewUser};
use crate::org::utilization::MediaSetting;
use crate::org::wrapup_codes::{self, WrapupCodeDefinition};
use crate::org::{ObjectKind, OrgError, Stamp};
use crate::org::{divisions, grants, same_name};
use crate::org::{licences as org_licences, telephony, wfm};
use crate::store::{
    BusinessUnit, DidPool, ExtensionPool, Grant, HeldNumber, LicenceDefinition, ManagementUnit,
    OrgState, PlanningGroup, RoutePath, Station,
};

/// An org described by natural keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrg {
    /// Divisions besides `Home` (which every org has).
    #[serde(default)]
    pub divisions: Vec<String>,
    /// Routing skills.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Routing languages.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Wrap-up codes.
    #[serde(default)]
    pub wrapup_codes: Vec<String>,
    /// Queues.
    #[serde(default)]
    pub queues: Vec<SeedQueue>,
    /// Teams.
    #[serde(default)]
    pub teams: Vec<SeedTeam>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<SeedGroup>,
    /// Custom roles beside the built-in ones.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
    /// DID pools, extension pools and pool numbers held by phones, IVRs and groups.
    #[serde(default, skip_serializing_if = "SeedTelephony::is_empty")]
    pub telephony: SeedTelephony,
    /// Business units with their planning groups and management units.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub business_units: Vec<SeedBusinessUnit>,
    /// Licence definitions and the roles that carry them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licences: Vec<SeedLicence>,
}

/// The telephony estate of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedTelephony {
    /// DID pools.
    #[serde(default)]
    pub did_pools: Vec<SeedPool>,
    /// Extension pools.
    #[serde(default)]
    pub extension_pools: Vec<SeedPool>,
    /// Pool numbers held by something other than a user.
    #[serde(default)]
    pub held_numbers: Vec<SeedHeldNumber>,
}

impl SeedTelephony {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A DID pool (E.164 ends) or an extension pool (digit ends) of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPool {
    /// Name.
    pub name: String,
    /// First number.
    pub start: String,
    /// Last number.
    pub end: String,
}

/// A pool number held by a phone, an IVR configuration or a group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedHeldNumber {
    /// The number (E.164, in a DID pool).
    pub number: String,
    /// `PHONE`, `IVR_CONFIG` or `GROUP`.
    pub owner_type: String,
    /// The holder's name (its id is derived from it).
    pub owner: String,
}

/// A WFM business unit of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedBusinessUnit {
    /// Name.
    pub name: String,
    /// Division name (default `Home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Planning groups.
    #[serde(default)]
    pub planning_groups: Vec<SeedPlanningGroup>,
    /// Management units.
    #[serde(default)]
    pub management_units: Vec<SeedManagementUnit>,
}

/// A planning group of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedPlanningGroup {
    /// Name.
    pub name: String,
    /// Route paths.
    #[serde(default)]
    pub route_paths: Vec<SeedRoutePath>,
}

/// A route path by names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedRoutePath {
    /// Queue name.
    pub queue: String,
    /// `Voice`, `Chat`, `Email`, `Callback`, `Message` or `Workitem`.
    pub media_type: String,
    /// Language name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Skill names.
    #[serde(default)]
    pub skills: Vec<String>,
}

/// A management unit of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedManagementUnit {
    /// Name.
    pub name: String,
    /// The most members the unit takes (moves beyond it fail with
    /// `DestinationManagementUnitAgentLimitExceeded`); no limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_limit: Option<usize>,
    /// Members by email.
    #[serde(default)]
    pub members: Vec<String>,
}

/// A licence definition of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedLicence {
    /// The licence id.
    pub id: String,
    /// Description (default: the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Permissions the licence allows.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Names of the roles that carry the licence.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Ids of the licences it includes (`comprises`): a higher tier includes the lower.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comprises: Vec<String>,
}

/// A queue of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedQueue {
    /// Name.
    pub name: String,
    /// Division name (default `Home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Wrap-up code names.
    #[serde(default)]
    pub wrapup_codes: Vec<String>,
    /// Direct members by email.
    #[serde(default)]
    pub members: Vec<String>,
    /// Media types the queue takes (`call`, `callback`, `chat`, `email`, `message`); all
    /// five when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_types: Option<Vec<String>>,
}

/// A team of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedTeam {
    /// Name.
    pub name: String,
    /// Division name (default `Home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Members by email (a user may be in one team only).
    #[serde(default)]
    pub members: Vec<String>,
}

/// A group of a seed: its members inherit its role grants and queue memberships.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGroup {
    /// Name.
    pub name: String,
    /// Members by email.
    #[serde(default)]
    pub members: Vec<String>,
    /// Role grants of the group.
    #[serde(default)]
    pub roles: Vec<SeedGrant>,
    /// Queues the group is a member group of.
    #[serde(default)]
    pub queues: Vec<String>,
}

/// A role grant by names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedGrant {
    /// Role name.
    pub role: String,
    /// Division name (default `Home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
}

/// User state in a seed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedUserState {
    /// Active (default).
    #[default]
    Active,
    /// Inactive.
    Inactive,
}

/// Per-media utilization in a seed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedMedia {
    /// 0..=25.
    pub maximum_capacity: u32,
    /// Media types that may interrupt this one.
    #[serde(default)]
    pub interruptable_media_types: Vec<String>,
    /// Whether non-ACD interactions count.
    #[serde(default)]
    pub include_non_acd: bool,
}

/// A user of a seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedUser {
    /// Email, the user's natural key.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Division name (default `Home`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Manager's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// `active` (default) or `inactive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SeedUserState>,
    /// Skill name → proficiency (0..=5).
    #[serde(default)]
    pub skills: BTreeMap<String, f64>,
    /// Language name → proficiency (0..=5).
    #[serde(default)]
    pub languages: BTreeMap<String, f64>,
    /// Direct role grants.
    #[serde(default)]
    pub roles: Vec<SeedGrant>,
    /// Own utilization by media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<BTreeMap<String, SeedMedia>>,
    /// ACD auto-answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acd_auto_answer: Option<bool>,
    /// Direct number (E.164, in a DID pool): the `address` of the user's `WORK` PHONE entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Extension (in an extension pool): the `extension` of the user's `WORK2` PHONE entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// Name of the station associated with the user (a WebRTC softphone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
}

/// Parses a seed from YAML or JSON text.
pub fn parse_seed(text: &str) -> Result<SeedOrg, SandboxError> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|error| SandboxError::Parse {
            what: "seed (JSON)".into(),
            message: error.to_string(),
        })
    } else {
        serde_saphyr::from_str(text).map_err(|error| SandboxError::Parse {
            what: "seed (YAML)".into(),
            message: error.to_string(),
        })
    }
}

/// Reads and parses a seed file (YAML or JSON).
pub fn load_seed_file(path: &Path) -> Result<SeedOrg, SandboxError> {
    let text = std::fs::read_to_string(path).map_err(|source| SandboxError::Io {
        context: format!("cannot read seed file `{}`", path.display()),
        source,
    })?;
    parse_seed(&text)
}

impl SeedOrg {
    /// A deterministic synthetic org for benchmarks and load tests: `users` users with one
    /// to three of `skills` skills each, `queues` queues of `members_per_queue` members,
    /// `teams` teams sharing the users, about 10% of users inactive. Same arguments, same org.
    pub fn generated(
        users: usize,
        skills: usize,
        queues: usize,
        members_per_queue: usize,
        teams: usize,
        seed: u64,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let skill_names: Vec<String> = (0..skills)
            .map(|index| format!("Skill {index:04}"))
            .collect();
        let languages: Vec<String> = ["English", "Spanish", "French", "German"]
            .map(str::to_owned)
            .to_vec();
        let email = |index: usize| format!("user{index:06}@example.test");
        let mut seed_users = Vec::with_capacity(users);
        for index in 0..users {
            let mut user_skills = BTreeMap::new();
            if !skill_names.is_empty() {
                for _ in 0..rng.random_range(1..=3) {
                    let skill = &skill_names[rng.random_range(0..skill_names.len())];
                    user_skills.insert(skill.clone(), f64::from(rng.random_range(1..=5)));
                }
            }
            let mut user_languages = BTreeMap::new();
            user_languages.insert(
                languages[rng.random_range(0..languages.len())].clone(),
                f64::from(rng.random_range(1..=5)),
            );
            let inactive = rng.random_range(0..10) == 0;
            seed_users.push(SeedUser {
                email: email(index),
                name: format!("User {index:06}"),
                title: Some("Agent".into()),
                department: Some(format!("Department {}", index % 20)),
                manager: (index >= 10).then(|| email(index % 10)),
                state: inactive.then_some(SeedUserState::Inactive),
                skills: user_skills,
                languages: user_languages,
                ..SeedUser::default()
            });
        }
        let seed_queues = (0..queues)
            .map(|index| SeedQueue {
                name: format!("Queue {index:04}"),
                members: if users == 0 {
                    Vec::new()
                } else {
                    sample(&mut rng, users, members_per_queue.min(users))
                        .into_iter()
                        .map(email)
                        .collect()
                },
                ..SeedQueue::default()
            })
            .collect();
        let seed_teams = (0..teams)
            .map(|team| SeedTeam {
                name: format!("Team {team:04}"),
                members: (team..users).step_by(teams).map(email).collect(),
                ..SeedTeam::default()
            })
            .collect();
        Self {
            skills: skill_names,
            languages,
            wrapup_codes: vec!["Resolved".into(), "Escalated".into()],
            queues: seed_queues,
            teams: seed_teams,
            users: seed_users,
            ..Self::default()
        }
    }
}

/// Builds the state of `org` from a seed: the org's built-ins plus everything seeded.
pub fn build_state(org: &str, seed: &SeedOrg) -> Result<OrgState, SandboxError> {
    Builder {
        org,
        state: new_org_state(org),
        users: HashMap::new(),
    }
    .build(seed)
}

struct Builder<'a> {
    org: &'a str,
    state: OrgState,
    users: HashMap<String, Uuid>,
}

impl Builder<'_> {
    fn invalid(&self, message: impl Into<String>) -> SandboxError {
        SandboxError::InvalidSeed {
            org: self.org.to_owned(),
            message: message.into(),
        }
    }

    /// The seed breaks a rule of the API while creating `object`.
    fn breaks(&self, object: String, source: OrgError) -> SandboxError {
        SandboxError::SeedBreaksRule {
            org: self.org.to_owned(),
            object,
            source: Box::new(source),
        }
    }

    fn division(&self, name: Option<&String>) -> Result<Uuid, SandboxError> {
        match name {
            None => Ok(self.state.home_division().id),
            Some(name) => self
                .state
                .division_by_name(name)
                .map(|division| division.id)
                .ok_or_else(|| self.invalid(format!("unknown division `{name}`"))),
        }
    }

    fn user(&self, email: &str) -> Result<Uuid, SandboxError> {
        self.users
            .get(&email.to_lowercase())
            .copied()
            .ok_or_else(|| self.invalid(format!("unknown user `{email}`")))
    }

    fn grant(&self, grant: &SeedGrant) -> Result<Grant, SandboxError> {
        let role = self
            .state
            .role_by_name(&grant.role)
            .ok_or_else(|| self.invalid(format!("unknown role `{}`", grant.role)))?;
        Ok(Grant {
            role_id: role.id,
            division_id: self.division(grant.division.as_ref())?,
        })
    }

    fn build(mut self, seed: &SeedOrg) -> Result<OrgState, SandboxError> {
        let org = self.org;
        for name in &seed.divisions {
            // Every org has its home division; a seed may name it.
            if same_name(name, HOME_DIVISION) {
                continue;
            }
            divisions::create(&mut self.state, object_id(org, "division", name), name)
                .map_err(|source| self.breaks(format!("division `{name}`"), source))?;
        }
        for name in &seed.roles {
            grants::create_role(&mut self.state, object_id(org, "role", name), name)
                .map_err(|source| self.breaks(format!("role `{name}`"), source))?;
        }
        let stamp = Stamp::seed();
        for name in &seed.skills {
            let new = NewSkill {
                id: object_id(org, "skill", name),
                name: name.clone(),
                division_id: None,
            };
            skills::create_skill(&mut self.state, &stamp, &new)
                .map_err(|source| self.breaks(format!("skill `{name}`"), source))?;
        }
        for name in &seed.languages {
            let new = NewLanguage {
                id: object_id(org, "language", name),
                name: name.clone(),
            };
            skills::create_language(&mut self.state, &stamp, &new)
                .map_err(|source| self.breaks(format!("language `{name}`"), source))?;
        }
        for name in &seed.wrapup_codes {
            let definition = WrapupCodeDefinition {
                name: name.clone(),
                division_id: None,
                description: None,
            };
            let id = object_id(org, "wrapupcode", name);
            wrapup_codes::create(&mut self.state, &stamp, id, &definition)
                .map_err(|source| self.breaks(format!("wrap-up code `{name}`"), source))?;
        }
        self.pools(&seed.telephony)?;
        self.users(seed)?;
        self.numbers_and_stations(seed)?;
        for queue in &seed.queues {
            let mut wrapup_codes = Vec::new();
            for code in &queue.wrapup_codes {
                let found = self
                    .state
                    .wrapup_codes
                    .iter()
                    .find(|existing| existing.name == *code);
                wrapup_codes.push(
                    found
                        .ok_or_else(|| self.invalid(format!("unknown wrap-up code `{code}`")))?
                        .id,
                );
            }
            let members = queue
                .members
                .iter()
                .map(|email| self.user(email))
                .collect::<Result<Vec<_>, _>>()?;
            let id = object_id(org, "queue", &queue.name);
            let object = || format!("queue `{}`", queue.name);
            let mut settings = serde_json::Map::new();
            if let Some(media_types) = &queue.media_types {
                let media = queues::media_settings(media_types)
                    .map_err(|source| self.breaks(object(), source))?;
                settings.insert("mediaSettings".into(), media);
            }
            let definition = QueueDefinition {
                name: queue.name.clone(),
                division_id: Some(self.division(queue.division.as_ref())?),
                description: queue.description.clone(),
                settings,
                ..QueueDefinition::default()
            };
            queues::create(&mut self.state, &stamp, id, &definition)
                .and_then(|()| queues::add_wrapup_codes(&mut self.state, id, &wrapup_codes))
                .and_then(|()| queues::add_members(&mut self.state, &stamp, id, &members))
                .map_err(|source| self.breaks(object(), source))?;
        }
        for team in &seed.teams {
            let definition = TeamDefinition {
                name: team.name.clone(),
                division_id: Some(self.division(team.division.as_ref())?),
                description: team.description.clone(),
            };
            let mut members = Vec::new();
            for email in &team.members {
                let user_id = self.user(email)?;
                // Adding a member of another team moves it (as the API does); a seed that
                // names a user twice describes an org that cannot be.
                let in_a_team = self
                    .state
                    .users
                    .get(user_id)
                    .is_some_and(|user| user.team_id.is_some());
                if in_a_team || members.contains(&user_id) {
                    return Err(self.invalid(format!("user `{email}` is in two teams")));
                }
                members.push(user_id);
            }
            let id = object_id(org, "team", &team.name);
            let object = || format!("team `{}`", team.name);
            teams::create(&mut self.state, &stamp, id, &definition)
                .map_err(|source| self.breaks(object(), source))?;
            // No member is in another team (checked above), so the knob cannot matter.
            let failed =
                teams::add_members(&mut self.state, &stamp, id, &members, TeamMoves::Refuse)
                    .map_err(|source| self.breaks(object(), source))?;
            if let Some((user_id, _)) = failed.first() {
                let source = OrgError::UnknownReference {
                    field: "memberIds",
                    kind: ObjectKind::User,
                    id: *user_id,
                };
                return Err(self.breaks(object(), source));
            }
        }
        for group in &seed.groups {
            let new = NewGroup {
                id: object_id(org, "group", &group.name),
                name: group.name.clone(),
                members: group
                    .members
                    .iter()
                    .map(|email| self.user(email))
                    .collect::<Result<_, _>>()?,
                grants: group
                    .roles
                    .iter()
                    .map(|grant| self.grant(grant))
                    .collect::<Result<_, _>>()?,
            };
            let mut queue_ids = Vec::new();
            for queue_name in &group.queues {
                let queue_id = self
                    .state
                    .queues
                    .iter()
                    .find(|queue| queue.name == *queue_name)
                    .map(|queue| queue.id);
                queue_ids.push(
                    queue_id
                        .ok_or_else(|| self.invalid(format!("unknown queue `{queue_name}`")))?,
                );
            }
            let object = || format!("group `{}`", group.name);
            groups::create(&mut self.state, &stamp, &new)
                .map_err(|source| self.breaks(object(), source))?;
            for queue_id in queue_ids {
                queues::add_member_group(&mut self.state, queue_id, new.id)
                    .map_err(|source| self.breaks(object(), source))?;
            }
        }
        self.licences(&seed.licences)?;
        self.business_units(&seed.business_units)?;
        Ok(self.state)
    }

    /// Creates the DID and extension pools.
    fn pools(&mut self, telephony: &SeedTelephony) -> Result<(), SandboxError> {
        let org = self.org;
        for pool in &telephony.did_pools {
            let record = DidPool {
                id: object_id(org, "didpool", &pool.name),
                name: pool.name.clone(),
                start_phone_number: pool.start.clone(),
                end_phone_number: pool.end.clone(),
            };
            telephony::create_did_pool(&mut self.state, record)
                .map_err(|source| self.breaks(format!("DID pool `{}`", pool.name), source))?;
        }
        for pool in &telephony.extension_pools {
            let record = ExtensionPool {
                id: object_id(org, "extensionpool", &pool.name),
                name: pool.name.clone(),
                start_number: pool.start.clone(),
                end_number: pool.end.clone(),
            };
            telephony::create_extension_pool(&mut self.state, record)
                .map_err(|source| self.breaks(format!("extension pool `{}`", pool.name), source))?;
        }
        Ok(())
    }

    /// Gives numbers to their non-user holders, then users their numbers and stations:
    /// the users' `addresses` follow roster's convention (direct number on the `WORK`
    /// PHONE entry, extension on the `WORK2` one).
    fn numbers_and_stations(&mut self, seed: &SeedOrg) -> Result<(), SandboxError> {
        let org = self.org;
        for held in &seed.telephony.held_numbers {
            let record = HeldNumber {
                number: held.number.clone(),
                owner_id: object_id(org, &held.owner_type.to_lowercase(), &held.owner),
                owner_name: held.owner.clone(),
                owner_type: held.owner_type.clone(),
            };
            telephony::hold_number(&mut self.state, record)
                .map_err(|source| self.breaks(format!("number {}", held.number), source))?;
        }
        for user in &seed.users {
            let id = self.user(&user.email)?;
            let object = || format!("user `{}`", user.email);
            let mut addresses = Vec::new();
            if let Some(number) = &user.phone {
                addresses.push(
                    serde_json::json!({ "address": number, "mediaType": "PHONE", "type": "WORK" }),
                );
            }
            if let Some(extension) = &user.extension {
                addresses.push(serde_json::json!({ "extension": extension, "mediaType": "PHONE", "type": "WORK2" }));
            }
            if !addresses.is_empty() {
                users::set_addresses(&mut self.state, id, addresses)
                    .map_err(|source| self.breaks(object(), source))?;
            }
            if let Some(name) = &user.station {
                let station = Station {
                    id: object_id(org, "station", name),
                    name: name.clone(),
                    kind: telephony::SEEDED_STATION_TYPE.to_owned(),
                    user_id: id,
                };
                telephony::associate_station(&mut self.state, station)
                    .map_err(|source| self.breaks(object(), source))?;
            }
        }
        Ok(())
    }

    /// Defines the licences and gives them to their roles.
    fn licences(&mut self, licences: &[SeedLicence]) -> Result<(), SandboxError> {
        for licence in licences {
            let object = || format!("licence `{}`", licence.id);
            let definition = LicenceDefinition {
                id: licence.id.clone(),
                description: licence
                    .description
                    .clone()
                    .unwrap_or_else(|| licence.id.clone()),
                permissions: licence.permissions.clone(),
                comprises: licence.comprises.clone(),
            };
            org_licences::define(&mut self.state, definition)
                .map_err(|source| self.breaks(object(), source))?;
            for role in &licence.roles {
                let role_id = self
                    .state
                    .role_by_name(role)
                    .ok_or_else(|| self.invalid(format!("unknown role `{role}`")))?
                    .id;
                org_licences::give_to_role(&mut self.state, role_id, &licence.id)
                    .map_err(|source| self.breaks(object(), source))?;
            }
        }
        Ok(())
    }

    fn queue_id(&self, name: &str) -> Result<Uuid, SandboxError> {
        self.state
            .queues
            .iter()
            .find(|queue| queue.name == name)
            .map(|queue| queue.id)
            .ok_or_else(|| self.invalid(format!("unknown queue `{name}`")))
    }

    /// Creates the business units, their planning groups and management units, and puts
    /// the members in with the API's move (so an `agentLimit` holds for seeds too).
    fn business_units(&mut self, units: &[SeedBusinessUnit]) -> Result<(), SandboxError> {
        let org = self.org;
        for unit in units {
            let unit_id = object_id(org, "businessunit", &unit.name);
            let object = || format!("business unit `{}`", unit.name);
            let record = BusinessUnit {
                id: unit_id,
                name: unit.name.clone(),
                division_id: self.division(unit.division.as_ref())?,
                planning_groups: Vec::new(),
            };
            wfm::create_business_unit(&mut self.state, &record)
                .map_err(|source| self.breaks(object(), source))?;
            for group in &unit.planning_groups {
                let mut route_paths = Vec::new();
                for path in &group.route_paths {
                    let language_id = match &path.language {
                        None => None,
                        Some(name) => Some(
                            self.state
                                .languages
                                .iter()
                                .find(|language| language.name == *name)
                                .ok_or_else(|| self.invalid(format!("unknown language `{name}`")))?
                                .id,
                        ),
                    };
                    let mut skill_ids = Vec::new();
                    for name in &path.skills {
                        let skill = self.state.skills.iter().find(|skill| skill.name == *name);
                        skill_ids.push(
                            skill
                                .ok_or_else(|| self.invalid(format!("unknown skill `{name}`")))?
                                .id,
                        );
                    }
                    route_paths.push(RoutePath {
                        queue_id: self.queue_id(&path.queue)?,
                        media_type: path.media_type.clone(),
                        language_id,
                        skill_ids,
                    });
                }
                let record = PlanningGroup {
                    id: object_id(
                        org,
                        "planninggroup",
                        &format!("{}|{}", unit.name, group.name),
                    ),
                    name: group.name.clone(),
                    version: 1,
                    route_paths,
                };
                wfm::add_planning_group(&mut self.state, unit_id, record).map_err(|source| {
                    self.breaks(format!("planning group `{}`", group.name), source)
                })?;
            }
            for management_unit in &unit.management_units {
                let id = object_id(org, "managementunit", &management_unit.name);
                let object = || format!("management unit `{}`", management_unit.name);
                let record = ManagementUnit {
                    id,
                    name: management_unit.name.clone(),
                    business_unit_id: unit_id,
                    agent_limit: management_unit.agent_limit,
                    members: Vec::new(),
                };
                wfm::create_management_unit(&mut self.state, &record)
                    .map_err(|source| self.breaks(object(), source))?;
                let members = management_unit
                    .members
                    .iter()
                    .map(|email| self.user(email))
                    .collect::<Result<Vec<_>, _>>()?;
                for email in &management_unit.members {
                    let user_id = self.user(email)?;
                    if wfm::unit_of(&self.state, user_id).is_some() {
                        return Err(
                            self.invalid(format!("user `{email}` is in two management units"))
                        );
                    }
                }
                let results = wfm::move_agents(&mut self.state, &members, Some(id))
                    .map_err(|source| self.breaks(object(), source))?;
                if let Some((user, result)) = results
                    .iter()
                    .find(|(_, result)| *result != wfm::MoveResult::MoveSuccessful)
                {
                    return Err(self.invalid(format!(
                        "management unit `{}`: user {user} cannot join: {}",
                        management_unit.name,
                        result.as_str()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Creates every user in one call, so that managers may come after their reports.
    fn users(&mut self, seed: &SeedOrg) -> Result<(), SandboxError> {
        let org = self.org;
        for user in &seed.users {
            let key = user.email.to_lowercase();
            let id = object_id(org, "user", &key);
            // A second user with the same email is refused by `create_many`.
            self.users.entry(key).or_insert(id);
        }
        let skills: HashMap<&str, Uuid> = self
            .state
            .skills
            .iter()
            .map(|skill| (skill.name.as_str(), skill.id))
            .collect();
        let languages: HashMap<&str, Uuid> = self
            .state
            .languages
            .iter()
            .map(|language| (language.name.as_str(), language.id))
            .collect();
        let mut new_users = Vec::with_capacity(seed.users.len());
        for user in &seed.users {
            let assignments =
                |kind: &str, names: &HashMap<&str, Uuid>, wanted: &BTreeMap<String, f64>| {
                    wanted
                        .iter()
                        .map(|(name, proficiency)| match names.get(name.as_str()) {
                            Some(id) => Ok((*id, *proficiency)),
                            None => Err(self.invalid(format!("unknown {kind} `{name}`"))),
                        })
                        .collect::<Result<Vec<_>, _>>()
                };
            new_users.push(NewUser {
                id: object_id(org, "user", &user.email.to_lowercase()),
                name: user.name.clone(),
                email: user.email.clone(),
                title: user.title.clone(),
                department: user.department.clone(),
                division_id: Some(self.division(user.division.as_ref())?),
                manager_id: user
                    .manager
                    .as_ref()
                    .map(|email| self.user(email))
                    .transpose()?,
                inactive: user.state == Some(SeedUserState::Inactive),
                acd_auto_answer: user.acd_auto_answer.unwrap_or(false),
                addresses: Vec::new(),
                skills: assignments("skill", &skills, &user.skills)?,
                languages: assignments("language", &languages, &user.languages)?,
                grants: user
                    .roles
                    .iter()
                    .map(|grant| self.grant(grant))
                    .collect::<Result<_, _>>()?,
                utilization: user.utilization.as_ref().map(|media| {
                    media
                        .iter()
                        .map(|(kind, value)| {
                            let setting = MediaSetting {
                                maximum_capacity: i64::from(value.maximum_capacity),
                                interruptable_media_types: value.interruptable_media_types.clone(),
                                include_non_acd: value.include_non_acd,
                            };
                            (kind.clone(), setting)
                        })
                        .collect()
                }),
            });
        }
        users::create_many(&mut self.state, &Stamp::seed(), new_users)
            .map_err(|source| self.breaks("users".to_owned(), source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::ObjectKind;

    const YAML: &str = "
divisions: [Contact Center]
skills: [Billing]
languages: [Spanish]
wrapupCodes: [Resolved]
roles: [Agent]
queues:
  - { name: Billing, division: Contact Center, wrapupCodes: [Resolved], members: [jane@acme.example] }
teams:
  - { name: Tier 2, members: [jane@acme.example] }
groups:
  - { name: Supervisors, members: [boss@acme.example], roles: [{ role: Supervisor }], queues: [Billing] }
users:
  - { email: boss@acme.example, name: Boss }
  - email: jane@acme.example
    name: Jane Doe
    manager: boss@acme.example
    skills: { Billing: 4.5 }
    languages: { Spanish: 4 }
    roles: [{ role: Agent, division: Contact Center }]
    utilization: { call: { maximumCapacity: 1 } }
";

    #[test]
    fn yaml_seed_builds_a_deterministic_org() {
        let seed = parse_seed(YAML).expect("valid seed");
        let first = build_state("acme", &seed).expect("builds");
        let second = build_state("acme", &seed).expect("builds");
        assert_eq!(
            serde_json::to_string(&first).expect("dump"),
            serde_json::to_string(&second).expect("dump")
        );
        let jane = first.users.by_email("JANE@acme.example").expect("jane");
        assert_eq!(
            jane.manager_id,
            Some(object_id("acme", "user", "boss@acme.example"))
        );
        assert_eq!(jane.grants.len(), 2, "Employee plus Agent");
        assert_eq!(jane.team_id, Some(object_id("acme", "team", "Tier 2")));
        let queue = first.queues.iter().next().expect("queue");
        assert_eq!(queue.member_groups.len(), 1);
    }

    #[test]
    fn unknown_keys_and_dangling_references_are_errors() {
        assert!(parse_seed("skills: [A]\nbogus: 1\n").is_err());
        let seed =
            parse_seed("queues: [{ name: Q, members: [nobody@x.example] }]").expect("parses");
        assert!(matches!(
            build_state("x", &seed),
            Err(SandboxError::InvalidSeed { .. })
        ));
    }

    /// The rule a seed breaks, or `None` if it builds.
    fn broken_rule(yaml: &str) -> Option<OrgError> {
        match build_state("x", &parse_seed(yaml).expect("parses")) {
            Ok(_) => None,
            Err(SandboxError::SeedBreaksRule { source, .. }) => Some(*source),
            Err(other) => panic!("not a broken rule: {other}"),
        }
    }

    #[test]
    fn seeds_that_break_an_api_rule_are_refused() {
        let name_taken = |kind, name: &str| {
            Some(OrgError::NameTaken {
                kind,
                name: name.into(),
            })
        };
        assert_eq!(
            broken_rule("skills: [Équipe, ÉQUIPE]"),
            name_taken(ObjectKind::Skill, "ÉQUIPE")
        );
        assert_eq!(
            broken_rule("divisions: [Sales, SALES]"),
            name_taken(ObjectKind::Division, "SALES")
        );
        assert_eq!(
            broken_rule("roles: [admin]"),
            name_taken(ObjectKind::Role, "admin"),
            "`Admin` is built in"
        );
        assert_eq!(
            broken_rule("queues: [{ name: Q }, { name: q }]"),
            name_taken(ObjectKind::Queue, "q")
        );
        assert_eq!(
            broken_rule(
                "users: [{ email: a@x.example, name: A }, { email: A@X.example, name: B }]"
            ),
            Some(OrgError::EmailTaken {
                email: "A@X.example".into()
            })
        );
        assert_eq!(
            broken_rule("users: [{ email: not-an-email, name: A }]"),
            Some(OrgError::InvalidEmail {
                email: "not-an-email".into()
            })
        );
        assert_eq!(
            broken_rule("skills: [S]\nusers: [{ email: a@x.example, name: A, skills: { S: 7 } }]"),
            Some(OrgError::Proficiency { value: 7.0 })
        );
        assert_eq!(
            broken_rule(
                "users: [{ email: a@x.example, name: A, utilization: { chat: { maximumCapacity: 2, interruptableMediaTypes: [fax] } } }]"
            ),
            Some(OrgError::MediaType {
                field: "interruptableMediaTypes",
                media: "fax".into()
            })
        );
        assert_eq!(
            broken_rule("users: [{ email: a@x.example, name: A, manager: a@x.example }]"),
            Some(OrgError::InvalidManager {
                id: object_id("x", "user", "a@x.example")
            })
        );
        // Naming the home division is allowed: every org has it.
        assert_eq!(broken_rule("divisions: [home, Sales]"), None);
        let error = build_state("x", &parse_seed("skills: [A, a]").expect("parses"))
            .expect_err("duplicate");
        assert_eq!(
            crate::error::with_causes(&error),
            "invalid seed for org `x`: cannot create skill `a`: a skill named `a` exists already"
        );
    }

    #[test]
    fn seeds_that_break_a_telephony_or_wfm_rule_are_refused() {
        let pools = "telephony: { didPools: [{ name: A, start: '+13175550100', end: '+13175550109' }], extensionPools: [{ name: D, start: '2000', end: '2099' }] }\n";
        assert!(matches!(
            broken_rule(&format!(
                "{pools}users: [{{ email: a@x.example, name: A, phone: '+13175559999' }}]"
            )),
            Some(OrgError::NumberOutsidePools { .. })
        ));
        assert!(matches!(
            broken_rule(&format!(
                "{pools}users: [{{ email: a@x.example, name: A, extension: '2001' }}, {{ email: b@x.example, name: B, extension: '2001' }}]"
            )),
            Some(OrgError::ExtensionHeld { .. })
        ));
        assert!(matches!(
            broken_rule(
                "telephony: { didPools: [{ name: A, start: '+13175550100', end: '+13175550109' }, { name: B, start: '+13175550105', end: '+13175550120' }] }"
            ),
            Some(OrgError::InvalidPool { .. })
        ));
        assert!(matches!(
            broken_rule(
                "queues: [{ name: Q }]\nbusinessUnits: [{ name: N, planningGroups: [{ name: P, routePaths: [{ queue: Q, mediaType: Fax }] }] }]"
            ),
            Some(OrgError::NotAllowed { .. })
        ));
        assert!(matches!(
            broken_rule("queues: [{ name: Q, mediaTypes: [fax] }]"),
            Some(OrgError::NotAllowed { .. })
        ));
        let over_limit = "users: [{ email: a@x.example, name: A }, { email: b@x.example, name: B }]\nbusinessUnits: [{ name: N, managementUnits: [{ name: M, agentLimit: 1, members: [a@x.example, b@x.example] }] }]";
        assert!(matches!(
            build_state("x", &parse_seed(over_limit).expect("parses")),
            Err(SandboxError::InvalidSeed { .. })
        ));
        let fine = format!(
            "{pools}users: [{{ email: a@x.example, name: A, phone: '+13175550100', extension: '2001', station: S }}]"
        );
        assert_eq!(broken_rule(&fine), None);
    }

    #[test]
    fn generated_orgs_are_deterministic() {
        let a = SeedOrg::generated(200, 10, 3, 20, 4, 9);
        assert_eq!(a, SeedOrg::generated(200, 10, 3, 20, 4, 9));
        let state = build_state("bench", &a).expect("builds");
        assert_eq!(state.users.len(), 200);
        assert_eq!(state.queues.iter().next().expect("queue").members.len(), 20);
    }
}
