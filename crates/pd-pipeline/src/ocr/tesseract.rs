//! Tesseract: its library in pd's process when it is installed, else the `tesseract`
//! program.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, PoisonError};

use image::DynamicImage;

use super::capi::{Engine, Library, default_library};
use super::pack::{Packed, multipage_tiff};
use super::{OcrError, OcrText, tsv};

/// The program run when none is configured; found on `PATH`.
const DEFAULT_PROGRAM: &str = "tesseract";

/// The Tesseract program and the languages it reads, checked: the program runs and has
/// a language pack for every language. Pages are read by libtesseract in pd's own
/// process when it can be opened ([`Tesseract::library`]), else by the program.
#[derive(Debug, Clone)]
pub struct Tesseract {
    program: PathBuf,
    languages: String,
    bilevel: bool,
    detect_inverted: bool,
    /// The library pages are read with, or why there is none.
    library: Result<&'static Library, String>,
}

// `tesseract --list-langs` per program, asked once per process.
static INSTALLED: Mutex<Option<HashMap<PathBuf, Vec<String>>>> = Mutex::new(None);

impl Tesseract {
    /// Checks `program` (default: `tesseract` on `PATH`) and `languages`, Tesseract's
    /// `+`-joined language codes as paperless-ngx's `OCR_LANGUAGE` takes them (`eng`,
    /// `deu+eng`).
    ///
    /// # Errors
    ///
    /// [`OcrError::TesseractMissing`] (naming the Debian package `tesseract-ocr`),
    /// [`OcrError::LanguageMissing`] (naming `tesseract-ocr-<lang>`),
    /// [`OcrError::InvalidLanguage`] for a setting such as `deu++eng`.
    pub fn new(program: Option<&Path>, languages: &str) -> Result<Tesseract, OcrError> {
        let explicit = program.is_some();
        let program = program.map_or_else(|| PathBuf::from(DEFAULT_PROGRAM), Path::to_path_buf);
        let wanted = parse_languages(languages)?;
        let mut installed = installed_languages(&program, false)?;
        if wanted.iter().any(|l| !installed.contains(l)) {
            // A pack may have been installed since the list was read (a long `--watch`).
            installed = installed_languages(&program, true)?;
        }
        if let Some(missing) = wanted.iter().find(|l| !installed.contains(l)) {
            return Err(OcrError::LanguageMissing {
                language: missing.clone(),
                package: debian_package(missing),
                installed: installed.into_iter().filter(|l| l != "osd").collect(),
            });
        }
        // A program of its own may come with a library of its own: it is run then.
        let library = if explicit {
            Err(format!(
                "the program {} is configured, so it reads the pages",
                program.display()
            ))
        } else {
            default_library()
        };
        Ok(Tesseract {
            program,
            languages: wanted.join("+"),
            bilevel: false,
            detect_inverted: false,
            library,
        })
    }

    /// Whether pages are read by libtesseract (`libtesseract.so.5`, Debian
    /// `libtesseract5`) in pd's process, each reader thread loading the languages once
    /// and keeping them for the next pages and documents; default on when the default
    /// program runs. When the library cannot be opened, or when off, the `tesseract`
    /// program reads them, a run per batch of pages. Both give the same words.
    #[must_use]
    pub fn library(mut self, on: bool) -> Tesseract {
        self.library = if on {
            default_library()
        } else {
            Err("reading with the library is turned off".into())
        };
        self
    }

    /// Reads pages with the libtesseract at `path` (a file, or a name the dynamic
    /// loader looks up); when it cannot be opened, the program reads them
    /// ([`Tesseract::reader`] says why).
    #[must_use]
    pub fn library_at(mut self, path: &Path) -> Tesseract {
        self.library = Library::get(path);
        self
    }

    /// What reads the pages: `libtesseract 5.3.0`, or the program and why the library
    /// does not.
    pub fn reader(&self) -> String {
        match &self.library {
            Ok(library) => format!("libtesseract {}", library.version()),
            Err(why) => format!("the program {} ({why})", self.program.display()),
        }
    }

    /// Whether libtesseract reads the pages (see [`Tesseract::library`]).
    pub fn uses_library(&self) -> bool {
        self.library.is_ok()
    }

