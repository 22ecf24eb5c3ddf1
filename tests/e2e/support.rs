//! What the plan-and-apply tests share: the `roster` binary run in a copied workspace, a
//! sandbox started in the test process for the `apiBase` path, a natural-key view of an org's
//! state, and the snapshot filters for what varies between runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use roster_sandbox::{
    FaultUpdate, OrgCredentials, RequestRecord, Sandbox, ServeOptions, parse_seed,
};
use serde_json::{Value, json};
use tempfile::TempDir;

/// The placeholder `apiBase` of fixture workspaces, replaced by the test sandbox's address.
pub const API_BASE_PLACEHOLDER: &str = "http://sandbox.invalid";
/// The org name of the `apiBase` org in fixture workspaces.
pub const REMOTE: &str = "remote";
/// Environment variables the fixtures' `remote` org reads its credentials from.
const CLIENT_ID_ENV: &str = "E2E_CLIENT_ID";
const CLIENT_SECRET_ENV: &str = "E2E_CLIENT_SECRET";
/// The client id of the test sandbox's [`REMOTE`] org.
pub const CLIENT_ID: &str = "e2e-client";
/// The client secret of the test sandbox's [`REMOTE`] org.
pub const CLIENT_SECRET: &str = "e2e-secret";

/// A path in the repository.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs a prepared command to completion.
pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("running roster");
    Run {
        code: output.status.code().expect("roster exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// The binary with a clean, colorless environment and stdin not a terminal.
pub fn roster() -> Command {
    let mut command = Command::cargo_bin("roster").expect("the roster binary is built");
    command
        .env("NO_COLOR", "1")
        .env_remove("ROSTER_SANDBOX_FAULTS")
        .env_remove("GITHUB_ACTIONS")
        // The variables behind common flags (`--help` lists them) would change what is run.
        .env_remove("ROSTER_DIR")
        .env_remove("ROSTER_ORG")
        .env_remove("ROSTER_COLOR")
        .env_remove("ROSTER_CONCURRENCY")
        .env_remove("ROSTER_SKIP_MISSING_CREDENTIALS")
        .env_remove(CLIENT_ID_ENV)
        .env_remove(CLIENT_SECRET_ENV);
    command
}

/// A workspace in a temporary directory, and how to run roster on it.
pub struct Workspace {
    dir: TempDir,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A copy of a workspace of the repository (`examples/acme`, `tests/fixtures/...`),
    /// without any `.roster` state it may have.
    pub fn copy(relative: &str) -> Self {
        let workspace = Self::empty();
        copy_dir(&repo_path(relative), workspace.root());
        workspace
    }

    /// An empty workspace.
    pub fn empty() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory"),
            env: Vec::new(),
        }
    }

    /// The folder holding `roster.yaml`.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file, creating its folder.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.root().join(relative);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Reads a file.
    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.root().join(relative)).unwrap()
    }

    /// Points the fixture's `remote` org at `sandbox` and gives it credentials.
    pub fn connect(&mut self, sandbox: &External) {
        let text = self.read("roster.yaml");
        assert!(
            text.contains(API_BASE_PLACEHOLDER),
            "the fixture has a remote org"
        );
        self.write(
            "roster.yaml",
            &text.replace(API_BASE_PLACEHOLDER, &sandbox.sandbox.base_url()),
        );
        self.env = vec![
            (CLIENT_ID_ENV.into(), CLIENT_ID.into()),
            (CLIENT_SECRET_ENV.into(), CLIENT_SECRET.into()),
        ];
    }

    /// `roster SUBCOMMAND WORKSPACE ARGS...`, not yet run.
    pub fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut command = roster();
        command
            .current_dir(self.root())
            .arg(subcommand)
            .arg(self.root())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// `roster SUBCOMMAND WORKSPACE ARGS...` as a plain process, for tests that signal it
    /// while it runs.
    pub fn process(&self, subcommand: &str, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("roster"));
        command
            .env("NO_COLOR", "1")
            .env_remove("ROSTER_SANDBOX_FAULTS")
            .env_remove("GITHUB_ACTIONS")
            .current_dir(self.root())
            .arg(subcommand)
            .arg(self.root())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// Runs `roster SUBCOMMAND WORKSPACE ARGS...`.
    pub fn roster(&self, subcommand: &str, args: &[&str]) -> Run {
        run(&mut self.command(subcommand, args))
    }

    /// The state of an in-process sandbox org, as saved under `.roster/sandbox/`.
    pub fn sandbox_state(&self, org: &str) -> Value {
        let text = self.read(&format!(".roster/sandbox/{org}.json"));
        let saved: Value = serde_json::from_str(&text).unwrap();
        saved["orgs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == org)
            .map(|o| o["state"].clone())
            .expect("the org is in its state file")
    }

    /// The journal of an org.
    pub fn journal(&self, org: &str) -> PathBuf {
        self.root().join(format!(".roster/journal/{org}.jsonl"))
    }

    /// Snapshot settings that hide what varies: this workspace's path, ids, digests, times.
    pub fn settings(&self) -> insta::Settings {
        let mut settings = settings();
        let root = self.root().display().to_string();
        settings.add_filter(&escape(&root), "[workspace]");
        settings
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".roster" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn escape(literal: &str) -> String {
    literal
        .chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// Snapshot settings hiding UUIDs, digests, hashes, times and durations.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[digest]");
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    settings.add_filter(r"\b\d+(\.\d+)?(ms|s)\)", "[duration])");
    settings.add_filter(r"\b[0-9a-f]{12}…", "[hash]…");
    settings.set_prepend_module_to_snapshot(true);
    settings
}

/// A sandbox running in the test process, reached by the binary over HTTP with credentials,
/// like a real org: the test can read its request log.
pub struct External {
    /// The sandbox (dropped before the runtime that serves it).
    pub sandbox: Sandbox,
    runtime: tokio::runtime::Runtime,
}

impl External {
    /// A sandbox with the org [`REMOTE`] seeded from `seed` (YAML), without rate limit.
    pub fn start(seed: &str) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let options = ServeOptions {
            orgs: vec![OrgCredentials {
                name: REMOTE.into(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
            }],
            state_file: None,
            ..ServeOptions::default()
        };
        let sandbox = runtime.block_on(Sandbox::start_with(options)).unwrap();
        sandbox.seed(REMOTE, &parse_seed(seed).unwrap()).unwrap();
        let external = External { sandbox, runtime };
        external.faults(&FaultUpdate {
            requests_per_minute: Some(0),
            ..FaultUpdate::default()
        });
        external
    }

    /// Changes the org's realism knobs.
    pub fn faults(&self, update: &FaultUpdate) {
        self.sandbox.set_faults(REMOTE, update).unwrap();
    }

    /// Requests since the last reset, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.sandbox.requests(REMOTE).unwrap()
    }

    /// Requests per `METHOD /route/{template}` since the last reset.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.sandbox.stats(REMOTE).unwrap().by_route
    }

    /// Forgets the request log and counters.
    pub fn reset(&self) {
        self.sandbox.reset_stats(REMOTE).unwrap();
    }

    /// The org's state.
    pub fn state(&self) -> Value {
        self.sandbox.dump(REMOTE).unwrap()
    }

    /// Sends one API request as the org's own client would (for changes made behind
    /// roster's back), and answers the response body.
    pub fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.api_as(&self.sandbox.token(REMOTE).unwrap(), method, path, body)
    }

    /// Sends one API request with `token`, and answers the response body.
    pub fn api_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let url = format!("{}{path}", self.sandbox.base_url());
        self.runtime.block_on(async move {
            let mut request = reqwest::Client::new()
                .request(method, url)
                .bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert!(status.is_success(), "{path}: {status} {text}");
            serde_json::from_str(&text).unwrap_or(Value::Null)
        })
    }

    /// Adds another named OAuth client to the org (an admin's script, an identity sync) and
    /// logs in as it through `/oauth/token`; answers its access token.
    pub fn other_client(&self, name: &str, client_id: &str, client_secret: &str) -> String {
        self.sandbox
            .add_client(REMOTE, name, client_id, client_secret)
            .unwrap();
        let url = format!("{}/oauth/token", self.sandbox.base_url());
        self.runtime.block_on(async move {
            let response = reqwest::Client::new()
                .post(url)
                .basic_auth(client_id, Some(client_secret))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials")
                .send()
                .await
                .unwrap();
            let body: Value = response.json().await.unwrap();
            body["access_token"]
                .as_str()
                .expect("a token response")
                .to_owned()
        })
    }
}

