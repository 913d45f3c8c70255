//! Legacy paperless installations built for the tests: a database with Django's tables
//! in the layout of paperless-ng 1.x or paperless-ngx 3.x (SQLite file or a throwaway
//! PostgreSQL database), a media folder, and documents GnuPG-encrypted by the real
//! `gpg --symmetric`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use pd_export::legacy::checksum::hash_bytes;
use sqlx::{AnyConnection, Connection};

/// The passphrase the legacy installations used.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// The PostgreSQL server the tests may use.
const POSTGRES: &str = "postgres://root@127.0.0.1:5432/test";

/// A GnuPG home of its own, so the tests touch no keyring and no agent of the user.
pub struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    pub fn new() -> Gpg {
        Gpg {
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// `gpg --symmetric` of `plain` with `cipher`, ASCII-armored or binary. `fast` lowers
    /// the key derivation's iteration count (tests decrypt many files); otherwise GnuPG's
    /// default applies, as in a real installation.
    pub fn encrypt(&self, plain: &[u8], cipher: &str, armor: bool, fast: bool) -> Vec<u8> {
        let input = self.home.path().join("plain");
        let output = self.home.path().join("cipher");
        std::fs::write(&input, plain).unwrap();
        let mut cmd = Command::new("gpg");
        cmd.env("GNUPGHOME", self.home.path())
            .args(["--batch", "--yes", "--quiet", "--no-symkey-cache"])
            .args(["--pinentry-mode", "loopback", "--passphrase", PASSPHRASE])
            .args(["--symmetric", "--cipher-algo", cipher]);
        if armor {
            cmd.arg("--armor");
        }
        if fast {
            cmd.args(["--s2k-count", "65536"]);
        }
        let out = cmd.arg("-o").arg(&output).arg(&input).output().unwrap();
        assert!(
            out.status.success(),
            "gpg failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&output).unwrap()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .output();
    }
}

/// How a legacy document is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Plain,
    /// `gpg --symmetric --cipher-algo <cipher>`, armored or not.
    Gpg {
        cipher: &'static str,
        armor: bool,
    },
}

/// One document of a legacy installation.
#[derive(Debug, Clone)]
pub struct LegacyDoc {
    pub id: i64,
    pub title: &'static str,
    pub mime: &'static str,
    /// The stored `filename` without `.gpg` (`None`: paperless's id-based default).
    pub filename: Option<&'static str>,
    pub stored: Stored,
    pub plain: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub tags: Vec<i64>,
    pub correspondent: Option<i64>,
    /// An archive PDF (unencrypted, as paperless kept them).
    pub archive: Option<Vec<u8>>,
}

impl LegacyDoc {
    pub fn new(id: i64, title: &'static str, mime: &'static str, stored: Stored) -> LegacyDoc {
        LegacyDoc {
            id,
            title,
            mime,
            filename: None,
            stored,
            plain: format!("%PDF-1.4 legacy document {id}: {title}\n").into_bytes(),
            thumbnail: format!("RIFF thumbnail of {id}").into_bytes(),
            tags: Vec::new(),
            correspondent: None,
            archive: None,
        }
    }

    pub fn is_gpg(&self) -> bool {
        self.stored != Stored::Plain
    }

    fn ext(&self) -> &'static str {
        pd_core::mime_extension(self.mime)
    }

    /// The original's path below `documents/originals`, as stored.
    pub fn stored_name(&self) -> String {
        let base = match self.filename {
            Some(f) => f.to_owned(),
            None => format!("{:07}{}", self.id, self.ext()),
        };
        if self.is_gpg() {
            format!("{base}.gpg")
        } else {
            base
        }
    }

    /// The plain original's path below `documents/originals` after `pd decrypt`.
    pub fn plain_name(&self) -> String {
        match self.filename {
            Some(f) => f.to_owned(),
            None => format!("{:07}{}", self.id, self.ext()),
        }
    }
}

/// The layouts of the legacy databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// paperless-ng 1.x: `colour` numbers, `storage_type`, MD5 checksums, archives named
    /// by id, `created` a time stamp, no owners, storage paths, notes or custom fields.
    Ng1,
    /// paperless-ngx 3.x: SHA-256, no `storage_type`, owners, storage paths, nested tags,
    /// notes, custom fields, the trash, `created` a date.
    Ngx3,
}

