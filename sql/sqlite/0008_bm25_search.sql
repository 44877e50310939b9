-- 0008 (embedded store) As sql/0008_bm25_search.sql: the FTS5 index now holds each chunk's search terms
-- (Nightshift's tokenizer; raw words for rows written without them), ranked by FTS5's BM25.

drop trigger agent_memory_fts_insert;
drop trigger agent_memory_fts_delete;
drop trigger agent_memory_fts_update;
drop table agent_memory_fts;

alter table agent_memory add column search_text text;
alter table agent_memory add column term_count integer;

create virtual table agent_memory_fts using fts5(
    terms,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);

insert into agent_memory_fts (rowid, terms)
select rowid, coalesce(search_text, (select group_concat(value, ' ') from json_each(heading_path)) || ' ' || content)
from agent_memory;

create trigger agent_memory_fts_insert after insert on agent_memory begin
    insert into agent_memory_fts (rowid, terms)
    values (new.rowid, coalesce(new.search_text,
        (select group_concat(value, ' ') from json_each(new.heading_path)) || ' ' || new.content));
end;

create trigger agent_memory_fts_delete after delete on agent_memory begin
    insert into agent_memory_fts (agent_memory_fts, rowid, terms)
    values ('delete', old.rowid, coalesce(old.search_text,
        (select group_concat(value, ' ') from json_each(old.heading_path)) || ' ' || old.content));
end;

create trigger agent_memory_fts_update after update of content, heading_path, search_text on agent_memory begin
    insert into agent_memory_fts (agent_memory_fts, rowid, terms)
    values ('delete', old.rowid, coalesce(old.search_text,
        (select group_concat(value, ' ') from json_each(old.heading_path)) || ' ' || old.content));
    insert into agent_memory_fts (rowid, terms)
    values (new.rowid, coalesce(new.search_text,
        (select group_concat(value, ' ') from json_each(new.heading_path)) || ' ' || new.content));
end;
