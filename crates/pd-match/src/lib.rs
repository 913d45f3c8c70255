//! # pd-match — matching, classification and near-duplicates
//!
//! This crate will own paperless-ngx's seven matching algorithms (none, any, all,
//! literal, regex, fuzzy, auto) with their exact semantics, the retagger, the trained
//! classifier, and fast exact fuzzy-duplicate detection. It holds no code yet.

pub mod duplicates;
pub mod matching;

pub use matching::{Content, MatchReason, Matcher, matches, partial_ratio};
pub mod rules;
pub mod retag;