    /// Whether pages are thresholded to black and white (Otsu's method, as Tesseract
    /// would) before Tesseract reads them, which saves it a little work on every page
    /// but costs words: its recognition reads the grey lines better. Default off:
    /// Tesseract reads the grey page (cropped to its ink either way).
    #[must_use]
    pub fn bilevel(mut self, on: bool) -> Tesseract {
        self.bilevel = on;
        self
    }

    /// Whether Tesseract also tries every line it is unsure of inverted (light text on
    /// a dark band), its own default, which costs time on every page; default off.
    #[must_use]
    pub fn detect_inverted(mut self, on: bool) -> Tesseract {
        self.detect_inverted = on;
        self
    }

    /// The program that runs.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The languages read, `+`-joined.
    pub fn languages(&self) -> &str {
        &self.languages
    }

    /// What Tesseract reads on `pages` (each an image and its resolution), one
    /// [`OcrText`] per page in order: by one library engine, page after page, or by one
    /// run of the program. When the library cannot load the languages, the program
    /// reads them.
    pub(super) fn read(&self, pages: &[(&DynamicImage, f32)]) -> Result<Vec<OcrText>, OcrError> {
        if pages.is_empty() {
            return Ok(Vec::new());
        }
        if let Ok(library) = self.library
            && let Ok(mut engine) = Engine::take(library, &self.languages, self.detect_inverted)
        {
            let mut read = Vec::with_capacity(pages.len());
            for &(image, dpi) in pages {
                let dpi = tesseract_dpi(dpi);
                let packed = Packed::new(image, self.bilevel, margin(dpi));
                // An engine that failed is dropped, not put back.
                let tsv = engine.read_tsv(&packed, dpi)?;
                read.push(tsv::read(&tsv).moved_by(packed.origin));
            }
            engine.release();
            return Ok(read);
        }
        let packed: Vec<(Packed, u32)> = pages
            .iter()
            .map(|&(image, dpi)| {
                let dpi = tesseract_dpi(dpi);
                (Packed::new(image, self.bilevel, margin(dpi)), dpi)
            })
            .collect();
        let origins: Vec<(u32, u32)> = packed.iter().map(|(page, _)| page.origin).collect();
        let report = self.run_tsv(packed)?;
        Ok(tsv::read_pages(&report, pages.len())
            .into_iter()
            .zip(origins)
            .map(|(read, origin)| read.moved_by(origin))
            .collect())
    }

