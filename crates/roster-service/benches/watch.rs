//! Drift watch benchmark (issue #14): what watching an org of 10,000 users costs beside
//! re-planning it every 5 minutes.
//!
//! The in-process sandbox (127.0.0.1 only, its rate limit off) holds 10,000 users (about
//! 1,000 inactive), 300 skills, 200 queues × 150 members and 50 teams. The org is exported
//! (active users, without utilization) into a workspace that matches it exactly, then:
//!
//! 1. one full drift check (`drift_org`) is timed and its requests counted: the cost of one
//!    re-plan; re-planning every 5 minutes is 12 of them an hour;
//! 2. a watch runs on its own thread; once it says `Watching`, a second OAuth client (an HR
//!    sync script) makes 100 out-of-band changes through the API: queue member adds and
//!    removes, user skill proficiencies and titles, each on its own queue or user. Each change
//!    is made once the previous one was detected (or missed) and a short pause passed, so the
//!    watch handles each alone, as at 100 changes an hour (one every 36 s); the hour is
//!    compressed into about a minute. Detection latency is the time from the change's API
//!    response to the watch's `Drift` event naming its queue or user;
//! 3. the watch's requests for those 100 changes (the sandbox's count, less the script's
//!    writes), plus one scheduled full check an hour (the default `--interval 1h`) and the
//!    notification setup, give its requests an hour, printed beside re-planning's.
//!
//! Prints the topics and channels the watch took (and managed users left unwatched),
//! p50 / p95 / max latency, detections and misses, requests by route, requests an hour and
//! the ratio. No target is asserted; every wait is bounded and a miss is printed.
//!
//! `cargo bench -p roster-service --bench watch`

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use roster_export::{StateFilter, UserSplit};
use roster_manifest::{Credentials, OrgSpec, SecretRef, Workspace, load_workspace};
use roster_sandbox::{FaultUpdate, Sandbox, SeedOrg, Stats};
use roster_service::drift::watch::{Reconcile, WatchEvent, WatchSettings, watch};
use roster_service::drift::{DriftCheck, drift_org};
use roster_service::export::{ExportRequest, export};
use roster_service::silent;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

const ORG: &str = "bench";
const CLIENT_ID: &str = "bench-id";
const CLIENT_SECRET: &str = "bench-secret";
/// The second client, whose changes the watch must find.
const SCRIPT: (&str, &str, &str) = ("HR sync script", "hr-sync", "hr-sync-secret");
const USERS: usize = 10_000;
/// Out-of-band changes, a quarter of each kind.
const CHANGES: usize = 100;
/// Pause after a change is detected, before the next.
const SPACING: Duration = Duration::from_millis(250);
/// Longest wait for one change's detection before it counts as missed.
const DETECTION_WAIT: Duration = Duration::from_secs(30);
/// Longest wait for the watch's first full check and its subscriptions.
const START_WAIT: Duration = Duration::from_mins(10);
/// Longest wait for the watch to stop once asked.
const STOP_WAIT: Duration = Duration::from_secs(30);
/// Re-planning every 5 minutes.
const REPLANS_PER_HOUR: u64 = 12;

/// A watch event and when the bench received it.
type Timed = (Instant, WatchEvent);

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime for the sandbox and the script");
    runtime.block_on(run());
    runtime.shutdown_timeout(Duration::from_secs(1));
}

