-- Pairs of documents recorded as "not a duplicate" (MariaDB/MySQL): `pd duplicates` leaves them
-- out. Each pair is stored once, lower id first. Timestamps are RFC 3339 UTC text.

CREATE TABLE duplicate_ignores (
    document_a_id BIGINT NOT NULL,
    document_b_id BIGINT NOT NULL,
    created_at VARCHAR(32) NOT NULL,
    PRIMARY KEY (document_a_id, document_b_id),
    CONSTRAINT duplicate_ignores_ordered CHECK (document_a_id < document_b_id),
    CONSTRAINT duplicate_ignores_document_a_id_fk FOREIGN KEY (document_a_id) REFERENCES documents (id) ON DELETE CASCADE,
    CONSTRAINT duplicate_ignores_document_b_id_fk FOREIGN KEY (document_b_id) REFERENCES documents (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX duplicate_ignores_document_b_idx ON duplicate_ignores (document_b_id);
