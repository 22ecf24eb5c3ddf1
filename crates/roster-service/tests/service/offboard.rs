//! Offboarding driven through the service alone, as the server will drive it for an HR
//! termination: the journal, the org and the manifests end as `roster offboard` leaves them.

use roster_model::Email;
use roster_service::offboard::{self, ManifestEdit, OffboardError, OffboardRequest};
use roster_service::silent;

use crate::support::{Copy, journal_lines};

const WORKSPACE: &str = "offboard/workspace";
const ORG: &str = "demo";
const QUITTER: &str = "quitter@off.example";
const AGENTS: &str = "people/agents.yaml";

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

fn request(emails: &[&str]) -> OffboardRequest {
    OffboardRequest {
        emails: emails.iter().map(|e| email(e)).collect(),
        reason: "terminated in the HR system".into(),
        event_id: Some("HR-4711".into()),
        ..OffboardRequest::default()
    }
}

#[tokio::test]
async fn an_offboarding_through_the_service_journals_strips_deactivates_and_edits() {
    let mut copy = Copy::of(WORKSPACE);
    let spec = &copy.workspace.orgs[ORG];
    let manifest_before = copy.read(AGENTS);
    let (report, edits) =
        offboard::offboard(&copy.workspace, spec, request(&[QUITTER]), true, &silent())
            .await
            .unwrap();
    assert!(report.is_success(), "{report:?}");
    assert!(report.already_inactive.is_empty());
    let summary = report.summary.unwrap();
    assert_eq!(summary.succeeded.len(), 8, "{summary}");

    let lines = copy.journal(ORG);
    let mut shown = journal_lines(&lines);
    // The two queue removals are independent: either may finish first.
    shown[2..4].sort_unstable();
    insta::assert_debug_snapshot!(shown, @r#"
    [
        "offboardingStarted quitter@off.example",
        "runStarted",
        "removeQueueMembers queue `Billing`: succeeded",
        "removeQueueMembers queue `Sales`: succeeded",
        "revokeRoles user `quitter@off.example`: succeeded",
        "removeUserSkills user `quitter@off.example`: succeeded",
        "removeUserLanguages user `quitter@off.example`: succeeded",
        "removeTeamMembers team `Tier 1`: succeeded",
        "revokeTokens user `quitter@off.example`: succeeded",
        "setUserState user `quitter@off.example`: succeeded",
        "runFinished",
    ]
    "#);
    let started = lines
        .iter()
        .find(|line| line["kind"] == "offboardingStarted")
        .unwrap();
    let data = &started["data"];
    assert_eq!(data["reason"], "terminated in the HR system");
    assert_eq!(data["eventId"], "HR-4711");
    assert_eq!(data["principal"], "oauth-client:roster-sandbox");
    let assignments = &data["assignments"];
    assert_eq!(assignments["user"], QUITTER);
    assert_eq!(assignments["state"], "active");
    assert_eq!(assignments["team"], "Tier 1");
    assert_eq!(assignments["queuesComplete"], true);
    assert!(assignments["grants"].is_array(), "grants were read");

    let [ManifestEdit::Edited { file, after, .. }] = edits.as_slice() else {
        panic!("one file edited: {edits:?}");
    };
    assert_eq!(file, AGENTS);
    assert_eq!(after, &copy.read(AGENTS));
    let added: Vec<&str> = after
        .lines()
        .filter(|line| !manifest_before.lines().any(|l| l == *line))
        .collect();
    assert_eq!(added, ["    state: inactive"]);

    // Again: already inactive in the org and in the manifests; nothing journaled.
    copy.reload();
    let spec = &copy.workspace.orgs[ORG];
    let journal_len = copy.journal(ORG).len();
    let (again, edits) =
        offboard::offboard(&copy.workspace, spec, request(&[QUITTER]), true, &silent())
            .await
            .unwrap();
    assert_eq!(again.already_inactive, [email(QUITTER)]);
    assert!(again.summary.is_none());
    assert!(matches!(
        edits.as_slice(),
        [ManifestEdit::AlreadyInactive { .. }]
    ));
    assert_eq!(copy.journal(ORG).len(), journal_len);
}

#[tokio::test]
async fn unknown_and_protected_users_are_refused_before_anything_is_written() {
    let copy = Copy::of(WORKSPACE);
    let spec = &copy.workspace.orgs[ORG];
    let unknown = offboard::offboard(
        &copy.workspace,
        spec,
        request(&["quiter@off.example"]),
        true,
        &silent(),
    )
    .await
    .unwrap_err();
    let OffboardError::UnknownUsers { unknown } = unknown else {
        panic!("{unknown:?}");
    };
    assert_eq!(
        unknown,
        [(email("quiter@off.example"), vec![email(QUITTER)])]
    );

    let protected = offboard::offboard(
        &copy.workspace,
        spec,
        request(&[QUITTER, "admin@off.example"]),
        true,
        &silent(),
    )
    .await
    .unwrap_err();
    let OffboardError::Protected { protected } = protected else {
        panic!("{protected:?}");
    };
    assert_eq!(protected.len(), 1);
    assert_eq!(protected[0].0, email("admin@off.example"));

    let blank = offboard::offboard(
        &copy.workspace,
        spec,
        OffboardRequest {
            reason: "  ".into(),
            ..request(&[QUITTER])
        },
        true,
        &silent(),
    )
    .await
    .unwrap_err();
    assert!(matches!(blank, OffboardError::NoReason), "{blank:?}");
    assert!(copy.journal(ORG).is_empty(), "nothing was journaled");
}

#[tokio::test]
async fn an_offboarding_over_the_limits_needs_its_digest_and_writes_nothing_without_it() {
    let copy = Copy::of(WORKSPACE);
    let spec = &copy.workspace.orgs[ORG];
    // Four of the six active users is over the fixture's `maxDeletePercent: 50`.
    let users = [
        "jane@off.example",
        QUITTER,
        "other1@off.example",
        "other2@off.example",
    ];
    let blocked = offboard::offboard(&copy.workspace, spec, request(&users), false, &silent())
        .await
        .unwrap_err();
    let OffboardError::Blocked { org, digest } = blocked else {
        panic!("{blocked:?}");
    };
    assert_eq!(org, ORG);
    assert!(copy.journal(ORG).is_empty(), "nothing was journaled");

    let acknowledged = OffboardRequest {
        allow_destructive: Some(digest.clone()),
        ..request(&users)
    };
    let (report, _) = offboard::offboard(&copy.workspace, spec, acknowledged, false, &silent())
        .await
        .unwrap();
    assert!(report.is_success(), "{report:?}");
    let lines = copy.journal(ORG);
    let started: Vec<&str> = lines
        .iter()
        .filter(|line| line["kind"] == "offboardingStarted")
        .map(|line| line["data"]["user"].as_str().unwrap())
        .collect();
    assert_eq!(started.len(), users.len(), "one picture per user");
    let first_run = lines
        .iter()
        .position(|line| line["kind"] == "runStarted")
        .unwrap();
    assert_eq!(
        first_run,
        users.len(),
        "every picture precedes the first write"
    );
    assert!(
        lines
            .iter()
            .all(|line| line["planDigest"] == digest.as_str())
    );
}
