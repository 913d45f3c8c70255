//! File names for documents, exactly as paperless-ngx 3 generates them.
//!
//! A document's original lives at `originals/<filename>` and its archive PDF at
//! `archive/<archive_filename>`. [`generate_filename`] computes such a relative path:
//!
//! 1. The *context document* is the root document for a version, else the document itself;
//!    a version with an index gets the suffix `_v<index>`.
//! 2. The template is the context document's storage path if it has one, else
//!    [`NamingOptions::filename_format`] (old-style `{title}` placeholders become
//!    `{{ title }}`), else there is none.
//! 3. A template is rendered with Jinja semantics (minijinja, with `trim_blocks` and
//!    `lstrip_blocks`, strict undefined variables). The result is NFC-normalised, line
//!    breaks are removed, white space around `/` and at both ends is removed, and `/` is
//!    stripped from both ends. With [`NamingOptions::remove_none`], `-none-` placeholders are
//!    removed; any left over become `none`.
//! 4. The last path component gets the version suffix, the counter suffix `_NN` and the
//!    extension (`.pdf` for archives, else [`Document::file_type`]).
//! 5. Without a template, or when rendering fails (syntax error, undefined variable, an
//!    unsafe or empty result, a path over 1024 characters), the name is the context
//!    document's id: `0000123.pdf`. Failures come back as [`GeneratedName::warning`].
//!
//! Variables: `title`, `correspondent`, `document_type` (sanitised like file names),
//! `asn`, `owner_username`, `original_name`, `doc_pk`, `created`, `created_year`,
//! `created_year_short`, `created_month`, `created_month_name`, `created_month_name_short`,
//! `created_day`, the same `added_*` set (local date), `tag_list`, `tag_name_list`,
//! `custom_fields` (`{name: {"type", "value"}}`) and `document` (plain data: ids, dates,
//! checksums, file names, `owner`, `tags`, and `correspondent`/`document_type`/`storage_path`
//! objects that print as their name). Filters: `get_cf_value`, `datetime` (C-locale
//! `strftime`), `slugify` (Django's), `localize_date` (Babel-style).
//!
//! paperless-ngx quirks kept on purpose:
//! - A missing correspondent, document type, ASN (also ASN 0), owner or original name is
//!   the placeholder `-none-`: false in `{% if %}`, equal to both `'none'` and `'-none-'`,
//!   and written as `none` in the final name unless `remove_none` drops it.
//! - `None`, `True` and `False` print the Python way.
//! - `..` components are refused even though old documentation promised them; so are
//!   absolute paths and Windows drive prefixes. pd checks the final name again after the
//!   `remove_none` rewriting, so no generated name leaves the media folder.
//! - Unique names are checked against the file system, not the database.
//!
//! Differences to know about: templates run on minijinja, not Jinja2. The sandbox has
//! nothing to guard: the context holds plain data and minijinja exposes no Python methods,
//! so `document.save()` is simply an unknown method (the template fails, as in
//! paperless-ngx). Python string methods (`title.upper()`) are not available either; the
//! filters are. `localize_date` knows the locales `en`, `en_US`, `en_GB`, `de`, `de_DE`,
//! `fr`, `fr_FR`, `es`, `es_ES` and the common CLDR pattern fields (`y M L d D E a h H K k
//! m s S z`); other locales or fields make the template fail. A select custom field whose
//! option no longer exists is null (paperless-ngx raises).
//!
//! ```
//! use pd_store::naming::{FilenameContext, NamingOptions, generate_filename};
//! # use time::macros::{date, datetime};
//! # let document = pd_core::Document {
//! #     id: 7, title: "Invoice 42".into(), content: String::new(),
//! #     created: date!(2021 - 03 - 04), added: datetime!(2021-03-05 10:00 UTC),
//! #     modified: datetime!(2021-03-05 10:00 UTC), mime_type: "application/pdf".into(),
//! #     original_filename: None, filename: None, archive_filename: None,
//! #     checksum: String::new(), archive_checksum: None, page_count: None,
//! #     archive_serial_number: None, correspondent: None, document_type: None,
//! #     storage_path: None, owner: None, tags: vec![], deleted_at: None, restored_at: None,
//! #     transaction_id: None, root_document: None, version_index: None, version_label: None,
//! #     storage_type: Default::default(),
//! # };
//! let ctx = FilenameContext::new(document);
//! let opts = NamingOptions {
//!     filename_format: Some("{created_year}/{correspondent}/{title}".into()),
//!     remove_none: false,
//! };
//! assert_eq!(generate_filename(&ctx, &opts, 0, false).path, "2021/none/Invoice 42.pdf");
//! assert_eq!(generate_filename(&ctx, &opts, 1, true).path, "2021/none/Invoice 42_01.pdf");
//! ```

