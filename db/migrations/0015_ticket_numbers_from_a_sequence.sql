-- Ticket numbers (流水号) from a sequence, taken in the intake's own statement (issue 17).
-- The day's counter row was updated in a statement of its own before every insert (a round trip,
-- and a row every intake of the day queued on). Now one sequence serves every day: a day's
-- sequence number is nextval minus that day's `base`, the value the sequence stood at before the
-- day's first number. Numbers stay unique and, within a day, ordered by registration; a ticket
-- registered late for an earlier day, or a refused request, leaves a gap, never a reuse.
CREATE SEQUENCE ticket_number_seq AS bigint CACHE 1;

CREATE TABLE ticket_number_days (
    day  date PRIMARY KEY,
    base bigint NOT NULL
);

-- Days numbered before: their next number continues after the counter's last one
-- (the sequence's first value is 1, so 1 - (-last) = last + 1).
INSERT INTO ticket_number_days (day, base) SELECT day, -last FROM ticket_number_counters;
DROP TABLE ticket_number_counters;

-- The text of a number, as HotlineCore's TicketNumber.make writes it (a test holds the two
-- equal): five digits up to 89,999, then 9 and seven digits; NULL beyond 9,999,999, which the
-- NOT NULL of tickets.number refuses and the intake answers by re-basing the day.
CREATE FUNCTION ticket_number(prefix text, seq bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN seq BETWEEN 1 AND 89999 THEN prefix || lpad(seq::text, 5, '0')
        WHEN seq BETWEEN 90000 AND 9999999 THEN prefix || '9' || lpad(seq::text, 7, '0')
    END
$$;
