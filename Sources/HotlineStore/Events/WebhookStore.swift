import Crypto
import Foundation
import HotlineCore
import PostgresNIO

/// Webhook subscriptions and their delivery log.
public struct WebhookStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct Webhook: Sendable, Codable, Equatable {
        public var id: String
        public var url: String
        public var events: [String]
        public var unitId: String?
        public var partnerId: String?
        public var personalData: Bool
        public var active: Bool
        public var description: String
        public var createdAt: Date
        public var updatedAt: Date
    }

    public struct Fields: Sendable {
        public var url: String
        public var events: [String]
        public var unitId: Int64?
        public var partnerId: Int64?
        public var personalData: Bool
        public var active: Bool
        public var description: String
        public init(url: String, events: [String], unitId: Int64?, partnerId: Int64?, personalData: Bool, active: Bool, description: String) {
            self.url = url; self.events = events; self.unitId = unitId; self.partnerId = partnerId
            self.personalData = personalData; self.active = active; self.description = description
        }
    }

    static let columns = "id, url, events, unit_id, partner_id, personal_data, active, description, created_at, updated_at"

    static func decode(_ row: PostgresRow) throws -> Webhook {
        let (id, url, events, unit, partner, personal, active, description, created, updated) =
            try row.decode((Int64, String, [String], Int64?, Int64?, Bool, Bool, String, Date, Date).self)
        return Webhook(id: String(id), url: url, events: events, unitId: unit.map(String.init), partnerId: partner.map(String.init),
                       personalData: personal, active: active, description: description, createdAt: created, updatedAt: updated)
    }

    /// The references a subscription names must exist: the unit, and a partner account.
    func check(_ f: Fields, _ conn: PostgresConnection) async throws {
        var errors: [FieldError] = []
        if let u = f.unitId {
            var found = false
            for try await _ in try await conn.query("SELECT 1 FROM units WHERE id = \(u)", logger: db.logger).decode(Int.self) { found = true }
            if !found { errors.append(FieldError("unit_id", "unknown unit \(u)")) }
        }
        if let p = f.partnerId {
            var found = false
            for try await _ in try await conn.query("SELECT 1 FROM users WHERE id = \(p) AND role = 'partner'", logger: db.logger)
                .decode(Int.self) { found = true }
            if !found { errors.append(FieldError("partner_id", "unknown partner account \(p)")) }
        }
        if !errors.isEmpty { throw StoreError.invalid(errors) }
    }

    public func create(_ f: Fields, secretBox: Data) async throws -> Webhook {
        try await db.transaction { conn in
            try await check(f, conn)
            for try await row in try await conn.query("""
                INSERT INTO webhooks (url, events, unit_id, partner_id, personal_data, active, description, secret_box)
                VALUES (\(f.url), \(f.events), \(f.unitId), \(f.partnerId), \(f.personalData), \(f.active), \(f.description), \(secretBox))
                RETURNING \(unescaped: Self.columns)
                """, logger: db.logger) { return try Self.decode(row) }
            throw StoreError.conflict("the subscription was not stored")
        }
    }

    public func update(_ id: Int64, _ f: Fields) async throws -> Webhook {
        try await db.transaction { conn in
            try await check(f, conn)
            for try await row in try await conn.query("""
                UPDATE webhooks SET url = \(f.url), events = \(f.events), unit_id = \(f.unitId), partner_id = \(f.partnerId),
                    personal_data = \(f.personalData), active = \(f.active), description = \(f.description), updated_at = now()
                WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                """, logger: db.logger) { return try Self.decode(row) }
            throw StoreError.notFound("webhook \(id)")
        }
    }

    public func get(_ id: Int64) async throws -> Webhook? {
        for try await row in try await db.client.query("SELECT \(unescaped: Self.columns) FROM webhooks WHERE id = \(id)", logger: db.logger) {
            return try Self.decode(row)
        }
        return nil
    }

    public func list(limit: Int, afterId: Int64?) async throws -> [Webhook] {
        var out: [Webhook] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM webhooks WHERE (\(afterId)::bigint IS NULL OR id > \(afterId)) ORDER BY id LIMIT \(limit)
            """, logger: db.logger) { out.append(try Self.decode(row)) }
        return out
    }

    public func delete(_ id: Int64) async throws -> Bool {
        for try await _ in try await db.client.query("DELETE FROM webhooks WHERE id = \(id) RETURNING id", logger: db.logger).decode(Int64.self) {
            return true
        }
        return false
    }

    public struct Delivery: Sendable, Codable, Equatable {
        public var id: String
        public var webhookId: String
        public var eventId: String
        public var kind: String
        public var ticketId: String
        public var status: String
        public var attempts: Int
        public var lastStatus: Int?
        public var lastError: String?
        public var createdAt: Date
        public var nextAttemptAt: Date?
        public var deliveredAt: Date?
    }

    static let deliveryColumns = """
        d.id, d.webhook_id, d.event_id, e.kind, e.to_status, d.ticket_id, d.status, d.attempts, d.last_status, d.last_error, d.created_at,
        d.next_attempt_at, d.delivered_at
        """

    static func delivery(_ row: PostgresRow) throws -> Delivery {
        let (id, hook, event, kind, to, ticket, status, attempts, last, error, created, next, delivered) =
            try row.decode((Int64, Int64, Int64, String, String?, Int64, String, Int32, Int32?, String?, Date, Date, Date?).self)
        return Delivery(id: String(id), webhookId: String(hook), eventId: String(event), kind: OutwardKind.of(stored: kind, to: to),
                        ticketId: String(ticket), status: status, attempts: Int(attempts), lastStatus: last.map(Int.init), lastError: error,
                        createdAt: created, nextAttemptAt: status == "pending" ? next : nil, deliveredAt: delivered)
    }

    /// The delivery log of one subscription, newest first; optionally one status or one event.
    public func deliveries(webhook: Int64, status: String?, eventId: Int64?, limit: Int, beforeId: Int64?) async throws -> [Delivery] {
        var out: [Delivery] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.deliveryColumns) FROM webhook_deliveries d JOIN ticket_events e ON e.id = d.event_id
            WHERE d.webhook_id = \(webhook) AND (\(status)::text IS NULL OR d.status = \(status))
              AND (\(eventId)::bigint IS NULL OR d.event_id = \(eventId)) AND (\(beforeId)::bigint IS NULL OR d.id < \(beforeId))
            ORDER BY d.id DESC LIMIT \(limit)
            """, logger: db.logger) { out.append(try Self.delivery(row)) }
        return out
    }

    /// Queues a delivery again (delivered or given up): it is tried at once, with a fresh day of retries.
    public func redeliver(webhook: Int64, delivery: Int64) async throws -> Delivery? {
        for try await row in try await db.client.query("""
            WITH d AS (
                UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), retry_from = now(), lease_until = NULL
                WHERE id = \(delivery) AND webhook_id = \(webhook) RETURNING *)
            SELECT \(unescaped: Self.deliveryColumns) FROM d JOIN ticket_events e ON e.id = d.event_id
            """, logger: db.logger) { return try Self.delivery(row) }
        return nil
    }
}