mod cldr;
mod dates;
mod sanitize;
mod template;
#[cfg(test)]
mod tests;

use std::path::Path;

use pd_core::{Correspondent, CustomField, CustomFieldValue, Document, DocumentType};
use pd_core::{StoragePath, Tag, User};

pub use sanitize::sanitize_filename;

/// paperless-ngx stores `filename` and `archive_filename` in columns of this many characters.
pub const MAX_PATH_CHARS: usize = 1024;

/// The settings that choose a file name template.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamingOptions {
    /// `PAPERLESS_FILENAME_FORMAT`; a storage path's template takes precedence.
    pub filename_format: Option<String>,
    /// `PAPERLESS_FILENAME_FORMAT_REMOVE_NONE`: drop `-none-` placeholders instead of
    /// writing `none`.
    pub remove_none: bool,
}

/// Everything a template may refer to, owned.
#[derive(Debug, Clone, PartialEq)]
pub struct FilenameContext {
    pub document: Document,
    /// Set when `document` is a version of `root`.
    pub root: Option<Document>,
    pub correspondent: Option<Correspondent>,
    pub document_type: Option<DocumentType>,
    /// The context document's storage path.
    pub storage_path: Option<StoragePath>,
    pub tags: Vec<Tag>,
    pub owner: Option<User>,
    /// Every custom field instance of the document, soft-deleted ones included.
    pub custom_fields: Vec<(CustomField, Option<CustomFieldValue>)>,
    /// For the `added_*` placeholders (local date).
    pub local_offset: time::UtcOffset,
}

impl FilenameContext {
    /// A context with no relations and UTC as the local time zone.
    pub fn new(document: Document) -> Self {
        Self {
            document,
            root: None,
            correspondent: None,
            document_type: None,
            storage_path: None,
            tags: Vec::new(),
            owner: None,
            custom_fields: Vec::new(),
            local_offset: time::UtcOffset::UTC,
        }
    }

    /// The document templates describe: the root for a version, else the document.
    fn context_document(&self) -> &Document {
        self.root.as_ref().unwrap_or(&self.document)
    }

    /// The id the default name uses: the root's for a version.
    fn default_id(&self) -> i64 {
        match (&self.root, self.document.root_document) {
            (Some(root), _) => root.id,
            (None, Some(root_id)) => root_id,
            (None, None) => self.document.id,
        }
    }
}

/// Result of rendering: the relative path, and a warning when the template failed and the
/// default name was used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedName {
    /// Relative to the originals or archive folder, `/`-separated.
    pub path: String,
    pub warning: Option<String>,
}

/// The relative path for `ctx.document` (§6.3.2): rendered from the storage path's template
/// or the filename format, else `<id:07>`; plus `_v<N>` for versions, `_NN` for a
/// non-zero `counter`, and `.pdf` for `archive` or the document's own extension.
pub fn generate_filename(
    ctx: &FilenameContext,
    opts: &NamingOptions,
    counter: u32,
    archive: bool,
) -> GeneratedName {
    let doc = &ctx.document;
    let version_suffix = match (doc.root_document, doc.version_index) {
        (Some(_), Some(index)) => format!("_v{index}"),
        _ => String::new(),
    };
    let counter_suffix = if counter == 0 {
        String::new()
    } else {
        format!("_{counter:02}")
    };
    let extension = if archive { ".pdf" } else { doc.file_type() };
    let tail = format!("{version_suffix}{counter_suffix}{extension}");
    let default = format!("{:07}{tail}", ctx.default_id());

    let template = match &ctx.storage_path {
        Some(storage_path) => Some(storage_path.path.clone()),
        None => opts.filename_format.as_deref().map(convert_old_style),
    };
    let Some(template) = template else {
        return GeneratedName {
            path: default,
            warning: None,
        };
    };
    let rendered = match render_path(&template, ctx, opts.remove_none) {
        Ok(rendered) => rendered,
        Err(warning) => {
            return GeneratedName {
                path: default,
                warning: Some(warning),
            };
        }
    };
    if rendered.is_empty() {
        return GeneratedName {
            path: default,
            warning: None,
        };
    }
    // pathlib drops empty and `.` components when the string becomes a path.
    let mut components: Vec<&str> = rendered
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let name = components.pop().unwrap_or_default();
    components.push(name);
    let path = format!("{}{tail}", components.join("/"));
    if path.chars().count() > MAX_PATH_CHARS {
        return GeneratedName {
            path: default,
            warning: Some(format!(
                "Generated filename exceeds db path limit ({MAX_PATH_CHARS} characters), \
                 using the default name: {path}"
            )),
        };
    }
    GeneratedName {
        path,
        warning: None,
    }
}

