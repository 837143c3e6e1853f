import Testing
@testable import HotlineCore

@Suite struct TextSimilarityTests {
    @Test func bigramsDropPunctuationAndKeepShortRuns() {
        #expect(TextSimilarity.bigrams("路灯不亮！") == ["路灯", "灯不", "不亮"])
        #expect(TextSimilarity.bigrams("灯，A") == ["灯", "a"])
        #expect(TextSimilarity.bigrams("  ").isEmpty)
    }

    @Test func sameLampReportedTwiceIsSimilarUnrelatedIsNot() {
        let a = TextSimilarity.bigrams("西溪路88号门口路灯不亮 西溪路88号门口的路灯坏了，晚上一片漆黑")
        let b = TextSimilarity.bigrams("路灯坏了 西溪路88号附近路灯不亮已经三天，晚上很黑")
        let c = TextSimilarity.bigrams("噪音扰民 楼下饭店油烟和噪音很大，影响休息")
        #expect(TextSimilarity.dice(a, b) > 0.4)
        #expect(TextSimilarity.dice(a, c) < 0.1)
        #expect(TextSimilarity.containment([], in: a) == 0)
    }
}
