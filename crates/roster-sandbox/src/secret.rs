//! Secrets as the sandbox keeps them: a salted SHA-256, never the secret itself (issue #12).
//!
//! Org client secrets and the control token are only ever compared, so the sandbox keeps
//! `SHA-256(salt ‖ secret)` with a random 16-byte salt, in memory and in the state file
//! (`"sha256:SALT:DIGEST"`, hex). A fast hash suffices for the machine-made secrets OAuth
//! clients use; it keeps a leaked state file from handing out working credentials, not a
//! weak password from a determined guesser. Comparisons take the same time whatever bytes
//! differ.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The prefix naming the scheme, so a future one can be told apart.
const SCHEME: &str = "sha256";

/// A salted SHA-256 of a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl SecretHash {
    /// Hashes a secret with a fresh random salt.
    pub fn new(secret: &str) -> Self {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        Self {
            salt,
            digest: digest(&salt, secret),
        }
    }

    /// Whether `secret` is the secret hashed, in time independent of where they differ.
    pub fn verify(&self, secret: &str) -> bool {
        let candidate = digest(&self.salt, secret);
        candidate
            .iter()
            .zip(self.digest)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
    }
}

fn digest(salt: &[u8; 16], secret: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(secret.as_bytes());
    hasher.finalize().into()
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash(..)")
    }
}

impl fmt::Display for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{SCHEME}:{}:{}",
            hex::encode(self.salt),
            hex::encode(self.digest)
        )
    }
}

impl std::str::FromStr for SecretHash {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || format!("expected `{SCHEME}:SALT:DIGEST` (hex), got a malformed hash");
        let mut parts = text.split(':');
        let (Some(SCHEME), Some(salt), Some(digest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed());
        };
        let mut hash = Self {
            salt: [0; 16],
            digest: [0; 32],
        };
        hex::decode_to_slice(salt, &mut hash.salt).map_err(|_| malformed())?;
        hex::decode_to_slice(digest, &mut hash.digest).map_err(|_| malformed())?;
        Ok(hash)
    }
}

impl Serialize for SecretHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SecretHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_only_the_secret_hashed() {
        let hash = SecretHash::new("s3cret");
        assert!(hash.verify("s3cret"));
        assert!(!hash.verify("s3cret "));
        assert!(!hash.verify(""));
        // Salted: the same secret hashes differently each time, and both verify.
        let again = SecretHash::new("s3cret");
        assert_ne!(hash, again);
        assert!(again.verify("s3cret"));
    }

    #[test]
    fn round_trips_as_text_without_the_secret() {
        let hash = SecretHash::new("s3cret");
        let text = serde_json::to_string(&hash).expect("serializes");
        assert!(!text.contains("s3cret"));
        assert!(text.starts_with("\"sha256:"), "{text}");
        let back: SecretHash = serde_json::from_str(&text).expect("parses");
        assert!(back.verify("s3cret"));
        assert_eq!(format!("{back:?}"), "SecretHash(..)");
        for bad in ["\"s3cret\"", "\"sha256:00:00\"", "\"md5:00:00\""] {
            assert!(serde_json::from_str::<SecretHash>(bad).is_err(), "{bad}");
        }
    }
}
