//! Turns a parsed YAML tree into manifest types, reporting every problem in the file: unknown
//! keys (with "did you mean"), wrong types, missing keys, values out of range, bad emails.
//!
//! An item with a problem is left out and the rest of the file is still decoded, so one run
//! shows all the mistakes; the loader fails if any error was reported.

use std::collections::{BTreeMap, BTreeSet};

use roster_model::{
    Email, EmailError, Kind, MediaType, NAME_MAX_CHARS, Proficiency, USER_TEXT_MAX_CHARS,
    UserState, name_chars, normalize_name_owned,
};

use crate::diagnostic::{Diagnostic, Location};
use crate::manifest::{
    At, CredentialsConfig, DayLimitsConfig, FileId, JournalConfig, LanguageSpec, LimitsConfig, Loc,
    MediaSpec, MembersMode, OrgConfig, PolicyConfig, ProtectConfig, QueueSpec, RateLimitConfig,
    ReadConfig, ReadSkip, ResourceFile, RoleSpec, RosterFile, RoutingProfileSpec, SandboxConfig,
    ScopeConfig, SecretRefConfig, SkillSpec, TeamSpec, UnmanagedConfig, UnmanagedMode, UserSpec,
    UtilizationSpec, WrapupCodeSpec,
};
use crate::secret::looks_like_secret;
use crate::suggest::did_you_mean;
use crate::yaml::{Node, Pos, Value};

mod announcement;
mod entitlements;
mod notify;
mod serve;

/// Decodes the nodes of one file and collects its diagnostics.
pub(crate) struct Decoder<'a> {
    file: FileId,
    path: &'a str,
    /// Everything found so far.
    pub diagnostics: Vec<Diagnostic>,
    /// Orgs whose `credentials` key is present, even if malformed.
    pub credentials_written: BTreeSet<String>,
}

/// The keys of one mapping, after unknown keys were reported.
struct Fields<'n> {
    entries: &'n [(Node, Node)],
    node: &'n Node,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key and the value, for values whose position is their key's line (`phone:`).
    fn entry(&self, key: &str) -> Option<(&'n Node, &'n Node)> {
        self.entries
            .iter()
            .find(|(k, _)| matches!(&k.value, Value::Str(name) if name == key))
            .map(|(key, value)| (key, value))
    }
}

/// What a scalar's surrounding spaces are: a mistake, or possibly meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surrounding {
    /// An error (paths, variable names: the spaces cannot be meant).
    Refuse,
    /// Kept, with a warning (names: an org may hold one with spaces).
    Warn,
}

const ROSTER_KEYS: &[&str] = &["orgs", "policy", "journal", "read", "serve", "notify"];
const ORG_KEYS: &[&str] = &[
    "region",
    "apiBase",
    "sandbox",
    "credentials",
    "include",
    "rateLimit",
    "policy",
    "read",
    "timezone",
];
const POLICY_KEYS: &[&str] = &["unmanaged", "scope", "limits", "protect", "ownedElsewhere"];
const LIMITS_KEYS: &[&str] = &[
    "maxDeletes",
    "maxDeletePercent",
    "maxUsersLosingAllQueues",
    "maxUsersLosingAllQueuesPercent",
    "maxUsersLosingAllSkills",
    "maxUsersLosingAllSkillsPercent",
    "maxMembershipsRemoved",
    "maxMembershipsRemovedPercent",
    "perDay",
    "licenceIncrease",
];
const DAY_LIMITS_KEYS: &[&str] = &[
    "maxDeletes",
    "maxDeletePercent",
    "maxMembershipsRemoved",
    "maxMembershipsRemovedPercent",
];
const UNMANAGED_KEYS: &[&str] = &[
    "users",
    "skills",
    "languages",
    "wrapupCodes",
    "queues",
    "teams",
];
const PROTECT_KEYS: &[&str] = &["user", "skill", "language", "wrapupCode", "queue", "team"];
const RESOURCE_KEYS: &[&str] = &[
    "skills",
    "languages",
    "wrapupCodes",
    "queues",
    "teams",
    "routingProfiles",
    "users",
    "announcements",
];
const TEAM_KEYS: &[&str] = &["name", "division", "description", "timezone"];
const USER_KEYS: &[&str] = &[
    "email",
    "name",
    "title",
    "department",
    "division",
    "manager",
    "team",
    "routingProfile",
    "skills",
    "languages",
    "queues",
    "roles",
    "utilization",
    "acdAutoAnswer",
    "state",
    "reactivate",
    "timezone",
    "phone",
    "wfm",
];
const PROFILE_KEYS: &[&str] = &[
    "name",
    "skills",
    "languages",
    "queues",
    "roles",
    "utilization",
    "phone",
    "wfm",
    "licence",
];
/// What to do about a secret written in a manifest.
const SECRET_HINT: &str = "remove it: roster reads no secret from manifests; an org's credentials are given by reference, `clientSecret: { env: VARIABLE_NAME }` or `clientSecret: { file: PATH }`";
const MEDIA_KEYS: &[&str] = &["capacity", "interruptible", "includeNonAcd"];
const MEDIA_NAMES: [&str; 5] = ["call", "callback", "chat", "email", "message"];

/// The keys each kind of mapping accepts, for tests that compare them with the schema.
#[cfg(test)]
pub(crate) const KEY_SETS: &[(&str, &[&str])] = &[
    ("RosterFile", ROSTER_KEYS),
    ("ServeSettings", serve::SERVE_KEYS),
    ("HookSettings", serve::HOOK_KEYS),
    ("EventPointerSettings", serve::EVENT_KEYS),
    ("DriftSettings", serve::DRIFT_KEYS),
    ("GitSettings", serve::GIT_KEYS),
    ("NotifySettings", notify::NOTIFY_KEYS),
    ("AdminsSettings", notify::ADMINS_KEYS),
    ("ChannelSettings", notify::CHANNEL_KEYS),
    ("WebhookSettings", notify::WEBHOOK_KEYS),
    ("NoticesSettings", notify::NOTICES_KEYS),
    ("AckLinkSettings", notify::ACK_LINK_KEYS),
    ("AnnouncementSpec", announcement::ANNOUNCEMENT_KEYS),
    ("AudienceSpec", announcement::AUDIENCE_KEYS),
    ("DeliverSpec", announcement::DELIVER_KEYS),
    ("AcknowledgeSpec", announcement::ACKNOWLEDGE_KEYS),
    ("TeamSpec", TEAM_KEYS),
    ("JournalConfig", &["key"]),
    ("OrgConfig", ORG_KEYS),
    ("PolicyConfig", POLICY_KEYS),
    ("LimitsConfig", LIMITS_KEYS),
    ("DayLimitsConfig", DAY_LIMITS_KEYS),
    ("UnmanagedConfig", UNMANAGED_KEYS),
    ("ProtectConfig", PROTECT_KEYS),
    ("ResourceFile", RESOURCE_KEYS),
    ("UserSpec", USER_KEYS),
    ("RoutingProfileSpec", PROFILE_KEYS),
    ("MediaSpec", MEDIA_KEYS),
    ("UtilizationSpec", &MEDIA_NAMES),
    ("PhoneSpec", entitlements::PHONE_KEYS),
    ("ProfilePhoneSpec", entitlements::PROFILE_PHONE_KEYS),
    ("WfmSpec", entitlements::WFM_KEYS),
];

