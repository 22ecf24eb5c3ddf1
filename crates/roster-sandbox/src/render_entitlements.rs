//! JSON shapes of the telephony, WFM and licence objects, field names exactly as the real
//! models (PY269 `DIDPool`, `DIDNumber`, `ExtensionPool`, `UserStations`,
//! `BusinessUnitListItem`, `PlanningGroup`, `ManagementUnit`, `LicenseDefinition`,
//! `UserLicenses`, `LicenseUser`). Absent values are omitted, never `null`. The shapes of
//! the other kinds are in [`crate::render`].

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::org::telephony::{DidRow, Holder};
use crate::render::user_uri;
use crate::store::{
    BusinessUnit, DidPool, ExtensionPool, LicenceDefinition, ManagementUnit, OrgState,
    PlanningGroup, Station,
};

/// Namespace of the ids of DID numbers, which the sandbox derives from the number.
const DID_NAMESPACE: Uuid = Uuid::from_u128(0x6d1f_3c2a_8e4b_4f0a_9c57_2b8e_1d40_7a13);

/// `selfUri` of a DID pool.
fn did_pool_uri(id: Uuid) -> String {
    format!("/api/v2/telephony/providers/edges/didpools/{id}")
}

/// `DIDPool`.
pub fn did_pool(pool: &DidPool) -> Value {
    json!({
        "id": pool.id,
        "name": pool.name,
        "state": "active",
        "version": 1,
        "startPhoneNumber": pool.start_phone_number,
        "endPhoneNumber": pool.end_phone_number,
        "provider": "PURE_CLOUD",
        "selfUri": did_pool_uri(pool.id),
    })
}

/// `ExtensionPool`.
pub fn extension_pool(pool: &ExtensionPool) -> Value {
    json!({
        "id": pool.id,
        "name": pool.name,
        "state": "active",
        "version": 1,
        "startNumber": pool.start_number,
        "endNumber": pool.end_number,
        "selfUri": format!("/api/v2/telephony/providers/edges/extensionpools/{}", pool.id),
    })
}

/// `DIDNumber`: `owner` and `ownerType` only when the number is held.
pub fn did_number(row: &DidRow<'_>) -> Value {
    let mut out = Map::new();
    out.insert(
        "id".into(),
        json!(Uuid::new_v5(&DID_NAMESPACE, row.number.as_bytes())),
    );
    out.insert("name".into(), json!(row.number));
    out.insert("number".into(), json!(row.number));
    out.insert("assigned".into(), json!(row.holder.is_some()));
    out.insert(
        "didPool".into(),
        json!({ "id": row.pool.id, "selfUri": did_pool_uri(row.pool.id) }),
    );
    match &row.holder {
        None => {}
        Some(Holder::User { id, name }) => {
            out.insert(
                "owner".into(),
                json!({ "id": id, "name": name, "selfUri": user_uri(*id) }),
            );
            out.insert("ownerType".into(), json!("USER"));
        }
        Some(Holder::Other(held)) => {
            out.insert(
                "owner".into(),
                json!({ "id": held.owner_id, "name": held.owner_name }),
            );
            out.insert("ownerType".into(), json!(held.owner_type));
        }
    }
    Value::Object(out)
}

/// `UserStations` of a user: `{}` without a station.
pub fn user_stations(station: Option<&Station>) -> Value {
    match station {
        None => json!({}),
        Some(station) => json!({
            "associatedStation": {
                "id": station.id,
                "name": station.name,
                "type": station.kind,
            },
        }),
    }
}

/// `DivisionReference`.
fn division_reference(id: Uuid) -> Value {
    json!({ "id": id, "selfUri": format!("/api/v2/authorization/divisions/{id}") })
}

/// `selfUri` of a business unit.
fn business_unit_uri(id: Uuid) -> String {
    format!("/api/v2/workforcemanagement/businessunits/{id}")
}

