//! paperless-ngx's encryption of sensitive fields (spec §3.7): a Fernet key derived from
//! the passphrase with PBKDF2-HMAC-SHA256, each value stored as the hex of its Fernet
//! token. Only mail account `password` / `refresh_token` and social token `token` /
//! `token_secret` are encrypted.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use serde_json::Value;

use crate::manifest::{CryptoParams, Record, models};
use crate::{Error, Result};

/// The only key derivation paperless-ngx 3 writes.
pub const KEY_ALGO: &str = "pbkdf2_sha256";
/// paperless-ngx's iteration count.
pub const DEFAULT_ITERATIONS: u32 = 1_000_000;

/// The encrypted fields per model.
pub const ENCRYPTED_FIELDS: [(&str, &[&str]); 2] = [
    (models::MAIL_ACCOUNT, &["password", "refresh_token"]),
    (models::SOCIAL_TOKEN, &["token", "token_secret"]),
];

/// A passphrase turned into a Fernet key with an export's parameters.
pub struct Crypter {
    fernet: fernet::Fernet,
}

impl std::fmt::Debug for Crypter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypter(<key>)")
    }
}

impl Crypter {
    /// Derives the key from `passphrase` as `params` say.
    pub fn new(passphrase: &str, params: &CryptoParams) -> Result<Crypter> {
        if params.key_algo != KEY_ALGO {
            return Err(Error::Passphrase(format!(
                "{} is an unknown key derivation function",
                params.key_algo
            )));
        }
        let salt = hex::decode(&params.salt_hex)
            .map_err(|e| Error::Passphrase(format!("the export's salt is not hex: {e}")))?;
        if params.key_size != 32 {
            return Err(Error::Passphrase(format!(
                "key size {} is not supported (Fernet needs 32 bytes)",
                params.key_size
            )));
        }
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2_010::Sha256>(
            passphrase.as_bytes(),
            &salt,
            params.key_iters,
            &mut key,
        );
        let fernet = fernet::Fernet::new(&URL_SAFE.encode(key))
            .ok_or_else(|| Error::Passphrase("cannot build the Fernet key".into()))?;
        Ok(Crypter { fernet })
    }

    /// Decrypts one stored value (hex of a Fernet token).
    pub fn decrypt(&self, stored: &str) -> Result<String> {
        let wrong = || {
            Error::Passphrase(
                "the passphrase is wrong (or the encrypted fields are damaged): \
                 cannot decrypt the export's sensitive fields"
                    .into(),
            )
        };
        let token = hex::decode(stored).map_err(|_| wrong())?;
        let token = String::from_utf8(token).map_err(|_| wrong())?;
        let plain = self.fernet.decrypt(&token).map_err(|_| wrong())?;
        String::from_utf8(plain).map_err(|_| wrong())
    }

    /// Encrypts one value as paperless-ngx stores it (hex of a Fernet token).
    pub fn encrypt(&self, plain: &str) -> String {
        hex::encode(self.fernet.encrypt(plain.as_bytes()))
    }

    /// Decrypts a record's encrypted fields in place (non-empty strings only).
    pub fn decrypt_record(&self, record: &mut Record) -> Result<()> {
        self.map_record(record, |v| self.decrypt(v))
    }

    /// Encrypts a record's sensitive fields in place (non-empty strings only).
    pub fn encrypt_record(&self, record: &mut Record) -> Result<()> {
        self.map_record(record, |v| Ok(self.encrypt(v)))
    }

    fn map_record(&self, record: &mut Record, f: impl Fn(&str) -> Result<String>) -> Result<()> {
        let Some((_, names)) = ENCRYPTED_FIELDS.iter().find(|(m, _)| *m == record.model) else {
            return Ok(());
        };
        for name in *names {
            if let Some(Value::String(v)) = record.fields.get_mut(*name)
                && !v.is_empty()
            {
                *v = f(v)?;
            }
        }
        Ok(())
    }
}

/// Fresh parameters for a new passphrase export: a random 16-byte salt.
pub fn new_params(iterations: u32) -> Result<CryptoParams> {
    let mut salt = [0u8; 16];
    let file = std::fs::File::open("/dev/urandom");
    use std::io::Read;
    file.and_then(|mut f| f.read_exact(&mut salt))
        .map_err(|e| Error::io("cannot read random bytes from", "/dev/urandom", e))?;
    Ok(CryptoParams {
        key_algo: KEY_ALGO.into(),
        key_iters: iterations,
        key_size: 32,
        salt_hex: hex::encode(salt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> CryptoParams {
        CryptoParams {
            key_algo: KEY_ALGO.into(),
            key_iters: 1000,
            key_size: 32,
            salt_hex: "00112233445566778899aabbccddeeff".into(),
        }
    }

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let c = Crypter::new("right", &params()).unwrap();
        let stored = c.encrypt("s3cret");
        assert!(stored.chars().all(|ch| ch.is_ascii_hexdigit()));
        assert_eq!(c.decrypt(&stored).unwrap(), "s3cret");
        let wrong = Crypter::new("wrong", &params()).unwrap();
        let err = wrong.decrypt(&stored).unwrap_err();
        assert!(err.to_string().contains("passphrase is wrong"), "{err}");
    }

    #[test]
    fn unknown_algorithm() {
        let mut p = params();
        p.key_algo = "argon2".into();
        let err = Crypter::new("x", &p).unwrap_err();
        assert!(err.to_string().contains("unknown key derivation"), "{err}");
    }
}
