import Foundation

/// Where webhooks may be sent (`HOTLINE_WEBHOOK_ALLOWED_HOSTS`: host names, addresses or IPv4
/// CIDR blocks, comma-separated). Unset allows any http(s) URL.
public struct DestinationPolicy: Sendable, Equatable {
    public var names: Set<String> = []
    public var addresses: Set<String> = []
    public var blocks: [(base: UInt32, mask: UInt32)] = []
    public var restricted: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.names == b.names && a.addresses == b.addresses && a.restricted == b.restricted && a.blocks.map(\.base) == b.blocks.map(\.base)
    }

    public static let unrestricted = DestinationPolicy(restricted: false)

    init(restricted: Bool) { self.restricted = restricted }

    /// Parses the list; an entry that is neither a name, an address nor a block is an error.
    public init(list: String?) throws(FieldError) {
        guard let list, !list.trimmingCharacters(in: .whitespaces).isEmpty else { self.init(restricted: false); return }
        self.init(restricted: true)
        for raw in list.split(separator: ",") {
            let entry = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard !entry.isEmpty else { continue }
            if let slash = entry.firstIndex(of: "/") {
                guard let base = Self.ipv4(String(entry[..<slash])), let bits = Int(entry[entry.index(after: slash)...]), (0...32).contains(bits) else {
                    throw FieldError("HOTLINE_WEBHOOK_ALLOWED_HOSTS", "'\(entry)' is not an IPv4 CIDR block")
                }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
                blocks.append((base & mask, mask))
            } else if Self.ipv4(entry) != nil || entry.contains(":") {
                addresses.insert(entry.trimmingCharacters(in: CharacterSet(charactersIn: "[]")))
            } else if entry.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
                names.insert(entry)
            } else {
                throw FieldError("HOTLINE_WEBHOOK_ALLOWED_HOSTS", "'\(entry)' is not a host name, address or CIDR block")
            }
        }
    }

    static func ipv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let n = UInt8(p), String(n) == p else { return nil }
            v = v << 8 | UInt32(n)
        }
        return v
    }

    /// Why a subscription URL is refused, or nil when it may be used.
    public func refusal(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else { return "must be an absolute http or https URL" }
        guard scheme == "http" || scheme == "https" else { return "must be an http or https URL, not \(scheme)" }
        guard let host = c.host?.lowercased(), !host.isEmpty else { return "must name a host" }
        if c.user != nil || c.password != nil { return "must not carry a user name or password" }
        guard restricted else { return nil }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if names.contains(bare) || addresses.contains(bare) { return nil }
        if let ip = Self.ipv4(bare), blocks.contains(where: { ip & $0.mask == $0.base }) { return nil }
        return "host \(bare) is not in HOTLINE_WEBHOOK_ALLOWED_HOSTS"
    }
}
