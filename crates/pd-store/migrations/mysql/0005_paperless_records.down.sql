-- Reverts 0005_paperless_records (MariaDB/MySQL).
DROP TABLE paperless_records;