/// `BusinessUnitListItem` (the sandbox's business units are all visible to the caller).
pub fn business_unit(unit: &BusinessUnit) -> Value {
    json!({
        "id": unit.id,
        "name": unit.name,
        "authorized": true,
        "division": division_reference(unit.division_id),
        "selfUri": business_unit_uri(unit.id),
    })
}

/// `PlanningGroup` of a business unit.
pub fn planning_group(unit: &BusinessUnit, group: &PlanningGroup) -> Value {
    let route_paths: Vec<Value> = group
        .route_paths
        .iter()
        .map(|path| {
            let mut out = Map::new();
            out.insert(
                "queue".into(),
                json!({ "id": path.queue_id, "selfUri": format!("/api/v2/routing/queues/{}", path.queue_id) }),
            );
            out.insert("mediaType".into(), json!(path.media_type));
            if let Some(language) = path.language_id {
                out.insert(
                    "language".into(),
                    json!({ "id": language, "selfUri": format!("/api/v2/routing/languages/{language}") }),
                );
            }
            let skills: Vec<Value> = path
                .skill_ids
                .iter()
                .map(|id| json!({ "id": id, "selfUri": format!("/api/v2/routing/skills/{id}") }))
                .collect();
            out.insert("skills".into(), Value::Array(skills));
            Value::Object(out)
        })
        .collect();
    json!({
        "id": group.id,
        "name": group.name,
        "routePaths": route_paths,
        "metadata": { "version": group.version },
        "selfUri": format!("{}/planninggroups/{}", business_unit_uri(unit.id), group.id),
    })
}

/// `ManagementUnit` (its division is its business unit's).
pub fn management_unit(state: &OrgState, unit: &ManagementUnit) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(unit.id));
    out.insert("name".into(), json!(unit.name));
    out.insert(
        "businessUnit".into(),
        json!({ "id": unit.business_unit_id, "selfUri": business_unit_uri(unit.business_unit_id) }),
    );
    if let Some(business_unit) = state
        .wfm
        .business_units
        .iter()
        .find(|business_unit| business_unit.id == unit.business_unit_id)
    {
        out.insert(
            "division".into(),
            division_reference(business_unit.division_id),
        );
    }
    out.insert(
        "selfUri".into(),
        json!(format!(
            "/api/v2/workforcemanagement/managementunits/{}",
            unit.id
        )),
    );
    Value::Object(out)
}

/// `UserReference`.
pub fn user_reference(id: Uuid) -> Value {
    json!({ "id": id, "selfUri": user_uri(id) })
}

/// `LicenseDefinition`.
pub fn licence_definition(definition: &LicenceDefinition) -> Value {
    json!({
        "id": definition.id,
        "description": definition.description,
        "permissions": { "ids": definition.permissions },
        "prerequisites": [],
        "comprises": definition
            .comprises
            .iter()
            .map(|id| json!({ "id": id, "selfUri": format!("/api/v2/license/definitions/{id}") }))
            .collect::<Vec<_>>(),
        "selfUri": format!("/api/v2/license/definitions/{}", definition.id),
    })
}

/// `UserLicenses`: a user's licence ids.
pub fn user_licences(user_id: Uuid, licences: &BTreeSet<String>) -> Value {
    json!({
        "id": user_id,
        "licenses": licences,
        "selfUri": format!("/api/v2/license/users/{user_id}"),
    })
}

/// `LicenseUser`: a user's licences as definitions (ids without a definition are left
/// out; seeds only give defined licences).
pub fn licence_user(state: &OrgState, user_id: Uuid, licences: &BTreeSet<String>) -> Value {
    let definitions: Vec<Value> = licences
        .iter()
        .filter_map(|id| crate::org::licences::definition(state, id))
        .map(licence_definition)
        .collect();
    json!({
        "id": user_id,
        "licenses": definitions,
        "selfUri": format!("/api/v2/license/users/{user_id}"),
    })
}
