import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import PostgresNIO
import Testing

/// Knowledge that learns (issue 16): learned phrasings, 纠错 and 知识盲区 through the API.
@Suite struct KnowledgeLearningTests {
    static func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }

    func entryId(_ app: TestApp, _ code: String) async throws -> String {
        for try await id in try await app.services.db.client.query("SELECT id FROM kb_entries WHERE code = \(code)", logger: app.services.db.logger)
            .decode(Int64.self) { return String(id) }
        throw TestFailure("no entry \(code)")
    }

    struct TestFailure: Error { var why: String; init(_ why: String) { self.why = why } }

    /// Every text the knowledge base keeps about calls: phrasings and the search log.
    func storedText(_ app: TestApp) async throws -> String {
        var out = ""
        for try await t in try await app.services.db.client.query("""
            SELECT coalesce(string_agg(text, ' | '), '') FROM kb_phrasings
            UNION ALL SELECT coalesce(string_agg(query, ' | '), '') FROM kb_search_log
            """, logger: app.services.db.logger).decode(String.self) { out += t + "\n" }
        return out
    }

    func call(_ app: TestApp, _ agent: String, phone: String, name: String, title: String, content: String) async throws -> String {
        let t = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket([
            "hotline_number": "12333", "nature": "consult", "category_code": "劳动保障/欠薪",
            "caller": ["name": name, "phone": phone, "address": "文三路 100 号 3 幢 201 室"], "title": title, "content": content]))
        #expect(t.status == .created, "\(t.body)")
        return try #require(t.json["id"] as? String)
    }

    @Test func directAnswersTeachTheEntryWithoutPersonalDataOnceACallerAndOwnersRemoveWhatItLearned() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let admin = try await app.token(.admin)
            let entry = try await entryId(app, "KB0002")  // 失业保险金申领
            let question = "被裁员了没了收入有什么补助"
            let before = try await app.request(.get, "/v1/kb/search?q=\(Self.q(question))", token: agent)
            let rankBefore = before.items.firstIndex { ($0["entry"] as? [String: Any])?["code"] as? String == "KB0002" }

            let t1 = try await call(app, agent, phone: "13912345678", name: "欧阳明",
                                    title: "被公司裁员了", content: "我叫欧阳明，电话13912345678，住文三路 100 号，上个月被公司裁员了，没了收入，能领什么补助？欧阳先生很着急。")
            let answered = try await app.request(.post, "/v1/tickets/\(t1)/answer", token: agent, json: ["kb_entry_id": entry])
            #expect(answered.status == .ok, "\(answered.body)")

            let learned = try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin)
            #expect(learned.status == .ok, "\(learned.body)")
            #expect(learned.items.count == 1)
            let text = try #require(learned.items.first?["text"] as? String)
            #expect(text.contains("裁员") && text.contains("补助"), "\(text)")
            for secret in ["欧阳明", "欧阳先生", "13912345678", "1391234", "文三路", "100 号"] { #expect(!text.contains(secret), "\(secret) in \(text)") }
            #expect(learned.items.first?["weight"] as? Int == 1)

            // Search now finds the entry by how the caller said it, first.
            let after = try await app.request(.get, "/v1/kb/search?q=\(Self.q(question))", token: agent)
            #expect((after.items.first?["entry"] as? [String: Any])?["code"] as? String == "KB0002",
                    "before: rank \(String(describing: rankBefore)); after: \(after.items.compactMap { ($0["entry"] as? [String: Any])?["code"] })")

            // The same caller again: one caller teaches an entry once.
            let t2 = try await call(app, agent, phone: "13912345678", name: "欧阳明", title: "裁员以后的补助", content: "我被单位裁员了，没有收入了，想问问能领什么补助金")
            #expect(try await app.request(.post, "/v1/tickets/\(t2)/answer", token: agent, json: ["kb_entry_id": entry]).status == .ok)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin).items.count == 1)
            // Another caller saying nearly the same: merged, weight 2.
            let t3 = try await call(app, agent, phone: "13700001111", name: "李四", title: "被公司裁员了",
                                    content: "上个月被公司裁员了，没了收入，能领什么补助？")
            #expect(try await app.request(.post, "/v1/tickets/\(t3)/answer", token: agent, json: ["kb_entry_id": entry]).status == .ok)
            let merged = try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin)
            #expect(merged.items.count == 1 && merged.items.first?["weight"] as? Int == 2, "\(merged.body)")

            // Not the other unit's to read; the owner removes it and the words are not learned again.
            let other = try await app.token(.handler, unitCode: "SCQ")
            #expect(try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: other).status == .forbidden)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: agent).status == .forbidden)
            let pid = try #require(merged.items.first?["id"] as? String)
            #expect(try await app.request(.delete, "/v1/kb/entries/\(entry)/phrasings/\(pid)", token: other).status == .forbidden)
            #expect(try await app.request(.delete, "/v1/kb/entries/\(entry)/phrasings/\(pid)", token: admin).status == .noContent)
            #expect(try await app.request(.delete, "/v1/kb/entries/\(entry)/phrasings/\(pid)", token: admin).status == .notFound)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin).items.isEmpty)
            let t4 = try await call(app, agent, phone: "13600002222", name: "王五", title: "被公司裁员了", content: "上个月被公司裁员了，没了收入，能领什么补助")
            #expect(try await app.request(.post, "/v1/tickets/\(t4)/answer", token: agent, json: ["kb_entry_id": entry]).status == .ok)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin).items.isEmpty)
            #expect(try await app.request(.get, "/v1/kb/entries/999999/phrasings", token: admin).status == .notFound)

            // Nothing the callers said about themselves is stored by the knowledge base.
            _ = try await app.request(.get, "/v1/kb/search?q=\(Self.q("我是欧阳明 13912345678 被裁员了"))", token: agent)
            let stored = try await storedText(app)
            for secret in ["欧阳明", "13912345678", "李四", "13700001111", "王五", "文三路"] { #expect(!stored.contains(secret), "\(secret) stored: \(stored)") }
        }
    }

    @Test func aTakenSuggestionAtDispatchTeachesItsEntry() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let dispatcher = try await app.token(.dispatcher)
            let admin = try await app.token(.admin)
            let entry = try await entryId(app, "KB0013")  // 夜间施工噪声
            let t = try await call(app, agent, phone: "13811112222", name: "赵六", title: "工地半夜还在打桩", content: "对面工地半夜两点还在打桩，吵得孩子睡不着")
            let bad = try await app.request(.post, "/v1/tickets/\(t)/dispatch", token: dispatcher,
                                            json: ["lead_unit_id": try await app.unit("XHQ-XX"), "kb_entry_id": "999999"])
            #expect(bad.fieldErrors == ["kb_entry_id"], "\(bad.body)")
            let d = try await app.request(.post, "/v1/tickets/\(t)/dispatch", token: dispatcher,
                                          json: ["lead_unit_id": try await app.unit("XHQ-XX"), "kb_entry_id": entry])
            #expect(d.status == .ok, "\(d.body)")
            let learned = try await app.request(.get, "/v1/kb/entries/\(entry)/phrasings", token: admin).items
            #expect(learned.count == 1 && (learned.first?["text"] as? String)?.contains("打桩") == true, "\(learned)")
        }
    }

    @Test func feedbackIsATaskDueOnTheWorkingDayCalendarResolvedByANewVersionOrAReason() async throws {
        let clock = ManualClock("2026-09-30T16:00:00+08:00")  // Wednesday before the National Day holiday (Oct 1–8)
        try await TestApp.with(clock: clock) { app in
            let agent = try await app.token(.agent)
            let street = try await app.token(.handler, unitCode: "XHQ-XX")
            let other = try await app.token(.handler, unitCode: "SCQ")
            let created = try await app.request(.post, "/v1/kb/entries", token: street, json: [
                "code": "XX-009", "title": "西溪街道便民服务中心地址", "answer": "西溪路1号。", "keywords": ["便民服务中心"]])
            let id = try #require(created.json["id"] as? String)
            #expect(try await app.request(.post, "/v1/kb/entries/\(id)/feedback", token: agent, json: ["kind": "moved"]).fieldErrors == ["kind"])
            #expect(try await app.request(.post, "/v1/kb/entries/\(id)/feedback", token: street, json: ["kind": "outdated"]).status == .forbidden)
            #expect(try await app.request(.post, "/v1/kb/entries/424242/feedback", token: agent, json: ["kind": "outdated"]).status == .notFound)
            let f = try await app.request(.post, "/v1/kb/entries/\(id)/feedback", token: agent, json: ["kind": "outdated", "note": "中心已搬到西溪路2号"])
            #expect(f.status == .created, "\(f.body)")
            // 3 working days after Wednesday 9-30: 10-1…10-7 are off (10-3/10-4 a weekend between), so Thursday 10-8,
            // Friday 10-9 and Saturday 10-10 (a makeup working day): due at 24:00 of 10-10.
            let due = (f.json["due_at"] as? String).flatMap(Timestamp.parse)
            #expect(due == Timestamp.parse("2026-10-11T00:00:00+08:00"), "\(f.body)")
            #expect(f.json["state"] as? String == "open" && f.json["entry_version"] as? Int == 1 && f.json["overdue"] as? Bool == false)
            let fid = try #require(f.json["id"] as? String)

            // The owner unit sees its task; another unit neither sees nor resolves it.
            #expect(try await app.request(.get, "/v1/kb/feedback?state=open", token: street).items.count == 1)
            #expect(try await app.request(.get, "/v1/kb/feedback?state=open", token: other).items.isEmpty)
            #expect(try await app.request(.get, "/v1/kb/feedback/\(fid)", token: other).status == .notFound)
            #expect(try await app.request(.post, "/v1/kb/feedback/\(fid)/resolve", token: other, json: ["resolution": "rejected", "note": "不是"]).status == .notFound)
            #expect(try await app.request(.get, "/v1/kb/feedback?state=later", token: agent).fieldErrors == ["state"])

            // Revised needs a version after the flagged one; rejected needs a reason.
            #expect(try await app.request(.post, "/v1/kb/feedback/\(fid)/resolve", token: street, json: ["resolution": "revised"]).status == .conflict)
            #expect(try await app.request(.post, "/v1/kb/feedback/\(fid)/resolve", token: street, json: ["resolution": "rejected"]).fieldErrors == ["note"])
            clock.set("2026-10-20T10:00:00+08:00")
            #expect(try await app.request(.get, "/v1/kb/feedback/\(fid)", token: street).json["overdue"] as? Bool == true)
            #expect(try await app.request(.put, "/v1/kb/entries/\(id)", token: street, json: ["title": "西溪街道便民服务中心地址", "answer": "西溪路2号。"]).status == .ok)
            let done = try await app.request(.post, "/v1/kb/feedback/\(fid)/resolve", token: street, json: ["resolution": "revised", "note": "已更新地址"])
            #expect(done.status == .ok, "\(done.body)")
            #expect(done.json["state"] as? String == "resolved" && done.json["resolved_version"] as? Int == 2 && done.json["overdue"] as? Bool == false)
            #expect(try await app.request(.post, "/v1/kb/feedback/\(fid)/resolve", token: street, json: ["resolution": "rejected", "note": "x"]).status == .conflict)
            #expect(try await app.request(.get, "/v1/kb/feedback?state=resolved&unit_id=\(try await app.unit("XHQ-XX"))", token: agent).items.count == 1)
        }
    }

    @Test func gapsGroupTheSearchesThatFoundNothingOrWereNotUsed() async throws {
        let clock = ManualClock("2026-11-23T10:00:00+08:00")
        try await TestApp.with(clock: clock) { app in
            let agent = try await app.token(.agent)
            let supervisor = try await app.token(.supervisor)
            for q in ["无人机航拍需要审批吗", "无人机航拍需要审批吗？", "航拍无人机需要审批吗", "路灯坏了不亮找谁"] {
                #expect(try await app.request(.get, "/v1/kb/search?q=\(Self.q(q))", token: agent).status == .ok)
            }
            // A search whose result answered the agent's next ticket is not a gap.
            let t = try await call(app, agent, phone: "13900000001", name: "钱七", title: "路灯不亮", content: "路灯坏了不亮找谁")
            #expect(try await app.request(.post, "/v1/tickets/\(t)/answer", token: agent, json: ["kb_entry_id": try await entryId(app, "KB0014")]).status == .ok)
            #expect(try await app.request(.get, "/v1/kb/gaps", token: agent).status == .forbidden)
            // Still within the half hour in which a search may yet be used: not counted yet.
            #expect(try await app.request(.get, "/v1/kb/gaps", token: supervisor).json["searches"] as? Int == 1)
            clock.advance(31 * 60)
            let gaps = try await app.request(.get, "/v1/kb/gaps", token: supervisor)
            #expect(gaps.status == .ok, "\(gaps.body)")
            #expect(gaps.json["searches"] as? Int == 4)
            let items = gaps.items
            #expect(items.count == 1, "\(gaps.body)")
            #expect(items.first?["searches"] as? Int == 3)
            #expect((items.first?["query"] as? String)?.contains("无人机") == true)
            #expect(try await app.request(.get, "/v1/kb/gaps?from=2026-11-24T00:00:00%2B08:00&to=2026-11-23T00:00:00%2B08:00", token: supervisor).fieldErrors == ["to"])
        }
    }
}
