import Crypto
import Foundation
import HotlineCore
import PostgresNIO

/// The transactional outbox, taken off by the fan-out: every committed event gets its place in
/// the feed and a delivery row for each subscription that may see it. One fan-out at a time in
/// the whole cluster (an advisory lock), so feed positions follow commit order and a ticket's
/// deliveries are queued in the order of its events.
public struct OutboxStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    static let fanOutLock: Int64 = 0x1234_5000_0001

    struct QueuedEvent {
        var id: Int64
        var ticketId: Int64
        var kind: String
        var noticeUnit: Int64?
    }

    struct Subscription {
        var id: Int64
        var scope: SubscriptionScope
        var partnerUnit: Int64?
    }

    /// Events taken off the outbox per fan-out transaction.
    public static let fanOutBatch = 1000

    /// Takes up to `limit` events off the outbox; answers how many (0 when another instance holds the fan-out).
    @discardableResult
    public func fanOut(limit: Int = fanOutBatch) async throws -> Int {
        try await db.transaction { conn in
            var locked = false
            for try await l in try await conn.query("SELECT pg_try_advisory_xact_lock(\(Self.fanOutLock))", logger: db.logger)
                .decode(Bool.self) { locked = l }
            guard locked else { return 0 }
            var events: [QueuedEvent] = []
            for try await (id, ticket, kind, to, unit) in try await conn.query("""
                WITH taken AS (DELETE FROM outbox WHERE event_id IN (SELECT event_id FROM outbox ORDER BY event_id LIMIT \(limit)) RETURNING event_id)
                SELECT e.id, e.ticket_id, e.kind, e.to_status, e.payload->>'unit_id' FROM ticket_events e JOIN taken ON taken.event_id = e.id
                ORDER BY e.id
                """, logger: db.logger).decode((Int64, Int64, String, String?, String?).self) {
                events.append(QueuedEvent(id: id, ticketId: ticket, kind: OutwardKind.of(stored: kind, to: to), noticeUnit: unit.flatMap { Int64($0) }))
            }
            guard !events.isEmpty else { return 0 }
            let ids = events.map(\.id)
            try await conn.query("""
                INSERT INTO event_feed (event_id) SELECT x FROM unnest(\(ids)::bigint[]) WITH ORDINALITY AS u(x, o) ORDER BY o
                ON CONFLICT (event_id) DO NOTHING
                """, logger: db.logger)
            let subs = try await subscriptions(conn)
            guard !subs.isEmpty else { return events.count }
            let tickets = Array(Set(events.map(\.ticketId)))
            let noticeUnits = Array(Set(events.compactMap(\.noticeUnit)))
            var hooks: [Int64] = [], eventIds: [Int64] = [], ticketIds: [Int64] = []
            for s in subs {
                var inScope: Set<Int64>? = nil, unitsInScope: Set<Int64> = []
                switch s.scope.owner {
                case .center: inScope = nil
                case .unit(let u):
                    inScope = try await ticketsUnder(conn, unit: u, among: tickets)
                    unitsInScope = try await unitsUnder(conn, unit: u, among: noticeUnits)
                case .partner(let p):
                    var set = try await partnerTickets(conn, partner: p, among: tickets)
                    if let u = s.partnerUnit { set.formUnion(try await ticketsUnder(conn, unit: u, among: tickets)) }
                    inScope = set
                }
                for e in events where s.scope.accepts(kind: e.kind, ticketInScope: inScope?.contains(e.ticketId) ?? true,
                                                       noticeUnitInScope: e.noticeUnit.map(unitsInScope.contains) ?? false) {
                    hooks.append(s.id); eventIds.append(e.id); ticketIds.append(e.ticketId)
                }
            }
            if !hooks.isEmpty {
                try await conn.query("""
                    INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id)
                    SELECT * FROM unnest(\(hooks)::bigint[], \(eventIds)::bigint[], \(ticketIds)::bigint[])
                    ON CONFLICT (webhook_id, event_id) DO NOTHING
                    """, logger: db.logger)
            }
            return events.count
        }
    }

    func subscriptions(_ conn: PostgresConnection) async throws -> [Subscription] {
        var out: [Subscription] = []
        for try await (id, kinds, unit, partner, personal, partnerUnit) in try await conn.query("""
            SELECT w.id, w.events, w.unit_id, w.partner_id, w.personal_data, p.partner_unit_id
            FROM webhooks w LEFT JOIN users p ON p.id = w.partner_id WHERE w.active
            """, logger: db.logger).decode((Int64, [String], Int64?, Int64?, Bool, Int64?).self) {
            let owner: SubscriptionScope.Owner = unit.map { .unit($0) } ?? partner.map { .partner($0) } ?? .center(personalData: personal)
            out.append(Subscription(id: id, scope: SubscriptionScope(owner: owner, kinds: Set(kinds)), partnerUnit: partnerUnit))
        }
        return out
    }

    func ticketsUnder(_ conn: PostgresConnection, unit: Int64, among tickets: [Int64]) async throws -> Set<Int64> {
        var out: Set<Int64> = []
        for try await t in try await conn.query("""
            SELECT DISTINCT a.ticket_id FROM assignments a JOIN units u ON u.id = a.unit_id
            WHERE a.ticket_id = ANY(\(tickets)::bigint[]) AND u.path @> ARRAY[\(unit)]::bigint[]
            """, logger: db.logger).decode(Int64.self) { out.insert(t) }
        return out
    }

    func unitsUnder(_ conn: PostgresConnection, unit: Int64, among units: [Int64]) async throws -> Set<Int64> {
        guard !units.isEmpty else { return [] }
        var out: Set<Int64> = []
        for try await u in try await conn.query("""
            SELECT id FROM units WHERE id = ANY(\(units)::bigint[]) AND path @> ARRAY[\(unit)]::bigint[]
            """, logger: db.logger).decode(Int64.self) { out.insert(u) }
        return out
    }

    func partnerTickets(_ conn: PostgresConnection, partner: Int64, among tickets: [Int64]) async throws -> Set<Int64> {
        var out: Set<Int64> = []
        for try await t in try await conn.query("""
            SELECT ticket_id FROM ticket_partners WHERE partner_id = \(partner) AND ticket_id = ANY(\(tickets)::bigint[])
            """, logger: db.logger).decode(Int64.self) { out.insert(t) }
        return out
    }
}

