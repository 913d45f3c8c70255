-- Reverts 0007_processed_mail (PostgreSQL).
DROP TABLE processed_mail;
