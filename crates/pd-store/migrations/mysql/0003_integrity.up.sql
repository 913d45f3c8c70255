-- Integrity bookkeeping (MariaDB/MySQL): what `pd sanity` last verified of each stored file, the
-- history of sanity checks, and the journal `pd rename` writes before it moves a file.
-- kind: 0 = original, 1 = archive. Timestamps are RFC 3339 UTC text.

CREATE TABLE sanity_file_records (
    document_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    verified_at VARCHAR(32) NOT NULL,
    PRIMARY KEY (document_id, kind),
    CONSTRAINT sanity_file_records_document_id_fk FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE sanity_runs (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    started_at VARCHAR(32) NOT NULL,
    finished_at VARCHAR(32) NOT NULL,
    full_check SMALLINT NOT NULL,
    files_hashed BIGINT NOT NULL,
    bytes_hashed BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    warnings BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX sanity_runs_full_check_idx ON sanity_runs (full_check, started_at);

-- A row is written before a file moves and removed in the transaction that records the
-- new name, so a row left behind marks a move a crash interrupted.
CREATE TABLE rename_journal (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    document_id BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    from_name TEXT NOT NULL,
    to_name TEXT NOT NULL,
    created_at VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX rename_journal_document_idx ON rename_journal (document_id);
