//! Libraries of old paperless installations: documents paperless and paperless-ng
//! stored GnuPG-encrypted (`storage_type = "gpg"`, originals as `<name>.gpg`,
//! thumbnails as `<id:07>.webp.gpg`) with MD5 checksums, and `pd decrypt`, which turns
//! them into plain files.
//!
//! pd never encrypts new documents: the passphrase would have to sit beside the data
//! (in the configuration or the environment of every process that reads a file), so
//! it protects nothing a stolen disk would not also give away. An encrypted file
//! system (LUKS, ZFS native encryption, fscrypt) protects the media folder, the
//! database and the search index alike.

pub mod checksum;
pub mod decrypt;
pub mod gpg;
pub mod instance;
