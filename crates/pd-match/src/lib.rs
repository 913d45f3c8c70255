//! # pd-match — matching, classification and near-duplicates
//!
//! This crate will own paperless-ngx's seven matching algorithms (none, any, all,
//! literal, regex, fuzzy, auto) with their exact semantics, the retagger, the trained
//! classifier, and fast exact fuzzy-duplicate detection. It holds no code yet.
