//! `pd thumbnails` through the real binary: all documents or one, JSON, warnings for
//! placeholders and exit code 1 for failures; and the thumbnails `pd consume` writes.

use std::path::PathBuf;

use assert_cmd::Command;
use pd_pipeline::sample::text_pdf;
use serde_json::Value;

struct Library {
    dir: tempfile::TempDir,
}

impl Library {
    /// A library with two consumed PDFs and a text file: ids 1 and 2 are the PDFs.
    fn new() -> Library {
        let lib = Library {
            dir: tempfile::tempdir().unwrap(),
        };
        lib.expect(0, &["init"]);
        let inbox = lib.dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::write(
            inbox.join("a invoice.pdf"),
            text_pdf(&["Invoice 17\nTotal 12 EUR"]),
        )
        .unwrap();
        std::fs::write(
            inbox.join("b letter.pdf"),
            text_pdf(&["Dear Anna,\nhello."]),
        )
        .unwrap();
        std::fs::write(inbox.join("c note.txt"), "Buy milk\n").unwrap();
        lib.expect(0, &["consume", inbox.to_str().unwrap()]);
        lib
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn thumbnail(&self, id: i64) -> PathBuf {
        self.data()
            .join(format!("media/documents/thumbnails/{id:07}.webp"))
    }

    fn original(&self, name: &str) -> PathBuf {
        self.data().join("media/documents/originals").join(name)
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::cargo_bin("pd").unwrap();
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .arg("--data-dir")
            .arg(self.data())
            .args(args);
        if let Ok(path) = std::env::var("PD_PDFIUM_PATH") {
            cmd.env("PD_PDFIUM_PATH", path);
        }
        let output = cmd.output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    fn expect(&self, code: i32, args: &[&str]) -> (String, String) {
        let (got, stdout, stderr) = self.run(args);
        assert_eq!(got, code, "pd {args:?}:\n{stdout}\n{stderr}");
        (stdout, stderr)
    }

    fn json(&self, code: i32, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (stdout, _) = self.expect(code, &all);
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("pd {args:?}: {e}\n{stdout}"))
    }
}

/// The width and height of a WebP file, which must decode.
fn webp_size(path: &PathBuf) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (image.width(), image.height())
}

#[test]
fn consume_writes_a_thumbnail_per_document() {
    let lib = Library::new();
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(2)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(3)), (500, 700));
}

#[test]
fn all_documents_not_in_the_trash_get_new_thumbnails() {
    let lib = Library::new();
    lib.expect(0, &["documents", "delete", "2"]);
    for id in 1..=3 {
        std::fs::write(lib.thumbnail(id), b"stale").unwrap();
    }
    let report = lib.json(0, &["thumbnails"]);
    assert_eq!(report["documents"], 2);
    assert_eq!(report["pages"], 1);
    assert_eq!(report["text"], 1);
    assert_eq!(report["failed"].as_array().unwrap().len(), 0);
    let quarter = std::thread::available_parallelism().map_or(1, usize::from) / 4;
    assert_eq!(
        report["processes"],
        quarter.clamp(1, 2),
        "a quarter of the cores, at least 1"
    );
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 708));
    assert_eq!(webp_size(&lib.thumbnail(3)), (500, 700));
    assert_eq!(
        std::fs::read(lib.thumbnail(2)).unwrap(),
        b"stale",
        "trashed"
    );

    let (text, _) = lib.expect(0, &["thumbnails", "--processes", "2"]);
    assert!(
        text.contains("2 thumbnail(s) made for 2 document(s)"),
        "{text}"
    );
    assert!(text.contains("on 2 thread(s)"), "{text}");
}

#[test]
fn one_document_with_document_flag() {
    let lib = Library::new();
    std::fs::remove_file(lib.thumbnail(1)).unwrap();
    std::fs::remove_file(lib.thumbnail(3)).unwrap();
    let report = lib.json(0, &["thumbnails", "--document", "1"]);
    assert_eq!(report["documents"], 1);
    assert!(lib.thumbnail(1).exists());
    assert!(!lib.thumbnail(3).exists());
    lib.expect(0, &["thumbnails", "-d", "3"]);
    assert!(lib.thumbnail(3).exists());

    let (code, _, stderr) = lib.run(&["thumbnails", "--document", "99"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("99"), "{stderr}");
    let (code, _, stderr) = lib.run(&["thumbnails", "--processes", "0"]);
    assert_eq!(code, 2, "a usage error: {stderr}");
}

#[test]
fn placeholders_warn_and_failures_exit_one() {
    let lib = Library::new();
    // Damage one PDF (placeholder + warning) and remove another's original (failure).
    std::fs::write(lib.original("0000001.pdf"), b"%PDF-1.4\nbroken").unwrap();
    std::fs::remove_file(lib.original("0000002.pdf")).unwrap();
    let (code, stdout, stderr) = lib.run(&["thumbnails", "--json"]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["placeholders"], 1);
    assert_eq!(report["warnings"][0]["document_id"], 1);
    assert_eq!(report["failed"][0]["document_id"], 2);
    assert!(stderr.contains("warning: document 1:"), "{stderr}");
    assert!(stderr.contains("generic thumbnail"), "{stderr}");
    assert!(stderr.contains("Failed document 2:"), "{stderr}");
    assert_eq!(webp_size(&lib.thumbnail(1)), (500, 700));
    // The failed document keeps its old thumbnail.
    assert_eq!(webp_size(&lib.thumbnail(2)), (500, 708));
}
