//! Signed acknowledgement tokens: the link in a message that asks for an acknowledgement
//! points at `roster serve`'s `/ack/{token}`, and the token says which outbox row it
//! acknowledges without letting anyone forge one for another row.
//!
//! A token is `<idempotency key>.<HMAC-SHA256 of the key, hex>`: URL-safe as it stands, and
//! checked in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckError {
    /// The token is not `<key>.<signature>` with a hex signature.
    #[error(
        "the acknowledgement link is incomplete or mangled; open the link from the message again"
    )]
    Malformed,
    /// The signature does not match the key (tampered, or signed with another secret).
    #[error(
        "the acknowledgement link is not valid for this roster; open the link from the message again"
    )]
    BadSignature,
}

/// Signs and verifies acknowledgement tokens with one secret.
#[derive(Clone)]
pub struct AckSigner {
    mac: HmacSha256,
}

impl std::fmt::Debug for AckSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret's state.
        f.debug_struct("AckSigner").finish_non_exhaustive()
    }
}

impl AckSigner {
    /// A signer keyed with `secret` (any length; HMAC hashes a long one).
    pub fn new(secret: &[u8]) -> AckSigner {
        AckSigner {
            mac: HmacSha256::new_from_slice(secret).expect("HMAC accepts a key of any length"),
        }
    }

    /// The token for the outbox row `key`.
    pub fn token(&self, key: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        format!("{key}.{}", hex::encode(mac.finalize().into_bytes()))
    }

    /// The link to acknowledge the row `key`: `{base_url}/ack/{token}`.
    pub fn link(&self, base_url: &str, key: &str) -> String {
        format!("{}/ack/{}", base_url.trim_end_matches('/'), self.token(key))
    }

    /// The key a token was made for, if its signature holds (compared in constant time).
    ///
    /// # Errors
    /// [`AckError::Malformed`] or [`AckError::BadSignature`].
    pub fn verify(&self, token: &str) -> Result<String, AckError> {
        let (key, signature) = token.rsplit_once('.').ok_or(AckError::Malformed)?;
        if key.is_empty() {
            return Err(AckError::Malformed);
        }
        let signature = hex::decode(signature).map_err(|_| AckError::Malformed)?;
        let mut mac = self.mac.clone();
        mac.update(key.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| AckError::BadSignature)?;
        Ok(key.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::idempotency_key;

    fn key() -> String {
        idempotency_key("announcement:migration", "ana@example.com", "email")
    }

    #[test]
    fn a_token_verifies_to_its_key_and_is_url_safe() {
        let signer = AckSigner::new(b"a long enough secret for the test");
        let token = signer.token(&key());
        assert!(
            token
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)),
            "{token}"
        );
        assert_eq!(token.len(), 64 + 1 + 64);
        assert_eq!(signer.verify(&token), Ok(key()));
        assert_eq!(
            signer.link("https://roster.acme.example/", &key()),
            format!("https://roster.acme.example/ack/{token}")
        );
    }

    #[test]
    fn tampering_with_the_key_or_the_signature_is_refused() {
        let signer = AckSigner::new(b"secret");
        let token = signer.token(&key());
        let (signed_key, signature) = token.split_once('.').expect("two parts");

        let other_key = idempotency_key("announcement:migration", "bo@example.com", "email");
        assert_eq!(
            signer.verify(&format!("{other_key}.{signature}")),
            Err(AckError::BadSignature)
        );
        let mut flipped = signature.to_owned().into_bytes();
        flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("hex stays ASCII");
        assert_eq!(
            signer.verify(&format!("{signed_key}.{flipped}")),
            Err(AckError::BadSignature)
        );
        assert_eq!(
            signer.verify(&format!("{signed_key}.{}", &signature[..62])),
            Err(AckError::BadSignature),
            "a truncated signature"
        );
        assert_eq!(
            AckSigner::new(b"another secret").verify(&token),
            Err(AckError::BadSignature)
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let signer = AckSigner::new(b"secret");
        for token in ["", "no-dot", ".abcd", "key.not-hex", "key.abc"] {
            assert_eq!(signer.verify(token), Err(AckError::Malformed), "{token:?}");
        }
    }
}
