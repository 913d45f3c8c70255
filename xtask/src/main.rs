//! pd's build tasks, run as `cargo xtask <task>` from anywhere in the workspace.
//!
//! - `deps`: install what pd needs that Cargo does not build (Debian packages, libpdfium).
//! - `samples [DIR]`: write the generated sample documents (default `./samples`).
//! - `quickstart`: deps, build `pd`, write the samples, init a library, consume, list.
//! - `test`: deps, then the whole test suite (nextest when installed) and the doc tests.
//! - `corpus`: a generated library with planted near-duplicates.
//! - `bench <what>`: measurements of the hot paths on generated data (see `bench`).

mod bench;
mod corpus;
mod deps;
mod quickstart;
mod samples;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  deps            install missing Debian packages (as root) and libpdfium into .deps/pdfium/
  samples [DIR]   write the sample documents into DIR (default: ./samples)
  quickstart      deps, build pd, write samples, then pd init / consume / documents list
  test            deps, then every test in the workspace (CI=1 requires all databases)
  corpus [--docs N] [--seed S] [--out FILE] [--txt DIR]
                  a generated library with planted near-duplicates (JSON, text files)
  bench archive|classifier|duplicates|retag|sanity|thumbnails [FLAGS]
                  measure a hot path on generated data (`cargo xtask bench` lists the flags)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next();
    let rest: Vec<String> = args.collect();
    match task.as_deref() {
        Some("deps") => {
            no_more_args("deps", &rest)?;
            deps::install()
        }
        Some("samples") => {
            if rest.len() > 1 {
                bail!("samples takes at most one folder\n\n{USAGE}");
            }
            let dir = match rest.first() {
                Some(dir) => PathBuf::from(dir),
                None => workspace_root().join("samples"),
            };
            samples::write(&dir)
        }
        Some("quickstart") => {
            no_more_args("quickstart", &rest)?;
            quickstart::run()
        }
        Some("corpus") => corpus::run(&rest),
        Some("bench") => bench::run(&rest),
        Some("test") => {
            no_more_args("test", &rest)?;
            test::run()
        }
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown task `{other}`\n\n{USAGE}"),
        None => bail!("no task given\n\n{USAGE}"),
    }
}

fn no_more_args(task: &str, rest: &[String]) -> Result<()> {
    if rest.is_empty() {
        Ok(())
    } else {
        bail!(
            "{task} takes no arguments (got `{}`)\n\n{USAGE}",
            rest.join(" ")
        )
    }
}

/// The workspace root, whatever folder `cargo xtask` was started in.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// Cargo's target folder: `CARGO_TARGET_DIR` if set, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// The `cargo` that runs this task, so a pinned toolchain stays pinned.
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace_root());
    command
}

/// Runs `command`, echoing it first; fails unless it exits successfully.
pub fn run_checked(command: &mut Command) -> Result<()> {
    println!("$ {}", show(command));
    let status = command
        .status()
        .with_context(|| format!("cannot start `{}`", show(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", show(command));
    }
    Ok(())
}

/// A command line as a user would type it.
pub fn show(command: &Command) -> String {
    let program = Path::new(command.get_program());
    let program = match program.file_name() {
        Some(name) if program.is_absolute() => name.to_string_lossy(),
        _ => program.to_string_lossy(),
    };
    std::iter::once(program.into_owned())
        .chain(
            command
                .get_args()
                .map(|arg| arg.to_string_lossy().into_owned()),
        )
        .collect::<Vec<_>>()
        .join(" ")
}