/// Where the database lives.
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A legacy installation: media folder and database.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub media: PathBuf,
    /// `--database`: the SQLite file's path, or a PostgreSQL URL.
    pub database: String,
    pub docs: Vec<LegacyDoc>,
    postgres: Option<String>,
}

impl Instance {
    /// Builds the media folder and the database; GnuPG documents are encrypted with
    /// `gpg`, the first with its default (slow) key derivation, the rest fast.
    pub fn build(layout: Layout, backend: Backend, docs: Vec<LegacyDoc>) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        for sub in ["originals", "archive", "thumbnails"] {
            std::fs::create_dir_all(media.join("documents").join(sub)).unwrap();
        }
        let gpg = Gpg::new();
        let mut first = true;
        for d in &docs {
            let original = media.join("documents/originals").join(d.stored_name());
            std::fs::create_dir_all(original.parent().unwrap()).unwrap();
            let thumb_name = format!("{:07}.webp{}", d.id, if d.is_gpg() { ".gpg" } else { "" });
            let thumbnail = media.join("documents/thumbnails").join(thumb_name);
            match d.stored {
                Stored::Plain => {
                    std::fs::write(&original, &d.plain).unwrap();
                    std::fs::write(&thumbnail, &d.thumbnail).unwrap();
                }
                Stored::Gpg { cipher, armor } => {
                    let fast = !first;
                    first = false;
                    std::fs::write(&original, gpg.encrypt(&d.plain, cipher, armor, fast)).unwrap();
                    std::fs::write(&thumbnail, gpg.encrypt(&d.thumbnail, cipher, armor, true))
                        .unwrap();
                }
            }
            if let Some(archive) = &d.archive {
                let name = match layout {
                    Layout::Ng1 => format!("{:07}.pdf", d.id),
                    Layout::Ngx3 => archive_name(d),
                };
                let path = media.join("documents/archive").join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, archive).unwrap();
            }
        }
        let script = match layout {
            Layout::Ng1 => ng1_sql(&docs, &backend),
            Layout::Ngx3 => ngx3_sql(&docs, &backend),
        };
        let (database, postgres) = match backend {
            Backend::Sqlite => {
                let path = dir.path().join("data").join("db.sqlite3");
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                run_script(&format!("sqlite://{}?mode=rwc", path.display()), &script);
                (path.display().to_string(), None)
            }
            Backend::Postgres => {
                let name = format!(
                    "pd_legacy_{}_{}",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .subsec_nanos()
                );
                run_script(POSTGRES, &format!("CREATE DATABASE {name}"));
                let url = format!("postgres://root@127.0.0.1:5432/{name}");
                run_script(&url, &script);
                (url, Some(name))
            }
        };
        Instance {
            dir,
            media,
            database,
            docs,
            postgres,
        }
    }

    /// Every file of the installation (database included, for SQLite) with its SHA-256,
    /// to show that an import changed nothing.
    pub fn snapshot(&self) -> BTreeMap<PathBuf, String> {
        let mut files = BTreeMap::new();
        snapshot(self.dir.path(), &mut files);
        files
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres {
            run_script(
                POSTGRES,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            );
        }
    }
}

fn snapshot(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            snapshot(&path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            out.insert(path, hash_bytes(&bytes).sha256);
        }
    }
}

fn run_script(url: &str, script: &str) {
    sqlx::any::install_default_drivers();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = AnyConnection::connect(url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(script.to_owned()))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn ts(backend: &Backend, s: &str) -> String {
    match backend {
        // Django keeps naive UTC time stamps in SQLite.
        Backend::Sqlite => q(s),
        Backend::Postgres => q(&format!("{s}+00")),
    }
}

fn opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "NULL".into())
}

fn archive_name(d: &LegacyDoc) -> String {
    format!("{}.pdf", d.plain_name().trim_end_matches(d.ext()))
}

fn content(d: &LegacyDoc) -> String {
    format!("The text of {}", d.title)
}

