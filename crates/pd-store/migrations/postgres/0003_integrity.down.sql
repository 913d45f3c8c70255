-- Reverts 0003_integrity (PostgreSQL).
DROP TABLE rename_journal;
DROP TABLE sanity_runs;
DROP TABLE sanity_file_records;
