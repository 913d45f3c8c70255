-- Reverts 0001_library (MariaDB/MySQL).
DROP TABLE notes;
DROP TABLE custom_field_instances;
DROP TABLE custom_fields;
DROP TABLE document_tags;
DROP TABLE documents;
DROP TABLE tags;
DROP TABLE storage_paths;
DROP TABLE document_types;
DROP TABLE correspondents;
DROP TABLE users;
