//! The index's schema and its text analysis, after paperless-ngx 3's (spec §6.2).
//!
//! Text is split on anything that is not a letter or digit, tokens longer than 129 bytes
//! are dropped, the rest lower-cased and ASCII-folded (`Müller` finds `muller`, `ß` is
//! `ss`) and, when the library's language has a Snowball stemmer, stemmed.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, JsonObjectOptions,
    NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};

/// Bumped whenever the fields or their analysis change; an index built with another
/// version is rebuilt.
pub const SCHEMA_VERSION: u32 = 1;

/// The name the text analyzer is registered under.
pub const TEXT_TOKENIZER: &str = "pd_text";

/// The index's fields, resolved once.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Document id (u64, indexed, stored, fast).
    pub id: Field,
    /// SHA-256 of the original, one raw token.
    pub checksum: Field,
    pub title: Field,
    pub content: Field,
    /// Names of the related objects.
    pub correspondent: Field,
    pub document_type: Field,
    pub storage_path: Field,
    /// Tag names, one value per tag.
    pub tag: Field,
    /// Note texts, one value per note.
    pub notes: Field,
    /// Custom fields as JSON objects `{name, value, <name>: value}`, one per field.
    pub custom_fields: Field,
    pub original_filename: Field,
    pub mime_type: Field,
    pub correspondent_id: Field,
    pub document_type_id: Field,
    pub storage_path_id: Field,
    pub tag_id: Field,
    pub owner_id: Field,
    pub asn: Field,
    pub page_count: Field,
    pub num_notes: Field,
    /// The document date, indexed as midnight UTC.
    pub created: Field,
    pub added: Field,
    pub modified: Field,
}

/// Builds the schema and resolves its fields.
pub fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let json = JsonObjectOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let number = NumericOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast();
    let id_ref: NumericOptions = (INDEXED | FAST).into();
    let date = DateOptions::default()
        .set_indexed()
        .set_stored()
        .set_fast()
        .set_precision(DateTimePrecision::Seconds);
    let fields = Fields {
        id: b.add_u64_field("id", number.clone()),
        checksum: b.add_text_field("checksum", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        content: b.add_text_field("content", text.clone()),
        correspondent: b.add_text_field("correspondent", text.clone()),
        document_type: b.add_text_field("document_type", text.clone()),
        storage_path: b.add_text_field("storage_path", text.clone()),
        tag: b.add_text_field("tag", text.clone()),
        notes: b.add_text_field("notes", text.clone()),
        custom_fields: b.add_json_field("custom_fields", json),
        original_filename: b.add_text_field("original_filename", text),
        mime_type: b.add_text_field("mime_type", STRING | STORED),
        correspondent_id: b.add_u64_field("correspondent_id", id_ref.clone()),
        document_type_id: b.add_u64_field("document_type_id", id_ref.clone()),
        storage_path_id: b.add_u64_field("storage_path_id", id_ref.clone()),
        tag_id: b.add_u64_field("tag_id", id_ref.clone()),
        owner_id: b.add_u64_field("owner_id", id_ref),
        asn: b.add_u64_field("asn", number.clone()),
        page_count: b.add_u64_field("page_count", number.clone()),
        num_notes: b.add_u64_field("num_notes", number),
        created: b.add_date_field("created", date.clone()),
        added: b.add_date_field("added", date.clone()),
        modified: b.add_date_field("modified", date),
    };
    (b.build(), fields)
}

/// The search language: which Snowball stemmer (if any) the text analyzer uses.
///
/// Named by ISO 639-1 code, ISO 639-2 code (Tesseract's: `deu`) or English name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLanguage(Option<Language>);

