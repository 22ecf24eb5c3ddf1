//! Exact bytes of user responses with expansions. The user list is the sandbox's hottest
//! route and its rendering is cached and hand-written for speed; these snapshots pin every
//! byte (field order, escaping, number formatting) so that no optimisation can change what
//! clients read, and the invalidation test proves that cached parts follow every write.

use std::fmt::Write as _;

use roster_sandbox::Sandbox;
use serde_json::json;

use crate::common::{Api, id, seeded, unlimited, user_id};

/// Names that need JSON escaping, fractional and whole proficiencies, a user without a team
/// or skills, users in several groups, an inactive user, a manager.
const ORG: &str = r#"
divisions: [Contact Center]
skills: [Billing, 'Sales "Tier" 2', 'Back\Office', Équipe Nord]
languages: [Spanish, French, 日本語]
roles: [Agent]
teams:
  - { name: Tier 2, members: [jane@acme.example, bob@acme.example] }
  - { name: 'Night "Owls"', members: [ann@acme.example] }
groups:
  - { name: Leads, members: [jane@acme.example], roles: [{ role: Supervisor }] }
  - { name: 'Night\Shift', members: [jane@acme.example, bob@acme.example] }
users:
  - { email: boss@acme.example, name: Boss }
  - email: jane@acme.example
    name: Jane "JD" Doe
    title: Agent
    department: Billing
    division: Contact Center
    manager: boss@acme.example
    skills: { Billing: 4.5, 'Sales "Tier" 2': 2, 'Back\Office': 0.1, Équipe Nord: 3.3333333333333335 }
    languages: { Spanish: 3, 日本語: 5 }
    roles: [{ role: Agent, division: Contact Center }]
  - email: bob@acme.example
    name: Bob
    state: inactive
    skills: { Billing: 0 }
    languages: { French: 1.25 }
  - email: ann@acme.example
    name: Ann Ö'Neil
    manager: jane@acme.example
    languages: { French: 4 }
"#;

/// The mode roster's snapshot reads with.
const ROSTER_EXPAND: &str = "expand=skills,languages,team,groups";
/// Every expansion the sandbox serves, plus one it ignores.
const ALL_EXPAND: &str = "expand=skills,languages,team,authorization,groups,locations,presence";

/// `GET` each path and list the raw bodies, one per line under the request line.
async fn transcript(api: &Api, paths: &[String]) -> String {
    let mut out = String::new();
    for path in paths {
        let response = api.get(path).await;
        response.expect(200);
        let _ = write!(out, "GET {path}\n{}\n\n", response.raw);
    }
    out
}

/// The id of the object named `name` in a (small) list.
async fn id_named(api: &Api, list: &str, name: &str) -> String {
    let all = api.walk(&format!("{list}?pageSize=100")).await;
    all.iter()
        .find(|entity| entity["name"] == name)
        .map_or_else(|| panic!("no `{name}` in {list}"), id)
}

/// The list pages and single reads of every expansion mode.
async fn user_reads(api: &Api) -> Vec<String> {
    let jane = user_id(api, "jane@acme.example").await;
    vec![
        "/users?state=any&pageSize=3".to_owned(),
        format!("/users?state=any&pageSize=3&{ROSTER_EXPAND}"),
        format!("/users?state=any&pageSize=3&pageNumber=2&{ROSTER_EXPAND}"),
        "/users?state=any&expand=skills,languages,team".to_owned(),
        format!("/users?sortOrder=descending&{ALL_EXPAND}"),
        format!("/users/{jane}?{ALL_EXPAND}"),
        format!("/users/{jane}?expand=languages"),
    ]
}

#[tokio::test]
async fn expanded_user_pages_keep_their_exact_bytes() {
    let (_sandbox, api) = seeded(ORG).await;
    let paths = user_reads(&api).await;
    // Twice: the first read fills the caches, the second is served from them.
    let first = transcript(&api, &paths).await;
    let second = transcript(&api, &paths).await;
    assert_eq!(first, second, "cached reads give the same bytes");
    let search = api
        .post(
            "/users/search",
            &json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": "jane@acme.example" }], "expand": ["skills", "languages", "team", "groups"] }),
        )
        .await;
    search.expect(200);
    insta::assert_snapshot!("expanded_user_pages", first);
    insta::assert_snapshot!("expanded_user_search", search.raw);
}

