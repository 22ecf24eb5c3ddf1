//! The manifest language as Rust types: `roster.yaml` ([`RosterFile`]) and resource files
//! ([`ResourceFile`]). These types are the single source of truth for the JSON Schema
//! (`schemas/roster.schema.json`, generated with schemars) and are what the decoder fills in.
//!
//! Names and references are wrapped in [`At`] so later checks can point at them.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use roster_model::{Email, MediaType, PhoneNumber, Proficiency, UserState};
use schemars::JsonSchema;
use serde::{Serialize, Serializer};

use crate::yaml::Pos;

mod announcement;
mod notify;

pub use announcement::{AcknowledgeSpec, AnnouncementSpec, AudienceSpec, DeliverSpec};
pub use notify::{
    AckLinkSettings, AdminsSettings, ChannelSettings, NoticesSettings, NotifySettings, WebhookKind,
    WebhookSettings,
};

/// Index of a file in the loader's file table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub(crate) struct FileId(pub u32);

/// Where a value was written: which file, which position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Loc {
    pub file: FileId,
    pub pos: Pos,
}

/// A value and where it was written. Compares, orders, hashes and serializes as the value
/// alone, so two manifests that say the same thing are equal wherever they say it.
#[derive(Debug, Clone)]
pub struct At<T> {
    /// The value.
    pub value: T,
    pub(crate) loc: Loc,
}

impl<T> At<T> {
    /// A value with no known position (built in code rather than read from a file).
    pub fn new(value: T) -> Self {
        At {
            value,
            loc: Loc::default(),
        }
    }

    pub(crate) fn with_loc(value: T, loc: Loc) -> Self {
        At { value, loc }
    }
}

impl<T: Default> Default for At<T> {
    fn default() -> Self {
        At::new(T::default())
    }
}

impl<T: PartialEq> PartialEq for At<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for At<T> {}

impl<T: PartialOrd> PartialOrd for At<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&other.value)
    }
}

impl<T: Ord> Ord for At<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T: Hash> Hash for At<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T: Serialize> Serialize for At<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for At<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// `roster.yaml`: the orgs and the default policy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "roster.yaml")]
pub struct RosterFile {
    /// The orgs roster manages, by a name of your choice (used by `--org`).
    pub orgs: BTreeMap<At<String>, OrgConfig>,
    /// Policy defaults for every org; an org may override any field under `orgs.X.policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyConfig>,
    /// How the orgs' journals are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<JournalConfig>,
    /// What reading every org leaves out; an org's own `read` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadConfig>,
    /// How `roster serve` runs: where it listens, its HR hooks, scheduled drift checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve: Option<ServeSettings>,
    /// How people hear about changes and announcements: channels, change notices,
    /// acknowledgement links (DESIGN §2.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<NotifySettings>,
}

/// `serve:`: the always-on reconciler's settings (DESIGN §2.8).
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServeSettings {
    /// `host:port` to listen on, an IP address (default `127.0.0.1:8080`; `--listen` overrides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<At<String>>,
    /// The queue's `SQLite` database, relative to the workspace root (default
    /// `.roster/serve.db`). Keep it out of git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<At<String>>,
    /// The bearer token that guards `/events`, by reference; without it those routes are closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<SecretRefConfig>,
    /// Attempts at an event before it is dead-lettered (default 8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub max_attempts: Option<u32>,
    /// HR sources by name (`[a-z0-9-]+`): each is `POST /hooks/{name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hooks: BTreeMap<At<String>, HookSettings>,
    /// Scheduled drift checks of every org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftSettings>,
    /// How the server's manifest edits reach git.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSettings>,
}

/// One HR source under `serve.hooks`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookSettings {
    /// The org its events act on, a key of `orgs`.
    pub org: At<String>,
    /// How a request proves it comes from the source.
    pub verify: HookVerifyMethod,
    /// The signing secret (`standard-webhooks`, `hmac-sha256`, `bamboohr`) or the token
    /// (`bearer`), by reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRefConfig>,
    /// `hmac-sha256` only: the header holding the signature (default `X-Hub-Signature-256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<At<String>>,
    /// `hmac-sha256` only: what precedes the hex digest, e.g. `sha256=` (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<At<String>>,
    /// `basic` only: the user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<At<String>>,
    /// `basic` only: the password, by reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<SecretRefConfig>,
    /// Where the event's fields are in the payload, as JSON pointers.
    pub event: EventPointerSettings,
    /// The source's event kinds roster acts on: kind → `terminate`, `suspend` or `rehire`.
    pub kinds: BTreeMap<At<String>, crate::serve::HrAction>,
}

