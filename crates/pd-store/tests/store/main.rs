//! The store test suite: every test runs on SQLite, PostgreSQL and MariaDB (see
//! `common` for how databases are provided).

mod common;
mod documents;
mod duplicates;
mod fixtures;
mod imports;
mod library;
mod migrations;
mod objects;
mod others;
mod rename;
mod sanity;
