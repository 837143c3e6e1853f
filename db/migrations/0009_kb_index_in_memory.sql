-- Knowledge-base search moved into the service (HotlineCore/KnowledgeIndex.swift): ranking in
-- PostgreSQL cost ~8 µs per candidate and could not keep p95 under 20 ms at 100,000 entries on
-- two cores. Each instance keeps an inverted index in memory and reads what changed since its
-- last look: every change to an entry's current version or retirement stamps the entry with the
-- writing transaction's id, and an instance asks for entries stamped at or after the oldest
-- transaction that was still running when it last read (pg_snapshot_xmin), so a slow writer that
-- commits late is never missed.
DROP TABLE kb_term_stats;
DROP TABLE kb_stats;
DROP INDEX kb_versions_search;
ALTER TABLE kb_versions DROP COLUMN search;

ALTER TABLE kb_entries ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX kb_entries_changed ON kb_entries (changed_xid);

CREATE FUNCTION kb_entries_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.changed_xid := pg_current_xact_id();
    RETURN NEW;
END
$$;
CREATE TRIGGER kb_entries_stamp BEFORE UPDATE OF current_version, retired_at, owner_unit_id ON kb_entries
    FOR EACH ROW EXECUTE FUNCTION kb_entries_stamp();
