/// The closed vocabularies of DOMAIN.md. Raw values are the wire and database spellings.

public enum Role: String, CaseIterable, Sendable, Codable {
    case agent, dispatcher, handler, callback, supervisor, admin, auditor
    /// Another system: the 110 desk, the province platform, a parallel line, a unit's office system.
    case partner
}

public enum Channel: String, CaseIterable, Sendable, Codable {
    case phone, wechat, app, web, email, sms
    case transfer110 = "transfer_110"
    case upperPlatform = "upper_platform"
    case grid, letter
}

public enum Nature: String, CaseIterable, Sendable, Codable {
    case consult, help, complaint, report, suggestion, praise, other
}

public enum MergeMode: String, CaseIterable, Sendable, Codable {
    case hub, whole, parallel, subcenter, linked
}

public enum UnitLevel: String, CaseIterable, Sendable, Codable {
    case city, district, department, street, office
}

public enum TicketStatus: String, CaseIterable, Sendable, Codable {
    case registered, answered, rejected, transferred, merged, dispatched, accepted
    case returnRequested = "return_requested"
    case extensionRequested = "extension_requested"
    case suspensionRequested = "suspension_requested"
    case suspended
    case replied
    case awaitingCallback = "awaiting_callback"
    case reopened, closed, terminated

    /// States in which the problem is still being worked on (a duplicate can be merged into it).
    public var isOpen: Bool {
        switch self {
        case .answered, .rejected, .transferred, .merged, .closed, .terminated: return false
        default: return true
        }
    }

    public static var openStates: [TicketStatus] { allCases.filter(\.isOpen) }
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == String {
    /// "a, b, c" — used in error messages that list the allowed values.
    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
