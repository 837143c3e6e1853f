import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

/// A month with known outcomes, built over HTTP with a hand-moved clock (October 2026, right
/// after the National Day holidays), and every number of the assessment checked.
@Suite struct MonthlyAssessmentTests {
    @Test func octoberAssessmentNumbersAndRanking() async throws {
        let clock = ManualClock("2026-09-30T09:00:00+08:00")
        try await TestApp.with(clock: clock) { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let caller = try await app.token(.callback)
            let supervisor = try await app.token(.supervisor)
            let admin = try await app.token(.admin)
            let xx = try await app.token(.handler, unitCode: "XHQ-XX")
            let hb = try await app.token(.handler, unitCode: "SCQ-HB")
            let qb = try await app.token(.handler, unitCode: "SCQ-QB")
            let scq = try await app.token(.handler, unitCode: "SCQ")

            func at(_ time: String) { clock.set(time) }
            @discardableResult
            func act(_ id: String, _ verb: String, _ token: String, _ body: [String: Any] = [:], _ time: String, expect: HTTPResponse.Status = .ok) async throws -> TestApp.Reply {
                at(time)
                let r = try await app.request(.post, "/v1/tickets/\(id)/\(verb)", token: token, json: body)
                #expect(r.status == expect, "\(verb) at \(time): \(r.body)")
                return r
            }
            func ticket(_ title: String, hotline: String = "12345", channel: String = "phone", _ time: String) async throws -> String {
                at(time)
                let r = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket([
                    "title": title, "content": "\(title)，请处理。", "hotline_number": hotline, "channel": channel, "caller": ["phone": "1390000\(Int.random(in: 1000...9999))"]]))
                return r.json["id"] as? String ?? "?"
            }
            func dispatch(_ id: String, _ unit: String, _ time: String) async throws {
                try await act(id, "dispatch", dispatcher, ["lead_unit_id": try await app.unit(unit)], time)
            }
            func replyAndApprove(_ id: String, _ token: String, _ reply: String, _ approve: String) async throws {
                try await act(id, "reply", token, ["content": "已处理完毕", "caller_informed": true], reply)
                try await act(id, "reply-review", dispatcher, ["approve": true], approve)
            }

            // September: outside the cohort.
            let t8 = try await ticket("九月的件", "2026-09-30T23:00:00+08:00")
            try await dispatch(t8, "XHQ-XX", "2026-09-30T23:59:00+08:00")

            // T1 on time, satisfied.
            let t1 = try await ticket("T1", "2026-10-12T09:00:00+08:00")
            try await dispatch(t1, "XHQ-XX", "2026-10-12T10:00:00+08:00")
            try await act(t1, "accept", xx, [:], "2026-10-12T11:00:00+08:00")
            try await replyAndApprove(t1, xx, "2026-10-13T10:00:00+08:00", "2026-10-13T11:00:00+08:00")
            let c1 = try await act(t1, "callback", caller, ["reached": true, "satisfaction": "satisfied", "resolved": true], "2026-10-14T10:00:00+08:00")
            #expect(c1.json["status"] as? String == "closed")

            // T2 late to sign for and late to reply; basically satisfied, not resolved.
            let t2 = try await ticket("T2", "2026-10-12T09:00:00+08:00")
            try await dispatch(t2, "XHQ-XX", "2026-10-12T10:00:00+08:00")
            try await act(t2, "accept", xx, [:], "2026-10-14T09:00:00+08:00")
            try await replyAndApprove(t2, xx, "2026-10-20T09:00:00+08:00", "2026-10-20T10:00:00+08:00")
            try await act(t2, "callback", caller, ["reached": true, "satisfaction": "basically_satisfied", "resolved": false], "2026-10-20T15:00:00+08:00")

            // T3 extended, replied in time, unsatisfied → reopened, replied again, then satisfied.
            let t3 = try await ticket("T3", "2026-10-12T09:00:00+08:00")
            try await dispatch(t3, "XHQ-XX", "2026-10-12T10:00:00+08:00")
            try await act(t3, "accept", xx, [:], "2026-10-12T11:00:00+08:00")
            try await act(t3, "extension", xx, ["working_days": 2, "reason": "需协调"], "2026-10-16T10:00:00+08:00")
            try await act(t3, "extension-decision", dispatcher, ["approve": true], "2026-10-16T11:00:00+08:00")
            try await replyAndApprove(t3, xx, "2026-10-21T15:00:00+08:00", "2026-10-21T16:00:00+08:00")
            try await act(t3, "callback", caller, ["reached": true, "satisfaction": "unsatisfied", "resolved": false], "2026-10-22T10:00:00+08:00", expect: .badRequest)
            let reopened = try await act(t3, "callback", caller, ["reached": true, "satisfaction": "unsatisfied", "resolved": false, "verdict": "reopen"], "2026-10-22T10:00:00+08:00")
            #expect(reopened.json["status"] as? String == "reopened")
            let close = ((reopened.json["assignments"] as? [[String: Any]])?.first?["clocks"] as? [[String: Any]])?.first { $0["kind"] as? String == "close" }
            #expect(close?["deadline"] as? String == "2026-10-30T00:00:00+08:00")  // fresh: 23, 26, 27, 28, 29
            // A new round: signed for again before the reply; round 1 stays as it was (replied in time).
            try await act(t3, "reply", xx, ["content": "再次处理", "caller_informed": true], "2026-10-22T10:30:00+08:00", expect: .conflict)
            try await act(t3, "accept", xx, [:], "2026-10-22T11:00:00+08:00")
            try await replyAndApprove(t3, xx, "2026-10-23T10:00:00+08:00", "2026-10-23T11:00:00+08:00")
            try await act(t3, "callback", caller, ["reached": true, "satisfaction": "satisfied", "resolved": true], "2026-10-23T15:00:00+08:00")

            // T11 co-handled by 清波街道 (上城区) and suspended for two working days: replied after the
            // original deadline (end of 19 Oct) but inside the one the suspension moved (end of 21 Oct).
            let t11 = try await ticket("T11", "2026-10-12T09:00:00+08:00")
            try await act(t11, "dispatch", dispatcher, ["lead_unit_id": try await app.unit("XHQ-XX"), "co_unit_ids": [try await app.unit("SCQ-QB")]],
                          "2026-10-12T10:00:00+08:00")
            try await act(t11, "accept", xx, [:], "2026-10-12T11:00:00+08:00")
            try await act(t11, "suspend", xx, ["reason": "awaiting_ruling", "note": "等待仲裁结果"], "2026-10-13T10:00:00+08:00")
            try await act(t11, "suspend-decision", dispatcher, ["approve": true], "2026-10-13T11:00:00+08:00")
            try await act(t11, "co-reply", qb, ["content": "清波街道意见：配合现场核查", "basis": "属地"], "2026-10-13T15:00:00+08:00")
            let resumed = try await act(t11, "resume", xx, ["note": "仲裁已出"], "2026-10-15T11:00:00+08:00")
            let lead11 = (resumed.json["assignments"] as? [[String: Any]])?.first { $0["role"] as? String == "lead" }
            let close11 = (lead11?["clocks"] as? [[String: Any]])?.first { $0["kind"] as? String == "close" }
            #expect(close11?["deadline"] as? String == "2026-10-22T00:00:00+08:00" && lead11?["suspended_days"] as? Int == 2)
            let co11 = (resumed.json["assignments"] as? [[String: Any]])?.first { $0["role"] as? String == "co" }
            #expect((co11?["clocks"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["response", "co_reply"])
            // The co-unit's opinion is shown to the lead unit and to the reviewer.
            let seenByLead = try await app.request(.get, "/v1/tickets/\(t11)", token: xx).json
            let opinion = ((seenByLead["assignments"] as? [[String: Any]])?.first { $0["role"] as? String == "co" })?["opinion"] as? [String: Any]
            #expect(opinion?["content"] as? String == "清波街道意见：配合现场核查")
            try await replyAndApprove(t11, xx, "2026-10-21T10:00:00+08:00", "2026-10-21T11:00:00+08:00")
            try await act(t11, "callback", caller, ["reached": true, "satisfaction": "satisfied", "resolved": true], "2026-10-22T10:00:00+08:00")

            // T4 terminated: excluded from every base.
            let t4 = try await ticket("T4", "2026-10-12T09:00:00+08:00")
            try await dispatch(t4, "XHQ-XX", "2026-10-12T10:00:00+08:00")
            try await act(t4, "terminate", supervisor, ["reason": "已起诉"], "2026-10-13T10:00:00+08:00")

            // T5 returned by 西溪街道 to 湖滨街道 (上城区), handled there, caller unreachable three times.
            let t5 = try await ticket("T5", "2026-10-12T09:00:00+08:00")
            try await dispatch(t5, "XHQ-XX", "2026-10-12T10:00:00+08:00")
            try await act(t5, "return", xx, ["reason": "不属本辖区", "suggested_unit_id": try await app.unit("SCQ-HB")], "2026-10-12T10:30:00+08:00")
            try await act(t5, "return-decision", dispatcher, ["approve": true], "2026-10-12T11:00:00+08:00")
            try await act(t5, "accept", hb, [:], "2026-10-12T12:00:00+08:00")
            try await replyAndApprove(t5, hb, "2026-10-13T10:00:00+08:00", "2026-10-13T11:00:00+08:00")
            for (i, time) in ["2026-10-14T09:00:00+08:00", "2026-10-14T14:00:00+08:00", "2026-10-15T09:00:00+08:00"].enumerated() {
                let r = try await act(t5, "callback", caller, ["reached": false, "note": "无人接听"], time)
                #expect(r.json["status"] as? String == (i < 2 ? "awaiting_callback" : "closed"))
            }

            // T6 judged unreasonable: excluded from the callback bases. T7 satisfied.
            let t6 = try await ticket("T6", "2026-10-12T09:00:00+08:00")
            try await dispatch(t6, "SCQ-QB", "2026-10-12T10:00:00+08:00")
            try await act(t6, "accept", qb, [:], "2026-10-12T11:00:00+08:00")
            try await replyAndApprove(t6, qb, "2026-10-13T10:00:00+08:00", "2026-10-13T11:00:00+08:00")
            try await act(t6, "callback", caller, ["reached": true, "satisfaction": "unsatisfied", "resolved": false, "verdict": "close_unreasonable"], "2026-10-14T10:00:00+08:00")
            let t7 = try await ticket("T7", "2026-10-12T09:00:00+08:00")
            try await dispatch(t7, "SCQ", "2026-10-12T10:00:00+08:00")
            try await act(t7, "accept", scq, [:], "2026-10-12T11:00:00+08:00")
            try await replyAndApprove(t7, scq, "2026-10-13T10:00:00+08:00", "2026-10-13T11:00:00+08:00")

            // The callback queue: T7 waits; oldest deadline first.
            at("2026-10-13T12:00:00+08:00")
            let due = try await app.request(.get, "/v1/callbacks/due", token: caller)
            let dueIds: [String] = due.items.compactMap { item in
                let t = item["ticket"] as? [String: Any]
                return t?["id"] as? String
            }
            #expect(dueIds.contains(t7))
            try await act(t7, "callback", caller, ["reached": true, "satisfaction": "satisfied", "resolved": true], "2026-10-14T10:00:00+08:00")

            // T9 dispatched at the very end of the month, not signed for by the report date.
            let t9 = try await ticket("T9", "2026-10-31T23:00:00+08:00")
            try await dispatch(t9, "XHQ-XX", "2026-10-31T23:59:00+08:00")

            // A direct answer on 12345 WeChat, for the hotline report.
            let t10 = try await ticket("T10", hotline: "12345", channel: "wechat", "2026-10-20T09:00:00+08:00")
            try await act(t10, "answer", agent, ["answer": "可以在网上办理。"], "2026-10-20T09:05:00+08:00")

            at("2026-11-05T10:00:00+08:00")
            let report = try await app.request(.get, "/v1/reports/monthly?month=2026-10&level=district", token: supervisor)
            #expect(report.status == .ok, "\(report.body)")
            #expect(report.json["month"] as? String == "2026-10")
            #expect((report.json["period"] as? [String: Any])?["from"] as? String == "2026-10-01T00:00:00+08:00")
            #expect((report.json["cohort_rule"] as? String)?.isEmpty == false)
            let rows = report.items
            #expect(rows.map { $0["unit_code"] as? String } == ["SCQ", "XHQ", "GSQ"])  // ranked, unranked last
            let byCode = Dictionary(uniqueKeysWithValues: rows.map { ($0["unit_code"] as? String ?? "", $0) })
            func counts(_ code: String) -> [String: Int] { (byCode[code]?["counts"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int } }
            // By hand: XHQ has T1, T2, T3 (reopened), T5 (returned), T9 (not yet due), T11 (suspended).
            let x = counts("XHQ")
            #expect(x == ["dispatched": 6, "returned": 1, "responded_in_time": 3, "due": 4, "closed_in_time": 3, "overdue": 1,
                          "extended": 1, "reopened": 1, "reached": 4, "resolved": 3, "satisfied": 3, "basically_satisfied": 1, "unsatisfied": 0,
                          "co_dispatched": 0, "co_due": 0, "co_replied_in_time": 0])
            let xr = byCode["XHQ"] ?? [:]
            #expect(xr["received"] as? Int == 5)
            #expect(xr["response_rate"] as? Double == 0.6)
            #expect(xr["on_time_close_rate"] as? Double == 0.75)
            #expect(xr["resolution_rate"] as? Double == 0.75)
            #expect(xr["satisfaction_rate"] as? Double == 1.0)
            #expect(abs((xr["return_rate"] as? Double ?? 0) - 1.0 / 6) < 1e-9)
            #expect(xr["reopen_rate"] as? Double == 0.2)
            #expect(xr["score"] as? Double == 79.25)   // 100 × (0.30 × 0.6 + 0.35 × 0.75 + 0.35 × 1)
            let basis = (xr["score_basis"] as? [[String: Any]] ?? []).map { "\($0["rate"] ?? ""):\($0["value"] ?? ""):\($0["weight"] ?? "")" }
            #expect(basis == ["response_rate:0.6:0.3", "resolution_rate:0.75:0.35", "satisfaction_rate:1:0.35"])
            #expect(xr["rank"] as? Int == 2 && xr["co_received"] as? Int == 0)
            let s = counts("SCQ")
            #expect(s == ["dispatched": 3, "returned": 0, "responded_in_time": 3, "due": 3, "closed_in_time": 3, "overdue": 0,
                          "extended": 0, "reopened": 0, "reached": 1, "resolved": 1, "satisfied": 1, "basically_satisfied": 0, "unsatisfied": 0,
                          "co_dispatched": 1, "co_due": 1, "co_replied_in_time": 1])
            #expect(byCode["SCQ"]?["score"] as? Double == 100 && byCode["SCQ"]?["rank"] as? Int == 1)
            #expect(byCode["SCQ"]?["co_received"] as? Int == 1 && byCode["SCQ"]?["co_reply_on_time_rate"] as? Double == 1)
            #expect(byCode["GSQ"]?["received"] as? Int == 0 && byCode["GSQ"]?["score"] == nil && byCode["GSQ"]?["rank"] == nil)

            // The basically-satisfied weight is configuration.
            #expect(try await app.request(.put, "/v1/assessment-settings", token: admin, json: ["basically_satisfied_weight": 0.5]).status == .ok)
            let half = try await app.request(.get, "/v1/reports/monthly?month=2026-10&level=district", token: supervisor).items
            let xhq = half.first { $0["unit_code"] as? String == "XHQ" }
            #expect(xhq?["satisfaction_rate"] as? Double == 0.875)
            #expect(abs((xhq?["score"] as? Double ?? 0) - 74.875) < 0.006)   // 18 + 26.25 + 30.625, to two decimals
            #expect(try await app.request(.put, "/v1/assessment-settings", token: admin, json: ["response_weight": 2]).fieldErrors == ["response_weight"])
            #expect(try await app.request(.put, "/v1/assessment-settings", token: admin, json: ["missing_rate": "ignore"]).fieldErrors == ["missing_rate"])

            // Streets: 西溪街道 has T1–T3, T5 (returned) and T9.
            let streets = try await app.request(.get, "/v1/reports/monthly?month=2026-10&level=street", token: supervisor).items
            #expect(streets.first { $0["unit_code"] as? String == "XHQ-XX" }?["received"] as? Int == 5)
            #expect(streets.first { $0["unit_code"] as? String == "SCQ-HB" }?["received"] as? Int == 1)

            // CSV with BOM and Chinese headers; XLSX is a zip workbook.
            let csv = try await app.request(.get, "/v1/reports/monthly?month=2026-10&level=district&format=csv", token: supervisor)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.body.hasPrefix("\u{FEFF}2026年10月"))
            #expect(csv.body.contains("排名,单位编码,单位名称,层级,派单量"))
            #expect(csv.body.contains("2,XHQ,西湖区人民政府,区县,5,3,60.00%,4,3,75.00%,4,3,75.00%,3,1,0,87.50%,1,16.67%,1,20.00%,1,1,74.8"))
            #expect(csv.body.contains("响应率60.00%×0.3+解决率75.00%×0.35+满意率87.50%×0.35,0,"))
            let xlsx = try await app.client.execute(uri: "/v1/reports/monthly?month=2026-10&format=xlsx", method: .get,
                                                    headers: [.authorization: "Bearer \(supervisor)"]) { Array($0.body.readableBytesView) }
            #expect(xlsx.prefix(2) == [0x50, 0x4B])  // "PK"
            // For a look in LibreOffice (scripts/check-xlsx.sh): HOTLINE_TEST_ARTIFACTS=dir keeps the workbook.
            if let dir = ProcessInfo.processInfo.environment["HOTLINE_TEST_ARTIFACTS"] {
                try Data(xlsx).write(to: URL(fileURLWithPath: dir).appendingPathComponent("assessment-2026-10.xlsx"))
            }

            // Hotline volumes and direct answers.
            let hotlines = try await app.request(.get, "/v1/reports/hotlines?month=2026-10", token: supervisor).items
            let wechat = hotlines.first { $0["hotline_number"] as? String == "12345" && $0["channel"] as? String == "wechat" }
            #expect(wechat?["received"] as? Int == 1 && wechat?["answered_directly"] as? Int == 1 && wechat?["direct_answer_rate"] as? Double == 1)
            let phone = hotlines.first { $0["hotline_number"] as? String == "12345" && $0["channel"] as? String == "phone" }
            #expect(phone?["received"] as? Int == 9 && phone?["answered_directly"] as? Int == 0)
            #expect(try await app.request(.get, "/v1/reports/monthly?month=2026-13", token: supervisor).fieldErrors == ["month"])
            #expect(try await app.request(.get, "/v1/reports/monthly?month=2026-10", token: xx).status == .forbidden)
        }
    }
}