/// Renders a template for `ctx` and applies the post-processing and `remove_none` rules.
/// `Err` carries the warning paperless-ngx would log.
fn render_path(template: &str, ctx: &FilenameContext, remove_none: bool) -> Result<String, String> {
    let context = template::build_context(ctx, ctx.context_document());
    let rendered = template::render(template, context).map_err(|e| template::describe_error(&e))?;
    let cleaned = clean_rendered(&rendered);
    if !is_safe_relative_path(&cleaned) {
        return Err(unsafe_path_warning(&cleaned));
    }
    let mut result = cleaned;
    if remove_none {
        result = result
            .replace("/-none-/", "/")
            .replace(" -none-", "")
            .replace(template::PLACEHOLDER_TEXT, "");
        result = result.trim_matches('/').to_owned();
    }
    result = result.replace(template::PLACEHOLDER_TEXT, "none");
    // The rewriting above can join dots into `..`; never hand out such a path.
    if !is_safe_relative_path(&result) {
        return Err(unsafe_path_warning(&result));
    }
    Ok(result)
}

fn unsafe_path_warning(path: &str) -> String {
    format!("Template rendered an unsafe path (absolute or containing traversal): {path:?}")
}

/// NFC; no line breaks; no white space around `/` or at the ends; no `/` at the ends.
fn clean_rendered(rendered: &str) -> String {
    let normalised = sanitize::nfc(rendered).replace(['\n', '\r'], "");
    let parts: Vec<&str> = normalised.split('/').collect();
    let last = parts.len() - 1;
    let joined = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let part = if i > 0 {
                part.trim_start_matches(sanitize::is_py_space)
            } else {
                part
            };
            if i < last {
                part.trim_end_matches(sanitize::is_py_space)
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    sanitize::py_strip(&joined).trim_matches('/').to_owned()
}

/// Relative, without a drive and without `..` components. Backslashes count as separators
/// here so that a name is safe on every platform pd runs on.
fn is_safe_relative_path(path: &str) -> bool {
    if path.starts_with(['/', '\\']) {
        return false;
    }
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return false;
    }
    !path.split(['/', '\\']).any(|component| component == "..")
}