fn media_from_name(name: &str) -> Option<MediaType> {
    MediaType::ALL
        .into_iter()
        .find(|media| media.as_str() == name)
}

impl<'a> Decoder<'a> {
    /// A decoder for the file `path` (relative to the workspace root).
    pub fn new(file: FileId, path: &'a str) -> Self {
        Decoder {
            file,
            path,
            diagnostics: Vec::new(),
            credentials_written: BTreeSet::new(),
        }
    }

    fn loc(&self, pos: Pos) -> Loc {
        Loc {
            file: self.file,
            pos,
        }
    }

    /// The public location of a position in this file.
    pub fn location(&self, pos: Pos) -> Location {
        Location {
            file: self.path.to_owned(),
            line: pos.line,
            column: pos.column,
            span: pos.start as usize..pos.end as usize,
        }
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, key: &str, expected: &str) {
        let found = node.value.describe();
        let mut diagnostic = Diagnostic::error(
            "wrong-type",
            format!("`{key}` must be {expected}, found {found}"),
        )
        .at(self.location(node.pos), format!("expected {expected}"));
        if matches!(node.value, Value::Null) {
            diagnostic = diagnostic.hint(format!(
                "give `{key}` a value, or remove the key to leave the field unmanaged{}",
                if expected.contains("list") || expected.contains("mapping") {
                    " (an empty list `[]` or mapping `{}` manages it as empty)"
                } else {
                    ""
                }
            ));
        } else if expected == "a string" {
            diagnostic = diagnostic.hint(format!("write `{key}` as a single text value"));
        } else if expected == "a list" {
            let example = node.scalar_text().unwrap_or_else(|| "...".to_owned());
            diagnostic = diagnostic.hint(format!(
                "write `{key}` as a list, e.g. `{key}: [{example}]`"
            ));
        } else {
            diagnostic = diagnostic.hint(format!("write `{key}` as {expected}"));
        }
        self.push(diagnostic);
    }

