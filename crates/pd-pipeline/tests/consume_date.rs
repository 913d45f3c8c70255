//! The consumer dates documents by their content, falling back to the file's date.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pd_core::{Config, DateOrder};
use pd_pipeline::consume::consume_file;
use pd_store::Store;
use time::macros::date;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Sets a file's modification time to 2020-06-15 12:00 UTC (the same date in every zone
/// within ±11 hours).
fn touch_2020_06_15(path: &Path) {
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_592_222_400);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[tokio::test]
async fn the_created_date_comes_from_the_content() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::init(&Config::for_data_dir(dir.path().join("data")))
        .await
        .unwrap();
    let dated = write(
        dir.path(),
        "letter.txt",
        "Invoice 4711\nDate: 14.03.2023\nDue: 31.02.2023\n",
    );
    touch_2020_06_15(&dated);
    let done = consume_file(&store, None, &dated).await.unwrap();
    assert_eq!(done.document.created, date!(2023 - 03 - 14));
    let mut conn = store.db().conn().await.unwrap();
    let reread = conn.document(done.document.id).await.unwrap();
    assert_eq!(reread.created, date!(2023 - 03 - 14));

    // No date in the text, or only future ones: the file's modification date.
    let undated = write(dir.path(), "note.txt", "Buy milk, valid until 01.01.2999\n");
    touch_2020_06_15(&undated);
    let done = consume_file(&store, None, &undated).await.unwrap();
    assert_eq!(done.document.created, date!(2020 - 06 - 15));
}

#[tokio::test]
async fn the_configured_order_and_ignore_dates_apply() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(dir.path().join("data"));
    config.date_order = DateOrder::Mdy;
    config.ignore_dates = vec![date!(2023 - 01 - 02)];
    let store = Store::init(&config).await.unwrap();
    let path = write(
        dir.path(),
        "memo.txt",
        "Printed 01/02/2023, signed 03/04/2023\n",
    );
    let done = consume_file(&store, None, &path).await.unwrap();
    assert_eq!(done.document.created, date!(2023 - 03 - 04));
}

#[test]
fn every_sample_document_is_dated_as_its_file_name_says() {
    let engine = pd_pipeline::PdfEngine::new(None).unwrap_or_else(|err| panic!("{err}"));
    let dir = tempfile::tempdir().unwrap();
    let parser = pd_pipeline::date::DateParser::new(DateOrder::Dmy);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    for (name, bytes) in pd_pipeline::sample::sample_documents() {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let parsed = pd_pipeline::parse_document(&path, Some(&engine)).unwrap();
        let expected = time::Date::parse(&name[..10], format).unwrap();
        assert_eq!(parser.parse("", &parsed.content), Some(expected), "{name}");
    }
}
