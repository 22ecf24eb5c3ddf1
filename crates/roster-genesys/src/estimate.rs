//! What a snapshot will cost, stated before reading (issue #13): the crate's read-budget
//! formula (see the crate docs) evaluated with what is known before any request.
//!
//! Before reading, roster knows the manifests, not the org: how many users, roles, queue
//! members and pages the org has is unknown. So the estimate counts one page for every
//! list and selected queue or role (the least they can cost), pages of users for the users
//! the manifests declare, and one request per user selected by
//! [`ReadNeeds::utilization`]: the only per-user reads, because Genesys has no bulk read of
//! users' utilization. Entitlement reads count one page per pool listing and per pool
//! allocated from, the two WFM unit listings and one member listing per management unit the
//! manifests name, and the licence definitions. That last term is exact for the declared users the org has and
//! dominates large orgs; the rest is a floor.

use std::time::Duration;

use roster_model::{DesiredOrg, ReadNeeds, Selection, UserSelection, UserState};

use crate::snapshot::PAGE_SIZE;

/// Org-wide lists read one page at a time at least: divisions, roles, skills, languages,
/// wrap-up codes, queues, teams, and the active and inactive users.
const LIST_READS: u64 = 8;

/// What reading an org will cost, known before the first request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadEstimate {
    /// Requests that do not depend on the number of users: the token, one page per list and
    /// per selected queue and role at least, the pages of the declared users, and the org's
    /// utilization defaults. A floor: larger lists take more pages.
    pub base: u64,
    /// Per-user utilization reads: one for each declared user [`ReadNeeds::utilization`]
    /// selects (fewer when some are not in the org yet). `None` when it selects every user
    /// of the org (an export), whose number is unknown before reading.
    pub per_user: Option<u64>,
}

