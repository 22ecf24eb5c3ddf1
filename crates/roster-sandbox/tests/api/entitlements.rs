//! Numbers, stations, WFM, licences, token revocation and queue media settings (issue #17):
//! shapes, paging, the rules the sandbox enforces and the request counts.
//!
//! API facts these tests rely on (PY269 SDK `TelephonyProvidersEdgeApi`,
//! `WorkforceManagementApi`, `LicenseApi`, `TokensApi`; as collected in the project's
//! Genesys facts, REFERENCE-events-entitlements §3–§5):
//! - `GET …/didpools/dids` requires `type`; `DIDNumber` is `{id, number, assigned, didPool,
//!   owner, ownerType ∈ USER|PHONE|IVR_CONFIG|GROUP}`;
//! - a user's numbers are `addresses` entries (`Contact`: `address` or `extension`);
//! - `MoveAgentResponse.result` ∈ {`AlreadyMoved`, `DestinationBusinessUnitAgentLimitExceeded`,
//!   `DestinationManagementUnitAgentLimitExceeded`, `DestinationManagementUnitDoesNotExist`,
//!   `MoveSuccessful`, `MovingToDifferentManagementUnit`, `NothingToDo`,
//!   `SourceManagementUnitNotAuthorized`}, partial success inside a 200;
//! - `POST /license/infer` takes role ids and answers licence ids;
//! - `DELETE /api/v2/tokens/{userId}` answers no body.
//!
//! - `Contact.mediaType` ∈ {PHONE, EMAIL, SMS}, `Contact.type` ∈ {PRIMARY, WORK, WORK2, WORK3,
//!   WORK4, HOME, MOBILE, MAIN, OTHER}; `UpdateUser.addresses`: "One entry is allowed per
//!   media type. The PRIMARY email address cannot be changed through this field";
//! - `ExtensionPool.startNumber`: "between 3 and 9 digits in length and the same length as
//!   the endNumber";
//! - `MoveAgentsRequest.destinationManagementUnitId`: "To remove users from their management
//!   unit this should be set to null".
//!
//! Sandbox choices on UNCONFIRMED points (harsher): a work number outside every DID pool is
//! refused; more than 100 users per move is `400`; an unknown role in `infer` is `400`;
//! disassociating a user without a station is `404`; two `addresses` entries with the same
//! (`mediaType`, `type`) are `400`; a PRIMARY entry other than the user's email, a new one
//! included, is `400`; an empty `destinationManagementUnitId` is `400`, not null.

use serde_json::{Value, json};

use crate::common::{Api, id, named, read, seeded, setup, user_id};

const ORG: &str = r#"
skills: [Billing]
languages: [Spanish]
queues:
  - { name: Billing, mediaTypes: [call, chat] }
  - { name: Sales }
groups:
  - { name: Leads, members: [lead@acme.example], roles: [{ role: Supervisor }] }
telephony:
  didPools:
    - { name: Main, start: "+13175550100", end: "+13175550109" }
    - { name: Second, start: "+13175550200", end: "+13175550204" }
  extensionPools:
    - { name: Desk, start: "2000", end: "2099" }
  heldNumbers:
    - { number: "+13175550101", ownerType: PHONE, owner: Lobby Phone }
roles: [Agent]
users:
  - { email: jane@acme.example, name: Jane, phone: "+13175550100", extension: "2001", station: Jane WebRTC, roles: [{ role: Agent }] }
  - { email: bob@acme.example, name: Bob, extension: "2002" }
  - { email: lead@acme.example, name: Lead }
  - { email: amy@acme.example, name: Amy }
  - { email: dan@acme.example, name: Dan }
licences:
  - { id: cx2, description: Genesys Cloud CX 2, permissions: ["routing:queue:view"], roles: [Agent] }
  - { id: cx1, description: Genesys Cloud CX 1, roles: [Supervisor] }
  - { id: comms, description: Genesys Cloud Communicate, roles: [Employee] }
businessUnits:
  - name: North
    planningGroups:
      - { name: Billing Voice, routePaths: [{ queue: Billing, mediaType: Voice, language: Spanish, skills: [Billing] }] }
    managementUnits:
      - { name: North Agents, agentLimit: 2, members: [jane@acme.example] }
      - { name: North Reserve }
"#;

const DIDS: &str = "/telephony/providers/edges/didpools/dids";

/// The user, read whole (for its version and addresses).
async fn user(api: &Api, user_id: &str) -> Value {
    api.get(&format!("/users/{user_id}"))
        .await
        .expect(200)
        .clone()
}

/// Sends a `PATCH` of a user's addresses with its current version.
async fn set_addresses(api: &Api, user_id: &str, addresses: &Value) -> crate::common::Resp {
    let version = user(api, user_id).await["version"].clone();
    api.patch(
        &format!("/users/{user_id}"),
        &json!({ "version": version, "addresses": addresses }),
    )
    .await
}

/// Every number of a DID listing, with its row.
async fn did_rows(api: &Api, query: &str) -> Vec<Value> {
    api.walk(&format!("{DIDS}?{query}&pageSize=100")).await
}

