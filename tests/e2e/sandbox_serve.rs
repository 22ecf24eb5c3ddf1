//! `roster sandbox serve` (issue #12): loopback by default, and a control token read from the
//! environment that every control route then requires.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};

use crate::support::{roster, run};

/// Kills the server it holds when dropped, so a failing test leaves no process behind.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_binds_loopback_and_requires_the_control_token_it_is_given() {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("roster"));
    command
        .args(["sandbox", "serve", "--listen", "127.0.0.1:0"])
        .args(["--control-token-env", "E2E_CONTROL_TOKEN"])
        .env("E2E_CONTROL_TOKEN", "c0ntrol-t0ken")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut server = Server(command.spawn().expect("roster starts"));
    // Kept open to the end: the server prints more lines, and a closed pipe would stop it.
    let mut stdout = BufReader::new(server.0.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the serving line");
    let base = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{first}");
    let http = reqwest::Client::new();
    let without = http
        .get(format!("{base}/__sandbox/orgs"))
        .send()
        .await
        .expect("answered");
    assert_eq!(without.status(), 401);
    let with = http
        .get(format!("{base}/__sandbox/orgs"))
        .bearer_auth("c0ntrol-t0ken")
        .send()
        .await
        .expect("answered");
    assert_eq!(with.status(), 200);
    drop(server);
    drop(stdout);
}

#[test]
fn serve_refuses_a_control_token_variable_that_is_not_set() {
    let outcome = run(roster()
        .args(["sandbox", "serve", "--listen", "127.0.0.1:0"])
        .args(["--control-token-env", "E2E_UNSET_CONTROL_TOKEN"])
        .env_remove("E2E_UNSET_CONTROL_TOKEN"));
    assert_eq!(outcome.code, 64, "{}", outcome.stderr);
    insta::assert_snapshot!(outcome.stderr);
}
