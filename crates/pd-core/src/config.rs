//! Configuration: defaults, then `pd.toml` in the data directory, then `PD_*` variables,
//! then command-line flags. Later sources win.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::date_order::{DateOrder, parse_iso_dates};
use crate::{Error, Result};

/// How OCR treats pages that already have text (paperless-ngx's `OCR_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OcrMode {
    /// OCR only pages without a text layer (the default).
    #[default]
    Skip,
    /// Replace existing text layers.
    Redo,
    /// Rasterise and OCR every page.
    Force,
}

/// When the consumer and `pd archive` make a PDF/A archive version (paperless-ngx's
/// `ARCHIVE_FILE_GENERATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArchiveFileGeneration {
    /// For images and PDFs without a text layer, not for born-digital PDFs (the default).
    #[default]
    Auto,
    /// For every document that can be rendered, born-digital PDFs included.
    Always,
    /// Never.
    Never,
}

impl ArchiveFileGeneration {
    /// Reads `auto`, `always` or `never`.
    pub fn parse(value: &str) -> Option<ArchiveFileGeneration> {
        match value.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(ArchiveFileGeneration::Auto),
            "always" => Some(ArchiveFileGeneration::Always),
            "never" => Some(ArchiveFileGeneration::Never),
            _ => None,
        }
    }
}

/// OCR settings, named after paperless-ngx's `OCR_*` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcrConfig {
    /// `PD_OCR_LANGUAGE`: Tesseract languages, `+`-joined (`eng`, `deu+eng`).
    pub language: String,
    /// `PD_OCR_MODE`: `skip` (default), `redo` or `force`.
    pub mode: OcrMode,
    /// `PD_OCR_DPI`: the resolution PDF pages are rendered at for OCR; default 300.
    pub dpi: u32,
    /// `PD_OCR_IMAGE_DPI`: the resolution assumed for images that do not state theirs
    /// (paperless-ngx's `OCR_IMAGE_DPI`); without it, the one that makes the image as
    /// wide as an A4 page.
    pub image_dpi: Option<u32>,
    /// `PD_OCR_BILEVEL`: pages are thresholded to black and white (Otsu) before
    /// Tesseract reads them, which saves it a little work but costs words (its
    /// recognition reads grey lines better); default off: it reads grey pages.
    pub bilevel: bool,
    /// `PD_OCR_INVERTED_TEXT`: Tesseract also tries lines inverted (light text on dark
    /// bands), its own default but slower; default off.
    pub inverted_text: bool,
    /// `PD_OCR_LIBRARY`: pages are read by libtesseract (Debian `libtesseract5`, which
    /// comes with `tesseract-ocr`) inside pd, the languages loaded once per reader
    /// thread; default on. Off, or when the library cannot be opened, the `tesseract`
    /// program reads them, one run per batch of pages. Both read the same words.
    pub library: bool,
}

impl Default for OcrConfig {
    fn default() -> Self {
        OcrConfig {
            language: "eng".into(),
            mode: OcrMode::Skip,
            dpi: 300,
            image_dpi: None,
            bilevel: false,
            inverted_text: false,
            library: true,
        }
    }
}

/// How `pd consume --watch` watches its folder, named after paperless-ngx's
/// `CONSUMER_*` settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerConfig {
    /// `PD_CONSUMER_RECURSIVE`: watch sub-folders too; default off.
    pub recursive: bool,
    /// `PD_CONSUMER_STABILITY_DELAY` (seconds): a file is consumed once its size and
    /// modification time have not changed for this long; default 5.
    pub stability_delay: f64,
    /// `PD_CONSUMER_POLLING_INTERVAL` (seconds): how often the folder is looked at;
    /// default 1.
    pub polling_interval: f64,
    /// `PD_CONSUMER_IGNORE_PATTERNS` (comma-separated regular expressions, matched
    /// against file names): files never consumed, besides the built-in list
    /// (`.DS_Store`, `._*`, `desktop.ini`, `Thumbs.db`, hidden files).
    pub ignore_patterns: Vec<String>,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            recursive: false,
            stability_delay: 5.0,
            polling_interval: 1.0,
            ignore_patterns: Vec::new(),
        }
    }
}