const LANGUAGES: &[(&str, &str, &str, Language)] = &[
    ("ar", "ara", "arabic", Language::Arabic),
    ("da", "dan", "danish", Language::Danish),
    ("nl", "nld", "dutch", Language::Dutch),
    ("en", "eng", "english", Language::English),
    ("fi", "fin", "finnish", Language::Finnish),
    ("fr", "fra", "french", Language::French),
    ("de", "deu", "german", Language::German),
    ("el", "ell", "greek", Language::Greek),
    ("hu", "hun", "hungarian", Language::Hungarian),
    ("it", "ita", "italian", Language::Italian),
    ("no", "nor", "norwegian", Language::Norwegian),
    ("pt", "por", "portuguese", Language::Portuguese),
    ("ro", "ron", "romanian", Language::Romanian),
    ("ru", "rus", "russian", Language::Russian),
    ("es", "spa", "spanish", Language::Spanish),
    ("sv", "swe", "swedish", Language::Swedish),
    ("ta", "tam", "tamil", Language::Tamil),
    ("tr", "tur", "turkish", Language::Turkish),
];

impl SearchLanguage {
    /// No stemming.
    pub const NONE: SearchLanguage = SearchLanguage(None);

    /// The language named `name`; `None` when no stemmer exists for it.
    pub fn parse(name: &str) -> Option<SearchLanguage> {
        let name = name.trim().to_ascii_lowercase();
        LANGUAGES
            .iter()
            .find(|(a, b, c, _)| [*a, *b, *c].contains(&name.as_str()))
            .map(|l| SearchLanguage(Some(l.3)))
    }

    /// The language of the first OCR language (`deu+eng` → German), as paperless-ngx
    /// infers it; no stemming when it has no stemmer.
    pub fn from_ocr(ocr_languages: &str) -> SearchLanguage {
        ocr_languages
            .split('+')
            .next()
            .and_then(SearchLanguage::parse)
            .unwrap_or(SearchLanguage::NONE)
    }

    /// The language's English name, or `"none"`; what the index's settings record.
    pub fn name(self) -> &'static str {
        match self.0 {
            None => "none",
            Some(lang) => LANGUAGES
                .iter()
                .find(|l| l.3 == lang)
                .map_or("none", |l| l.2),
        }
    }

    /// The text analyzer for this language.
    pub fn analyzer(self) -> TextAnalyzer {
        let builder = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(130))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter);
        match self.0 {
            Some(lang) => builder.filter(Stemmer::new(lang)).build(),
            None => builder.build(),
        }
    }
}

/// The normalised key under which a custom field's value is also indexed
/// (`custom_fields.invoice_number:`): lower-case, anything but letters and digits `_`.
pub fn custom_field_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(lang: SearchLanguage, text: &str) -> Vec<String> {
        let mut analyzer = lang.analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn text_is_lowercased_and_ascii_folded() {
        assert_eq!(
            tokens(SearchLanguage::NONE, "Müller-Straße, ÆRØ café"),
            ["muller", "strasse", "aero", "cafe"]
        );
    }

    #[test]
    fn long_tokens_are_dropped() {
        let long = "x".repeat(200);
        assert_eq!(
            tokens(SearchLanguage::NONE, &format!("a {long} b")),
            ["a", "b"]
        );
    }

    #[test]
    fn stemming_follows_the_language() {
        let en = SearchLanguage::parse("en").unwrap();
        assert_eq!(tokens(en, "invoices running"), ["invoic", "run"]);
        let de = SearchLanguage::from_ocr("deu+eng");
        assert_eq!(de.name(), "german");
        assert_eq!(SearchLanguage::from_ocr("chi_sim"), SearchLanguage::NONE);
        assert_eq!(SearchLanguage::parse("Swedish").unwrap().name(), "swedish");
    }

    #[test]
    fn schema_has_the_paperless_fields() {
        let (schema, _) = build_schema();
        for name in [
            "id",
            "checksum",
            "title",
            "content",
            "correspondent",
            "document_type",
            "storage_path",
            "tag",
            "notes",
            "custom_fields",
            "original_filename",
            "mime_type",
            "owner_id",
            "asn",
            "page_count",
            "created",
            "added",
            "modified",
        ] {
            assert!(schema.get_field(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn custom_field_keys_are_normalised() {
        assert_eq!(custom_field_key("Invoice Number"), "invoice_number");
        assert_eq!(custom_field_key("Fällig am"), "fällig_am");
    }
}
