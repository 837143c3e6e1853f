import Foundation

/// 知识盲区: what callers asked that the knowledge base did not answer. Each search an agent makes
/// is logged without personal data (`PersonalData.scrub`); a search *found nothing useful* when no
/// hit scored at least `usefulScore`, and *was not used* when none of its results answered or
/// routed a ticket of the same agent within `useWindow`. Gaps group such searches by what they
/// say (bigram Dice ≥ `sameQuestionAt` to the group's first query), most asked first.
public enum KnowledgeGaps {
    public static let usefulScore = 0.35
    public static let useWindow: TimeInterval = 30 * 60
    public static let sameQuestionAt = 0.6

    /// One logged search.
    public struct Search: Sendable, Equatable {
        public var query: String
        public var at: Date
        public var topScore: Double?
        public var used: Bool
        public init(query: String, at: Date, topScore: Double?, used: Bool) {
            self.query = query; self.at = at; self.topScore = topScore; self.used = used
        }
        public var foundSomething: Bool { (topScore ?? 0) >= KnowledgeGaps.usefulScore }
    }

    public struct Gap: Sendable, Equatable, Codable {
        /// The group's most frequent wording.
        public var query: String
        public var searches: Int
        public var nothingFound: Int
        public var notUsed: Int
        /// Other wordings in the group (up to 5).
        public var variants: [String]
        public var firstAt: Date
        public var lastAt: Date
    }

    /// The searches of a period (already settled: older than `useWindow`, or known used) as gaps.
    public static func group(_ searches: [Search], limit: Int = 100) -> [Gap] {
        struct Group { var key: Set<String>; var counts: [String: Int] = [:]; var n = 0, nothing = 0, unused = 0; var first: Date; var last: Date }
        var groups: [Group] = []
        for s in searches.sorted(by: { $0.at < $1.at }) where !s.foundSomething || !s.used {
            let text = ChineseText.normalize(s.query).trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            let key = TextSimilarity.bigrams(text)
            let at = groups.firstIndex { g in
                TextSimilarity.score(common: g.key.intersection(key).count, a: g.key.count, b: key.count).dice >= sameQuestionAt
            }
            var g = at.map { groups[$0] } ?? Group(key: key, first: s.at, last: s.at)
            g.n += 1
            g.counts[text, default: 0] += 1
            if !s.foundSomething { g.nothing += 1 } else { g.unused += 1 }
            g.last = max(g.last, s.at)
            if let at { groups[at] = g } else { groups.append(g) }
        }
        let gaps = groups.map { g -> Gap in
            let wordings = g.counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            return Gap(query: wordings[0], searches: g.n, nothingFound: g.nothing, notUsed: g.unused,
                       variants: Array(wordings.dropFirst().prefix(5)), firstAt: g.first, lastAt: g.last)
        }
        return Array(gaps.sorted { $0.searches != $1.searches ? $0.searches > $1.searches : $0.lastAt > $1.lastAt }.prefix(limit))
    }
}
