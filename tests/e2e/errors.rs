//! What a failing command prints (issue #11): the cause chain down to the operating system,
//! the org named once, a hint per failing org, and `-v` logs of every request without a
//! secret or a token in them.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{External, REMOTE, Workspace, settings};

const FULL: &str = "tests/fixtures/workspaces/full";

/// A one-org workspace whose org `prod` is at `api_base`, credentials from the environment.
fn workspace_at(api_base: &str) -> Workspace {
    let workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        &format!(
            "orgs:\n  prod:\n    apiBase: {api_base}\n    credentials:\n      clientId: {{ env: PROD_CLIENT_ID }}\n      clientSecret: {{ env: PROD_CLIENT_SECRET }}\n    include: [org]\n"
        ),
    );
    workspace.write("org/skills.yaml", "skills:\n  - name: Billing\n");
    workspace
}

/// `roster plan` of `workspace` with the `prod` credentials set.
fn plan(workspace: &Workspace) -> crate::support::Run {
    let mut command = workspace.command("plan", &[]);
    command
        .env("PROD_CLIENT_ID", "prod-client")
        .env("PROD_CLIENT_SECRET", "prod-secret-value");
    crate::support::run(&mut command)
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server on 127.0.0.1 answering every request with one fixed response, until dropped (at
/// most five minutes, at most 100 requests: a client retrying a failing token endpoint
/// takes up to a minute).
struct FixedServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FixedServer {
    fn start(status: &str, body: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_mins(5);
            let mut served = 0;
            while !stopped.load(Ordering::SeqCst) && Instant::now() < deadline && served < 100 {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(5)))
                            .unwrap();
                        let mut request = [0_u8; 4096];
                        let _ = stream.read(&mut request);
                        let _ = stream.write_all(response.as_bytes());
                        served += 1;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FixedServer { port, stop }
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Snapshot settings that also hide the port of a test server.
fn with_port(port: u16) -> insta::Settings {
    let mut settings = settings();
    settings.add_filter(&format!(":{port}\\b"), ":[port]");
    settings
}

#[test]
fn an_unreachable_host_shows_the_url_and_the_operating_systems_answer() {
    let port = closed_port();
    let workspace = workspace_at(&format!("http://127.0.0.1:{port}"));
    let run = plan(&workspace);
    assert_eq!(run.code, 1, "{}", run.stderr);
    with_port(port).bind(|| insta::assert_snapshot!(run.stderr));
}

/// `roster plan` against a login service that answers every request with `status`: not a
/// refusal of the credentials, whatever the status.
fn plan_with_a_token_endpoint_answering(status: &str, body: &str) -> (u16, String) {
    let server = FixedServer::start(status, body);
    let workspace = workspace_at(&format!("http://127.0.0.1:{}", server.port));
    let run = plan(&workspace);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("refused"), "{}", run.stderr);
    (server.port, run.stderr)
}

#[test]
fn a_token_endpoint_answering_404_is_not_refused_credentials() {
    let (port, stderr) = plan_with_a_token_endpoint_answering("404 Not Found", "no such page");
    with_port(port).bind(|| insta::assert_snapshot!(stderr));
}

#[test]
fn a_token_endpoint_answering_500_is_not_refused_credentials() {
    let (port, stderr) = plan_with_a_token_endpoint_answering("500 Internal Server Error", "oops");
    with_port(port).bind(|| insta::assert_snapshot!(stderr));
}

#[test]
fn bad_credentials_are_refused_credentials_saying_what_to_check() {
    let sandbox = External::start(
        &std::fs::read_to_string(crate::support::repo_path(FULL).join("sandbox/seed.yaml"))
            .unwrap(),
    );
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    let mut command = workspace.command("plan", &["--org", REMOTE]);
    command.env("E2E_CLIENT_SECRET", "not-the-secret");
    let run = crate::support::run(&mut command);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains("not-the-secret"));
    with_port(sandbox.sandbox.addr().port()).bind(|| insta::assert_snapshot!(run.stderr));
}

#[test]
fn two_orgs_failing_at_once_are_each_named_once_with_their_hints() {
    let workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        "orgs:\n  prod-us:\n    region: us-east-1\n    credentials:\n      clientId: { env: US_CLIENT_ID }\n      clientSecret: { env: US_CLIENT_SECRET }\n    include: [org]\n  prod-eu:\n    region: eu-west-1\n    credentials:\n      clientId: { env: EU_CLIENT_ID }\n      clientSecret: { env: EU_CLIENT_SECRET }\n    include: [org]\n",
    );
    workspace.write("org/skills.yaml", "skills:\n  - name: Billing\n");
    let mut command = workspace.command("plan", &[]);
    command
        .env_remove("US_CLIENT_ID")
        .env("EU_CLIENT_ID", "")
        .env_remove("EU_CLIENT_SECRET");
    let run = crate::support::run(&mut command);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stderr, @r"
    error: org `prod-eu`: environment variable `EU_CLIENT_ID` is empty
    hint: export `EU_CLIENT_ID` with the OAuth client credentials of the org
    error: org `prod-us`: environment variable `US_CLIENT_ID` is not set
    hint: export `US_CLIENT_ID` with the OAuth client credentials of the org
    ");
}

