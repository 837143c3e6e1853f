import Foundation

/// `multipart/form-data` (RFC 7578) split into parts by offsets, so the caller can slice its
/// buffer without copying a file: the workbench's reply form carries evidence files this way.
public enum Multipart {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        /// Where the part's content lies in the body.
        public var range: Range<Int>
    }

    public enum Failure: Error, Equatable { case malformed(String) }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…` header.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for p in parts.dropFirst() where p.lowercased().hasPrefix("boundary=") {
            var b = String(p.dropFirst("boundary=".count))
            if b.hasPrefix("\""), b.hasSuffix("\""), b.count >= 2 { b = String(b.dropFirst().dropLast()) }
            return (1...70).contains(b.utf8.count) ? b : nil
        }
        return nil
    }

    public static func parse(_ body: UnsafeRawBufferPointer, boundary: String, maxParts: Int = 50) throws(Failure) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        func find(_ needle: [UInt8], from: Int) -> Int? {
            guard needle.count <= body.count else { return nil }
            var i = from
            while i + needle.count <= body.count {
                if body[i] == needle[0] {
                    var j = 1
                    while j < needle.count && body[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return i }
                }
                i += 1
            }
            return nil
        }
        guard var at = find(delimiter, from: 0) else { throw .malformed("no boundary") }
        var parts: [Part] = []
        while true {
            at += delimiter.count
            // "--" after a delimiter ends the body.
            if at + 1 < body.count, body[at] == 45, body[at + 1] == 45 { return parts }
            guard let headerStart = find(crlf, from: at).map({ $0 + 2 }) else { throw .malformed("no line after boundary") }
            guard let headerEnd = find([13, 10, 13, 10], from: headerStart - 2) else { throw .malformed("part without headers' end") }
            let headerText = String(decoding: UnsafeRawBufferPointer(rebasing: body[headerStart..<max(headerStart, headerEnd)]), as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(crlf + delimiter, from: contentStart - 2) else { throw .malformed("part without closing boundary") }
            var name: String? = nil, filename: String? = nil, type: String? = nil
            for line in headerText.split(separator: "\r\n") {
                let kv = line.split(separator: ":", maxSplits: 1)
                guard kv.count == 2 else { continue }
                let key = kv[0].trimmingCharacters(in: .whitespaces).lowercased()
                let value = kv[1].trimmingCharacters(in: .whitespaces)
                if key == "content-disposition" {
                    name = parameter("name", in: value)
                    filename = parameter("filename", in: value)
                } else if key == "content-type" { type = value }
            }
            guard let name else { throw .malformed("part without a name") }
            parts.append(Part(name: name, filename: filename, contentType: type, range: contentStart..<max(contentStart, next)))
            guard parts.count <= maxParts else { throw .malformed("more than \(maxParts) parts") }
            at = next + 2
        }
    }

    /// `name="x"` in `form-data; name="x"; filename="a.jpg"`.
    static func parameter(_ key: String, in value: String) -> String? {
        for piece in value.split(separator: ";") {
            let p = piece.trimmingCharacters(in: .whitespaces)
            guard p.lowercased().hasPrefix(key + "=") else { continue }
            var v = String(p.dropFirst(key.count + 1))
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v.replacingOccurrences(of: "\\\"", with: "\"")
        }
        return nil
    }
}
