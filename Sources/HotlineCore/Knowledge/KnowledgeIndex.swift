import Foundation

/// The knowledge base's search index, held in memory: an inverted index from the tokens of
/// `ChineseText` (bigrams, words, and single characters of titles) to the entries that contain
/// them, ranked with BM25F — each field's term frequency normalised by the field's length,
/// weighted by field (title and keywords count most, the answer least), then saturated.
///
/// PostgreSQL stays the record: the store fills the index from the database and keeps it current
/// (`KnowledgeIndexCache`). The index holds no text — only entry ids, validity days and postings
/// (4 bytes each: the entry's slot in 24 bits, its saturated term weight in 8) — so 100,000
/// entries take tens of megabytes, and a search touches only the postings of its own terms.
public struct KnowledgeIndex: Sendable {
    public struct Document: Sendable, Equatable {
        public var id: Int64
        public var title: String       // title and keywords
        public var question: String
        public var facets: String      // category and responsible unit
        public var answer: String
        public var validFrom: String?  // yyyy-mm-dd, inclusive
        public var validTo: String?
        /// The entry's learned phrasings (how callers said it), joined.
        public var learned: String

        public init(id: Int64, title: String, question: String, facets: String, answer: String, validFrom: String?, validTo: String?,
                    learned: String = "") {
            self.id = id; self.title = title; self.question = question; self.facets = facets; self.answer = answer
            self.validFrom = validFrom; self.validTo = validTo; self.learned = learned
        }
    }

    public struct Hit: Sendable, Equatable {
        public var id: Int64
        public var score: Double
    }

    /// Ranking parameters, tuned on the relevance set in
    /// Tests/HotlineStoreTests/Fixtures/kb-relevance-tuning.csv (`hotline relevance` measures others;
    /// the held-out set next to it is only ever scored, never tuned on: scripts/bench-relevance.sh).
    public struct Parameters: Sendable, Equatable {
        /// Field weights: title and keywords, question, category and unit, answer, learned
        /// phrasings (below title and keywords, above the answer).
        public var weights: [Double] = [3.0, 1.5, 0.6, 0.5, 1.0]
        public var k1 = 3.0
        /// How much a field's length relative to its average lowers its terms' weight.
        public var b = 0.75
        /// The same for learned phrasings, which grow with every call an entry answers: an entry
        /// that learned much must not be pushed down for it.
        public var learnedB = 0.3
        /// Terms the synonym table added count this much of a term the caller said, so an entry
        /// that says both the caller's word and its synonym does not get the credit twice over.
        public var expansionWeight: Float = 0.75
        /// The best `rerankDepth` entries by term weight are re-ordered by how many of the
        /// caller's three-character phrases their title, keywords or question contain (word order
        /// and proximity, which term weights ignore): score × (1 + phraseWeight × share matched).
        public var phraseWeight: Float = 1.0
        public var rerankDepth = 50
        public init() {}
    }

    public let parameters: Parameters

    struct Slot: Sendable {
        var id: Int64
        var alive: Bool
        var from: Int32   // yyyymmdd, or Int32.min
        var to: Int32     // yyyymmdd, or Int32.max
        var phrase: [UInt32]  // title, keywords and question as normalised scalars: for phrase matches
    }

    private var slots: [Slot] = []
    private var slotOf: [Int64: Int32] = [:]
    /// Term key (`ChineseText.TermKey`) → term id; postings by term id. No String on this path:
    /// keys are packed scalars, so building the index at 100,000 entries hashes integers only.
    private var termIds = TermTable()
    private var postings: [[UInt32]] = []
    /// Scratch for `add`: the entry's term weights summed in a small table that stays in the
    /// cache, before the term table and the postings are touched once per term.
    private var scratch = TermWeights()
    /// Postings made by `add` and not yet in their term's list: (term id, posting).
    private var pendingTerms: [Int32] = []
    private var pendingPostings: [UInt32] = []
    private var dead = 0
    /// Running sums of field lengths (in tokens) over entries ever added, for length normalisation.
    private var lengthSums: [Double] = [0, 0, 0, 0, 0]
    private var added = 0

    public init(parameters: Parameters = Parameters()) { self.parameters = parameters }

    /// Entries that search can return.
    public var count: Int { slots.count - dead }
    /// Postings held (live and not yet compacted).
    public var postingCount: Int { postings.reduce(0) { $0 + $1.count } }
    public var termCount: Int { postings.lazy.filter { !$0.isEmpty }.count }

