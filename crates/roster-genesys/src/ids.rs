//! The natural-key → id translation of one org (DESIGN §2.1: `org|kind|key → uuid`).
//!
//! Built by a snapshot (part of the [`crate::Snapshot`] it returns) and handed to a
//! [`crate::Writer`], whose copy its writes keep current: creates add ids, deletes remove them,
//! user writes record the user's new `version`, and a write that moves the version without
//! answering it (a division move) marks it unknown.

use std::collections::HashMap;

use roster_model::{Email, Kind};

/// What roster knows of a user beyond its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserIds {
    /// Genesys id.
    pub id: String,
    /// Last known `version`; `None` once a write changed it without saying to what, so the
    /// next `PATCH` reads it first instead of sending a stale one and paying for a 409.
    pub version: Option<u64>,
    /// The id of the team the user was last seen in; team writes keep it current.
    pub team: Option<String>,
}

/// Ids by kind and natural key (users by email), for one org, with each user's last known
/// `version` and the home division. A value: cloning it copies it, and nothing shares it.
#[derive(Debug, Clone, Default)]
pub struct IdTable {
    ids: HashMap<(Kind, String), String>,
    users: HashMap<Email, UserIds>,
    home_division: Option<String>,
}

impl IdTable {
    /// The id of an object by kind and natural key; a user's key is its email (any case).
    pub fn get(&self, kind: Kind, key: &str) -> Option<&str> {
        if kind == Kind::User {
            return Email::parse(key)
                .ok()
                .and_then(|email| self.users.get(&email))
                .map(|user| user.id.as_str());
        }
        self.ids.get(&(kind, key.to_owned())).map(String::as_str)
    }

    /// Records an object's id.
    pub(crate) fn insert(&mut self, kind: Kind, key: &str, id: &str) {
        self.ids.insert((kind, key.to_owned()), id.to_owned());
    }

    /// Forgets an object.
    pub(crate) fn remove(&mut self, kind: Kind, key: &str) {
        self.ids.remove(&(kind, key.to_owned()));
    }

    /// A user's ids.
    pub(crate) fn user(&self, email: &Email) -> Option<&UserIds> {
        self.users.get(email)
    }

    /// Records a user's id, version and team.
    pub(crate) fn insert_user(&mut self, email: Email, id: &str, version: u64, team: Option<&str>) {
        self.users.insert(
            email,
            UserIds {
                id: id.to_owned(),
                version: Some(version),
                team: team.map(str::to_owned),
            },
        );
    }

    /// Records the team of known users (`None`: in no team).
    pub(crate) fn set_team<'e>(
        &mut self,
        emails: impl IntoIterator<Item = &'e Email>,
        team: Option<&str>,
    ) {
        for email in emails {
            if let Some(user) = self.users.get_mut(email) {
                user.team = team.map(str::to_owned);
            }
        }
    }

    /// Updates a known user's version.
    pub(crate) fn set_version(&mut self, email: &Email, version: u64) {
        if let Some(user) = self.users.get_mut(email) {
            user.version = Some(version);
        }
    }

    /// Marks a known user's version unknown: a write changed it and did not answer it.
    pub(crate) fn forget_version(&mut self, email: &Email) {
        if let Some(user) = self.users.get_mut(email) {
            user.version = None;
        }
    }

    /// The home division's id.
    pub(crate) fn home_division(&self) -> Option<&str> {
        self.home_division.as_deref()
    }

    /// Records the home division.
    pub(crate) fn set_home_division(&mut self, id: &str) {
        self.home_division = Some(id.to_owned());
    }

    /// Every translation as `org|kind|key → id`, sorted, for the journal and debugging.
    pub fn translations(&self, org: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .ids
            .iter()
            .map(|((kind, key), id)| (format!("{org}|{kind}|{key}"), id.clone()))
            .chain(
                self.users
                    .iter()
                    .map(|(email, user)| (format!("{org}|user|{email}"), user.id.clone())),
            )
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_translate_per_kind_and_users_by_email() {
        let mut table = IdTable::default();
        table.insert(Kind::Skill, "Billing", "s1");
        table.insert(Kind::Queue, "Billing", "q1");
        table.insert_user(Email::parse("Jane@Acme.example").unwrap(), "u1", 3, None);
        assert_eq!(table.get(Kind::Skill, "Billing"), Some("s1"));
        assert_eq!(table.get(Kind::Queue, "Billing"), Some("q1"));
        assert_eq!(table.get(Kind::User, "JANE@acme.example"), Some("u1"));
        table.set_version(&Email::parse("jane@acme.example").unwrap(), 4);
        assert_eq!(
            table
                .user(&Email::parse("jane@acme.example").unwrap())
                .map(|u| u.version),
            Some(Some(4))
        );
        table.forget_version(&Email::parse("jane@acme.example").unwrap());
        assert_eq!(
            table
                .user(&Email::parse("jane@acme.example").unwrap())
                .map(|u| u.version),
            Some(None)
        );
        // Forgetting an unknown user's version records nothing.
        table.forget_version(&Email::parse("nobody@acme.example").unwrap());
        assert!(
            table
                .user(&Email::parse("nobody@acme.example").unwrap())
                .is_none()
        );
        table.remove(Kind::Skill, "Billing");
        assert_eq!(table.get(Kind::Skill, "Billing"), None);
        insta::assert_debug_snapshot!(table.translations("prod"), @r#"
        [
            (
                "prod|queue|Billing",
                "q1",
            ),
            (
                "prod|user|jane@acme.example",
                "u1",
            ),
        ]
        "#);
    }
}
