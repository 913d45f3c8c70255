-- Records of paperless-ngx models pd does not use (permissions, saved views, workflows,
-- groups, UI settings, …), kept verbatim from an imported export so that a later export
-- writes them back (MariaDB/MySQL). `pk` is the record's primary key as JSON text, `record`
-- the whole record (`model`, `pk`, `fields`) as JSON; `id` keeps the manifest order.

CREATE TABLE paperless_records (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    model VARCHAR(100) NOT NULL,
    pk VARCHAR(255) NOT NULL,
    record LONGTEXT NOT NULL,
    CONSTRAINT paperless_records_model_pk_key UNIQUE (model, pk)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