/// Old-style `{name}` placeholders become `{{ name }}`; `{{ … }}` is left alone.
fn convert_old_style(format: &str) -> String {
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::with_capacity(format.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{' && (i == 0 || chars[i - 1] != '{') {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j < chars.len() && chars[j] == '}' && chars.get(j + 1) != Some(&'}') {
                let word: String = chars[i + 1..j].iter().collect();
                out.push_str(&format!("{{{{ {word} }}}}"));
                i = j + 1;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// A stored relative name in the form [`generate_filename`] produces it, for comparisons.
pub(crate) fn normalise_relative(name: &str) -> String {
    name.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether anything (a dangling symlink included) occupies `path`.
fn occupied(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// A name unique against the file system under `root_dir` (the originals or archive folder),
/// keeping the document's current name when it is the candidate (§6.3.4).
///
/// For archive names of documents that have an original, the stem of the original's name
/// (in the generated directory) is tried first: `simple.png` gets the archive `simple.pdf`.
/// Otherwise `_01`, `_02`, … are appended until a name is free.
pub fn generate_unique_filename(
    ctx: &FilenameContext,
    opts: &NamingOptions,
    root_dir: &Path,
    archive: bool,
) -> GeneratedName {
    generate_unique_filename_with(ctx, opts, archive, &|name| occupied(&root_dir.join(name)))
}

/// [`generate_unique_filename`] against any notion of "taken": `is_taken` gets relative
/// names. The renamer uses it to plan many moves before making any.
pub fn generate_unique_filename_with(
    ctx: &FilenameContext,
    opts: &NamingOptions,
    archive: bool,
    is_taken: &dyn Fn(&str) -> bool,
) -> GeneratedName {
    let doc = &ctx.document;
    let current = if archive {
        doc.archive_filename.as_deref()
    } else {
        doc.filename.as_deref()
    }
    .map(normalise_relative);

    if archive && let Some(original) = doc.filename.as_deref() {
        let base = generate_filename(ctx, opts, 0, true);
        let original_name = original.rsplit('/').next().unwrap_or(original);
        let stem = sanitize::python_stem(original_name);
        let simple = match base.path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{stem}.pdf"),
            None => format!("{stem}.pdf"),
        };
        if is_safe_relative_path(&simple)
            && (current.as_deref() == Some(simple.as_str()) || !is_taken(&simple))
        {
            return GeneratedName {
                path: simple,
                warning: base.warning,
            };
        }
    }

    let mut counter = 0u32;
    loop {
        let candidate = generate_filename(ctx, opts, counter, archive);
        if current.as_deref() == Some(candidate.path.as_str()) || !is_taken(&candidate.path) {
            return candidate;
        }
        counter = match counter.checked_add(1) {
            Some(next) => next,
            None => {
                return GeneratedName {
                    warning: Some(format!("No free file name found for {:?}", candidate.path)),
                    ..candidate
                };
            }
        };
    }
}

/// `Document.get_public_filename` (§1.5): `"<created> <correspondent> <title>"`, then `_NN`
/// for a non-zero counter, the suffix, and `.pdf` or the document's extension; sanitised
/// with [`sanitize_filename`]. E.g. `2020-12-25 test_01.pdf`.
pub fn public_filename(
    doc: &Document,
    correspondent: Option<&str>,
    archive: bool,
    counter: u32,
    suffix: Option<&str>,
) -> String {
    let mut name = doc.display_name(correspondent);
    if counter > 0 {
        name.push_str(&format!("_{counter:02}"));
    }
    if let Some(suffix) = suffix {
        name.push_str(suffix);
    }
    name.push_str(if archive { ".pdf" } else { doc.file_type() });
    sanitize_filename(&name)
}

/// Removes `dir` if it is empty, then its parent, and so on (§6.3.6). Stops at the first
/// non-empty directory, at `root` (never removed) or at the first error; does nothing when
/// `dir` is not a directory inside `root`.
pub fn delete_empty_directories(dir: &Path, root: &Path) {
    if !dir.is_dir() || !dir.starts_with(root) {
        return;
    }
    let mut current = dir;
    while current != root {
        let is_empty = match std::fs::read_dir(current) {
            Ok(mut entries) => entries.next().is_none(),
            Err(_) => return,
        };
        if !is_empty || std::fs::remove_dir(current).is_err() {
            return;
        }
        match current.parent() {
            Some(parent) => current = parent,
            None => return,
        }
    }
}

/// Checks a template's syntax, then renders it for a sample document the way
/// paperless-ngx validates storage paths; `Err` says what is wrong and where.
pub fn validate_template(template: &str) -> Result<(), String> {
    template::check_syntax(template).map_err(|e| e.to_string())?;
    let ctx = sample_context();
    let rendered = template::render(template, template::build_context(&ctx, &ctx.document))
        .map_err(|e| e.to_string())?;
    let cleaned = clean_rendered(&rendered);
    if !is_safe_relative_path(&cleaned) {
        return Err(unsafe_path_warning(&cleaned));
    }
    Ok(())
}

/// paperless-ngx's dummy document for template validation: every field filled.
fn sample_context() -> FilenameContext {
    let now = time::OffsetDateTime::now_utc();
    let document = Document {
        id: 1,
        title: "Sample Title".into(),
        content: "This is some sample document content.".into(),
        created: now.date(),
        added: now,
        modified: now,
        mime_type: "application/pdf".into(),
        original_filename: Some("original_file.pdf".into()),
        filename: Some("/dummy/filename.pdf".into()),
        archive_filename: Some("/dummy/archive_filename.pdf".into()),
        checksum: "dummychecksum12345678901234567890123456789012".into(),
        archive_checksum: Some("dummyarchivechecksum123456789012345678901234".into()),
        page_count: Some(5),
        archive_serial_number: Some(12345),
        correspondent: Some(1),
        document_type: Some(1),
        storage_path: Some(1),
        owner: None,
        tags: vec![1, 2],
        deleted_at: None,
        restored_at: None,
        transaction_id: None,
        root_document: None,
        version_index: None,
        version_label: None,
        storage_type: Default::default(),
    };
    let tag = |id, name: &str| Tag {
        id,
        name: name.into(),
        matching: Default::default(),
        owner: None,
        color: Tag::DEFAULT_COLOR.into(),
        is_inbox_tag: false,
        parent: None,
    };
    FilenameContext {
        correspondent: Some(Correspondent {
            id: 1,
            name: "Sample Correspondent".into(),
            matching: Default::default(),
            owner: None,
        }),
        document_type: Some(DocumentType {
            id: 1,
            name: "Sample Type".into(),
            matching: Default::default(),
            owner: None,
        }),
        storage_path: Some(StoragePath {
            id: 1,
            name: "Sample Storage Path".into(),
            matching: Default::default(),
            owner: None,
            path: "/dummy/path".into(),
        }),
        tags: vec![tag(1, "Test Tag 1"), tag(2, "Another Test Tag")],
        custom_fields: vec![(
            CustomField {
                id: 1,
                name: "Text Custom Field".into(),
                data_type: pd_core::CustomFieldType::String,
                extra_data: None,
                created: now,
            },
            Some(CustomFieldValue::String("Some String Text".into())),
        )],
        ..FilenameContext::new(document)
    }
}
