import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import PostgresNIO
import Testing

/// Ticket numbers from the sequence (migration 0015): the SQL text equals TicketNumber.make, days
/// interleave without reuse, and a day run past the format's capacity is re-based, not refused.
@Suite struct TicketNumberingTests {
    let zone = try! ServiceClockZone()

    func intake(_ n: Int, receivedAt: String? = nil) throws -> TicketIntake {
        var r = TicketIntake.Raw()
        r.hotlineNumber = "12345"; r.channel = "phone"; r.nature = "consult"
        r.title = "咨询 \(n)"; r.content = "第\(n)个问题"; r.receivedAt = receivedAt
        return try TicketIntake.validate(r, now: Date())
    }

    @Test func theSQLFunctionWritesWhatTicketNumberMakes() async throws {
        try await TestDatabase.with { db in
            let day = try #require(LocalDay(iso: "2026-11-21"))
            for seq in [1, 42, 9_999, 89_999, 90_000, 123_456, 9_999_999] {
                var sqlText: String? = nil
                for try await t in try await db.client.query("SELECT ticket_number(\(day.compact), \(Int64(seq)))", logger: db.logger).decode(String?.self) { sqlText = t }
                #expect(sqlText == TicketNumber.make(day: day, sequence: seq))
                #expect(TicketNumber.sequence(of: TicketNumber.make(day: day, sequence: seq)) == seq)
            }
            for seq: Int64 in [0, -5, 10_000_000] {
                var sqlText: String? = "x"
                for try await t in try await db.client.query("SELECT ticket_number(\(day.compact), \(seq))", logger: db.logger).decode(String?.self) { sqlText = t }
                #expect(sqlText == nil)
            }
        }
    }

    @Test func daysInterleavedKeepTheirOwnOrderAndNeverReuseANumber() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: zone)
            // Today's calls, with tickets received two days ago (a late province transfer) in between.
            let earlier = Date().addingTimeInterval(-2 * 86400)
            let earlierISO = ISO8601DateFormatter().string(from: earlier)
            var today: [String] = [], late: [String] = []
            for i in 0..<12 {
                if i % 3 == 2 { late.append(try await store.create(try intake(i, receivedAt: earlierISO), actor: nil, idempotencyKey: nil, source: .api).ticket.number) }
                else { today.append(try await store.create(try intake(i), actor: nil, idempotencyKey: nil, source: .api).ticket.number) }
            }
            #expect(Set(today + late).count == 12)
            #expect(today == today.sorted() && late == late.sorted())
            #expect(today.allSatisfy { $0.hasPrefix(zone.localDay(of: Date()).compact) })
            #expect(late.allSatisfy { $0.hasPrefix(zone.localDay(of: earlier).compact) })
            // Today's first number is 1 (the day opened with the sequence where it stood).
            #expect(TicketNumber.sequence(of: today[0]) == 1)
        }
    }

    @Test func aDayRunPastTheFormatsCapacityIsRebasedAfterItsHighestNumber() async throws {
        try await TestDatabase.with { db in
            let store = TicketStore(db: db, zone: zone)
            let first = try await store.create(try intake(1), actor: nil, idempotencyKey: nil, source: .api).ticket.number
            let day = zone.localDay(of: Date())
            // As if ten million tickets of other days had been numbered since this day opened.
            try await db.client.query("""
                UPDATE ticket_number_days SET base = (SELECT last_value FROM ticket_number_seq) - \(Int64(TicketNumber.capacity)) WHERE day = \(day.description)::date
                """, logger: db.logger)
            let next = try await store.create(try intake(2), actor: nil, idempotencyKey: nil, source: .api).ticket.number
            #expect(TicketNumber.sequence(of: first) == 1)
            #expect(next > first)
            #expect(TicketNumber.sequence(of: next) == 2)
            let third = try await store.create(try intake(3), actor: nil, idempotencyKey: nil, source: .api).ticket.number
            #expect(TicketNumber.sequence(of: third) == 3)
            var count = 0
            for try await n in try await db.client.query("SELECT count(DISTINCT number) FROM tickets", logger: db.logger).decode(Int.self) { count = n }
            #expect(count == 3)
        }
    }
}

@Suite struct IntakeSQLRenderingTests {
    @Test func parametersAreReplacedWholeAndOverridesParenthesised() {
        let values: [IntakeSQL.Value] = (1...10).map { .bigint(Int64($0)) } + [.text("it's"), .text(nil), .bool(true), .int4s([3, -1])]
        let sql = "SELECT $1, $10, $11, $12, $13, $14, $2 || $2"
        #expect(IntakeSQL.render(sql, values) == "SELECT 1::bigint, 10::bigint, 'it''s'::text, NULL::text, true, '{3,-1}'::int4[], 2::bigint || 2::bigint")
        #expect(IntakeSQL.render("SELECT $2, $1", values, overrides: [2: "'k' || :n"]) == "SELECT ('k' || :n), 1::bigint")
        // A `$` not followed by a parameter number, or past the list, is left alone.
        #expect(IntakeSQL.render("SELECT $$x$$, $99", values) == "SELECT $$x$$, $99")
    }
}
