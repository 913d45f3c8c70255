-- Reverts 0007_processed_mail (MariaDB/MySQL).
DROP TABLE processed_mail;
