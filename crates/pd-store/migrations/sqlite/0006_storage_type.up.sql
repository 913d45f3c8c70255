-- How a document's original and thumbnail are stored (SQLite): 'unencrypted', or 'gpg'
-- for GnuPG ciphertext kept from an old paperless installation until `pd decrypt`.
ALTER TABLE documents ADD COLUMN storage_type VARCHAR(11) NOT NULL DEFAULT 'unencrypted';
