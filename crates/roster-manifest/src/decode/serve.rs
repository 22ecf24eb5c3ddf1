//! Decodes `serve:` in `roster.yaml` (issue #15): every value is checked here, at its line,
//! so that [`crate::serve::resolve`] only converts. Secrets stay references.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::{Decoder, Fields, list};
use crate::diagnostic::Diagnostic;
use crate::manifest::{
    At, DriftSettings, EventPointerSettings, GitSettings, HookSettings, HookVerifyMethod,
    SecretRefConfig, ServeSettings,
};
use crate::serve::{HrAction, MAX_ATTEMPTS_LIMIT, Remediate, is_hook_name, parse_every};
use crate::suggest::did_you_mean;
use crate::yaml::{Node, Value};

pub(super) const SERVE_KEYS: &[&str] = &[
    "listen",
    "database",
    "token",
    "maxAttempts",
    "hooks",
    "drift",
    "git",
];
pub(super) const HOOK_KEYS: &[&str] = &[
    "org", "verify", "secret", "header", "prefix", "user", "password", "event", "kinds",
];
pub(super) const EVENT_KEYS: &[&str] = &["id", "kind", "email", "effective"];
pub(super) const DRIFT_KEYS: &[&str] = &["every", "remediate"];
pub(super) const GIT_KEYS: &[&str] = &["branch", "push", "remote"];

/// The keys each verification method uses besides `org`, `verify`, `event` and `kinds`.
fn method_keys(method: HookVerifyMethod) -> &'static [&'static str] {
    match method {
        HookVerifyMethod::StandardWebhooks
        | HookVerifyMethod::Bamboohr
        | HookVerifyMethod::Bearer => &["secret"],
        HookVerifyMethod::HmacSha256 => &["secret", "header", "prefix"],
        HookVerifyMethod::Basic => &["user", "password"],
    }
}

