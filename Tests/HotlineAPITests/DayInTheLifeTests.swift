import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

/// A 12315 complaint through the whole dispatch loop, over HTTP, with a hand-moved clock around
/// National Day 2026, checking every event and every deadline exactly.
@Suite struct DayInTheLifeTests {
    @Test func complaintFromIntakeToAwaitingCallback() async throws {
        let clock = ManualClock("2026-09-30T10:00:00+08:00")
        try await TestApp.with(clock: clock) { app in
            let admin = try await app.token(.admin)
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let scjg = try await app.unit("SCJG")
            let street = try await app.unit("XHQ-XX")
            let cityMarket = try await app.token(.handler, unitCode: "SCJG")
            let streetHandler = try await app.token(.handler, unitCode: "XHQ-XX")

            // Catalogue: market complaints go to the city bureau; in 上城区 to the district bureau.
            let rule = try await app.request(.post, "/v1/routing-rules", token: admin, json: ["category_code": "市场监管", "lead_unit_id": scjg])
            #expect(rule.status == .created)
            let ruleRow = try #require(rule.json["id"] as? String)
            _ = try await app.request(.post, "/v1/routing-rules", token: admin, json: [
                "category_code": "市场监管/消费投诉", "region_code": "330102", "lead_unit_id": try await app.unit("SCQ-SCJG")])

            let created = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["received_at": "2026-09-30T09:58:00+08:00"]))
            let id = try #require(created.json["id"] as? String)

            func act(_ verb: String, _ token: String, _ body: [String: Any]? = nil, at time: String) async throws -> TestApp.Reply {
                clock.set(time)
                let r = try await app.request(.post, "/v1/tickets/\(id)/\(verb)", token: token, json: body ?? [String: Any]())
                #expect(r.status == .ok, "\(verb): \(r.body)")
                return r
            }
            func clocks(_ r: TestApp.Reply, assignment i: Int) -> [String: [String: Any]] {
                let a = (r.json["assignments"] as? [[String: Any]] ?? [])[i]
                var out: [String: [String: Any]] = [:]
                for c in a["clocks"] as? [[String: Any]] ?? [] { out[c["kind"] as! String] = c }
                return out
            }

            // Dispatch by the catalogue: the ancestor-category rule (the 上城区 rule's region does not match).
            var r = try await act("dispatch", dispatcher, at: "2026-09-30T10:00:00+08:00")
            #expect(r.json["status"] as? String == "dispatched")
            #expect(r.json["sla_policy"] as? String == "standard")
            var a0 = (r.json["assignments"] as? [[String: Any]])?.first
            #expect(a0?["unit_id"] as? String == scjg && a0?["role"] as? String == "lead")
            var c = clocks(r, assignment: 0)
            #expect(c["response"]?["deadline"] as? String == "2026-10-09T00:00:00+08:00")  // Oct 8 is the first working day
            #expect(c["close"]?["deadline"] as? String == "2026-10-14T00:00:00+08:00")     // 8, 9, 10 (make-up), 12, 13
            // The response clock climbs the ladder too: 催签 at its deadline comes first.
            #expect(a0?["next_escalation"] as? String == "urging")
            #expect(a0?["next_escalation_at"] as? String == "2026-10-09T00:00:00+08:00")
            let dispatchEvent = (r.json["events"] as? [[String: Any]])?.last?["payload"] as? [String: Any]
            #expect(dispatchEvent?["routing_rule_row_id"] as? String == ruleRow)
            #expect(dispatchEvent?["via"] as? String == "rule")

            // The city bureau signs for it, then asks to return it to the street office.
            r = try await act("accept", cityMarket, at: "2026-10-08T09:00:00+08:00")
            c = clocks(r, assignment: 0)
            #expect(c["response"]?["met_at"] as? String == "2026-10-08T09:00:00+08:00")
            #expect(c["response"]?["breached"] as? Bool == false)
            r = try await act("return", cityMarket, ["reason": "属地管理事项", "basis": "市政府分工文件", "suggested_unit_id": street], at: "2026-10-08T10:00:00+08:00")
            #expect(r.json["status"] as? String == "return_requested")
            // The street cannot act yet: it is not assigned.
            #expect(try await app.request(.post, "/v1/tickets/\(id)/accept", token: streetHandler).status == .notFound)

