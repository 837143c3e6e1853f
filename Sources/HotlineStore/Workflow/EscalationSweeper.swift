import Foundation
import HotlineCore
import PostgresNIO

/// Issues the escalation ladder (三单一函) for assignments whose next rung is due, by the same
/// `Ladder` the manual `escalate` uses, and resumes suspensions whose time is up. Several
/// processes may sweep one database at once: rows are claimed with FOR UPDATE SKIP LOCKED and
/// each rung is unique per assignment, round and clock, so every rung is issued exactly once.
public struct EscalationSweeper: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public let batchSize: Int

    public init(db: Database, zone: ServiceClockZone, batchSize: Int = 500) {
        self.db = db
        self.zone = zone
        self.batchSize = batchSize
    }

    struct FixedNow: NowSource {
        let at: Date
        func now() -> Date { at }
    }

    /// One pass: resumes due suspensions, then issues everything due at `now`; answers how many
    /// rungs were issued.
    @discardableResult
    public func sweep(now: Date) async throws -> Int {
        try await resumeDue(now: now)
        try await housekeeping()
        let config = try await db.config.current(db, zone: zone)
        let calc = DeadlineCalculator(calendar: config.calendar, zone: zone)
        var total = 0
        while true {
            let issued = try await sweepBatch(now: now, calc: calc, policies: config.policies)
            if issued.claimed > 0 { db.writes.bump() }
            total += issued.records
            if issued.claimed < batchSize { break }
        }
        return total
    }

    /// Kept idempotent responses live a day; lookup failures an hour (the throttle's window).
    func housekeeping() async throws {
        try await db.client.query("DELETE FROM request_replays WHERE created_at < now() - interval '1 day'", logger: db.logger)
        try await db.client.query("DELETE FROM lookup_failures WHERE at < now() - interval '1 hour'", logger: db.logger)
    }

    /// Suspensions whose requested date (or the policy's cap) has come are resumed by the system.
    func resumeDue(now: Date) async throws {
        var tickets: [Int64] = []
        for try await t in try await db.client.query("""
            SELECT ticket_id FROM assignments WHERE resume_at <= \(now) AND status = 'active' ORDER BY resume_at LIMIT \(batchSize)
            """, logger: db.logger).decode(Int64.self) { tickets.append(t) }
        let workflow = TicketWorkflow(db: db, zone: zone, clock: FixedNow(at: now))
        for t in tickets {
            do { try await workflow.apply(.resume(note: "resumed automatically"), to: t, by: nil, ifMatch: nil) }
            catch is TicketWorkflow.StateConflict { continue }
            catch let e as StoreError { db.logger.warning("automatic resume refused", metadata: ["ticket_id": "\(t)", "error": "\(e)"]) }
        }
    }

    private func sweepBatch(now: Date, calc: DeadlineCalculator, policies: [String: SLAPolicy]) async throws -> (claimed: Int, records: Int) {
        try await db.transaction { conn in
            var claimed: [(Int64, AssignmentState)] = []
            for try await row in try await conn.query("""
                SELECT \(unescaped: AssignmentRows.columns) FROM assignments a
                WHERE a.next_escalation_at <= \(now) ORDER BY a.next_escalation_at LIMIT \(batchSize)
                FOR UPDATE SKIP LOCKED
                """, logger: db.logger) { claimed.append(try AssignmentRows.decode(row, policies: policies)) }
            let issued = try await AssignmentRows.issued(conn, claimed.map(\.1), logger: db.logger)
            var records = 0
            var ids: [Int64] = [], clocks: [String] = [], levels: [String] = [], ats: [String] = []
            for (ticket, a) in claimed {
                let mine = (issued[a.id!] ?? []).filter { $0.round == a.round }
                guard let policy = policies[a.slaPolicy] else { continue }
                let (rungs, next) = Ladder(calculator: calc, policy: policy).sweep(a.ladderClocks, round: a.round, issued: mine, now: now)
                for r in rungs where try await PlanWriter(db: db, conn: conn, zone: zone).rung(r, ticket: ticket, assignment: a.id!, unit: a.unitId) {
                    records += 1
                    try await event(conn, ticket, nil, kind: "escalation", from: nil, to: nil, at: now, payload: [
                        "level": r.level.rawValue, "unit_id": String(a.unitId), "issued_by": "system", "clock": r.clock.rawValue,
                        "round": String(r.round)], logger: db.logger)
                    let notice = Notices.rung(r, unit: a.unitId)
                    try await event(conn, ticket, nil, kind: notice.kind, from: nil, to: nil, at: now, payload: notice.payload, logger: db.logger)
                }
                ids.append(a.id!)
                clocks.append(next?.clock.rawValue ?? "")
                levels.append(next?.level.rawValue ?? "")
                ats.append(Self.text(next?.at))
            }
            if !ids.isEmpty {
                try await conn.query("""
                    UPDATE assignments a SET next_escalation_clock = NULLIF(x.c, ''), next_escalation_level = NULLIF(x.l, ''),
                        next_escalation_at = NULLIF(x.at, '')::timestamptz
                    FROM unnest(\(ids)::bigint[], \(clocks)::text[], \(levels)::text[], \(ats)::text[]) AS x(id, c, l, at)
                    WHERE a.id = x.id
                    """, logger: db.logger)
            }
            return (claimed.count, records)
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
