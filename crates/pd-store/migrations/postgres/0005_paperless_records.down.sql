-- Reverts 0005_paperless_records (PostgreSQL).
DROP TABLE paperless_records;
