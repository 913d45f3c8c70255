-- Mail accounts and mail rules (MariaDB/MySQL).
-- Timestamps are RFC 3339 UTC text with six fractional digits, dates YYYY-MM-DD text,
-- booleans SMALLINT 0/1 and JSON text, so that one query layer reads all three backends.

CREATE TABLE mail_accounts (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(256) NOT NULL,
    imap_server TEXT NOT NULL,
    imap_port INTEGER NULL,
    imap_security SMALLINT NOT NULL,
    username TEXT NOT NULL,
    password TEXT NOT NULL,
    is_token SMALLINT NOT NULL,
    character_set TEXT NOT NULL,
    account_type SMALLINT NOT NULL,
    refresh_token TEXT NULL,
    owner_id BIGINT NULL,
    CONSTRAINT mail_accounts_name_key UNIQUE (name),
    CONSTRAINT mail_accounts_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE mail_rules (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(256) NOT NULL,
    account_id BIGINT NOT NULL,
    rule_order INTEGER NOT NULL,
    enabled SMALLINT NOT NULL,
    folder TEXT NOT NULL,
    filter_from TEXT NULL,
    filter_to TEXT NULL,
    filter_subject TEXT NULL,
    filter_body TEXT NULL,
    filter_attachment_filename_include TEXT NULL,
    filter_attachment_filename_exclude TEXT NULL,
    maximum_age INTEGER NOT NULL,
    attachment_type SMALLINT NOT NULL,
    consumption_scope SMALLINT NOT NULL,
    pdf_layout SMALLINT NOT NULL,
    action SMALLINT NOT NULL,
    action_parameter TEXT NULL,
    assign_title_from SMALLINT NOT NULL,
    assign_document_type_id BIGINT NULL,
    assign_correspondent_from SMALLINT NOT NULL,
    assign_correspondent_id BIGINT NULL,
    assign_owner_from_rule SMALLINT NOT NULL,
    stop_processing SMALLINT NOT NULL,
    owner_id BIGINT NULL,
    owner_key BIGINT AS (COALESCE(owner_id, 0)) VIRTUAL,
    CONSTRAINT mail_rules_account_id_fk FOREIGN KEY (account_id) REFERENCES mail_accounts (id) ON DELETE CASCADE,
    CONSTRAINT mail_rules_assign_document_type_id_fk FOREIGN KEY (assign_document_type_id) REFERENCES document_types (id) ON DELETE SET NULL,
    CONSTRAINT mail_rules_assign_correspondent_id_fk FOREIGN KEY (assign_correspondent_id) REFERENCES correspondents (id) ON DELETE SET NULL,
    CONSTRAINT mail_rules_owner_id_fk FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT mail_rules_name_owner_key UNIQUE (name, owner_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX mail_rules_account_idx ON mail_rules (account_id);

CREATE TABLE mail_rule_tags (
    rule_id BIGINT NOT NULL,
    tag_id BIGINT NOT NULL,
    PRIMARY KEY (rule_id, tag_id),
    CONSTRAINT mail_rule_tags_rule_id_fk FOREIGN KEY (rule_id) REFERENCES mail_rules (id) ON DELETE CASCADE,
    CONSTRAINT mail_rule_tags_tag_id_fk FOREIGN KEY (tag_id) REFERENCES tags (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE INDEX mail_rule_tags_tag_idx ON mail_rule_tags (tag_id);