    /// The entries of a mapping, reporting unknown keys; `None` (and an error) if `node` is
    /// not a mapping.
    fn fields<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str]) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, what, "a mapping");
            return None;
        };
        for (key, _) in entries {
            // Nearly every key is a known name: check those without copying them.
            if let Value::Str(name) = &key.value
                && allowed.contains(&name.as_str())
            {
                continue;
            }
            let Some(name) = key.scalar_text() else {
                self.push(
                    Diagnostic::error("wrong-type", format!("a key of `{what}` is not a name"))
                        .at(self.location(key.pos), "expected a name")
                        .hint("keys are plain names such as `name` or `skills`"),
                );
                continue;
            };
            if !matches!(key.value, Value::Str(_)) || !allowed.contains(&name.as_str()) {
                if looks_like_secret(&name) {
                    self.push(
                        Diagnostic::error(
                            "secret-in-manifest",
                            format!("`{name}` in `{what}` looks like a secret, and manifests hold no secrets"),
                        )
                        .at(self.location(key.pos), "secrets must not be in git")
                        .hint(SECRET_HINT),
                    );
                    continue;
                }
                let hint = match did_you_mean(&name, allowed.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("`{what}` accepts: {}", list(allowed)),
                };
                self.push(
                    Diagnostic::error("unknown-key", format!("unknown key `{name}` in `{what}`"))
                        .at(self.location(key.pos), "unknown key")
                        .hint(hint),
                );
            }
        }
        Some(Fields { entries, node })
    }

    fn missing(&mut self, fields: &Fields<'_>, what: &str, key: &str, example: &str) {
        self.push(
            Diagnostic::error("missing-key", format!("`{what}` is missing `{key}`"))
                .at(
                    self.location(fields.node.pos),
                    format!("this {what} has no `{key}`"),
                )
                .hint(format!("add `{key}: {example}`")),
        );
    }

    /// A required non-empty name.
    fn required_name(
        &mut self,
        fields: &Fields<'_>,
        what: &str,
        key: &str,
        example: &str,
    ) -> Option<At<String>> {
        if let Some(node) = fields.get(key) {
            self.name(node, key)
        } else {
            self.missing(fields, what, key, example);
            None
        }
    }

    /// A non-empty name (numbers are taken as written: a skill may be called `2024`), in
    /// Unicode NFC so that one name typed two ways is one name (`roster_model::normalize_name`).
    ///
    /// Spaces around a name are taken as written, with a warning: an org may hold such a name
    /// (nothing says Genesys trims them), and an export of it must validate (issue #13), but
    /// in a hand-written manifest they are more likely a slip.
    fn name(&mut self, node: &Node, key: &str) -> Option<At<String>> {
        let mut name = self.scalar(node, key, Surrounding::Warn)?;
        name.value = normalize_name_owned(name.value);
        Some(name)
    }

    /// A non-empty text taken exactly as written: a path or a variable name, which must match
    /// the file system or the environment byte for byte.
    fn text(&mut self, node: &Node, key: &str) -> Option<At<String>> {
        self.scalar(node, key, Surrounding::Refuse)
    }

    /// A non-empty scalar as written; spaces around it are refused or warned about.
    fn scalar(&mut self, node: &Node, key: &str, spaces: Surrounding) -> Option<At<String>> {
        let text = match &node.value {
            Value::Seq(_) | Value::Map(_) | Value::Null => {
                self.wrong_type(node, key, "a name");
                return None;
            }
            _ => node.scalar_text()?,
        };
        if text.trim().is_empty() {
            self.push(
                Diagnostic::error("empty-name", format!("`{key}` is empty"))
                    .at(self.location(node.pos), "empty name")
                    .hint(format!("give `{key}` a name, or remove it")),
            );
            return None;
        }
        if text.trim() != text {
            match spaces {
                Surrounding::Refuse => {
                    self.push(
                        Diagnostic::error(
                            "empty-name",
                            format!("`{key}` has leading or trailing spaces: `{text}`"),
                        )
                        .at(self.location(node.pos), "spaces around the name")
                        .hint(format!("write `{}`", text.trim())),
                    );
                    return None;
                }
                Surrounding::Warn => self.push(
                    Diagnostic::warning(
                        "name-spaces",
                        format!(
                            "`{key}` has leading or trailing spaces: `{text}`; taken as written"
                        ),
                    )
                    .at(self.location(node.pos), "spaces around the name")
                    .hint(format!(
                        "keep them only if the org's name has them too; else write `{}`",
                        text.trim()
                    )),
                ),
            }
        }
        Some(At::with_loc(text, self.loc(node.pos)))
    }

    fn optional_name(&mut self, fields: &Fields<'_>, key: &str) -> Option<At<String>> {
        fields.get(key).and_then(|node| self.name(node, key))
    }

    /// Reports a name longer than Genesys takes for a `kind` (see `roster_model::names`). The
    /// name is still used, so its references do not also fail.
    fn name_length(&mut self, name: &At<String>, kind: Kind) {
        self.length(
            &name.value,
            name.loc.pos,
            &format!("{kind} name"),
            kind.max_name_chars(),
        );
    }

    /// [`Self::name_length`] for a division reference: no manifest declares divisions, but a
    /// name no org can hold is better reported here than as a missing division at plan time.
    fn division_length(&mut self, division: Option<&At<String>>) {
        if let Some(division) = division {
            self.name_length(division, Kind::Division);
        }
    }

    /// Reports `text` (written at `pos`) if it has more than `max` characters.
    fn length(&mut self, text: &str, pos: Pos, what: &str, max: usize) {
        let length = name_chars(text);
        if length <= max {
            return;
        }
        self.push(
            Diagnostic::error(
                "too-long",
                format!("{what} is {length} characters long, over the limit of {max}"),
            )
            .at(self.location(pos), format!("{length} characters"))
            .hint(format!("shorten it to {max} characters or fewer")),
        );
    }

    /// [`Self::optional_text`], reporting a text longer than `max` characters.
    fn optional_text_within(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        what: &str,
        max: usize,
    ) -> Option<String> {
        let text = self.optional_text(fields, key)?;
        if let Some(node) = fields.get(key) {
            self.length(&text, node.pos, what, max);
        }
        Some(text)
    }

    /// Free text (titles, descriptions), which may be empty.
    fn optional_text(&mut self, fields: &Fields<'_>, key: &str) -> Option<String> {
        let node = fields.get(key)?;
        match &node.value {
            Value::Str(text) => Some(text.clone()),
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => node.scalar_text(),
            Value::Null | Value::Seq(_) | Value::Map(_) => {
                self.wrong_type(node, key, "a string");
                None
            }
        }
    }

    fn optional_bool(&mut self, fields: &Fields<'_>, key: &str) -> Option<bool> {
        let node = fields.get(key)?;
        if let Value::Bool(flag) = node.value {
            Some(flag)
        } else {
            self.wrong_type(node, key, "`true` or `false`");
            None
        }
    }

    /// A whole number in `min..=max`; out of range is an error with `code`.
    fn integer(
        &mut self,
        node: &Node,
        key: &str,
        min: i64,
        max: i64,
        code: &'static str,
    ) -> Option<i64> {
        let value = match node.value {
            Value::Int(number) => number,
            Value::Float(number) if number.fract() == 0.0 && number.is_finite() => number as i64,
            _ => {
                self.wrong_type(node, key, "a whole number");
                return None;
            }
        };
        if (min..=max).contains(&value) {
            return Some(value);
        }
        // Limits with no real maximum read better as "0 or more" than as `u32::MAX`.
        let range = if max >= i64::from(u32::MAX) {
            format!("{min} or more")
        } else {
            format!("{min}–{max}")
        };
        self.push(
            Diagnostic::error(code, format!("`{key}` is {value}, but must be {range}"))
                .at(self.location(node.pos), format!("must be {range}"))
                .hint(if max >= i64::from(u32::MAX) {
                    format!("use a whole number, {range}")
                } else {
                    format!("use a whole number from {min} to {max}")
                }),
        );
        None
    }

    fn list<'n>(&mut self, node: &'n Node, key: &str) -> Option<&'n [Node]> {
        if let Value::Seq(items) = &node.value {
            Some(items)
        } else {
            self.wrong_type(node, key, "a list");
            None
        }
    }

    fn name_list(&mut self, node: &Node, key: &str) -> Option<Vec<At<String>>> {
        let items = self.list(node, key)?;
        // Sized up front: a collected `filter_map` starts at four slots, and most lists (a
        // user's queues) hold one name, which adds up over tens of thousands of users.
        let mut names = Vec::with_capacity(items.len());
        names.extend(items.iter().filter_map(|item| self.name(item, key)));
        Some(names)
    }

    fn email(&mut self, node: &Node, key: &str) -> Option<At<Email>> {
        let Value::Str(text) = &node.value else {
            self.wrong_type(node, key, "an email address");
            return None;
        };
        match Email::parse(text) {
            Ok(email) => Some(At::with_loc(email, self.loc(node.pos))),
            Err(err @ EmailError::TooLong { max, .. }) => {
                self.push(
                    Diagnostic::error("too-long", err.to_string())
                        .at(self.location(node.pos), "too long for an address")
                        .hint(format!(
                            "an address has {max} characters or fewer (RFC 5321)"
                        )),
                );
                None
            }
            Err(err) => {
                self.push(
                    Diagnostic::error("invalid-email", err.to_string())
                        .at(self.location(node.pos), "not an email address")
                        .hint("write the address as `name@domain.tld`"),
                );
                None
            }
        }
    }

    /// `timezone:`, if present: an IANA name the bundled time zone database knows.
    fn timezone(&mut self, fields: &Fields<'_>) -> Option<At<String>> {
        let node = fields.get("timezone")?;
        let zone = self.text(node, "timezone")?;
        let Err(err) = roster_notify::time_zone(&zone.value) else {
            return Some(zone);
        };
        let hint = match &err.suggestion {
            Some(best) => format!("did you mean `{best}`? Time zones are IANA names"),
            None => {
                "write an IANA time zone name, e.g. `Europe/Berlin`, `America/New_York` or `UTC`"
                    .to_owned()
            }
        };
        self.push(
            Diagnostic::error(
                "unknown-timezone",
                format!("unknown time zone `{}`", zone.value),
            )
            .at(self.location(node.pos), "not an IANA time zone")
            .hint(hint),
        );
        None
    }

    /// One of a fixed set of words.
    fn word<T>(
        &mut self,
        node: &Node,
        key: &str,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let Value::Str(text) = &node.value else {
            self.wrong_type(node, key, &format!("one of {}", list(names)));
            return None;
        };
        if let Some(value) = parse(text) {
            return Some(value);
        }
        let hint = match did_you_mean(text, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? `{key}` is one of {}", list(names)),
            None => format!("`{key}` is one of {}", list(names)),
        };
        self.push(
            Diagnostic::error(
                "invalid-value",
                format!("`{text}` is not a valid value for `{key}`"),
            )
            .at(self.location(node.pos), "not a valid value")
            .hint(hint),
        );
        None
    }

    /// Decodes `roster.yaml`.
    pub fn roster_file(&mut self, root: &Node) -> RosterFile {
        let mut file = RosterFile::default();
        if matches!(root.value, Value::Null) {
            self.push(
                Diagnostic::error("no-orgs", "`roster.yaml` declares no org")
                    .at(self.location(root.pos), "empty file")
                    .hint("add `orgs:` with at least one org (see `roster schema`)"),
            );
            return file;
        }
        let Some(fields) = self.fields(root, "roster.yaml", ROSTER_KEYS) else {
            return file;
        };
        for (key, _) in fields.entries {
            if let Some(name) = key.scalar_text()
                && RESOURCE_KEYS.contains(&name.as_str())
            {
                // Replace the generic unknown-key hint with the one that helps.
                if let Some(last) = self.diagnostics.iter_mut().rev().find(|d| {
                    d.code == "unknown-key"
                        && d.primary
                            .as_ref()
                            .is_some_and(|at| at.span.start == key.pos.start as usize)
                }) {
                    last.hint = Some(format!(
                        "`{name}` belongs in a resource file: move it to a `.yaml` file under a folder listed in an org's `include`"
                    ));
                }
            }
        }
        match fields.get("orgs") {
            Some(node) => {
                if let Value::Map(orgs) = &node.value {
                    if orgs.is_empty() {
                        self.push(
                            Diagnostic::error("no-orgs", "`orgs` is empty")
                                .at(self.location(node.pos), "no org")
                                .hint("add at least one org under `orgs:`"),
                        );
                    }
                    for (key, value) in orgs {
                        let Some(name) = self.name(key, "orgs") else {
                            continue;
                        };
                        if let Some(org) = self.org(value, &name.value) {
                            file.orgs.insert(name, org);
                        }
                    }
                } else {
                    self.wrong_type(node, "orgs", "a mapping of org names to org settings");
                }
            }
            None => {
                self.missing(
                    &fields,
                    "roster.yaml",
                    "orgs",
                    "{ my-org: { region: us-east-1, ... } }",
                );
            }
        }
        file.policy = fields
            .get("policy")
            .and_then(|node| self.policy(node, "policy"));
        file.journal = fields.get("journal").and_then(|node| self.journal(node));
        file.read = fields.get("read").and_then(|node| self.read(node));
        // Every org written, decoded or not: a hook naming a malformed org is not "unknown".
        let orgs: Vec<String> = match fields.get("orgs").map(|node| &node.value) {
            Some(Value::Map(orgs)) => orgs
                .iter()
                .filter_map(|(key, _)| key.scalar_text())
                .collect(),
            _ => Vec::new(),
        };
        file.serve = fields.get("serve").and_then(|node| self.serve(node, &orgs));
        file.notify = fields.get("notify").and_then(|node| self.notify(node));
        file
    }

    /// `read: { skip: [utilization] }`: parts every read of the org leaves out.
    fn read(&mut self, node: &Node) -> Option<ReadConfig> {
        let fields = self.fields(node, "read", &["skip"])?;
        let skip = match fields.get("skip") {
            Some(skip) => self
                .list(skip, "skip")
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| {
                            self.word(item, "skip", &ReadSkip::NAMES, ReadSkip::from_name)
                        })
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Some(ReadConfig { skip })
    }

    /// `journal: { key: { env: VAR } }` (or `{ file: PATH }`): the journal key, by reference
    /// only, like every secret.
    fn journal(&mut self, node: &Node) -> Option<JournalConfig> {
        let fields = self.fields(node, "journal", &["key"])?;
        if fields.get("key").is_none() {
            return Some(JournalConfig::default());
        }
        Some(JournalConfig {
            key: Some(self.secret_ref(&fields, "key")?),
        })
    }

    fn org(&mut self, node: &Node, name: &str) -> Option<OrgConfig> {
        let what = format!("orgs.{name}");
        let fields = self.fields(node, &what, ORG_KEYS)?;
        let mut org = OrgConfig {
            region: self.optional_name(&fields, "region"),
            api_base: self.optional_name(&fields, "apiBase"),
            ..OrgConfig::default()
        };
        if let Some(sandbox) = fields.get("sandbox")
            && let Some(inner) = self.fields(sandbox, "sandbox", &["seed"])
        {
            // No seed: an empty emulated org.
            let seed = match inner.get("seed") {
                Some(seed) => match self.text(seed, "seed") {
                    Some(seed) => Some(seed),
                    None => return Some(org),
                },
                None => None,
            };
            org.sandbox = Some(SandboxConfig { seed });
        }
        if let Some(credentials) = fields.get("credentials") {
            self.credentials_written.insert(name.to_owned());
            org.credentials = self.credentials(credentials);
        }
        if let Some(include) = fields.get("include") {
            org.include = self
                .list(include, "include")
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| self.text(item, "include"))
                        .collect()
                })
                .unwrap_or_default();
        }
        if let Some(rate) = fields.get("rateLimit")
            && let Some(inner) = self.fields(rate, "rateLimit", &["requestsPerMinute", "tokens"])
        {
            org.rate_limit = Some(RateLimitConfig {
                requests_per_minute: inner
                    .get("requestsPerMinute")
                    .and_then(|n| self.integer(n, "requestsPerMinute", 1, 6000, "rate-limit-range"))
                    .map(|n| n as u32),
                tokens: inner
                    .get("tokens")
                    .and_then(|n| self.integer(n, "tokens", 1, 20, "rate-limit-range"))
                    .map(|n| n as u32),
            });
        }
        org.policy = fields
            .get("policy")
            .and_then(|node| self.policy(node, "policy"));
        org.read = fields.get("read").and_then(|node| self.read(node));
        org.timezone = self.timezone(&fields);
        Some(org)
    }

    fn credentials(&mut self, node: &Node) -> Option<CredentialsConfig> {
        let fields = self.fields(node, "credentials", &["clientId", "clientSecret"])?;
        let client_id = self.secret_ref(&fields, "clientId");
        let client_secret = self.secret_ref(&fields, "clientSecret");
        Some(CredentialsConfig {
            client_id: client_id?,
            client_secret: client_secret?,
        })
    }

    /// A credential, by reference only: `{ env: VAR }` or `{ file: PATH }`. A value written in
    /// its place is an error that never repeats the value (issue #12).
    fn secret_ref(&mut self, fields: &Fields<'_>, key: &str) -> Option<SecretRefConfig> {
        let Some(node) = fields.get(key) else {
            self.missing(fields, "credentials", key, "{ env: VARIABLE_NAME }");
            return None;
        };
        if let Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) = node.value {
            self.push(
                Diagnostic::error(
                    "secret-in-manifest",
                    format!("`{key}` is written in the manifest"),
                )
                .at(self.location(node.pos), "secrets must not be in git")
                .hint(format!(
                    "write `{key}: {{ env: VARIABLE_NAME }}` and set the variable where roster runs, or `{key}: {{ file: PATH }}` with a file kept out of git"
                )),
            );
            return None;
        }
        let inner = self.fields(node, key, &["env", "file"])?;
        match (inner.get("env"), inner.get("file")) {
            (Some(env), None) => self.env_name(env).map(SecretRefConfig::Env),
            (None, Some(file)) => self.text(file, "file").map(SecretRefConfig::File),
            (None, None) => {
                self.missing(&inner, key, "env", "VARIABLE_NAME");
                None
            }
            (Some(_), Some(_)) => {
                self.push(
                    Diagnostic::error(
                        "invalid-credentials",
                        format!("`{key}` names both a variable and a file"),
                    )
                    .at(self.location(node.pos), "one reference only")
                    .hint(format!(
                        "keep `{key}: {{ env: VARIABLE_NAME }}` or `{key}: {{ file: PATH }}`"
                    )),
                );
                None
            }
        }
    }

    /// An environment variable's name.
    fn env_name(&mut self, node: &Node) -> Option<At<String>> {
        let env = self.text(node, "env")?;
        let valid = env
            .value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && env
                .value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            self.push(
                Diagnostic::error(
                    "invalid-env",
                    format!("`{}` is not an environment variable name", env.value),
                )
                .at(self.location(env.loc.pos), "not a variable name")
                .hint("use letters, digits and `_`, not starting with a digit"),
            );
            return None;
        }
        Some(env)
    }

    fn policy(&mut self, node: &Node, what: &str) -> Option<PolicyConfig> {
        let fields = self.fields(node, what, POLICY_KEYS)?;
        let mut policy = PolicyConfig::default();
        if let Some(node) = fields.get("unmanaged")
            && let Some(inner) = self.fields(node, "unmanaged", UNMANAGED_KEYS)
        {
            let mode = |decoder: &mut Self, key: &str| {
                inner.get(key).and_then(|n| {
                    decoder.word(n, key, &UnmanagedMode::NAMES, UnmanagedMode::from_name)
                })
            };
            policy.unmanaged = Some(UnmanagedConfig {
                users: mode(self, "users"),
                skills: mode(self, "skills"),
                languages: mode(self, "languages"),
                wrapup_codes: mode(self, "wrapupCodes"),
                queues: mode(self, "queues"),
                teams: mode(self, "teams"),
            });
        }
        if let Some(node) = fields.get("scope")
            && let Some(inner) = self.fields(node, "scope", &["divisions"])
        {
            policy.scope = Some(ScopeConfig {
                divisions: inner
                    .get("divisions")
                    .and_then(|n| self.name_list(n, "divisions"))
                    .unwrap_or_default(),
            });
        }
        if let Some(node) = fields.get("limits") {
            policy.limits = self.limits(node);
        }
        if let Some(node) = fields.get("protect")
            && let Some(items) = self.list(node, "protect")
        {
            let rules = items.iter().filter_map(|item| self.protect(item)).collect();
            policy.protect = Some(rules);
        }
        if let Some(node) = fields.get("ownedElsewhere")
            && let Some(items) = self.list(node, "ownedElsewhere")
        {
            let names = roster_model::UserField::ALL.map(roster_model::UserField::as_str);
            let owned = items
                .iter()
                .filter_map(|item| {
                    self.word(item, "ownedElsewhere", &names, |word| {
                        roster_model::UserField::ALL
                            .into_iter()
                            .find(|field| field.as_str() == word)
                    })
                })
                .collect();
            policy.owned_elsewhere = Some(owned);
        }
        Some(policy)
    }

    fn limits(&mut self, node: &Node) -> Option<LimitsConfig> {
        let inner = self.fields(node, "limits", LIMITS_KEYS)?;
        let count = |decoder: &mut Self, key: &str| {
            inner
                .get(key)
                .and_then(|n| decoder.integer(n, key, 0, i64::from(u32::MAX), "policy-range"))
                .map(|n| n as u32)
        };
        let percent = |decoder: &mut Self, key: &str| {
            inner
                .get(key)
                .and_then(|n| decoder.integer(n, key, 0, 100, "policy-range"))
                .map(|n| n as u8)
        };
        Some(LimitsConfig {
            max_deletes: count(self, "maxDeletes"),
            max_delete_percent: percent(self, "maxDeletePercent"),
            max_users_losing_all_queues: count(self, "maxUsersLosingAllQueues"),
            max_users_losing_all_queues_percent: percent(self, "maxUsersLosingAllQueuesPercent"),
            max_users_losing_all_skills: count(self, "maxUsersLosingAllSkills"),
            max_users_losing_all_skills_percent: percent(self, "maxUsersLosingAllSkillsPercent"),
            max_memberships_removed: count(self, "maxMembershipsRemoved"),
            max_memberships_removed_percent: percent(self, "maxMembershipsRemovedPercent"),
            per_day: inner.get("perDay").and_then(|n| self.day_limits(n)),
            licence_increase: count(self, "licenceIncrease"),
        })
    }

    fn day_limits(&mut self, node: &Node) -> Option<DayLimitsConfig> {
        let inner = self.fields(node, "perDay", DAY_LIMITS_KEYS)?;
        let mut number = |key: &str, max: i64| {
            inner
                .get(key)
                .and_then(|n| self.integer(n, key, 0, max, "policy-range"))
        };
        let max_deletes = number("maxDeletes", i64::from(u32::MAX)).map(|n| n as u32);
        let max_delete_percent = number("maxDeletePercent", 100).map(|n| n as u8);
        let max_memberships_removed =
            number("maxMembershipsRemoved", i64::from(u32::MAX)).map(|n| n as u32);
        let max_memberships_removed_percent =
            number("maxMembershipsRemovedPercent", 100).map(|n| n as u8);
        Some(DayLimitsConfig {
            max_deletes,
            max_delete_percent,
            max_memberships_removed,
            max_memberships_removed_percent,
        })
    }

    fn protect(&mut self, node: &Node) -> Option<ProtectConfig> {
        let fields = self.fields(node, "protect", PROTECT_KEYS)?;
        let known: Vec<&(Node, Node)> = fields
            .entries
            .iter()
            .filter(
                |(k, _)| matches!(&k.value, Value::Str(s) if PROTECT_KEYS.contains(&s.as_str())),
            )
            .collect();
        let has_unknown = fields.entries.len() > known.len();
        // An entry with only unknown keys was reported as such; one message is enough.
        if known.len() > 1 || (known.is_empty() && !has_unknown) {
            self.push(
                Diagnostic::error(
                    "invalid-protect",
                    format!("a `protect` entry must name exactly one kind, found {}", known.len()),
                )
                .at(self.location(node.pos), "one kind per entry")
                .hint(format!(
                    "write one entry per pattern, e.g. `{{ user: breakglass@acme.example }}`; kinds: {}",
                    list(PROTECT_KEYS)
                )),
            );
            return None;
        }
        let mut rule = ProtectConfig::default();
        let (key, value) = known.first()?;
        let pattern = self.name(value, "protect")?;
        match &key.value {
            Value::Str(kind) => match kind.as_str() {
                "user" => rule.user = Some(pattern),
                "skill" => rule.skill = Some(pattern),
                "language" => rule.language = Some(pattern),
                "wrapupCode" => rule.wrapup_code = Some(pattern),
                "queue" => rule.queue = Some(pattern),
                _ => rule.team = Some(pattern),
            },
            _ => return None,
        }
        Some(rule)
    }

    /// Decodes a resource file.
    pub fn resource_file(&mut self, root: &Node) -> ResourceFile {
        let mut file = ResourceFile::default();
        if matches!(root.value, Value::Null) {
            // Said first: the "unknown" references to what it was meant to hold follow from it.
            self.push(
                Diagnostic::warning("empty-file", "this file declares nothing")
                    .at(Location::file_start(self.path), "empty file")
                    .hint("declare something (`users:`, `teams:`, …) or remove the file"),
            );
            return file;
        }
        let Some(fields) = self.fields(root, "resource file", RESOURCE_KEYS) else {
            return file;
        };
        file.skills = self.items(&fields, "skills", Self::skill);
        file.languages = self.items(&fields, "languages", |d, n| {
            let f = d.fields(n, "language", &["name"])?;
            let name = d.required_name(&f, "language", "name", "Spanish")?;
            d.name_length(&name, Kind::Language);
            Some(LanguageSpec { name })
        });
        file.wrapup_codes = self.items(&fields, "wrapupCodes", |d, n| {
            let f = d.fields(n, "wrap-up code", &["name"])?;
            let name = d.required_name(&f, "wrap-up code", "name", "Resolved")?;
            d.name_length(&name, Kind::WrapupCode);
            Some(WrapupCodeSpec { name })
        });
        file.queues = self.items(&fields, "queues", Self::queue);
        file.teams = self.items(&fields, "teams", |d, n| {
            let f = d.fields(n, "team", TEAM_KEYS)?;
            let name = d.required_name(&f, "team", "name", "Billing Tier 2");
            if let Some(name) = &name {
                d.name_length(name, Kind::Team);
            }
            let division = d.optional_name(&f, "division");
            d.division_length(division.as_ref());
            let description = d.optional_text(&f, "description");
            let timezone = d.timezone(&f);
            Some(TeamSpec {
                name: name?,
                division,
                description,
                timezone,
            })
        });
        file.routing_profiles = self.items(&fields, "routingProfiles", Self::routing_profile);
        file.users = self.items(&fields, "users", Self::user);
        file.announcements = self.items(&fields, "announcements", Self::announcement);
        file
    }

    fn items<T>(
        &mut self,
        fields: &Fields<'_>,
        key: &str,
        item: impl Fn(&mut Self, &Node) -> Option<T>,
    ) -> Vec<T> {
        let Some(node) = fields.get(key) else {
            return Vec::new();
        };
        if matches!(node.value, Value::Null) {
            // `skills:` with nothing after it declares nothing, which is what it says.
            return Vec::new();
        }
        let Some(items) = self.list(node, key) else {
            return Vec::new();
        };
        items.iter().filter_map(|node| item(self, node)).collect()
    }

    fn skill(&mut self, node: &Node) -> Option<SkillSpec> {
        let fields = self.fields(node, "skill", &["name", "formerNames"])?;
        let name = self.required_name(&fields, "skill", "name", "Billing");
        let former_names = fields
            .get("formerNames")
            .and_then(|n| self.name_list(n, "formerNames"))
            .unwrap_or_default();
        for name in name.iter().chain(&former_names) {
            self.name_length(name, Kind::Skill);
        }
        Some(SkillSpec {
            name: name?,
            former_names,
        })
    }

    fn queue(&mut self, node: &Node) -> Option<QueueSpec> {
        let fields = self.fields(
            node,
            "queue",
            &["name", "division", "description", "wrapupCodes", "members"],
        )?;
        let name = self.required_name(&fields, "queue", "name", "Billing");
        if let Some(name) = &name {
            self.name_length(name, Kind::Queue);
        }
        let division = self.optional_name(&fields, "division");
        self.division_length(division.as_ref());
        let description = self.optional_text(&fields, "description");
        let wrapup_codes = fields
            .get("wrapupCodes")
            .and_then(|n| self.name_list(n, "wrapupCodes"));
        let members = fields.get("members").and_then(|n| {
            self.word(
                n,
                "members",
                &["additive", "exclusive"],
                |word| match word {
                    "additive" => Some(MembersMode::Additive),
                    "exclusive" => Some(MembersMode::Exclusive),
                    _ => None,
                },
            )
        });
        Some(QueueSpec {
            name: name?,
            division,
            description,
            wrapup_codes,
            members,
        })
    }

    fn proficiencies(
        &mut self,
        node: &Node,
        key: &str,
        whole: bool,
    ) -> Option<BTreeMap<At<String>, Proficiency>> {
        let Value::Map(entries) = &node.value else {
            let example = match &node.value {
                Value::Seq(items) => items.first().and_then(Node::scalar_text),
                _ => node.scalar_text(),
            }
            .unwrap_or_else(|| "Billing".to_owned());
            self.push(
                Diagnostic::error(
                    "wrong-type",
                    format!(
                        "`{key}` must be a mapping of name to proficiency, found {}",
                        node.value.describe()
                    ),
                )
                .at(self.location(node.pos), "expected `{ name: proficiency }`")
                .hint(format!(
                    "give each name a proficiency from 0 to 5, e.g. `{key}: {{ {example}: 3 }}`"
                )),
            );
            return None;
        };
        let mut out = BTreeMap::new();
        for (name_node, value) in entries {
            let Some(name) = self.name(name_node, key) else {
                continue;
            };
            let number = match value.value {
                Value::Int(number) => number as f64,
                Value::Float(number) => number,
                _ => {
                    self.wrong_type(value, &name.value, "a proficiency from 0 to 5");
                    continue;
                }
            };
            let kind = if whole { "language" } else { "skill" };
            let Ok(proficiency) = Proficiency::new(number) else {
                self.push(
                    Diagnostic::error(
                        "proficiency-range",
                        format!(
                            "{kind} proficiency {number} for `{}` is outside 0–5",
                            name.value
                        ),
                    )
                    .at(self.location(value.pos), "must be 0–5")
                    .hint(format!(
                        "use a proficiency from 0 to 5, e.g. `{}: {}`",
                        name.value,
                        number.clamp(0.0, 5.0).round()
                    )),
                );
                continue;
            };
            if whole && !proficiency.is_whole() {
                self.push(
                    Diagnostic::error(
                        "proficiency-whole",
                        format!("language proficiency {number} for `{}` is not a whole number", name.value),
                    )
                    .at(self.location(value.pos), "must be a whole number")
                    .hint("Genesys rounds language proficiency to a whole number: use 0, 1, 2, 3, 4 or 5"),
                );
                continue;
            }
            out.insert(name, proficiency);
        }
        Some(out)
    }

    fn roles(&mut self, node: &Node) -> Option<Vec<RoleSpec>> {
        let items = self.list(node, "roles")?;
        let mut roles = Vec::new();
        for item in items {
            if let Value::Str(_) = item.value {
                self.push(
                    Diagnostic::error("wrong-type", "a role grant must be a mapping")
                        .at(self.location(item.pos), "expected `{ role: ... }`")
                        .hint(format!(
                            "write `{{ role: {} }}`, adding `divisions: [...]` to grant it outside the home division",
                            item.scalar_text().unwrap_or_default()
                        )),
                );
                continue;
            }
            let Some(fields) = self.fields(item, "role grant", &["role", "divisions"]) else {
                continue;
            };
            let role = self.required_name(&fields, "role grant", "role", "Agent");
            let divisions = fields
                .get("divisions")
                .and_then(|n| self.name_list(n, "divisions"));
            if let (Some(list), Some(node)) = (&divisions, fields.get("divisions"))
                && list.is_empty()
                && matches!(&node.value, Value::Seq(items) if items.is_empty())
            {
                self.push(
                    Diagnostic::error("empty-divisions", "`divisions` is empty: the role would be granted nowhere")
                        .at(self.location(node.pos), "no division")
                        .hint("list the divisions, or remove `divisions` to grant the role in the home division"),
                );
                continue;
            }
            for division in divisions.iter().flatten() {
                self.name_length(division, Kind::Division);
            }
            if let Some(role) = role {
                self.name_length(&role, Kind::Role);
                roles.push(RoleSpec { role, divisions });
            }
        }
        Some(roles)
    }

    fn utilization(&mut self, node: &Node) -> Option<UtilizationSpec> {
        let fields = self.fields(node, "utilization", &MEDIA_NAMES)?;
        let mut out = UtilizationSpec::default();
        for (key, value) in fields.entries {
            let Some(media) = key.scalar_text().as_deref().and_then(media_from_name) else {
                continue;
            };
            let Some(inner) = self.fields(value, media.as_str(), MEDIA_KEYS) else {
                continue;
            };
            let capacity = if let Some(n) = inner.get("capacity") {
                self.integer(n, "capacity", 0, 25, "utilization-range")
            } else {
                self.missing(&inner, media.as_str(), "capacity", "1");
                None
            };
            let interruptible = inner.get("interruptible").and_then(|n| {
                let items = self.list(n, "interruptible")?;
                Some(
                    items
                        .iter()
                        .filter_map(|item| {
                            self.word(item, "interruptible", &MEDIA_NAMES, media_from_name)
                        })
                        .collect::<Vec<_>>(),
                )
            });
            let include_non_acd = self.optional_bool(&inner, "includeNonAcd");
            if let Some(capacity) = capacity {
                *out.slot(media) = Some(MediaSpec {
                    capacity: capacity as u8,
                    interruptible: interruptible.unwrap_or_default(),
                    include_non_acd,
                });
            }
        }
        Some(out)
    }

    fn routing_profile(&mut self, node: &Node) -> Option<RoutingProfileSpec> {
        let fields = self.fields(node, "routing profile", PROFILE_KEYS)?;
        let name = self.required_name(&fields, "routing profile", "name", "Billing Agent");
        let skills = fields
            .get("skills")
            .and_then(|n| self.proficiencies(n, "skills", false));
        let languages = fields
            .get("languages")
            .and_then(|n| self.proficiencies(n, "languages", true));
        let queues = fields
            .get("queues")
            .and_then(|n| self.name_list(n, "queues"));
        let roles = fields.get("roles").and_then(|n| self.roles(n));
        let utilization = fields.get("utilization").and_then(|n| self.utilization(n));
        let phone = self.profile_phone(&fields);
        let wfm = self.wfm(&fields);
        let licence = self.optional_name(&fields, "licence");
        Some(RoutingProfileSpec {
            name: name?,
            skills,
            languages,
            queues,
            roles,
            utilization,
            phone,
            wfm,
            licence,
        })
    }

    fn user(&mut self, node: &Node) -> Option<UserSpec> {
        let fields = self.fields(node, "user", USER_KEYS)?;
        let email = if let Some(n) = fields.get("email") {
            self.email(n, "email")
        } else {
            self.missing(&fields, "user", "email", "jane.doe@acme.example");
            None
        };
        let name = if fields.get("name").is_some() {
            self.optional_text_within(&fields, "name", "user name", NAME_MAX_CHARS)
        } else {
            self.missing(&fields, "user", "name", "Jane Doe");
            None
        };
        let has_name = name.is_some();
        let user = UserSpec {
            email: email?,
            name: name.unwrap_or_default(),
            title: self.optional_text_within(&fields, "title", "title", USER_TEXT_MAX_CHARS),
            department: self.optional_text_within(
                &fields,
                "department",
                "department",
                USER_TEXT_MAX_CHARS,
            ),
            division: self.optional_name(&fields, "division"),
            manager: fields.get("manager").and_then(|n| self.email(n, "manager")),
            team: self.optional_name(&fields, "team"),
            routing_profile: self.optional_name(&fields, "routingProfile"),
            skills: fields
                .get("skills")
                .and_then(|n| self.proficiencies(n, "skills", false)),
            languages: fields
                .get("languages")
                .and_then(|n| self.proficiencies(n, "languages", true)),
            queues: fields
                .get("queues")
                .and_then(|n| self.name_list(n, "queues")),
            roles: fields.get("roles").and_then(|n| self.roles(n)),
            utilization: fields.get("utilization").and_then(|n| self.utilization(n)),
            acd_auto_answer: self.optional_bool(&fields, "acdAutoAnswer"),
            state: fields.get("state").and_then(|n| {
                self.word(n, "state", &["active", "inactive"], |word| match word {
                    "active" => Some(UserState::Active),
                    "inactive" => Some(UserState::Inactive),
                    _ => None,
                })
            }),
            reactivate: self.optional_bool(&fields, "reactivate"),
            timezone: self.timezone(&fields),
            phone: self.user_phone(&fields),
            wfm: self.wfm(&fields),
        };
        self.division_length(user.division.as_ref());
        has_name.then_some(user)
    }
}