/// The org state of a dump or state file, whichever shape it has.
fn org_state(state: &Value) -> &Value {
    if state.get("users").is_some() {
        state
    } else {
        &state["state"]
    }
}

/// The objects of `kind` in a dump or state file, deleted ones left out.
pub fn live<'a>(state: &'a Value, kind: &str) -> impl Iterator<Item = &'a Value> {
    org_state(state)[kind]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|o| o["state"] != "deleted")
}

fn names_by_id(state: &Value, kind: &str, key: &str) -> BTreeMap<String, String> {
    org_state(state)[kind]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o[key].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Fails when the org holds two of anything: two live skills (languages, codes, queues,
/// teams) of one name, two users of one email, a member twice in a queue or team, a skill
/// twice on a user. Retries and re-runs must never create those.
pub fn assert_no_duplicates(state: &Value) {
    for (kind, key) in [
        ("skills", "name"),
        ("languages", "name"),
        ("wrapupCodes", "name"),
        ("queues", "name"),
        ("teams", "name"),
        ("users", "email"),
    ] {
        let mut seen = BTreeSet::new();
        for object in live(state, kind) {
            let name = object[key].as_str().unwrap().to_lowercase();
            assert!(seen.insert(name.clone()), "two {kind} named `{name}`");
        }
    }
    for (kind, list, key) in [
        ("queues", "members", "userId"),
        ("teams", "members", "userId"),
        ("users", "skills", "id"),
        ("users", "languages", "id"),
    ] {
        for object in live(state, kind) {
            let mut seen = BTreeSet::new();
            for item in object[list]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                let id = item[key].as_str().unwrap();
                assert!(
                    seen.insert(id),
                    "{kind} `{}` lists {list} `{id}` twice",
                    object["name"]
                );
            }
        }
    }
}

/// The org as natural keys only (no ids, versions or times), sorted: what a reviewer checks
/// against the manifests. `emails` limits the users shown (all when empty).
pub fn org_view(state: &Value, emails: &[&str]) -> Value {
    let divisions = names_by_id(state, "divisions", "name");
    let roles = names_by_id(state, "roles", "name");
    let skills = names_by_id(state, "skills", "name");
    let languages = names_by_id(state, "languages", "name");
    let codes = names_by_id(state, "wrapupCodes", "name");
    let users = names_by_id(state, "users", "email");
    let name_list = |kind: &str| -> Vec<String> {
        let mut names: Vec<String> = live(state, kind)
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let member_emails = |members: &Value| -> Vec<String> {
        let mut list: Vec<String> = members
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|m| users[m["userId"].as_str().unwrap()].clone())
            .collect();
        list.sort();
        list
    };
    let division = |o: &Value| o["divisionId"].as_str().map(|id| divisions[id].clone());
    let mut queues = BTreeMap::new();
    for queue in live(state, "queues") {
        let mut wrapup: Vec<String> = queue["wrapupCodes"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|id| codes[id.as_str().unwrap()].clone())
            .collect();
        wrapup.sort();
        queues.insert(
            queue["name"].as_str().unwrap().to_owned(),
            json!({
                "division": division(queue),
                "description": queue["description"],
                "wrapupCodes": wrapup,
                "members": member_emails(&queue["members"]),
            }),
        );
    }
    let mut teams = BTreeMap::new();
    let mut team_of = BTreeMap::new();
    for team in live(state, "teams") {
        let name = team["name"].as_str().unwrap().to_owned();
        for email in member_emails(&team["members"]) {
            team_of.insert(email, name.clone());
        }
        teams.insert(
            name,
            json!({
                "division": division(team),
                "description": team["description"],
                "members": member_emails(&team["members"]),
            }),
        );
    }
    let mut people = BTreeMap::new();
    for user in live(state, "users") {
        let email = user["email"].as_str().unwrap().to_lowercase();
        if !emails.is_empty() && !emails.contains(&email.as_str()) {
            continue;
        }
        let proficiencies = |list: &Value, names: &BTreeMap<String, String>| -> Value {
            let map: BTreeMap<String, Value> = list
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|a| {
                    (
                        names[a["id"].as_str().unwrap()].clone(),
                        a["proficiency"].clone(),
                    )
                })
                .collect();
            json!(map)
        };
        let mut grants: Vec<String> = user["grants"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|g| {
                format!(
                    "{} in {}",
                    roles[g["roleId"].as_str().unwrap()],
                    divisions[g["divisionId"].as_str().unwrap()]
                )
            })
            .collect();
        grants.sort();
        let mut queues_of: Vec<&String> = queues
            .iter()
            .filter(|(_, q): &(&String, &Value)| {
                q["members"].as_array().unwrap().contains(&json!(email))
            })
            .map(|(name, _)| name)
            .collect();
        queues_of.sort();
        people.insert(
            email.clone(),
            json!({
                "name": user["name"],
                "state": user["state"],
                "title": user["title"],
                "department": user["department"],
                "division": division(user),
                "manager": user["managerId"].as_str().map(|id| users[id].clone()),
                "team": team_of.get(&email),
                "acdAutoAnswer": user["acdAutoAnswer"],
                "skills": proficiencies(&user["skills"], &skills),
                "languages": proficiencies(&user["languages"], &languages),
                "roles": grants,
                "queues": queues_of,
                "utilization": user["utilization"],
            }),
        );
    }
    json!({
        "skills": name_list("skills"),
        "languages": name_list("languages"),
        "wrapupCodes": name_list("wrapupCodes"),
        "queues": queues,
        "teams": teams,
        "users": people,
    })
}

