import Foundation
import HotlineCore
import PostgresNIO

/// Who saw which caller's personal data (name, phone, address), when, and why.
public struct AccessLog: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public enum Action: String, Sendable { case read, list, reveal, export, deliver, download }

    public struct Entry: Sendable, Codable, Equatable {
        public var id: String
        public var at: Date
        public var actorId: String?
        public var actorLogin: String?
        public var actorRole: String
        public var action: String
        public var ticketId: String?
        public var fields: [String]
        public var requestId: String?
        public var reason: String
    }

    /// The personal-data fields a ticket's caller record holds.
    public static func fields(_ caller: Caller?) -> [String] {
        guard let c = caller else { return [] }
        return [("caller.name", c.name), ("caller.phone", c.phone), ("caller.address", c.address)].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// Records one access per ticket that showed personal data, in one statement.
    public func record(_ action: Action, by p: Principal, tickets: [(Int64, [String])], requestId: String?, reason: String = "") async throws {
        let shown = tickets.filter { !$0.1.isEmpty }
        guard !shown.isEmpty else { return }
        let ids = shown.map(\.0)
        let fields = shown.map { $0.1.joined(separator: ",") }
        try await db.client.query("""
            INSERT INTO access_log (actor_id, actor_role, action, ticket_id, fields, request_id, reason)
            SELECT \(p.userId), \(p.role.rawValue), \(action.rawValue), t, string_to_array(f, ','), \(requestId), \(reason)
            FROM unnest(\(ids)::bigint[], \(fields)::text[]) AS x(t, f)
            """, logger: db.logger)
    }

    /// A webhook delivery that carried the caller's personal data (to a hotline-center gateway).
    public func recordDelivery(ticket: Int64, fields: [String], webhook: Int64) async throws {
        guard !fields.isEmpty else { return }
        try await db.client.query("""
            INSERT INTO access_log (actor_role, action, ticket_id, fields, reason)
            VALUES ('webhook', 'deliver', \(ticket), \(fields), \("webhook \(webhook)"))
            """, logger: db.logger)
    }

    /// A download of an attachment (every one is logged, whoever downloads it: API.md "Attachments").
    public func recordDownload(by p: Principal, ticket: Int64, attachment: Int64, requestId: String?, via: String) async throws {
        try await db.client.query("""
            INSERT INTO access_log (actor_id, actor_role, action, ticket_id, attachment_id, fields, request_id, reason)
            VALUES (\(p.userId), \(p.role.rawValue), 'download', \(ticket), \(attachment), ARRAY['attachment'], \(requestId), \(via))
            """, logger: db.logger)
    }

    /// Records an export that contains personal data (no single ticket).
    public func recordExport(by p: Principal, fields: [String], requestId: String?, reason: String) async throws {
        try await db.client.query("""
            INSERT INTO access_log (actor_id, actor_role, action, fields, request_id, reason)
            VALUES (\(p.userId), \(p.role.rawValue), 'export', \(fields), \(requestId), \(reason))
            """, logger: db.logger)
    }

    public func search(ticketId: Int64?, actor: String?, from: Date?, to: Date?, limit: Int, beforeId: Int64?) async throws -> [Entry] {
        var out: [Entry] = []
        for try await (id, at, actorId, login, role, action, ticket, fields, requestId, reason) in try await db.client.query("""
            SELECT l.id, l.at, l.actor_id, u.login, l.actor_role, l.action, l.ticket_id, l.fields, l.request_id, l.reason
            FROM access_log l LEFT JOIN users u ON u.id = l.actor_id
            WHERE (\(ticketId)::bigint IS NULL OR l.ticket_id = \(ticketId))
              AND (\(actor)::text IS NULL OR u.login = \(actor) OR l.actor_id::text = \(actor))
              AND (\(from)::timestamptz IS NULL OR l.at >= \(from))
              AND (\(to)::timestamptz IS NULL OR l.at < \(to))
              AND (\(beforeId)::bigint IS NULL OR l.id < \(beforeId))
            ORDER BY l.id DESC LIMIT \(limit)
            """, logger: db.logger).decode((Int64, Date, Int64?, String?, String, String, Int64?, [String], String?, String).self) {
            out.append(Entry(id: String(id), at: at, actorId: actorId.map(String.init), actorLogin: login, actorRole: role, action: action,
                             ticketId: ticket.map(String.init), fields: fields, requestId: requestId, reason: reason))
        }
        return out
    }
}
