import Testing
@testable import HotlineCore

@Suite struct KnowledgeIndexTests {
    static func doc(_ id: Int64, _ title: String, question: String = "", answer: String = "说明。", from: String? = nil, to: String? = nil) -> KnowledgeIndex.Document {
        KnowledgeIndex.Document(id: id, title: title, question: question, facets: "", answer: answer, validFrom: from, validTo: to)
    }

    static func ids(_ index: KnowledgeIndex, _ query: String, today: String = "2026-11-22", limit: Int = 10) -> [Int64] {
        index.search(terms: ChineseText.queryTerms(query), today: today, limit: limit).map(\.id)
    }

    @Test func titleOutranksAnswerAndRareTermsOutrankCommonOnes() {
        var index = KnowledgeIndex()
        index.upsert(Self.doc(1, "路灯不亮报修"))
        index.upsert(Self.doc(2, "占道经营投诉", answer: "夜间路灯下的摊贩由城管处理。"))
        for i in 3...20 { index.upsert(Self.doc(Int64(i), "城市管理事项\(i)", answer: "城市管理部门负责。")) }
        #expect(Self.ids(index, "路灯坏了") == [1, 2])
        // 城市 and 管理 occur in 19 of 20 entries: matching them weighs little next to 路灯.
        let hits = index.search(terms: ChineseText.queryTerms("城市路灯"), today: "2026-11-22", limit: 3)
        #expect(hits.first?.id == 1)
        #expect(hits.allSatisfy { $0.score > 0 && $0.score < 1 })
        #expect(hits == hits.sorted { $0.score > $1.score })
    }

    /// A paraphrase that shares no two-character term with the entry still shares characters with
    /// its title and question: they count `characterWeight` of a term (never where a term
    /// matches better), every character once but stop words (对, 的), and not at all at weight 0;
    /// an entry only characters found needs `charactersAlone` of them.
    @Test func sharedCharactersFindParaphrasesBelowSharedTerms() {
        func index(_ weight: Float, alone: Int = 2) -> KnowledgeIndex {
            var p = KnowledgeIndex.Parameters(); p.characterWeight = weight; p.charactersAlone = alone
            var index = KnowledgeIndex(parameters: p)
            index.upsert(Self.doc(1, "犬只扰民", question: "邻居养狗不拴绳还乱叫"))
            index.upsert(Self.doc(2, "夜间施工噪声", question: "工地整夜施工"))
            index.upsert(Self.doc(3, "对门违建", question: "对门搭棚子"))
            return index
        }
        let query = "对门的狗整夜叫"
        #expect(ChineseText.queryCharacterKeys(query) == ["门", "狗", "整", "夜", "叫"].map(ChineseText.termKey))
        #expect(ChineseText.queryCharacterKeys("的了吗").isEmpty)
        func search(_ i: KnowledgeIndex, _ q: String) -> [Int64] {
            i.search(termKeys: ChineseText.queryTermKeys(q), characterKeys: ChineseText.queryCharacterKeys(q), today: "2026-11-22", limit: 3).map(\.id)
        }
        // Without characters the bigrams 对门 and 整夜 point at the wrong entries only.
        #expect(!search(index(0), query).contains(1))
        let found = search(index(0.5), query)
        #expect(found.contains(1), "\(found)")
        // Two characters (狗, 叫) are not enough where three must meet (the service's setting);
        // a shared term (乱叫) still finds the entry there.
        #expect(KnowledgeIndex.Parameters().charactersAlone == 3)
        #expect(!search(index(0.5, alone: 3), query).contains(1))
        #expect(search(index(0.5, alone: 3), "对门的狗整夜乱叫").contains(1))
        // One shared character alone (施 of 施舍) is no answer unless `charactersAlone` is 1.
        #expect(search(index(0.5), "施舍").isEmpty)
        #expect(search(index(0.5), "施工").first == 2)
        var one = KnowledgeIndex.Parameters(); one.characterWeight = 0.5; one.charactersAlone = 1
        var loose = KnowledgeIndex(parameters: one)
        loose.upsert(Self.doc(2, "夜间施工噪声", question: "工地整夜施工"))
        #expect(search(loose, "施舍") == [2])
        // Where the caller's two-character terms match, they still decide.
        #expect(search(index(0.5), "工地整夜施工太吵").first == 2)
        #expect(search(index(0.5), "养狗不拴绳").first == 1)
    }