/// Webhook secrets are kept so they can sign: sealed with AES-GCM under a 256-bit key derived
/// (SHA-256) from `HOTLINE_SECRET_KEY`, or, when that is not set, from a random key the service
/// keeps in its own database (`service_keys`) — which protects a dump of the webhooks table but not
/// the whole database; production sets the environment key.
public struct SecretBox: Sendable {
    let key: SymmetricKey

    public init(keyMaterial: Data) { key = SymmetricKey(data: SHA256.hash(data: keyMaterial)) }

    public static func load(environment: String?, db: Database) async throws -> SecretBox {
        if let env = environment, !env.isEmpty { return SecretBox(keyMaterial: Data(env.utf8)) }
        let fresh = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        try await db.client.query("INSERT INTO service_keys (name, key) VALUES ('webhook_secrets', \(fresh)) ON CONFLICT DO NOTHING", logger: db.logger)
        for try await k in try await db.client.query("SELECT key FROM service_keys WHERE name = 'webhook_secrets'", logger: db.logger).decode(Data.self) {
            return SecretBox(keyMaterial: k)
        }
        throw StoreError.conflict("no key for webhook secrets")
    }

    public func seal(_ secret: String) throws -> Data {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else { throw StoreError.conflict("sealing failed") }
        return combined
    }

    public func open(_ box: Data) throws -> String {
        String(decoding: try AES.GCM.open(try AES.GCM.SealedBox(combined: box), using: key), as: UTF8.self)
    }
}

/// The notice texts (`unit.dispatched`, `unit.<rung>`, `caller.registered`, `caller.closed`).
public struct NoticeTemplates: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public struct Template: Sendable, Codable, Equatable {
        public var key: String
        public var template: String
    }

    public func all() async throws -> [Template] {
        var out: [Template] = []
        for try await (k, t) in try await db.client.query("SELECT key, template FROM notice_templates ORDER BY key", logger: db.logger)
            .decode((String, String).self) { out.append(Template(key: k, template: t)) }
        return out
    }

    /// Changes an existing template; nil when there is no such key.
    public func put(_ key: String, _ template: String) async throws -> Template? {
        for try await (k, t) in try await db.client.query("""
            UPDATE notice_templates SET template = \(template) WHERE key = \(key) RETURNING key, template
            """, logger: db.logger).decode((String, String).self) { return Template(key: k, template: t) }
        return nil
    }
}
