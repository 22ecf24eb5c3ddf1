//! The one way a command fails, and the one way a failure is shown.
//!
//! A [`Failure`] is an error already worded for the user: a message, the lines that detail
//! it, the chain of causes the error carried (`Caused by:`, as uv shows them), a hint, the
//! exit status it maps to, and the org it happened in, named once. Failures of several orgs
//! are shown one after the other, each with its hint. Service errors become failures in
//! [`crate::errors`], nowhere else.

use std::error::Error;
use std::fmt;

use crate::exit::ExitStatus;

/// A command's failure, already worded for the user. Boxed: it travels in every `Result`
/// of the CLI and is made once per run.
#[derive(Debug)]
pub struct Failure(Box<Body>);

#[derive(Debug)]
struct Body {
    /// The exit status (DESIGN §6).
    status: ExitStatus,
    org: Option<String>,
    message: String,
    details: Vec<String>,
    causes: Vec<String>,
    hint: Option<String>,
    /// Failures of other orgs, shown after this one.
    also: Vec<Failure>,
}

impl Failure {
    /// A general error (exit 1).
    pub fn error(message: impl Into<String>) -> Self {
        Failure(Box::new(Body {
            status: ExitStatus::Failure,
            org: None,
            message: message.into(),
            details: Vec::new(),
            causes: Vec::new(),
            hint: None,
            also: Vec::new(),
        }))
    }

    /// A usage error (exit 64).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::error(message).with_status(ExitStatus::Usage)
    }

    /// An error shown by its own message and the messages of its causes.
    pub fn caused(error: &(dyn Error + 'static)) -> Self {
        let mut failure = Failure::error(error.to_string());
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            // A wrapper that repeats its cause's text (`#[error(transparent)]`-like) adds
            // nothing; show each sentence once.
            if failure.0.causes.last() != Some(&text) && failure.0.message != text {
                failure.0.causes.push(text);
            }
            source = cause.source();
        }
        failure
    }

    /// `message`, caused by `error` and its causes.
    pub fn because(message: impl Into<String>, error: &(dyn Error + 'static)) -> Self {
        Failure::caused(error).within(message)
    }

    /// The same failure as the cause of `message`, which becomes the failure's message.
    pub fn within(mut self, message: impl Into<String>) -> Self {
        let cause = std::mem::replace(&mut self.0.message, message.into());
        self.0.causes.insert(0, cause);
        self
    }

    /// The same failure with a different exit status.
    pub fn with_status(mut self, status: ExitStatus) -> Self {
        self.0.status = status;
        self
    }

    /// The same failure, in `org`.
    pub fn in_org(mut self, org: impl Into<String>) -> Self {
        self.0.org = Some(org.into());
        self
    }

    /// The same failure with lines that detail it (one per unknown email, stale object…).
    pub fn with_details(mut self, details: Vec<String>) -> Self {
        self.0.details = details;
        self
    }

    /// The same failure with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.0.hint = Some(hint.into());
        self
    }

    /// The same failure with a hint, when there is one.
    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.0.hint = hint;
        self
    }

    /// Several failures as one: shown in order, the exit status of the first.
    pub fn all(failures: impl IntoIterator<Item = Failure>) -> Self {
        let mut failures = failures.into_iter();
        let mut first = failures
            .next()
            .unwrap_or_else(|| Failure::error("internal error: no failure to report"));
        first.0.also.extend(failures);
        first
    }

    /// Prints the failure to stderr and returns its status.
    pub fn report(self) -> ExitStatus {
        eprintln!("{self}");
        self.0.status
    }

    /// The failure as a JSON document, for a command whose output is JSON: a tool reading
    /// stdout gets something it can parse instead of nothing. Each failure (one per org when
    /// several failed) with its org, message, details, causes and hint.
    pub fn to_json(&self) -> serde_json::Value {
        let mut errors = Vec::new();
        let mut pending = vec![self];
        while let Some(failure) = pending.pop() {
            let body = &failure.0;
            errors.push(serde_json::json!({
                "org": body.org,
                "message": body.message,
                "details": body.details,
                "causes": body.causes,
                "hint": body.hint,
            }));
            pending.extend(body.also.iter().rev());
        }
        serde_json::json!({ "exitCode": self.0.status.code(), "errors": errors })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = &self.0;
        f.write_str("error: ")?;
        if let Some(org) = &body.org {
            write!(f, "org `{org}`: ")?;
        }
        f.write_str(&body.message)?;
        if !body.details.is_empty() {
            f.write_str(":")?;
            for line in &body.details {
                write!(f, "\n  {line}")?;
            }
        }
        for cause in &body.causes {
            write!(f, "\n  Caused by: {cause}")?;
        }
        if let Some(hint) = &body.hint {
            write!(f, "\nhint: {hint}")?;
        }
        for other in &body.also {
            write!(f, "\n{other}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the org")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("GET http://127.0.0.1:9/api/v2/users got no response")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn a_failure_shows_its_org_once_its_causes_and_its_hint() {
        let error = Outer(Middle(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        )));
        let failure = Failure::caused(&error)
            .in_org("prod-us")
            .with_hint("check the org's `apiBase`");
        let other = Failure::error("environment variable `X` is not set")
            .in_org("prod-eu")
            .with_hint("export `X`");
        insta::assert_snapshot!(Failure::all([failure, other]).to_string(), @r"
        error: org `prod-us`: cannot read the org
          Caused by: GET http://127.0.0.1:9/api/v2/users got no response
          Caused by: Connection refused (os error 111)
        hint: check the org's `apiBase`
        error: org `prod-eu`: environment variable `X` is not set
        hint: export `X`
        ");
    }
}