    static let maxSlots = 1 << 24

    /// Adds or replaces the entry.
    public mutating func upsert(_ doc: Document) {
        remove(id: doc.id)
        add(doc)
        while postings.count < termIds.count { postings.append([]) }
        postings.withUnsafeMutableBufferPointer { postings in
            for (t, p) in zip(pendingTerms, pendingPostings) { postings[Int(t)].append(p) }
        }
        pendingTerms.removeAll(keepingCapacity: true); pendingPostings.removeAll(keepingCapacity: true)
    }

    /// The index of `documents` at once (a full load): the same slots, weights and postings as
    /// upserting them in this order (a repeated id: its last document), but each posting is
    /// gathered into one flat list and the lists are cut per term at the end, instead of
    /// appending to one of hundreds of thousands of lists per term of every entry (a cache miss
    /// each: 12 s instead of ~2 s at 100,000 entries with learned phrasings).
    public init(documents: [Document], parameters: Parameters = Parameters()) {
        self.init(parameters: parameters)
        var last: [Int64: Int] = [:]
        last.reserveCapacity(documents.count)
        for (i, d) in documents.enumerated() { last[d.id] = i }
        precondition(last.count < Self.maxSlots, "knowledge index holds at most \(Self.maxSlots) entries")
        let kept = documents.enumerated().filter { last[$0.element.id] == $0.offset }.map(\.element)
        let shares = kept.count >= Self.sharedFrom ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) : 1
        if shares == 1 {
            for d in kept { add(d) }
        } else {
            buildShared(kept, shares: shares)
        }
        // Counting sort of the postings by term; within a term they stay in slot order.
        let terms = termIds.count, n = pendingTerms.count
        var start = [Int](repeating: 0, count: terms + 1)
        pendingTerms.withUnsafeBufferPointer { ts in for t in ts { start[Int(t) + 1] += 1 } }
        for t in 0..<terms { start[t + 1] += start[t] }
        var flat = [UInt32](repeating: 0, count: n)
        var cursor = start
        flat.withUnsafeMutableBufferPointer { flat in
            cursor.withUnsafeMutableBufferPointer { cursor in
                pendingTerms.withUnsafeBufferPointer { ts in
                    pendingPostings.withUnsafeBufferPointer { ps in
                        for k in 0..<n { let t = Int(ts[k]); flat[cursor[t]] = ps[k]; cursor[t] += 1 }
                    }
                }
            }
        }
        pendingTerms = []; pendingPostings = []
        postings = flat.withUnsafeBufferPointer { flat in
            (0..<terms).map { t in Array(flat[start[t]..<start[t + 1]]) }
        }
    }

    /// `init(documents:)` on several cores, with the result of adding `docs` one by one. Each
    /// share of the entries is cut once, on its own core, into its own term table, keeping every
    /// token as that table's id and every field's length; the lengths' running sums give each
    /// entry the averages a sequential build would have used, and the shares weigh their entries'
    /// tokens (by id, in a cache-resident table) on their cores again. The shares' terms are then
    /// numbered in order of first appearance — share 0's table is the index's, each later share's
    /// new terms follow — exactly as one pass would.
    private mutating func buildShared(_ docs: [Document], shares: Int) {
        let n = docs.count, fieldCount = Self.fieldCount
        var lengths = [Int32](repeating: 0, count: n * fieldCount)
        let bounds = (0...shares).map { $0 * n / shares }
        var built = [Share](repeating: Share(), count: shares)
        lengths.withUnsafeMutableBufferPointer { buffer in
            let lengths = Disjoint(buffer)
            built.withUnsafeMutableBufferPointer { buffer in
                let built = Disjoint(buffer)
                DispatchQueue.concurrentPerform(iterations: shares) { c in
                    var share = Share()
                    var keys: [UInt64] = []
                    for i in bounds[c]..<bounds[c + 1] {
                        share.slots.append(Self.slot(docs[i]))
                        for f in 0..<fieldCount {
                            keys.removeAll(keepingCapacity: true)
                            Self.appendKeys(docs[i], field: f, into: &keys)
                            lengths[i * fieldCount + f] = Int32(keys.count)
                            for k in keys { share.tokens.append(share.terms.idInserting(k).id) }
                        }
                    }
                    built[c] = share
                }
            }
        }
        // Running sums of the lengths after each entry (exact: sums of integers in doubles).
        var sums = [Double](repeating: 0, count: (n + 1) * fieldCount)
        for i in 0..<n { for f in 0..<fieldCount { sums[(i + 1) * fieldCount + f] = sums[i * fieldCount + f] + Double(lengths[i * fieldCount + f]) } }
        let parameters = self.parameters, running = sums, counted = lengths
        built.withUnsafeMutableBufferPointer { buffer in
            let built = Disjoint(buffer)
            DispatchQueue.concurrentPerform(iterations: shares) { c in
                var share = built[c]
                built[c] = Share()
                var at = 0
                share.tokens.withUnsafeBufferPointer { tokens in
                    for i in bounds[c]..<bounds[c + 1] {
                        let averages = (0..<fieldCount).map { max(running[(i + 1) * fieldCount + $0] / Double(i + 1), 1) }
                        let fields = (0..<fieldCount).map { f -> UnsafeBufferPointer<Int32> in
                            let count = Int(counted[i * fieldCount + f])
                            defer { at += count }
                            return UnsafeBufferPointer(rebasing: tokens[at..<(at + count)])
                        }
                        Self.post(fields, averages: averages, slot: UInt32(i), parameters: parameters, scratch: &share.scratch) { id, posting in
                            share.pendingTerms.append(Int32(truncatingIfNeeded: id)); share.pendingPostings.append(posting)
                        }
                    }
                }
                share.tokens = []
                built[c] = share
            }
        }
        termIds = built[0].terms
        pendingTerms = built[0].pendingTerms
        pendingPostings = built[0].pendingPostings
        slots = built[0].slots
        built[0] = Share()
        for c in 1..<shares {
            let global = built[c].terms.keysInOrder.map { termIds.idInserting($0).id }
            pendingTerms.append(contentsOf: built[c].pendingTerms.lazy.map { global[Int($0)] })
            pendingPostings.append(contentsOf: built[c].pendingPostings)
            slots.append(contentsOf: built[c].slots)
            built[c] = Share()
        }
        for (i, s) in slots.enumerated() { slotOf[s.id] = Int32(i) }
        for f in 0..<fieldCount { lengthSums[f] = sums[n * fieldCount + f] }
        added = n
    }

    /// A new slot for the entry; its postings go to `pendingTerms`/`pendingPostings`.
    private mutating func add(_ doc: Document) {
        let fields = Self.fields(doc)
        for f in 0..<Self.fieldCount { lengthSums[f] += Double(fields[f].count) }
        added += 1
        let averages = (0..<Self.fieldCount).map { max(lengthSums[$0] / Double(added), 1) }
        if slots.count >= Self.maxSlots { compact() }
        precondition(slots.count < Self.maxSlots, "knowledge index holds at most \(Self.maxSlots) entries")
        let slot = UInt32(slots.count)
        slots.append(Self.slot(doc))
        slotOf[doc.id] = Int32(slot)
        Self.post(fields, averages: averages, slot: slot, parameters: parameters, scratch: &scratch) { key, posting in
            pendingTerms.append(termIds.idInserting(key).id); pendingPostings.append(posting)
        }
    }

    static let fieldCount = 5
    /// A full load of this many entries or more is built on every core (`buildShared`).
    static let sharedFrom = 4096

    /// The entry's fields as term keys: title and keywords (with single characters), question,
    /// facets, answer, learned phrasings.
    static func fields(_ doc: Document) -> [[UInt64]] {
        (0..<fieldCount).map { f in
            var keys: [UInt64] = []
            appendKeys(doc, field: f, into: &keys)
            return keys
        }
    }

    static func appendKeys(_ doc: Document, field: Int, into keys: inout [UInt64]) {
        switch field {
        case 0: ChineseText.appendTermKeys(doc.title, unigrams: true, into: &keys)
        case 1: ChineseText.appendTermKeys(doc.question, unigrams: false, into: &keys)
        case 2: ChineseText.appendTermKeys(doc.facets, unigrams: false, into: &keys)
        case 3: ChineseText.appendTermKeys(doc.answer, unigrams: false, into: &keys)
        default: ChineseText.appendTermKeys(doc.learned, unigrams: false, into: &keys)
        }
    }

    static func slot(_ doc: Document) -> Slot {
        var phrase: [UInt32] = []
        ChineseText.appendNormalizedScalars(doc.title, into: &phrase)
        phrase.append(0x20)
        ChineseText.appendNormalizedScalars(doc.question, into: &phrase)
        return Slot(id: doc.id, alive: true, from: day(doc.validFrom) ?? Int32.min, to: day(doc.validTo) ?? Int32.max, phrase: phrase)
    }

    /// The entry's postings: each term's BM25F weight over the fields (the field's length against
    /// its running average `averages`), saturated and quantised to 8 bits, given to `emit` with
    /// the term (a key, or a share's term id) in first-seen order.
    @inline(__always)
    static func post<Field: Collection>(_ fields: [Field], averages: [Double], slot: UInt32, parameters: Parameters,
                                        scratch: inout TermWeights, emit: (UInt64, UInt32) -> Void)
    where Field.Element: FixedWidthInteger {
        scratch.reset(tokens: fields.reduce(0) { $0 + $1.count })
        for (f, tokens) in fields.enumerated() where !tokens.isEmpty {
            let b = f == 4 ? parameters.learnedB : parameters.b
            let norm = 1 - b + b * Double(tokens.count) / averages[f]
            let w = parameters.weights[f] / norm
            for key in tokens { scratch.add(UInt64(truncatingIfNeeded: key), w) }
        }
        let k1 = parameters.k1
        for at in scratch.order {
            let tf = scratch.weight(at: at)
            let saturated = tf / (k1 + tf)
            let q = UInt32(max(1, min(255, (saturated * 255).rounded())))
            emit(scratch.key(at: at), slot << 8 | q)
        }
    }

    /// One share of a full load, built on its own core: its own term table (ids local to it),
    /// postings with the entries' final slots, and their slots.
    struct Share {
        var terms = TermTable()
        /// Every token of the share's entries, field after field, as a term id of `terms`.
        var tokens: [Int32] = []
        var scratch = TermWeights()
        var pendingTerms: [Int32] = []
        var pendingPostings: [UInt32] = []
        var slots: [Slot] = []
    }

    /// Takes the entry out of search (retired, or no longer current). Postings are dropped at
    /// the next compaction, which runs once a quarter of the slots are dead.
    public mutating func remove(id: Int64) {
        guard let s = slotOf.removeValue(forKey: id) else { return }
        slots[Int(s)].alive = false
        dead += 1
        if dead > 1000 && dead * 4 > slots.count { compact() }
    }

    /// Rewrites the postings without dead slots.
    public mutating func compact() {
        var map = [UInt32](repeating: UInt32.max, count: slots.count)
        var kept: [Slot] = []
        kept.reserveCapacity(slots.count - dead)
        for (i, s) in slots.enumerated() where s.alive {
            map[i] = UInt32(kept.count)
            slotOf[s.id] = Int32(kept.count)
            kept.append(s)
        }
        for t in postings.indices {
            postings[t] = postings[t].compactMap { p -> UInt32? in
                let m = map[Int(p >> 8)]
                return m == UInt32.max ? nil : (m << 8 | (p & 0xFF))
            }
        }
        slots = kept
        dead = 0
    }

    /// The `limit` best entries for the query terms that are valid on `today` (yyyy-mm-dd), best
    /// first; equal scores by entry id. Scores are summed idf × saturated weight, mapped to 0…1.
    public func search(terms: [String], expansions: [String] = [], phrases: [String] = [], today: String, limit: Int) -> [Hit] {
        guard limit > 0, !terms.isEmpty || !expansions.isEmpty, count > 0 else { return [] }
        let day = Self.day(today) ?? 0
        let n = Double(count)
        var scores = [Float](repeating: 0, count: slots.count)
        var touched: [Int32] = []
        var seen = Set<UInt64>()
        let weighted = terms.map { (ChineseText.termKey($0), Float(1)) } + expansions.map { (ChineseText.termKey($0), parameters.expansionWeight) }
        scores.withUnsafeMutableBufferPointer { scores in
            for (term, weight) in weighted where seen.insert(term).inserted {
                guard let t = termIds.id(term), !postings[Int(t)].isEmpty else { continue }
                let list = postings[Int(t)]
                let df = Double(list.count)
                let idf = weight * Float(log(1 + (n - df + 0.5) / (df + 0.5)) / 255)
                list.withUnsafeBufferPointer { list in
                    for p in list {
                        let s = Int(p >> 8)
                        if scores[s] == 0 { touched.append(Int32(s)) }
                        scores[s] += idf * Float(p & 0xFF)
                    }
                }
            }
        }
        let depth = max(limit, parameters.rerankDepth)
        var top: [(Float, Int64, Int32)] = []
        for s in touched {
            let slot = slots[Int(s)]
            guard slot.alive, slot.from <= day, day <= slot.to else { continue }
            let item = (scores[Int(s)], slot.id, s)
            if top.count == depth, let last = top.last, !Self.better((item.0, item.1), (last.0, last.1)) { continue }
            let at = top.firstIndex { Self.better((item.0, item.1), ($0.0, $0.1)) } ?? top.count
            top.insert(item, at: at)
            if top.count > depth { top.removeLast() }
        }
        let phrases = Self.trigrams(phrases)
        var ranked = top.map { item -> (Float, Int64) in
            guard !phrases.isEmpty else { return (item.0, item.1) }
            let matched = Self.trigramKeys(slots[Int(item.2)].phrase, keeping: phrases).count
            return (item.0 * (1 + parameters.phraseWeight * Float(matched) / Float(phrases.count)), item.1)
        }
        ranked.sort(by: Self.better)
        return ranked.prefix(limit).map { Hit(id: $0.1, score: Double($0.0) / (Double($0.0) + 4)) }
    }

    /// Three-character runs of Han characters in the caller's words, as keys.
    static func trigrams(_ texts: [String]) -> Set<UInt64> {
        texts.reduce(into: Set<UInt64>()) { $0.formUnion(trigramKeys(ChineseText.normalize($1).unicodeScalars.map(\.value))) }
    }

    /// Every three consecutive Han scalars, packed 21 bits each (only those in `keeping`, if given).
    static func trigramKeys(_ scalars: [UInt32], keeping: Set<UInt64>? = nil) -> Set<UInt64> {
        var out = Set<UInt64>()
        var run = 0
        var key: UInt64 = 0
        for v in scalars {
            guard ChineseText.isHan(v) else { run = 0; continue }
            key = (key << 21 | UInt64(v)) & (1 << 63 - 1)
            run += 1
            if run >= 3, keeping?.contains(key) ?? true { out.insert(key) }
        }
        return out
    }

    static func better(_ a: (Float, Int64), _ b: (Float, Int64)) -> Bool {
        a.0 != b.0 ? a.0 > b.0 : a.1 < b.1
    }

    /// yyyy-mm-dd as yyyymmdd, so days compare as integers.
    static func day(_ s: String?) -> Int32? {
        guard let s else { return nil }
        let digits = s.filter(\.isNumber)
        guard digits.count == 8, let v = Int32(digits) else { return nil }
        return v
    }
}

