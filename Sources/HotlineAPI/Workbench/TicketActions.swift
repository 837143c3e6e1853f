import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import Hummingbird
import NIOCore

/// The ticket page's forms, applied through the API's own path: the form's fields become the
/// verb's body, `TicketAction.validate` checks it and `TicketWorkflow.apply` decides and writes.
extension Workbench {
    /// A file sent in a form, as a slice of the one buffer the body was read into.
    struct FilePart {
        var filename: String
        var type: AttachmentType
        var bytes: ByteBuffer
    }

    /// The form's fields and files: urlencoded, or multipart (read once, files sliced, not copied).
    func readForm(_ req: inout Request, _ ctx: AppContext) async throws -> (Form, [(String, FilePart)]) {
        guard let type = req.headers[.contentType], let boundary = Multipart.boundary(contentType: type) else {
            return (try await Form.read(&req, ctx), [])
        }
        let limit = s.attachmentMaxBytes * 5 + Self.maxFormBytes
        let body: ByteBuffer
        do { body = try await req.collectBody(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "Content too large", "a form with files may be at most \(limit / 1024 / 1024) MB")
        }
        let parts: [Multipart.Part]
        do { parts = try body.withUnsafeReadableBytes { try Multipart.parse($0, boundary: boundary) } } catch {
            throw APIError.badRequest("body", "the form could not be read")
        }
        var fields: [(String, String)] = []
        var files: [(String, FilePart)] = []
        for p in parts {
            let slice = body.getSlice(at: body.readerIndex + p.range.lowerBound, length: p.range.count) ?? ByteBuffer()
            if let name = p.filename {
                guard slice.readableBytes > 0 else { continue }  // a file input left empty
                guard slice.readableBytes <= s.attachmentMaxBytes else {
                    throw APIError(.contentTooLarge, "Content too large", "an attachment may be at most \(s.attachmentMaxBytes / 1024 / 1024) MB")
                }
                let head = slice.getBytes(at: slice.readerIndex, length: min(slice.readableBytes, AttachmentType.signatureLength)) ?? []
                // The browser's stated type is a guess from the file's name: the bytes decide, within the allowed types.
                guard let t = AttachmentType.sniff(head) else {
                    throw APIError(.unsupportedMediaType, "Unsupported media type", "「\(name.prefix(60))」 is not a JPEG, PNG, PDF, MP3 or WAV file",
                                   errors: [FieldError(p.name, "the file's content is not an allowed type")])
                }
                files.append((p.name, FilePart(filename: AttachmentName.clean(name) ?? "file", type: t, bytes: slice)))
            } else {
                fields.append((p.name, String(buffer: slice)))
            }
        }
        return (Form(fields: fields), files)
    }

    func act(_ req: Request, id: Int64, verb raw: String, _ session: SessionStore.Session, _ ctx: AppContext) async throws -> Response {
        guard let verb = Verb(rawValue: raw), verb != .linkedResult else {
            return page(session, status: .notFound, title: "没有这个操作", Self.message("没有这个操作。"))
        }
        var req = req
        let form: Form, files: [(String, FilePart)]
        // A body that cannot be read applied nothing: the page says why (no token to compare yet).
        do { (form, files) = try await readForm(&req, ctx) } catch { return try await failed(error, id: id, session, ctx) }
        guard Self.csrfOK(form, session) else { return csrfRefused(session) }
        do {
            guard verb.roles.contains(session.principal.role) else { throw APIError.forbidden(session.principal.role) }
            let action = try TicketAction.validate(verb, try Self.raw(form))
            let ifMatch = form.text("version").flatMap(Int.init)
            let evidence = files.filter { $0.0 == "evidence" }.map(\.1)
            if !evidence.isEmpty && verb != .reply { throw APIError.badRequest("evidence", "files go with a reply, or by the upload form") }
            let principal = session.principal
            let store = s.attachments, limit = s.attachmentMaxBytes, now = s.clock.now()
            try await s.workflow.apply(action, to: id, by: principal, ifMatch: ifMatch, alongside: evidence.isEmpty ? nil : { conn in
                for f in evidence {
                    _ = try await AttachmentRoutes.refusals(limit: limit) {
                        try await store.write(.init(ticketId: id, filename: f.filename, type: f.type, kind: .evidence),
                                              body: OneBuffer(buffer: f.bytes), by: principal, maxBytes: limit, at: now, on: conn)
                    }
                }
            })
            ctx.logger.info("workbench action", metadata: ["ticket_id": "\(id)", "verb": "\(verb.rawValue)"])
            return redirect("/ui/tickets/\(id)?done=\(verb.rawValue)")
        } catch {
            return try await failed(error, id: id, session, ctx)
        }
    }

    /// An action that was refused: the ticket page again, with why, and the API's status.
    func failed(_ error: any Error, id: Int64, _ session: SessionStore.Session, _ ctx: AppContext) async throws -> Response {
        let api = ProblemMiddleware.translate(error)
        if api.status == .serviceUnavailable || api.status.code >= 500 { throw error }
        let why = api.errors.isEmpty ? api.detail : api.errors.map { "\($0.field)：\($0.message)" }.joined(separator: "；")
        return try await ticketPage(id: id, session, ctx, status: api.status, flash: ("操作未完成：\(why)", true))
    }

    func uploadForm(_ req: Request, id: Int64, _ session: SessionStore.Session, _ ctx: AppContext) async throws -> Response {
        var req = req
        let form: Form, files: [(String, FilePart)]
        do { (form, files) = try await readForm(&req, ctx) } catch { return try await failed(error, id: id, session, ctx) }
        guard Self.csrfOK(form, session) else { return csrfRefused(session) }
        do {
            guard let file = files.first(where: { $0.0 == "file" })?.1 else { throw APIError.badRequest("file", "choose a file") }
            let kind = form.text("kind").flatMap(AttachmentKind.init(rawValue:)) ?? .other
            try await AttachmentRoutes(s).visibleOpenTicket(id, session.principal)
            _ = try await AttachmentRoutes.refusals(limit: s.attachmentMaxBytes) {
                try await s.attachments.store(.init(ticketId: id, filename: file.filename, type: file.type, kind: kind),
                                              body: OneBuffer(buffer: file.bytes), by: session.principal, maxBytes: s.attachmentMaxBytes, at: s.clock.now())
            }
            return redirect("/ui/tickets/\(id)?done=attachment")
        } catch {
            return try await failed(error, id: id, session, ctx)
        }
    }
}

/// One buffer as the async sequence `AttachmentStore` reads an upload from.
struct OneBuffer: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let buffer: ByteBuffer
    struct AsyncIterator: AsyncIteratorProtocol {
        var buffer: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? { defer { buffer = nil }; return buffer }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
