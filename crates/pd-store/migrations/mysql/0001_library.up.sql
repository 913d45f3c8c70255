-- The library: users, correspondents, document types, storage paths, tags, documents, custom fields, notes (MariaDB/MySQL).
-- Timestamps are RFC 3339 UTC text with six fractional digits, dates YYYY-MM-DD text,
-- booleans SMALLINT 0/1 and JSON text, so that one query layer reads all three backends.

CREATE TABLE users (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username VARCHAR(150) NOT NULL,
    first_name VARCHAR(150) NOT NULL,
    last_name VARCHAR(150) NOT NULL,
    email VARCHAR(254) NOT NULL,
    password VARCHAR(256) NOT NULL,
    is_superuser SMALLINT NOT NULL,
    is_staff SMALLINT NOT NULL,
    is_active SMALLINT NOT NULL,
    date_joined VARCHAR(32) NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE correspondents (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    match_pattern TEXT NOT NULL,
    matching_algorithm SMALLINT NOT NULL,
    is_insensitive SMALLINT NOT NULL,
    owner_id BIGINT NULL,
    owner_key BIGINT AS (COALESCE(owner_id, 0)) VIRTUAL,
    CONSTRAINT correspondents_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT correspondents_name_owner_key UNIQUE (name, owner_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE document_types (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    match_pattern TEXT NOT NULL,
    matching_algorithm SMALLINT NOT NULL,
    is_insensitive SMALLINT NOT NULL,
    owner_id BIGINT NULL,
    owner_key BIGINT AS (COALESCE(owner_id, 0)) VIRTUAL,
    CONSTRAINT document_types_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT document_types_name_owner_key UNIQUE (name, owner_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE storage_paths (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    match_pattern TEXT NOT NULL,
    matching_algorithm SMALLINT NOT NULL,
    is_insensitive SMALLINT NOT NULL,
    owner_id BIGINT NULL,
    path TEXT NOT NULL,
    owner_key BIGINT AS (COALESCE(owner_id, 0)) VIRTUAL,
    CONSTRAINT storage_paths_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT storage_paths_name_owner_key UNIQUE (name, owner_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE tags (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    match_pattern TEXT NOT NULL,
    matching_algorithm SMALLINT NOT NULL,
    is_insensitive SMALLINT NOT NULL,
    owner_id BIGINT NULL,
    color VARCHAR(7) NOT NULL,
    is_inbox_tag SMALLINT NOT NULL,
    parent_id BIGINT NULL,
    owner_key BIGINT AS (COALESCE(owner_id, 0)) VIRTUAL,
    CONSTRAINT tags_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT tags_parent_id_fk FOREIGN KEY (parent_id) REFERENCES tags (id) ON DELETE CASCADE,
    CONSTRAINT tags_name_owner_key UNIQUE (name, owner_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX tags_parent_id_idx ON tags (parent_id);

CREATE TABLE documents (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(128) NOT NULL,
    content TEXT NOT NULL,
    created VARCHAR(10) NOT NULL,
    added VARCHAR(32) NOT NULL,
    modified VARCHAR(32) NOT NULL,
    mime_type VARCHAR(256) NOT NULL,
    original_filename TEXT NULL,
    filename TEXT NULL,
    archive_filename TEXT NULL,
    checksum VARCHAR(64) NOT NULL,
    archive_checksum VARCHAR(64) NULL,
    page_count INTEGER NULL,
    archive_serial_number BIGINT NULL,
    correspondent_id BIGINT NULL,
    document_type_id BIGINT NULL,
    storage_path_id BIGINT NULL,
    owner_id BIGINT NULL,
    deleted_at VARCHAR(32) NULL,
    restored_at VARCHAR(32) NULL,
    transaction_id VARCHAR(36) NULL,
    root_document_id BIGINT NULL,
    version_index INTEGER NULL,
    version_label VARCHAR(64) NULL,
    CONSTRAINT documents_filename_key UNIQUE (filename),
    CONSTRAINT documents_archive_filename_key UNIQUE (archive_filename),
    CONSTRAINT documents_asn_key UNIQUE (archive_serial_number),
    CONSTRAINT documents_root_version_key UNIQUE (root_document_id, version_index),
    CONSTRAINT documents_asn_range CHECK (archive_serial_number BETWEEN 0 AND 4294967295),
    CONSTRAINT documents_correspondent_id_fk FOREIGN KEY (correspondent_id) REFERENCES correspondents (id) ON DELETE SET NULL,
    CONSTRAINT documents_document_type_id_fk FOREIGN KEY (document_type_id) REFERENCES document_types (id) ON DELETE SET NULL,
    CONSTRAINT documents_storage_path_id_fk FOREIGN KEY (storage_path_id) REFERENCES storage_paths (id) ON DELETE SET NULL,
    CONSTRAINT documents_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT documents_root_document_id_fk FOREIGN KEY (root_document_id) REFERENCES documents (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX documents_checksum_idx ON documents (checksum);
CREATE INDEX documents_archive_checksum_idx ON documents (archive_checksum);
CREATE INDEX documents_created_idx ON documents (created);
CREATE INDEX documents_added_idx ON documents (added);
CREATE INDEX documents_modified_idx ON documents (modified);
CREATE INDEX documents_deleted_at_idx ON documents (deleted_at);
CREATE INDEX documents_correspondent_idx ON documents (correspondent_id);
CREATE INDEX documents_document_type_idx ON documents (document_type_id);
CREATE INDEX documents_storage_path_idx ON documents (storage_path_id);
CREATE INDEX documents_owner_idx ON documents (owner_id);

CREATE TABLE document_tags (
    document_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (document_id, tag_id),
    CONSTRAINT document_tags_document_id_fk FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT document_tags_tag_id_fk FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX document_tags_tag_idx ON document_tags (tag_id);

CREATE TABLE custom_fields (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(128) NOT NULL,
    data_type VARCHAR(50) NOT NULL,
    extra_data TEXT NULL,
    created VARCHAR(32) NOT NULL,
    CONSTRAINT custom_fields_name_key UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE custom_field_instances (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    document_id BIGINT NOT NULL,
    field_id BIGINT NOT NULL,
    created VARCHAR(32) NOT NULL,
    deleted_at VARCHAR(32) NULL,
    restored_at VARCHAR(32) NULL,
    transaction_id VARCHAR(36) NULL,
    value_text VARCHAR(128) NULL,
    value_url TEXT NULL,
    value_date VARCHAR(10) NULL,
    value_bool SMALLINT NULL,
    value_int BIGINT NULL,
    value_float DOUBLE NULL,
    value_monetary VARCHAR(128) NULL,
    value_document_ids TEXT NULL,
    value_select VARCHAR(16) NULL,
    value_long_text TEXT NULL,
    CONSTRAINT custom_field_instances_document_field_key UNIQUE (document_id, field_id),
    CONSTRAINT custom_field_instances_document_id_fk FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT custom_field_instances_field_id_fk FOREIGN KEY (field_id) REFERENCES custom_fields (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX custom_field_instances_field_idx ON custom_field_instances (field_id);

CREATE TABLE notes (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    document_id BIGINT NOT NULL,
    note TEXT NOT NULL,
    created VARCHAR(32) NOT NULL,
    user_id BIGINT NULL,
    deleted_at VARCHAR(32) NULL,
    restored_at VARCHAR(32) NULL,
    transaction_id VARCHAR(36) NULL,
    CONSTRAINT notes_document_id_fk FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT notes_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX notes_document_idx ON notes (document_id);
