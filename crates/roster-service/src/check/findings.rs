//! The pure core of `roster check`: readiness findings from the manifests and the org as read,
//! with no I/O.
//!
//! A check describes the org as it will be after `apply`: a user's queues, management unit,
//! roles and numbers are what the manifests declare where they manage them, else the live
//! values. Only users the manifests declare active are checked (a finding points at a
//! manifest line); other live users count only as holders of a number.
//!
//! Genesys facts this follows (REFERENCE-events-entitlements §3–§5):
//! - Planning groups belong to the business unit; a queue is covered on a media type when
//!   some route path of some planning group of the agent's business unit names that queue
//!   and media type (§5.3). Queue media types are the keys of its `mediaSettings`.
//! - A direct number must lie in a DID pool, an extension in an extension pool (§4.2).
//! - Licences follow roles (auto-licensing, §3.2): `POST /api/v2/license/infer` turns role ids
//!   into licence ids, which the caller looks up once per distinct role set
//!   ([`LicenceLookup`]).

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    DesiredOrg, DesiredUser, Email, GrantOrigin, LiveOrg, LiveUser, MediaType, MemberOrigin,
    NumberChoice, UserState,
};

use super::report::{Finding, PhoneField, Problem};

pub use crate::licences::LicenceLookup;

/// The role sets whose licences [`findings`] needs: those of the active declared users whose
/// routing profile expects a licence.
pub fn role_sets_after_apply(desired: &DesiredOrg, live: &LiveOrg) -> BTreeSet<BTreeSet<String>> {
    checked_users(desired)
        .filter(|user| user.licence.is_some())
        .map(|user| roles_after_apply(user, live.users.get(&user.email)))
        .collect()
}

/// Every readiness finding of `desired` against `live`, ordered by user, then kind, then the
/// kind's details.
/// Parts of the org that were not read (`live.wfm`, `live.telephony`, a business unit's
/// planning groups, a role set missing from `licences`) are not checked: [`not_checked`]
/// says which.
pub fn findings(desired: &DesiredOrg, live: &LiveOrg, licences: &LicenceLookup) -> Vec<Finding> {
    let holders = number_holders(desired, live);
    let memberships = live.queue_memberships();
    let mut found = Vec::new();
    for user in checked_users(desired) {
        let live_user = live.users.get(&user.email);
        let queues = queues_after_apply(user, memberships.get(&user.email));
        wfm_findings(user, live_user, live, queues, &mut found);
        phone_findings(user, live_user, live, &holders, &mut found);
        licence_findings(user, live_user, live, licences, &mut found);
    }
    found.sort();
    found
}

/// What [`findings`] could not check in `live`, as sentences for the report.
pub fn not_checked(live: &LiveOrg) -> Vec<String> {
    let mut notes = Vec::new();
    match &live.wfm {
        None => notes.push(
            "management units were not read: queue coverage and agents without a unit".to_owned(),
        ),
        Some(wfm) => {
            for unit in wfm.business_units.values() {
                if unit.planning_groups.is_none() {
                    notes.push(format!(
                        "the planning groups of business unit `{}` were not read: its agents' queue coverage",
                        unit.name
                    ));
                }
            }
        }
    }
    let without_media: Vec<String> = live
        .queues
        .values()
        .filter(|queue| queue.media_types.is_empty())
        .map(|queue| format!("`{}`", queue.name))
        .collect();
    if live.wfm.is_some() && !without_media.is_empty() {
        notes.push(format!(
            "the org gave no media types for queues {}: their coverage",
            without_media.join(", ")
        ));
    }
    if live.telephony.is_none() {
        notes.push("DID and extension pools were not read: users' numbers".to_owned());
    }
    notes
}

/// The declared users a check looks at: those the manifests keep active.
fn checked_users(desired: &DesiredOrg) -> impl Iterator<Item = &DesiredUser> {
    desired
        .users
        .values()
        .filter(|user| user.state == UserState::Active)
}

/// The queues `user` serves after apply: its declared queues where the manifests manage
/// them, else its live direct memberships; with its memberships through groups either way
/// (roster never writes those). Live memberships are known only for queues whose members
/// were read (`memberships`: the user's, from [`LiveOrg::queue_memberships`]).
fn queues_after_apply(
    user: &DesiredUser,
    memberships: Option<&BTreeMap<&str, &MemberOrigin>>,
) -> BTreeSet<String> {
    let mut queues: BTreeSet<String> = memberships
        .into_iter()
        .flatten()
        .filter(|(_, origin)| user.queues.is_none() || origin.is_group())
        .map(|(queue, _)| (*queue).to_owned())
        .collect();
    queues.extend(user.queues.iter().flatten().cloned());
    queues
}

/// The management unit `user` is an agent of after apply.
fn unit_after_apply(user: &DesiredUser, live_user: Option<&LiveUser>) -> Option<String> {
    match &user.wfm {
        Some(wfm) => Some(wfm.management_unit.clone()),
        None => live_user.and_then(|u| u.management_unit.clone()),
    }
}

