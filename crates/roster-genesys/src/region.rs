//! Genesys Cloud regions (REFERENCE §2.2) and the API → login base derivation.
//!
//! An org is configured either by region name (`us-east-1`) or by an explicit `apiBase`. The
//! token host is derived the way the official SDKs do it: `api.` → `login.` in the host name,
//! and the same host when the base does not start with `api.` (the sandbox serves both on one
//! address).

use roster_model::REGIONS;
use url::Url;

/// Region lookups.
pub struct Region;

impl Region {
    /// The API base of a region given by its AWS name (`eu-central-1`), case-insensitively.
    pub fn from_name(name: &str) -> Option<Url> {
        let name = name.trim();
        REGIONS
            .iter()
            .find(|(region, _)| region.eq_ignore_ascii_case(name))
            .map(|(_, base)| Url::parse(base).expect("region table holds valid URLs"))
    }

    /// Every region name, for messages that list the choices.
    pub fn names() -> impl Iterator<Item = &'static str> {
        REGIONS.iter().map(|(name, _)| *name)
    }
}

/// The login (token) base for an API base: `api.<domain>` → `login.<domain>`, any other host
/// unchanged. Path, query and fragment are dropped: the token route is always `/oauth/token`.
pub fn login_base(api_base: &Url) -> Url {
    let mut login = api_base.clone();
    login.set_path("/");
    login.set_query(None);
    login.set_fragment(None);
    if let Some(rest) = api_base
        .host_str()
        .and_then(|host| host.strip_prefix("api."))
    {
        let host = format!("login.{rest}");
        // A host that parsed once still parses with its first label replaced.
        if login.set_host(Some(&host)).is_err() {
            return api_base.clone();
        }
    }
    login
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_region_resolves_and_derives_its_login_host() {
        let table: Vec<String> = REGIONS
            .iter()
            .map(|(name, _)| {
                let api = Region::from_name(name).unwrap();
                format!("{name} {api} {}", login_base(&api))
            })
            .collect();
        insta::assert_snapshot!(table.join("\n"));
    }

    #[test]
    fn region_names_are_case_insensitive_and_unknown_names_fail() {
        assert_eq!(
            Region::from_name(" EU-Central-1 ").unwrap().as_str(),
            "https://api.mypurecloud.de/"
        );
        assert!(Region::from_name("mars-north-1").is_none());
        assert_eq!(Region::names().count(), 18);
    }

    #[test]
    fn explicit_bases_keep_their_host_unless_it_starts_with_api() {
        let sandbox = Url::parse("http://127.0.0.1:4010/api/v2").unwrap();
        assert_eq!(login_base(&sandbox).as_str(), "http://127.0.0.1:4010/");
        let custom = Url::parse("https://api.inindca.com").unwrap();
        assert_eq!(login_base(&custom).as_str(), "https://login.inindca.com/");
        let other = Url::parse("https://genesys.proxy.example:8443/").unwrap();
        assert_eq!(
            login_base(&other).as_str(),
            "https://genesys.proxy.example:8443/"
        );
    }
}
