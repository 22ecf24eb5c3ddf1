//! Verification of HR webhook deliveries: does a request really come from the source it is
//! posted for, and is it fresh?
//!
//! HR systems authenticate their deliveries in different ways (issue #15; the facts are in
//! REFERENCE-events-entitlements §2.1–§2.2), so each source names its [`Verifier`]:
//!
//! | verifier | signed or checked | freshness |
//! |---|---|---|
//! | Standard Webhooks v1 | base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` | `webhook-timestamp` |
//! | GitHub-style HMAC | hex HMAC-SHA256 of the body | none: replays are caught by the (source, event id) dedupe |
//! | `BambooHR` | hex HMAC-SHA256 of the body followed by the timestamp | `X-BambooHR-Timestamp` |
//! | Basic / Bearer | credentials in `Authorization` | none: same dedupe |
//!
//! Every comparison of a signature or a credential runs in constant time: signatures through
//! [`Mac::verify_slice`], credentials by comparing SHA-256 digests with [`ConstantTimeEq`] so
//! that neither the content nor the length of the expected value shows in the timing.
//! A timestamp more than [`TOLERANCE`] away from `now`, in the past or in the future, is
//! refused. The caller stores nothing until [`verify`] has answered `Ok`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Duration, OffsetDateTime};

/// HMAC-SHA256, the MAC every signing scheme here uses.
type HmacSha256 = Hmac<Sha256>;

/// How far a delivery's timestamp may be from the server's clock, either way.
///
/// The Standard Webhooks spec sets no number; 5 minutes is the common library default and the
/// value issue #15 asks for.
pub const TOLERANCE: Duration = Duration::minutes(5);

/// Standard Webhooks header carrying the delivery id, stable across retries.
const WEBHOOK_ID: &str = "webhook-id";
/// Standard Webhooks header carrying the Unix time (seconds) of this attempt.
const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// Standard Webhooks header carrying the space-separated signature list.
const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// Prefix of a Standard Webhooks symmetric secret; the rest is base64.
const WHSEC_PREFIX: &str = "whsec_";
/// `BambooHR`'s signature header (lower-case hex HMAC-SHA256).
const BAMBOOHR_SIGNATURE: &str = "x-bamboohr-signature";
/// `BambooHR`'s timestamp header, appended to the body before signing.
const BAMBOOHR_TIMESTAMP: &str = "x-bamboohr-timestamp";
/// The header of HTTP Basic and Bearer authentication.
const AUTHORIZATION: &str = "authorization";

/// The header GitHub-style senders put their signature in, when the configuration names none.
pub const DEFAULT_HMAC_HEADER: &str = "X-Hub-Signature-256";