#[tokio::test]
async fn pools_are_listed_in_pages() {
    let (_sandbox, api) = seeded(ORG).await;
    let first = api
        .get("/telephony/providers/edges/didpools?pageSize=1")
        .await;
    let body = first.expect(200);
    assert_eq!(body["total"], 2);
    assert_eq!(body["pageCount"], 2);
    assert_eq!(body["pageSize"], 1);
    assert_eq!(body["entities"][0]["name"], "Main");
    assert_eq!(body["entities"][0]["startPhoneNumber"], "+13175550100");
    assert_eq!(body["entities"][0]["endPhoneNumber"], "+13175550109");
    assert_eq!(body["entities"][0]["state"], "active");
    assert!(body["nextUri"].as_str().is_some(), "{}", first.raw);
    let all = api
        .walk("/telephony/providers/edges/didpools?pageSize=1")
        .await;
    let names: Vec<&str> = all
        .iter()
        .filter_map(|pool| pool["name"].as_str())
        .collect();
    assert_eq!(names, ["Main", "Second"]);

    let pools = api.get("/telephony/providers/edges/extensionpools").await;
    let body = pools.expect(200);
    assert_eq!(body["total"], 1);
    assert_eq!(body["entities"][0]["name"], "Desk");
    assert_eq!(body["entities"][0]["startNumber"], "2000");
    assert_eq!(body["entities"][0]["endNumber"], "2099");
}

#[tokio::test]
async fn the_did_listing_needs_a_type_and_lists_numbers_in_order() {
    let (_sandbox, api) = seeded(ORG).await;
    api.get(DIDS)
        .await
        .expect_error(400, "required.field.missing");
    api.get(&format!("{DIDS}?type=ASSIGNED"))
        .await
        .expect_error(400, "invalid.value");

    // 15 numbers in two pools; Jane holds …100 (her WORK address), the lobby phone …101.
    let free = did_rows(&api, "type=UNASSIGNED").await;
    let numbers: Vec<&str> = free
        .iter()
        .filter_map(|row| row["number"].as_str())
        .collect();
    let mut expected: Vec<String> = (102..=109).map(|n| format!("+13175550{n}")).collect();
    expected.extend((200..=204).map(|n| format!("+13175550{n}")));
    assert_eq!(numbers, expected);
    assert!(free.iter().all(|row| row["assigned"] == false));
    assert!(free.iter().all(|row| row.get("owner").is_none()));

    let main = id(&named(&api, "/telephony/providers/edges/didpools", "Main").await);
    let page = api
        .get(&format!(
            "{DIDS}?type=ASSIGNED_AND_UNASSIGNED&id={main}&pageSize=4&pageNumber=1"
        ))
        .await;
    let body = page.expect(200);
    assert_eq!(body["total"], 10, "only the Main pool: {}", page.raw);
    assert_eq!(body["pageCount"], 3);
    let jane = user_id(&api, "jane@acme.example").await;
    let rows = body["entities"].as_array().expect("entities");
    assert_eq!(rows[0]["number"], "+13175550100");
    assert_eq!(rows[0]["assigned"], true);
    assert_eq!(rows[0]["owner"]["id"], jane.as_str());
    assert_eq!(rows[0]["owner"]["name"], "Jane");
    assert_eq!(rows[0]["ownerType"], "USER");
    assert_eq!(rows[0]["didPool"]["id"], main.as_str());
    assert_eq!(rows[1]["number"], "+13175550101");
    assert_eq!(rows[1]["ownerType"], "PHONE");
    assert_eq!(rows[1]["owner"]["name"], "Lobby Phone");
    assert_eq!(rows[2]["assigned"], false);
    let last = api
        .get(&format!(
            "{DIDS}?type=ASSIGNED_AND_UNASSIGNED&id={main}&pageSize=4&pageNumber=3"
        ))
        .await;
    let numbers: Vec<&str> = last.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter_map(|row| row["number"].as_str())
        .collect();
    assert_eq!(numbers, ["+13175550108", "+13175550109"]);
}

#[tokio::test]
async fn a_number_given_to_a_user_is_assigned_until_it_leaves_their_addresses() {
    let (_sandbox, api) = seeded(ORG).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let number = "+13175550105";
    let row = |rows: &[Value]| {
        rows.iter()
            .find(|row| row["number"] == number)
            .cloned()
            .expect("the number is listed")
    };
    let before = row(&did_rows(&api, "type=ASSIGNED_AND_UNASSIGNED").await);
    assert_eq!(before["assigned"], false);

    let addresses = json!([
        { "address": number, "mediaType": "PHONE", "type": "WORK" },
        { "extension": "2002", "mediaType": "PHONE", "type": "WORK2" },
        { "address": "+447700900123", "mediaType": "PHONE", "type": "MOBILE" },
    ]);
    let answer = set_addresses(&api, &bob, &addresses).await;
    assert_eq!(answer.expect(200)["addresses"], addresses);
    let list = api.get("/users?pageSize=100").await;
    let listed = list.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .find(|user| user["id"] == bob.as_str())
        .cloned()
        .expect("bob is listed");
    assert_eq!(
        listed["addresses"], addresses,
        "addresses come with the list"
    );

    let assigned = row(&did_rows(&api, "type=ASSIGNED_AND_UNASSIGNED").await);
    assert_eq!(assigned["assigned"], true);
    assert_eq!(assigned["ownerType"], "USER");
    assert_eq!(assigned["owner"]["id"], bob.as_str());
    let free = did_rows(&api, "type=UNASSIGNED").await;
    assert!(free.iter().all(|row| row["number"] != number));

    set_addresses(&api, &bob, &json!([])).await.expect(200);
    let freed = row(&did_rows(&api, "type=ASSIGNED_AND_UNASSIGNED").await);
    assert_eq!(freed["assigned"], false);
    assert!(freed.get("owner").is_none());
}

