//! Behaviours of paperless-ngx's file naming tests (`test_file_handling.py`,
//! `test_filepath_nfc.py`), re-stated for pd.

use std::fs;

use minijinja::value::Value;
use pd_core::{CustomFieldType, MatchRule};
use time::macros::{date, datetime};

use super::*;

fn doc(id: i64, title: &str) -> Document {
    Document {
        id,
        title: title.into(),
        content: String::new(),
        created: date!(2020 - 06 - 25),
        added: datetime!(2024-10-01 07:36:51.000153 UTC),
        modified: datetime!(2024-10-01 07:36:51 UTC),
        mime_type: "application/pdf".into(),
        original_filename: None,
        filename: None,
        archive_filename: None,
        checksum: "2".into(),
        archive_checksum: None,
        page_count: None,
        archive_serial_number: None,
        correspondent: None,
        document_type: None,
        storage_path: None,
        owner: None,
        tags: vec![],
        deleted_at: None,
        restored_at: None,
        transaction_id: None,
        root_document: None,
        version_index: None,
        version_label: None,
        storage_type: Default::default(),
    }
}

fn format(f: &str) -> NamingOptions {
    NamingOptions {
        filename_format: Some(f.into()),
        remove_none: false,
    }
}

fn remove_none(f: &str) -> NamingOptions {
    NamingOptions {
        filename_format: Some(f.into()),
        remove_none: true,
    }
}

fn name(ctx: &FilenameContext, opts: &NamingOptions) -> String {
    generate_filename(ctx, opts, 0, false).path
}

fn with_format(d: Document, f: &str) -> String {
    name(&FilenameContext::new(d), &format(f))
}

fn correspondent(name: &str) -> Correspondent {
    Correspondent {
        id: 3,
        name: name.into(),
        matching: MatchRule::default(),
        owner: None,
    }
}

fn document_type(name: &str) -> DocumentType {
    DocumentType {
        id: 4,
        name: name.into(),
        matching: MatchRule::default(),
        owner: None,
    }
}

fn storage_path(path: &str) -> StoragePath {
    StoragePath {
        id: 5,
        name: "sp".into(),
        matching: MatchRule::default(),
        owner: None,
        path: path.into(),
    }
}

fn tag(id: i64, name: &str) -> Tag {
    Tag {
        id,
        name: name.into(),
        matching: MatchRule::default(),
        owner: None,
        color: Tag::DEFAULT_COLOR.into(),
        is_inbox_tag: false,
        parent: None,
    }
}

fn user(name: &str) -> User {
    User {
        id: 9,
        username: name.into(),
        first_name: String::new(),
        last_name: String::new(),
        email: String::new(),
        password: String::new(),
        is_superuser: false,
        is_staff: false,
        is_active: true,
        date_joined: datetime!(2020-01-01 0:00 UTC),
    }
}

fn field(id: i64, name: &str, data_type: CustomFieldType) -> CustomField {
    CustomField {
        id,
        name: name.into(),
        data_type,
        extra_data: None,
        created: datetime!(2020-01-01 0:00 UTC),
    }
}

fn with_storage_path(d: Document, path: &str) -> FilenameContext {
    FilenameContext {
        storage_path: Some(storage_path(path)),
        ..FilenameContext::new(d)
    }
}

#[test]
fn default_name_is_the_padded_id() {
    let ctx = FilenameContext::new(doc(1, "x"));
    assert_eq!(name(&ctx, &NamingOptions::default()), "0000001.pdf");
    assert_eq!(
        generate_filename(&ctx, &NamingOptions::default(), 0, true).path,
        "0000001.pdf"
    );
    let mut jpg = doc(123, "x");
    jpg.mime_type = "image/jpeg".into();
    let ctx = FilenameContext::new(jpg);
    assert_eq!(name(&ctx, &NamingOptions::default()), "0000123.jpg");
    assert_eq!(
        generate_filename(&ctx, &NamingOptions::default(), 0, true).path,
        "0000123.pdf"
    );
    assert_eq!(
        generate_filename(&ctx, &NamingOptions::default(), 2, false).path,
        "0000123_02.jpg"
    );
}

#[test]
fn invalid_characters_are_sanitised() {
    assert_eq!(
        with_format(doc(1, "This. is the title."), "{title}"),
        "This. is the title.pdf"
    );
    assert_eq!(
        with_format(doc(2, "my\\invalid/../title:yay"), "{title}"),
        "my-invalid-..-title-yay.pdf"
    );
}

#[test]
fn created_date() {
    let mut d = doc(2, "does not matter");
    d.created = date!(2020 - 05 - 21);
    assert_eq!(with_format(d, "{created}"), "2020-05-21.pdf");
}

#[test]
fn storage_path_template() {
    let ctx = with_storage_path(doc(2, "does not matter"), "TestFolder/{{created}}");
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        "TestFolder/2020-06-25.pdf"
    );
    // The storage path wins over the filename format.
    assert_eq!(name(&ctx, &format("{title}")), "TestFolder/2020-06-25.pdf");
    // A storage path template is not converted from the old style.
    let ctx = with_storage_path(doc(2, "t"), "{title}");
    assert_eq!(name(&ctx, &NamingOptions::default()), "{title}.pdf");
}

#[test]
fn missing_values_render_as_none() {
    let ctx = with_storage_path(doc(2, "does not matter"), "{{asn}} - {{created}}");
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        "none - 2020-06-25.pdf"
    );
    assert_eq!(
        with_format(doc(1, "the_doc"), "{asn} - {title}"),
        "none - the_doc.pdf"
    );
    assert_eq!(with_format(doc(1, "x"), "{correspondent}"), "none.pdf");
}

