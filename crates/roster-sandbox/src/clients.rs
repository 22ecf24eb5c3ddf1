//! OAuth clients beyond each org's first, and the permission knob of every client.
//!
//! A real org has any number of OAuth clients, each with a name; the audit trail names the
//! client behind every write (DESIGN §2.7), so the sandbox lets a test add clients
//! (`POST /__sandbox/orgs/{name}/clients`) and take permissions away from one
//! (`PUT /__sandbox/orgs/{name}/clients/{clientId}/permissions`), as an org whose client lacks
//! `audits:audit:view` does. The org's first client (the one it was created with) is named
//! after its client id, as `GET /api/v2/tokens/me` shows it.

use std::collections::{BTreeMap, BTreeSet};

use parking_lot::RwLock;

use crate::error::{ApiError, SandboxError};
use crate::secret::SecretHash;

/// The permission every Audit API operation needs (JAVA-AUDIT: "all: `audits:audit:view`").
pub const AUDIT_VIEW: &str = "audits:audit:view";

/// Listing a management unit's members needs any one of these (PY269
/// `getWorkforcemanagementManagementunitUsers`). The business-unit and management-unit
/// listings need none: a client without these reads the units but not who is in them.
pub const WFM_UNIT_MEMBERS_VIEW: &[&str] = &[
    "wfm:agent:view",
    "wfm:historicalAdherence:view",
    "wfm:publishedSchedule:view",
    "wfm:realtimeAdherence:view",
    "wfm:schedule:view",
    "wfm:staffingGroup:view",
    "wfm:timeOffRequest:view",
    "wfm:workPlanRotation:view",
    "wfm:workPlan:view",
];

/// Listing a business unit's planning groups needs any one of these (PY269
/// `getWorkforcemanagementBusinessunitPlanninggroups`).
pub const WFM_PLANNING_GROUPS_VIEW: &[&str] = &[
    "wfm:planningGroup:view",
    "wfm:shortTermForecast:view",
    "wfm:intraday:view",
    "wfm:agent:view",
    "wfm:schedule:view",
    "wfm:publishedSchedule:view",
];

/// Moving agents between management units (PY269 `postWorkforcemanagementAgents`).
pub const WFM_AGENT_EDIT: &str = "wfm:agent:edit";

/// A client added to an org after its creation.
#[derive(Debug, Clone)]
struct NamedClient {
    org: String,
    name: String,
    client_id: String,
    /// Kept as the org's own client secret is kept (`Org::client_secret`): a salted hash.
    client_secret: SecretHash,
}

/// Every added client, and the permissions taken from any client.
#[derive(Debug, Default)]
pub struct Clients {
    added: RwLock<Vec<NamedClient>>,
    /// Per client id, the permissions the client lacks.
    denied: RwLock<BTreeMap<String, BTreeSet<String>>>,
}

impl Clients {
    /// Adds a client to an org. `taken` says whether an org's own client has the id.
    pub fn add(
        &self,
        org: &str,
        name: &str,
        client_id: &str,
        client_secret: &str,
        taken: bool,
    ) -> Result<bool, SandboxError> {
        if name.trim().is_empty() || client_id.is_empty() || client_secret.is_empty() {
            return Err(SandboxError::OrgConflict(
                "name, clientId and clientSecret must not be empty".into(),
            ));
        }
        let mut added = self.added.write();
        if let Some(existing) = added.iter().find(|client| client.client_id == client_id) {
            if existing.org == org
                && existing.name == name
                && existing.client_secret.verify(client_secret)
            {
                return Ok(false);
            }
            return Err(SandboxError::OrgConflict(format!(
                "client id `{client_id}` belongs to org `{}`",
                existing.org
            )));
        }
        if taken {
            return Err(SandboxError::OrgConflict(format!(
                "client id `{client_id}` belongs to an org"
            )));
        }
        added.push(NamedClient {
            org: org.to_owned(),
            name: name.to_owned(),
            client_id: client_id.to_owned(),
            client_secret: SecretHash::new(client_secret),
        });
        Ok(true)
    }

    /// Whether an added client has this id.
    pub fn has(&self, client_id: &str) -> bool {
        self.added
            .read()
            .iter()
            .any(|client| client.client_id == client_id)
    }

    /// The org of an added client with these credentials.
    pub fn authenticate(&self, client_id: &str, client_secret: &str) -> Option<String> {
        self.added
            .read()
            .iter()
            .find(|client| {
                client.client_id == client_id && client.client_secret.verify(client_secret)
            })
            .map(|client| client.org.clone())
    }

    /// The name of a client: an added client's own, else its id (an org's first client).
    pub fn name_of(&self, client_id: &str) -> String {
        self.added
            .read()
            .iter()
            .find(|client| client.client_id == client_id)
            .map_or_else(|| client_id.to_owned(), |client| client.name.clone())
    }

    /// The added clients of an org: `(name, client id)`.
    pub fn of_org(&self, org: &str) -> Vec<(String, String)> {
        self.added
            .read()
            .iter()
            .filter(|client| client.org == org)
            .map(|client| (client.name.clone(), client.client_id.clone()))
            .collect()
    }

    /// Replaces the permissions a client lacks.
    pub fn set_denied(&self, client_id: &str, denied: BTreeSet<String>) {
        let mut all = self.denied.write();
        if denied.is_empty() {
            all.remove(client_id);
        } else {
            all.insert(client_id.to_owned(), denied);
        }
    }

    /// Whether a client holds a permission (every client holds all but those denied).
    pub fn permits(&self, client_id: &str, permission: &str) -> bool {
        self.denied
            .read()
            .get(client_id)
            .is_none_or(|denied| !denied.contains(permission))
    }

    /// `Ok` if the client holds the permission, else the API's 403.
    pub fn require(&self, client_id: &str, permission: &str) -> Result<(), ApiError> {
        self.require_any(client_id, &[permission])
    }

    /// 403 naming the permissions unless the client holds at least one of them (an
    /// operation whose permissions are "any of" a list).
    pub fn require_any(&self, client_id: &str, permissions: &[&str]) -> Result<(), ApiError> {
        if permissions.iter().any(|p| self.permits(client_id, p)) {
            Ok(())
        } else {
            Err(ApiError::missing_permissions(permissions))
        }
    }
}
