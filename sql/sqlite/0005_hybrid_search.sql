-- 0005 (embedded store) Hybrid search: an FTS5 index over agent_memory (porter stemming), kept in step by
-- triggers. Fusion with vector similarity (reciprocal rank fusion) is done in Swift by the store.

create virtual table agent_memory_fts using fts5(
    heading, content,
    content = '',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

create trigger agent_memory_fts_insert after insert on agent_memory begin
    insert into agent_memory_fts (rowid, heading, content)
    values (new.rowid, (select group_concat(value, ' ') from json_each(new.heading_path)), new.content);
end;

create trigger agent_memory_fts_delete after delete on agent_memory begin
    insert into agent_memory_fts (agent_memory_fts, rowid, heading, content)
    values ('delete', old.rowid, (select group_concat(value, ' ') from json_each(old.heading_path)), old.content);
end;

create trigger agent_memory_fts_update after update of content, heading_path on agent_memory begin
    insert into agent_memory_fts (agent_memory_fts, rowid, heading, content)
    values ('delete', old.rowid, (select group_concat(value, ' ') from json_each(old.heading_path)), old.content);
    insert into agent_memory_fts (rowid, heading, content)
    values (new.rowid, (select group_concat(value, ' ') from json_each(new.heading_path)), new.content);
end;
