//! Which licences sets of roles imply, asked of the org (`POST /api/v2/license/infer`):
//! licences follow roles in Genesys (auto-licensing), so roster never assigns one; the plan
//! shows the licence impact of its role changes and `roster check` compares what a routing
//! profile expects. One request per distinct set of roles, never one per user.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use roster_genesys::GenesysError;
use roster_model::LiveOrg;

/// Role names → the licence ids the org says they imply.
pub type LicenceLookup = BTreeMap<BTreeSet<String>, BTreeSet<String>>;

/// An inference the org could not answer.
#[derive(Debug, thiserror::Error)]
#[error("cannot ask the org which licences roles {} imply", roles.join(", "))]
pub struct LicenceError {
    /// The roles asked about, by name.
    pub roles: Vec<String>,
    /// The failed request.
    #[source]
    pub source: GenesysError,
}

/// Fills a [`LicenceLookup`] for `sets` (role names) with `infer` (role ids → licence ids),
/// one call per set. A role the org does not have is left out of the request (the plan
/// reports it); a set of no known role implies no licence and costs no call.
///
/// # Errors
///
/// [`LicenceError`] when a request fails.
pub async fn lookup_licences<F, Fut>(
    live: &LiveOrg,
    sets: BTreeSet<BTreeSet<String>>,
    infer: F,
) -> Result<LicenceLookup, LicenceError>
where
    // A plain closure returning a future, not an `AsyncFn`: the future of an async closure
    // is not `Send` for every lifetime, which a spawned server task needs.
    F: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = Result<BTreeSet<String>, GenesysError>>,
{
    let mut lookup = LicenceLookup::new();
    for roles in sets {
        let ids: Vec<String> = roles
            .iter()
            .filter_map(|name| live.roles.get(name).map(|role| role.id.clone()))
            .collect();
        let implied = if ids.is_empty() {
            BTreeSet::new()
        } else {
            infer(ids).await.map_err(|source| LicenceError {
                roles: roles.iter().cloned().collect(),
                source,
            })?
        };
        lookup.insert(roles, implied);
    }
    Ok(lookup)
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
        let lookup = lookup_licences(&org(), sets, |ids: Vec<String>| {
            let answer = BTreeSet::from([format!("lic-{}", ids.len())]);
            asked.borrow_mut().push(ids);
            async move { Ok(answer) }
        })
        .await
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
}
