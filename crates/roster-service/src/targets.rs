//! `plan --target KIND:KEY`: reading the targets from the command line, and checking each
//! names an object the manifests declare or an org holds, with the closest spelling when not.

use std::collections::BTreeSet;

use roster_model::{Email, Kind};
use roster_plan::ObjectRef;

use crate::orgs::Planned;

/// Why a `--target` cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not `KIND:KEY`.
    #[error("`{raw}` is not `KIND:KEY`")]
    Malformed {
        /// As typed.
        raw: String,
    },
    /// The kind is not one roster plans.
    #[error("`{kind}` is not a kind roster plans")]
    UnknownKind {
        /// As typed.
        kind: String,
        /// The closest kind, if any is close.
        suggestion: Option<String>,
    },
    /// Neither declared in the manifests nor in any org read.
    #[error("{target} is neither declared in the manifests nor in the org")]
    UnknownKey {
        /// The target.
        target: ObjectRef,
        /// The closest key of that kind, declared or live, if any is close.
        suggestion: Option<String>,
    },
}

impl TargetError {
    /// The closest spelling, as a `--target` value.
    pub fn suggestion(&self) -> Option<String> {
        match self {
            TargetError::Malformed { .. } => None,
            TargetError::UnknownKind { suggestion, .. } => suggestion.clone(),
            TargetError::UnknownKey { target, suggestion } => suggestion
                .as_ref()
                .map(|key| format!("{}:{key}", target.kind.name())),
        }
    }
}

/// Reads `KIND:KEY` (the key may hold colons: `queue:Tier: 2`); a user's key is an email,
/// compared as emails are.
///
/// # Errors
///
/// [`TargetError::Malformed`] without a colon or a key, [`TargetError::UnknownKind`] for a
/// kind roster does not plan.
pub fn parse_target(raw: &str) -> Result<ObjectRef, TargetError> {
    let malformed = || TargetError::Malformed {
        raw: raw.to_owned(),
    };
    let (kind, key) = raw.split_once(':').ok_or_else(malformed)?;
    if key.trim().is_empty() {
        return Err(malformed());
    }
    let Some(kind) = Kind::ALL.into_iter().find(|k| k.name() == kind) else {
        return Err(TargetError::UnknownKind {
            kind: kind.to_owned(),
            suggestion: closest(kind, Kind::ALL.iter().map(|k| k.name())),
        });
    };
    let key = if kind == Kind::User {
        Email::parse(key).map_or_else(|_| key.to_owned(), |email| email.as_str().to_owned())
    } else {
        roster_model::normalize_name_owned(key.to_owned())
    };
    Ok(ObjectRef::new(kind, key))
}

/// The targets that name nothing in any of `planned`: neither declared in its manifests nor
/// read from its org.
pub fn unknown_targets(targets: &BTreeSet<ObjectRef>, planned: &[Planned<'_>]) -> Vec<TargetError> {
    targets
        .iter()
        .filter_map(|target| {
            let known = known_keys(target.kind, planned);
            (!known.contains(target.key.as_str())).then(|| TargetError::UnknownKey {
                target: target.clone(),
                suggestion: closest(&target.key, known.iter().copied()),
            })
        })
        .collect()
}

/// Every key of `kind` the orgs' manifests declare or their snapshots hold.
fn known_keys<'p>(kind: Kind, planned: &'p [Planned<'_>]) -> BTreeSet<&'p str> {
    let mut keys = BTreeSet::new();
    for org in planned {
        let desired = &org.org.session.spec().desired;
        let live = &org.org.snapshot.live;
        match kind {
            Kind::Division => keys.extend(live.divisions.keys().map(String::as_str)),
            Kind::Role => keys.extend(live.roles.keys().map(String::as_str)),
            Kind::ManagementUnit => keys.extend(
                live.wfm
                    .iter()
                    .flat_map(|w| w.management_units.keys().map(String::as_str)),
            ),
            Kind::Skill => {
                keys.extend(desired.skills.keys().map(String::as_str));
                keys.extend(live.skills.keys().map(String::as_str));
            }
            Kind::Language => {
                keys.extend(desired.languages.keys().map(String::as_str));
                keys.extend(live.languages.keys().map(String::as_str));
            }
            Kind::WrapupCode => {
                keys.extend(desired.wrapup_codes.keys().map(String::as_str));
                keys.extend(live.wrapup_codes.keys().map(String::as_str));
            }
            Kind::Queue => {
                keys.extend(desired.queues.keys().map(String::as_str));
                keys.extend(live.queues.keys().map(String::as_str));
            }
            Kind::Team => {
                keys.extend(desired.teams.keys().map(String::as_str));
                keys.extend(live.teams.keys().map(String::as_str));
            }
            Kind::User => {
                keys.extend(desired.users.keys().map(Email::as_str));
                keys.extend(live.users.keys().map(Email::as_str));
            }
        }
    }
    keys
}

/// The candidate closest to `typed`, if it is close enough to be a typo.
fn closest<'c>(typed: &str, candidates: impl Iterator<Item = &'c str>) -> Option<String> {
    let typed = typed.to_lowercase();
    candidates
        .map(|candidate| {
            (
                strsim::normalized_levenshtein(&typed, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_owned())
}

#[cfg(test)]
mod tests {
    use roster_model::Kind;
    use roster_plan::ObjectRef;

    use super::{TargetError, parse_target};

    #[test]
    fn targets_are_kind_colon_key() {
        assert_eq!(
            parse_target("user:Ana@Acme.example"),
            Ok(ObjectRef::new(Kind::User, "ana@acme.example"))
        );
        assert_eq!(
            parse_target("queue:Tier: 2"),
            Ok(ObjectRef::new(Kind::Queue, "Tier: 2"))
        );
        assert_eq!(
            parse_target("wrapupCode:Sale"),
            Ok(ObjectRef::new(Kind::WrapupCode, "Sale"))
        );
        assert!(matches!(
            parse_target("queue"),
            Err(TargetError::Malformed { .. })
        ));
        let unknown = parse_target("queu:Support").unwrap_err();
        assert_eq!(unknown.suggestion().as_deref(), Some("queue"));
        assert_eq!(unknown.to_string(), "`queu` is not a kind roster plans");
    }
}
