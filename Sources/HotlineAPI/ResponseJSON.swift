import Foundation
import HotlineCore

/// The service's JSON, byte for byte what Foundation's JSONEncoder writes with the service's
/// settings (`APIEncoder.foundationData`): keys sorted by their UTF-8 bytes, snake_case keys (a
/// `[String: …]` dictionary's own keys as they are), times as `Timestamp` in the service zone,
/// floating-point numbers as their description without a trailing ".0", slashes unescaped, a value
/// that encodes nothing as `{}`. Without JSONEncoder's coding path per key, key-strategy closure
/// per key and boxes per value, which made encoding a tenth of an intake's CPU.
///
/// Debug builds encode every answer both ways and stop on any difference (`APIEncoder.data`), so
/// every test that reads an answer holds the two together; `EncodingTests` adds edge cases.
enum ResponseJSON {
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        let doc = Doc()
        let root = Root()
        try doc.encodeValue(value, into: .root(root), path: nil)
        guard let top = root.value else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level value did not encode any values."))
        }
        var out: [UInt8] = []
        out.reserveCapacity(doc.bytes.count + 256)
        doc.write(top, into: &out)
        return out
    }

    // MARK: - The tree

    /// A value: serialized scalar bytes (a range of `Doc.bytes`), an object, an array, or nothing
    /// yet (a value whose encoding asked for no container: written `{}` as Foundation does).
    enum Value {
        case empty
        case scalar(Int, Int)
        case object(Object)
        case array(ArrayBox)
    }

    final class Object {
        /// Keys as written (already converted); the last value of a key repeated wins.
        var keys: [String] = []
        var values: [Value] = []
        func append(_ key: String, _ v: Value) -> Int { keys.append(key); values.append(v); return values.count - 1 }
    }

    final class ArrayBox {
        var values: [Value] = []
    }

    final class Root { var value: Value? }

    /// Where an encoder's value goes.
    enum Slot {
        case root(Root)
        case member(Object, Int)
        case element(ArrayBox, Int)

        var value: Value? {
            switch self {
            case .root(let r): r.value
            case .member(let o, let i): o.values[i]
            case .element(let a, let i): a.values[i]
            }
        }

        func set(_ v: Value) {
            switch self {
            case .root(let r): r.value = v
            case .member(let o, let i): o.values[i] = v
            case .element(let a, let i): a.values[i] = v
            }
        }
    }

    final class PathNode {
        let key: any CodingKey
        let parent: PathNode?
        init(_ key: any CodingKey, _ parent: PathNode?) { self.key = key; self.parent = parent }
        static func array(_ node: PathNode?) -> [any CodingKey] {
            var keys: [any CodingKey] = [], n = node
            while let c = n { keys.append(c.key); n = c.parent }
            return keys.reversed()
        }
    }

    struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct NameKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // MARK: - Scalars

    final class Doc {
        var bytes: [UInt8] = []
        init() { bytes.reserveCapacity(4096) }

        func scalar(_ write: (inout [UInt8]) -> Void) -> Value {
            let start = bytes.count
            write(&bytes)
            return .scalar(start, bytes.count)
        }

        func string(_ s: String) -> Value { scalar { JSONString.append(s, to: &$0) } }
        func bool(_ b: Bool) -> Value { scalar { b ? $0.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) : $0.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) } }
        func null() -> Value { scalar { $0.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) } }
        func integer(_ v: some BinaryInteger) -> Value { scalar { $0.append(contentsOf: String(v).utf8) } }
        func number(_ description: String) -> Value { scalar { $0.append(contentsOf: description.utf8) } }

        func floating<F: BinaryFloatingPoint & CustomStringConvertible>(_ v: F, path: PathNode?) throws -> Value {
            guard v.isFinite else {
                throw EncodingError.invalidValue(v, .init(codingPath: PathNode.array(path), debugDescription: "Unable to encode \(v) directly in JSON."))
            }
            var s = v.description
            if s.hasSuffix(".0") { s.removeLast(2) }
            return number(s)
        }

        /// Any Encodable: the types JSONEncoder treats specially first, then the value's own encoding.
        func encodeValue<T: Encodable>(_ value: T, into slot: Slot, path: PathNode?) throws {
            // Type identity first (a pointer comparison), the protocol cast only for the rest.
            if T.self == String.self { slot.set(string(value as! String)); return }
            if T.self == Int.self { slot.set(integer(value as! Int)); return }
            if T.self == Bool.self { slot.set(bool(value as! Bool)); return }
            if T.self == Double.self { slot.set(try floating(value as! Double, path: path)); return }
            if T.self == Date.self { slot.set(string(Timestamp.format(value as! Date, in: APIEncoder.zone))); return }
            if T.self == Data.self { slot.set(string((value as! Data).base64EncodedString())); return }
            if T.self == URL.self { slot.set(string((value as! URL).absoluteString)); return }
            if T.self == Decimal.self { slot.set(number((value as! Decimal).description)); return }
            switch value {
            case let dict as any RawKeyedDictionary: try dict.encodeRawKeys(into: slot, doc: self, path: path)
            default:
                // Nothing encoded: a member or element stays `.empty` (`{}`); the top level stays
                // unset, which `encode` refuses as JSONEncoder does.
                try value.encode(to: Enc(doc: self, slot: slot, path: path))
            }
        }

        // MARK: Writing

        func write(_ v: Value, into out: inout [UInt8]) {
            switch v {
            case .empty: out.append(contentsOf: [0x7B, 0x7D])
            case .scalar(let s, let e): out.append(contentsOf: bytes[s..<e])
            case .array(let a):
                out.append(0x5B)
                for (i, e) in a.values.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    write(e, into: &out)
                }
                out.append(0x5D)
            case .object(let o):
                out.append(0x7B)
                let keys = o.keys
                let order = keys.indices.sorted { a, b in
                    let (x, y) = (keys[a].utf8, keys[b].utf8)
                    if x.elementsEqual(y) { return a < b }
                    return x.lexicographicallyPrecedes(y)
                }
                var first = true
                for (n, i) in order.enumerated() {
                    // A key written twice: the last value wins, as in JSONEncoder's dictionary.
                    if n + 1 < order.count, keys[order[n + 1]].utf8.elementsEqual(keys[i].utf8) { continue }
                    if !first { out.append(0x2C) }
                    first = false
                    JSONString.append(keys[i], to: &out)
                    out.append(0x3A)
                    write(o.values[i], into: &out)
                }
                out.append(0x7D)
            }
        }
    }

    // MARK: - Encoder and containers

    struct Enc: Encoder {
        let doc: Doc
        let slot: Slot
        let path: PathNode?
        var codingPath: [any CodingKey] { PathNode.array(path) }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            // A second keyed container on one encoder adds to the same object (as JSONEncoder's does).
            if case .object(let o)? = slot.value { return KeyedEncodingContainer(Keyed<Key>(doc: doc, object: o, path: path)) }
            let o = Object()
            slot.set(.object(o))
            return KeyedEncodingContainer(Keyed<Key>(doc: doc, object: o, path: path))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let a)? = slot.value { return Unkeyed(doc: doc, array: a, path: path) }
            let a = ArrayBox()
            slot.set(.array(a))
            return Unkeyed(doc: doc, array: a, path: path)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(doc: doc, slot: slot, path: path) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let doc: Doc
        let object: Object
        let path: PathNode?
        var codingPath: [any CodingKey] { PathNode.array(path) }

        private func name(_ key: Key) -> String { SnakeCaseKeys.convert(key.stringValue) }
        private func put(_ v: Value, _ key: Key) { _ = object.append(name(key), v) }

        mutating func encodeNil(forKey key: Key) throws { put(doc.null(), key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(doc.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(doc.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(try doc.floating(value, path: path), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(try doc.floating(value, path: path), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(doc.integer(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(doc.integer(value), key) }

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let i = object.append(name(key), .empty)
            try doc.encodeValue(value, into: .member(object, i), path: PathNode(key, path))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let o = Object()
            put(.object(o), key)
            return KeyedEncodingContainer(Keyed<NestedKey>(doc: doc, object: o, path: PathNode(key, path)))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let a = ArrayBox()
            put(.array(a), key)
            return Unkeyed(doc: doc, array: a, path: PathNode(key, path))
        }

        mutating func superEncoder() -> any Encoder {
            let i = object.append(SnakeCaseKeys.convert("super"), .empty)
            return Enc(doc: doc, slot: .member(object, i), path: PathNode(NameKey(stringValue: "super"), path))
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let i = object.append(name(key), .empty)
            return Enc(doc: doc, slot: .member(object, i), path: PathNode(key, path))
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let doc: Doc
        let array: ArrayBox
        let path: PathNode?
        var codingPath: [any CodingKey] { PathNode.array(path) }
        var count: Int { array.values.count }

        private func add(_ v: Value) { array.values.append(v) }

        mutating func encodeNil() throws { add(doc.null()) }
        mutating func encode(_ value: Bool) throws { add(doc.bool(value)) }
        mutating func encode(_ value: String) throws { add(doc.string(value)) }
        mutating func encode(_ value: Double) throws { add(try doc.floating(value, path: path)) }
        mutating func encode(_ value: Float) throws { add(try doc.floating(value, path: path)) }
        mutating func encode(_ value: Int) throws { add(doc.integer(value)) }
        mutating func encode(_ value: Int8) throws { add(doc.integer(value)) }
        mutating func encode(_ value: Int16) throws { add(doc.integer(value)) }
        mutating func encode(_ value: Int32) throws { add(doc.integer(value)) }
        mutating func encode(_ value: Int64) throws { add(doc.integer(value)) }
        mutating func encode(_ value: UInt) throws { add(doc.integer(value)) }
        mutating func encode(_ value: UInt8) throws { add(doc.integer(value)) }
        mutating func encode(_ value: UInt16) throws { add(doc.integer(value)) }
        mutating func encode(_ value: UInt32) throws { add(doc.integer(value)) }
        mutating func encode(_ value: UInt64) throws { add(doc.integer(value)) }

        mutating func encode<T: Encodable>(_ value: T) throws {
            let i = array.values.count
            add(.empty)
            try doc.encodeValue(value, into: .element(array, i), path: PathNode(IndexKey(i), path))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let o = Object()
            let i = array.values.count
            add(.object(o))
            return KeyedEncodingContainer(Keyed<NestedKey>(doc: doc, object: o, path: PathNode(IndexKey(i), path)))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let a = ArrayBox()
            let i = array.values.count
            add(.array(a))
            return Unkeyed(doc: doc, array: a, path: PathNode(IndexKey(i), path))
        }

        mutating func superEncoder() -> any Encoder {
            let i = array.values.count
            add(.empty)
            return Enc(doc: doc, slot: .element(array, i), path: PathNode(IndexKey(i), path))
        }
    }

    struct Single: SingleValueEncodingContainer {
        let doc: Doc
        let slot: Slot
        let path: PathNode?
        var codingPath: [any CodingKey] { PathNode.array(path) }

        mutating func encodeNil() throws { slot.set(doc.null()) }
        mutating func encode(_ value: Bool) throws { slot.set(doc.bool(value)) }
        mutating func encode(_ value: String) throws { slot.set(doc.string(value)) }
        mutating func encode(_ value: Double) throws { slot.set(try doc.floating(value, path: path)) }
        mutating func encode(_ value: Float) throws { slot.set(try doc.floating(value, path: path)) }
        mutating func encode(_ value: Int) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: Int8) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: Int16) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: Int32) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: Int64) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: UInt) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: UInt8) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: UInt16) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: UInt32) throws { slot.set(doc.integer(value)) }
        mutating func encode(_ value: UInt64) throws { slot.set(doc.integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { try doc.encodeValue(value, into: slot, path: path) }
    }
}

/// A `[String: …]` dictionary: JSONEncoder writes its keys as they are, not through the key strategy.
protocol RawKeyedDictionary {
    func encodeRawKeys(into slot: ResponseJSON.Slot, doc: ResponseJSON.Doc, path: ResponseJSON.PathNode?) throws
}

extension Dictionary: RawKeyedDictionary where Key == String, Value: Encodable {
    func encodeRawKeys(into slot: ResponseJSON.Slot, doc: ResponseJSON.Doc, path: ResponseJSON.PathNode?) throws {
        let o = ResponseJSON.Object()
        slot.set(.object(o))
        for (k, v) in self {
            let i = o.append(k, .empty)
            try doc.encodeValue(v, into: .member(o, i), path: ResponseJSON.PathNode(ResponseJSON.NameKey(stringValue: k), path))
        }
    }
}