#[test]
fn remove_none_drops_placeholders() {
    let ctx = with_storage_path(doc(2, "does not matter"), "TestFolder/{{asn}}/{{created}}");
    assert_eq!(name(&ctx, &remove_none("")), "TestFolder/2020-06-25.pdf");
    let ctx = with_storage_path(
        doc(2, "does not matter"),
        "{{ owner_username }}/{{ created_year }}/{{ correspondent }}/{{ title }}",
    );
    assert_eq!(name(&ctx, &remove_none("")), "2020/does not matter.pdf");
    let ctx = FilenameContext::new(doc(1, "doc1"));
    assert_eq!(
        name(&ctx, &remove_none("XX{correspondent}/{title}")),
        "XX/doc1.pdf"
    );
    assert_eq!(
        name(&ctx, &remove_none("{title} {correspondent}")),
        "doc1.pdf"
    );
    // Nothing left: the default name.
    assert_eq!(name(&ctx, &remove_none("{correspondent}")), "0000001.pdf");
}

#[test]
fn each_document_uses_its_own_storage_path() {
    let mut a = doc(2, "does not matter");
    a.archive_serial_number = Some(4);
    let a = with_storage_path(a, "ThisIsAFolder/{{asn}}/{{created}}");
    let mut b = doc(5, "does not matter");
    b.created = date!(2020 - 07 - 25);
    let b = with_storage_path(b, "SomeImportantNone/{{created}}");
    let c = FilenameContext::new(doc(2, "does not matter"));
    let opts = NamingOptions::default();
    assert_eq!(name(&a, &opts), "ThisIsAFolder/4/2020-06-25.pdf");
    assert_eq!(name(&b, &opts), "SomeImportantNone/2020-07-25.pdf");
    assert_eq!(name(&c, &opts), "0000002.pdf");
}

#[test]
fn placeholder_is_falsy_and_equals_none_variants() {
    let opts = format(
        "{% if correspondent == 'none' %}none/{% endif %}\
         {% if correspondent == '-none-' %}dash/{% endif %}\
         {% if not correspondent %}false/{% endif %}\
         {% if correspondent != 'none' %}notnoneyes/{% else %}notnoneno/{% endif %}\
         {{ correspondent or 'missing' }}/{{ title }}",
    );
    let without = FilenameContext::new(doc(1, "does not matter"));
    assert_eq!(
        name(&without, &opts),
        "none/dash/false/notnoneno/missing/does not matter.pdf"
    );
    let with = FilenameContext {
        correspondent: Some(correspondent("Acme")),
        ..FilenameContext::new(doc(2, "does not matter"))
    };
    assert_eq!(name(&with, &opts), "notnoneyes/Acme/does not matter.pdf");

    // Reversed operands, tests, and plain `{% if %}` behave the same way.
    let opts = format(
        "{% if 'none' == correspondent %}a{% endif %}\
         {% if correspondent is eq('-none-') %}b{% endif %}\
         {% if correspondent is ne('x') %}c{% endif %}\
         {% if correspondent %}d{% endif %}\
         {% if correspondent == document_type %}e{% endif %}\
         {% if title == 'T' %}f{% endif %}{% if title != 'T' %}g{% endif %}",
    );
    assert_eq!(name(&FilenameContext::new(doc(1, "T")), &opts), "abcef.pdf");
    assert_eq!(name(&with, &opts), "cdg.pdf");
}

#[test]
fn short_month_and_year_names() {
    let mut d = doc(2, "The Title");
    d.created = date!(1989 - 12 - 02);
    assert_eq!(
        with_format(
            d,
            "{created_year_short}/{created_month_name_short}/{created_month_name}/{title}"
        ),
        "89/Dec/December/The Title.pdf"
    );
    let mut d = doc(2, "The Title");
    d.added = datetime!(1984-08-21 07:36:51.000153 UTC);
    assert_eq!(
        with_format(
            d,
            "{added_year_short}/{added_month_name}/{added_month_name_short}/{title}"
        ),
        "84/August/Aug/The Title.pdf"
    );
}

#[test]
fn created_and_added_parts() {
    let mut d = doc(1, "t");
    d.created = date!(2020 - 03 - 04);
    d.added = datetime!(2021-12-31 23:30 UTC);
    let f = "{created_year}-{created_month}-{created_day}/{added}/{added_year}-{added_month}-{added_day}";
    assert_eq!(
        with_format(d.clone(), f),
        "2020-03-04/2021-12-31/2021-12-31.pdf"
    );
    // `added` is a local date.
    let ctx = FilenameContext {
        local_offset: time::UtcOffset::from_hms(1, 0, 0).unwrap(),
        ..FilenameContext::new(d)
    };
    assert_eq!(
        name(&ctx, &format(f)),
        "2020-03-04/2022-01-01/2022-01-01.pdf"
    );
}

#[test]
fn owner_username() {
    let owned = FilenameContext {
        owner: Some(user("user1")),
        ..FilenameContext::new(doc(1, "The Title"))
    };
    assert_eq!(
        name(&owned, &format("{owner_username}/{title}")),
        "user1/The Title.pdf"
    );
    assert_eq!(
        with_format(doc(2, "does matter"), "{owner_username}/{title}"),
        "none/does matter.pdf"
    );
}

#[test]
fn original_name_drops_the_last_extension() {
    let with = |original: Option<&str>, mime: &str| {
        let mut d = doc(1, "does matter");
        d.original_filename = original.map(Into::into);
        d.mime_type = mime.into();
        FilenameContext::new(d)
    };
    let opts = format("{original_name}");
    assert_eq!(
        name(&with(Some("someepdf.pdf"), "application/pdf"), &opts),
        "someepdf.pdf"
    );
    assert_eq!(
        name(
            &with(
                Some("some pdf with spaces and stuff.pdf"),
                "application/pdf"
            ),
            &opts
        ),
        "some pdf with spaces and stuff.pdf"
    );
    assert_eq!(name(&with(None, "application/pdf"), &opts), "none.pdf");
    let text = with(Some("logs.txt"), "text/plain");
    assert_eq!(name(&text, &opts), "logs.txt");
    assert_eq!(generate_filename(&text, &opts, 0, true).path, "logs.pdf");
    assert_eq!(
        name(&with(Some("a.tar.gz"), "application/pdf"), &opts),
        "a.tar.pdf"
    );
}