#[tokio::test]
async fn address_writes_that_break_a_number_rule_are_refused() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let bob = user_id(&api, "bob@acme.example").await;
    let version = user(&api, &bob).await["version"].clone();
    let work = |number: &str| json!([{ "address": number, "mediaType": "PHONE", "type": "WORK" }]);
    let extension =
        |number: &str| json!([{ "extension": number, "mediaType": "PHONE", "type": "WORK2" }]);
    let cases = [
        (
            json!([{ "address": "+13175550106", "extension": "2005", "mediaType": "PHONE", "type": "WORK" }]),
            "both an address and an extension".to_owned(),
        ),
        (work("+13175559999"), "lies in no DID pool".to_owned()),
        (
            work("317-555-0106"),
            "is not an E.164 phone number".to_owned(),
        ),
        (
            work("+13175550100"),
            format!("already assigned to user {jane}"),
        ),
        (
            work("+13175550101"),
            "already assigned to PHONE `Lobby Phone`".to_owned(),
        ),
        (extension("9999"), "lies in no extension pool".to_owned()),
        (
            extension("2001"),
            format!("already assigned to user {jane}"),
        ),
    ];
    for (addresses, message) in cases {
        let answer = set_addresses(&api, &bob, &addresses).await;
        answer.expect_error(400, "bad.request");
        let text = answer.body["message"].as_str().expect("message");
        assert!(text.contains(&message), "{message:?} not in {text:?}");
    }
    let after = user(&api, &bob).await;
    assert_eq!(after["version"], version, "refused writes change nothing");
    assert_eq!(
        after["addresses"],
        json!([{ "extension": "2002", "mediaType": "PHONE", "type": "WORK2" }])
    );
    // A user's own numbers are theirs to send back.
    let own = user(&api, &jane).await["addresses"].clone();
    set_addresses(&api, &jane, &own).await.expect(200);
}

/// Sends `addresses` for `user_id`, expects a 400 whose message holds every one of `parts`,
/// and checks the user was left as it was.
async fn refused_addresses(api: &Api, user_id: &str, addresses: &Value, parts: &[&str]) {
    let before = user(api, user_id).await;
    let answer = set_addresses(api, user_id, addresses).await;
    answer.expect_error(400, "bad.request");
    let text = answer.body["message"].as_str().expect("message");
    for part in parts {
        assert!(text.contains(part), "{part:?} not in {text:?}");
    }
    let after = user(api, user_id).await;
    assert_eq!(
        after["version"], before["version"],
        "a refused write changes nothing"
    );
    assert_eq!(after["addresses"], before["addresses"]);
}

#[tokio::test]
async fn entries_with_a_media_type_or_type_outside_the_contact_enums_are_refused() {
    let (_sandbox, api) = seeded(ORG).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let media_types = "PHONE, EMAIL, SMS";
    let types = "PRIMARY, WORK, WORK2, WORK3, WORK4, HOME, MOBILE, MAIN, OTHER";
    let extension = json!({ "extension": "2002", "mediaType": "PHONE", "type": "WORK2" });
    let cases = [
        (
            json!({ "address": "+13175559999", "mediaType": "phone", "type": "WORK" }),
            media_types,
        ),
        (
            json!({ "address": "+13175559999", "mediaType": "", "type": "WORK" }),
            media_types,
        ),
        (
            json!({ "address": "+13175559999", "mediaType": 1, "type": "WORK" }),
            media_types,
        ),
        (
            json!({ "address": "+13175550106", "mediaType": "PHONE", "type": "WORK5" }),
            types,
        ),
        (
            json!({ "address": "+13175550106", "mediaType": "PHONE", "type": "work" }),
            types,
        ),
    ];
    for (entry, allowed) in cases {
        refused_addresses(
            &api,
            &bob,
            &json!([extension, entry]),
            &["addresses[1]", allowed],
        )
        .await;
    }
    // Every listed value passes the enum check (MAIN and OTHER need no pool).
    let all = json!([
        extension,
        { "address": "+13175550106", "mediaType": "PHONE", "type": "WORK" },
        { "address": "+15555550100", "mediaType": "SMS", "type": "MAIN" },
        { "address": "bob@home.example", "mediaType": "EMAIL", "type": "OTHER" },
    ]);
    assert_eq!(
        set_addresses(&api, &bob, &all).await.expect(200)["addresses"],
        all
    );
}

