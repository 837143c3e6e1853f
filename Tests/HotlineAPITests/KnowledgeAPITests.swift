import Foundation
import HTTPTypes
import HotlineCore
import HotlineTestSupport
import Testing

@Suite struct KnowledgeAPITests {
    @Test func searchSuggestAnswerAndEditsDoNotRewriteHistory() async throws {
        try await TestApp.with { app in
            let agent = try await app.token(.agent)
            let admin = try await app.token(.admin)
            let search = try await app.request(.get, "/v1/kb/search?q=\("包工头欠了我们三个月工钱".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", token: agent)
            #expect(search.status == .ok)
            let top = try #require(search.items.first)
            let entry = try #require(top["entry"] as? [String: Any])
            #expect(entry["code"] as? String == "KB0028")
            #expect((top["score"] as? Double ?? 0) > 0.5)
            #expect((top["highlight"] as? String)?.contains("<em>") == true)

            // Intake offers the entry; the agent answers with it on the call.
            let t = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket([
                "hotline_number": "12333", "nature": "consult", "category_code": "劳动保障/欠薪",
                "title": "农民工工资被拖欠", "content": "包工头欠了我们三个月工钱，去哪里反映？"]))
            let suggestions = try #require(t.json["kb_suggestions"] as? [[String: Any]])
            #expect(suggestions.first?["code"] as? String == "KB0028")
            let entryId = try #require(suggestions.first?["entry_id"] as? String)
            let id = try #require(t.json["id"] as? String)
            let answered = try await app.request(.post, "/v1/tickets/\(id)/answer", token: agent, json: ["kb_entry_id": entryId])
            // Not sampled for a callback (ticket ids 1–9 at 10 %): the direct answer closes the ticket.
            #expect(answered.json["status"] as? String == "closed", "\(answered.body)")
            #expect(answered.json["kb_entry_id"] as? String == entryId && answered.json["kb_version"] as? Int == 1)
            let originalAnswer = (answered.json["outcome"] as? [String: String])?["answer"]
            #expect(originalAnswer?.contains("劳动保障监察") == true || (originalAnswer?.isEmpty == false))

            // The entry is edited: a new version; the answered ticket still shows version 1's answer.
            let edit = try await app.request(.put, "/v1/kb/entries/\(entryId)", token: admin, json: [
                "title": "拖欠农民工工资", "answer": "新版答复：可拨打劳动保障监察举报电话。", "keywords": ["欠薪"]])
            #expect(edit.status == .ok && edit.json["version"] as? Int == 2)
            let after = try await app.request(.get, "/v1/tickets/\(id)", token: agent).json
            #expect(after["kb_version"] as? Int == 1)
            #expect((after["outcome"] as? [String: String])?["answer"] == originalAnswer)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entryId)?version=1", token: agent).json["answer"] as? String == originalAnswer)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entryId)", token: agent).json["answer_count"] as? Int == 1)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entryId)/versions", token: agent).items.count == 2)
            // Found by schemathesis: a version beyond int4 must be a 400, not a crash.
            #expect(try await app.request(.get, "/v1/kb/entries/\(entryId)?version=8589934592", token: agent).status == .badRequest)
            #expect(try await app.request(.get, "/v1/kb/entries/\(entryId)?version=7", token: agent).status == .notFound)

            // Retired entries cannot be answered with and leave search.
            #expect(try await app.request(.delete, "/v1/kb/entries/\(entryId)", token: admin).json["retired"] as? Bool == true)
            let t2 = try await app.request(.post, "/v1/tickets", token: agent, json: validTicket(["title": "又一个", "content": "工资被拖欠"])).json["id"] as? String ?? "?"
            #expect(try await app.request(.post, "/v1/tickets/\(t2)/answer", token: agent, json: ["kb_entry_id": entryId]).fieldErrors == ["kb_entry_id"])
            let again = try await app.request(.get, "/v1/kb/search?q=\("拖欠工资".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", token: agent)
            #expect(again.items.allSatisfy { ($0["entry"] as? [String: Any])?["id"] as? String != entryId })
        }
    }

    @Test func unitsMaintainOnlyTheirOwnEntries() async throws {
        try await TestApp.with { app in
            let street = try await app.token(.handler, unitCode: "XHQ-XX")
            let other = try await app.token(.handler, unitCode: "SCQ")
            let agent = try await app.token(.agent)
            let created = try await app.request(.post, "/v1/kb/entries", token: street, json: [
                "code": "XX-001", "title": "西溪街道便民服务中心地址", "answer": "西溪路1号，工作日9:00–17:00。", "keywords": ["便民服务中心"]])
            #expect(created.status == .created)
            #expect(created.json["owner_unit_id"] as? String == (try await app.unit("XHQ-XX")))
            let id = try #require(created.json["id"] as? String)
            #expect(try await app.request(.put, "/v1/kb/entries/\(id)", token: other, json: ["title": "x", "answer": "y"]).status == .forbidden)
            #expect(try await app.request(.delete, "/v1/kb/entries/\(id)", token: other).status == .forbidden)
            #expect(try await app.request(.put, "/v1/kb/entries/\(id)", token: street, json: ["title": "西溪街道便民服务中心", "answer": "已搬到西溪路2号。"]).status == .ok)
            #expect(try await app.request(.post, "/v1/kb/entries", token: agent, json: ["code": "A", "title": "t", "answer": "a"]).status == .forbidden)
            #expect(try await app.request(.post, "/v1/kb/entries", token: street, json: ["code": "XX-001", "title": "t", "answer": "a"]).status == .conflict)
            #expect(try await app.request(.post, "/v1/kb/entries", token: street, json: ["code": "B", "title": "", "valid_from": "2026-13-01"]).fieldErrors
                    == ["title", "answer", "valid_from"])
            #expect(try await app.request(.post, "/v1/kb/entries", token: street, json: ["code": "C", "title": "t", "answer": "a", "owner_unit_id": try await app.unit("SCQ")]).status == .forbidden)
            // Synonyms shape every agent's search: the admin's, not a unit's.
            #expect(try await app.request(.post, "/v1/kb/synonyms", token: street, json: ["term": "办事大厅", "canonical": "便民服务中心"]).status == .forbidden)
            let admin = try await app.token(.admin)
            let syn = try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "办事大厅", "canonical": "便民服务中心"])
            #expect(syn.status == .created)
            #expect(try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "办事大厅", "canonical": "便民服务中心"]).status == .ok)
            let hit = try await app.request(.get, "/v1/kb/search?q=\("办事大厅在哪".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", token: agent)
            #expect((hit.items.first?["entry"] as? [String: Any])?["code"] as? String == "XX-001")
            #expect(try await app.request(.get, "/v1/kb/search", token: agent).fieldErrors == ["q"])
            #expect(try await app.request(.delete, "/v1/kb/synonyms/\(syn.json["id"] as? String ?? "0")", token: street).status == .forbidden)
            #expect(try await app.request(.delete, "/v1/kb/synonyms/\(syn.json["id"] as? String ?? "0")", token: admin).status == .noContent)
        }
    }

    /// The general thesaurus arrives as synonym pairs marked `source: thesaurus` (POST or the
    /// import's `source` column); GET filters by source; a curated add of the same pair promotes it.
    @Test func thesaurusPairsAreMarkedFilteredAndPromoted() async throws {
        try await TestApp.with { app in
            let admin = try await app.token(.admin)
            let agent = try await app.token(.agent)
            let made = try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "街灯", "canonical": "路灯", "source": "thesaurus"])
            #expect(made.status == .created && made.json["source"] as? String == "thesaurus")
            #expect(try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "a", "canonical": "b", "source": "wiki"]).fieldErrors == ["source"])
            #expect(try await app.request(.get, "/v1/kb/synonyms?source=wiki", token: agent).fieldErrors == ["source"])
            let imported = try await app.csv("/v1/imports/kb-synonyms", token: admin,
                                             "term,canonical,source\n电瓶车,电动自行车,thesaurus\n老公,丈夫,\n坏,掉,dictionary\n街灯,路灯,thesaurus\n")
            #expect(imported.json["created"] as? Int == 2 && imported.json["unchanged"] as? Int == 1, "\(imported.body)")
            let rejected = try #require(imported.json["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["line"] as? Int } == [4])
            #expect(rejected.flatMap { ($0["errors"] as? [[String: Any]] ?? []).map { $0["field"] as? String } } == ["source"])
            let thesaurus = try await app.request(.get, "/v1/kb/synonyms?source=thesaurus&limit=200", token: agent).items
            #expect(Set(thesaurus.compactMap { $0["term"] as? String }) == ["街灯", "电瓶车"])
            let curated = try await app.request(.get, "/v1/kb/synonyms?source=curated&limit=200", token: agent).items
            #expect(curated.contains { $0["term"] as? String == "老公" } && curated.allSatisfy { $0["source"] as? String == "curated" })
            let all = try await app.request(.get, "/v1/kb/synonyms?limit=200", token: agent).items
            #expect(all.count == thesaurus.count + curated.count)
            // The admin curates a thesaurus pair: 200, the same id, now curated.
            let promoted = try await app.request(.post, "/v1/kb/synonyms", token: admin, json: ["term": "街灯", "canonical": "路灯"])
            #expect(promoted.status == .ok && promoted.json["source"] as? String == "curated" && promoted.json["id"] as? String == made.json["id"] as? String)
            #expect(try await app.request(.get, "/v1/kb/synonyms?source=thesaurus&limit=200", token: agent).items.compactMap { $0["term"] as? String } == ["电瓶车"])
        }
    }
}
