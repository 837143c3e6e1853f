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
