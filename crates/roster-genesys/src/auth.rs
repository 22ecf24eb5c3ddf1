//! OAuth client credentials: one cached access token per limiter slot.
//!
//! A token is fetched with `POST <login>/oauth/token` (Basic auth, form
//! `grant_type=client_credentials`) and reused until 5 minutes before it expires (or halfway
//! through its life when it lives less than 10 minutes, as short-lived sandbox tokens do).
//! Fetches are serialized per org and retried as the retry table says for a request that is
//! safe to repeat (a 400 saying "rate limit exceeded" backs off too, because the token endpoint
//! has its own, undocumented, limit). Only a 400 or 401 with an OAuth error is a refusal of the
//! credentials; a 404 or 5xx is the endpoint failing.
//! A 401 on an API call invalidates the token that got it, once: the next attempt fetches a
//! new one.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// How long before expiry a token is replaced.
pub const REFRESH_MARGIN: Duration = Duration::from_mins(5);

/// An access token and when to stop using it.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub value: SecretString,
    /// When to fetch a new one.
    pub refresh_at: Instant,
    /// Increases with every fetch of this slot, so a 401 invalidates only the token it hit.
    pub generation: u64,
}

/// When to refresh a token that lives `expires_in` from `now`.
pub fn refresh_at(now: Instant, expires_in: Duration) -> Instant {
    now + expires_in.saturating_sub(REFRESH_MARGIN.min(expires_in / 2))
}

/// One slot's cached token.
#[derive(Debug, Default)]
pub struct TokenSlot {
    /// The last generation fetched, and the token if it is still usable.
    current: Mutex<(u64, Option<AccessToken>)>,
}

impl TokenSlot {
    /// The cached token, or `fetch`'s result when there is none or it is due for refresh.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<AccessToken, E>
    where
        F: FnOnce(u64) -> Fut,
        Fut: Future<Output = Result<AccessToken, E>>,
    {
        let mut current = self.current.lock().await;
        if let Some(token) = current.1.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        let generation = current.0 + 1;
        let token = fetch(generation).await?;
        *current = (generation, Some(token.clone()));
        Ok(token)
    }

    /// Forgets the token of `generation` (it got a 401); newer tokens are kept.
    pub async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current
            .1
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            current.1 = None;
        }
    }
}

/// The token endpoint's success body.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Lifetime in seconds.
    pub expires_in: Option<u64>,
}

/// The token endpoint's error body (`{error, description, error_description}`).
#[derive(Debug, Default, Deserialize)]
pub struct TokenErrorBody {
    /// OAuth error code.
    pub error: Option<String>,
    /// Description (Genesys).
    pub description: Option<String>,
    /// Description (RFC 6749).
    pub error_description: Option<String>,
}

impl TokenErrorBody {
    /// Whether the body says the token endpoint is rate limiting us.
    pub fn is_rate_limited(&self) -> bool {
        [&self.error, &self.description, &self.error_description]
            .into_iter()
            .flatten()
            .any(|text| text.to_ascii_lowercase().contains("rate limit"))
    }
}

/// Builds a cached token from a token response received at `now`.
pub fn token_from(response: TokenResponse, now: Instant, generation: u64) -> AccessToken {
    // Genesys's default lifetime when the response omits it.
    let expires_in = Duration::from_secs(response.expires_in.unwrap_or(86_400));
    AccessToken {
        value: SecretString::from(response.access_token),
        refresh_at: refresh_at(now, expires_in),
        generation,
    }
}

/// `Basic` credentials are built by reqwest; this keeps the secret exposed for one call only.
pub fn expose(secret: &SecretString) -> &str {
    secret.expose_secret()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokens_are_refreshed_five_minutes_before_expiry() {
        let now = Instant::now();
        let day = refresh_at(now, Duration::from_hours(24));
        assert_eq!(day - now, Duration::from_hours(24) - Duration::from_mins(5));
        let short = refresh_at(now, Duration::from_secs(4));
        assert_eq!(short - now, Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_reuses_its_token_until_due_and_invalidates_only_the_failed_one() {
        let slot = TokenSlot::default();
        let fetch = |generation| async move {
            Ok::<_, ()>(token_from(
                TokenResponse {
                    access_token: format!("t{generation}"),
                    expires_in: Some(600),
                },
                Instant::now(),
                generation,
            ))
        };
        let first = slot.get(fetch).await.unwrap();
        assert_eq!(first.value.expose_secret(), "t1");
        assert_eq!(slot.get(fetch).await.unwrap().generation, 1);
        tokio::time::sleep(Duration::from_secs(301)).await;
        let second = slot.get(fetch).await.unwrap();
        assert_eq!(second.value.expose_secret(), "t2");
        slot.invalidate(1).await;
        assert_eq!(slot.get(fetch).await.unwrap().generation, 2);
        slot.invalidate(2).await;
        assert_eq!(slot.get(fetch).await.unwrap().value.expose_secret(), "t3");
    }

    #[test]
    fn token_endpoint_bursts_are_recognized() {
        let body: TokenErrorBody = serde_json::from_str(
            r#"{"error":"invalid_request","description":"Rate limit exceeded"}"#,
        )
        .unwrap();
        assert!(body.is_rate_limited());
        let body: TokenErrorBody = serde_json::from_str(r#"{"error":"invalid_client"}"#).unwrap();
        assert!(!body.is_rate_limited());
    }
}
