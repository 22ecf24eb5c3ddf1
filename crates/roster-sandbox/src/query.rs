//! Query-string parsing that accepts arrays both repeated (`id=a&id=b`) and comma-joined
//! (`id=a,b`), as the SDKs send the latter although the swagger declares the former.

use crate::error::ApiError;

/// A parsed query string, keeping the original order for building `*Uri` links.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (`None` = no query).
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs = match raw {
            None | Some("") => Vec::new(),
            Some(raw) => {
                serde_urlencoded::from_str::<Vec<(String, String)>>(raw).map_err(|error| {
                    ApiError::bad_request(format!("Malformed query string: {error}"))
                })?
            }
        };
        Ok(Self { pairs })
    }

    /// The last value of a single-valued parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// All values of an array parameter, repeated and/or comma-joined, empty items dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// A boolean parameter (`true`/`false`, case-insensitive).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(value) => Err(ApiError::invalid_value(
                name,
                format!(
                    "Value [{value}] is not valid for field type [boolean]. Allowable values are: true, false"
                ),
            )),
        }
    }

    /// A positive integer parameter.
    pub fn int(&self, name: &str) -> Result<Option<u64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => value.trim().parse::<u64>().map(Some).map_err(|_| {
                ApiError::invalid_value(
                    name,
                    format!("Value [{value}] is not valid for field type [integer]."),
                )
            }),
        }
    }

    /// The pairs except the named ones, for re-emitting filters in `*Uri` links.
    pub fn pairs_without<'a>(
        &'a self,
        skip: &'a [&str],
    ) -> impl Iterator<Item = &'a (String, String)> + 'a {
        self.pairs
            .iter()
            .filter(move |(key, _)| !skip.contains(&key.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_accept_repeated_and_comma_joined_forms() {
        let query = Query::parse(Some("id=a&id=b,c&expand=skills%2Clanguages")).expect("parses");
        assert_eq!(query.list("id"), ["a", "b", "c"]);
        assert_eq!(query.list("expand"), ["skills", "languages"]);
        assert!(query.list("missing").is_empty());
    }

    #[test]
    fn scalars_and_booleans() {
        let query = Query::parse(Some("pageSize=5&joined=TRUE&x=1&x=2")).expect("parses");
        assert_eq!(query.int("pageSize").expect("int"), Some(5));
        assert_eq!(query.bool("joined").expect("bool"), Some(true));
        assert_eq!(query.get("x"), Some("2"));
        assert!(
            Query::parse(Some("joined=yes"))
                .expect("parses")
                .bool("joined")
                .is_err()
        );
    }
}
