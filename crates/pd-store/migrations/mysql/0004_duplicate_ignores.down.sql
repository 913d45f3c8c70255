-- Reverts 0004_duplicate_ignores (MariaDB/MySQL).
DROP TABLE duplicate_ignores;
