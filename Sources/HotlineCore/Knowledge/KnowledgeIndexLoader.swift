import Dispatch
import Foundation
import Synchronization

extension KnowledgeIndex {
    /// A full load, fed entry by entry as the rows arrive and built on every core, with exactly
    /// the index upserting the same entries in the same order would give.
    ///
    /// Every 16,384 entries are cut into term keys on another core while the caller goes on
    /// reading (in `serve`, decoding the next rows): each chunk into its own term table, its
    /// tokens kept as that table's ids and its fields' lengths counted. At `finish`, the lengths'
    /// running sums give each entry the averages a sequential build would have used; the chunks
    /// weigh their entries' tokens on every core (by id, in plain arrays); their terms are then
    /// numbered in order of first appearance — chunk 0's table is the index's, each later
    /// chunk's new terms follow — exactly as one pass would. Fewer than `sharedFrom` entries
    /// are simply added one by one.
    ///
    /// `add` and `finish` are called by one task at a time; entry ids must be distinct.
    public final class Loader: @unchecked Sendable {
        let chunkSize: Int
        let parameters: Parameters
        private var pending: [Document] = []
        private var ids = Set<Int64>()
        private var chunks = 0
        private let done = Mutex<[Int: Cut]>([:])
        private let group = DispatchGroup()

        /// One chunk cut: its term table (ids local to it), every token of its entries field
        /// after field as such an id, each entry's field lengths, and their slots.
        struct Cut: Sendable {
            var terms = TermTable()
            var tokens: [Int32] = []
            var lengths: [Int32] = []
            var slots: [Slot] = []
        }

        /// A chunk's postings in slot order, each with its term (an id of the chunk's table).
        struct Weighed: Sendable {
            var terms: [Int32] = []
            var postings: [UInt32] = []
        }

        public convenience init(parameters: Parameters = Parameters()) { self.init(parameters: parameters, chunkSize: 16_384) }

        init(parameters: Parameters, chunkSize: Int) { self.parameters = parameters; self.chunkSize = chunkSize }

        public func add(_ doc: Document) {
            precondition(ids.insert(doc.id).inserted, "a full load takes each entry once")
            precondition(ids.count < KnowledgeIndex.maxSlots, "knowledge index holds at most \(KnowledgeIndex.maxSlots) entries")
            pending.append(doc)
            if pending.count == chunkSize { dispatch() }
        }

        private func dispatch() {
            let docs = pending, chunk = chunks
            pending = []
            chunks += 1
            DispatchQueue.global().async(group: group) {
                let cut = Self.cut(docs)
                self.done.withLock { $0[chunk] = cut }
            }
        }

        static func cut(_ docs: [Document]) -> Cut {
            var cut = Cut()
            var keys: [UInt64] = []
            cut.lengths.reserveCapacity(docs.count * KnowledgeIndex.fieldCount)
            // About one token per Han character (three UTF-8 bytes), twice in the fields that keep
            // single characters: reserved once, so the chunk's tokens are not copied as they grow.
            cut.tokens.reserveCapacity(docs.reduce(0) { n, d in
                n + (2 * (d.title.utf8.count + d.question.utf8.count) + d.facets.utf8.count + d.answer.utf8.count + d.learned.utf8.count) / 3
            })
            for doc in docs {
                cut.slots.append(KnowledgeIndex.slot(doc))
                for f in 0..<KnowledgeIndex.fieldCount {
                    keys.removeAll(keepingCapacity: true)
                    KnowledgeIndex.appendKeys(doc, field: f, into: &keys)
                    cut.lengths.append(Int32(keys.count))
                    for k in keys { cut.tokens.append(cut.terms.idInserting(k).id) }
                }
            }
            return cut
        }

