//! Reading an org: the requests a snapshot makes, run concurrently under the org's limiter.
//!
//! Five chains run at once so the rate budget stays busy: the small lists; queues then the
//! managed queues' members and wrap-up codes; roles then their subject grants; users (active
//! and inactive) then the utilization of the users that need it; and the entitlement estate
//! the needs ask for (pools and their free numbers, WFM units and their members, licence
//! definitions: [`crate::entitlements`]). Within a listing, pages after
//! the first are read in parallel once the page count is known.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt};
use roster_model::{Email, ReadNeeds};

use crate::client::OpTrace;
use crate::dto;
use crate::entitlements;
use crate::error::GenesysError;
use crate::normalize::RawOrg;
use crate::paging::{cursor, page_numbered, page_until_short};
use crate::progress::{ProgressEvent, Stage};
use crate::session::Session;

/// Items per page of the page-number lists (the documented maximum for users).
pub const PAGE_SIZE: u32 = 500;
/// Items per page of queue members ("Max value is 100").
pub const QUEUE_MEMBER_PAGE_SIZE: u32 = 100;
/// Items per page of queue wrap-up codes and teams.
pub const SMALL_PAGE_SIZE: u32 = 100;

/// The `expand` of the user listings: everything a user's assignments need, in one read.
/// `addresses` come with every user read, without an expand; `station` adds the associated
/// station.
pub const USER_EXPAND: &str = "skills,languages,team,groups,station";

/// Endpoint templates, as counted (and as the sandbox's stats name them).
pub mod endpoint {
    /// Divisions.
    pub const DIVISIONS: &str = "/api/v2/authorization/divisions";
    /// Roles.
    pub const ROLES: &str = "/api/v2/authorization/roles";
    /// Role subject grants.
    pub const SUBJECT_GRANTS: &str = "/api/v2/authorization/roles/{roleId}/subjectgrants";
    /// Skills.
    pub const SKILLS: &str = "/api/v2/routing/skills";
    /// Languages.
    pub const LANGUAGES: &str = "/api/v2/routing/languages";
    /// Wrap-up codes.
    pub const WRAPUP_CODES: &str = "/api/v2/routing/wrapupcodes";
    /// Queues.
    pub const QUEUES: &str = "/api/v2/routing/queues";
    /// Queue members.
    pub const QUEUE_MEMBERS: &str = "/api/v2/routing/queues/{queueId}/members";
    /// Queue wrap-up codes.
    pub const QUEUE_WRAPUP_CODES: &str = "/api/v2/routing/queues/{queueId}/wrapupcodes";
    /// Teams.
    pub const TEAMS: &str = "/api/v2/teams";
    /// Users.
    pub const USERS: &str = "/api/v2/users";
    /// One user (a targeted refresh).
    pub const USER: &str = "/api/v2/users/{userId}";
    /// One subject's grants (a targeted refresh of a user's grants).
    pub const SUBJECT: &str = "/api/v2/authorization/subjects/{subjectId}";
    /// User utilization.
    pub const UTILIZATION: &str = "/api/v2/routing/users/{userId}/utilization";
    /// Org-wide utilization defaults.
    pub const ORG_UTILIZATION: &str = "/api/v2/routing/utilization";
    /// DID pools.
    pub const DID_POOLS: &str = "/api/v2/telephony/providers/edges/didpools";
    /// Numbers of DID pools (`type` required: roster lists `UNASSIGNED` ones of one pool).
    pub const DID_POOL_NUMBERS: &str = "/api/v2/telephony/providers/edges/didpools/dids";
    /// Extension pools.
    pub const EXTENSION_POOLS: &str = "/api/v2/telephony/providers/edges/extensionpools";
    /// WFM business units.
    pub const BUSINESS_UNITS: &str = "/api/v2/workforcemanagement/businessunits";
    /// A business unit's planning groups.
    pub const PLANNING_GROUPS: &str =
        "/api/v2/workforcemanagement/businessunits/{businessUnitId}/planninggroups";
    /// WFM management units (paging deprecated: one call).
    pub const MANAGEMENT_UNITS: &str = "/api/v2/workforcemanagement/managementunits";
    /// A management unit's members (all in one call).
    pub const MANAGEMENT_UNIT_USERS: &str =
        "/api/v2/workforcemanagement/managementunits/{managementUnitId}/users";
    /// Licence definitions (a bare array).
    pub const LICENCE_DEFINITIONS: &str = "/api/v2/license/definitions";
    /// Licences inferred from role ids ([`crate::Session::infer_licences`]).
    pub const LICENCE_INFER: &str = "/api/v2/license/infer";
}