async fn run() {
    let sandbox = Sandbox::start().await;
    sandbox
        .create_org(ORG, CLIENT_ID, CLIENT_SECRET)
        .expect("org");
    let seed = SeedOrg::generated(USERS, 300, 200, 150, 50, 42);
    sandbox.seed(ORG, &seed).expect("seed");
    sandbox
        .set_faults(
            ORG,
            &FaultUpdate {
                requests_per_minute: Some(0),
                ..FaultUpdate::default()
            },
        )
        .expect("faults");
    let base = sandbox.base_url();

    let folder = tempfile::tempdir().expect("a temporary folder");
    let exporting = Instant::now();
    let (workspace, spec) = exported_workspace(folder.path(), &base).await;
    println!(
        "exported {} users, {} queues into a workspace in {:.1}s",
        spec.desired.users.len(),
        spec.desired.queues.len(),
        exporting.elapsed().as_secs_f64()
    );

    // The script logs in and looks up ids before anything is measured.
    let (name, id, secret) = SCRIPT;
    sandbox.add_client(ORG, name, id, secret).expect("client");
    let mut script = Script::login(&base, id, secret).await;
    let changes = plan_changes(&mut script, &seed, &spec).await;

    // 1. One full check: what each re-plan costs.
    sandbox.reset_stats(ORG).expect("reset");
    let start = Instant::now();
    let report = drift_org(
        &workspace,
        &spec,
        DriftCheck {
            since: None,
            now: OffsetDateTime::now_utc(),
        },
        &silent(),
    )
    .await
    .expect("a full drift check");
    let full_wall = start.elapsed();
    let full = sandbox.stats(ORG).expect("stats");
    println!(
        "\nfull check (= one re-plan): {} requests (the session counted {}), {:.2}s; \
         drifted at start: {}",
        full.requests,
        report.requests,
        full_wall.as_secs_f64(),
        report.drift.len()
    );
    print_routes(&full);

    // 2. The watch, on its own thread.
    sandbox.reset_stats(ORG).expect("reset");
    let (events, mut received) = unbounded_channel::<Timed>();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let watch_thread = std::thread::spawn(move || run_watch(&workspace, &spec, &events, stopped));

    let mut log = EventLog::default();
    let Some((start_requests, watching)) = log.until_watching(&mut received).await else {
        println!("the watch ended or did not start within {START_WAIT:?}; nothing measured");
        return;
    };
    let setup = sandbox.stats(ORG).expect("stats");
    sandbox.reset_stats(ORG).expect("reset");
    let start_drift = log.drift;
    log = EventLog::default();
    let WatchEvent::Watching {
        topics,
        channels,
        unwatched,
        ..
    } = watching
    else {
        unreachable!("until_watching answers a Watching event")
    };
    let setup_requests = setup.requests.saturating_sub(start_requests);
    println!(
        "\nwatch: start check {start_requests} requests; notification setup {setup_requests} \
         requests; {topics} topics on {channels} channels; {unwatched} managed users unwatched \
         (scheduled checks only); {start_drift} drifted at start"
    );
    print_routes(&difference(&setup, &full));

    // The users the watch listens to: managed and live, in manifest order, up to the room.
    let watched = watched_users(&changes.managed, unwatched);
    let writes_before = script.requests;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for change in &changes.list {
        outcomes
            .push(make_and_detect(&mut script, change, &watched, &mut log, &mut received).await);
        tokio::time::sleep(SPACING).await;
    }
    let elapsed = started.elapsed();
    // Reads still under way for the last change finish before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    log.drain(&mut received);
    let during = sandbox.stats(ORG).expect("stats");
    let writes = script.requests - writes_before;
    let watch_requests = during.requests.saturating_sub(writes);

    let _ = stop.send(());
    let stop_asked = Instant::now();
    while !watch_thread.is_finished() && stop_asked.elapsed() < STOP_WAIT {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stopped_well = if watch_thread.is_finished() {
        match watch_thread.join() {
            Ok(Ok(())) => "stopped by its stop future".to_owned(),
            Ok(Err(error)) => format!("ended with an error: {error}"),
            Err(_) => "panicked".to_owned(),
        }
    } else {
        format!("did not stop within {STOP_WAIT:?}")
    };

    print_outcomes(&outcomes, elapsed, &log);
    println!(
        "\nrequests during the {CHANGES} changes: {} in all, {writes} of them the script's \
         writes; the watch's: {watch_requests} ({:.1} per change)",
        during.requests,
        watch_requests as f64 / CHANGES as f64
    );
    print_routes(&during);

    let full_check = full.requests;
    let watch_hour = watch_requests + full_check + setup_requests;
    let replan_hour = REPLANS_PER_HOUR * full_check;
    println!("\nrequests an hour, {CHANGES} out-of-band changes an hour:");
    println!(
        "  watch: {watch_hour} = {watch_requests} for the changes + {full_check} for one \
         scheduled full check (--interval 1h) + {setup_requests} notification setup"
    );
    println!("  re-planning every 5 minutes: {replan_hour} = {REPLANS_PER_HOUR} × {full_check}");
    println!(
        "  ratio re-planning ÷ watch: {:.1}",
        replan_hour as f64 / watch_hour as f64
    );
    println!("the watch {stopped_well}");
}

/// Exports the org into `root/export` through a workspace at `root/source` that only names
/// it; answers the exported workspace and its org, its credentials read from files under
/// `root/source` (the export names environment variables, which the bench cannot set).
async fn exported_workspace(root: &Path, base: &str) -> (Workspace, OrgSpec) {
    let source = root.join("source");
    std::fs::create_dir_all(&source).expect("a source folder");
    std::fs::write(source.join("client-id"), CLIENT_ID).expect("client id file");
    std::fs::write(source.join("client-secret"), CLIENT_SECRET).expect("secret file");
    std::fs::write(
        source.join("roster.yaml"),
        format!(
            "orgs:\n  {ORG}:\n    apiBase: {base}\n    credentials:\n      \
             clientId: {{ file: client-id }}\n      clientSecret: {{ file: client-secret }}\n    \
             rateLimit: {{ requestsPerMinute: 6000 }}\n"
        ),
    )
    .expect("roster.yaml");
    let (workspace, spec) = load(&source);
    let credentials = spec.credentials.clone().expect("credentials");

    let out = root.join("export");
    let request = ExportRequest {
        out: out.clone(),
        state: StateFilter::Active,
        kinds: BTreeSet::new(),
        infer_profiles: false,
        min_profile_size: 2,
        split_users_by: UserSplit::Team,
        utilization: false,
        force: false,
    };
    export(&workspace, &spec, &request, &silent())
        .await
        .expect("export");
    let (workspace, mut spec) = load(&out);
    spec.credentials = Some(Credentials {
        client_id: absolute(&source, credentials.client_id),
        client_secret: absolute(&source, credentials.client_secret),
    });
    (workspace, spec)
}

fn absolute(root: &Path, secret: SecretRef) -> SecretRef {
    match secret {
        SecretRef::File(path) => SecretRef::File(root.join(path)),
        env @ SecretRef::Env(_) => env,
    }
}

/// The workspace at `root` and its org [`ORG`]; panics with the loader's diagnostics.
fn load(root: &Path) -> (Workspace, OrgSpec) {
    let loaded = load_workspace(root);
    let Some(workspace) = loaded.workspace else {
        panic!("{}: {:#?}", root.display(), loaded.diagnostics)
    };
    let spec = workspace.orgs.get(ORG).cloned().expect("the org");
    (workspace, spec)
}

/// Runs the watch until `stopped`, sending every event with the time it was reported.
fn run_watch(
    workspace: &Workspace,
    spec: &OrgSpec,
    events: &UnboundedSender<Timed>,
    stopped: tokio::sync::oneshot::Receiver<()>,
) -> Result<(), roster_service::drift::DriftError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the watch");
    let report = |event: WatchEvent| {
        let _ = events.send((Instant::now(), event));
    };
    runtime.block_on(watch(
        workspace,
        spec,
        WatchSettings::default(),
        &silent(),
        &report,
        async move {
            let _ = stopped.await;
        },
    ))
}

