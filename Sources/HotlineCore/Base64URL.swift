import Foundation

/// base64url without padding (RFC 4648 §5): the form of every opaque cursor the API hands out.
public enum Base64URL {
    public static func encode(_ text: String) -> String { encode(bytes: Array(text.utf8)) }

    public static func encode(bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ encoded: String) -> String? {
        var b64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return String(data: data, encoding: .utf8)
    }
}
