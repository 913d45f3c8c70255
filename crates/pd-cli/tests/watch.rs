//! `pd consume --watch DIR` as a child process: files dropped into the folder (one of
//! them written slowly, in chunks) are consumed exactly once and leave the folder;
//! clutter and failures stay; SIGTERM and Ctrl-C (SIGINT) stop it cleanly.

mod common;

use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::Library;
use image::{DynamicImage, ImageFormat};
use serde_json::Value;

/// `pd --data-dir … consume --watch <inbox> --json` with the harness's environment and
/// quick watcher settings.
fn start_watcher(lib: &Library, inbox: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("pd"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PD_CONSUMER_STABILITY_DELAY", "3")
        .env("PD_CONSUMER_POLLING_INTERVAL", "0.1")
        .env("PD_CONSUMER_IGNORE_PATTERNS", r"\.part$")
        .arg("--data-dir")
        .arg(lib.data())
        .args(["consume", "--watch"])
        .arg(inbox)
        .arg("--json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Ok(path) = std::env::var("PD_PDFIUM_PATH") {
        command.env("PD_PDFIUM_PATH", path);
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, received)
}

/// Waits for a stderr line containing `needle`; returns every line read so far.
fn wait_for_line(lines: &mpsc::Receiver<String>, needle: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return;
            }
        }
    }
    panic!("no line with `{needle}` on stderr:\n{}", seen.join("\n"));
}

/// Sends signal `name` (`TERM`, `INT`) with the shell's `kill`, which every POSIX shell has.
fn signal(child: &Child, name: &str) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill -{name} {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the child to exit; its exit code and stdout.
fn finish(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stdout = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut stdout)
                .unwrap();
            return (status.code().unwrap_or(-1), stdout);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pd consume --watch did not stop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn png(text: &str) -> Vec<u8> {
    let image = DynamicImage::ImageLuma8(pd_pipeline::sample::text_image(text, 4));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn dropped_files_are_consumed_once_and_removed_and_sigterm_stops_it() {
    let lib = Library::new();
    let inbox = lib.inbox();
    // Already there when the watcher starts.
    std::fs::write(inbox.join("early.txt"), "Early note about the boiler\n").unwrap();
    let (child, lines) = start_watcher(&lib, &inbox);
    let mut stderr = Vec::new();
    wait_for_line(&lines, "watching", &mut stderr);

    std::fs::write(
        inbox.join("scan.png"),
        png("Parking fine\nPay within two weeks"),
    )
    .unwrap();
    std::fs::write(inbox.join("._scan.png"), b"macOS resource fork").unwrap();
    std::fs::write(inbox.join(".DS_Store"), b"finder").unwrap();
    std::fs::write(inbox.join("download.part"), b"half a download").unwrap();
    std::fs::write(inbox.join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    std::fs::create_dir(inbox.join("sub")).unwrap();
    std::fs::write(inbox.join("sub/nested.txt"), b"not recursive by default").unwrap();
    // Written slowly: a chunk every 300 ms, for longer than the stability delay.
    let slow = inbox.join("slow.txt");
    {
        let mut file = std::fs::File::create(&slow).unwrap();
        for chunk in 1..=8 {
            writeln!(file, "Slow letter, part {chunk} of 8").unwrap();
            file.flush().unwrap();
            std::thread::sleep(Duration::from_millis(300));
        }
        writeln!(file, "Final words: Zanzibar").unwrap();
    }

    let gone = |name: &str| !inbox.join(name).exists();
    wait_until("the good files left the inbox", || {
        ["early.txt", "scan.png", "slow.txt"]
            .iter()
            .all(|n| gone(n))
    });
    wait_for_line(&lines, "broken.png", &mut stderr);
    // Give it a few more looks: nothing is consumed twice, the failure is not retried.
    std::thread::sleep(Duration::from_secs(4));
    signal(&child, "TERM");
    let (code, stdout) = finish(child);
    stderr.extend(lines.try_iter());
    let stderr = stderr.join("\n");
    assert_eq!(code, 1, "a file failed:\n{stderr}");
    assert!(stderr.contains("stopped watching"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let consumed: Vec<&str> = report["consumed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["document"]["original_filename"].as_str().unwrap())
        .collect();
    let mut sorted = consumed.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["early.txt", "scan.png", "slow.txt"], "{report}");
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "tried once: {report}");
    assert!(failed[0]["path"].as_str().unwrap().ends_with("broken.png"));

    let docs = lib.documents();
    assert_eq!(docs.len(), 3);
    let slow_doc = docs
        .iter()
        .find(|d| d["original_filename"] == "slow.txt")
        .unwrap();
    let content = slow_doc["content"].as_str().unwrap();
    assert!(
        content.contains("part 1 of 8") && content.contains("Zanzibar"),
        "consumed whole: {content}"
    );
    let scan = docs
        .iter()
        .find(|d| d["original_filename"] == "scan.png")
        .unwrap();
    assert!(
        scan["content"].as_str().unwrap().contains("Parking"),
        "{scan}"
    );

    // Left behind: the failure, clutter, ignored names and the sub-folder.
    let mut left: Vec<String> = std::fs::read_dir(&inbox)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".DS_Store", "broken.png", "download.part", "sub"]);
    assert!(inbox.join("sub/nested.txt").exists());
}

#[test]
fn ctrl_c_stops_an_idle_watcher_and_a_missing_folder_is_an_error() {
    let lib = Library::new();
    let inbox = lib.inbox();
    let (child, lines) = start_watcher(&lib, &inbox);
    let mut stderr = Vec::new();
    wait_for_line(&lines, "watching", &mut stderr);
    signal(&child, "INT");
    let (code, stdout) = finish(child);
    assert_eq!(code, 0, "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["consumed"].as_array().unwrap().len(), 0);

    let (code, _, stderr) = lib.run(&["consume", "--watch", "/nonexistent/inbox"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/inbox"), "{stderr}");
    let (code, _, stderr) = lib.run(&["consume", "--watch", inbox.to_str().unwrap(), "x.pdf"]);
    assert_eq!(code, 2, "--watch takes no paths: {stderr}");
}
