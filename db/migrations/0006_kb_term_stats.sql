-- Document frequencies of search terms, so search can tell specific words from common ones.
-- Refreshed after imports and periodically; a term missing here counts as rare.
CREATE TABLE kb_term_stats (
    term text PRIMARY KEY,
    df   integer NOT NULL
);
CREATE TABLE kb_stats (
    id           integer PRIMARY KEY CHECK (id = 1),
    total        integer NOT NULL,
    refreshed_at timestamptz NOT NULL
);

-- Keep search vectors inside the row (compressed if need be) rather than in TOAST: ranking
-- reads every candidate's vector, and out-of-line storage tripled the pages read.
ALTER TABLE kb_versions ALTER COLUMN search SET STORAGE MAIN;