    @Test func validityWindowIsInclusiveInLocalDays() {
        var index = KnowledgeIndex()
        index.upsert(Self.doc(1, "冬季供暖", from: "2026-11-15", to: "2027-03-15"))
        #expect(Self.ids(index, "供暖", today: "2026-11-14").isEmpty)
        #expect(Self.ids(index, "供暖", today: "2026-11-15") == [1])
        #expect(Self.ids(index, "供暖", today: "2027-03-15") == [1])
        #expect(Self.ids(index, "供暖", today: "2027-03-16").isEmpty)
    }

    @Test func replacingAndRemovingEntriesAndCompactionKeepAnswers() {
        var index = KnowledgeIndex()
        index.upsert(Self.doc(1, "公积金提取"))
        index.upsert(Self.doc(2, "公积金贷款"))
        #expect(Self.ids(index, "公积金提取").first == 1)
        index.upsert(Self.doc(1, "社保卡补办"))   // a new version replaces the old text
        #expect(Self.ids(index, "提取").isEmpty)
        #expect(Self.ids(index, "社保卡") == [1])
        index.remove(id: 2)
        #expect(Self.ids(index, "公积金").isEmpty)
        #expect(index.count == 1)
        // Many edits: dead slots are compacted away and results stay the same.
        for round in 0..<3000 { index.upsert(Self.doc(Int64(100 + round % 10), "噪音扰民投诉\(round % 10)")) }
        #expect(index.count == 11)
        // ~13 postings per entry; without compaction 3,011 slots' worth would remain.
        #expect(index.postingCount < 1_012 * 14)
        index.compact()
        #expect(index.postingCount < 11 * 14)
        #expect(Set(Self.ids(index, "噪音", limit: 20)) == Set(100...109))
        #expect(Self.ids(index, "社保卡") == [1])
    }

    @Test func equalScoresOrderByIdAndLimitHolds() {
        var index = KnowledgeIndex()
        for id in [5, 3, 9, 1] as [Int64] { index.upsert(Self.doc(id, "物业收费")) }
        #expect(Self.ids(index, "物业", limit: 3) == [1, 3, 5])
        #expect(Self.ids(index, "物业", limit: 0).isEmpty)
        #expect(Self.ids(index, "，。").isEmpty)
    }

    @Test func synonymTermsCountLessThanTheCallersOwnWords() {
        var index = KnowledgeIndex()
        index.upsert(Self.doc(1, "供暖温度不达标 暖气 供暖"))
        index.upsert(Self.doc(2, "冬季供暖开始时间"))
        let hits = index.search(terms: ChineseText.queryTerms("供暖什么时候开始"), expansions: ["暖气"], today: "2026-11-22", limit: 2)
        #expect(hits.map(\.id) == [2, 1])
        // Found through the synonym alone.
        #expect(index.search(terms: ChineseText.queryTerms("没有暖气"), expansions: ["供暖"], today: "2026-11-22", limit: 2).map(\.id) == [1, 2])
    }

    @Test func phraseKeysAreThreeConsecutiveHanCharacters() {
        let keys = KnowledgeIndex.trigrams(["路灯不亮ab路灯", "，夜"])
        #expect(keys == KnowledgeIndex.trigramKeys("路灯不亮".unicodeScalars.map(\.value)))
        #expect(keys.count == 2)   // 路灯不, 灯不亮; "路灯" after Latin letters is too short
        // An entry that says the caller's words in the caller's order gains over one that has
        // the same words apart.
        var p = KnowledgeIndex.Parameters(); p.phraseWeight = 0
        var plain = KnowledgeIndex(parameters: p), phrased = KnowledgeIndex()
        for i in [plain, phrased].indices {
            var index = i == 0 ? plain : phrased
            index.upsert(Self.doc(1, "排队 医院 挂号难"))
            index.upsert(Self.doc(2, "挂号难 医院排队"))
            if i == 0 { plain = index } else { phrased = index }
        }
        let q = ChineseText.queryTerms("医院排队")
        let a = plain.search(terms: q, phrases: ["医院排队"], today: "2026-11-22", limit: 2)
        let b = phrased.search(terms: q, phrases: ["医院排队"], today: "2026-11-22", limit: 2)
        #expect(b.first?.id == 2)
        #expect(b[0].score > a.first { $0.id == 2 }!.score)
    }

