import Foundation

/// A validated intake request (受理): everything `POST /v1/tickets` and the legacy-backlog import
/// accept, after every field has been checked. Built only through `validate`.
public struct TicketIntake: Sendable, Equatable {
    public var hotlineNumber: String
    public var channel: Channel
    public var receivedAt: Date?
    public var externalId: String?
    public var caller: Caller?
    public var confidential: Bool
    public var anonymous: Bool
    public var enterprise: Bool
    public var nature: Nature
    public var categoryCode: String?
    public var regionCode: String?
    public var title: String
    public var content: String
    public var slaPolicy: String?

    public static let maxTitle = 200
    public static let maxContent = 10_000
    public static let maxName = 100
    public static let maxAddress = 500
    public static let maxExternalId = 100
    /// How far in the future a `received_at` may lie (clock skew between systems).
    public static let futureTolerance: TimeInterval = 300

    /// The raw, untrusted fields as they arrived (JSON or a CSV line).
    public struct Raw: Sendable, Codable {
        public var hotlineNumber: String?
        public var channel: String?
        public var receivedAt: String?
        public var externalId: String?
        public var caller: RawCaller?
        public var confidential: Bool?
        public var anonymous: Bool?
        public var enterprise: Bool?
        public var nature: String?
        public var categoryCode: String?
        public var regionCode: String?
        public var title: String?
        public var content: String?
        public var slaPolicy: String?
        public init() {}
    }

    public struct RawCaller: Sendable, Codable {
        public var name: String?
        public var phone: String?
        public var address: String?
        public init(name: String? = nil, phone: String? = nil, address: String? = nil) {
            self.name = name; self.phone = phone; self.address = address
        }
    }

    /// Checks every field and reports every problem at once. Existence of the hotline, category,
    /// region and SLA policy is checked against the database by the store, not here.
    public static func validate(_ raw: Raw, now: Date) throws(ValidationFailure) -> TicketIntake {
        var c = FieldChecker()
        let hotline = c.requiredText("hotline_number", raw.hotlineNumber, maxLength: 8)
        if let hotline, !hotline.allSatisfy({ $0.isASCII && $0.isNumber }) {
            c.add("hotline_number", "must be digits, e.g. 12345 or 12315")
        }
        let channel: Channel? = c.enumValue("channel", raw.channel, required: true)
        let nature: Nature? = c.enumValue("nature", raw.nature, required: true)
        var receivedAt: Date? = nil
        if let s = raw.receivedAt {
            if let d = Timestamp.parse(s) {
                if d.timeIntervalSince(now) > futureTolerance {
                    c.add("received_at", "must not be in the future")
                } else if d < Date(timeIntervalSince1970: 946_684_800) {
                    c.add("received_at", "must not be before 2000-01-01")
                } else {
                    receivedAt = d
                }
            } else {
                c.add("received_at", "must be an RFC 3339 time with offset, e.g. 2026-11-21T09:30:00+08:00")
            }
        }
        let externalId = c.optionalText("external_id", raw.externalId, maxLength: maxExternalId)
        let title = c.requiredText("title", raw.title, maxLength: maxTitle)
        let content = c.requiredText("content", raw.content, maxLength: maxContent, multiline: true)
        let category = c.optionalText("category_code", raw.categoryCode, maxLength: 64)
        let region = c.optionalText("region_code", raw.regionCode, maxLength: 64)
        let sla = c.optionalText("sla_policy", raw.slaPolicy, maxLength: 40)
        let anonymous = raw.anonymous ?? false

        var caller: Caller? = nil
        if let rc = raw.caller {
            let name = c.optionalText("caller.name", rc.name, maxLength: maxName)
            let address = c.optionalText("caller.address", rc.address, maxLength: maxAddress)
            var phone: String? = nil
            if let p = rc.phone, !p.trimmingWhitespace().isEmpty {
                phone = PhoneNumber.normalize(p)
                if phone == nil { c.add("caller.phone", "must be a phone number: digits, optionally +86, spaces or dashes") }
            }
            if anonymous && (name != nil || phone != nil || address != nil) {
                c.add("caller", "must be empty for an anonymous ticket: anonymous tickets store no personal data")
            } else if name != nil || phone != nil || address != nil {
                caller = Caller(name: name, phone: phone, address: address)
            }
        }
        try c.throwIfAny()
        return TicketIntake(
            hotlineNumber: hotline!, channel: channel!, receivedAt: receivedAt, externalId: externalId,
            caller: caller, confidential: raw.confidential ?? false, anonymous: anonymous,
            enterprise: raw.enterprise ?? false, nature: nature!, categoryCode: category, regionCode: region,
            title: title!, content: content!, slaPolicy: sla)
    }

    /// A stable digest input of the request's meaning: the same intake sent twice hashes the same,
    /// whatever the JSON key order or whitespace was.
    public var canonicalText: String {
        [hotlineNumber, channel.rawValue, receivedAt.map { String($0.timeIntervalSince1970) } ?? "",
         externalId ?? "", caller?.name ?? "", caller?.phone ?? "", caller?.address ?? "",
         String(confidential), String(anonymous), String(enterprise), nature.rawValue,
         categoryCode ?? "", regionCode ?? "", title, content, slaPolicy ?? ""]
            .map { $0.utf8.contains(0x1F) ? $0.replacingOccurrences(of: "\u{1F}", with: " ") : $0 }  // (rare: skip Foundation's search)
            .joined(separator: "\u{1F}")
    }
}
