import Foundation
import HotlineCore
import PostgresNIO

/// The reads the workbench's pages need beyond the API's own: a unit's inbox due first, and the
/// supervisor's board. Each is a walk over an index of what is running or of today, never a scan
/// of the tickets' history.
public struct WorkbenchStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct InboxRow: Sendable, Equatable {
        public var ticketId: Int64
        public var number: String
        public var title: String
        public var status: String
        public var receivedAt: Date
        public var role: String
        /// The running clock: `response` (签收) until signed, then `close` (办结; for a co-unit its reply).
        public var clock: String?
        public var due: Date?
        public var suspended: Bool
    }

    /// Tabs of a handler's inbox (the same states as `GET /v1/units/{id}/inbox?state=`).
    public enum InboxState: String, Sendable, CaseIterable {
        case toAccept = "to_accept", inProgress = "in_progress", returned, overdue

        public var statuses: [TicketStatus] {
            switch self {
            case .toAccept: return [.dispatched, .reopened]
            case .inProgress: return [.accepted, .extensionRequested, .suspensionRequested, .suspended, .replied]
            case .returned: return [.returnRequested]
            case .overdue: return Array(Lifecycle.working)
            }
        }
    }

    /// The unit's active assignments in `state`, what is due first first (no deadline last).
    public func inbox(unit: Int64, state: InboxState, now: Date, limit: Int = 200) async throws -> [InboxRow] {
        let statuses = state.statuses.map(\.rawValue)
        let overdueOnly = state == .overdue
        var out: [InboxRow] = []
        for try await (id, number, title, status, received, role, rMet, rDue, cMet, cDue, suspended) in try await db.client.query("""
            SELECT t.id, t.number, t.title, t.status, t.received_at, a.role,
                   a.response_met_at, a.response_deadline, a.close_met_at, a.close_deadline, a.suspended_since IS NOT NULL
            FROM assignments a JOIN tickets t ON t.id = a.ticket_id
            WHERE a.unit_id = \(unit) AND a.status = 'active' AND t.status = ANY(\(statuses)::text[])
              AND (NOT \(overdueOnly) OR (a.response_met_at IS NULL AND a.response_deadline < \(now))
                                      OR (a.close_met_at IS NULL AND a.close_deadline < \(now)))
            ORDER BY CASE WHEN a.response_met_at IS NULL THEN a.response_deadline ELSE a.close_deadline END NULLS LAST, t.id
            LIMIT \(limit)
            """, logger: db.logger).decode((Int64, String, String, String, Date, String, Date?, Date?, Date?, Date?, Bool).self) {
            let responding = rMet == nil
            let clock: String? = responding ? (rDue == nil ? nil : "response") : (cMet == nil && cDue != nil ? "close" : nil)
            out.append(InboxRow(ticketId: id, number: number, title: title, status: status, receivedAt: received, role: role,
                                clock: clock, due: responding ? rDue : (cMet == nil ? cDue : nil), suspended: suspended))
        }
        return out
    }

    public struct UnitCount: Sendable, Equatable {
        public var unitId: Int64
        public var unitName: String
        public var count: Int
    }

    /// Lead assignments past a running deadline (the response or the close clock), by unit.
    public func overdueByUnit(now: Date) async throws -> [UnitCount] {
        var out: [UnitCount] = []
        for try await (unit, name, n) in try await db.reader.query("""
            WITH late AS (
                SELECT unit_id FROM assignments
                WHERE status = 'active' AND role = 'lead' AND suspended_since IS NULL AND close_met_at IS NULL AND close_deadline < \(now)
                UNION ALL
                SELECT unit_id FROM assignments
                WHERE status = 'active' AND role = 'lead' AND suspended_since IS NULL AND response_met_at IS NULL AND response_deadline < \(now)
                  AND (close_met_at IS NOT NULL OR close_deadline IS NULL OR close_deadline >= \(now))
            ), counts AS (SELECT unit_id, count(*) AS n FROM late GROUP BY unit_id)
            SELECT c.unit_id, u.name, c.n FROM counts c JOIN units u ON u.id = c.unit_id
            ORDER BY c.n DESC, u.name LIMIT 50
            """, logger: db.logger).decode((Int64, String, Int64).self) {
            out.append(UnitCount(unitId: unit, unitName: name, count: Int(n)))
        }
        return out
    }

    /// Rungs of the ladder issued in [from, to), by level.
    public func escalationsIssued(from: Date, to: Date) async throws -> [EscalationLevel: Int] {
        var out: [EscalationLevel: Int] = [:]
        for try await (level, n) in try await db.reader.query("""
            SELECT level, count(*) FROM escalations WHERE issued_at >= \(from) AND issued_at < \(to) GROUP BY level
            """, logger: db.logger).decode((String, Int64).self) {
            if let l = EscalationLevel(rawValue: level) { out[l] = Int(n) }
        }
        return out
    }

    public struct Intake: Sendable, Equatable {
        /// Tickets received in each hour of the day, 0 to 23 (service zone).
        public var byHour: [Int]
        /// Tickets received per hotline number, most first.
        public var byHotline: [(number: String, name: String, count: Int)]
        public static func == (a: Intake, b: Intake) -> Bool {
            a.byHour == b.byHour && a.byHotline.map(\.number) == b.byHotline.map(\.number) && a.byHotline.map(\.count) == b.byHotline.map(\.count)
        }
    }

    /// Intake of one local day, by hour and by line.
    public func intake(from: Date, to: Date, zone: String) async throws -> Intake {
        var hours = [Int](repeating: 0, count: 24)
        var lines: [String: Int] = [:]
        for try await (hour, number, n) in try await db.reader.query("""
            SELECT extract(hour FROM received_at AT TIME ZONE \(zone))::int, hotline_number, count(*)
            FROM tickets WHERE received_at >= \(from) AND received_at < \(to)
            GROUP BY 1, 2
            """, logger: db.logger).decode((Int, String, Int64).self) {
            if (0..<24).contains(hour) { hours[hour] += Int(n) }
            lines[number, default: 0] += Int(n)
        }
        var names: [String: String] = [:]
        for try await (number, name) in try await db.reader.query("SELECT number, name FROM hotlines", logger: db.logger).decode((String, String).self) {
            names[number] = name
        }
        let byLine = lines.map { (number: $0.key, name: names[$0.key] ?? $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.number < $1.number }
        return Intake(byHour: hours, byHotline: byLine)
    }

    /// Unit names by id (for the pages' tables).
    public func unitNames(_ ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: String] = [:]
        for try await (id, name) in try await db.client.query("SELECT id, name FROM units WHERE id = ANY(\(ids)::bigint[])", logger: db.logger)
            .decode((Int64, String).self) { out[id] = name }
        return out
    }

    /// Units a dispatcher may name as lead (active, any level), by name.
    public func dispatchableUnits(limit: Int = 500) async throws -> [(Int64, String)] {
        var out: [(Int64, String)] = []
        for try await (id, name) in try await db.client.query("SELECT id, name FROM units WHERE active ORDER BY path LIMIT \(limit)", logger: db.logger)
            .decode((Int64, String).self) { out.append((id, name)) }
        return out
    }

    /// The user's display names by id (the timeline says who acted).
    public func userNames(_ ids: [Int64]) async throws -> [Int64: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int64: String] = [:]
        for try await (id, name, login) in try await db.client.query("SELECT id, display_name, login FROM users WHERE id = ANY(\(ids)::bigint[])", logger: db.logger)
            .decode((Int64, String, String).self) { out[id] = name.isEmpty ? login : name }
        return out
    }
}
