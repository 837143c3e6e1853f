import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Testing

/// A browser for the in-process router: keeps the session cookie, reads the CSRF token off pages.
struct Browser {
    let app: TestApp
    var cookie: String? = nil

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var html: String
        var csrf: String? {
            guard let r = html.range(of: "name=\"csrf\" value=\"") else { return nil }
            return String(html[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    func get(_ path: String) async throws -> Page {
        var h: HTTPFields = [:]
        if let cookie { h[.cookie] = cookie }
        return try await app.client.execute(uri: path, method: .get, headers: h, body: nil) { r in
            Page(status: r.status, headers: r.headers, html: String(buffer: r.body))
        }
    }

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { k, v in
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            return "\(k.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(v.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    func post(_ path: String, _ fields: [(String, String)], headers extra: HTTPFields = [:]) async throws -> Page {
        var h = extra
        h[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { h[.cookie] = cookie }
        return try await app.client.execute(uri: path, method: .post, headers: h, body: .init(string: Self.encode(fields))) { r in
            Page(status: r.status, headers: r.headers, html: String(buffer: r.body))
        }
    }

    func postMultipart(_ path: String, _ fields: [(String, String)], files: [(String, String, String, [UInt8])]) async throws -> Page {
        let boundary = "----hotline\(UUID().uuidString.prefix(8))"
        var body: [UInt8] = []
        for (k, v) in fields { body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8) }
        for (field, name, type, bytes) in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field)\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var h: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
        if let cookie { h[.cookie] = cookie }
        return try await app.client.execute(uri: path, method: .post, headers: h, body: .init(bytes: body)) { r in
            Page(status: r.status, headers: r.headers, html: String(buffer: r.body))
        }
    }

    /// Signs in; answers the browser with its cookie and the first page's CSRF token.
    static func signIn(_ app: TestApp, _ login: String, _ password: String) async throws -> (Browser, String) {
        let r = try await Browser(app: app).post("/login", [("login", login), ("password", password)])
        #expect(r.status == .seeOther, "sign-in: \(r.status)")
        let setCookie = try #require(r.headers[.setCookie])
        let cookie = String(setCookie.prefix { $0 != ";" })
        let b = Browser(app: app, cookie: cookie)
        let home = try await b.get(try #require(r.headers[.location]))
        #expect(home.status == .ok)
        return (b, try #require(home.csrf))
    }
}

@Suite struct WorkbenchTests {
    static let password = "correct-horse-电池-42"

    @Test func signInSetsAStrictHttpOnlyCookieAndWrongPasswordsAreRefusedAndThrottled() async throws {
        try await TestApp.with { app in
            let handler = try await app.person(.handler, password: Self.password)
            let signIn = try await Browser(app: app).get("/")
            #expect(signIn.status == .ok && signIn.html.contains("name=\"password\""))
            #expect(signIn.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("unsafe-inline") == false)

            let ok = try await Browser(app: app).post("/login", [("login", handler.login), ("password", Self.password)])
            #expect(ok.status == .seeOther && ok.headers[.location] == "/ui/inbox")
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(cookie.hasPrefix("hotline_session=hl_"))

            // Stored as PBKDF2-SHA256 with 600,000 iterations, never the password itself.
            let db = app.services.db
            for try await hash in try await db.client.query("SELECT password_hash FROM users WHERE login = \(handler.login)", logger: db.logger).decode(String.self) {
                #expect(hash.hasPrefix("pbkdf2-sha256$600000$") && !hash.contains(Self.password))
            }
            let wrong = try await Browser(app: app).post("/login", [("login", handler.login), ("password", "wrong-password-1")])
            #expect(wrong.status == .unauthorized && wrong.headers[.setCookie] == nil)
            #expect(try await Browser(app: app).post("/login", [("login", "nobody-here"), ("password", Self.password)]).status == .unauthorized)
            // A form posted from another site cannot sign anyone in.
            #expect(try await Browser(app: app).post("/login", [("login", handler.login), ("password", Self.password)],
                                                     headers: [HTTPField.Name("Origin")!: "https://evil.example"]).status == .forbidden)
            // Ten failures for one login within 15 minutes: that login waits, even with the right password.
            for _ in 0..<10 { _ = try await Browser(app: app).post("/login", [("login", handler.login), ("password", "wrong-password-2")]) }
            let blocked = try await Browser(app: app).post("/login", [("login", handler.login), ("password", Self.password)])
            #expect(blocked.status == .tooManyRequests && blocked.headers[.retryAfter] != nil)
            // Pages without a session go to the sign-in page; a POST without one is refused.
            let anonymous = try await Browser(app: app).get("/ui/inbox")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/")
        }
    }

    @Test func sessionsEndAtSignOutRevocationAndIdleTimeout() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let handler = try await app.person(.handler, password: Self.password)
            var (browser, csrf) = try await Browser.signIn(app, handler.login, Self.password)
            #expect(try await browser.get("/ui/inbox").status == .ok)
            // Sign-out needs the token too.
            #expect(try await browser.post("/logout", []).status == .forbidden)
            #expect(try await browser.post("/logout", [("csrf", csrf)]).status == .seeOther)
            #expect(try await browser.get("/ui/inbox").status == .seeOther)

            // Revoking the user's access ends its browser sessions at once.
            (browser, csrf) = try await Browser.signIn(app, handler.login, Self.password)
            #expect(try await app.request(.delete, "/v1/users/\(handler.id)/tokens", token: admin).status == .ok)
            #expect(try await browser.get("/ui/inbox").status == .seeOther)

            // 30 minutes without a request end a session.
            (browser, csrf) = try await Browser.signIn(app, handler.login, Self.password)
            let db = app.services.db
            try await db.client.query("UPDATE web_sessions SET last_seen_at = now() - interval '31 minutes' WHERE revoked_at IS NULL", logger: db.logger)
            #expect(try await browser.get("/ui/inbox").status == .seeOther)
            // And 12 hours in all, however active.
            (browser, csrf) = try await Browser.signIn(app, handler.login, Self.password)
            try await db.client.query("UPDATE web_sessions SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL", logger: db.logger)
            #expect(try await browser.get("/ui/inbox").status == .seeOther)
        }
    }

