import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird

/// `/v1/tickets/{id}/attachments`: evidence (佐证材料), callers' files and others, visible exactly
/// as the ticket is; each download is in the access log.
struct AttachmentRoutes {
    let s: Services
    init(_ s: Services) { self.s = s }

    static let uploaders: Set<Role> = [.agent, .dispatcher, .handler, .callback]

    var endpoints: [Endpoint] {
        [
            Endpoint(.post, "/v1/tickets/{id}/attachments", .roles(Self.uploaders)) { req, ctx in
                let principal = try ctx.requirePrincipal
                let id = try ctx.id(what: "ticket")
                let q = try req.query(allowed: ["filename", "kind"])
                let upload = try Self.upload(ticket: id, contentType: req.headers[.contentType], filename: q["filename"], kind: q["kind"],
                                             key: try TicketRoutes(s).idempotencyKey(req))
                try await visibleOpenTicket(id, principal)
                let (meta, replayed) = try await Self.refusals(limit: s.attachmentMaxBytes) {
                    try await s.attachments.store(upload, body: req.body, by: principal, maxBytes: s.attachmentMaxBytes, at: s.clock.now())
                }
                var headers: HTTPFields = [.location: "/v1/tickets/\(id)/attachments/\(meta.id)"]
                if replayed { headers[RequestReplays.replayed] = "true" }
                return try json(meta, status: .created, headers: headers)
            },
            Endpoint(.get, "/v1/tickets/{id}/attachments", .roles(Set.all.union([.partner]))) { req, ctx in
                let principal = try ctx.requirePrincipal
                let id = try ctx.id(what: "ticket")
                let q = try req.query(allowed: ["limit", "cursor"])
                let limit = try pageLimit(q["limit"])
                var after: Int64? = nil
                if let c = q["cursor"] {
                    guard let v = Base64URL.decode(c).flatMap({ Int64($0) }) else { throw APIError.badRequest("cursor", "is not a cursor of this collection") }
                    after = v
                }
                try await visibleTicket(id, principal)
                let items = try await s.attachments.list(ticketId: id, limit: limit + 1, afterId: after)
                let next = items.count > limit ? Base64URL.encode(items[limit - 1].id) : nil
                return try json(Page(items: Array(items.prefix(limit)), nextCursor: next))
            },
            Endpoint(.get, "/v1/tickets/{id}/attachments/{aid}", .roles(Set.all.union([.partner]))) { _, ctx in
                let principal = try ctx.requirePrincipal
                let id = try ctx.id(what: "ticket")
                let aid = try ctx.id("aid", what: "attachment")
                return try await download(ticket: id, attachment: aid, for: principal, requestId: ctx.requestId, via: "api")
            },
        ]
    }

    /// The attachment's bytes, streamed chunk by chunk, after its access-log row is written.
    func download(ticket id: Int64, attachment aid: Int64, for principal: Principal, requestId: String?, via: String) async throws -> Response {
        try await visibleTicket(id, principal)
        guard let meta = try await s.attachments.meta(ticketId: id, id: aid) else { throw APIError.notFound("attachment \(aid) of ticket \(id)") }
        try await s.accessLog.recordDownload(by: principal, ticket: id, attachment: aid, requestId: requestId, via: via)
        let store = s.attachments
        let body = ResponseBody(contentLength: Int(meta.bytes)) { writer in
            try await store.read(id: aid) { try await writer.write($0) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: meta.contentType,
            .contentDisposition: Self.disposition(meta.filename),
            .cacheControl: "private, no-store",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Digest")!: "sha-256=\(Data(Self.bytes(hex: meta.sha256)).base64EncodedString())",
        ], body: body)
    }

    func visibleTicket(_ id: Int64, _ principal: Principal) async throws {
        guard try await s.tickets.ticket(id: id) != nil, try await s.tickets.isVisible(ticketId: id, to: principal) else {
            throw APIError.notFound("ticket \(id)")
        }
    }

    /// Files are added while the case is open (a closed case's record is final).
    func visibleOpenTicket(_ id: Int64, _ principal: Principal) async throws {
        guard let t = try await s.tickets.ticket(id: id), try await s.tickets.isVisible(ticketId: id, to: principal) else {
            throw APIError.notFound("ticket \(id)")
        }
        guard let status = TicketStatus(rawValue: t.status), status.isOpen else {
            throw APIError(.conflict, "Conflict", "ticket \(id) is \(t.status): its record is closed to new files")
        }
    }

    static func upload(ticket: Int64, contentType: String?, filename: String?, kind: String?, key: String?) throws -> AttachmentStore.Upload {
        var c = FieldChecker()
        var type: AttachmentType? = nil
        if let ct = contentType {
            type = AttachmentType(header: ct)
            if type == nil { c.add("Content-Type", "must be one of: \(AttachmentType.allowedList)") }
        } else { c.add("Content-Type", "is required: one of \(AttachmentType.allowedList)") }
        var name: String? = nil
        if let f = filename {
            name = AttachmentName.clean(f)
            if name == nil { c.add("filename", "must be a file name") }
        } else { c.add("filename", "is required") }
        var k = AttachmentKind.other
        if let raw = kind {
            if let v = AttachmentKind(rawValue: raw) { k = v } else { c.add("kind", "one of: \(AttachmentKind.allowedList)") }
        }
        if type == nil && contentType != nil {
            // 415 names the header; other field errors come with it.
            throw APIError(.unsupportedMediaType, "Unsupported media type", "attachments may be \(AttachmentType.allowedList)", errors: c.errors)
        }
        try c.throwIfAny()
        return .init(ticketId: ticket, filename: name!, type: type!, kind: k, idempotencyKey: key)
    }

    /// The store's refusals as problem answers.
    static func refusals<R>(limit: Int, _ body: () async throws -> R) async throws -> R {
        do { return try await body() } catch let r as AttachmentStore.Refused {
            switch r {
            case .empty: throw APIError.badRequest("body", "the file is empty")
            case .tooLarge(let limit):
                throw APIError(.contentTooLarge, "Content too large", "an attachment may be at most \(limit / (1024 * 1024)) MB",
                               errors: [FieldError("body", "larger than \(limit) bytes")])
            case .typeMismatch(let declared, let actual):
                throw APIError(.unsupportedMediaType, "Unsupported media type",
                               "the file's bytes are not \(declared.rawValue)" + (actual.map { " (they look like \($0.rawValue))" } ?? ""),
                               errors: [FieldError("Content-Type", "does not match the file's content")])
            case .keyReused:
                throw APIError(.conflict, "Conflict", "this Idempotency-Key was already used for another file")
            }
        }
    }

    /// `attachment; filename="…"` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
    static func disposition(_ name: String) -> String {
        let ascii = String(name.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            func v(_ c: UInt8) -> UInt8 { c >= 97 ? c - 87 : c - 48 }
            out.append(v(a) << 4 | v(b))
        }
        return out
    }
}
