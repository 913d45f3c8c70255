-- Reverts 0006_storage_type (SQLite).
ALTER TABLE documents DROP COLUMN storage_type;
