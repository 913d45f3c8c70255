-- Reverts 0005_paperless_records (SQLite).
DROP TABLE paperless_records;
