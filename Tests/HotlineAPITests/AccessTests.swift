import Foundation
import HTTPTypes
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Testing

@Suite struct AccessTests {
    @Test func missingBadOrRevokedTokensAre401() async throws {
        try await TestApp.with { app in
            #expect(try await app.request(.get, "/v1/tickets").status == .unauthorized)
            #expect(try await app.request(.get, "/v1/tickets", token: "hl_not-a-real-token-at-all").status == .unauthorized)
            #expect(try await app.request(.get, "/v1/tickets", headers: [.authorization: "Basic YWRtaW46YWRtaW4="]).status == .unauthorized)
            let r = try await app.request(.get, "/v1/tickets")
            #expect(r.headers[.wwwAuthenticate] == "Bearer")
            #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)

            let admin = try await app.token(.admin)
            let created = try await app.request(.post, "/v1/users", token: admin, json: ["login": "zhang.agent", "role": "agent", "display_name": "张坐席"])
            #expect(created.status == .created)
            let token = try #require(created.json["token"] as? String)
            let userId = try #require(created.json["id"] as? String)
            #expect(try await app.request(.get, "/v1/tickets", token: token).status == .ok)
            let revoked = try await app.request(.delete, "/v1/users/\(userId)/tokens", token: admin)
            #expect(revoked.status == .ok && revoked.json["revoked"] as? Int == 1)
            #expect(try await app.request(.get, "/v1/tickets", token: token).status == .unauthorized)
            #expect(try await app.request(.delete, "/v1/users/999999/tokens", token: admin).status == .notFound)

            // Tokens are stored hashed: the token text is nowhere in the database.
            var stored = 0
            for try await n in try await app.services.db.client.query("SELECT count(*) FROM api_tokens WHERE encode(token_hash, 'escape') LIKE \("%" + token + "%")", logger: app.services.db.logger).decode(Int.self) { stored = n }
            #expect(stored == 0)
        }
    }

