//! The template engine side of file naming: a minijinja environment configured like
//! paperless-ngx's sandboxed Jinja environment, the context a template sees, and the
//! `-none-` placeholder.

use std::fmt;
use std::sync::{Arc, OnceLock};

use minijinja::machinery::{self, CodeGenerator, Instruction, Instructions};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::{Enumerator, Object, ObjectRepr, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior};
use pd_core::{CustomField, CustomFieldValue, Document, Tag};

use super::FilenameContext;
use super::dates::{self, DateValue};
use super::sanitize::{nfc, python_stem, sanitize_filename, slugify};

/// The name templates carry in error messages.
const TEMPLATE_NAME: &str = "filename template";

/// Global functions that `==` and `!=` are compiled to. Names that are not identifiers, so
/// no template variable can shadow them.
const EQ_FUNCTION: &str = "==";
const NE_FUNCTION: &str = "!=";

/// The text an empty placeholder renders as.
pub(super) const PLACEHOLDER_TEXT: &str = "-none-";

/// The empty placeholder: renders as `-none-`, is false in `{% if %}`, and equals both
/// `'-none-'` and `'none'` (like paperless-ngx's `PlaceholderString`).
#[derive(Debug)]
struct Placeholder;

impl Object for Placeholder {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn is_true(self: &Arc<Self>) -> bool {
        false
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(PLACEHOLDER_TEXT)
    }
}

fn placeholder() -> Value {
    Value::from_object(Placeholder)
}

fn is_placeholder(v: &Value) -> bool {
    v.downcast_object_ref::<Placeholder>().is_some()
}

/// Python's `==` as far as templates can tell: the placeholder's own rule, else minijinja's.
fn template_eq(a: &Value, b: &Value) -> bool {
    match (is_placeholder(a), is_placeholder(b)) {
        (true, true) => true,
        (true, false) => b
            .as_str()
            .is_some_and(|s| s == PLACEHOLDER_TEXT || s == "none"),
        (false, true) => a
            .as_str()
            .is_some_and(|s| s == PLACEHOLDER_TEXT || s == "none"),
        (false, false) => a == b,
    }
}

/// A related object (correspondent, document type, storage path) inside `document`: prints
/// as its name, exposes `id`, `name` and `path`.
#[derive(Debug)]
struct Related {
    id: i64,
    name: String,
    path: Option<String>,
}

impl Object for Related {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "id" => Some(Value::from(self.id)),
            "name" => Some(Value::from(self.name.clone())),
            "path" => Some(Value::from(self.path.clone())),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// A map that keeps insertion order (Python dicts do); a repeated key keeps its first
/// position and takes the last value, as a dict assignment does.
#[derive(Debug, Default)]
struct OrderedMap(Vec<(String, Value)>);

impl OrderedMap {
    fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }

    fn into_value(self) -> Value {
        Value::from_object(self)
    }
}

impl Object for OrderedMap {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self.0.iter().map(|(k, _)| Value::from(k.clone())).collect();
        Enumerator::Iter(Box::new(keys.into_iter()))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

fn map<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = OrderedMap::default();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    m.into_value()
}

/// Jinja prints `None`, `True` and `False` the Python way; minijinja would print `none`,
/// `true` and `false`.
fn python_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let text = match value.kind() {
        ValueKind::None => "None",
        ValueKind::Bool if value.is_true() => "True",
        ValueKind::Bool => "False",
        _ => return minijinja::escape_formatter(out, state, value),
    };
    out.write_str(text).map_err(Error::from)
}

/// `get_cf_value(name, default=None)`: the field's value when present and not null, else
/// the default when it is not null, else none.
fn get_cf_value(fields: Value, name: String, default: Option<Value>) -> Value {
    let value = fields
        .get_attr(&name)
        .ok()
        .filter(|entry| !entry.is_undefined() && !entry.is_none())
        .and_then(|entry| entry.get_attr("value").ok())
        .filter(|v| !v.is_undefined() && !v.is_none());
    match (value, default) {
        (Some(v), _) => v,
        (None, Some(d)) if !d.is_none() && !d.is_undefined() => d,
        _ => Value::from(()),
    }
}

fn syntax_config() -> SyntaxConfig {
    SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(false)
        .build()
        .unwrap_or_default()
}

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_formatter(python_formatter);
        env.set_syntax(syntax_config());
        env.add_filter("get_cf_value", get_cf_value);
        env.add_filter("datetime", dates::datetime_filter);
        env.add_filter("slugify", |v: Value| slugify(&v.to_string()));
        env.add_filter("localize_date", dates::localize_date_filter);
        env.add_function(EQ_FUNCTION, |a: Value, b: Value| template_eq(&a, &b));
        env.add_function(NE_FUNCTION, |a: Value, b: Value| !template_eq(&a, &b));
        for name in ["eq", "equalto", "=="] {
            env.add_test(name, |a: Value, b: Value| template_eq(&a, &b));
        }
        for name in ["ne", "!="] {
            env.add_test(name, |a: Value, b: Value| !template_eq(&a, &b));
        }
        env
    })
}