    /// Tesseract's TSV report of `pages` (each packed, with its resolution), read in
    /// one run of the program: the pages go in as one multi-page TIFF on standard
    /// input, and the report numbers them from 1 in the same order.
    fn run_tsv(&self, packed: Vec<(Packed, u32)>) -> Result<String, OcrError> {
        let tiff = multipage_tiff(&packed);
        drop(packed);
        let mut command = self.command();
        command.args(["stdin", "stdout", "-l"]).arg(&self.languages);
        if !self.detect_inverted {
            command.args(["-c", "tessedit_do_invert=0"]);
        }
        let mut child = command
            .arg("tsv")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.spawn_error(&e))?;
        // Tesseract reads all of its input before it writes: no risk of both sides
        // waiting. A write error (it exited early) shows in its status below.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(&tiff);
        }
        let output = child.wait_with_output().map_err(|e| OcrError::Failed {
            message: format!("waiting for {}: {e}", self.program.display()),
        })?;
        if !output.status.success() {
            return Err(OcrError::Failed {
                message: format!(
                    "{} exited with {}: {}",
                    self.program.display(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        // One thread per Tesseract; pd runs one Tesseract per core.
        command.env("OMP_THREAD_LIMIT", "1");
        command
    }

    fn spawn_error(&self, err: &std::io::Error) -> OcrError {
        spawn_error(&self.program, err)
    }
}

/// The white margin left around a page's ink when it is cropped for Tesseract
/// ([`Packed`]): a quarter of an inch, so that no letter comes near the image's edge.
fn margin(dpi: u32) -> u32 {
    (dpi / 4).max(8)
}

/// A resolution as Tesseract takes it: whole pixels per inch, within what it believes.
fn tesseract_dpi(dpi: f32) -> u32 {
    let dpi = if dpi.is_finite() { dpi.round() } else { 300.0 };
    (dpi as u32).clamp(70, 2400)
}

fn spawn_error(program: &Path, err: &std::io::Error) -> OcrError {
    OcrError::TesseractMissing {
        program: program.to_owned(),
        message: err.to_string(),
    }
}

/// The Debian package with Tesseract's data for `language`: `tesseract-ocr-deu` for
/// `deu`, `tesseract-ocr-chi-sim` for `chi_sim`, `tesseract-ocr-script-latn` for
/// `script/Latin`.
///
/// ```
/// use pd_pipeline::ocr::debian_package;
///
/// assert_eq!(debian_package("fra"), "tesseract-ocr-fra");
/// assert_eq!(debian_package("chi_sim"), "tesseract-ocr-chi-sim");
/// ```
pub fn debian_package(language: &str) -> String {
    // Script models are packaged under their ISO 15924 code.
    let name = match language.strip_prefix("script/") {
        Some(script) => {
            let code = match script {
                "Latin" => "latn",
                "Cyrillic" => "cyrl",
                "Greek" => "grek",
                "Arabic" => "arab",
                "Hebrew" => "hebr",
                "Devanagari" => "deva",
                "Hangul" => "hang",
                "Japanese" => "jpan",
                other => other,
            };
            format!("script-{code}")
        }
        None => language.to_owned(),
    };
    format!("tesseract-ocr-{}", name.replace('_', "-").to_lowercase())
}

fn parse_languages(value: &str) -> Result<Vec<String>, OcrError> {
    let invalid = |reason: &str| OcrError::InvalidLanguage {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid("no language given (e.g. `eng` or `deu+eng`)"));
    }
    let mut languages = Vec::new();
    for part in value.split('+') {
        let part = part.trim();
        if part.is_empty() {
            return Err(invalid("an empty language between `+` signs"));
        }
        let valid = part
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/'))
            && !part.starts_with(['-', '/']);
        if !valid {
            return Err(invalid(&format!(
                "`{part}` is not a Tesseract language code (e.g. `eng`, `deu`, `chi_sim`)"
            )));
        }
        if !languages.iter().any(|l| l == part) {
            languages.push(part.to_owned());
        }
    }
    Ok(languages)
}

/// The languages `program` has, asked once per process unless `refresh`.
fn installed_languages(program: &Path, refresh: bool) -> Result<Vec<String>, OcrError> {
    let mut cache = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if !refresh && let Some(found) = cache.as_ref().and_then(|c| c.get(program)) {
        return Ok(found.clone());
    }
    let output = Command::new(program)
        .arg("--list-langs")
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| spawn_error(program, &e))?;
    if !output.status.success() {
        return Err(OcrError::TesseractMissing {
            program: program.to_owned(),
            message: format!(
                "`--list-langs` exited with {}: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    // Tesseract 5 lists on stdout, older versions on stderr; the heading ends in ':'.
    let listing = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut languages: Vec<String> = listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains(' ') && !l.ends_with(':'))
        .map(str::to_owned)
        .collect();
    languages.sort();
    languages.dedup();
    cache
        .get_or_insert_with(HashMap::new)
        .insert(program.to_owned(), languages.clone());
    Ok(languages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_plus_joined_codes() {
        assert_eq!(parse_languages("eng").unwrap(), ["eng"]);
        assert_eq!(parse_languages(" deu+eng ").unwrap(), ["deu", "eng"]);
        assert_eq!(parse_languages("eng+eng").unwrap(), ["eng"]);
        assert_eq!(
            parse_languages("chi_sim+script/Latin").unwrap(),
            ["chi_sim", "script/Latin"]
        );
        for bad in ["", "deu++eng", "deu eng", "../x", "eng;rm"] {
            let err = parse_languages(bad).unwrap_err();
            assert!(
                matches!(err, OcrError::InvalidLanguage { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn debian_packages_follow_debian_naming() {
        assert_eq!(debian_package("deu"), "tesseract-ocr-deu");
        assert_eq!(debian_package("chi_tra_vert"), "tesseract-ocr-chi-tra-vert");
        assert_eq!(debian_package("script/Latin"), "tesseract-ocr-script-latn");
    }

    #[test]
    fn missing_program_names_the_package() {
        let err = Tesseract::new(Some(Path::new("/nonexistent/tesseract")), "eng").unwrap_err();
        assert!(matches!(err, OcrError::TesseractMissing { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("tesseract-ocr"), "{message}");
        assert!(message.contains("/nonexistent/tesseract"), "{message}");
    }
}
