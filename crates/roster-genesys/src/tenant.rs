//! [`GenesysTenant`]: the [`Tenant`] implementation over a [`GenesysClient`].

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;
use roster_model::{Kind, LiveOrg, Operation, ReadNeeds, Receipt, Tenant};

use crate::client::{GenesysClient, OpTrace};
use crate::connection::OrgConnection;
use crate::error::GenesysError;
use crate::ids::IdTable;
use crate::progress::ProgressFn;
use crate::{normalize, ops, snapshot};

/// One Genesys Cloud org as a [`Tenant`]: snapshots and operations, with the org's
/// natural-key → id translation.
#[derive(Debug, Clone)]
pub struct GenesysTenant {
    client: GenesysClient,
    ids: Arc<Mutex<IdTable>>,
}

impl GenesysTenant {
    /// A tenant for the org; no request is made until the first call.
    pub fn new(connection: OrgConnection) -> Result<Self, GenesysError> {
        Ok(Self::from_client(GenesysClient::new(connection)?))
    }

    /// A tenant over an existing client.
    pub fn from_client(client: GenesysClient) -> Self {
        GenesysTenant {
            client,
            ids: Arc::new(Mutex::new(IdTable::default())),
        }
    }

    /// The underlying client.
    pub fn client(&self) -> &GenesysClient {
        &self.client
    }

    /// Requests made so far per endpoint template (see [`GenesysClient::request_counts`]).
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.client.request_counts()
    }

    /// All requests made so far.
    pub fn total_requests(&self) -> u64 {
        self.client.total_requests()
    }

    /// Installs a progress callback for long reads.
    pub fn set_progress(&self, progress: ProgressFn) {
        self.client.set_progress(progress);
    }

    /// The id of an object by kind and natural key, as last read or written.
    pub fn id_of(&self, kind: Kind, key: &str) -> Option<String> {
        self.ids.lock().get(kind, key).map(str::to_owned)
    }

    /// Every known translation as `org|kind|key → id`.
    pub fn translations(&self) -> Vec<(String, String)> {
        self.ids.lock().translations(self.client.org())
    }

    pub(crate) fn ids(&self) -> &Mutex<IdTable> {
        &self.ids
    }
}

impl Tenant for GenesysTenant {
    type Error = GenesysError;

    async fn snapshot(&self, needs: &ReadNeeds) -> Result<LiveOrg, GenesysError> {
        let raw = Box::pin(snapshot::read(&self.client, needs)).await?;
        let (live, ids) = normalize::build(&raw);
        *self.ids.lock() = ids;
        Ok(live)
    }

    async fn execute(&self, operation: &Operation) -> Result<Receipt, GenesysError> {
        let trace = OpTrace::default();
        ops::execute(self, operation, &trace).await?;
        Ok(Receipt {
            correlation_id: trace.correlation_id(),
            requests: trace.requests() as usize,
        })
    }

    fn principal(&self) -> String {
        format!("oauth-client:{}", self.client.client_id())
    }
}
