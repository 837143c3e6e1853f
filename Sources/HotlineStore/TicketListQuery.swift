import Foundation
import HotlineCore
import PostgresNIO

/// `GET /v1/tickets`: filters, newest first, keyset pagination on (received_at, id).
public struct TicketFilter: Sendable, Equatable {
    public var statuses: [String]?
    public var hotlineNumber: String?
    public var channel: String?
    public var nature: String?
    public var categoryCode: String?
    public var regionCode: String?
    public var unitId: Int64?
    /// Tickets whose active assignment (lead or co) is with this unit: the unit inbox.
    public var activeUnitId: Int64?
    /// Tickets whose lead assignment has a running clock past its deadline at `now`.
    public var overdue: Bool = false
    public var now: Date = Date()
    public var receivedFrom: Date?
    public var receivedTo: Date?
    public var text: String?
    public var limit: Int = 50
    public var cursor: TicketCursor?
    public init() {}
}

/// Position after the last item of a page: its received_at (µs since epoch) and id.
public struct TicketCursor: Sendable, Equatable {
    public var receivedAtMicros: Int64
    public var id: Int64

    public init(receivedAtMicros: Int64, id: Int64) {
        self.receivedAtMicros = receivedAtMicros
        self.id = id
    }

    /// Opaque to clients: base64url of "micros.id".
    public var encoded: String {
        Data("\(receivedAtMicros).\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public init?(encoded: String) {
        guard encoded.count <= 64 else { return nil }
        var b64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let s = String(data: data, encoding: .utf8) else { return nil }
        let parts = s.split(separator: ".")
        guard parts.count == 2, let t = Int64(parts[0]), let i = Int64(parts[1]) else { return nil }
        self.receivedAtMicros = t
        self.id = i
    }
}

extension TicketStore {
    public func list(_ f: TicketFilter, for principal: Principal) async throws -> (items: [Ticket], next: TicketCursor?) {
        let cursorAt: Date? = f.cursor.map { Date(timeIntervalSince1970: Double($0.receivedAtMicros) / 1_000_000) }
        let cursorId = f.cursor?.id
        let scopeUnit: Int64? = principal.role == .handler ? (principal.unitId ?? -1) : nil
        let pattern = f.text.map { "%" + Self.escapeLike($0) + "%" }
        let fetch = f.limit + 1
        let rows = try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM tickets t
            WHERE (\(f.statuses)::text[] IS NULL OR t.status = ANY(\(f.statuses)::text[]))
              AND (\(f.hotlineNumber)::text IS NULL OR t.hotline_number = \(f.hotlineNumber))
              AND (\(f.channel)::text IS NULL OR t.channel = \(f.channel))
              AND (\(f.nature)::text IS NULL OR t.nature = \(f.nature))
              AND (\(f.categoryCode)::text IS NULL OR t.category_code = \(f.categoryCode))
              AND (\(f.regionCode)::text IS NULL OR t.region_code = \(f.regionCode))
              AND (\(f.receivedFrom)::timestamptz IS NULL OR t.received_at >= \(f.receivedFrom))
              AND (\(f.receivedTo)::timestamptz IS NULL OR t.received_at < \(f.receivedTo))
              AND (\(pattern)::text IS NULL OR (t.title || ' ' || t.content) ILIKE \(pattern))
              AND (\(f.unitId)::bigint IS NULL OR EXISTS (
                    SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.unit_id = \(f.unitId)))
              AND (\(f.activeUnitId)::bigint IS NULL OR EXISTS (
                    SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.unit_id = \(f.activeUnitId) AND a.status = 'active'))
              AND (NOT \(f.overdue) OR EXISTS (
                    SELECT 1 FROM assignments a WHERE a.ticket_id = t.id AND a.role = 'lead' AND a.status = 'active'
                      AND ((a.response_met_at IS NULL AND a.response_deadline < \(f.now))
                        OR (a.close_met_at IS NULL AND a.close_deadline < \(f.now)))))
              AND (\(scopeUnit)::bigint IS NULL OR EXISTS (
                    SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                    WHERE a.ticket_id = t.id AND u.path @> ARRAY[\(scopeUnit)]::bigint[]))
              AND (\(cursorAt)::timestamptz IS NULL OR (t.received_at, t.id) < (\(cursorAt), \(cursorId)))
            ORDER BY t.received_at DESC, t.id DESC
            LIMIT \(fetch)
            """, logger: db.logger)
        var items: [Ticket] = []
        for try await row in rows { items.append(try Self.ticket(row)) }
        var next: TicketCursor? = nil
        if items.count > f.limit {
            items.removeLast()
            if let last = items.last, let id = Int64(last.id) {
                next = TicketCursor(receivedAtMicros: Int64((last.receivedAt.timeIntervalSince1970 * 1_000_000).rounded()), id: id)
            }
        }
        return (items, next)
    }

    static func escapeLike(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\\" || ch == "%" || ch == "_" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
