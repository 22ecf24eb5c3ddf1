//! Who hears about something: the people a plan affects and their managers and the org's
//! admins ([`change_audience`]), or the people an announcement's selector picks
//! ([`announcement_audience`]).
//!
//! Nobody is dropped silently: someone who should hear but cannot be addressed (a manager who
//! is not a user of the org, an inactive user, a user this very plan deactivates) is listed in
//! `undeliverable` with the reason, and a name the audience refers to that the org does not
//! have (an unknown admin role, queue or team) is listed in `unmatched`.
//!
//! Every list is sorted by email (then tier), so plans and tests are stable.

mod announcement;
mod change;
mod directory;
#[cfg(test)]
mod fixtures;
mod lines;

use std::collections::BTreeMap;

use roster_model::Email;

use crate::template::Contact;
use crate::{Recipient, Tier};

pub use announcement::{AnnouncementAudience, AudienceMember, announcement_audience};
pub use change::{AgentNotice, ChangeAudience, Digest, change_audience};

/// One line of what changes for a person (or, in an admin summary, for an object).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeLine {
    /// The object the plan changes, in words (``user `ana@example.com` ``, ``queue `Billing` ``).
    pub object: String,
    /// The field (`skills`, `queues`, `team`), with the item for collections
    /// (`skills: Billing`); empty for a whole object (an admin summary's `queue` creation).
    pub field: String,
    /// The value before, when there was one.
    pub from: Option<String>,
    /// The value after, when there is one.
    pub to: Option<String>,
    /// The change in one sentence for people (``Added to queue `Billing` ``).
    pub summary: String,
}

/// A person in a digest, with their own changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Who (their time zone is theirs, not the digest reader's).
    pub recipient: Recipient,
    /// What changes for them (empty for announcements).
    pub changes: Vec<ChangeLine>,
}

/// Someone who should hear but cannot be addressed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Undeliverable {
    /// Their email, as the manifests or the org name them.
    pub email: String,
    /// The tier they would have been told as.
    pub tier: Tier,
    /// Why they cannot be told (`inactive in the org`, `not a user in the org; manager of …`).
    pub reason: String,
}

/// The time zones the caller knows, by precedence: the user's own, their team's, the org's;
/// `UTC` when none is set. Names are IANA names, checked where they are declared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zones {
    /// The org's time zone.
    pub org: Option<String>,
    /// Users' own time zones, by email.
    pub users: BTreeMap<Email, String>,
    /// Teams' time zones, by team name.
    pub teams: BTreeMap<String, String>,
}

impl Zones {
    /// The time zone of the user `email` on team `team`: theirs, else the team's, else the
    /// org's, else `UTC`.
    pub fn of(&self, email: &Email, team: Option<&str>) -> String {
        self.users
            .get(email)
            .or_else(|| team.and_then(|team| self.teams.get(team)))
            .or(self.org.as_ref())
            .map_or_else(|| "UTC".to_owned(), Clone::clone)
    }
}

/// Sorts and deduplicates undeliverable entries: by email, then tier.
fn sorted(mut undeliverable: Vec<Undeliverable>) -> Vec<Undeliverable> {
    undeliverable.sort();
    undeliverable.dedup_by(|a, b| a.email == b.email && a.tier == b.tier);
    undeliverable
}

/// A manager as a template shows them.
fn contact(recipient: &Recipient) -> Contact {
    Contact {
        name: recipient.name.clone(),
        email: recipient.email.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audience::fixtures::email;

    #[test]
    fn a_time_zone_is_the_users_else_the_teams_else_the_orgs_else_utc() {
        let mut zones = Zones::default();
        let ana = email("ana@example.com");
        assert_eq!(zones.of(&ana, Some("Billing")), "UTC");
        zones.org = Some("America/New_York".to_owned());
        assert_eq!(zones.of(&ana, Some("Billing")), "America/New_York");
        zones
            .teams
            .insert("Billing".to_owned(), "Europe/Berlin".to_owned());
        assert_eq!(zones.of(&ana, Some("Billing")), "Europe/Berlin");
        assert_eq!(zones.of(&ana, None), "America/New_York");
        zones.users.insert(ana.clone(), "Asia/Tokyo".to_owned());
        assert_eq!(zones.of(&ana, Some("Billing")), "Asia/Tokyo");
    }
}