    @Test func synonymsExpandBothWays() {
        let table = SynonymTable([("工钱", "工资"), ("房本", "不动产权证"), ("煤气", "燃气")])
        #expect(table.expansions(for: "包工头欠了三个月工钱") == ["工资"])
        #expect(table.expansions(for: "不动产权证丢了") == ["房本"])
        #expect(table.expansions(for: "路灯不亮").isEmpty)
        #expect(table == SynonymTable([("工钱", "工资"), ("房本", "不动产权证"), ("煤气", "燃气")]))
        #expect(table != SynonymTable([("工钱", "工资")]))
    }

    /// The index keys its terms by integers; they must be exactly the tokens search has always cut.
    @Test func integerTermKeysAreTheTokensOfTheText() {
        for text in ["包工头欠了我们三个月工钱！", "ＡＰＰ上 WiFi 密码 12345 忘了", "楼道里给电动车充电，有人管吗？", "Café 咖啡店 naïve 路灯",
                     "我的", "", "  ", "一", "𠀀𠀁 扩展区汉字", "第3期 ABC-def 路灯不亮"] {
            let t = ChineseText.tokens(text)
            #expect(ChineseText.termKeys(text, unigrams: true).sorted() == (t.bigrams + t.unigrams + t.words).map(ChineseText.termKey).sorted(), "\(text)")
            #expect(ChineseText.termKeys(text, unigrams: false).sorted() == t.bigramsAndWords.map(ChineseText.termKey).sorted(), "\(text)")
        }
        // Keys of different kinds never meet: a word, a bigram and a character are told apart.
        #expect(Set(["路灯", "路", "ab", "a"].map(ChineseText.termKey)).count == 4)
    }

    /// The fast fold (scalar by scalar, no String made) is NFKC and lower case exactly, and text
    /// it does not know is cut from the normalised string: random text over a pool of characters
    /// NFKC changes, composes or leaves alone gives the keys and scalars of cutting `normalize`'s
    /// string, and every scalar the fold knows folds as `normalize` does.
    @Test func foldingScalarByScalarIsNormalizing() {
        let pool: [String] = ["路", "灯", "不", "亮", "的", "我", "A", "z", "Q", "7", " ", "-", ",", "，", "。", "？", "！", "（", "）", "：",
                              "Ａ", "ｚ", "１", "　", "、", "々", "〇", "〆", "…", "‥", "“", "”", "—", "·", "‰", "″", "ﬁ", "①", "²",
                              "\u{F9F1}", "\u{2F08}", "e", "\u{0301}", "é", "Ω", "ß", "İ", "𠀀", "ｶ", "\u{3036}", "㈠", "\t"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...12, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
            var slow: [UInt64] = []
            #expect(ChineseText.appendKeys(ChineseText.normalize(text).unicodeScalars.map(\.value), unigrams: true, into: &slow))
            #expect(ChineseText.termKeys(text, unigrams: true) == slow, "\(text)")
            var scalars: [UInt32] = [9]
            ChineseText.appendNormalizedScalars(text, into: &scalars)
            #expect(scalars == [9] + ChineseText.normalize(text).unicodeScalars.map(\.value), "\(text)")
        }
        for v in UInt32(0)...0x10FFFF {
            guard let u = Unicode.Scalar(v), ChineseText.folded(v) != ChineseText.notFolded else { continue }
            #expect(ChineseText.normalize(String(u)).unicodeScalars.map(\.value) == [ChineseText.folded(v)], "U+\(String(v, radix: 16))")
        }
    }