/// The synonym table as search uses it: a query containing either side also searches for the
/// other (a caller's 工钱 adds 工资; an entry written with 房本 is found by 不动产权证).
public struct SynonymTable: Sendable, Equatable {
    public private(set) var pairs: [(term: String, canonical: String)] = []
    private var scalars: [(term: [UInt32], canonical: [UInt32])] = []

    public init(_ pairs: [(String, String)] = []) {
        self.pairs = pairs.map { (ChineseText.normalize($0.0), ChineseText.normalize($0.1)) }
        self.scalars = self.pairs.map { ($0.term.unicodeScalars.map(\.value), $0.canonical.unicodeScalars.map(\.value)) }
    }

    public func expansions(for query: String) -> [String] {
        let q = ChineseText.normalize(query).unicodeScalars.map(\.value)
        var out: [String] = []
        for (i, (term, canonical)) in scalars.enumerated() {
            if Self.contains(q, term) { out.append(pairs[i].canonical) } else if Self.contains(q, canonical) { out.append(pairs[i].term) }
        }
        return out
    }

    static func contains(_ text: [UInt32], _ needle: [UInt32]) -> Bool {
        guard let first = needle.first, needle.count <= text.count else { return needle.isEmpty }
        var i = 0
        while i + needle.count <= text.count {
            if text[i] == first {
                var j = 1
                while j < needle.count && text[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    public static func == (a: SynonymTable, b: SynonymTable) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.term == $1.term && $0.canonical == $1.canonical }
    }
}

/// A buffer that concurrent iterations write at disjoint indices only (each its own share), which
/// the compiler cannot see; nothing reads it until they have all finished.
private struct Disjoint<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
    subscript(i: Int) -> Element {
        get { buffer[i] }
        nonmutating set { buffer[i] = newValue }
    }
}
