//! `cargo xtask bench mail`: `pd mail fetch`'s library call against a real Dovecot
//! holding N mails of which ten match the rule, run twice: the first run downloads the
//! matching mails' headers and the bodies of those with attachments, the second
//! downloads nothing.

use std::process::Command;

use anyhow::{Context, Result, bail};

use super::{build_release, run_json};
use crate::target_dir;

const USAGE: &str = "bench mail [--mails N]";

pub fn run(rest: &[String]) -> Result<()> {
    let mut mails = 500usize;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--mails" => {
                mails = it
                    .next()
                    .context("--mails needs a value")?
                    .parse()
                    .context("--mails takes a number")?
            }
            other => bail!("unknown flag `{other}`: {USAGE}"),
        }
    }
    if mails < 10 {
        bail!("--mails must be at least 10");
    }
    build_release(&[
        "-p",
        "pd-mail",
        "--features",
        "testing",
        "--example",
        "mail_bench",
    ])?;
    let out = run_json(
        Command::new(target_dir().join("release/examples/mail_bench")).arg(mails.to_string()),
    )?;
    println!("mailbox: {mails} mails over IMAPS (Dovecot on loopback), 10 match the rule");
    for (i, run) in out["runs"].as_array().into_iter().flatten().enumerate() {
        println!(
            "run {}: {:>7.3} s  {} document(s), {} header fetch(es), {} body download(s), {} bytes",
            i + 1,
            run["seconds"].as_f64().unwrap_or(f64::NAN),
            run["documents"],
            run["transfer"]["headers"],
            run["transfer"]["bodies"],
            run["transfer"]["body_bytes"],
        );
    }
    println!(
        "Dovecot sent {} body/bodies in all (its logout statistics)",
        out["server_bodies_sent"]
    );
    Ok(())
}
