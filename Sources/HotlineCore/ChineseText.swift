import Foundation

/// Chinese text cut for search without a word segmenter: text is normalised (full-width forms to
/// ASCII, lower case), split into runs of Han characters and runs of Latin letters/digits, and
/// Han runs become overlapping bigrams (拖欠工资 → 拖欠 欠工 工资) plus single characters.
/// Bigrams catch most two-character words (路灯, 噪音, 物业); single characters let a one-character
/// query still match. Common function words are dropped so they do not flood the index.
public enum ChineseText {
    public struct Tokens: Sendable, Equatable {
        public var bigrams: [String]
        public var unigrams: [String]
        public var words: [String]   // Latin/digit runs

        /// Everything, for indexing.
        public var all: [String] { bigrams + unigrams + words }
        /// Without single characters: what long fields are indexed with.
        public var bigramsAndWords: [String] { bigrams + words }
    }

    public static func normalize(_ s: String) -> String {
        // Most text is ASCII, CJK ideographs and CJK punctuation, which NFKC leaves alone: skip it.
        let plain = s.unicodeScalars.allSatisfy { u in
            let v = u.value
            return v < 0x80 || (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x3001...0x3037).contains(v)
        }
        return plain ? s.lowercased() : s.precomposedStringWithCompatibilityMapping.lowercased()
    }

    static func isHan(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1 else { return false }
        return isHan(v)
    }

