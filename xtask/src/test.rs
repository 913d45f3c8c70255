//! `cargo xtask test`: the command CI runs. Installs dependencies, then runs every
//! test in the workspace and the doc tests, and fails if any of them failed.

use std::process::{Command, Stdio};

use anyhow::{Result, bail};

use crate::{cargo, deps, run_checked};

/// Makes the store suite fail, instead of skip, when PostgreSQL or MariaDB is down.
const REQUIRE_ALL_DATABASES: &str = "PD_TEST_REQUIRE_ALL_DATABASES";

pub fn run() -> Result<()> {
    deps::install()?;

    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let with_env = |mut command: Command| {
        if in_ci {
            command.env(REQUIRE_ALL_DATABASES, "1");
        }
        command
    };

    let mut failed = Vec::new();
    if nextest_installed() {
        let mut tests = with_env(cargo());
        tests.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        if let Err(err) = run_checked(&mut tests) {
            failed.push(err);
        }
        // nextest does not run doc tests.
        let mut doc_tests = with_env(cargo());
        doc_tests.args(["test", "--workspace", "--doc"]);
        if let Err(err) = run_checked(&mut doc_tests) {
            failed.push(err);
        }
    } else {
        println!("cargo-nextest is not installed; using cargo test");
        let mut tests = with_env(cargo());
        tests.args(["test", "--workspace", "--no-fail-fast"]);
        if let Err(err) = run_checked(&mut tests) {
            failed.push(err);
        }
    }

    if failed.is_empty() {
        println!("all tests passed");
        Ok(())
    } else {
        let lines: Vec<String> = failed.iter().map(|err| format!("  {err}")).collect();
        bail!("tests failed:\n{}", lines.join("\n"))
    }
}

fn nextest_installed() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