/// The second OAuth client, counting its own requests.
struct Script {
    http: reqwest::Client,
    base: String,
    token: String,
    requests: u64,
}

impl Script {
    async fn login(base: &str, client_id: &str, client_secret: &str) -> Self {
        let http = reqwest::Client::new();
        let response = http
            .post(format!("{base}/oauth/token"))
            .basic_auth(client_id, Some(client_secret))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("the token route answers");
        let body: Value = response.json().await.expect("a token response");
        let token = body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned();
        Script {
            http,
            base: base.to_owned(),
            token,
            requests: 1,
        }
    }

    /// One API call; panics unless it succeeds.
    async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.requests += 1;
        let response = request.send().await.expect("the sandbox answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Every entity of a paged list.
    async fn list(&mut self, path: &str) -> Vec<Value> {
        let mut entities = Vec::new();
        for page in 1..=100 {
            let body = self
                .call(
                    Method::GET,
                    &format!("{path}?pageSize=500&pageNumber={page}"),
                    None,
                )
                .await;
            let found = body["entities"].as_array().cloned().unwrap_or_default();
            let last = found.is_empty() || body["pageCount"].as_u64().is_none_or(|n| page >= n);
            entities.extend(found);
            if last {
                break;
            }
        }
        entities
    }
}

/// One out-of-band change and the keys (queue name, email) its drift may be reported under.
struct Change {
    what: &'static str,
    method: Method,
    path: String,
    body: Value,
    keys: Vec<String>,
    /// The user it touches, to tell whether the watch listens to them.
    user: String,
    /// Whether it shows on a queue's topics (always watched) rather than the user's.
    on_queue: bool,
}

struct Changes {
    list: Vec<Change>,
    /// Managed users present in the org, in manifest order (the watch's order of topics).
    managed: Vec<String>,
}

/// 100 changes, each on its own queue or user, interleaved: member added, member removed,
/// skill proficiency, title.
async fn plan_changes(script: &mut Script, seed: &SeedOrg, spec: &OrgSpec) -> Changes {
    let users: HashMap<String, Value> = script
        .list("/api/v2/users")
        .await
        .into_iter()
        .filter_map(|user| Some((user["email"].as_str()?.to_owned(), user)))
        .collect();
    let ids = |entities: Vec<Value>| -> HashMap<String, String> {
        entities
            .into_iter()
            .filter_map(|e| Some((e["name"].as_str()?.to_owned(), e["id"].as_str()?.to_owned())))
            .collect()
    };
    let queues = ids(script.list("/api/v2/routing/queues").await);
    let skills = ids(script.list("/api/v2/routing/skills").await);
    let managed: Vec<String> = spec
        .desired
        .users
        .keys()
        .map(|email| email.as_str().to_owned())
        .filter(|email| users.contains_key(email))
        .collect();
    let is_managed: BTreeSet<&str> = managed.iter().map(String::as_str).collect();
    let seeded: HashMap<&str, &roster_sandbox::SeedUser> = seed
        .users
        .iter()
        .map(|user| (user.email.as_str(), user))
        .collect();
    let user_id = |email: &str| users[email]["id"].as_str().expect("a user id").to_owned();

    let mut used = BTreeSet::new();
    let mut pool = managed.iter();
    let mut fresh = |used: &mut BTreeSet<String>, skip: &BTreeSet<&str>| -> String {
        let email = pool
            .by_ref()
            .find(|email| !used.contains(*email) && !skip.contains(email.as_str()))
            .expect("enough managed users")
            .clone();
        used.insert(email.clone());
        email
    };
    let mut list = Vec::new();
    let quarter = CHANGES / 4;
    for index in 0..quarter {
        // A member added to queue `index`.
        let queue = &seed.queues[index];
        let members: BTreeSet<&str> = queue.members.iter().map(String::as_str).collect();
        let email = fresh(&mut used, &members);
        list.push(Change {
            what: "queue member added",
            method: Method::POST,
            path: format!("/api/v2/routing/queues/{}/members", queues[&queue.name]),
            body: json!([{ "id": user_id(&email) }]),
            keys: vec![queue.name.clone(), email.clone()],
            user: email,
            on_queue: true,
        });

        // A managed member removed from queue `quarter + index`.
        let queue = &seed.queues[quarter + index];
        let email = queue
            .members
            .iter()
            .find(|email| !used.contains(*email) && is_managed.contains(email.as_str()))
            .expect("a managed member")
            .clone();
        used.insert(email.clone());
        list.push(Change {
            what: "queue member removed",
            method: Method::POST,
            path: format!(
                "/api/v2/routing/queues/{}/members?delete=true",
                queues[&queue.name]
            ),
            body: json!([{ "id": user_id(&email) }]),
            keys: vec![queue.name.clone(), email.clone()],
            user: email,
            on_queue: true,
        });

        // A skill's proficiency moved by one.
        let email = fresh(&mut used, &BTreeSet::new());
        let (skill, proficiency) = seeded[email.as_str()]
            .skills
            .iter()
            .next()
            .expect("every generated user has a skill");
        let changed = proficiency % 5.0 + 1.0;
        let skill_id = &skills[skill];
        list.push(Change {
            what: "user skill proficiency",
            method: Method::PUT,
            path: format!("/api/v2/users/{}/routingskills/{skill_id}", user_id(&email)),
            body: json!({ "id": skill_id, "proficiency": changed }),
            keys: vec![email.clone()],
            user: email,
            on_queue: false,
        });

        // A title.
        let email = fresh(&mut used, &BTreeSet::new());
        list.push(Change {
            what: "user title",
            method: Method::PATCH,
            path: format!("/api/v2/users/{}", user_id(&email)),
            body: json!({ "title": format!("Bench title {index}"), "version": users[&email]["version"] }),
            keys: vec![email.clone()],
            user: email,
            on_queue: false,
        });
    }
    Changes { list, managed }
}

/// The first `managed.len() - unwatched` managed users: those the watch subscribed to.
fn watched_users(managed: &[String], unwatched: usize) -> BTreeSet<String> {
    let count = managed.len().saturating_sub(unwatched);
    managed.iter().take(count).cloned().collect()
}

/// What became of one change.
struct Outcome {
    what: &'static str,
    watched: bool,
    /// Latency to the `Drift` event, or `None` when missed.
    latency: Option<Duration>,
    /// The kind the drift was reported on.
    kind: Option<String>,
    attributed: bool,
}

async fn make_and_detect(
    script: &mut Script,
    change: &Change,
    watched: &BTreeSet<String>,
    log: &mut EventLog,
    received: &mut UnboundedReceiver<Timed>,
) -> Outcome {
    log.drain(received);
    script
        .call(change.method.clone(), &change.path, Some(&change.body))
        .await;
    let responded = Instant::now();
    let deadline = tokio::time::Instant::now() + DETECTION_WAIT;
    let mut outcome = Outcome {
        what: change.what,
        watched: change.on_queue || watched.contains(&change.user),
        latency: None,
        kind: None,
        attributed: false,
    };
    while let Ok(Some((at, event))) = tokio::time::timeout_at(deadline, received.recv()).await {
        let found = match &event {
            WatchEvent::Drift { object, .. } if change.keys.contains(&object.key) => Some(object),
            _ => None,
        };
        if let Some(object) = found {
            outcome.latency = Some(at.saturating_duration_since(responded));
            outcome.kind = Some(format!("{:?}", object.kind));
            outcome.attributed = !object.changes.is_empty();
            break;
        }
        log.push(&event);
    }
    outcome
}

/// Counts of the watch's events other than the drift matched to a change.
#[derive(Default)]
struct EventLog {
    reconciled: BTreeMap<String, usize>,
    drift: usize,
    resolved: usize,
    reconnected: usize,
    rejected: usize,
}

impl EventLog {
    fn push(&mut self, event: &WatchEvent) {
        match event {
            WatchEvent::Reconciled { reason, .. } => {
                *self.reconciled.entry(format!("{reason:?}")).or_default() += 1;
            }
            WatchEvent::Drift { .. } => self.drift += 1,
            WatchEvent::Resolved { .. } => self.resolved += 1,
            WatchEvent::Reconnected { .. } => self.reconnected += 1,
            WatchEvent::TopicRejected { .. } => self.rejected += 1,
            WatchEvent::Watching { .. } => {}
        }
    }

