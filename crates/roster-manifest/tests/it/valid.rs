//! A valid workspace compiles to the expected desired state per org.

use roster_manifest::{Target, load_workspace};

use crate::fixtures;

#[test]
fn small_workspace_compiles_profiles_into_users() {
    let root = fixtures().join("valid/small");
    let loaded = load_workspace(&root);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.expect("no errors");
    assert_eq!(workspace.files, 7);
    let prod = &workspace.orgs["prod-us"];
    assert_eq!(prod.target, Target::Region("us-east-1".into()));
    assert_eq!(prod.rate_limit.requests_per_minute, 600);
    assert_eq!(
        prod.credentials
            .as_ref()
            .and_then(|c| c.client_secret.env()),
        Some("ROSTER_PROD_US_CLIENT_SECRET")
    );
    let demo = &workspace.orgs["demo"];
    match &demo.target {
        Target::Sandbox { seed: Some(seed) } => {
            assert!(seed.is_absolute() && seed.ends_with("sandbox/demo.yaml"));
        }
        other => panic!("demo should be a sandbox, not {other:?}"),
    }
    assert_eq!(demo.credentials, None);
    insta::assert_json_snapshot!("prod-us", prod.desired);
    insta::assert_json_snapshot!("demo-policy", demo.desired.policy);
}

#[test]
fn the_acme_example_validates() {
    let root = fixtures().join("../../../examples/acme");
    let loaded = load_workspace(&root);
    let rendered: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    assert!(loaded.workspace.is_some(), "{}", rendered.join("\n"));
}

/// `sandbox: {}` is an empty emulated org (issue #13): no seed, no credentials needed, no
/// diagnostic, and nothing declared.
#[test]
fn a_sandbox_without_a_seed_loads_as_an_empty_org() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n",
    )
    .unwrap();
    let loaded = load_workspace(dir.path());
    let rendered: String = loaded
        .diagnostics
        .iter()
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    insta::assert_snapshot!(rendered, @"");
    let workspace = loaded.workspace.expect("no errors");
    let demo = &workspace.orgs["demo"];
    assert_eq!(demo.target, Target::Sandbox { seed: None });
    assert_eq!(demo.credentials, None);
    assert!(demo.desired.users.is_empty() && demo.desired.skills.is_empty());
}

