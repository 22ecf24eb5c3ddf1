//! "Did you mean" suggestions for misspelled keys and names.

/// The candidate closest to `input`, if one is close enough to be a likely typo. The rule
/// lives in [`roster_model::closest`], which the planner uses too.
pub(crate) fn did_you_mean<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    roster_model::closest(input, candidates)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["name", "title", "department", "routingProfile"];
        assert_eq!(did_you_mean("titel", keys), Some("title"));
        assert_eq!(did_you_mean("routingprofile", keys), Some("routingProfile"));
        assert_eq!(did_you_mean("xyz", keys), None);
    }
}
