//! Who a user is for the purpose of telling them something: their name, time zone and
//! manager from the manifests and the live org, and whether they can be addressed at all.

use std::collections::BTreeSet;

use roster_model::{DesiredOrg, Email, Kind, LiveOrg, UserState};
use roster_plan::{Action, Plan};

use super::Zones;
use crate::Recipient;

/// Users as the manifests and the org know them, and what a plan does to their accounts.
pub(super) struct Directory<'a> {
    desired: &'a DesiredOrg,
    live: &'a LiveOrg,
    zones: &'a Zones,
    /// Users the plan creates.
    created: BTreeSet<Email>,
    /// Inactive users the plan reactivates.
    reactivated: BTreeSet<Email>,
    /// Users the plan deactivates.
    deactivated: BTreeSet<Email>,
}

impl<'a> Directory<'a> {
    /// The users as they are, with no plan run.
    pub fn new(desired: &'a DesiredOrg, live: &'a LiveOrg, zones: &'a Zones) -> Self {
        Directory {
            desired,
            live,
            zones,
            created: BTreeSet::new(),
            reactivated: BTreeSet::new(),
            deactivated: BTreeSet::new(),
        }
    }

    /// The users as they are once `plan` has run.
    pub fn after(
        plan: &Plan,
        desired: &'a DesiredOrg,
        live: &'a LiveOrg,
        zones: &'a Zones,
    ) -> Self {
        let mut directory = Directory::new(desired, live, zones);
        for change in plan.changes.iter().filter(|c| c.kind == Kind::User) {
            let Ok(email) = Email::parse(&change.key) else {
                continue;
            };
            let set = match change.action {
                Action::Create => &mut directory.created,
                Action::Reactivate => &mut directory.reactivated,
                Action::Deactivate => &mut directory.deactivated,
                _ => continue,
            };
            set.insert(email);
        }
        directory
    }

    /// Whether the plan deactivates `email`.
    pub fn is_deactivated(&self, email: &Email) -> bool {
        self.deactivated.contains(email)
    }

    /// The user as a recipient, whether or not they can be addressed: the manifests' name,
    /// else the org's, else the email; their time zone by [`Zones::of`].
    pub fn recipient(&self, email: &Email) -> Recipient {
        let declared = self.desired.users.get(email);
        let live = self.live.users.get(email);
        let name = declared
            .map(|u| u.name.clone())
            .or_else(|| live.map(|u| u.name.clone()))
            .unwrap_or_else(|| email.to_string());
        let team = declared
            .and_then(|u| u.team.as_deref())
            .or_else(|| live.and_then(|u| u.team.as_deref()));
        Recipient {
            email: email.to_string(),
            name,
            timezone: self.zones.of(email, team),
        }
    }

    /// The user as a recipient when they are (or, after the plan, will be) an active user of
    /// the org; otherwise why not.
    pub fn addressable(&self, email: &Email) -> Result<Recipient, String> {
        if self.deactivated.contains(email) {
            return Err("deactivated by this plan".to_owned());
        }
        match self.live.users.get(email) {
            Some(user) if user.state == UserState::Active || self.reactivated.contains(email) => {
                Ok(self.recipient(email))
            }
            Some(_) => Err("inactive in the org".to_owned()),
            None if self.created.contains(email) => Ok(self.recipient(email)),
            None if self.desired.users.contains_key(email) => {
                Err("declared in the manifests but not yet a user in the org".to_owned())
            }
            None => Err("not a user in the org".to_owned()),
        }
    }

    /// Whether `email` is an active user of the org now (announcements go to these only).
    pub fn is_active_in_org(&self, email: &Email) -> bool {
        self.live
            .users
            .get(email)
            .is_some_and(|u| u.state == UserState::Active)
    }

    /// The user's manager: the manifests' when they declare one, else the org's.
    pub fn manager_of(&self, email: &Email) -> Option<Email> {
        self.desired
            .users
            .get(email)
            .and_then(|u| u.manager.clone())
            .or_else(|| self.live.users.get(email).and_then(|u| u.manager.clone()))
    }

    /// Live holders of any of `roles` (direct or inherited, in any division), active or
    /// not: [`Directory::addressable`] tells which can be told.
    pub fn role_holders(&self, roles: &BTreeSet<String>) -> BTreeSet<Email> {
        self.live
            .users
            .values()
            .filter(|u| u.grants.iter().any(|g| roles.contains(&g.role)))
            .map(|u| u.email.clone())
            .collect()
    }

    /// The names in `roles` the org has no role of.
    pub fn unknown_roles<'r>(&self, roles: &'r BTreeSet<String>) -> Vec<&'r String> {
        roles
            .iter()
            .filter(|r| !self.live.roles.contains_key(*r))
            .collect()
    }
}
