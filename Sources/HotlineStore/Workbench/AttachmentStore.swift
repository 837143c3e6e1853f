import Crypto
import Foundation
import HotlineCore
import NIOCore
import PostgresNIO

/// Attachments in PostgreSQL: a row of metadata and the bytes in chunks of 256 KB, written as the
/// upload arrives (one transaction with the ticket's event row) and read back chunk by chunk, so
/// a file is never whole in memory on the way in or out. Type checked against the bytes, size
/// limited, SHA-256 kept. Who may see them is the ticket's scope; the routes check it first.
public struct AttachmentStore: Sendable {
    public let db: Database
    public init(db: Database) { self.db = db }

    public static let chunkSize = 256 * 1024
    /// Default upload limit (HOTLINE_ATTACHMENT_MAX_BYTES).
    public static let defaultMaxBytes = 10 * 1024 * 1024

    public struct Meta: Sendable, Codable, Equatable {
        public var id: String
        public var ticketId: String
        public var filename: String
        public var contentType: String
        public var kind: String
        public var bytes: Int64
        public var sha256: String
        public var uploadedAt: Date
        public var uploadedBy: String?
    }

    public struct Upload: Sendable {
        public var ticketId: Int64
        public var filename: String
        public var type: AttachmentType
        public var kind: AttachmentKind
        public var idempotencyKey: String?
        public init(ticketId: Int64, filename: String, type: AttachmentType, kind: AttachmentKind, idempotencyKey: String? = nil) {
            self.ticketId = ticketId; self.filename = filename; self.type = type; self.kind = kind; self.idempotencyKey = idempotencyKey
        }
    }

    /// Why an upload was refused before anything was kept.
    public enum Refused: Error, Sendable, Equatable {
        case empty
        case tooLarge(limit: Int)
        case typeMismatch(declared: AttachmentType, actual: AttachmentType?)
        /// The same Idempotency-Key was used for another file.
        case keyReused
    }

    static let columns = "a.id, a.ticket_id, a.filename, a.content_type, a.kind, a.bytes, a.sha256, a.uploaded_at, u.login"

    static func meta(_ row: PostgresRow) throws -> Meta {
        let (id, ticket, name, type, kind, bytes, sha, at, login) = try row.decode((Int64, Int64, String, String, String, Int64, Data, Date, String?).self)
        return Meta(id: String(id), ticketId: String(ticket), filename: name, contentType: type, kind: kind, bytes: bytes,
                    sha256: Hex.string(sha), uploadedAt: at, uploadedBy: login)
    }

    /// Stores an upload read from `body`; answers the attachment and whether it is a replay of the
    /// same upload under the same Idempotency-Key (then nothing new is written).
    public func store<Body: AsyncSequence>(_ upload: Upload, body: Body, by principal: Principal, maxBytes: Int, at now: Date) async throws
        -> (Meta, replayed: Bool) where Body.Element == ByteBuffer {
        if let key = upload.idempotencyKey, let earlier = try await keyed(principal.userId, key) {
            // Only the same file under the same name and kind is the same request.
            var hasher = SHA256()
            var total = 0
            for try await var b in body {
                total += b.readableBytes
                guard total <= maxBytes else { throw Refused.tooLarge(limit: maxBytes) }
                hasher.update(data: b.readBytes(length: b.readableBytes) ?? [])
            }
            let sha = Hex.string(hasher.finalize())
            guard sha == earlier.sha256, earlier.filename == upload.filename, earlier.kind == upload.kind.rawValue,
                  earlier.ticketId == String(upload.ticketId) else { throw Refused.keyReused }
            return (earlier, true)
        }
        do {
            let meta = try await db.transaction { conn in
                try await write(upload, body: body, by: principal, maxBytes: maxBytes, at: now, on: conn)
            }
            return (meta, false)
        } catch let e where SQLFailure(e)?.isUniqueViolation == true {
            throw StoreError.conflict("an upload with this Idempotency-Key is in progress; read the ticket's attachments before retrying")
        }
    }

