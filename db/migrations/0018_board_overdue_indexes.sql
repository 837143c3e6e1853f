-- The supervisor's board counts overdue lead work by unit on every view. At national scale that is
-- tens of thousands of running assignments; these covering partial indexes let it count them from
-- the index alone (index-only scans), instead of visiting each assignment's row. The response
-- index carries the close clock so that work late on both clocks is counted once without a join.
CREATE INDEX assignments_late_close_by_unit ON assignments (close_deadline) INCLUDE (unit_id)
    WHERE status = 'active' AND role = 'lead' AND suspended_since IS NULL AND close_met_at IS NULL;
CREATE INDEX assignments_late_response_by_unit ON assignments (response_deadline) INCLUDE (unit_id, close_met_at, close_deadline)
    WHERE status = 'active' AND role = 'lead' AND suspended_since IS NULL AND response_met_at IS NULL;