    /// The query cut without Strings (every intake ranks its text by it) is the rule written out
    /// over `tokens`: the same terms in the same order, the same keys, the same highlighting terms.
    @Test func queryTermsWithoutStringsAreTheRuleOverTokens() {
        func reference(_ text: String) -> [String] {
            let t = ChineseText.tokens(text)
            let covered = Set(t.bigrams.flatMap { $0.map(String.init) })
            var seen = Set<String>()
            return Array((t.bigrams + t.words + t.unigrams.filter { !covered.contains($0) }).filter { seen.insert($0).inserted }.prefix(64))
        }
        let pool: [String] = ["路", "灯", "不", "亮", "的", "我", "们", "怎", "么", "工", "资", "欠", "A", "z", "7", " ", "-", "，", "。",
                              "Ａ", "ｚ", "１", "　", "、", "“", "·", "\u{F9F1}", "é", "Ω", "𠀀", "\t"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 0...160, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined()
            let expected = reference(text)
            #expect(ChineseText.queryTerms(text) == expected, "\(text)")
            #expect(ChineseText.queryTermKeys(text) == expected.map(ChineseText.termKey), "\(text)")
            let h = ChineseText.Highlighter(query: text), t = ChineseText.tokens(text)
            #expect(h.pairs == Set(t.bigrams.map { b in let v = b.unicodeScalars.map(\.value); return UInt64(v[0]) << 32 | UInt64(v[1]) }))
            #expect(h.words == t.words.map { $0.unicodeScalars.map(\.value) })
        }
    }

