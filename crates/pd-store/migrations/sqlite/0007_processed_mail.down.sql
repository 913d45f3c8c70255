-- Reverts 0007_processed_mail (SQLite).
DROP TABLE processed_mail;
