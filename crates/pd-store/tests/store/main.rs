//! The store test suite: every test runs on SQLite, PostgreSQL and MariaDB (see
//! `common` for how databases are provided).

mod common;
mod documents;
mod fixtures;
mod migrations;
mod objects;
mod others;