    /// Writes the upload on `conn` (a transaction the caller holds: an evidence file goes in with its reply).
    public func write<Body: AsyncSequence>(_ upload: Upload, body: Body, by principal: Principal, maxBytes: Int, at now: Date,
                                           on conn: PostgresConnection) async throws -> Meta where Body.Element == ByteBuffer {
        var pending = ByteBuffer()
        var hasher = SHA256()
        var total = 0
        var seq: Int32 = 0
        var id: Int64? = nil

        func open(head: [UInt8]) async throws -> Int64 {
            guard upload.type.matches(head) else { throw Refused.typeMismatch(declared: upload.type, actual: AttachmentType.sniff(head)) }
            for try await v in try await conn.query("""
                INSERT INTO attachments (ticket_id, filename, content_type, kind, bytes, sha256, uploaded_by, uploaded_role, uploaded_at, idempotency_key)
                VALUES (\(upload.ticketId), \(upload.filename), \(upload.type.rawValue), \(upload.kind.rawValue), 1, \(Data(count: 32)),
                        \(principal.userId), \(principal.role.rawValue), \(now), \(upload.idempotencyKey))
                RETURNING id
                """, logger: db.logger).decode(Int64.self) { return v }
            throw StoreError.notFound("ticket \(upload.ticketId)")
        }
        func flush(_ count: Int, into id: Int64) async throws {
            guard count > 0, let bytes = pending.readBytes(length: count) else { return }
            try await conn.query("INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (\(id), \(seq), \(Data(bytes)))", logger: db.logger)
            seq += 1
            pending.discardReadBytes()
        }

        for try await var b in body {
            total += b.readableBytes
            guard total <= maxBytes else { throw Refused.tooLarge(limit: maxBytes) }
            b.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            pending.writeBuffer(&b)
            if id == nil, pending.readableBytes >= AttachmentType.signatureLength {
                id = try await open(head: pending.getBytes(at: pending.readerIndex, length: AttachmentType.signatureLength) ?? [])
            }
            if let id { while pending.readableBytes >= Self.chunkSize { try await flush(Self.chunkSize, into: id) } }
        }
        guard total > 0 else { throw Refused.empty }
        if id == nil { id = try await open(head: pending.getBytes(at: pending.readerIndex, length: pending.readableBytes) ?? []) }
        let attachment = id!
        try await flush(pending.readableBytes, into: attachment)
        let sha = Data(hasher.finalize())
        try await conn.query("UPDATE attachments SET bytes = \(Int64(total)), sha256 = \(sha) WHERE id = \(attachment)", logger: db.logger)
        let payload = TicketStore.json(["attachment_id": String(attachment), "filename": upload.filename, "content_type": upload.type.rawValue,
                                        "kind": upload.kind.rawValue, "bytes": String(total)])
        try await conn.query("""
            INSERT INTO ticket_events (ticket_id, at, actor_id, actor_role, kind, payload)
            VALUES (\(upload.ticketId), \(now), \(principal.userId), \(principal.role.rawValue), 'attachment_added', \(payload)::jsonb)
            """, logger: db.logger)
        return Meta(id: String(attachment), ticketId: String(upload.ticketId), filename: upload.filename, contentType: upload.type.rawValue,
                    kind: upload.kind.rawValue, bytes: Int64(total), sha256: Hex.string(sha), uploadedAt: now,
                    uploadedBy: principal.login)
    }

    private func keyed(_ user: Int64, _ key: String) async throws -> Meta? {
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by
            WHERE a.uploaded_by = \(user) AND a.idempotency_key = \(key)
            """, logger: db.logger) { return try Self.meta(row) }
        return nil
    }

    public func list(ticketId: Int64, limit: Int = 100, afterId: Int64? = nil) async throws -> [Meta] {
        var out: [Meta] = []
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by
            WHERE a.ticket_id = \(ticketId) AND (\(afterId)::bigint IS NULL OR a.id > \(afterId))
            ORDER BY a.id LIMIT \(limit)
            """, logger: db.logger) { out.append(try Self.meta(row)) }
        return out
    }

    public func meta(ticketId: Int64, id: Int64) async throws -> Meta? {
        for try await row in try await db.client.query("""
            SELECT \(unescaped: Self.columns) FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by
            WHERE a.ticket_id = \(ticketId) AND a.id = \(id)
            """, logger: db.logger) { return try Self.meta(row) }
        return nil
    }

    /// The bytes, one chunk per call of `each`, in order.
    public func read(id: Int64, _ each: (ByteBuffer) async throws -> Void) async throws {
        var seq: Int32 = 0
        while true {
            var chunk: ByteBuffer? = nil
            for try await b in try await db.client.query("SELECT data FROM attachment_chunks WHERE attachment_id = \(id) AND seq = \(seq)",
                                                         logger: db.logger).decode(ByteBuffer.self) { chunk = b }
            guard let chunk else { return }
            try await each(chunk)
            seq += 1
        }
    }
}
