import Foundation
import HotlineCore
import PostgresNIO

/// Calendar edits move running clocks: in the edit's own transaction, every running deadline
/// whose window contains an edited day is derived again with the new calendar, and each one that
/// moved gets a `deadline_moved` event naming old and new.
struct ClockRederivation {
    let db: Database
    let conn: PostgresConnection
    let zone: ServiceClockZone

    /// Answers how many deadlines moved.
    func apply(from first: LocalDay, through last: LocalDay, at now: Date) async throws -> Int {
        let calendar = try await CalendarStore(db: db).load(on: conn)
        let policies = Dictionary(uniqueKeysWithValues: try await PolicyStore(db: db).all().map { ($0.code, $0) })
        let calc = DeadlineCalculator(calendar: calendar, zone: zone)
        let from = zone.startOfDay(first), to = zone.endOfDay(last)
        var tickets: [Int64] = []
        for try await t in try await conn.query("""
            SELECT DISTINCT ticket_id FROM assignments
            WHERE status = 'active' AND dispatched_at < \(to)
              AND ((response_met_at IS NULL AND response_deadline >= \(from)) OR (close_met_at IS NULL AND close_deadline >= \(from)))
            ORDER BY ticket_id
            """, logger: db.logger).decode(Int64.self) { tickets.append(t) }
        var moved = 0
        for id in tickets {
            let loader = WorkflowLoader(db: db, conn: conn, policies: policies)
            guard var state = try await loader.ticket(id) else { continue }
            try await loader.assignments(into: &state, actor: .system)
            let ctx = DecisionContext(now: now, calculator: calc, policies: policies, settings: AssessmentSettings(), actor: .system)
            let (after, changes) = TicketDecision(state, ctx).rederive(state.assignments)
            for (i, a) in after.enumerated() where a != state.assignments[i] {
                _ = try await AssignmentRows.write(conn, a, ticket: id, logger: db.logger)
            }
            for m in changes {
                let a = after[m.assignmentIndex]
                try await event(conn, id, nil, kind: "deadline_moved", from: nil, to: nil, at: now, payload: [
                    "assignment_id": String(a.id ?? 0), "unit_id": String(a.unitId), "clock": m.clock.rawValue,
                    "old_deadline": Timestamp.format(m.old, in: zone.timeZone), "new_deadline": Timestamp.format(m.new, in: zone.timeZone)],
                    logger: db.logger)
                moved += 1
            }
        }
        return moved
    }
}
