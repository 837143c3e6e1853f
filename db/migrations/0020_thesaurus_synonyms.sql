-- A general thesaurus below the curated synonyms (issue 16, item 2; db/seed/THESAURUS.md).
-- `source` says whose a pair is: the KB admins' (curated) or a converted open thesaurus's;
-- search weighs thesaurus pairs lower (KnowledgeIndex.Parameters.thesaurusWeight).
ALTER TABLE kb_synonyms
    ADD COLUMN source text NOT NULL DEFAULT 'curated' CHECK (source IN ('curated', 'thesaurus'));
CREATE INDEX kb_synonyms_source ON kb_synonyms (source, id);

-- Every change to the table bumps one counter, so each process's index re-reads the (tens of
-- thousands of) pairs only when they changed, not at every refresh.
CREATE TABLE kb_synonyms_stamp (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL
);
INSERT INTO kb_synonyms_stamp VALUES (true, 1);

CREATE FUNCTION kb_synonyms_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE kb_synonyms_stamp SET version = version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER kb_synonyms_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON kb_synonyms
    FOR EACH STATEMENT EXECUTE FUNCTION kb_synonyms_touch();
