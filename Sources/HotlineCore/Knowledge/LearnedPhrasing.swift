import Foundation

/// How an entry learns the way callers say it (DOMAIN.md "Knowledge that learns"): the words of a
/// ticket the entry answered, or whose suggestion the agent took, without personal data, become one
/// of the entry's learned phrasings. Search weighs them below the entry's title and keywords and
/// above its answer (`KnowledgeIndex.Parameters.weights`).
///
/// The rules, decided here and written by `KnowledgeLearning` in the verb's transaction:
/// - a phrasing is the ticket's title and content, scrubbed (`PersonalData`), at most
///   `maxLength` characters; text with fewer than `minimumBigrams` bigrams teaches nothing;
/// - one caller teaches an entry once: a caller's repeated calls cannot outvote everyone else;
/// - a phrasing that says nearly what one already says (bigram Dice ≥ `mergeAt`) is merged into it
///   (its weight, the number of calls it stands for, goes up; the text stays the first one);
/// - an entry keeps at most `cap` phrasings: a new one displaces the lightest, oldest one;
/// - a phrasing an owner removed is remembered, and the same words are not learned again.
public enum LearnedPhrasing {
    public static let maxLength = 200
    public static let minimumBigrams = 3
    public static let mergeAt = 0.7
    public static let cap = 40

    /// The text to learn from a ticket, or nil when nothing meaningful is left once personal data
    /// is gone.
    public static func text(title: String, content: String, known: PersonalData.Known) -> String? {
        let scrubbed = PersonalData.scrub(title + " " + content, known: known)
        let clipped = scrubbed.count > maxLength ? String(scrubbed.prefix(maxLength)) : scrubbed
        return fingerprint(clipped).count >= minimumBigrams ? clipped : nil
    }

    /// The phrasing's bigram fingerprint (what near-duplicates are judged by).
    public static func fingerprint(_ text: String) -> [Int32] {
        TextSimilarity.fingerprint(TextSimilarity.bigrams(text))
    }

    /// A phrasing the entry already has (or had: `removed` ones are an owner's no).
    public struct Existing: Sendable, Equatable {
        public var id: Int64
        public var fingerprint: [Int32]
        public var weight: Int
        public var removed: Bool
        public var learnedAt: Date
        public init(id: Int64, fingerprint: [Int32], weight: Int, removed: Bool, learnedAt: Date) {
            self.id = id; self.fingerprint = fingerprint; self.weight = weight; self.removed = removed; self.learnedAt = learnedAt
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Nothing is learned (why, for the log).
        case skip(String)
        /// The new call stands behind phrasing `id` too.
        case merge(id: Int64)
        /// A new phrasing; `displacing` is removed to keep the entry within `cap`.
        case add(displacing: Int64?)
    }

    /// What learning `fingerprint` does to an entry with `existing` phrasings, when the caller has
    /// (`callerTaught`) or has not taught this entry before.
    public static func decide(_ fingerprint: [Int32], existing: [Existing], callerTaught: Bool) -> Decision {
        if callerTaught { return .skip("this caller already taught the entry") }
        let mine = Set(fingerprint)
        var best: (Existing, Double)? = nil
        for e in existing {
            let common = mine.intersection(e.fingerprint).count
            let dice = TextSimilarity.score(common: common, a: mine.count, b: Set(e.fingerprint).count).dice
            if dice >= mergeAt, best.map({ dice > $0.1 }) ?? true { best = (e, dice) }
        }
        if let (e, _) = best { return e.removed ? .skip("an owner removed these words") : .merge(id: e.id) }
        let live = existing.filter { !$0.removed }
        guard live.count >= cap else { return .add(displacing: nil) }
        let lightest = live.min { a, b in a.weight != b.weight ? a.weight < b.weight : (a.learnedAt, a.id) < (b.learnedAt, b.id) }
        return .add(displacing: lightest?.id)
    }
}
