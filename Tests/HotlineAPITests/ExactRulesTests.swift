import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

/// The second edition's rules over HTTP on a real database: calendar edits moving running
/// clocks, provisional years, the ladder early / on time / late, suspension, knowledge-base
/// permissions, idempotent verbs, pages, the throttled public lookup, strict JSON.
@Suite struct ExactRulesTests {
    func clock(_ r: TestApp.Reply, _ kind: String, role: String = "lead") -> [String: Any]? {
        let a = (r.json["assignments"] as? [[String: Any]])?.last { $0["role"] as? String == role && $0["status"] as? String == "active" }
        return (a?["clocks"] as? [[String: Any]])?.first { $0["kind"] as? String == kind }
    }

    func newDispatched(_ app: TestApp, _ agent: String, _ dispatcher: String, unit: String = "XHQ-XX", co: [String] = []) async throws -> String {
        let id = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["caller": ["phone": "1390000\(Int.random(in: 1000...9999))"]])).json["id"] as? String ?? "?"
        var body: [String: Any] = ["lead_unit_id": try await app.unit(unit)]
        if !co.isEmpty { body["co_unit_ids"] = try await co.asyncMap { try await app.unit($0) } }
        let r = try await app.request(.post, "/v1/tickets/\(id)/dispatch", token: dispatcher, json: body)
        #expect(r.status == .ok, "\(r.body)")
        return id
    }

    @Test func aHolidayPutInsideARunningClockMovesItsDeadlineWithAnEvent() async throws {
        let now = ManualClock("2026-11-23T10:00:00+08:00")  // Monday
        try await TestApp.with(clock: now) { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher), admin = try await app.token(.admin)
            let id = try await newDispatched(app, agent, dispatcher)
            let before = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            #expect(clock(before, "close")?["deadline"] as? String == "2026-12-01T00:00:00+08:00")
            let put = try await app.request(.put, "/v1/calendar/2026-11-26", token: admin, json: ["kind": "holiday", "note": "临时调整"])
            #expect(put.status == .ok)
            let after = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            #expect(clock(after, "close")?["deadline"] as? String == "2026-12-02T00:00:00+08:00")
            let moved = (after.json["events"] as? [[String: Any]])?.filter { $0["kind"] as? String == "deadline_moved" } ?? []
            let close = moved.first { ($0["payload"] as? [String: Any])?["clock"] as? String == "close" }?["payload"] as? [String: Any]
            #expect(close?["old_deadline"] as? String == "2026-12-01T00:00:00+08:00" && close?["new_deadline"] as? String == "2026-12-02T00:00:00+08:00")
            // Taking the holiday away moves it back.
            #expect(try await app.request(.delete, "/v1/calendar/2026-11-26", token: admin).status == .noContent)
            #expect(clock(try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher), "close")?["deadline"] as? String == "2026-12-01T00:00:00+08:00")
        }
    }

    @Test func anUnpublishedYearIsProvisionalUntilPublished() async throws {
        let now = ManualClock("2026-12-31T10:00:00+08:00")
        try await TestApp.with(clock: now) { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher), admin = try await app.token(.admin)
            let d = try await app.request(.get, "/v1/calendar/deadline?from=2026-12-31T10:00:00%2B08:00&working_days=1", token: agent).json
            #expect(d["deadline"] as? String == "2027-01-05T00:00:00+08:00" && d["provisional"] as? Bool == true)
            let inside = try await app.request(.get, "/v1/calendar/deadline?from=2026-11-02T10:00:00%2B08:00&working_days=1", token: agent).json
            #expect(inside["provisional"] as? Bool == false)
            let year = try await app.request(.get, "/v1/calendar/2027", token: admin).json
            #expect(year["published"] as? Bool == false && (year["provisional_holidays"] as? [String])?.contains("2027-02-06") == true)
            #expect((year["warning"] as? String)?.contains("2027") == true)   // December, next year unpublished
            #expect(try await app.request(.get, "/v1/calendar/2026", token: admin).json["published"] as? Bool == true)

            let id = try await newDispatched(app, agent, dispatcher)
            let r = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            #expect(clock(r, "close")?["provisional"] as? Bool == true)
            #expect(clock(r, "close")?["deadline"] as? String == "2027-01-09T00:00:00+08:00")  // 4, 5, 6, 7, 8 January
            // Publishing a year without its dates would drop the statutory holidays: refused.
            #expect(try await app.request(.put, "/v1/calendar/2027/published", token: admin).status == .conflict)
            // The notice arrives: 1 January and (say) 4 January are holidays; then the year is published.
            #expect(try await app.request(.put, "/v1/calendar/2027-01-01", token: admin, json: ["kind": "holiday", "note": "元旦"]).status == .ok)
            #expect(try await app.request(.put, "/v1/calendar/2027-01-04", token: admin, json: ["kind": "holiday", "note": "元旦调休"]).status == .ok)
            #expect(clock(try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher), "close")?["provisional"] as? Bool == true)
            #expect(try await app.request(.put, "/v1/calendar/2027/published", token: admin).status == .ok)
            let published = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            #expect(clock(published, "close")?["provisional"] as? Bool == false)
            #expect(clock(published, "close")?["deadline"] as? String == "2027-01-12T00:00:00+08:00")  // 5, 6, 7, 8, 11
            #expect(try await app.request(.get, "/v1/calendar/2027", token: admin).json["published"] as? Bool == true)
        }
    }

    @Test func theSweeperIssuesNothingEarlyTheReminderOnTimeTheUrgingLate() async throws {
        let now = ManualClock("2026-11-23T10:00:00+08:00")
        try await TestApp.with(clock: now) { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher)
            let id = try await newDispatched(app, agent, dispatcher)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let sweeper = app.services.sweeper
            // Not signed for by the response deadline (end of Tue 24th): 催签 on the response clock.
            #expect(try await sweeper.sweep(now: ManualClock("2026-11-24T23:59:00+08:00").now()) == 0)
            #expect(try await sweeper.sweep(now: ManualClock("2026-11-25T00:00:01+08:00").now()) == 1)
            now.set("2026-11-25T09:00:00+08:00")
            let signed = try await app.request(.post, "/v1/tickets/\(id)/accept", token: handler)
            let esc = signed.json["escalations"] as? [[String: Any]] ?? []
            #expect(esc.map { "\($0["clock"] ?? ""):\($0["level"] ?? "")" } == ["response:urging"])
            #expect(try await sweeper.sweep(now: ManualClock("2026-11-29T12:00:00+08:00").now()) == 0)   // early
            #expect(try await sweeper.sweep(now: ManualClock("2026-11-30T00:00:01+08:00").now()) == 1)   // reminder on the deadline's day
            #expect(try await sweeper.sweep(now: ManualClock("2026-11-30T23:00:00+08:00").now()) == 0)
            #expect(try await sweeper.sweep(now: ManualClock("2026-12-01T00:00:01+08:00").now()) == 1)   // late: urging
            let r = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            let rungs = (r.json["escalations"] as? [[String: Any]] ?? []).map { "\($0["clock"] ?? ""):\($0["level"] ?? "")" }
            #expect(rungs == ["response:urging", "close:reminder", "close:urging"])
        }
    }

    @Test func suspensionNeedsApprovalAndResumesByItselfAtTheRequestedDate() async throws {
        let now = ManualClock("2026-11-23T10:00:00+08:00")
        try await TestApp.with(clock: now) { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher)
            let id = try await newDispatched(app, agent, dispatcher)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            _ = try await app.request(.post, "/v1/tickets/\(id)/accept", token: handler)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/suspend", token: handler, json: ["reason": "下雨"]).fieldErrors == ["reason"])
            #expect(try await app.request(.post, "/v1/tickets/\(id)/suspend", token: handler, json: ["reason": "seasonal_work", "until": "2027-06-01"]).fieldErrors == ["until"])
            let asked = try await app.request(.post, "/v1/tickets/\(id)/suspend", token: handler, json: ["reason": "seasonal_work", "until": "2026-11-26"])
            #expect(asked.json["status"] as? String == "suspension_requested")
            #expect(try await app.request(.post, "/v1/tickets/\(id)/suspend-decision", token: handler, json: ["approve": true]).status == .forbidden)
            now.set("2026-11-23T11:00:00+08:00")
            let approved = try await app.request(.post, "/v1/tickets/\(id)/suspend-decision", token: dispatcher, json: ["approve": true])
            #expect(approved.json["status"] as? String == "suspended")
            #expect(clock(approved, "close")?["suspended_since"] as? String == "2026-11-23T11:00:00+08:00")
            #expect(try await app.request(.post, "/v1/tickets/\(id)/reply", token: handler, json: ["content": "x", "caller_informed": true]).status == .conflict)
            // The sweeper resumes it at 00:00 of the requested day: suspended Mon → Thu = 24, 25, 26 (3 working days).
            #expect(try await app.services.sweeper.sweep(now: ManualClock("2026-11-26T00:00:01+08:00").now()) == 0)
            let resumed = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher)
            #expect(resumed.json["status"] as? String == "accepted")
            #expect(clock(resumed, "close")?["deadline"] as? String == "2026-12-04T00:00:00+08:00")   // 1 Dec + 3 working days
            let resume = (resumed.json["events"] as? [[String: Any]])?.last { $0["kind"] as? String == "resume" }
            #expect((resume?["payload"] as? [String: Any])?["by"] as? String == "system")
        }
    }

    @Test func handlersKeepOnlyTheirOwnEntriesAndSynonymsAreTheAdmins() async throws {
        try await TestApp.with { app in
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let admin = try await app.token(.admin)
            let other = try await app.unit("SCJG"), mine = try await app.unit("XHQ-XX")
            let entry: [String: Any] = ["code": "XX-001", "title": "西溪街道便民服务", "answer": "可到街道便民服务中心办理。", "responsible_unit_id": other]
            let refused = try await app.request(.post, "/v1/kb/entries", token: handler, json: entry)
            #expect(refused.status == .forbidden && refused.fieldErrors == ["responsible_unit_id"])
            var own = entry
            own["responsible_unit_id"] = mine
            let created = try await app.request(.post, "/v1/kb/entries", token: handler, json: own)
            #expect(created.status == .created && created.json["owner_unit_id"] as? String == mine)
            let id = created.json["id"] as? String ?? "?"
            #expect(try await app.request(.put, "/v1/kb/entries/\(id)", token: handler, json: ["title": "西溪街道便民服务", "answer": "改", "responsible_unit_id": other]).status == .forbidden)
            #expect(try await app.request(.post, "/v1/kb/synonyms", token: handler, json: ["term": "工钱", "canonical": "薪水"]).status == .forbidden)
            #expect(try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "工钱", "canonical": "薪水"]).status == .created)
            let synonyms = try await app.request(.get, "/v1/kb/synonyms?limit=1", token: handler).items
            #expect(synonyms.count == 1)
            let sid = synonyms[0]["id"] as? String ?? "?"
            #expect(try await app.request(.delete, "/v1/kb/synonyms/\(sid)", token: handler).status == .forbidden)
        }
    }

    @Test func everyRecordingPostIsIdempotent() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher)
            let id = try await newDispatched(app, agent, dispatcher)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "accept-1"]
            let first = try await app.request(.post, "/v1/tickets/\(id)/accept", token: handler, json: [String: Any](), headers: key)
            let again = try await app.request(.post, "/v1/tickets/\(id)/accept", token: handler, json: [String: Any](), headers: key)
            #expect(first.status == .ok && again.status == .ok && again.body == first.body)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let events = try await app.request(.get, "/v1/tickets/\(id)", token: dispatcher).json["events"] as? [[String: Any]] ?? []
            #expect(events.filter { $0["kind"] as? String == "accept" }.count == 1)
            // The same key with another body is a conflict.
            let ext: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "ext-1"]
            #expect(try await app.request(.post, "/v1/tickets/\(id)/extension", token: handler, json: ["working_days": 2, "reason": "a"], headers: ext).status == .ok)
            #expect(try await app.request(.post, "/v1/tickets/\(id)/extension", token: handler, json: ["working_days": 3, "reason": "a"], headers: ext).status == .conflict)
            // A refused request keeps nothing: the key can be used again once the request is valid.
            let unit: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "unit-1"]
            let admin = try await app.token(.admin)
            #expect(try await app.request(.post, "/v1/units", token: admin, json: ["code": "", "name": "x", "level": "office"], headers: unit).status == .badRequest)
            let made = try await app.request(.post, "/v1/units", token: admin, json: ["code": "XX-NEW", "name": "新社区", "level": "office", "parent_id": try await app.unit("XHQ-XX")], headers: unit)
            let remade = try await app.request(.post, "/v1/units", token: admin, json: ["code": "XX-NEW", "name": "新社区", "level": "office", "parent_id": try await app.unit("XHQ-XX")], headers: unit)
            #expect(made.status == .created && remade.status == .created && remade.body == made.body, "\(made.body) / \(remade.body)")
        }
    }

    @Test func everyCollectionPages() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let r = try await app.request(.get, "/v1/units?limit=4" + (cursor.map { "&cursor=\($0)" } ?? ""), token: agent)
                #expect(r.status == .ok && r.items.count <= 4)
                seen += r.items.compactMap { $0["id"] as? String }
                cursor = r.json["next_cursor"] as? String
            } while cursor != nil
            let all = try await app.request(.get, "/v1/units?limit=500", token: agent).items.compactMap { $0["id"] as? String }
            #expect(seen == all && all.count > 4)
            for path in ["/v1/hotlines", "/v1/categories", "/v1/regions", "/v1/sla-policies", "/v1/kb/synonyms", "/v1/calendar/2026"] {
                let r = try await app.request(.get, "\(path)?limit=2", token: agent)
                #expect(r.status == .ok && r.items.count == 2 && r.json["next_cursor"] is String, "\(path): \(r.body.prefix(200))")
            }
            #expect(try await app.request(.get, "/v1/hotlines?cursor=bogus", token: agent).fieldErrors == ["cursor"])
            #expect(try await app.request(.get, "/v1/hotlines?limit=0", token: agent).fieldErrors == ["limit"])
        }
    }

    @Test func thePublicLookupIsThrottledPerNumber() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let t = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket()).json
            let number = t["number"] as? String ?? "?", code = t["query_code"] as? String ?? "?"
            let wrong = code == "000000" ? "000001" : "000000"
            #expect(try await app.request(.get, "/v1/tickets/by-number/\(number)?code=\(code)").status == .ok)
            for _ in 0..<10 { #expect(try await app.request(.get, "/v1/tickets/by-number/\(number)?code=\(wrong)").status == .notFound) }
            let blocked = try await app.request(.get, "/v1/tickets/by-number/\(number)?code=\(code)")
            #expect(blocked.status == .tooManyRequests && Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 3000)
        }
    }

    @Test func jsonBodiesMustBeJSONWithoutDuplicatedKeys() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent), dispatcher = try await app.token(.dispatcher)
            let id = try await newDispatched(app, agent, dispatcher)
            let handler = try await app.token(.handler, unitCode: "XHQ-XX")
            let text = try await app.request(.post, "/v1/tickets/\(id)/return", token: handler, raw: Array("reason=x".utf8),
                                             headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(text.status == .unsupportedMediaType)
            let dup = try await app.request(.post, "/v1/tickets/\(id)/return", token: handler,
                                            raw: Array(#"{"reason": "非本辖区", "reason": "x"}"#.utf8), headers: [.contentType: "application/json"])
            #expect(dup.status == .badRequest && dup.fieldErrors == ["reason"])
            // Keys are compared as JSON reads them (escapes decoded), at every depth, by path.
            func post(_ body: String) async throws -> TestApp.Reply {
                try await app.request(.post, "/v1/tickets/\(id)/return", token: handler, raw: Array(body.utf8), headers: [.contentType: "application/json"])
            }
            #expect(try await post(#"{"re\u0061son": "非本辖区", "reason": "x"}"#).fieldErrors == ["reason"])
            #expect(try await post(#"{"reason": "x", "note": {"a": 1, "b": {"a": 2}, "a": 3}}"#).fieldErrors == ["note.a"])
            // A string holding braces, quotes and colons is not read as keys; an unknown key is named.
            let unknown = try await post(#"{"reason": "{\"reason\": 1}, [x]", "c\u006fnfidental": true}"#)
            #expect(unknown.status == .badRequest && unknown.fieldErrors == ["confidental"])
        }
    }
}

extension Array {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
