-- Reverts 0004_duplicate_ignores (SQLite).
DROP TABLE duplicate_ignores;