/// pd's settings. See the README's configuration table for every key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// `PD_DATA_DIR`, `--data-dir`; default `./pd-data`.
    pub data_dir: PathBuf,
    /// `PD_MEDIA_DIR`; default `<data dir>/media`.
    pub media_dir: PathBuf,
    /// `PD_DATABASE_URL`; default a SQLite file `<data dir>/pd.sqlite3`.
    pub database_url: String,
    /// `PD_FILENAME_FORMAT`: the Jinja template for stored file names; none means `%07d`.
    pub filename_format: Option<String>,
    /// `PD_FILENAME_FORMAT_REMOVE_NONE`: drop `-none-` parts from rendered names.
    pub filename_format_remove_none: bool,
    /// `PD_CONSUMER_DELETE_DUPLICATES`: reject files already in the library.
    pub consumer_delete_duplicates: bool,
    /// `PD_EMPTY_TRASH_DIR`: where emptying the trash moves originals; none deletes them.
    pub empty_trash_dir: Option<PathBuf>,
    /// `PD_PDFIUM_PATH`: `libpdfium.so` or the folder holding it.
    pub pdfium_path: Option<PathBuf>,
    /// `PD_OCR_LANGUAGE`, `PD_OCR_MODE`, `PD_OCR_DPI`, `PD_OCR_IMAGE_DPI`,
    /// `PD_OCR_BILEVEL`, `PD_OCR_INVERTED_TEXT`, `PD_OCR_LIBRARY`.
    pub ocr: OcrConfig,
    /// `PD_CONSUMER_*`: the consumption folder (`pd consume --watch`).
    pub consumer: ConsumerConfig,
    /// `PD_SANITY_IGNORE` (comma-separated): glob patterns of files in the media folder
    /// that are never orphans; default [`Config::DEFAULT_SANITY_IGNORE`].
    pub sanity_ignore: Vec<String>,
    /// `PD_DATE_ORDER`: how numeric dates in a document's text are read; default `DMY`.
    pub date_order: DateOrder,
    /// `PD_FILENAME_DATE_ORDER`: when set, a date in the file's name is looked for first,
    /// read in this order; default none.
    pub filename_date_order: Option<DateOrder>,
    /// `PD_IGNORE_DATES` (comma-separated ISO dates): dates never taken as a document's date.
    pub ignore_dates: Vec<time::Date>,
    /// `PD_ARCHIVE_FILE_GENERATION`: `auto` (default), `always` or `never`.
    pub archive_file_generation: ArchiveFileGeneration,
}

