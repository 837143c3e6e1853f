/// A JSON string literal, as Foundation's JSONEncoder writes one with `.withoutEscapingSlashes`:
/// `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00xx`, everything else
/// (slashes, non-ASCII) as its UTF-8 bytes. Used by the answers' writer (`ResponseJSON`) and the
/// event payloads written without an encoder.
public enum JSONString {
    public static func append(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { u in
            var mark = 0
            for (i, c) in u.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
                if i > mark { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[mark..<i])) }
                mark = i + 1
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x08: out.append(contentsOf: [0x5C, 0x62])
                case 0x0C: out.append(contentsOf: [0x5C, 0x66])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                default: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(c >> 4)], hexDigits[Int(c & 0xF)]])
                }
            }
            if u.count > mark { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[mark...])) }
        }
        out.append(0x22)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