#[tokio::test]
async fn a_primary_entry_other_than_the_users_email_is_refused() {
    let (_sandbox, api) = seeded(ORG).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let extension = json!({ "extension": "2002", "mediaType": "PHONE", "type": "WORK2" });
    let primary = |media_type: &str, address: &str| json!({ "address": address, "mediaType": media_type, "type": "PRIMARY" });
    for entry in [
        primary("EMAIL", "robert@acme.example"),
        primary("EMAIL", "BOB@acme.example"),
        primary("PHONE", "bob@acme.example"),
        json!({ "extension": "2003", "mediaType": "EMAIL", "type": "PRIMARY" }),
    ] {
        refused_addresses(
            &api,
            &bob,
            &json!([extension, entry]),
            &["addresses[1]", "bob@acme.example", "cannot be changed"],
        )
        .await;
    }
    let created = api
        .post(
            "/users",
            &json!({ "name": "Eve", "email": "eve@acme.example", "addresses": [primary("EMAIL", "other@acme.example")] }),
        )
        .await;
    created.expect_error(400, "bad.request");
    let created = api
        .post(
            "/users",
            &json!({ "name": "Eve", "email": "eve@acme.example", "addresses": [primary("EMAIL", "eve@acme.example")] }),
        )
        .await;
    assert_eq!(
        created.expect(200)["addresses"],
        json!([primary("EMAIL", "eve@acme.example")])
    );

    // The stored primary email, sent as an entry, is accepted; it follows a change of `email`
    // so that what a read answers can be sent back.
    let unchanged = json!([extension, primary("EMAIL", "bob@acme.example")]);
    set_addresses(&api, &bob, &unchanged).await.expect(200);
    let version = user(&api, &bob).await["version"].clone();
    api.patch(
        &format!("/users/{bob}"),
        &json!({ "version": version, "email": "robert@acme.example" }),
    )
    .await
    .expect(200);
    let read = user(&api, &bob).await["addresses"].clone();
    assert_eq!(
        read,
        json!([extension, primary("EMAIL", "robert@acme.example")])
    );
    set_addresses(&api, &bob, &read).await.expect(200);
    refused_addresses(
        &api,
        &bob,
        &unchanged,
        &["addresses[1]", "robert@acme.example"],
    )
    .await;
}

#[tokio::test]
async fn two_entries_with_one_media_type_and_type_are_refused() {
    let (_sandbox, api) = seeded(ORG).await;
    let bob = user_id(&api, "bob@acme.example").await;
    let extension = json!({ "extension": "2002", "mediaType": "PHONE", "type": "WORK2" });
    refused_addresses(
        &api,
        &bob,
        &json!([
            extension,
            { "address": "+13175550106", "mediaType": "PHONE", "type": "WORK" },
            { "address": "+13175550107", "mediaType": "PHONE", "type": "WORK" },
        ]),
        &["addresses[2]", "PHONE WORK", "addresses[1]"],
    )
    .await;
    refused_addresses(
        &api,
        &bob,
        &json!([extension, { "extension": "2003", "mediaType": "PHONE", "type": "WORK2" }]),
        &["addresses[1]", "PHONE WORK2", "addresses[0]"],
    )
    .await;
    refused_addresses(
        &api,
        &bob,
        &json!([
            { "address": "+447700900123", "mediaType": "PHONE" },
            { "address": "+447700900124", "mediaType": "PHONE" },
        ]),
        &["addresses[1]", "PHONE (none)"],
    )
    .await;
    // One media type with several types is the documented multi-number use.
    let several = json!([
        extension,
        { "address": "+13175550106", "mediaType": "PHONE", "type": "WORK" },
        { "address": "+447700900123", "mediaType": "PHONE", "type": "MOBILE" },
        { "address": "+447700900124", "mediaType": "PHONE", "type": "HOME" },
        { "address": "+447700900125", "mediaType": "SMS", "type": "MOBILE" },
    ]);
    set_addresses(&api, &bob, &several).await.expect(200);
}

#[tokio::test]
async fn read_addresses_sent_back_with_the_work_number_changed_are_accepted() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let mut addresses = user(&api, &jane).await["addresses"].clone();
    let entries = addresses.as_array_mut().expect("addresses");
    entries
        .push(json!({ "address": "jane@acme.example", "mediaType": "EMAIL", "type": "PRIMARY" }));
    entries.push(json!({ "address": "+447700900123", "mediaType": "PHONE", "type": "MOBILE" }));
    set_addresses(&api, &jane, &addresses).await.expect(200);

    // As roster's client does: read, change the WORK entry, send everything back.
    let mut read = user(&api, &jane).await["addresses"].clone();
    assert_eq!(read.as_array().map(Vec::len), Some(4), "{read}");
    let work = read
        .as_array_mut()
        .expect("addresses")
        .iter_mut()
        .find(|entry| entry["mediaType"] == "PHONE" && entry["type"] == "WORK")
        .expect("a WORK entry");
    work["address"] = json!("+13175550107");
    let answer = set_addresses(&api, &jane, &read).await;
    assert_eq!(answer.expect(200)["addresses"], read);
    let rows = did_rows(&api, "type=ASSIGNED_AND_UNASSIGNED").await;
    let row = rows
        .iter()
        .find(|row| row["number"] == "+13175550107")
        .expect("listed");
    assert_eq!(row["owner"]["id"], jane.as_str());
}