/// minijinja compares an object and a string as unequal without asking the object, so the
/// compiled `==`/`!=` instructions are replaced by calls to functions that know the
/// placeholder. Both take two operands from the stack and push one result, so the
/// replacement is exact.
fn route_equality(instructions: &mut Instructions<'_>) {
    let mut idx = 0;
    while let Some(instr) = instructions.get_mut(idx) {
        match instr {
            Instruction::Eq => *instr = Instruction::CallFunction(EQ_FUNCTION, Some(2)),
            Instruction::Ne => *instr = Instruction::CallFunction(NE_FUNCTION, Some(2)),
            _ => {}
        }
        idx += 1;
    }
}

/// Parses a template; the error names the problem and its line.
pub(super) fn check_syntax(source: &str) -> Result<(), Error> {
    machinery::parse(source, TEMPLATE_NAME, syntax_config()).map(|_| ())
}

/// Renders `source` against `context` (no post-processing).
pub(super) fn render(source: &str, context: Value) -> Result<String, Error> {
    let ast = machinery::parse(source, TEMPLATE_NAME, syntax_config())?;
    let mut generator = CodeGenerator::new(TEMPLATE_NAME, source);
    generator.compile_stmt(&ast);
    let (mut instructions, mut blocks) = generator.finish();
    route_equality(&mut instructions);
    for block in blocks.values_mut() {
        route_equality(block);
    }
    let mut rendered = String::new();
    machinery::eval(
        environment(),
        &instructions,
        context,
        &blocks,
        &mut machinery::make_string_output(&mut rendered),
        AutoEscape::None,
    )
    .map(|_| ())?;
    Ok(rendered)
}

/// Describes a render failure the way paperless-ngx logs it.
pub(super) fn describe_error(err: &Error) -> String {
    match err.kind() {
        ErrorKind::UndefinedError => format!("Template variable warning: {err}"),
        ErrorKind::SyntaxError | ErrorKind::UnknownFilter | ErrorKind::UnknownTest => {
            format!("Template syntax error in filename generation: {err}")
        }
        _ => format!("Unknown error in filename generation: {err}"),
    }
}

fn sanitized_name(name: &str) -> Value {
    Value::from(sanitize_filename(&nfc(name)))
}

/// The context a file name template sees for `doc` (the context document: the root for
/// versions) and the relations in `ctx`.
pub(super) fn build_context(ctx: &FilenameContext, doc: &Document) -> Value {
    let mut tags: Vec<&Tag> = ctx.tags.iter().collect();
    tags.sort_by(|a, b| a.name.cmp(&b.name));

    let mut m = OrderedMap::default();
    m.insert("document", document_context(ctx, doc, &tags));

    // Basic metadata: sanitised names, or the placeholder when unset.
    m.insert("title", sanitized_name(&doc.title));
    m.insert(
        "correspondent",
        ctx.correspondent
            .as_ref()
            .map_or_else(placeholder, |c| sanitized_name(&c.name)),
    );
    m.insert(
        "document_type",
        ctx.document_type
            .as_ref()
            .map_or_else(placeholder, |t| sanitized_name(&t.name)),
    );
    // paperless-ngx tests the number's truth value, so ASN 0 counts as unset.
    m.insert(
        "asn",
        doc.archive_serial_number
            .filter(|&asn| asn != 0)
            .map_or_else(placeholder, |asn| Value::from(asn.to_string())),
    );
    m.insert(
        "owner_username",
        ctx.owner
            .as_ref()
            .map_or_else(placeholder, |u| Value::from(u.username.clone())),
    );
    m.insert(
        "original_name",
        doc.original_filename
            .as_deref()
            .filter(|n| !n.is_empty())
            .map_or_else(placeholder, |n| {
                let last = n.rsplit('/').next().unwrap_or(n);
                Value::from(nfc(python_stem(last)))
            }),
    );
    m.insert("doc_pk", Value::from(format!("{:07}", doc.id)));

    let added = doc.added.to_offset(ctx.local_offset).date();
    for (prefix, date) in [("created", doc.created), ("added", added)] {
        let month = date.month();
        let month_name = dates::month_name(month);
        m.insert(prefix, Value::from(DateValue::date(date).to_string()));
        m.insert(
            format!("{prefix}_year"),
            Value::from(format!("{:04}", date.year())),
        );
        m.insert(
            format!("{prefix}_year_short"),
            Value::from(format!("{:02}", date.year().rem_euclid(100))),
        );
        m.insert(
            format!("{prefix}_month"),
            Value::from(format!("{:02}", u8::from(month))),
        );
        m.insert(format!("{prefix}_month_name"), Value::from(month_name));
        m.insert(
            format!("{prefix}_month_name_short"),
            Value::from(&month_name[..3]),
        );
        m.insert(
            format!("{prefix}_day"),
            Value::from(format!("{:02}", date.day())),
        );
    }

    let mut names: Vec<String> = tags.iter().map(|t| nfc(&t.name)).collect();
    m.insert("tag_name_list", Value::from_iter(names.clone()));
    names.sort();
    m.insert("tag_list", Value::from(sanitize_filename(&names.join(","))));

    let mut fields = OrderedMap::default();
    for (field, value) in &ctx.custom_fields {
        fields.insert(
            sanitize_filename(&nfc(&field.name)),
            map([
                (
                    "type",
                    Value::from(sanitize_filename(field.data_type.name())),
                ),
                ("value", custom_field_value(field, value.as_ref())),
            ]),
        );
    }
    m.insert("custom_fields", fields.into_value());
    m.into_value()
}

