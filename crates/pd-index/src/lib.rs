//! # pd-index — full-text search
//!
//! This crate will own pd's tantivy index: the schema (title, content, correspondent,
//! document type, storage path, tags, notes, custom fields, dates, ASN…), keeping it in
//! step with the library, rebuilding it in bounded memory, and the query language
//! paperless-ngx users know. It holds no code yet; the store and the CLI do not depend
//! on anything here so far.
