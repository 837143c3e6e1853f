import Foundation
import HotlineCore
import PostgresNIO

/// The numbers behind the monthly assessment and the hotline volume report. Counting happens in
/// PostgreSQL (one pass over the month's cohort, grouped by unit); only one row per unit comes
/// back, so memory does not grow with the month's tickets.
public struct ReportStore: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public init(db: Database, zone: ServiceClockZone) {
        self.db = db
        self.zone = zone
    }

    public struct Month: Sendable, Equatable {
        public var year: Int
        public var month: Int
        public init?(_ s: String) {
            let p = s.split(separator: "-")
            guard p.count == 2, p[0].count == 4, p[1].count == 2, let y = Int(p[0]), let m = Int(p[1]), (2000...2100).contains(y), (1...12).contains(m) else { return nil }
            year = y; month = m
        }
        public init(year: Int, month: Int) { self.year = year; self.month = month }
        public var text: String { String(format: "%04d-%02d", year, month) }
        public var first: LocalDay { LocalDay(year: year, month: month, day: 1) }
        public var next: LocalDay { month == 12 ? LocalDay(year: year + 1, month: 1, day: 1) : LocalDay(year: year, month: month + 1, day: 1) }
    }

    public func settings() async throws -> AssessmentSettings {
        for try await (r, res, sat, basic, sample, missing, kb) in try await db.client.query("""
            SELECT response_weight, resolution_weight, satisfaction_weight, basically_satisfied_weight, answer_sample_percent,
                   missing_rate, kb_routing
            FROM assessment_settings WHERE id = 1
            """, logger: db.logger).decode((Double, Double, Double, Double, Int32, String, Bool).self) {
            return AssessmentSettings(responseWeight: r, resolutionWeight: res, satisfactionWeight: sat, basicallySatisfiedWeight: basic,
                                      answerSamplePercent: Int(sample), missingRate: .init(rawValue: missing) ?? .renormalize, kbRouting: kb)
        }
        return AssessmentSettings()
    }

    public func saveSettings(_ s: AssessmentSettings) async throws -> AssessmentSettings {
        try await db.client.query("""
            UPDATE assessment_settings SET response_weight = \(s.responseWeight), resolution_weight = \(s.resolutionWeight),
                satisfaction_weight = \(s.satisfactionWeight), basically_satisfied_weight = \(s.basicallySatisfiedWeight),
                answer_sample_percent = \(s.answerSamplePercent), missing_rate = \(s.missingRate.rawValue), kb_routing = \(s.kbRouting),
                updated_at = now()
            WHERE id = 1
            """, logger: db.logger)
        db.config.invalidate()
        return try await settings()
    }

    /// Counts per unit over the month's cohort (lead and co-unit assignments dispatched in the
    /// month) — one pass, grouped by unit. A reopened assignment is judged on its first round
    /// (its reply, deadline and verdict stay as they were); the callback that counts is the
    /// assignment's latest reached one — during rework that is the unsatisfied callback that
    /// caused it — unless judged unreasonable or the ticket closed unreachable.
    public func countsByUnit(month: Month, now: Date) async throws -> [Int64: UnitCounts] {
        let from = zone.startOfDay(month.first), to = zone.startOfDay(month.next)
        try await db.ensureReaderReachable()
        let rows = try await db.reader.query("""
            WITH cohort AS (
                SELECT a.id, a.unit_id, a.role, a.status, t.closed_reason,
                       COALESCE(r.response_deadline, a.response_deadline) AS response_deadline,
                       CASE WHEN r.assignment_id IS NULL THEN a.response_met_at ELSE r.response_met_at END AS response_met_at,
                       COALESCE(r.close_deadline, a.close_deadline) AS close_deadline,
                       CASE WHEN r.assignment_id IS NULL THEN a.close_met_at ELSE r.close_met_at END AS close_met_at,
                       a.round, a.close_deadline AS current_deadline, a.close_met_at AS current_met_at,
                       a.extension_days + COALESCE(r.extension_days, 0) AS extension_days, a.reopen_count
                FROM assignments a JOIN tickets t ON t.id = a.ticket_id
                LEFT JOIN assignment_rounds r ON r.assignment_id = a.id AND r.round = 1
                WHERE a.dispatched_at >= \(from) AND a.dispatched_at < \(to) AND t.status <> 'terminated'),
            counted AS (
                SELECT DISTINCT ON (c.assignment_id) c.assignment_id, c.satisfaction, c.resolved, c.verdict
                FROM callbacks c JOIN cohort k ON k.id = c.assignment_id AND k.role = 'lead'
                WHERE c.reached
                ORDER BY c.assignment_id, c.at DESC, c.id DESC)
            SELECT k.unit_id,
                count(*) FILTER (WHERE k.role = 'lead'),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status = 'returned'),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND k.response_met_at <= k.response_deadline),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND (k.close_met_at IS NOT NULL OR k.close_deadline <= \(now))),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND k.close_met_at <= k.close_deadline),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND (k.close_met_at > k.close_deadline
                                    OR (k.close_met_at IS NULL AND k.close_deadline < \(now))
                                    OR (k.round > 1 AND (k.current_met_at > k.current_deadline
                                        OR (k.current_met_at IS NULL AND k.current_deadline < \(now)))))),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND k.extension_days > 0),
                count(*) FILTER (WHERE k.role = 'lead' AND k.status <> 'returned' AND k.reopen_count > 0),
                count(c.assignment_id),
                count(*) FILTER (WHERE c.resolved),
                count(*) FILTER (WHERE c.satisfaction = 'satisfied'),
                count(*) FILTER (WHERE c.satisfaction = 'basically_satisfied'),
                count(*) FILTER (WHERE c.satisfaction = 'unsatisfied'),
                count(*) FILTER (WHERE k.role = 'co'),
                count(*) FILTER (WHERE k.role = 'co' AND (k.close_met_at IS NOT NULL OR k.close_deadline <= \(now))),
                count(*) FILTER (WHERE k.role = 'co' AND k.close_met_at <= k.close_deadline)
            FROM cohort k
            LEFT JOIN counted c ON c.assignment_id = k.id AND c.verdict IS DISTINCT FROM 'close_unreasonable'
                AND k.closed_reason IS DISTINCT FROM 'unreachable'
            GROUP BY k.unit_id
            """, logger: db.logger)
        var out: [Int64: UnitCounts] = [:]
        for try await row in rows {
            let r = row.makeRandomAccess()
            let n = try (1...16).map { Int(try r[$0].decode(Int64.self)) }
            var c = UnitCounts()
            c.dispatched = n[0]; c.returned = n[1]; c.respondedInTime = n[2]; c.due = n[3]; c.closedInTime = n[4]
            c.overdue = n[5]; c.extended = n[6]; c.reopened = n[7]; c.reached = n[8]; c.resolved = n[9]
            c.satisfied = n[10]; c.basicallySatisfied = n[11]; c.unsatisfied = n[12]
            c.coDispatched = n[13]; c.coDue = n[14]; c.coRepliedInTime = n[15]
            out[try r[0].decode(Int64.self)] = c
        }
        return out
    }

    /// Every unit with its root-to-unit path.
    public func unitTree() async throws -> [(OrgUnit, [Int64])] {
        var out: [(OrgUnit, [Int64])] = []
        for try await (id, code, name, parent, level, region, active, path) in try await db.reader.query("""
            SELECT id, code, name, parent_id, level, region_code, active, path FROM units ORDER BY code
            """, logger: db.logger).decode((Int64, String, String, Int64?, String, String?, Bool, [Int64]).self) {
            out.append((ReferenceStore.unit((id, code, name, parent, level, region, active)), path))
        }
        return out
    }

    public struct HotlineVolume: Sendable, Codable, Equatable {
        public var hotlineNumber: String
        public var hotlineName: String
        public var channel: String
        public var received: Int
        public var answeredDirectly: Int
        public var directAnswerRate: Double?
    }

    /// Tickets received in the month per merged hotline and channel, and how many were answered
    /// directly on the call (直接答复).
    public func hotlineVolumes(month: Month) async throws -> [HotlineVolume] {
        let from = zone.startOfDay(month.first), to = zone.startOfDay(month.next)
        var out: [HotlineVolume] = []
        try await db.ensureReaderReachable()
        for try await (number, name, channel, received, answered) in try await db.reader.query("""
            SELECT t.hotline_number, h.name, t.channel, count(*), count(*) FILTER (WHERE t.outcome ? 'answer')
            FROM tickets t JOIN hotlines h ON h.number = t.hotline_number
            WHERE t.received_at >= \(from) AND t.received_at < \(to)
            GROUP BY t.hotline_number, h.name, t.channel
            ORDER BY t.hotline_number, t.channel
            """, logger: db.logger).decode((String, String, String, Int64, Int64).self) {
            out.append(HotlineVolume(hotlineNumber: number, hotlineName: name, channel: channel, received: Int(received),
                                     answeredDirectly: Int(answered), directAnswerRate: received > 0 ? Double(answered) / Double(received) : nil))
        }
        return out
    }

    public struct CallbackDue: Sendable, Codable {
        public var ticket: Ticket
        public var callbackDueAt: Date
        public var attempts: Int
    }

    /// The callback queue: oldest deadline first, keyset-paginated on (deadline, id).
    public func callbacksDue(limit: Int, after: (Date, Int64)?) async throws -> [CallbackDue] {
        var out: [CallbackDue] = []
        let afterAt = after?.0, afterId = after?.1
        for try await row in try await db.client.query("""
            SELECT \(unescaped: TicketStore.columns), t.callback_due_at,
                   (SELECT count(*) FROM callbacks c WHERE c.ticket_id = t.id AND NOT c.reached
                      AND c.at > COALESCE((SELECT a.close_met_at FROM assignments a
                                           WHERE a.ticket_id = t.id AND a.role = 'lead' AND a.status = 'active'), '-infinity')) AS attempts
            FROM tickets t
            WHERE t.callback_due_at IS NOT NULL
              AND (\(afterAt)::timestamptz IS NULL OR (t.callback_due_at, t.id) > (\(afterAt), \(afterId)))
            ORDER BY t.callback_due_at, t.id
            LIMIT \(limit)
            """, logger: db.logger) {
            let r = row.makeRandomAccess()
            out.append(CallbackDue(ticket: try TicketStore.ticket(row), callbackDueAt: try r["callback_due_at"].decode(Date.self),
                                   attempts: Int(try r["attempts"].decode(Int64.self))))
        }
        return out
    }
}
