//! [`Store`]: one library — its configuration, database and media folder — and the
//! operations that must keep the database and the files in agreement.

use std::fs;

use pd_core::{Config, Document, Id};

use crate::db::{Conn, Database, DocumentFilter, TrashFilter};
use crate::media::Media;
use crate::naming::{FilenameContext, NamingOptions};
use crate::{Error, Result};

/// An open library.
#[derive(Clone)]
pub struct Store {
    config: Config,
    db: Database,
    media: Media,
    naming: NamingOptions,
}

impl Store {
    /// Creates the data and media folders and the database if they are missing, and
    /// migrates the database to the newest schema. Safe to run on an existing library.
    pub async fn init(config: &Config) -> Result<Store> {
        fs::create_dir_all(&config.data_dir)
            .map_err(|e| Error::io("cannot create", &config.data_dir, e))?;
        let db = Database::connect(&config.database_url).await?;
        db.migrate().await?;
        let store = Store::from_parts(config, db);
        store.media.create_dirs()?;
        Ok(store)
    }

    /// Opens an initialised library. A database that is not at pd's newest migration is
    /// an error that says what to run, so no command works on a schema it doesn't know.
    pub async fn open(config: &Config) -> Result<Store> {
        if config.database_url.starts_with("sqlite:") && !config.data_dir.is_dir() {
            return Err(Error::Invalid(format!(
                "no library at {}: run `pd init` first",
                config.data_dir.display()
            )));
        }
        let db = Database::connect(&config.database_url).await?;
        let applied = db.applied_version().await?;
        let latest = Database::latest_version();
        if applied == 0 {
            return Err(Error::Invalid(format!(
                "the database at {} holds no pd library: run `pd init` first",
                config.database_url_redacted()
            )));
        }
        if applied < latest {
            return Err(Error::Invalid(format!(
                "the database is at migration {applied}, this pd needs {latest}: run `pd migrate`"
            )));
        }
        Ok(Store::from_parts(config, db))
    }

    /// A store over an already connected database (for embedders and tests).
    pub fn from_parts(config: &Config, db: Database) -> Store {
        Store {
            media: Media::new(&config.media_dir),
            naming: NamingOptions {
                filename_format: config.filename_format.clone(),
                remove_none: config.filename_format_remove_none,
            },
            config: config.clone(),
            db,
        }
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// The media folder.
    pub fn media(&self) -> &Media {
        &self.media
    }

    /// How stored files are named.
    pub fn naming(&self) -> &NamingOptions {
        &self.naming
    }

    /// Everything the file name templates may refer to for `doc`.
    pub async fn filename_context<C>(
        &self,
        conn: &mut Conn<C>,
        doc: &Document,
    ) -> Result<FilenameContext>
    where
        C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
    {
        let lookup = FilenameLookup::load(conn).await?;
        self.filename_context_with(conn, doc, &lookup).await
    }

    /// [`Store::filename_context`] with the library's objects loaded once, for naming
    /// many documents.
    pub async fn filename_context_with<C>(
        &self,
        conn: &mut Conn<C>,
        doc: &Document,
        lookup: &FilenameLookup,
    ) -> Result<FilenameContext>
    where
        C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
    {
        let root = match doc.root_document {
            Some(root) => Some(conn.document(root).await?),
            None => None,
        };
        let base = root.as_ref().unwrap_or(doc);
        fn find<T: Clone>(
            all: &[T],
            id: Option<Id>,
            id_of: impl Fn(&T) -> Id,
            kind: &'static str,
        ) -> Result<Option<T>> {
            match id {
                Some(id) => all
                    .iter()
                    .find(|o| id_of(o) == id)
                    .cloned()
                    .map(Some)
                    .ok_or_else(|| Error::not_found(kind, id)),
                None => Ok(None),
            }
        }
        let correspondent = find(
            &lookup.correspondents,
            base.correspondent,
            |o| o.id,
            "correspondent",
        )?;
        let document_type = find(
            &lookup.document_types,
            base.document_type,
            |o| o.id,
            "document type",
        )?;
        let storage_path = find(
            &lookup.storage_paths,
            base.storage_path,
            |o| o.id,
            "storage path",
        )?;
        let owner = find(&lookup.users, base.owner, |o| o.id, "user")?;
        let tags = lookup
            .tags
            .iter()
            .filter(|t| base.tags.contains(&t.id))
            .cloned()
            .collect();
        // Without custom fields there are no values to look up.
        let custom_fields = if lookup.custom_fields.is_empty() {
            Vec::new()
        } else {
            conn.custom_field_instances(base.id)
                .await?
                .into_iter()
                .filter_map(|instance| {
                    let field = lookup
                        .custom_fields
                        .iter()
                        .find(|f| f.id == instance.field)?
                        .clone();
                    Some((field, instance.value))
                })
                .collect()
        };
        Ok(FilenameContext {
            document: doc.clone(),
            root,
            correspondent,
            document_type,
            storage_path,
            tags,
            owner,
            custom_fields,
            local_offset: time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC),
        })
    }

    /// Documents in the trash.
    pub async fn trashed_documents(&self) -> Result<Vec<Document>> {
        let filter = DocumentFilter {
            trash: TrashFilter::Only,
            ..DocumentFilter::default()
        };
        self.db.conn().await?.documents(&filter).await
    }

    /// Moves a document to the trash. Its files stay where they are until the trash is
    /// emptied, so a restore is instant and loses nothing.
    pub async fn trash_document(&self, id: Id) -> Result<Document> {
        let mut tx = self.db.begin().await?;
        let doc = tx.document(id).await?;
        if doc.is_trashed() {
            return Err(Error::Conflict(format!(
                "document {id} is already in the trash"
            )));
        }
        let transaction_id = uuid::Uuid::new_v4().to_string();
        tx.trash_document(id, pd_core::now(), &transaction_id)
            .await?;
        let doc = tx.document(id).await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Brings a document back from the trash.
    pub async fn restore_document(&self, id: Id) -> Result<Document> {
        let mut tx = self.db.begin().await?;
        let doc = tx.document(id).await?;
        if !doc.is_trashed() {
            return Err(Error::Conflict(format!(
                "document {id} is not in the trash"
            )));
        }
        tx.restore_document(id, pd_core::now()).await?;
        let doc = tx.document(id).await?;
        tx.commit().await?;
        Ok(doc)
    }
}

/// The objects a file name template can name, loaded once for many documents
/// ([`Store::filename_context_with`]).
#[derive(Debug, Clone, Default)]
pub struct FilenameLookup {
    correspondents: Vec<pd_core::Correspondent>,
    document_types: Vec<pd_core::DocumentType>,
    storage_paths: Vec<pd_core::StoragePath>,
    users: Vec<pd_core::User>,
    tags: Vec<pd_core::Tag>,
    custom_fields: Vec<pd_core::CustomField>,
}

impl FilenameLookup {
    /// Loads every correspondent, document type, storage path, user, tag and custom field.
    pub async fn load<C>(conn: &mut Conn<C>) -> Result<FilenameLookup>
    where
        C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
    {
        Ok(FilenameLookup {
            correspondents: conn.correspondents().await?,
            document_types: conn.document_types().await?,
            storage_paths: conn.storage_paths().await?,
            users: conn.users().await?,
            tags: conn.tags().await?,
            custom_fields: conn.custom_fields().await?,
        })
    }
}
