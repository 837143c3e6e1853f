import Testing
@testable import HotlineCore

@Suite struct ChineseTextTests {
    @Test func bigramsUnigramsAndWords() {
        let t = ChineseText.tokens("拖欠农民工工资，ＡＢＣ１２３ iPhone15！")
        #expect(t.bigrams == ["拖欠", "欠农", "农民", "民工", "工工", "工资"])
        #expect(t.unigrams == ["拖", "欠", "农", "民", "工", "工", "资"])
        #expect(t.words == ["abc123", "iphone15"])
    }

    @Test func stopWordsAreDropped() {
        let t = ChineseText.tokens("我们怎么办")
        #expect(!t.bigrams.contains("我们") && !t.bigrams.contains("怎么"))
        #expect(!t.unigrams.contains("我"))
    }

    @Test func queryTermsAreBigramsWithSingleCharactersOnlyWhereNoBigramCovers() {
        #expect(ChineseText.queryTerms("路灯") == ["路灯"])
        #expect(ChineseText.queryTerms("欠") == ["欠"])
        #expect(ChineseText.queryTerms("路灯不亮", extra: ["照明"]) == ["路灯", "灯不", "不亮", "照明"])
        #expect(ChineseText.queryTerms("，。！ 的").isEmpty)
        #expect(SearchPlan.queries(ChineseText.queryTerms("路灯不亮").map { SearchPlan.Term($0, df: 0) }, total: 0)?.rank == "'不亮' | '灯不' | '路灯'")
    }

    @Test func highlightMarksMatchesAndEscapes() {
        let h = ChineseText.highlight("<b>路灯</b>不亮请报修", query: "路灯坏了")
        #expect(h == "&lt;b&gt;<em>路灯</em>&lt;/b&gt;不亮请报修")
        let long = String(repeating: "无关内容", count: 30) + "这里的路灯不亮" + String(repeating: "其他", count: 30)
        let s = ChineseText.highlight(long, query: "路灯不亮", width: 20)
        #expect(s.hasPrefix("…") && s.hasSuffix("…") && s.contains("<em>路灯不亮</em>"))
    }
}

@Suite struct SearchPlanTests {
    @Test func rareTermsSelectAloneCommonOnesInPairsWithinBudget() throws {
        let terms = [SearchPlan.Term("保障", df: 65_000), SearchPlan.Term("申请", df: 36_000), SearchPlan.Term("生活", df: 3_652),
                     SearchPlan.Term("低保", df: 3_089), SearchPlan.Term("家里", df: 1_982), SearchPlan.Term("最低", df: 867),
                     SearchPlan.Term("请低", df: 42), SearchPlan.Term("想申", df: 0)]
        let q = try #require(SearchPlan.queries(terms, total: 100_000))
        // 0 + 42 = 42 rows alone (最低 would pass the budget of 500); then the pairs by estimated
        // overlap: 最低&家里 ≈ 18, 最低&低保 ≈ 27, 最低&生活 ≈ 32, 家里&低保 ≈ 62, 家里&生活 ≈ 73,
        // 低保&生活 ≈ 113 (total 367); 最低&申请 ≈ 316 would not fit. 保障 (65 %) never selects.
        #expect(q.candidates == "'想申' | '请低' | ('最低' & '家里') | ('最低' & '低保') | ('最低' & '生活') | ('家里' & '低保') | ('家里' & '生活') | ('低保' & '生活')")
        #expect(q.rank == "'想申' | '请低' | '最低' | '家里' | '低保' | '生活' | '申请' | '保障'")
    }

    @Test func smallBasesSelectWithEveryTermAndCommonOnlyQueriesStillSearch() throws {
        let small = [SearchPlan.Term("a", df: 40), SearchPlan.Term("b", df: 45)]
        #expect(SearchPlan.queries(small, total: 60)?.candidates == "'a' | 'b'")
        #expect(SearchPlan.queries([SearchPlan.Term("工资", df: 16_000)], total: 100_000)?.candidates == "'工资'")
        #expect(SearchPlan.queries([], total: 10) == nil)
        // No statistics yet (total 0): every term selects.
        #expect(SearchPlan.queries([SearchPlan.Term("x", df: 0), SearchPlan.Term("y", df: 0)], total: 0)?.candidates == "'x' | 'y'")
    }
}