    /// Role × endpoint: each role either passes the role check (any status but 401/403) or gets 403.
    @Test func roleMatrix() async throws {
        try await TestApp.with { app in
            var tokens: [Role: String] = [:]
            for role in Role.allCases { tokens[role] = try await app.token(role) }
            let center: Set<Role> = [.agent, .dispatcher, .callback, .supervisor, .admin, .auditor]
            // Partners (other systems) come only where they are named.
            let all = Set(Role.allCases).subtracting([.partner])
            let matrix: [(HTTPRequest.Method, String, Set<Role>)] = [
                (.get, "/v1/hotlines", all), (.post, "/v1/hotlines", [.admin]), (.get, "/v1/hotlines/12315", all),
                (.put, "/v1/hotlines/12315", [.admin]),
                (.get, "/v1/units", all), (.post, "/v1/units", [.admin]), (.get, "/v1/units/1", all), (.put, "/v1/units/1", [.admin]),
                (.get, "/v1/categories", all), (.post, "/v1/categories", [.admin]),
                (.get, "/v1/regions", all), (.post, "/v1/regions", [.admin]),
                (.post, "/v1/users", [.admin]), (.delete, "/v1/users/999999/tokens", [.admin]),
                (.post, "/v1/tickets", [.agent, .dispatcher, .partner]), (.get, "/v1/tickets", all.union([.partner])),
                (.get, "/v1/tickets/1", all.union([.partner])), (.post, "/v1/tickets/999999/linked-result", [.partner]),
                (.get, "/v1/events", all.union([.partner])), (.post, "/v1/webhooks", [.admin]), (.get, "/v1/webhooks", [.admin]),
                (.get, "/v1/webhooks/999999", [.admin]), (.put, "/v1/webhooks/999999", [.admin]), (.delete, "/v1/webhooks/999999", [.admin]),
                (.get, "/v1/webhooks/999999/deliveries", [.admin]), (.post, "/v1/webhooks/999999/deliveries/1/redeliver", [.admin]),
                (.get, "/v1/notice-templates", [.admin, .supervisor]), (.put, "/v1/notice-templates/unit.dispatched", [.admin]),
                (.post, "/v1/imports/units", [.admin]), (.post, "/v1/imports/tickets", [.admin, .dispatcher]),
                (.get, "/v1/calendar/2026", all), (.put, "/v1/calendar/2026-12-31", [.admin]), (.delete, "/v1/calendar/2026-12-31", [.admin]),
                (.get, "/v1/calendar/deadline?working_days=1", all),
                (.get, "/v1/sla-policies", all), (.get, "/v1/sla-policies/standard", all), (.put, "/v1/sla-policies/standard", [.admin]),
                (.get, "/v1/routing-rules", all), (.post, "/v1/routing-rules", [.admin]),
                (.get, "/v1/units/1/inbox", all),
                (.post, "/v1/tickets/999999/answer", [.agent]), (.post, "/v1/tickets/999999/reject", [.agent]),
                (.post, "/v1/tickets/999999/transfer", [.agent]), (.post, "/v1/tickets/999999/merge", [.agent, .dispatcher]),
                (.post, "/v1/tickets/999999/dispatch", [.agent, .dispatcher]), (.post, "/v1/tickets/999999/accept", [.handler]),
                (.post, "/v1/tickets/999999/return", [.handler]), (.post, "/v1/tickets/999999/return-decision", [.dispatcher]),
                (.post, "/v1/tickets/999999/extension", [.handler]), (.post, "/v1/tickets/999999/extension-decision", [.dispatcher]),
                (.post, "/v1/tickets/999999/reply", [.handler]), (.post, "/v1/tickets/999999/reply-review", [.dispatcher]),
                (.post, "/v1/tickets/999999/escalate", [.supervisor]), (.post, "/v1/tickets/999999/terminate", [.dispatcher, .supervisor]),
                (.get, "/v1/kb/search?q=x", all), (.post, "/v1/kb/entries", [.admin, .handler]), (.get, "/v1/kb/entries/999999", all),
                (.put, "/v1/kb/entries/999999", [.admin, .handler]), (.delete, "/v1/kb/entries/999999", [.admin, .handler]),
                (.get, "/v1/kb/entries/999999/versions", all), (.get, "/v1/kb/synonyms", all),
                (.post, "/v1/kb/synonyms", [.admin]), (.delete, "/v1/kb/synonyms/999999", [.admin]),
                (.post, "/v1/tickets/999999/suspend", [.handler]), (.post, "/v1/tickets/999999/suspend-decision", [.dispatcher]),
                (.post, "/v1/tickets/999999/resume", [.handler, .dispatcher]), (.post, "/v1/tickets/999999/co-reply", [.handler]),
                (.put, "/v1/calendar/2027/published", [.admin]),
                (.post, "/v1/tickets/999999/callback", [.callback]), (.post, "/v1/tickets/999999/reveal", [.handler]),
                (.get, "/v1/callbacks/due", [.callback, .supervisor, .dispatcher, .admin]),
                (.get, "/v1/reports/monthly?month=2026-10", [.supervisor, .admin, .auditor, .dispatcher]),
                (.get, "/v1/reports/hotlines?month=2026-10", [.supervisor, .admin, .auditor, .dispatcher]),
                (.get, "/v1/assessment-settings", [.supervisor, .admin, .auditor, .dispatcher]), (.put, "/v1/assessment-settings", [.admin]),
                (.get, "/v1/audit", [.auditor, .admin]),
            ]
            #expect(center.isSubset(of: all))
            for (method, path, allowed) in matrix {
                for role in Role.allCases {
                    let r = try await app.request(method, path, token: tokens[role], raw: [], headers: [.contentType: path.contains("imports") ? "text/csv" : "application/json"])
                    if allowed.contains(role) {
                        #expect(r.status != .forbidden && r.status != .unauthorized, "\(role) \(method) \(path) → \(r.status)")
                    } else {
                        #expect(r.status == .forbidden, "\(role) \(method) \(path) → \(r.status), expected 403")
                    }
                }
            }
        }
    }

    @Test func handlerSeesOnlyItsUnitsTicketsMasked() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let street = try await app.token(.handler, unitCode: "XHQ-XX")         // 西溪街道
            let district = try await app.token(.handler, unitCode: "XHQ")           // 西湖区 (above it)
            let other = try await app.token(.handler, unitCode: "SCQ")              // 上城区
            let mine = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as! String
            let theirs = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "别处", "caller": ["phone": "13911112222"]])).json["id"] as! String
            // Before dispatch no unit sees anything.
            #expect(try await app.request(.get, "/v1/tickets/\(mine)", token: street).status == .notFound)
            #expect(try await app.request(.get, "/v1/tickets", token: street).items.isEmpty)
            // Assign: mine to the office below 西溪街道, theirs to 上城区.
            let db = app.services.db
            let office = try await app.services.reference.unitId(code: "XHQ-XX-1")!
            let scq = try await app.services.reference.unitId(code: "SCQ")!
            try await db.client.query("INSERT INTO assignments (ticket_id, unit_id, role) VALUES (\(Int64(mine)!), \(office), 'lead'), (\(Int64(theirs)!), \(scq), 'lead')", logger: db.logger)

            for token in [street, district] {
                let r = try await app.request(.get, "/v1/tickets/\(mine)", token: token)
                #expect(r.status == .ok)
                let caller = r.json["caller"] as? [String: Any]
                #expect(caller?["phone"] as? String == "138****8000")
                #expect(caller?["name"] as? String == "张*")
                #expect(caller?["address"] == nil)
                #expect(r.json["query_code"] == nil)
                #expect(!r.body.contains("13800138000"))
                #expect(try await app.request(.get, "/v1/tickets/\(theirs)", token: token).status == .notFound)
                let list = try await app.request(.get, "/v1/tickets", token: token)
                #expect(list.items.map { $0["id"] as? String } == [mine])
                #expect(!list.body.contains("13800138000"))
            }
            #expect(try await app.request(.get, "/v1/tickets/\(mine)", token: other).status == .notFound)
            #expect(try await app.request(.get, "/v1/tickets?unit_id=\(office)", token: other).items.isEmpty)
            // Confidential: the unit sees no caller at all.
            try await db.client.query("UPDATE tickets SET confidential = true WHERE id = \(Int64(mine)!)", logger: db.logger)
            let conf = try await app.request(.get, "/v1/tickets/\(mine)", token: street)
            #expect(conf.json["caller"] == nil)
            // The hotline center still sees the caller in full.
            #expect((try await app.request(.get, "/v1/tickets/\(mine)", token: agent).json["caller"] as? [String: Any])?["phone"] as? String == "13800138000")
        }
    }
}

