//! `roster notify` and `roster apply --notify` against a real SMTP server on 127.0.0.1 (the
//! `mailin` implementation `roster_notify::testing` wraps): the example's change notices reach
//! each affected person once and each manager in one digest, a re-run sends nothing, a server
//! refusing half the recipients trips the breaker and dead-letters them until a retry delivers
//! each exactly once, announcements keep to each person's window in three time zones under a
//! test clock, and the journal verifies and lists every delivery.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use roster_notify::testing::{Refusal, ScriptedResponse, SmtpOptions, SmtpServer, WebhookReceiver};
use serde_json::Value;

use crate::support::{Run, Workspace, run};

/// Inside every notice window of the example (09:00-17:00 in Chicago, New York and Berlin).
const INSIDE_WINDOWS: &str = "2026-12-10T15:30:00Z";

/// The example, its notices sent by mail to `smtp` instead of its file outbox, without its
/// announcement (which `notify send` would also send inside its window).
fn change_notices_only(smtp: &SmtpServer) -> Workspace {
    let workspace = example(smtp);
    std::fs::remove_file(workspace.root().join("orgs/demo/announcements.yaml")).unwrap();
    workspace
}

/// The example, its notices sent by mail to `smtp` instead of its file outbox.
fn example(smtp: &SmtpServer) -> Workspace {
    let workspace = Workspace::copy("examples/acme");
    let text = workspace.read("roster.yaml");
    let (before, _) = text
        .split_once("\nnotify:\n")
        .expect("the example configures notify");
    workspace.write(
        "roster.yaml",
        &format!(
            "{before}
notify:
  admins: {{ roles: [Admin] }}
  channels:
    email: {{ smtp: \"{}\", from: roster@acme.example, ratePerSecond: 200 }}
  notices: {{ channels: [email], window: \"09:00-17:00\" }}
  acknowledge: {{ url: \"http://127.0.0.1:9\", secret: {{ env: ROSTER_ACK_SECRET }} }}
",
            smtp.url()
        ),
    );
    // The announcement goes by mail too.
    let announcements = workspace
        .read("orgs/demo/announcements.yaml")
        .replace("channels: [outbox]", "channels: [email]");
    workspace.write("orgs/demo/announcements.yaml", &announcements);
    workspace
}

/// `roster SUBCOMMAND WORKSPACE ARGS...` (`roster notify ACTION WORKSPACE ARGS...` for
/// `notify`, whose folder follows the action) at the instant `now`.
fn at(workspace: &Workspace, now: &str, subcommand: &str, args: &[&str]) -> Run {
    let mut command = crate::support::roster();
    command.current_dir(workspace.root()).arg(subcommand);
    match (subcommand, args.split_first()) {
        ("notify", Some((action, rest))) => command.arg(action).arg(workspace.root()).args(rest),
        _ => command.arg(workspace.root()).args(args),
    };
    run(command
        .env("ROSTER_TESTING_NOW", now)
        .env("ROSTER_ACK_SECRET", "a test signing key"))
}

fn server(refusal: Option<Refusal>) -> SmtpServer {
    SmtpServer::start(SmtpOptions {
        refusal,
        ..SmtpOptions::default()
    })
    .expect("the SMTP server starts")
}

/// How many accepted messages each address received.
fn received(smtp: &SmtpServer) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for mail in smtp.messages() {
        for recipient in &mail.recipients {
            *counts.entry(recipient.clone()).or_insert(0) += 1;
        }
    }
    counts
}

/// `roster notify plan --plan FILE --format json`'s messages as (tier, recipient).
fn planned(workspace: &Workspace, plan: &str) -> Vec<(String, String)> {
    let shown = at(
        workspace,
        INSIDE_WINDOWS,
        "notify",
        &["plan", "--org", "demo", "--plan", plan, "--format", "json"],
    );
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let document: Value = serde_json::from_str(&shown.stdout).unwrap();
    document["orgs"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|message| {
            (
                message["tier"].as_str().unwrap().to_owned(),
                message["recipient"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The example's plan, saved; the users whose skills it changes and the managers it gives
/// users, read from the plan itself.
fn saved_plan(workspace: &Workspace) -> (String, BTreeSet<String>, BTreeMap<String, String>) {
    let path = workspace.root().join("plan.json");
    let path = path.to_str().unwrap().to_owned();
    let planned = workspace.roster("plan", &["--org", "demo", "--out", &path]);
    assert!(planned.code == 0 || planned.code == 2, "{}", planned.stderr);
    let plan: Value = serde_json::from_str(&workspace.read("plan.json")).unwrap();
    let changes = plan["orgs"][0]["changes"].as_array().unwrap();
    let new_managers = changes
        .iter()
        .filter(|change| change["kind"] == "user")
        .flat_map(|change| {
            change["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|field| field["field"] == "manager")
                .filter_map(move |field| {
                    Some((
                        change["key"].as_str()?.to_owned(),
                        field["new"].as_str()?.to_owned(),
                    ))
                })
        })
        .collect();
    let skills_changed = changes
        .iter()
        .filter(|change| {
            change["kind"] == "user"
                && change["action"]["type"] == "update"
                && change["fields"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|field| field["field"] == "skills")
        })
        .map(|change| change["key"].as_str().unwrap().to_owned())
        .collect();
    (path, skills_changed, new_managers)
}

/// The managers the seed org gives each user.
fn seed_managers() -> BTreeMap<String, String> {
    let seed =
        std::fs::read_to_string(crate::support::repo_path("examples/acme/sandbox/demo.yaml"))
            .unwrap();
    let seed: Value = serde_saphyr::from_str(&seed).unwrap();
    seed["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|user| {
            Some((
                user["email"].as_str()?.to_owned(),
                user["manager"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn apply_notify_mails_each_affected_user_once_and_each_manager_one_digest() {
    let smtp = server(None);
    let workspace = change_notices_only(&smtp);
    let (plan, skills_changed, new_managers) = saved_plan(&workspace);
    let planned = planned(&workspace, &plan);
    let agents: BTreeSet<&str> = planned
        .iter()
        .filter(|(tier, _)| tier == "agents")
        .map(|(_, email)| email.as_str())
        .collect();
    let supervisors: Vec<&str> = planned
        .iter()
        .filter(|(tier, _)| tier == "supervisors")
        .map(|(_, email)| email.as_str())
        .collect();
    // Independent of the audience code: every user whose skills the plan changes is told,
    // and every manager of a told user (the one the plan gives them, else the org's) gets
    // exactly one digest.
    assert!(!skills_changed.is_empty());
    for user in &skills_changed {
        assert!(agents.contains(user.as_str()), "{user} is not told");
    }
    let mut managers = seed_managers();
    managers.extend(new_managers);
    let expected_digests: BTreeSet<&str> = agents
        .iter()
        .filter_map(|agent| managers.get(*agent).map(String::as_str))
        .collect();
    let digests: BTreeSet<&str> = supervisors.iter().copied().collect();
    assert_eq!(digests.len(), supervisors.len(), "one digest per manager");
    assert!(
        expected_digests.is_subset(&digests),
        "{expected_digests:?} ⊄ {digests:?}"
    );

    let applied = at(
        &workspace,
        INSIDE_WINDOWS,
        "apply",
        &["--org", "demo", "--plan", &plan, "--notify"],
    );
    assert_eq!(applied.code, 0, "{}", applied.stderr);

    // Exactly one mail per planned message: a manager who is also affected gets their
    // notice and their digest, nobody gets anything twice.
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for (_, email) in &planned {
        *expected.entry(email.clone()).or_insert(0) += 1;
    }
    assert_eq!(received(&smtp), expected);
    let digest = smtp
        .messages()
        .into_iter()
        .find(|mail| mail.recipients.iter().any(|r| r == supervisors[0]))
        .unwrap();
    assert!(digest.text().contains("Subject:"), "{}", digest.text());

    // A re-run changes nothing and tells nobody; `notify send` finds nothing due.
    let again = at(
        &workspace,
        INSIDE_WINDOWS,
        "apply",
        &["--org", "demo", "--yes", "--notify"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let sent = at(&workspace, "2026-12-09T15:30:00Z", "notify", &["send"]);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    assert_eq!(received(&smtp), expected);

    // The journal verifies and lists every delivery.
    let journal = workspace.journal("demo");
    let journal = journal.to_str().unwrap();
    let verified = run(crate::support::roster().args(["journal", "verify", journal]));
    assert_eq!(verified.code, 0, "{}", verified.stderr);
    let shown = run(crate::support::roster().args(["journal", "show", journal]));
    let deliveries = shown
        .stdout
        .lines()
        .filter(|line| line.contains("noticeSent"))
        .count();
    assert_eq!(deliveries, planned.len(), "{}", shown.stdout);
}

#[test]
fn a_server_refusing_half_the_recipients_trips_the_breaker_then_a_retry_delivers_each_once() {
    let smtp = server(Some(Refusal::every_nth(
        2,
        550,
        "5.1.1 mailbox unavailable",
    )));
    let workspace = change_notices_only(&smtp);
    let (plan, _, _) = saved_plan(&workspace);
    let planned = planned(&workspace, &plan);
    assert!(
        planned.len() > 20,
        "enough sends for the breaker to judge: {}",
        planned.len()
    );

    let applied = at(
        &workspace,
        INSIDE_WINDOWS,
        "apply",
        &["--org", "demo", "--plan", &plan, "--notify"],
    );
    assert_eq!(
        applied.code, 1,
        "a failed notice fails the command: {}",
        applied.stderr
    );
    assert!(
        applied.stderr.contains("email: halted"),
        "{}",
        applied.stderr
    );

    let status = at(
        &workspace,
        INSIDE_WINDOWS,
        "notify",
        &["status", "--format", "json"],
    );
    assert_eq!(status.code, 0, "{}", status.stderr);
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    let dead = status["dead"].as_array().unwrap();
    let pending = status["pending"].as_array().unwrap();
    assert!(!dead.is_empty(), "the refused are dead-lettered");
    assert!(!pending.is_empty(), "the breaker held the rest: {status:#}");
    for row in dead {
        assert!(row["lastError"].as_str().unwrap().contains("550"), "{row}");
    }
    let accepted_before = smtp.messages().len();
    assert_eq!(
        accepted_before + dead.len() + pending.len(),
        planned.len(),
        "every message is sent, dead or pending: none lost"
    );

    // The server recovers; dead letters are queued again and everything goes, once.
    smtp.set_refusal(None);
    let retried = at(&workspace, INSIDE_WINDOWS, "notify", &["retry"]);
    assert_eq!(retried.code, 0, "{}", retried.stderr);
    let sent = at(&workspace, INSIDE_WINDOWS, "notify", &["send"]);
    assert_eq!(sent.code, 0, "{}", sent.stderr);
    let mut expected: BTreeMap<String, usize> = BTreeMap::new();
    for (_, email) in &planned {
        *expected.entry(email.clone()).or_insert(0) += 1;
    }
    assert_eq!(received(&smtp), expected, "each exactly once");
    let again = at(&workspace, INSIDE_WINDOWS, "notify", &["send"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        received(&smtp),
        expected,
        "a later send sends nothing again"
    );
}

#[test]
fn an_announcement_reaches_each_person_inside_their_window_in_three_time_zones() {
    let smtp = server(None);
    let workspace = example(&smtp);
    let name = "Billing moves to the new IVR";
    let shown = at(
        &workspace,
        "2026-12-09T12:00:00Z",
        "notify",
        &[
            "plan",
            "--org",
            "demo",
            "--announcement",
            name,
            "--format",
            "json",
        ],
    );
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let document: Value = serde_json::from_str(&shown.stdout).unwrap();
    let audience: BTreeMap<String, String> = document["orgs"][0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["recipient"].as_str().unwrap().to_owned(),
                m["timezone"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let zones: BTreeSet<&str> = audience.values().map(String::as_str).collect();
    assert_eq!(
        zones,
        BTreeSet::from(["America/Chicago", "America/New_York", "Europe/Berlin"])
    );

    // The window is 09:45-11:45 local from 2026-12-10 on. Before that date nobody hears it,
    // even inside the hours; then each instant reaches exactly those whose local time is in
    // the window, computed here independently.
    let window = (Time::constant(9, 45, 0, 0), Time::constant(11, 45, 0, 0));
    let mut told: BTreeSet<String> = BTreeSet::new();
    for now in [
        "2026-12-09T15:00:00Z", // New York 10:00, but the day before `after`
        "2026-12-10T09:00:00Z", // Berlin 10:00
        "2026-12-10T12:00:00Z", // nobody: Berlin 13:00, New York 07:00, Chicago 06:00
        "2026-12-10T15:00:00Z", // New York 10:00
        "2026-12-10T16:00:00Z", // Chicago 10:00, New York 11:00 (already told)
    ] {
        let instant: Timestamp = now.parse().unwrap();
        if now >= "2026-12-10" {
            for (email, zone) in &audience {
                let local = instant
                    .to_zoned_datetime(TimeZone::get(zone).unwrap())
                    .time();
                if window.0 <= local && local < window.1 {
                    told.insert(email.clone());
                }
            }
        }
        let sent = at(&workspace, now, "notify", &["send"]);
        assert_eq!(sent.code, 0, "{now}: {}", sent.stderr);
        let got = received(&smtp);
        assert!(got.values().all(|count| *count == 1), "{now}: {got:?}");
        let got: BTreeSet<String> = got.into_keys().collect();
        assert_eq!(got, told, "at {now}");
    }
    assert_eq!(told.len(), audience.len(), "everyone heard it by the end");

    // Nobody acknowledged within 72 hours: each of their managers (as the manifests have
    // them) gets one escalation digest naming their people, once, inside the announcement's
    // window in the manager's own zone (New York, Chicago, then Berlin the next morning).
    let before = smtp.messages().len();
    let outside = at(&workspace, "2026-12-14T12:00:00Z", "notify", &["send"]);
    assert_eq!(outside.code, 0, "{}", outside.stderr);
    assert_eq!(
        smtp.messages().len(),
        before,
        "queued, but outside every window"
    );
    for now in [
        "2026-12-14T15:00:00Z",
        "2026-12-14T16:00:00Z",
        "2026-12-15T09:00:00Z",
    ] {
        let escalated = at(&workspace, now, "notify", &["send"]);
        assert_eq!(escalated.code, 0, "{now}: {}", escalated.stderr);
    }
    let managers = manifest_managers(&workspace);
    let expected: BTreeSet<&str> = audience
        .keys()
        .filter_map(|email| managers.get(email).map(String::as_str))
        .collect();
    let digests = &smtp.messages()[before..];
    let recipients: Vec<&str> = digests
        .iter()
        .flat_map(|mail| mail.recipients.iter().map(String::as_str))
        .collect();
    assert_eq!(
        recipients.len(),
        expected.len(),
        "one digest each: {recipients:?}"
    );
    assert_eq!(recipients.into_iter().collect::<BTreeSet<_>>(), expected);
    for digest in digests {
        let text = digest.text();
        let people: Vec<&String> = audience
            .keys()
            .filter(|email| {
                managers
                    .get(*email)
                    .is_some_and(|m| digest.recipients.contains(m))
            })
            .collect();
        for person in people {
            assert!(
                text.contains(person.as_str()),
                "{person} missing from {text}"
            );
        }
    }
    let later = at(&workspace, "2026-12-16T16:00:00Z", "notify", &["send"]);
    assert_eq!(later.code, 0, "{}", later.stderr);
    assert_eq!(
        smtp.messages().len(),
        before + expected.len(),
        "escalated once"
    );
}

/// The managers the example's manifests give users.
fn manifest_managers(workspace: &Workspace) -> BTreeMap<String, String> {
    let mut managers = BTreeMap::new();
    for file in std::fs::read_dir(workspace.root().join("orgs/demo/users")).unwrap() {
        let text = std::fs::read_to_string(file.unwrap().path()).unwrap();
        let document: Value = serde_saphyr::from_str(&text).unwrap();
        for user in document["users"].as_array().unwrap() {
            if let (Some(email), Some(manager)) = (user["email"].as_str(), user["manager"].as_str())
            {
                managers.insert(email.to_owned(), manager.to_owned());
            }
        }
    }
    managers
}

#[test]
fn an_announcement_to_a_slack_webhook_honours_retry_after_and_posts_each_person_once() {
    let smtp = server(None);
    let workspace = example(&smtp);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let hook = runtime
        .block_on(WebhookReceiver::start(vec![
            ScriptedResponse::status(429).with_header("Retry-After", "30"),
        ]))
        .unwrap();
    let config = workspace.read("roster.yaml").replace(
        "  notices:",
        "    ops-chat: { webhook: { url: { env: E2E_HOOK_URL }, kind: slack }, ratePerSecond: 100 }\n  notices:",
    );
    workspace.write("roster.yaml", &config);
    // Any hour, through the chat channel.
    let announcements = workspace.read("orgs/demo/announcements.yaml").replace(
        "window: \"09:45-11:45\", channels: [email]",
        "channels: [ops-chat]",
    );
    workspace.write("orgs/demo/announcements.yaml", &announcements);

    let send = |now: &str| {
        let mut command = crate::support::roster();
        command
            .current_dir(workspace.root())
            .args(["notify", "send"])
            .arg(workspace.root())
            .env("ROSTER_TESTING_NOW", now)
            .env("ROSTER_ACK_SECRET", "a test signing key")
            .env("E2E_HOOK_URL", hook.url());
        run(&mut command)
    };
    let first = send("2026-12-10T15:00:00Z");
    assert_eq!(
        first.code, 1,
        "a failed post fails the run: {}",
        first.stderr
    );
    assert!(
        first.stderr.contains("1 failed (will retry)"),
        "{}",
        first.stderr
    );
    let after_first = hook.requests().len();
    let early = send("2026-12-10T15:00:10Z");
    assert_eq!(early.code, 0, "{}", early.stderr);
    assert_eq!(
        hook.requests().len(),
        after_first,
        "nothing again before Retry-After"
    );
    let later = send("2026-12-10T15:05:00Z");
    assert_eq!(later.code, 0, "{}", later.stderr);

    let requests = hook.requests();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for request in &requests {
        let key = request
            .header("Idempotency-Key")
            .expect("every post has its key");
        *keys.entry(key.to_owned()).or_insert(0) += 1;
        let body = request.json().unwrap();
        assert!(body["text"].as_str().unwrap().contains("new IVR"), "{body}");
    }
    // One post per person, plus the one answered 429 and posted again.
    assert_eq!(requests.len(), keys.len() + 1, "{keys:?}");
    assert_eq!(keys.values().filter(|count| **count == 2).count(), 1);
    let status = at(
        &workspace,
        "2026-12-10T15:05:00Z",
        "notify",
        &["status", "--format", "json"],
    );
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["counts"]["sent"], keys.len(), "{status:#}");
    assert_eq!(status["counts"]["pending"], 0, "{status:#}");
}

#[test]
fn with_the_smtp_server_down_the_breaker_halts_the_channel_and_every_notice_stays_queued() {
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp = server(None);
    let workspace = change_notices_only(&smtp);
    let config = workspace
        .read("roster.yaml")
        .replace(&smtp.url(), &format!("smtp://127.0.0.1:{port}"));
    workspace.write("roster.yaml", &config);
    let (plan, _, _) = saved_plan(&workspace);
    let planned = planned(&workspace, &plan);

    let applied = at(
        &workspace,
        INSIDE_WINDOWS,
        "apply",
        &["--org", "demo", "--plan", &plan, "--notify"],
    );
    assert_eq!(applied.code, 1, "{}", applied.stderr);
    assert!(
        applied.stderr.contains("email: halted"),
        "{}",
        applied.stderr
    );
    let status = at(
        &workspace,
        INSIDE_WINDOWS,
        "notify",
        &["status", "--format", "json"],
    );
    let status: Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["counts"]["sent"], 0, "{status:#}");
    assert_eq!(
        status["counts"]["dead"], 0,
        "a refused connection is not a refusal"
    );
    assert_eq!(
        status["pending"].as_array().unwrap().len(),
        planned.len(),
        "every notice stays queued: {status:#}"
    );
    assert!(smtp.messages().is_empty());
}
