//! Realism knobs per org: injected 5xx and timeouts (deterministic from a seed), latency,
//! read-after-create delay, strict deactivation, token lifetime and request rate; and the
//! answers the real API leaves open (issue #12): whether adding a user to a second team moves
//! them, what a void operation answers, and whether a WFM agent move finishes before its
//! answer.

use std::time::Duration;

use axum::http::StatusCode;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Default per-token rate: 300 requests per minute (the real `platform.api` default).
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 300;
/// Default token lifetime: 86,400 s (the real default `accessTokenValiditySeconds`).
pub const DEFAULT_TOKEN_LIFETIME_SECONDS: u64 = 86_400;
/// Default hang of an injected timeout: long enough to trip a client timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

// Bounds of the knobs (issue #12): a value past them would hang an org (a latency of
// `u64::MAX` ms) or overflow the clock's arithmetic, so the knob is refused instead.
/// Most added latency per request: one minute.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// Longest hang of an injected timeout: five minutes.
pub const MAX_TIMEOUT_MS: u64 = 300_000;
/// Longest rate window and read-after-create delay: one hour.
pub const MAX_WINDOW_MS: u64 = 3_600_000;
/// Longest token lifetime: one year.
pub const MAX_TOKEN_LIFETIME_SECONDS: u64 = 366 * 24 * 60 * 60;

/// The knobs of one org (`PUT /__sandbox/orgs/{name}/faults`). Every field is optional in the
/// request; absent fields keep their current value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSettings {
    /// Fraction (0..=1) of API requests answered with an injected 503, 500 or 502.
    pub error_rate: f64,
    /// Fraction (0..=1) of API requests that hang for `timeoutMs` and then answer 504.
    pub timeout_rate: f64,
    /// How long an injected timeout hangs.
    pub timeout_ms: u64,
    /// Requests per minute allowed per access token; 0 = unlimited.
    pub requests_per_minute: u32,
    /// The window `requestsPerMinute` is counted over, 60,000 ms as in Genesys. Tests shorten
    /// it so a 429 storm's `Retry-After` waits last a second, not a minute (the limit then
    /// means that many requests per window).
    #[serde(default = "default_rate_window_ms")]
    pub rate_window_ms: u64,
    /// Added latency for every API request.
    pub latency_ms: u64,
    /// Seed of the fault generator; setting it restarts the sequence.
    pub seed: u64,
    /// Newly created users, skills and queues stay out of list results for this long
    /// (GET by id sees them at once).
    pub read_after_create_delay_ms: u64,
    /// Deactivating a user who is still a direct member of a queue answers 400.
    pub strict_deactivation: bool,
    /// Lifetime of new tokens (`expires_in`).
    pub token_lifetime_seconds: u64,
    /// Adding a user who is in another team moves them (`true`), or fails for that user with
    /// `UserGroupLimitExceeded` in the answer's `failures` (`false`, the default). Which one
    /// the real API does is UNCONFIRMED (`User.team` is singular and the failure reason
    /// exists); the default is the harsher, so a client must take the user out of the old
    /// team itself. See [`crate::org::teams::add_members`].
    #[serde(default)]
    pub move_between_teams: bool,
    /// What void operations (deletes, member removals, ...) answer. UNCONFIRMED: the swagger
    /// declares `200` without a schema; `204` is the default, and a client must take any.
    #[serde(default)]
    pub void_answer: VoidAnswer,
    /// How `POST /api/v2/workforcemanagement/agents` answers. Whether the real call answers
    /// 202 and finishes later is UNCONFIRMED (its completion is also published on the topic
    /// `v2.workforcemanagement.agents`). `0`, the default: the move is made before a 200 with
    /// one result per user. Above 0: a 202 without results, and the move is made that many
    /// milliseconds later, so a client must confirm it by reading the units' members.
    #[serde(default)]
    pub agent_move_delay_ms: u64,
}

/// What a void operation answers (see [`FaultSettings::void_answer`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VoidAnswer {
    /// `204 No Content`.
    #[default]
    NoContent,
    /// `200 OK` with an empty body (and no `Content-Type`).
    OkEmpty,
    /// `200 OK` with the body `{}`, `Content-Type: application/json`.
    OkBody,
}

fn default_rate_window_ms() -> u64 {
    60_000
}

impl Default for FaultSettings {
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            timeout_rate: 0.0,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            rate_window_ms: default_rate_window_ms(),
            latency_ms: 0,
            seed: 0,
            read_after_create_delay_ms: 0,
            strict_deactivation: false,
            token_lifetime_seconds: DEFAULT_TOKEN_LIFETIME_SECONDS,
            move_between_teams: false,
            void_answer: VoidAnswer::NoContent,
            agent_move_delay_ms: 0,
        }
    }
}

