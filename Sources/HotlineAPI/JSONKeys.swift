import Foundation

/// One pass over a JSON body's keys, before it is decoded: a key that occurs twice in one object
/// (`{"approve": false, "approve": true}`: JSONSerialization keeps one silently, another parser
/// the other, so such a body is refused) and the keys of the top-level object (checked against
/// the body type's fields, so a misspelt field is refused by name).
enum JSONKeys {
    struct Scan {
        /// The first duplicated key as a dotted path, or nil.
        var duplicate: String?
        /// The top-level object's keys in order (empty when the body is not an object).
        var topLevel: [String]
    }

    /// Malformed JSON answers what was seen before the fault: the decoder reports it properly.
    static func scan(_ data: Data) -> Scan {
        var result = Scan(duplicate: nil, topLevel: [])
        var stack: [(keys: Set<String>, path: String, isObject: Bool)] = []
        var expectKey = false
        var pendingKey: String? = nil
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var i = 0
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "\""):
                    var j = i + 1
                    var escaped = false
                    while j < bytes.count && bytes[j] != UInt8(ascii: "\"") {
                        if bytes[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                        j += 1
                    }
                    if expectKey, var top = stack.popLast() {
                        let raw = UnsafeRawBufferPointer(rebasing: bytes[(i + 1)..<min(j, bytes.count)])
                        let key = escaped ? decodeEscaped(raw) : String(decoding: raw, as: UTF8.self)
                        let path = top.path.isEmpty ? key : top.path + "." + key
                        if top.keys.contains(key) { result.duplicate = path; return }
                        top.keys.insert(key)
                        if stack.isEmpty && top.isObject { result.topLevel.append(key) }
                        stack.append(top)
                        pendingKey = path
                        expectKey = false
                    }
                    i = j
                case UInt8(ascii: "{"):
                    stack.append(([], pendingKey ?? stack.last?.path ?? "", true))
                    expectKey = true
                    pendingKey = nil
                case UInt8(ascii: "["):
                    stack.append(([], pendingKey ?? stack.last?.path ?? "", false))
                    pendingKey = nil
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    _ = stack.popLast()
                    pendingKey = nil
                case UInt8(ascii: ","):
                    expectKey = stack.last?.isObject ?? false
                    pendingKey = nil
                default:
                    break
                }
                i += 1
            }
        }
        return result
    }

    /// A key with escapes (`\u4e2d`, `\"`), read as JSON reads it.
    private static func decodeEscaped(_ raw: UnsafeRawBufferPointer) -> String {
        let quoted = Data([UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")])
        return (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
    }
}
