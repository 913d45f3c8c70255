-- Reverts 0006_storage_type (PostgreSQL).
ALTER TABLE documents DROP COLUMN storage_type;