/// How a source authenticates its deliveries.
#[derive(Debug, Clone)]
pub enum Verifier {
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp`, `webhook-signature`
    /// (space-separated `v1,<base64>` list; accepted if any entry matches, which is how key
    /// rotation works); signed `{id}.{timestamp}.{body}`.
    ///
    /// The secret is `whsec_<base64>` and the key is the decoded base64. A secret without the
    /// `whsec_` prefix is used as raw key bytes, as the Svix libraries do, so a relay that
    /// hands out plain secrets still works. [`Verifier::validate`] catches a `whsec_` secret
    /// whose base64 does not decode.
    StandardWebhooks {
        /// `whsec_<base64>`, or a plain secret used as is.
        secret: SecretString,
    },
    /// GitHub-style: hex HMAC-SHA256 of the raw body in `header` (usually
    /// [`DEFAULT_HMAC_HEADER`]), after an optional prefix such as `sha256=`. There is no
    /// timestamp, so replay protection is the (source, event id) dedupe.
    HmacSha256 {
        /// The header holding the signature; matched case-insensitively.
        header: String,
        /// Text before the hex digest, such as `sha256=`; when set, it must be present.
        prefix: Option<String>,
        /// The shared secret, used as raw key bytes.
        secret: SecretString,
    },
    /// `BambooHR`: `X-BambooHR-Signature` is the lower-case hex HMAC-SHA256 of the body
    /// immediately followed by the `X-BambooHR-Timestamp` value. The timestamp's format is
    /// unconfirmed (integrations show both), so Unix seconds and ISO 8601 with an offset are
    /// both accepted; either must lie within [`TOLERANCE`].
    BambooHr {
        /// The webhook's private key, used as raw key bytes.
        secret: SecretString,
    },
    /// HTTP Basic (Workday, `SuccessFactors`: they do not sign their deliveries).
    Basic {
        /// The expected user name.
        user: String,
        /// The expected password.
        password: SecretString,
    },
    /// `Authorization: Bearer <token>`.
    Bearer {
        /// The expected token.
        token: SecretString,
    },
}

/// Why a [`Verifier`]'s configuration cannot work; found when the configuration is loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidVerifier {
    /// A secret, password or token is empty.
    #[error("the {0} is empty: set it to the value the HR system was given")]
    Empty(&'static str),
    /// A Standard Webhooks secret starts with `whsec_` but the rest is not base64.
    #[error(
        "the secret starts with `whsec_` but the rest is not base64: copy the whole secret the sender shows"
    )]
    SecretNotBase64,
    /// The HMAC header name is not a valid HTTP header name.
    #[error("`{0}` is not a valid HTTP header name")]
    BadHeaderName(String),
}

impl Verifier {
    /// Checks what can be checked without a request: secrets are non-empty, a `whsec_`
    /// secret decodes, a header name is valid. Call it when loading the configuration, so
    /// that a broken source fails at start-up rather than refusing every delivery.
    ///
    /// # Errors
    /// The first [`InvalidVerifier`] problem found.
    pub fn validate(&self) -> Result<(), InvalidVerifier> {
        match self {
            Verifier::StandardWebhooks { secret } => {
                non_empty(secret, "secret")?;
                standard_webhooks_key(secret).map(drop)
            }
            Verifier::HmacSha256 { header, secret, .. } => {
                non_empty(secret, "secret")?;
                http::HeaderName::from_bytes(header.as_bytes())
                    .map(drop)
                    .map_err(|_| InvalidVerifier::BadHeaderName(header.clone()))
            }
            Verifier::BambooHr { secret } => non_empty(secret, "secret"),
            Verifier::Basic { password, .. } => non_empty(password, "password"),
            Verifier::Bearer { token } => non_empty(token, "token"),
        }
    }
}

/// A delivery that passed verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The sender's delivery id (`webhook-id`) when the scheme has one; stable across retries.
    pub delivery_id: Option<String>,
}

/// Why a delivery was refused; every refusal is answered 401 and stores nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A header the scheme needs is absent.
    #[error("missing header `{0}`")]
    MissingHeader(String),
    /// A header is present but cannot be read (not ASCII, not a number, not base64, wrong scheme…).
    #[error("malformed {0}")]
    Malformed(String),
    /// No signature matches the body: wrong secret, or the body or timestamp was altered.
    #[error("signature does not match the body: check the source's secret")]
    BadSignature,
    /// The timestamp is more than [`TOLERANCE`] away from now; negative ages are in the future.
    #[error(
        "timestamp is {age_seconds} s from the server's clock, outside the tolerance of {tolerance} s: check both clocks",
        tolerance = TOLERANCE.whole_seconds()
    )]
    StaleTimestamp {
        /// Now minus the timestamp, in seconds (negative when the timestamp is in the future).
        age_seconds: i64,
    },
    /// The Basic or Bearer credentials are wrong.
    #[error("credentials do not match")]
    BadCredentials,
}

impl Refusal {
    /// The refusal's label in the `rejected` metric.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::MissingHeader(_) => "missing_header",
            Refusal::Malformed(_) => "malformed",
            Refusal::BadSignature => "bad_signature",
            Refusal::StaleTimestamp { .. } => "stale_timestamp",
            Refusal::BadCredentials => "bad_credentials",
        }
    }
}

/// Verifies one delivery against its source's [`Verifier`], with `now` as the server's clock.
///
/// `body` must be the exact bytes received: signatures cover them, not a re-serialisation.
///
/// # Errors
/// A [`Refusal`] saying what was wrong. A `whsec_` secret that does not decode refuses every
/// delivery with [`Refusal::BadSignature`]; [`Verifier::validate`] reports it at start-up.
pub fn verify(
    verifier: &Verifier,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Verified, Refusal> {
    match verifier {
        Verifier::StandardWebhooks { secret } => {
            verify_standard_webhooks(secret, headers, body, now)
        }
        Verifier::HmacSha256 {
            header,
            prefix,
            secret,
        } => verify_hmac_header(header, prefix.as_deref(), secret, headers, body),
        Verifier::BambooHr { secret } => verify_bamboohr(secret, headers, body, now),
        Verifier::Basic { user, password } => verify_basic(user, password, headers),
        Verifier::Bearer { token } => verify_bearer(token, headers),
    }
}

/// Standard Webhooks v1: timestamp within tolerance, then any `v1` signature matching.
fn verify_standard_webhooks(
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Verified, Refusal> {
    let id = header(headers, WEBHOOK_ID)?;
    let timestamp_text = header(headers, WEBHOOK_TIMESTAMP)?;
    let signatures = header(headers, WEBHOOK_SIGNATURE)?;
    if id.is_empty() {
        // The id is the dedupe key: an empty one would merge unrelated deliveries.
        return Err(Refusal::Malformed(format!("header `{WEBHOOK_ID}`: empty")));
    }

    let timestamp = unix_seconds(timestamp_text).ok_or_else(|| {
        Refusal::Malformed(format!(
            "header `{WEBHOOK_TIMESTAMP}`: expected Unix seconds"
        ))
    })?;
    check_fresh(timestamp, now)?;

    let Ok(key) = standard_webhooks_key(secret) else {
        return Err(Refusal::BadSignature);
    };
    let mut mac = new_mac(&key);
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_text.as_bytes());
    mac.update(b".");
    mac.update(body);

    let mut saw_v1 = false;
    let mut saw_undecodable = false;
    for entry in signatures.split_whitespace() {
        let Some((version, encoded)) = entry.split_once(',') else {
            saw_undecodable = true;
            continue;
        };
        // `v1a` (ed25519) and future versions are not ours to check; skip them.
        if version != "v1" {
            continue;
        }
        saw_v1 = true;
        let Ok(signature) = BASE64.decode(encoded) else {
            saw_undecodable = true;
            continue;
        };
        if mac.clone().verify_slice(&signature).is_ok() {
            return Ok(Verified {
                delivery_id: Some(id.to_owned()),
            });
        }
    }
    if saw_undecodable {
        Err(Refusal::Malformed(format!(
            "header `{WEBHOOK_SIGNATURE}`: expected space-separated `v1,<base64>` entries"
        )))
    } else if !saw_v1 {
        Err(Refusal::Malformed(format!(
            "header `{WEBHOOK_SIGNATURE}`: no `v1` signature"
        )))
    } else {
        Err(Refusal::BadSignature)
    }
}

/// GitHub-style: hex HMAC-SHA256 of the body in a configured header, after an optional prefix.
fn verify_hmac_header(
    name: &str,
    prefix: Option<&str>,
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Verified, Refusal> {
    let value = header(headers, name)?;
    let hex = match prefix {
        Some(prefix) => value.strip_prefix(prefix).ok_or_else(|| {
            Refusal::Malformed(format!(
                "header `{name}`: expected it to start with `{prefix}`"
            ))
        })?,
        None => value,
    };
    let signature = decode_hex(hex)
        .ok_or_else(|| Refusal::Malformed(format!("header `{name}`: expected a hex digest")))?;
    let mut mac = new_mac(secret.expose_secret().as_bytes());
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| Refusal::BadSignature)?;
    Ok(Verified { delivery_id: None })
}

/// `BambooHR`: timestamp within tolerance, then hex HMAC-SHA256 of body followed by timestamp.
fn verify_bamboohr(
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Verified, Refusal> {
    let signature_text = header(headers, BAMBOOHR_SIGNATURE)?;
    let timestamp_text = header(headers, BAMBOOHR_TIMESTAMP)?;

    let timestamp = unix_seconds(timestamp_text)
        .or_else(|| iso_8601(timestamp_text))
        .ok_or_else(|| {
            Refusal::Malformed(format!(
                "header `{BAMBOOHR_TIMESTAMP}`: expected Unix seconds or an ISO 8601 time with offset"
            ))
        })?;
    check_fresh(timestamp, now)?;

    let signature = decode_hex(signature_text).ok_or_else(|| {
        Refusal::Malformed(format!(
            "header `{BAMBOOHR_SIGNATURE}`: expected a hex digest"
        ))
    })?;
    let mut mac = new_mac(secret.expose_secret().as_bytes());
    mac.update(body);
    mac.update(timestamp_text.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| Refusal::BadSignature)?;
    Ok(Verified { delivery_id: None })
}

/// HTTP Basic: user and password both compared in constant time, without short-circuit.
fn verify_basic(
    user: &str,
    password: &SecretString,
    headers: &HeaderMap,
) -> Result<Verified, Refusal> {
    let encoded = authorization(headers, "Basic")?;
    let decoded = BASE64
        .decode(encoded)
        .map_err(|_| Refusal::Malformed("Basic credentials: expected base64".to_owned()))?;
    let (given_user, given_password) = decoded
        .iter()
        .position(|&byte| byte == b':')
        .map(|colon| (&decoded[..colon], &decoded[colon + 1..]))
        .ok_or_else(|| {
            Refusal::Malformed("Basic credentials: expected `user:password`".to_owned())
        })?;
    let matches = same_secret(given_user, user.as_bytes())
        & same_secret(given_password, password.expose_secret().as_bytes());
    if bool::from(matches) {
        Ok(Verified { delivery_id: None })
    } else {
        Err(Refusal::BadCredentials)
    }
}

/// `Authorization: Bearer <token>`, compared in constant time.
fn verify_bearer(token: &SecretString, headers: &HeaderMap) -> Result<Verified, Refusal> {
    let given = authorization(headers, "Bearer")?;
    if bool::from(same_secret(
        given.as_bytes(),
        token.expose_secret().as_bytes(),
    )) {
        Ok(Verified { delivery_id: None })
    } else {
        Err(Refusal::BadCredentials)
    }
}

/// The credentials after `scheme` in the `Authorization` header (scheme case-insensitive).
fn authorization<'h>(headers: &'h HeaderMap, scheme: &str) -> Result<&'h str, Refusal> {
    let value = header(headers, AUTHORIZATION)?;
    value
        .split_once(' ')
        .filter(|(given, _)| given.eq_ignore_ascii_case(scheme))
        .map(|(_, credentials)| credentials.trim())
        .ok_or_else(|| {
            Refusal::Malformed(format!("header `{AUTHORIZATION}`: expected `{scheme} …`"))
        })
}

/// A header's value as text; absent is [`Refusal::MissingHeader`], non-ASCII is malformed.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<&'h str, Refusal> {
    let value = headers
        .get(name)
        .ok_or_else(|| Refusal::MissingHeader(name.to_ascii_lowercase()))?;
    value.to_str().map(str::trim).map_err(|_| {
        Refusal::Malformed(format!("header `{}`: not ASCII", name.to_ascii_lowercase()))
    })
}

/// Refuses a timestamp more than [`TOLERANCE`] before or after `now`.
fn check_fresh(timestamp: OffsetDateTime, now: OffsetDateTime) -> Result<(), Refusal> {
    let age = now - timestamp;
    if age.abs() > TOLERANCE {
        Err(Refusal::StaleTimestamp {
            age_seconds: age.whole_seconds(),
        })
    } else {
        Ok(())
    }
}

/// Parses decimal Unix seconds (digits only, as Standard Webhooks sends them).
fn unix_seconds(text: &str) -> Option<OffsetDateTime> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = text.parse().ok()?;
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// Parses an ISO 8601 time that carries an offset (RFC 3339 is the common case).
fn iso_8601(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, &Iso8601::DEFAULT))
        .ok()
}

/// The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`, else the raw bytes.
fn standard_webhooks_key(secret: &SecretString) -> Result<Vec<u8>, InvalidVerifier> {
    let secret = secret.expose_secret();
    match secret.strip_prefix(WHSEC_PREFIX) {
        Some(encoded) => BASE64
            .decode(encoded)
            .map_err(|_| InvalidVerifier::SecretNotBase64),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// Refuses an empty secret, password or token.
fn non_empty(secret: &SecretString, what: &'static str) -> Result<(), InvalidVerifier> {
    if secret.expose_secret().is_empty() {
        Err(InvalidVerifier::Empty(what))
    } else {
        Ok(())
    }
}

/// An HMAC-SHA256 keyed with `key`.
fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long ones are hashed), so this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// Constant-time equality of two secrets of any length: their SHA-256 digests are compared,
/// so the time taken reveals neither where they differ nor how long the expected one is.
pub(crate) fn same_secret(given: &[u8], expected: &[u8]) -> subtle::Choice {
    Sha256::digest(given).ct_eq(&Sha256::digest(expected))
}

/// Decodes hex (either case); `None` on odd length or a non-hex character.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    fn nibble(byte: u8) -> Option<u8> {
        match byte {
            b'0'..=b'9' => Some(byte - b'0'),
            b'a'..=b'f' => Some(byte - b'a' + 10),
            b'A'..=b'F' => Some(byte - b'A' + 10),
            _ => None,
        }
    }
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;
    use time::macros::datetime;

