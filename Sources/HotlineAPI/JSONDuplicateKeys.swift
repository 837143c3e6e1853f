import Foundation

/// Finds a key that occurs twice in one JSON object (`{"approve": false, "approve": true}`):
/// JSONSerialization keeps one silently, another parser the other, so such a body is refused.
enum JSONDuplicateKeys {
    /// The first duplicated key (as a dotted path), or nil. Malformed JSON answers nil: the
    /// decoder reports it properly.
    static func first(in data: Data) -> String? {
        var stack: [(keys: Set<String>, path: String, isObject: Bool)] = []
        var expectKey = false
        var pendingKey: String? = nil
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\""):
                var j = i + 1, raw: [UInt8] = []
                while j < bytes.count && bytes[j] != UInt8(ascii: "\"") {
                    if bytes[j] == UInt8(ascii: "\\") { raw.append(bytes[j]); j += 1 }
                    if j < bytes.count { raw.append(bytes[j]) }
                    j += 1
                }
                if expectKey, var top = stack.popLast() {
                    let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
                    let key = (try? JSONDecoder().decode(String.self, from: quoted)) ?? String(decoding: raw, as: UTF8.self)
                    let path = top.path.isEmpty ? key : top.path + "." + key
                    if top.keys.contains(key) { return path }
                    top.keys.insert(key)
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
        return nil
    }
}
