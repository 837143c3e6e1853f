import Crypto
import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore

/// `Idempotency-Key` for every POST that creates or records (API.md second edition): the first
/// request with a key claims it, runs, and its status and body are kept; the same key and body
/// from the same user answer that original response and apply nothing again; the same key with
/// another body is 409; a retry while the first is still running (or whose outcome was never
/// recorded, e.g. the database went away between commit and record) is 409 too — never a second
/// application. Tickets keep their own key table (intake's hot path); CSV imports are idempotent
/// by content. A request refused before it applied anything (an error) releases its key.
struct RequestReplays: Sendable {
    let db: Database

    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    static func applies(_ method: HTTPRequest.Method, _ path: String) -> Bool {
        method == .post && path != "/v1/tickets" && !path.hasPrefix("/v1/imports/") && !path.hasSuffix("/reveal")
            && !path.hasSuffix("/attachments")  // uploads stream; AttachmentStore keeps their keys
    }

    func run(_ request: inout Request, principal: Principal, requestId: String?,
             _ handler: (inout Request) async throws -> Response) async throws -> Response {
        guard let key = request.headers[HTTPField.Name("Idempotency-Key")!] else { return try await handler(&request) }
        guard (1...200).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isNewline }) else {
            throw APIError.badRequest("Idempotency-Key", "must be 1 to 200 ASCII characters")
        }
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: Limits.maxJSONBody) } catch {
            throw APIError(.contentTooLarge, "Content too large", "the request body exceeds \(Limits.maxJSONBody / 1024) KB")
        }
        var hasher = SHA256()
        hasher.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        hasher.update(data: Self.canonical(Data(body.readableBytesView)))
        let hash = Data(hasher.finalize())
        if let earlier = try await claim(principal.userId, key, hash) {
            try await logReplayedPersonalData(earlier.body, path: request.uri.path, principal: principal, requestId: requestId)
            var headers: HTTPFields = [Self.replayed: "true"]
            if let type = earlier.contentType { headers[.contentType] = type }
            return Response(status: .init(code: earlier.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: earlier.body)))
        }
        let response: Response
        do {
            response = try await handler(&request)
        } catch {
            try? await release(principal.userId, key)
            throw error
        }
        return try await record(principal.userId, key, response)
    }

    /// The same JSON written with its keys in another order is the same request.
    static func canonical(_ body: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
        else { return body }
        return sorted
    }

    /// The part of a kept ticket answer the access log needs.
    struct Shown: Decodable {
        var caller: Caller?
    }

    struct Kept {
        var status: Int
        var contentType: String?
        var body: Data
    }

    /// nil: the key is now ours. Otherwise the answer kept for a request seen before.
    private func claim(_ user: Int64, _ key: String, _ hash: Data) async throws -> Kept? {
        for try await _ in try await db.client.query("""
            INSERT INTO request_replays (user_id, key, request_hash) VALUES (\(user), \(key), \(hash))
            ON CONFLICT (user_id, key) DO NOTHING RETURNING 1
            """, logger: db.logger).decode(Int.self) { return nil }
        for try await (stored, status, type, bytes) in try await db.client.query("""
            SELECT request_hash, status, content_type, body FROM request_replays WHERE user_id = \(user) AND key = \(key)
            """, logger: db.logger).decode((Data, Int32?, String?, Data?).self) {
            guard stored == hash else {
                throw APIError(.conflict, "Conflict", "Idempotency-Key '\(key.prefix(60))' was already used with a different request")
            }
            guard let status else {
                throw APIError(.conflict, "Conflict", "a request with Idempotency-Key '\(key.prefix(60))' is in progress or its outcome was not recorded; read the resource before retrying")
            }
            return Kept(status: Int(status), contentType: type, body: bytes ?? Data())
        }
        return nil  // released between the two statements: run it
    }

    /// A replayed ticket answer shows the caller again: that view is logged like the first.
    private func logReplayedPersonalData(_ body: Data, path: String, principal: Principal, requestId: String?) async throws {
        let parts = path.split(separator: "/")
        guard principal.role != .handler, parts.count >= 3, parts[1] == "tickets", let id = Int64(parts[2]),
              let shown = try? JSONDecoder().decode(Shown.self, from: body) else { return }
        try await AccessLog(db: db).record(.read, by: principal, tickets: [(id, AccessLog.fields(shown.caller))], requestId: requestId,
                                           reason: "idempotent replay")
    }

    private func release(_ user: Int64, _ key: String) async throws {
        try await db.client.query("DELETE FROM request_replays WHERE user_id = \(user) AND key = \(key) AND status IS NULL", logger: db.logger)
    }

    /// Keeps the response (its body collected once) and answers it.
    private func record(_ user: Int64, _ key: String, _ response: Response) async throws -> Response {
        let collector = Collector()
        var response = response
        try await response.body.write(collector)
        let bytes = collector.buffer
        response.body = .init(byteBuffer: bytes)
        try await db.client.query("""
            UPDATE request_replays SET status = \(Int32(response.status.code)), content_type = \(response.headers[.contentType]),
                body = \(Data(bytes.readableBytesView))
            WHERE user_id = \(user) AND key = \(key)
            """, logger: db.logger)
        return response
    }

    /// Kept replays are deleted after a day (they may hold a caller's details shown to the hotline center).
    static let retention: Double = 86400

    final class Collector: ResponseBodyWriter, @unchecked Sendable {
        var buffer = ByteBuffer()
        func write(_ b: ByteBuffer) async throws { var b = b; buffer.writeBuffer(&b) }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
