//! `cargo xtask quickstart`: from a fresh clone to a listed library in one command.
//! Safe to re-run: the samples are then reported as duplicates, which is not an error.

use std::process::Command;

use anyhow::Result;

use crate::{cargo, deps, run_checked, samples, target_dir, workspace_root};

const DATA_DIR: &str = "./pd-data";
const SAMPLES_DIR: &str = "./samples";

pub fn run() -> Result<()> {
    deps::install()?;

    // A debug build: `cargo xtask` itself was just built in the dev profile, which
    // compiled most of pd's dependencies already, so `pd` is a short link step away.
    // A release build would compile every dependency again with full optimisation,
    // minutes on two cores, for a run that handles six small files.
    run_checked(cargo().args(["build", "--quiet", "-p", "pd-cli", "--bin", "pd"]))?;
    let pd = target_dir().join("debug").join("pd");

    let root = workspace_root();
    samples::write(&root.join("samples"))?;

    let pd_command = |args: &[&str]| {
        let mut command = Command::new(&pd);
        command
            .current_dir(&root)
            .args(["--data-dir", DATA_DIR])
            .args(args);
        command
    };
    run_checked(&mut pd_command(&["init"]))?;
    run_checked(&mut pd_command(&["consume", SAMPLES_DIR]))?;
    run_checked(&mut pd_command(&["documents", "list"]))?;

    println!(
        "\nquickstart done: the library is in {DATA_DIR}; try `{} --data-dir {DATA_DIR} --help`",
        pd.display()
    );
    Ok(())
}
