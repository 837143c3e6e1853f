-- Lists that start from a unit (a unit's inbox, GET /v1/tickets?unit_id=, a street handler's
-- tickets) or from the running lead clocks (overdue=true) are ordered like every list: newest
-- ticket first, by (received_at, id). With only tickets.received_at, PostgreSQL had to fetch and
-- sort all of a unit's tickets (or probe 10–30 k of the newest tickets one by one) to find the
-- first 50: 20–140 ms at 10 M tickets. Each assignment now carries its ticket's received_at
-- (fixed at intake, never updated), so these lists walk one index in order and stop after 50.
ALTER TABLE assignments ADD COLUMN received_at timestamptz;
UPDATE assignments a SET received_at = t.received_at FROM tickets t WHERE t.id = a.ticket_id;
ALTER TABLE assignments ALTER COLUMN received_at SET NOT NULL;

-- Every writer gets it filled in (dispatch, imports, tests' fixtures, the generator may give it).
CREATE FUNCTION assignment_received_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.received_at IS NULL THEN
        SELECT received_at INTO NEW.received_at FROM tickets WHERE id = NEW.ticket_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER assignments_received_at BEFORE INSERT ON assignments
    FOR EACH ROW EXECUTE FUNCTION assignment_received_at();

DROP INDEX assignments_unit;
DROP INDEX assignments_active_unit;
CREATE INDEX assignments_unit_received ON assignments (unit_id, received_at DESC, ticket_id DESC);
CREATE INDEX assignments_active_unit_received ON assignments (unit_id, received_at DESC, ticket_id DESC) WHERE status = 'active';
CREATE INDEX assignments_active_lead_received ON assignments (received_at DESC, ticket_id DESC) WHERE role = 'lead' AND status = 'active';