    /// The server's clock in every test.
    const NOW: OffsetDateTime = datetime!(2025-03-01 12:00:00 UTC);

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    /// HMAC-SHA256 computed here, independently of the code under test.
    fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    fn hex(bytes: &[u8]) -> String {
        use std::fmt::Write as _;
        bytes.iter().fold(String::new(), |mut text, byte| {
            write!(text, "{byte:02x}").unwrap();
            text
        })
    }

    fn secret(text: &str) -> SecretString {
        SecretString::from(text)
    }

    // ---- Standard Webhooks ----

    const SWH_KEY: &[u8] = b"roster-test-key-of-at-least-24-bytes";

    fn swh_secret() -> SecretString {
        secret(&format!("whsec_{}", BASE64.encode(SWH_KEY)))
    }

    fn swh_signature(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> String {
        let mac = hmac(
            key,
            &[id.as_bytes(), b".", timestamp.as_bytes(), b".", body],
        );
        format!("v1,{}", BASE64.encode(mac))
    }

    fn swh_headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
        headers(&[
            ("webhook-id", id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ])
    }

    fn now_seconds() -> String {
        NOW.unix_timestamp().to_string()
    }

    #[test]
    fn standard_webhooks_published_example_verifies() {
        // The example of the Standard Webhooks reference libraries (svix `webhooks` tests).
        let verifier = Verifier::StandardWebhooks {
            secret: secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        };
        let body = br#"{"test": 2432232314}"#;
        let sent = datetime!(2021-02-25 15:02:10 UTC);
        assert_eq!(sent.unix_timestamp(), 1_614_265_330);
        let request = swh_headers(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            "1614265330",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        );
        let accepted = verify(&verifier, &request, body, sent).unwrap();
        assert_eq!(
            accepted.delivery_id.as_deref(),
            Some("msg_p5jXN8AQM9LWM0D4loKWxJek")
        );
    }

    #[test]
    fn standard_webhooks_valid_signature_returns_delivery_id() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let body = br#"{"type":"user.terminated"}"#;
        let ts = now_seconds();
        let request = swh_headers("evt_1", &ts, &swh_signature(SWH_KEY, "evt_1", &ts, body));
        assert_eq!(
            verify(&verifier, &request, body, NOW),
            Ok(Verified {
                delivery_id: Some("evt_1".to_owned())
            })
        );
    }