    /// Expansions found by one scan of the query are those of testing every pair in turn.
    @Test func synonymExpansionsAreEveryPairTestedInTurn() {
        let pool = ["工", "资", "钱", "房", "本", "证", "路", "灯", "A", "b", "，"]
        var rng = SystemRandomNumberGenerator()
        func word(_ n: ClosedRange<Int>) -> String { (0..<Int.random(in: n, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined() }
        for _ in 0..<300 {
            let pairs = (0..<Int.random(in: 0...12, using: &rng)).map { _ in (word(1...3), word(1...3)) }
            let table = SynonymTable(pairs)
            for _ in 0..<10 {
                let q = word(0...20)
                let n = ChineseText.normalize(q)
                let expected = table.pairs.compactMap { p in n.contains(p.term) ? p.canonical : n.contains(p.canonical) ? p.term : nil }
                #expect(table.expansions(for: q) == expected, "\(pairs) \(q)")
            }
        }
    }

    /// With the general thesaurus beside the curated pairs: the curated expansions are the curated
    /// pairs tested in turn; the thesaurus's are its pairs tested in turn, each word once and none
    /// the curated pairs already add; `expansions(for:)` is the two lists together.
    @Test func thesaurusExpansionsFollowTheCuratedOnes() {
        let pool = ["工", "资", "钱", "房", "本", "证", "路", "灯", "A", "，"]
        var rng = SystemRandomNumberGenerator()
        func word(_ n: ClosedRange<Int>) -> String { (0..<Int.random(in: n, using: &rng)).map { _ in pool.randomElement(using: &rng)! }.joined() }
        func inTurn(_ pairs: [(term: String, canonical: String)], _ n: String) -> [String] {
            pairs.compactMap { p in n.contains(p.term) ? p.canonical : n.contains(p.canonical) ? p.term : nil }
        }
        for _ in 0..<300 {
            let curated = (0..<Int.random(in: 0...6, using: &rng)).map { _ in (word(1...3), word(1...3)) }
            let thesaurus = (0..<Int.random(in: 0...10, using: &rng)).map { _ in (word(1...3), word(1...3)) }
            let table = SynonymTable(curated, thesaurus: thesaurus)
            #expect(table.thesaurusStart == curated.count)
            let normalized = table.pairs
            for _ in 0..<10 {
                let q = word(0...20)
                let n = ChineseText.normalize(q)
                let c = inTurn(Array(normalized[..<curated.count]), n)
                var named = Set(c)
                let t = inTurn(Array(normalized[curated.count...]), n).filter { named.insert($0).inserted }
                let split = table.expansionsBySource(for: q)
                #expect(split.curated == c, "\(curated) \(thesaurus) \(q)")
                #expect(split.thesaurus == t, "\(curated) \(thesaurus) \(q)")
                #expect(table.expansions(for: q) == c + t)
            }
        }
        let table = SynonymTable([("工钱", "工资")], thesaurus: [("工资", "薪水"), ("薪金", "工资"), ("工钱", "工资"), ("路灯", "街灯")])
        let split = table.expansionsBySource(for: "包工头欠工钱和工资")
        #expect(split.curated == ["工资"])
        #expect(split.thesaurus == ["薪水", "薪金"])
        #expect(table != SynonymTable([("工钱", "工资"), ("工资", "薪水"), ("薪金", "工资"), ("工钱", "工资"), ("路灯", "街灯")]))
    }

    /// A full load builds the index at once; it must be the index upserting the same documents in
    /// the same order gives: the same terms, postings and hits with the same scores.
    @Test func buildingAtOnceIsUpsertingInOrder() {
        Self.compareBuildWithUpserts(count: 400, ids: 350)
    }

    /// Large enough to be built on every core: still the index upserting in order gives.
    @Test func buildingOnEveryCoreIsUpsertingInOrder() {
        #expect(KnowledgeIndex.sharedFrom <= 6000)
        Self.compareBuildWithUpserts(count: 6000, ids: 5500)
    }

    static func compareBuildWithUpserts(count: Int, ids: Int) {
        let words = ["路灯", "不亮", "噪音", "扰民", "拖欠", "工资", "物业", "停车", "漏水", "供暖", "公积金", "提取", "社保", "补办", "犬只", "夜间", "施工", "投诉"]
        var rng = SystemRandomNumberGenerator()
        var docs: [KnowledgeIndex.Document] = []
        for i in 0..<count {
            func phrase(_ n: Int) -> String { (0..<n).map { _ in words.randomElement(using: &rng)! }.joined() }
            docs.append(KnowledgeIndex.Document(id: Int64(i % ids + 1), title: phrase(3), question: phrase(5), facets: "城市管理", answer: phrase(20),
                                                validFrom: nil, validTo: nil, learned: i % 3 == 0 ? phrase(8) : ""))
        }
        // A repeated id counts as its last document, as an upsert replacing it would leave it.
        var lastOf: [Int64: Int] = [:]
        for (i, d) in docs.enumerated() { lastOf[d.id] = i }
        let unique = docs.enumerated().filter { lastOf[$0.element.id] == $0.offset }.map(\.element)
        var upserted = KnowledgeIndex()
        for d in unique { upserted.upsert(d) }
        let built = KnowledgeIndex(documents: docs)
        // Fed in chunks smaller than the load, as `serve` feeds its rows: the chunks' terms merged.
        let loader = KnowledgeIndex.Loader(parameters: KnowledgeIndex.Parameters(), chunkSize: 1000)
        for d in unique { loader.add(d) }
        let chunked = loader.finish()
        #expect(chunked.count == ids && chunked.termCount == upserted.termCount && chunked.postingCount == upserted.postingCount)
        #expect(built.count == ids && upserted.count == ids)
        #expect(built.termCount == upserted.termCount && built.postingCount == upserted.postingCount)
        for q in ["路灯不亮", "夜间施工噪音", "公积金提取补办", "物业漏水停车", "犬只扰民投诉"] {
            let a = built.search(terms: ChineseText.queryTerms(q), phrases: [q], today: "2026-12-01", limit: 20)
            let b = upserted.search(terms: ChineseText.queryTerms(q), phrases: [q], today: "2026-12-01", limit: 20)
            #expect(!a.isEmpty && a == b, "\(q)")
            #expect(chunked.search(terms: ChineseText.queryTerms(q), phrases: [q], today: "2026-12-01", limit: 20) == b, "\(q)")
        }
        // And it takes upserts afterwards like any index.
        var later = built
        later.upsert(KnowledgeIndex.Document(id: 9999, title: "井盖丢失", question: "", facets: "", answer: "说明。", validFrom: nil, validTo: nil))
        #expect(Self.ids(later, "井盖").first == 9999)
    }
}