    fn drain(&mut self, received: &mut UnboundedReceiver<Timed>) {
        while let Ok((_, event)) = received.try_recv() {
            self.push(&event);
        }
    }

    /// Waits for the watch's start: the requests of its first full check and the
    /// `Watching` event; `None` if the watch ended or took longer than [`START_WAIT`].
    async fn until_watching(
        &mut self,
        received: &mut UnboundedReceiver<Timed>,
    ) -> Option<(u64, WatchEvent)> {
        let deadline = tokio::time::Instant::now() + START_WAIT;
        let mut start_requests = 0;
        while let Ok(Some((_, event))) = tokio::time::timeout_at(deadline, received.recv()).await {
            match event {
                WatchEvent::Watching { .. } => return Some((start_requests, event)),
                WatchEvent::Reconciled {
                    reason: Reconcile::Start,
                    requests,
                    ..
                } => {
                    start_requests = requests;
                    self.push(&event);
                }
                other => self.push(&other),
            }
        }
        None
    }
}

fn print_outcomes(outcomes: &[Outcome], elapsed: Duration, log: &EventLog) {
    println!(
        "\n{} changes made in {:.1}s (an hour's worth, compressed; each after the previous \
         was detected and {SPACING:?})",
        outcomes.len(),
        elapsed.as_secs_f64()
    );
    for (watched, label) in [(true, "watched"), (false, "unwatched")] {
        let group: Vec<&Outcome> = outcomes.iter().filter(|o| o.watched == watched).collect();
        if group.is_empty() {
            continue;
        }
        let mut latencies: Vec<Duration> = group.iter().filter_map(|o| o.latency).collect();
        latencies.sort();
        let missed: Vec<&str> = group
            .iter()
            .filter(|o| o.latency.is_none())
            .map(|o| o.what)
            .collect();
        println!(
            "  on {label} objects: {} changes, detected {}, missed {}{}",
            group.len(),
            latencies.len(),
            missed.len(),
            if missed.is_empty() {
                String::new()
            } else {
                format!(" ({})", missed.join(", "))
            }
        );
        if !latencies.is_empty() {
            println!(
                "    detection latency: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
                millis(percentile(&latencies, 0.50)),
                millis(percentile(&latencies, 0.95)),
                millis(latencies[latencies.len() - 1])
            );
        }
    }
    let mut by_what: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for outcome in outcomes {
        let kind = outcome.kind.clone().unwrap_or_else(|| "missed".to_owned());
        *by_what.entry((outcome.what, kind)).or_default() += 1;
    }
    for ((what, kind), count) in by_what {
        println!("    {what}: {count} reported on {kind}");
    }
    let attributed = outcomes.iter().filter(|o| o.attributed).count();
    println!(
        "  attributed to the script's audit records: {attributed} of {}",
        outcomes.iter().filter(|o| o.latency.is_some()).count()
    );
    println!(
        "  other watch events: {} drift not matched to a change, {} resolved, {} reconnects, \
         {} topics rejected, full checks {:?}",
        log.drift, log.resolved, log.reconnected, log.rejected, log.reconciled
    );
}

/// The nearest-rank percentile `q` of sorted, non-empty `sorted`.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// Per route, the requests of `after` beyond those of `before`.
fn difference(after: &Stats, before: &Stats) -> Stats {
    let mut stats = Stats::default();
    for (route, count) in &after.by_route {
        let beyond = count.saturating_sub(before.route(route));
        if beyond > 0 {
            stats.requests += beyond;
            stats.by_route.insert(route.clone(), beyond);
        }
    }
    stats
}

fn print_routes(stats: &Stats) {
    for (route, count) in &stats.by_route {
        println!("  {count:>6}  {route}");
    }
}
