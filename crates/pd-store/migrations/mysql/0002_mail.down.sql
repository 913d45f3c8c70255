-- Reverts 0002_mail (MariaDB/MySQL).
DROP TABLE mail_rule_tags;
DROP TABLE mail_rules;
DROP TABLE mail_accounts;
