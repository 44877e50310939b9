-- 0007 (embedded store) As sql/0007_document_content.sql.

alter table documents add column content text;