/// Reads of an org that went through writes equal the reads of a fresh copy loaded from its
/// dump, whose caches start empty: nothing cached outlives the write that changes it.
#[tokio::test]
async fn cached_renderings_follow_every_write() {
    let (sandbox, api) = seeded(ORG).await;
    let paths = user_reads(&api).await;
    let _warm = transcript(&api, &paths).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let ann = user_id(&api, "ann@acme.example").await;
    let tier_2 = id_named(&api, "/teams", "Tier 2").await;
    let owls = id_named(&api, "/teams", "Night \"Owls\"").await;
    let billing = id_named(&api, "/routing/skills", "Billing").await;
    let french = id_named(&api, "/routing/languages", "French").await;
    let division = id_named(&api, "/authorization/divisions", "Contact Center").await;
    let agent = id_named(&api, "/authorization/roles", "Agent").await;
    let leads = id_named(&api, "/groups", "Leads").await;
    // A team renamed, a member moved between teams (where the org moves them), another
    // team deleted.
    sandbox
        .set_faults(
            "sandbox",
            &roster_sandbox::FaultUpdate {
                move_between_teams: Some(true),
                ..roster_sandbox::FaultUpdate::default()
            },
        )
        .expect("org");
    api.patch(
        &format!("/teams/{tier_2}"),
        &json!({ "name": "Tier \"Two\"" }),
    )
    .await
    .expect(200);
    api.post(
        &format!("/teams/{tier_2}/members"),
        &json!({ "memberIds": [ann] }),
    )
    .await
    .expect(200);
    api.delete(&format!("/teams/{owls}")).await.expect(204);
    // A skill and a language deleted (users lose them), a new skill assigned.
    api.delete(&format!("/routing/skills/{billing}"))
        .await
        .expect(204);
    api.delete(&format!("/routing/languages/{french}"))
        .await
        .expect(204);
    let created = api
        .post("/routing/skills", &json!({ "name": "Brand \\ New" }))
        .await;
    let new_skill = id(created.expect(200));
    api.post(
        &format!("/users/{bob}/routingskills"),
        &json!({ "id": new_skill, "proficiency": 2.75 }),
    )
    .await
    .expect(200);
    // The user record itself: renamed, moved to another division, granted a role.
    let version = api.get(&format!("/users/{ann}")).await.body["version"].clone();
    api.patch(
        &format!("/users/{ann}"),
        &json!({ "name": "Ann \"Annie\" O'Neil", "version": version }),
    )
    .await
    .expect(200);
    api.post(
        &format!("/authorization/divisions/{division}/objects/USER"),
        &json!([ann]),
    )
    .await
    .expect(204);
    // Grants of a user and of a group (`authorization` expansion).
    for subject in [&ann, &leads] {
        api.post(
            &format!("/authorization/subjects/{subject}/divisions/{division}/roles/{agent}"),
            &json!({}),
        )
        .await
        .expect(204);
    }
    let newcomer = api
        .post(
            "/users",
            &json!({ "name": "Newcomer", "email": "new@acme.example" }),
        )
        .await;
    let newcomer = id(newcomer.expect(200));
    let after = transcript(&api, &paths).await;

    let copy = Sandbox::start().await;
    copy.create_org("copy", "copy", "copy").expect("new org");
    copy.load("copy", &sandbox.dump("sandbox").expect("org"))
        .expect("loads");
    unlimited(&copy, "copy");
    let fresh = Api::login(&copy, "copy", "copy").await;
    assert_eq!(after, transcript(&fresh, &paths).await);
    // Objects created through the API have random ids.
    let after = after
        .replace(&new_skill, "[id of Brand New]")
        .replace(&newcomer, "[id of Newcomer]");
    insta::assert_snapshot!("expanded_user_pages_after_writes", after);
}

/// A loaded dump may hold what the API never produces: an assignment of an unknown skill
/// (no name, shown as active) and of a deleted skill or language (shown as deleted).
#[tokio::test]
async fn assignments_of_unknown_and_deleted_objects_keep_their_exact_bytes() {
    let (sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let mut dump = sandbox.dump("sandbox").expect("org");
    for kind in ["skills", "languages"] {
        let first = &mut dump[kind][0];
        first["state"] = json!("deleted");
    }
    let users = dump["users"].as_array_mut().expect("users");
    let jane_dump = users
        .iter_mut()
        .find(|user| user["id"] == jane.as_str())
        .expect("jane in the dump");
    for kind in ["skills", "languages"] {
        let assignments = jane_dump[kind].as_array_mut().expect("assignments");
        assignments
            .push(json!({ "id": "00000000-0000-4000-8000-00000000000a", "proficiency": 1.5 }));
    }
    sandbox.load("sandbox", &dump).expect("loads");
    let paths = [format!("/users/{jane}?{ROSTER_EXPAND}")];
    insta::assert_snapshot!(
        "assignments_of_unknown_and_deleted_objects",
        transcript(&api, &paths).await
    );
}
