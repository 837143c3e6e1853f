-- The trigram index over title || content served GET /v1/tickets?q= … but not for the queries
-- callers' words make: pg_trgm builds no trigram from a two-character Chinese word (路灯, 噪音),
-- so those searches read the whole index (measured: every row returned for recheck), and the
-- index costs every intake a GIN insertion (~70 trigrams) and took ~47 minutes to build over
-- 10 M tickets here. `q` stays a substring filter over what the other filters select (a date
-- range, a unit, a status); duplicate detection has its own fingerprints (0010).
DROP INDEX IF EXISTS tickets_text_trgm;
