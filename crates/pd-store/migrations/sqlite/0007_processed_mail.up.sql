-- Mail the fetcher has handled (SQLite), so that no run downloads or consumes it again.
-- A mail is known by (rule, folder, UIDVALIDITY, UID) and, across a UIDVALIDITY change,
-- by its Message-ID. status is SUCCESS, FAILED or PROCESSED_WO_CONSUMPTION (paperless-ngx's).
-- Timestamps are RFC 3339 UTC text.

CREATE TABLE processed_mail (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rule_id BIGINT NOT NULL,
    folder VARCHAR(255) NOT NULL,
    uid_validity BIGINT NULL,
    uid BIGINT NOT NULL,
    message_id VARCHAR(255) NULL,
    subject TEXT NOT NULL,
    received VARCHAR(32) NULL,
    processed VARCHAR(32) NOT NULL,
    status VARCHAR(32) NOT NULL,
    error TEXT NULL,
    owner_id BIGINT NULL,
    CONSTRAINT processed_mail_rule_id_fk FOREIGN KEY (rule_id) REFERENCES mail_rules (id) ON DELETE CASCADE,
    CONSTRAINT processed_mail_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX processed_mail_uid_idx ON processed_mail (rule_id, folder, uid);
CREATE INDEX processed_mail_message_id_idx ON processed_mail (rule_id, message_id);
