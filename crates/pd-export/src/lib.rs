//! # pd-export — backups that verify themselves
//!
//! This crate will own export and import in paperless-ngx 3's manifest format (directory,
//! split manifest, folder prefix, zip, passphrase), incremental exports, verification of
//! an export against its checksums, and backup/restore archives. It holds no code yet.
