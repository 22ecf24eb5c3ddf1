//! [`Writer`]: the [`Tenant`] implementation, executing operations in one [`Session`] with its
//! own id table.

use parking_lot::Mutex;
use roster_model::{Kind, Operation, Receipt, Tenant};

use crate::client::OpTrace;
use crate::error::GenesysError;
use crate::ids::IdTable;
use crate::ops;
use crate::session::Session;

/// Executes operations against an org (the crate's `ops` module says what each sends and how
/// it stays idempotent), translating natural keys with its own [`IdTable`]: the one it was
/// built with ([`Session::writer`]), kept current by its writes (creates add ids, deletes
/// remove them, user writes record versions). Nothing else changes it: a snapshot read
/// meanwhile, by this session or another, returns its ids to its caller.
#[derive(Debug)]
pub struct Writer {
    session: Session,
    ids: Mutex<IdTable>,
}

impl Writer {
    pub(crate) fn new(session: Session, ids: IdTable) -> Self {
        Writer {
            session,
            ids: Mutex::new(ids),
        }
    }

    /// The session the writes are made (and counted) in.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The id of an object by kind and natural key (a user by email), as read or written.
    pub fn id_of(&self, kind: Kind, key: &str) -> Option<String> {
        self.ids.lock().get(kind, key).map(str::to_owned)
    }

    /// Every known translation as `org|kind|key → id`, sorted.
    pub fn translations(&self) -> Vec<(String, String)> {
        self.ids.lock().translations(self.session.client().org())
    }

    /// A copy of the id table as it is now.
    pub fn ids(&self) -> IdTable {
        self.ids.lock().clone()
    }

    /// The table itself, for the operations.
    pub(crate) fn id_table(&self) -> &Mutex<IdTable> {
        &self.ids
    }
}

impl Tenant for Writer {
    type Error = GenesysError;

    async fn execute(&self, operation: &Operation) -> Result<Receipt, GenesysError> {
        let trace = OpTrace::default();
        ops::execute(self, operation, &trace).await?;
        Ok(Receipt {
            correlation_id: trace.correlation_id(),
            requests: usize::try_from(trace.requests()).unwrap_or(usize::MAX),
            adopted: trace.adopted(),
        })
    }

    fn principal(&self) -> String {
        self.session.client().principal()
    }
}