    #[test]
    fn standard_webhooks_rotation_list_accepts_any_matching_entry() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let body = b"{}";
        let ts = now_seconds();
        let old = swh_signature(b"old-key-being-rotated-out!!", "evt_2", &ts, body);
        let current = swh_signature(SWH_KEY, "evt_2", &ts, body);
        let list = format!("v1a,AAAA {old} {current}");
        let request = swh_headers("evt_2", &ts, &list);
        assert!(verify(&verifier, &request, body, NOW).is_ok());

        // The same list without the current key's entry is refused.
        let request = swh_headers("evt_2", &ts, &format!("v1a,AAAA {old}"));
        assert_eq!(
            verify(&verifier, &request, body, NOW),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn standard_webhooks_wrong_secret_is_bad_signature() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let body = b"{}";
        let ts = now_seconds();
        let request = swh_headers(
            "evt_3",
            &ts,
            &swh_signature(b"some-other-key-entirely!", "evt_3", &ts, body),
        );
        let refusal = verify(&verifier, &request, body, NOW).unwrap_err();
        assert_eq!(refusal, Refusal::BadSignature);
        assert_eq!(refusal.reason(), "bad_signature");
    }

    #[test]
    fn standard_webhooks_tampered_body_id_or_timestamp_is_bad_signature() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let body = br#"{"email":"a@example.com"}"#;
        let ts = now_seconds();
        let signature = swh_signature(SWH_KEY, "evt_4", &ts, body);

