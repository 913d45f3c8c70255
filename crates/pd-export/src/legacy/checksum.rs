//! Checksums as old paperless stored them: MD5 (paperless, paperless-ng and
//! paperless-ngx up to 2.x; 32 hex digits) or SHA-256 (paperless-ngx 3 and pd; 64).
//! A file is read once for both, so the MD5 of a legacy row is checked and the
//! SHA-256 pd records instead is known in the same pass.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Both digests of some bytes, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    /// MD5, what legacy rows hold.
    pub md5: String,
    /// SHA-256, what pd records.
    pub sha256: String,
}

impl Hashes {
    /// Whether `stored` (MD5 or SHA-256, any case) names these bytes.
    pub fn matches(&self, stored: &str) -> bool {
        if is_md5(stored) {
            stored.eq_ignore_ascii_case(&self.md5)
        } else {
            stored.eq_ignore_ascii_case(&self.sha256)
        }
    }

    /// The digest of the same kind as `stored`, to show beside it in an error.
    pub fn like(&self, stored: &str) -> &str {
        if is_md5(stored) {
            &self.md5
        } else {
            &self.sha256
        }
    }
}

/// Whether a stored checksum is a legacy MD5: 32 hex digits.
pub fn is_md5(stored: &str) -> bool {
    stored.len() == 32 && stored.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Both digests of bytes in memory.
pub fn hash_bytes(bytes: &[u8]) -> Hashes {
    Hashes {
        md5: hex::encode(Md5::digest(bytes)),
        sha256: hex::encode(Sha256::digest(bytes)),
    }
}

/// Both digests of a file, read once in 256 KiB chunks.
pub fn hash_file(path: &Path) -> Result<Hashes> {
    let mut file = File::open(path).map_err(|e| Error::io("cannot open", path, e))?;
    let mut md5 = Md5::new();
    let mut sha = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io("cannot read", path, e)),
        };
        md5.update(&buf[..n]);
        sha.update(&buf[..n]);
    }
    Ok(Hashes {
        md5: hex::encode(md5.finalize()),
        sha256: hex::encode(sha.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_md5_and_sha256_both_match() {
        let h = hash_bytes(b"hello\n");
        assert_eq!(h.md5, "b1946ac92492d2347c6235b4d2611184");
        assert_eq!(
            h.sha256,
            "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert!(h.matches("B1946AC92492D2347C6235B4D2611184"));
        assert!(h.matches(&h.sha256));
        assert!(!h.matches("b1946ac92492d2347c6235b4d2611185"));
        assert!(!h.matches(""));
        assert!(is_md5(&h.md5));
        assert!(!is_md5(&h.sha256));
        assert!(!is_md5("z1946ac92492d2347c6235b4d2611184"));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\n").unwrap();
        assert_eq!(hash_file(&p).unwrap(), h);
    }
}
