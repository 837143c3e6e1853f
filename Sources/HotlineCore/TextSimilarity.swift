/// Chinese text compared the way the duplicate finder needs it: no word segmenter, so text is
/// cut into overlapping character bigrams (路灯不亮 → 路灯, 灯不, 不亮) after dropping punctuation
/// and spaces; Latin letters and digits are folded to lower case and kept as runs.
public enum TextSimilarity {
    public static func bigrams(_ text: String) -> Set<String> {
        var out = Set<String>()
        var run: [Character] = []
        func flush() {
            if run.count == 1 { out.insert(String(run[0])) }
            if run.count >= 2 {
                for i in 0..<(run.count - 1) { out.insert(String(run[i]) + String(run[i + 1])) }
            }
            run.removeAll(keepingCapacity: true)
        }
        for ch in text.lowercased() {
            if ch.isLetter || ch.isNumber {
                run.append(ch)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// The bigram set as sorted, distinct 32-bit FNV-1a hashes of the UTF-8 bytes: what a ticket
    /// stores so PostgreSQL can count shared bigrams (intarray `&`) without rereading the text.
    public static func fingerprint(_ bigrams: Set<String>) -> [Int32] {
        Array(Set(bigrams.map { b -> Int32 in
            var h: UInt32 = 2_166_136_261
            for byte in b.utf8 { h = (h ^ UInt32(byte)) &* 16_777_619 }
            return Int32(bitPattern: h)
        })).sorted()
    }

    /// Dice and both containments from counts: `common` bigrams shared by sets of `a` and `b`.
    public static func score(common: Int, a: Int, b: Int) -> (dice: Double, aInB: Double, bInA: Double) {
        guard a + b > 0 else { return (0, 0, 0) }
        return (2.0 * Double(common) / Double(a + b), a == 0 ? 0 : Double(common) / Double(a), b == 0 ? 0 : Double(common) / Double(b))
    }

    /// Sørensen–Dice coefficient over bigram sets, 0...1.
    public static func dice(_ a: Set<String>, _ b: Set<String>) -> Double {
        score(common: a.intersection(b).count, a: a.count, b: b.count).dice
    }

    /// Share of `a`'s bigrams also in `b` (containment): a short report contained in a longer one
    /// about the same place still scores high.
    public static func containment(_ a: Set<String>, in b: Set<String>) -> Double {
        score(common: a.intersection(b).count, a: a.count, b: b.count).aInB
    }
}
