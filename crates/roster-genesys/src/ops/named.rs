//! Skills, languages and wrap-up codes: objects with nothing but a name.

use roster_model::Kind;
use serde_json::json;

use super::{Create, Exec, path};
use crate::error::GenesysError;
use crate::snapshot::endpoint;

/// The routes of the kinds that have nothing but a name: `(collection, item template)`.
fn named_routes(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Skill => (endpoint::SKILLS, path::SKILL),
        Kind::Language => (endpoint::LANGUAGES, path::LANGUAGE),
        Kind::WrapupCode => (endpoint::WRAPUP_CODES, path::WRAPUP_CODE),
        other => unreachable!("{other} has more than a name; it has its own operations"),
    }
}

impl Exec<'_> {
    /// Creates a skill, language or wrap-up code (`{"name": ...}`), adopting an existing one.
    pub(super) async fn create_named(&self, kind: Kind, name: &str) -> Result<(), GenesysError> {
        let (collection, _) = named_routes(kind);
        self.create(Create {
            kind,
            name,
            template: collection,
            body: json!({ "name": name }),
        })
        .await
        .map(drop)
    }

    /// Deletes a skill, language or wrap-up code; already gone is success.
    pub(super) async fn delete_named(&self, kind: Kind, name: &str) -> Result<(), GenesysError> {
        let (collection, item) = named_routes(kind);
        self.delete(kind, name, item, collection).await
    }
}
