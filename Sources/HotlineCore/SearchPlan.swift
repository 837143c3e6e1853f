/// How a knowledge-base query is run over a large base: every term counts for ranking, but which
/// entries get ranked at all is decided by the specific terms, within a budget of estimated rows.
/// Terms are taken rarest first, alone while they fit the budget; then pairs of the remaining
/// terms (an entry must contain both), by their estimated overlap df₁·df₂/N, while they fit.
/// Terms found in more than a fifth of the base (保障 in a base of social-security answers) never
/// select, they only rank. A query of nothing but common words still searches with its rarest term.
public enum SearchPlan {
    public struct Term: Sendable, Equatable {
        public var text: String
        public var df: Int
        public init(_ text: String, df: Int) { self.text = text; self.df = df }
    }

    /// Estimated entries to rank at most (ranking costs ~8 µs per entry on the build machine).
    public static let budget = 500

    public static func queries(_ terms: [Term], total: Int) -> (candidates: String, rank: String)? {
        guard !terms.isEmpty else { return nil }
        let sorted = terms.sorted { ($0.df, $0.text) < ($1.df, $1.text) }
        let rank = sorted.prefix(64).map { quote($0.text) }.joined(separator: " | ")
        let n = max(total, 1)
        var used = 0
        var parts: [String] = []
        var rest: [Term] = []
        for t in sorted {
            if rest.isEmpty && used + t.df <= budget {
                parts.append(quote(t.text)); used += t.df
            } else if t.df * 5 <= n || total == 0 {
                rest.append(t)
            }
        }
        var pairs: [(Int, String)] = []
        let pool = Array(rest.prefix(8))
        for i in 0..<pool.count {
            for j in (i + 1)..<pool.count {
                let estimate = Int((Double(pool[i].df) * Double(pool[j].df) / Double(n)).rounded(.up))
                pairs.append((estimate, "(\(quote(pool[i].text)) & \(quote(pool[j].text)))"))
            }
        }
        for (estimate, pair) in pairs.sorted(by: { $0.0 < $1.0 }) where used + estimate <= budget {
            parts.append(pair); used += estimate
        }
        if parts.isEmpty { parts.append(quote(sorted[0].text)) }
        return (parts.joined(separator: " | "), rank)
    }

    /// Terms are letters and digits only (see ChineseText), so quoting is enough for to_tsquery.
    static func quote(_ t: String) -> String { "'\(t)'" }
}