/// A partial update of [`FaultSettings`]: the body of `PUT /__sandbox/orgs/{name}/faults`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultUpdate {
    /// See [`FaultSettings::error_rate`].
    pub error_rate: Option<f64>,
    /// See [`FaultSettings::timeout_rate`].
    pub timeout_rate: Option<f64>,
    /// See [`FaultSettings::timeout_ms`].
    pub timeout_ms: Option<u64>,
    /// See [`FaultSettings::requests_per_minute`].
    pub requests_per_minute: Option<u32>,
    /// See [`FaultSettings::rate_window_ms`].
    pub rate_window_ms: Option<u64>,
    /// See [`FaultSettings::latency_ms`].
    pub latency_ms: Option<u64>,
    /// See [`FaultSettings::seed`].
    pub seed: Option<u64>,
    /// See [`FaultSettings::read_after_create_delay_ms`].
    pub read_after_create_delay_ms: Option<u64>,
    /// See [`FaultSettings::strict_deactivation`].
    pub strict_deactivation: Option<bool>,
    /// See [`FaultSettings::token_lifetime_seconds`].
    pub token_lifetime_seconds: Option<u64>,
    /// See [`FaultSettings::move_between_teams`].
    pub move_between_teams: Option<bool>,
    /// See [`FaultSettings::void_answer`].
    pub void_answer: Option<VoidAnswer>,
    /// See [`FaultSettings::agent_move_delay_ms`].
    pub agent_move_delay_ms: Option<u64>,
}

impl FaultUpdate {
    /// Checks the ranges of the knobs it sets: rates within 0..=1, latency at most
    /// [`MAX_LATENCY_MS`], a timeout's hang at most [`MAX_TIMEOUT_MS`], a rate window of
    /// 1..=[`MAX_WINDOW_MS`], a read-after-create delay at most [`MAX_WINDOW_MS`], a token
    /// lifetime at most [`MAX_TOKEN_LIFETIME_SECONDS`], an agent move delay at most
    /// [`MAX_LATENCY_MS`]. The message names the first knob out
    /// of range, its limit and the value sent.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("errorRate", self.error_rate),
            ("timeoutRate", self.timeout_rate),
        ] {
            if let Some(rate) = rate
                && !(0.0..=1.0).contains(&rate)
            {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        for (name, value, range, unit) in [
            (
                "latencyMs",
                self.latency_ms,
                0..=MAX_LATENCY_MS,
                "one minute",
            ),
            (
                "timeoutMs",
                self.timeout_ms,
                0..=MAX_TIMEOUT_MS,
                "five minutes",
            ),
            (
                "rateWindowMs",
                self.rate_window_ms,
                1..=MAX_WINDOW_MS,
                "one hour",
            ),
            (
                "readAfterCreateDelayMs",
                self.read_after_create_delay_ms,
                0..=MAX_WINDOW_MS,
                "one hour",
            ),
            (
                "agentMoveDelayMs",
                self.agent_move_delay_ms,
                0..=MAX_LATENCY_MS,
                "one minute",
            ),
            (
                "tokenLifetimeSeconds",
                self.token_lifetime_seconds,
                0..=MAX_TOKEN_LIFETIME_SECONDS,
                "one year",
            ),
        ] {
            if let Some(value) = value
                && !range.contains(&value)
            {
                return Err(format!(
                    "{name} must be between {} and {} ({unit}), got {value}",
                    range.start(),
                    range.end()
                ));
            }
        }
        Ok(())
    }
}

impl From<&FaultSettings> for FaultUpdate {
    /// Every knob set to its value in `settings`.
    fn from(settings: &FaultSettings) -> Self {
        Self {
            error_rate: Some(settings.error_rate),
            timeout_rate: Some(settings.timeout_rate),
            timeout_ms: Some(settings.timeout_ms),
            requests_per_minute: Some(settings.requests_per_minute),
            rate_window_ms: Some(settings.rate_window_ms),
            latency_ms: Some(settings.latency_ms),
            seed: Some(settings.seed),
            read_after_create_delay_ms: Some(settings.read_after_create_delay_ms),
            strict_deactivation: Some(settings.strict_deactivation),
            token_lifetime_seconds: Some(settings.token_lifetime_seconds),
            move_between_teams: Some(settings.move_between_teams),
            void_answer: Some(settings.void_answer),
            agent_move_delay_ms: Some(settings.agent_move_delay_ms),
        }
    }
}

impl FaultSettings {
    /// Checks every knob's range (see [`FaultUpdate::validate`]): settings read from a state
    /// file obey the same bounds as an update.
    pub fn validate(&self) -> Result<(), String> {
        FaultUpdate::from(self).validate()
    }
}

/// What the fault generator decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Serve normally.
    None,
    /// Answer this 5xx at once.
    Error(StatusCode),
    /// Hang for the duration, then answer 504.
    Timeout(Duration),
}

