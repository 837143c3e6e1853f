import Foundation
import HotlineCore
import PostgresNIO

/// Issues the escalation ladder (三单一函) for assignments whose next rung is due. Several
/// processes may sweep one database at once: rows are claimed with FOR UPDATE SKIP LOCKED and
/// each rung is unique per assignment, so every rung is issued exactly once.
public struct EscalationSweeper: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public let batchSize: Int

    public init(db: Database, zone: ServiceClockZone, batchSize: Int = 500) {
        self.db = db
        self.zone = zone
        self.batchSize = batchSize
    }

    /// One pass: issues everything due at `now`; answers how many records were issued.
    @discardableResult
    public func sweep(now: Date) async throws -> Int {
        let calendar = try await CalendarStore(db: db).load()
        let policies = Dictionary(uniqueKeysWithValues: try await PolicyStore(db: db).all().map { ($0.code, $0) })
        let calc = DeadlineCalculator(calendar: calendar, zone: zone)
        var total = 0
        while true {
            let issued = try await sweepBatch(now: now, calc: calc, policies: policies)
            total += issued.records
            if issued.claimed < batchSize { break }
        }
        return total
    }

    private func sweepBatch(now: Date, calc: DeadlineCalculator, policies: [String: SLAPolicy]) async throws -> (claimed: Int, records: Int) {
        try await db.transaction { conn in
            let rows = try await conn.query("""
                SELECT id, ticket_id, unit_id, next_escalation_level, dispatched_at, close_deadline, COALESCE(sla_policy, 'standard'), region_code
                FROM assignments
                WHERE next_escalation_at <= \(now)
                ORDER BY next_escalation_at
                LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
                """, logger: db.logger)
            var ids: [Int64] = [], tickets: [Int64] = [], units: [Int64] = [], levels: [String] = []
            var requiredBy: [String] = []
            var updIds: [Int64] = [], nextLevels: [String] = [], nextAts: [String] = []
            var claimed = 0
            for try await (id, ticket, unit, levelRaw, start, deadline, code, region) in rows.decode((Int64, Int64, Int64, String?, Date, Date?, String, String?).self) {
                claimed += 1
                guard var level = levelRaw.flatMap(EscalationLevel.init(rawValue:)), let deadline, let policy = policies[code] else {
                    updIds.append(id); nextLevels.append(""); nextAts.append("")
                    continue
                }
                // A reminder that would arrive after the deadline is pointless: urge instead.
                if level == .reminder && now >= deadline { level = .urging }
                let schedule = EscalationSchedule(calculator: calc, policy: policy)
                ids.append(id); tickets.append(ticket); units.append(unit); levels.append(level.rawValue)
                requiredBy.append(Self.text(schedule.requiredBy(level, issuedAt: now, deadline: deadline, region: region)))
                let next = level.next
                updIds.append(id)
                nextLevels.append(next?.rawValue ?? "")
                nextAts.append(Self.text(next.map { schedule.dueAt($0, start: start, deadline: deadline, previousIssuedAt: now, region: region) }))
            }
            var records = 0
            if !ids.isEmpty {
                let issued = try await conn.query("""
                    INSERT INTO escalations (ticket_id, assignment_id, unit_id, level, issued_at, required_by)
                    SELECT t, a, u, l, \(now), NULLIF(r, '')::timestamptz FROM unnest(\(tickets)::bigint[], \(ids)::bigint[], \(units)::bigint[], \(levels)::text[], \(requiredBy)::text[]) AS x(t, a, u, l, r)
                    ON CONFLICT (assignment_id, level) DO NOTHING
                    RETURNING ticket_id, level, unit_id
                    """, logger: db.logger)
                var evTickets: [Int64] = [], evPayloads: [String] = []
                for try await (ticket, level, unit) in issued.decode((Int64, String, Int64).self) {
                    records += 1
                    evTickets.append(ticket)
                    evPayloads.append(TicketStore.json(["level": level, "unit_id": String(unit), "issued_by": "system"]))
                }
                if !evTickets.isEmpty {
                    try await conn.query("""
                        INSERT INTO ticket_events (ticket_id, at, kind, payload)
                        SELECT t, \(now), 'escalation', p::jsonb FROM unnest(\(evTickets)::bigint[], \(evPayloads)::text[]) AS x(t, p)
                        """, logger: db.logger)
                }
            }
            if !updIds.isEmpty {
                try await conn.query("""
                    UPDATE assignments a SET next_escalation_level = NULLIF(x.l, ''), next_escalation_at = NULLIF(x.at, '')::timestamptz
                    FROM unnest(\(updIds)::bigint[], \(nextLevels)::text[], \(nextAts)::text[]) AS x(id, l, at)
                    WHERE a.id = x.id
                    """, logger: db.logger)
            }
            return (claimed, records)
        }
    }

    /// Timestamps travel as text in the batch arrays ("" for none), exact to the microsecond.
    static func text(_ d: Date?) -> String {
        guard let d else { return "" }
        let micros = Int64((d.timeIntervalSince1970 * 1_000_000).rounded())
        let secs = Timestamp.format(Date(timeIntervalSince1970: Double(micros / 1_000_000)), in: TimeZone(identifier: "UTC")!)
        return secs.replacingOccurrences(of: "Z", with: String(format: ".%06dZ", Int(micros % 1_000_000)))
    }
}