fn ng1_sql(docs: &[LegacyDoc], b: &Backend) -> String {
    let mut sql = String::from(
        "CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128) NOT NULL, \
         last_login timestamp with time zone NULL, is_superuser boolean NOT NULL, \
         username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, \
         last_name varchar(150) NOT NULL, email varchar(254) NOT NULL, is_staff boolean NOT NULL, \
         is_active boolean NOT NULL, date_joined timestamp with time zone NOT NULL);
         CREATE TABLE documents_correspondent (id integer PRIMARY KEY, \
         name varchar(128) NOT NULL UNIQUE, match varchar(256) NOT NULL, \
         matching_algorithm integer NOT NULL, is_insensitive boolean NOT NULL);
         CREATE TABLE documents_documenttype (id integer PRIMARY KEY, \
         name varchar(128) NOT NULL UNIQUE, match varchar(256) NOT NULL, \
         matching_algorithm integer NOT NULL, is_insensitive boolean NOT NULL);
         CREATE TABLE documents_tag (id integer PRIMARY KEY, name varchar(128) NOT NULL UNIQUE, \
         colour integer NOT NULL, match varchar(256) NOT NULL, matching_algorithm integer NOT NULL, \
         is_insensitive boolean NOT NULL, is_inbox_tag boolean NOT NULL);
         CREATE TABLE documents_document (id integer PRIMARY KEY, title varchar(128) NOT NULL, \
         content text NOT NULL, created timestamp with time zone NOT NULL, \
         modified timestamp with time zone NOT NULL, \
         correspondent_id integer NULL REFERENCES documents_correspondent (id), \
         checksum varchar(32) NOT NULL UNIQUE, added timestamp with time zone NOT NULL, \
         storage_type varchar(11) NOT NULL, filename varchar(1024) NULL UNIQUE, \
         archive_serial_number integer NULL UNIQUE, \
         document_type_id integer NULL REFERENCES documents_documenttype (id), \
         mime_type varchar(256) NOT NULL, archive_checksum varchar(32) NULL);
         CREATE TABLE documents_document_tags (id integer PRIMARY KEY, \
         document_id integer NOT NULL REFERENCES documents_document (id), \
         tag_id integer NOT NULL REFERENCES documents_tag (id));
         CREATE TABLE documents_log (id integer PRIMARY KEY, message text NOT NULL);\n",
    );
    sql.push_str(&format!(
        "INSERT INTO auth_user VALUES (1, 'pbkdf2_sha256$x', NULL, TRUE, 'admin', '', '', \
         'admin@example.org', TRUE, TRUE, {});\n",
        ts(b, "2020-01-01 10:00:00")
    ));
    sql.push_str(
        "INSERT INTO documents_correspondent VALUES (1, 'ACME', 'acme', 1, TRUE);
         INSERT INTO documents_documenttype VALUES (1, 'Invoice', 'invoice', 3, FALSE);
         INSERT INTO documents_tag VALUES (1, 'inbox', 1, '', 0, TRUE, TRUE);
         INSERT INTO documents_tag VALUES (2, 'bills', 6, 'bill', 2, TRUE, FALSE);\n",
    );
    let mut link = 0;
    for d in docs {
        let sums = hash_bytes(&d.plain);
        let archive = d.archive.as_ref().map(|a| q(&hash_bytes(a).md5));
        let storage = if d.is_gpg() { "gpg" } else { "unencrypted" };
        let filename = d.filename.map(|_| q(&d.stored_name()));
        sql.push_str(&format!(
            "INSERT INTO documents_document VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, \
             NULL, {}, {}, {});\n",
            d.id,
            q(d.title),
            q(&content(d)),
            ts(b, "2019-05-06 22:30:00"),
            ts(b, "2020-02-03 04:05:06.789"),
            opt(d.correspondent.map(|c| c.to_string())),
            q(&sums.md5),
            ts(b, "2020-02-03 04:05:06"),
            q(storage),
            opt(filename),
            if d.correspondent.is_some() {
                "1"
            } else {
                "NULL"
            },
            q(d.mime),
            opt(archive),
        ));
        for t in &d.tags {
            link += 1;
            sql.push_str(&format!(
                "INSERT INTO documents_document_tags VALUES ({link}, {}, {t});\n",
                d.id
            ));
        }
    }
    sql
}