    static func isHan(_ v: UInt32) -> Bool {
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v) || (0xF900...0xFAFF).contains(v)
    }

    /// Function words and filler that callers say but that carry no meaning for search, and every
    /// pair of stop characters (是怎, 要多, 有没: two function words side by side are no word).
    public static let stopBigrams: Set<String> = listedStopBigrams.union(stopUnigrams.flatMap { a in stopUnigrams.map { a + $0 } })

    static let listedStopBigrams: Set<String> = [
        "我们", "你们", "他们", "我的", "你的", "他的", "怎么", "什么", "可以", "请问", "一个", "这个", "那个", "没有",
        "已经", "现在", "如果", "是不", "不是", "的话", "了吗", "吗我", "了我", "我想", "想问", "问一", "一下", "下我",
        "是什", "么办", "怎样", "如何", "应该", "需要", "能不", "不能", "还是", "就是", "但是", "因为", "所以", "然后",
        "这样", "那样", "这么", "那么", "有没", "没人", "一直", "要求", "反映", "情况", "问题", "我家", "我们家",
        "为什", "为什么", "多久", "哪里", "哪儿", "在哪", "找谁", "时候", "有人", "是否", "能否", "咋办", "咋整",
        "回事", "一般", "多长", "长时", "时间",
    ]

    public static let stopUnigrams: Set<String> = [
        "的", "了", "是", "我", "你", "他", "她", "它", "在", "有", "吗", "呢", "啊", "吧", "和", "就", "都", "也", "要",
        "会", "能", "去", "说", "这", "那", "个", "们", "怎", "么", "什", "请", "问", "想", "一", "下", "还", "又", "把",
        "被", "给", "让", "对", "从", "到", "与", "及", "或", "很", "太", "多", "少", "吗", "呀", "哦", "嗯", "么", "啥",
        "没", "为", "哪", "咋", "谁", "啦", "嘛", "过", "着",
    ]

    public static func tokens(_ text: String) -> Tokens {
        var bigrams: [String] = [], unigrams: [String] = [], words: [String] = []
        var han: [Character] = []
        var word = ""
        func flushHan() {
            for c in han {
                let s = String(c)
                if !stopUnigrams.contains(s) { unigrams.append(s) }
            }
            if han.count >= 2 {
                for i in 0..<(han.count - 1) {
                    let b = String(han[i]) + String(han[i + 1])
                    if !stopBigrams.contains(b) { bigrams.append(b) }
                }
            }
            han.removeAll(keepingCapacity: true)
        }
        func flushWord() {
            if !word.isEmpty { words.append(word) }
            word = ""
        }
        for c in normalize(text) {
            if isHan(c) {
                flushWord(); han.append(c)
            } else if c.isLetter || c.isNumber {
                flushHan(); word.append(c)
            } else {
                flushHan(); flushWord()
            }
        }
        flushHan(); flushWord()
        return Tokens(bigrams: bigrams, unigrams: unigrams, words: words)
    }

    /// Terms as integers, for the index (`termKeys`, `termKey`): a bigram is its two scalars packed
    /// (tag bit 63), a single character its scalar (tag bit 62), a Latin/digit word the FNV-1a hash
    /// of its UTF-8 (both tag bits clear). The same token gives the same key from either function.
    static let bigramTag: UInt64 = 1 << 63
    static let unigramTag: UInt64 = 1 << 62
    static func bigramKey(_ a: UInt32, _ b: UInt32) -> UInt64 { bigramTag | UInt64(a) << 21 | UInt64(b) }
    static func unigramKey(_ a: UInt32) -> UInt64 { unigramTag | UInt64(a) }
    static let fnvBasis: UInt64 = 14_695_981_039_346_656_037
    static func fnv(_ h: UInt64, _ scalar: Unicode.Scalar) -> UInt64 {
        var h = h
        UTF8.encode(scalar) { byte in h = (h ^ UInt64(byte)) &* 1_099_511_628_211 }
        return h
    }
    static func fnvASCII(_ h: UInt64, _ v: UInt32) -> UInt64 { (h ^ UInt64(v)) &* 1_099_511_628_211 }
    static let wordMask: UInt64 = (1 << 62) - 1

    static let stopBigramKeys = KeySet(stopBigrams.compactMap { b in
        let v = b.unicodeScalars.map(\.value)
        return v.count == 2 ? bigramKey(v[0], v[1]) : nil
    })
    static let stopUnigramKeys = KeySet(stopUnigrams.compactMap { $0.unicodeScalars.first.map { unigramKey($0.value) } })

    /// The key of one token as `tokens` cuts it (a bigram, a single character or a word).
    public static func termKey(_ token: String) -> UInt64 {
        let v = token.unicodeScalars.map(\.value)
        if v.count == 2, isHan(v[0]), isHan(v[1]) { return bigramKey(v[0], v[1]) }
        if v.count == 1, isHan(v[0]) { return unigramKey(v[0]) }
        return wordHash(v) & wordMask
    }

    /// FNV-1a of the scalars' UTF-8: a word's key before masking (`termKey`), and what
    /// `WordSegmenter` keys its dictionary by.
    static func wordHash<S: Sequence<UInt32>>(_ scalars: S) -> UInt64 {
        var h = fnvBasis
        for v in scalars { h = v < 0x80 ? fnvASCII(h, v) : fnv(h, Unicode.Scalar(v) ?? " ") }
        return h
    }

    /// The index keys of `text`'s tokens (what `tokens(text).bigramsAndWords`, with `unigrams`
    /// also `.unigrams`, would give), without making a String per token.
    public static func termKeys(_ text: String, unigrams: Bool) -> [UInt64] {
        var out: [UInt64] = []
        appendTermKeys(text, unigrams: unigrams, into: &out)
        return out
    }

    /// `termKeys`, appended to `out` (a full load reuses one buffer for every field).
    static func appendTermKeys(_ text: String, unigrams: Bool, into out: inout [UInt64]) {
        if let segmenter { out.append(contentsOf: segmentedTermKeys(text, unigrams: unigrams, segmenter)); return }
        let start = out.count
        out.reserveCapacity(start + text.utf8.count)
        // Folded scalar by scalar while the text stays in what `folded` knows (nearly all text);
        // otherwise cut again from the normalised string.
        var text = text
        if !text.withUTF8({ appendKeys(FoldedUTF8(bytes: $0), unigrams: unigrams, into: &out) }) {
            out.removeSubrange(start...)
            _ = appendKeys(normalize(text).unicodeScalars.lazy.map(\.value), unigrams: unigrams, into: &out)
        }
    }

    /// Cuts normalised scalars into keys; false (stopping) at `notFolded`.
    @inline(__always)
    static func appendKeys<S: Sequence<UInt32>>(_ scalars: S, unigrams: Bool, into out: inout [UInt64]) -> Bool {
        var previous: UInt32 = 0, hasPrevious = false
        var word = fnvBasis, inWord = false
        for v in scalars {
            if v == notFolded { return false }
            if isHan(v) {
                if inWord { out.append(word & wordMask); word = fnvBasis; inWord = false }
                if unigrams, !stopUnigramKeys.contains(unigramKey(v)) { out.append(unigramKey(v)) }
                if hasPrevious {
                    let k = bigramKey(previous, v)
                    if !stopBigramKeys.contains(k) { out.append(k) }
                }
                previous = v; hasPrevious = true
            } else if v < 0x80 ? isASCIIWord(v) : isWordScalar(Unicode.Scalar(v) ?? " ") {
                hasPrevious = false
                word = v < 0x80 ? fnvASCII(word, v) : fnv(word, Unicode.Scalar(v) ?? " "); inWord = true
            } else {
                hasPrevious = false
                if inWord { out.append(word & wordMask); word = fnvBasis; inWord = false }
            }
        }
        if inWord { out.append(word & wordMask) }
        return true
    }

    @inline(__always) static func isASCIIWord(_ v: UInt32) -> Bool {
        (0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v)
    }

    /// `normalize(text)`'s scalars, appended to `out`.
    static func appendNormalizedScalars(_ text: String, into out: inout [UInt32]) {
        let start = out.count
        for u in text.unicodeScalars {
            let v = folded(u.value)
            if v == notFolded {
                out.removeSubrange(start...)
                out.append(contentsOf: normalize(text).unicodeScalars.lazy.map(\.value))
                return
            }
            out.append(v)
        }
    }

    static let notFolded = UInt32.max

    /// A string's scalars decoded straight from its (valid) UTF-8, each `folded`: what
    /// `unicodeScalars.lazy.map { folded($0.value) }` gives, without the scalar view's iterator.
    struct FoldedUTF8: Sequence, IteratorProtocol {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0
        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        @inline(__always) mutating func next() -> UInt32? {
            guard i < bytes.count else { return nil }
            let b = UInt32(bytes[i])
            func c(_ k: Int) -> UInt32 { UInt32(bytes[i + k] & 0x3F) }
            let v: UInt32
            if b < 0x80 { v = b; i += 1 }
            else if b < 0xE0 { v = (b & 0x1F) << 6 | c(1); i += 2 }
            else if b < 0xF0 { v = (b & 0x0F) << 12 | c(1) << 6 | c(2); i += 3 }
            else { v = (b & 0x07) << 18 | c(1) << 12 | c(2) << 6 | c(3); i += 4 }
            return folded(v)
        }
    }

    /// What `normalize` (NFKC, then lower case) makes of the scalar `v`, for the scalars whose
    /// normal form is one scalar that depends on nothing around it: ASCII (upper case folded),
    /// the main CJK ideograph blocks, CJK and general punctuation that NFKC leaves alone, the
    /// ideographic space and the full-width forms of ASCII. Anything else is `notFolded`.
    @inline(__always) static func folded(_ v: UInt32) -> UInt32 {
        if v < 0x80 { return (0x41...0x5A).contains(v) ? v + 0x20 : v }
        if (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) { return v }
        if (0xFF01...0xFF5E).contains(v) { let a = v - 0xFEE0; return (0x41...0x5A).contains(a) ? a + 0x20 : a }
        if v == 0x3000 { return 0x20 }
        if (0x3001...0x3035).contains(v) || v == 0xB7 || v == 0x2010 || (0x2012...0x2016).contains(v)
            || (0x2018...0x2023).contains(v) || v == 0x2027 || (0x2030...0x2032).contains(v) { return v }
        return notFolded
    }

    /// Word segmentation instead of bigrams (`WordSegmenter`): nil (bigrams) unless a tool sets it
    /// once at start, before any text is cut — the relevance benchmark's `--segmenter`, which
    /// measures the two against each other (BENCHMARKS.md). Not changed while searching.
    nonisolated(unsafe) public static var segmenter: WordSegmenter? = nil

    static let stopWordKeys = KeySet(stopBigrams.filter { $0.count > 2 }.map { termKey($0) })

    /// The key of `run[r]` as `termKey` gives it for the same text.
    static func key(_ run: [UInt32], _ r: Range<Int>) -> UInt64 {
        if r.count == 1 { return unigramKey(run[r.lowerBound]) }
        if r.count == 2 { return bigramKey(run[r.lowerBound], run[r.lowerBound + 1]) }
        return wordHash(run[r]) & wordMask
    }

    static func isStop(_ k: UInt64) -> Bool { stopBigramKeys.contains(k) || stopUnigramKeys.contains(k) || stopWordKeys.contains(k) }

    /// `termKeys` with the text's Han runs cut into words (the search terms of `WordSegmenter`).
    static func segmentedTermKeys(_ text: String, unigrams: Bool, _ segmenter: WordSegmenter) -> [UInt64] {
        var out: [UInt64] = []
        forEachRun(text) { run, isHan in
            guard isHan else { out.append(wordHash(run) & wordMask); return }
            let (words, _) = segmenter.searchTerms(run)
            if unigrams { for v in run where !stopUnigramKeys.contains(unigramKey(v)) { out.append(unigramKey(v)) } }
            for w in words { let k = key(run, w); if !isStop(k) { out.append(k) } }
        }
        return out
    }

    /// The normalised text's runs of Han characters and of letters/digits, in order.
    static func forEachRun(_ text: String, _ body: ([UInt32], Bool) -> Void) {
        var run: [UInt32] = [], han = false
        func flush() { if !run.isEmpty { body(run, han) }; run.removeAll(keepingCapacity: true) }
        for u in normalize(text).unicodeScalars {
            let v = u.value
            if isHan(v) { if !han { flush(); han = true }; run.append(v) }
            else if isWordScalar(u) { if han { flush(); han = false }; run.append(v) }
            else { flush() }
        }
        flush()
    }

    /// `queryTerms` with word segmentation: words and parts, bigrams of unjoined characters, single
    /// characters only where no longer term covers them.
    static func segmentedQueryTerms(_ text: String, _ segmenter: WordSegmenter) -> [String] {
        var terms: [String] = []
        func string(_ run: [UInt32], _ r: Range<Int>) -> String {
            var s = String.UnicodeScalarView()
            for v in run[r] { if let u = Unicode.Scalar(v) { s.append(u) } }
            return String(s)
        }
        forEachRun(text) { run, isHan in
            guard isHan else { terms.append(string(run, 0..<run.count)); return }
            let (words, singles) = segmenter.searchTerms(run)
            var covered = Set<Int>()
            for w in words where !isStop(key(run, w)) { terms.append(string(run, w)); covered.formUnion(w) }
            for c in singles where !covered.contains(c.lowerBound) && !isStop(key(run, c)) { terms.append(string(run, c)) }
        }
        var seen = Set<String>()
        return Array(terms.filter { seen.insert($0).inserted }.prefix(64))
    }

    /// Letters and digits (Character.isLetter / isNumber, for single-scalar characters).
    static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII { let v = u.value; return (0x30...0x39).contains(v) || (0x61...0x7A).contains(v) || (0x41...0x5A).contains(v) }
        let c = Character(u)
        return c.isLetter || c.isNumber
    }

    /// The query's terms: bigrams and words carry the meaning; single characters are added only
    /// for what has no bigram (a one-character query or run).
    public static func queryTerms(_ text: String, extra: [String] = []) -> [String] {
        if let segmenter { return segmentedQueryTerms(text + " " + extra.joined(separator: " "), segmenter) }
        func string<S: Sequence<UInt32>>(_ v: S) -> String {
            var s = String.UnicodeScalarView()
            for x in v { if let u = Unicode.Scalar(x) { s.append(u) } }
            return String(s)
        }
        return queryTokens(normalizedScalars(text + " " + extra.joined(separator: " ")),
                           bigram: { string([$0, $1]) }, unigram: { string([$0]) }, word: { string($0) })
    }

    /// `queryTerms(text).map(termKey)`, without a String per term (every intake ranks its text).
    public static func queryTermKeys(_ text: String) -> [UInt64] { queryKeys(text).terms }

    /// Every Han character of `text` that is not a stop word, once each, as index keys: what a
    /// caller's words share with an entry's title and question when no two-character term does
    /// (对门的狗整夜叫 and 邻居养狗不拴绳还乱叫 share 狗 and 叫, no bigram).
    public static func queryCharacterKeys(_ text: String) -> [UInt64] { queryKeys(text).characters }

    /// `queryTermKeys` and `queryCharacterKeys` from one cut of the text (a search needs both).
    public static func queryKeys(_ text: String) -> (terms: [UInt64], characters: [UInt64]) {
        if let segmenter { return (segmentedQueryTerms(text, segmenter).map(termKey), []) }
        return queryTokensAndCharacters(normalizedScalars(text), bigram: bigramKey, unigram: unigramKey, word: { wordHash($0) & wordMask })
    }

    /// `normalize(text)`'s scalars.
    static func normalizedScalars(_ text: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count)
        appendNormalizedScalars(text, into: &out)
        return out
    }

    /// The rule of `queryTerms`, over normalised scalars and in any representation of a term:
    /// bigrams, then words, then single characters no bigram covers; each once, at most 64.
    static func queryTokens<T: Hashable>(_ v: [UInt32], bigram: (UInt32, UInt32) -> T, unigram: (UInt32) -> T,
                                         word: (ArraySlice<UInt32>) -> T) -> [T] {
        queryTokensAndCharacters(v, bigram: bigram, unigram: unigram, word: word).terms
    }

    /// `queryTokens`, and beside it every single character (covered or not), each once, at most 64.
    static func queryTokensAndCharacters<T: Hashable>(_ v: [UInt32], bigram: (UInt32, UInt32) -> T, unigram: (UInt32) -> T,
                                                      word: (ArraySlice<UInt32>) -> T) -> (terms: [T], characters: [T]) {
        var bigrams: [T] = [], words: [T] = [], unigrams: [(UInt32, T)] = []
        var covered = Set<UInt32>()
        forEachToken(v, bigram: { a, b in bigrams.append(bigram(a, b)); covered.insert(a); covered.insert(b) },
                     unigram: { unigrams.append(($0, unigram($0))) }, word: { words.append(word(v[$0])) })
        var seen = Set<T>(), out: [T] = []
        for t in bigrams + words + unigrams.filter({ !covered.contains($0.0) }).map(\.1) where seen.insert(t).inserted {
            out.append(t)
            if out.count == 64 { break }
        }
        var characters: [T] = [], once = Set<T>()
        for (_, t) in unigrams where once.insert(t).inserted {
            characters.append(t)
            if characters.count == 64 { break }
        }
        return (out, characters)
    }

    /// Normalised scalars cut as `tokens` cuts text: each Han bigram and each Han character that
    /// is not a stop word, each run of letters and digits (its range in `v`), in order.
    static func forEachToken(_ v: [UInt32], bigram: (UInt32, UInt32) -> Void, unigram: (UInt32) -> Void, word: (Range<Int>) -> Void) {
        var wordStart: Int? = nil
        var previous: UInt32? = nil
        for (i, x) in v.enumerated() {
            if isHan(x) {
                if let s = wordStart { word(s..<i); wordStart = nil }
                if !stopUnigramKeys.contains(unigramKey(x)) { unigram(x) }
                if let p = previous, !stopBigramKeys.contains(bigramKey(p, x)) { bigram(p, x) }
                previous = x
            } else if x < 0x80 ? isASCIIWord(x) : isWordScalar(Unicode.Scalar(x) ?? " ") {
                previous = nil
                if wordStart == nil { wordStart = i }
            } else {
                previous = nil
                if let s = wordStart { word(s..<i); wordStart = nil }
            }
        }
        if let s = wordStart { word(s..<v.count) }
    }

    /// A short passage of `text` around the densest cluster of query terms, with matches wrapped
    /// in <em></em> and everything else HTML-escaped.
    public static func highlight(_ text: String, query: String, extra: [String] = [], width: Int = 60) -> String {
        Highlighter(query: query, extra: extra).highlight(text, width: width)
    }

    /// The query's terms prepared once for highlighting many texts (every hit of one search).
    public struct Highlighter: Sendable {
        /// Bigrams as packed pairs of folded scalars; words as folded scalar runs.
        let pairs: Set<UInt64>
        let words: [[UInt32]]

        public init(query: String, extra: [String] = []) {
            let v = normalizedScalars(query + " " + extra.joined(separator: " "))
            var pairs = Set<UInt64>(), words: [[UInt32]] = []
            forEachToken(v, bigram: { pairs.insert(UInt64($0) << 32 | UInt64($1)) }, unigram: { _ in }, word: { words.append(Array(v[$0])) })
            self.pairs = pairs
            self.words = words
        }

        public func highlight(_ text: String, width: Int = 60) -> String {
            // Text whose every scalar is a character of its own (Chinese, ASCII, Latin, CJK and
            // general punctuation: nearly every answer) is cut by scalars, which costs no
            // grapheme breaking; anything else (emoji, combining marks, CR LF …) by characters.
            // Both give the same string (ChineseTextTests).
            if text.unicodeScalars.allSatisfy(Self.standsAlone) { return highlightByScalars(text, width: width) }
            return highlightByCharacters(text, width: width)
        }

        func highlightByScalars(_ text: String, width: Int) -> String {
            let scalars = Array(text.unicodeScalars)
            guard !scalars.isEmpty else { return "" }
            let marked = marks(scalars.map { ChineseText.foldedValue($0.value) })
            return passage(scalars, marked: marked, width: width) { scalar, out in
                switch scalar {
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "&": out += "&amp;"
                case "\"": out += "&quot;"
                default: out.unicodeScalars.append(scalar)
                }
            }
        }

        func highlightByCharacters(_ text: String, width: Int) -> String {
            let chars = Array(text)
            guard !chars.isEmpty else { return "" }
            return passage(chars, marked: marks(chars.map(foldedScalar)), width: width, append: appendEscaped)
        }

        /// Which folded characters a query bigram or word covers.
        func marks(_ folded: [UInt32]) -> [Bool] {
            var marked = [Bool](repeating: false, count: folded.count)
            for i in 0..<folded.count {
                if i + 1 < folded.count, pairs.contains(UInt64(folded[i]) << 32 | UInt64(folded[i + 1])) {
                    marked[i] = true; marked[i + 1] = true
                }
                for word in words where i + word.count <= folded.count && folded[i] == word[0] && folded[i..<(i + word.count)].elementsEqual(word) {
                    for j in i..<(i + word.count) { marked[j] = true }
                }
            }
            return marked
        }

        /// A scalar that is a character by itself whatever stands next to it: no grapheme
        /// extender, joiner, CR, or part of a Hangul or emoji sequence.
        static func standsAlone(_ u: Unicode.Scalar) -> Bool {
            switch u.value {
            case 0x0A, 0x20...0x7E, 0xA0...0x2FF, 0x2010...0x2027, 0x2030...0x205E, 0x3000...0x3029, 0x3030...0x303F,
                 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xFF01...0xFF5E: true
            default: false
            }
        }
    }

    /// The window of `width` elements with the most marked ones, marks as <em></em>.
    static func passage<Element>(_ chars: [Element], marked: [Bool], width: Int, append: (Element, inout String) -> Void) -> String {
        var bestStart = 0, best = -1, current = 0
        let w = min(width, chars.count)
        for i in 0..<chars.count {
            if marked[i] { current += 1 }
            if i >= w, marked[i - w] { current -= 1 }
            if i >= w - 1, current > best { best = current; bestStart = i - w + 1 }
        }
        var out = bestStart > 0 ? "…" : ""
        out.reserveCapacity(w * 3 + 32)
        var open = false
        for i in bestStart..<(bestStart + w) {
            if marked[i] && !open { out += "<em>"; open = true }
            if !marked[i] && open { out += "</em>"; open = false }
            append(chars[i], &out)
        }
        if open { out += "</em>" }
        if bestStart + w < chars.count { out += "…" }
        return out
    }

    /// `escape(c)` appended without making a String per character.
    @inline(__always) static func appendEscaped(_ c: Character, to out: inout String) {
        switch c {
        case "<", ">", "&", "\"": out += escape(c)
        default: out.append(c)
        }
    }

    /// A cheap per-character fold for matching in highlights: full-width ASCII to ASCII and
    /// ASCII upper case to lower case (what `normalize` does to the characters that matter).
    /// Characters of several scalars never match a term (UInt32.max).
    static func foldedScalar(_ c: Character) -> UInt32 {
        guard c.unicodeScalars.count == 1, let x = c.unicodeScalars.first?.value else { return UInt32.max }
        return foldedValue(x)
    }

    /// `foldedScalar` of a character that is this one scalar.
    @inline(__always) static func foldedValue(_ scalar: UInt32) -> UInt32 {
        var x = scalar
        if (0xFF01...0xFF5E).contains(x) { x -= 0xFEE0 }
        if (0x41...0x5A).contains(x) { x += 0x20 }
        return x
    }

    static func escape(_ c: Character) -> String {
        switch c {
        case "<": return "&lt;"
        case ">": return "&gt;"
        case "&": return "&amp;"
        case "\"": return "&quot;"
        default: return String(c)
        }
    }
}
