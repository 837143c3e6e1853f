-- 并单 candidates at intake (IntakeSQL.Duplicates calls this): the same caller's open tickets of the
-- window, and the region's most recent open tickets with the number of bigrams each shares with the
-- new one (the score is computed in Swift, HotlineCore's TextSimilarity).
--
-- As a prepared statement PostgreSQL's plan cache kept planning this query afresh on most calls
-- (8,668 of 10,460 in one benchmark run): its custom plans cost a hair less than the generic one,
-- so it never settled, and planning (0.43 ms) cost half as much again as running it (0.79 ms).
-- Inside a function whose plan_cache_mode is force_generic_plan it is planned once per connection;
-- the plan is the same index scans either way.
CREATE FUNCTION intake_duplicates(p_phone text, p_since timestamptz, p_excluding bigint, p_region text,
                                  p_bigrams int4[], p_scan bigint)
RETURNS TABLE (id bigint, number text, status text, received_at timestamptz, title text, category_code text,
               same_phone boolean, common int4, size int4)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    (SELECT t.id, t.number, t.status, t.received_at, t.title, t.category_code, true, NULL::int4, NULL::int4
     FROM tickets t
     WHERE p_phone IS NOT NULL AND t.caller_phone = p_phone AND t.received_at >= p_since AND t.id <> p_excluding
       AND t.status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
     ORDER BY t.received_at DESC LIMIT 50)
    UNION ALL
    (SELECT r.id, r.number, r.status, r.received_at, r.title, r.category_code, false, r.common, r.size FROM (
        SELECT t.id, t.number, t.status, t.received_at, t.title, t.category_code,
            icount(t.text_bigrams & p_bigrams) AS common, icount(t.text_bigrams) AS size
        FROM tickets t
        WHERE p_region IS NOT NULL AND t.region_code = p_region AND t.received_at >= p_since AND t.id <> p_excluding
          AND t.text_bigrams IS NOT NULL AND t.status NOT IN ('answered','rejected','transferred','merged','closed','terminated')
        ORDER BY t.received_at DESC LIMIT p_scan) r
     WHERE r.common > 0
     ORDER BY r.common DESC LIMIT 50);
END $$;
