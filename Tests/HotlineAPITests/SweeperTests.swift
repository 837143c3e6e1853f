import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import PostgresNIO
import Testing

/// Two "processes" (two pools, two sweepers) over 10,000 overdue assignments: every rung is
/// issued exactly once.
@Suite struct SweeperTests {
    @Test func twoSweepersIssueEachRungExactlyOnce() async throws {
        try await TestDatabase.withNamed { db, name in
            let zone = try ServiceClockZone()
            let unit = try await ReferenceStore(db: db).unitId(code: "XHQ-XX")!
            let deadline = Timestamp.parse("2026-11-20T00:00:00+08:00")!
            let start = Timestamp.parse("2026-11-12T10:00:00+08:00")!
            try await db.client.query("""
                WITH t AS (
                    INSERT INTO tickets (number, query_code, hotline_number, channel, intake_hash, received_at, nature, title, content, status)
                    SELECT 'S' || g, '000000', '12345', 'phone', '\\x00', \(start), 'complaint', '压测', '压测工单', 'accepted'
                    FROM generate_series(1, 10000) g RETURNING id)
                INSERT INTO assignments (ticket_id, unit_id, role, dispatched_at, status, sla_policy, response_deadline, response_met_at,
                    close_unit, close_deadline, next_escalation_level, next_escalation_at)
                SELECT id, \(unit), 'lead', \(start), 'active', 'standard', \(deadline), \(start), 'working_days', \(deadline), 'reminder',
                    \(deadline.addingTimeInterval(-86400))
                FROM t
                """, logger: db.logger)
            // A second pool stands in for a second `serve` process.
            let other = PostgresClient(configuration: try TestDatabase.configuration(database: name), backgroundLogger: db.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await other.run() }
                defer { group.cancelAll() }
                let a = EscalationSweeper(db: db, zone: zone, batchSize: 500)
                let b = EscalationSweeper(db: Database(client: other, logger: db.logger), zone: zone, batchSize: 500)
                // After the deadline (urging; the late reminder is skipped), 3 working days after the urging
                // (supervision), 5 working days after that (referral).
                for moment in ["2026-11-21T08:00:00+08:00", "2026-11-26T00:00:01+08:00", "2026-12-04T00:00:01+08:00"] {
                    let now = Timestamp.parse(moment)!
                    async let x = a.sweep(now: now)
                    async let y = b.sweep(now: now)
                    let (ix, iy) = try await (x, y)
                    #expect(ix + iy == 10_000, "\(moment): \(ix) + \(iy)")
                    // A further pass at the same moment finds nothing.
                    #expect(try await a.sweep(now: now) == 0)
                }
            }
            var counts: [String: Int] = [:]
            for try await (level, n) in try await db.client.query("SELECT level, count(*) FROM escalations GROUP BY level", logger: db.logger).decode((String, Int).self) {
                counts[level] = n
            }
            #expect(counts == ["urging": 10_000, "supervision": 10_000, "referral": 10_000])
            var events = 0
            for try await n in try await db.client.query("SELECT count(*) FROM ticket_events WHERE kind = 'escalation'", logger: db.logger).decode(Int.self) { events = n }
            #expect(events == 30_000)
            var pending = 0
            for try await n in try await db.client.query("SELECT count(*) FROM assignments WHERE next_escalation_at IS NOT NULL", logger: db.logger).decode(Int.self) { pending = n }
            #expect(pending == 0)
            var sup: Date? = nil
            for try await d in try await db.client.query("SELECT min(required_by) FROM escalations WHERE level = 'urging'", logger: db.logger).decode(Date.self) { sup = d }
            #expect(sup == Timestamp.parse("2026-11-24T00:00:00+08:00"))  // urging: act by the end of the next working day (Mon 23rd)
        }
    }
}
