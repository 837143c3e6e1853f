import Foundation

/// Dictionary-based word segmentation of Han runs (jieba's method without its HMM): the
/// dictionary's words starting at each position form a DAG; the cut is the path of the highest
/// product of word probabilities (log frequency − log total, an unknown character counting as
/// frequency 1). For search a long word also yields its dictionary 2- and 3-character parts
/// (jieba's "search mode": 失业保险金 → 失业 保险 保险金 失业保险金). Runs of characters the
/// dictionary does not join (names, places, new words) keep their bigrams, as the HMM would
/// have glued them.
///
/// Words are keyed by the FNV-1a hash of their scalars (no String per lookup); the dictionary is
/// the text format `word frequency` per line with a `# total N` line (db/seed/segmentation).
public struct WordSegmenter: Sendable {
    let logFrequency: [UInt64: Float]
    let logTotal: Float
    let maxLength: Int

    public init(dictionary text: String) {
        var freq: [UInt64: Float] = [:]
        var total: Double = 0, longest = 1
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# total ") { total = Double(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? 0; continue }
            if line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let f = Double(parts[1]), f > 0 else { continue }
            let scalars = parts[0].unicodeScalars.map(\.value)
            freq[Self.key(scalars[...])] = Float(log(f))
            longest = max(longest, scalars.count)
        }
        if total <= 0 { total = freq.values.reduce(0) { $0 + Double(exp($1)) } }
        self.logFrequency = freq
        self.logTotal = Float(log(max(total, 1)))
        self.maxLength = longest
    }

    static func key(_ scalars: ArraySlice<UInt32>) -> UInt64 { ChineseText.wordHash(scalars) }

    public func contains(_ scalars: ArraySlice<UInt32>) -> Bool { logFrequency[Self.key(scalars)] != nil }

    /// The max-probability cut of one Han run, as ranges of `run`.
    public func cut(_ run: [UInt32]) -> [Range<Int>] {
        let n = run.count
        guard n > 1 else { return n == 1 ? [0..<1] : [] }
        // best[i]: the best log probability of run[i...]; next[i]: where the first word ends.
        var best = [Float](repeating: 0, count: n + 1)
        var next = [Int](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var h = ChineseText.fnvBasis
            var top = -Float.infinity, end = i + 1
            for j in i..<min(n, i + maxLength) {
                h = ChineseText.fnv(h, Unicode.Scalar(run[j]) ?? " ")
                let lf: Float
                if let f = logFrequency[h] { lf = f } else if j == i { lf = 0 } else { continue }
                let p = lf - logTotal + best[j + 1]
                if p > top { top = p; end = j + 1 }
            }
            best[i] = top; next[i] = end
        }
        var out: [Range<Int>] = [], i = 0
        while i < n { out.append(i..<next[i]); i = next[i] }
        return out
    }

    /// The search terms of one Han run (ranges of `run`, each at most once): every word of the cut
    /// of two or more characters, the dictionary's 2- and 3-character parts of longer words, the
    /// bigrams inside runs of single characters, and single characters that are in no other term.
    public func searchTerms(_ run: [UInt32]) -> (words: [Range<Int>], singles: [Range<Int>]) {
        var words: [Range<Int>] = [], singles: [Range<Int>] = []
        let cut = cut(run)
        var k = 0
        while k < cut.count {
            let w = cut[k]
            if w.count == 1 {
                // A run of single characters: their bigrams, and the characters on their own.
                var e = k
                while e + 1 < cut.count, cut[e + 1].count == 1 { e += 1 }
                let start = cut[k].lowerBound, end = cut[e].upperBound
                if end - start >= 2 { for i in start..<(end - 1) { words.append(i..<(i + 2)) } }
                for i in start..<end { singles.append(i..<(i + 1)) }
                k = e + 1
                continue
            }
            if w.count > 2 {
                for i in w.lowerBound..<(w.upperBound - 1) where contains(run[i..<(i + 2)]) { words.append(i..<(i + 2)) }
            }
            if w.count > 3 {
                for i in w.lowerBound..<(w.upperBound - 2) where contains(run[i..<(i + 3)]) { words.append(i..<(i + 3)) }
            }
            words.append(w)
            k += 1
        }
        return (words, singles)
    }
}