#[tokio::test]
async fn extension_pools_have_3_to_9_digits() {
    let (sandbox, api) = setup().await;
    let http = reqwest::Client::new();
    let seed = async |start: &str, end: &str| {
        let yaml = format!(
            "telephony: {{ extensionPools: [{{ name: Desk, start: '{start}', end: '{end}' }}] }}"
        );
        let response = http
            .post(format!(
                "{}/__sandbox/orgs/sandbox/seed",
                sandbox.base_url()
            ))
            .body(yaml)
            .send()
            .await
            .expect("sent");
        read(response).await
    };
    for (start, end) in [("20", "99"), ("1000000000", "1000000099"), ("", "")] {
        let answer = seed(start, end).await;
        assert_eq!(answer.status, 400, "{start} to {end}: {}", answer.raw);
        let text = answer.body["message"].as_str().expect("message");
        assert!(
            text.contains("extension pool `Desk`") && text.contains("3 to 9 digits"),
            "{text:?}"
        );
    }
    let answer = seed("200", "2999").await;
    assert_eq!(answer.status, 400, "{}", answer.raw);
    for (start, end) in [("200", "299"), ("100000000", "100000099")] {
        let answer = seed(start, end).await;
        assert_eq!(answer.status, 204, "{start} to {end}: {}", answer.raw);
        let pools = api.get("/telephony/providers/edges/extensionpools").await;
        assert_eq!(pools.expect(200)["entities"][0]["startNumber"], start);
    }
}

#[tokio::test]
async fn a_station_is_expanded_and_can_be_disassociated_once() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let bob = user_id(&api, "bob@acme.example").await;
    let read = api.get(&format!("/users/{jane}?expand=station")).await;
    let station = &read.expect(200)["station"]["associatedStation"];
    assert_eq!(station["name"], "Jane WebRTC");
    assert_eq!(station["type"], "inin_webrtc_softphone");
    assert!(station["id"].is_string());
    let plain = api.get(&format!("/users/{jane}")).await;
    assert!(plain.expect(200).get("station").is_none(), "only on expand");
    let bob_read = api.get(&format!("/users/{bob}?expand=station")).await;
    assert_eq!(bob_read.expect(200)["station"], json!({}));
    let list = api.get("/users?pageSize=100&expand=station").await;
    let with_station = list.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .iter()
        .filter(|user| user["station"].get("associatedStation").is_some())
        .count();
    assert_eq!(with_station, 1);

    let path = format!("/users/{jane}/station/associatedstation");
    let answer = api.delete(&path).await;
    assert_eq!(answer.status, 204, "{}", answer.raw);
    assert!(answer.raw.is_empty());
    api.delete(&path).await.expect_error(404, "not.found");
    let read = api.get(&format!("/users/{jane}?expand=station")).await;
    assert_eq!(read.expect(200)["station"], json!({}));
}

#[tokio::test]
async fn business_units_planning_groups_and_management_units_are_read() {
    let (_sandbox, api) = seeded(ORG).await;
    let units = api.get("/workforcemanagement/businessunits").await;
    let body = units.expect(200);
    assert_eq!(body["entities"].as_array().expect("entities").len(), 1);
    let north = &body["entities"][0];
    assert_eq!(north["name"], "North");
    assert_eq!(north["authorized"], true);
    assert!(north["division"]["id"].is_string());
    assert!(body.get("pageSize").is_none(), "not paged");
    let north = id(north);

    let groups = api
        .get(&format!(
            "/workforcemanagement/businessunits/{north}/planninggroups"
        ))
        .await;
    let group = &groups.expect(200)["entities"][0];
    assert_eq!(group["name"], "Billing Voice");
    assert_eq!(group["metadata"]["version"], 1);
    let billing = id(&named(&api, "/routing/queues", "Billing").await);
    let spanish = id(&named(&api, "/routing/languages", "Spanish").await);
    let skill = id(&named(&api, "/routing/skills", "Billing").await);
    let path = &group["routePaths"][0];
    assert_eq!(path["queue"]["id"], billing.as_str());
    assert_eq!(path["mediaType"], "Voice");
    assert_eq!(path["language"]["id"], spanish.as_str());
    assert_eq!(path["skills"][0]["id"], skill.as_str());
    api.get(&format!(
        "/workforcemanagement/businessunits/{}/planninggroups",
        uuid_like()
    ))
    .await
    .expect_error(404, "not.found");

    let units = api.get("/workforcemanagement/managementunits").await;
    let entities = units.expect(200)["entities"]
        .as_array()
        .expect("entities")
        .clone();
    let names: Vec<&str> = entities
        .iter()
        .filter_map(|unit| unit["name"].as_str())
        .collect();
    assert_eq!(names, ["North Agents", "North Reserve"]);
    assert!(
        entities
            .iter()
            .all(|unit| unit["businessUnit"]["id"] == north.as_str())
    );
    let jane = user_id(&api, "jane@acme.example").await;
    let members = api
        .get(&format!(
            "/workforcemanagement/managementunits/{}/users",
            id(&entities[0])
        ))
        .await;
    assert_eq!(
        members.expect(200)["entities"],
        json!([{ "id": jane, "selfUri": format!("/api/v2/users/{jane}") }])
    );
}

/// An id that names nothing.
fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

