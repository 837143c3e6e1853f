import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

let idemKey = HTTPField.Name("Idempotency-Key")!

func validTicket(_ extra: [String: Any] = [:]) -> [String: Any] {
    var body: [String: Any] = [
        "hotline_number": "12315", "channel": "phone", "nature": "complaint",
        "caller": ["name": "张三", "phone": "138 0013 8000", "address": "西溪路1号"],
        "category_code": "市场监管/消费投诉", "region_code": "330106002",
        "title": "超市出售过期食品", "content": "在西溪路某超市购买的牛奶已过期三天，要求处理。",
    ]
    for (k, v) in extra { body[k] = v }
    return body
}

@Suite struct IntakeAPITests {
    @Test func createsTicketWithNumberCodeEventAndReadsItBack() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let r = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["received_at": "2026-11-20T23:59:59+08:00"]))
            #expect(r.status == .created)
            let t = r.json
            let id = try #require(t["id"] as? String)
            #expect(r.headers[.location] == "/v1/tickets/\(id)")
            #expect(t["number"] as? String == "2026112000001")  // day of receipt in Asia/Shanghai
            #expect((t["query_code"] as? String)?.count == 6)
            #expect(t["status"] as? String == "registered")
            #expect(t["received_at"] as? String == "2026-11-20T23:59:59+08:00")
            #expect((t["caller"] as? [String: Any])?["phone"] as? String == "13800138000")
            #expect(t["version"] as? Int == 1)
            #expect(t["duplicate_candidates"] as? [Any] != nil)
            #expect(t["kb_suggestions"] as? [Any] != nil)

            let g = try await app.request(.get, "/v1/tickets/\(id)", token: agent)
            #expect(g.status == .ok)
            let events = try #require(g.json["events"] as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events[0]["kind"] as? String == "registered")
            #expect(events[0]["to_status"] as? String == "registered")
            #expect(events[0]["actor_role"] as? String == "agent")
            #expect(g.json["assignments"] as? [Any] != nil)

            // The next ticket received the same local day gets the next number.
            let r2 = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["received_at": "2026-11-20T16:00:00Z", "title": "另一件事"]))
            #expect(r2.json["number"] as? String == "2026112100001")  // 16:00Z is 00:00 on the 21st in Shanghai
        }
    }

    @Test func validationErrorsNameEachField() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            func fields(_ body: Any) async throws -> [String] {
                let r = try await app.request(.post, "/v1/tickets", token: agent, json: body)
                #expect(r.status == .badRequest, "\(r.body)")
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                #expect(r.json["status"] as? Int == 400)
                return r.fieldErrors
            }
            #expect(try await fields([String: Any]()) == ["hotline_number", "channel", "nature", "title", "content"])
            #expect(try await fields(validTicket(["channel": "fax"])) == ["channel"])
            #expect(try await fields(validTicket(["nature": "angry"])) == ["nature"])
            #expect(try await fields(validTicket(["nature": 3])) == ["nature"])
            #expect(try await fields(validTicket(["confidential": "yes"])) == ["confidential"])
            #expect(try await fields(validTicket(["caller": "张三"])) == ["caller"])
            #expect(try await fields(validTicket(["caller": ["phone": 13800138000]])) == ["caller.phone"])
            #expect(try await fields(validTicket(["caller": ["phone": "not a phone"]])) == ["caller.phone"])
            #expect(try await fields(validTicket(["received_at": "2026-11-21 09:00"])) == ["received_at"])
            #expect(try await fields(validTicket(["received_at": "2099-01-01T00:00:00+08:00"])) == ["received_at"])
            #expect(try await fields(validTicket(["title": ""])) == ["title"])
            #expect(try await fields(validTicket(["content": String(repeating: "字", count: 10_001)])) == ["content"])
            #expect(try await fields(validTicket(["anonymous": true])) == ["caller"])
            #expect(try await fields(validTicket(["hotline_number": "99999"])) == ["hotline_number"])
            #expect(try await fields(validTicket(["category_code": "不存在"])) == ["category_code"])
            #expect(try await fields(validTicket(["region_code": "000000"])) == ["region_code"])
            #expect(try await fields(validTicket(["sla_policy": "whenever"])) == ["sla_policy"])
            #expect(try await fields(validTicket(["hotline_number": "99999", "region_code": "000000"])) == ["hotline_number", "region_code"])
            #expect(try await fields([1, 2, 3]) == ["body"])
            // Nothing was half-written.
            let list = try await app.request(.get, "/v1/tickets", token: agent)
            #expect(list.items.isEmpty)
        }
    }

    @Test func garbageNeverYields5xx() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let bodies: [[UInt8]] = [
                [], Array("{".utf8), Array("null".utf8), Array("\"text\"".utf8), [0xff, 0xfe, 0x00, 0x7b],
                Array("{\"title\": \"\u{0}\"}".utf8), Array("{\"content\": 1e999}".utf8),
                Array("{\"hotline_number\":\"12315\",\"channel\":\"phone\",\"nature\":\"consult\",\"title\":\"t\",\"content\":\"".utf8) + [0xc3, 0x28] + Array("\"}".utf8),
                Array(("{\"hotline_number\":\"12315\",\"channel\":\"phone\",\"nature\":\"consult\",\"title\":\"t\",\"content\":\"" + String(repeating: "a", count: 1_048_576) + "\"}").utf8),
                Array(String(repeating: "[", count: 10_000).utf8),
            ]
            for body in bodies {
                let r = try await app.request(.post, "/v1/tickets", token: agent, raw: body, headers: [.contentType: "application/json"])
                #expect(r.status.code >= 400 && r.status.code < 500, "body of \(body.count) bytes → \(r.status)")
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
            for uri in ["/v1/tickets/abc", "/v1/tickets/-1", "/v1/tickets/99999999999999999999", "/v1/tickets?limit=0",
                        "/v1/tickets?limit=abc", "/v1/tickets?status=nope", "/v1/tickets?cursor=%%%", "/v1/tickets?received_from=x",
                        "/v1/tickets/by-number/abc?code=1", "/v1/units/x", "/v1/tickets?sort=evil"] {
                let r = try await app.request(.get, uri, token: agent)
                #expect(r.status.code >= 400 && r.status.code < 500, "\(uri) → \(r.status)")
            }
        }
    }

    @Test func idempotentRetryReturnsSameTicketAndCreatesOneRow() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let first = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(), headers: [idemKey: "call-7781"])
            let again = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(), headers: [idemKey: "call-7781"])
            #expect(first.status == .created && again.status == .created)
            #expect(first.json["id"] as? String == again.json["id"] as? String)
            #expect(first.json["number"] as? String == again.json["number"] as? String)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            // Same key, different body: a conflict, not a second ticket.
            let clash = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "别的"]), headers: [idemKey: "call-7781"])
            #expect(clash.status == .conflict)
            // Concurrent retries of one request.
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "并发"]), headers: [idemKey: "call-9"]).json["id"] as? String ?? "?"
                    }
                }
                var all: [String] = []
                for try await id in group { all.append(id) }
                return all
            }
            #expect(Set(ids).count == 1 && ids.first != "?")
            let list = try await app.request(.get, "/v1/tickets", token: agent)
            #expect(list.items.count == 2)
        }
    }

    @Test func retryAfterHotlineDeactivationReplaysButNewIntakeIsRefused() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let body = validTicket(["hotline_number": "12315"])
            let first = try await app.request(.post, "/v1/tickets", token: agent, json: body, headers: [idemKey: "call-12315-1"])
            #expect(first.status == .created)
            try await app.services.db.client.query("UPDATE hotlines SET active = false WHERE number = '12315'", logger: app.services.db.logger)
            // The retry of an acknowledged request still gets its ticket …
            let again = try await app.request(.post, "/v1/tickets", token: agent, json: body, headers: [idemKey: "call-12315-1"])
            #expect(again.status == .created && again.json["id"] as? String == first.json["id"] as? String)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            // … a new one on the inactive line is refused by field, and nothing is written.
            let fresh = try await app.request(.post, "/v1/tickets", token: agent, json: body, headers: [idemKey: "call-12315-2"])
            #expect(fresh.status == .badRequest && fresh.fieldErrors == ["hotline_number"])
            #expect(try await app.request(.get, "/v1/tickets", token: agent).items.count == 1)
        }
    }

    @Test func externalIdDeduplicatesPerHotline() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let a = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["external_id": "SMS-1"]))
            let b = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["external_id": "SMS-1"]))
            #expect(a.json["id"] as? String == b.json["id"] as? String)
            let other = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["external_id": "SMS-1", "hotline_number": "12333"]))
            #expect(other.status == .created && other.json["id"] as? String != a.json["id"] as? String)
            let clash = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["external_id": "SMS-1", "content": "改了"]))
            #expect(clash.status == .conflict)
        }
    }

    @Test func duplicateCandidatesOfferTheOpenTicketFromTheSamePhone() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let first = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket())
            let second = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "再次反映", "content": "上次反映的超市问题还没处理", "hotline_number": "12345"]))
            let candidates = try #require(second.json["duplicate_candidates"] as? [[String: Any]])
            #expect(candidates.map { $0["ticket_id"] as? String } == [first.json["id"] as? String])
            #expect((candidates[0]["reasons"] as? [String])?.contains("same_phone") == true)
        }
    }

    @Test func publicProgressNeedsTheCodeAndShowsNoPersonalData() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let t = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json
            let number = try #require(t["number"] as? String)
            let code = try #require(t["query_code"] as? String)
            let ok = try await app.request(.get, "/v1/tickets/by-number/\(number)?code=\(code)")
            #expect(ok.status == .ok)
            #expect(ok.json["status"] as? String == "registered")
            for secret in ["13800138000", "张三", "西溪路1号", "牛奶", "超市"] { #expect(!ok.body.contains(secret)) }
            let wrong = String(format: "%06d", (Int(code)! + 1) % 1_000_000)
            #expect(try await app.request(.get, "/v1/tickets/by-number/\(number)?code=\(wrong)").status == .notFound)
            #expect(try await app.request(.get, "/v1/tickets/by-number/2026010100001?code=\(code)").status == .notFound)
            #expect(try await app.request(.get, "/v1/tickets/by-number/\(number)").status == .badRequest)
        }
    }

    @Test func listFiltersAndKeysetPagination() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            var created: [String] = []
            for i in 0..<7 {
                let r = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket([
                    "title": "第\(i)件", "content": i % 2 == 0 ? "路灯不亮" : "噪音扰民",
                    "hotline_number": i < 4 ? "12315" : "12345", "channel": i == 6 ? "wechat" : "phone",
                    "received_at": String(format: "2026-11-1%dT10:00:00+08:00", 7 + i % 3),  // ties on received_at
                    "caller": ["phone": "1380000000\(i)"],
                ]))
                #expect(r.status == .created, "\(r.body)")
                created.append(r.json["id"] as? String ?? "")
            }
            var seen: [String] = []
            var cursor: String? = nil
            var pages = 0
            repeat {
                let uri = "/v1/tickets?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await app.request(.get, uri, token: agent)
                #expect(page.status == .ok)
                seen += page.items.map { $0["id"] as? String ?? "" }
                cursor = page.json["next_cursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(seen.count == 7 && Set(seen) == Set(created))
            let received = try await app.request(.get, "/v1/tickets?limit=500", token: agent).items.map { $0["received_at"] as? String ?? "" }
            #expect(received == received.sorted(by: >))

            #expect(try await app.request(.get, "/v1/tickets?hotline_number=12345", token: agent).items.count == 3)
            #expect(try await app.request(.get, "/v1/tickets?channel=wechat", token: agent).items.count == 1)
            #expect(try await app.request(.get, "/v1/tickets?q=%E8%B7%AF%E7%81%AF", token: agent).items.count == 4)  // 路灯
            #expect(try await app.request(.get, "/v1/tickets?status=registered,closed", token: agent).items.count == 7)
            #expect(try await app.request(.get, "/v1/tickets?status=closed", token: agent).items.isEmpty)
            let day = try await app.request(.get, "/v1/tickets?received_from=2026-11-18T00:00:00%2B08:00&received_to=2026-11-19T00:00:00%2B08:00", token: agent)
            #expect(day.items.count == 2)
            #expect(try await app.request(.get, "/v1/tickets?region_code=330106002&nature=complaint&category_code=%E5%B8%82%E5%9C%BA%E7%9B%91%E7%AE%A1/%E6%B6%88%E8%B4%B9%E6%8A%95%E8%AF%89", token: agent).items.count == 7)
            let bad = try await app.request(.get, "/v1/tickets?chanel=phone", token: agent)
            #expect(bad.status == .badRequest && bad.fieldErrors == ["chanel"])
        }
    }
}