        let tampered_body = br#"{"email":"b@example.com"}"#;
        let request = swh_headers("evt_4", &ts, &signature);
        assert_eq!(
            verify(&verifier, &request, tampered_body, NOW),
            Err(Refusal::BadSignature)
        );

        let request = swh_headers("evt_5", &ts, &signature);
        assert_eq!(
            verify(&verifier, &request, body, NOW),
            Err(Refusal::BadSignature)
        );

        let shifted = (NOW.unix_timestamp() + 1).to_string();
        let request = swh_headers("evt_4", &shifted, &signature);
        assert_eq!(
            verify(&verifier, &request, body, NOW),
            Err(Refusal::BadSignature)
        );
    }

    #[test]
    fn standard_webhooks_refuses_stale_and_future_timestamps() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let body = b"{}";
        let signed_at = |offset: i64| {
            let ts = (NOW.unix_timestamp() + offset).to_string();
            let signature = swh_signature(SWH_KEY, "evt_6", &ts, body);
            verify(&verifier, &swh_headers("evt_6", &ts, &signature), body, NOW)
        };
        // Exactly at the tolerance, either way: accepted.
        assert!(signed_at(-300).is_ok());
        assert!(signed_at(300).is_ok());
        // One second beyond, either way: refused, with the age signed.
        assert_eq!(
            signed_at(-301),
            Err(Refusal::StaleTimestamp { age_seconds: 301 })
        );
        assert_eq!(
            signed_at(301),
            Err(Refusal::StaleTimestamp { age_seconds: -301 })
        );
        let stale = signed_at(-3600).unwrap_err();
        assert_eq!(stale.reason(), "stale_timestamp");
        assert_eq!(
            stale.to_string(),
            "timestamp is 3600 s from the server's clock, outside the tolerance of 300 s: check both clocks"
        );
    }

    #[test]
    fn standard_webhooks_missing_headers_are_named() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let ts = now_seconds();
        let full = [
            ("webhook-id", "evt_7"),
            ("webhook-timestamp", ts.as_str()),
            ("webhook-signature", "v1,AAAA"),
        ];
        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let present: Vec<_> = full
                .iter()
                .copied()
                .filter(|(name, _)| *name != missing)
                .collect();
            let refusal = verify(&verifier, &headers(&present), b"{}", NOW).unwrap_err();
            assert_eq!(refusal, Refusal::MissingHeader(missing.to_owned()));
            assert_eq!(refusal.reason(), "missing_header");
            assert_eq!(refusal.to_string(), format!("missing header `{missing}`"));
        }
    }

    #[test]
    fn standard_webhooks_bad_base64_or_no_v1_is_malformed() {
        let verifier = Verifier::StandardWebhooks {
            secret: swh_secret(),
        };
        let ts = now_seconds();
        for signature in ["v1,not*base64!", "v1-no-comma", "v1a,AAAA"] {
            let refusal =
                verify(&verifier, &swh_headers("evt_8", &ts, signature), b"{}", NOW).unwrap_err();
            assert!(
                matches!(&refusal, Refusal::Malformed(what) if what.contains("webhook-signature")),
                "{signature}: {refusal:?}"
            );
            assert_eq!(refusal.reason(), "malformed");
        }
        // An empty id (the dedupe key) is malformed.
        let refusal = verify(&verifier, &swh_headers(" ", &ts, "v1,AAAA"), b"{}", NOW).unwrap_err();
        assert!(matches!(&refusal, Refusal::Malformed(what) if what.contains("webhook-id")));
        // A non-numeric timestamp is malformed, not stale.
        let refusal = verify(
            &verifier,
            &swh_headers("evt_8", "2025-03-01T12:00:00Z", "v1,AAAA"),
            b"{}",
            NOW,
        )
        .unwrap_err();
        assert!(matches!(&refusal, Refusal::Malformed(what) if what.contains("webhook-timestamp")));
    }

    #[test]
    fn standard_webhooks_secret_without_prefix_is_used_as_raw_bytes() {
        let verifier = Verifier::StandardWebhooks {
            secret: secret("plain-secret-from-a-relay"),
        };
        let body = b"{}";
        let ts = now_seconds();
        let signature = swh_signature(b"plain-secret-from-a-relay", "evt_9", &ts, body);
        assert!(verify(&verifier, &swh_headers("evt_9", &ts, &signature), body, NOW).is_ok());
    }

    #[test]
    fn standard_webhooks_undecodable_secret_fails_validation_and_refuses() {
        let verifier = Verifier::StandardWebhooks {
            secret: secret("whsec_***"),
        };
        assert_eq!(verifier.validate(), Err(InvalidVerifier::SecretNotBase64));
        let ts = now_seconds();
        let signature = swh_signature(b"whsec_***", "evt_10", &ts, b"{}");
        assert_eq!(
            verify(
                &verifier,
                &swh_headers("evt_10", &ts, &signature),
                b"{}",
                NOW
            ),
            Err(Refusal::BadSignature)
        );
        assert_eq!(swh_secret_verifier().validate(), Ok(()));
    }

    fn swh_secret_verifier() -> Verifier {
        Verifier::StandardWebhooks {
            secret: swh_secret(),
        }
    }

    // ---- GitHub-style HMAC ----

    fn github(prefix: Option<&str>) -> Verifier {
        Verifier::HmacSha256 {
            header: DEFAULT_HMAC_HEADER.to_owned(),
            prefix: prefix.map(str::to_owned),
            secret: secret("github-secret"),
        }
    }

    #[test]
    fn hmac_header_with_prefix_verifies_and_is_case_insensitive() {
        let body = br#"{"action":"terminated"}"#;
        let digest = hex(&hmac(b"github-secret", &[body]));
        let request = headers(&[("x-hub-signature-256", &format!("sha256={digest}"))]);
        assert_eq!(
            verify(&github(Some("sha256=")), &request, body, NOW),
            Ok(Verified { delivery_id: None })
        );
        // Upper-case hex is the same digest.
        let request = headers(&[(
            "x-hub-signature-256",
            &format!("sha256={}", digest.to_ascii_uppercase()),
        )]);
        assert!(verify(&github(Some("sha256=")), &request, body, NOW).is_ok());
    }

    #[test]
    fn hmac_header_without_prefix_verifies_bare_hex() {
        let body = b"payload";
        let request = headers(&[(
            "x-hub-signature-256",
            &hex(&hmac(b"github-secret", &[body])),
        )]);
        assert!(verify(&github(None), &request, body, NOW).is_ok());
    }

    #[test]
    fn hmac_header_refuses_wrong_secret_tampered_body_and_bad_format() {
        let body = b"payload";
        let wrong = headers(&[(
            "x-hub-signature-256",
            &format!("sha256={}", hex(&hmac(b"other", &[body]))),
        )]);
        assert_eq!(
            verify(&github(Some("sha256=")), &wrong, body, NOW),
            Err(Refusal::BadSignature)
        );

        let good = headers(&[(
            "x-hub-signature-256",
            &format!("sha256={}", hex(&hmac(b"github-secret", &[body]))),
        )]);
        assert_eq!(
            verify(&github(Some("sha256=")), &good, b"payloaD", NOW),
            Err(Refusal::BadSignature)
        );

        for value in ["sha256=zz", "sha256=abc", "md5=00"] {
            let refusal = verify(
                &github(Some("sha256=")),
                &headers(&[("x-hub-signature-256", value)]),
                body,
                NOW,
            )
            .unwrap_err();
            assert_eq!(refusal.reason(), "malformed", "{value}");
        }

        assert_eq!(
            verify(&github(Some("sha256=")), &HeaderMap::new(), body, NOW),
            Err(Refusal::MissingHeader("x-hub-signature-256".to_owned()))
        );
    }

    #[test]
    fn hmac_header_validation_rejects_bad_header_name_and_empty_secret() {
        let bad_name = Verifier::HmacSha256 {
            header: "not a header".to_owned(),
            prefix: None,
            secret: secret("s"),
        };
        assert_eq!(
            bad_name.validate(),
            Err(InvalidVerifier::BadHeaderName("not a header".to_owned()))
        );
        let empty = Verifier::HmacSha256 {
            header: DEFAULT_HMAC_HEADER.to_owned(),
            prefix: None,
            secret: secret(""),
        };
        assert_eq!(empty.validate(), Err(InvalidVerifier::Empty("secret")));
        assert_eq!(github(Some("sha256=")).validate(), Ok(()));
    }

    // ---- BambooHR ----

    fn bamboohr() -> Verifier {
        Verifier::BambooHr {
            secret: secret("bamboo-private-key"),
        }
    }

    fn bamboohr_headers(body: &[u8], timestamp: &str) -> HeaderMap {
        let signature = hex(&hmac(b"bamboo-private-key", &[body, timestamp.as_bytes()]));
        headers(&[
            ("X-BambooHR-Signature", &signature),
            ("X-BambooHR-Timestamp", timestamp),
        ])
    }

    #[test]
    fn bamboohr_accepts_epoch_seconds_timestamp() {
        let body = br#"{"employees":[{"id":"123"}]}"#;
        let request = bamboohr_headers(body, &now_seconds());
        assert_eq!(
            verify(&bamboohr(), &request, body, NOW),
            Ok(Verified { delivery_id: None })
        );
    }

    #[test]
    fn bamboohr_accepts_iso_8601_timestamps() {
        let body = b"{}";
        for timestamp in [
            "2025-03-01T12:00:00Z",
            "2025-03-01T11:58:30.250Z",
            "2025-03-01T13:01:00+01:00",
            // ISO 8601 basic format, which RFC 3339 does not cover.
            "20250301T120100Z",
        ] {
            let request = bamboohr_headers(body, timestamp);
            assert!(
                verify(&bamboohr(), &request, body, NOW).is_ok(),
                "{timestamp}"
            );
        }
    }

    #[test]
    fn bamboohr_refuses_stale_future_tampered_and_unparsable() {
        let body = b"{}";
        let stale = bamboohr_headers(body, "2025-03-01T11:54:00Z");
        assert_eq!(
            verify(&bamboohr(), &stale, body, NOW),
            Err(Refusal::StaleTimestamp { age_seconds: 360 })
        );
        let future = bamboohr_headers(body, &(NOW.unix_timestamp() + 600).to_string());
        assert_eq!(
            verify(&bamboohr(), &future, body, NOW),
            Err(Refusal::StaleTimestamp { age_seconds: -600 })
        );
        let good = bamboohr_headers(body, &now_seconds());
        assert_eq!(
            verify(&bamboohr(), &good, b"{ }", NOW),
            Err(Refusal::BadSignature)
        );
        // A timestamp without offset cannot be placed in time.
        let no_offset = bamboohr_headers(body, "2025-03-01T12:00:00");
        assert_eq!(
            verify(&bamboohr(), &no_offset, body, NOW)
                .unwrap_err()
                .reason(),
            "malformed"
        );
        assert_eq!(
            verify(&bamboohr(), &HeaderMap::new(), body, NOW),
            Err(Refusal::MissingHeader("x-bamboohr-signature".to_owned()))
        );
    }

    #[test]
    fn bamboohr_timestamp_is_part_of_the_signature() {
        // A signature for one timestamp does not cover another (no replay with a fresh time).
        let body = b"{}";
        let signed = bamboohr_headers(body, &now_seconds());
        let mut replayed = signed.clone();
        replayed.insert(
            "x-bamboohr-timestamp",
            HeaderValue::from_str(&(NOW.unix_timestamp() + 1).to_string()).unwrap(),
        );
        assert_eq!(
            verify(&bamboohr(), &replayed, body, NOW),
            Err(Refusal::BadSignature)
        );
    }

    // ---- Basic and Bearer ----

    fn basic() -> Verifier {
        Verifier::Basic {
            user: "workday".to_owned(),
            password: secret("s3cret:with-colon"),
        }
    }

    fn basic_header(credentials: &str) -> HeaderMap {
        headers(&[(
            "authorization",
            &format!("Basic {}", BASE64.encode(credentials)),
        )])
    }

    #[test]
    fn basic_accepts_right_credentials() {
        // Only the first colon separates user from password.
        let request = basic_header("workday:s3cret:with-colon");
        assert!(verify(&basic(), &request, b"{}", NOW).is_ok());
        let lower_scheme = headers(&[(
            "authorization",
            &format!("basic {}", BASE64.encode("workday:s3cret:with-colon")),
        )]);
        assert!(verify(&basic(), &lower_scheme, b"{}", NOW).is_ok());
    }

    #[test]
    fn basic_refuses_wrong_user_or_password() {
        for credentials in [
            "workday:wrong",
            "other:s3cret:with-colon",
            "workday:s3cret:with-colon2",
            "workday:",
        ] {
            let refusal = verify(&basic(), &basic_header(credentials), b"{}", NOW).unwrap_err();
            assert_eq!(refusal, Refusal::BadCredentials, "{credentials}");
            assert_eq!(refusal.reason(), "bad_credentials");
        }
    }

    #[test]
    fn basic_refuses_missing_or_malformed_authorization() {
        assert_eq!(
            verify(&basic(), &HeaderMap::new(), b"{}", NOW),
            Err(Refusal::MissingHeader("authorization".to_owned()))
        );
        for value in [
            "Basic !!!",
            "Bearer abc",
            "Basic",
            &format!("Basic {}", BASE64.encode("no-colon")),
        ] {
            let refusal =
                verify(&basic(), &headers(&[("authorization", value)]), b"{}", NOW).unwrap_err();
            assert_eq!(refusal.reason(), "malformed", "{value}");
        }
    }

    #[test]
    fn bearer_accepts_right_token_and_refuses_others() {
        let verifier = Verifier::Bearer {
            token: secret("tok-123"),
        };
        let with = |value: &str| verify(&verifier, &headers(&[("authorization", value)]), b"", NOW);
        assert!(with("Bearer tok-123").is_ok());
        assert!(with("bearer tok-123").is_ok());
        assert_eq!(with("Bearer tok-124"), Err(Refusal::BadCredentials));
        assert_eq!(with("Bearer tok-1234"), Err(Refusal::BadCredentials));
        // Headers are trimmed, so an empty token is a scheme without credentials.
        assert_eq!(with("Bearer ").unwrap_err().reason(), "malformed");
        assert_eq!(
            with("Basic dG9rLTEyMw==").unwrap_err().reason(),
            "malformed"
        );
        assert_eq!(
            verify(&verifier, &HeaderMap::new(), b"", NOW),
            Err(Refusal::MissingHeader("authorization".to_owned()))
        );
    }

    #[test]
    fn empty_credentials_fail_validation() {
        assert_eq!(
            Verifier::Bearer { token: secret("") }.validate(),
            Err(InvalidVerifier::Empty("token"))
        );
        assert_eq!(
            Verifier::Basic {
                user: "u".to_owned(),
                password: secret("")
            }
            .validate(),
            Err(InvalidVerifier::Empty("password"))
        );
        assert_eq!(
            Verifier::BambooHr { secret: secret("") }.validate(),
            Err(InvalidVerifier::Empty("secret"))
        );
        assert_eq!(basic().validate(), Ok(()));
    }

    #[test]
    fn non_ascii_header_is_malformed() {
        let mut request = HeaderMap::new();
        request.insert(
            "authorization",
            HeaderValue::from_bytes(b"Bearer t\xe9").unwrap(),
        );
        let verifier = Verifier::Bearer { token: secret("t") };
        assert_eq!(
            verify(&verifier, &request, b"", NOW).unwrap_err().reason(),
            "malformed"
        );
    }

    #[test]
    fn every_reason_label_is_distinct() {
        let labels = [
            Refusal::MissingHeader(String::new()).reason(),
            Refusal::Malformed(String::new()).reason(),
            Refusal::BadSignature.reason(),
            Refusal::StaleTimestamp { age_seconds: 0 }.reason(),
            Refusal::BadCredentials.reason(),
        ];
        let unique: std::collections::BTreeSet<_> = labels.iter().collect();
        assert_eq!(unique.len(), labels.len());
    }
}
