import Foundation

/// base64url without padding (RFC 4648 §5): the form of every opaque cursor the API hands out.
public enum Base64URL {
    public static func encode(_ text: String) -> String { encode(bytes: Array(text.utf8)) }

    public static func encode(bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ encoded: String) -> String? {
        guard let bytes = decode(bytes: encoded) else { return nil }
        return String(bytes: bytes, encoding: .utf8)
    }

    public static func decode(bytes encoded: String) -> [UInt8]? {
        var b64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return Array(data)
    }
}

/// Lower-case hexadecimal of bytes (SHA-256 digests in answers, bytea literals for pgbench).
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)
    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
