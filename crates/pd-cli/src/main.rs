//! `pd` — the command-line face of pd. It parses flags, calls the library crates, shows
//! progress and prints reports as tables or JSON. No domain logic lives here.

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = Output::new(cli.global.json, cli.global.no_progress_bar);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.error(&anyhow::anyhow!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli, &out)) {
        Ok(status) => status.into(),
        Err(e) => {
            out.error(&e);
            ExitCode::FAILURE
        }
    }
}