/// The progress callback of a read.
pub type Progress<'a> = &'a (dyn Fn(ProgressEvent) + Send + Sync);

/// Reads everything `needs` asks for, in `session`, telling `progress` how far it got.
pub async fn read(
    session: &Session,
    needs: &ReadNeeds,
    progress: Progress<'_>,
) -> Result<RawOrg, GenesysError> {
    let op = OpTrace::default();
    let op = &op;
    let lists_done = AtomicU64::new(0);
    let list_finished = || {
        let done = lists_done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(ProgressEvent {
            stage: Stage::Lists,
            done,
            total: 7,
        });
    };
    let quiet = |_: u64, _: u64| {};

    let small_lists = async {
        let (divisions, skills, languages, wrapup_codes, teams) = futures::try_join!(
            async {
                let v: Vec<dto::Division> = page_numbered(
                    session,
                    endpoint::DIVISIONS,
                    endpoint::DIVISIONS,
                    PAGE_SIZE,
                    op,
                    &quiet,
                )
                .await?;
                list_finished();
                Ok::<_, GenesysError>(v)
            },
            async {
                let v: Vec<dto::Named> = page_numbered(
                    session,
                    endpoint::SKILLS,
                    endpoint::SKILLS,
                    PAGE_SIZE,
                    op,
                    &quiet,
                )
                .await?;
                list_finished();
                Ok(v)
            },
            async {
                let v: Vec<dto::Named> = page_numbered(
                    session,
                    endpoint::LANGUAGES,
                    endpoint::LANGUAGES,
                    PAGE_SIZE,
                    op,
                    &quiet,
                )
                .await?;
                list_finished();
                Ok(v)
            },
            async {
                let v: Vec<dto::Named> = page_numbered(
                    session,
                    endpoint::WRAPUP_CODES,
                    endpoint::WRAPUP_CODES,
                    PAGE_SIZE,
                    op,
                    &quiet,
                )
                .await?;
                list_finished();
                Ok(v)
            },
            async {
                let path = format!("{}?pageSize={SMALL_PAGE_SIZE}", endpoint::TEAMS);
                let v: Vec<dto::Team> = cursor(session, endpoint::TEAMS, path, op).await?;
                list_finished();
                Ok(v)
            },
        )?;
        Ok::<_, GenesysError>((divisions, skills, languages, wrapup_codes, teams))
    };

    let queues_chain = async {
        let queues: Vec<dto::Queue> = page_numbered(
            session,
            endpoint::QUEUES,
            endpoint::QUEUES,
            PAGE_SIZE,
            op,
            &quiet,
        )
        .await?;
        list_finished();
        let (members, codes) = read_queues(session, &queues, needs, op, progress).await?;
        Ok::<_, GenesysError>((queues, members, codes))
    };

    let roles_chain = async {
        let path = format!("{}?userCount=false", endpoint::ROLES);
        let roles: Vec<dto::Named> =
            page_numbered(session, endpoint::ROLES, &path, PAGE_SIZE, op, &quiet).await?;
        list_finished();
        let grants = if needs.grants {
            Some(read_grants(session, &roles, op, progress).await?)
        } else {
            None
        };
        Ok::<_, GenesysError>((roles, grants))
    };

    let users_chain = async {
        let pages_done = AtomicU64::new(0);
        let pages_total = [AtomicU64::new(1), AtomicU64::new(1)];
        let report = |listing: usize, _done: u64, total: u64| {
            pages_total[listing].store(total, Ordering::Relaxed);
            let done = pages_done.fetch_add(1, Ordering::Relaxed) + 1;
            let total =
                pages_total[0].load(Ordering::Relaxed) + pages_total[1].load(Ordering::Relaxed);
            progress(ProgressEvent {
                stage: Stage::Users,
                done,
                total,
            });
        };
        let on_active = |done, total| report(0, done, total);
        let on_inactive = |done, total| report(1, done, total);
        let active = format!("{}?state=active&expand={USER_EXPAND}", endpoint::USERS);
        let inactive = format!("{}?state=inactive&expand={USER_EXPAND}", endpoint::USERS);
        let (mut users, inactive) = futures::try_join!(
            page_numbered::<dto::User>(
                session,
                endpoint::USERS,
                &active,
                PAGE_SIZE,
                op,
                &on_active
            ),
            page_numbered::<dto::User>(
                session,
                endpoint::USERS,
                &inactive,
                PAGE_SIZE,
                op,
                &on_inactive
            ),
        )?;
        users.extend(inactive);
        let (utilization, org_utilization) = if needs.utilization.is_empty() {
            (HashMap::new(), dto::OrgUtilization::default())
        } else {
            futures::try_join!(
                read_utilization(session, &users, needs, op, progress),
                session.get_json(endpoint::ORG_UTILIZATION, endpoint::ORG_UTILIZATION, op),
            )?
        };
        Ok::<_, GenesysError>((users, utilization, org_utilization))
    };

    let entitlements = async {
        futures::try_join!(
            entitlements::read_telephony(session, needs, op),
            entitlements::read_wfm(session, needs, op, progress),
            entitlements::read_licences(session, needs, op),
        )
    };

    let (
        (divisions, skills, languages, wrapup_codes, teams),
        (queues, queue_members, queue_wrapup_codes),
        (roles, grants),
        (users, utilization, org_utilization),
        (telephony, wfm, licences),
    ) = futures::try_join!(
        small_lists,
        queues_chain,
        roles_chain,
        users_chain,
        entitlements
    )?;

    Ok(RawOrg {
        divisions,
        roles,
        skills,
        languages,
        wrapup_codes,
        queues,
        teams,
        users,
        queue_members,
        queue_wrapup_codes,
        grants,
        utilization,
        org_utilization,
        telephony,
        wfm,
        licences,
    })
}