// MARK: deliveries

extension OutboxStore {
    /// A delivery claimed for one attempt: nobody else tries it until the lease runs out.
    public struct Claimed: Sendable {
        public var id: Int64
        public var webhookId: Int64
        public var url: String
        public var secretBox: Data
        public var personalData: Bool
        public var unitId: Int64?
        public var partnerId: Int64?
        public var eventId: Int64
        public var kind: String
        public var at: Date
        public var ticketId: Int64
        public var payload: [String: String]
        public var fromStatus: String?
        public var toStatus: String?
        public var attempts: Int
        public var retryFrom: Date
    }

    /// Claims due deliveries: pending, due, not leased, and the first pending one of their
    /// (subscription, ticket) — a ticket's later events wait for its earlier ones.
    public func claim(limit: Int, lease: TimeInterval) async throws -> [Claimed] {
        let leaseSeconds = Int(lease)
        var out: [Claimed] = []
        for try await row in try await db.client.query("""
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id AND w.active
                WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.lease_until IS NULL OR d.lease_until < now())
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.webhook_id = d.webhook_id AND p.ticket_id = d.ticket_id
                                  AND p.status = 'pending' AND p.event_id < d.event_id)
                ORDER BY d.next_attempt_at, d.id LIMIT \(limit) FOR UPDATE OF d SKIP LOCKED),
            claimed AS (
                UPDATE webhook_deliveries d SET lease_until = now() + make_interval(secs => \(leaseSeconds)), attempts = d.attempts + 1
                FROM due WHERE d.id = due.id RETURNING d.*)
            SELECT c.id, c.webhook_id, w.url, w.secret_box, w.personal_data, w.unit_id, w.partner_id, e.id, e.kind, e.at, e.ticket_id,
                   e.payload::text, e.from_status, e.to_status, c.attempts, c.retry_from
            FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN ticket_events e ON e.id = c.event_id
            ORDER BY c.id
            """, logger: db.logger) {
            let (id, hook, url, box, personal, unit, partner, eid, kind, at, ticket, payload, from, to, attempts, retryFrom) =
                try row.decode((Int64, Int64, String, Data, Bool, Int64?, Int64?, Int64, String, Date, Int64, String, String?, String?, Int32, Date).self)
            let dict = (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: String] ?? [:]
            out.append(Claimed(id: id, webhookId: hook, url: url, secretBox: box, personalData: personal, unitId: unit, partnerId: partner,
                               eventId: eid, kind: kind, at: at, ticketId: ticket, payload: dict, fromStatus: from, toStatus: to,
                               attempts: Int(attempts), retryFrom: retryFrom))
        }
        return out
    }

    public func delivered(_ id: Int64, status: Int) async throws {
        try await db.client.query("""
            UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_status = \(status), last_error = NULL,
                lease_until = NULL WHERE id = \(id) AND status = 'pending'
            """, logger: db.logger)
    }

    /// A failed attempt: tried again at `next`, or given up (nil).
    public func failed(_ id: Int64, status: Int?, error: String, next: Date?) async throws {
        let text = String(error.prefix(500))
        try await db.client.query("""
            UPDATE webhook_deliveries SET last_status = \(status.map(Int32.init)), last_error = \(text), lease_until = NULL,
                status = CASE WHEN \(next)::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE(\(next), next_attempt_at)
            WHERE id = \(id) AND status = 'pending'
            """, logger: db.logger)
    }
}
