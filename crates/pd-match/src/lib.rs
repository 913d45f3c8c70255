//! # pd-match — matching, classification and near-duplicates
//!
//! What decides where a document belongs, and which documents are the same:
//!
//! - [`matching`] — paperless-ngx's seven algorithms (none, any, all, literal, regex,
//!   fuzzy, auto) with their exact semantics and word-boundary quirks, compiled once per
//!   rule ([`Matcher`]); every hit says why ([`MatchReason`]).
//! - [`rules`] — a library's rules as a [`rules::RuleSet`] and the setters that the
//!   consumer and the retagger share.
//! - [`retag`] — `pd retag`, paperless-ngx's `document_retagger`.
//! - [`classifier`] — the model behind the auto algorithm: trained on the library,
//!   versioned and checksummed on disk, retrained only when its data changed.
//! - [`explain`] — `pd match explain`: every rule's verdict on one document, and why.
//! - [`duplicates`] — paperless-ngx's `document_fuzzy_match`, exact but pruned.
//!
//! ```
//! use pd_core::{MatchRule, MatchingAlgorithm};
//! use pd_match::{Content, Matcher};
//!
//! let rule = MatchRule {
//!     pattern: "invoice acme".into(),
//!     algorithm: MatchingAlgorithm::All,
//!     is_insensitive: true,
//! };
//! let matcher = Matcher::new(&rule);
//! let reason = matcher.find(&Content::new("ACME Corp — Invoice 42")).unwrap();
//! println!("matched because {reason}");
//! assert!(matcher.find(&Content::new("ACME Corp — receipt")).is_none());
//! ```

pub mod classifier;
pub mod duplicates;
pub mod explain;
pub mod matching;

pub use matching::{Content, MatchReason, Matcher, matches, partial_ratio};
pub mod retag;
pub mod rules;