/// The results of a move, as (user id, result).
fn results(body: &Value) -> Vec<(String, String)> {
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            (
                result["user"]["id"].as_str().expect("user id").to_owned(),
                result["result"].as_str().expect("result").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_move_answers_one_result_per_user() {
    let (_sandbox, api) = seeded(ORG).await;
    let ids = async |emails: &[&str]| {
        let mut out = Vec::new();
        for email in emails {
            out.push(user_id(&api, &format!("{email}@acme.example")).await);
        }
        out
    };
    let [jane, bob, lead, amy, dan] = ids(&["jane", "bob", "lead", "amy", "dan"])
        .await
        .try_into()
        .expect("five users");
    let agents = id(&named(&api, "/workforcemanagement/managementunits", "North Agents").await);
    let members = async || {
        let answer = api
            .get(&format!(
                "/workforcemanagement/managementunits/{agents}/users"
            ))
            .await;
        answer.expect(200)["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(id)
            .collect::<Vec<_>>()
    };
    let move_to = async |users: &[&String], destination: Value| {
        api.post(
            "/workforcemanagement/agents",
            &json!({ "userIds": users, "destinationManagementUnitId": destination }),
        )
        .await
    };

    // North Agents takes 2 and holds Jane: Bob gets the last place.
    let answer = move_to(&[&bob, &lead, &amy, &jane], json!(agents)).await;
    let body = answer.expect(200);
    assert_eq!(body["destinationManagementUnit"]["id"], agents.as_str());
    let limit = "DestinationManagementUnitAgentLimitExceeded".to_owned();
    assert_eq!(
        results(body),
        [
            (bob.clone(), "MoveSuccessful".to_owned()),
            (lead.clone(), limit.clone()),
            (amy.clone(), limit),
            (jane.clone(), "AlreadyMoved".to_owned()),
        ]
    );
    assert_eq!(members().await, [jane.clone(), bob.clone()]);

    // Out of WFM: Bob leaves, Dan was in no unit.
    let answer = move_to(&[&bob, &dan], Value::Null).await;
    let body = answer.expect(200);
    assert!(body.get("destinationManagementUnit").is_none());
    assert_eq!(
        results(body),
        [
            (bob.clone(), "MoveSuccessful".to_owned()),
            (dan.clone(), "NothingToDo".to_owned()),
        ]
    );
    assert_eq!(members().await, std::slice::from_ref(&jane));

    let answer = move_to(&[&amy], json!(uuid_like())).await;
    assert_eq!(
        results(answer.expect(200)),
        [(
            amy.clone(),
            "DestinationManagementUnitDoesNotExist".to_owned()
        )]
    );

    let many: Vec<String> = (0..101).map(|_| amy.clone()).collect();
    let many: Vec<&String> = many.iter().collect();
    move_to(&many, json!(agents))
        .await
        .expect_error(400, "bad.request");
    move_to(&[&amy, &uuid_like().to_owned()], json!(agents))
        .await
        .expect_error(400, "invalid.value");
    // Out of WFM is null: an empty id is refused, not read as null.
    move_to(&[&jane], json!(""))
        .await
        .expect_error(400, "invalid.value");
    assert_eq!(members().await, [jane], "refused moves change nothing");
}

#[tokio::test]
async fn licences_follow_roles() {
    let (_sandbox, api) = seeded(ORG).await;
    let definitions = api.get("/license/definitions").await;
    let list = definitions
        .expect(200)
        .as_array()
        .expect("a bare array")
        .clone();
    let ids: Vec<&str> = list
        .iter()
        .filter_map(|licence| licence["id"].as_str())
        .collect();
    assert_eq!(ids, ["cx2", "cx1", "comms"]);
    assert_eq!(list[0]["description"], "Genesys Cloud CX 2");
    assert_eq!(list[0]["permissions"]["ids"], json!(["routing:queue:view"]));

    let agent = id(&named(&api, "/authorization/roles", "Agent").await);
    let supervisor = id(&named(&api, "/authorization/roles", "Supervisor").await);
    let inferred = api.post("/license/infer", &json!([agent])).await;
    assert_eq!(*inferred.expect(200), json!(["cx2"]));
    let inferred = api
        .post("/license/infer", &json!([agent, supervisor, agent]))
        .await;
    assert_eq!(*inferred.expect(200), json!(["cx1", "cx2"]));
    api.post("/license/infer", &json!([uuid_like()]))
        .await
        .expect_error(400, "invalid.value");

    let page = api.get("/license/users?pageSize=2&pageNumber=1").await;
    let body = page.expect(200);
    assert_eq!(body["total"], 5);
    assert_eq!(body["pageCount"], 3);
    assert_eq!(body["pageSize"], 2);
    assert!(
        body.get("nextUri").is_none(),
        "UserLicensesEntityListing has no links"
    );
    let mut all = Vec::new();
    for number in 1..=3 {
        let page = api
            .get(&format!("/license/users?pageSize=2&pageNumber={number}"))
            .await;
        all.extend(
            page.expect(200)["entities"]
                .as_array()
                .expect("entities")
                .clone(),
        );
    }
    assert_eq!(all.len(), 5);
    let jane = user_id(&api, "jane@acme.example").await;
    let lead = user_id(&api, "lead@acme.example").await;
    let of = |user: &str| {
        all.iter()
            .find(|entry| entry["id"] == user)
            .map(|entry| entry["licenses"].clone())
            .expect("listed")
    };
    assert_eq!(of(&jane), json!(["comms", "cx2"]), "Employee and Agent");
    assert_eq!(
        of(&lead),
        json!(["comms", "cx1"]),
        "Supervisor through a group"
    );

    let one = api.get(&format!("/license/users/{jane}")).await;
    let body = one.expect(200);
    assert_eq!(body["id"], jane.as_str());
    let held: Vec<&str> = body["licenses"]
        .as_array()
        .expect("licenses")
        .iter()
        .filter_map(|licence| licence["id"].as_str())
        .collect();
    assert_eq!(held, ["comms", "cx2"]);
    assert_eq!(body["licenses"][1]["description"], "Genesys Cloud CX 2");
    api.get(&format!("/license/users/{}", uuid_like()))
        .await
        .expect_error(404, "not.found");
}

#[tokio::test]
async fn token_revocations_are_recorded_and_the_dump_round_trips() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let answer = api.delete(&format!("/tokens/{jane}")).await;
    assert_eq!(answer.status, 204, "{}", answer.raw);
    assert!(answer.raw.is_empty());
    // No tokens are left to delete: the harsher reading of an UNCONFIRMED answer.
    api.delete(&format!("/tokens/{jane}"))
        .await
        .expect_error(404, "not.found");
    api.delete(&format!("/tokens/{}", uuid_like()))
        .await
        .expect_error(404, "not.found");
    let recorded = api.get("/__sandbox/orgs/sandbox/revocations").await;
    let revocations = recorded.expect(200)["revocations"]
        .as_array()
        .expect("revocations")
        .clone();
    assert_eq!(revocations.len(), 1);
    assert_eq!(revocations[0]["userId"], jane.as_str());
    assert!(revocations[0]["at"].is_string());
    // The caller's own token still works: revoking a user's tokens is not revoking ours.
    api.get("/tokens/me").await.expect(200);

    let dump = api
        .get("/__sandbox/orgs/sandbox/dump")
        .await
        .expect(200)
        .clone();
    assert_eq!(dump["revocations"], json!(revocations));
    for key in ["telephony", "wfm", "licences"] {
        assert!(dump[key].is_object(), "{key} in the dump");
    }
    assert_eq!(
        dump["telephony"]["didPools"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        dump["wfm"]["managementUnits"].as_array().map(Vec::len),
        Some(2)
    );
    let loaded = api.post("/__sandbox/orgs/sandbox/load", &dump).await;
    assert_eq!(loaded.status, 204, "{}", loaded.raw);
    let again = api.get("/__sandbox/orgs/sandbox/dump").await;
    assert_eq!(*again.expect(200), dump);
    // The loaded org serves the same numbers.
    assert_eq!(did_rows(&api, "type=UNASSIGNED").await.len(), 13);
}

#[tokio::test]
async fn queues_carry_their_media_settings() {
    let (_sandbox, api) = seeded(ORG).await;
    let billing = named(&api, "/routing/queues", "Billing").await;
    let media = billing["mediaSettings"].as_object().expect("mediaSettings");
    let keys: Vec<&String> = media.keys().collect();
    assert_eq!(keys, ["call", "chat"]);
    assert!(media["call"]["alertingTimeoutSeconds"].is_u64());
    assert!(media["call"]["serviceLevel"]["percentage"].is_number());
    assert!(media["call"]["serviceLevel"]["durationMs"].is_u64());
    let all_five = ["call", "callback", "chat", "email", "message"];
    let sales = named(&api, "/routing/queues", "Sales").await;
    let keys: Vec<&String> = sales["mediaSettings"]
        .as_object()
        .expect("media")
        .keys()
        .collect();
    assert_eq!(keys, all_five);
    let created = api
        .post("/routing/queues", &json!({ "name": "Support" }))
        .await;
    let keys: Vec<String> = created.expect(200)["mediaSettings"]
        .as_object()
        .expect("media")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, all_five);
    let one = api.get(&format!("/routing/queues/{}", id(&billing))).await;
    assert_eq!(one.expect(200)["mediaSettings"], billing["mediaSettings"]);
}

#[tokio::test]
async fn stats_count_the_new_routes_under_their_templates() {
    let (_sandbox, api) = seeded(ORG).await;
    let jane = user_id(&api, "jane@acme.example").await;
    let north = id(&named(&api, "/workforcemanagement/businessunits", "North").await);
    let agents = id(&named(&api, "/workforcemanagement/managementunits", "North Agents").await);
    let reset = api.delete("/__sandbox/orgs/sandbox/stats").await;
    assert_eq!(reset.status, 204, "{}", reset.raw);
    let calls = [
        "/telephony/providers/edges/didpools".to_owned(),
        "/telephony/providers/edges/extensionpools".to_owned(),
        format!("{DIDS}?type=UNASSIGNED"),
        format!("{DIDS}?type=UNASSIGNED&pageNumber=2"),
        "/workforcemanagement/businessunits".to_owned(),
        format!("/workforcemanagement/businessunits/{north}/planninggroups"),
        "/workforcemanagement/managementunits".to_owned(),
        format!("/workforcemanagement/managementunits/{agents}/users"),
        "/license/definitions".to_owned(),
        "/license/users".to_owned(),
        format!("/license/users/{jane}"),
    ];
    for path in &calls {
        api.get(path).await.expect(200);
    }
    api.post("/license/infer", &json!([])).await.expect(200);
    api.post(
        "/workforcemanagement/agents",
        &json!({ "userIds": [jane], "destinationManagementUnitId": agents }),
    )
    .await
    .expect(200);
    api.delete(&format!("/tokens/{jane}")).await;
    api.delete(&format!("/users/{jane}/station/associatedstation"))
        .await;
    let stats = api.get("/__sandbox/orgs/sandbox/stats").await;
    let by_route = &stats.expect(200)["byRoute"];
    let expected = [
        ("GET /api/v2/telephony/providers/edges/didpools", 1),
        ("GET /api/v2/telephony/providers/edges/extensionpools", 1),
        ("GET /api/v2/telephony/providers/edges/didpools/dids", 2),
        ("GET /api/v2/workforcemanagement/businessunits", 1),
        (
            "GET /api/v2/workforcemanagement/businessunits/{businessUnitId}/planninggroups",
            1,
        ),
        ("GET /api/v2/workforcemanagement/managementunits", 1),
        (
            "GET /api/v2/workforcemanagement/managementunits/{managementUnitId}/users",
            1,
        ),
        ("GET /api/v2/license/definitions", 1),
        ("GET /api/v2/license/users", 1),
        ("GET /api/v2/license/users/{userId}", 1),
        ("POST /api/v2/license/infer", 1),
        ("POST /api/v2/workforcemanagement/agents", 1),
        ("DELETE /api/v2/tokens/{userId}", 1),
        ("DELETE /api/v2/users/{userId}/station/associatedstation", 1),
    ];
    for (route, count) in expected {
        assert_eq!(by_route[route], count, "{route}: {by_route}");
    }
}

#[tokio::test]
async fn wfm_operations_ask_for_the_permissions_the_api_lists() {
    let (_sandbox, api) = seeded(ORG).await;
    let north = id(&named(&api, "/workforcemanagement/businessunits", "North").await);
    let agents = id(&named(&api, "/workforcemanagement/managementunits", "North Agents").await);
    let jane = user_id(&api, "jane@acme.example").await;
    let deny = async |denied: &[&str]| {
        api.put(
            "/__sandbox/orgs/sandbox/clients/sandbox/permissions",
            &json!({ "denied": denied }),
        )
        .await
        .expect(200);
    };
    // PY269 `getWorkforcemanagementManagementunitUsers`: any of these nine.
    let member_views = [
        "wfm:agent:view",
        "wfm:historicalAdherence:view",
        "wfm:publishedSchedule:view",
        "wfm:realtimeAdherence:view",
        "wfm:schedule:view",
        "wfm:staffingGroup:view",
        "wfm:timeOffRequest:view",
        "wfm:workPlanRotation:view",
        "wfm:workPlan:view",
    ];
    let members = format!("/workforcemanagement/managementunits/{agents}/users");
    let groups = format!("/workforcemanagement/businessunits/{north}/planninggroups");

    // One of the nine is enough.
    deny(&member_views[1..]).await;
    api.get(&members).await.expect(200);
    deny(&member_views).await;
    let refused = api.get(&members).await;
    refused.expect_error(403, "missing.permissions");
    assert!(
        refused.raw.contains("wfm:agent:view"),
        "names what to grant: {}",
        refused.raw
    );
    // The unit listings need no permission; planning groups have their own list, which
    // `wfm:planningGroup:view` still satisfies.
    api.get("/workforcemanagement/businessunits")
        .await
        .expect(200);
    api.get("/workforcemanagement/managementunits")
        .await
        .expect(200);
    api.get(&groups).await.expect(200);
    deny(&[
        "wfm:planningGroup:view",
        "wfm:shortTermForecast:view",
        "wfm:intraday:view",
        "wfm:agent:view",
        "wfm:schedule:view",
        "wfm:publishedSchedule:view",
    ])
    .await;
    api.get(&groups)
        .await
        .expect_error(403, "missing.permissions");

    deny(&["wfm:agent:edit"]).await;
    api.post(
        "/workforcemanagement/agents",
        &json!({ "userIds": [jane], "destinationManagementUnitId": null }),
    )
    .await
    .expect_error(403, "missing.permissions");
    deny(&[]).await;
    api.get(&members).await.expect(200);
}

#[tokio::test]
async fn with_a_move_delay_a_move_is_accepted_with_202_and_made_later() {
    let (_sandbox, api) = seeded(ORG).await;
    api.put(
        "/__sandbox/orgs/sandbox/faults",
        &json!({ "agentMoveDelayMs": 200 }),
    )
    .await
    .expect(200);
    let bob = user_id(&api, "bob@acme.example").await;
    let reserve = id(&named(
        &api,
        "/workforcemanagement/managementunits",
        "North Reserve",
    )
    .await);
    let members = format!("/workforcemanagement/managementunits/{reserve}/users");
    let answer = api
        .post(
            "/workforcemanagement/agents",
            &json!({ "userIds": [bob], "destinationManagementUnitId": reserve }),
        )
        .await;
    assert_eq!(answer.status, 202, "{}", answer.raw);
    assert!(answer.body.get("results").is_none(), "{}", answer.raw);
    assert_eq!(
        answer.body["destinationManagementUnit"]["id"],
        reserve.as_str()
    );
    assert_eq!(api.get(&members).await.expect(200)["entities"], json!([]));
    // Made within a bounded wait.
    let mut arrived = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let listed = api.get(&members).await;
        let ids: Vec<String> = listed.expect(200)["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(id)
            .collect();
        if ids == [bob.clone()] {
            arrived = true;
            break;
        }
    }
    assert!(arrived, "the move was never made");
    // A call the sandbox refuses outright is still refused at once.
    api.post(
        "/workforcemanagement/agents",
        &json!({ "userIds": [uuid_like()], "destinationManagementUnitId": reserve }),
    )
    .await
    .expect_error(400, "invalid.value");
    api.put(
        "/__sandbox/orgs/sandbox/faults",
        &json!({ "agentMoveDelayMs": 60_001 }),
    )
    .await
    .expect_error(400, "bad.request");
}
