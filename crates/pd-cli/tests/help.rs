//! Every command and subcommand explains itself with `--help`.

use assert_cmd::Command;

const COMMANDS: &[&[&str]] = &[
    &[],
    &["init"],
    &["migrate"],
    &["consume"],
    &["documents"],
    &["documents", "list"],
    &["documents", "show"],
    &["documents", "delete"],
    &["documents", "restore"],
    &["trash"],
    &["trash", "list"],
    &["trash", "empty"],
    &["tags"],
    &["tags", "list"],
    &["tags", "add"],
    &["tags", "remove"],
    &["correspondents", "add"],
    &["types", "add"],
    &["storage-paths", "add"],
    &["status"],
    &["thumbnails"],
    &["archive"],
    &["sanity"],
    &["rename"],
    &["duplicates"],
    &["duplicates", "ignore"],
    &["duplicates", "unignore"],
    &["retag"],
    &["classifier"],
    &["classifier", "train"],
    &["match"],
    &["match", "explain"],
    &["search"],
    &["index"],
    &["index", "reindex"],
    &["index", "optimize"],
    &["import"],
    &["verify"],
    &["export"],
    &["backup"],
    &["restore"],
    &["decrypt"],
    &["mail"],
    &["mail", "fetch"],
    &["mail", "send"],
    &["mail", "accounts"],
    &["mail", "accounts", "list"],
    &["mail", "accounts", "add"],
    &["mail", "accounts", "edit"],
    &["mail", "accounts", "remove"],
    &["mail", "accounts", "test"],
    &["mail", "rules"],
    &["mail", "rules", "list"],
    &["mail", "rules", "add"],
    &["mail", "rules", "edit"],
    &["mail", "rules", "remove"],
];

#[test]
fn every_command_has_help() {
    for command in COMMANDS {
        let mut args = command.to_vec();
        args.push("--help");
        let output = Command::cargo_bin("pd")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert!(output.status.success(), "pd {args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage: pd"), "pd {args:?}: {text}");
        // A description line above "Usage:" — clap prints the doc comment there.
        let before_usage = text.split("Usage:").next().unwrap_or("").trim();
        assert!(
            before_usage.len() > 10,
            "pd {args:?} has no description: {text}"
        );
        // Each option has a description, on its own line or the next one.
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            // Options start near the margin; deeper lines continue a wrapped description.
            let indent = line.len() - trimmed.len();
            if !trimmed.starts_with('-') || indent > 6 {
                continue;
            }
            let described_here = trimmed.split("  ").filter(|p| !p.trim().is_empty()).count() > 1;
            let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or("");
            let described_below = !next.is_empty() && !next.starts_with('-');
            assert!(
                described_here || described_below,
                "pd {args:?}: {trimmed} has no help"
            );
        }
    }
}

#[test]
fn unknown_commands_and_flags_are_usage_errors() {
    let output = Command::cargo_bin("pd")
        .unwrap()
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = Command::cargo_bin("pd")
        .unwrap()
        .args(["consume", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