fn version_of(root: &Document, id: i64, index: i32) -> FilenameContext {
    let mut version = doc(id, "version_title_should_not_be_used");
    version.root_document = Some(root.id);
    version.version_index = Some(index);
    version.original_filename = Some("version-upload.pdf".into());
    FilenameContext {
        root: Some(root.clone()),
        ..FilenameContext::new(version)
    }
}

#[test]
fn versions_get_an_index_suffix() {
    let root = doc(1, "the_doc");
    let ctx = version_of(&root, 2, 1);
    assert_eq!(name(&ctx, &format("{title}")), "the_doc_v1.pdf");
    assert_eq!(
        generate_filename(&ctx, &format("{title}"), 1, false).path,
        "the_doc_v1_01.pdf"
    );

    let mut root = doc(7, "root");
    root.mime_type = "text/plain".into();
    let mut ctx = version_of(&root, 8, 2);
    ctx.document.mime_type = "text/plain".into();
    assert_eq!(name(&ctx, &NamingOptions::default()), "0000007_v2.txt");
    assert_eq!(
        generate_filename(&ctx, &NamingOptions::default(), 0, true).path,
        "0000007_v2.pdf"
    );

    let mut root = doc(1, "root");
    root.original_filename = Some("root-upload.pdf".into());
    assert_eq!(
        name(&version_of(&root, 2, 1), &format("{original_name}")),
        "root-upload_v1.pdf"
    );

    let root = doc(1, "storage_doc");
    let mut ctx = version_of(&root, 2, 3);
    ctx.storage_path = Some(storage_path("folder/{{title}}"));
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        "folder/storage_doc_v3.pdf"
    );
}

#[test]
fn complex_multi_line_templates() {
    let template = "
                 somepath/
                 {% if document.checksum == '2' %}
                   some where/{{created}}
                 {% else %}
                   {{added}}
                 {% endif %}
                 /{{ title }}
                 ";
    let mut d = doc(2, "Does Matter");
    d.archive_serial_number = Some(25);
    assert_eq!(
        name(
            &with_storage_path(d.clone(), template),
            &NamingOptions::default()
        ),
        "somepath/some where/2020-06-25/Does Matter.pdf"
    );
    d.checksum = "5".into();
    assert_eq!(
        name(
            &with_storage_path(d.clone(), template),
            &NamingOptions::default()
        ),
        "somepath/2024-10-01/Does Matter.pdf"
    );
    let lower = "{{ document.title|lower }}{{ document.archive_serial_number - 2 }}";
    assert_eq!(
        name(
            &with_storage_path(d.clone(), lower),
            &NamingOptions::default()
        ),
        "does matter23.pdf"
    );
    let ranges = "
                 somepath/
                 {% if document.archive_serial_number >= 0 and document.archive_serial_number <= 200 %}
                   asn-000-200/{{title}}
                 {% elif document.archive_serial_number >= 201 and document.archive_serial_number <= 400 %}
                   asn-201-400
                   {% if document.archive_serial_number >= 201 and document.archive_serial_number < 300 %}
                     /asn-2xx
                   {% elif document.archive_serial_number >= 300 and document.archive_serial_number < 400 %}
                     /asn-3xx
                   {% endif %}
                 {% endif %}
                 /{{ title }}
                 ";
    assert_eq!(
        name(
            &with_storage_path(d.clone(), ranges),
            &NamingOptions::default()
        ),
        "somepath/asn-000-200/Does Matter/Does Matter.pdf"
    );
    d.archive_serial_number = Some(301);
    assert_eq!(
        name(&with_storage_path(d, ranges), &NamingOptions::default()),
        "somepath/asn-201-400/asn-3xx/Does Matter.pdf"
    );
}

#[test]
fn related_objects_print_as_their_names() {
    let mut d = doc(1, "scan_017562");
    d.created = date!(2025 - 07 - 02);
    let ctx = FilenameContext {
        correspondent: Some(correspondent("mi:kochkach")),
        document_type: Some(document_type("Mietvertrag")),
        storage_path: Some(StoragePath {
            name: "PARTNER".into(),
            ..storage_path(
                "{{ document.storage_path|lower }} / \
                 {{ document.correspondent|lower|replace('mi:', 'mieter/') }} / \
                 {{ document_type|lower }} / {{ title|lower }}",
            )
        }),
        ..FilenameContext::new(d)
    };
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        "partner/mieter/kochkach/mietvertrag/scan_017562.pdf"
    );
    let opts = format(
        "{{ document.correspondent.id }}-{{ document.correspondent.name }}-\
         {{ document.correspondent.path }}",
    );
    let ctx = FilenameContext {
        storage_path: None,
        ..ctx
    };
    assert_eq!(name(&ctx, &opts), "3-mi:kochkach-None.pdf");
}

#[test]
fn document_variable_exposes_plain_data() {
    let mut d = doc(42, "T");
    d.page_count = Some(3);
    d.archive_serial_number = Some(7);
    d.original_filename = Some("orig.pdf".into());
    let ctx = FilenameContext {
        owner: Some(user("ann")),
        tags: vec![tag(2, "b"), tag(1, "a")],
        storage_path: Some(storage_path(
            "{{ document.id }}-{{ document.pk }}-{{ document.page_count }}-\
             {{ document.archive_serial_number }}-{{ document.mime_type }}-\
             {{ document.created }}-{{ document.created.year }}-{{ document.added }}-\
             {{ document.original_filename }}-{{ document.filename }}-{{ document.owner.username }}-\
             {% for t in document.tags %}{{ t.name }}{{ t.id }}{% endfor %}-\
             {{ document.storage_path.name }}-{{ document.correspondent }}",
        )),
        ..FilenameContext::new(d)
    };
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        "42-42-3-7-application/pdf-2020-06-25-2020-2024-10-01 07:36:51.000153+00:00-\
         orig.pdf-None-ann-a1b2-sp-None.pdf"
    );
}

