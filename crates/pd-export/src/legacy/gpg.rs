//! GnuPG symmetric ciphertext as paperless wrote it (`gpg --symmetric`, armored or
//! binary, any cipher GnuPG offered, usually compressed), decrypted in memory with the
//! pure-Rust `pgp` crate.

use std::io::Read;

use pgp::composed::{DecryptionOptions, Message, TheRing};
use pgp::types::Password;

/// Why a ciphertext did not decrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpgFailure {
    /// The file is not an OpenPGP message encrypted with a passphrase (not OpenPGP,
    /// truncated before the data, encrypted to a key): damaged whatever the passphrase.
    Damaged(String),
    /// The message is intact as far as can be told without the key, but decrypting it
    /// failed: the passphrase is wrong, or the encrypted data is damaged. Only trying
    /// other files with the same passphrase tells the two apart.
    NotDecrypted(String),
}

impl std::fmt::Display for GpgFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GpgFailure::Damaged(m) => write!(f, "not a readable GnuPG file: {m}"),
            GpgFailure::NotDecrypted(m) => write!(f, "cannot be decrypted: {m}"),
        }
    }
}

/// Decrypts a passphrase-encrypted OpenPGP message (armored or binary) and returns
/// the plain bytes, decompressed. The integrity check (MDC) must pass where the
/// message has one; old messages without one are accepted, as the caller verifies
/// the plain bytes against a stored checksum anyway.
pub fn decrypt(ciphertext: &[u8], passphrase: &str) -> Result<Vec<u8>, GpgFailure> {
    let (message, _) =
        Message::from_reader(ciphertext).map_err(|e| GpgFailure::Damaged(e.to_string()))?;
    if !message.is_encrypted() {
        return Err(GpgFailure::Damaged("the file is not encrypted".into()));
    }
    let password = Password::from(passphrase);
    let ring = TheRing {
        message_password: vec![&password],
        decrypt_options: DecryptionOptions::new().enable_legacy(),
        ..Default::default()
    };
    let (message, _) = message.decrypt_the_ring(ring, true).map_err(|e| match e {
        pgp::errors::Error::MissingKey => {
            GpgFailure::Damaged("it is not encrypted with a passphrase".into())
        }
        other => GpgFailure::NotDecrypted(other.to_string()),
    })?;
    let mut message = message
        .decompress()
        .map_err(|e| GpgFailure::NotDecrypted(e.to_string()))?;
    let mut plain = Vec::new();
    message
        .read_to_end(&mut plain)
        .map_err(|e| GpgFailure::NotDecrypted(e.to_string()))?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_damaged_not_a_passphrase_problem() {
        assert!(matches!(
            decrypt(b"%PDF-1.4 not encrypted", "p"),
            Err(GpgFailure::Damaged(_))
        ));
        assert!(matches!(decrypt(b"", "p"), Err(GpgFailure::Damaged(_))));
    }
}