/// The entitlement reads `needs` asks for, at least: the two pool listings and one page of
/// free numbers per pool allocated from; the business- and management-unit listings, one
/// member listing per unit the manifests name (the org may have more) and, for planning
/// groups, one listing per business unit (one at least when a unit is named); the licence
/// definitions.
fn entitlements(needs: &ReadNeeds, desired: &DesiredOrg) -> u64 {
    let telephony = if needs.telephony {
        2 + needs.pool_numbers.len() as u64
    } else {
        0
    };
    let named_units = desired
        .users
        .values()
        .filter_map(|user| user.wfm.as_ref())
        .map(|wfm| wfm.management_unit.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    let wfm = if needs.wfm || needs.planning_groups {
        2 + named_units + u64::from(needs.planning_groups && named_units > 0)
    } else {
        0
    };
    telephony + wfm + u64::from(needs.licences)
}

impl ReadEstimate {
    /// The estimate of a snapshot that reads `needs`, for the manifests `desired`.
    pub fn new(needs: &ReadNeeds, desired: &DesiredOrg) -> Self {
        let (active, inactive) =
            desired
                .users
                .values()
                .fold((0u64, 0u64), |(active, inactive), user| match user.state {
                    UserState::Active => (active + 1, inactive),
                    UserState::Inactive => (active, inactive + 1),
                });
        let pages = |count: u64| count.div_ceil(u64::from(PAGE_SIZE)).max(1);
        // The lists cost one page each at least; users cost the pages of the declared ones.
        let lists = LIST_READS - 2 + pages(active) + pages(inactive);
        let queues = |selection: &Selection<String>| match selection {
            Selection::Named(names) => names.len() as u64,
            Selection::All => desired.queues.len() as u64,
        };
        let roles: u64 = if needs.grants {
            // Every role's subjects are read; the org has at least the roles users name.
            desired
                .users
                .values()
                .filter_map(|user| user.roles.as_ref())
                .flatten()
                .map(|grant| grant.role.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                .max(1) as u64
        } else {
            0
        };
        let per_user = match &needs.utilization {
            UserSelection::Named(emails) => Some(emails.len() as u64),
            UserSelection::All(_) => None,
        };
        let defaults = u64::from(!needs.utilization.is_empty());
        ReadEstimate {
            base: 1
                + lists
                + queues(&needs.queue_members)
                + queues(&needs.queue_wrapup_codes)
                + roles
                + defaults
                + entitlements(needs, desired),
            per_user,
        }
    }

    /// Every request counted: [`ReadEstimate::base`] plus the known per-user reads.
    pub fn requests(&self) -> u64 {
        self.base + self.per_user.unwrap_or(0)
    }

    /// How long the rate limit alone makes the read last, at `requests_per_minute` on each
    /// of `tokens` tokens: the limiter lets a full window's worth go at once, then one
    /// window's worth a minute. Network time comes on top.
    pub fn duration(&self, requests_per_minute: u32, tokens: u32) -> Duration {
        let per_window = u64::from(requests_per_minute.max(1)) * u64::from(tokens.max(1));
        let windows = self.requests().div_ceil(per_window).saturating_sub(1);
        Duration::from_secs(windows * 60)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use roster_model::{DesiredOrg, Email, ReadNeeds, Selection, UserSelection};

    use super::ReadEstimate;

    fn emails(count: usize) -> BTreeSet<Email> {
        (0..count)
            .map(|i| Email::parse(&format!("user{i}@acme.example")).unwrap())
            .collect()
    }

    #[test]
    fn an_org_without_needs_costs_its_lists() {
        let estimate = ReadEstimate::new(&ReadNeeds::default(), &DesiredOrg::default());
        // The token and the eight lists, one page each.
        assert_eq!(
            estimate,
            ReadEstimate {
                base: 9,
                per_user: Some(0)
            }
        );
        assert_eq!(estimate.duration(300, 1).as_secs(), 0);
    }

    #[test]
    fn utilization_costs_one_request_per_selected_user_and_the_defaults() {
        let needs = ReadNeeds {
            queue_members: ["Billing".to_owned(), "Sales".to_owned()]
                .into_iter()
                .collect(),
            queue_wrapup_codes: Selection::default(),
            utilization: UserSelection::Named(emails(20_000)),
            ..ReadNeeds::default()
        };
        let estimate = ReadEstimate::new(&needs, &DesiredOrg::default());
        // Token, 8 lists, 2 queues' members, the org's utilization defaults.
        assert_eq!(estimate.base, 1 + 8 + 2 + 1);
        assert_eq!(estimate.per_user, Some(20_000));
        assert_eq!(estimate.requests(), 20_012);
        // 20,012 requests at 600 a minute: 34 windows, the first one at once.
        assert_eq!(estimate.duration(300, 2).as_secs(), 33 * 60);
        assert_eq!(estimate.duration(6000, 20).as_secs(), 0);
    }

    #[test]
    fn entitlements_cost_their_listings_and_one_member_listing_per_named_unit() {
        use roster_model::{DesiredUser, DesiredWfm};
        let mut desired = DesiredOrg::default();
        let template: DesiredUser = serde_json::from_value(serde_json::json!({
            "email": "user0@acme.example",
            "name": "User",
            "state": "active",
            "reactivate": false,
        }))
        .unwrap();
        for (i, unit) in ["Indy", "Indy", "Austin"].into_iter().enumerate() {
            let mut user = template.clone();
            user.email = Email::parse(&format!("user{i}@acme.example")).unwrap();
            user.wfm = Some(DesiredWfm {
                management_unit: unit.to_owned(),
                source: None,
            });
            desired.users.insert(user.email.clone(), user);
        }
        let needs = ReadNeeds {
            telephony: true,
            pool_numbers: ["Indianapolis".to_owned()].into_iter().collect(),
            wfm: true,
            licences: true,
            ..ReadNeeds::default()
        };
        let plain = ReadEstimate::new(&ReadNeeds::default(), &desired).base;
        // Two pool listings and one pool's free numbers; business and management units and
        // the two named units' members; the licence definitions.
        assert_eq!(ReadEstimate::new(&needs, &desired).base, plain + 3 + 4 + 1);
        let planning = ReadNeeds {
            planning_groups: true,
            ..ReadNeeds::default()
        };
        assert_eq!(ReadEstimate::new(&planning, &desired).base, plain + 4 + 1);
    }

    #[test]
    fn every_user_selected_is_unknown_before_reading() {
        let estimate = ReadEstimate::new(&ReadNeeds::everything(None), &DesiredOrg::default());
        assert_eq!(estimate.per_user, None);
        // Token, 8 lists, one role at least, the utilization defaults.
        assert_eq!(estimate.requests(), 1 + 8 + 1 + 1);
    }
}
