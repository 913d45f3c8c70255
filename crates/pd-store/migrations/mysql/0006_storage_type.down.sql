-- Reverts 0006_storage_type (MariaDB/MySQL).
ALTER TABLE documents DROP COLUMN storage_type;
