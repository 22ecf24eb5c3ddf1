//! Readiness: what a plan cannot express but stops agents from working as intended
//! (DESIGN §2.10, issue #17): queues an agent serves that no planning group of their
//! business unit covers, agents on queues in no management unit, numbers outside every pool
//! or held twice, and role grants implying another licence than the routing profile expects.
//!
//! [`check_org`] reads the org as `plan` does, plus planning groups, management units, pools
//! and licence definitions; asks Genesys which licences each distinct role set implies (only
//! for users whose profile expects one); then [`findings`] — a pure function — compares.
//! Nothing is written.

mod findings;
mod render;
mod report;

use std::collections::BTreeSet;
use std::future::Future;

use roster_genesys::GenesysError;
use roster_manifest::{OrgSpec, Workspace};
use roster_model::{LiveOrg, ReadNeeds};

pub use findings::{LicenceLookup, findings, not_checked, role_sets};
pub use render::{render_markdown, render_text};
pub use report::{
    CHECK_FORMAT, CheckReport, CheckSet, Finding, PhoneField, Problem, check_schema,
    check_schema_json,
};

use crate::orgs::{Access, read_org};
use crate::progress::ProgressSink;
use crate::session::ReadError;

/// Why an org could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// Reading the org failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Asking Genesys which licences a set of roles implies failed.
    #[error("cannot infer the licences of roles {}", roles.join(", "))]
    Licences {
        /// The roles asked about, by name.
        roles: Vec<String>,
        /// The failed request.
        #[source]
        source: GenesysError,
    },
}

/// How a check learns the licences a set of roles implies (`POST /api/v2/license/infer`,
/// one request per distinct role set). A trait so the lookup can be tested without an org,
/// and so the check does not depend on how the client spells the request.
pub trait LicenceInference {
    /// The licence ids the roles `role_ids` imply, asked through `session`; `Ok(None)` when
    /// this inference cannot answer at all (the licence check is then reported as not run).
    ///
    /// # Errors
    ///
    /// When the request fails.
    fn infer(
        &self,
        session: &roster_genesys::Session,
        role_ids: &[String],
    ) -> impl Future<Output = Result<Option<BTreeSet<String>>, GenesysError>> + Send;
}

/// An inference that cannot answer: the licence check is reported as not run. For builds
/// whose client cannot infer licences yet.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLicenceInference;

impl LicenceInference for NoLicenceInference {
    async fn infer(
        &self,
        _session: &roster_genesys::Session,
        _role_ids: &[String],
    ) -> Result<Option<BTreeSet<String>>, GenesysError> {
        Ok(None)
    }
}

/// What a check of `spec`'s manifests reads: what their plan reads, plus planning groups,
/// management units, pools and licence definitions.
pub fn check_needs(spec: &OrgSpec) -> ReadNeeds {
    let mut needs = ReadNeeds::for_desired(&spec.desired);
    needs.planning_groups = true;
    needs.wfm = true;
    needs.telephony = true;
    needs.licences = true;
    // Licences follow roles, those through groups too; every managed queue's members are
    // read already (`for_desired`).
    needs.grants = true;
    needs
}

/// Fills a [`LicenceLookup`] for `sets` (role names) with `infer` (role ids → licence ids,
/// `None` when it cannot answer), one call per set. A role the org does not have is left
/// out of the request (the plan reports it); a set of no known role implies no licence and
/// costs no call. `Ok(None)` when `infer` cannot answer.
///
/// # Errors
///
/// [`CheckError::Licences`] when a request fails.
pub async fn lookup_licences<F>(
    live: &LiveOrg,
    sets: BTreeSet<BTreeSet<String>>,
    infer: F,
) -> Result<Option<LicenceLookup>, CheckError>
where
    F: AsyncFn(&[String]) -> Result<Option<BTreeSet<String>>, GenesysError>,
{
    let mut lookup = LicenceLookup::new();
    for roles in sets {
        let ids: Vec<String> = roles
            .iter()
            .filter_map(|name| live.roles.get(name).map(|role| role.id.clone()))
            .collect();
        let implied = if ids.is_empty() {
            Some(BTreeSet::new())
        } else {
            infer(&ids).await.map_err(|source| CheckError::Licences {
                roles: roles.iter().cloned().collect(),
                source,
            })?
        };
        let Some(implied) = implied else {
            return Ok(None);
        };
        lookup.insert(roles, implied);
    }
    Ok(Some(lookup))
}

/// Checks one org's readiness: reads it (see [`check_needs`]), infers the licences of each
/// distinct role set that a `licence:` expectation needs, and reports [`findings`].
///
/// # Errors
///
/// When the org cannot be read, or a licence inference fails.
pub async fn check_org<I: LicenceInference>(
    workspace: &Workspace,
    spec: &OrgSpec,
    inference: &I,
    progress: &ProgressSink,
) -> Result<CheckReport, CheckError> {
    let org = read_org(workspace, spec, &check_needs(spec), Access::Read, progress).await?;
    let live = &org.snapshot.live;
    let sets = role_sets(&spec.desired, live);
    let mut unchecked = not_checked(live);
    let lookup = if sets.is_empty() {
        LicenceLookup::new()
    } else if let Some(lookup) = lookup_licences(live, sets, async |ids: &[String]| {
        inference.infer(org.session.genesys(), ids).await
    })
    .await?
    {
        lookup
    } else {
        unchecked
            .push("licences: this build cannot ask Genesys which licences roles imply".to_owned());
        LicenceLookup::new()
    };
    Ok(CheckReport {
        org: spec.name.clone(),
        findings: findings(&spec.desired, live, &lookup),
        not_checked: unchecked,
        requests: org.session.requests(),
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use roster_model::{LiveNamed, LiveOrg};

    use super::lookup_licences;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    fn org() -> LiveOrg {
        let mut live = LiveOrg::default();
        for role in ["Agent", "Admin"] {
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

    #[tokio::test]
    async fn each_role_set_is_inferred_once_by_its_known_role_ids() {
        let asked = RefCell::new(Vec::new());
        let sets = BTreeSet::from([
            names(&["Agent"]),
            names(&["Admin", "Agent", "Gone"]),
            names(&["Gone"]),
        ]);
        let lookup = lookup_licences(&org(), sets, async |ids: &[String]| {
            asked.borrow_mut().push(ids.to_vec());
            Ok(Some(BTreeSet::from([format!("lic-{}", ids.len())])))
        })
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            asked.into_inner(),
            vec![
                vec!["r-Admin".to_owned(), "r-Agent".to_owned()],
                vec!["r-Agent".to_owned()],
            ],
            "a role the org lacks is left out; a set of none costs no request"
        );
        assert_eq!(lookup[&names(&["Agent"])], names(&["lic-1"]));
        assert_eq!(
            lookup[&names(&["Admin", "Agent", "Gone"])],
            names(&["lic-2"])
        );
        assert_eq!(lookup[&names(&["Gone"])], BTreeSet::new());
    }

    #[tokio::test]
    async fn an_inference_that_cannot_answer_leaves_licences_unchecked() {
        let lookup = lookup_licences(
            &org(),
            BTreeSet::from([names(&["Agent"])]),
            async |_: &[String]| Ok(None),
        )
        .await
        .unwrap();
        assert_eq!(lookup, None);
    }
}