/// What a plan asks the snapshot to read beyond the org-wide lists (`ReadNeeds`).
pub struct Needs<'a> {
    /// Managed queues (their members are read).
    pub queues: &'a [&'a str],
    /// Queues whose wrap-up codes are managed.
    pub wrapup_queues: &'a [&'a str],
    /// Whether some user's roles are managed (every role's subjects are read).
    pub grants: bool,
    /// Users whose utilization is managed.
    pub utilization: &'a [&'a str],
    /// Whether management units and their members are read (some user manages `wfm`, or
    /// someone may be offboarded and must leave its unit).
    pub wfm: bool,
    /// Whether the org's licence definitions are read (some user manages `roles`).
    pub licences: bool,
}

/// How many members the queue's member listing holds: its direct members and the members of
/// its groups (users not deleted), each once.
fn queue_listing_len(state: &Value, queue: &Value) -> usize {
    let listed: BTreeSet<&str> = live(state, "users")
        .filter_map(|u| u["id"].as_str())
        .collect();
    let groups: BTreeMap<&str, &Value> = live(state, "groups")
        .filter_map(|g| Some((g["id"].as_str()?, g)))
        .collect();
    let mut members: BTreeSet<&str> = queue["members"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m["userId"].as_str())
        .collect();
    for group in queue["memberGroups"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let Some(group) = group.as_str().and_then(|id| groups.get(id)) else {
            continue;
        };
        let group_members = group["members"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        members.extend(
            group_members
                .iter()
                .filter_map(Value::as_str)
                .filter(|id| listed.contains(id)),
        );
    }
    members.len()
}

/// The read budget documented in `crates/roster-genesys/src/lib.rs`, computed from what the
/// org holds: the number of requests a snapshot must take, token included.
pub fn read_budget(state: &Value, needs: &Needs<'_>) -> u64 {
    let pages = |n: usize| (n.div_ceil(500)).max(1) as u64;
    let count = |kind: &str| live(state, kind).count();
    let mut total = 1; // token
    for kind in [
        "divisions",
        "roles",
        "skills",
        "languages",
        "wrapupCodes",
        "queues",
    ] {
        total += pages(count(kind));
    }
    total += count("teams") as u64 / 100 + 1;
    let active = live(state, "users")
        .filter(|u| u["state"] == "active")
        .count();
    let inactive = live(state, "users")
        .filter(|u| u["state"] == "inactive")
        .count();
    total += pages(active) + pages(inactive);
    for queue in live(state, "queues") {
        let name = queue["name"].as_str().unwrap();
        let len = |field: &str| queue[field].as_array().map_or(0, Vec::len);
        if needs.queues.contains(&name) {
            total += queue_listing_len(state, queue) as u64 / 100 + 1;
        }
        if needs.wrapup_queues.contains(&name) {
            total += (len("wrapupCodes").div_ceil(100)).max(1) as u64;
        }
    }
    if needs.grants {
        for role in live(state, "roles") {
            let id = &role["id"];
            let holders = |kind: &str| {
                live(state, kind)
                    .filter(|s| {
                        s["grants"]
                            .as_array()
                            .is_some_and(|g| g.iter().any(|g| &g["roleId"] == id))
                    })
                    .count()
            };
            total += pages(holders("users") + holders("groups"));
        }
    }
    let users: BTreeSet<String> = live(state, "users")
        .map(|u| u["email"].as_str().unwrap().to_lowercase())
        .collect();
    let utilization = needs
        .utilization
        .iter()
        .filter(|email| users.contains(**email))
        .count() as u64;
    total += utilization + u64::from(!needs.utilization.is_empty());
    if needs.wfm {
        // Business units, management units, then one member listing per unit.
        let units = org_state(state)["wfm"]["managementUnits"]
            .as_array()
            .map_or(0, Vec::len);
        total += 2 + units as u64;
    }
    total += u64::from(needs.licences); // licence definitions
    total
}

/// How many licence inferences (`POST /api/v2/license/infer`) planning `steps` (a JSON plan's
/// steps) against `state` asks (DESIGN §2.10): one per distinct set of role names that a user
/// whose role names the steps change holds before or after them, except a set with no role
/// of the org (it implies no licence and costs nothing). Before: every role an active user
/// holds, directly or through its groups; none for an inactive or new user. After: what the
/// steps leave: a new user starts with `Employee` in the home division (when the org has
/// both), a deactivated one holds none, a reactivated one what its groups give.
pub fn licence_inferences(state: &Value, steps: &Value) -> u64 {
    type Grants = BTreeSet<(String, String, bool)>;
    let roles = names_by_id(state, "roles", "name");
    let divisions = names_by_id(state, "divisions", "name");
    let home = live(state, "divisions")
        .find(|d| d["home"] == true)
        .map(|d| d["name"].as_str().unwrap().to_owned());
    let grant = |g: &Value, direct: bool| {
        (
            roles[g["roleId"].as_str().unwrap()].clone(),
            divisions[g["divisionId"].as_str().unwrap()].clone(),
            direct,
        )
    };
    let user_of = |email: &str| {
        live(state, "users").find(|u| u["email"].as_str().unwrap().eq_ignore_ascii_case(email))
    };
    let from_groups = |user: &Value| -> Grants {
        live(state, "groups")
            .filter(|g| g["members"].as_array().unwrap().contains(&user["id"]))
            .flat_map(|g| {
                g["grants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| grant(g, false))
            })
            .collect()
    };
    let held = |email: &str| -> Option<Grants> {
        let user = user_of(email)?;
        (user["state"] == "active").then(|| {
            let mut grants: Grants = user["grants"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|g| grant(g, true))
                .collect();
            grants.extend(from_groups(user));
            grants
        })
    };
    let granted = |g: &Value| {
        let division = g["division"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| home.clone())
            .unwrap_or_default();
        (g["role"].as_str().unwrap().to_owned(), division, true)
    };
    let mut touched: BTreeMap<String, Option<Grants>> = BTreeMap::new();
    for step in steps.as_array().unwrap() {
        let op = &step["operation"];
        let Some(email) = op["email"].as_str() else {
            continue;
        };
        let entry = || held(email);
        match op["op"].as_str().unwrap() {
            "createUser" => {
                let new_user: Grants = match &home {
                    Some(home) if roles.values().any(|r| r == "Employee") => {
                        BTreeSet::from([("Employee".to_owned(), home.clone(), true)])
                    }
                    _ => BTreeSet::new(),
                };
                touched.insert(email.to_owned(), Some(new_user));
            }
            "grantRoles" => {
                let grants = touched.entry(email.to_owned()).or_insert_with(entry);
                let grants = grants.get_or_insert_with(BTreeSet::new);
                grants.extend(op["grants"].as_array().unwrap().iter().map(granted));
            }
            "revokeRoles" => {
                if let Some(grants) = touched.entry(email.to_owned()).or_insert_with(entry) {
                    for g in op["grants"].as_array().unwrap() {
                        grants.remove(&granted(g));
                    }
                }
            }
            "setUserState" => {
                let after = match op["state"].as_str().unwrap() {
                    "inactive" => None,
                    _ => user_of(email).map(from_groups),
                };
                touched.insert(email.to_owned(), after);
            }
            _ => {}
        }
    }
    let names = |grants: Option<&Grants>| -> BTreeSet<String> {
        grants
            .into_iter()
            .flatten()
            .map(|(role, _, _)| role.clone())
            .collect()
    };
    let mut sets: BTreeSet<BTreeSet<String>> = BTreeSet::new();
    for (email, after) in &touched {
        let before = names(held(email).as_ref());
        let after = names(after.as_ref());
        if before != after {
            sets.insert(before);
            sets.insert(after);
        }
    }
    sets.retain(|set| set.iter().any(|role| roles.values().any(|r| r == role)));
    sets.len() as u64
}

/// `METHOD /route` of every request, in order, with the status when it is not a success.
pub fn request_lines(requests: &[RequestRecord]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            if r.status < 300 {
                format!("{} {}", r.method, r.route)
            } else {
                format!("{} {} -> {}", r.method, r.route, r.status)
            }
        })
        .collect()
}
