import Crypto
import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Testing

/// A PNG's signature followed by `count` bytes of a pattern (enough for the type check; the
/// service does not decode images).
func pngBytes(_ count: Int, seed: UInt8 = 7) -> [UInt8] {
    [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
}

func sha256Hex(_ b: [UInt8]) -> String { SHA256.hash(data: b).map { String(format: "%02x", $0) }.joined() }

@Suite struct AttachmentTests {
    @Test func uploadListDownloadAcrossChunksWithHashAndAccessLog() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String)
            // 600 KB: three chunks of at most 256 KB in the database.
            let file = pngBytes(600 * 1024)
            let up = try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=%E7%8E%B0%E5%9C%BA.png&kind=caller", token: agent,
                                           raw: file, headers: [.contentType: "image/png"])
            #expect(up.status == .created, "\(up.body)")
            let aid = try #require(up.json["id"] as? String)
            #expect(up.json["sha256"] as? String == sha256Hex(file))
            #expect(up.json["bytes"] as? Int == file.count)
            #expect(up.json["filename"] as? String == "现场.png")
            #expect(up.json["kind"] as? String == "caller")
            #expect(up.headers[.location] == "/v1/tickets/\(id)/attachments/\(aid)")
            let db = app.services.db
            var chunks = 0
            for try await n in try await db.client.query("SELECT count(*) FROM attachment_chunks WHERE attachment_id = \(Int64(aid)!)", logger: db.logger).decode(Int.self) { chunks = n }
            #expect(chunks == 3)

            let list = try await app.request(.get, "/v1/tickets/\(id)/attachments", token: agent)
            #expect(list.status == .ok && list.items.count == 1 && list.items.first?["id"] as? String == aid)

            let down = try await app.client.execute(uri: "/v1/tickets/\(id)/attachments/\(aid)", method: .get,
                                                    headers: [.authorization: "Bearer \(agent)"], body: nil) { r in (r.status, r.headers, Array(r.body.readableBytesView)) }
            #expect(down.0 == .ok)
            #expect(down.2 == file)
            #expect(down.1[.contentType] == "image/png")
            #expect(down.1[.contentDisposition]?.hasPrefix("attachment; filename=") == true)
            #expect(down.1[.contentDisposition]?.contains("UTF-8''%E7%8E%B0%E5%9C%BA.png") == true)
            var logged = 0
            for try await n in try await db.client.query("""
                SELECT count(*) FROM access_log WHERE action = 'download' AND ticket_id = \(Int64(id)!) AND attachment_id = \(Int64(aid)!)
                """, logger: db.logger).decode(Int.self) { logged = n }
            #expect(logged == 1)
            // The upload is an event of the ticket, written with it.
            let detail = try await app.request(.get, "/v1/tickets/\(id)", token: agent)
            let kinds = (detail.json["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds.contains("attachment_added"))
        }
    }

    @Test func typeIsCheckedAgainstTheBytesAndSizeIsLimited() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String)
            func upload(_ bytes: [UInt8], _ type: String?, _ query: String = "filename=a.png") async throws -> TestApp.Reply {
                var h: HTTPFields = [:]
                if let type { h[.contentType] = type }
                return try await app.request(.post, "/v1/tickets/\(id)/attachments?\(query)", token: agent, raw: bytes, headers: h)
            }
            // A PDF sent as a PNG, an executable as a JPEG, a type not allowed at all, an empty file.
            var r = try await upload(Array("%PDF-1.7 hello".utf8), "image/png")
            #expect(r.status == .unsupportedMediaType && r.fieldErrors == ["Content-Type"])
            r = try await upload([0x4D, 0x5A, 0x90, 0x00] + pngBytes(100), "image/jpeg")
            #expect(r.status == .unsupportedMediaType)
            r = try await upload(pngBytes(100), "text/html")
            #expect(r.status == .unsupportedMediaType && r.fieldErrors == ["Content-Type"])
            r = try await upload([], "image/png")
            #expect(r.status == .badRequest && r.fieldErrors == ["body"])
            r = try await upload(pngBytes(100), "image/png", "kind=evidence")
            #expect(r.status == .badRequest && r.fieldErrors == ["filename"])
            r = try await upload(pngBytes(100), "image/png", "filename=a.png&kind=selfie")
            #expect(r.status == .badRequest && r.fieldErrors == ["kind"])
            // One byte over the limit (10 MB) is refused and leaves nothing behind.
            r = try await upload(pngBytes(10 * 1024 * 1024 - 7), "image/png")
            #expect(r.status == .contentTooLarge)
            // A real PDF and WAV pass.
            r = try await upload(Array("%PDF-1.4\n%âãÏÓ\n1 0 obj\n".utf8), "application/pdf", "filename=reply.pdf")
            #expect(r.status == .created)
            r = try await upload(Array("RIFF".utf8) + [0x24, 0, 0, 0] + Array("WAVEfmt ".utf8), "audio/wav", "filename=call.wav")
            #expect(r.status == .created)
            let db = app.services.db
            var rows = 0
            for try await n in try await db.client.query("SELECT count(*) FROM attachments WHERE ticket_id = \(Int64(id)!)", logger: db.logger).decode(Int.self) { rows = n }
            #expect(rows == 2)
            var orphanChunks = 0
            for try await n in try await db.client.query("SELECT count(*) FROM attachment_chunks c WHERE NOT EXISTS (SELECT 1 FROM attachments a WHERE a.id = c.attachment_id)", logger: db.logger).decode(Int.self) { orphanChunks = n }
            #expect(orphanChunks == 0)
        }
    }

    @Test func aRetriedUploadIsStoredOnce() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String)
            let file = pngBytes(1000)
            let headers: HTTPFields = [.contentType: "image/png", HTTPField.Name("Idempotency-Key")!: "up-1"]
            let first = try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=a.png", token: agent, raw: file, headers: headers)
            let again = try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=a.png", token: agent, raw: file, headers: headers)
            #expect(first.status == .created && again.status == .created)
            #expect(first.json["id"] as? String == again.json["id"] as? String)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let other = try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=a.png", token: agent, raw: pngBytes(1000, seed: 9), headers: headers)
            #expect(other.status == .conflict)
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: agent).items.count == 1)
        }
    }

    @Test func attachmentsAreVisibleExactlyAsTheTicketIs() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let street = try await app.token(.handler, unitCode: "XHQ-XX")
            let other = try await app.token(.handler, unitCode: "SCQ")
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String)
            let aid = try #require(try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=a.png", token: agent, raw: pngBytes(50),
                                                         headers: [.contentType: "image/png"]).json["id"] as? String)
            // Not yet with any unit: no handler sees it, nor can attach to it.
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: street).status == .notFound)
            let dispatched = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            #expect(dispatched.status == .ok)
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: street).items.count == 1)
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments/\(aid)", token: street).status == .ok)
            let evidence = try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=photo.png&kind=evidence", token: street,
                                                 raw: pngBytes(80), headers: [.contentType: "image/png"])
            #expect(evidence.status == .created)
            // Another unit: 404 for the list, the file, and an upload; the supervisor may read but not upload.
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: other).status == .notFound)
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments/\(aid)", token: other).status == .notFound)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=x.png", token: other, raw: pngBytes(10),
                                          headers: [.contentType: "image/png"]).status == .notFound)
            let supervisor = try await app.token(.supervisor)
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: supervisor).items.count == 2)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/attachments?filename=x.png", token: supervisor, raw: pngBytes(10),
                                          headers: [.contentType: "image/png"]).status == .forbidden)
            // An attachment id of another ticket is not found through this ticket.
            let second = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "另一件"])).json["id"] as? String)
            #expect(try await app.request(.get, "/v1/tickets/\(second)/attachments/\(aid)", token: agent).status == .notFound)
        }
    }
}
