//! Reading what users are entitled to beyond routing (issue #17): DID and extension pools and
//! the free numbers of the pools manifests allocate from, WFM business and management units
//! with their members and planning groups, and the org's licence definitions. Each is read
//! only when [`ReadNeeds`] asks, and never with a request per user: numbers and stations come
//! with the user listing, management-unit membership with one listing per unit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::{StreamExt, TryStreamExt};
use roster_model::{PhoneNumber, ReadNeeds};

use crate::client::OpTrace;
use crate::dto;
use crate::error::GenesysError;
use crate::normalize::{RawTelephony, RawWfm};
use crate::paging::page_numbered;
use crate::progress::{ProgressEvent, Stage};
use crate::session::Session;
use crate::snapshot::{Progress, SMALL_PAGE_SIZE, endpoint};

/// DID pools, extension pools and the unassigned numbers of the pools `needs.pool_numbers`
/// names (a named pool the org lacks is not read) and of the pools holding a number of
/// `needs.numbers`; `None` unless `needs.telephony`.
///
/// Telephony listings have no documented page-size maximum: 100, the common one, is used.
pub async fn read_telephony(
    session: &Session,
    needs: &ReadNeeds,
    op: &OpTrace,
) -> Result<Option<RawTelephony>, GenesysError> {
    if !needs.telephony {
        return Ok(None);
    }
    let quiet = |_: u64, _: u64| {};
    let (did_pools, extension_pools) = futures::try_join!(
        page_numbered::<dto::DidPool>(
            session,
            endpoint::DID_POOLS,
            endpoint::DID_POOLS,
            SMALL_PAGE_SIZE,
            op,
            &quiet,
        ),
        page_numbered::<dto::ExtensionPool>(
            session,
            endpoint::EXTENSION_POOLS,
            endpoint::EXTENSION_POOLS,
            SMALL_PAGE_SIZE,
            op,
            &quiet,
        ),
    )?;
    let wanted: Vec<String> = did_pools
        .iter()
        .filter(|pool| {
            needs.pool_numbers.contains(&pool.name) || holds_a_declared_number(pool, needs)
        })
        .map(|pool| pool.id.clone())
        .collect();
    let unassigned: HashMap<String, Vec<dto::DidNumber>> = futures::stream::iter(wanted)
        .map(|pool_id| async move {
            let numbers = unassigned_numbers(session, &pool_id, op).await?;
            Ok::<_, GenesysError>((pool_id, numbers))
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await?;
    Ok(Some(RawTelephony {
        did_pools,
        extension_pools,
        unassigned,
    }))
}

/// Whether `pool`'s range holds one of the numbers the manifests declare.
fn holds_a_declared_number(pool: &dto::DidPool, needs: &ReadNeeds) -> bool {
    let end = |raw: Option<&String>| raw.and_then(|n| PhoneNumber::parse(n).ok());
    let (Some(start), Some(last)) = (
        end(pool.start_phone_number.as_ref()),
        end(pool.end_phone_number.as_ref()),
    ) else {
        return false;
    };
    needs
        .numbers
        .iter()
        .any(|number| number.in_range(&start, &last))
}

/// One pool's unassigned numbers, every page.
async fn unassigned_numbers(
    session: &Session,
    pool_id: &str,
    op: &OpTrace,
) -> Result<Vec<dto::DidNumber>, GenesysError> {
    let path = format!(
        "{}?type=UNASSIGNED&id={}",
        endpoint::DID_POOL_NUMBERS,
        encode(pool_id)
    );
    let quiet = |_: u64, _: u64| {};
    page_numbered(
        session,
        endpoint::DID_POOL_NUMBERS,
        &path,
        SMALL_PAGE_SIZE,
        op,
        &quiet,
    )
    .await
}

/// Business units, management units and each management unit's members, and with
/// `needs.planning_groups` each business unit's planning groups; `None` unless `needs.wfm`
/// or `needs.planning_groups` (which reads the members too, see below).
///
/// Also `None` when the org answers the business-unit listing with 403 or 404 (an org
/// without WFM), or a member listing with 403 (an OAuth client without `wfm:agent:view` or
/// another of the permissions that operation accepts: the unit listings need none). Every
/// plan that may offboard someone reads units (to leave them), and such an org must still be
/// able to offboard: the plan then leaves units alone, and a manifest that names one is told
/// they were not read. Planning groups answered 403 are left unread the same way (`roster
/// check` says it could not check coverage).
pub async fn read_wfm(
    session: &Session,
    needs: &ReadNeeds,
    op: &OpTrace,
    progress: Progress<'_>,
) -> Result<Option<RawWfm>, GenesysError> {
    if !needs.wfm && !needs.planning_groups {
        return Ok(None);
    }
    let business_units = match session
        .get_json::<dto::Entities<dto::BusinessUnit>>(
            endpoint::BUSINESS_UNITS,
            endpoint::BUSINESS_UNITS,
            op,
        )
        .await
    {
        Err(error) if matches!(error.status(), Some(403 | 404)) => return Ok(None),
        other => other?,
    };
    let management_units = session
        .get_json::<dto::Entities<dto::ManagementUnit>>(
            endpoint::MANAGEMENT_UNITS,
            endpoint::MANAGEMENT_UNITS,
            op,
        )
        .await?;
    let (business_units, management_units) = (business_units.entities, management_units.entities);
    // Members are read whenever units are, so a read `LiveOrg::wfm` always comes with every
    // user's unit (a user in none is in none, not unread).
    let unit_ids: Vec<String> = management_units.iter().map(|u| u.id.clone()).collect();
    let business_unit_ids: Vec<String> = business_units.iter().map(|u| u.id.clone()).collect();
    let members = members_of_units(session, unit_ids, op, progress);
    let planning_groups = async {
        if !needs.planning_groups {
            return Ok(None);
        }
        match planning_groups(session, business_unit_ids, op).await {
            Err(error) if error.status() == Some(403) => Ok(None),
            other => other.map(Some),
        }
    };
    let (members, planning_groups) = futures::join!(members, planning_groups);
    let members = match members {
        Err(error) if error.status() == Some(403) => return Ok(None),
        other => other?,
    };
    let planning_groups = planning_groups?;
    Ok(Some(RawWfm {
        business_units,
        management_units,
        members,
        planning_groups,
    }))
}

/// The members of each management unit: one listing per unit.
async fn members_of_units(
    session: &Session,
    unit_ids: Vec<String>,
    op: &OpTrace,
    progress: Progress<'_>,
) -> Result<HashMap<String, Vec<dto::IdOnly>>, GenesysError> {
    let total = unit_ids.len() as u64;
    let done = AtomicU64::new(0);
    futures::stream::iter(unit_ids)
        .map(|unit_id| {
            let done = &done;
            async move {
                let members = unit_members(session, &unit_id, op).await?;
                let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                progress(ProgressEvent {
                    stage: Stage::ManagementUnits,
                    done: finished,
                    total,
                });
                Ok::<_, GenesysError>((unit_id, members))
            }
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await
}

/// One management unit's members (every member in one answer).
pub(crate) async fn unit_members(
    session: &Session,
    unit_id: &str,
    op: &OpTrace,
) -> Result<Vec<dto::IdOnly>, GenesysError> {
    let path = format!("/api/v2/workforcemanagement/managementunits/{unit_id}/users");
    let members: dto::Entities<dto::IdOnly> = session
        .get_json(endpoint::MANAGEMENT_UNIT_USERS, path, op)
        .await?;
    Ok(members.entities)
}

/// The planning groups of each business unit: one listing per unit.
async fn planning_groups(
    session: &Session,
    business_unit_ids: Vec<String>,
    op: &OpTrace,
) -> Result<HashMap<String, Vec<dto::PlanningGroup>>, GenesysError> {
    futures::stream::iter(business_unit_ids)
        .map(|unit_id| async move {
            let path =
                format!("/api/v2/workforcemanagement/businessunits/{unit_id}/planninggroups");
            let groups: dto::Entities<dto::PlanningGroup> = session
                .get_json(endpoint::PLANNING_GROUPS, path, op)
                .await?;
            Ok::<_, GenesysError>((unit_id, groups.entities))
        })
        .buffer_unordered(session.client().options().read_concurrency.max(1))
        .try_collect()
        .await
}

/// The org's licence definitions (one request: a bare array); empty unless `needs.licences`.
pub async fn read_licences(
    session: &Session,
    needs: &ReadNeeds,
    op: &OpTrace,
) -> Result<Vec<dto::LicenceDefinition>, GenesysError> {
    if !needs.licences {
        return Ok(Vec::new());
    }
    session
        .get_json(
            endpoint::LICENCE_DEFINITIONS,
            endpoint::LICENCE_DEFINITIONS,
            op,
        )
        .await
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
