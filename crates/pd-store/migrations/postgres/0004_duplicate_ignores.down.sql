-- Reverts 0004_duplicate_ignores (PostgreSQL).
DROP TABLE duplicate_ignores;