/// What the command line sets; it wins over every other source.
#[derive(Debug, Clone, Default)]
pub struct ConfigOverrides {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

/// The keys `pd.toml` may hold (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ConfigFile {
    media_dir: Option<PathBuf>,
    database_url: Option<String>,
    filename_format: Option<String>,
    filename_format_remove_none: Option<bool>,
    consumer_delete_duplicates: Option<bool>,
    empty_trash_dir: Option<PathBuf>,
    pdfium_path: Option<PathBuf>,
    ocr: Option<OcrFile>,
    consumer: Option<ConsumerFile>,
    sanity_ignore: Option<Vec<String>>,
    date_order: Option<DateOrder>,
    filename_date_order: Option<DateOrder>,
    ignore_dates: Option<Vec<String>>,
    archive_file_generation: Option<ArchiveFileGeneration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct OcrFile {
    language: Option<String>,
    mode: Option<OcrMode>,
    dpi: Option<u32>,
    image_dpi: Option<u32>,
    bilevel: Option<bool>,
    inverted_text: Option<bool>,
    library: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ConsumerFile {
    recursive: Option<bool>,
    stability_delay: Option<f64>,
    polling_interval: Option<f64>,
    ignore_patterns: Option<Vec<String>>,
}

impl Config {
    /// The configuration file's name inside the data directory.
    pub const FILE_NAME: &'static str = "pd.toml";
    /// The default data directory, relative to the working directory.
    pub const DEFAULT_DATA_DIR: &'static str = "pd-data";
    /// The SQLite file's name inside the data directory.
    pub const SQLITE_FILE_NAME: &'static str = "pd.sqlite3";
    /// Files the sanity checker never reports as orphans: paperless-ngx's list, here
    /// matched as real glob patterns (a pattern with `/` matches a path's end).
    pub const DEFAULT_SANITY_IGNORE: &'static [&'static str] = &[
        ".DS_Store",
        ".DS_STORE",
        "._*",
        ".stfolder/*",
        ".stversions/*",
        ".localized/*",
        "desktop.ini",
        "@eaDir/*",
        "Thumbs.db",
    ];

    /// Loads the configuration from the process environment.
    pub fn load(overrides: &ConfigOverrides) -> Result<Config> {
        Self::load_with(overrides, |name| std::env::var(name).ok())
    }

    /// Loads the configuration, reading variables through `env` (for tests and embedders).
    pub fn load_with(
        overrides: &ConfigOverrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let data_dir = overrides
            .data_dir
            .clone()
            .or_else(|| env("PD_DATA_DIR").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from(Self::DEFAULT_DATA_DIR));
        let file = read_file(&data_dir.join(Self::FILE_NAME))?;
        let ocr_file = file.ocr.unwrap_or_default();
        let file_path = data_dir.join(Self::FILE_NAME);
        let date_order = |name: &str, from_file: Option<DateOrder>| -> Result<Option<DateOrder>> {
            match env(name) {
                Some(v) => parse_env(name, &v, DateOrder::parse).map(Some),
                None => Ok(from_file),
            }
        };
        let ignore_dates = match env("PD_IGNORE_DATES") {
            Some(v) => parse_iso_dates(v.split(',').filter(|d| !d.trim().is_empty())).map_err(
                |message| Error::ConfigEnv {
                    name: "PD_IGNORE_DATES".into(),
                    value: v.clone(),
                    message,
                },
            )?,
            None => parse_iso_dates(file.ignore_dates.iter().flatten().map(String::as_str))
                .map_err(|message| Error::ConfigParse {
                    path: file_path.clone(),
                    message: format!("ignore_dates: {message}"),
                })?,
        };
        let defaults = OcrConfig::default();

        let media_dir = env("PD_MEDIA_DIR")
            .map(PathBuf::from)
            .or(file.media_dir)
            .map(|p| relative_to(&data_dir, p))
            .unwrap_or_else(|| data_dir.join("media"));
        let database_url = overrides
            .database_url
            .clone()
            .or_else(|| env("PD_DATABASE_URL"))
            .or(file.database_url)
            .unwrap_or_else(|| sqlite_url(&data_dir.join(Self::SQLITE_FILE_NAME)));
        let ocr = OcrConfig {
            language: env("PD_OCR_LANGUAGE")
                .or(ocr_file.language)
                .unwrap_or(defaults.language),
            mode: match env("PD_OCR_MODE") {
                Some(v) => parse_env("PD_OCR_MODE", &v, |v| match v {
                    "skip" => Some(OcrMode::Skip),
                    "redo" => Some(OcrMode::Redo),
                    "force" => Some(OcrMode::Force),
                    _ => None,
                })?,
                None => ocr_file.mode.unwrap_or(defaults.mode),
            },
            dpi: match env("PD_OCR_DPI") {
                Some(v) => parse_env("PD_OCR_DPI", &v, |v| v.parse().ok().filter(|d| *d > 0))?,
                None => ocr_file.dpi.unwrap_or(defaults.dpi),
            },
            image_dpi: match env("PD_OCR_IMAGE_DPI") {
                Some(v) => Some(parse_env("PD_OCR_IMAGE_DPI", &v, |v| {
                    v.parse().ok().filter(|d| *d > 0)
                })?),
                None => ocr_file.image_dpi.filter(|d| *d > 0),
            },
            bilevel: env_bool(&env, "PD_OCR_BILEVEL")?
                .or(ocr_file.bilevel)
                .unwrap_or(defaults.bilevel),
            inverted_text: env_bool(&env, "PD_OCR_INVERTED_TEXT")?
                .or(ocr_file.inverted_text)
                .unwrap_or(defaults.inverted_text),
            library: env_bool(&env, "PD_OCR_LIBRARY")?
                .or(ocr_file.library)
                .unwrap_or(defaults.library),
        };
        let consumer_file = file.consumer.unwrap_or_default();
        let consumer_defaults = ConsumerConfig::default();
        let seconds = |name: &str, from_file: Option<f64>, default: f64| -> Result<f64> {
            match env(name) {
                Some(v) => parse_env(name, &v, |v| {
                    v.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0)
                }),
                None => Ok(from_file
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(default)),
            }
        };
        let consumer = ConsumerConfig {
            recursive: env_bool(&env, "PD_CONSUMER_RECURSIVE")?
                .or(consumer_file.recursive)
                .unwrap_or(consumer_defaults.recursive),
            stability_delay: seconds(
                "PD_CONSUMER_STABILITY_DELAY",
                consumer_file.stability_delay,
                consumer_defaults.stability_delay,
            )?,
            polling_interval: seconds(
                "PD_CONSUMER_POLLING_INTERVAL",
                consumer_file.polling_interval,
                consumer_defaults.polling_interval,
            )?,
            ignore_patterns: match env("PD_CONSUMER_IGNORE_PATTERNS") {
                Some(v) => split_list(&v),
                None => consumer_file.ignore_patterns.unwrap_or_default(),
            },
        };
        Ok(Config {
            media_dir,
            database_url,
            filename_format: env("PD_FILENAME_FORMAT").or(file.filename_format),
            filename_format_remove_none: env_bool(&env, "PD_FILENAME_FORMAT_REMOVE_NONE")?
                .or(file.filename_format_remove_none)
                .unwrap_or(false),
            consumer_delete_duplicates: env_bool(&env, "PD_CONSUMER_DELETE_DUPLICATES")?
                .or(file.consumer_delete_duplicates)
                .unwrap_or(false),
            empty_trash_dir: env("PD_EMPTY_TRASH_DIR")
                .map(PathBuf::from)
                .or(file.empty_trash_dir),
            pdfium_path: env("PD_PDFIUM_PATH")
                .map(PathBuf::from)
                .or(file.pdfium_path),
            ocr,
            consumer,
            sanity_ignore: match env("PD_SANITY_IGNORE") {
                Some(v) => split_list(&v),
                None => file.sanity_ignore.unwrap_or_else(default_sanity_ignore),
            },
            date_order: date_order("PD_DATE_ORDER", file.date_order)?.unwrap_or_default(),
            filename_date_order: date_order("PD_FILENAME_DATE_ORDER", file.filename_date_order)?,
            ignore_dates,
            archive_file_generation: match env("PD_ARCHIVE_FILE_GENERATION") {
                Some(v) => parse_env(
                    "PD_ARCHIVE_FILE_GENERATION",
                    &v,
                    ArchiveFileGeneration::parse,
                )?,
                None => file.archive_file_generation.unwrap_or_default(),
            },
            data_dir,
        })
    }

