//! Everything that knows about terminals: tables, JSON, progress bars, prompts.

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// How a command ended; mapped to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// 0: all is well.
    Ok,
    /// 1: something failed (some files not consumed, say).
    Failed,
    /// 2: errors found (`pd sanity`; it uses 1 for warnings only).
    Errors,
}

impl From<Status> for std::process::ExitCode {
    fn from(s: Status) -> Self {
        match s {
            Status::Ok => std::process::ExitCode::SUCCESS,
            Status::Failed => std::process::ExitCode::FAILURE,
            Status::Errors => std::process::ExitCode::from(2),
        }
    }
}

/// Where a command's results go.
pub struct Output {
    json: bool,
    progress: bool,
}

impl Output {
    pub fn new(json: bool, no_progress_bar: bool) -> Output {
        Output {
            json,
            progress: !no_progress_bar && !json && std::io::stderr().is_terminal(),
        }
    }

    /// Prints a report: JSON when asked for, else the text `human` renders.
    pub fn report<T: Serialize>(&self, report: &T, human: impl FnOnce(&T) -> String) {
        let text = if self.json {
            serde_json::to_string_pretty(report)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        } else {
            human(report)
        };
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{}", text.trim_end());
    }

    /// A line of news on stderr (kept out of JSON on stdout), for long-running commands.
    pub fn note(&self, message: &str) {
        eprintln!("{message}");
    }

    /// A warning on stderr (kept out of JSON on stdout).
    pub fn warn(&self, message: &str) {
        eprintln!("warning: {message}");
    }

    /// An error on stderr; as JSON too when JSON was asked for.
    pub fn error(&self, error: &anyhow::Error) {
        let message = format!("{error:#}");
        if self.json {
            let json = serde_json::json!({ "error": message });
            eprintln!("{json}");
        } else {
            eprintln!("error: {message}");
        }
    }

    /// A progress bar over `len` steps; hidden when stderr is not a terminal, with
    /// `--json`, or with `--no-progress-bar`.
    pub fn progress(&self, len: u64, what: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_owned());
        bar
    }

    /// Asks a yes/no question on the terminal. Without a terminal the answer is no, so
    /// scripts must say `--yes`.
    pub fn confirm(&self, question: &str) -> bool {
        if !std::io::stdin().is_terminal() {
            return false;
        }
        eprint!("{question} [y/N] ");
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err() {
            return false;
        }
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    }
}

/// Renders rows as an aligned text table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                s.push_str(&" ".repeat(pad));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}
