/// Term key → term id for the search index: open addressing with linear probing and a
/// multiplicative hash, key and id side by side (one cache line per probe). Keys are already well
/// mixed (packed scalars or FNV-1a), so there is no need for `Hasher`'s seeded SipHash; building
/// the index at 100,000 entries does tens of millions of these lookups, and this table is several
/// times cheaper than `[UInt64: Int32]`.
struct TermTable: Sendable {
    struct Entry: Sendable { var key: UInt64; var id: Int32 }   // id -1: empty
    private var entries: [Entry]
    private var mask: Int
    private(set) var count = 0
    /// The keys by id.
    private(set) var keysInOrder: [UInt64] = []

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = [Entry](repeating: Entry(key: 0, id: -1), count: size)
        mask = size - 1
    }

    @inline(__always) static func home(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
    }

    func id(_ key: UInt64) -> Int32? {
        entries.withUnsafeBufferPointer { e in
            var i = Self.home(key, mask)
            while true {
                let v = e[i]
                if v.id < 0 { return nil }
                if v.key == key { return v.id }
                i = (i + 1) & mask
            }
        }
    }

    /// The key's id, given the next free id (`count`) if it is new.
    mutating func idInserting(_ key: UInt64) -> (id: Int32, inserted: Bool) {
        if let known = id(key) { return (known, false) }
        if (count + 1) * 2 > entries.count { grow() }
        let id = Int32(count)
        place(key, id)
        keysInOrder.append(key)
        count += 1
        return (id, true)
    }

    private mutating func place(_ key: UInt64, _ id: Int32) {
        let mask = self.mask
        entries.withUnsafeMutableBufferPointer { e in
            var i = Self.home(key, mask)
            while e[i].id >= 0 { i = (i + 1) & mask }
            e[i] = Entry(key: key, id: id)
        }
    }

    private mutating func grow() {
        let old = entries
        entries = [Entry](repeating: Entry(key: 0, id: -1), count: old.count * 2)
        mask = entries.count - 1
        for e in old where e.id >= 0 { place(e.key, e.id) }
    }
}

/// One entry's term weights while it is added: the same open addressing, small enough to stay in
/// the cache, cleared by a generation stamp rather than rewritten; terms in first-seen order.
struct TermWeights: Sendable {
    private var keys: [UInt64] = []
    private var weights: [Double] = []
    private var stamps: [UInt32] = []
    private var generation: UInt32 = 0
    private var mask = 0
    private(set) var order: [Int32] = []

    /// Empties the table for an entry of up to `tokens` tokens.
    mutating func reset(tokens: Int) {
        order.removeAll(keepingCapacity: true)
        if tokens * 2 > keys.count || generation == UInt32.max {
            var size = 64
            while size < tokens * 2 { size <<= 1 }
            keys = [UInt64](repeating: 0, count: size)
            weights = [Double](repeating: 0, count: size)
            stamps = [UInt32](repeating: 0, count: size)
            mask = size - 1
            generation = 0
        }
        generation += 1
    }

    mutating func add(_ key: UInt64, _ weight: Double) {
        var i = TermTable.home(key, mask)
        while true {
            if stamps[i] != generation {
                stamps[i] = generation; keys[i] = key; weights[i] = weight
                order.append(Int32(i))
                return
            }
            if keys[i] == key { weights[i] += weight; return }
            i = (i + 1) & mask
        }
    }

    func key(at slot: Int32) -> UInt64 { keys[Int(slot)] }
    func weight(at slot: Int32) -> Double { weights[Int(slot)] }
}

/// A small fixed set of term keys (the stop words) asked about for every token cut: the same
/// open addressing as `TermTable`, filled once, at most a quarter full, so a lookup is a multiply
/// and one or two compares rather than `Set`'s SipHash.
struct KeySet: Sendable {
    private let slots: [UInt64]   // `empty` where free
    private let mask: Int
    private static let empty = UInt64.max   // no key: tags and masked word hashes never set every bit

    init<S: Sequence<UInt64>>(_ keys: S) {
        let keys = Array(Set(keys))
        var size = 16
        while size < keys.count * 4 { size <<= 1 }
        var slots = [UInt64](repeating: Self.empty, count: size)
        for k in keys {
            var i = TermTable.home(k, size - 1)
            while slots[i] != Self.empty { i = (i + 1) & (size - 1) }
            slots[i] = k
        }
        self.slots = slots
        mask = size - 1
    }

    @inline(__always) func contains(_ key: UInt64) -> Bool {
        slots.withUnsafeBufferPointer { s in
            var i = TermTable.home(key, mask)
            while true {
                let v = s[i]
                if v == key { return true }
                if v == Self.empty { return false }
                i = (i + 1) & mask
            }
        }
    }
}
