//! # pd-mail — documents by e-mail
//!
//! This crate will own fetching mail over IMAP with paperless-ngx's accounts, rules and
//! actions, and sending documents over SMTP. Mail accounts and rules are already part of
//! the domain model (`pd_core::MailAccount`, `pd_core::MailRule`) and the store. It holds
//! no code yet.