/// How an HR source proves a request is its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum HookVerifyMethod {
    /// Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`).
    StandardWebhooks,
    /// Hex HMAC-SHA256 of the body in a header, GitHub-style.
    HmacSha256,
    /// `BambooHR`'s `X-BambooHR-Signature` and `X-BambooHR-Timestamp`.
    Bamboohr,
    /// HTTP Basic authentication (for sources that do not sign).
    Basic,
    /// A bearer token (for sources that do not sign).
    Bearer,
}

impl HookVerifyMethod {
    pub(crate) const NAMES: [&'static str; 5] = [
        "standard-webhooks",
        "hmac-sha256",
        "bamboohr",
        "basic",
        "bearer",
    ];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "standard-webhooks" => Some(HookVerifyMethod::StandardWebhooks),
            "hmac-sha256" => Some(HookVerifyMethod::HmacSha256),
            "bamboohr" => Some(HookVerifyMethod::Bamboohr),
            "basic" => Some(HookVerifyMethod::Basic),
            "bearer" => Some(HookVerifyMethod::Bearer),
            _ => None,
        }
    }

    /// How the method is written in `roster.yaml`.
    pub fn name(self) -> &'static str {
        match self {
            HookVerifyMethod::StandardWebhooks => "standard-webhooks",
            HookVerifyMethod::HmacSha256 => "hmac-sha256",
            HookVerifyMethod::Bamboohr => "bamboohr",
            HookVerifyMethod::Basic => "basic",
            HookVerifyMethod::Bearer => "bearer",
        }
    }
}

/// JSON pointers (RFC 6901, starting with `/`) into an HR source's payload.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventPointerSettings {
    /// The source's event id, e.g. `/id`.
    #[schemars(regex(pattern = r"^/"))]
    pub id: At<String>,
    /// The source's event kind, e.g. `/type`.
    #[schemars(regex(pattern = r"^/"))]
    pub kind: At<String>,
    /// The user's email, e.g. `/data/email`.
    #[schemars(regex(pattern = r"^/"))]
    pub email: At<String>,
    /// When the event takes effect (RFC 3339 or a date); absent means at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^/"))]
    pub effective: Option<At<String>>,
}

/// `serve.drift`: a scheduled drift check of every org.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DriftSettings {
    /// How often: a whole number and `s`, `m`, `h` or `d`, at least a minute (`1h`).
    #[schemars(regex(pattern = r"^[0-9]+[smhd]$"))]
    pub every: At<String>,
    /// `report` (default) keeps the result; `apply` plans and applies under every limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediate: Option<crate::serve::Remediate>,
}

/// `serve.git`: where the server's manifest edits go.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GitSettings {
    /// The branch, with `{event}` for the source's event id (default `roster/hr/{event}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<At<String>>,
    /// Whether to push the branch (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<bool>,
    /// The remote to push to (default `origin`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<At<String>>,
}

/// What reading an org leaves out, on every run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadConfig {
    /// Parts left unmanaged (neither read nor changed). `utilization`: Genesys has no bulk
    /// read of users' utilization, so managing it costs one request per user whose profile
    /// declares it, on every plan and apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<ReadSkip>,
}

/// A part of the manifests reads can leave unmanaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ReadSkip {
    /// Users' utilization (capacity per media type): the only per-user reads.
    Utilization,
}

impl ReadSkip {
    pub(crate) const NAMES: [&'static str; 1] = ["utilization"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "utilization" => Some(ReadSkip::Utilization),
            _ => None,
        }
    }
}

/// The journals' settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JournalConfig {
    /// A secret of at least 32 bytes that keys the journals' chain (HMAC-SHA256), so that
    /// nobody without it can forge or re-chain lines; without it lines are chained by plain
    /// SHA-256. `roster journal verify` needs it to check a keyed journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<SecretRefConfig>,
}

/// One org in `roster.yaml`. Exactly one of `region`, `apiBase` and `sandbox`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgConfig {
    /// Genesys Cloud region (`us-east-1`, `eu-west-1`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<At<String>>,
    /// Explicit API base URL (`https://api.mypurecloud.com`), for regions roster does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_base: Option<At<String>>,
    /// Use the embedded emulator instead of a real org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxConfig>,
    /// OAuth client credentials, by reference to environment variables or files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<CredentialsConfig>,
    /// Folders or files of resource manifests, relative to `roster.yaml`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<At<String>>,
    /// Client-side rate limit for this org's API token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitConfig>,
    /// Overrides of the top-level policy for this org, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyConfig>,
    /// What reading this org leaves out; replaces the top-level `read`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<ReadConfig>,
    /// The IANA time zone (`Europe/Berlin`) of the org's people, for notices: used for a
    /// user whose own entry and whose team name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<At<String>>,
}

