import Foundation
import HotlineCore
import PostgresNIO

/// 纠错 tasks in PostgreSQL; the rules (kinds, deadline, what resolves a task) are
/// `KnowledgeFeedback` in HotlineCore.
public struct FeedbackStore: Sendable {
    public let db: Database
    public let zone: ServiceClockZone
    public init(db: Database, zone: ServiceClockZone) { self.db = db; self.zone = zone }

    public struct Feedback: Sendable, Codable, Equatable {
        public var id: String
        public var entryId: String
        public var entryCode: String
        public var entryVersion: Int
        public var ownerUnitId: String?
        public var kind: KnowledgeFeedback.Kind
        public var note: String
        public var createdBy: String?
        public var createdAt: Date
        public var dueAt: Date
        public var overdue: Bool
        public var state: KnowledgeFeedback.State
        public var resolution: KnowledgeFeedback.Resolution?
        public var resolutionNote: String?
        public var resolvedVersion: Int?
        public var resolvedBy: String?
        public var resolvedAt: Date?
    }

    static let columns = """
        f.id, f.entry_id, e.code, f.entry_version, f.owner_unit_id, f.kind, f.note, f.created_by, f.created_at, f.due_at, f.state,
        f.resolution, f.resolution_note, f.resolved_version, f.resolved_by, f.resolved_at
        """

    static func feedback(_ row: PostgresRow, now: Date) throws -> Feedback {
        let (id, entry, code, version, owner, kind, note, by, at, due, state, resolution, rnote, rversion, rby, rat) =
            try row.decode((Int64, Int64, String, Int32, Int64?, String, String, Int64?, Date, Date, String, String?, String,
                            Int32?, Int64?, Date?).self)
        let s = KnowledgeFeedback.State(rawValue: state) ?? .open
        return Feedback(id: String(id), entryId: String(entry), entryCode: code, entryVersion: Int(version),
                        ownerUnitId: owner.map(String.init), kind: KnowledgeFeedback.Kind(rawValue: kind) ?? .wrong, note: note,
                        createdBy: by.map(String.init), createdAt: at, dueAt: due, overdue: s == .open && due < now, state: s,
                        resolution: resolution.flatMap(KnowledgeFeedback.Resolution.init(rawValue:)),
                        resolutionNote: s == .resolved ? rnote : nil, resolvedVersion: rversion.map(Int.init),
                        resolvedBy: rby.map(String.init), resolvedAt: rat)
    }

    /// Flags the entry's current version; the owner unit's task is due on the working-day calendar.
    public func flag(entry: Int64, kind: KnowledgeFeedback.Kind, note: String, by user: Int64?, now: Date) async throws -> Feedback {
        let config = try await db.config.current(db, zone: zone)
        let due = KnowledgeFeedback.due(flaggedAt: now, DeadlineCalculator(calendar: config.calendar, zone: zone))
        return try await db.transaction { conn in
            var id: Int64? = nil
            for try await v in try await conn.query("""
                INSERT INTO kb_feedback (entry_id, entry_version, owner_unit_id, kind, note, created_by, created_at, due_at)
                SELECT id, current_version, owner_unit_id, \(kind.rawValue), \(note), \(user), \(now), \(due)
                FROM kb_entries WHERE id = \(entry) AND retired_at IS NULL
                RETURNING id
                """, logger: db.logger).decode(Int64.self) { id = v }
            guard let id else { throw StoreError.notFound("knowledge-base entry \(entry) (or it is retired)") }
            return try await one(conn, id, now: now)!
        }
    }

    public func get(_ id: Int64, now: Date) async throws -> Feedback? {
        try await db.client.withConnection { try await one($0, id, now: now) }
    }

    private func one(_ conn: PostgresConnection, _ id: Int64, now: Date) async throws -> Feedback? {
        for try await row in try await conn.query("""
            SELECT \(unescaped: Self.columns) FROM kb_feedback f JOIN kb_entries e ON e.id = f.entry_id WHERE f.id = \(id)
            """, logger: db.logger) { return try Self.feedback(row, now: now) }
        return nil
    }

    /// Feedback by state and owner unit, oldest deadline first for open tasks and newest first for
    /// resolved ones; `within` restricts to a unit's subtree (a handler sees its own unit's tasks).
    public func list(state: KnowledgeFeedback.State?, unit: Int64?, within: Int64?, after: Int64?, limit: Int, now: Date) async throws -> [Feedback] {
        var out: [Feedback] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM kb_feedback f JOIN kb_entries e ON e.id = f.entry_id
            WHERE (\(state?.rawValue)::text IS NULL OR f.state = \(state?.rawValue))
              AND (\(unit)::bigint IS NULL OR f.owner_unit_id = \(unit))
              AND (\(within)::bigint IS NULL OR f.owner_unit_id IN (SELECT id FROM units WHERE path @> ARRAY[\(within)]::bigint[]))
              AND (\(after)::bigint IS NULL OR f.id > \(after))
            ORDER BY f.id LIMIT \(limit + 1)
            """, logger: db.logger) { out.append(try Self.feedback(row, now: now)) }
        return out
    }

    /// Resolves the task. `check` sees the feedback first (the API's ownership rule).
    public func resolve(_ id: Int64, resolution: KnowledgeFeedback.Resolution, note: String, by user: Int64?, now: Date,
                        check: (Feedback) async throws -> Void) async throws -> Feedback {
        try await db.transaction { conn in
            var version: Int32? = nil
            for try await v in try await conn.query("""
                SELECT e.current_version FROM kb_feedback f JOIN kb_entries e ON e.id = f.entry_id WHERE f.id = \(id) FOR UPDATE OF f
                """, logger: db.logger).decode(Int32.self) { version = v }
            guard let version, let f = try await one(conn, id, now: now) else { throw StoreError.notFound("feedback \(id)") }
            try await check(f)
            if let why = KnowledgeFeedback.refusal(resolution, state: f.state, flaggedVersion: f.entryVersion, currentVersion: Int(version)) {
                throw StoreError.conflict(why)
            }
            try await conn.query("""
                UPDATE kb_feedback SET state = 'resolved', resolution = \(resolution.rawValue), resolution_note = \(note),
                    resolved_version = \(resolution == .revised ? version : nil), resolved_by = \(user), resolved_at = \(now)
                WHERE id = \(id)
                """, logger: db.logger)
            return try await one(conn, id, now: now)!
        }
    }
}