/// One managed queue's reads: its id, members and wrap-up codes.
type QueueRead = (
    String,
    Option<Vec<dto::QueueMember>>,
    Option<Vec<dto::Named>>,
);

type QueueReads = (
    HashMap<String, Vec<dto::QueueMember>>,
    HashMap<String, Vec<dto::Named>>,
);

/// Members and wrap-up codes of the queues `needs` selects, several queues at once.
async fn read_queues(
    session: &Session,
    queues: &[dto::Queue],
    needs: &ReadNeeds,
    op: &OpTrace,
    progress: Progress<'_>,
) -> Result<QueueReads, GenesysError> {
    // Owned items: stream closures over borrowed items trip the `Send` check of the caller.
    let wanted: Vec<(String, bool, bool)> = queues
        .iter()
        .map(|q| {
            let members = needs.queue_members.contains(&q.name);
            let codes = needs.queue_wrapup_codes.contains(&q.name);
            (q.id.clone(), members, codes)
        })
        .filter(|(_, members, codes)| *members || *codes)
        .collect();
    let total = wanted.len() as u64;
    let done = AtomicU64::new(0);
    let reads: Vec<QueueRead> = futures::stream::iter(wanted)
        .map(|(queue_id, read_members, read_codes)| {
            let done = &done;
            async move {
                let members = if read_members {
                    Some(queue_members(session, &queue_id, op).await?)
                } else {
                    None
                };
                let codes = if read_codes {
                    let path = format!("/api/v2/routing/queues/{queue_id}/wrapupcodes");
                    let quiet = |_: u64, _: u64| {};
                    Some(
                        page_numbered(
                            session,
                            endpoint::QUEUE_WRAPUP_CODES,
                            &path,
                            SMALL_PAGE_SIZE,
                            op,
                            &quiet,
                        )
                        .await?,
                    )
                } else {
                    None
                };
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(ProgressEvent {
                    stage: Stage::Queues,
                    done: finished,
                    total,
                });
                Ok::<_, GenesysError>((queue_id, members, codes))
            }
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await?;
    let mut members = HashMap::new();
    let mut codes = HashMap::new();
    for (id, queue_members, queue_codes) in reads {
        if let Some(list) = queue_members {
            members.insert(id.clone(), list);
        }
        if let Some(list) = queue_codes {
            codes.insert(id, list);
        }
    }
    Ok((members, codes))
}

/// Subject grants of every role: one listing per role, never one read per user.
async fn read_grants(
    session: &Session,
    roles: &[dto::Named],
    op: &OpTrace,
    progress: Progress<'_>,
) -> Result<Vec<(String, Vec<dto::SubjectGrants>)>, GenesysError> {
    let total = roles.len() as u64;
    let done = AtomicU64::new(0);
    let role_ids: Vec<String> = roles.iter().map(|r| r.id.clone()).collect();
    futures::stream::iter(role_ids)
        .map(|role_id| {
            let done = &done;
            async move {
                let path = format!("/api/v2/authorization/roles/{role_id}/subjectgrants");
                let quiet = |_: u64, _: u64| {};
                let subjects = page_numbered(
                    session,
                    endpoint::SUBJECT_GRANTS,
                    &path,
                    PAGE_SIZE,
                    op,
                    &quiet,
                )
                .await?;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(ProgressEvent {
                    stage: Stage::Grants,
                    done: finished,
                    total,
                });
                Ok::<_, GenesysError>((role_id, subjects))
            }
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await
}

/// Utilization of the users `needs` selects: the only per-user reads of a snapshot.
async fn read_utilization(
    session: &Session,
    users: &[dto::User],
    needs: &ReadNeeds,
    op: &OpTrace,
    progress: Progress<'_>,
) -> Result<HashMap<String, dto::AgentUtilization>, GenesysError> {
    if needs.utilization.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: Vec<String> = users
        .iter()
        .filter(|u| selects_utilization(needs, u))
        .map(|u| u.id.clone())
        .collect();
    let total = wanted.len() as u64;
    let done = AtomicU64::new(0);
    futures::stream::iter(wanted)
        .map(|id| {
            let done = &done;
            async move {
                let utilization = user_utilization(session, &id, op).await?;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(ProgressEvent {
                    stage: Stage::Utilization,
                    done: finished,
                    total,
                });
                Ok::<_, GenesysError>((id, utilization))
            }
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await
}

/// Whether `needs` selects `user`'s utilization (by email and state; a user without a usable
/// email is never selected).
pub fn selects_utilization(needs: &ReadNeeds, user: &dto::User) -> bool {
    let email = user.email.as_deref().and_then(|e| Email::parse(e).ok());
    email
        .zip(user.user_state())
        .is_some_and(|(email, state)| needs.utilization.contains(&email, state))
}

/// Every member of one queue, page after page (no totals: until a short page).
pub async fn queue_members(
    session: &Session,
    queue_id: &str,
    op: &OpTrace,
) -> Result<Vec<dto::QueueMember>, GenesysError> {
    let path = format!("/api/v2/routing/queues/{queue_id}/members");
    page_until_short(
        session,
        endpoint::QUEUE_MEMBERS,
        &path,
        QUEUE_MEMBER_PAGE_SIZE,
        op,
    )
    .await
}

/// One user's own utilization.
pub async fn user_utilization(
    session: &Session,
    user_id: &str,
    op: &OpTrace,
) -> Result<dto::AgentUtilization, GenesysError> {
    let path = format!("/api/v2/routing/users/{user_id}/utilization");
    session.get_json(endpoint::UTILIZATION, path, op).await
}