/// The embedded emulator.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SandboxConfig {
    /// The emulator's initial state, relative to `roster.yaml`; without it the emulated
    /// org starts empty (its built-in divisions and roles only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<At<String>>,
}

/// OAuth client credentials, each by reference: never written in the manifests.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialsConfig {
    /// The OAuth client id.
    pub client_id: SecretRefConfig,
    /// The OAuth client secret.
    pub client_secret: SecretRefConfig,
}

/// Where a secret is kept, never in the manifests: `{ env: VAR }` or `{ file: PATH }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum SecretRefConfig {
    /// An environment variable, by name.
    Env(#[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))] At<String>),
    /// A file holding the value (a trailing newline is not part of it), read when roster
    /// connects to the org: a path relative to the workspace root, or an absolute one. Keep
    /// it out of git.
    File(At<String>),
}

impl Default for SecretRefConfig {
    fn default() -> Self {
        SecretRefConfig::Env(At::default())
    }
}

/// Client-side rate limit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Requests per minute for this org's token (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 6000))]
    pub requests_per_minute: Option<u32>,
    /// Burst size (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 20))]
    pub tokens: Option<u32>,
}

/// Policy: what roster may do to objects the manifests do not name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyConfig {
    /// What to do with live objects no manifest names, per kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmanaged: Option<UnmanagedConfig>,
    /// Where `prune` may act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ScopeConfig>,
    /// How much one plan may delete or deactivate before it is blocked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsConfig>,
    /// Objects never deleted or deactivated, e.g. `{ user: breakglass@acme.example }` or
    /// `{ queue: "Emergency*" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protect: Option<Vec<ProtectConfig>>,
    /// User fields an identity provider provisions through SCIM: roster never writes them
    /// and reports a difference as a warning (`name`, `title`, `department`, `manager`,
    /// `division`, `state`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_elsewhere: Option<Vec<roster_model::UserField>>,
}

/// What to do with an unmanaged live object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum UnmanagedMode {
    /// Not shown.
    Ignore,
    /// Listed in the plan, left alone (the default).
    Report,
    /// Deleted (users: deactivated), inside `policy.scope` only.
    Prune,
}

impl UnmanagedMode {
    pub(crate) const NAMES: [&'static str; 3] = ["ignore", "report", "prune"];

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "ignore" => Some(UnmanagedMode::Ignore),
            "report" => Some(UnmanagedMode::Report),
            "prune" => Some(UnmanagedMode::Prune),
            _ => None,
        }
    }
}

/// Unmanaged policy per kind.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnmanagedConfig {
    /// Users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<UnmanagedMode>,
    /// Skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<UnmanagedMode>,
    /// Languages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<UnmanagedMode>,
    /// Wrap-up codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapup_codes: Option<UnmanagedMode>,
    /// Queues.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<UnmanagedMode>,
    /// Teams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<UnmanagedMode>,
}

/// Where `prune` may act.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeConfig {
    /// Division names; empty means nothing is pruned.
    #[serde(default)]
    pub divisions: Vec<At<String>>,
}

/// Destruction and routing-loss limits per plan, and over a day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LimitsConfig {
    /// Most deletes plus deactivations of one kind (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<u32>,
    /// Most deletes plus deactivations as a percentage of a kind's live objects (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_delete_percent: Option<u8>,
    /// Most active users left in no queue that were in at least one (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_users_losing_all_queues: Option<u32>,
    /// The same as a percentage of the active users in at least one queue (default 100: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_users_losing_all_queues_percent: Option<u8>,
    /// Most active users left without any skill that held at least one (default 25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_users_losing_all_skills: Option<u32>,
    /// The same as a percentage of the active users holding at least one skill (default 100: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_users_losing_all_skills_percent: Option<u8>,
    /// Most queue and team memberships of active users removed (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memberships_removed: Option<u32>,
    /// The same as a percentage of the active users' memberships (default 100: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_memberships_removed_percent: Option<u8>,
    /// Limits over the last 24 hours, counting the org's journal; none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_day: Option<DayLimitsConfig>,
    /// Most licences a plan's role grants may add (users gaining a licence, summed over
    /// licences); over it the plan is blocked. Unset: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_increase: Option<u32>,
}

