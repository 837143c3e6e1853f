import Foundation
import HotlineCore
import PostgresNIO

/// `GET /v1/events`: the outbox's events pulled by cursor (the feed position the fan-out gave
/// them), scoped like webhooks: a handler sees its subtree's tickets, a partner its own; nobody
/// reads the caller's notices here.
public struct EventFeed: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct Item: Sendable, Codable, Equatable {
        public var id: String
        public var kind: String
        public var occurredAt: Date
        public var ticketId: String
        public var ticketNumber: String
        public var fromStatus: String?
        public var toStatus: String?
        public var data: [String: String]
    }

    /// Up to `limit` items after feed position `after`, and the position to go on from — also at the
    /// end, so a poller keeps its place.
    public func page(for p: Principal, after: Int64, kinds: Set<String>?, limit: Int) async throws -> (items: [Item], next: Int64) {
        var items: [Item] = []
        var position = after
        while items.count < limit {
            let batch = 500
            var q = StatementBuilder()
            q.sql("""
                SELECT f.seq, e.id, e.kind, e.at, e.ticket_id, t.number, e.from_status, e.to_status, e.payload::text
                FROM event_feed f JOIN ticket_events e ON e.id = f.event_id JOIN tickets t ON t.id = e.ticket_id
                WHERE e.kind <> 'notice.caller' AND f.seq >
                """)
            q.value(position)
            switch p.role {
            case .handler:
                let unit = p.unitId ?? -1
                q.withinUnit("e.ticket_id", unit)
                // A unit's notices only to the units they are addressed to.
                q.sql(" AND (e.kind <> 'notice.unit' OR EXISTS (SELECT 1 FROM units nu WHERE nu.id::text = e.payload->>'unit_id' AND nu.path @> ARRAY[")
                q.value(unit)
                q.sql("]::bigint[]))")
            case .partner:
                q.partnersOwn("e.ticket_id", p)
            default: break
            }
            q.sql(" ORDER BY f.seq LIMIT ")
            q.value(batch)
            var seen = 0
            for try await (seq, id, kind, at, ticket, number, from, to, payload) in try await db.client.query(q.query, logger: db.logger)
                .decode((Int64, Int64, String, Date, Int64, String, String?, String?, String).self) {
                seen += 1
                guard items.count < limit else { break }
                position = seq
                let outward = OutwardKind.of(stored: kind, to: to)
                if let kinds, !kinds.contains(outward) { continue }
                let data = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: String] ?? [:]
                items.append(Item(id: String(id), kind: outward, occurredAt: at, ticketId: String(ticket), ticketNumber: number,
                                  fromStatus: from, toStatus: to, data: data))
            }
            if seen < batch && items.count < limit { return (items, position) }
        }
        return (items, position)
    }
}