/// Settings plus the seeded generator. Same seed + same request sequence = same faults:
/// every request that reaches the generator draws exactly three numbers.
#[derive(Debug)]
pub struct FaultEngine {
    /// Current settings.
    pub settings: FaultSettings,
    rng: ChaCha8Rng,
}

impl Default for FaultEngine {
    fn default() -> Self {
        let settings = FaultSettings::default();
        let rng = ChaCha8Rng::seed_from_u64(settings.seed);
        Self { settings, rng }
    }
}

impl FaultEngine {
    /// Applies a partial update; a given `seed` restarts the sequence.
    pub fn update(&mut self, update: &FaultUpdate) {
        let settings = &mut self.settings;
        macro_rules! set {
            ($($field:ident),*) => {$(if let Some(value) = update.$field { settings.$field = value; })*};
        }
        set!(
            error_rate,
            timeout_rate,
            timeout_ms,
            requests_per_minute,
            rate_window_ms,
            latency_ms,
            seed,
            read_after_create_delay_ms,
            strict_deactivation,
            token_lifetime_seconds,
            move_between_teams,
            void_answer,
            agent_move_delay_ms
        );
        if let Some(seed) = update.seed {
            self.rng = ChaCha8Rng::seed_from_u64(seed);
        }
    }

    /// Replaces all settings and restarts the sequence from their seed.
    pub fn replace(&mut self, settings: FaultSettings) {
        self.rng = ChaCha8Rng::seed_from_u64(settings.seed);
        self.settings = settings;
    }

    /// Decides the fate of the next request.
    pub fn draw(&mut self) -> Fault {
        let error: f64 = self.rng.random();
        let timeout: f64 = self.rng.random();
        let which: u32 = self.rng.random_range(0..3);
        if error < self.settings.error_rate {
            let status = match which {
                0 => StatusCode::SERVICE_UNAVAILABLE,
                1 => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_GATEWAY,
            };
            return Fault::Error(status);
        }
        if timeout < self.settings.timeout_rate {
            return Fault::Timeout(Duration::from_millis(self.settings.timeout_ms));
        }
        Fault::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64) -> Vec<Fault> {
        let mut engine = FaultEngine::default();
        engine.update(&FaultUpdate {
            error_rate: Some(0.3),
            timeout_rate: Some(0.1),
            seed: Some(seed),
            ..Default::default()
        });
        (0..200).map(|_| engine.draw()).collect()
    }

    #[test]
    fn same_seed_same_faults() {
        assert_eq!(sequence(7), sequence(7));
        assert_ne!(sequence(7), sequence(8));
        let errors = sequence(7)
            .iter()
            .filter(|fault| matches!(fault, Fault::Error(_)))
            .count();
        assert!(
            (30..=90).contains(&errors),
            "about 30% errors, got {errors}"
        );
    }

    #[test]
    fn knobs_out_of_range_are_refused_with_their_limit() {
        let refused = |update: FaultUpdate| update.validate().expect_err("out of range");
        assert_eq!(
            refused(FaultUpdate {
                latency_ms: Some(u64::MAX),
                ..Default::default()
            }),
            format!(
                "latencyMs must be between 0 and 60000 (one minute), got {}",
                u64::MAX
            )
        );
        assert_eq!(
            refused(FaultUpdate {
                timeout_rate: Some(f64::NAN),
                ..Default::default()
            }),
            "timeoutRate must be between 0 and 1, got NaN"
        );
        for update in [
            FaultUpdate {
                timeout_ms: Some(MAX_TIMEOUT_MS + 1),
                ..Default::default()
            },
            FaultUpdate {
                rate_window_ms: Some(0),
                ..Default::default()
            },
            FaultUpdate {
                read_after_create_delay_ms: Some(MAX_WINDOW_MS + 1),
                ..Default::default()
            },
            FaultUpdate {
                token_lifetime_seconds: Some(u64::MAX),
                ..Default::default()
            },
        ] {
            refused(update);
        }
        let at_the_limits = FaultUpdate {
            latency_ms: Some(MAX_LATENCY_MS),
            timeout_ms: Some(MAX_TIMEOUT_MS),
            rate_window_ms: Some(MAX_WINDOW_MS),
            read_after_create_delay_ms: Some(MAX_WINDOW_MS),
            token_lifetime_seconds: Some(MAX_TOKEN_LIFETIME_SECONDS),
            ..Default::default()
        };
        assert_eq!(at_the_limits.validate(), Ok(()));
        assert_eq!(FaultSettings::default().validate(), Ok(()));
    }

    #[test]
    fn rates_are_validated() {
        assert!(
            FaultUpdate {
                error_rate: Some(1.5),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultUpdate {
                error_rate: Some(0.5),
                ..Default::default()
            }
            .validate()
            .is_ok()
        );
    }
}