@Suite struct IntakeConcurrencyAndLoggingTests {
    @Test func twoHundredTicketsFromEightClientsGetDistinctNumbers() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let numbers = try await withThrowingTaskGroup(of: [String].self) { group in
                for task in 0..<8 {
                    group.addTask {
                        var mine: [String] = []
                        for i in 0..<25 {
                            let r = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "并发\(task)-\(i)", "caller": ["phone": "139\(task)000\(String(format: "%04d", i))"]]))
                            mine.append(r.json["number"] as? String ?? "missing")
                        }
                        return mine
                    }
                }
                var all: [String] = []
                for try await n in group { all += n }
                return all
            }
            #expect(numbers.count == 200 && Set(numbers).count == 200 && !numbers.contains("missing"))
            let page = try await app.request(.get, "/v1/tickets?limit=500", token: agent)
            #expect(page.items.count == 200)
        }
    }

    @Test func logsNeverContainCallersPhoneOrName() async throws {
        let logs = CapturedLogs()
        try await TestApp.with(logger: logs.logger()) { app in
            let agent = try await app.token(.agent)
            let handler = try await app.token(.handler)
            _ = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["caller": ["name": "王秘密", "phone": "13912345678", "address": "保密路9号"]]))
            _ = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["caller": ["name": "王秘密", "phone": "13912345678x"]]))
            _ = try await app.request(.get, "/v1/tickets?q=13912345678", token: agent)
            _ = try await app.request(.get, "/v1/tickets?q=13912345678", token: handler)
            _ = try await app.csv("/v1/imports/tickets", token: try await app.token(.dispatcher),
                                  "external_id,hotline_number,channel,received_at,nature,title,content,caller_name,caller_phone\nX1,12315,phone,2026-11-01T09:00:00+08:00,consult,t,c,王秘密,13912345678\nX2,12315,fax,bad,consult,t,c,王秘密,13912345678\n")
        }
        let all = logs.all
        #expect(all.contains { $0.contains("ticket registered") })
        #expect(all.contains { $0.contains("route=/v1/tickets") })
        for line in all {
            #expect(!line.contains("13912345678") && !line.contains("王秘密") && !line.contains("保密路"), "\(line)")
        }
    }
}

