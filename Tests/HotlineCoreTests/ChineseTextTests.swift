import Testing
@testable import HotlineCore

@Suite struct ChineseTextTests {
    @Test func bigramsUnigramsAndWords() {
        let t = ChineseText.tokens("拖欠农民工工资，ＡＢＣ１２３ iPhone15！")
        #expect(t.bigrams == ["拖欠", "欠农", "农民", "民工", "工工", "工资"])
        #expect(t.unigrams == ["拖", "欠", "农", "民", "工", "工", "资"])
        #expect(t.words == ["abc123", "iphone15"])
    }

    @Test func normalizeFoldsWidthAndCaseWithOrWithoutTheFastPath() {
        #expect(ChineseText.normalize("路灯ABC、。") == "路灯abc、。")
        #expect(ChineseText.normalize("路灯，") == "路灯,")
        #expect(ChineseText.normalize("ＡＢＣ１２３　路灯") == "abc123 路灯")
        #expect(ChineseText.normalize("\u{F9F1}") == "\u{96A3}")   // a compatibility ideograph
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
    }

    @Test func highlightMarksMatchesAndEscapes() {
        let h = ChineseText.highlight("<b>路灯</b>不亮请报修", query: "路灯坏了")
        #expect(h == "&lt;b&gt;<em>路灯</em>&lt;/b&gt;不亮请报修")
        let long = String(repeating: "无关内容", count: 30) + "这里的路灯不亮" + String(repeating: "其他", count: 30)
        let s = ChineseText.highlight(long, query: "路灯不亮", width: 20)
        #expect(s.hasPrefix("…") && s.hasSuffix("…") && s.contains("<em>路灯不亮</em>"))
    }

    /// Highlights cut by scalars (the fast path for text whose scalars are characters of their own)
    /// are the highlights cut by characters, and text with emoji, combining marks or CR LF takes
    /// the character path and keeps its characters whole.
    @Test func highlightsByScalarsEqualHighlightsByCharacters() {
        let h = ChineseText.Highlighter(query: "路灯坏了 ＡＢＣ报修 \"quoted\"", extra: ["照明"])
        let texts = [
            "小区门口的路灯坏了三天，请尽快报修。", "<b>照明</b> & \"quoted\" ABC报修 café", "",
            String(repeating: "无关内容", count: 30) + "这里的路灯坏了" + String(repeating: "其他，", count: 30),
            "路灯—坏了…“照明”（ＡＢＣ）", "路灯坏了\n第二行报修",
        ]
        for text in texts {
            #expect(text.unicodeScalars.allSatisfy(ChineseText.Highlighter.standsAlone), "\(text)")
            for width in [5, 20, 60] {
                #expect(h.highlightByScalars(text, width: width) == h.highlightByCharacters(text, width: width), "\(text) @\(width)")
            }
        }
        for text in ["路灯坏了👍🏽报修", "路灯e\u{301}坏了", "路灯\r\n坏了", "照明🇨🇳路灯"] {
            #expect(!text.unicodeScalars.allSatisfy(ChineseText.Highlighter.standsAlone), "\(text)")
            #expect(h.highlight(text, width: 6) == h.highlightByCharacters(text, width: 6))
        }
        #expect(h.highlight("照明🇨🇳路灯", width: 3) == "<em>照明</em>🇨🇳…")
    }
}

