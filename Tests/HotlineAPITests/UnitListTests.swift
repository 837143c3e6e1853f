import Foundation
import HotlineTestSupport
import Testing

/// Lists about one unit walk that unit's assignments (by their copy of the ticket's received_at)
/// instead of all tickets; they must answer exactly what the ticket walk answers, page by page.
@Suite struct UnitListTests {
    /// Every page of `uri` (limit 2), concatenated.
    func allPages(_ app: TestApp, _ uri: String, token: String) async throws -> [String] {
        var ids: [String] = [], cursor: String? = nil, pages = 0
        repeat {
            let page = try await app.request(.get, uri + "&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
            #expect(page.status == .ok, "\(page.body)")
            ids += page.items.map { $0["id"] as? String ?? "?" }
            cursor = page.json["next_cursor"] as? String
            pages += 1
        } while cursor != nil && pages < 20
        return ids
    }

    @Test func unitInboxHandlerAndOverdueListsMatchTheTicketOrder() async throws {
        let clock = ManualClock("2026-11-16T09:00:00+08:00")
        try await TestApp.with(clock: clock) { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let streetId = try await app.unit("XHQ-XX"), other = try await app.unit("XHQ-BS")
            let streetHandler = try await app.token(.handler, unitCode: "XHQ-XX")
            let otherHandler = try await app.token(.handler, unitCode: "XHQ-BS")
            func act(_ id: String, _ verb: String, _ token: String, _ body: [String: Any] = [:]) async throws {
                let r = try await app.request(.post, "/v1/tickets/\(id)/\(verb)", token: token, json: body)
                #expect(r.status == .ok, "\(verb): \(r.body)")
            }
            // Seven tickets, received out of order and with ties; five go to the street, two elsewhere.
            var mine: [(id: String, at: String)] = []
            for i in 0..<7 {
                let at = String(format: "2026-11-1%dT10:00:00+08:00", 2 + i % 3)
                let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "第\(i)件", "received_at": at])).json["id"] as? String ?? "?"
                try await act(id, "dispatch", dispatcher, ["lead_unit_id": i < 5 ? streetId : other])
                if i < 5 { mine.append((id, at)) }
            }
            // One of the street's tickets goes to the other unit and back: two assignment rows at the street.
            let bounced = mine[1].id
            try await act(bounced, "return", streetHandler, ["reason": "不属于本单位", "suggested_unit_id": other])
            try await act(bounced, "return-decision", dispatcher, ["approve": true])
            try await act(bounced, "return", otherHandler, ["reason": "属地管理", "suggested_unit_id": streetId])
            try await act(bounced, "return-decision", dispatcher, ["approve": true])
            // The order every list must keep: received_at, then id, newest first.
            let expected = mine.sorted { ($0.at, Int($0.id)!) > ($1.at, Int($1.id)!) }.map(\.id)

            #expect(try await allPages(app, "/v1/tickets?unit_id=\(streetId)", token: agent) == expected)
            #expect(try await allPages(app, "/v1/tickets?status=dispatched", token: streetHandler) == expected)
            #expect(try await allPages(app, "/v1/units/\(streetId)/inbox?state=to_accept", token: streetHandler) == expected)
            // The district above sees the street's and the other unit's tickets (walks tickets, not one unit).
            let district = try await app.token(.handler, unitCode: "XHQ")
            #expect(try await allPages(app, "/v1/tickets?status=dispatched", token: district).count == 7)

            // Five working days later every lead clock has run out: the overdue walk finds all seven.
            clock.set("2026-11-30T09:00:00+08:00")
            let overdue = try await allPages(app, "/v1/tickets?overdue=true", token: dispatcher)
            #expect(overdue.count == 7 && Set(overdue).isSuperset(of: expected))
            #expect(try await allPages(app, "/v1/units/\(streetId)/inbox?state=overdue", token: streetHandler) == expected)
        }
    }
}