        public func finish() -> KnowledgeIndex {
            if chunks == 0 && pending.count < KnowledgeIndex.sharedFrom {
                return KnowledgeIndex.sequential(pending, parameters: parameters)
            }
            if !pending.isEmpty { dispatch() }
            group.wait()
            var cuts: [Cut] = done.withLock { done in (0..<chunks).map { done.removeValue(forKey: $0)! } }
            let fieldCount = KnowledgeIndex.fieldCount
            // Running sums of the field lengths after each entry (exact: sums of integers in doubles).
            let n = cuts.reduce(0) { $0 + $1.slots.count }
            var running = [Double](repeating: 0, count: (n + 1) * fieldCount)
            var bases: [Int] = []
            var i = 0
            for cut in cuts {
                bases.append(i)
                for e in 0..<cut.slots.count {
                    for f in 0..<fieldCount {
                        let length = Double(cut.lengths[e * fieldCount + f])
                        running[(i + 1) * fieldCount + f] = running[i * fieldCount + f] + length
                    }
                    i += 1
                }
            }
            var weighed: [Weighed] = Array(repeating: Weighed(), count: cuts.count)
            let parameters = self.parameters, sums = running, starts = bases, all = cuts
            weighed.withUnsafeMutableBufferPointer { buffer in
                let weighed = Disjoint(buffer)
                DispatchQueue.concurrentPerform(iterations: all.count) { c in
                    weighed[c] = Self.weigh(all[c], base: starts[c], running: sums, parameters: parameters)
                }
            }
            var terms = cuts[0].terms
            var slots = cuts[0].slots
            slots.reserveCapacity(n)
            var parts = [KnowledgeIndex.PostingPart(map: nil, terms: weighed[0].terms, postings: weighed[0].postings)]
            weighed[0] = Weighed()
            for c in 1..<cuts.count {
                let global = cuts[c].terms.keysInOrder.map { terms.idInserting($0).id }
                parts.append(KnowledgeIndex.PostingPart(map: global, terms: weighed[c].terms, postings: weighed[c].postings))
                slots.append(contentsOf: cuts[c].slots)
                weighed[c] = Weighed(); cuts[c] = Cut()
            }
            return KnowledgeIndex(parameters: parameters, slots: slots, terms: terms, parts: parts,
                                  lengthSums: (0..<fieldCount).map { running[n * fieldCount + $0] })
        }

        /// The postings of one chunk's entries (slots from `base`): each term's BM25F weight, as
        /// `KnowledgeIndex.post` gives it, summed by term id in plain arrays (a chunk's terms are
        /// numbered densely), each entry's terms in first-seen order.
        static func weigh(_ cut: Cut, base: Int, running: [Double], parameters: Parameters) -> Weighed {
            let fieldCount = KnowledgeIndex.fieldCount
            var weight = [Double](repeating: 0, count: cut.terms.count)
            var touchedBy = [Int32](repeating: -1, count: cut.terms.count)
            var order: [Int32] = []
            var terms: [Int32] = [], postings: [UInt32] = []
            terms.reserveCapacity(cut.tokens.count); postings.reserveCapacity(cut.tokens.count)
            var at = 0
            cut.tokens.withUnsafeBufferPointer { tokens in
                weight.withUnsafeMutableBufferPointer { weight in
                    touchedBy.withUnsafeMutableBufferPointer { touchedBy in
                        for e in 0..<cut.slots.count {
                            let i = base + e, entry = Int32(e)
                            order.removeAll(keepingCapacity: true)
                            for f in 0..<fieldCount {
                                let count = Int(cut.lengths[e * fieldCount + f])
                                guard count > 0 else { continue }
                                let average = max(running[(i + 1) * fieldCount + f] / Double(i + 1), 1)
                                let w = KnowledgeIndex.fieldWeight(f, tokens: count, average: average, parameters)
                                for t in tokens[at..<(at + count)] {
                                    let t = Int(t)
                                    if touchedBy[t] != entry { touchedBy[t] = entry; weight[t] = w; order.append(Int32(t)) } else { weight[t] += w }
                                }
                                at += count
                            }
                            for t in order {
                                terms.append(t)
                                postings.append(UInt32(i) << 8 | KnowledgeIndex.quantized(weight[Int(t)], parameters))
                            }
                        }
                    }
                }
            }
            return Weighed(terms: terms, postings: postings)
        }
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