@Suite struct AccessLogTests {
    @Test func unmaskedReadsRevealsAndTheAuditTrail() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent, login: "agent.li")
            let dispatcher = try await app.token(.dispatcher)
            let auditor = try await app.token(.auditor)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String ?? "?"
            _ = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            _ = try await app.request(.get, "/v1/tickets/\(id)", token: agent)
            _ = try await app.request(.get, "/v1/tickets?limit=5", token: agent)
            _ = try await app.request(.get, "/v1/tickets/\(id)", token: handler)  // masked: not logged

            // A unit sees the full caller only through reveal, with a reason, logged.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reveal", token: handler, json: ["reason": ""]).fieldErrors == ["reason"])
            let reveal = try await app.request(.post, "/v1/tickets/\(id)/reveal", token: handler, json: ["reason": "需上门核实地址"])
            #expect(reveal.status == .ok && (reveal.json["caller"] as? [String: Any])?["phone"] as? String == "13800138000")
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reveal", token: try await app.token(.handler, unitCode: "SCQ"), json: ["reason": "x"]).status == .notFound)

            let audit = try await app.request(.get, "/v1/audit?ticket_id=\(id)", token: auditor)
            #expect(audit.status == .ok)
            let actions = audit.items.map { "\($0["actor_role"] as? String ?? "")/\($0["action"] as? String ?? "")" }
            // newest first: reveal, list, read, and the dispatcher's read of the dispatch answer
            #expect(actions == ["handler/reveal", "agent/list", "agent/read", "dispatcher/read"])
            #expect(audit.items.first?["reason"] as? String == "需上门核实地址")
            #expect(audit.items.first?["fields"] as? [String] == ["caller.name", "caller.phone", "caller.address"])
            // Events too, newest first, like the access log.
            #expect((audit.json["events"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["dispatch", "registered"])
            let byAgent = try await app.request(.get, "/v1/audit?actor=agent.li", token: auditor)
            #expect(byAgent.items.count == 2)
            // Without ticket_id: the agent's events across tickets, filtered by kind.
            #expect((byAgent.json["events"] as? [[String: Any]])?.map { $0["ticket_id"] as? String } == [id])
            let dispatches = try await app.request(.get, "/v1/audit?kind=dispatch&limit=1", token: auditor).json
            #expect((dispatches["events"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["dispatch"])
            #expect(dispatches["events_next_cursor"] is NSNull)
            #expect(try await app.request(.get, "/v1/audit", token: agent).status == .forbidden)

            // The log is append-only for the service's own database role.
            let db = app.services.db
            await #expect(throws: (any Error).self) { try await db.client.query("UPDATE access_log SET reason = 'x'", logger: db.logger) }
            await #expect(throws: (any Error).self) { try await db.client.query("DELETE FROM access_log", logger: db.logger) }
            await #expect(throws: (any Error).self) { try await db.client.query("TRUNCATE access_log", logger: db.logger) }

            // Confidential: no reveal for units.
            try await db.client.query("UPDATE tickets SET confidential = true WHERE id = \(Int64(id)!)", logger: db.logger)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reveal", token: handler, json: ["reason": "再看一次"]).status == .forbidden)
        }
    }

    @Test func repeatedAuthFailuresAreThrottled() async throws {
        try await TestApp.with { app in
            var statuses: [UInt16] = []
            for i in 0..<22 {
                statuses.append(UInt16(try await app.request(.get, "/v1/tickets", token: "hl_wrong-token-number-\(i)").status.code))
            }
            #expect(statuses.prefix(20).allSatisfy { $0 == 401 })
            #expect(statuses.suffix(2).allSatisfy { $0 == 429 })
            let blocked = try await app.request(.get, "/v1/tickets", token: try await app.token(.agent))
            #expect(blocked.status == .tooManyRequests && blocked.headers[.retryAfter] != nil)
        }
    }
}
