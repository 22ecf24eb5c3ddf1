//! Whether an org answers, for `GET /readyz`: a token and one cheap request
//! (`GET /api/v2/tokens/me`), through the same connection code as every workflow.

use roster_genesys::ApiRequest;
use roster_manifest::{OrgSpec, Workspace};
use roster_service::OrgSession;

/// The endpoint asked.
const TOKENS_ME: &str = "/api/v2/tokens/me";

/// Connects to `spec`'s org and asks who the token is.
///
/// # Errors
///
/// What connecting or the request said, as text.
pub async fn reach(workspace: &Workspace, spec: &OrgSpec) -> Result<(), String> {
    let session = OrgSession::open(&workspace.root, spec)
        .await
        .map_err(|error| roster_service::error_chain(&error))?;
    session
        .genesys()
        .send(&ApiRequest::get(TOKENS_ME, TOKENS_ME))
        .await
        .map(|_| ())
        .map_err(|error| roster_service::error_chain(&error))
}