/// Limits over a rolling 24 hours: this plan plus what succeeded in the org's journal.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DayLimitsConfig {
    /// Most deletes plus deactivations of one kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<u32>,
    /// Most deletes plus deactivations as a percentage of a kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_delete_percent: Option<u8>,
    /// Most queue and team memberships of active users removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memberships_removed: Option<u32>,
    /// The same as a percentage of the memberships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub max_memberships_removed_percent: Option<u8>,
}

/// One `policy.protect` entry: exactly one key, the kind, whose value is a name or email
/// with `*` wildcards.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct ProtectConfig {
    /// A user email pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<At<String>>,
    /// A skill name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<At<String>>,
    /// A language name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<At<String>>,
    /// A wrap-up code name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapup_code: Option<At<String>>,
    /// A queue name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<At<String>>,
    /// A team name pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<At<String>>,
}

/// A resource file: any `.yaml`/`.yml` under an included path. Every key is optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(title = "roster resource file")]
pub struct ResourceFile {
    /// Routing skills.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<SkillSpec>,
    /// Routing languages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<LanguageSpec>,
    /// Wrap-up codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wrapup_codes: Vec<WrapupCodeSpec>,
    /// Routing queues.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<QueueSpec>,
    /// Work teams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamSpec>,
    /// Routing profiles: named bundles compiled into each user's own assignments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_profiles: Vec<RoutingProfileSpec>,
    /// Users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserSpec>,
    /// Announcements: messages to an audience of the org, in each recipient's working hours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announcements: Vec<AnnouncementSpec>,
}

/// A routing skill.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkillSpec {
    /// The skill's name.
    pub name: At<String>,
    /// Names this skill had before: a live skill under one is renamed, not deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<At<String>>,
}

/// A routing language.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LanguageSpec {
    /// The language's name.
    pub name: At<String>,
}

/// A wrap-up code.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WrapupCodeSpec {
    /// The code's name.
    pub name: At<String>,
}

/// How a queue treats direct members roster does not manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MembersMode {
    /// Managed users are added and removed; anyone else is left alone (the default).
    Additive,
    /// The queue's direct members are exactly the managed users who list it.
    Exclusive,
}

/// A routing queue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueSpec {
    /// The queue's name.
    pub name: At<String>,
    /// Division name; omitted leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<At<String>>,
    /// Description; omitted leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Wrap-up codes by name; omitted leaves them alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrapup_codes: Option<Vec<At<String>>>,
    /// `exclusive` removes direct members no manifest lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<MembersMode>,
}

/// A work team.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamSpec {
    /// The team's name.
    pub name: At<String>,
    /// Division name; omitted leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<At<String>>,
    /// Description; omitted leaves it alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The IANA time zone (`America/Chicago`) of members who name none of their own, for
    /// notices. roster's own: not written to Genesys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<At<String>>,
}

/// A role granted in some divisions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleSpec {
    /// The role's name.
    pub role: At<String>,
    /// Divisions the role is granted in; omitted means the home division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divisions: Option<Vec<At<String>>>,
}

/// Capacity for one media type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MediaSpec {
    /// How many interactions of this type at once (0–25).
    #[schemars(range(min = 0, max = 25))]
    pub capacity: u8,
    /// Media types that may interrupt this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interruptible: Vec<MediaType>,
    /// Whether non-ACD interactions count against the capacity (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_non_acd: Option<bool>,
}

/// Utilization per media type. A media type not listed uses the org's default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UtilizationSpec {
    /// Voice calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<MediaSpec>,
    /// Callbacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<MediaSpec>,
    /// Web chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat: Option<MediaSpec>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<MediaSpec>,
    /// Messaging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<MediaSpec>,
}

impl UtilizationSpec {
    /// The declared media types, in [`MediaType::ALL`] order.
    pub fn entries(&self) -> impl Iterator<Item = (MediaType, &MediaSpec)> {
        [
            (MediaType::Call, &self.call),
            (MediaType::Callback, &self.callback),
            (MediaType::Chat, &self.chat),
            (MediaType::Email, &self.email),
            (MediaType::Message, &self.message),
        ]
        .into_iter()
        .filter_map(|(media, spec)| spec.as_ref().map(|spec| (media, spec)))
    }

    pub(crate) fn slot(&mut self, media: MediaType) -> &mut Option<MediaSpec> {
        match media {
            MediaType::Call => &mut self.call,
            MediaType::Callback => &mut self.callback,
            MediaType::Chat => &mut self.chat,
            MediaType::Email => &mut self.email,
            MediaType::Message => &mut self.message,
        }
    }
}

