import Foundation

// Reference data and tickets as the API returns them. Property names become snake_case JSON.

public struct Region: Sendable, Codable, Equatable {
    public var code: String
    public var name: String
    public var parentCode: String?
    public init(code: String, name: String, parentCode: String?) {
        self.code = code; self.name = name; self.parentCode = parentCode
    }
}

/// 事项分类: same shape as a region, a coded tree.
public typealias Category = Region

public struct OrgUnit: Sendable, Codable, Equatable {
    public var id: String
    public var code: String
    public var name: String
    public var parentId: String?
    public var level: String
    public var regionCode: String?
    public var active: Bool
    public init(id: String, code: String, name: String, parentId: String?, level: String, regionCode: String?, active: Bool) {
        self.id = id; self.code = code; self.name = name; self.parentId = parentId
        self.level = level; self.regionCode = regionCode; self.active = active
    }
}

public struct Hotline: Sendable, Codable, Equatable {
    public var number: String
    public var name: String
    public var department: String
    public var mergeMode: String
    public var defaultUnitId: String?
    public var active: Bool
    public var note: String
    public init(number: String, name: String, department: String, mergeMode: String, defaultUnitId: String?, active: Bool, note: String) {
        self.number = number; self.name = name; self.department = department; self.mergeMode = mergeMode
        self.defaultUnitId = defaultUnitId; self.active = active; self.note = note
    }
}

public struct User: Sendable, Codable, Equatable {
    public var id: String
    public var login: String
    public var displayName: String
    public var role: String
    public var unitId: String?
    public var active: Bool
    public var partner: Partner?
    public init(id: String, login: String, displayName: String, role: String, unitId: String?, active: Bool) {
        self.id = id; self.login = login; self.displayName = displayName; self.role = role
        self.unitId = unitId; self.active = active
    }

    public struct Partner: Sendable, Codable, Equatable {
        public var hotlineNumber: String
        public var channels: [String]
        public var unitId: String?
        public init(_ b: PartnerBinding) {
            hotlineNumber = b.hotlineNumber; channels = b.channels.map(\.rawValue); unitId = b.unitId.map(String.init)
        }
    }
}

/// What a partner account is bound to: it registers tickets only for this hotline and these
/// channels; a unit's office system also receives that unit's tickets.
public struct PartnerBinding: Sendable, Equatable {
    public var hotlineNumber: String
    public var channels: [Channel]
    public var unitId: Int64?
    public init(hotlineNumber: String, channels: [Channel], unitId: Int64?) {
        self.hotlineNumber = hotlineNumber; self.channels = channels; self.unitId = unitId
    }

    /// Whether the partner may register a ticket on this hotline and channel.
    public func mayRegister(hotline: String, channel: Channel) -> Bool {
        hotline == hotlineNumber && channels.contains(channel)
    }
}

public struct Caller: Sendable, Codable, Equatable {
    public var name: String?
    public var phone: String?
    public var address: String?
    public init(name: String?, phone: String?, address: String?) {
        self.name = name; self.phone = phone; self.address = address
    }
}

extension Ticket {
    /// The ticket as a unit sees it (and partners and subscriptions without personal data): the
    /// caller masked, nothing of a confidential ticket's caller, no query code.
    public var asUnitSeesIt: Ticket {
        var out = self
        out.caller = PersonalData.forUnit(caller, confidential: confidential)
        out.queryCode = nil
        return out
    }
}

public struct Ticket: Sendable, Codable, Equatable {
    public var id: String
    public var number: String
    public var queryCode: String?
    public var hotlineNumber: String
    public var channel: String
    public var externalId: String?
    public var receivedAt: Date
    public var createdAt: Date
    public var caller: Caller?
    public var confidential: Bool
    public var anonymous: Bool
    public var enterprise: Bool
    public var nature: String
    public var categoryCode: String?
    public var regionCode: String?
    public var title: String
    public var content: String
    public var slaPolicy: String?
    public var status: String
    public var parentId: String?
    public var version: Int
    /// For a directly answered ticket: the knowledge-base entry and the version answered with.
    public var kbEntryId: String? = nil
    public var kbVersion: Int? = nil
    /// How the ticket ended or was answered: answer text, rejection advice, approved reply, ….
    public var outcome: [String: String]? = nil
    public init(id: String, number: String, queryCode: String?, hotlineNumber: String, channel: String, externalId: String?, receivedAt: Date, createdAt: Date, caller: Caller?, confidential: Bool, anonymous: Bool, enterprise: Bool, nature: String, categoryCode: String?, regionCode: String?, title: String, content: String, slaPolicy: String?, status: String, parentId: String?, version: Int, kbEntryId: String? = nil, kbVersion: Int? = nil, outcome: [String: String]? = nil) {
        self.id = id
        self.number = number
        self.queryCode = queryCode
        self.hotlineNumber = hotlineNumber
        self.channel = channel
        self.externalId = externalId
        self.receivedAt = receivedAt
        self.createdAt = createdAt
        self.caller = caller
        self.confidential = confidential
        self.anonymous = anonymous
        self.enterprise = enterprise
        self.nature = nature
        self.categoryCode = categoryCode
        self.regionCode = regionCode
        self.title = title
        self.content = content
        self.slaPolicy = slaPolicy
        self.status = status
        self.parentId = parentId
        self.version = version
        self.kbEntryId = kbEntryId
        self.kbVersion = kbVersion
        self.outcome = outcome
    }
}

public struct TicketEvent: Sendable, Codable, Equatable {
    public var id: String
    public var at: Date
    public var actorId: String?
    public var actorRole: String?
    public var kind: String
    public var fromStatus: String?
    public var toStatus: String?
    public var payload: [String: String]
    /// Set where events of several tickets are listed together (the audit view).
    public var ticketId: String? = nil
    public init(id: String, at: Date, actorId: String?, actorRole: String?, kind: String, fromStatus: String?, toStatus: String?, payload: [String: String]) {
        self.id = id; self.at = at; self.actorId = actorId; self.actorRole = actorRole; self.kind = kind
        self.fromStatus = fromStatus; self.toStatus = toStatus; self.payload = payload
    }
}

/// An open ticket that looks like the same problem as a new one (并单 candidate).
public struct DuplicateCandidate: Sendable, Codable, Equatable {
    public var ticketId: String
    public var number: String
    public var status: String
    public var receivedAt: Date
    public var title: String
    public var reasons: [String]
    public var similarity: Double
    public init(ticketId: String, number: String, status: String, receivedAt: Date, title: String, reasons: [String], similarity: Double) {
        self.ticketId = ticketId; self.number = number; self.status = status; self.receivedAt = receivedAt
        self.title = title; self.reasons = reasons; self.similarity = similarity
    }
}
