//! Fidelity: every JSON object the sandbox returns over a broad scenario is checked against
//! the Platform API models of `data/api-subset.json` (the official SDK's models; see
//! `data/README.md`): each field exists in the model of the route's response, with the right
//! JSON type and, where the model has one, an allowed enum value. No invented fields.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Api, Resp, id, seeded};

/// Models the SDK has but the subset file lacks (routes outside the subset: `/groups`,
/// `/tokens/me`). Field lists are the SDK's (`Group`, `GroupEntityListing`, `TokenInfo`).
fn supplementary_models() -> Value {
    let field = |json: &str, kind: &str| json!({ "json": json, "type": kind });
    json!({
        "Group": [
            field("id", "str"), field("name", "str"), field("division", "Division"), field("description", "str"),
            field("dateModified", "datetime"), field("memberCount", "int"),
            { "json": "state", "type": "str", "enum": ["active", "inactive", "deleted"] },
            field("version", "int"), { "json": "type", "type": "str", "enum": ["official", "social"] },
            field("rulesVisible", "bool"), { "json": "visibility", "type": "str", "enum": ["public", "owners", "members"] },
            field("rolesEnabled", "bool"), field("includeOwners", "bool"), field("callsEnabled", "bool"),
            field("selfUri", "str")
        ],
        "GroupEntityListing": [
            field("entities", "list[Group]"), field("pageSize", "int"), field("pageNumber", "int"), field("total", "int"),
            field("lastUri", "str"), field("firstUri", "str"), field("selfUri", "str"), field("nextUri", "str"),
            field("previousUri", "str"), field("pageCount", "int")
        ],
        "TokenInfo": [
            field("organization", "NamedEntity"), field("homeOrganization", "NamedEntity"),
            field("authorizedScope", "list[str]"), field("clonedUser", "TokenInfoClonedUser"),
            field("OAuthClient", "OrgOAuthClient")
        ],
        "NamedEntity": [field("id", "str"), field("name", "str")],
        // `Queue.mediaSettings` (`QueueMediaSettings`, in api-subset.json) refers to these
        // SDK models, which the shared facts do not hold: PY SDK `ServiceLevel`
        // (percentage, duration_ms) and the per-media settings models, written here with
        // the fields the sandbox emits (those of `MediaSettings`).
        "ServiceLevel": [field("percentage", "float"), field("durationMs", "int")],
        "CallbackMediaSettings": [
            field("enableAutoAnswer", "bool"), field("alertingTimeoutSeconds", "int"),
            field("serviceLevel", "ServiceLevel")
        ],
        "EmailMediaSettings": [
            field("enableAutoAnswer", "bool"), field("alertingTimeoutSeconds", "int"),
            field("serviceLevel", "ServiceLevel")
        ],
        "MessageMediaSettings": [
            field("enableAutoAnswer", "bool"), field("alertingTimeoutSeconds", "int"),
            field("serviceLevel", "ServiceLevel")
        ],
        "OrgOAuthClient": [
            field("id", "str"), field("name", "str"), field("dateCreated", "datetime"), field("createdBy", "User"),
            field("organization", "NamedEntity")
        ]
    })
}

struct Spec {
    operations: Vec<(String, Vec<String>, String)>,
    models: BTreeMap<String, Vec<Value>>,
}

/// One of the model files in `tests/api/data` (see the README.md beside them).
fn read_spec_file(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the fidelity test needs {} (see the README.md beside it): {error}",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name} is not JSON: {error}"))
}