fn custom_field_value(field: &CustomField, value: Option<&CustomFieldValue>) -> Value {
    let Some(value) = value else {
        return Value::from(());
    };
    match value {
        CustomFieldValue::String(s)
        | CustomFieldValue::Url(s)
        | CustomFieldValue::Monetary(s)
        | CustomFieldValue::LongText(s) => sanitized_name(s),
        CustomFieldValue::Select(option) => {
            let has_options = field
                .extra_data
                .as_ref()
                .and_then(|extra| extra.get("select_options"))
                .is_some_and(|options| !options.is_null());
            if !has_options {
                return Value::from(option.clone());
            }
            // paperless-ngx fails hard on an option id the field no longer has; pd treats
            // the value as unset instead.
            field
                .select_label(option)
                .map_or_else(|| Value::from(()), sanitized_name)
        }
        CustomFieldValue::Date(d) => DateValue::date(*d).into_value(),
        CustomFieldValue::Boolean(b) => Value::from(*b),
        CustomFieldValue::Integer(i) => Value::from(*i),
        CustomFieldValue::Float(f) => Value::from(*f),
        CustomFieldValue::DocumentLink(ids) => Value::from_iter(ids.iter().copied()),
    }
}

/// The `document` variable: plain data only (no model methods to call).
fn document_context(ctx: &FilenameContext, doc: &Document, tags: &[&Tag]) -> Value {
    let related = |id: i64, name: &str, path: Option<&str>| {
        Value::from_object(Related {
            id,
            name: name.to_owned(),
            path: path.map(str::to_owned),
        })
    };
    map([
        ("id", Value::from(doc.id)),
        ("pk", Value::from(doc.id)),
        ("title", Value::from(doc.title.clone())),
        ("content", Value::from(doc.content.clone())),
        ("page_count", Value::from(doc.page_count)),
        ("created", DateValue::date(doc.created).into_value()),
        ("added", DateValue::utc(doc.added).into_value()),
        ("modified", DateValue::utc(doc.modified).into_value()),
        (
            "archive_serial_number",
            Value::from(doc.archive_serial_number),
        ),
        ("mime_type", Value::from(doc.mime_type.clone())),
        ("checksum", Value::from(doc.checksum.clone())),
        (
            "archive_checksum",
            Value::from(doc.archive_checksum.clone()),
        ),
        ("filename", Value::from(doc.filename.clone())),
        (
            "archive_filename",
            Value::from(doc.archive_filename.clone()),
        ),
        (
            "original_filename",
            Value::from(doc.original_filename.clone()),
        ),
        (
            "owner",
            ctx.owner.as_ref().map_or_else(
                || Value::from(()),
                |u| {
                    map([
                        ("username", Value::from(u.username.clone())),
                        ("id", Value::from(u.id)),
                    ])
                },
            ),
        ),
        (
            "tags",
            tags.iter()
                .map(|t| {
                    map([
                        ("name", Value::from(t.name.clone())),
                        ("id", Value::from(t.id)),
                    ])
                })
                .collect(),
        ),
        (
            "correspondent",
            ctx.correspondent
                .as_ref()
                .map_or_else(|| Value::from(()), |c| related(c.id, &c.name, None)),
        ),
        (
            "document_type",
            ctx.document_type
                .as_ref()
                .map_or_else(|| Value::from(()), |t| related(t.id, &t.name, None)),
        ),
        (
            "storage_path",
            ctx.storage_path.as_ref().map_or_else(
                || Value::from(()),
                |s| related(s.id, &s.name, Some(&s.path)),
            ),
        ),
    ])
}