            r = try await act("return-decision", dispatcher, ["approve": true, "note": "同意退回"], at: "2026-10-08T11:00:00+08:00")
            #expect(r.json["status"] as? String == "dispatched")
            let assignments = r.json["assignments"] as? [[String: Any]] ?? []
            #expect(assignments.count == 2)
            #expect(assignments[0]["status"] as? String == "returned" && assignments[0]["ended_at"] as? String == "2026-10-08T11:00:00+08:00")
            #expect(assignments[1]["unit_id"] as? String == street && assignments[1]["status"] as? String == "active")
            c = clocks(r, assignment: 1)
            #expect(c["response"]?["deadline"] as? String == "2026-10-10T00:00:00+08:00")  // fresh clocks from Oct 8
            #expect(c["close"]?["deadline"] as? String == "2026-10-15T00:00:00+08:00")     // 9, 10, 12, 13, 14
            r = try await act("accept", streetHandler, at: "2026-10-09T09:00:00+08:00")
            // The old unit has lost the ticket's actions (but still sees its history).
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reply", token: cityMarket, json: ["content": "x", "caller_informed": true]).status == .forbidden)
            #expect(try await app.request(.get, "/v1/tickets/\(id)", token: cityMarket).status == .ok)
            r = try await act("extension", streetHandler, ["working_days": 3, "reason": "需要现场核查"], at: "2026-10-12T10:00:00+08:00")
            #expect(r.json["status"] as? String == "extension_requested")
            r = try await act("extension-decision", dispatcher, ["approve": true], at: "2026-10-12T11:00:00+08:00")
            #expect(r.json["status"] as? String == "accepted")
            c = clocks(r, assignment: 1)
            #expect(c["close"]?["deadline"] as? String == "2026-10-20T00:00:00+08:00")     // 15, 16, 19
            a0 = (r.json["assignments"] as? [[String: Any]])?[1]
            #expect(a0?["extension_days"] as? Int == 3)
            #expect(a0?["next_escalation_at"] as? String == "2026-10-19T00:00:00+08:00")   // the reminder moved too

            r = try await act("reply", streetHandler, ["content": "已责令超市下架并退款。", "basis": "食品安全法", "caller_informed": true], at: "2026-10-16T15:00:00+08:00")
            #expect(r.json["status"] as? String == "replied")
            c = clocks(r, assignment: 1)
            #expect(c["close"]?["met_at"] as? String == "2026-10-16T15:00:00+08:00" && c["close"]?["breached"] as? Bool == false)
            r = try await act("reply-review", dispatcher, ["approve": true, "note": "答复规范"], at: "2026-10-16T16:00:00+08:00")
            #expect(r.json["status"] as? String == "awaiting_callback")
            c = clocks(r, assignment: 1)
            #expect(c["callback"]?["deadline"] as? String == "2026-10-20T00:00:00+08:00")  // Mon 19th

            let events = r.json["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["kind"] as? String ?? "" } == [
                "registered", "dispatch", "accept", "return", "return-decision", "accept", "extension",
                "extension-decision", "reply", "reply-review"])
            #expect(events.map { $0["to_status"] as? String ?? "" } == [
                "registered", "dispatched", "accepted", "return_requested", "dispatched", "accepted", "extension_requested",
                "accepted", "replied", "awaiting_callback"])
            #expect(events.map { $0["at"] as? String ?? "" }.dropFirst() == [
                "2026-09-30T10:00:00+08:00", "2026-10-08T09:00:00+08:00", "2026-10-08T10:00:00+08:00", "2026-10-08T11:00:00+08:00",
                "2026-10-09T09:00:00+08:00", "2026-10-12T10:00:00+08:00", "2026-10-12T11:00:00+08:00", "2026-10-16T15:00:00+08:00",
                "2026-10-16T16:00:00+08:00"])
            #expect(r.json["escalations"] as? [Any] != nil)

            // The caller sees the approved reply, and nothing personal.
            let t = try await app.request(.get, "/v1/tickets/\(id)", token: agent).json
            let progress = try await app.request(.get, "/v1/tickets/by-number/\(t["number"] as! String)?code=\(t["query_code"] as! String)")
            #expect(progress.json["status"] as? String == "awaiting_callback")
            #expect(progress.json["replies"] as? [String] == ["已责令超市下架并退款。"])
        }
    }
}
