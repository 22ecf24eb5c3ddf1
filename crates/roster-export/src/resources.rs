//! The org-wide kinds as resource specs: skills, languages and wrap-up codes (the shared
//! vocabulary), queues and teams.

use roster_manifest::manifest::{
    At, LanguageSpec, QueueSpec, ResourceFile, SkillSpec, TeamSpec, WrapupCodeSpec,
};
use roster_model::{Kind, LiveOrg};

use crate::ExportOptions;

/// `base/routing.yaml`: the kinds `options` selects among skills, languages, wrap-up codes.
pub(crate) fn routing(live: &LiveOrg, options: &ExportOptions) -> ResourceFile {
    let mut file = ResourceFile::default();
    if options.has(Kind::Skill) {
        file.skills = live
            .skills
            .keys()
            .map(|name| SkillSpec {
                name: At::new(name.clone()),
                former_names: Vec::new(),
            })
            .collect();
    }
    if options.has(Kind::Language) {
        file.languages = live
            .languages
            .keys()
            .map(|name| LanguageSpec {
                name: At::new(name.clone()),
            })
            .collect();
    }
    if options.has(Kind::WrapupCode) {
        file.wrapup_codes = live
            .wrapup_codes
            .keys()
            .map(|name| WrapupCodeSpec {
                name: At::new(name.clone()),
            })
            .collect();
    }
    file
}

/// Every queue with its division, description and (when read) wrap-up codes. Members are
/// declared on the users, never on the queue. Codes are left out (not managed) when wrap-up
/// codes are not exported.
pub(crate) fn queues(live: &LiveOrg, options: &ExportOptions) -> ResourceFile {
    ResourceFile {
        queues: live
            .queues
            .values()
            .map(|queue| QueueSpec {
                name: At::new(queue.name.clone()),
                division: Some(At::new(queue.division.clone())),
                description: queue.description.clone(),
                // Codes refer to wrap-up codes, which must then be exported too.
                wrapup_codes: queue
                    .wrapup_codes
                    .as_ref()
                    .filter(|_| options.has(Kind::WrapupCode))
                    .map(|codes| codes.iter().cloned().map(At::new).collect()),
                members: None,
            })
            .collect(),
        ..ResourceFile::default()
    }
}

/// Every team with its division and description.
pub(crate) fn teams(live: &LiveOrg) -> ResourceFile {
    ResourceFile {
        teams: live
            .teams
            .values()
            .map(|team| TeamSpec {
                name: At::new(team.name.clone()),
                division: Some(At::new(team.division.clone())),
                description: team.description.clone(),
                timezone: None,
            })
            .collect(),
        ..ResourceFile::default()
    }
}
