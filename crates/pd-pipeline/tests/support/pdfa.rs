//! Independent checks of archive PDFs, shared by pd-pipeline's and pd-cli's tests:
//!
//! - PDF/A-2B conformance by `page` (PyPI `page-validation`), a validator unrelated to
//!   pd that passes the veraPDF and Isartor test corpora, run from the venv that
//!   `cargo xtask deps` installs in `.deps/pdfa-venv` (or `PD_PDFA_VALIDATOR_PYTHON`);
//! - the text layer read back by poppler's `pdftotext`, and the fonts by `pdffonts`
//!   (Debian `poppler-utils`).
//!
//! A missing tool fails the test, with the command that installs it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

const VALIDATE: &str = r#"
import json, sys
import page
report = page.validate_pdf(sys.argv[1], profile="2b")
failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
print(json.dumps({"compliant": report.is_compliant, "failures": failures,
                  "profile": str(report.profile), "pages": report.document.page_count}))
"#;

fn workspace_root() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !dir.join(".deps").is_dir() && !dir.join("Cargo.lock").is_file() {
        if !dir.pop() {
            break;
        }
    }
    dir
}

fn validator_python() -> PathBuf {
    if let Some(python) = std::env::var_os("PD_PDFA_VALIDATOR_PYTHON") {
        return PathBuf::from(python);
    }
    let python = workspace_root().join(".deps/pdfa-venv/bin/python");
    assert!(
        python.is_file(),
        "the PDF/A validator is not installed at {}: run `cargo xtask deps`",
        python.display()
    );
    python
}

/// Asserts that `pdf` is PDF/A-2B as the independent validator sees it, and that it has
/// `pages` pages.
pub fn assert_pdfa_2b(pdf: &Path, pages: usize) {
    let out = Command::new(validator_python())
        .args(["-c", VALIDATE])
        .arg(pdf)
        .output()
        .expect("the PDF/A validator runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the PDF/A validator failed on {}: {}{}",
        pdf.display(),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("validator JSON");
    assert_eq!(
        report["compliant"],
        serde_json::Value::Bool(true),
        "{} is not PDF/A-2B: {report}",
        pdf.display()
    );
    assert_eq!(report["pages"].as_u64(), Some(pages as u64), "{report}");
}

fn poppler(program: &str, args: &[&str], pdf: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): install poppler-utils (`cargo xtask deps`)")
        });
    assert!(
        out.status.success(),
        "{program} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text `pdftotext` reads from `pdf`, in its reading order (no layout).
pub fn pdftotext(pdf: &Path) -> String {
    poppler("pdftotext", &["-enc", "UTF-8"], pdf)
}

/// Asserts that every font `pdffonts` lists is embedded and has a Unicode map.
pub fn assert_fonts_embedded(pdf: &Path) {
    let out = Command::new("pdffonts")
        .arg(pdf)
        .output()
        .expect("pdffonts runs (poppler-utils)");
    let listing = String::from_utf8_lossy(&out.stdout);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert!(
        !fonts.is_empty(),
        "no fonts in {}: {listing}",
        pdf.display()
    );
    for font in fonts {
        let columns: Vec<&str> = font.split_whitespace().collect();
        // name type [type] encoding emb sub uni object id
        let n = columns.len();
        assert!(n >= 7, "{listing}");
        assert_eq!(columns[n - 5], "yes", "font not embedded: {listing}");
        assert_eq!(
            columns[n - 3],
            "yes",
            "font without a Unicode map: {listing}"
        );
    }
}

/// Words of `text` (white space separated).
pub fn words(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}
