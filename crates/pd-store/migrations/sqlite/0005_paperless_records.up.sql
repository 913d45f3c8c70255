-- Records of paperless-ngx models pd does not use (permissions, saved views, workflows,
-- groups, UI settings, …), kept verbatim from an imported export so that a later export
-- writes them back (SQLite). `pk` is the record's primary key as JSON text, `record`
-- the whole record (`model`, `pk`, `fields`) as JSON; `id` keeps the manifest order.

CREATE TABLE paperless_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model VARCHAR(100) NOT NULL,
    pk VARCHAR(255) NOT NULL,
    record TEXT NOT NULL,
    CONSTRAINT paperless_records_model_pk_key UNIQUE (model, pk)
);
