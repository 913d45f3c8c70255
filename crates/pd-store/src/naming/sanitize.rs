//! String clean-up shared by the naming rules: pathvalidate's `sanitize_filename`, Django's
//! `slugify`, Python's notion of whitespace and of a file name's stem.

use unicode_normalization::UnicodeNormalization;

/// pathvalidate's default maximum file name length, in UTF-8 bytes.
const MAX_FILENAME_BYTES: usize = 255;

/// Names Windows reserves (pathvalidate's "universal" platform checks them on every OS),
/// plus `:` which macOS reserves.
const RESERVED_NAMES: &[&str] = &[
    "CON",
    "PRN",
    "AUX",
    "CLOCK$",
    "NUL",
    "COM0",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "LPT0",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}",
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
    ":",
];

/// Python's `str.isspace`: Unicode white space plus the ASCII separators `\x1c`–`\x1f`.
pub(super) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` without arguments.
pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Unicode NFC, so that names compare equal byte for byte whatever the input's form.
pub(super) fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// A character pathvalidate replaces: control characters and everything Windows forbids.
fn is_invalid_filename_char(c: char) -> bool {
    c < ' ' || c == '\u{7f}' || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
}

/// `pathvalidate.sanitize_filename(name, replacement_text="-")` with its defaults (universal
/// platform, 255 bytes).
///
/// Invalid characters (`\ / : * ? " < > |`, control characters) become `-`; the result is
/// cut to 255 UTF-8 bytes; then, like pathvalidate, only the *first* problem found is
/// repaired: an empty or blank name becomes `""`, a reserved Windows name (`CON`, `nul.txt`,
/// …) gets a `_` after every occurrence of its root, or leading spaces and trailing spaces
/// and dots are removed.
///
/// ```
/// use pd_store::naming::sanitize_filename;
///
/// assert_eq!(sanitize_filename("my\\invalid/../title:yay"), "my-invalid-..-title-yay");
/// assert_eq!(sanitize_filename("This. is the title."), "This. is the title");
/// assert_eq!(sanitize_filename("con.txt"), "con_.txt");
/// ```
pub fn sanitize_filename(name: &str) -> String {
    if name.chars().all(is_py_space) {
        return String::new();
    }
    let replaced: String = name
        .chars()
        .map(|c| if is_invalid_filename_char(c) { '-' } else { c })
        .collect();
    let sanitized = truncate_bytes(&replaced, MAX_FILENAME_BYTES);
    if sanitized.chars().all(is_py_space) {
        return String::new();
    }
    // pathvalidate validates the result and fixes only the first error it raises, in this
    // order: reserved name, then Windows' rules about spaces and dots at the ends.
    let root = root_name(sanitized);
    if is_reserved(&root) || is_reserved(sanitized) {
        if root == "." || root == ".." {
            return sanitized.to_owned();
        }
        return sanitized.replace(&root, &format!("{root}_"));
    }
    if sanitized == "." || sanitized == ".." {
        return sanitized.to_owned();
    }
    if sanitized.ends_with([' ', '.']) || sanitized.starts_with(' ') {
        let trimmed = sanitized.trim_start_matches(' ').trim_end_matches(' ');
        if trimmed == "." || trimmed == ".." {
            return trimmed.to_owned();
        }
        return trimmed.trim_end_matches([' ', '.']).to_owned();
    }
    sanitized.to_owned()
}

fn is_reserved(name: &str) -> bool {
    let upper = name.to_uppercase();
    RESERVED_NAMES.contains(&upper.as_str())
}

/// pathvalidate's "root name": the part before the first dot, except for `.`, `..` and names
/// that start with three or more dots, which are kept whole.
fn root_name(name: &str) -> String {
    if name == "." || name == ".." || name.starts_with("...") {
        return name.to_owned();
    }
    if name.starts_with('.') {
        return String::new();
    }
    name.split('.').next().unwrap_or_default().to_owned()
}

/// The longest prefix of `s` that fits in `max` UTF-8 bytes without splitting a character.
fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Django's `slugify` (ASCII mode): NFKD, drop non-ASCII, lower-case, keep word characters,
/// spaces and hyphens, collapse runs of spaces and hyphens into one `-`, trim `-` and `_`.
pub(super) fn slugify(value: &str) -> String {
    let ascii: String = value.nfkd().filter(char::is_ascii).collect();
    let kept: String = ascii
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || is_py_space(c))
        .collect();
    let mut slug = String::with_capacity(kept.len());
    let mut in_run = false;
    for c in kept.chars() {
        if c == '-' || is_py_space(c) {
            if !in_run {
                slug.push('-');
            }
            in_run = true;
        } else {
            slug.push(c);
            in_run = false;
        }
    }
    slug.trim_matches(['-', '_']).to_owned()
}

/// Python's `PurePath(name).stem` for one path component: the name without its last
/// suffix, where a leading dot or a trailing dot does not start a suffix.
pub(super) fn python_stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => &name[..i],
        _ => name,
    }
}