/// `a`, `b`, `c` as a message fragment.
fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use crate::manifest::SecretRefConfig;

    fn credentials(client_secret: &str) -> (Option<SecretRefConfig>, Vec<&'static str>) {
        let text = format!(
            "orgs:\n  prod:\n    region: us-east-1\n    credentials:\n      clientId: {{ env: PROD_ID }}\n      clientSecret: {client_secret}\n"
        );
        let (file, diagnostics) = crate::decode_roster_file("roster.yaml", &text);
        let secret = file
            .orgs
            .values()
            .next()
            .and_then(|org| org.credentials.clone())
            .map(|credentials| credentials.client_secret);
        (secret, diagnostics.iter().map(|d| d.code).collect())
    }

    #[test]
    fn read_skips_are_decoded_for_the_workspace_and_for_an_org() {
        use crate::manifest::ReadSkip;
        let text = "read: { skip: [utilization] }\norgs:\n  prod:\n    region: us-east-1\n    read: { skip: [] }\n";
        let (file, diagnostics) = crate::decode_roster_file("roster.yaml", text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(file.read.unwrap().skip, [ReadSkip::Utilization]);
        let org = file.orgs.values().next().unwrap();
        assert_eq!(org.read.as_ref().unwrap().skip, []);

        let (_, diagnostics) = crate::decode_roster_file(
            "roster.yaml",
            "read: { skip: [utilisation] }\norgs:\n  prod: { region: us-east-1 }\n",
        );
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(diagnostics[0].code, "invalid-value");
        assert_eq!(
            diagnostics[0].hint.as_deref(),
            Some("did you mean `utilization`? `skip` is one of `utilization`")
        );
    }

    /// An org may hold a name with spaces around it, and its export must validate: the name is
    /// kept as written, with a warning; a path with such spaces is still an error.
    #[test]
    fn names_with_surrounding_spaces_are_kept_with_a_warning() {
        let (file, diagnostics) =
            crate::decode_resource_file("skills.yaml", "skills:\n  - name: \" Billing \"\n");
        let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.is_error())).collect();
        assert_eq!(codes, [("name-spaces", false)]);
        assert_eq!(file.skills[0].name.value, " Billing ");

        let (_, diagnostics) = crate::decode_roster_file(
            "roster.yaml",
            "orgs:\n  prod: { region: us-east-1, include: [\" base\"] }\n",
        );
        let codes: Vec<_> = diagnostics.iter().map(|d| (d.code, d.is_error())).collect();
        assert_eq!(codes, [("empty-name", true)]);
    }

    #[test]
    fn credentials_are_references_to_a_variable_or_a_file() {
        let (secret, codes) = credentials("{ env: PROD_SECRET }");
        assert!(codes.is_empty(), "{codes:?}");
        assert!(matches!(secret, Some(SecretRefConfig::Env(name)) if name.value == "PROD_SECRET"));
        // Paths are kept byte for byte (not normalized like names): the file system decides.
        let (secret, codes) = credentials("{ file: \"secrets/cafe\\u0301\" }");
        assert!(codes.is_empty(), "{codes:?}");
        assert!(
            matches!(secret, Some(SecretRefConfig::File(path)) if path.value == "secrets/cafe\u{301}")
        );
    }

    #[test]
    fn anything_but_one_reference_is_an_error() {
        // An unknown key beside a good reference is reported, and the reference still read.
        for (written, code, read) in [
            ("s3cr3t", "secret-in-manifest", false),
            ("123456", "secret-in-manifest", false),
            ("true", "secret-in-manifest", false),
            ("{ env: A, file: b }", "invalid-credentials", false),
            ("{}", "missing-key", false),
            ("{ env: A, value: x }", "unknown-key", true),
            ("{ env: A, token: x }", "secret-in-manifest", true),
        ] {
            let (secret, codes) = credentials(written);
            assert_eq!(codes, [code], "{written}");
            assert_eq!(secret.is_some(), read, "{written}");
        }
    }
}