/// The role names `user` holds after apply: its declared grants where the manifests manage
/// roles, else its live direct grants; with its grants through groups either way.
fn roles_after_apply(user: &DesiredUser, live_user: Option<&LiveUser>) -> BTreeSet<String> {
    let mut roles: BTreeSet<String> = live_user
        .into_iter()
        .flat_map(|u| &u.grants)
        .filter(|grant| user.roles.is_none() || matches!(grant.origin, GrantOrigin::Group(_)))
        .map(|grant| grant.role.clone())
        .collect();
    roles.extend(user.roles.iter().flatten().map(|grant| grant.role.clone()));
    roles
}

/// A user's direct number and extension after apply, as raw strings (a live number need not
/// be E.164). A number to be allocated from a pool is unknown until plan time: `None`,
/// unless the user's live number is in that pool already (it keeps it).
fn phone_after_apply(
    user: &DesiredUser,
    live_user: Option<&LiveUser>,
    live: &LiveOrg,
) -> (Option<String>, Option<String>) {
    let live_phone = live_user.map(|u| u.phone.clone()).unwrap_or_default();
    let Some(phone) = &user.phone else {
        return (live_phone.number, live_phone.extension);
    };
    let number = match &phone.number {
        None => None,
        Some(NumberChoice::Number(number)) => Some(number.to_string()),
        Some(NumberChoice::Pool(pool)) => live_phone.number.filter(|number| {
            let pool = live.telephony.as_ref().and_then(|t| t.did_pools.get(pool));
            let parsed = roster_model::PhoneNumber::parse(number);
            matches!((pool, parsed), (Some(pool), Ok(parsed)) if pool.contains(&parsed))
        }),
    };
    (number, phone.extension.clone())
}

/// Who holds each number and extension after apply: declared active users by their phone
/// after apply, other active live users by their live phone.
fn number_holders(
    desired: &DesiredOrg,
    live: &LiveOrg,
) -> BTreeMap<(PhoneField, String), BTreeSet<Email>> {
    let mut holders: BTreeMap<(PhoneField, String), BTreeSet<Email>> = BTreeMap::new();
    let mut hold = |number: Option<String>, extension: Option<String>, email: &Email| {
        for (field, value) in [
            (PhoneField::Number, number),
            (PhoneField::Extension, extension),
        ] {
            if let Some(value) = value {
                holders
                    .entry((field, value))
                    .or_default()
                    .insert(email.clone());
            }
        }
    };
    for user in checked_users(desired) {
        let (number, extension) = phone_after_apply(user, live.users.get(&user.email), live);
        hold(number, extension, &user.email);
    }
    for user in live.users.values() {
        if user.state == UserState::Active && !desired.users.contains_key(&user.email) {
            hold(
                user.phone.number.clone(),
                user.phone.extension.clone(),
                &user.email,
            );
        }
    }
    holders
}