    @Test func unitsSeeOnlyTheirTicketsEscapedAndConfidentialCallersNowhere() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let mine = try await app.person(.handler, password: Self.password, unitCode: "XHQ-XX")
            let theirs = try await app.person(.handler, password: Self.password, unitCode: "SCQ")
            let center = try await app.person(.dispatcher, password: Self.password)
            let script = "<script>alert(1)</script>"
            let a = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket([
                "content": script, "title": "标题\(script)", "confidential": true,
                "caller": ["name": "李秘密", "phone": "13912345678", "address": "保密路9号"]])).json["id"] as? String)
            let b = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "上城区的件"])).json["id"] as? String)
            _ = try await app.request(.post, "/v1/tickets/\(a)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            _ = try await app.request(.post, "/v1/tickets/\(b)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("SCQ")])
            let bFile = try #require(try await app.request(.post, "/v1/tickets/\(b)/attachments?filename=b.png", token: agent, raw: pngBytes(20),
                                                           headers: [.contentType: "image/png"]).json["id"] as? String)

            let (street, _) = try await Browser.signIn(app, mine.login, Self.password)
            let page = try await street.get("/ui/tickets/\(a)")
            #expect(page.status == .ok)
            #expect(page.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.html.contains("<script"))
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
            // Another unit's ticket and its attachment: 404, exactly as the API answers.
            #expect(try await street.get("/ui/tickets/\(b)").status == .notFound)
            #expect(try await street.get("/ui/tickets/\(b)/attachments/\(bFile)").status == .notFound)
            #expect(try await street.get("/ui/tickets/999999").status == .notFound)
            let (other, _) = try await Browser.signIn(app, theirs.login, Self.password)
            #expect(try await other.get("/ui/tickets/\(a)").status == .notFound)
            #expect(try await other.get("/ui/tickets/\(b)/attachments/\(bFile)").status == .ok)

            // The confidential caller is on no page: not the unit's, not the hotline center's.
            let (desk, _) = try await Browser.signIn(app, center.login, Self.password)
            for (browser, path) in [(street, "/ui/tickets/\(a)"), (street, "/ui/inbox"), (desk, "/ui/tickets/\(a)"), (desk, "/ui/queue")] {
                let html = try await browser.get(path).html
                for secret in ["李秘密", "13912345678", "139****5678", "李*", "保密路"] {
                    #expect(!html.contains(secret), "\(path) shows \(secret)")
                }
            }
            // A role's pages only: a handler on the board is refused.
            #expect(try await street.get("/ui/board").status == .forbidden)
        }
    }

    @Test func formsWithoutTheCSRFTokenAre403AndApplyNothing() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let handler = try await app.person(.handler, password: Self.password)
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String)
            _ = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            let (browser, csrf) = try await Browser.signIn(app, handler.login, Self.password)
            #expect(try await browser.post("/ui/tickets/\(id)/accept", []).status == .forbidden)
            #expect(try await browser.post("/ui/tickets/\(id)/accept", [("csrf", "hl_forged-token-of-the-right-shape-xxxxxxxx")]).status == .forbidden)
            #expect(try await browser.postMultipart("/ui/tickets/\(id)/attachments", [], files: [("file", "a.png", "image/png", pngBytes(10))]).status == .forbidden)
            #expect(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["status"] as? String == "dispatched")
            #expect(try await app.request(.get, "/v1/tickets/\(id)/attachments", token: agent).items.isEmpty)
            let done = try await browser.post("/ui/tickets/\(id)/accept", [("csrf", csrf)])
            #expect(done.status == .seeOther)
            #expect(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["status"] as? String == "accepted")
        }
    }

    /// The whole loop in the browser: the 街道 handler signs for a new ticket and replies with a
    /// photo, the dispatcher approves, the callback seat records "satisfied", and the board and
    /// the ranking show what the API reports.
    @Test func aTicketsWholeLoopThroughThePages() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let handler = try await app.person(.handler, password: Self.password)
            let dispatcher = try await app.person(.dispatcher, password: Self.password)
            let seat = try await app.person(.callback, password: Self.password)
            let supervisor = try await app.person(.supervisor, password: Self.password)
            let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "路灯不亮"])).json["id"] as? String)
            let number = try #require(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["number"] as? String)

            // The dispatcher sees it in the queue and dispatches it to 西溪街道.
            let (desk, deskCSRF) = try await Browser.signIn(app, dispatcher.login, Self.password)
            let queue = try await desk.get("/ui/queue")
            #expect(queue.html.contains(number))
            var r = try await desk.post("/ui/tickets/\(id)/dispatch", [("csrf", deskCSRF), ("lead_unit_id", try await app.unit("XHQ-XX"))])
            #expect(r.status == .seeOther, "\(r.html)")

            // The handler's inbox shows it with time left; the ticket page offers exactly sign and return.
            let (street, streetCSRF) = try await Browser.signIn(app, handler.login, Self.password)
            let inbox = try await street.get("/ui/inbox?state=to_accept")
            #expect(inbox.html.contains(number) && inbox.html.contains("剩余"))
            var page = try await street.get("/ui/tickets/\(id)")
            let offered = page.html.components(separatedBy: "data-verb=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(Set(offered) == ["accept", "return"])
            #expect(page.html.contains("138****8000") && !page.html.contains("13800138000"))
            r = try await street.post("/ui/tickets/\(id)/accept", [("csrf", streetCSRF)])
            #expect(r.status == .seeOther)
            page = try await street.get("/ui/tickets/\(id)")
            #expect(Set(page.html.components(separatedBy: "data-verb=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }) == ["return", "extension", "suspend", "reply"])
            // A reply missing its required field comes back with the reason and changes nothing.
            r = try await street.postMultipart("/ui/tickets/\(id)/reply", [("csrf", streetCSRF), ("caller_informed", "true")], files: [])
            #expect(r.status == .badRequest && r.html.contains("content"))
            // The reply with a photo: the reply and its evidence in one step.
            let photo = pngBytes(3000)
            r = try await street.postMultipart("/ui/tickets/\(id)/reply", [("csrf", streetCSRF), ("content", "已修复路灯"), ("caller_informed", "true")],
                                               files: [("evidence", "修复后.png", "image/png", photo)])
            #expect(r.status == .seeOther, "\(r.html)")
            let files = try await app.request(.get, "/v1/tickets/\(id)/attachments", token: agent).items
            #expect(files.count == 1 && files.first?["kind"] as? String == "evidence" && files.first?["sha256"] as? String == sha256Hex(photo))

            // The dispatcher reviews the reply, sees the evidence, approves.
            page = try await desk.get("/ui/tickets/\(id)")
            #expect(page.html.contains("修复后.png") && page.html.contains("data-verb=\"reply-review\""))
            r = try await desk.post("/ui/tickets/\(id)/reply-review", [("csrf", deskCSRF), ("approve", "true"), ("note", "同意")])
            #expect(r.status == .seeOther)
            #expect(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["status"] as? String == "awaiting_callback")

            // The callback seat: the queue, then "satisfied".
            let (callback, seatCSRF) = try await Browser.signIn(app, seat.login, Self.password)
            #expect(try await callback.get("/ui/callbacks").html.contains(number))
            r = try await callback.post("/ui/tickets/\(id)/callback", [("csrf", seatCSRF), ("reached", "true"), ("satisfaction", "satisfied"), ("resolved", "true")])
            #expect(r.status == .seeOther, "\(r.html)")
            #expect(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["status"] as? String == "closed")

            // The board and the ranking agree with the API's monthly report.
            let (board, _) = try await Browser.signIn(app, supervisor.login, Self.password)
            let b = try await board.get("/ui/board")
            #expect(b.status == .ok && b.html.contains("<svg"))
            let month = String(try #require(try await app.request(.get, "/v1/tickets/\(id)", token: agent).json["received_at"] as? String).prefix(7))
            let api = try await app.request(.get, "/v1/reports/monthly?month=\(month)&level=street", token: try await app.token(.supervisor))
            let street0 = try #require(api.items.first { $0["unit_code"] as? String == "XHQ-XX" })
            let received = try #require(street0["received"] as? Int)
            #expect(received == 1)
            #expect(b.html.contains("data-unit=\"\(street0["unit_id"] as! String)\"><td>\(street0["rank"] as! Int)</td><td>\(street0["unit_name"] as! String)</td><td class=\"received\">\(received)</td>"))
            let report = try await board.get("/ui/reports/monthly?month=\(month)&level=street")
            #expect(report.status == .ok && report.html.contains("<svg") && report.html.contains("format=xlsx"))
            let csv = try await board.get("/ui/reports/monthly/download?month=\(month)&level=street&format=csv")
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
        }
    }

    /// The board's overdue-by-unit count (index-only, late on either clock counted once) agrees
    /// with the plain definition over a mix: late on one clock, on both, on neither, suspended,
    /// co-handling, returned, a close clock not yet set.
    @Test func theBoardsOverdueCountIsLeadWorkLateOnEitherClockOnce() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let lead = try await app.unit("XHQ-XX"), co = try await app.unit("SCJG")
            var ids: [String] = []
            for i in 0..<8 {
                let id = try #require(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "路灯不亮\(i)", "caller": ["phone": "1390000\(1000 + i)"]])).json["id"] as? String)
                let r = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": lead, "co_unit_ids": [co]])
                #expect(r.status == .ok, "\(r.json)")
                ids.append(id)
            }
            let db = app.services.db
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            let past = t0.addingTimeInterval(-3600), later = t0.addingTimeInterval(3600)
            // (response_met, response_deadline, close_met, close_deadline, suspended) per ticket.
            let shapes: [(Bool, Date?, Bool, Date?, Bool)] = [
                (false, past, false, later, false),   // late to sign
                (true, past, false, past, false),     // late to close
                (false, past, false, past, false),    // late on both: once
                (false, later, false, later, false),  // on time
                (false, past, false, nil, false),     // late to sign, no close clock yet
                (false, past, false, past, true),     // suspended: not counted
                (true, past, true, past, false),      // both met
                (false, past, true, past, false),     // late to sign, close met
            ]
            for (id, s) in zip(ids, shapes) {
                let tid = Int64(id)!
                try await db.client.query("""
                    UPDATE assignments SET response_met_at = CASE WHEN \(s.0) THEN \(past) END, response_deadline = \(s.1),
                        close_met_at = CASE WHEN \(s.2) THEN \(past) END, close_deadline = \(s.3),
                        suspended_since = CASE WHEN \(s.4) THEN \(past) END
                    WHERE ticket_id = \(tid)
                    """, logger: db.logger)
            }
            let counted = try await WorkbenchStore(db: db).overdueByUnit(now: t0)
            var expected: [Int64: Int] = [:]
            for try await (unit, n) in try await db.client.query("""
                SELECT unit_id, count(*) FROM assignments
                WHERE status = 'active' AND role = 'lead' AND suspended_since IS NULL
                  AND ((response_met_at IS NULL AND response_deadline < \(t0)) OR (close_met_at IS NULL AND close_deadline < \(t0)))
                GROUP BY unit_id
                """, logger: db.logger).decode((Int64, Int64).self) { expected[unit] = Int(n) }
            #expect(expected == [Int64(lead)!: 5])
            #expect(Dictionary(uniqueKeysWithValues: counted.map { ($0.unitId, $0.count) }) == expected)
        }
    }

    /// The board's figures are shared for a few seconds, but never past a change this instance
    /// made: at one instant of the clock, a new ticket and a dispatch show on the next view.
    @Test func theBoardShowsAChangeAtOnceEvenWithinItsWindow() async throws {
        try await TestApp.with(clock: ManualClock("2026-11-24T10:00:00+08:00")) { app in
            let agent = try await app.token(.agent)
            let supervisor = try await app.person(.supervisor, password: Self.password)
            let (board, _) = try await Browser.signIn(app, supervisor.login, Self.password)
            func intake() async throws -> String? {
                let html = try await board.get("/ui/board").html
                return html.range(of: "今日受理 · ").map { String(html[$0.upperBound...].prefix { $0 != " " }) }
            }
            #expect(try await intake() == "0")
            #expect(try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).status == .created)
            #expect(try await intake() == "1")
            #expect(try await intake() == "1")
        }
    }
}