#[test]
fn undefined_variables_fall_back_with_a_warning() {
    let ctx = FilenameContext::new(doc(2, "Does Matter"));
    let generated = generate_filename(
        &ctx,
        &format("{{creation_date}}/{{ title_name_str }}"),
        0,
        false,
    );
    assert_eq!(generated.path, "0000002.pdf");
    let warning = generated.warning.unwrap();
    assert!(
        warning.starts_with("Template variable warning"),
        "{warning}"
    );
    assert!(warning.contains("creation_date"), "{warning}");
    assert_eq!(name(&ctx, &format("{created__year}")), "0000002.pdf");
    assert_eq!(name(&ctx, &format("{{ document.nothing }}")), "0000002.pdf");
}

#[test]
fn invalid_templates_fall_back_with_a_warning() {
    let ctx = FilenameContext::new(doc(1, "x"));
    let generated = generate_filename(&ctx, &format("{% if x is None %}/{title]"), 0, false);
    assert_eq!(generated.path, "0000001.pdf");
    assert!(generated.warning.unwrap().contains("syntax error"));
    assert_eq!(
        name(&ctx, &format("{{ title | no_such_filter }}")),
        "0000001.pdf"
    );
    assert_eq!(name(&ctx, &format("{% include 'other' %}")), "0000001.pdf");
}

#[test]
fn model_methods_cannot_be_called() {
    let ctx = FilenameContext::new(doc(2, "Does Matter"));
    for t in [
        "{{created}}/{{ document.save() }}",
        "{{ document.delete() }}",
        "{{ document.update() }}",
    ] {
        let generated = generate_filename(&ctx, &format(t), 0, false);
        assert_eq!(generated.path, "0000002.pdf", "{t}");
        assert!(generated.warning.is_some());
    }
}

#[test]
fn unsafe_paths_fall_back() {
    let ctx = FilenameContext::new(doc(1, "t"));
    for t in [
        "../{title}",
        "a/../../{title}",
        "{{ '..' }}/x",
        "C:/{title}",
        "a\\..\\..\\{title}",
    ] {
        let generated = generate_filename(&ctx, &format(t), 0, false);
        assert_eq!(generated.path, "0000001.pdf", "{t}");
        assert!(
            generated
                .warning
                .unwrap()
                .starts_with("Template rendered an unsafe path")
        );
    }
    // A title of `..` is kept by the sanitiser, so it must be caught here.
    assert_eq!(with_format(doc(1, ".."), "{title}"), "0000001.pdf");
    // remove-none can join dots; the result is checked again.
    let generated = generate_filename(&ctx, &remove_none(".{correspondent}./x"), 0, false);
    assert_eq!(generated.path, "0000001.pdf");
    // Leading slashes are stripped, so absolute-looking templates stay relative.
    assert_eq!(
        with_format(doc(1, "doc1"), "//etc/something/{title}"),
        "etc/something/doc1.pdf"
    );
    assert_eq!(
        with_format(doc(1, "doc1"), "a/./b//{title}"),
        "a/b/doc1.pdf"
    );
}

#[test]
fn rendered_text_is_cleaned_up() {
    assert_eq!(
        with_format(doc(1, "doc1"), " a \r\n / b\t/  {title}  "),
        "a/b/doc1.pdf"
    );
    assert_eq!(with_format(doc(1, "doc1"), "x\n y/{title}"), "x y/doc1.pdf");
    assert_eq!(with_format(doc(1, "doc1"), "{{ '' }}"), "0000001.pdf");
}

#[test]
fn tag_list_and_tag_names() {
    let tagged = FilenameContext {
        tags: vec![tag(2, "tag2"), tag(1, "tag1")],
        ..FilenameContext::new(doc(1, "doc1"))
    };
    assert_eq!(
        name(&tagged, &format("{title} {tag_list}")),
        "doc1 tag1,tag2.pdf"
    );
    assert_eq!(
        with_format(doc(2, "doc2"), "{title} {tag_list}"),
        "doc2.pdf"
    );
    assert_eq!(
        name(
            &tagged,
            &format("{% for t in tag_name_list %}{{ t }}/{% endfor %}{{ title }}")
        ),
        "tag1/tag2/doc1.pdf"
    );
    let slashed = FilenameContext {
        tags: vec![tag(1, "a/b")],
        ..FilenameContext::new(doc(1, "d"))
    };
    assert_eq!(name(&slashed, &format("{tag_list}")), "a-b.pdf");
}

#[test]
fn document_type_and_asn() {
    let mut d = doc(1, "t");
    assert_eq!(
        with_format(d.clone(), "{document_type} - {title}"),
        "none - t.pdf"
    );
    let ctx = FilenameContext {
        document_type: Some(document_type("test")),
        ..FilenameContext::new(d.clone())
    };
    assert_eq!(
        name(&ctx, &format("{document_type} - {title}")),
        "test - t.pdf"
    );
    d.archive_serial_number = Some(0);
    assert_eq!(with_format(d.clone(), "{asn}"), "none.pdf");
    d.archive_serial_number = Some(1234);
    assert_eq!(with_format(d, "{asn}"), "1234.pdf");
}

#[test]
fn doc_pk_is_zero_padded() {
    assert_eq!(with_format(doc(1, "x"), "{doc_pk}"), "0000001.pdf");
    assert_eq!(with_format(doc(22, "x"), "{doc_pk}"), "0000022.pdf");
}

