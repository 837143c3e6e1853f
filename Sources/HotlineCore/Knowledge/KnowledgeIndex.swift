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
        /// 0.75 until the tuning set's fourth batch (229 queries: hit@1 0.873 at 0.75, 0.895 at
        /// 0.9, hit@3 0.969 at both; BENCHMARKS.md).
        public var expansionWeight: Float = 0.9
        /// Terms the general thesaurus added (`SynonymTable.Source.thesaurus`: many groups, each
        /// looser than a curated pair) count this much: below the curated synonyms. Chosen on the
        /// tuning set with the curated synonyms removed (scripts/bench-relevance.sh, BENCHMARKS.md).
        public var thesaurusWeight: Float = 0.6
        /// Single characters of the caller's words that a two-character term already covers
        /// count this much (matched against titles, keywords and questions, which keep their
        /// characters): a paraphrase that shares no bigram with the entry still shares its 狗.
        /// Chosen on the tuning set (0 / 0.1 / 0.2 / 0.3 / 0.5 / 0.7 / 1.0, with and without
        /// questions' characters, with and without synonyms, cold and learned: BENCHMARKS.md).
        public var characterWeight: Float = 0.5
        /// An entry no term of the caller's matched is a result only when this many of the
        /// caller's characters meet in it. 2 until entries carried their similar questions
        /// (相似问): their longer questions let two characters meet by chance (天气 → 天然气), and 3
        /// cut the unrelated questions answered from 10 to 3 of 20 for one tuning query of 280.
        public var charactersAlone = 3
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
    /// upserting them in this order (a repeated id: its last document), built by a `Loader`.
    public init(documents: [Document], parameters: Parameters = Parameters()) {
        var last: [Int64: Int] = [:]
        last.reserveCapacity(documents.count)
        for (i, d) in documents.enumerated() { last[d.id] = i }
        let loader = Loader(parameters: parameters)
        for (i, d) in documents.enumerated() where last[d.id] == i { loader.add(d) }
        self = loader.finish()
    }

    /// The index of a few documents (distinct ids), added one by one.
    static func sequential(_ documents: [Document], parameters: Parameters) -> KnowledgeIndex {
        var index = KnowledgeIndex(parameters: parameters)
        for d in documents { index.add(d) }
        index.postings = Self.cut(terms: index.termIds.count, index.pendingTerms, index.pendingPostings)
        index.pendingTerms = []; index.pendingPostings = []
        return index
    }

    /// The index of entries already cut and weighed elsewhere (`Loader`): their slots in order,
    /// the terms, every posting with its term id in slot order (in parts, each part's term ids
    /// through its `map` when it has one), the fields' summed lengths.
    init(parameters: Parameters, slots: [Slot], terms: TermTable, parts: [PostingPart], lengthSums: [Double]) {
        self.init(parameters: parameters)
        self.slots = slots
        slotOf.reserveCapacity(slots.count)
        for (i, s) in slots.enumerated() { slotOf[s.id] = Int32(i) }
        termIds = terms
        self.postings = Self.cut(terms: terms.count, parts)
        self.lengthSums = lengthSums
        added = slots.count
    }

    /// Postings with their term ids, in slot order; `map` (if any) turns its ids into the index's.
    struct PostingPart: Sendable {
        var map: [Int32]?
        var terms: [Int32]
        var postings: [UInt32]
    }

    static func cut(terms: Int, _ postingTerms: [Int32], _ postings: [UInt32]) -> [[UInt32]] {
        cut(terms: terms, [PostingPart(map: nil, terms: postingTerms, postings: postings)])
    }

    /// Postings gathered flat, cut into one list per term: a counting sort by term, in which
    /// each term's postings keep their order (part by part, in slot order). One list append per
    /// posting instead would miss the cache on every posting (12 s instead of ~2 s at 100,000
    /// entries with learned phrasings); the parts are read where they are, never merged first.
    static func cut(terms: Int, _ parts: [PostingPart]) -> [[UInt32]] {
        func each(_ part: PostingPart, _ body: (Int, Int) -> Void) {
            part.terms.withUnsafeBufferPointer { ts in
                if let map = part.map {
                    map.withUnsafeBufferPointer { map in for k in 0..<ts.count { body(k, Int(map[Int(ts[k])])) } }
                } else {
                    for k in 0..<ts.count { body(k, Int(ts[k])) }
                }
            }
        }
        let n = parts.reduce(0) { $0 + $1.terms.count }
        var start = [Int](repeating: 0, count: terms + 1)
        start.withUnsafeMutableBufferPointer { start in
            for part in parts { each(part) { _, t in start[t + 1] += 1 } }
            for t in 0..<terms { start[t + 1] += start[t] }
        }
        var flat = [UInt32](repeating: 0, count: n)
        var cursor = start
        flat.withUnsafeMutableBufferPointer { flat in
            cursor.withUnsafeMutableBufferPointer { cursor in
                for part in parts {
                    part.postings.withUnsafeBufferPointer { ps in
                        each(part) { k, t in flat[cursor[t]] = ps[k]; cursor[t] += 1 }
                    }
                }
            }
        }
        return flat.withUnsafeBufferPointer { flat in
            (0..<terms).map { t in Array(flat[start[t]..<start[t + 1]]) }
        }
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
    /// A full load of this many entries or more is built on every core (`Loader`).
    static let sharedFrom = 4096

    /// The entry's fields as term keys: title and keywords, question (both with single
    /// characters), facets, answer, learned phrasings.
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
        case 1: ChineseText.appendTermKeys(doc.question, unigrams: true, into: &keys)
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
    /// the term's key in first-seen order. (A full load on every core does the same by term id.)
    static func post(_ fields: [[UInt64]], averages: [Double], slot: UInt32, parameters: Parameters,
                     scratch: inout TermWeights, emit: (UInt64, UInt32) -> Void) {
        scratch.reset(tokens: fields.reduce(0) { $0 + $1.count })
        for (f, tokens) in fields.enumerated() where !tokens.isEmpty {
            let w = fieldWeight(f, tokens: tokens.count, average: averages[f], parameters)
            for key in tokens { scratch.add(key, w) }
        }
        for at in scratch.order { emit(scratch.key(at: at), slot << 8 | quantized(scratch.weight(at: at), parameters)) }
    }

    /// What one token of field `f` adds to its term's weight: the field's weight over its length
    /// normalisation (`tokens` against the running `average`).
    @inline(__always) static func fieldWeight(_ f: Int, tokens: Int, average: Double, _ parameters: Parameters) -> Double {
        let b = f == 4 ? parameters.learnedB : parameters.b
        return parameters.weights[f] / (1 - b + b * Double(tokens) / average)
    }

    /// A term's summed weight saturated (BM25's k1) and quantised to 8 bits, never 0.
    @inline(__always) static func quantized(_ tf: Double, _ parameters: Parameters) -> UInt32 {
        let saturated = tf / (parameters.k1 + tf)
        return UInt32(max(1, min(255, (saturated * 255).rounded())))
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
        search(termKeys: terms.map(ChineseText.termKey), expansionKeys: expansions.map(ChineseText.termKey), phrases: phrases,
               today: today, limit: limit)
    }

    /// `search(terms:…)` with the terms as index keys (`ChineseText.queryTermKeys`); the curated
    /// synonyms' terms weigh `expansionWeight`, the thesaurus's `thesaurusWeight` (a term found
    /// several ways counts once, at the first: the caller's, then curated, then thesaurus).
    public func search(termKeys terms: [UInt64], expansionKeys expansions: [UInt64] = [], thesaurusKeys thesaurus: [UInt64] = [],
                       characterKeys characters: [UInt64] = [], phrases: [String] = [], today: String, limit: Int) -> [Hit] {
        guard limit > 0, !terms.isEmpty || !expansions.isEmpty || !thesaurus.isEmpty, count > 0 else { return [] }
        let day = Self.day(today) ?? 0
        let n = Double(count)
        var scores = [Float](repeating: 0, count: slots.count)
        var touched: [Int32] = []
        var seen = Set<UInt64>()
        let weighted = terms.map { ($0, Float(1)) } + expansions.map { ($0, parameters.expansionWeight) }
            + thesaurus.map { ($0, parameters.thesaurusWeight) }
        // Single characters count only beside what the terms found, or where several of them meet
        // in one entry: one shared 天 is not an answer.
        let characters = parameters.characterWeight > 0 ? characters : []
        var characterMatches = [UInt8](repeating: 0, count: characters.isEmpty ? 0 : slots.count)
        var termTouched = 0
        scores.withUnsafeMutableBufferPointer { scores in
            func add(_ term: UInt64, _ weight: Float, counting: Bool) {
                guard weight > 0, seen.insert(term).inserted, let t = termIds.id(term), !postings[Int(t)].isEmpty else { return }
                let list = postings[Int(t)]
                let df = Double(list.count)
                let idf = weight * Float(log(1 + (n - df + 0.5) / (df + 0.5)) / 255)
                list.withUnsafeBufferPointer { list in
                    for p in list {
                        let s = Int(p >> 8)
                        if scores[s] == 0 { touched.append(Int32(s)) }
                        scores[s] += idf * Float(p & 0xFF)
                        if counting, characterMatches[s] < UInt8.max { characterMatches[s] += 1 }
                    }
                }
            }
            for (term, weight) in weighted { add(term, weight, counting: false) }
            termTouched = touched.count
            for c in characters { add(c, parameters.characterWeight, counting: true) }
        }
        let depth = max(limit, parameters.rerankDepth)
        var top: [(Float, Int64, Int32)] = []
        for (i, s) in touched.enumerated() {
            let slot = slots[Int(s)]
            guard slot.alive, slot.from <= day, day <= slot.to else { continue }
            if i >= termTouched, characterMatches[Int(s)] < parameters.charactersAlone { continue }
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
        texts.reduce(into: Set<UInt64>()) { $0.formUnion(trigramKeys(ChineseText.normalizedScalars($1))) }
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
/// other (a caller's 工钱 adds 工资; an entry written with 房本 is found by 不动产权证). Curated pairs
/// (the KB admins') come first; the general thesaurus's pairs (db/seed/THESAURUS.md) after them,
/// weighted lower by the index.
public struct SynonymTable: Sendable, Equatable {
    public enum Source: String, Sendable, CaseIterable, Codable { case curated, thesaurus }

    /// Curated pairs, then thesaurus pairs (from `thesaurusStart` on).
    public private(set) var pairs: [(term: String, canonical: String)] = []
    public private(set) var thesaurusStart = 0
    /// Both sides of every pair as scalars: needle 2i is pair i's term, 2i + 1 its canonical.
    private var needles: [[UInt32]] = []
    /// The needles by their first scalar (a query is scanned once, not once per pair).
    private var byFirst: [UInt32: [Int]] = [:]
    /// Needles that normalise to nothing (such a side occurs in every query).
    private var empty: [Int] = []

    public init(_ curated: [(String, String)] = [], thesaurus: [(String, String)] = []) {
        self.pairs = (curated + thesaurus).map { (ChineseText.normalize($0.0), ChineseText.normalize($0.1)) }
        thesaurusStart = curated.count
        for (term, canonical) in self.pairs {
            for side in [term, canonical] {
                let v = side.unicodeScalars.map(\.value)
                if let first = v.first { byFirst[first, default: []].append(needles.count) } else { empty.append(needles.count) }
                needles.append(v)
            }
        }
    }

    /// The other side of every pair one of whose sides occurs in the query, in the table's order
    /// (a pair whose term occurs answers its canonical).
    public func expansions(for query: String) -> [String] {
        let (curated, thesaurus) = expansionsBySource(for: query)
        return curated + thesaurus
    }

    /// `expansions(for:)` split into the curated pairs' and the thesaurus's; a word the curated
    /// pairs add is not repeated among the thesaurus's, and each list names a word once.
    public func expansionsBySource(for query: String) -> (curated: [String], thesaurus: [String]) {
        guard !needles.isEmpty else { return ([], []) }
        let q = ChineseText.normalizedScalars(query)
        var found = Set<Int>(empty)
        for i in q.indices {
            for n in byFirst[q[i]] ?? [] where !found.contains(n) && Self.occurs(needles[n], in: q, at: i) { found.insert(n) }
        }
        guard !found.isEmpty else { return ([], []) }
        var curated: [String] = [], thesaurus: [String] = [], named = Set<String>()
        // Pairs in table order (curated first): a pair whose term occurs answers its canonical.
        for pair in Set(found.map { $0 / 2 }).sorted() {
            let word = found.contains(2 * pair) ? pairs[pair].canonical : pairs[pair].term
            if pair < thesaurusStart { curated.append(word); named.insert(word) } else if named.insert(word).inserted { thesaurus.append(word) }
        }
        return (curated, thesaurus)
    }

    static func occurs(_ needle: [UInt32], in text: [UInt32], at i: Int) -> Bool {
        guard i + needle.count <= text.count else { return false }
        var j = 0
        while j < needle.count && text[i + j] == needle[j] { j += 1 }
        return j == needle.count
    }

    public static func == (a: SynonymTable, b: SynonymTable) -> Bool {
        a.thesaurusStart == b.thesaurusStart && a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.term == $1.term && $0.canonical == $1.canonical }
    }
}