/// The models of `api-subset.json`, with the telephony, WFM, licence and token operations
/// and models of `api-subset-entitlements.json` added (a model both files hold is taken
/// from the first).
fn load_spec() -> Spec {
    let spec = read_spec_file("api-subset.json");
    let entitlements = read_spec_file("api-subset-entitlements.json");
    let mut operations: Vec<(String, Vec<String>, String)> = spec["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .chain(
            entitlements["operations"]
                .as_array()
                .expect("operations")
                .iter(),
        )
        .map(|operation| {
            let segments = operation["path"]
                .as_str()
                .expect("path")
                .split('/')
                .map(str::to_owned)
                .collect();
            (
                operation["method"].as_str().expect("method").to_owned(),
                segments,
                operation["response"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for (method, path, model) in [
        ("GET", "/api/v2/groups", "GroupEntityListing"),
        ("GET", "/api/v2/groups/{groupId}", "Group"),
        ("GET", "/api/v2/tokens/me", "TokenInfo"),
        ("DELETE", "/api/v2/tokens/me", "void (empty response body)"),
    ] {
        operations.push((
            method.into(),
            path.split('/').map(str::to_owned).collect(),
            model.into(),
        ));
    }
    let mut models: BTreeMap<String, Vec<Value>> =
        serde_json::from_value(spec["models"].clone()).expect("models");
    let more: BTreeMap<String, Vec<Value>> =
        serde_json::from_value(entitlements["models"].clone()).expect("models");
    for (name, fields) in more {
        models.entry(name).or_insert(fields);
    }
    for (name, fields) in supplementary_models().as_object().expect("object") {
        models
            .entry(name.clone())
            .or_insert_with(|| fields.as_array().expect("fields").clone());
    }
    Spec { operations, models }
}

impl Spec {
    /// The response model of a concrete request: the operation whose template matches with
    /// the most literal segments.
    fn response_model(&self, method: &str, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        let segments: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|(candidate, template, _)| {
                candidate == method && template.len() == segments.len()
            })
            .filter(|(_, template, _)| {
                template
                    .iter()
                    .zip(&segments)
                    .all(|(part, segment)| part.starts_with('{') || part == segment)
            })
            .max_by_key(|(_, template, _)| {
                template
                    .iter()
                    .filter(|part| !part.starts_with('{'))
                    .count()
            })
            .map(|(_, _, model)| model.as_str())
    }

    fn check(&self, value: &Value, kind: &str, at: &str, problems: &mut Vec<String>) {
        let kind = kind.trim();
        if let Some(inner) = kind
            .strip_prefix("list[")
            .and_then(|rest| rest.strip_suffix(']'))
        {
            match value.as_array() {
                Some(items) => {
                    for (index, item) in items.iter().enumerate() {
                        self.check(item, inner, &format!("{at}[{index}]"), problems);
                    }
                }
                None => problems.push(format!("{at}: expected a list of {inner}, got {value}")),
            }
            return;
        }
        if let Some(inner) = kind
            .strip_prefix("dict(str,")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            match value.as_object() {
                Some(entries) => {
                    for (key, item) in entries {
                        self.check(item, inner, &format!("{at}.{key}"), problems);
                    }
                }
                None => problems.push(format!("{at}: expected a map of {inner}, got {value}")),
            }
            return;
        }
        let ok = match kind {
            "str" => value.is_string(),
            "int" => value.is_i64() || value.is_u64(),
            "float" => value.is_number(),
            "bool" => value.is_boolean(),
            "object" => true,
            "datetime" => value.as_str().is_some_and(is_timestamp),
            model => {
                self.check_model(value, model, at, problems);
                true
            }
        };
        if !ok {
            problems.push(format!("{at}: expected {kind}, got {value}"));
        }
    }

    fn check_model(&self, value: &Value, model: &str, at: &str, problems: &mut Vec<String>) {
        let Some(fields) = self.models.get(model) else {
            problems.push(format!("{at}: model {model} is not in api-subset.json"));
            return;
        };
        let Some(object) = value.as_object() else {
            problems.push(format!("{at}: expected a {model} object, got {value}"));
            return;
        };
        for (key, item) in object {
            let Some(field) = fields.iter().find(|field| field["json"] == key.as_str()) else {
                problems.push(format!("{at}.{key}: not a field of {model}"));
                continue;
            };
            if item.is_null() {
                problems.push(format!("{at}.{key}: null instead of omitted"));
                continue;
            }
            self.check(
                item,
                field["type"].as_str().unwrap_or("object"),
                &format!("{at}.{key}"),
                problems,
            );
            if let (Some(allowed), Some(text)) = (field["enum"].as_array(), item.as_str())
                && !allowed.iter().any(|value| value == text)
            {
                problems.push(format!("{at}.{key}: `{text}` is not one of {allowed:?}"));
            }
        }
    }
}

impl Spec {
    /// Checks every answer of a scenario against its operation's response model (errors
    /// against `ErrorBody`): the problems found and the models seen.
    fn check_log(&self, log: &[(String, String, Resp)]) -> (Vec<String>, BTreeSet<String>) {
        let mut problems = Vec::new();
        let mut seen_models = BTreeSet::new();
        for (method, path, response) in log {
            let at = format!("{method} {path} ({})", response.status);
            if response.status >= 400 {
                self.check_model(&response.body, "ErrorBody", &at, &mut problems);
                continue;
            }
            let Some(model) = self.response_model(method, path) else {
                problems.push(format!("{at}: no operation in the model files"));
                continue;
            };
            seen_models.insert(model.to_owned());
            if model.starts_with("void") {
                if !response.raw.is_empty() {
                    problems.push(format!("{at}: void operation answered a body"));
                }
                continue;
            }
            self.check(&response.body, model, &at, &mut problems);
        }
        (problems, seen_models)
    }
}

fn is_timestamp(text: &str) -> bool {
    // 2021-05-14T09:03:17.067Z
    let bytes = text.as_bytes();
    text.len() == 24
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[19] == b'.'
        && text.ends_with('Z')
}

/// Records every exchange of a scenario.
struct Recorder {
    api: Api,
    log: Vec<(String, String, Resp)>,
}

impl Recorder {
    async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let response = self.api.send(method.clone(), path, body.as_ref()).await;
        self.log.push((
            method.to_string(),
            format!("/api/v2{path}"),
            response.clone(),
        ));
        response
    }

    async fn get(&mut self, path: &str) -> Value {
        self.call(Method::GET, path, None).await.body
    }

    async fn post(&mut self, path: &str, body: Value) -> Value {
        self.call(Method::POST, path, Some(body)).await.body
    }
}

const ORG: &str = "
divisions: [Contact Center]
skills: [Billing, Sales]
languages: [Spanish]
wrapupCodes: [Resolved]
roles: [Agent]
queues: [{ name: Billing, description: Tier 1, wrapupCodes: [Resolved], members: [jane@acme.example] }]
teams: [{ name: Tier 2, members: [jane@acme.example] }]
groups: [{ name: Leads, members: [bob@acme.example], roles: [{ role: Supervisor }], queues: [Billing] }]
users:
  - { email: boss@acme.example, name: Boss, title: Manager, department: Ops }
  - email: jane@acme.example
    name: Jane Doe
    manager: boss@acme.example
    skills: { Billing: 4.5 }
    languages: { Spanish: 3 }
    roles: [{ role: Agent, division: Contact Center }]
    utilization: { call: { maximumCapacity: 1 }, chat: { maximumCapacity: 2, interruptableMediaTypes: [call] } }
  - { email: bob@acme.example, name: Bob, state: inactive }
";

#[tokio::test]
async fn every_response_matches_the_api_models() {
    let spec = load_spec();
    let (sandbox, api) = seeded(ORG).await;
    // The token response: only the fields of the SDKs' AuthResponse.
    let token =
        crate::common::token_request(&api.http, &sandbox.base_url(), "sandbox", "sandbox").await;
    for key in token.body.as_object().expect("token object").keys() {
        assert!(
            ["access_token", "token_type", "expires_in", "refresh_token"].contains(&key.as_str()),
            "token field {key}"
        );
    }
    let mut r = Recorder {
        api,
        log: Vec::new(),
    };
    let expand = "expand=skills,languages,team,authorization,groups,locations";
    let users = r
        .get(&format!("/users?state=any&pageSize=2&{expand}"))
        .await;
    let jane = r.post("/users/search", json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": "jane@acme.example" }], "expand": ["skills"] })).await;
    let jane = id(&jane["results"][0]);
    let _ = users;
    r.get(&format!("/users/{jane}?{expand}")).await;
    let created = r
        .post(
            "/users",
            json!({ "name": "New", "email": "new@acme.example", "department": "Billing" }),
        )
        .await;
    let new = id(&created);
    r.call(
        Method::PATCH,
        &format!("/users/{new}"),
        Some(json!({ "title": "Agent", "manager": jane, "acdAutoAnswer": true, "version": 1 })),
    )
    .await;
    r.get(&format!("/users/{new}/routingskills")).await;
    let skills = r.get("/routing/skills").await;
    let billing = id(&skills["entities"][0]);
    r.call(
        Method::PATCH,
        &format!("/users/{new}/routingskills/bulk"),
        Some(json!([{ "id": billing, "proficiency": 3 }])),
    )
    .await;
    r.call(
        Method::PUT,
        &format!("/users/{new}/routingskills/bulk"),
        Some(json!([{ "id": billing, "proficiency": 2 }])),
    )
    .await;
    r.call(
        Method::PUT,
        &format!("/users/{new}/routingskills/{billing}"),
        Some(json!({ "proficiency": 1 })),
    )
    .await;
    r.post(
        &format!("/users/{new}/routingskills"),
        json!({ "id": billing, "proficiency": 2.5 }),
    )
    .await;
    let languages = r.get("/routing/languages").await;
    let spanish = id(&languages["entities"][0]);
    r.call(
        Method::PATCH,
        &format!("/users/{new}/routinglanguages/bulk"),
        Some(json!([{ "id": spanish, "proficiency": 2 }])),
    )
    .await;
    r.call(
        Method::PATCH,
        &format!("/users/{new}/routinglanguages/{spanish}"),
        Some(json!({ "proficiency": 4 })),
    )
    .await;
    r.get(&format!("/users/{new}/routinglanguages")).await;
    r.get(&format!("/users/{jane}/queues")).await;
    r.get(&format!("/users/{jane}/roles")).await;
    r.get(&format!(
        "/authorization/subjects/{jane}?includeDuplicates=true"
    ))
    .await;
    r.get("/routing/utilization").await;
    r.get(&format!("/routing/users/{jane}/utilization")).await;
    r.get(&format!("/routing/users/{new}/utilization")).await;
    r.call(
        Method::PUT,
        &format!("/routing/users/{new}/utilization"),
        Some(json!({ "utilization": { "email": { "maximumCapacity": 2 } } })),
    )
    .await;
    let skill = r.post("/routing/skills", json!({ "name": "Fresh" })).await;
    r.get(&format!("/routing/skills/{}", id(&skill))).await;
    let divisions = r.get("/authorization/divisions").await;
    let center = divisions["entities"]
        .as_array()
        .expect("divisions")
        .iter()
        .find(|d| d["name"] == "Contact Center")
        .map(id)
        .expect("division");
    r.call(
        Method::PATCH,
        &format!("/routing/skills/{}", id(&skill)),
        Some(json!({ "divisionId": center })),
    )
    .await;
    let language = r
        .post("/routing/languages", json!({ "name": "French" }))
        .await;
    r.get(&format!("/routing/languages/{}", id(&language)))
        .await;
    let code = r
        .post(
            "/routing/wrapupcodes",
            json!({ "name": "Escalated", "description": "up" }),
        )
        .await;
    r.call(
        Method::PUT,
        &format!("/routing/wrapupcodes/{}", id(&code)),
        Some(json!({ "name": "Escalated 2" })),
    )
    .await;
    r.get("/routing/wrapupcodes").await;
    r.get(&format!("/routing/wrapupcodes/{}", id(&code))).await;
    let queues = r.get("/routing/queues").await;
    let billing_queue = id(&queues["entities"][0]);
    r.get(&format!("/routing/queues/{billing_queue}")).await;
    r.get(&format!(
        "/routing/queues/{billing_queue}/members?expand=skills"
    ))
    .await;
    r.call(
        Method::PATCH,
        &format!("/routing/queues/{billing_queue}/members"),
        Some(json!([{ "id": jane, "joined": false }])),
    )
    .await;
    r.get(&format!("/routing/queues/{billing_queue}/wrapupcodes"))
        .await;
    r.post(
        &format!("/routing/queues/{billing_queue}/wrapupcodes"),
        json!([{ "id": id(&code) }]),
    )
    .await;
    let queue = r
        .post("/routing/queues", json!({ "name": "Sales", "division": { "id": center }, "acwSettings": { "wrapupPrompt": "MANDATORY", "timeoutMs": 10 }, "mediaSettings": { "call": { "alertingTimeoutSeconds": 8 } } }))
        .await;
    r.call(
        Method::PUT,
        &format!("/routing/queues/{}", id(&queue)),
        Some(json!({ "name": "Sales 2", "skillEvaluationMethod": "ALL" })),
    )
    .await;
    let team = r
        .post(
            "/teams",
            json!({ "name": "Fresh Team", "description": "d" }),
        )
        .await;
    r.post(
        &format!("/teams/{}/members", id(&team)),
        json!({ "memberIds": [new, "nobody"] }),
    )
    .await;
    r.get("/teams?pageSize=1").await;
    r.get("/teams?expand=entities.division").await;
    r.get(&format!("/teams/{}", id(&team))).await;
    r.call(
        Method::PATCH,
        &format!("/teams/{}", id(&team)),
        Some(json!({ "name": "Fresh Team 2" })),
    )
    .await;
    r.get(&format!("/teams/{}/members?expand=entities", id(&team)))
        .await;
    let roles = r.get("/authorization/roles?pageSize=100").await;
    let role = id(&roles["entities"][0]);
    r.get(&format!("/authorization/roles/{role}")).await;
    r.get(&format!("/authorization/roles/{role}/users")).await;
    r.call(
        Method::PUT,
        &format!("/authorization/roles/{role}/users/add"),
        Some(json!([new])),
    )
    .await;
    r.call(
        Method::PUT,
        &format!("/users/{new}/roles"),
        Some(json!([role])),
    )
    .await;
    r.get("/authorization/divisions/home").await;
    r.get(&format!("/authorization/divisions/{center}")).await;
    let groups = r.get("/groups").await;
    r.get(&format!("/groups/{}", id(&groups["entities"][0])))
        .await;
    r.get("/tokens/me").await;
    // Errors of every kind.
    r.get("/users?pageSize=1000").await;
    r.get("/users/00000000-0000-0000-0000-000000000000").await;
    r.post("/routing/queues", json!({ "name": "Billing" }))
        .await;
    r.call(
        Method::PATCH,
        &format!("/users/{new}"),
        Some(json!({ "title": "x", "version": 99 })),
    )
    .await;
    r.post("/routing/skills", json!({})).await;
    // Void operations.
    r.call(
        Method::DELETE,
        &format!("/users/{new}/routingskills/{billing}"),
        None,
    )
    .await;
    r.call(
        Method::DELETE,
        &format!("/routing/queues/{}", id(&queue)),
        None,
    )
    .await;
    r.call(Method::DELETE, &format!("/users/{new}"), None).await;

    let (problems, seen_models) = spec.check_log(&r.log);
    assert!(
        problems.is_empty(),
        "{} fidelity problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        seen_models.len() >= 25,
        "the scenario covers many models: {seen_models:?}"
    );
}

const ENTITLEMENTS_ORG: &str = r#"
skills: [Billing]
languages: [Spanish]
roles: [Agent]
queues: [{ name: Billing, mediaTypes: [call, email] }]
telephony:
  didPools: [{ name: Main, start: "+13175550100", end: "+13175550103" }]
  extensionPools: [{ name: Desk, start: "2000", end: "2099" }]
  heldNumbers: [{ number: "+13175550101", ownerType: IVR_CONFIG, owner: Main Menu }]
users:
  - { email: jane@acme.example, name: Jane, phone: "+13175550100", extension: "2001", station: Jane WebRTC, roles: [{ role: Agent }] }
  - { email: bob@acme.example, name: Bob }
licences: [{ id: cx2, description: Genesys Cloud CX 2, permissions: ["routing:queue:view"], roles: [Agent] }]
businessUnits:
  - name: North
    planningGroups: [{ name: Billing Voice, routePaths: [{ queue: Billing, mediaType: Voice, language: Spanish, skills: [Billing] }] }]
    managementUnits: [{ name: North Agents, agentLimit: 1, members: [jane@acme.example] }]
"#;

/// The telephony, WFM, licence and token routes against the models of
/// `api-subset-entitlements.json`.
#[tokio::test]
async fn entitlement_responses_match_the_api_models() {
    let spec = load_spec();
    let (_sandbox, api) = seeded(ENTITLEMENTS_ORG).await;
    let mut r = Recorder {
        api,
        log: Vec::new(),
    };
    let jane = id(&r
        .post("/users/search", json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": "jane@acme.example" }] }))
        .await["results"][0]);
    let bob = id(&r
        .post("/users/search", json!({ "query": [{ "type": "EXACT", "fields": ["email"], "value": "bob@acme.example" }] }))
        .await["results"][0]);
    r.get(&format!("/users/{jane}?expand=station")).await;
    r.get("/users?expand=station&pageSize=10").await;
    r.get("/routing/queues").await;
    let pools = r.get("/telephony/providers/edges/didpools").await;
    let main = id(&pools["entities"][0]);
    r.get("/telephony/providers/edges/didpools/dids?type=UNASSIGNED")
        .await;
    r.get(&format!(
        "/telephony/providers/edges/didpools/dids?type=ASSIGNED_AND_UNASSIGNED&id={main}"
    ))
    .await;
    r.get("/telephony/providers/edges/didpools/dids").await;
    r.get("/telephony/providers/edges/extensionpools").await;
    let version = r.get(&format!("/users/{bob}")).await["version"].clone();
    r.call(
        Method::PATCH,
        &format!("/users/{bob}"),
        Some(json!({ "version": version, "addresses": [{ "extension": "2001", "mediaType": "PHONE", "type": "WORK2" }] })),
    )
    .await;
    let units = r.get("/workforcemanagement/businessunits").await;
    let north = id(&units["entities"][0]);
    r.get(&format!(
        "/workforcemanagement/businessunits/{north}/planninggroups"
    ))
    .await;
    let units = r.get("/workforcemanagement/managementunits").await;
    let agents = id(&units["entities"][0]);
    r.get(&format!(
        "/workforcemanagement/managementunits/{agents}/users"
    ))
    .await;
    r.post(
        "/workforcemanagement/agents",
        json!({ "userIds": [bob, jane], "destinationManagementUnitId": agents }),
    )
    .await;
    r.post(
        "/workforcemanagement/agents",
        json!({ "userIds": [jane], "destinationManagementUnitId": null }),
    )
    .await;
    r.get("/license/definitions").await;
    let roles = r.get("/authorization/roles?pageSize=100").await;
    let agent = roles["entities"]
        .as_array()
        .expect("roles")
        .iter()
        .find(|role| role["name"] == "Agent")
        .map(id)
        .expect("Agent");
    r.post("/license/infer", json!([agent])).await;
    r.get("/license/users?pageSize=1").await;
    r.get(&format!("/license/users/{jane}")).await;
    r.call(Method::DELETE, &format!("/tokens/{jane}"), None)
        .await;
    r.call(
        Method::DELETE,
        &format!("/users/{jane}/station/associatedstation"),
        None,
    )
    .await;
    let (problems, seen_models) = spec.check_log(&r.log);
    assert!(
        problems.is_empty(),
        "{} fidelity problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    for model in [
        "DIDPoolEntityListing",
        "DIDNumberEntityListing",
        "ExtensionPoolEntityListing",
        "BusinessUnitListing",
        "PlanningGroupList",
        "ManagementUnitListing",
        "WfmUserEntityListing",
        "MoveAgentsResponse",
        "list[LicenseDefinition]",
        "list[str]",
        "UserLicensesEntityListing",
        "LicenseUser",
    ] {
        assert!(
            seen_models.contains(model),
            "{model} not covered: {seen_models:?}"
        );
    }
    let errors = r
        .log
        .iter()
        .filter(|(_, _, response)| response.status >= 400)
        .count();
    assert_eq!(errors, 2, "the missing `type` and the duplicate extension");
}