    /// A configuration with every default for a data directory, ignoring the
    /// environment and any `pd.toml` (for tests and embedders).
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Config {
        let data_dir = data_dir.into();
        Config {
            media_dir: data_dir.join("media"),
            database_url: sqlite_url(&data_dir.join(Self::SQLITE_FILE_NAME)),
            filename_format: None,
            filename_format_remove_none: false,
            consumer_delete_duplicates: false,
            empty_trash_dir: None,
            pdfium_path: None,
            ocr: OcrConfig::default(),
            consumer: ConsumerConfig::default(),
            sanity_ignore: default_sanity_ignore(),
            date_order: DateOrder::default(),
            filename_date_order: None,
            ignore_dates: Vec::new(),
            archive_file_generation: ArchiveFileGeneration::default(),
            data_dir,
        }
    }

    /// The database URL with any password replaced by `***`, for display.
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }
}

/// The `sqlite://` URL of a database file, created if missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn default_sanity_ignore() -> Vec<String> {
    Config::DEFAULT_SANITY_IGNORE
        .iter()
        .map(|p| (*p).to_owned())
        .collect()
}

/// `a, b,c` → `["a", "b", "c"]`, empty items dropped.
fn split_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

fn relative_to(base: &Path, path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        path
    } else {
        base.join(path)
    }
}

fn read_file(path: &Path) -> Result<ConfigFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
        Err(source) => {
            return Err(Error::ConfigRead {
                path: path.to_owned(),
                source,
            });
        }
    };
    toml::from_str(&text).map_err(|e| Error::ConfigParse {
        path: path.to_owned(),
        message: e.to_string().trim().to_owned(),
    })
}

fn parse_env<T>(name: &str, value: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    parse(value.trim()).ok_or_else(|| Error::ConfigEnv {
        name: name.into(),
        value: value.into(),
        message: "not an accepted value".into(),
    })
}

fn env_bool(env: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>> {
    env(name)
        .map(|v| {
            parse_env(name, &v, |v| match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(true),
                "0" | "false" | "no" | "off" => Some(false),
                _ => None,
            })
        })
        .transpose()
}

