import Foundation
@testable import HotlineCore
import Testing

/// Dictionary segmentation (jieba's max-probability path), as the relevance benchmark's
/// `--segmenter` uses it. The process-wide switch is never set here: tests run in parallel.
@Suite struct WordSegmenterTests {
    let dictionary = WordSegmenter(dictionary: """
        # total 1000
        失业 50
        保险 80
        保险金 20
        失业保险 30
        失业保险金 10
        被 30
        裁员 20
        了 100
        领取 40
        """)

    func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map(\.value) }
    func words(_ s: String, _ ranges: [Range<Int>]) -> [String] {
        let c = Array(s); return ranges.map { String(c[$0]) }
    }

    @Test func theCutIsTheMostProbablePath() {
        #expect(words("被裁员了", dictionary.cut(scalars("被裁员了"))) == ["被", "裁员", "了"])
        // One word of frequency 10 beats 失业 × 保险金 (50 × 20 in a total of 1,000).
        #expect(words("领取失业保险金", dictionary.cut(scalars("领取失业保险金"))) == ["领取", "失业保险金"])
        // Characters the dictionary does not know stand alone.
        #expect(words("张三来了", dictionary.cut(scalars("张三来了"))) == ["张", "三", "来", "了"])
        #expect(dictionary.cut([]) == [])
    }

    @Test func searchTermsAreWordsTheirDictionaryPartsAndBigramsOfUnjoinedCharacters() {
        let long = dictionary.searchTerms(scalars("失业保险金"))
        #expect(Set(words("失业保险金", long.words)) == ["失业", "保险", "保险金", "失业保险金"])  // parts of 2 and 3 characters only
        #expect(long.singles.isEmpty)
        let names = dictionary.searchTerms(scalars("张三来了"))
        #expect(words("张三来了", names.words) == ["张三", "三来", "来了"])
        #expect(words("张三来了", names.singles) == ["张", "三", "来", "了"])
    }

    @Test func queryTermsAreKeyedAsTheIndexKeysTheSameText() {
        let text = "我被裁员了，怎么领取失业保险金？A12路"
        let keys = Set(ChineseText.segmentedTermKeys(text, unigrams: true, dictionary))
        let terms = ChineseText.segmentedQueryTerms(text, dictionary)
        #expect(terms.contains("失业保险金") && terms.contains("裁员") && terms.contains("a12"))
        #expect(!terms.contains("怎么") && !terms.contains("了"))
        for t in terms { #expect(keys.contains(ChineseText.termKey(t)), "\(t)") }
        // Long fields have no single characters.
        #expect(!ChineseText.segmentedTermKeys(text, unigrams: false, dictionary).contains(ChineseText.termKey("被")))
    }

    @Test func theShippedDictionaryLoadsAndCutsCallersWords() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("db/seed/segmentation/jieba-words.txt"), encoding: .utf8)
        let jieba = WordSegmenter(dictionary: text)
        #expect(words("对门的狗整夜叫", jieba.cut(scalars("对门的狗整夜叫"))).contains("整夜"))
        #expect(words("我被裁员了", jieba.cut(scalars("我被裁员了"))).contains("裁员"))
        #expect(words("拖欠工资", jieba.cut(scalars("拖欠工资"))) == ["拖欠", "工资"])
    }
}
