//! The snapshot reads what the sandbox holds, at exactly the documented cost.

use std::collections::BTreeMap;

use roster_genesys::{TOKEN_ENDPOINT, endpoint};
use roster_model::{LiveOrg, ReadNeeds, UserState};

use crate::support::{ORG, SEED, client, full_needs, sandbox, sandbox_counts, snapshot};

#[tokio::test]
async fn the_snapshot_is_what_the_sandbox_holds() {
    let sandbox = sandbox(SEED).await;
    let live = snapshot(&client(&sandbox).session(), &full_needs())
        .await
        .live;
    // Ids are the sandbox's deterministic seed ids, so they are part of the snapshot.
    insta::assert_json_snapshot!(live);
}

/// The read budget of the crate docs, per endpoint, for an org whose lists all fit one page.
fn budget(live: &LiveOrg, needs: &ReadNeeds) -> BTreeMap<String, u64> {
    let get = |path: &str| format!("GET {path}");
    let mut expected = BTreeMap::new();
    expected.insert(TOKEN_ENDPOINT.to_owned(), 1);
    for list in [
        endpoint::DIVISIONS,
        endpoint::ROLES,
        endpoint::SKILLS,
        endpoint::LANGUAGES,
        endpoint::WRAPUP_CODES,
        endpoint::QUEUES,
    ] {
        expected.insert(get(list), 1);
    }
    expected.insert(get(endpoint::TEAMS), live.teams.len() as u64 / 100 + 1);
    expected.insert(get(endpoint::USERS), 2);
    let members: u64 = live
        .queues
        .values()
        .filter(|q| needs.queue_members.contains(&q.name))
        .map(|q| q.members.as_ref().unwrap().len() as u64 / 100 + 1)
        .sum();
    expected.insert(get(endpoint::QUEUE_MEMBERS), members);
    let codes = live
        .queues
        .keys()
        .filter(|name| needs.queue_wrapup_codes.contains(name))
        .count();
    expected.insert(get(endpoint::QUEUE_WRAPUP_CODES), codes as u64);
    if needs.grants {
        expected.insert(get(endpoint::SUBJECT_GRANTS), live.roles.len() as u64);
    }
    let utilization = live
        .users
        .values()
        .filter(|u| needs.utilization.contains(&u.email, u.state))
        .count();
    expected.insert(get(endpoint::UTILIZATION), utilization as u64);
    expected.insert(
        get(endpoint::ORG_UTILIZATION),
        u64::from(!needs.utilization.is_empty()),
    );
    expected.retain(|_, count| *count > 0);
    expected
}

#[tokio::test]
async fn requests_per_endpoint_follow_the_read_budget_exactly() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let needs = full_needs();
    let live = snapshot(&session, &needs).await.live;
    let expected = budget(&live, &needs);
    assert_eq!(sandbox_counts(&sandbox, ORG), expected);
    assert_eq!(session.request_counts(), expected);
    assert_eq!(session.total_requests(), expected.values().sum::<u64>());
    insta::assert_debug_snapshot!(expected);
}

#[tokio::test]
async fn reading_everything_costs_one_snapshot_with_every_queue_and_every_selected_user() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let needs = ReadNeeds::everything(Some(UserState::Active));
    let live = snapshot(&session, &needs).await.live;
    assert!(
        live.queues
            .values()
            .all(|q| q.members.is_some() && q.wrapup_codes.is_some()),
        "every queue's members and codes are read"
    );
    for user in live.users.values() {
        assert_eq!(
            user.utilization.is_some(),
            user.state == UserState::Active,
            "{}: utilization is read for active users only",
            user.email
        );
    }
    let expected = budget(&live, &needs);
    assert_eq!(sandbox_counts(&sandbox, ORG), expected);
    insta::assert_debug_snapshot!(expected);
}

#[tokio::test]
async fn reads_beyond_the_org_wide_lists_cost_only_what_needs_ask() {
    let sandbox = sandbox(SEED).await;
    let session = client(&sandbox).session();
    let live = snapshot(&session, &ReadNeeds::default()).await.live;
    assert!(
        live.queues
            .values()
            .all(|q| q.members.is_none() && q.wrapup_codes.is_none())
    );
    assert!(
        live.users
            .values()
            .all(|u| u.utilization.is_none() && u.grants.is_empty())
    );
    insta::assert_debug_snapshot!(sandbox_counts(&sandbox, ORG), @r#"
    {
        "GET /api/v2/authorization/divisions": 1,
        "GET /api/v2/authorization/roles": 1,
        "GET /api/v2/routing/languages": 1,
        "GET /api/v2/routing/queues": 1,
        "GET /api/v2/routing/skills": 1,
        "GET /api/v2/routing/wrapupcodes": 1,
        "GET /api/v2/teams": 1,
        "GET /api/v2/users": 2,
        "POST /oauth/token": 1,
    }
    "#);
}