#[test]
fn verbose_logs_every_request_and_never_a_secret_or_a_token() {
    let sandbox = External::start(
        &std::fs::read_to_string(crate::support::repo_path(FULL).join("sandbox/seed.yaml"))
            .unwrap(),
    );
    let mut workspace = Workspace::copy(FULL);
    workspace.connect(&sandbox);
    let run = workspace.roster("plan", &["--org", REMOTE, "-v"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let requests = sandbox.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        let logged = format!("method={} path=\"{}\"", request.method, request.path);
        assert!(
            run.stderr.contains(&logged),
            "`{logged}` is logged:\n{}",
            run.stderr
        );
    }
    for secret in ["e2e-secret"]
        .into_iter()
        .map(str::to_owned)
        .chain(sandbox.sandbox.issued_tokens(REMOTE).unwrap())
    {
        assert!(
            !run.stderr.contains(&secret),
            "`{secret}` leaked:\n{}",
            run.stderr
        );
        assert!(
            !run.stdout.contains(&secret),
            "`{secret}` leaked:\n{}",
            run.stdout
        );
    }
    assert!(!run.stderr.to_lowercase().contains("bearer"));
    // Logs go to stderr only: the plan on stdout is the same as without `-v`.
    let quiet = workspace.roster("plan", &["--org", REMOTE]);
    assert_eq!(run.stdout, quiet.stdout);
}

/// Credentials kept in files (`{ file: PATH }`, relative to the workspace root) are read when
/// roster connects: a missing file is a connection error naming it, and once the files are
/// there the org is read with what they hold, without their trailing newline (issue #12).
#[test]
fn credentials_from_files_are_read_at_connect_time() {
    use crate::support::{CLIENT_ID, CLIENT_SECRET};

    let sandbox = External::start("skills: [Billing]\n");
    let workspace = Workspace::empty();
    workspace.write(
        "roster.yaml",
        &format!(
            "orgs:\n  {REMOTE}:\n    apiBase: {}\n    credentials:\n      clientId: {{ file: secrets/client-id }}\n      clientSecret: {{ file: secrets/client-secret }}\n    include: [org]\n",
            sandbox.sandbox.base_url()
        ),
    );
    workspace.write("org/skills.yaml", "skills:\n  - name: Billing\n");

    let validate = workspace.roster("validate", &[]);
    assert_eq!(validate.code, 0, "{}", validate.stderr);
    let missing = workspace.roster("plan", &[]);
    assert_eq!(missing.code, 1, "{}", missing.stderr);
    let root = std::path::absolute(workspace.root()).unwrap();
    let stderr = missing
        .stderr
        .replace(&root.display().to_string(), "[ROOT]");
    insta::assert_snapshot!(stderr, @r#"
    error: org `remote`: cannot read the credential file `[ROOT]/secrets/client-id`
      Caused by: No such file or directory (os error 2)
    hint: put the org's OAuth client credential in the file, or fix its path under `credentials` (relative to the folder of `roster.yaml`)
    "#);

    workspace.write("secrets/client-id", &format!("{CLIENT_ID}\n"));
    workspace.write("secrets/client-secret", &format!("{CLIENT_SECRET}\n"));
    let plan = workspace.roster("plan", &["--detailed-exitcode"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(!plan.stderr.contains(CLIENT_SECRET), "{}", plan.stderr);
}
