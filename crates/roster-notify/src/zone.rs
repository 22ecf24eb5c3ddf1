//! Time zones by IANA name, from the time zone database bundled into the binary (so a
//! machine without `/usr/share/zoneinfo` behaves like any other), with a suggestion when a
//! name is misspelt.

use jiff::tz::{self, TimeZone};

/// A time zone name the database does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone {name:?}{}", suggestion.as_ref().map(|s| format!("; did you mean {s:?}?")).unwrap_or_default())]
pub struct UnknownTimeZone {
    /// The name as written.
    pub name: String,
    /// The closest known name, when one is close enough to be a likely typo.
    pub suggestion: Option<String>,
}

/// The time zone named `name` (an IANA name such as `Europe/Berlin`, or `UTC`).
pub fn time_zone(name: &str) -> Result<TimeZone, UnknownTimeZone> {
    let database = tz::db();
    database.get(name).map_err(|_| {
        let names: Vec<String> = database.available().map(|name| name.to_string()).collect();
        UnknownTimeZone {
            name: name.to_owned(),
            suggestion: roster_model::closest(name, names.iter().map(String::as_str))
                .map(str::to_owned),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_resolve_and_typos_get_a_suggestion() {
        assert!(time_zone("America/Indiana/Indianapolis").is_ok());
        assert!(time_zone("UTC").is_ok());
        let error = time_zone("Europe/Berln").unwrap_err();
        assert_eq!(error.suggestion.as_deref(), Some("Europe/Berlin"));
        assert_eq!(
            error.to_string(),
            "unknown time zone \"Europe/Berln\"; did you mean \"Europe/Berlin\"?"
        );
        assert_eq!(time_zone("Mars/Olympus").unwrap_err().suggestion, None);
    }
}