/// A routing profile: skills, languages, queues, role grants and utilization given to every
/// user who names it. Each field it declares counts as declared on those users.
///
/// A profile carries no `timezone`: it bundles routing, while a time zone says where a person
/// works, which their own entry or their team says (issue #16).
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutingProfileSpec {
    /// The profile's name.
    pub name: At<String>,
    /// Skill name → proficiency (0–5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<BTreeMap<At<String>, Proficiency>>,
    /// Language name → proficiency (whole numbers 0–5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<BTreeMap<At<String>, Proficiency>>,
    /// Queues, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<Vec<At<String>>>,
    /// Role grants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleSpec>>,
    /// Utilization per media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<UtilizationSpec>,
    /// A direct number for each user from a DID pool: `{ pool: Indianapolis }`. A user's own
    /// `phone` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<At<ProfilePhoneSpec>>,
    /// The WFM management unit of the profile's users; a user's own `wfm` replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wfm: Option<At<WfmSpec>>,
    /// The licence the profile's role grants are expected to imply (by id or by its
    /// description, e.g. `Genesys Cloud CX 2`). roster never assigns licences: `roster check`
    /// reports users whose roles imply another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<At<String>>,
}

/// `phone:` on a user: its direct number (`number` or `pool`, not both) and its extension
/// (DESIGN §2.10). Omitted leaves them unmanaged; `phone: {}` means "no direct number and no
/// extension".
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("not" = { "required": ["number", "pool"] }))]
pub struct PhoneSpec {
    /// The direct number in E.164: `+`, country code, number, digits only (`+13175550100`).
    /// It must lie in one of the org's DID pools. Not with `pool`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    // Inline, with its pattern, so editors check the form as it is typed.
    #[schemars(with = "Option<String>", regex(pattern = r"^\+[1-9][0-9]{7,14}$"))]
    pub number: Option<At<PhoneNumber>>,
    /// The DID pool, by name, to take the lowest free number from at plan time; a user whose
    /// number is already in the pool keeps it. Not with `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<At<String>>,
    /// The extension: 2 to 10 digits, written in quotes (`"4100"`) so leading zeros stay. It
    /// must lie in one of the org's extension pools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]{2,10}$"))]
    pub extension: Option<At<String>>,
}

/// `phone:` on a routing profile: a number per user from a DID pool. A number or an extension
/// belongs to one person, so they are written on the user, not here.
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProfilePhoneSpec {
    /// The DID pool, by name: each user of the profile gets the lowest free number of it at
    /// plan time, and keeps a number it already holds in the pool.
    pub pool: At<String>,
}

/// `wfm:`: the WFM management unit a user belongs to (DESIGN §2.10).
#[derive(Debug, Clone, PartialEq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WfmSpec {
    /// The management unit, by name (`Billing MU`); it must exist in the org.
    pub management_unit: At<String>,
}

/// A user. Fields left out are not managed; fields present (even empty lists) are.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSpec {
    /// The user's email, its natural key (case-insensitive).
    pub email: At<Email>,
    /// Display name.
    pub name: String,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Division name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<At<String>>,
    /// The manager's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<At<Email>>,
    /// Team name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<At<String>>,
    /// Routing profile name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_profile: Option<At<String>>,
    /// Skill name → proficiency (0–5), added to (or overriding) the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<BTreeMap<At<String>, Proficiency>>,
    /// Language name → proficiency (whole numbers 0–5), added to (or overriding) the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<BTreeMap<At<String>, Proficiency>>,
    /// Queues, added to the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queues: Option<Vec<At<String>>>,
    /// Role grants, added to the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<RoleSpec>>,
    /// Utilization; each media type listed replaces the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utilization: Option<UtilizationSpec>,
    /// Whether ACD interactions are answered automatically.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acd_auto_answer: Option<bool>,
    /// `active` (default) or `inactive` (offboarded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<UserState>,
    /// Allow reactivating a user who is inactive in the org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactivate: Option<bool>,
    /// The IANA time zone (`Asia/Kolkata`) of the user's working hours, for notices; before
    /// the team's and the org's. roster's own: not written to Genesys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<At<String>>,
    /// Direct number and extension: `{ number: "+13175550100", extension: "4100" }` or
    /// `{ pool: Indianapolis }`; `{}` for none. Replaces the profile's `phone` as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<At<PhoneSpec>>,
    /// WFM management unit: `{ managementUnit: Billing MU }`. Replaces the profile's `wfm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wfm: Option<At<WfmSpec>>,
}