/// `uncoveredQueue` and `noManagementUnit` for one user.
fn wfm_findings(
    user: &DesiredUser,
    live_user: Option<&LiveUser>,
    live: &LiveOrg,
    queues: BTreeSet<String>,
    found: &mut Vec<Finding>,
) {
    let Some(wfm) = &live.wfm else { return };
    if queues.is_empty() {
        return;
    }
    let source = user
        .wfm
        .as_ref()
        .and_then(|w| w.source.clone())
        .or_else(|| user.source.clone());
    let Some(unit) = unit_after_apply(user, live_user) else {
        let list = queues.iter().map(|q| format!("`{q}`")).collect::<Vec<_>>();
        found.push(Finding {
            user: user.email.clone(),
            object: format!(
                "queues {}",
                queues.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
            source,
            message: format!(
                "`{}` serves {} but is an agent of no management unit: WFM does not schedule them",
                user.email,
                list.join(", ")
            ),
            hint: "add `wfm: { managementUnit: NAME }` to the user or its routing profile"
                .to_owned(),
            problem: Problem::NoManagementUnit {
                queues: queues.into_iter().collect(),
            },
        });
        return;
    };
    // An unknown unit is the plan's error to report; its business unit is unknown here.
    let Some(business_unit) = wfm
        .management_units
        .get(&unit)
        .and_then(|u| wfm.business_units.get(&u.business_unit))
    else {
        return;
    };
    let Some(groups) = &business_unit.planning_groups else {
        return;
    };
    let covered: BTreeSet<(&str, MediaType)> = groups
        .values()
        .flatten()
        .map(|path| (path.queue.as_str(), path.media_type))
        .collect();
    for queue in &queues {
        let media_types: Vec<Option<MediaType>> = match live.queues.get(queue) {
            Some(live_queue) => live_queue.media_types.iter().copied().map(Some).collect(),
            None => vec![None],
        };
        for media_type in media_types {
            if media_type.is_some_and(|m| covered.contains(&(queue.as_str(), m))) {
                continue;
            }
            found.push(uncovered(
                user,
                queue,
                media_type,
                &business_unit.name,
                &unit,
                source.clone(),
            ));
        }
    }
}

/// An `uncoveredQueue` finding.
fn uncovered(
    user: &DesiredUser,
    queue: &str,
    media_type: Option<MediaType>,
    business_unit: &str,
    unit: &str,
    source: Option<roster_model::Source>,
) -> Finding {
    let (object, message, hint) = match media_type {
        Some(media) => (
            format!("queue {queue} ({media})"),
            format!(
                "`{}` serves queue `{queue}` for {media}, which no planning group of business \
                 unit `{business_unit}` covers (management unit `{unit}`)",
                user.email
            ),
            format!(
                "add a route path for queue `{queue}` ({}) to a planning group of business \
                 unit `{business_unit}`, or move the user to a management unit whose business \
                 unit covers it, or take the user off the queue",
                media.wfm_name()
            ),
        ),
        None => (
            format!("queue {queue}"),
            format!(
                "`{}` serves queue `{queue}`, which the org does not have yet, so no planning \
                 group of business unit `{business_unit}` covers it (management unit `{unit}`)",
                user.email
            ),
            format!(
                "after `roster apply` creates the queue, add route paths for it to a planning \
                 group of business unit `{business_unit}`, then run `roster check` again"
            ),
        ),
    };
    Finding {
        user: user.email.clone(),
        problem: Problem::UncoveredQueue {
            queue: queue.to_owned(),
            media_type,
            business_unit: business_unit.to_owned(),
            management_unit: unit.to_owned(),
        },
        object,
        source,
        message,
        hint,
    }
}

/// `numberOutsidePools` and `sharedNumber` for one user.
fn phone_findings(
    user: &DesiredUser,
    live_user: Option<&LiveUser>,
    live: &LiveOrg,
    holders: &BTreeMap<(PhoneField, String), BTreeSet<Email>>,
    found: &mut Vec<Finding>,
) {
    let (number, extension) = phone_after_apply(user, live_user, live);
    let source = user
        .phone
        .as_ref()
        .and_then(|p| p.source.clone())
        .or_else(|| user.source.clone());
    let declared = user.phone.is_some();
    for (field, value) in [
        (PhoneField::Number, number),
        (PhoneField::Extension, extension),
    ] {
        let Some(value) = value else { continue };
        if let Some(telephony) = &live.telephony {
            let outside = match field {
                PhoneField::Number => roster_model::PhoneNumber::parse(&value)
                    .ok()
                    .is_none_or(|number| telephony.pool_of(&number).is_none()),
                PhoneField::Extension => !telephony.extension_in_pool(&value),
            };
            if outside {
                found.push(outside_pools(user, field, &value, declared, source.clone()));
            }
        }
        let others: Vec<Email> = holders
            .get(&(field, value.clone()))
            .into_iter()
            .flatten()
            .filter(|email| **email != user.email)
            .cloned()
            .collect();
        if !others.is_empty() {
            let names = others
                .iter()
                .map(|e| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ");
            found.push(Finding {
                user: user.email.clone(),
                object: format!("{} {value}", field.noun()),
                source: source.clone(),
                message: format!(
                    "`{}` and {names} would hold the same {} `{value}`",
                    user.email,
                    field.noun()
                ),
                hint: format!(
                    "give each user their own {0} (`phone:` on the user), or take the {0} \
                     from the other users",
                    field.noun()
                ),
                problem: Problem::SharedNumber {
                    value,
                    field,
                    others,
                },
            });
        }
    }
}

/// A `numberOutsidePools` finding.
fn outside_pools(
    user: &DesiredUser,
    field: PhoneField,
    value: &str,
    declared: bool,
    source: Option<roster_model::Source>,
) -> Finding {
    let whose = if declared { "declared" } else { "the org's" };
    let message = match field {
        PhoneField::Number if roster_model::PhoneNumber::parse(value).is_err() => format!(
            "`{}` has {whose} number `{value}`, which is not E.164 and so in no DID pool",
            user.email
        ),
        PhoneField::Number => format!(
            "`{}` has {whose} number `{value}`, which lies in no DID pool",
            user.email
        ),
        PhoneField::Extension => format!(
            "`{}` has {whose} extension `{value}`, which lies in no extension pool",
            user.email
        ),
    };
    let hint = match field {
        PhoneField::Number => "set `phone: { number }` to a number of one of the org's DID pools (or `phone: { pool: NAME }`), or add a DID pool that holds it".to_owned(),
        PhoneField::Extension => "set `phone: { extension }` to an extension of one of the org's extension pools, or add an extension pool that holds it".to_owned(),
    };
    Finding {
        user: user.email.clone(),
        problem: Problem::NumberOutsidePools {
            value: value.to_owned(),
            field,
        },
        object: format!("{} {value}", field.noun()),
        source,
        message,
        hint,
    }
}

/// `licenceMismatch` for one user.
fn licence_findings(
    user: &DesiredUser,
    live_user: Option<&LiveUser>,
    live: &LiveOrg,
    licences: &LicenceLookup,
    found: &mut Vec<Finding>,
) {
    let Some(expected) = &user.licence else {
        return;
    };
    let roles = roles_after_apply(user, live_user);
    let Some(implied) = licences.get(&roles) else {
        return;
    };
    let definition = live.licences.iter().find(|d| d.is_named(&expected.licence));
    let expected_id = definition.map_or(expected.licence.as_str(), |d| d.id.as_str());
    // A user is billed its highest licence: the implied licences no other implied licence
    // includes (`comprises`) must be exactly the expected one.
    let includes = |held: &String, other: &String| {
        held != other
            && live
                .licences
                .iter()
                .find(|d| d.id == *held)
                .is_some_and(|d| d.includes(other, &live.licences))
    };
    let highest: Vec<&String> = implied
        .iter()
        .filter(|id| !implied.iter().any(|held| includes(held, id)))
        .collect();
    let exact = highest.len() == 1 && highest[0].eq_ignore_ascii_case(expected_id);
    if exact {
        return;
    }
    let label = |id: &String| {
        live.licences
            .iter()
            .find(|d| d.id == *id)
            .map_or_else(|| format!("`{id}`"), |d| format!("`{}`", d.label()))
    };
    let implied_text = if implied.is_empty() {
        "no licence".to_owned()
    } else {
        implied.iter().map(label).collect::<Vec<_>>().join(", ")
    };
    let roles_text = if roles.is_empty() {
        "no roles".to_owned()
    } else {
        roles
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut hint = format!(
        "change the user's role grants (or the profile's `roles:`) so they imply only `{}`, \
         or change the profile's `licence:` to what the roles imply",
        expected.licence
    );
    if definition.is_none() && !live.licences.is_empty() {
        let known: Vec<String> = live
            .licences
            .iter()
            .map(|d| format!("`{}`", d.label()))
            .collect();
        hint = format!(
            "the org defines no licence `{}`: write one of {} in `licence:`",
            expected.licence,
            known.join(", ")
        );
    }
    found.push(Finding {
        user: user.email.clone(),
        object: format!("licence {}", expected.licence),
        source: expected.source.clone().or_else(|| user.source.clone()),
        message: format!(
            "routing profile `{}` expects licence `{}`, but the roles of `{}` ({roles_text}) \
             imply {implied_text}",
            expected.profile, expected.licence, user.email
        ),
        hint,
        problem: Problem::LicenceMismatch {
            profile: expected.profile.clone(),
            expected: expected.licence.clone(),
            implied: implied.iter().cloned().collect(),
        },
    });
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use roster_model::{
        DesiredOrg, DesiredPhone, DesiredUser, DesiredWfm, Email, ExpectedLicence, GrantOrigin,
        LicenceDefinition, LiveBusinessUnit, LiveDidPool, LiveExtensionPool, LiveGrant,
        LiveManagementUnit, LiveNamed, LiveOrg, LivePhone, LiveQueue, LiveQueueMember, LiveUser,
        MediaType, MemberOrigin, NumberChoice, PhoneNumber, RoleGrant, RoutePath, Source,
        Telephony, UserState, Wfm,
    };

    use super::{LicenceLookup, findings, not_checked, role_sets_after_apply};
    use crate::check::report::{Finding, PhoneField, Problem};

    fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    fn at(line: u32) -> Source {
        Source {
            file: "orgs/demo/users.yaml".into(),
            line,
            column: 5,
        }
    }

    fn desired_user(address: &str, line: u32) -> DesiredUser {
        let mut user = DesiredUser::new(email(address), address);
        user.source = Some(at(line));
        user
    }

    fn desired(users: Vec<DesiredUser>) -> DesiredOrg {
        DesiredOrg {
            name: "demo".into(),
            users: users.into_iter().map(|u| (u.email.clone(), u)).collect(),
            ..DesiredOrg::default()
        }
    }

    fn live_user(address: &str) -> LiveUser {
        LiveUser {
            id: format!("id-{address}"),
            version: 1,
            email: email(address),
            name: address.into(),
            title: None,
            department: None,
            division: "Home".into(),
            manager: None,
            state: UserState::Active,
            team: None,
            skills: BTreeMap::new(),
            languages: BTreeMap::new(),
            grants: BTreeSet::new(),
            utilization: None,
            acd_auto_answer: false,
            phone: LivePhone::default(),
            station: None,
            management_unit: None,
        }
    }

    fn queue(name: &str, media: &[MediaType], members: &[(&str, MemberOrigin)]) -> LiveQueue {
        LiveQueue {
            id: format!("q-{name}"),
            name: name.into(),
            division: "Home".into(),
            description: None,
            wrapup_codes: None,
            members: Some(
                members
                    .iter()
                    .map(|(address, origin)| {
                        (
                            email(address),
                            LiveQueueMember {
                                user_id: format!("id-{address}"),
                                origin: origin.clone(),
                            },
                        )
                    })
                    .collect(),
            ),
            media_types: media.iter().copied().collect(),
        }
    }

    /// Business unit `Acme` with management unit `Billing MU` and one planning group whose
    /// route paths are `paths`.
    fn wfm(paths: &[(&str, MediaType)]) -> Wfm {
        let routes = paths
            .iter()
            .map(|(queue, media_type)| RoutePath {
                queue: (*queue).into(),
                media_type: *media_type,
            })
            .collect();
        Wfm {
            business_units: BTreeMap::from([(
                "Acme".into(),
                LiveBusinessUnit {
                    id: "bu".into(),
                    name: "Acme".into(),
                    planning_groups: Some(BTreeMap::from([("Billing PG".into(), routes)])),
                },
            )]),
            management_units: BTreeMap::from([(
                "Billing MU".into(),
                LiveManagementUnit {
                    id: "mu".into(),
                    name: "Billing MU".into(),
                    business_unit: "Acme".into(),
                },
            )]),
        }
    }

    fn live(users: Vec<LiveUser>, queues: Vec<LiveQueue>) -> LiveOrg {
        LiveOrg {
            users: users.into_iter().map(|u| (u.email.clone(), u)).collect(),
            queues: queues.into_iter().map(|q| (q.name.clone(), q)).collect(),
            ..LiveOrg::default()
        }
    }

    fn in_billing_mu(mut user: DesiredUser, queues: &[&str]) -> DesiredUser {
        user.queues = Some(queues.iter().map(|q| (*q).to_owned()).collect());
        user.wfm = Some(DesiredWfm {
            management_unit: "Billing MU".into(),
            source: Some(at(40)),
        });
        user
    }

    fn check(desired: &DesiredOrg, live: &LiveOrg) -> Vec<Finding> {
        findings(desired, live, &LicenceLookup::new())
    }

    #[test]
    fn a_queue_covered_on_each_of_its_media_types_gives_nothing() {
        let desired = desired(vec![in_billing_mu(
            desired_user("jane@acme.example", 3),
            &["Billing"],
        )]);
        let mut live = live(
            vec![],
            vec![queue("Billing", &[MediaType::Call, MediaType::Chat], &[])],
        );
        live.wfm = Some(wfm(&[
            ("Billing", MediaType::Call),
            ("Billing", MediaType::Chat),
        ]));
        assert_eq!(check(&desired, &live), vec![]);
    }

    #[test]
    fn a_voice_route_path_covers_a_queues_calls_but_not_its_chats() {
        let desired = desired(vec![in_billing_mu(
            desired_user("jane@acme.example", 3),
            &["Billing"],
        )]);
        let mut live = live(
            vec![],
            vec![queue("Billing", &[MediaType::Call, MediaType::Chat], &[])],
        );
        live.wfm = Some(wfm(&[("Billing", MediaType::Call)]));
        let found = check(&desired, &live);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(
            found[0].problem,
            Problem::UncoveredQueue {
                queue: "Billing".into(),
                media_type: Some(MediaType::Chat),
                business_unit: "Acme".into(),
                management_unit: "Billing MU".into(),
            }
        );
        assert_eq!(found[0].user, email("jane@acme.example"));
        assert_eq!(found[0].object, "queue Billing (chat)");
        assert_eq!(found[0].source, Some(at(40)), "the `wfm:` line");
        assert!(
            found[0]
                .hint
                .contains("route path for queue `Billing` (Chat)"),
            "{}",
            found[0].hint
        );
    }

    #[test]
    fn a_route_path_of_another_business_unit_does_not_cover() {
        let desired = desired(vec![in_billing_mu(
            desired_user("jane@acme.example", 3),
            &["Billing"],
        )]);
        let mut live = live(vec![], vec![queue("Billing", &[MediaType::Call], &[])]);
        let mut wfm = wfm(&[]);
        wfm.business_units.insert(
            "Other".into(),
            LiveBusinessUnit {
                id: "bu2".into(),
                name: "Other".into(),
                planning_groups: Some(BTreeMap::from([(
                    "PG".into(),
                    BTreeSet::from([RoutePath {
                        queue: "Billing".into(),
                        media_type: MediaType::Call,
                    }]),
                )])),
            },
        );
        live.wfm = Some(wfm);
        let found = check(&desired, &live);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].problem.kind(), "uncoveredQueue");
    }

    #[test]
    fn a_queue_the_org_does_not_have_yet_is_uncovered_without_a_media_type() {
        let desired = desired(vec![in_billing_mu(
            desired_user("jane@acme.example", 3),
            &["New"],
        )]);
        let mut live = live(vec![], vec![]);
        live.wfm = Some(wfm(&[("Billing", MediaType::Call)]));
        let found = check(&desired, &live);
        assert_eq!(found.len(), 1);
        assert!(matches!(
            &found[0].problem,
            Problem::UncoveredQueue { queue, media_type: None, .. } if queue == "New"
        ));
    }

    #[test]
    fn unmanaged_queues_and_unit_come_from_the_org() {
        // No `queues:` and no `wfm:` in the manifests: the live membership (direct and
        // through a group) and the live unit are what the check looks at.
        let desired = desired(vec![desired_user("jane@acme.example", 3)]);
        let mut jane = live_user("jane@acme.example");
        jane.management_unit = Some("Billing MU".into());
        let mut live = live(
            vec![jane],
            vec![
                queue(
                    "Billing",
                    &[MediaType::Call],
                    &[("jane@acme.example", MemberOrigin::Direct)],
                ),
                queue(
                    "Sales",
                    &[MediaType::Email],
                    &[(
                        "jane@acme.example",
                        MemberOrigin::Group(Some("Sellers".into())),
                    )],
                ),
            ],
        );
        live.wfm = Some(wfm(&[("Billing", MediaType::Call)]));
        let found = check(&desired, &live);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].object, "queue Sales (email)");
        assert_eq!(
            found[0].source,
            Some(at(3)),
            "the user's line: no `wfm:` applies"
        );
    }

    #[test]
    fn managed_queues_replace_live_direct_memberships_but_not_group_ones() {
        let mut jane = desired_user("jane@acme.example", 3);
        jane.queues = Some(BTreeSet::new());
        let desired = desired(vec![jane]);
        let live = {
            let mut live = live(
                vec![live_user("jane@acme.example")],
                vec![
                    queue(
                        "Billing",
                        &[MediaType::Call],
                        &[("jane@acme.example", MemberOrigin::Direct)],
                    ),
                    queue(
                        "Sales",
                        &[MediaType::Call],
                        &[("jane@acme.example", MemberOrigin::Group(None))],
                    ),
                ],
            );
            live.wfm = Some(wfm(&[]));
            live
        };
        let found = check(&desired, &live);
        assert_eq!(
            found.iter().map(|f| f.problem.clone()).collect::<Vec<_>>(),
            vec![Problem::NoManagementUnit {
                queues: vec!["Sales".into()]
            }],
            "Billing is left by the apply; Sales stays through the group"
        );
        assert!(found[0].hint.contains("wfm: { managementUnit"));
    }

    #[test]
    fn agents_without_queues_need_no_unit_and_unread_wfm_checks_nothing() {
        let desired = desired(vec![desired_user("idle@acme.example", 3), {
            let mut user = desired_user("jane@acme.example", 9);
            user.queues = Some(BTreeSet::from(["Billing".to_owned()]));
            user
        }]);
        let mut live = live(vec![], vec![queue("Billing", &[MediaType::Call], &[])]);
        assert_eq!(
            check(&desired, &live),
            vec![],
            "WFM not read: nothing to say"
        );
        assert!(not_checked(&live)[0].contains("management units were not read"));
        live.wfm = Some(wfm(&[("Billing", MediaType::Call)]));
        let found = check(&desired, &live);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].user, email("jane@acme.example"));
        assert_eq!(found[0].problem.kind(), "noManagementUnit");
    }

    #[test]
    fn unread_planning_groups_are_not_checked_and_say_so() {
        let desired = desired(vec![in_billing_mu(
            desired_user("jane@acme.example", 3),
            &["Billing"],
        )]);
        let mut live = live(vec![], vec![queue("Billing", &[MediaType::Call], &[])]);
        let mut units = wfm(&[]);
        units
            .business_units
            .get_mut("Acme")
            .unwrap()
            .planning_groups = None;
        live.wfm = Some(units);
        live.queues.insert("Quiet".into(), queue("Quiet", &[], &[]));
        assert_eq!(check(&desired, &live), vec![]);
        assert_eq!(
            not_checked(&live),
            vec![
                "the planning groups of business unit `Acme` were not read: its agents' queue coverage".to_owned(),
                "the org gave no media types for queues `Quiet`: their coverage".to_owned(),
                "DID and extension pools were not read: users' numbers".to_owned(),
            ]
        );
    }

    fn telephony() -> Telephony {
        Telephony {
            did_pools: BTreeMap::from([(
                "Indianapolis".into(),
                LiveDidPool {
                    id: "p".into(),
                    name: "Indianapolis".into(),
                    start: PhoneNumber::parse("+13175550100").unwrap(),
                    end: PhoneNumber::parse("+13175550199").unwrap(),
                    unassigned: None,
                },
            )]),
            extension_pools: vec![LiveExtensionPool {
                id: "e".into(),
                start: "4000".into(),
                end: "4999".into(),
            }],
        }
    }

    fn with_phone(
        mut user: DesiredUser,
        number: Option<NumberChoice>,
        extension: Option<&str>,
    ) -> DesiredUser {
        user.phone = Some(DesiredPhone {
            number,
            extension: extension.map(str::to_owned),
            source: Some(Source {
                file: "orgs/demo/users.yaml".into(),
                line: user.source.as_ref().unwrap().line + 1,
                column: 5,
            }),
        });
        user
    }

    fn number(text: &str) -> NumberChoice {
        NumberChoice::Number(PhoneNumber::parse(text).unwrap())
    }

    #[test]
    fn numbers_and_extensions_inside_pools_give_nothing() {
        let desired = desired(vec![with_phone(
            desired_user("jane@acme.example", 3),
            Some(number("+13175550100")),
            Some("4100"),
        )]);
        let mut live = live(vec![], vec![]);
        live.telephony = Some(telephony());
        assert_eq!(check(&desired, &live), vec![]);
    }

    #[test]
    fn declared_and_live_numbers_outside_pools_are_found_at_their_lines() {
        let desired = desired(vec![
            with_phone(
                desired_user("jane@acme.example", 3),
                Some(number("+13175550200")),
                Some("5100"),
            ),
            desired_user("bob@acme.example", 10),
        ]);
        let mut bob = live_user("bob@acme.example");
        bob.phone.number = Some("317-555-0100".into());
        let mut live = live(vec![bob], vec![]);
        assert_eq!(
            check(&desired, &live),
            vec![],
            "pools not read: nothing to say"
        );
        live.telephony = Some(telephony());
        let found = check(&desired, &live);
        let summary: Vec<(String, String, u32)> = found
            .iter()
            .map(|f| {
                (
                    f.user.to_string(),
                    f.object.clone(),
                    f.source.as_ref().unwrap().line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("bob@acme.example".into(), "number 317-555-0100".into(), 10),
                ("jane@acme.example".into(), "number +13175550200".into(), 4),
                ("jane@acme.example".into(), "extension 5100".into(), 4),
            ]
        );
        assert!(
            found[0].message.contains("not E.164"),
            "{}",
            found[0].message
        );
        assert!(
            found[1].message.contains("declared number"),
            "{}",
            found[1].message
        );
        assert!(
            found
                .iter()
                .all(|f| f.problem.kind() == "numberOutsidePools")
        );
    }

    #[test]
    fn a_number_two_users_would_hold_is_found_for_the_declared_one() {
        let desired = desired(vec![
            with_phone(
                desired_user("jane@acme.example", 3),
                Some(number("+13175550101")),
                Some("4100"),
            ),
            with_phone(desired_user("joe@acme.example", 12), None, Some("4100")),
        ]);
        let mut other = live_user("other@acme.example");
        other.phone.number = Some("+13175550101".into());
        let mut gone = live_user("gone@acme.example");
        gone.state = UserState::Inactive;
        gone.phone.extension = Some("4100".into());
        let mut live = live(vec![other, gone], vec![]);
        live.telephony = Some(telephony());
        let found = check(&desired, &live);
        let problems: Vec<(String, Problem)> = found
            .iter()
            .map(|f| (f.user.to_string(), f.problem.clone()))
            .collect();
        assert_eq!(
            problems,
            vec![
                (
                    "jane@acme.example".into(),
                    Problem::SharedNumber {
                        value: "+13175550101".into(),
                        field: PhoneField::Number,
                        others: vec![email("other@acme.example")],
                    }
                ),
                (
                    "jane@acme.example".into(),
                    Problem::SharedNumber {
                        value: "4100".into(),
                        field: PhoneField::Extension,
                        others: vec![email("joe@acme.example")],
                    }
                ),
                (
                    "joe@acme.example".into(),
                    Problem::SharedNumber {
                        value: "4100".into(),
                        field: PhoneField::Extension,
                        others: vec![email("jane@acme.example")],
                    }
                ),
            ],
            "an inactive user holds nothing; an undeclared one is only named"
        );
    }

    #[test]
    fn a_declared_phone_replaces_the_live_one_and_a_pool_keeps_a_number_inside_it() {
        let mut jane = live_user("jane@acme.example");
        jane.phone.number = Some("+19995550100".into());
        let mut bob = live_user("bob@acme.example");
        bob.phone.number = Some("+13175550150".into());
        let desired = desired(vec![
            with_phone(
                desired_user("jane@acme.example", 3),
                Some(number("+13175550100")),
                None,
            ),
            with_phone(
                desired_user("bob@acme.example", 10),
                Some(NumberChoice::Pool("Indianapolis".into())),
                None,
            ),
        ]);
        let mut live = live(vec![jane, bob], vec![]);
        live.telephony = Some(telephony());
        assert_eq!(check(&desired, &live), vec![]);
    }

    #[test]
    fn inactive_users_are_not_checked() {
        let mut jane = with_phone(
            desired_user("jane@acme.example", 3),
            Some(number("+13175550200")),
            None,
        );
        jane.state = UserState::Inactive;
        jane.queues = Some(BTreeSet::from(["Billing".to_owned()]));
        let desired = desired(vec![jane]);
        let mut live = live(vec![], vec![queue("Billing", &[MediaType::Call], &[])]);
        live.telephony = Some(telephony());
        live.wfm = Some(wfm(&[]));
        assert_eq!(check(&desired, &live), vec![]);
    }

    fn expecting(mut user: DesiredUser, licence: &str) -> DesiredUser {
        user.licence = Some(ExpectedLicence {
            licence: licence.into(),
            profile: "Billing Agent".into(),
            source: Some(at(70)),
        });
        user.roles = Some(BTreeSet::from([RoleGrant {
            role: "Agent".into(),
            division: None,
        }]));
        user
    }

    fn licensed_org() -> LiveOrg {
        let mut jane = live_user("jane@acme.example");
        jane.grants = BTreeSet::from([
            LiveGrant {
                role: "Admin".into(),
                division: "Home".into(),
                origin: GrantOrigin::Direct,
            },
            LiveGrant {
                role: "Employee".into(),
                division: "Home".into(),
                origin: GrantOrigin::Group("Everyone".into()),
            },
        ]);
        let mut live = live(vec![jane], vec![]);
        live.licences = vec![
            LicenceDefinition {
                id: "cx2".into(),
                description: Some("CX 2".into()),
                comprises: Vec::new(),
            },
            LicenceDefinition {
                id: "cx3".into(),
                description: Some("CX 3".into()),
                comprises: vec!["cx2".into()],
            },
        ];
        for role in ["Agent", "Admin", "Employee"] {
            live.roles.insert(
                role.into(),
                LiveNamed {
                    id: format!("r-{role}"),
                    name: role.into(),
                },
            );
        }
        live
    }

    fn roles(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn role_sets_are_the_roles_after_apply_of_users_expecting_a_licence() {
        let desired = desired(vec![
            expecting(desired_user("jane@acme.example", 3), "CX 2"),
            desired_user("bob@acme.example", 9),
        ]);
        assert_eq!(
            role_sets_after_apply(&desired, &licensed_org()),
            BTreeSet::from([roles(&["Agent", "Employee"])]),
            "declared roles replace the direct Admin grant; the group's Employee stays"
        );
    }

    #[test]
    fn roles_implying_exactly_the_expected_licence_give_nothing() {
        let desired = desired(vec![expecting(
            desired_user("jane@acme.example", 3),
            "CX 2",
        )]);
        let lookup = LicenceLookup::from([(roles(&["Agent", "Employee"]), roles(&["cx2"]))]);
        assert_eq!(findings(&desired, &licensed_org(), &lookup), vec![]);
    }

    #[test]
    fn roles_implying_another_licence_are_a_mismatch_at_the_licence_line() {
        let desired = desired(vec![expecting(
            desired_user("jane@acme.example", 3),
            "CX 2",
        )]);
        let lookup = LicenceLookup::from([(roles(&["Agent", "Employee"]), roles(&["cx2", "cx3"]))]);
        let found = findings(&desired, &licensed_org(), &lookup);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].problem,
            Problem::LicenceMismatch {
                profile: "Billing Agent".into(),
                expected: "CX 2".into(),
                implied: vec!["cx2".into(), "cx3".into()],
            }
        );
        assert_eq!(found[0].source, Some(at(70)));
        assert_eq!(
            found[0].message,
            "routing profile `Billing Agent` expects licence `CX 2`, but the roles of \
             `jane@acme.example` (`Agent`, `Employee`) imply `CX 2`, `CX 3`"
        );
    }

    #[test]
    fn a_user_is_expected_at_its_highest_licence_the_ones_it_includes_do_not_count() {
        let desired = desired(vec![expecting(
            desired_user("jane@acme.example", 3),
            "CX 3",
        )]);
        // CX 3 includes CX 2: roles implying both bill CX 3, as the profile expects.
        let lookup = LicenceLookup::from([(roles(&["Agent", "Employee"]), roles(&["cx2", "cx3"]))]);
        assert_eq!(findings(&desired, &licensed_org(), &lookup), vec![]);
    }

    #[test]
    fn an_unknown_licence_name_says_which_the_org_defines_and_unlooked_sets_are_skipped() {
        let desired = desired(vec![expecting(
            desired_user("jane@acme.example", 3),
            "CX 9",
        )]);
        let lookup = LicenceLookup::from([(roles(&["Agent", "Employee"]), roles(&["cx2"]))]);
        let found = findings(&desired, &licensed_org(), &lookup);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].hint,
            "the org defines no licence `CX 9`: write one of `CX 2`, `CX 3` in `licence:`"
        );
        assert_eq!(
            findings(&desired, &licensed_org(), &LicenceLookup::new()),
            vec![]
        );
    }
}