/// A URL with any password replaced by `***` (`postgres://u:***@host/db`), for display.
pub fn redact_url(url: &str) -> String {
    // scheme://user:password@host… → scheme://user:***@host…
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(dir: &Path, vars: &[(&str, &str)]) -> Result<Config> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let overrides = ConfigOverrides {
            data_dir: Some(dir.to_owned()),
            database_url: None,
        };
        Config::load_with(&overrides, |k| vars.get(k).cloned())
    }

    #[test]
    fn defaults_live_in_the_data_dir() {
        let dir = std::env::temp_dir().join("pd-core-config-defaults-none");
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config, Config::for_data_dir(&dir));
        assert_eq!(config.media_dir, dir.join("media"));
        assert!(config.database_url.starts_with("sqlite://"));
        assert!(config.database_url.contains("pd.sqlite3"));
        assert_eq!(config.ocr.language, "eng");
    }

    #[test]
    fn archive_file_generation_from_file_and_environment() {
        let dir = tempdir("archive-generation");
        assert_eq!(
            load(&dir, &[]).unwrap().archive_file_generation,
            ArchiveFileGeneration::Auto
        );
        std::fs::write(dir.join("pd.toml"), "archive_file_generation = \"never\"\n").unwrap();
        assert_eq!(
            load(&dir, &[]).unwrap().archive_file_generation,
            ArchiveFileGeneration::Never
        );
        let config = load(&dir, &[("PD_ARCHIVE_FILE_GENERATION", "Always")]).unwrap();
        assert_eq!(
            config.archive_file_generation,
            ArchiveFileGeneration::Always
        );
        let err = load(&dir, &[("PD_ARCHIVE_FILE_GENERATION", "sometimes")]).unwrap_err();
        assert!(
            err.to_string().contains("PD_ARCHIVE_FILE_GENERATION"),
            "{err}"
        );
    }

    #[test]
    fn environment_wins_over_file() {
        let dir = tempdir("env-over-file");
        std::fs::write(
            dir.join("pd.toml"),
            "filename_format = \"{{ title }}\"\nmedia_dir = \"elsewhere\"\n[ocr]\nlanguage = \"deu\"\ndpi = 200\n",
        )
        .unwrap();
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config.filename_format.as_deref(), Some("{{ title }}"));
        assert_eq!(config.media_dir, dir.join("elsewhere"));
        assert_eq!(config.ocr.language, "deu");
        assert_eq!(config.ocr.dpi, 200);

        let config = load(
            &dir,
            &[
                ("PD_FILENAME_FORMAT", "{{ correspondent }}/{{ title }}"),
                ("PD_OCR_LANGUAGE", "eng+deu"),
                ("PD_CONSUMER_DELETE_DUPLICATES", "true"),
                ("PD_DATABASE_URL", "postgres://u:pw@localhost/db"),
            ],
        )
        .unwrap();
        assert_eq!(
            config.filename_format.as_deref(),
            Some("{{ correspondent }}/{{ title }}")
        );
        assert_eq!(config.ocr.language, "eng+deu");
        assert!(config.consumer_delete_duplicates);
        assert_eq!(
            config.database_url_redacted(),
            "postgres://u:***@localhost/db"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let dir = tempdir("bad-values");
        let err = load(&dir, &[("PD_OCR_MODE", "sometimes")]).unwrap_err();
        assert!(err.to_string().contains("PD_OCR_MODE"), "{err}");
        std::fs::write(dir.join("pd.toml"), "unknown_key = 1\n").unwrap();
        let err = load(&dir, &[]).unwrap_err();
        assert!(err.to_string().contains("pd.toml"), "{err}");
        assert!(err.to_string().contains("unknown_key"), "{err}");
    }

    #[test]
    fn ocr_and_consumer_settings_from_file_or_environment() {
        let dir = tempdir("ocr-consumer");
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config.ocr.image_dpi, None);
        assert!(config.ocr.library);
        assert_eq!(config.consumer, ConsumerConfig::default());
        std::fs::write(
            dir.join("pd.toml"),
            "[ocr]\nimage_dpi = 200\nmode = \"redo\"\nlibrary = false\n[consumer]\nrecursive = true\n\
             stability_delay = 0.5\nignore_patterns = [\"^~\"]\n",
        )
        .unwrap();
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config.ocr.image_dpi, Some(200));
        assert_eq!(config.ocr.mode, OcrMode::Redo);
        assert!(!config.ocr.library);
        assert!(config.consumer.recursive);
        assert_eq!(config.consumer.stability_delay, 0.5);
        assert_eq!(config.consumer.polling_interval, 1.0);
        assert_eq!(config.consumer.ignore_patterns, ["^~"]);
        let config = load(
            &dir,
            &[
                ("PD_OCR_IMAGE_DPI", "150"),
                ("PD_OCR_LIBRARY", "true"),
                ("PD_CONSUMER_RECURSIVE", "no"),
                ("PD_CONSUMER_STABILITY_DELAY", "2"),
                ("PD_CONSUMER_POLLING_INTERVAL", "0.25"),
                ("PD_CONSUMER_IGNORE_PATTERNS", r"\.part$, ^~"),
            ],
        )
        .unwrap();
        assert_eq!(config.ocr.image_dpi, Some(150));
        assert!(config.ocr.library);
        assert!(!config.consumer.recursive);
        assert_eq!(config.consumer.stability_delay, 2.0);
        assert_eq!(config.consumer.polling_interval, 0.25);
        assert_eq!(config.consumer.ignore_patterns, [r"\.part$", "^~"]);
        for (name, value) in [
            ("PD_OCR_IMAGE_DPI", "0"),
            ("PD_OCR_LIBRARY", "sometimes"),
            ("PD_CONSUMER_STABILITY_DELAY", "-1"),
            ("PD_CONSUMER_POLLING_INTERVAL", "soon"),
        ] {
            let err = load(&dir, &[(name, value)]).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn sanity_ignore_list_from_file_or_environment() {
        let dir = tempdir("sanity-ignore");
        assert_eq!(load(&dir, &[]).unwrap().sanity_ignore.len(), 9);
        std::fs::write(dir.join("pd.toml"), "sanity_ignore = [\"*.tmp\"]\n").unwrap();
        assert_eq!(load(&dir, &[]).unwrap().sanity_ignore, vec!["*.tmp"]);
        let config = load(&dir, &[("PD_SANITY_IGNORE", "._*, @eaDir/*,,")]).unwrap();
        assert_eq!(config.sanity_ignore, vec!["._*", "@eaDir/*"]);
    }

    #[test]
    fn date_settings_from_file_or_environment() {
        let dir = tempdir("date-settings");
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config.date_order, DateOrder::Dmy);
        assert_eq!(config.filename_date_order, None);
        assert!(config.ignore_dates.is_empty());

        std::fs::write(
            dir.join("pd.toml"),
            "date_order = \"MDY\"\nfilename_date_order = \"YMD\"\nignore_dates = [\"2024-01-01\"]\n",
        )
        .unwrap();
        let config = load(&dir, &[]).unwrap();
        assert_eq!(config.date_order, DateOrder::Mdy);
        assert_eq!(config.filename_date_order, Some(DateOrder::Ymd));
        assert_eq!(config.ignore_dates, [time::macros::date!(2024 - 01 - 01)]);

        let config = load(
            &dir,
            &[
                ("PD_DATE_ORDER", "ymd"),
                ("PD_FILENAME_DATE_ORDER", "DMY"),
                ("PD_IGNORE_DATES", "2019-11-03, 2020-01-17,"),
            ],
        )
        .unwrap();
        assert_eq!(config.date_order, DateOrder::Ymd);
        assert_eq!(config.filename_date_order, Some(DateOrder::Dmy));
        assert_eq!(
            config.ignore_dates,
            [
                time::macros::date!(2019 - 11 - 03),
                time::macros::date!(2020 - 01 - 17)
            ]
        );
    }

    #[test]
    fn bad_date_settings_are_named() {
        let dir = tempdir("bad-date-settings");
        let err = load(&dir, &[("PD_DATE_ORDER", "DDM")]).unwrap_err();
        assert!(err.to_string().contains("PD_DATE_ORDER"), "{err}");
        let err = load(&dir, &[("PD_IGNORE_DATES", "2024-01-01,31.12.2024")]).unwrap_err();
        assert!(err.to_string().contains("PD_IGNORE_DATES"), "{err}");
        assert!(err.to_string().contains("31.12.2024"), "{err}");
        std::fs::write(dir.join("pd.toml"), "ignore_dates = [\"tomorrow\"]\n").unwrap();
        let err = load(&dir, &[]).unwrap_err();
        assert!(err.to_string().contains("tomorrow"), "{err}");
        std::fs::write(dir.join("pd.toml"), "date_order = \"XYZ\"\n").unwrap();
        assert!(load(&dir, &[]).is_err());
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pd-core-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
