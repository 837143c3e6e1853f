-- Duplicate detection (并单) compared the new report with the region's recent open tickets by
-- pg_trgm similarity(), which rebuilt both texts' trigram sets for every row: ~30 ms of
-- PostgreSQL CPU per intake, the largest cost of POST /v1/tickets. Now each ticket stores its
-- text's bigram set once, as sorted 32-bit hashes (HotlineCore TextSimilarity.fingerprint), and
-- the shortlist counts shared hashes with intarray's sorted-array intersection.
-- Tickets registered before this migration have no fingerprint and are not compared.
CREATE EXTENSION IF NOT EXISTS intarray;
ALTER TABLE tickets ADD COLUMN text_bigrams int4[];