/// `read: { skip: [utilization] }` at the top applies to every org; an org's own `read`
/// replaces it. A skipping org's users manage no utilization (nothing to read per user).
#[test]
fn read_skip_leaves_utilization_unmanaged_where_it_applies() {
    let dir = tempfile::tempdir().unwrap();
    let acme = fixtures().join("../../../examples/acme");
    let roster = std::fs::read_to_string(acme.join("roster.yaml"))
        .unwrap()
        .replace(
            "    include: [base, orgs/demo]\n",
            "    include: [base, orgs/demo]\n    read: { skip: [] }\n",
        )
        .replace(
            "policy:\n  # Live",
            "read: { skip: [utilization] }\npolicy:\n  # Live",
        );
    copy(&acme, dir.path());
    std::fs::write(dir.path().join("roster.yaml"), roster).unwrap();
    let loaded = load_workspace(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.unwrap();
    let managed = |org: &str| {
        workspace.orgs[org]
            .desired
            .users
            .values()
            .filter(|user| user.utilization.is_some())
            .count()
    };
    assert!(workspace.orgs["prod-us"].skip_utilization);
    assert_eq!(managed("prod-us"), 0);
    assert!(!workspace.orgs["demo"].skip_utilization);
    assert!(
        managed("demo") > 0,
        "the org's `read` replaces the top-level one"
    );
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `serve:` resolves to the server's configuration: defaults filled in, the database under
/// the workspace root, secrets kept as references (never read at load time: the variables
/// named here are not set).
#[test]
fn serve_settings_resolve_with_defaults_and_references() {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use roster_manifest::{
        DriftSchedule, EventPointers, GitFollow, HookConfig, HookVerify, HrAction, Remediate,
        SecretRef, ServeConfig,
    };

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\nserve:\n  token: { env: ROSTER_TEST_UNSET_TOKEN }\n  hooks:\n    workday:\n      org: demo\n      verify: standard-webhooks\n      secret: { env: ROSTER_TEST_UNSET_HR }\n      event: { id: /id, kind: /type, email: /data/email, effective: /data/terminationDate }\n      kinds: { user.terminated: terminate, user.suspended: suspend, user.rehired: rehire }\n    github:\n      org: demo\n      verify: hmac-sha256\n      secret: { file: secrets/gh }\n      prefix: \"sha256=\"\n      event: { id: /id, kind: /action, email: /email }\n      kinds: { deleted: terminate }\n    okta:\n      org: demo\n      verify: basic\n      user: okta\n      password: { env: ROSTER_TEST_UNSET_PASSWORD }\n      event: { id: /id, kind: /type, email: /email }\n      kinds: { user.deactivated: terminate }\n  drift: { every: 1h }\n  git: { push: true }\n",
    )
    .unwrap();
    let loaded = load_workspace(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let serve = loaded.workspace.expect("no errors").serve.expect("serve:");
    let pointers = |kind: &str| EventPointers {
        id: "/id".into(),
        kind: kind.into(),
        email: "/email".into(),
        effective: None,
    };
    let expected = ServeConfig {
        listen: "127.0.0.1:8080".parse().unwrap(),
        database: dir.path().join(".roster/serve.db"),
        token: Some(SecretRef::Env("ROSTER_TEST_UNSET_TOKEN".into())),
        max_attempts: 8,
        hooks: BTreeMap::from([
            (
                "github".to_owned(),
                HookConfig {
                    org: "demo".into(),
                    verify: HookVerify::HmacSha256 {
                        header: "X-Hub-Signature-256".into(),
                        prefix: "sha256=".into(),
                        secret: SecretRef::File(
                            std::path::absolute(dir.path().join("secrets/gh")).unwrap(),
                        ),
                    },
                    event: pointers("/action"),
                    kinds: BTreeMap::from([("deleted".to_owned(), HrAction::Terminate)]),
                },
            ),
            (
                "okta".to_owned(),
                HookConfig {
                    org: "demo".into(),
                    verify: HookVerify::Basic {
                        user: "okta".into(),
                        password: SecretRef::Env("ROSTER_TEST_UNSET_PASSWORD".into()),
                    },
                    event: pointers("/type"),
                    kinds: BTreeMap::from([("user.deactivated".to_owned(), HrAction::Terminate)]),
                },
            ),
            (
                "workday".to_owned(),
                HookConfig {
                    org: "demo".into(),
                    verify: HookVerify::StandardWebhooks {
                        secret: SecretRef::Env("ROSTER_TEST_UNSET_HR".into()),
                    },
                    event: EventPointers {
                        id: "/id".into(),
                        kind: "/type".into(),
                        email: "/data/email".into(),
                        effective: Some("/data/terminationDate".into()),
                    },
                    kinds: BTreeMap::from([
                        ("user.rehired".to_owned(), HrAction::Rehire),
                        ("user.suspended".to_owned(), HrAction::Suspend),
                        ("user.terminated".to_owned(), HrAction::Terminate),
                    ]),
                },
            ),
        ]),
        drift: Some(DriftSchedule {
            every: Duration::from_hours(1),
            remediate: Remediate::Report,
        }),
        git: Some(GitFollow {
            branch: "roster/hr/{event}".into(),
            push: true,
            remote: "origin".into(),
        }),
    };
    assert_eq!(serve, expected);
}

/// Without `serve:` the workspace has no server configuration.
#[test]
fn no_serve_key_means_no_server_configuration() {
    let loaded = load_workspace(&fixtures().join("valid/small"));
    assert_eq!(loaded.workspace.expect("no errors").serve, None);
}

/// A user manifest that sets a field `policy.ownedElsewhere` gives to the identity provider
/// is warned about at the user, naming the fields; `name` never is.
#[test]
fn fields_owned_elsewhere_set_in_a_manifest_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n    include: [users.yaml]\npolicy:\n  ownedElsewhere: [name, title, state]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("users.yaml"),
        "users:\n  - { email: ann@acme.example, name: Ann, title: Lead, department: Billing }\n  - { email: bob@acme.example, name: Bob }\n",
    )
    .unwrap();
    let loaded = load_workspace(dir.path());
    assert_eq!(loaded.error_count(), 0, "{:#?}", loaded.diagnostics);
    let warnings: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| d.render(&loaded.sources, false))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(loaded.diagnostics[0].code, "owned-elsewhere");
    assert!(
        warnings[0]
            .contains("user `ann@acme.example` sets `title`, owned by the identity provider"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("users.yaml:2"), "{}", warnings[0]);
}