impl Decoder<'_> {
    /// `serve:`; `orgs` are the org names `roster.yaml` declares (hooks must name one).
    pub(super) fn serve(&mut self, node: &Node, orgs: &[String]) -> Option<ServeSettings> {
        let fields = self.fields(node, "serve", SERVE_KEYS)?;
        let mut serve = ServeSettings {
            listen: fields.get("listen").and_then(|n| self.listen(n)),
            database: fields
                .get("database")
                .and_then(|n| self.text(n, "database")),
            token: self.optional_secret(&fields, "token"),
            max_attempts: fields
                .get("maxAttempts")
                .and_then(|n| {
                    self.integer(
                        n,
                        "maxAttempts",
                        1,
                        i64::from(MAX_ATTEMPTS_LIMIT),
                        "serve-range",
                    )
                })
                .map(|n| n as u32),
            ..ServeSettings::default()
        };
        if let Some(hooks) = fields.get("hooks") {
            if let Value::Map(entries) = &hooks.value {
                for (key, value) in entries {
                    // A bad name does not hide the problems of the hook's settings.
                    let name = self.hook_name(key);
                    let label = key.scalar_text().unwrap_or_default();
                    if let (Some(hook), Some(name)) = (self.hook(value, &label, orgs), name) {
                        serve.hooks.insert(name, hook);
                    }
                }
            } else {
                self.wrong_type(hooks, "hooks", "a mapping of source names to hook settings");
            }
        }
        serve.drift = fields.get("drift").and_then(|n| self.drift(n));
        serve.git = fields.get("git").and_then(|n| self.git(n));
        Some(serve)
    }

    /// `decode` applied to the value of a required `key`, or a `missing-key` error.
    pub(super) fn required<T>(
        &mut self,
        fields: &Fields<'_>,
        what: &str,
        key: &str,
        example: &str,
        decode: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<T> {
        if let Some(node) = fields.get(key) {
            decode(self, node)
        } else {
            self.missing(fields, what, key, example);
            None
        }
    }

    fn listen(&mut self, node: &Node) -> Option<At<String>> {
        let listen = self.text(node, "listen")?;
        if listen.value.parse::<SocketAddr>().is_ok() {
            return Some(listen);
        }
        self.push(
            Diagnostic::error(
                "invalid-listen",
                format!("`{}` is not an address to listen on", listen.value),
            )
            .at(self.location(node.pos), "expected `ip:port`")
            .hint("write an IP address and a port, e.g. `127.0.0.1:8080` or `0.0.0.0:8080`"),
        );
        None
    }

    /// A secret reference under `key`, if the key is present.
    pub(super) fn optional_secret(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
    ) -> Option<SecretRefConfig> {
        fields.get(key)?;
        self.secret_ref(fields, key)
    }

    fn hook_name(&mut self, key: &Node) -> Option<At<String>> {
        self.lowercase_name(
            key,
            "hooks",
            ("invalid-hook-name", "hook"),
            "a hook's name is its URL (`POST /hooks/NAME`)",
        )
    }

    /// A name written as a key of `section` that must be `[a-z0-9-]+` (a hook's, a
    /// channel's); otherwise the error `code` about a `what`, suggesting the nearest such
    /// name. `why` says where the name goes.
    pub(super) fn lowercase_name(
        &mut self,
        key: &Node,
        section: &str,
        (code, what): (&'static str, &str),
        why: &str,
    ) -> Option<At<String>> {
        let name = self.text(key, section)?;
        if is_hook_name(&name.value) {
            return Some(name);
        }
        let suggestion: String = name
            .value
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        self.push(
            Diagnostic::error(code, format!("`{}` cannot name a {what}", name.value))
                .at(self.location(key.pos), "not `[a-z0-9-]+`")
                .hint(format!(
                    "{why}: use lowercase letters, digits and `-`, e.g. `{suggestion}`"
                )),
        );
        None
    }

    fn hook(&mut self, node: &Node, name: &str, orgs: &[String]) -> Option<HookSettings> {
        let what = format!("hooks.{name}");
        let fields = self.fields(node, &what, HOOK_KEYS)?;
        let org = self.required(&fields, &what, "org", "prod-us", |d, n| d.hook_org(n, orgs));
        let verify_node = fields.get("verify");
        let verify = self.required(&fields, &what, "verify", "standard-webhooks", |d, n| {
            d.word(
                n,
                "verify",
                &HookVerifyMethod::NAMES,
                HookVerifyMethod::from_name,
            )
        });
        let secret = self.optional_secret(&fields, "secret");
        let password = self.optional_secret(&fields, "password");
        let header = fields.get("header").and_then(|n| self.text(n, "header"));
        let prefix = fields.get("prefix").and_then(|n| self.text(n, "prefix"));
        let user = fields.get("user").and_then(|n| self.text(n, "user"));
        let mut complete = true;
        if let (Some(method), Some(verify_node)) = (verify, verify_node) {
            complete = self.method_keys(&fields, method, verify_node);
        }
        let event = self.required(
            &fields,
            &what,
            "event",
            "{ id: /id, kind: /type, email: /data/email }",
            Self::event_pointers,
        );
        let kinds = self.required(
            &fields,
            &what,
            "kinds",
            "{ user.terminated: terminate }",
            Self::hook_kinds,
        );
        if !complete {
            return None;
        }
        Some(HookSettings {
            org: org?,
            verify: verify?,
            secret,
            header,
            prefix,
            user,
            password,
            event: event?,
            kinds: kinds?,
        })
    }

    fn hook_org(&mut self, node: &Node, orgs: &[String]) -> Option<At<String>> {
        let org = self.name(node, "org")?;
        if orgs.contains(&org.value) {
            return Some(org);
        }
        let hint = match did_you_mean(&org.value, orgs.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`? A hook acts on an org of `orgs`"),
            None => format!(
                "a hook acts on an org of `orgs`: {}",
                orgs.iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.push(
            Diagnostic::error("unknown-org", format!("no org is called `{}`", org.value))
                .at(self.location(node.pos), "not an org of this `roster.yaml`")
                .hint(hint),
        );
        None
    }

    /// Checks that the keys a method needs are there and those it ignores are not; false if
    /// a needed one is missing.
    fn method_keys(
        &mut self,
        fields: &Fields<'_>,
        method: HookVerifyMethod,
        verify: &Node,
    ) -> bool {
        let used = method_keys(method);
        let needed: &[&str] = match method {
            HookVerifyMethod::HmacSha256 => &["secret"],
            _ => used,
        };
        let mut complete = true;
        for key in needed {
            if fields.get(key).is_none() {
                complete = false;
                let example = if *key == "user" {
                    "hr-system"
                } else {
                    "{ env: HR_WEBHOOK_SECRET }"
                };
                self.push(
                    Diagnostic::error(
                        "hook-secret-missing",
                        format!("`verify: {}` needs `{key}`", method.name()),
                    )
                    .at(
                        self.location(verify.pos),
                        format!("no `{key}` for this method"),
                    )
                    .hint(format!("add `{key}: {example}` beside `verify`")),
                );
            }
        }
        for (key, _) in fields.entries {
            let Value::Str(key_name) = &key.value else {
                continue;
            };
            let optional = ["secret", "header", "prefix", "user", "password"];
            if optional.contains(&key_name.as_str()) && !used.contains(&key_name.as_str()) {
                let users: Vec<&str> = HookVerifyMethod::NAMES
                    .iter()
                    .copied()
                    .filter(|name| {
                        HookVerifyMethod::from_name(name)
                            .is_some_and(|m| method_keys(m).contains(&key_name.as_str()))
                    })
                    .collect();
                self.push(
                    Diagnostic::error(
                        "hook-key-unused",
                        format!("`{key_name}` does not apply to `verify: {}`", method.name()),
                    )
                    .at(self.location(key.pos), "not used by this method")
                    .hint(format!(
                        "remove `{key_name}`; it is read only with `verify:` {}",
                        list(&users)
                    )),
                );
            }
        }
        complete
    }

    fn event_pointers(&mut self, node: &Node) -> Option<EventPointerSettings> {
        let fields = self.fields(node, "event", EVENT_KEYS)?;
        let pointer = |decoder: &mut Self, key: &str, example: &str| {
            decoder.required(&fields, "event", key, example, |d, n| d.pointer(n, key))
        };
        let id = pointer(self, "id", "/id");
        let kind = pointer(self, "kind", "/type");
        let email = pointer(self, "email", "/data/email");
        let effective = fields
            .get("effective")
            .and_then(|n| self.pointer(n, "effective"));
        Some(EventPointerSettings {
            id: id?,
            kind: kind?,
            email: email?,
            effective,
        })
    }

    /// A JSON pointer (RFC 6901): empty (the whole document) makes no sense for a field.
    fn pointer(&mut self, node: &Node, key: &str) -> Option<At<String>> {
        let pointer = self.text(node, key)?;
        if pointer.value.starts_with('/') {
            return Some(pointer);
        }
        self.push(
            Diagnostic::error(
                "invalid-pointer",
                format!("`{}` is not a JSON pointer", pointer.value),
            )
            .at(self.location(node.pos), "must start with `/`")
            .hint(format!(
                "write the path to the field from the payload's root, e.g. `/{}`",
                pointer.value.replace('.', "/")
            )),
        );
        None
    }

    fn hook_kinds(&mut self, node: &Node) -> Option<BTreeMap<At<String>, HrAction>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(
                node,
                "kinds",
                "a mapping of the source's event kinds to `terminate`, `suspend` or `rehire`",
            );
            return None;
        };
        if entries.is_empty() {
            self.push(
                Diagnostic::error("no-kinds", "`kinds` is empty: the hook would act on no event")
                    .at(self.location(node.pos), "no event kind")
                    .hint("map the source's event kinds to actions, e.g. `kinds: { user.terminated: terminate }`"),
            );
            return None;
        }
        let mut kinds = BTreeMap::new();
        let mut complete = true;
        for (key, value) in entries {
            let kind = self.text(key, "kinds");
            let action = self.word(value, "kinds", &HrAction::NAMES, HrAction::from_name);
            match (kind, action) {
                (Some(kind), Some(action)) => {
                    kinds.insert(kind, action);
                }
                _ => complete = false,
            }
        }
        complete.then_some(kinds)
    }

    fn drift(&mut self, node: &Node) -> Option<DriftSettings> {
        let fields = self.fields(node, "drift", DRIFT_KEYS)?;
        let every = self.required(&fields, "drift", "every", "1h", Self::every);
        let remediate = fields
            .get("remediate")
            .and_then(|n| self.word(n, "remediate", &Remediate::NAMES, Remediate::from_name));
        Some(DriftSettings {
            every: every?,
            remediate,
        })
    }

    fn every(&mut self, node: &Node) -> Option<At<String>> {
        let every = self.text(node, "every")?;
        match parse_every(&every.value) {
            Ok(_) => Some(every),
            Err(err) => {
                self.push(
                    Diagnostic::error("invalid-duration", err.to_string())
                        .at(self.location(node.pos), "not a duration of a minute or more")
                        .hint("write a whole number and a unit, `s`, `m`, `h` or `d`, of at least a minute: `30m`, `1h`, `1d`"),
                );
                None
            }
        }
    }

    fn git(&mut self, node: &Node) -> Option<GitSettings> {
        let fields = self.fields(node, "git", GIT_KEYS)?;
        let branch = fields.get("branch").and_then(|n| {
            let branch = self.text(n, "branch")?;
            if branch.value.contains("{event}") {
                return Some(branch);
            }
            self.push(
                Diagnostic::error(
                    "branch-without-event",
                    format!("branch `{}` does not contain `{{event}}`", branch.value),
                )
                .at(self.location(n.pos), "every event would share this branch")
                .hint("put `{event}` in the name, e.g. `roster/hr/{event}`: each event gets its own branch to review"),
            );
            None
        });
        Some(GitSettings {
            branch,
            push: self.optional_bool(&fields, "push"),
            remote: fields.get("remote").and_then(|n| self.text(n, "remote")),
        })
    }
}