fn ngx3_sql(docs: &[LegacyDoc], b: &Backend) -> String {
    let mut sql = String::from(
        "CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128) NOT NULL, \
         last_login timestamp with time zone NULL, is_superuser boolean NOT NULL, \
         username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL, \
         last_name varchar(150) NOT NULL, email varchar(254) NOT NULL, is_staff boolean NOT NULL, \
         is_active boolean NOT NULL, date_joined timestamp with time zone NOT NULL);
         CREATE TABLE documents_correspondent (id integer PRIMARY KEY, name varchar(128) NOT NULL, \
         match varchar(256) NOT NULL, matching_algorithm integer NOT NULL, \
         is_insensitive boolean NOT NULL, owner_id integer NULL REFERENCES auth_user (id));
         CREATE TABLE documents_documenttype (id integer PRIMARY KEY, name varchar(128) NOT NULL, \
         match varchar(256) NOT NULL, matching_algorithm integer NOT NULL, \
         is_insensitive boolean NOT NULL, owner_id integer NULL REFERENCES auth_user (id));
         CREATE TABLE documents_storagepath (id integer PRIMARY KEY, name varchar(128) NOT NULL, \
         path text NOT NULL, match varchar(256) NOT NULL, matching_algorithm integer NOT NULL, \
         is_insensitive boolean NOT NULL, owner_id integer NULL REFERENCES auth_user (id));
         CREATE TABLE documents_tag (id integer PRIMARY KEY, name varchar(128) NOT NULL, \
         color varchar(7) NOT NULL, match varchar(256) NOT NULL, \
         matching_algorithm integer NOT NULL, is_insensitive boolean NOT NULL, \
         is_inbox_tag boolean NOT NULL, owner_id integer NULL REFERENCES auth_user (id), \
         tn_parent_id integer NULL REFERENCES documents_tag (id), tn_ancestors_pks text NOT NULL, \
         tn_ancestors_count integer NOT NULL, tn_children_pks text NOT NULL, \
         tn_children_count integer NOT NULL, tn_depth integer NOT NULL, \
         tn_descendants_pks text NOT NULL, tn_descendants_count integer NOT NULL, \
         tn_index integer NOT NULL, tn_level integer NOT NULL, tn_order integer NOT NULL, \
         tn_priority integer NOT NULL, tn_siblings_pks text NOT NULL, \
         tn_siblings_count integer NOT NULL);
         CREATE TABLE documents_document (id integer PRIMARY KEY, title varchar(128) NOT NULL, \
         content text NOT NULL, created date NOT NULL, modified timestamp with time zone NOT NULL, \
         correspondent_id integer NULL REFERENCES documents_correspondent (id), \
         checksum varchar(64) NOT NULL, added timestamp with time zone NOT NULL, \
         filename varchar(1024) NULL UNIQUE, archive_serial_number bigint NULL UNIQUE, \
         document_type_id integer NULL REFERENCES documents_documenttype (id), \
         mime_type varchar(256) NOT NULL, archive_checksum varchar(64) NULL, \
         archive_filename varchar(1024) NULL UNIQUE, \
         storage_path_id integer NULL REFERENCES documents_storagepath (id), \
         original_filename varchar(1024) NULL, owner_id integer NULL REFERENCES auth_user (id), \
         deleted_at timestamp with time zone NULL, restored_at timestamp with time zone NULL, \
         transaction_id varchar(36) NULL, page_count integer NULL, \
         root_document_id integer NULL REFERENCES documents_document (id), \
         version_index integer NULL, version_label varchar(64) NULL);
         CREATE TABLE documents_document_tags (id integer PRIMARY KEY, \
         document_id integer NOT NULL REFERENCES documents_document (id), \
         tag_id integer NOT NULL REFERENCES documents_tag (id));
         CREATE TABLE documents_note (id integer PRIMARY KEY, note text NOT NULL, \
         created timestamp with time zone NOT NULL, \
         document_id integer NULL REFERENCES documents_document (id), \
         user_id integer NULL REFERENCES auth_user (id), deleted_at timestamp with time zone NULL, \
         restored_at timestamp with time zone NULL, transaction_id varchar(36) NULL);
         CREATE TABLE documents_customfield (id integer PRIMARY KEY, \
         created timestamp with time zone NOT NULL, name varchar(128) NOT NULL UNIQUE, \
         data_type varchar(50) NOT NULL, extra_data text NULL);
         CREATE TABLE documents_customfieldinstance (id integer PRIMARY KEY, \
         created timestamp with time zone NOT NULL, \
         document_id integer NOT NULL REFERENCES documents_document (id), \
         field_id integer NOT NULL REFERENCES documents_customfield (id), \
         value_text varchar(128) NULL, value_bool boolean NULL, value_url varchar(200) NULL, \
         value_date date NULL, value_int integer NULL, value_float double precision NULL, \
         value_monetary varchar(128) NULL, value_document_ids text NULL, \
         value_select varchar(16) NULL, value_long_text text NULL, \
         deleted_at timestamp with time zone NULL, restored_at timestamp with time zone NULL, \
         transaction_id varchar(36) NULL);\n",
    );
    sql.push_str(&format!(
        "INSERT INTO auth_user VALUES (1, 'pbkdf2_sha256$x', NULL, TRUE, 'admin', 'Ada', '', \
         'admin@example.org', TRUE, TRUE, {});
         INSERT INTO auth_user VALUES (2, 'pbkdf2_sha256$y', NULL, FALSE, 'bob', '', '', '', \
         FALSE, TRUE, {});\n",
        ts(b, "2020-01-01 10:00:00"),
        ts(b, "2021-01-01 10:00:00")
    ));
    sql.push_str(
        "INSERT INTO documents_correspondent VALUES (1, 'ACME', 'acme', 1, TRUE, NULL);
         INSERT INTO documents_documenttype VALUES (1, 'Invoice', 'invoice', 3, FALSE, 2);
         INSERT INTO documents_storagepath VALUES (1, 'Yearly', '{{ created_year }}/{{ title }}', \
         '', 0, TRUE, NULL);
         INSERT INTO documents_tag VALUES (1, 'finance', '#ff0000', '', 0, TRUE, FALSE, NULL, \
         NULL, '', 0, '2', 1, 1, '2', 1, 0, 1, 0, 0, '', 0);
         INSERT INTO documents_tag VALUES (2, 'taxes', '#00ff00', 'tax', 2, TRUE, TRUE, 1, 1, \
         '1', 0, '', 0, 2, '', 0, 0, 2, 0, 0, '', 0);\n",
    );
    sql.push_str(&format!(
        "INSERT INTO documents_customfield VALUES (1, {0}, 'Amount', 'monetary', NULL);
         INSERT INTO documents_customfield VALUES (2, {0}, 'Status', 'select', \
         '{{\"select_options\": [{{\"id\": \"a1\", \"label\": \"open\"}}, \
         {{\"id\": \"b2\", \"label\": \"paid\"}}]}}');\n",
        ts(b, "2023-01-01 00:00:00")
    ));
    let mut link = 0;
    for d in docs {
        let sums = hash_bytes(&d.plain);
        let archive = d.archive.as_ref().map(|a| q(&hash_bytes(a).sha256));
        let archive_name = d.archive.as_ref().map(|_| q(&archive_name(d)));
        let trashed = d.title.contains("trash");
        sql.push_str(&format!(
            "INSERT INTO documents_document VALUES ({id}, {title}, {content}, '2024-03-01', {m}, \
             {corr}, {sum}, {added}, {file}, NULL, NULL, {mime}, {asum}, {aname}, 1, 'scan.pdf', \
             1, {deleted}, NULL, {tx}, 2, NULL, NULL, NULL);\n",
            id = d.id,
            title = q(d.title),
            content = q(&content(d)),
            m = ts(b, "2024-03-02 04:05:06.789"),
            corr = opt(d.correspondent.map(|c| c.to_string())),
            sum = q(&sums.sha256),
            added = ts(b, "2024-03-02 04:05:06"),
            file = q(&d.stored_name()),
            mime = q(d.mime),
            asum = opt(archive),
            aname = opt(archive_name),
            deleted = if trashed {
                ts(b, "2024-06-01 00:00:00")
            } else {
                "NULL".into()
            },
            tx = if trashed {
                q("6f1c2a8e-4d3b-4f6a-9c1e-2b7d8e9f0a1b")
            } else {
                "NULL".into()
            },
        ));
        for t in &d.tags {
            link += 1;
            sql.push_str(&format!(
                "INSERT INTO documents_document_tags VALUES ({link}, {}, {t});\n",
                d.id
            ));
        }
    }
    let first = docs[0].id;
    sql.push_str(&format!(
        "INSERT INTO documents_note VALUES (1, 'Paid on time', {}, {first}, 1, NULL, NULL, NULL);
         INSERT INTO documents_customfieldinstance (id, created, document_id, field_id, \
         value_monetary) VALUES (1, {0}, {first}, 1, 'EUR123.45');
         INSERT INTO documents_customfieldinstance (id, created, document_id, field_id, \
         value_select) VALUES (2, {0}, {first}, 2, 'b2');\n",
        ts(b, "2024-04-01 00:00:00")
    ));
    sql
}