@Suite struct StrictInputTests {
    @Test func unknownFieldsAreRefusedByName() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let r = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["confidental": true, "priority": 1]))
            #expect(r.status == .badRequest && r.fieldErrors == ["confidental", "priority"])
            let ok = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["confidential": true, "sla_policy": "standard"]))
            #expect(ok.status == .created)
            let admin = try await app.token(.admin)
            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "X", "name": "x", "level": "street", "parnet_id": "1"]).fieldErrors == ["parnet_id"])
        }
    }

    /// A handler of another unit, trying every verb on a ticket it cannot see, learns nothing:
    /// 404 where its role may act, 403 (about its role, not the ticket) where it may not.
    @Test func anotherUnitLearnsNothingFromAnyVerb() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let other = try await app.token(.handler, unitCode: "SCQ")
            let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json["id"] as? String ?? "?"
            _ = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: ["lead_unit_id": try await app.unit("XHQ-XX")])
            let missing = try await app.request(.get, "/v1/tickets/999999", token: other)
            for verb in Verb.allCases {
                let r = try await app.request(.post, "/v1/tickets/\(id)/\(verb.rawValue)", token: other, json: ["reason": "x", "content": "x", "caller_informed": true, "working_days": 1])
                if verb.roles.contains(.handler) {
                    #expect(r.status == .notFound, "\(verb): \(r.status)")
                    // The same answer as for a ticket that does not exist at all.
                    #expect(r.json["detail"] as? String == (missing.json["detail"] as? String)?.replacingOccurrences(of: "999999", with: id))
                } else {
                    #expect(r.status == .forbidden, "\(verb): \(r.status)")
                }
                #expect(!r.body.contains("13800138000") && !r.body.contains("超市"))
            }
            for path in ["/v1/tickets/\(id)", "/v1/tickets?q=%E8%B6%85%E5%B8%82", "/v1/units/\(try await app.unit("XHQ-XX"))/inbox"] {
                let r = try await app.request(.get, path, token: other)
                #expect(!r.body.contains("13800138000") && !r.body.contains("超市"), "\(path)")
            }
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reveal", token: other, json: ["reason": "x"]).status == .notFound)
        }
    }
}