/// A full `notify:`, announcements and time zones resolve: defaults filled in, the outbox in
/// the serve queue's database (no `serve:` written), secrets kept as references, each
/// announcement with its manifest line, and the time zones of users, teams and the org on
/// the model for notices to pick from (user, else team, else org).
#[test]
fn notify_announcements_and_time_zones_resolve() {
    use std::collections::{BTreeMap, BTreeSet};

    use roster_manifest::{
        AckSettings, ChannelConfig, EmailChannel, FileChannel, NoticeSettings, NotifyConfig,
        SecretRef, Sender, SmtpCredentials, SmtpServer, SmtpTls, WebhookChannel, WebhookKind,
    };
    use roster_model::Email;
    use roster_notify::{Acknowledge, Tier, Window};

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n    include: [base]\n    timezone: America/Chicago\nnotify:\n  admins: { roles: [Admin] }\n  channels:\n    email: { smtp: \"smtp://127.0.0.1:2525\", from: roster@acme.example, ratePerSecond: 30,\n             username: { env: SMTP_USER }, password: { env: SMTP_PASSWORD } }\n    ops-chat: { webhook: { url: { env: TEAMS_WEBHOOK_URL }, kind: teams } }\n    outbox: { file: .roster/outbox }\n  notices: { channels: [email], window: \"09:00-17:00\" }\n  acknowledge: { url: \"https://roster.acme.example/\", secret: { env: ROSTER_ACK_SECRET } }\n  maxAttempts: 7\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::create_dir_all(root.join("notices")).unwrap();
    std::fs::write(root.join("notices/billing-ivr.md"), "The IVR moves.\n").unwrap();
    std::fs::write(
        root.join("base/org.yaml"),
        "queues:\n  - name: Billing\n  - name: Billing Escalations\nteams:\n  - name: Billing Tier 2\n    timezone: Europe/Berlin\nusers:\n  - email: ana@acme.example\n    name: Ana\n    team: Billing Tier 2\n    timezone: Asia/Kolkata\n  - email: bo@acme.example\n    name: Bo\n    team: Billing Tier 2\nannouncements:\n  - name: Billing moves to the new IVR\n    audience: { queues: [Billing, Billing Escalations], tiers: [agents, supervisors] }\n    template: notices/billing-ivr.md\n    deliver: { after: 2026-12-10, window: \"09:45-11:45\", channels: [email, outbox] }\n    acknowledge: { within: 72h }\n  - name: Ops heads-up\n    audience: { tiers: [admins] }\n    template: notices/billing-ivr.md\n    deliver: { channels: [ops-chat] }\n",
    )
    .unwrap();
    let loaded = load_workspace(root);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.expect("no errors");

    let expected = NotifyConfig {
        database: root.join(".roster/serve.db"),
        admin_roles: BTreeSet::from(["Admin".to_owned()]),
        channels: BTreeMap::from([
            (
                "email".to_owned(),
                ChannelConfig::Email(EmailChannel {
                    server: SmtpServer {
                        host: "127.0.0.1".into(),
                        port: 2525,
                        tls: SmtpTls::None,
                    },
                    from: Sender {
                        name: None,
                        address: Email::parse("roster@acme.example").unwrap(),
                    },
                    credentials: Some(SmtpCredentials {
                        username: SecretRef::Env("SMTP_USER".into()),
                        password: SecretRef::Env("SMTP_PASSWORD".into()),
                    }),
                    rate_per_second: 30,
                }),
            ),
            (
                "ops-chat".to_owned(),
                ChannelConfig::Webhook(WebhookChannel {
                    url: SecretRef::Env("TEAMS_WEBHOOK_URL".into()),
                    kind: WebhookKind::Teams,
                    rate_per_second: 1,
                }),
            ),
            (
                "outbox".to_owned(),
                ChannelConfig::File(FileChannel {
                    folder: root.join(".roster/outbox"),
                    rate_per_second: 1000,
                }),
            ),
        ]),
        notices: Some(NoticeSettings {
            channels: vec!["email".into()],
            window: Some(Window::parse("09:00-17:00").unwrap()),
        }),
        acknowledge: Some(AckSettings {
            url: "https://roster.acme.example".into(),
            secret: SecretRef::Env("ROSTER_ACK_SECRET".into()),
        }),
        max_attempts: 7,
    };
    assert_eq!(workspace.notify, Some(expected));

    let demo = &workspace.orgs["demo"];
    assert_eq!(demo.timezone.as_deref(), Some("America/Chicago"));
    assert_eq!(
        demo.desired.teams["Billing Tier 2"].timezone.as_deref(),
        Some("Europe/Berlin")
    );
    let user = |email: &str| &demo.desired.users[&Email::parse(email).unwrap()];
    assert_eq!(
        user("ana@acme.example").timezone.as_deref(),
        Some("Asia/Kolkata")
    );
    assert_eq!(user("bo@acme.example").timezone, None);
    assert_eq!(
        user("bo@acme.example").team.as_deref(),
        Some("Billing Tier 2")
    );

    let [ivr, ops] = demo.announcements.as_slice() else {
        panic!("two announcements: {:#?}", demo.announcements);
    };
    assert_eq!(ivr.source.to_string(), "base/org.yaml:16:11");
    assert_eq!(ivr.template_source.to_string(), "base/org.yaml:18:15");
    let announcement = &ivr.announcement;
    assert_eq!(announcement.name, "Billing moves to the new IVR");
    assert_eq!(announcement.template, root.join("notices/billing-ivr.md"));
    assert_eq!(
        announcement.audience.queues,
        BTreeSet::from(["Billing".to_owned(), "Billing Escalations".to_owned()])
    );
    assert_eq!(
        announcement.audience.tiers,
        BTreeSet::from([Tier::Agents, Tier::Supervisors])
    );
    assert_eq!(
        announcement.deliver.after,
        Some(jiff::civil::date(2026, 12, 10))
    );
    assert_eq!(
        announcement.deliver.window,
        Some(Window::parse("09:45-11:45").unwrap())
    );
    assert_eq!(announcement.deliver.channels, ["email", "outbox"]);
    assert_eq!(
        announcement.acknowledge,
        Some(Acknowledge {
            within: jiff::SignedDuration::from_hours(72),
            escalate: Tier::Supervisors,
        })
    );
    assert_eq!(
        ops.announcement.audience.tiers,
        BTreeSet::from([Tier::Admins])
    );
    assert_eq!(ops.announcement.acknowledge, None);
    assert_eq!(ops.announcement.deliver.window, None);
}

/// Without `notify:` the workspace has no notify configuration, and announcements cannot
/// name a channel.
#[test]
fn no_notify_key_means_no_notify_configuration() {
    let loaded = load_workspace(&fixtures().join("valid/small"));
    assert_eq!(loaded.workspace.expect("no errors").notify, None);
}

/// Entitlements (issue #17): a profile's `phone: { pool }`, `wfm` and `licence` reach its
/// users with the place they were written; a user's own `phone` or `wfm` replaces the
/// profile's as a whole; `phone: {}` manages "none"; `licenceIncrease` resolves like the other
/// limits (the org's over the workspace's).
#[test]
fn entitlements_compile_with_the_place_that_applies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("roster.yaml"),
        "orgs:\n  demo:\n    sandbox: {}\n    include: [base]\n  other:\n    sandbox: {}\n    include: [base]\n    policy: { limits: { licenceIncrease: 0 } }\npolicy:\n  limits: { licenceIncrease: 20 }\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("base")).unwrap();
    std::fs::write(
        dir.path().join("base/people.yaml"),
        r#"routingProfiles:
  - name: Billing Agent
    phone: { pool: Indianapolis }
    wfm:
      managementUnit: Billing MU
    licence: Genesys Cloud CX 2
users:
  - email: inherits@acme.example
    name: In Herits
    routingProfile: Billing Agent
  - email: own@acme.example
    name: Own Number
    routingProfile: Billing Agent
    phone: { number: "+13175550100", extension: "4100" }
    wfm: { managementUnit: Support MU }
  - email: none@acme.example
    name: No Number
    routingProfile: Billing Agent
    phone: {}
  - email: extension@acme.example
    name: Ext Only
    phone: { extension: "0042" }
  - email: unmanaged@acme.example
    name: Un Managed
"#,
    )
    .unwrap();
    let loaded = load_workspace(dir.path());
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    let workspace = loaded.workspace.unwrap();
    let demo = &workspace.orgs["demo"].desired;
    let entitlements: std::collections::BTreeMap<String, serde_json::Value> = demo
        .users
        .iter()
        .map(|(email, user)| {
            let value = serde_json::json!({
                "phone": user.phone,
                "wfm": user.wfm,
                "licence": user.licence,
            });
            (email.to_string(), value)
        })
        .collect();
    insta::assert_json_snapshot!("entitlements", entitlements);
    assert_eq!(demo.policy.limits.licence_increase, Some(20));
    assert_eq!(
        workspace.orgs["other"]
            .desired
            .policy
            .limits
            .licence_increase,
        Some(0)
    );
}
