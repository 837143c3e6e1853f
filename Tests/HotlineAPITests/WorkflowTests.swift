import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

@Suite struct WorkflowTests {
    /// A registered ticket dispatched to 西溪街道 by hand; answers (ticket id, tokens).
    func dispatched(_ app: TestApp, unit: String = "XHQ-XX") async throws -> (String, dispatcher: String, handler: String) {
        let agent = try await app.token(.agent)
        let dispatcher = try await app.token(.dispatcher)
        let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String ?? "?"
        let r = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit(unit)])
        #expect(r.status == .ok, "\(r.body)")
        return (id, dispatcher, try await app.token(.handler, unitCode: unit))
    }

    @Test func twoHandlersRacingToAcceptOneWins() async throws {
        try await TestApp.with { app in
            let (id, _, h1) = try await dispatched(app)
            let h2 = try await app.token(.handler, unitCode: "XHQ")  // the district above may act too
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for token in [h1, h2, h1, h2] {
                    group.addTask { try await app.request(.post, "/v1/tickets/\(id)/accept", token: token).status }
                }
                var all: [HTTPResponse.Status] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 3)
            let events = try await app.request(.get, "/v1/tickets/\(id)", token: h1).json["events"] as? [[String: Any]] ?? []
            #expect(events.filter { $0["kind"] as? String == "accept" }.count == 1)
        }
    }

    @Test func racingReturnAndReplyOneWins() async throws {
        try await TestApp.with { app in
            let (id, _, h) = try await dispatched(app)
            _ = try await app.request(.post, "/v1/tickets/\(id)/accept", token: h)
            async let a = app.request(.post, "/v1/tickets/\(id)/return", token: h, json: ["reason": "不属于本单位"])
            async let b = app.request(.post, "/v1/tickets/\(id)/reply", token: h, json: ["content": "已处理", "caller_informed": true])
            let (ra, rb) = try await (a, b)
            #expect([ra.status, rb.status].sorted { $0.code < $1.code } == [.ok, .conflict])
        }
    }

    @Test func illegalTransitionsAndStaleVersionsAre409() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let dispatcher = try await app.token(.dispatcher)
            let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String ?? "?"
            let review = try await app.request(.post, "/v1/tickets/\(id)/reply-review", token: dispatcher, json: ["approve": true])
            #expect(review.status == .conflict)
            #expect(review.json["current_status"] as? String == "registered")
            #expect(Set(review.json["allowed_verbs"] as? [String] ?? []) == ["answer", "reject", "transfer", "merge", "dispatch", "terminate"])
            // A handler cannot even see an undispatched ticket.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/accept", token: handler).status == .notFound)
            // If-Match: version 1 is current; 7 is stale.
            let stale = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")], headers: [.ifMatch: "7"])
            #expect(stale.status == .conflict)
            let ok = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")], headers: [.ifMatch: "\"1\""])
            #expect(ok.status == .ok && ok.json["version"] as? Int == 2 && ok.headers[.eTag] == "\"2\"")
            #expect(try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: [String: Any]()).status == .conflict)
            // Body validation names fields.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/extension", token: handler, json: ["working_days": 0]).fieldErrors == ["working_days", "reason"])
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reply", token: handler, json: ["content": ""]).fieldErrors == ["content", "caller_informed"])
            // Roles: an agent cannot accept, a handler cannot dispatch.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/accept", token: agent).status == .forbidden)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: handler, json: [String: Any]()).status == .forbidden)
            // Another unit learns nothing.
            let other = try await app.token(.handler, unitCode: "SCQ")
            #expect(try await app.request(.post, "/v1/tickets/\(id)/accept", token: other).status == .notFound)
        }
    }

    @Test func intakeEndingsAnswerRejectTransferMergeTerminate() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            func new(_ title: String) async throws -> String {
                try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": title])).json["id"] as? String ?? "?"
            }
            let a = try await new("a"), b = try await new("b"), c = try await new("c"), d = try await new("d"), e = try await new("e")
            // Unsampled, the direct answer closes the ticket; sampled, it waits for a callback.
            let answered = try await app.request(.post, "/v1/tickets/\(a)/answer", token: agent, json: ["answer": "按政策可以办理"]).json
            #expect(answered["status"] as? String == (TicketDecision.sampled(ticket: Int64(a)!, percent: 10) ? "awaiting_callback" : "closed"))
            #expect(try await app.request(.post, "/v1/tickets/\(a)/answer", token: agent, json: ["answer": "x"]).status == .conflict)
            #expect(try await app.request(.post, "/v1/tickets/\(b)/answer", token: agent, json: ["answer": "x", "kb_entry_id": "KB1"]).fieldErrors == ["kb_entry_id"])
            #expect(try await app.request(.post, "/v1/tickets/\(b)/reject", token: agent, json: ["reason": "涉法涉诉", "advice": "请向法院咨询"]).json["status"] as? String == "rejected")
            #expect(try await app.request(.post, "/v1/tickets/\(c)/transfer", token: agent, json: ["target": "999"]).fieldErrors == ["target"])
            #expect(try await app.request(.post, "/v1/tickets/\(c)/transfer", token: agent, json: ["target": "119"]).json["status"] as? String == "transferred")
            #expect(try await app.request(.post, "/v1/tickets/\(d)/merge", token: agent, json: ["into_ticket_id": d]).status == .badRequest)
            #expect(try await app.request(.post, "/v1/tickets/\(d)/merge", token: agent, json: ["into_ticket_id": a]).fieldErrors == ["into_ticket_id"])  // answered: not open
            let merged = try await app.request(.post, "/v1/tickets/\(d)/merge", token: agent, json: ["into_ticket_id": e])
            #expect(merged.json["status"] as? String == "merged" && merged.json["parent_id"] as? String == e)
            let parentEvents = try await app.request(.get, "/v1/tickets/\(e)", token: agent).json["events"] as? [[String: Any]] ?? []
            #expect(parentEvents.last?["kind"] as? String == "duplicate_merged")
            _ = try await app.request(.post, "/v1/tickets/\(e)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            let t = try await app.request(.post, "/v1/tickets/\(e)/terminate", token: dispatcher, json: ["reason": "已进入诉讼程序"])
            #expect(t.json["status"] as? String == "terminated")
            #expect((t.json["assignments"] as? [[String: Any]])?.first?["status"] as? String == "ended")
        }
    }

    @Test func routingFallbacksAndRuleVersions() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            func dispatchNew(_ extra: [String: Any]) async throws -> TestApp.Reply {
                let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(extra)).json["id"] as? String ?? "?"
                return try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: agent, json: [String: Any]())  // agents may dispatch by catalogue
            }
            func lead(_ r: TestApp.Reply) -> String? { (r.json["assignments"] as? [[String: Any]])?.first?["unit_id"] as? String }
            func via(_ r: TestApp.Reply) -> String? { ((r.json["events"] as? [[String: Any]])?.last?["payload"] as? [String: Any])?["via"] as? String }

            let vague: [String: Any] = ["title": "一般咨询", "content": "想了解一下相关情况。", "category_code": "其他"]
            // No rule, nothing in the knowledge base, no hotline default: the government of the ticket's region (西溪街道).
            var r = try await dispatchNew(vague.merging(["region_code": "330106002"]) { $1 })
            #expect(lead(r) == (try await app.unit("XHQ-XX")) && via(r) == "region_government")
            // Nothing at all: manual triage.
            r = try await dispatchNew(vague.merging(["region_code": NSNull()]) { $1 })
            #expect(r.status == .conflict)
            // The hotline's default unit.
            let rsj = try await app.unit("RSJ")
            _ = try await app.request(.put, "/v1/hotlines/12333", token: admin, json: ["name": "人社热线", "merge_mode": "parallel", "default_unit_id": rsj])
            r = try await dispatchNew(vague.merging(["hotline_number": "12333", "region_code": NSNull()]) { $1 })
            #expect(lead(r) == rsj && via(r) == "hotline_default")
            // No rule but a strong knowledge-base match: the entry's responsible unit (过期食品 → 市场监督管理局)
            // is only a suggestion by default (kb_routing off) — recorded, not dispatched to.
            let scjg = try await app.unit("SCJG")
            r = try await dispatchNew(["category_code": "其他", "region_code": NSNull()])
            #expect(r.status == .conflict)   // nothing else matches: manual triage
            r = try await dispatchNew(["category_code": "其他", "region_code": "330106002"])
            let payload = (r.json["events"] as? [[String: Any]])?.last?["payload"] as? [String: Any]
            #expect(via(r) == "region_government" && payload?["kb_suggested_unit_id"] as? String == scjg)
            #expect(try await app.request(.put, "/v1/assessment-settings", token: admin, json: ["kb_routing": true]).json["kb_routing"] as? Bool == true)
            r = try await dispatchNew(["category_code": "其他", "region_code": NSNull()])
            #expect(lead(r) == scjg && via(r) == "kb_entry")
            _ = try await app.request(.put, "/v1/assessment-settings", token: admin, json: ["kb_routing": false])
            // Rules: the more specific one wins; a new version replaces the old for new tickets.
            let cgj = try await app.unit("CGJ"), xhqCgj = try await app.unit("XHQ-CGJ")
            let v1 = try await app.request(.post, "/v1/routing-rules", token: admin, json: ["category_code": "城市管理", "lead_unit_id": cgj])
            _ = try await app.request(.post, "/v1/routing-rules", token: admin, json: ["category_code": "城市管理", "region_code": "330106", "lead_unit_id": xhqCgj, "co_unit_ids": [try await app.unit("XHQ-XX")]])
            r = try await dispatchNew(["category_code": "城市管理/占道经营", "region_code": "330106002"])
            #expect(lead(r) == xhqCgj && via(r) == "rule")
            #expect((r.json["assignments"] as? [[String: Any]])?.count == 2)
            r = try await dispatchNew(["category_code": "城市管理/占道经营", "region_code": "330102001"])
            #expect(lead(r) == cgj)
            let firstTicketRuleRow = ((r.json["events"] as? [[String: Any]])?.last?["payload"] as? [String: Any])?["routing_rule_row_id"] as? String
            #expect(firstTicketRuleRow == v1.json["id"] as? String)
            let v2 = try await app.request(.post, "/v1/routing-rules", token: admin, json: ["category_code": "城市管理", "lead_unit_id": try await app.unit("SCQ-CGJ"), "sla_policy": "business_env"])
            #expect(v2.json["version"] as? Int == 2 && v2.json["rule_id"] as? String == v1.json["rule_id"] as? String)
            let r2 = try await dispatchNew(["category_code": "城市管理/占道经营", "region_code": "330102001"])
            #expect(lead(r2) == (try await app.unit("SCQ-CGJ")) && r2.json["sla_policy"] as? String == "business_env")
            // business_env: one hour to respond, natural time.
            let clocks = (r2.json["assignments"] as? [[String: Any]])?.first?["clocks"] as? [[String: Any]] ?? []
            let response = clocks.first { $0["kind"] as? String == "response" }
            let dispatchedAt = (r2.json["assignments"] as? [[String: Any]])?.first?["dispatched_at"] as? String ?? ""
            #expect(Timestamp.parse(response?["deadline"] as? String ?? "")?.timeIntervalSince(Timestamp.parse(dispatchedAt) ?? Date()) == 3600)
            let all = try await app.request(.get, "/v1/routing-rules?history=true", token: dispatcher)
            #expect(all.items.filter { $0["rule_id"] as? String == v1.json["rule_id"] as? String }.map { $0["active"] as? Bool } == [false, true])
            #expect(try await app.request(.get, "/v1/routing-rules", token: dispatcher).items.count == 2)
            // Agents may not pick units themselves.
            let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String ?? "?"
            #expect(try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: agent, json: ["lead_unit_id": cgj]).status == .forbidden)
            #expect(try await app.request(.post, "/v1/routing-rules", token: admin, json: ["category_code": "nope", "lead_unit_id": "999999"]).fieldErrors == ["category_code", "lead_unit_id"])
        }
    }

    @Test func reworkExtensionLimitInboxAndOverdue() async throws {
        let clock = ManualClock("2026-11-23T09:00:00+08:00")  // Monday
        try await TestApp.with(clock: clock) { app in
            let (id, dispatcher, h) = try await dispatched(app)
            let unit = try await app.unit("XHQ-XX")
            #expect(try await app.request(.get, "/v1/units/\(unit)/inbox?state=to_accept", token: h).items.map { $0["id"] as? String } == [id])
            _ = try await app.request(.post, "/v1/tickets/\(id)/accept", token: h)
            #expect(try await app.request(.get, "/v1/units/\(unit)/inbox?state=to_accept", token: h).items.isEmpty)
            #expect(try await app.request(.get, "/v1/units/\(unit)/inbox?state=in_progress", token: h).items.count == 1)
            // Extensions: at most 10 working days in total.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/extension", token: h, json: ["working_days": 11, "reason": "r"]).fieldErrors == ["working_days"])
            _ = try await app.request(.post, "/v1/tickets/\(id)/extension", token: h, json: ["working_days": 8, "reason": "r"])
            let rejected = try await app.request(.post, "/v1/tickets/\(id)/extension-decision", token: dispatcher, json: ["approve": false, "note": "理由不充分"])
            let close = ((rejected.json["assignments"] as? [[String: Any]])?.first?["clocks"] as? [[String: Any]])?.first { $0["kind"] as? String == "close" }
            #expect(close?["deadline"] as? String == "2026-12-01T00:00:00+08:00")  // unchanged: 24, 25, 26, 27, 30
            _ = try await app.request(.post, "/v1/tickets/\(id)/extension", token: h, json: ["working_days": 8, "reason": "r"])
            _ = try await app.request(.post, "/v1/tickets/\(id)/extension-decision", token: dispatcher, json: ["approve": true])
            #expect(try await app.request(.post, "/v1/tickets/\(id)/extension", token: h, json: ["working_days": 3, "reason": "r"]).fieldErrors == ["working_days"])
            // Overdue: the response clock was met; the close clock (now Dec 11) passes.
            #expect(try await app.request(.get, "/v1/tickets?overdue=true", token: dispatcher).items.isEmpty)
            clock.set("2026-12-11T00:00:01+08:00")
            #expect(try await app.request(.get, "/v1/tickets?overdue=true", token: dispatcher).items.map { $0["id"] as? String } == [id])
            #expect(try await app.request(.get, "/v1/units/\(unit)/inbox?state=overdue", token: h).items.count == 1)
            #expect(try await app.request(.get, "/v1/units/\(try await app.unit("SCQ"))/inbox", token: h).status == .notFound)
            // The sweeper urges; a late reply is breached; the reply is rejected and the ladder resumes.
            #expect(try await app.services.sweeper.sweep(now: clock.now()) == 1)
            _ = try await app.request(.post, "/v1/tickets/\(id)/reply", token: h, json: ["content": "已处理", "caller_informed": false])
            let rework = try await app.request(.post, "/v1/tickets/\(id)/reply-review", token: dispatcher, json: ["approve": false, "note": "未联系市民"])
            #expect(rework.json["status"] as? String == "accepted")
            let a = (rework.json["assignments"] as? [[String: Any]])?.first
            #expect(a?["next_escalation"] as? String == "supervision")
            #expect(a?["next_escalation_at"] as? String == "2026-12-17T00:00:00+08:00")  // 3 working days after the urging on the 11th
            #expect((rework.json["escalations"] as? [[String: Any]])?.map { $0["level"] as? String } == ["urging"])
            let closeClock = (a?["clocks"] as? [[String: Any]])?.first { $0["kind"] as? String == "close" }
            #expect(closeClock?["met_at"] is NSNull || closeClock?["met_at"] == nil)
            #expect(closeClock?["breached"] as? Bool == true)
        }
    }

    @Test func manualEscalationOncePerRung() async throws {
        try await TestApp.with { app in
            let (id, _, _) = try await dispatched(app)
            let supervisor = try await app.token(.supervisor)
            let r = try await app.request(.post, "/v1/tickets/\(id)/escalate", token: supervisor, json: ["level": "supervision", "note": "领导批示"])
            #expect(r.status == .ok)
            let esc = r.json["escalations"] as? [[String: Any]] ?? []
            #expect(esc.map { $0["level"] as? String } == ["supervision"] && esc.first?["issued_by"] as? String != nil)
            // Not yet signed for: the rung is on the response clock (催签 and above), round 1.
            #expect(esc.first?["clock"] as? String == "response" && esc.first?["round"] as? Int == 1)
            let own = (r.json["assignments"] as? [[String: Any]])?.first?["escalations"] as? [[String: Any]]
            #expect(own?.map { $0["level"] as? String } == ["supervision"])
            #expect(try await app.request(.post, "/v1/tickets/\(id)/escalate", token: supervisor, json: ["level": "supervision"]).status == .conflict)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/escalate", token: supervisor, json: ["level": "loud"]).fieldErrors == ["level"])
        }
    }

    @Test func calendarAndPolicyEndpoints() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let agent = try await app.token(.agent)
            let year = try await app.request(.get, "/v1/calendar/2026", token: agent)
            #expect(year.items.count == 25)
            #expect(year.items.first?["date"] as? String == "2026-01-01" && year.items.first?["kind"] as? String == "holiday")
            var d = try await app.request(.get, "/v1/calendar/deadline?from=2026-09-30T10:00:00%2B08:00&working_days=1", token: agent)
            #expect(d.json["deadline"] as? String == "2026-10-09T00:00:00+08:00")
            d = try await app.request(.get, "/v1/calendar/deadline?from=2026-09-30T23:30:00%2B08:00&hours=1", token: agent)
            #expect(d.json["deadline"] as? String == "2026-10-01T00:30:00+08:00")
            #expect(try await app.request(.get, "/v1/calendar/deadline?working_days=1&hours=2", token: agent).status == .badRequest)
            #expect(try await app.request(.get, "/v1/calendar/deadline?working_days=0", token: agent).fieldErrors == ["working_days"])
            // A regional holiday changes that region's deadlines only.
            #expect(try await app.request(.put, "/v1/calendar/2026-11-23", token: admin, json: ["kind": "holiday", "note": "地方假日", "region_code": "330106"]).status == .ok)
            d = try await app.request(.get, "/v1/calendar/deadline?from=2026-11-20T10:00:00%2B08:00&working_days=1&region_code=330106002", token: agent)
            #expect(d.json["deadline"] as? String == "2026-11-25T00:00:00+08:00")
            d = try await app.request(.get, "/v1/calendar/deadline?from=2026-11-20T10:00:00%2B08:00&working_days=1", token: agent)
            #expect(d.json["deadline"] as? String == "2026-11-24T00:00:00+08:00")
            #expect(try await app.request(.put, "/v1/calendar/2026-11-23", token: agent, json: ["kind": "holiday"]).status == .forbidden)
            #expect(try await app.request(.put, "/v1/calendar/2026-02-30", token: admin, json: ["kind": "holiday"]).fieldErrors == ["date"])
            #expect(try await app.request(.put, "/v1/calendar/2026-11-24", token: admin, json: ["kind": "party"]).fieldErrors == ["kind"])
            #expect(try await app.request(.delete, "/v1/calendar/2026-11-23?region_code=330106", token: admin).status == .noContent)
            #expect(try await app.request(.delete, "/v1/calendar/2026-11-23?region_code=330106", token: admin).status == .notFound)

            let std = try await app.request(.get, "/v1/sla-policies/standard", token: agent).json
            #expect((std["close"] as? [String: Any])?["amount"] as? Int == 5 && (std["close"] as? [String: Any])?["unit"] as? String == "working_days")
            let urgent = try await app.request(.get, "/v1/sla-policies/urgent_life", token: agent).json
            #expect((urgent["response"] as? [String: Any])?["amount"] as? Int == 15 && (urgent["close"] as? [String: Any])?["unit"] as? String == "hours")
            let put = try await app.request(.put, "/v1/sla-policies/standard", token: admin, json: [
                "name": "一般诉求", "response": ["amount": 1, "unit": "working_days"], "close": ["amount": 7, "unit": "working_days"],
                "callback": ["amount": 2, "unit": "working_days"]])
            #expect(put.status == .ok && put.json["version"] as? Int == 2 && (put.json["close"] as? [String: Any])?["amount"] as? Int == 7)
            #expect(try await app.request(.put, "/v1/sla-policies/standard", token: admin, json: ["name": "x", "response": ["amount": 0, "unit": "days"]]).fieldErrors
                    == ["response.unit", "response.amount", "close", "callback"])
            #expect(try await app.request(.get, "/v1/sla-policies", token: agent).items.count == 4)
        }
    }
}