#[test]
fn custom_fields() {
    let mut select = field(2, "Select Field", CustomFieldType::Select);
    select.extra_data = Some(serde_json::json!({"select_options": [
        {"label": "ChoiceOne", "id": "abc=123"},
        {"label": "ChoiceTwo", "id": "def-456"},
    ]}));
    let mut ctx = FilenameContext {
        custom_fields: vec![
            (
                select.clone(),
                Some(CustomFieldValue::Select("abc=123".into())),
            ),
            (
                field(1, "Invoice", CustomFieldType::Integer),
                Some(CustomFieldValue::Integer(1234)),
            ),
        ],
        ..FilenameContext::new(doc(2, "Some Title"))
    };
    let invoices = format(
        "
         {% if \"Invoice\" in custom_fields %}
           invoices/{{ custom_fields | get_cf_value('Invoice') }}
         {% else %}
           not-invoices/{{ title }}
         {% endif %}
         ",
    );
    assert_eq!(name(&ctx, &invoices), "invoices/1234.pdf");
    let selected = format(
        "
         {% if \"Select Field\" in custom_fields %}
           {{ title }}_{{ custom_fields | get_cf_value('Select Field', 'Default Value') }}
         {% else %}
           {{ title }}
         {% endif %}
         ",
    );
    assert_eq!(name(&ctx, &selected), "Some Title_ChoiceOne.pdf");
    ctx.custom_fields[0].1 = None;
    assert_eq!(name(&ctx, &selected), "Some Title_Default Value.pdf");
    ctx.custom_fields[1] = (
        field(1, "Invoice Number", CustomFieldType::Integer),
        Some(CustomFieldValue::Integer(4567)),
    );
    assert_eq!(
        name(
            &ctx,
            &format("invoices/{{ custom_fields | get_cf_value('Invoice Number') }}")
        ),
        "invoices/4567.pdf"
    );
    assert_eq!(
        name(
            &ctx,
            &format("invoices/{{ custom_fields | get_cf_value('Ince Number', 0) }}")
        ),
        "invoices/0.pdf"
    );
    // Missing without a default: Python's None.
    assert_eq!(
        name(&ctx, &format("{{ custom_fields | get_cf_value('Nope') }}")),
        "None.pdf"
    );
    assert_eq!(
        name(
            &ctx,
            &format(
                "{{ custom_fields['Invoice Number'].type }}-{{ custom_fields['Invoice Number'].value }}"
            )
        ),
        "integer-4567.pdf"
    );
    // An option id the field no longer has counts as unset.
    ctx.custom_fields[0].1 = Some(CustomFieldValue::Select("gone".into()));
    assert_eq!(name(&ctx, &selected), "Some Title_Default Value.pdf");
}

#[test]
fn custom_field_value_types() {
    let ctx = FilenameContext {
        custom_fields: vec![
            (
                field(1, "s", CustomFieldType::String),
                Some(CustomFieldValue::String("a/b:c".into())),
            ),
            (
                field(2, "u", CustomFieldType::Url),
                Some(CustomFieldValue::Url("https://x".into())),
            ),
            (
                field(3, "m", CustomFieldType::Monetary),
                Some(CustomFieldValue::Monetary("EUR1.50".into())),
            ),
            (
                field(4, "b", CustomFieldType::Boolean),
                Some(CustomFieldValue::Boolean(true)),
            ),
            (
                field(5, "f", CustomFieldType::Float),
                Some(CustomFieldValue::Float(2.5)),
            ),
            (
                field(6, "d", CustomFieldType::Date),
                Some(CustomFieldValue::Date(date!(2024 - 10 - 01))),
            ),
            (
                field(7, "l", CustomFieldType::DocumentLink),
                Some(CustomFieldValue::DocumentLink(vec![1, 2])),
            ),
            (field(8, "n", CustomFieldType::String), None),
        ],
        ..FilenameContext::new(doc(2, "T"))
    };
    let f = "{% for k in custom_fields %}{{ k }}={{ custom_fields[k].value }};{% endfor %}";
    assert_eq!(
        name(&ctx, &format(f)),
        "s=a-b-c;u=https---x;m=EUR1.50;b=True;f=2.5;d=2024-10-01;l=[1, 2];n=None;.pdf"
    );
}

#[test]
fn datetime_filter() {
    let ctx = FilenameContext {
        custom_fields: vec![(
            field(1, "Invoice Date", CustomFieldType::Date),
            Some(CustomFieldValue::Date(date!(2024 - 10 - 01))),
        )],
        ..FilenameContext::new(doc(2, "Some Title"))
    };
    assert_eq!(
        name(&ctx, &format("{{ created | datetime('%Y') }}/{{ title }}")),
        "2020/Some Title.pdf"
    );
    assert_eq!(
        name(
            &ctx,
            &format("{{ created | datetime('%Y-%m-%d') }}/{{ title }}")
        ),
        "2020-06-25/Some Title.pdf"
    );
    assert_eq!(
        name(
            &ctx,
            &format(
                "{{ custom_fields | get_cf_value('Invoice Date') | datetime('%Y-%m-%d') }}/{{ title }}"
            )
        ),
        "2024-10-01/Some Title.pdf"
    );
    assert_eq!(
        name(&ctx, &format("{{ document.added | datetime('%H-%M %z') }}")),
        "07-36 +0000.pdf"
    );
    // Strings that are not dates make the template fail.
    assert_eq!(
        name(&ctx, &format("{{ title | datetime('%Y') }}")),
        "0000002.pdf"
    );
}

#[test]
fn strftime_matches_glibc() {
    let v = dates::DateValue::utc(datetime!(2024-01-07 15:04:05.000123 UTC));
    assert_eq!(
        dates::strftime(
            "%a %A %b %B %c|%C %d %D %e %f %F %G %g %H %I %j %k %l %m %M %p %r %R %S %T %u %U %V \
             %w %W %x %X %y %Y %z %Z %% %-d %_m %^b %Q",
            &v
        ),
        "Sun Sunday Jan January Sun Jan  7 15:04:05 2024|20 07 01/07/24  7 000123 2024-01-07 \
         2024 24 15 03 007 15  3 01 04 PM 03:04:05 PM 15:04 05 15:04:05 7 01 01 0 01 01/07/24 \
         15:04:05 24 2024 +0000 UTC % 7  1 JAN %Q"
    );
    let d = dates::DateValue::date(date!(2024 - 01 - 07));
    assert_eq!(dates::strftime("%H %z %Z|%U %W", &d), "00  |01 01");
}

#[test]
fn slugify_filter() {
    let mut ctx = FilenameContext::new(doc(2, "Some Title! With @ Special # Characters"));
    assert_eq!(
        name(&ctx, &format("{{ title | slugify }}")),
        "some-title-with-special-characters.pdf"
    );
    ctx.correspondent = Some(correspondent("John's @ Office / Workplace"));
    assert_eq!(
        name(
            &ctx,
            &format("{{ correspondent | slugify }}/{{ title | slugify }}")
        ),
        "johns-office-workplace/some-title-with-special-characters.pdf"
    );
    ctx.custom_fields = vec![(
        field(1, "Location", CustomFieldType::String),
        Some(CustomFieldValue::String("Brussels @ Belgium!".into())),
    )];
    assert_eq!(
        name(
            &ctx,
            &format(
                "{{ custom_fields | get_cf_value('Location') | slugify }}/{{ title | slugify }}"
            )
        ),
        "brussels-belgium/some-title-with-special-characters.pdf"
    );
    for (input, slug) in [
        ("Ünïcödé  --  __x__", "unicode-__x"),
        ("-none-", "none"),
        ("  a\u{1c}b ", "a-b"),
    ] {
        assert_eq!(sanitize::slugify(input), slug);
    }
}

#[test]
fn localize_date_filter() {
    let mut d = doc(1, "My Document");
    d.created = date!(2023 - 10 - 26);
    let ctx = FilenameContext::new(d);
    for (template, expected) in [
        (
            "{{title}}_{{ document.created | localize_date('MMMM', 'es_ES')}}",
            "My Document_octubre.pdf",
        ),
        (
            "{{title}}_{{ document.created | localize_date('EEEE', 'fr_FR')}}",
            "My Document_jeudi.pdf",
        ),
        (
            "{{title}}_{{ document.created | localize_date('dd/MM/yyyy', 'en_GB')}}",
            "My Document_26/10/2023.pdf",
        ),
        ("{{ created | localize_date('MMMM', 'de') }}", "Oktober.pdf"),
        (
            "{{ document.created | localize_date('short', 'nl_NL') }}",
            "0000001.pdf",
        ),
        (
            "{{ document.created | localize_date('h', 'en') }}",
            "0000001.pdf",
        ),
    ] {
        assert_eq!(name(&ctx, &format(template)), expected, "{template}");
    }
}

#[test]
fn localize_date_presets_match_babel() {
    let render = |v: dates::DateValue, f: &str, l: &str| {
        dates::localize_date_filter(v.into_value(), f.into(), l.into()).unwrap()
    };
    let d = dates::DateValue::date(date!(2023 - 10 - 26));
    let dt = dates::DateValue::utc(datetime!(2024-10-01 07:36:51.000153 UTC));
    let presets = ["short", "medium", "long", "full"];
    let cases: [(&str, [&str; 4], [&str; 4]); 5] = [
        (
            "en_US",
            [
                "10/26/23",
                "Oct 26, 2023",
                "October 26, 2023",
                "Thursday, October 26, 2023",
            ],
            [
                "10/1/24, 7:36\u{202f}AM",
                "Oct 1, 2024, 7:36:51\u{202f}AM",
                "October 1, 2024, 7:36:51\u{202f}AM UTC",
                "Tuesday, October 1, 2024, 7:36:51\u{202f}AM Coordinated Universal Time",
            ],
        ),
        (
            "en_GB",
            [
                "26/10/2023",
                "26 Oct 2023",
                "26 October 2023",
                "Thursday, 26 October 2023",
            ],
            [
                "01/10/2024, 07:36",
                "1 Oct 2024, 07:36:51",
                "1 October 2024, 07:36:51 UTC",
                "Tuesday, 1 October 2024, 07:36:51 Coordinated Universal Time",
            ],
        ),
        (
            "de_DE",
            [
                "26.10.23",
                "26.10.2023",
                "26. Oktober 2023",
                "Donnerstag, 26. Oktober 2023",
            ],
            [
                "01.10.24, 07:36",
                "01.10.2024, 07:36:51",
                "1. Oktober 2024, 07:36:51 UTC",
                "Dienstag, 1. Oktober 2024, 07:36:51 Koordinierte Weltzeit",
            ],
        ),
        (
            "fr_FR",
            [
                "26/10/2023",
                "26 oct. 2023",
                "26 octobre 2023",
                "jeudi 26 octobre 2023",
            ],
            [
                "01/10/2024 07:36",
                "1 oct. 2024, 07:36:51",
                "1 octobre 2024, 07:36:51 TU",
                "mardi 1 octobre 2024, 07:36:51 temps universel coordonné",
            ],
        ),
        (
            "es_ES",
            [
                "26/10/23",
                "26 oct 2023",
                "26 de octubre de 2023",
                "jueves, 26 de octubre de 2023",
            ],
            [
                "1/10/24, 7:36",
                "1 oct 2024, 7:36:51",
                "1 de octubre de 2024, 7:36:51 UTC",
                "martes, 1 de octubre de 2024, 7:36:51 (tiempo universal coordinado)",
            ],
        ),
    ];
    for (locale, dates_expected, datetimes_expected) in cases {
        for i in 0..4 {
            assert_eq!(
                render(d, presets[i], locale),
                dates_expected[i],
                "{locale} {}",
                presets[i]
            );
            assert_eq!(
                render(dt, presets[i], locale),
                datetimes_expected[i],
                "{locale} {}",
                presets[i]
            );
        }
    }
    assert_eq!(render(d, "short", "en"), "10/26/23");
    assert_eq!(render(d, "medium", "de"), "26.10.2023");
    assert_eq!(
        render(d, "EEEE, dd 'de' MMMM ''yy LLL D", "es_ES"),
        "jueves, 26 de octubre '23 oct 299"
    );
    assert_eq!(
        render(dt, "yyyy-MM-dd HH:mm:ss.SSS z a", "es_ES"),
        "2024-10-01 07:36:51.000 UTC a.\u{202f}m."
    );
    // Strings are parsed as (naive) datetimes, as Django's parse_datetime does.
    let s =
        |v: &str, f: &str| dates::localize_date_filter(Value::from(v), f.into(), "en_US".into());
    assert_eq!(
        s("2024-10-01", "short").unwrap(),
        "10/1/24, 12:00\u{202f}AM"
    );
    assert_eq!(s("2024-10-01 00:00", "h a K k").unwrap(), "12 AM 0 24");
    assert!(s("not a date", "short").is_err());
}

#[test]
fn nfc_normalisation() {
    let decomposed = "Cafe\u{301}";
    let composed = "Café";
    let mut d = doc(1, decomposed);
    d.original_filename = Some(format!("{decomposed}.pdf"));
    let ctx = FilenameContext {
        correspondent: Some(correspondent(decomposed)),
        tags: vec![tag(1, decomposed)],
        custom_fields: vec![(
            field(1, decomposed, CustomFieldType::String),
            Some(CustomFieldValue::String(decomposed.into())),
        )],
        ..FilenameContext::new(d)
    };
    for (template, expected) in [
        ("{title}", composed.to_owned()),
        ("{correspondent}", composed.to_owned()),
        ("{tag_list}", composed.to_owned()),
        (
            "{% for t in tag_name_list %}{{ t }}{% endfor %}",
            composed.to_owned(),
        ),
        ("{original_name}", composed.to_owned()),
        (
            "{% for k in custom_fields %}{{ k }}{% endfor %}",
            composed.to_owned(),
        ),
        (
            "{{ custom_fields | get_cf_value('Café') }}",
            composed.to_owned(),
        ),
        (
            "literal-Cafe\u{301}/{title}",
            format!("literal-{composed}/{composed}"),
        ),
    ] {
        assert_eq!(
            name(&ctx, &format(template)),
            format!("{expected}.pdf"),
            "{template}"
        );
    }
    let ctx = FilenameContext {
        storage_path: Some(storage_path("Cafe\u{301}/{{ title }}")),
        ..ctx
    };
    assert_eq!(
        name(&ctx, &NamingOptions::default()),
        format!("{composed}/{composed}.pdf")
    );
}

#[test]
fn overlong_names_fall_back() {
    let ctx = with_storage_path(doc(1, "t"), &"a".repeat(1100));
    let generated = generate_filename(&ctx, &NamingOptions::default(), 0, false);
    assert_eq!(generated.path, "0000001.pdf");
    assert!(
        generated
            .warning
            .unwrap()
            .starts_with("Generated filename exceeds db path limit")
    );
    let ok = with_storage_path(
        doc(1, "t"),
        &format!("{}/{}", "a".repeat(200), "b".repeat(200)),
    );
    assert_eq!(name(&ok, &NamingOptions::default()).len(), 405);
}

#[test]
fn old_style_placeholders_are_converted() {
    assert_eq!(convert_old_style("{title}"), "{{ title }}");
    assert_eq!(
        convert_old_style("{{ title }}/{correspondent}"),
        "{{ title }}/{{ correspondent }}"
    );
    assert_eq!(convert_old_style("{{title}}"), "{{title}}");
    assert_eq!(
        convert_old_style("{a}{b} {title] {x y}"),
        "{{ a }}{{ b }} {title] {x y}"
    );
    assert_eq!(
        convert_old_style("{% if x %}{ü}{% endif %}"),
        "{% if x %}{{ ü }}{% endif %}"
    );
}

#[test]
fn sanitize_filename_matches_pathvalidate() {
    let long_ascii = "x".repeat(300);
    let long_accented = "é".repeat(200);
    for (input, expected) in [
        (
            "my\\invalid/../title:yay",
            "my-invalid-..-title-yay".to_owned(),
        ),
        ("This. is the title.", "This. is the title".to_owned()),
        ("con.txt", "con_.txt".to_owned()),
        ("CON", "CON_".to_owned()),
        ("nul.nul", "nul_.nul_".to_owned()),
        ("com\u{b9}", "com\u{b9}_".to_owned()),
        ("COM1 ", "COM1".to_owned()),
        (" lead", "lead".to_owned()),
        ("trail  ", "trail".to_owned()),
        ("...", String::new()),
        ("..", "..".to_owned()),
        (".", ".".to_owned()),
        (" . ", ".".to_owned()),
        ("a\u{0}b\u{7f}c", "a-b-c".to_owned()),
        ("   ", String::new()),
        ("", String::new()),
        (".hidden", ".hidden".to_owned()),
        ("a<b>c|d?e*f\"g", "a-b-c-d-e-f-g".to_owned()),
        ("tab\there", "tab-here".to_owned()),
        (&long_ascii, "x".repeat(255)),
        (&long_accented, "é".repeat(127)),
    ] {
        assert_eq!(sanitize_filename(input), expected, "{input:?}");
    }
}

#[test]
fn public_filenames() {
    let mut d = doc(1, "test");
    d.created = date!(2020 - 12 - 25);
    assert_eq!(
        public_filename(&d, None, false, 0, None),
        "2020-12-25 test.pdf"
    );
    assert_eq!(
        public_filename(&d, None, false, 1, None),
        "2020-12-25 test_01.pdf"
    );
    assert_eq!(
        public_filename(&d, Some("ACME"), true, 0, Some("-x")),
        "2020-12-25 ACME test-x.pdf"
    );
    d.title = "a/b:c".into();
    d.mime_type = "image/png".into();
    assert_eq!(
        public_filename(&d, None, false, 100, None),
        "2020-12-25 a-b-c_100.png"
    );
    assert_eq!(
        public_filename(&d, None, true, 0, None),
        "2020-12-25 a-b-c.pdf"
    );
}

#[test]
fn unique_names_against_the_file_system() {
    let root = tempfile::tempdir().unwrap();
    let opts = format("{title}");
    let mut first = FilenameContext::new(doc(1, "qwe"));
    let mut second = FilenameContext::new(doc(2, "qwe"));

    let a = generate_unique_filename(&first, &opts, root.path(), false);
    assert_eq!(a.path, "qwe.pdf");
    fs::write(root.path().join(&a.path), b"1").unwrap();
    first.document.filename = Some(a.path.clone());
    // The current name is kept even though the file exists.
    assert_eq!(
        generate_unique_filename(&first, &opts, root.path(), false).path,
        "qwe.pdf"
    );

    let b = generate_unique_filename(&second, &opts, root.path(), false);
    assert_eq!(b.path, "qwe_01.pdf");
    fs::write(root.path().join(&b.path), b"2").unwrap();
    second.document.filename = Some(b.path.clone());
    assert_eq!(
        generate_unique_filename(&second, &opts, root.path(), false).path,
        "qwe_01.pdf"
    );

    // Once the first file is gone, the second document gets the plain name back.
    fs::remove_file(root.path().join("qwe.pdf")).unwrap();
    assert_eq!(
        generate_unique_filename(&second, &opts, root.path(), false).path,
        "qwe.pdf"
    );

    // Default names get suffixes too.
    fs::write(root.path().join("0000003.pdf"), b"3").unwrap();
    let third = FilenameContext::new(doc(3, "x"));
    assert_eq!(
        generate_unique_filename(&third, &NamingOptions::default(), root.path(), false).path,
        "0000003_01.pdf"
    );
}

#[test]
fn archive_names_follow_the_original_stem() {
    let archive = tempfile::tempdir().unwrap();
    let opts = format("{title}");
    let consume = |id: i64, title: &str, original: &str, mime: &str| {
        let mut d = doc(id, title);
        d.mime_type = mime.into();
        d.filename = Some(original.into());
        let ctx = FilenameContext::new(d);
        let name = generate_unique_filename(&ctx, &opts, archive.path(), true).path;
        fs::write(archive.path().join(&name), b"").unwrap();
        name
    };
    assert_eq!(
        consume(1, "simple", "simple.png", "image/png"),
        "simple.pdf"
    );
    assert_eq!(
        consume(2, "simple", "simple.pdf", "application/pdf"),
        "simple_01.pdf"
    );
    assert_eq!(
        consume(3, "simple.png", "simple.png.pdf", "application/pdf"),
        "simple.png.pdf"
    );

    // The directory of the generated archive name is kept.
    let mut d = doc(4, "t");
    d.filename = Some("x/orig.png".into());
    d.mime_type = "image/png".into();
    let ctx = FilenameContext::new(d);
    assert_eq!(
        generate_unique_filename(&ctx, &format("dir/{title}"), archive.path(), true).path,
        "dir/orig.pdf"
    );
    // The current archive name is kept even when it exists.
    let mut ctx = ctx;
    fs::create_dir(archive.path().join("dir")).unwrap();
    fs::write(archive.path().join("dir/orig.pdf"), b"").unwrap();
    ctx.document.archive_filename = Some("dir/orig.pdf".into());
    assert_eq!(
        generate_unique_filename(&ctx, &format("dir/{title}"), archive.path(), true).path,
        "dir/orig.pdf"
    );
    // Without an original the usual counter rule applies.
    let no_original = FilenameContext::new(doc(5, "simple"));
    assert_eq!(
        generate_unique_filename(&no_original, &opts, archive.path(), true).path,
        "simple_02.pdf"
    );
}

#[test]
fn empty_directories_are_removed_up_to_the_root() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    fs::create_dir_all(root.join("a/b/c")).unwrap();
    fs::write(root.join("a/keep.txt"), b"").unwrap();
    delete_empty_directories(&root.join("a/b/c"), root);
    assert!(!root.join("a/b").exists());
    assert!(root.join("a/keep.txt").exists());

    fs::remove_file(root.join("a/keep.txt")).unwrap();
    delete_empty_directories(&root.join("a"), root);
    assert!(!root.join("a").exists());
    assert!(root.exists(), "the root is never removed");

    // Outside the root nothing happens.
    let other = tempfile::tempdir().unwrap();
    fs::create_dir(other.path().join("empty")).unwrap();
    delete_empty_directories(&other.path().join("empty"), root);
    assert!(other.path().join("empty").exists());
    // A missing directory is ignored.
    delete_empty_directories(&root.join("missing"), root);
}

#[test]
fn template_validation() {
    assert_eq!(
        validate_template("{{ correspondent }}/{{ created_year }}/{{ title }}"),
        Ok(())
    );
    assert_eq!(
        validate_template(
            "{{ custom_fields | get_cf_value('Text Custom Field') }}/{{ document.storage_path.path }}x"
        ),
        Ok(())
    );
    let err = validate_template("a\n{% if title %}").unwrap_err();
    assert!(err.contains("syntax error") && err.contains(":2"), "{err}");
    let err = validate_template("{{ nope }}").unwrap_err();
    assert!(err.contains("nope"), "{err}");
    assert!(
        validate_template("../{{ title }}")
            .unwrap_err()
            .contains("unsafe path")
    );
}
