/// Term key → term id for the search index: open addressing with linear probing and a
/// multiplicative hash. Keys are already well mixed (packed scalars or FNV-1a), so there is no
/// need for `Hasher`'s per-process seeded SipHash; building the index at 100,000 entries does tens
/// of millions of these lookups, and this table is several times cheaper than `[UInt64: Int32]`.
struct TermTable: Sendable {
    private var keys: [UInt64]
    private var ids: [Int32]   // -1: empty
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    @inline(__always) static func home(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29) & mask
    }

    func id(_ key: UInt64) -> Int32? {
        var i = Self.home(key, mask)
        while true {
            let v = ids[i]
            if v < 0 { return nil }
            if keys[i] == key { return v }
            i = (i + 1) & mask
        }
    }

    /// The key's id, given the next free id (`count`) if it is new.
    mutating func idInserting(_ key: UInt64) -> (id: Int32, inserted: Bool) {
        if (count + 1) * 2 > ids.count { grow() }
        var i = Self.home(key, mask)
        while true {
            let v = ids[i]
            if v < 0 {
                keys[i] = key; ids[i] = Int32(count); count += 1
                return (ids[i], true)
            }
            if keys[i] == key { return (v, false) }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldIds = ids
        let size = ids.count * 2
        keys = [UInt64](repeating: 0, count: size)
        ids = [Int32](repeating: -1, count: size)
        mask = size - 1
        for (k, v) in zip(oldKeys, oldIds) where v >= 0 {
            var i = Self.home(k, mask)
            while ids[i] >= 0 { i = (i + 1) & mask }
            keys[i] = k; ids[i] = v
        }
    }
}
